"""README's "Choices where the spec leaves room" and "Waivers", each shown."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from checker import engine

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)
PRODUCTION = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")


def check(text: str):
    return engine.check_bytes(text.encode("utf-8"), "ai-production.yaml", engine.Options(today=TODAY, root=REPO))


def waiver(rule: str) -> str:
    return (f"waivers:\n  - rule: {rule}\n    reason: Agreed in review\n"
            "    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}\n    expires: 2027-02-01\n")


@pytest.mark.parametrize("rule", ["AIP-SCH-001", "yaml-syntax", "AIP-WVR-001"])
def test_schema_yaml_and_waiver_findings_cannot_be_waived(rule):
    text = PRODUCTION.replace("  name: Support ticket router", "  name: Support ticket router\n  colour: blue")
    result = check(text + waiver(rule))
    wvr = [f for f in result.findings if f.rule == "AIP-WVR-001"]
    assert wvr and "cannot be waived" in wvr[0].message
    assert all(not f.suppressed for f in result.findings)


def test_a_manifest_without_a_valid_stage_gets_schema_findings_only():
    result = check(PRODUCTION.replace("stage: production", "stage: prod").replace("  triggers: [drift, performance]\n", ""))
    assert {f.rule for f in result.findings} == {"AIP-SCH-001"}
    assert "stage" in result.findings[0].message and result.questions is None


def test_explainability_method_none_is_an_answer_not_a_placeholder():
    text = PRODUCTION.replace("  method: shap", "  method: none").replace("  user_facing: true", "  user_facing: false")
    assert "method: none" in text
    assert not [f for f in check(text).findings if f.rule in ("AIP-SCH-003", "AIP-XAI-001")]


@pytest.mark.parametrize("metric,value,fails", [("rmse", 0.9, True), ("rmse", 0.1, False),
                                                ("macro_f1", 0.1, True), ("macro_f1", 0.95, False)])
def test_accuracy_direction_follows_the_metric_name(metric, value, fails):
    import re

    text = re.sub(r"(outcome_accuracy:\n    metric: )\S+", rf"\g<1>{metric}", PRODUCTION)
    text = re.sub(r"(last_measured:\n      date: \S+\n      value: )\S+", rf"\g<1>{value}", text)
    threshold = re.search(r"outcome_accuracy:\n    metric: \S+\n    threshold: (\S+)", text)
    assert threshold is not None and 0.1 < float(threshold.group(1)) < 0.9
    findings = [f for f in check(text).findings if f.rule == "AIP-MON-005"]
    assert bool(findings) is fails
