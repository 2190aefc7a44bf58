"""The pre-commit hook (.pre-commit-hooks.yaml), run the way pre-commit runs it.

`pre-commit try-repo` clones the hook repository at a commit, pip-installs it
into a fresh virtualenv and runs the hook in a project repository. The hook
repository here is a throwaway copy of this checkout (pyproject, checker/,
schemas/, policies/, README, the hook manifest) committed in tmp_path, so
uncommitted or untracked work in the real checkout is what gets tested, and the
real repository is never touched. Needs git and PyPI (pip builds the package).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest
import yaml

from checker.discover import is_manifest_name

REPO = Path(__file__).resolve().parents[1]
HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
# What pip needs to build aipolicy, plus the hook manifest itself.
HOOK_REPO_SOURCES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "checker", "schemas", "policies")

# Commits are dated yesterday noon UTC: fixed for the whole run, and recent, because
# aipolicy judges evidence files by the date git last changed them (AIP-GIT-002).
COMMIT_DATE = f"{datetime.date.today() - datetime.timedelta(days=1)}T12:00:00+00:00"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "aipolicy tests",
    "GIT_AUTHOR_EMAIL": "tests@aipolicy.invalid",
    "GIT_COMMITTER_NAME": "aipolicy tests",
    "GIT_COMMITTER_EMAIL": "tests@aipolicy.invalid",
    "GIT_AUTHOR_DATE": COMMIT_DATE,
    "GIT_COMMITTER_DATE": COMMIT_DATE,
    # No user or system git configuration (hooks, templates, signing) leaks in.
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _require_tool(available: bool, what: str) -> None:
    """Skip locally when a tool is missing; in CI the test must run, so fail."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not available")


def _pre_commit_available() -> bool:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture()
def tool_env(tmp_path: Path) -> dict[str, str]:
    _require_tool(shutil.which("git") is not None, "git")
    _require_tool(_pre_commit_available(), "pre-commit (pip install -e '.[test]')")
    env = dict(os.environ)
    # Text output whatever CI this runs in (GITHUB_ACTIONS=true would pick --format github).
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "PRE_COMMIT_COLOR", "FORCE_COLOR"):
        env.pop(name, None)
    env.update(GIT_ENV)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env["TMPDIR"] = str(tmp)  # try-repo builds its store and virtualenv in a temporary folder
    env["NO_COLOR"] = "1"
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _init_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _git(path, env, "init", "--quiet")
    _git(path, env, "config", "commit.gpgsign", "false")


def _commit_all(path: Path, env: dict[str, str], message: str) -> None:
    _git(path, env, "add", "--all")
    _git(path, env, "commit", "--quiet", "--no-verify", "-m", message)


def _hook_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    """A committed copy of the sources pip needs, as it is on disk right now."""
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in HOOK_REPO_SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, hook_repo / name, ignore=ignore)
        else:
            shutil.copy2(source, hook_repo / name)
    _init_repo(hook_repo, env)
    _commit_all(hook_repo, env, "hook repository under test")
    return hook_repo


