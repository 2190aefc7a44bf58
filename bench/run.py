"""Benchmark aipolicy against check-jsonschema and a bare parsing floor.

    python bench/run.py                       # N = 1, 100, 1000, 10000 (a few minutes)
    python bench/run.py --quick               # N = 1, 100, 1000, fewer repeats
    python bench/run.py --sizes 1,1000 --repeats 5

One corpus (bench/corpus.py) is generated in a temporary `git init`ed folder and
committed; size N checks its first N manifests, so every tool reads the same
files, named explicitly on the command line as pre-commit names them. File 0 is
a clean production manifest, so N=1 is the pre-commit case: one manifest at
stage production in a git repository, every rule on.

Three measurements per size, each in its own subprocess (wall time around it;
CPU time and peak RSS of that process alone, through GNU time where it exists,
else os.wait4 (see measure); CPU time includes the process's own reaped children,
e.g. a worker pool; peak RSS is that of the largest single process):

  aipolicy          aipolicy check FILES (default policy, every rule, text output)
  check-jsonschema  check-jsonschema --schemafile schemas/ai-production.v1.schema.json FILES
  floor             python: read each file and yaml.compose it with libyaml's CSafeLoader

With 1,000 manifests or more, a last scenario modifies 3 manifests of a repository of
1,000 (the corpus's first 1,000, generated in a repository of their own when the corpus
is larger) in a new commit and times `aipolicy check --changed-since HEAD~1`, as a CI job
runs it over the whole repository, against checking the 3 by name (bench.run.changed_since).
With a larger corpus the same is measured, without a budget, in the whole corpus's
repository with the run limited to the folders of its first 1,000.

Results: bench/results/latest.md and latest.json (medians over the repeats,
ratios, the machine's load before and after, and the budgets of issue 15, each
measured in this one run). Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402 - bench/ is not a package

SCHEMA = REPO / "schemas" / "ai-production.v1.schema.json"
TODAY = datetime.date(2026, 11, 26)  # the corpus's dates are relative to it; passed as --today
DEFAULT_SIZES = (1, 100, 1000, 10000)
# 5 at N=1,000: on a shared VM a median of 3 moved by 40%. 15 at N=1 (a run is a tenth of a
# second, and a neighbour's burst moved a median of 5 by 0.03 of the 0.35 budget).
DEFAULT_REPEATS = {1: 15, 100: 5, 1000: 5, 10000: 1}
QUICK_SIZES = (1, 100, 1000)
QUICK_REPEATS = {1: 3, 100: 3, 1000: 1}
TOOLS = ("aipolicy", "check-jsonschema", "floor")
# The interpreter and the two libraries every `aipolicy check` imports (the product fixes click
# and PyYAML): what a one-file check cannot go below on this machine, for reading the N=1 CPU budget.
STARTUP = [sys.executable, "-c", "import yaml, click"]

# A broken manifest must not end the loop early (the other tools read every file).
FLOOR = """\
import sys, yaml
for name in sys.argv[1:]:
    with open(name, "rb") as handle:
        try:
            yaml.compose(handle.read(), Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass
"""

# The budgets of issue 15, as (label, size, metric, limit); "changed" is the --changed-since scenario.
BUDGETS = (
    ("N=1: aipolicy wall <= 0.35 x check-jsonschema", 1, "vs_cj", 0.35),
    ("N=1: aipolicy CPU <= 150 ms", 1, "cpu_ms", 150.0),
    ("N=1000: aipolicy wall <= 2.5 x floor", 1000, "vs_floor", 2.5),
    ("N=10000: aipolicy wall <= 11 x its N=1000 wall", 10000, "growth", 11.0),
    ("N=10000: aipolicy peak RSS < 80 MiB", 10000, "peak_mib", 80.0),
    ("--changed-since, 3 of 1,000 changed: wall <= 1.5 x checking the 3 by name", "changed", "vs_named", 1.5),
)
CHANGED = (1, 500, 999)  # the files the --changed-since scenario modifies, of the first 1,000


def _script(name: str) -> str | None:
    # The console script beside this interpreter, not a shim (pyenv's bash shims add ~0.1 s).
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def commands(files: list[str]) -> dict[str, list[str]]:
    aipolicy = _script("aipolicy")
    cj = _script("check-jsonschema")
    if cj is None:
        sys.exit("bench: check-jsonschema is not installed; pip install -e '.[bench]'")
    return {
        "aipolicy": [
            *([aipolicy] if aipolicy else [sys.executable, "-m", "checker"]),
            "check",
            "--today",
            TODAY.isoformat(),
            *files,
        ],
        "check-jsonschema": [cj, "--schemafile", str(SCHEMA), *files],
        "floor": [sys.executable, "-c", FLOOR, *files],
    }


TIME = "/usr/bin/time"  # GNU time: forks the measured command from a process of its own, a few MiB


def measure(argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> dict[str, float | int]:
    """One run in its own process: wall seconds, CPU seconds (user+sys), peak RSS in KiB.

    The peak RSS is the measured process's own. Linux keeps a process's peak across
    exec, and a child of this Python process starts with this process's memory (vfork or
    fork), so wait4's ru_maxrss of a direct child reports at least this benchmark's own
    size (19-26 MiB for an 11 MiB floor). GNU time, itself small, forks the command and
    reports that child's peak alone; without it (macOS), wait4 is the fallback and the
    note in the results says so."""
    use_time = os.path.exists(TIME) and sys.platform.startswith("linux")
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        command = [TIME, "-f", "%M %U %S", "-o", report.name, *argv] if use_time else argv
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        code = proc.returncode
        if code not in ok:
            err.seek(0)
            sys.exit(f"bench: {argv[0]} exited {code}:\n{err.read().decode(errors='replace')[-2000:]}")
        if use_time:
            # GNU time writes "Command exited with non-zero status N" first when the command fails.
            fields = report.read().strip().splitlines()[-1].split()
            maxrss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
            return {"wall": wall, "cpu": cpu, "maxrss_kib": maxrss, "exit": code, "rss_by": "GNU time"}
    maxrss = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": maxrss,
        "exit": code,
        "rss_by": "wait4 (includes the benchmark's own size)",
    }


def _env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "AIPOLICY_JOBS", "AIPOLICY_PARALLEL_MIN_FILES", "CI"):
        env.pop(name, None)  # the default text output, the default pool decision
    # Installed packages run from byte code; so must every tool here, whatever this
    # shell says (PYTHONDONTWRITEBYTECODE), without writing into the repository.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["NO_COLOR"] = "1"
    return env


def run(sizes: list[int], repeats: dict[int, int], log) -> dict:
    with tempfile.TemporaryDirectory(prefix="aipolicy-bench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        env = _env(Path(tmp) / "pycache")
        started = time.perf_counter()
        files = [p.as_posix() for p in corpus.generate(root, max(sizes), TODAY)]
        corpus.commit(root)
        lines = [len((root / f).read_text(encoding="utf-8").splitlines()) for f in files]
        log(
            f"corpus: {len(files)} manifests, {statistics.mean(lines):.0f} lines on average, "
            f"written and committed in {time.perf_counter() - started:.1f} s"
        )
        for argv in commands(files[:1]).values():  # warm-up, not measured: byte code compiled, caches filled
            measure(argv, root, env)
        startup = [measure(STARTUP, root, env, (0,)) for _ in range(max(repeats.values()))]
        startup_cpu = statistics.median(r["cpu"] for r in startup)
        log(f"start-up floor (import yaml, click): {startup_cpu * 1000:.0f} ms CPU")
        sizes_out: dict[str, dict] = {}
        for size in sizes:
            argvs = commands(files[:size])
            runs: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
            for _ in range(repeats[size]):
                for tool in TOOLS:  # interleaved, so drift in machine load hits every tool alike
                    runs[tool].append(measure(argvs[tool], root, env, (0,) if tool == "floor" else (0, 1)))
            entry = {}
            for tool in TOOLS:
                entry[tool] = {
                    "runs": runs[tool],
                    "median": {
                        "wall": statistics.median(r["wall"] for r in runs[tool]),
                        "cpu": statistics.median(r["cpu"] for r in runs[tool]),
                        "peak_mib": statistics.median(r["maxrss_kib"] for r in runs[tool]) / 1024,
                    },
                    "exit_codes": sorted({r["exit"] for r in runs[tool]}),
                }
            ap = entry["aipolicy"]["median"]["wall"]
            entry["ratios"] = {
                "aipolicy/check-jsonschema": ap / entry["check-jsonschema"]["median"]["wall"],
                "aipolicy/floor": ap / entry["floor"]["median"]["wall"],
            }
            sizes_out[str(size)] = entry
            log(
                f"N={size}: "
                + ", ".join(f"{t} {entry[t]['median']['wall']:.2f} s" for t in TOOLS)
                + f" (x{repeats[size]})"
            )
        changed = scoped = None
        if len(files) >= 1000:
            alone = root
            if len(files) > 1000:  # the budget's repository holds 1,000 manifests, no more
                alone = Path(tmp) / "repo-1000"
                alone.mkdir()
                corpus.generate(alone, 1000, TODAY)
                corpus.commit(alone)
                scope = sorted({Path(f).parent.as_posix() for f in files[:1000]})
                scoped = changed_since(root, files[:1000], scope, env, max(repeats.values()), log)
            changed = changed_since(alone, files[:1000], [], env, max(repeats.values()), log)
    out = {
        "corpus": {"files": len(files), "mean_lines": round(statistics.mean(lines), 1)},
        "startup": {
            "runs": startup,
            "median": {"cpu": startup_cpu, "wall": statistics.median(r["wall"] for r in startup)},
        },
        "sizes": sizes_out,
    }
    if changed is not None:
        out["changed_since"] = changed
    if scoped is not None:
        out["changed_since_scoped"] = scoped
    return out


def changed_since(root: Path, files: list[str], scope: list[str], env: dict[str, str], repeats: int, log) -> dict:
    """3 of the 1,000 manifests `files` modified in a new commit: `aipolicy check --changed-since
    HEAD~1 [SCOPE...]` (no scope: the whole repository) against `aipolicy check` of the 3
    named. Run last: it commits."""
    chosen = [files[i] for i in CHANGED]
    for name in chosen:
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    git_env = {**os.environ, **corpus.GIT_ENV}
    for args in (["add", "-A"], ["commit", "-q", "-m", "bench: 3 manifests changed"]):
        subprocess.run(["git", *args], cwd=root, env=git_env, check=True, stdout=subprocess.DEVNULL)
    aipolicy = commands([])["aipolicy"]
    argvs = {
        "changed-since": [*aipolicy, "--changed-since", "HEAD~1", *scope],
        "named": [*aipolicy, *chosen],
    }
    runs: dict[str, list[dict]] = {name: [] for name in argvs}
    for _ in range(repeats):
        for name, argv in argvs.items():
            runs[name].append(measure(argv, root, env))
    medians = {name: statistics.median(r["wall"] for r in found) for name, found in runs.items()}
    log(
        f"--changed-since ({len(scope)} paths named): {medians['changed-since']:.2f} s, "
        f"the 3 by name {medians['named']:.2f} s (x{repeats})"
    )
    return {
        "changed": chosen,
        "scope": len(scope),
        "runs": runs,
        "median": {
            name: {"wall": medians[name], "cpu": statistics.median(r["cpu"] for r in runs[name])} for name in runs
        },
        "ratio": medians["changed-since"] / medians["named"],
    }


def budgets(sizes: dict[str, dict], changed: dict | None = None) -> list[dict]:
    out = []
    for label, size, metric, limit in BUDGETS:
        entry = changed if size == "changed" else sizes.get(str(size))
        if entry is None:
            continue
        if metric == "vs_named":
            value = entry["ratio"]
        elif metric == "cpu_ms":
            value = entry["aipolicy"]["median"]["cpu"] * 1000
        elif metric == "vs_cj":
            value = entry["ratios"]["aipolicy/check-jsonschema"]
        elif metric == "vs_floor":
            value = entry["ratios"]["aipolicy/floor"]
        elif metric == "growth":
            if "1000" not in sizes:
                continue
            value = entry["aipolicy"]["median"]["wall"] / sizes["1000"]["aipolicy"]["median"]["wall"]
        else:
            value = entry["aipolicy"]["median"]["peak_mib"]
        holds = value < limit if metric == "peak_mib" else value <= limit
        out.append({"budget": label, "limit": limit, "value": round(value, 3), "holds": holds})
    return out


def markdown(result: dict) -> str:
    meta = result["meta"]
    out = [
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}; Python {meta['python']}; aipolicy {meta['versions']['aipolicy']}, "
        f"check-jsonschema {meta['versions']['check-jsonschema']}, PyYAML {meta['versions']['pyyaml']} "
        f"(libyaml {'yes' if meta['libyaml'] else 'no'}); {meta['date']}; {meta['bench_seconds']:.0f} s in all; "
        f"load average {_load(meta['load_average_before'])} before, {_load(meta['load_average_after'])} after  ",
        f"Corpus: {result['corpus']['files']} generated manifests (about {result['corpus']['mean_lines']:.0f} lines, "
        "~10% broken), committed in a fresh git repository; size N checks the first N, named on the command line.",
        "",
        "| N | tool | runs | wall (median) | CPU user+sys | peak RSS | wall vs check-jsonschema | wall vs floor |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, entry in result["sizes"].items():
        for tool in TOOLS:
            med = entry[tool]["median"]
            vs_cj = f"{med['wall'] / entry['check-jsonschema']['median']['wall']:.2f}x"
            vs_floor = f"{med['wall'] / entry['floor']['median']['wall']:.2f}x"
            out.append(
                f"| {int(size):,} | {tool} | {len(entry[tool]['runs'])} | {med['wall']:.2f} s | {med['cpu']:.2f} s "
                f"| {med['peak_mib']:.0f} MiB | {vs_cj} | {vs_floor} |"
            )
    startup = result.get("startup")
    if startup:
        out += [
            "",
            f"Start-up floor, `python -c 'import yaml, click'` (the interpreter and the two libraries every check "
            f"imports; {len(startup['runs'])} runs): {startup['median']['cpu'] * 1000:.0f} ms CPU, "
            f"{startup['median']['wall']:.2f} s wall. On this machine the N=1 CPU budget leaves aipolicy's own work "
            f"{150 - startup['median']['cpu'] * 1000:.0f} ms.",
        ]
    where = {
        "changed_since": "in a repository of 1,000 manifests, the whole repository checked",
        "changed_since_scoped": f"in the repository of all {result['corpus']['files']:,}, the run limited to "
        "the folders of the first 1,000 (no budget)",
    }
    for key, said in where.items():
        changed = result.get(key)
        if not changed:
            continue
        med = changed["median"]
        out += [
            "",
            f"--changed-since HEAD~1 with 3 of 1,000 changed, {said} ({len(changed['runs']['named'])} runs): "
            f"{med['changed-since']['wall']:.2f} s wall, {med['changed-since']['cpu']:.2f} s CPU; "
            f"the 3 by name {med['named']['wall']:.2f} s wall, {med['named']['cpu']:.2f} s CPU "
            f"({changed['ratio']:.2f}x).",
        ]
    if result["budgets"]:
        out += ["", "| budget | measured | holds |", "|---|---:|:---:|"]
        for b in result["budgets"]:
            unit = " MiB" if "MiB" in b["budget"] else " ms" if " ms" in b["budget"] else "x"
            out.append(f"| {b['budget']} | {b['value']:.2f}{unit} | {'yes' if b['holds'] else '**no**'} |")
    return "\n".join(out) + "\n"


def _load(values: list[float] | None) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "n/a"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("aipolicy", "check-jsonschema", "pyyaml", "jsonschema"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _parse(argv: list[str] | None) -> tuple[list[int], dict[int, int], argparse.Namespace]:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", help="comma-separated file counts (default 1,100,1000,10000)")
    parser.add_argument(
        "--repeats", help="runs per size: one number for every size, or one per size (default 15,5,5,1)"
    )
    parser.add_argument("--quick", action="store_true", help="N = 1, 100, 1000 with fewer repeats (about a minute)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where latest.md and latest.json go")
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    )
    table = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    repeats = {s: table.get(s, 3) for s in sizes}
    if args.repeats:
        given = [int(r) for r in args.repeats.split(",")]
        if len(given) == 1:
            repeats = dict.fromkeys(sizes, given[0])
        elif len(given) == len(sizes):
            repeats = dict(zip(sizes, given))
        else:
            parser.error("--repeats takes one number or one per size")
    if min(sizes) < 1 or min(repeats.values()) < 1:
        parser.error("sizes and repeats must be at least 1")
    return sizes, repeats, args


def main(argv: list[str] | None = None) -> int:
    sizes, repeats, args = _parse(argv)
    import yaml

    shown = " ".join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    started = time.perf_counter()
    result = {
        "meta": {
            "command": shown,
            "load_average_before": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "versions": _versions(),
            "libyaml": hasattr(yaml, "CSafeLoader"),
            "repeats": {str(s): repeats[s] for s in sizes},
        },
    }
    result.update(run(sizes, repeats, lambda text: print(text, file=sys.stderr, flush=True)))
    result["budgets"] = budgets(result["sizes"], result.get("changed_since"))
    finish(result, started, args.out, "latest", markdown)
    return 0


def finish(result: dict, started: float, out: Path, stem: str, markdown) -> None:
    """Close the run's metadata and write OUT/STEM.json and OUT/STEM.md (printed too)."""
    result["meta"]["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["meta"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (out / f"{stem}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
