"""The portfolio's git history (checker.git.history, checker.portfolio.history) and AIP-GIT-005 stuck-in-pilot,
proven against the dated fixture repository of tests/portfolio_repo.py: stage-entry dates,
stuck pilots and the 12-month trend, shallow clones and hostile history."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import portfolio_repo as pr
import pytest
from test_git_repo import Repo, git_commands

from checker import engine, gitrepo
from checker.cli import main
from checker.git import history as git_history
from checker.portfolio import history

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

STUCK = "stuck/ai-production.yaml"
RECENT = "recent/ai-production.yaml"


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    """No user or system git configuration, for the git we run and the git aipolicy runs."""
    home = tmp_path / "home"
    home.mkdir()
    clean = pr._clean_env(home)
    for key in list(os.environ):
        if key.startswith(("GIT_", "GITHUB_")):
            monkeypatch.delenv(key, raising=False)
    for key in ("HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, clean[key])
    gitrepo.forget()
    yield clean
    gitrepo.close()
    gitrepo.forget()


@pytest.fixture
def portfolio(tmp_path, env) -> Repo:
    return pr.build_portfolio_repo(tmp_path / "portfolio", env)


def _commit_of(repo: Repo, path: str, day: str) -> str:
    """The commit of PLAN that touched `path` on `day` (asked of git by date, not of aipolicy)."""
    out = repo.git("log", "--format=%H %as", "--", path).split("\n")
    return next(line.split()[0] for line in out if line.endswith(day))


def _check(cwd: Path, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    import json

    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(["check", ".", "--today", pr.TODAY.isoformat(), "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _stuck_findings(report: dict) -> dict[str, str]:
    return {f["path"]: f["message"] for f in report["findings"] if f["rule"] == "AIP-GIT-005"}


# -- stage histories ------------------------------------------------------------------------------


def test_stage_histories_give_each_stage_change_with_its_author_date_and_commit(portfolio):
    found = git_history.stage_histories(portfolio.path, pr.ALL_MANIFESTS)
    assert set(found) == set(pr.ALL_MANIFESTS)
    for path in pr.ALL_MANIFESTS:
        assert [(c.stage, c.since) for c in found[path]] == pr.expected_history(path), path
        for change in found[path]:
            assert change.commit == _commit_of(portfolio, path, change.since.isoformat())
            assert change.at_or_before is False
    # An edit that leaves the stage alone is no stage change.
    assert [c.since.isoformat() for c in found["journey/ai-production.yaml"]] == [
        "2025-06-10",
        "2025-11-15",
        "2026-07-01",
    ]


def test_stage_histories_outside_git_are_empty_and_the_trend_is_none(tmp_path, env):
    plain = tmp_path / "plain"
    (plain / "svc").mkdir(parents=True)
    (plain / "svc/ai-production.yaml").write_text(pr.bare("svc", "pilot"), encoding="utf-8")
    assert git_history.stage_histories(plain, ["svc/ai-production.yaml"]) == {}
    assert git_history.stage_histories(None, ["svc/ai-production.yaml"]) == {}
    assert history.trend(plain, ["svc/ai-production.yaml"], pr.TODAY) is None


def test_a_path_git_never_committed_has_an_empty_history(portfolio):
    portfolio.write("new/ai-production.yaml", pr.bare("new", "pilot"))
    found = git_history.stage_histories(portfolio.path, ["new/ai-production.yaml", STUCK])
    assert found["new/ai-production.yaml"] == [] and found[STUCK][0].stage == "pilot"


def test_a_deleted_and_re_added_manifest_starts_its_history_afresh(tmp_path, env):
    r = Repo(tmp_path / "again", env)
    r.write("a/ai-production.yaml", pr.bare("a", "pilot"))
    r.commit("pilot", date=pr.commit_date("2025-01-10"))
    r.git("rm", "-q", "a/ai-production.yaml")
    r.commit("gone", date=pr.commit_date("2025-05-10"))
    r.write("a/ai-production.yaml", pr.bare("a", "pilot"))
    r.commit("back", date=pr.commit_date("2026-02-10"))
    [first, again] = git_history.stage_histories(r.path, ["a/ai-production.yaml"])["a/ai-production.yaml"]
    assert (first.since, again.since) == (datetime.date(2025, 1, 10), datetime.date(2026, 2, 10))


# -- the trend ------------------------------------------------------------------------------------


def test_the_trend_replays_the_stage_counts_purgatory_and_stuck_pilots_at_each_month_end(portfolio):
    points = history.trend(portfolio.path, pr.SYSTEMS, pr.TODAY)
    expected = pr.expected_trend()
    assert [p.end for p in points] == [e.end for e in expected] == pr.month_ends()
    assert [p.month for p in points] == [f"{e.end:%Y-%m}" for e in expected]
    for point, want in zip(points, expected):
        assert (point.stages, point.purgatory, point.stuck) == (want.stages, want.purgatory, want.stuck), point.end
    # Spot checks by hand, from the dates in portfolio_repo's docstring:
    first, may, july, last = points[0], points[5], points[7], points[-1]
    assert first.end == datetime.date(2025, 12, 31) and first.stages["pilot"] == 4 and first.stuck == 0
    assert may.end == datetime.date(2026, 5, 31) and may.stuck == 1  # stuck's 14 months ran out on 2026-05-20
    assert may.stages["pilot"] == 3  # `gone` still counts: it was deleted on 2026-06-10
    assert july.stages == {"exploration": 1, "pilot": 1, "production": 1, "retired": 1}
    assert last.stages == {"exploration": 0, "pilot": 3, "production": 1, "retired": 1}
    assert last.purgatory == 2  # `ready` answers all ten questions


def test_the_trend_respects_stuck_after(portfolio):
    points = history.trend(portfolio.path, pr.SYSTEMS, pr.TODAY, stuck_after=2)
    assert [p.stuck for p in points] == [e.stuck for e in pr.expected_trend(stuck_after=2)]
    assert points[-1].stuck == 2  # stuck and recent (2026-08-26 + 2 months < 2026-11-26); not ready


def test_the_trend_counts_nothing_before_the_first_commit(portfolio):
    points = history.trend(portfolio.path, pr.SYSTEMS, datetime.date(2025, 4, 15))
    assert points[0].end == datetime.date(2024, 5, 31)
    assert sum(points[0].stages.values()) == 0
    assert points[-2].end == datetime.date(2025, 3, 31) and points[-2].stages["pilot"] == 1  # stuck, from 03-20
    assert points[-1].stages["pilot"] == 2  # and retired's pilot, from 04-01


def test_the_trend_judges_each_pilot_at_most_once_per_month_end(portfolio, monkeypatch):
    calls: list[str] = []
    plain = engine.check_bytes

    def counting(raw, display, options):
        calls.append(display)
        return plain(raw, display, options)

    monkeypatch.setattr(engine, "check_bytes", counting)
    points = history.trend(portfolio.path, pr.SYSTEMS, pr.TODAY)
    assert len(calls) == sum(p.stages["pilot"] for p in points) <= 12 * len(pr.ALL_MANIFESTS)


def test_scopes_limit_where_deleted_manifests_are_looked_for(portfolio):
    points = history.trend(portfolio.path, [STUCK], pr.TODAY, scopes=["stuck"])
    assert [p.stages["pilot"] for p in points] == [1] * 12
    assert all(sum(p.stages.values()) == 1 for p in points)


# -- AIP-GIT-005 ----------------------------------------------------------------------------------


def test_stuck_in_pilot_fires_for_the_stuck_pilot_with_the_date_and_commit_it_entered_pilot(
    portfolio, monkeypatch, capsys
):
    code, report, err = _check(portfolio.path, monkeypatch, capsys, "--select", "AIP-GIT-005")
    found = _stuck_findings(report)
    assert list(found) == [STUCK]  # not recent (3 months), not ready, not journey (production) or retired
    entered = pr.expected_history(STUCK)[-1][1]
    commit = _commit_of(portfolio, STUCK, entered.isoformat())
    assert f"since {entered} (commit {commit[:12]})" in found[STUCK]
    assert "20 months" in found[STUCK] and "14-month" in found[STUCK]
    [finding] = [f for f in report["findings"] if f["rule"] == "AIP-GIT-005"]
    assert finding["severity"] == "warning" and finding["json_path"] == "$.stage"


def test_stuck_in_pilot_respects_stuck_after_from_the_configuration(portfolio, monkeypatch, capsys):
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: 24\n", encoding="utf-8")
    assert _stuck_findings(_check(portfolio.path, monkeypatch, capsys, "--select", "AIP-GIT-005")[1]) == {}
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: 2\n", encoding="utf-8")
    found = _stuck_findings(_check(portfolio.path, monkeypatch, capsys, "--select", "AIP-GIT-005")[1])
    assert sorted(found) == [RECENT, STUCK] and "2-month" in found[RECENT]


def test_stuck_after_is_shown_by_aipolicy_config_and_validated(portfolio, monkeypatch, capsys):
    monkeypatch.chdir(portfolio.path)
    capsys.readouterr()
    assert main(["config"]) == 0
    assert "stuck-after: 14    # default" in capsys.readouterr().out
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: 9\n", encoding="utf-8")
    assert main(["config"]) == 0
    assert "stuck-after: 9    # " in capsys.readouterr().out
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: soon\n", encoding="utf-8")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "stuck-after" in err and len(err.strip().splitlines()) == 1


def test_stuck_in_pilot_is_silent_at_other_stages_even_when_judged_at_pilot(portfolio, monkeypatch, capsys):
    # journey was a pilot for 7 months and is at production: --stage pilot does not make it stuck.
    code, report, _ = _check(
        portfolio.path / "journey", monkeypatch, capsys, "--select", "AIP-GIT-005", "--stage", "pilot"
    )
    assert _stuck_findings(report) == {}
    code, report, _ = _check(portfolio.path / "retired", monkeypatch, capsys, "--select", "AIP-GIT-005")
    assert _stuck_findings(report) == {} and "AIP-GIT-005" not in report["manifests"][0].get("rules_evaluated", [])


def test_a_pilot_not_yet_committed_is_not_stuck(portfolio, monkeypatch, capsys):
    # journey moved back to pilot in the working tree: by git history it entered pilot today.
    portfolio.write("journey/ai-production.yaml", pr.bare("journey", "pilot"))
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: 1\n", encoding="utf-8")
    assert "journey/ai-production.yaml" not in _stuck_findings(_check(portfolio.path, monkeypatch, capsys)[1])


def test_stuck_in_pilot_is_skipped_outside_git(tmp_path, env, monkeypatch, capsys):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "ai-production.yaml").write_text(pr.bare("plain", "pilot"), encoding="utf-8")
    code, report, err = _check(plain, monkeypatch, capsys, "--select", "AIP-GIT-005")
    assert _stuck_findings(report) == {} and "AIP-GIT" in err


def test_a_pilot_close_to_stuck_gets_a_deadline_note(portfolio, monkeypatch, capsys):
    # recent entered pilot on 2026-08-26; with stuck-after 3 it is stuck from 2026-11-27, tomorrow.
    (portfolio.path / ".aipolicy.yaml").write_text("stuck-after: 3\n", encoding="utf-8")
    code, report, _ = _check(portfolio.path / "recent", monkeypatch, capsys)
    assert _stuck_findings(report) == {}
    [note] = [f for f in report["findings"] if f["rule"] == "AIP-DUE-001" and "AIP-GIT-005" in f["message"]]
    assert "2026-11-27" in note["message"]


def _commands(monkeypatch) -> list[str]:
    return git_commands(monkeypatch)


def test_a_run_without_a_pilot_walks_no_history_and_pilots_share_one_walk(portfolio, monkeypatch, capsys):
    seen = _commands(monkeypatch)
    for folder in ("journey", "retired"):  # production (no evidence refs) and retired
        _check(portfolio.path / folder, monkeypatch, capsys)
    assert "log" not in seen and "cat-file" not in seen, seen
    seen.clear()
    _check(portfolio.path, monkeypatch, capsys, "--select", "AIP-GIT-005")  # three pilots
    assert seen.count("log") == 1, seen


# -- shallow clones and hostile history -----------------------------------------------------------


def _shallow(portfolio: Repo, tmp_path: Path, env: dict[str, str], since: str) -> Repo:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", f"--shallow-since={since}", f"file://{portfolio.path}", str(clone)],
        env=env,
        check=True,
        capture_output=True,
    )
    return Repo(clone, env, init=False)


def test_a_shallow_clone_marks_dates_at_its_first_commit_and_reports_only_when_even_those_are_too_old(
    portfolio, tmp_path, env, monkeypatch, capsys
):
    clone = _shallow(portfolio, tmp_path, env, "2026-06-30T18:00:00+00:00")
    assert clone.git("rev-parse", "--is-shallow-repository").strip() == "true"
    boundary = clone.git("log", "--format=%H %as", "--reverse").split("\n")[0].split()
    assert boundary[1] == "2026-07-01"  # journey's move to production is the clone's first commit
    found = git_history.stage_histories(clone.path, [STUCK, RECENT])
    [cut] = found[STUCK]
    assert (cut.stage, cut.since, cut.commit, cut.at_or_before) == (
        "pilot",
        datetime.date(2026, 7, 1),
        boundary[0],
        True,
    )
    [entry_e, entry_p] = found[RECENT]  # after the boundary: exact
    assert entry_p.since == datetime.date(2026, 8, 26) and not entry_p.at_or_before and entry_e.at_or_before

    # 2026-07-01 + 14 months is not past: the real date is unknown, so nothing is said.
    assert _stuck_findings(_check(clone.path, monkeypatch, capsys, "--select", "AIP-GIT-005")[1]) == {}
    (clone.path / ".aipolicy.yaml").write_text("stuck-after: 2\n", encoding="utf-8")
    found = _stuck_findings(_check(clone.path, monkeypatch, capsys, "--select", "AIP-GIT-005")[1])
    assert f"since 2026-07-01 or earlier (commit {boundary[0][:12]}, the first of this shallow clone)" in found[STUCK]


def test_a_shallow_clones_trend_leaves_out_the_month_ends_before_its_first_commit(portfolio, tmp_path, env):
    clone = _shallow(portfolio, tmp_path, env, "2026-06-30T18:00:00+00:00")
    points = history.trend(clone.path, pr.SYSTEMS, pr.TODAY)
    full = {p.end: p for p in pr.expected_trend()}
    assert [p.end for p in points] == [e for e in pr.month_ends() if e >= datetime.date(2026, 7, 1)]
    for point in points:
        assert point.stages == full[point.end].stages and point.purgatory == full[point.end].purgatory


@pytest.mark.parametrize(
    "hostile",
    [
        b"stage: [pilot\n  {{{ not: yaml\n",
        b"stage: pilot\n\x00\x01\x02binary\xff\xfe\n",
        b"stage: production\n" + b"# padding\n" * 150_000,  # 1.5 MB: larger than a manifest may be
        b"stage: prod\n",  # not a stage
        "stage: \u202epilot\n".encode("utf-8"),
    ],
)
def test_hostile_history_is_skipped_without_a_crash(tmp_path, env, hostile, monkeypatch, capsys):
    r = Repo(tmp_path / "hostile", env)
    path = "svc/ai-production.yaml"
    r.write(path, pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2025-01-10"))
    (r.path / path).write_bytes(hostile)
    r.commit("hostile", date=pr.commit_date("2025-06-10"))
    r.write(path, pr.bare("svc", "pilot"))
    r.commit("fixed", date=pr.commit_date("2025-07-10"))
    found = git_history.stage_histories(r.path, [path])
    assert [(c.stage, c.since) for c in found[path]] == [("pilot", datetime.date(2025, 1, 10))]
    points = history.trend(r.path, [path], datetime.date(2025, 8, 15))
    june = next(p for p in points if p.end == datetime.date(2025, 6, 30))
    assert sum(june.stages.values()) == 0  # that month's content has no readable stage
    assert next(p for p in points if p.end == datetime.date(2025, 7, 31)).stages["pilot"] == 1
    code, report, _ = _check(r.path, monkeypatch, capsys, "--select", "AIP-GIT-005")
    assert "since 2025-01-10" in _stuck_findings(report)[path]


def test_a_manifest_path_with_odd_characters_is_read_literally(tmp_path, env):
    r = Repo(tmp_path / "odd", env)
    odd = "a [b]*/x\ny/ai-production.yaml"
    r.write(odd, pr.bare("odd", "pilot"))
    r.write("a b/ai-production.yaml", pr.bare("other", "exploration"))
    r.commit("odd", date=pr.commit_date("2025-01-10"))
    found = git_history.stage_histories(r.path, [odd, "a [b]*/*"])
    assert [(c.stage, c.since) for c in found[odd]] == [("pilot", datetime.date(2025, 1, 10))]
    assert found["a [b]*/*"] == []  # a glob matches nothing: pathspecs are literal


def test_only_the_versions_that_touch_the_stage_line_are_read(portfolio, monkeypatch):
    read: list[str] = []
    plain = gitrepo.blobs

    def recording(root, shas, max_bytes):
        shas = list(shas)
        read.extend(shas)
        return plain(root, shas, max_bytes)

    monkeypatch.setattr(gitrepo, "blobs", recording)
    path = "journey/ai-production.yaml"
    every = portfolio.git("log", "--format=%H", "--", path).split()
    assert len(every) == 4  # three stage changes and one edit of the description
    git_history.stage_histories(portfolio.path, [path])
    assert len(read) == 3


def test_a_renamed_manifest_starts_its_history_at_its_new_path(tmp_path, env):
    r = Repo(tmp_path / "moved", env)
    r.write("old/ai-production.yaml", pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2025-01-10"))
    r.git("mv", "old", "new")
    r.commit("moved", date=pr.commit_date("2025-09-10"))
    found = git_history.stage_histories(r.path, ["new/ai-production.yaml"])
    assert [(c.stage, c.since) for c in found["new/ai-production.yaml"]] == [("pilot", datetime.date(2025, 9, 10))]


def test_a_stage_change_merged_from_a_branch_is_dated_by_the_commit_that_made_it(tmp_path, env):
    r = Repo(tmp_path / "merged", env)
    path = "svc/ai-production.yaml"
    r.write(path, pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2025-01-10"))
    r.git("checkout", "-q", "-b", "promote")
    r.write(path, pr.bare("svc", "production"))
    r.commit("promote", date=pr.commit_date("2025-03-03"))
    made = r.git("rev-parse", "HEAD").strip()
    r.git("checkout", "-q", "main")
    r.write("other.txt", "x\n")
    r.commit("other work", date=pr.commit_date("2025-03-20"))
    r.git("merge", "-q", "--no-ff", "-m", "merge promote", "promote", date=pr.commit_date("2025-04-02"))
    found = git_history.stage_histories(r.path, [path])[path]
    assert [(c.stage, c.since, c.commit) for c in found][-1] == ("production", datetime.date(2025, 3, 3), made)
    # The trend replays the branch as it stood: production only from the merge on.
    points = {p.end: p for p in history.trend(r.path, [path], datetime.date(2025, 4, 15))}
    assert points[datetime.date(2025, 3, 31)].stages["pilot"] == 1
    assert points[datetime.date(2025, 4, 15)].stages["production"] == 1


def test_scopes_outside_the_repository_are_ignored(portfolio):
    points = history.trend(portfolio.path, [STUCK], pr.TODAY, scopes=["../elsewhere", "/stuck/", "stuck/../stuck"])
    assert points is not None and all(sum(p.stages.values()) == 1 for p in points)


def test_explain_gives_the_why_and_the_fix_of_stuck_in_pilot(monkeypatch, capsys):
    capsys.readouterr()
    assert main(["explain", "AIP-GIT-005"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AIP-GIT-005 stuck-in-pilot")
    assert "6 to 14 months" in out and "pilot purgatory" in out
    assert all(word in out for word in ("promote", "re-scope", "retire", "stuck-after"))
    assert "pilot warning" in out and "production" not in out.split("\n")[1]


def test_a_repository_whose_config_aipolicy_refuses_has_no_history(portfolio):
    with open(portfolio.path / ".git" / "config", "a", encoding="utf-8") as config:
        config.write("[include]\n\tpath = /dev/null\n")
    gitrepo.forget()
    assert git_history.stage_histories(portfolio.path, [STUCK]) == {}
    assert history.trend(portfolio.path, pr.SYSTEMS, pr.TODAY) is None
