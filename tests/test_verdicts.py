"""Verdicts people can trust: one finding per node, the cause before the cascade,
placeholders unanswered in the diagnostic, and a bounded report for a file with
tens of thousands of problems."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path

import pytest

from checker import engine, verdict
from checker.checks import values
from checker.cli import main
from checker.findings import Report
from checker.manifest import json_path, load
from checker.options import Options
from checker.policy import load_builtin
from checker.report import RenderContext, render
from checker.starter import starter

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 12, 1)
STAGES = ("exploration", "pilot", "production", "retired")


def check(text: str, **options) -> engine.ManifestResult:
    opts = Options(today=TODAY, root=REPO, **options)
    return engine.check_bytes(text.encode("utf-8"), "ai-production.yaml", opts)


def active(result) -> list:
    return [f for f in result.findings if not f.suppressed]


def rendered(result, fmt: str) -> str:
    return render(fmt, Report([result]), RenderContext(policy=load_builtin(), version="0", color=False, root=str(REPO)))


MINIMAL = """\
apiVersion: aipolicy/v1
system: {id: claims-triage, name: Claims triage, description: Routes claims, type: classifier}
stage: pilot
risk_tier: limited
decision_role: augment
owners:
  technical: {name: Asha Verma, contact: asha.verma@acme-corp.io}
