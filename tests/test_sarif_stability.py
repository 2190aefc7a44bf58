"""SARIF that code scanning can track: fingerprints that survive message and line changes,
GitHub's result limit, automationDetails, and what happens to waived and baselined findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_shared

from checker.cli import cli
from checker.findings import Finding, ManifestResult, Report, Severity, Span
from checker.policy import load_builtin
from checker.report import RenderContext

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-26"
BROKEN = REPO / "examples" / "failing" / "broken-schema.ai-production.yaml"
FORECAST = REPO / "examples" / "failing" / "demand-forecast.ai-production.yaml"
WAIVER = """
waivers:
  - rule: AIP-DATA-001
    reason: Vendor feed is manual until the API contract lands (DATA-512).
    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}
    expires: 2027-02-01
"""


def _sarif(folder: Path, monkeypatch, *extra: str) -> dict:
    monkeypatch.chdir(folder)
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    result = CliRunner().invoke(
        cli, ["check", ".", "--format", "sarif", "--today", TODAY, *extra], catch_exceptions=False
    )
    return json.loads(result.stdout)


def _validate(sarif: dict) -> None:
    import jsonschema

    schema = json.loads(require_shared("conformance", "sarif", "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(sarif))
    assert errors == [], [e.message for e in errors[:3]]


def _by_fingerprint(sarif: dict) -> dict[str, dict]:
    results = sarif["runs"][0]["results"]
    out = {next(iter(r["partialFingerprints"].values())): r for r in results}
    assert len(out) == len(results), "fingerprints must be unique within a run"
    return out


def _one_manifest(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "ai-production.yaml").write_text(text, encoding="utf-8")
    return folder


def test_partial_fingerprints_do_not_change_when_a_message_value_changes(tmp_path, monkeypatch):
    text = BROKEN.read_text(encoding="utf-8")
    assert "threshold: high 0.85" in text
    before = _sarif(_one_manifest(tmp_path, "a", text), monkeypatch)
    after = _sarif(
        _one_manifest(tmp_path, "b", text.replace("threshold: high 0.85", "threshold: high 0.9")), monkeypatch
    )
    old, new = _by_fingerprint(before), _by_fingerprint(after)
    assert set(old) == set(new)
    changed = [fp for fp in old if old[fp]["message"]["text"] != new[fp]["message"]["text"]]
    assert changed, "the edit must change a message, or this test shows nothing"
    assert all(old[fp]["ruleId"] == new[fp]["ruleId"] for fp in old)


def test_partial_fingerprints_do_not_change_when_findings_move_to_other_lines(tmp_path, monkeypatch):
    text = FORECAST.read_text(encoding="utf-8")
    before = _sarif(_one_manifest(tmp_path, "a", text), monkeypatch)
    after = _sarif(_one_manifest(tmp_path, "b", "# reviewed\n# again\n" + text), monkeypatch)
    old, new = _by_fingerprint(before), _by_fingerprint(after)
    assert old and set(old) == set(new)
    line = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert all(line(new[fp]) == line(old[fp]) + 2 for fp in old)


def test_a_different_file_or_rule_gets_a_different_fingerprint(tmp_path, monkeypatch):
    text = FORECAST.read_text(encoding="utf-8")
    folder = _one_manifest(tmp_path, "a", text)
    (folder / "copy").mkdir()
    (folder / "copy" / "ai-production.yaml").write_text(text, encoding="utf-8")
    results = _sarif(folder, monkeypatch)["runs"][0]["results"]
    by_file: dict[str, set[str]] = {}
    for r in results:
        by_file.setdefault(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], set()).update(
            r["partialFingerprints"].values()
        )
    assert len(by_file) == 2
    first, second = by_file.values()
    assert first and not first & second


def _report(findings: list[Finding]) -> Report:
    result = ManifestResult(path="svc/ai-production.yaml", system_id="svc", stage="production")
    result.findings = findings
    return Report([result])


def _finding(
    rule: str = "AIP-SCH-001",
    severity: Severity = Severity.ERROR,
    line: int = 1,
    message: str = "m",
    json_path: str = "$.x",
    **kw,
) -> Finding:
    return Finding(rule, "schema", severity, "svc/ai-production.yaml", Span(line, 1, line, 2), message, json_path, **kw)


def test_two_findings_of_one_rule_at_one_node_get_different_fingerprints():
    from checker.report import sarif

    report = _report([_finding(message="first"), _finding(message="second", line=2)])
    results = sarif.as_dict(report, RenderContext(policy=load_builtin(), version="t"))["runs"][0]["results"]
    assert len({r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results}) == 2


def test_sarif_has_automation_details_with_a_stable_category(monkeypatch):
    sarif = _sarif(REPO / "examples" / "production", monkeypatch)
    run = sarif["runs"][0]
    automation_id = run["automationDetails"]["id"]
    # Code scanning reads everything before the last `/` as the category: no per-run part.
    assert (
        automation_id.rsplit("/", 1)[0] == "aipolicy"
        and automation_id == _sarif(REPO / "examples", monkeypatch)["runs"][0]["automationDetails"]["id"]
    )


def test_at_most_25000_results_per_run_the_most_severe_kept_and_the_rest_counted():
    from checker.report import sarif

    findings = [_finding(severity=Severity.NOTE, line=i + 1, json_path=f"$.n{i}") for i in range(20)]
    findings += [_finding(severity=Severity.ERROR, line=i + 1, json_path=f"$.e{i}") for i in range(25_000)]
    run = sarif.as_dict(_report(findings), RenderContext(policy=load_builtin(), version="t"))["runs"][0]
    assert len(run["results"]) == 25_000
    assert all(r["level"] == "error" for r in run["results"])
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "20 more results" in notification["message"]["text"]


def test_a_truncated_run_still_validates_and_keeps_fingerprints_of_the_full_report(monkeypatch):
    from checker.report import sarif

    ctx = RenderContext(policy=load_builtin(), version="t")
    findings = [
        _finding(severity=Severity.WARNING, line=1),
        _finding(severity=Severity.ERROR, line=2),
        _finding(severity=Severity.WARNING, line=3),
    ]  # one rule, one node: occurrences 0, 1, 2
    full = sarif.as_dict(_report(findings), ctx)["runs"][0]["results"]
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    cut = sarif.as_dict(_report(findings), ctx)
    _validate(cut)
    results = cut["runs"][0]["results"]
    # The error and the first warning stay, in report order, each with its fingerprint from the full report.
    assert [r["level"] for r in results] == ["warning", "error"]
    assert [r["partialFingerprints"] for r in results] == [r["partialFingerprints"] for r in full[:2]]


def test_waived_findings_are_in_source_suppressions_by_default(tmp_path, monkeypatch):
    folder = _one_manifest(tmp_path, "w", FORECAST.read_text(encoding="utf-8") + WAIVER)
    sarif = _sarif(folder, monkeypatch, "--ignore", "AIP-REF-001")
    _validate(sarif)
    waived = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AIP-DATA-001"]
    assert waived and all(
        r["suppressions"]
        == [{"kind": "inSource", "status": "accepted", "justification": r["suppressions"][0]["justification"]}]
        and r["suppressions"][0]["justification"].startswith("Vendor feed")
        for r in waived
    )


def test_sarif_waived_omit_leaves_waived_findings_out_and_says_how_many(tmp_path, monkeypatch):
    folder = _one_manifest(tmp_path, "w", FORECAST.read_text(encoding="utf-8") + WAIVER)
    kept = _sarif(folder, monkeypatch, "--ignore", "AIP-REF-001")
    omitted = _sarif(folder, monkeypatch, "--ignore", "AIP-REF-001", "--sarif-waived", "omit")
    _validate(omitted)
    waived = [r for r in kept["runs"][0]["results"] if "suppressions" in r]
    assert waived
    results = omitted["runs"][0]["results"]
    assert not [r for r in results if "suppressions" in r or r["ruleId"] == "AIP-DATA-001"]
    assert len(results) == len(kept["runs"][0]["results"]) - len(waived)
    # The findings that stay keep the fingerprints they have when nothing is left out.
    assert {json.dumps(r["partialFingerprints"]) for r in results} <= {
        json.dumps(r["partialFingerprints"]) for r in kept["runs"][0]["results"]
    }
    (notification,) = omitted["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith(f"{len(waived)} suppressed finding")


def test_sarif_waived_suppressed_is_the_default(tmp_path, monkeypatch):
    folder = _one_manifest(tmp_path, "w", FORECAST.read_text(encoding="utf-8") + WAIVER)
    assert (
        _sarif(folder, monkeypatch, "--sarif-waived", "suppressed")["runs"][0]["results"]
        == _sarif(folder, monkeypatch)["runs"][0]["results"]
    )


@pytest.mark.parametrize("mode", ["suppressed", "omit"])
def test_baselined_findings_are_external_suppressions_and_waivers_stay_in_source(mode):
    from checker.report import sarif

    report = _report(
        [
            _finding(json_path="$.a", suppressed_by="Vendor feed is manual", suppression="waiver"),
            _finding(json_path="$.b", suppressed_by=".aipolicy-baseline.json", suppression="baseline"),
            _finding(json_path="$.c"),
        ]
    )
    out = sarif.as_dict(report, RenderContext(policy=load_builtin(), version="t", sarif_waived=mode))
    _validate(out)
    results = out["runs"][0]["results"]
    if mode == "omit":
        assert [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results] == ["$.c"]
        return
    kinds = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: [s["kind"] for s in r.get("suppressions", [])]
        for r in results
    }
    assert kinds == {"$.a": ["inSource"], "$.b": ["external"], "$.c": []}


def test_json_help_uri_is_the_sarif_help_uri_of_the_rule_including_custom_pack_rules(monkeypatch):
    org = REPO / "examples" / "org-policy"
    monkeypatch.chdir(org)
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    runner = CliRunner()
    report = json.loads(runner.invoke(cli, ["check", "models", "--today", TODAY, "--format", "json"]).stdout)
    sarif = json.loads(runner.invoke(cli, ["check", "models", "--today", TODAY, "--format", "sarif"]).stdout)
    help_uris = {r["id"]: r["helpUri"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert any(f["rule"].startswith("ACME-") for f in report["findings"]), "the example must show a custom rule"
    for f in report["findings"]:
        assert f["help_uri"] == help_uris[f["rule"]]
