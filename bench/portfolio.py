"""Benchmark `aipolicy report` against `aipolicy check`, and the HTML report's size.

    python bench/portfolio.py                  # 10,000 manifests; 1,000 systems for the HTML (several minutes)
    python bench/portfolio.py --quick          # 1,000 manifests; 300 systems, one run each
    python bench/portfolio.py --manifests 2000 --systems 500 --repeats 3

Two measurements, each command in its own process (bench/run.py's `measure`:
wall time, CPU time of the process and its reaped children, peak RSS):

  check vs report   the same N generated manifests (bench/corpus.py, committed
                    in a fresh git repository, ~10% broken), named on the command
                    line: `aipolicy check --format json` against `aipolicy report
                    --format json` and `--format html`. The report checks them as
                    check does, then reads their git history (stage dates, the
                    12-month trend) and renders.
  HTML size         `aipolicy report --format html` on the first S of them: the
                    file's size (budget: under 5 MB for 1,000 systems) and the
                    time to write it.

Budgets (issue 12): the report of 10,000 manifests takes about the time check
takes (here: at most 1.5x its wall time), and the HTML for 1,000 systems stays
under 5 MB. Results: bench/results/portfolio.md and portfolio.json. Not a timed
test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402 - bench/ is not a package
from run import TODAY, _env, _load, _script, _versions, finish, measure  # noqa: E402

HTML_BUDGET_BYTES = 5 * 1000 * 1000
TIME_BUDGET = 1.5  # report wall <= this x check wall, same manifests


def _aipolicy() -> list[str]:
    found = _script("aipolicy")
    return [found] if found else [sys.executable, "-m", "checker"]


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _summary(runs: list[dict]) -> dict:
    return {
        "runs": runs,
        "median": {
            "wall": _median(runs, "wall"),
            "cpu": _median(runs, "cpu"),
            "peak_mib": _median(runs, "maxrss_kib") / 1024,
        },
        "exit_codes": sorted({r["exit"] for r in runs}),
    }


def run(manifests: int, systems: int, repeats: int, log) -> dict:
    with tempfile.TemporaryDirectory(prefix="aipolicy-bench-portfolio-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        out_dir = Path(tmp) / "out"
        out_dir.mkdir()
        env = _env(Path(tmp) / "pycache")
        started = time.perf_counter()
        files = [p.as_posix() for p in corpus.generate(root, max(manifests, systems), TODAY)]
        corpus.commit(root)
        log(f"corpus: {len(files)} manifests written and committed in {time.perf_counter() - started:.1f} s")
        base = _aipolicy()
        day = ["--today", TODAY.isoformat()]
        commands = {
            "check": [*base, "check", *day, "--format", "json", "--output", str(out_dir / "check.json")],
            "report-json": [*base, "report", *day, "--format", "json", "--output", str(out_dir / "report.json")],
            "report-html": [*base, "report", *day, "--format", "html", "--output", str(out_dir / "report.html")],
        }
        for argv in commands.values():  # warm-up on one file: byte code compiled, caches filled
            measure([*argv, files[0]], root, env, (0, 1))
        runs: dict[str, list[dict]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, argv in commands.items():  # interleaved: drift in machine load hits each alike
                runs[name].append(measure([*argv, *files[:manifests]], root, env, (0, 1) if name == "check" else (0,)))
            log(f"N={manifests}: " + ", ".join(f"{n} {runs[n][-1]['wall']:.2f} s" for n in commands))
        compare = {name: _summary(r) for name, r in runs.items()}
        report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
        html_runs = []
        for _ in range(repeats):
            html_runs.append(measure([*commands["report-html"], *files[:systems]], root, env, (0,)))
        html_size = (out_dir / "report.html").stat().st_size
        log(f"HTML for {systems} systems: {html_size / 1e6:.2f} MB in {html_runs[-1]['wall']:.2f} s")
    check_wall = compare["check"]["median"]["wall"]
    return {
        "manifests": manifests,
        "systems_in_report": len(report.get("systems", [])) if isinstance(report, dict) else None,
        "compare": compare,
        "ratios": {name: compare[name]["median"]["wall"] / check_wall for name in ("report-json", "report-html")},
        "html": {"systems": systems, "bytes": html_size, **_summary(html_runs)},
    }


def budgets(result: dict) -> list[dict]:
    ratio = result["ratios"]["report-json"]
    size = result["html"]["bytes"]
    out = [
        {
            "budget": f"N={result['manifests']}: report wall <= {TIME_BUDGET} x check wall",
            "value": round(ratio, 3),
            "unit": "x",
            "holds": ratio <= TIME_BUDGET,
        }
    ]
    if result["html"]["systems"] >= 1000:
        out.append(
            {
                "budget": f"HTML for {result['html']['systems']} systems < 5 MB",
                "value": round(size / 1e6, 3),
                "unit": " MB",
                "holds": size < HTML_BUDGET_BYTES,
            }
        )
    return out


def markdown(result: dict) -> str:
    meta = result["meta"]
    out = [
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}; Python {meta['python']}; aipolicy {meta['versions']['aipolicy']}; "
        f"{meta['date']}; {meta['bench_seconds']:.0f} s in all; load average {_load(meta['load_average_before'])} "
        f"before, {_load(meta['load_average_after'])} after  ",
        f"Corpus: {result['manifests']} generated manifests (bench/corpus.py, ~10% broken), committed in a fresh git "
        f"repository, named on the command line; the report listed {result['systems_in_report']} systems.",
        "",
        "| command | runs | wall (median) | CPU user+sys | peak RSS | wall vs check |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, entry in result["compare"].items():
        med = entry["median"]
        ratio = med["wall"] / result["compare"]["check"]["median"]["wall"]
        out.append(
            f"| `aipolicy {name.replace('-', ' --format ')}` | {len(entry['runs'])} | {med['wall']:.2f} s "
            f"| {med['cpu']:.2f} s | {med['peak_mib']:.0f} MiB | {ratio:.2f}x |"
        )
    html = result["html"]
    out += [
        "",
        f"HTML for {html['systems']:,} systems: {html['bytes'] / 1e6:.2f} MB, written in "
        f"{html['median']['wall']:.2f} s (median of {len(html['runs'])}), peak RSS {html['median']['peak_mib']:.0f} MiB.",
    ]
    out += ["", "| budget | measured | holds |", "|---|---:|:---:|"]
    for b in result["budgets"]:
        out.append(f"| {b['budget']} | {b['value']:.2f}{b['unit']} | {'yes' if b['holds'] else '**no**'} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", type=int, default=None, help="manifests for check vs report (default 10000)")
    parser.add_argument("--systems", type=int, default=None, help="systems in the HTML measured (default 1000)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each command (default 1)")
    parser.add_argument("--quick", action="store_true", help="1,000 manifests, 300 systems")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where portfolio.md and portfolio.json go")
    args = parser.parse_args(argv)
    manifests = args.manifests or (1000 if args.quick else 10000)
    systems = args.systems or (300 if args.quick else 1000)
    if min(manifests, systems, args.repeats) < 1:
        parser.error("--manifests, --systems and --repeats must be at least 1")
    shown = " ".join(["python", "bench/portfolio.py", *(sys.argv[1:] if argv is None else argv)])
    started = time.perf_counter()
    result = {
        "meta": {
            "command": shown,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "versions": _versions(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        }
    }
    result.update(run(manifests, systems, args.repeats, lambda text: print(text, file=sys.stderr, flush=True)))
    result["budgets"] = budgets(result)
    finish(result, started, args.out, "portfolio", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
