"""Start-up stays light: checking one small manifest imports neither GitPython nor the other reporters.

pre-commit runs `aipolicy check` once per commit on the files it matched; what
that run imports is paid on every commit. Each check runs in a fresh
interpreter (`python -c`), which prints its module names for the test to read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = """\
apiVersion: aipolicy/v1
system:
  id: small-system
  name: Small system
  description: A minimal pilot-stage manifest.
  type: classifier
stage: pilot
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
"""

PROBE = """\
import json, sys
from checker.cli import main
code = main(sys.argv[1:])
sys.stdout.write("\\n@@MODULES@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""

HEAVY_REPORTERS = ("checker.report.sarif", "checker.report.github", "checker.report.junit")
# Needed only by some runs: a baseline (checker.baseline), many files (the worker pool), GitPython's history;
# `dataclasses` compiles its classes' methods at every import (checker/records.py says what replaces it).
NOT_FOR_ONE_FILE = (
    "checker.baseline",
    "checker.parallel",
    "multiprocessing",
    "concurrent.futures",
    "dataclasses",
    # gitrepo.which finds git without it on POSIX (shutil imports zlib, bz2 and lzma: ~3 ms).
    *(("shutil", "lzma", "bz2") if os.name != "nt" else ()),
)


def _modules_after(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    marker = proc.stdout.rindex("@@MODULES@@")
    result = json.loads(proc.stdout[marker + len("@@MODULES@@") :])
    return result["code"], set(result["modules"])


def _is_gitpython(name: str) -> bool:
    return name == "git" or name.startswith("git.")


@pytest.mark.parametrize("in_git_repository", [True, False], ids=["git-repository", "plain-folder"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_checking_one_small_manifest_imports_no_gitpython_and_no_other_reporter(
    tmp_path: Path, child_env, in_git_repository: bool, fmt: str
) -> None:
    if in_git_repository:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True)
    (tmp_path / "ai-production.yaml").write_text(SMALL, encoding="utf-8")
    code, modules = _modules_after(
        ["check", "--today", "2026-11-26", "--format", fmt, "ai-production.yaml"], tmp_path, child_env()
    )
    assert code in (0, 1)
    assert "checker.engine" in modules  # the check really ran in this interpreter
    assert not [m for m in modules if _is_gitpython(m)]
    assert not [m for m in modules if m in HEAVY_REPORTERS]
    assert not [m for m in modules if m in NOT_FOR_ONE_FILE]
    # `aipolicy export` alone needs cyclonedx-python-lib (checker/bom.py imports it in the function).
    assert not [m for m in modules if m.split(".")[0] == "cyclonedx" or m in ("checker.bom", "checker.modelcard")]


def test_the_probe_would_see_gitpython_if_it_were_imported(tmp_path: Path, child_env) -> None:
    # Guards the test above against passing vacuously (say, if sys.modules were read too early).
    pytest.importorskip("git")
    (tmp_path / "ai-production.yaml").write_text(SMALL, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "import git\n" + PROBE, "check", "--today", "2026-11-26", "ai-production.yaml"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    modules = json.loads(proc.stdout[proc.stdout.rindex("@@MODULES@@") + len("@@MODULES@@") :])["modules"]
    assert "git" in modules


def test_jsonschemas_iri_checker_is_not_imported_even_when_installed(tmp_path: Path) -> None:
    # rfc3987-syntax (from jsonschema[format-nongpl]) builds a Lark grammar on import: seconds
    # per process. A stand-in on sys.path leaves a mark if aipolicy's jsonschema imports it.
    site = tmp_path / "site"
    site.mkdir()
    mark = tmp_path / "imported"
    (site / "rfc3987_syntax.py").write_text(
        f"open({str(mark)!r}, 'w').close()\ndef is_valid_syntax(*a, **k):\n    return True\n", encoding="utf-8"
    )
    broken = tmp_path / "ai-production.yaml"
    broken.write_text(SMALL.replace("stage: pilot", "stage: 7"), encoding="utf-8")  # invalid: jsonschema explains
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "check", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    modules = json.loads(proc.stdout.split("@@MODULES@@")[1])["modules"]
    assert "jsonschema" in modules, "the manifest must be invalid, so that jsonschema explains it"
    assert not mark.exists(), "jsonschema imported rfc3987_syntax"
    assert "rfc3987_syntax" not in modules