"""


@pytest.mark.parametrize("stage", STAGES)
def test_init_starter_has_exactly_one_finding_per_node_at_every_stage(stage: str) -> None:
    result = check(starter(stage))
    paths = Counter(f.json_path for f in active(result))
    assert [p for p, n in paths.items() if n > 1] == []


@pytest.mark.parametrize("stage", ("exploration", "pilot", "production"))
def test_init_starter_reports_each_placeholder_exactly_once(stage: str) -> None:
    text = starter(stage)
    loaded = load(text.encode(), "ai-production.yaml")
    holes = {
        json_path(p) for p, _ in values.placeholder_paths({k: v for k, v in loaded.data.items() if k != "waivers"})
    }
    assert holes, "the starter has TODOs"
    shown = Counter(f.json_path for f in active(check(text)))
    assert {h: shown[h] for h in holes} == dict.fromkeys(holes, 1)


def test_folded_finding_is_the_most_severe_and_names_the_others() -> None:
    # At pilot a placeholder is an error (AIP-SCH-003) and the unnamed business owner a warning.
    text = MINIMAL + "  business: {name: TODO, contact: tom.okafor@acme-corp.io, process: Claims intake}\n"
    at_name = [f for f in active(check(text)) if f.json_path == "$.owners.business.name"]
    assert [(f.rule, f.severity.label, f.also) for f in at_name] == [("AIP-SCH-003", "error", ("AIP-OWN-002",))]


def test_on_a_tie_the_rule_that_owns_the_field_wins_over_the_placeholder_rule() -> None:
    text = MINIMAL.replace("stage: pilot", "stage: production").replace("name: Asha Verma", "name: TODO")
    at_name = [f for f in active(check(text)) if f.json_path == "$.owners.technical.name"]
    assert [(f.rule, f.also) for f in at_name] == [("AIP-OWN-001", ("AIP-SCH-003",))]


def test_folded_rules_appear_in_json_sarif_and_junit() -> None:
    text = MINIMAL.replace("stage: pilot", "stage: production").replace("name: Asha Verma", "name: TODO")
    result = check(text)
    findings = json.loads(rendered(result, "json"))["findings"]
    assert [f["also"] for f in findings if f["json_path"] == "$.owners.technical.name"] == [["AIP-SCH-003"]]
    sarif = json.loads(rendered(result, "sarif"))["runs"][0]["results"]
    folded = [
        r for r in sarif if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "$.owners.technical.name"
    ]
    assert [r["properties"]["also"] for r in folded] == [["AIP-SCH-003"]]
    junit = rendered(result, "junit")
    case = junit.split('name="AIP-SCH-003 placeholder"', 1)[1].split("</testcase>", 1)[0]
    assert "<failure" in case  # the folded rule's testcase still fails


def test_folding_happens_after_ignore_so_the_other_rule_shows() -> None:
    text = MINIMAL + "  business: {name: TODO, contact: tom.okafor@acme-corp.io, process: Claims intake}\n"
    result = check(text, ignore={"AIP-SCH-003"})
    at_name = [f for f in active(result) if f.json_path == "$.owners.business.name"]
    assert [(f.rule, f.also) for f in at_name] == [("AIP-OWN-002", ())]


def test_folded_problems_still_count_for_the_diagnostic() -> None:
    text = MINIMAL + "  business: {name: TODO, contact: tom.okafor@acme-corp.io, process: Claims intake}\n"
    result = check(text)
    assert result.questions is not None and result.questions["Q1"] is False


def test_a_missing_section_is_one_finding_at_its_parent() -> None:
    found = [f for f in active(check(MINIMAL)) if f.rule == "AIP-BIZ-001"]
    assert [(f.json_path, f.span.line) for f in found] == [("$.business_metric", 1)]
    assert found[0].message.startswith("`business_metric` is missing: add it with `name`, `direction`")


def test_misspelt_section_silences_the_findings_its_absence_would_cause() -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert "\nrollback:\n" in full
    typo = full.replace("\nrollback:\n", "\nrollbak:\n")
    found = active(check(typo))
    assert [f.rule for f in found if f.rule.startswith("AIP-ROLL")] == []
    [key] = [f for f in found if f.json_path == "$.rollbak"]
    assert "did you mean `rollback`?" in key.message and "held back" in key.message
    # Q7 is still unanswered: the rollback plan is not there for the rules to see.
    assert check(typo).questions["Q7"] is False


def test_unknown_section_that_is_not_a_typo_of_a_missing_one_silences_nothing() -> None:
    text = MINIMAL + "zebra: 1\n"
    assert [f.rule for f in active(check(text)) if f.rule == "AIP-BIZ-001"] == ["AIP-BIZ-001"]


@pytest.mark.parametrize("typed, meant", [("prod", "production"), ("Pilot", "pilot"), ("explore", "exploration")])
def test_stage_with_an_obvious_correction_gets_a_suggestion(typed: str, meant: str) -> None:
    [finding] = active(check(MINIMAL.replace("stage: pilot", f"stage: {typed}")))
    assert f"did you mean `{meant}`?" in finding.message
    assert "only the schema is checked" in finding.message


def test_placeholders_leave_their_question_unanswered_even_where_no_rule_requires_the_field() -> None:
    result = check(starter("pilot"))
    # The starter's pipeline_ref (Q3), fallback description and decision owner (Q7) are TODO.
    assert result.questions["Q3"] is False
    assert result.questions["Q7"] is False
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert check(full).questions["Q7"] is True
    with_todo = full.replace("    description:", "    description: TODO\n    x-old-description:", 1)
    assert with_todo != full
    assert check(with_todo).questions["Q7"] is False


def test_a_file_with_forty_thousand_unknown_keys_is_reported_in_bounded_findings() -> None:
    text = MINIMAL + "".join(f"zz{i}: 1\n" for i in range(40_000))
    found = [f for f in check(text).findings if f.rule == "AIP-SCH-001"]
    assert len(found) == verdict.CAP + 1
    assert found[-1].message.startswith(f"{40_000 - verdict.CAP} more AIP-SCH-001 findings")
    assert all("zz" in f.message for f in found[:-1])


def test_a_file_with_many_duplicate_keys_is_reported_in_bounded_findings() -> None:
    text = MINIMAL + "x-ext:\n" + "".join(f"  k: {i}\n" for i in range(30_000))
    found = [f for f in check(text).findings if f.rule == "AIP-SCH-002"]
    assert len(found) == verdict.CAP + 1
    assert "more AIP-SCH-002 findings" in found[-1].message


def test_cap_keeps_the_first_findings_in_document_order_and_counts_the_rest() -> None:
    result = check(MINIMAL + "".join(f"zz{i}: 1\n" for i in range(250)))
    found = [f for f in result.findings if f.rule == "AIP-SCH-001"]
    lines = [f.span.line for f in found]
    assert lines == sorted(lines)
    assert found[-1].message.startswith("150 more")


def test_suggestions_for_a_huge_file_are_computed_only_for_the_findings_shown(monkeypatch) -> None:
    from checker import schema

    calls = []
    original = schema.closest
    monkeypatch.setattr(schema, "closest", lambda word, choices: calls.append(word) or original(word, choices))
    check(MINIMAL + "".join(f"rollbak{i}: 1\n" for i in range(5_000)))
    assert len(calls) <= 3 * schema.SUGGESTIONS  # not one per key


def test_text_report_of_the_folded_starter_lists_each_line_once(clean_env, capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "ai-production.yaml").write_text(starter("pilot"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--today", TODAY.isoformat(), "--format", "json", "ai-production.yaml"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    nodes = [f["json_path"] for f in out["findings"] if not f["suppressed"]]
    assert len(nodes) == len(set(nodes))


# -- messages that point at the fix ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: aipolicy/v1\nsystem:\n\tid: abc\n",
        "apiVersion: aipolicy/v1\nsystem:\n  id: abc\n\tname: x\n",
    ],
)
def test_tab_indentation_says_to_indent_with_spaces(text: str) -> None:
    [finding] = check(text).findings
    assert (finding.rule, finding.message) == (
        "AIP-SCH-002",
        "YAML does not allow tabs for indentation; indent with spaces",
    )


def test_ref_relative_to_the_manifest_folder_gets_the_repository_path_as_a_hint(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc" / "docs").mkdir(parents=True)
    (tmp_path / "svc" / "docs" / "model-card.md").write_text("# card\n", encoding="utf-8")
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert "model_card_ref: examples/production/docs/model-card.md" in full
    text = full.replace("model_card_ref: examples/production/docs/model-card.md", "model_card_ref: docs/model-card.md")
    (tmp_path / "svc" / "ai-production.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = engine.check_file(
        Path("svc/ai-production.yaml"), "svc/ai-production.yaml", Options(today=TODAY, root=tmp_path)
    )
    [ref] = [f for f in result.findings if f.json_path == "$.governance.model_card_ref"]
    assert ref.message.endswith("refs are relative to the repository root: did you mean `svc/docs/model-card.md`?")


def test_patterned_schema_fields_carry_a_message_for_editors() -> None:
    # yaml-language-server shows patternErrorMessage instead of the raw regex.
    schema = json.loads((REPO / "schemas" / "ai-production.v1.schema.json").read_text(encoding="utf-8"))
    for name in ("duration", "cadence", "schedule", "date"):
        entry = schema["$defs"][name]
        assert entry["patternErrorMessage"] == f"Expected a {entry['title']}.", name


def test_bad_duration_finding_says_what_a_valid_one_looks_like() -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert "  rto: PT1H\n" in full
    [finding] = [
        f
        for f in check(full.replace("  rto: PT1H\n", "  rto: half an hour\n")).findings
        if f.json_path == "$.rollback.rto"
    ]
    assert "duration such as P7D, PT4H, 30m, 12h, 7d or 2w" in finding.message


def test_text_diagnostic_line_names_the_file_then_the_system() -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    result = check(full)
    last_lines = rendered(result, "text").splitlines()
    assert any(line.startswith(f"ai-production.yaml: {result.system_id}: ") for line in last_lines)


@pytest.mark.parametrize(
    "right, typo, held",
    [
        ("\n  business:\n    name: Daniel", "\n  busines:\n    name: Daniel", "$.owners.business"),
        ("\n  outcome_accuracy:\n    metric:", "\n  outcome_acuracy:\n    metric:", "$.monitoring.outcome_accuracy"),
    ],
)
def test_misspelt_nested_field_is_one_finding_and_silences_what_its_absence_would_cause(right, typo, held) -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert right in full
    found = [f for f in active(check(full.replace(right, typo, 1))) if f.rule != "AIP-DUE-001"]
    assert [f.rule for f in found] == ["AIP-SCH-001"], [(f.rule, f.json_path) for f in found]
    assert f"see no `{held[2:]}`" in found[0].message and "held back" in found[0].message


@pytest.mark.parametrize("name", ["Jane Doe", "Firstname Lastname", "Your Name", "Name Surname", "Lorem Ipsum"])
def test_a_template_name_for_the_owner_is_a_placeholder_not_a_person(name: str) -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    assert "    name: Daniel Okafor\n" in full
    result = check(full.replace("    name: Daniel Okafor\n", f"    name: {name}\n", 1))
    assert [f.json_path for f in active(result) if f.rule == "AIP-OWN-002"] == ["$.owners.business.name"]
    assert result.questions["Q1"] is False


def test_a_waiver_whose_path_misses_the_rules_finding_says_so_instead_of_calling_it_stale() -> None:
    full = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    text = full.replace("    name: Daniel Okafor\n", "    name: TODO\n", 1) + (
        "\nwaivers:\n  - {rule: AIP-OWN-002, path: '**', reason: Hiring, expires: 2027-01-01,\n"
        "     approved_by: {name: Priya Raman, contact: priya.raman@acme-corp.io}}\n"
    )
    found = active(check(text))
    assert [f.json_path for f in found if f.rule == "AIP-OWN-002"] == ["$.owners.business.name"]
    [note] = [f for f in found if f.rule == "AIP-WVR-001"]
    assert "stale" not in note.message and "covers none of AIP-OWN-002's findings" in note.message
    assert "`owners.business.name`" in note.message