# A production manifest derived from examples/production/ai-production.yaml,
# shortened but still answering all ten questions. Its dates are computed from
# today so that it keeps passing (accuracy measured within two weekly cadences,
# rollback tested within 180 days, next review ahead and within 12 months of the
# last), and every *_ref names a file the test writes into the project.
MANIFEST = Template("""\
apiVersion: aipolicy/v1
system:
  id: $system_id
  name: Support ticket router
  description: Suggests the support queue for each incoming ticket; agents confirm or reassign it.
  type: classifier
  model_version: models:/ticket-router/14
stage: production
risk_tier: limited
decision_role: augment
intended_use:
  primary: Suggest the support queue for new email and web-form tickets in English.
  users: [Tier-1 support agents, Support team leads]
  out_of_scope: [Automatically closing or replying to tickets]
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
  business:
    name: Daniel Okafor
    contact: daniel.okafor@acme-corp.io
    process: Customer support ticket triage and queue assignment
    authority_to_change_workflow: true
business_metric:
  name: Median time to first response, in hours
  direction: decrease
  baseline: {value: 9.5, measured_at: $baseline_measured, source: Zendesk Explore first response report}
  target: {value: 4.0, by: $target_by}
data:
  sources:
    - name: support-tickets
      uri: s3://acme-support-lake/raw/tickets/
      owner: {name: Aisha Bello, contact: aisha.bello@acme-corp.io}
      refresh: {mode: automated, schedule: "*/15 * * * *", pipeline_ref: service/pipelines/ingest.py}
      validation: {suite_ref: service/validation/tickets.yaml, runs_at: [ingest, training, serving]}
      personal_data: true
      privacy_ref: service/docs/privacy-assessment.md
monitoring:
  outcome_accuracy:
    metric: macro_f1
    threshold: 0.85
    cadence: weekly
    ground_truth_source: Final queue recorded by the agent when the ticket is closed
    label_delay: P3D
    estimator: NannyML CBPE on prediction confidence, daily, until labels arrive
    last_measured:
      date: $accuracy_measured
      value: 0.89
    evidence_ref: service/evidence/accuracy.md
  drift:
    - {target: features, features: [channel, language], method: psi, threshold: 0.2,
       reference: training, tool: Evidently, config_ref: service/monitoring/drift.yaml}
  alerts:
    - name: outcome-accuracy-below-threshold
      "on": weekly macro_f1 < 0.85
      route: {channel: pagerduty, target: ticket-router-ml}
      runbook_ref: service/runbooks/accuracy.md
  watchers:
    primary: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}
    backup: {name: Priya Raman, contact: priya.raman@acme-corp.io}
rollback:
  strategy: alias_swap
  previous_version: {ref: models:/ticket-router/13, verified_at: $rollback_verified}
  fallback: {type: rules, description: Keyword rules assign the queue; unmatched tickets go to General triage.}
  triggers: [Weekly macro F1 below 0.85]
  decision_owner: {name: Priya Raman, contact: priya.raman@acme-corp.io}
  rto: PT1H
  last_tested: $rollback_tested
retraining:
  triggers: [drift, performance, schedule]
  cadence: monthly
  max_model_age: P90D
  pipeline_ref: service/pipelines/train.py
  owner: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}
  approval:
    required: true
    approver: {name: Priya Raman, contact: priya.raman@acme-corp.io}
    max_lead_time: P3D
explainability:
  method: shap
  audience: [Tier-1 support agents, Model reviewers]
  user_facing: true
  documentation_ref: service/docs/explanations.md
human_oversight:
  mode: in_the_loop
  override: true
  stop_mechanism: Turning off the feature flag ticket_router.enabled sends every ticket to the rules.
  appeal_ref: service/docs/reassignment.md
governance:
  model_card_ref: service/docs/model-card.md
  incident_process_ref: service/docs/incident-process.md
  decommission_plan_ref: service/docs/decommission-plan.md
  last_review: $last_review
  next_review: $next_review
""")

REF_FILES = (
    "service/pipelines/ingest.py",
    "service/pipelines/train.py",
    "service/validation/tickets.yaml",
    "service/docs/privacy-assessment.md",
    "service/evidence/accuracy.md",
    "service/monitoring/drift.yaml",
    "service/runbooks/accuracy.md",
    "service/docs/explanations.md",
    "service/docs/reassignment.md",
    "service/docs/model-card.md",
    "service/docs/incident-process.md",
    "service/docs/decommission-plan.md",
)


def manifest_text(system_id: str, *, accuracy_age_days: int) -> str:
    today = datetime.date.today()

    def day(offset: int) -> str:
        return (today + datetime.timedelta(days=offset)).isoformat()

    return MANIFEST.substitute(
        system_id=system_id,
        baseline_measured=day(-60),
        target_by=day(365),
        accuracy_measured=day(-accuracy_age_days),
        rollback_verified=day(-20),
        rollback_tested=day(-30),
        last_review=day(-30),
        next_review=day(150),
    )


def _line_of(text: str, needle: str) -> int:
    (index,) = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return index


PASSING = "service/ai-production.yaml"
# The .yml spelling and a NAME. prefix: the hook's `files` pattern must match both.
FAILING = "legacy/ticket-router-v1.ai-production.yml"
# YAML the hook must not pass to aipolicy (named explicitly, aipolicy would check it and fail).
NOT_A_MANIFEST = "config/settings.yaml"


