"""The code's types, checked by the suite so they cannot drift: `mypy` in strict mode
with the project's configuration ([tool.mypy] in pyproject.toml), run the way a
contributor would run it.

TYPED is the part of checker/ typed so far; it grows to all of checker/ (the
configuration's `files`) in the next round, when the restructured modules are typed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the backport, installed with aipolicy there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
TYPED = [
    "checker/__init__.py",
    "checker/__main__.py",
    "checker/cli.py",
    "checker/coverage.py",
    "checker/docs.py",
    "checker/errors.py",
    "checker/expr.py",
    "checker/findings.py",
    "checker/notes.py",
    "checker/packs.py",
    "checker/policytest.py",
    "checker/progress.py",
    "checker/resources.py",
    "checker/safeio.py",
    "checker/starter.py",
    "checker/textsafe.py",
    "checker/verdict.py",
    "checker/report",
    "checker/portfolio/__init__.py",
    "checker/portfolio/build.py",
    "checker/portfolio/csv_.py",
    "checker/portfolio/html.py",
    "checker/portfolio/json_.py",
    "checker/portfolio/load.py",
    "checker/portfolio/md.py",
    "checker/portfolio/render.py",
]


def _typed_files() -> list[Path]:
    files: list[Path] = []
    for name in TYPED:
        path = REPO / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_mypy_strict_finds_nothing(tmp_path: Path) -> None:
    # --follow-imports=silent: the modules TYPED imports are read for their types, but
    # their own errors are not reported until they join TYPED.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "pyproject.toml",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),  # nothing written into the repository
            "--follow-imports=silent",
            "--no-error-summary",
            *TYPED,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_strict_for_the_oldest_python_supported_and_every_override_says_why() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)["tool"]["mypy"]
    assert config["strict"] is True
    assert config["python_version"] == tomllib.loads(text)["project"]["requires-python"].removeprefix(">=")
    assert config["files"] == ["checker"]
    # Each [[tool.mypy.overrides]] table is preceded by the comment that gives its reason.
    blocks = text.split("[[tool.mypy.overrides]]")[1:]
    assert len(blocks) == len(config["overrides"]) > 0
    assert all(block.lstrip("\n").startswith("#") for block in blocks), "an override without its reason"


def test_every_type_ignore_names_its_error_code_and_its_reason() -> None:
    bare = []
    for path in _typed_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "type: ignore" in line and not re.search(r"type: ignore\[[a-z-]+(, *[a-z-]+)*\]\s+#\s*\S", line):
                bare.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not bare, "\n".join(bare)
