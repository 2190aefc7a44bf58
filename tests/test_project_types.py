"""The code's types, checked by the suite so they cannot drift: `mypy` in strict mode
with the project's configuration ([tool.mypy] in pyproject.toml: `files = ["checker"]`),
run the way a contributor would run it, over all of checker/.
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
IGNORE = re.compile(r"type:\s*ignore")
IGNORE_WITH_REASON = re.compile(r"type: ignore\[[a-z-]+(, *[a-z-]+)*\]\s+#\s*\S")


def _checked_files() -> list[Path]:
    """Every module mypy checks: each .py under checker/, generated ones included."""
    return sorted((REPO / "checker").rglob("*.py"))


def test_mypy_strict_finds_nothing_in_all_of_checker(tmp_path: Path) -> None:
    # No paths given: mypy checks the configuration's `files`, all of checker/.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "pyproject.toml",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),  # nothing written into the repository
            "--no-error-summary",
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
    for path in _checked_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if IGNORE.search(line) and not IGNORE_WITH_REASON.search(line):
                bare.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not bare, "\n".join(bare)


def test_the_ignore_check_reads_every_module_of_checker() -> None:
    names = {path.relative_to(REPO).as_posix() for path in _checked_files()}
    assert {"checker/cli.py", "checker/_catalogue.py", "checker/git/run.py", "checker/report/github.py"} <= names


def test_the_ignore_check_tells_a_reason_from_none() -> None:
    with_reason = "x = f()  # type: ignore[misc]  # f is late bound"
    without = ["x = f()  # type: ignore[misc]", "x = f()  # type: ignore", "x = f()  # type:ignore[misc]"]
    assert IGNORE.search(with_reason) and IGNORE_WITH_REASON.search(with_reason)
    assert all(IGNORE.search(line) and not IGNORE_WITH_REASON.search(line) for line in without)
