"""The code's own hygiene, checked by the suite so it cannot drift: ruff's lint
and format (configured in pyproject.toml, every ignore with its reason).

mypy and the import layering are checked beside these (see their tests below
once configured); each runs the tool the way a contributor would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the project lints: the package, its tests, the benchmarks and the Action's script.
LINTED = ["checker", "tests", "bench", ".github"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *LINTED],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_lint_finds_nothing() -> None:
    proc = _ruff("check", "--output-format", "concise")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_would_change_nothing() -> None:
    proc = _ruff("format", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_ruff_ignore_carries_its_reason() -> None:
    lines = (REPO / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("[tool.ruff.lint]")
    section = []
    for line in lines[start + 1 :]:
        if line.startswith("[") and not line.startswith("[tool.ruff"):
            break
        section.append(line)
    codes = [line for line in section if line.strip().startswith('"') and line.strip()[1:2].isupper()]
    assert codes, "no ignores found: the test reads the wrong section"
    bare = [line for line in codes if "#" not in line and not line.rstrip().endswith("[")]
    assert not bare, f"ignores without a reason: {bare}"
