"""Claims of README "The portfolio" and docs/portfolio.md, shown with the real
renderers: the portfolio's purgatory against AIP-DIAG-001, what the Markdown
report leaves out, what a check JSON cannot tell the merge, and the weekly
workflow's issue job surviving a failed inventory job."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from checker.cli import main

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "examples" / "workflows" / "portfolio-weekly.yml"
TODAY = "2026-12-01"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def aip(monkeypatch, capsys, tmp_path):
    """`aipolicy ARGS` in-process in `cwd`, real renderers; (exit code, stdout, stderr)."""
    for key in list(os.environ):
        if key.startswith(("GIT_", "GITHUB_")) or key in ("NO_COLOR", "FORCE_COLOR", "CI"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")

    def run(cwd: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _git(cwd: Path, *args: str, date: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    env.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@tests.invalid",
            "GIT_COMMITTER_NAME": "Ada",
            "GIT_COMMITTER_EMAIL": "ada@tests.invalid",
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }
    )
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def _repo(path: Path, stage: str, date: str = "2024-03-15T12:00:00+00:00") -> Path:
    """A repository holding examples/STAGE's manifest at its root, committed on `date`."""
    path.mkdir()
    _git(path, "init", "-q", "-b", "main", date=date)
    _git(path, "remote", "add", "origin", f"https://github.com/acme/{stage}.git", date=date)
    text = (REPO / "examples" / stage / "ai-production.yaml").read_text(encoding="utf-8")
    (path / "ai-production.yaml").write_text(text, encoding="utf-8")
    _git(path, "add", "-A", date=date)
    _git(path, "commit", "-q", "-m", stage, date=date)
    return path


@needs_git
def test_a_pilot_with_one_unanswered_question_is_in_purgatory_though_check_does_not_warn(aip, tmp_path):
    root = _repo(tmp_path / "r", "pilot", date="2026-11-01T12:00:00+00:00")
    code, out, err = aip(root, "check", "--format", "json", "--today", TODAY)
    assert code in (0, 1), err
    check = json.loads(out)
    (manifest,) = check["manifests"]
    assert [q["id"] for q in manifest["questions"]["unanswered"]] == ["Q9"]
    assert "AIP-DIAG-001" not in {f["rule"] for f in check["findings"]}

    code, out, err = aip(root, "report", "--format", "json", "--today", TODAY)
    assert code == 0, err
    (system,) = json.loads(out)["systems"]
    assert system["stage"] == "pilot" and system["purgatory"] is True


@needs_git
def test_the_markdown_report_has_no_per_system_table(aip, tmp_path):
    root = _repo(tmp_path / "r", "production")
    code, csv_text, err = aip(root, "report", "--format", "csv", "--today", TODAY)
    assert code == 0, err
    assert "Priya Raman" in csv_text  # the technical owner is in the inventory
    code, md, err = aip(root, "report", "--format", "md", "--today", TODAY)
    assert code == 0, err
    assert "Priya Raman" not in md
    assert [line for line in md.splitlines() if line.startswith("### ")] == [
        "### Funnel",
        "### Unanswered questions",
        "### Stuck pilots (at pilot for more than 14 months)",
        "### Pilots in purgatory (a question unanswered: not ready for production)",
        "### Deadlines in the next 30 days",
        "### Deadlines in 31 to 90 days",
        "### Owner load",
        "### Trend (last 12 month ends)",
    ]


@needs_git
def test_a_stuck_pilot_in_a_check_json_is_stuck_in_the_merge_too(aip, tmp_path):
    """docs/portfolio.md: a check JSON carries each pilot's stage history (what AIP-GIT-005
    read), so the merge counts a stuck pilot as the repository's own inventory does."""
    root = _repo(tmp_path / "r", "pilot")  # at pilot since 2024-03-15: 32 months by TODAY
    code, out, err = aip(root, "check", "--format", "json", "--today", TODAY)
    assert "AIP-GIT-005" in {f["rule"] for f in json.loads(out)["findings"]}
    (tmp_path / "check.json").write_text(out, encoding="utf-8")
    code, out, err = aip(root, "report", "--format", "json", "--today", TODAY)
    assert code == 0, err
    (tmp_path / "inventory.json").write_text(out, encoding="utf-8")
    assert json.loads(out)["systems"][0]["stuck"] is True

    for source in ("check.json", "inventory.json"):
        code, out, err = aip(tmp_path, "report", "--from-json", source, "--format", "json", "--today", TODAY)
        assert code == 0, err
        data = json.loads(out)
        (system,) = data["systems"]
        assert system["stuck"] is True and data["counts"]["stuck"] == 1, source
        assert system["stage_since"] == "2024-03-15", source


