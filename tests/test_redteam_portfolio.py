"""Red-team pass over the portfolio (issue 12): hostile git dates, dates at the calendar's
ends, hostile question ids and hostile `--from-json` content. Each test names what held
or what broke before its fix; none may end in another exception than a one-line ValueError."""

from __future__ import annotations

import copy
import datetime
import json
import os
import shutil
import subprocess

import portfolio_repo as pr
import pytest
from portfolio_inventory import fixture_inventory
from test_git_repo import Repo
from test_portfolio_history import env  # noqa: F401 - fixture

from checker.cli import main
from checker.git import history as git_history
from checker.portfolio import Inventory, StageChange, System, add_months, history, json_
from checker.portfolio.render import FORMATS, render

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
PATH = "svc/ai-production.yaml"


def _hostile_commit(r: Repo, author_time: str, committer_time: str) -> str:
    """A commit object written by hand: git commit refuses such dates, hash-object does not."""
    r.git("add", "-A")
    tree = r.git("write-tree").strip()
    parent = r.git("rev-parse", "HEAD").strip()
    body = (
        f"tree {tree}\nparent {parent}\nauthor a <a@b.invalid> {author_time} +0000\n"
        f"committer a <a@b.invalid> {committer_time} +0000\n\nhostile dates\n"
    )
    proc = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        cwd=r.path,
        env=r.env,
        input=body,
        capture_output=True,
        text=True,
        check=True,
    )
    sha = proc.stdout.strip()
    r.git("update-ref", "refs/heads/main", sha)
    return sha


@needs_git
@pytest.mark.parametrize("stamp", ["99999999999999999999", "18446744073709551617", "99999999999999"])
def test_a_commit_dated_beyond_the_calendar_neither_crashes_check_nor_the_history(
    tmp_path, env, monkeypatch, capsys, stamp
):
    r = Repo(tmp_path / "far", env)
    r.write(PATH, pr.bare("svc", "exploration"))
    r.commit("exploration", date=pr.commit_date("2024-01-10"))
    r.write(PATH, pr.bare("svc", "pilot"))
    r.write("evidence.json", "{}\n")
    _hostile_commit(r, stamp, stamp)
    found = git_history.stage_histories(r.path, [PATH])[PATH]
    assert [c.stage for c in found] == ["exploration", "pilot"]
    assert found[-1].since == datetime.date.max  # as far as the calendar goes: never stuck
    points = history.trend(r.path, [PATH], datetime.date(2026, 11, 26))
    assert points is not None and len(points) == 12
    monkeypatch.chdir(r.path)
    capsys.readouterr()
    code = main(["check", ".", "--today", "2026-11-26", "--format", "json"])
    out = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out.err
    report = json.loads(out.out)
    assert not [f for f in report["findings"] if "could not evaluate" in f["message"]]
    assert not [f for f in report["findings"] if f["rule"] == "AIP-GIT-005"]


@pytest.mark.parametrize(
    "day, months",
    [
        (datetime.date(9999, 12, 5), 1),
        (datetime.date(9999, 12, 31), 14),
        (datetime.date(2000, 1, 1), 10**30),
        (datetime.date(1, 1, 1), -1),
        (datetime.date(1, 6, 1), -(10**30)),
    ],
)
def test_add_months_beyond_the_calendar_is_its_last_or_first_day(day, months):
    assert add_months(day, months) == (datetime.date.max if months >= 0 else datetime.date.min)


def test_add_months_keeps_the_calendar_rules_inside_it():
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 48) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2025, 12, 15), 1) == datetime.date(2026, 1, 15)
    assert add_months(datetime.date(2026, 1, 15), -1) == datetime.date(2025, 12, 15)


def _pilot(since: datetime.date) -> System:
    return System(path="p/ai-production.yaml", stage="pilot", history=[StageChange("pilot", since, "c" * 40)])


