"""README's "Choices where the spec leaves room" and "Waivers", each shown."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from checker import engine
from checker.options import Options

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)
PRODUCTION = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")


def check(text: str):
    return engine.check_bytes(text.encode("utf-8"), "ai-production.yaml", Options(today=TODAY, root=REPO))


def waiver(rule: str) -> str:
    return (
        f"waivers:\n  - rule: {rule}\n    reason: Agreed in review\n"
        "    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}\n    expires: 2027-02-01\n"
    )


@pytest.mark.parametrize("rule", ["AIP-SCH-001", "yaml-syntax", "AIP-WVR-001"])
def test_schema_yaml_and_waiver_findings_cannot_be_waived(rule):
    text = PRODUCTION.replace("  name: Support ticket router", "  name: Support ticket router\n  colour: blue")
    result = check(text + waiver(rule))
    wvr = [f for f in result.findings if f.rule == "AIP-WVR-001"]
    assert wvr and "cannot be waived" in wvr[0].message
    assert all(not f.suppressed for f in result.findings)


def test_a_manifest_without_a_valid_stage_gets_schema_findings_only():
    result = check(
        PRODUCTION.replace("stage: production", "stage: prod").replace("  triggers: [drift, performance]\n", "")
    )
    assert {f.rule for f in result.findings} == {"AIP-SCH-001"}
    assert "stage" in result.findings[0].message and result.questions is None


def test_explainability_method_none_is_an_answer_not_a_placeholder():
    text = PRODUCTION.replace("  method: shap", "  method: none").replace("  user_facing: true", "  user_facing: false")
    assert "method: none" in text
    assert not [f for f in check(text).findings if f.rule in ("AIP-SCH-003", "AIP-XAI-001")]


@pytest.mark.parametrize(
    "metric,value,fails",
    [("rmse", 0.9, True), ("rmse", 0.1, False), ("macro_f1", 0.1, True), ("macro_f1", 0.95, False)],
)
def test_accuracy_direction_follows_the_metric_name(metric, value, fails):
    import re

    text = re.sub(r"(outcome_accuracy:\n    metric: )\S+", rf"\g<1>{metric}", PRODUCTION)
    text = re.sub(r"(last_measured:\n      date: \S+\n      value: )\S+", rf"\g<1>{value}", text)
    threshold = re.search(r"outcome_accuracy:\n    metric: \S+\n    threshold: (\S+)", text)
    assert threshold is not None and 0.1 < float(threshold.group(1)) < 0.9
    findings = [f for f in check(text).findings if f.rule == "AIP-MON-005"]
    assert bool(findings) is fails


@pytest.mark.parametrize(
    "metric",
    [
        "mae",
        "rmse",
        "mape",
        "log_loss",
        "log-loss",
        "brier",
        "wer",
        "word_error_rate",
        "error-rate",
        "val_loss",
        "forecast_error",
    ],
)
def test_error_and_loss_metrics_are_lower_is_better(metric):
    from checker.checks.rules import lower_is_better

    assert lower_is_better(metric)


@pytest.mark.parametrize("metric", ["accuracy", "macro_f1", "recall", "auc", "precision_at_10", "ndcg"])
def test_other_metrics_are_higher_is_better(metric):
    from checker.checks.rules import lower_is_better

    assert not lower_is_better(metric)


@pytest.mark.parametrize(
    "cadence,days",
    [
        ("daily", 1),
        ("weekly", 7),
        ("monthly", 30),
        ("quarterly", 91),
        ("yearly", 365),
        ("P1M", 30),
        ("P1Y", 365),
        ("2w", 14),
    ],
)
def test_cadence_lengths(cadence, days):
    from checker.checks.values import duration

    assert duration(cadence) == datetime.timedelta(days=days)


def test_a_cadence_the_schema_rejects_is_not_judged_by_a_rule():
    text = PRODUCTION.replace("    cadence: weekly", "    cadence: Weekly")
    assert "cadence: Weekly" in text
    rules = {f.rule for f in check(text).findings}
    assert rules == {"AIP-SCH-001"}


@pytest.mark.parametrize(
    "value", ["TBA", "FIXME later", "<owner>", "...", "unknown", "ops@example.org", "x@example.net"]
)
def test_more_placeholders(value):
    from checker.checks.values import is_placeholder

    assert is_placeholder(value)
