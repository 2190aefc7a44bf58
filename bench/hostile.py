"""Benchmark: files with tens of thousands of problems, in every output format.

    python bench/hostile.py            # writes bench/results/hostile.md and hostile.json

Each hostile manifest stays under the 1 MiB size limit and holds one kind of
mass problem (unknown top-level keys, unknown keys inside a section, duplicate
keys, YAML tags). A "normal" manifest of the same size (the production example
padded with an `x-` extension mapping of as many keys, which is allowed, and
with one unknown key)
is the yardstick: the
budget is that a hostile file costs at most 3x its wall time, and every run
stays under 100 MiB peak RSS, whatever the format.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import _env, measure

REPO = Path(__file__).resolve().parents[1]
FORMATS = ("text", "json", "sarif", "github", "junit")
RSS_BUDGET_MIB = 100
TIME_BUDGET = 3.0  # x the wall time of a normal file of the same size
N = 40_000


def corpus(folder: Path) -> dict[str, Path]:
    base = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    texts = {
        # One ordinary mistake, so the yardstick pays for explaining it too (jsonschema).
        "normal": base + "colour: blue\n" + "x-padding:\n" + "".join(f"  zz{i}: 1\n" for i in range(N)),
        "unknown-top-level-keys": base + "".join(f"zz{i}: 1\n" for i in range(N)),
        "unknown-keys-in-a-section": base.replace(
            "system:\n", "system:\n" + "".join(f"  zz{i}: 1\n" for i in range(N)), 1
        ),
        "duplicate-keys": base + "x-dup:\n" + "".join(f"  k: {i}\n" for i in range(N)),
        "tags": base + "x-tags:\n" + "".join(f"  - !custom {i}\n" for i in range(N)),
    }
    out = {}
    for name, text in texts.items():
        path = folder / f"{name}.ai-production.yaml"
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = _env(folder / "pycache")
        files = corpus(folder)
        for name, path in files.items():
            for fmt in FORMATS:
                runs = [
                    measure(
                        [sys.executable, "-m", "checker", "check", "--today", "2026-11-27", "--format", fmt, str(path)],
                        cwd=REPO,
                        env=env,
                    )
                    for _ in range(args.repeats)
                ]
                runs.sort(key=lambda r: r["wall"])
                median = runs[len(runs) // 2]
                rows.append(
                    {
                        "file": name,
                        "format": fmt,
                        "bytes": path.stat().st_size,
                        "wall": median["wall"],
                        "maxrss_mib": max(r["maxrss_kib"] for r in runs) / 1024,
                    }
                )
                print(f"{name:28} {fmt:7} {median['wall']:6.2f} s {rows[-1]['maxrss_mib']:6.1f} MiB", file=sys.stderr)
    normal = {r["format"]: r["wall"] for r in rows if r["file"] == "normal"}
    lines = [
        "# Hostile files",
        "",
        f"Command: `python bench/hostile.py`; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{N:,} problems per file, each under the 1 MiB limit.",
        "",
        "| file | format | size | wall (median) | vs normal | peak RSS | holds |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    ok = True
    for r in rows:
        ratio = r["wall"] / normal[r["format"]]
        holds = r["maxrss_mib"] < RSS_BUDGET_MIB and (r["file"] == "normal" or ratio <= TIME_BUDGET)
        ok &= holds
        lines.append(
            f"| {r['file']} | {r['format']} | {r['bytes'] // 1024} KiB | {r['wall']:.2f} s | {ratio:.2f}x | "
            f"{r['maxrss_mib']:.0f} MiB | {'yes' if holds else 'NO'} |"
        )
    lines += [
        "",
        f"Budgets: wall <= {TIME_BUDGET:g}x the normal file in the same format; peak RSS < {RSS_BUDGET_MIB} MiB.",
    ]
    results = REPO / "bench" / "results"
    (results / "hostile.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results / "hostile.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
