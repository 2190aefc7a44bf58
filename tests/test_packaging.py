"""The wheel works on its own: built from a copy of the sources, installed in a fresh venv, run there.

schemas/ and policies/ live at the top of the repository and are mapped into
the package only by pyproject.toml; an editable install cannot tell whether
that mapping works, so this test builds and installs the real thing. It needs
PyPI for the build backend and the dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-26"
# The whole checkout is copied (whatever pyproject.toml may come to reference), minus
# what is never source: so the build writes nothing (build/, *.egg-info) into the repository.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    ".ci-venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
    "node_modules",
    "tests",
)


def _env() -> dict[str, str]:
    # No PYTHONPATH: the venv must run its own installed copy, never this checkout.
    drop = {"PYTHONPATH", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "VIRTUAL_ENV", "PYTHONHOME"}
    return {k: v for k, v in os.environ.items() if k not in drop} | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(args: list[str | Path], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("packaging")
    src = base / "src"
    shutil.copytree(REPO, src, ignore=NOT_SOURCE, symlinks=True)
    dist = base / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, src], cwd=base)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list(dist.glob("aipolicy-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", venv], cwd=base)
    assert made.returncode == 0, made.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    pip = _run([python, "-m", "pip", "install", "--no-input", wheels[0]], cwd=base)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    work = base / "work"
    shutil.copytree(REPO / "examples" / "production", work / "examples" / "production")
    return {
        "wheel": wheels[0],
        "python": python,
        "aipolicy": bindir / ("aipolicy.exe" if os.name == "nt" else "aipolicy"),
        "work": work,
    }


pytestmark = pytest.mark.slow


def test_wheel_contains_the_schema_and_the_core_policies(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert "checker/schemas/ai-production.v1.schema.json" in names
    assert "checker/schemas/inventory.v1.schema.json" in names  # aipolicy report --format json / --from-json
    assert {"checker/portfolio/__init__.py", "checker/portfolio/render.py", "checker/portfolio/html.py"} <= names
    assert "checker/policies/core.yaml" in names
    assert "checker/cli.py" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/"))]


def test_installed_package_reads_its_data_from_the_installation(installed: dict[str, Path]) -> None:
    probe = "import checker, checker.resources as r; print(checker.__file__); print(r.schemas_dir()); print(r.policies_dir())"
    proc = _run([installed["python"], "-c", probe], cwd=installed["work"])
    assert proc.returncode == 0, proc.stderr
    package, schemas, policies = (Path(line) for line in proc.stdout.splitlines())
    venv = installed["python"].parent.parent
    for path in (package, schemas, policies):
        assert venv in path.resolve().parents, f"{path} is not inside the venv"
    assert schemas == package.parent / "schemas" and policies == package.parent / "policies"


def _no_git_above(path: Path) -> None:
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            pytest.skip(f"{folder} is a git repository: the git-aware rules would judge the copied example")


def test_installed_aipolicy_passes_the_production_example(installed: dict[str, Path]) -> None:
    _no_git_above(installed["work"])
    proc = _run(
        [installed["aipolicy"], "check", "--today", TODAY, "--format", "text", "examples/production"],
        cwd=installed["work"],
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ticket-router: 10/10 answered" in proc.stdout
    assert "Traceback" not in proc.stderr
    as_json = _run(
        [installed["aipolicy"], "check", "--today", TODAY, "--format", "json", "examples/production"],
        cwd=installed["work"],
    )
    report = json.loads(as_json.stdout)
    assert [m["path"] for m in report["manifests"]] == [
        "examples/production/ai-production.yaml",
        "examples/production/recruiting-screener.ai-production.yaml",
    ]
    assert report["summary"]["errors"] == 0


def test_installed_aipolicy_reports_broken_manifests(installed: dict[str, Path]) -> None:
    work = installed["work"]
    (work / "broken").mkdir(exist_ok=True)
    (work / "broken" / "ai-production.yaml").write_text("apiVersion: aipolicy/v1\nsystem: [\n", encoding="utf-8")
    shutil.copy(
        REPO / "examples" / "failing" / "broken-schema.ai-production.yaml",
        work / "broken" / "schema.ai-production.yaml",
    )
    proc = _run([installed["aipolicy"], "check", "--today", TODAY, "--format", "text", "broken"], cwd=work)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "broken/ai-production.yaml:2:" in proc.stdout and "error AIP-SCH-002" in proc.stdout
    # The schema was found and used: the typo is reported with its suggestion.
    assert "broken/schema.ai-production.yaml:43:1: error AIP-SCH-001 `rollbak` is not a known section" in proc.stdout
    assert "Traceback" not in proc.stderr
    usage = _run([installed["aipolicy"], "check", "--format", "xml", "broken"], cwd=work)
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1


def test_installed_aipolicy_lists_rules_and_prints_the_schema(installed: dict[str, Path]) -> None:
    rules = _run([installed["aipolicy"], "rules", "--format", "json"], cwd=installed["work"])
    assert rules.returncode == 0, rules.stderr
    ids = {r["id"] for r in json.loads(rules.stdout)["rules"]}
    assert {"AIP-SCH-001", "AIP-SCH-002"} <= ids and len(ids) > 10
    schema = _run([installed["aipolicy"], "schema"], cwd=installed["work"])
    assert schema.returncode == 0
    assert json.loads(schema.stdout)["$id"].endswith("ai-production.v1.schema.json")
