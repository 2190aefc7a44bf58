"""`aipolicy report`: its options and exit codes, `--from-json` merging and its
defences against hostile JSON, the check JSON's `repository` field and inventory
facts, `--output` refusals, the example workflow and README's "The portfolio".

The renderers (checker/portfolio/render.py) and the inventory reader
(checker/portfolio/json_.py) are another part's work: these tests put a small
stand-in in their place (monkeypatch), which renders what the command hands over
as JSON, so the assertions are about the Inventory the command builds.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import gitrepo
from checker.cli import main
from checker.portfolio import Inventory, MonthPoint, StageChange, System, command

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
WORKFLOW = REPO / "examples" / "workflows" / "portfolio-weekly.yml"
TODAY = "2026-12-01"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# -- stand-ins and helpers ---------------------------------------------------------------


def _as_data(fmt: str, inv: Inventory) -> str:
    """The stand-in renderer: the inventory handed over, as JSON."""
    return json.dumps(
        {
            "format": fmt,
            "generated": inv.generated.isoformat(),
            "stuck_after": inv.stuck_after,
            "sources": inv.sources,
            "questions": inv.questions,
            "trend": None if inv.trend is None else [[p.month, p.stages, p.purgatory, p.stuck] for p in inv.trend],
            "systems": [
                {
                    "repository": s.repository,
                    "path": s.path,
                    "id": s.id,
                    "name": s.name,
                    "stage": s.stage,
                    "risk_tier": s.risk_tier,
                    "decision_role": s.decision_role,
                    "owners": s.owners,
                    "questions": s.questions,
                    "findings": s.findings,
                    "deadlines": s.deadlines,
                    "history": None
                    if s.history is None
                    else [[c.stage, c.since.isoformat(), c.commit] for c in s.history],
                    "stuck": s.stuck(inv.generated, inv.stuck_after),
                }
                for s in inv.systems
            ],
        }
    )


def _inventory_from_dict(data: dict) -> Inventory:
    """The stand-in inventory reader: the shape _as_data writes, plus format/version."""
    systems = []
    for s in data["systems"]:
        history = s.get("history")
        systems.append(
            System(
                path=s["path"],
                repository=s.get("repository"),
                id=s.get("id"),
                name=s.get("name"),
                stage=s.get("stage"),
                owners=s.get("owners") or {"technical": None, "business": None},
                questions=s.get("questions"),
                findings=s.get("findings") or {"error": 0, "warning": 0, "note": 0, "suppressed": 0},
                deadlines=s.get("deadlines") or [],
                history=None
                if history is None
                else [StageChange(st, datetime.date.fromisoformat(d), c) for st, d, c in history],
            )
        )
    return Inventory(
        generated=datetime.date.fromisoformat(data["generated"]),
        tool_version="x",
        systems=systems,
        questions=data.get("questions") or {},
    )


@pytest.fixture
def aip(monkeypatch, capsys, tmp_path):
    """Run `aipolicy ARGS` in-process in `cwd` with the stand-in renderer and reader;
    returns (exit code, stdout, stderr)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    for key in list(os.environ):
        if key.startswith(("GIT_", "GITHUB_")) or key in ("NO_COLOR", "FORCE_COLOR", "CI"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setattr(command, "_renderer", lambda: _as_data)
    reader = types.ModuleType("checker.portfolio.json_")
    reader.from_dict = _inventory_from_dict
    monkeypatch.setitem(sys.modules, "checker.portfolio.json_", reader)

    def run(cwd: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _git(cwd: Path, *args: str, date: str = "2025-01-15T12:00:00+00:00") -> str:
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
    return proc.stdout


def _example(stage: str) -> str:
    return (REPO / "examples" / stage / "ai-production.yaml").read_text(encoding="utf-8")


def _repo(path: Path, remote: str | None = None, **manifests: str) -> Path:
    """A git repository at `path` holding `manifests` (relative path -> text), committed."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", "main")
    if remote is not None:
        _git(path, "remote", "add", "origin", remote)
    for rel, text in manifests.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text, encoding="utf-8")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "manifests")
    return path


def _with_id(text: str, new_id: str) -> str:
    return re.sub(r"(?m)^(\s*id:\s*)\S+", lambda m: m.group(1) + new_id, text, count=1)


def _check_json(aip, cwd: Path, out: Path) -> dict:
    code, stdout, err = aip(cwd, "check", "--format", "json", "--today", TODAY)
    assert code in (0, 1), err
    out.write_text(stdout, encoding="utf-8")
    return json.loads(stdout)


# -- the command -------------------------------------------------------------------------


@needs_git
def test_report_checks_paths_like_check_and_exits_0_even_with_errors(aip, tmp_path):
    broken = _example("production").replace("stage: production", "stage: production\nrollbak: {}", 1)
    root = _repo(
        tmp_path / "r",
        "https://github.com/acme/router.git",
        **{
            "svc/a/ai-production.yaml": _example("production"),
            "svc/b/ai-production.yaml": _example("pilot"),
            "svc/c/ai-production.yaml": _with_id(broken, "broken-one"),
        },
    )
    assert aip(root, "check", "--today", TODAY, "--format", "json")[0] == 1  # check fails on these…
    code, out, err = aip(root, "report", "--today", TODAY, "--format", "json")
    assert code == 0, err  # …the report does not
    data = json.loads(out)
    assert data["format"] == "json" and data["generated"] == TODAY
    assert [s["path"] for s in data["systems"]] == [
        "svc/a/ai-production.yaml",
        "svc/b/ai-production.yaml",
        "svc/c/ai-production.yaml",
    ]
    assert {s["repository"] for s in data["systems"]} == {"acme/router"}
    a, b, c = data["systems"]
    assert (a["stage"], b["stage"]) == ("production", "pilot")
    assert a["owners"]["technical"] and a["name"]
    assert c["findings"]["error"] > a["findings"]["error"]  # the misspelt section adds errors
    assert a["deadlines"] and all(d["date"] > TODAY for d in a["deadlines"])
    assert set(data["questions"]) == {f"Q{i}" for i in range(1, 11)}


def test_report_outside_git_has_no_history_no_trend_and_no_repository(aip, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    code, out, err = aip(tmp_path / "x", "report", "--today", TODAY, "--format", "json")
    assert code == 0, err
    (system,) = json.loads(out)["systems"]
    assert system["repository"] is None and system["history"] is None
    assert json.loads(out)["trend"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "md"),
        (("--output", "p.html"), "html"),
        (("--output", "p.HTM"), "html"),
        (("--output", "p.csv"), "csv"),
        (("--output", "p.json"), "json"),
        (("--output", "p.txt"), "md"),
        (("--format", "csv", "--output", "p.html"), "csv"),
    ],
)
def test_format_defaults_to_the_output_suffix_else_markdown(aip, tmp_path, args, expected):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--today", TODAY, *args)
    assert code == 0, err
    text = out if "--output" not in args else (tmp_path / args[args.index("--output") + 1]).read_text(encoding="utf-8")
    assert json.loads(text)["format"] == expected
    if "--output" in args:
        assert out == ""


def test_the_configuration_s_stuck_after_applies_and_the_option_wins(aip, tmp_path):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    (tmp_path / ".aipolicy.yaml").write_text("stuck-after: 30\n", encoding="utf-8")
    assert json.loads(aip(tmp_path, "report", "--format", "json")[1])["stuck_after"] == 30
    assert json.loads(aip(tmp_path, "report", "--format", "json", "--stuck-after", "9")[1])["stuck_after"] == 9


def test_stuck_after_and_today_reach_the_inventory(aip, tmp_path, monkeypatch):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    code, out, _ = aip(tmp_path, "report", "--today", "2027-02-03", "--stuck-after", "6", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["stuck_after"] == 6 and data["generated"] == "2027-02-03"
    code, out, _ = aip(tmp_path, "report", "--format", "json")
    assert json.loads(out)["stuck_after"] == 14 and json.loads(out)["generated"] == datetime.date.today().isoformat()


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "pdf"),
        ("--stuck-after", "0"),
        ("--stuck-after", "x"),
        ("--today", "2026-13-01"),
        ("nowhere",),
        ("-",),
        ("--from-json", "missing.json"),
        ("--output", "no/such/folder/p.md"),
        ("--config", "missing.yaml"),
        ("--policy", "builtin:nope"),
    ],
)
def test_usage_errors_exit_2_with_one_line(aip, tmp_path, args):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", *args)
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "target", ["ai-production.yaml", "svc.ai-production.yml", ".aipolicy.yaml", "pack.yaml", "in.json"]
)
def test_output_never_overwrites_what_the_report_reads(aip, tmp_path, target):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    (tmp_path / ".aipolicy.yaml").write_text("warn-within: 14\n", encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(
        (REPO / "examples" / "org-policy" / "policy" / "acme.yaml").read_text(encoding="utf-8")
        if (REPO / "examples/org-policy/policy/acme.yaml").exists()
        else "",
        encoding="utf-8",
    )
    aip(tmp_path, "check", "--format", "json", "--output", "in.json", "--today", TODAY)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    extra = ["--policy", "pack.yaml"] if target == "pack.yaml" else []
    code, _, err = aip(tmp_path, "report", ".", "--from-json", "in.json", "--output", target, *extra)
    if target == "pack.yaml" and not before["pack.yaml"]:
        pytest.skip("no example pack to use")
    assert code == 2 and "refusing to write" in err and len(err.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_report_writes_nothing_it_was_not_asked_for(aip, tmp_path):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, out, _ = aip(tmp_path, "report", "--today", TODAY)
    assert code == 0 and out
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


# -- history and trend through the seam --------------------------------------------------


@needs_git
def test_history_and_trend_come_from_the_history_module_inside_git(aip, tmp_path, monkeypatch):
    root = _repo(tmp_path / "r", None, **{"ai-production.yaml": _example("pilot")})
    asked = {}

    def histories(where, rel_paths, *_, **__):  # AIP-GIT-005 asks it too, with more arguments
        asked["histories"] = (where, list(rel_paths))
        return {
            "ai-production.yaml": [
                StageChange("exploration", datetime.date(2024, 1, 2), "a" * 40),
                StageChange("pilot", datetime.date(2025, 1, 15), "b" * 40),
            ]
        }

    def trend(where, systems, today, policy, stuck_after, **_):
        asked["trend"] = (
            where,
            [s.path for s in systems],
            today,
            stuck_after,
            [s.history is not None for s in systems],
        )
        return [MonthPoint("2026-12", today, {"pilot": 1}, 1, 0)]

    from checker.git import history as git_history
    from checker.portfolio import history

    monkeypatch.setattr(git_history, "stage_histories", histories, raising=False)
    monkeypatch.setattr(history, "trend", trend, raising=False)
    code, out, err = aip(root, "report", "--today", "2026-04-01", "--format", "json", "--stuck-after", "14")
    assert code == 0, err
    data = json.loads(out)
    assert Path(asked["histories"][0]).resolve() == root.resolve() and asked["histories"][1] == ["ai-production.yaml"]
    assert asked["trend"][1:] == (["ai-production.yaml"], datetime.date(2026, 4, 1), 14, [True])
    (system,) = data["systems"]
    assert system["history"][-1] == ["pilot", "2025-01-15", "b" * 40]
    assert data["trend"] == [["2026-12", {"pilot": 1}, 1, 0]]


@needs_git
@pytest.mark.parametrize(
    ("cwd", "args", "expected"),
    [
        ("", (), ["."]),
        ("", ("svc/a",), ["svc/a"]),
        ("svc", ("a", "b/ai-production.yaml"), ["svc/a", "svc/b/ai-production.yaml"]),
        ("..", ("r",), ["."]),
    ],
)
def test_the_trend_is_replayed_only_where_the_report_looks(aip, tmp_path, monkeypatch, cwd, args, expected):
    root = _repo(
        tmp_path / "r",
        None,
        **{"svc/a/ai-production.yaml": _example("production"), "svc/b/ai-production.yaml": _example("production")},
    )
    (root / ".aipolicy.yaml").write_text("manifest-names: ['*.aip.yaml']\n", encoding="utf-8")
    seen = {}

    def trend(where, systems, today, policy=None, stuck_after=14, *, scopes=None, patterns=None):
        seen.update(scopes=scopes, patterns=patterns)
        return []

    from checker.git import history as git_history
    from checker.portfolio import history

    monkeypatch.setattr(git_history, "stage_histories", lambda where, paths, *_, **__: {}, raising=False)
    monkeypatch.setattr(history, "trend", trend, raising=False)
    code, _, err = aip(
        (root / cwd).resolve(),
        "report",
        "--format",
        "json",
        *args,
        *(() if cwd != ".." else ("--config", str(root / ".aipolicy.yaml"))),
    )
    assert code == 0, err
    assert seen["scopes"] == expected
    assert "*.aip.yaml" in seen["patterns"] and "ai-production.yaml" in seen["patterns"]


@needs_git
def test_a_pilot_entered_long_ago_is_stuck_in_the_inventory(aip, tmp_path, monkeypatch):
    root = _repo(tmp_path / "r", None, **{"ai-production.yaml": _example("pilot")})
    from checker.git import history as git_history
    from checker.portfolio import history

    monkeypatch.setattr(
        git_history,
        "stage_histories",
        lambda where, paths, *_, **__: {p: [StageChange("pilot", datetime.date(2025, 1, 15), "c" * 40)] for p in paths},
        raising=False,
    )
    monkeypatch.setattr(history, "trend", lambda *a, **k: [], raising=False)
    stuck = json.loads(aip(root, "report", "--today", "2026-04-01", "--format", "json")[1])["systems"][0]["stuck"]
    not_yet = json.loads(aip(root, "report", "--today", "2026-03-01", "--format", "json")[1])["systems"][0]["stuck"]
    longer = json.loads(aip(root, "report", "--today", "2026-04-01", "--format", "json", "--stuck-after", "18")[1])[
        "systems"
    ][0]["stuck"]
    assert (stuck, not_yet, longer) == (True, False, False)


@needs_git
def test_a_git_error_in_the_history_is_a_note_not_a_failure(aip, tmp_path, monkeypatch):
    from checker.git import history as git_history

    def broken(*_, **__):
        raise gitrepo.GitError("cannot read the history: planted")

    monkeypatch.setattr(git_history, "stage_histories", broken, raising=False)
    root = _repo(
        tmp_path / "r", None, **{"ai-production.yaml": _example("production")}
    )  # no pilot: AIP-GIT-005 stays out
    code, out, err = aip(root, "report", "--today", TODAY, "--format", "json")
    assert code == 0 and "planted" in err and "Traceback" not in err
    assert json.loads(out)["systems"][0]["history"] is None


# -- --from-json: merging ----------------------------------------------------------------


@needs_git
def test_from_json_merges_repositories_and_inventories_by_repository_and_path(aip, tmp_path):
    a = _repo(
        tmp_path / "a",
        "https://github.com/acme/alpha.git",
        **{"ai-production.yaml": _with_id(_example("pilot"), "alpha-bot")},
    )
    b = _repo(
        tmp_path / "b",
        "git@github.com:acme/beta.git",
        **{"ai-production.yaml": _with_id(_example("production"), "beta-bot")},
    )
    a_old = _check_json(aip, a, tmp_path / "a-old.json")
    (a / "ai-production.yaml").write_text(_with_id(_example("production"), "alpha-bot"), encoding="utf-8")
    _check_json(aip, a, tmp_path / "a-new.json")
    b_json = _check_json(aip, b, tmp_path / "b.json")
    assert (a_old["repository"], b_json["repository"]) == ("acme/alpha", "acme/beta")
    inventory = {
        "format": "aipolicy-inventory",
        "version": 1,
        "generated": "2026-11-30",
        "systems": [
            {
                "repository": "acme/gamma",
                "path": "ml/ai-production.yaml",
                "id": "gamma",
                "stage": "pilot",
                "history": [["pilot", "2024-06-01", "d" * 40]],
            },
            {"repository": "acme/beta", "path": "ai-production.yaml", "id": "beta-from-inventory", "stage": "pilot"},
        ],
    }
    (tmp_path / "inv.json").write_text(json.dumps(inventory), encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = aip(
        empty,
        "report",
        "--format",
        "json",
        "--today",
        TODAY,
        "--from-json",
        str(tmp_path / "a-old.json"),
        "--from-json",
        str(tmp_path / "inv.json"),
        "--from-json",
        str(tmp_path / "b.json"),
        "--from-json",
        str(tmp_path / "a-new.json"),
    )
    assert code == 0, err
    data = json.loads(out)
    by_key = {(s["repository"], s["path"]): s for s in data["systems"]}
    assert sorted(by_key) == [
        ("acme/alpha", "ai-production.yaml"),
        ("acme/beta", "ai-production.yaml"),
        ("acme/gamma", "ml/ai-production.yaml"),
    ]
    assert by_key[("acme/alpha", "ai-production.yaml")]["stage"] == "production"  # a-new.json came later
    assert by_key[("acme/beta", "ai-production.yaml")]["id"] == "beta-bot"  # b.json came after inv.json
    assert by_key[("acme/gamma", "ml/ai-production.yaml")]["stuck"] is True  # at pilot since 2024-06-01
    beta = by_key[("acme/beta", "ai-production.yaml")]
    assert beta["owners"]["technical"] and beta["deadlines"] and beta["questions"] and all(beta["questions"].values())
    assert data["sources"] == [str(tmp_path / n) for n in ("a-old.json", "inv.json", "b.json", "a-new.json")]


@needs_git
def test_findings_of_a_check_json_are_counted_per_manifest(aip, tmp_path):
    broken = _example("production").replace("stage: production", "stage: production\nrollbak: {}", 1)
    root = _repo(
        tmp_path / "r",
        "https://github.com/acme/r",
        **{"good/ai-production.yaml": _example("production"), "bad/ai-production.yaml": _with_id(broken, "bad")},
    )
    check = _check_json(aip, root, tmp_path / "c.json")
    code, out, err = aip(tmp_path, "report", "--format", "json", "--from-json", "c.json")
    assert code == 0, err
    counts = {s["path"]: s["findings"] for s in json.loads(out)["systems"]}
    expected = {}
    for f in check["findings"]:
        per = expected.setdefault(f["path"], {"error": 0, "warning": 0, "note": 0, "suppressed": 0})
        per["suppressed" if f["suppressed"] else f["severity"]] += 1
    assert counts["bad/ai-production.yaml"]["error"] >= 1
    assert {p: counts[p] for p in expected} == expected


@needs_git
def test_paths_checked_now_win_over_from_json(aip, tmp_path):
    root = _repo(tmp_path / "r", "https://github.com/acme/r", **{"ai-production.yaml": _example("pilot")})
    _check_json(aip, root, tmp_path / "old.json")
    (root / "ai-production.yaml").write_text(_example("production"), encoding="utf-8")
    code, out, _ = aip(
        root, "report", ".", "--from-json", str(tmp_path / "old.json"), "--format", "json", "--today", TODAY
    )
    (system,) = json.loads(out)["systems"]
    assert code == 0 and system["stage"] == "production"


def test_from_json_alone_does_not_scan_the_current_folder(aip, tmp_path):
    (tmp_path / "ai-production.yaml").write_text(_example("pilot"), encoding="utf-8")
    (tmp_path / "in.json").write_text(
        json.dumps({"version": "0.1.0", "manifests": [], "findings": []}), encoding="utf-8"
    )
    code, out, err = aip(tmp_path, "report", "--from-json", "in.json", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["systems"] == []


def test_a_check_json_without_the_new_fields_still_merges(aip, tmp_path):
    old = {
        "version": "0.0.9",
        "manifests": [
            {
                "path": "./x/ai-production.yaml",
                "system_id": "x",
                "stage": "pilot",
                "questions": {"answered": 9, "total": 10, "unanswered": [{"id": "Q7", "text": "rollback plan"}]},
            }
        ],
        "findings": [{"path": "./x/ai-production.yaml", "severity": "warning", "suppressed": False}],
    }
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--from-json", "old.json", "--format", "json")
    assert code == 0, err
    (system,) = json.loads(out)["systems"]
    assert system["path"] == "x/ai-production.yaml" and system["repository"] is None
    assert system["questions"]["Q7"] is False and sum(system["questions"].values()) == 9
    assert system["findings"]["warning"] == 1


def test_merge_sums_the_trends_of_the_sources_that_still_contribute():
    def source(label, paths, pilot):
        inv = Inventory(
            generated=datetime.date(2026, 12, 1),
            tool_version="x",
            systems=[System(path=p, repository="acme/a") for p in paths],
            trend=[MonthPoint("2026-11", datetime.date(2026, 11, 30), {"pilot": pilot}, pilot, 0)],
        )
        return command.Source(label, inv)

    merged = command.merge(
        [source("one", ["a.yaml"], 1), source("two", ["b.yaml"], 2), source("three", ["a.yaml"], 5)],
        today=datetime.date(2026, 12, 1),
        stuck_after=14,
        questions={},
    )
    # "one" is wholly replaced by "three": 2 + 5, not 1 + 2 + 5.
    (point,) = merged.trend
    assert point.stages["pilot"] == 7 and point.purgatory == 7
    assert [s.path for s in merged.systems] == ["a.yaml", "b.yaml"]


# -- --from-json: hostile content --------------------------------------------------------


def _check_doc(**manifest) -> dict:
    entry = {"path": "ai-production.yaml", "system_id": "x", "stage": "pilot", "questions": None, **manifest}
    return {"version": "0.1.0", "repository": "acme/a", "manifests": [entry], "findings": []}


HOSTILE = {
    "not-json": b"<html>not json</html>",
    "truncated": json.dumps(_check_doc()).encode()[:40],
    "empty": b"",
    "top-level-list": b"[]",
    "not-utf8": b'{"version": "0.1.0", "manifests": [{"path": "\xff\xfe"}], "findings": []}',
    "bom": b"\xef\xbb\xbf" + json.dumps(_check_doc()).encode(),
    "nan": json.dumps(_check_doc()).replace('"questions": null', '"questions": NaN').encode(),
    "infinity": json.dumps(_check_doc()).replace('"questions": null', '"questions": -Infinity').encode(),
    "huge-float": json.dumps(_check_doc()).replace('"questions": null', '"questions": 1e999').encode(),
    "huge-int": json.dumps(_check_doc()).replace('"questions": null', '"questions": ' + "9" * 5000).encode(),
    "deep-nesting": b'{"version": "0.1.0", "manifests": ' + b"[" * 100_000 + b"]" * 100_000 + b', "findings": []}',
    "duplicate-keys": b'{"version": "0.1.0", "manifests": [], "manifests": [], "findings": []}',
    "neither-shape": json.dumps({"hello": "world"}).encode(),
    "wrong-format": json.dumps({"format": "sarif", "version": 1}).encode(),
    "wrong-version": json.dumps({"format": "aipolicy-inventory", "version": 99, "systems": []}).encode(),
    "version-true": json.dumps({"format": "aipolicy-inventory", "version": True, "systems": []}).encode(),
    "manifests-object": json.dumps({"version": "0.1.0", "manifests": {}, "findings": []}).encode(),
    "path-number": json.dumps(_check_doc(path=7)).encode(),
    "path-empty": json.dumps(_check_doc(path="")).encode(),
    "owner-number": json.dumps(_check_doc(owners={"technical": 5})).encode(),
    "owners-list": json.dumps(_check_doc(owners=["a"])).encode(),
    "stage-object": json.dumps(_check_doc(stage={"a": 1})).encode(),
    "bad-deadline": json.dumps(
        _check_doc(deadlines=[{"date": "next week", "rule": "R", "json_path": "$", "what": "w"}])
    ).encode(),
    "deadline-missing-rule": json.dumps(_check_doc(deadlines=[{"date": "2027-01-01"}])).encode(),
    "question-not-bool": json.dumps(_check_doc(questions={"by_id": {"Q1": "yes"}})).encode(),
    "finding-severity": json.dumps(
        {**_check_doc(), "findings": [{"path": "a", "severity": "fatal", "suppressed": False}]}
    ).encode(),
    "finding-suppressed-string": json.dumps(
        {**_check_doc(), "findings": [{"path": "a", "severity": "note", "suppressed": "no"}]}
    ).encode(),
    "hostile-repository": json.dumps({**_check_doc(), "repository": "<script>alert(1)</script>"}).encode(),
    "repository-newline": json.dumps({**_check_doc(), "repository": "acme/a\n::error::x"}).encode(),
    "huge-string": json.dumps(_check_doc(name="x" * 100_000)).encode(),
    "inventory-count-negative": json.dumps(
        {
            "format": "aipolicy-inventory",
            "version": 1,
            "generated": "2026-12-01",
            "systems": [{"path": "a", "findings": {"error": -1}}],
        }
    ).encode(),
    "inventory-reader-fails": json.dumps({"format": "aipolicy-inventory", "version": 1, "systems": []}).encode(),
    "history-not-list": json.dumps(_check_doc(stage_history={"stage": "pilot"})).encode(),
    "history-bad-stage": json.dumps(
        _check_doc(stage_history=[{"stage": "beta", "since": "2025-01-01", "commit": "ab" * 20}])
    ).encode(),
    "history-bad-date": json.dumps(
        _check_doc(stage_history=[{"stage": "pilot", "since": "2025-02-30", "commit": "ab" * 20}])
    ).encode(),
    "history-bad-commit": json.dumps(
        _check_doc(stage_history=[{"stage": "pilot", "since": "2025-01-01", "commit": "<script>"}])
    ).encode(),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_from_json_is_exit_2_with_one_line_naming_the_file(aip, tmp_path, case):
    name = f"from-{case}.json"
    (tmp_path / name).write_bytes(HOSTILE[case])
    code, out, err = aip(tmp_path, "report", "--from-json", name, "--format", "json")
    assert code == 2, (out, err)
    assert out == "" and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"aipolicy: error: --from-json {name}: ")


def test_a_2_gb_from_json_is_refused_before_it_is_read(aip, tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: no disk used
    code, _, err = aip(tmp_path, "report", "--from-json", "big.json")
    assert code == 2 and re.fullmatch(
        r"aipolicy: error: --from-json big\.json: file is \d+ bytes, over the \d+-byte limit; not read\n", err
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_as_from_json_is_refused_without_waiting(aip, tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    code, _, err = aip(tmp_path, "report", "--from-json", "pipe.json")
    assert code == 2 and err.startswith("aipolicy: error: --from-json pipe.json: not a regular file")


def test_a_file_name_with_a_newline_stays_one_line(aip, tmp_path):
    (tmp_path / "a\nb.json").write_bytes(b"nope")
    code, _, err = aip(tmp_path, "report", "--from-json", "a\nb.json")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "a\\nb.json" in err


def test_a_folder_as_from_json_is_a_usage_error(aip, tmp_path):
    (tmp_path / "d.json").mkdir()
    code, _, err = aip(tmp_path, "report", "--from-json", "d.json")
    assert code == 2 and len(err.strip().splitlines()) == 1


# -- the check JSON: repository and inventory facts --------------------------------------


@needs_git
@pytest.mark.parametrize(
    ("remote", "env", "expected"),
    [
        (None, "acme/from-env", "acme/from-env"),
        ("https://github.com/acme/https-form.git", None, "acme/https-form"),
        ("https://x-access-token:ghs_SECRET@github.com/acme/with-token", None, "acme/with-token"),
        ("git@github.com:acme/ssh-form.git", None, "acme/ssh-form"),
        ("ssh://git@github.example.com:2222/group/sub/name.git", None, "group/sub/name"),
        ("git@github.com:acme/remote-wins.git", "acme/workflow-repo", "acme/remote-wins"),
        (None, None, None),
        (None, "not a name", None),
        ("/srv/git/local-path", None, None),
        ("ext::sh -c touch% pwned", None, None),
        ("https://github.com/acme/<script>alert(1)</script>", None, None),
    ],
)
def test_check_json_carries_the_repository(aip, tmp_path, monkeypatch, remote, env, expected):
    root = _repo(tmp_path / "r", remote, **{"ai-production.yaml": _example("pilot")})
    if env is not None:
        monkeypatch.setenv("GITHUB_REPOSITORY", env)
    code, out, err = aip(root, "check", "--format", "json", "--today", TODAY)
    data = json.loads(out)
    assert data["repository"] == expected
    assert "SECRET" not in out and "SECRET" not in err
    assert not (root / "pwned").exists() and not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/o/n.git", "o/n"),
        ("https://github.com/o/n/", "o/n"),
        ("http://h/o/n", "o/n"),
        ("git://h/o/n.git", "o/n"),
        ("git@h:o/n.git", "o/n"),
        ("h:o/n", "o/n"),
        ("https://u:p@h/o/n", "o/n"),
        ("https://github.com/o", None),
        ("file:///srv/o/n", None),
        ("/srv/o/n", None),
        ("../o/n", None),
        ("https://h/o/../n", None),
        ("https://h/o/n\n::set-output", None),
        ("https://h/o/n m", None),
        ("", None),
        ("C:\\repos\\o\\n", None),
        ("https://h/o/n?x=1", None),
    ],
)
def test_repository_from_url_reads_owner_and_name_only(url, expected):
    assert gitrepo.repository_from_url(url) == expected


@needs_git
def test_a_repository_git_must_not_read_gets_no_remote_lookup(aip, tmp_path, monkeypatch):
    root = _repo(tmp_path / "r", "https://github.com/acme/hidden", **{"ai-production.yaml": _example("pilot")})
    with open(root / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write("[include]\n\tpath = /dev/tty\n")
    code, out, err = aip(root, "check", "--format", "json", "--today", TODAY)
    assert json.loads(out)["repository"] is None


def test_check_json_keeps_its_keys_and_adds_the_inventory_facts(aip, tmp_path):
    (tmp_path / "ai-production.yaml").write_text(_example("production"), encoding="utf-8")
    code, out, err = aip(tmp_path, "check", "--format", "json", "--today", TODAY)
    data = json.loads(out)
    assert {"version", "manifests", "findings", "summary", "repository", "questions"} <= set(data)
    (entry,) = data["manifests"]
    assert {
        "path",
        "system_id",
        "stage",
        "questions",
        "name",
        "risk_tier",
        "decision_role",
        "owners",
        "deadlines",
    } <= set(entry)
    manifest = yaml.safe_load(_example("production"))
    assert entry["name"] == manifest["system"]["name"]
    assert entry["risk_tier"] == manifest["system"].get("risk_tier", manifest.get("risk_tier"))
    assert entry["owners"] == {
        "technical": manifest["owners"]["technical"]["name"],
        "business": manifest["owners"]["business"]["name"],
    }
    assert entry["deadlines"] and all(set(d) == {"date", "rule", "json_path", "what"} for d in entry["deadlines"])
    assert [d["date"] for d in entry["deadlines"]] == sorted(d["date"] for d in entry["deadlines"])
    assert entry["questions"]["by_id"] == dict.fromkeys(data["questions"], True)
    assert set(data["questions"]) == {f"Q{i}" for i in range(1, 11)}


# -- the example workflow ----------------------------------------------------------------


def _shas_in_repository() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in [REPO / "action.yml", *(REPO / "examples" / "workflows").glob("*.yml")]:
        if path == WORKFLOW:
            continue
        for action, sha in re.findall(r"uses:\s*([\w./-]+)@([0-9a-f]{40})", path.read_text(encoding="utf-8")):
            found.setdefault(action.split("/")[0] + "/" + action.split("/")[1], set()).add(sha)
    return found


def test_the_weekly_workflow_pins_every_action_by_commit_and_asks_for_little():
    text = WORKFLOW.read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {}
    triggers = workflow.get("on", workflow.get(True))
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    used = re.findall(r"uses:\s*([\w./-]+)@(\S+)", text)
    assert used
    known = _shas_in_repository()
    for action, ref in used:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action} is not pinned by commit"
        repo = "/".join(action.split("/")[:2])
        if repo in known:
            assert ref in known[repo], f"{action}@{ref}: not the commit the repository uses elsewhere"
    for job in workflow["jobs"].values():
        assert set(job.get("permissions", {}).values()) <= {"read", "write"}
        assert job.get("permissions", {}).get("contents") in (None, "read")
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
    assert "GITHUB_STEP_SUMMARY" in text and "aipolicy report" in text


# -- README ------------------------------------------------------------------------------


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_readme_portfolio_section_names_every_format_and_option():
    from checker.cli import REPORT_FORMATS, report

    section = _section("The portfolio")
    for fmt in REPORT_FORMATS:
        assert re.search(rf"^\| `{fmt}` \|", section, re.MULTILINE), f"format {fmt} not in the table"
    for param in report.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in section, f"{opt} is not documented"


def test_readme_portfolio_claims_match_the_code():
    from checker.portfolio import DEFAULT_STUCK_AFTER, load

    text = " ".join(_section("The portfolio").split())
    # Each claim is shown by a behaviour test above; here: the numbers and names it quotes.
    assert f"default {DEFAULT_STUCK_AFTER}" in text
    assert f"over {load.MAX_JSON_BYTES // 1024**2} MiB" in text
    suffixes = re.search(r"follows `--output`'s suffix \(([^)]*)\), else `(\w+)`", text)
    assert suffixes and suffixes.group(2) == command.DEFAULT_FORMAT
    assert set(re.findall(r"`(\.\w+)`", suffixes.group(1))) == set(command.SUFFIXES)
    assert "the file named later on the command line wins" in text  # test_from_json_merges_…
    assert "the manifests under PATHs, checked now, win over every file" in text  # test_paths_checked_now_win_…
    assert "exit 0 when the report is written, 2 on a usage error" in text  # test_report_checks_paths_like_check_…
    for word in ("**stage since**", "**stuck**", "**purgatory**"):
        assert word in text


def test_readme_json_description_lists_the_new_keys():
    output = README.read_text(encoding="utf-8")
    for key in ('"repository"', '"questions"', '"name"', '"risk_tier"', '"decision_role"', '"owners"', '"deadlines"'):
        assert key in output.split("### Output", 1)[1].split("###", 1)[0], key


# -- docs/portfolio.md's workflows -------------------------------------------------------

DOCS = REPO / "docs" / "portfolio.md"


def _zizmor() -> str:
    beside_python = Path(sys.executable).with_name("zizmor")
    found = str(beside_python) if beside_python.exists() else shutil.which("zizmor")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("zizmor is required in CI")
    pytest.skip("zizmor is not available (pip install -e '.[test]')")


def _docs_workflows() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", DOCS.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


def test_docs_portfolio_shows_both_sides_of_the_collecting_pattern():
    blocks = [yaml.safe_load(block) for block in _docs_workflows()]
    assert len(blocks) == 2
    texts = _docs_workflows()
    assert "actions/upload-artifact@" in texts[0] and "aipolicy report" in texts[0]
    assert "gh run download" in texts[1] and "--from-json" in texts[1] and "GITHUB_STEP_SUMMARY" in texts[1]
    for workflow in blocks:
        assert workflow["permissions"] == {}


@pytest.mark.parametrize("index", [0, 1])
def test_docs_portfolio_workflows_are_zizmor_clean_even_for_an_auditor(tmp_path, index):
    path = tmp_path / f"workflow-{index}.yml"
    path.write_text(_docs_workflows()[index], encoding="utf-8")
    proc = subprocess.run(
        [_zizmor(), "--offline", "--no-config", "--persona", "auditor", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert json.loads(proc.stdout) == [] and proc.returncode == 0


def test_the_weekly_workflow_is_zizmor_clean_even_for_an_auditor():
    proc = subprocess.run(
        [_zizmor(), "--offline", "--no-config", "--persona", "auditor", "--format", "json", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert json.loads(proc.stdout) == [] and proc.returncode == 0


# -- any JSON at all: an inventory or one Invalid, never another exception ---------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["pilot", "2027-01-01", "acme/a", "error", "Q1", "aipolicy-inventory"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "path",
                    "system_id",
                    "stage",
                    "owners",
                    "technical",
                    "deadlines",
                    "date",
                    "rule",
                    "json_path",
                    "what",
                    "questions",
                    "by_id",
                    "unanswered",
                    "total",
                    "id",
                    "severity",
                    "suppressed",
                    "repository",
                    "name",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    manifests=st.lists(_json_values, max_size=3),
    findings=st.lists(_json_values, max_size=3),
    extra=st.dictionaries(st.sampled_from(["repository", "questions", "version"]), _json_values, max_size=2),
)
def test_any_check_shaped_json_is_an_inventory_or_one_invalid(manifests, findings, extra):
    from checker.portfolio import load

    doc = {"version": "0.1.0", "manifests": manifests, "findings": findings, **extra}
    try:
        inventory = load.parse(json.dumps(doc).encode(), {"Q1": "owner"})
    except load.Invalid:
        return  # the command turns it into one line naming the file (tests above)
    for system in inventory.systems:  # what was accepted has the types the renderers rely on
        assert isinstance(system.path, str) and system.path
        assert all(isinstance(d["date"], str) and datetime.date.fromisoformat(d["date"]) for d in system.deadlines)
        assert all(type(v) is int and v >= 0 for v in system.findings.values())


def test_a_json_file_given_as_a_path_is_a_usage_error_with_the_from_json_hint(aip, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_check_doc()), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(_check_doc()), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--from-json", "a.json", "b.json", "--format", "json")
    assert code == 2 and out == "" and "--from-json before each file" in err and len(err.splitlines()) == 1


def test_systems_of_sources_without_a_repository_name_are_kept_apart(aip, tmp_path):
    for name in ("one", "two"):
        doc = {**_check_doc(system_id=name), "repository": None}
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--from-json", "one.json", "--from-json", "two.json", "--format", "json")
    assert code == 0, err
    assert sorted(s["id"] for s in json.loads(out)["systems"]) == [
        "one",
        "two",
    ]  # same path, no repository: two systems
    named = [{**_check_doc(system_id=name), "repository": "acme/a"} for name in ("old", "new")]
    for name, doc in zip(("old", "new"), named):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = aip(tmp_path, "report", "--from-json", "old.json", "--from-json", "new.json", "--format", "json")
    assert [s["id"] for s in json.loads(out)["systems"]] == ["new"]  # one repository, one path: the later file wins
