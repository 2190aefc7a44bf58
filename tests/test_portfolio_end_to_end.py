"""`aipolicy report` end to end on the fixture portfolio (tests/portfolio_repo.py): what the
JSON, CSV, Markdown and HTML say about stage dates, stuck pilots and the 12-month trend is what
the dated commits imply, and a check JSON merged back in carries the same systems."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import portfolio_repo as pr
import pytest
from test_portfolio_history import env, portfolio  # noqa: F401 - fixtures

from checker.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _report(cwd: Path, monkeypatch, capsys, *args: str) -> str:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(["report", ".", "--today", pr.TODAY.isoformat(), *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_report_json_has_the_stage_dates_stuck_pilots_and_trend_the_commits_imply(portfolio, monkeypatch, capsys):
    inventory = json.loads(_report(portfolio.path, monkeypatch, capsys, "--format", "json"))
    systems = {s["path"]: s for s in inventory["systems"]}
    assert sorted(systems) == pr.SYSTEMS
    for path in pr.SYSTEMS:
        history = [(h["stage"], h["since"]) for h in systems[path]["history"]]
        assert history == [(stage, day.isoformat()) for stage, day in pr.expected_history(path)], path
        assert systems[path]["stage_since"] == pr.expected_history(path)[-1][1].isoformat()
    stuck = sorted(path for path, s in systems.items() if s["stuck"])
    assert stuck == ["stuck/ai-production.yaml"]
    assert inventory["counts"]["stuck"] == 1
    trend = [(p["end"], p["stages"], p["purgatory"], p["stuck"]) for p in inventory["trend"]]
    assert trend == [(p.end.isoformat(), p.stages, p.purgatory, p.stuck) for p in pr.expected_trend()]


def test_stuck_after_moves_which_pilots_are_stuck(portfolio, monkeypatch, capsys):
    inventory = json.loads(_report(portfolio.path, monkeypatch, capsys, "--format", "json", "--stuck-after", "2"))
    stuck = sorted(s["path"] for s in inventory["systems"] if s["stuck"])
    # recent entered pilot on 2026-08-26: more than 2 months by 2026-11-26; ready only on 2026-11-10.
    assert stuck == ["recent/ai-production.yaml", "stuck/ai-production.yaml"]
    assert [p["stuck"] for p in inventory["trend"]] == [p.stuck for p in pr.expected_trend(stuck_after=2)]


def test_csv_markdown_and_html_name_the_stuck_pilot_with_its_date(portfolio, monkeypatch, capsys):
    since = pr.expected_history("stuck/ai-production.yaml")[-1][1].isoformat()
    rows = list(csv.DictReader(io.StringIO(_report(portfolio.path, monkeypatch, capsys, "--format", "csv"))))
    by_path = {row["path"]: row for row in rows}
    assert sorted(by_path) == pr.SYSTEMS
    assert by_path["stuck/ai-production.yaml"]["stage_since"] == since
    markdown = _report(portfolio.path, monkeypatch, capsys, "--format", "md")
    stuck_section = markdown.split("### Stuck pilots", 1)[1].split("###", 1)[0]
    assert "stuck/ai-production.yaml" in stuck_section and since in stuck_section
    assert "recent/ai-production.yaml" not in stuck_section
    html = _report(portfolio.path, monkeypatch, capsys, "--format", "html")
    stuck_rows = list(html.split("<tr data-stuck>")[1:])
    assert len(stuck_rows) == 1 and "stuck/ai-production.yaml" in stuck_rows[0] and since in stuck_rows[0]


def test_a_check_json_merged_with_from_json_carries_the_same_systems_without_history(
    portfolio, monkeypatch, capsys, tmp_path
):
    monkeypatch.chdir(portfolio.path)
    capsys.readouterr()
    assert main(
        ["check", ".", "--today", pr.TODAY.isoformat(), "--format", "json", "--output", str(tmp_path / "check.json")]
    ) in (0, 1)
    capsys.readouterr()
    assert (
        main(
            ["report", "--from-json", str(tmp_path / "check.json"), "--today", pr.TODAY.isoformat(), "--format", "json"]
        )
        == 0
    )
    merged = json.loads(capsys.readouterr().out)
    systems = {s["path"]: s for s in merged["systems"]}
    assert sorted(systems) == pr.SYSTEMS
    # A check JSON carries its pilots' stage history (AIP-GIT-005 read it): the stuck one stays stuck.
    assert sorted(p for p, s in systems.items() if s["stuck"]) == ["stuck/ai-production.yaml"]
    for path, s in systems.items():
        if s["stage"] == "pilot":
            assert [(h[0], h[1]) if isinstance(h, list) else (h["stage"], h["since"]) for h in s["history"]] == [
                (stage, day.isoformat()) for stage, day in pr.expected_history(path)
            ], path
        else:
            assert s["history"] is None, path
    assert merged["trend"] is None
