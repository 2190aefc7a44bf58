"""Baselines (issue 14): `check --write-baseline FILE` records today's findings; `--baseline FILE`
or `baseline:` in the configuration keeps them from failing the run, so only new findings fail.

The runs go through checker.cli.main in-process, from a folder holding a copy of the
production example (its `*_ref` paths are relative to that folder), with problems added.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.findings import Finding, ManifestResult, Report, Severity, Span

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-26"
MANIFEST = "examples/production/ai-production.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """The production example with two problems: a hand-refreshed source (AIP-DATA-001) and
    outcome accuracy below its threshold (AIP-MON-005)."""
    shutil.copytree(REPO / "examples" / "production", tmp_path / "examples" / "production")
    manifest = tmp_path / MANIFEST
    edit(
        manifest,
        '        mode: automated\n        schedule: "0 2 * * *"',
        '        mode: manual\n        schedule: "0 2 * * *"',
    )
    edit(manifest, "      value: 0.89", "      value: 0.80")
    return tmp_path


def findings(cli, cwd: Path, *args: str) -> tuple[int, dict]:
    code, out, err = cli("check", "--today", TODAY, "--format", "json", *args, cwd=cwd)
    assert code in (0, 1), err
    return code, json.loads(out)


def active(report: dict) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["path"], f["json_path"]) for f in report["findings"] if not f["suppressed"]]


def git_init(path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


# -- the round trip -------------------------------------------------------------------------


def test_round_trip_fails_only_on_the_new_problem_after_an_edited_threshold_and_a_moved_section(cli, tree):
    code, before = findings(cli, tree)
    assert code == 1
    assert {
        ("AIP-DATA-001", "$.data.sources[1].refresh.mode"),
        ("AIP-MON-005", "$.monitoring.outcome_accuracy.last_measured.value"),
    } <= {(f["rule"], f["json_path"]) for f in before["findings"]}

    code, out, _ = cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    assert code == 0 and out.startswith("wrote baseline baseline.json:")
    assert cli("check", "--today", TODAY, "--baseline", "baseline.json", cwd=tree)[0] == 0

    manifest = tree / MANIFEST
    old_mon = next(f for f in before["findings"] if f["rule"] == "AIP-MON-005")
    edit(manifest, "    threshold: 0.85", "    threshold: 0.87")  # the message names the threshold
    text = manifest.read_text(encoding="utf-8")
    monitoring = re.search(r"^monitoring:\n(?:(?:  .*)?\n)+", text, re.M).group()
    manifest.write_text(
        text.replace(monitoring, "") + "\n" + monitoring, encoding="utf-8"
    )  # the section moves to the end
    edit(manifest, "        mode: automated", "        mode: manual")  # the new problem: data.sources[0]

    code, after = findings(cli, tree, "--baseline", "baseline.json")
    assert code == 1
    assert active(after) == [("AIP-DATA-001", MANIFEST, "$.data.sources[0].refresh.mode")]
    new_mon = next(f for f in after["findings"] if f["rule"] == "AIP-MON-005")
    assert new_mon["line"] != old_mon["line"] and new_mon["message"] != old_mon["message"]
    assert new_mon["suppressed"] and new_mon["suppression_kind"] == "baseline"


def test_baseline_file_is_versioned_sorted_and_keyed_on_rule_path_and_json_path(cli, tree):
    git_init(tree)  # paths are relative to the repository root
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    first = (tree / "baseline.json").read_text(encoding="utf-8")
    doc = json.loads(first)
    assert doc["format"] == "aipolicy-baseline" and doc["version"] == 1
    keys = [(e["path"], e["rule"], e["json_path"]) for e in doc["findings"]]
    assert (
        keys == sorted(keys)
        and (
            "examples/production/ai-production.yaml",
            "AIP-MON-005",
            "$.monitoring.outcome_accuracy.last_measured.value",
        )
        in keys
    )
    assert all(e["count"] == 1 and "line" not in e for e in doc["findings"])
    # Written again from a subfolder (paths relative to the current folder differ): the same bytes.
    cli("check", "--today", TODAY, "--write-baseline", str(tree / "again.json"), "..", cwd=tree / "examples")
    assert (tree / "again.json").read_text(encoding="utf-8") == first


def test_the_same_rule_in_another_file_is_not_baselined(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    shutil.copy(tree / MANIFEST, tree / "examples" / "copy.ai-production.yaml")
    code, report = findings(cli, tree, "--baseline", "baseline.json")
    assert code == 1
    assert {(r, p) for r, p, _ in active(report)} == {
        ("AIP-DATA-001", "examples/copy.ai-production.yaml"),
        ("AIP-MON-005", "examples/copy.ai-production.yaml"),
    }


def test_json_shows_baselined_findings_as_suppressed_and_counts_them(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    _, report = findings(cli, tree, "--baseline", "baseline.json")
    silenced = [f for f in report["findings"] if f["suppressed"]]
    assert silenced and all(
        f["suppression_kind"] == "baseline" and f["suppression_reason"] == "baseline baseline.json" for f in silenced
    )
    assert all("suppression_kind" not in f for f in report["findings"] if not f["suppressed"])
    assert report["summary"]["baselined"] == len(silenced) == report["summary"]["suppressed"]
    code, out, _ = cli("check", "--today", TODAY, "--baseline", "baseline.json", cwd=tree)
    assert out.splitlines()[-1].endswith(f"({len(silenced)} suppressed by the baseline)")


def test_totals_separate_waived_from_baselined_findings(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    (tree / MANIFEST).write_text(
        (tree / MANIFEST).read_text(encoding="utf-8")
        + (
            "waivers:\n  - rule: AIP-DATA-001\n    reason: Vendor feed stays manual until DATA-512\n"
            "    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}\n    expires: 2027-02-01\n"
        ),
        encoding="utf-8",
    )
    _, report = findings(cli, tree, "--baseline", "baseline.json")
    kinds = sorted(f["suppression_kind"] for f in report["findings"] if f["suppressed"])
    assert kinds == ["baseline", "waiver"]
    assert report["summary"]["suppressed"] == 2 and report["summary"]["baselined"] == 1
    _, out, err = cli("check", "--today", TODAY, "--baseline", "baseline.json", cwd=tree)
    assert out.splitlines()[-1].endswith("(2 suppressed: 1 by waivers, 1 by the baseline)")
    # The waived finding no longer matches its entry: a note says the entry can go.
    assert "AIP-DATA-001" in err and "matches nothing any more" in err


# -- never baselined --------------------------------------------------------------------------


def test_schema_yaml_and_waiver_errors_are_never_recorded_and_never_matched(cli, tree):
    manifest = tree / MANIFEST
    edit(manifest, "  name: Support ticket router", "  name: Support ticket router\n  colour: blue")  # AIP-SCH-001
    (tree / "broken.ai-production.yaml").write_text(
        "apiVersion: aipolicy/v1\nsystem: [unclosed\n", encoding="utf-8"
    )  # SCH-002
    (manifest).write_text(
        manifest.read_text(encoding="utf-8")
        + (
            "waivers:\n  - rule: AIP-MON-005\n    reason: ''\n"  # AIP-WVR-001: a waiver without a reason
            "    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}\n    expires: 2027-02-01\n"
        ),
        encoding="utf-8",
    )
    _, before = findings(cli, tree)
    never = {"AIP-SCH-001", "AIP-SCH-002", "AIP-WVR-001"}
    assert never <= {f["rule"] for f in before["findings"]}
    code, out, _ = cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    assert code == 0 and "not recorded:" in out and "AIP-SCH-001" in out
    assert not never & {e["rule"] for e in json.loads((tree / "baseline.json").read_text())["findings"]}
    code, after = findings(cli, tree, "--baseline", "baseline.json")
    assert code == 1 and {r for r, _, _ in active(after)} == never


@pytest.mark.parametrize("rule", ["AIP-SCH-001", "AIP-SCH-002", "AIP-WVR-001"])
def test_a_baseline_entry_for_a_rule_that_is_never_baselined_is_a_usage_error(cli, tree, rule):
    (tree / "b.json").write_text(
        json.dumps(
            {
                "format": "aipolicy-baseline",
                "version": 1,
                "findings": [{"rule": rule, "path": MANIFEST, "json_path": "$", "count": 1}],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = cli("check", "--baseline", "b.json", cwd=tree)
    assert code == 2 and "b.json" in err and rule in err and "never baselined" in err and len(err.splitlines()) == 1


# -- counts and folded findings -----------------------------------------------------------------


def _report(*findings: Finding) -> Report:
    return Report([ManifestResult(path="m.yaml", findings=list(findings), rules_evaluated=["R-1", "R-2"])])


def _finding(rule: str, json_path: str, line: int) -> Finding:
    return Finding(rule, rule.lower(), Severity.ERROR, "m.yaml", Span(line, 1, line, 2), f"{rule} at {line}", json_path)


def test_an_entry_matches_as_many_findings_as_its_count_and_the_rest_are_new(tmp_path, monkeypatch, capsys):
    from checker import baseline
    from checker.policy import load_builtin

    monkeypatch.chdir(tmp_path)
    known = baseline.Baseline("b.json", {("R-1", "m.yaml", "$.a"): 2})
    report = _report(*(_finding("R-1", "$.a", line) for line in (3, 5, 9)))
    baseline.apply(report, known, str(tmp_path), load_builtin())
    assert [f.suppressed for f in report.findings] == [True, True, False]
    # Fewer findings than recorded: the entry is noted as partly stale.
    report = _report(_finding("R-1", "$.a", 3))
    baseline.apply(report, known, str(tmp_path), load_builtin())
    assert "matches 1 of the 2 findings it records" in capsys.readouterr().err


def test_rules_folded_into_a_shown_finding_are_recorded_and_match_when_the_shown_rule_changes(
    tmp_path, monkeypatch, capsys
):

    from checker import baseline
    from checker.policy import load_builtin

    monkeypatch.chdir(tmp_path)
    one, two = _finding("R-1", "$.a", 3), _finding("R-2", "$.a", 3)
    baseline.write(_report(one._replace(folded=(two,))), tmp_path / "b.json", str(tmp_path))
    recorded = baseline.parse((tmp_path / "b.json").read_bytes(), "b.json")
    assert set(recorded) == {("R-1", "m.yaml", "$.a"), ("R-2", "m.yaml", "$.a")}
    # A severity change makes R-2 the rule shown, R-1 folded into it: still baselined, nothing stale.
    report = _report(two._replace(folded=(one,)))
    baseline.apply(report, baseline.Baseline("b.json", recorded), str(tmp_path), load_builtin())
    assert report.findings[0].suppressed and report.findings[0].suppression == "baseline"
    assert "note" not in capsys.readouterr().err


# -- stale entries ------------------------------------------------------------------------------


def test_an_entry_that_matches_nothing_any_more_is_one_note_line(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    edit(tree / MANIFEST, "      value: 0.80", "      value: 0.89")  # AIP-MON-005 fixed
    code, _, err = cli("check", "--today", TODAY, "--baseline", "baseline.json", cwd=tree)
    assert code == 0
    notes = [line for line in err.splitlines() if "baseline baseline.json" in line]
    assert len(notes) == 1 and notes[0].startswith("aipolicy: note: ")
    assert "AIP-MON-005" in notes[0] and MANIFEST in notes[0] and "matches nothing any more" in notes[0]
    assert (
        cli("check", "--today", TODAY, "--baseline", "baseline.json", "--quiet", cwd=tree)[2].count("baseline.json")
        == 0
    )


def test_entries_of_files_not_checked_in_this_run_are_not_stale(cli, tree):
    shutil.copy(tree / MANIFEST, tree / "other.ai-production.yaml")
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    assert "other.ai-production.yaml" in (tree / "baseline.json").read_text()
    code, _, err = cli("check", "--today", TODAY, "--baseline", "baseline.json", "examples", cwd=tree)
    assert code == 0 and "matches nothing" not in err
    # Written from that subset, a baseline records the subset's findings only.
    cli("check", "--today", TODAY, "--write-baseline", "subset.json", "examples", cwd=tree)
    assert {e["path"] for e in json.loads((tree / "subset.json").read_text())["findings"]} == {MANIFEST}
    # The same entries are stale once that file is checked and fixed.
    edit(tree / "other.ai-production.yaml", "      value: 0.80", "      value: 0.89")
    _, _, err = cli("check", "--today", TODAY, "--baseline", "baseline.json", cwd=tree)
    assert "other.ai-production.yaml" in err and "matches nothing any more" in err


def test_stale_notes_are_capped(cli, tree):
    entries = [{"rule": "AIP-MON-005", "path": MANIFEST, "json_path": f"$.gone[{i}]", "count": 1} for i in range(25)]
    (tree / "b.json").write_text(json.dumps({"format": "aipolicy-baseline", "version": 1, "findings": entries}))
    _, _, err = cli("check", "--today", TODAY, "--baseline", "b.json", cwd=tree)
    notes = [line for line in err.splitlines() if "baseline b.json" in line]
    assert len(notes) == 11 and "15 more entries" in notes[-1]


# -- the options --------------------------------------------------------------------------------


def test_write_baseline_refuses_to_write_over_a_file_aipolicy_reads(cli, tree):
    (tree / ".aipolicy.yaml").write_text("fail-on: error\npolicies: [acme.yaml]\n", encoding="utf-8")
    shutil.copy(REPO / "examples" / "org-policy" / "policy" / "acme.yaml", tree / "acme.yaml")
    for target, what in (
        (MANIFEST, "a manifest"),
        (".aipolicy.yaml", "the configuration"),
        ("new.ai-production.yaml", "a manifest"),
        ("acme.yaml", "a policy pack"),
    ):
        before = (tree / target).read_bytes() if (tree / target).exists() else None
        code, _, err = cli("check", "--write-baseline", target, cwd=tree)
        assert code == 2 and f"refusing to write a baseline over {what}" in err
        assert ((tree / target).read_bytes() if (tree / target).exists() else None) == before


def test_an_output_is_never_written_over_the_baseline_in_use(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    before = (tree / "baseline.json").read_bytes()
    code, _, err = cli(
        "check", "--baseline", "baseline.json", "--format", "json", "--output", "baseline.json", cwd=tree
    )
    assert code == 2 and "over the baseline" in err and (tree / "baseline.json").read_bytes() == before


@pytest.mark.parametrize(
    "args,says",
    [
        (["--baseline", "old.json"], "not both"),
        (["--format", "json"], "no report"),
        (["--output", "r.txt"], "no report"),
        (["--changed-since", "HEAD"], "--changed-since"),
        (["--changed-only"], "--changed-only"),
    ],
)
def test_write_baseline_with_options_it_cannot_honour_is_a_usage_error(cli, tree, args, says):
    code, _, err = cli("check", "--write-baseline", "b.json", *args, cwd=tree)
    assert code == 2 and says in err and len(err.splitlines()) == 1 and not (tree / "b.json").exists()


@pytest.mark.parametrize(
    "content,says",
    [
        (None, "No such file"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100000, "nested too deeply"),
        (b'{"format": "aipolicy-baseline", "version": 2, "findings": []}', "version 2"),
        (b'{"format": "aipolicy-baseline", "version": 1.0, "findings": []}', "baseline version"),
        (b'{"version": 1, "findings": []}', "not an aipolicy baseline"),
        (
            b'{"format": "aipolicy-baseline", "version": 1, "findings": [{"rule": "X", "path": "a", "json_path": "$", "count": 0}]}',
            "findings[0]: count",
        ),
        (
            b'{"format": "aipolicy-baseline", "version": 1, "findings": [{"rule": "X\\u001b[31m\\n", "json_path": "$"}]}',
            "findings[0]: path",
        ),
    ],
)
def test_a_missing_or_malformed_baseline_is_one_line_naming_the_file(cli, tree, content, says):
    if content is not None:
        (tree / "b.json").write_bytes(content)
    code, out, err = cli("check", "--baseline", "b.json", cwd=tree)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("aipolicy: error: --baseline b.json: ") and says in err and "\x1b" not in err


def test_a_baseline_that_is_a_fifo_is_refused_without_blocking(cli, tree):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tree / "b.json")
    code, _, err = cli("check", "--baseline", "b.json", cwd=tree)
    assert code == 2 and "not a regular file" in err


# -- configuration --------------------------------------------------------------------------------


def test_config_baseline_is_relative_to_the_config_file_and_the_command_line_wins(cli, tree):
    git_init(tree)
    cli("check", "--today", TODAY, "--write-baseline", "examples/baseline.json", cwd=tree)
    (tree / "examples" / ".aipolicy.yaml").write_text("baseline: baseline.json\n", encoding="utf-8")
    code, report = findings(cli, tree / "examples")
    assert report["summary"]["baselined"] > 0 and not [
        f for f in active(report) if f[0] in ("AIP-MON-005", "AIP-DATA-001")
    ]
    (tree / "examples" / "empty.json").write_text('{"format": "aipolicy-baseline", "version": 1, "findings": []}')
    _, report = findings(cli, tree / "examples", "--baseline", "empty.json")
    assert report["summary"]["baselined"] == 0
    code, out, _ = cli("config", cwd=tree / "examples")
    assert re.search(r'^baseline: ".*baseline\.json"    # .*\.aipolicy\.yaml:1:1$', out, re.M)


def test_a_malformed_config_baseline_names_the_config_line(cli, tree):
    git_init(tree)
    (tree / ".aipolicy.yaml").write_text("fail-on: error\nbaseline: b.json\n", encoding="utf-8")
    (tree / "b.json").write_text("{nope", encoding="utf-8")
    code, _, err = cli("check", cwd=tree)
    assert code == 2 and re.search(r"\.aipolicy\.yaml:2:\d+: baseline: b\.json: line 1, column 2: not valid JSON", err)


@pytest.mark.parametrize("spec", ["../outside.json", "ABSOLUTE", "link.json"])
def test_a_config_baseline_outside_the_repository_is_a_usage_error(cli, tmp_path, spec):
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "examples" / "production", repo / "examples" / "production")
    git_init(repo)
    outside = tmp_path / "outside.json"
    outside.write_text('{"format": "aipolicy-baseline", "version": 1, "findings": []}', encoding="utf-8")
    if spec == "link.json":
        (repo / "link.json").symlink_to(outside)
    spec = str(outside) if spec == "ABSOLUTE" else spec
    (repo / ".aipolicy.yaml").write_text(f"baseline: {spec}\n", encoding="utf-8")
    code, _, err = cli("check", "--today", TODAY, cwd=repo)
    assert code == 2 and len(err.splitlines()) == 1 and ".aipolicy.yaml:1:" in err and "baseline" in err
    assert "outside the repository" in err or "absolute path" in err
    # The same file named on the command line is the operator's: read as given.
    (repo / ".aipolicy.yaml").unlink()
    assert cli("check", "--today", TODAY, "--baseline", str(outside), cwd=repo)[0] in (0, 1)


def test_the_config_schema_rejects_a_baseline_that_is_not_a_path(cli, tree):
    (tree / ".aipolicy.yaml").write_text("baseline: [a, b]\n", encoding="utf-8")
    code, _, err = cli("check", cwd=tree)
    assert code == 2 and ".aipolicy.yaml:1:" in err and "baseline" in err


def test_findings_of_rules_that_are_never_baselined_stay_active_even_if_an_entry_names_them(tmp_path, monkeypatch):
    from checker import baseline
    from checker.policy import load_builtin

    monkeypatch.chdir(tmp_path)
    keys = {(rule, "m.yaml", "$.a"): 1 for rule in ("AIP-SCH-001", "AIP-WVR-001", "R-1")}
    report = _report(_finding("AIP-SCH-001", "$.a", 1), _finding("AIP-WVR-001", "$.a", 2), _finding("R-1", "$.a", 3))
    baseline.apply(report, baseline.Baseline("b.json", keys), str(tmp_path), load_builtin(), quiet=True)
    assert [f.suppressed for f in report.findings] == [False, False, True]


def test_a_baselined_finding_leaves_its_question_unanswered(cli, tree):
    _, before = findings(cli, tree)
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    _, after = findings(cli, tree, "--baseline", "baseline.json")
    assert before["manifests"][0]["questions"]["unanswered"]  # Q3 (the manual source) and the accuracy question
    assert after["manifests"][0]["questions"] == before["manifests"][0]["questions"]


def test_waived_findings_are_not_recorded(cli, tree):
    (tree / MANIFEST).write_text(
        (tree / MANIFEST).read_text(encoding="utf-8")
        + (
            "waivers:\n  - rule: AIP-DATA-001\n    reason: Vendor feed stays manual until DATA-512\n"
            "    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}\n    expires: 2027-02-01\n"
        ),
        encoding="utf-8",
    )
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    rules = {e["rule"] for e in json.loads((tree / "baseline.json").read_text())["findings"]}
    assert "AIP-MON-005" in rules and "AIP-DATA-001" not in rules
    # When the waiver runs out, the finding fails: the baseline does not hold it.
    code, report = findings(cli, tree, "--baseline", "baseline.json", "--today", "2027-03-01")
    assert code == 1 and ("AIP-DATA-001", MANIFEST, "$.data.sources[1].refresh.mode") in active(report)


def test_a_list_item_is_keyed_by_its_position(cli, tree):
    cli("check", "--today", TODAY, "--write-baseline", "baseline.json", cwd=tree)
    edit(
        tree / MANIFEST,
        "  sources:\n",
        "  sources:\n    - name: extra\n      uri: s3://acme/extra/\n"
        "      refresh: {mode: static, justification: A fixed reference table.}\n      personal_data: false\n",
    )
    code, report = findings(cli, tree, "--baseline", "baseline.json")
    assert code == 1 and ("AIP-DATA-001", MANIFEST, "$.data.sources[2].refresh.mode") in active(report)


def test_writing_a_baseline_does_not_read_the_configured_one(cli, tree):
    git_init(tree)
    (tree / ".aipolicy.yaml").write_text("baseline: .aipolicy-baseline.json\n", encoding="utf-8")
    assert cli("check", "--today", TODAY, cwd=tree)[0] == 2  # not written yet
    code, out, _ = cli("check", "--today", TODAY, "--write-baseline", ".aipolicy-baseline.json", cwd=tree)
    assert code == 0 and (tree / ".aipolicy-baseline.json").is_file()
    assert cli("check", "--today", TODAY, cwd=tree)[0] == 0


def test_a_stale_entry_from_a_hostile_file_is_noted_escaped_and_short(cli, tree):
    entries = [{"rule": "AIP-MON-005", "path": MANIFEST, "json_path": "$.x\n::error::\u202e" + "y" * 5000, "count": 1}]
    (tree / "b.json").write_text(json.dumps({"format": "aipolicy-baseline", "version": 1, "findings": entries}))
    _, _, err = cli("check", "--today", TODAY, "--baseline", "b.json", cwd=tree)
    notes = [line for line in err.splitlines() if "baseline b.json" in line]
    assert len(notes) == 1 and "\\n::error::\\u202e" in notes[0] and len(notes[0]) < 500


def test_write_baseline_is_silent_with_quiet_and_refuses_statistics(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text((REPO / MANIFEST).read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = cli("check", "--today", TODAY, "-q", "--write-baseline", "bl.json", ".", cwd=tmp_path)
    assert code == 0 and out == "" and (tmp_path / "bl.json").is_file()
    code, out, err = cli("check", "--today", TODAY, "--write-baseline", "bl2.json", ".", cwd=tmp_path)
    assert code == 0 and out.startswith("wrote baseline bl2.json")
    code, out, err = cli("check", "--statistics", "--write-baseline", "bl3.json", ".", cwd=tmp_path)
    assert code == 2 and "--statistics" in err and not (tmp_path / "bl3.json").exists()