def _project(tmp_path: Path, env: dict[str, str], *, with_failing: bool) -> tuple[Path, int]:
    """A project repository with a passing manifest (and optionally a failing one).
    Returns the repository and the line of the failing manifest's stale date."""
    project = tmp_path / "project"
    _init_repo(project, env)
    # Who reviews manifest changes (AIP-GIT-003 warns without a CODEOWNERS file).
    (project / ".github").mkdir()
    (project / ".github" / "CODEOWNERS").write_text("* @acme-corp/ml-platform\n", encoding="utf-8")
    for ref in REF_FILES:
        target = project / ref
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {ref}\n", encoding="utf-8")
    (project / PASSING).write_text(manifest_text("ticket-router", accuracy_age_days=3), encoding="utf-8")
    (project / NOT_A_MANIFEST).parent.mkdir(parents=True)
    (project / NOT_A_MANIFEST).write_text("apiVersion: nothing-aipolicy-knows\nstage: [\n", encoding="utf-8")
    stale_line = 0
    if with_failing:
        # Outcome accuracy last measured 60 days ago: for a weekly cadence that
        # is an error at production (AIP-MON-005, accuracy-measured).
        failing = manifest_text("ticket-router-v1", accuracy_age_days=60)
        stale_line = _line_of(failing, "date: " + (datetime.date.today() - datetime.timedelta(days=60)).isoformat())
        (project / FAILING).parent.mkdir(parents=True)
        (project / FAILING).write_text(failing, encoding="utf-8")
    _commit_all(project, env, "project")
    return project, stale_line


def _try_repo(hook_repo: Path, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "aipolicy", "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_hook_manifest_is_valid_for_pre_commit(tool_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
        env=tool_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_is_aipolicy_check_on_yaml_files() -> None:
    (hook,) = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert hook["id"] == "aipolicy"
    assert hook["entry"] == "aipolicy check"
    assert hook["language"] == "python"
    assert hook["types"] == ["yaml"]
    # Each batch of files is checked on its own (see the comment in the file).
    assert hook.get("require_serial", False) is False
    assert hook.get("pass_filenames", True) is True


@pytest.mark.parametrize(
    "path",
    [
        "ai-production.yaml",
        "ai-production.yml",
        "services/router/ai-production.yaml",
        "services/router/ai-production.yml",
        "churn.ai-production.yaml",
        "models/churn.ai-production.yml",
        "a/b/c/ticket-router-v1.ai-production.yaml",
        "my-ai-production.yaml",
        "ai-production.yaml.bak",
        "ai-production.json",
        "docs/ai-production.md",
        "ai-production.yaml/notes.yaml",
        "ai-productionXyaml",
        "AI-PRODUCTION.YAML",
        "config/settings.yaml",
    ],
)
def test_hook_files_pattern_matches_what_check_discovers(path: str) -> None:
    (hook,) = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    # pre-commit matches `files` with re.search against the repository-relative path.
    matched = re.search(hook["files"], path) is not None
    assert matched == is_manifest_name(path.rsplit("/", 1)[-1])


@pytest.mark.slow
def test_try_repo_fails_on_the_failing_manifest_and_passes_without_it(tmp_path: Path, tool_env: dict[str, str]) -> None:
    hook_repo = _hook_repo(tmp_path, tool_env)

    project, stale_line = _project(tmp_path / "with-failing", tool_env, with_failing=True)
    proc = _try_repo(hook_repo, project, tool_env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    # The finding, as aipolicy prints it: path relative to the repository root, at the stale date.
    assert re.search(rf"^{re.escape(FAILING)}:{stale_line}:\d+: error AIP-MON-005 ", output, re.MULTILINE), output
    # The passing manifest was checked too (same or another batch), all ten questions answered, no error.
    assert re.search(r"^service/ai-production.yaml: ticket-router: 10/10\b", output, re.MULTILINE), output
    assert not re.search(rf"^{re.escape(PASSING)}:\d+:\d+: error ", output, re.MULTILINE), output
    # The `files` pattern kept other YAML away from aipolicy.
    assert NOT_A_MANIFEST not in output, output

    project, _ = _project(tmp_path / "passing-only", tool_env, with_failing=False)
    proc = _try_repo(hook_repo, project, tool_env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^aipolicy\.+Passed$", output, re.MULTILINE), output
