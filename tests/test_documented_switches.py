"""README claims about issue 14's switches that no other test pinned: what -q changes per
format, Azure's repository-relative paths, --statistics and the baseline, --statistics under
GitHub Actions, --write-baseline from a subfolder, and the Action's no-manifest warning with
changed-only against a real git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, subprocess_env

TODAY = "2026-11-26"
# An exploration manifest with a schema error (AIP-SCH-001) and a technical owner without
# a contact (AIP-OWN-001): two errors, each at its own node.
TWO_PROBLEMS = """\
apiVersion: aipolicy/v1
system:
  id: two-problems
  name: Two problems
  description: Schema error and an owner without contact.
  type: classifier
  colour: blue
stage: exploration
owners:
  technical: {name: Sofia Marchetti}
"""
PASSING = """\
apiVersion: aipolicy/v1
system: {id: invoice-anomaly, name: Invoice anomaly detector, description: Flags odd invoices, type: classifier}
stage: exploration
owners:
  technical: {name: Sofia Marchetti, contact: sofia.marchetti@acme-corp.io}
"""


def aipolicy(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", *args],
        cwd=cwd,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def git(cwd: Path, *args: str) -> None:
    env = subprocess_env(
        GIT_AUTHOR_NAME="T",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="T",
        GIT_COMMITTER_EMAIL="t@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _repo(tmp_path: Path) -> Path:
    """A repository (a `.git` folder marks its root) with a manifest in a/ and one in b/."""
    (tmp_path / ".git").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "ai-production.yaml").write_text(TWO_PROBLEMS)
    return tmp_path


# -- -q per format ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "gitlab", "rdjson"])
def test_quiet_leaves_machine_readable_reports_unchanged(tmp_path: Path, fmt: str) -> None:
    repo = _repo(tmp_path)
    loud = aipolicy("check", "--today", TODAY, "--format", fmt, ".", cwd=repo)
    quiet = aipolicy("check", "--today", TODAY, "--format", fmt, "-q", ".", cwd=repo)
    assert loud.returncode == quiet.returncode == 1
    assert loud.stdout and quiet.stdout == loud.stdout


@pytest.mark.parametrize(
    ("fmt", "totals"),
    [
        ("text", "2 files checked: "),
        ("github", "2 files checked: "),
        ("azure", "aipolicy: 2 manifests: "),
    ],
)
def test_quiet_drops_the_totals_of_the_human_formats_and_keeps_the_findings(
    tmp_path: Path, fmt: str, totals: str
) -> None:
    repo = _repo(tmp_path)
    loud = aipolicy("check", "--today", TODAY, "--format", fmt, ".", cwd=repo)
    quiet = aipolicy("check", "--today", TODAY, "--format", fmt, "-q", ".", cwd=repo)
    assert loud.returncode == quiet.returncode == 1
    assert totals in loud.stdout and totals not in quiet.stdout
    if fmt != "azure":  # Azure has no diagnostic lines
        assert "answered" in loud.stdout and "answered" not in quiet.stdout
    for rule in ("AIP-SCH-001", "AIP-OWN-001"):
        assert quiet.stdout.count(rule) == loud.stdout.count(rule) > 0


# -- Azure paths --------------------------------------------------------------------------------


def test_azure_sourcepath_is_repository_relative_from_a_subfolder(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc = aipolicy("check", "--today", TODAY, "--format", "azure", ".", cwd=repo / "a")
    issues = [line for line in proc.stdout.splitlines() if line.startswith("##vso[task.logissue ")]
    assert issues and all(";sourcepath=a/ai-production.yaml;" in line for line in issues), proc.stdout


# -- --statistics ------------------------------------------------------------------------------


def test_statistics_counts_neither_waived_nor_baselined_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert aipolicy("check", "--today", TODAY, "--write-baseline", "bl.json", "a", cwd=repo).returncode == 0
    proc = aipolicy(
        "check", "--today", TODAY, "--baseline", "bl.json", "--statistics", "--format", "json", ".", cwd=repo
    )
    rows = {row["rule"]: row["count"] for row in json.loads(proc.stdout)}
    # a/'s AIP-OWN-001 is baselined; schema errors never are, so both AIP-SCH-001 count.
    assert rows == {"AIP-SCH-001": 2, "AIP-OWN-001": 1}
    assert proc.returncode == 1


def test_statistics_are_text_under_github_actions_and_when_every_report_goes_to_a_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    implicit = aipolicy("check", "--today", TODAY, "--statistics", ".", cwd=repo, GITHUB_ACTIONS="true")
    assert implicit.returncode == 1 and not implicit.stdout.startswith("::")
    assert [line.split("\t")[1] for line in implicit.stdout.splitlines()] == ["AIP-OWN-001", "AIP-SCH-001"]
    to_file = aipolicy(
        "check", "--today", TODAY, "--statistics", "--format", "sarif", "--output", "r.sarif", ".", cwd=repo
    )
    assert to_file.returncode == 1 and json.loads((repo / "r.sarif").read_text())["runs"][0]["results"]
    assert [line.split("\t")[1] for line in to_file.stdout.splitlines()] == ["AIP-OWN-001", "AIP-SCH-001"]
    asked = aipolicy("check", "--today", TODAY, "--statistics", "--format", "sarif", ".", cwd=repo)
    assert asked.returncode == 2 and "--statistics prints text or json, not sarif" in asked.stderr
    explicit = aipolicy(
        "check", "--today", TODAY, "--statistics", "--format", "text", ".", cwd=repo, GITHUB_ACTIONS="true"
    )
    assert explicit.returncode == 1
    assert [line.split("\t")[1] for line in explicit.stdout.splitlines()] == ["AIP-OWN-001", "AIP-SCH-001"]


# -- --write-baseline from a subfolder --------------------------------------------------------------


def test_write_baseline_from_a_subfolder_keeps_the_other_files_entries(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert aipolicy("check", "--today", TODAY, "--write-baseline", "bl.json", cwd=repo).returncode == 0
    both = {"a/ai-production.yaml", "b/ai-production.yaml"}
    assert {e["path"] for e in json.loads((repo / "bl.json").read_text())["findings"]} == both
    (repo / "a" / "ai-production.yaml").write_text(
        TWO_PROBLEMS.replace("{name: Sofia Marchetti}", "{name: Sofia Marchetti, contact: s@x.io}")
    )
    refresh = aipolicy("check", "--today", TODAY, "--write-baseline", "../bl.json", cwd=repo / "a")
    assert refresh.returncode == 0 and "kept 1 entry of 1 file this run did not check" in refresh.stdout
    # a/'s entries are rewritten (its owner got a contact: nothing left to record), b/'s are kept.
    assert {e["path"] for e in json.loads((repo / "bl.json").read_text())["findings"]} == {"b/ai-production.yaml"}
    proc = aipolicy("check", "--today", TODAY, "--baseline", "bl.json", ".", cwd=repo)
    assert not [line for line in proc.stdout.splitlines() if " AIP-OWN-001 " in line]
    # A deleted manifest's entries go at the next refresh, wherever it runs from.
    shutil.rmtree(repo / "b")
    assert aipolicy("check", "--today", TODAY, "--write-baseline", "../bl.json", cwd=repo / "a").returncode == 0
    assert json.loads((repo / "bl.json").read_text())["findings"] == []


# -- the Action's no-manifest warning with changed-only ------------------------------------------


def _run_step_script() -> tuple[str, dict[str, str], dict[str, str]]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if "AIPOLICY_PATHS" in s.get("env", {})]
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    return step["run"], dict(step["env"].items()), defaults


def _action(tmp_path: Path, work: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    aipolicy_bin = Path(sys.executable).with_name("aipolicy")
    bash = shutil.which("bash")
    if not aipolicy_bin.exists() or bash is None or shutil.which("git") is None:
        if os.environ.get("CI"):
            pytest.fail("aipolicy beside the test Python, bash and git are required in CI")
        pytest.skip("needs aipolicy installed beside the test Python, bash and git")
    script, env_map, defaults = _run_step_script()
    defaults.update(inputs)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIPOLICY_", "GITHUB_", "RUNNER_", "INPUT_"))}
    for var, expression in env_map.items():
        name = expression.removeprefix("${{ inputs.").removesuffix(" }}")
        if name in defaults:
            env[var] = defaults[name]
    env.update(
        {
            "AIPOLICY_PYTHON": sys.executable,
            "GITHUB_ACTION_PATH": str(REPO),
            "AIPOLICY_BIN": str(aipolicy_bin),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    path = tmp_path / "run-step.sh"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("manifest", "warned"),
    [(True, False), (False, True)],
    ids=["pull-request-changes-no-manifest", "no-manifest-under-paths"],
)
def test_changed_only_warns_only_when_paths_hold_no_manifest(tmp_path: Path, manifest: bool, warned: bool) -> None:
    work = tmp_path / "work"
    (work / "svc").mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    (work / "README.md").write_text("readme\n")
    if manifest:
        (work / "svc" / "ai-production.yaml").write_text(PASSING)
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    git(work, "checkout", "-q", "-b", "feature")
    (work / "README.md").write_text("readme, edited\n")  # the pull request touches no manifest
    git(work, "commit", "-q", "-am", "edit")
    proc = _action(tmp_path, work, **{"changed-only": "true", "paths": "svc", "format": "text"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warnings = [line for line in proc.stdout.splitlines() if line.startswith("::warning")]
    if warned:
        assert len(warnings) == 1 and "no manifests found under paths: svc " in warnings[0], proc.stdout
    else:
        assert warnings == [], proc.stdout
        assert "none of the 1 manifests changed since main" in proc.stderr, proc.stderr


# -- the GitLab CI job's pin (docs/releasing.md step 3) ------------------------------------------------


def test_gitlab_ci_job_comment_and_install_line_name_the_package_version() -> None:
    from checker import __version__

    job = (REPO / "ci" / "gitlab-code-quality.yml").read_text(encoding="utf-8")
    assert f"Replace v{__version__} with the" in job
    assert f'/aipolicy@v{__version__}"' in job
    releasing = (REPO / "docs" / "releasing.md").read_text(encoding="utf-8")
    assert "ci/gitlab-code-quality.yml" in releasing


# -- stdin and the baseline; the job summary only for github ----------------------------------------


def test_stdin_content_matches_baseline_entries_by_its_stdin_filename(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert aipolicy("check", "--today", TODAY, "--write-baseline", "bl.json", cwd=repo).returncode == 0
    run = [sys.executable, "-m", "checker", "check", "--today", TODAY, "--baseline", "bl.json", "--format", "json", "-"]
    named = subprocess.run(
        [*run, "--stdin-filename", "a/ai-production.yaml"],
        cwd=repo,
        env=subprocess_env(),
        input=TWO_PROBLEMS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(named.stdout)["summary"]["baselined"] == 1  # AIP-OWN-001 (schema errors never are)
    anonymous = subprocess.run(
        run, cwd=repo, env=subprocess_env(), input=TWO_PROBLEMS, capture_output=True, text=True, timeout=120
    )
    assert json.loads(anonymous.stdout)["summary"]["baselined"] == 0


@pytest.mark.parametrize("fmt", ["text", "json", "gitlab", "rdjson", "azure"])
def test_only_the_github_format_writes_the_job_summary(tmp_path: Path, fmt: str) -> None:
    repo = _repo(tmp_path)
    summary = tmp_path / "summary.md"
    proc = aipolicy(
        "check",
        "--today",
        TODAY,
        "--format",
        fmt,
        ".",
        cwd=repo,
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert proc.returncode == 1 and not summary.exists()
    proc = aipolicy(
        "check",
        "--today",
        TODAY,
        "--format",
        "github",
        ".",
        cwd=repo,
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert proc.returncode == 1 and "a/ai-production.yaml" in summary.read_text(encoding="utf-8")


# -- every check option is in README's option list -----------------------------------------------


def test_readme_option_list_names_every_check_option() -> None:
    from checker.cli import check

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("`check` options: ")
    listed = readme[start : readme.index("\n\n", start)]
    names = [opt for param in check.params for opt in param.opts if opt.startswith("--")]
    assert "--stdin-filename" in names and "--write-baseline" in names  # the list is the real one
    missing = [name for name in names if f"`{name}" not in listed and f"/{name}`" not in listed]
    assert missing == [], f"README's `check` options leave out {missing}"


# -- which baseline entries can be stale ---------------------------------------------------------


def test_stale_notes_skip_rules_not_evaluated_but_name_rules_no_policy_defines(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert aipolicy("check", "--today", TODAY, "--write-baseline", "bl.json", cwd=repo).returncode == 0
    ignored = aipolicy("check", "--today", TODAY, "--baseline", "bl.json", "--ignore", "AIP-OWN-001", ".", cwd=repo)
    assert "matches nothing any more" not in ignored.stderr, ignored.stderr
    baseline = json.loads((repo / "bl.json").read_text())
    baseline["findings"].append(
        {
            "rule": "ORG-GONE-001",
            "path": "a/ai-production.yaml",
            "json_path": "$.system",
            "count": 1,
            "message": "from a pack no longer in force",
        }
    )
    (repo / "bl.json").write_text(json.dumps(baseline, indent=2))
    gone = aipolicy("check", "--today", TODAY, "--baseline", "bl.json", ".", cwd=repo)
    stale = [line for line in gone.stderr.splitlines() if "matches nothing any more" in line]
    assert len(stale) == 1 and "ORG-GONE-001 in a/ai-production.yaml" in stale[0], gone.stderr