def test_the_weekly_issue_job_still_runs_when_one_inventory_job_failed():
    """GitHub skips a job whose transitive need failed unless its `if:` has a status
    function; the issue job must depend on the report job's own result instead."""
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    assert jobs["report"]["needs"] == "inventory" and "!cancelled()" in jobs["report"]["if"]
    issue = jobs["issue"]
    assert issue["needs"] == "report"
    condition = issue["if"]
    assert "!cancelled()" in condition or "always()" in condition
    assert "needs.report.result == 'success'" in condition
    assert "vars.AIPOLICY_PORTFOLIO_ISSUE == 'true'" in condition


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("p.md", "## AI portfolio"),
        ("p.markdown", "## AI portfolio"),
        ("p.htm", "<!DOCTYPE html>"),
    ],
)
def test_the_format_follows_the_readme_s_output_suffixes(aip, tmp_path, name, expected):
    (tmp_path / "ai-production.yaml").write_text(
        (REPO / "examples" / "pilot" / "ai-production.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out, err = aip(tmp_path, "report", "--today", TODAY, "--output", name)
    assert code == 0, err
    assert out == "" and (tmp_path / name).read_text(encoding="utf-8").startswith(expected)


def test_report_s_max_file_size_is_check_s(aip, tmp_path):
    """A manifest over --max-file-size is reported (one error, AIP-SCH-002), not read."""
    (tmp_path / "ai-production.yaml").write_text(
        (REPO / "examples" / "pilot" / "ai-production.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out, err = aip(tmp_path, "check", "--format", "json", "--today", TODAY, "--max-file-size", "10")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"AIP-SCH-002"}
    code, out, err = aip(tmp_path, "report", "--format", "json", "--today", TODAY, "--max-file-size", "10")
    assert code == 0, err
    (system,) = json.loads(out)["systems"]
    assert system["id"] is None and system["stage"] is None and system["findings"]["error"] == 1
    code, out, err = aip(tmp_path, "report", "--format", "json", "--today", TODAY)
    (system,) = json.loads(out)["systems"]
    assert system["id"] == "churn-forecast" and system["stage"] == "pilot"


def test_the_per_repository_inventory_workflow_also_runs_on_a_schedule():
    """docs/portfolio.md: a repository without pushes keeps a fresh artifact."""
    text = (REPO / "docs" / "portfolio.md").read_text(encoding="utf-8")
    block = text.split("# .github/workflows/aipolicy-inventory.yml in each repository\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    triggers = workflow.get("on", workflow.get(True))
    assert {"push", "schedule", "workflow_dispatch"} <= set(triggers)
    (upload,) = [s for s in workflow["jobs"]["inventory"]["steps"] if s.get("uses", "").startswith("actions/upload-")]
    assert upload["with"]["retention-days"] == 30  # the number docs/portfolio.md names


@needs_git
def test_an_older_inventory_adds_nothing_to_the_trend_s_later_months(aip, tmp_path):
    """docs/portfolio.md: a file taken months ago contributes nothing to the trend's later months."""
    root = _repo(tmp_path / "r", "production", date="2025-01-10T12:00:00+00:00")
    code, old, err = aip(root, "report", "--format", "json", "--today", "2026-09-15")
    assert code == 0, err
    (tmp_path / "old.json").write_text(old, encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--from-json", "old.json", "--format", "json", "--today", TODAY)
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"]["stages"]["production"] == 1
    by_month = {p["month"]: p["stages"]["production"] for p in data["trend"]}
    assert by_month["2026-09"] == 1
    assert by_month.get("2026-10", 0) == 0 and by_month.get("2026-11", 0) == 0