def test_stuck_is_strictly_after_the_limit_and_never_before_the_stage_began():
    today = datetime.date(2026, 4, 29)
    assert _pilot(datetime.date(2025, 2, 28)).stuck(today, 14)  # limit 2026-04-28 < today
    assert not _pilot(datetime.date(2025, 2, 28)).stuck(datetime.date(2026, 4, 28), 14)  # exactly at the limit
    assert not _pilot(datetime.date(2027, 1, 1)).stuck(today, 0)  # today before the stage's date


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize(
    "generated, since",
    [
        (datetime.date(9999, 12, 31), datetime.date(9999, 12, 30)),
        (datetime.date(9999, 12, 31), datetime.date(1, 1, 1)),
        (datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    ],
)
def test_inventories_at_the_calendars_ends_render_in_every_format(fmt, generated, since):
    s = _pilot(since)
    s.deadlines = [
        {"date": "9999-12-31", "rule": "AIP-REV-001", "json_path": "$.review.next_due", "what": "review due"}
    ]
    inv = Inventory(generated=generated, tool_version="t", stuck_after=1200, systems=[s])
    assert render(fmt, inv)


def test_evidence_dated_at_the_calendars_end_goes_stale_on_its_last_day_not_in_an_overflow():
    from checker.checks.values import first_day_over

    assert first_day_over(datetime.date(9999, 12, 30), datetime.timedelta(days=60)) == datetime.date.max
    assert first_day_over(datetime.date(2026, 1, 1), datetime.timedelta(days=2)) == datetime.date(2026, 1, 4)


# -- --from-json: hostile inventories are one-line ValueErrors -------------------------------


def _base() -> dict:
    return json_.to_dict(fixture_inventory())


def _set(data: dict, path: list, value) -> dict:
    data = copy.deepcopy(data)
    item = data
    for key in path[:-1]:
        item = item[key]
    item[path[-1]] = value
    return data


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "path, value, says",
    [
        (["stuck_after"], 1e308, "too large"),
        (["stuck_after"], 10**30, "too large"),
        (["stuck_after"], 1201, "maximum"),
        (["stuck_after"], float("nan"), "not finite"),
        (["systems", 0, "findings", "error"], 10**400, "too large"),
        (["systems", 0, "findings", "error"], 1e300, "too large"),
        (["questions"], {"deep": _nested(990)}, "nested deeper"),  # json.loads reads 990 levels; jsonschema recursed
        (["trend", 0, "month"], "2025-07\n", "not a month"),  # Python's `$` matches before a final newline
        (["trend", 0, "month"], "2025-13", "not a month"),
    ],
)
def test_hostile_inventory_json_is_a_one_line_value_error(path, value, says):
    with pytest.raises(ValueError) as caught:
        json_.from_dict(_set(_base(), path, value))
    message = str(caught.value)
    assert says in message and "\n" not in message and len(message) < 300


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("odd", ["²", "Q²", "1²", "٣"])  # str.isdigit takes `²`, which int() refuses
def test_question_ids_that_look_like_digits_render_in_every_format(fmt, odd):
    data = _base()
    asked = data["systems"][0]["questions"]["asked"]
    data["systems"][0]["questions"]["asked"] = asked[:-1] + [odd, "x"]
    data["systems"][0]["questions"]["total"] += 1
    data["systems"][0]["questions"]["answered"] += 1
    inv = json_.from_dict(data)
    assert odd in render(fmt, inv) or fmt == "md"  # md lists only the inventory's questions


HOSTILE = "x\ud800\x1b[31mred\u202eevil ##vso[task.setvariable variable=x]1"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_can_be_written_as_utf8_and_printed_to_a_log(fmt):
    inv = fixture_inventory()
    inv.systems[0].name = HOSTILE  # a YAML "\ud800" escape reaches the name as a lone surrogate
    out = render(fmt, inv)
    out.encode("utf-8")  # raised UnicodeEncodeError for json and csv
    assert "\x1b" not in out and "\u202e" not in out and "##vso[" not in out


def test_the_json_report_keeps_hostile_values_exactly():
    inv = fixture_inventory()
    inv.systems[0].name = HOSTILE
    assert json.loads(render("json", inv))["systems"][0]["name"] == HOSTILE


