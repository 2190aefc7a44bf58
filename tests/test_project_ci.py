"""The project's own maintenance machinery: .github/workflows/ci.yml,
.github/dependabot.yml and .pre-commit-config.yaml, and that the code under
checker/ stays within the oldest Python the project claims (3.10).

zizmor's audit of ci.yml is in tests/test_action.py with the other workflows.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import require_shared
from packaging.requirements import Requirement  # pytest depends on packaging
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.10 runtime dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
CI = REPO / ".github" / "workflows" / "ci.yml"
DEPENDABOT = REPO / ".github" / "dependabot.yml"
PRECOMMIT = REPO / ".pre-commit-config.yaml"
PYPROJECT = REPO / "pyproject.toml"
README = REPO / "README.md"

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _steps(job: str) -> list[dict]:
    return _load(CI)["jobs"][job]["steps"]


def _pytest_step() -> dict:
    (step,) = [s for s in _steps("tests") if s.get("run", "").strip() == "pytest"]
    return step


def _action_step() -> dict:
    (step,) = [s for s in _steps("action") if s.get("uses", "").split("#")[0].strip() == "./"]
    return step


# -- the Python matrix --------------------------------------------------------


def _classifier_versions() -> list[str]:
    prefix = "Programming Language :: Python :: "
    found = [c[len(prefix) :] for c in _pyproject()["project"]["classifiers"] if c.startswith(prefix)]
    return sorted((v for v in found if re.fullmatch(r"3\.\d+", v)), key=Version)


def test_ci_tests_every_python_the_classifiers_name_and_no_other() -> None:
    matrix = _load(CI)["jobs"]["tests"]["strategy"]["matrix"]["python-version"]
    assert all(isinstance(v, str) for v in matrix), "quote versions: YAML reads 3.10 as 3.1"
    assert sorted(matrix, key=Version) == _classifier_versions()


def test_classified_pythons_are_what_requires_python_allows_from_its_floor() -> None:
    project = _pyproject()["project"]
    allowed = SpecifierSet(project["requires-python"])
    versions = _classifier_versions()
    assert versions, "no Programming Language :: Python :: 3.X classifier"
    assert all(Version(v) in allowed for v in versions)
    # The oldest allowed minor version is tested: 3.9 is refused, the first is accepted.
    first = Version(versions[0])
    assert Version(f"{first.major}.{first.minor - 1}") not in allowed
    # No gap between the oldest and the newest.
    minors = [Version(v).minor for v in versions]
    assert minors == list(range(minors[0], minors[-1] + 1))
    assert {"Programming Language :: Python :: 3", "Programming Language :: Python :: 3 :: Only"} <= set(
        project["classifiers"]
    )


def test_ci_runs_on_the_systems_readme_claims_and_not_windows() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "Linux and macOS runners are supported." in readme
    jobs = _load(CI)["jobs"]
    for name in ("tests", "action"):
        assert set(jobs[name]["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest"}
    assert "windows" not in CI.read_text(encoding="utf-8").split("\njobs:")[1].lower()


# -- hardening ----------------------------------------------------------------


def _unpinned_uses(text: str) -> list[str]:
    """Lines whose `uses:` is neither the local action nor pinned by SHA with a version comment."""
    bad = []
    for line in text.splitlines():
        if re.match(r"^\s*(?:-\s+)?uses:", line) and not PINNED_USES.match(line):
            if re.match(r"^\s*(?:-\s+)?uses:\s+\./(?:\s|$)", line):
                continue
            bad.append(line.strip())
    return bad


def test_every_uses_in_ci_is_pinned_by_full_sha_with_its_tag() -> None:
    text = CI.read_text(encoding="utf-8")
    assert text.count("uses:") >= 3
    assert _unpinned_uses(text) == []


def test_the_pin_check_rejects_tags_branches_and_short_shas() -> None:
    for line in (
        "      - uses: actions/checkout@v5",
        "      - uses: actions/checkout@main",
        "      - uses: actions/checkout@08c6903 # v5.0.0",
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    ):
        assert _unpinned_uses(line) == [line.strip()]


def _pins(path: Path) -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for line in path.read_text(encoding="utf-8").splitlines()
        if (m := PINNED_USES.match(line))
    }


def test_ci_uses_the_same_action_commits_as_the_action_and_the_examples() -> None:
    elsewhere: dict[str, set[str]] = {}
    for path in [REPO / "action.yml", *sorted((REPO / "examples" / "workflows").glob("*.yml"))]:
        for action, sha in _pins(path).items():
            elsewhere.setdefault(action, set()).add(sha)
    ci = _pins(CI)
    assert ci
    for action, sha in ci.items():
        assert elsewhere.get(action, {sha}) == {sha}, f"{action} is pinned to another commit elsewhere"


def test_ci_token_can_only_read() -> None:
    workflow = _load(CI)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert "permissions" not in job, f"job {name} widens the token"


def test_every_ci_checkout_drops_its_credentials() -> None:
    checkouts = [
        step
        for job in _load(CI)["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) == len(_load(CI)["jobs"])
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_every_ci_job_has_a_timeout_and_runs_share_a_concurrency_group() -> None:
    workflow = _load(CI)
    for name, job in workflow["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 60, name
    assert "github.ref" in workflow["concurrency"]["group"]
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads `on` as true
    assert set(triggers) == {"pull_request", "push"}


# -- the test job ---------------------------------------------------------------


def test_ci_runs_readme_test_command() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest\n" in readme
    runs = [s.get("run", "").strip() for s in _steps("tests")]
    assert runs.index("pip install -e '.[test]'") < runs.index("pytest")


def test_ci_pytest_step_empties_ci_so_shared_data_outside_the_repository_skips() -> None:
    # GitHub sets CI=true; ../shared is not in the repository and no step provides it.
    assert _pytest_step()["env"] == {"CI": ""}
    assert not any("shared" in yaml.safe_dump(step) for step in _steps("tests"))


def test_an_empty_ci_makes_missing_shared_data_a_skip_and_a_set_one_a_failure(monkeypatch) -> None:
    missing = ("no-such-folder-for-test_project_ci",)
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        require_shared(*missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_shared(*missing)


# -- the action job ---------------------------------------------------------------


def test_ci_runs_the_local_action_on_the_examples_and_lets_it_fail() -> None:
    step = _action_step()
    assert step["with"]["paths"] == "examples"
    assert step["continue-on-error"] is True
    steps = _steps("action")
    (check,) = steps[steps.index(step) + 1 :]
    assert check["env"]["OUTCOME"] == f"${{{{ steps.{step['id']}.outcome }}}}"
    assert step["with"]["sarif-output"] == "aipolicy.sarif"


def _run_outcome_check(tmp_path: Path, outcome: str) -> subprocess.CompletedProcess:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    steps = _steps("action")
    script = steps[steps.index(_action_step()) + 1]["run"]
    env = {**os.environ, "OUTCOME": outcome}
    return subprocess.run(
        [bash, "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_outcome_check_passes_only_a_failure_with_error_findings(tmp_path: Path) -> None:
    # The SARIF the action writes for examples/, from this checkout's aipolicy.
    sarif = subprocess.run(
        [sys.executable, "-m", "checker", "check", "--format", "sarif", "examples"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sarif.returncode == 1, sarif.stderr
    (tmp_path / "aipolicy.sarif").write_text(sarif.stdout, encoding="utf-8")
    assert _run_outcome_check(tmp_path, "failure").returncode == 0
    assert _run_outcome_check(tmp_path, "success").returncode != 0
    # A failure without error-level results (say, exit 2 with no report) is not the expected one.
    (tmp_path / "aipolicy.sarif").write_text('{"runs": [{"results": []}]}', encoding="utf-8")
    assert _run_outcome_check(tmp_path, "failure").returncode != 0


# -- Dependabot -----------------------------------------------------------------


def test_dependabot_updates_actions_and_pip_weekly_from_the_root() -> None:
    config = _load(DEPENDABOT)
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    for update in updates.values():
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"]


def test_dependabot_runtime_group_is_exactly_what_the_hash_lock_is_built_from() -> None:
    data = _pyproject()
    wanted = {
        canonicalize_name(Requirement(r).name)
        for r in data["project"]["dependencies"] + data["build-system"]["requires"]
    }
    (pip,) = [u for u in _load(DEPENDABOT)["updates"] if u["package-ecosystem"] == "pip"]
    groups = list(pip["groups"])
    assert groups[0] == "runtime", "a dependency joins the first group that matches it"
    assert {canonicalize_name(p) for p in pip["groups"]["runtime"]["patterns"]} == wanted


# -- pre-commit -------------------------------------------------------------------


def _unpinned_repos(config: dict) -> list[str]:
    return [
        repo["repo"]
        for repo in config["repos"]
        if repo["repo"] not in ("local", "meta") and not FULL_SHA.match(str(repo.get("rev", "")))
    ]


def test_precommit_config_is_valid_and_every_remote_repo_is_pinned_by_sha() -> None:
    config = _load(PRECOMMIT)
    assert _unpinned_repos(config) == []
    (local,) = [r for r in config["repos"] if r["repo"] == "local"]
    (hook,) = local["hooks"]
    assert hook["entry"] == "aipolicy check"
    published = _load(REPO / ".pre-commit-hooks.yaml")[0]
    assert (hook["files"], hook["types"]) == (published["files"], published["types"])
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(PRECOMMIT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_precommit_pin_check_rejects_a_tag_rev() -> None:
    config = {
        "repos": [
            {"repo": "local", "hooks": []},
            {"repo": "https://github.com/pre-commit/pre-commit-hooks", "rev": "v5.0.0", "hooks": []},
        ]
    }
    assert _unpinned_repos(config) == ["https://github.com/pre-commit/pre-commit-hooks"]


def test_precommit_hook_passes_on_the_examples_offline(tmp_path: Path) -> None:
    aipolicy = Path(sys.executable).with_name("aipolicy")
    if not aipolicy.exists():
        pytest.skip("aipolicy is not installed beside this Python (pip install -e '.[test]')")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "home"),
        "PATH": f"{aipolicy.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("CI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "aipolicy", "--all-files", "--config", str(PRECOMMIT), "--verbose"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    # It did check manifests, and not the ones that fail on purpose.
    assert "examples/production/ai-production.yaml" in proc.stdout
    assert "examples/failing/" not in proc.stdout


# -- Python 3.10 ------------------------------------------------------------------

CHECKER_SOURCES = sorted((REPO / "checker").rglob("*.py"))


@pytest.mark.parametrize("path", CHECKER_SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_checker_source_parses_as_python_3_10(path: Path) -> None:
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 10))


def test_the_3_10_parse_rejects_newer_syntax() -> None:
    with pytest.raises(SyntaxError):
        ast.parse("try:\n    pass\nexcept* ValueError:\n    pass\n", feature_version=(3, 10))


# Standard-library names added after 3.10 (module, attribute).
NEWER_STDLIB = {
    ("datetime", "UTC"),
    ("typing", "Self"),
    ("typing", "LiteralString"),
    ("typing", "Never"),
    ("typing", "assert_never"),
    ("typing", "reveal_type"),
    ("typing", "Required"),
    ("typing", "NotRequired"),
    ("typing", "TypeVarTuple"),
    ("typing", "Unpack"),
    ("typing", "dataclass_transform"),
    ("typing", "override"),
    ("enum", "StrEnum"),
    ("enum", "verify"),
    ("enum", "member"),
    ("enum", "nonmember"),
    ("enum", "ReprEnum"),
    ("asyncio", "TaskGroup"),
    ("asyncio", "timeout"),
    ("contextlib", "chdir"),
    ("hashlib", "file_digest"),
    ("itertools", "batched"),
    ("operator", "call"),
    ("logging", "getLevelNamesMapping"),
}


def _newer_stdlib_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{a.name}" for a in node.names if (node.module, a.name) in NEWER_STDLIB]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in NEWER_STDLIB
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_checker_uses_no_standard_library_name_newer_than_3_10() -> None:
    found = {
        str(p.relative_to(REPO)): uses
        for p in CHECKER_SOURCES
        if (uses := _newer_stdlib_uses(p.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_stdlib_scan_finds_newer_names() -> None:
    source = "import datetime\nx = datetime.UTC\nfrom enum import StrEnum\n"
    assert sorted(_newer_stdlib_uses(source)) == ["datetime.UTC", "enum.StrEnum"]


def _unguarded_tomllib(source: str) -> int:
    """`import tomllib` (3.11+) outside a try that falls back on ImportError."""
    tree = ast.parse(source)
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Import) and any(a.name == "tomllib" for a in node.names) and id(node) not in guarded
    )


def test_checker_imports_tomllib_only_with_the_tomli_fallback() -> None:
    assert {
        str(p.relative_to(REPO)): n for p in CHECKER_SOURCES if (n := _unguarded_tomllib(p.read_text(encoding="utf-8")))
    } == {}
    assert _unguarded_tomllib("import tomllib\n") == 1
    assert (
        _unguarded_tomllib("try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli as tomllib\n") == 0
    )


# -- dates read alike on every Python -------------------------------------------
# date.fromisoformat takes 20260101 and 2026-W01-1 from Python 3.11 on, not on
# 3.10: aipolicy accepts only YYYY-MM-DD, so a date means the same on each.


@pytest.mark.parametrize("value", ["20260101", "2026-W01-1", "2026-001"])
def test_today_option_refuses_other_iso_spellings_on_every_python(value: str, cli, tmp_path: Path) -> None:
    code, out, err = cli("check", "--today", value, ".", cwd=tmp_path)
    assert code == 2
    assert f"'{value}' is not a date (YYYY-MM-DD)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["20260101", "2026-W01-1"])
def test_policy_case_today_refuses_other_iso_spellings_on_every_python(value: str) -> None:
    from checker.policytest import parse_case

    case = parse_case(Path("case.yaml"), f"# today: {value}\n# expect-not: AIP-SCH-001\napiVersion: aipolicy/v1\n")
    assert case.problems == [f"line 1: `today:` must be a date YYYY-MM-DD, got {value!r}"]
    ok = parse_case(Path("case.yaml"), "# today: 2026-01-01\n# expect-not: AIP-SCH-001\napiVersion: aipolicy/v1\n")
    assert ok.problems == [] and str(ok.today) == "2026-01-01"