def test_an_inventory_with_hundreds_of_made_up_question_ids_is_refused():
    """Each question id is a column of every row: 300 systems with 100 ids of their own (a
    600 KB file) made a 120 MB HTML report, quadratic in the file's size."""
    data = _base()
    template = data["systems"][0]
    data["systems"] = []
    for i in range(300):
        item = copy.deepcopy(template)
        item["path"] = f"p{i}/ai-production.yaml"
        item["questions"] = {
            "answered": 100,
            "total": 100,
            "asked": [f"X{i}-{j}" for j in range(100)],
            "unanswered": [],
        }
        data["systems"].append(item)
    with pytest.raises(ValueError, match="question ids"):
        json_.from_dict(data)
    data["systems"] = data["systems"][:1]
    assert json_.from_dict(data).systems[0].answered == 100  # a hundred of one's own is fine


@needs_git
def test_a_manifest_replaced_by_a_link_in_history_is_gone_there_not_read_through_its_target_text(tmp_path, env):
    r = Repo(tmp_path / "linked", env)
    r.write(PATH, pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2024-01-10"))
    (r.path / PATH).unlink()
    os.symlink("{stage: production}", r.path / PATH)  # the link's target text parses as YAML with a stage
    r.commit("link", date=pr.commit_date("2024-03-10"))
    (r.path / PATH).unlink()
    r.write(PATH, pr.bare("svc", "pilot"))
    r.commit("file again", date=pr.commit_date("2024-05-10"))
    found = git_history.stage_histories(r.path, [PATH])[PATH]
    assert "production" not in [c.stage for c in found]
    assert [(c.stage, c.since) for c in found] == [
        ("pilot", datetime.date(2024, 1, 10)),
        ("pilot", datetime.date(2024, 5, 10)),
    ]  # a file again: afresh
    march = next(p for p in history.trend(r.path, [PATH], datetime.date(2024, 6, 15)) if p.month == "2024-03")
    assert sum(march.stages.values()) == 0  # the trend agrees: no manifest in March


def test_month_ends_cross_year_boundaries_and_stop_at_the_calendars_start():
    from checker.portfolio import month_ends

    ends = month_ends(datetime.date(2026, 1, 15))
    assert ends[0] == datetime.date(2025, 2, 28) and ends[-2:] == [
        datetime.date(2025, 12, 31),
        datetime.date(2026, 1, 15),
    ]
    assert month_ends(datetime.date(2024, 2, 29))[-2:] == [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)]
    assert month_ends(datetime.date(1, 6, 1)) == [
        datetime.date(1, d, e) for d, e in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31))
    ] + [datetime.date(1, 6, 1)]
    assert month_ends(datetime.date(9999, 12, 31))[-1] == datetime.date.max


@needs_git
@pytest.mark.parametrize("today", [datetime.date(1, 6, 1), datetime.date.max])
def test_the_trend_on_a_day_at_the_calendars_ends_does_not_overflow(tmp_path, env, today):
    r = Repo(tmp_path / "ends", env)
    r.write(PATH, pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2024-01-10"))
    points = history.trend(r.path, [PATH], today)
    assert points is not None and points[-1].end == today


@needs_git
def test_stuck_in_pilot_judged_on_the_calendars_last_day_ends(tmp_path, env):
    """add_months saturates at date.max: a loop counting months up to 9999-12-31 never ended."""
    import sys

    r = Repo(tmp_path / "last-day", env)
    r.write(PATH, pr.bare("svc", "pilot"))
    r.commit("pilot", date=pr.commit_date("2024-01-10"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "checker",
            "check",
            ".",
            "--today",
            "9999-12-31",
            "--select",
            "AIP-GIT-005",
            "--format",
            "json",
        ],
        cwd=r.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr  # a warning
    (finding,) = json.loads(proc.stdout)["findings"]
    assert "since 2024-01-10" in finding["message"] and f"{(9999 - 2024) * 12 + 11} months" in finding["message"]
