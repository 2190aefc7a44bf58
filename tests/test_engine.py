"""The engine around the rules: waivers, the ten-question diagnostic, --stage,
the injected "today", high-risk escalation, placeholders and the init starter.

Manifests are built from one compact production manifest that passes every
rule on TODAY; each test changes what it is about and asserts on findings
(rule, line, severity, suppression) and on the diagnostic.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from checker import __version__, engine
from checker.evaluate import PURGATORY_LIMIT, Waiver
from checker.findings import Finding, ManifestResult, Report, Severity
from checker.options import Options
from checker.policy import load_builtin
from checker.report import RenderContext, render
from checker.starter import starter

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)

# Passes every rule at production on TODAY; its refs exist in the repository.
PRODUCTION = """\
apiVersion: aipolicy/v1
system:
  id: ticket-router
  name: Support ticket router
  description: Suggests the support queue and urgency for each incoming ticket.
  type: classifier
  model_version: models:/ticket-router/14
stage: production
risk_tier: limited
decision_role: augment
intended_use:
  primary: Suggest the queue for new email and web-form support tickets.
  users: [Tier-1 support agents, Support team leads]
  out_of_scope: [Automatically closing or replying to tickets]
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
  business:
    name: Daniel Okafor
    contact: daniel.okafor@acme-corp.io
    process: Support ticket triage and queue assignment
    authority_to_change_workflow: true
business_metric:
  name: Median hours to first response
  direction: decrease
  baseline: {value: 9.5, measured_at: 2026-03-31, source: Zendesk first-response report Q1 2026}
  target: {value: 4.0, by: 2027-06-30}
data:
  sources:
    - name: support-tickets
      uri: s3://acme-support-lake/raw/tickets/
      refresh:
        mode: automated
        schedule: "*/15 * * * *"
        pipeline_ref: examples/production/pipelines/ingest_tickets.py
      validation:
        suite_ref: examples/production/validation/tickets_suite.yaml
        runs_at: [ingest, training, serving]
      personal_data: true
      privacy_ref: examples/production/docs/privacy-assessment.md
    - name: product-catalog
      uri: bigquery://acme-analytics/catalog.products
      refresh:
        mode: automated
        schedule: "0 2 * * *"
        pipeline_ref: examples/production/pipelines/sync_catalog.py
      validation:
        suite_ref: examples/production/validation/catalog_suite.yaml
        runs_at: [ingest, training]
      personal_data: false
monitoring:
  outcome_accuracy:
    metric: macro_f1
    threshold: 0.85
    cadence: weekly
    ground_truth_source: Final queue recorded by the agent when the ticket is closed
    label_delay: P3D
    estimator: Confidence-based performance estimation until labels arrive
    last_measured: {date: 2026-11-23, value: 0.89}
    evidence_ref: examples/production/evidence/accuracy-2026-11.md
  drift:
    - {target: features, features: [channel, language], method: psi, threshold: 0.2, reference: training}
  alerts:
    - name: outcome-accuracy-below-threshold
      "on": weekly macro_f1 below 0.85
      route: {channel: pagerduty, target: ticket-router-ml}
      runbook_ref: examples/production/runbooks/accuracy.md
  watchers:
    primary: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}
    backup: {name: Priya Raman, contact: priya.raman@acme-corp.io}
rollback:
  strategy: alias_swap
  previous_version: {ref: models:/ticket-router/13, verified_at: 2026-11-02}
  fallback: {type: rules, description: Keyword rules assign the queue as before the model.}
  triggers: [Weekly macro F1 below 0.85]
  decision_owner: {name: Priya Raman, contact: priya.raman@acme-corp.io}
  rto: PT1H
  last_tested: 2026-10-14
retraining:
  triggers: [drift, performance]
  cadence: monthly
  max_model_age: P90D
  pipeline_ref: examples/production/pipelines/train.py
  owner: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}
  approval:
    required: true
    approver: {name: Priya Raman, contact: priya.raman@acme-corp.io}
    max_lead_time: P3D
explainability:
  method: shap
  audience: [Tier-1 support agents]
  user_facing: true
  documentation_ref: examples/production/docs/explanations.md
governance:
  model_card_ref: examples/production/docs/model-card.md
  last_review: 2026-09-01
  next_review: 2027-03-01
"""

PILOT = PRODUCTION.replace("stage: production\n", "stage: pilot\n")

OVERSIGHT = """\
human_oversight:
  mode: in_the_loop
  override: true
  stop_mechanism: Turning off the feature flag sends every ticket to the fallback rules.
"""

EXPLORATION = """\
apiVersion: aipolicy/v1
system:
  id: invoice-anomaly
  name: Invoice anomaly detector
  description: Exploring whether unusual supplier invoices can be flagged before payment.
  type: classifier
stage: exploration
owners:
  technical: {name: Sofia Marchetti, contact: sofia.marchetti@acme-corp.io}
"""


def edit(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} must occur once in the manifest"
        text = text.replace(old, new)
    return text


def waiver(
    rule: str,
    *,
    expires: str = "2027-01-31",
    reason: str | None = "Tracked in SUPML-412.",
    approver: str | None = "{name: Daniel Okafor, contact: daniel.okafor@acme-corp.io}",
    path: str | None = None,
) -> str:
    lines = [f"  - rule: {rule}"]
    if path is not None:
        lines.append(f"    path: {path}")
    if reason is not None:
        lines.append(f"    reason: {reason}")
    if approver is not None:
        lines.append(f"    approved_by: {approver}")
    lines.append(f"    expires: {expires}")
    return "\n".join(lines) + "\n"


def with_waivers(text: str, *entries: str) -> str:
    return text + "waivers:\n" + "".join(entries)


def check(text: str, *, today: datetime.date = TODAY, stage: str | None = None, **options) -> ManifestResult:
    # The base manifests' accuracy is due again within 14 days: AIP-DUE-001's notes are
    # off here unless a test asks for them (its own tests are below and in the fixtures).
    options.setdefault("warn_within", 0)
    return engine.check_bytes(
        text.encode("utf-8"), "ai-production.yaml", Options(stage=stage, today=today, root=REPO, **options)
    )


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) >= nth, f"{fragment!r} not in the manifest"
    return lines[nth - 1]


def active(result: ManifestResult, rule: str | None = None) -> list[Finding]:
    return [f for f in result.findings if not f.suppressed and (rule is None or f.rule == rule)]


def of_rule(result: ManifestResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def unanswered(result: ManifestResult) -> list[str]:
    assert result.questions is not None
    return [q for q, ok in result.questions.items() if not ok]


def test_base_manifests_pass_every_rule() -> None:
    # Every test below starts from these; a finding here would blur what each one proves.
    for text in (PRODUCTION, PILOT, EXPLORATION):
        result = check(text)
        assert result.findings == []
    assert unanswered(check(PRODUCTION)) == []


# -- waivers ------------------------------------------------------------------------------

MODEL_AGE_TOO_SHORT = edit(PRODUCTION, ("  max_model_age: P90D\n", "  max_model_age: P14D\n"))


def test_valid_waiver_suppresses_the_finding_and_keeps_it_in_the_report() -> None:
    result = check(
        with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003", reason="Faster retraining ships with RET-412."))
    )
    [finding] = of_rule(result, "AIP-RET-003")
    assert finding.suppressed
    assert finding.suppressed_by == "Faster retraining ships with RET-412."
    assert finding.span.line == line_of(MODEL_AGE_TOO_SHORT, "max_model_age: P14D")
    assert active(result) == []
    counts = Report([result]).counts()
    assert counts["suppressed"] == 1
    assert counts["warnings"] == counts["errors"] == counts["notes"] == 0


def test_waived_finding_is_visible_as_suppressed_in_json() -> None:
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003")))
    data = json.loads(render("json", Report([result]), RenderContext(policy=load_builtin(), version=__version__)))
    [entry] = [f for f in data["findings"] if f["rule"] == "AIP-RET-003"]
    assert entry["suppressed"] is True
    assert data["summary"]["suppressed"] == 1


def test_waiver_without_waiver_the_finding_is_active() -> None:
    # The counterpart of the test above: the finding exists and the waiver is what silences it.
    [finding] = of_rule(check(MODEL_AGE_TOO_SHORT), "AIP-RET-003")
    assert not finding.suppressed and finding.severity is Severity.WARNING


def test_waiver_may_name_the_rule_by_slug() -> None:
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, waiver("model-age")))
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [True]
    assert of_rule(result, "AIP-WVR-001") == []


def test_waived_question_rule_counts_the_question_as_answered() -> None:
    no_drift = edit(
        PRODUCTION,
        (
            "  drift:\n    - {target: features, features: [channel, language], method: psi, threshold: 0.2, reference: training}\n",
            "",
        ),
    )
    assert unanswered(check(no_drift)) == ["Q5"]
    result = check(with_waivers(no_drift, waiver("AIP-MON-001")))
    assert unanswered(result) == []
    assert [f.suppressed for f in of_rule(result, "AIP-MON-001")] == [True]


def test_waiver_for_a_rule_not_reported_at_this_stage_still_answers_its_question() -> None:
    # At pilot, MON-005 reports nothing, but the diagnostic judges it as at production.
    never_measured = edit(PILOT, ("    last_measured: {date: 2026-11-23, value: 0.89}\n", ""))
    assert unanswered(check(never_measured)) == ["Q9"]
    result = check(with_waivers(never_measured, waiver("AIP-MON-005")))
    assert unanswered(result) == []
    assert of_rule(result, "AIP-WVR-001") == []  # it is used, so not stale


TWO_SOURCES_UNVALIDATED = edit(
    PRODUCTION,
    (
        "      validation:\n        suite_ref: examples/production/validation/tickets_suite.yaml\n        runs_at: [ingest, training, serving]\n",
        "",
    ),
    (
        "      validation:\n        suite_ref: examples/production/validation/catalog_suite.yaml\n        runs_at: [ingest, training]\n",
        "",
    ),
)


def test_waiver_with_path_only_silences_findings_under_that_path() -> None:
    text = with_waivers(TWO_SOURCES_UNVALIDATED, waiver("AIP-DATA-003", path="$.data.sources[1]"))
    findings = {f.json_path: f for f in of_rule(check(text), "AIP-DATA-003")}
    assert set(findings) == {"$.data.sources[0].validation.suite_ref", "$.data.sources[1].validation.suite_ref"}
    assert not findings["$.data.sources[0].validation.suite_ref"].suppressed
    assert findings["$.data.sources[1].validation.suite_ref"].suppressed
    assert findings["$.data.sources[0].validation.suite_ref"].span.line == line_of(text, "- name: support-tickets")
    assert findings["$.data.sources[1].validation.suite_ref"].span.line == line_of(text, "- name: product-catalog")


def test_waiver_without_path_silences_the_rule_everywhere_in_the_manifest() -> None:
    result = check(with_waivers(TWO_SOURCES_UNVALIDATED, waiver("AIP-DATA-003")))
    assert [f.suppressed for f in of_rule(result, "AIP-DATA-003")] == [True, True]


@pytest.mark.parametrize(
    ("waiver_path", "finding_path", "covered"),
    [
        ("data.sources[1]", "$.data.sources[1].validation.suite_ref", True),
        ("$.data.sources[1]", "$.data.sources[1]", True),
        ("data.sources[1]", "$.data.sources[10].validation.suite_ref", False),
        ("data.sources", "$.data.sources_extra", False),
        ("", "$.anything.at.all", True),
    ],
)
def test_waiver_path_covers_the_path_and_what_lies_below_it(waiver_path: str, finding_path: str, covered: bool) -> None:
    rule = load_builtin().rules["AIP-DATA-003"]
    w = Waiver(0, rule, waiver_path.removeprefix("$."), "reason")
    assert w.covers("AIP-DATA-003", finding_path) is covered
    assert w.covers("AIP-DATA-002", finding_path) is False


def test_expired_waiver_is_reported_at_its_expiry_and_does_not_suppress() -> None:
    text = with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003", expires="2026-11-25"))
    result = check(text)
    [wvr] = of_rule(result, "AIP-WVR-001")
    assert wvr.severity is Severity.ERROR
    assert wvr.span.line == line_of(text, "expires: 2026-11-25")
    assert "expired" in wvr.message
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]


def test_waiver_expiring_today_still_applies() -> None:
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003", expires="2026-11-26")))
    assert of_rule(result, "AIP-WVR-001") == []
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [True]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": None}, "reason"),
        ({"reason": "TBD"}, "reason"),
        ({"approver": None}, "approved_by"),
        ({"approver": "{name: TBD, contact: tbd@example.com}"}, "approved_by"),
    ],
)
def test_waiver_without_reason_or_approver_is_an_error_and_silences_nothing(kwargs: dict, field: str) -> None:
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003", **kwargs)))
    [wvr] = of_rule(result, "AIP-WVR-001")
    assert wvr.severity is Severity.ERROR
    assert wvr.json_path == f"$.waivers[0].{field}"
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]


def test_unknown_rule_waiver_is_an_error_with_did_you_mean() -> None:
    text = with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-03"))
    result = check(text)
    [wvr] = of_rule(result, "AIP-WVR-001")
    assert wvr.severity is Severity.ERROR
    assert wvr.span.line == line_of(text, "- rule: AIP-RET-03")
    assert "did you mean `AIP-RET-003`" in wvr.message
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]


def test_waiver_that_matches_nothing_is_a_stale_note_at_the_waiver() -> None:
    text = with_waivers(PRODUCTION, waiver("AIP-RET-003"))
    [wvr] = of_rule(check(text), "AIP-WVR-001")
    assert wvr.severity is Severity.NOTE
    assert wvr.span.line == line_of(text, "- rule: AIP-RET-003")
    assert "stale" in wvr.message


def test_schema_rule_cannot_be_waived() -> None:
    text = with_waivers(
        PRODUCTION.replace("  rto: PT1H\n", "  rto: PT1H\n  rto_note: drill in October\n"), waiver("AIP-SCH-001")
    )
    result = check(text)
    assert [f.suppressed for f in of_rule(result, "AIP-SCH-001")] == [False]
    assert [f.severity for f in of_rule(result, "AIP-WVR-001")] == [Severity.ERROR]


# -- the ten-question diagnostic ----------------------------------------------------------------

# Each change leaves exactly one question unanswered, with as few findings as possible.
BREAK_QUESTION = {
    "Q1": (
        "  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n",
        "  technical: {name: Priya Raman}\n",
    ),
    "Q2": ("  baseline: {value: 9.5, measured_at: 2026-03-31,", "  baseline: {value: 9.5,"),
    "Q3": (
        '        mode: automated\n        schedule: "0 2 * * *"\n',
        '        mode: manual\n        schedule: "0 2 * * *"\n',
    ),
    "Q4": ("  method: shap\n", ""),
    "Q5": ("    backup: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n", ""),
    "Q6": ("decision_role: augment\n", ""),
    "Q7": ("  strategy: alias_swap\n", ""),
    "Q8": ("    authority_to_change_workflow: true\n", "    authority_to_change_workflow: false\n"),
    "Q9": ("    last_measured: {date: 2026-11-23, value: 0.89}\n", ""),
    "Q10": ("  triggers: [drift, performance]\n", "  triggers: [schedule]\n"),
}


@pytest.mark.parametrize("question", sorted(BREAK_QUESTION, key=lambda q: int(q[1:])))
def test_each_question_is_unanswered_when_its_rule_fails(question: str) -> None:
    result = check(edit(PRODUCTION, BREAK_QUESTION[question]))
    assert unanswered(result) == [question]
    assert sum(result.questions.values()) == 9


def test_all_ten_questions_answered_on_the_base_manifest() -> None:
    result = check(PRODUCTION)
    assert result.questions == {f"Q{n}": True for n in range(1, 11)}


def _breaking(text: str, questions: list[str]) -> str:
    return edit(text, *(BREAK_QUESTION[q] for q in questions))


@pytest.mark.parametrize("stage", ["pilot", "production"])
def test_purgatory_fires_with_more_than_three_unanswered(stage: str) -> None:
    base = PILOT if stage == "pilot" else PRODUCTION
    text = _breaking(base, ["Q2", "Q4", "Q6", "Q7"])
    result = check(text)
    assert unanswered(result) == ["Q2", "Q4", "Q6", "Q7"]
    [diag] = of_rule(result, "AIP-DIAG-001")
    assert diag.severity is (Severity.WARNING if stage == "pilot" else Severity.ERROR)
    assert diag.span.line == line_of(text, "system:")
    assert "4 of 10" in diag.message


@pytest.mark.parametrize("stage", ["pilot", "production"])
def test_purgatory_does_not_fire_with_three_unanswered(stage: str) -> None:
    base = PILOT if stage == "pilot" else PRODUCTION
    result = check(_breaking(base, ["Q2", "Q4", "Q6"]))
    assert len(unanswered(result)) == PURGATORY_LIMIT == 3
    assert of_rule(result, "AIP-DIAG-001") == []


def test_purgatory_is_not_checked_at_exploration() -> None:
    result = check(EXPLORATION)
    assert len(unanswered(result)) == 10  # the diagnostic is still computed...
    assert of_rule(result, "AIP-DIAG-001") == []  # ...but not reported


def test_diagnostic_judges_a_pilot_as_at_production() -> None:
    # MON-005 (Q9) is not checked at pilot, yet a pilot that never measured accuracy has Q9 open.
    result = check(edit(PILOT, BREAK_QUESTION["Q9"]))
    assert of_rule(result, "AIP-MON-005") == []
    assert unanswered(result) == ["Q9"]


def test_retired_manifest_has_no_diagnostic() -> None:
    result = check(
        EXPLORATION.replace("stage: exploration\n", "stage: retired\n")
        + "governance:\n  decommission_plan_ref: examples/retired/docs/decommission-plan.md\n"
    )
    assert result.questions is None
    assert result.findings == []


def test_waived_purgatory_finding_is_suppressed() -> None:
    text = with_waivers(_breaking(PILOT, ["Q2", "Q4", "Q6", "Q7"]), waiver("AIP-DIAG-001"))
    assert [f.suppressed for f in of_rule(check(text), "AIP-DIAG-001")] == [True]


# -- --stage ---------------------------------------------------------------------------------


def test_stage_override_gives_a_pilot_production_severities() -> None:
    text = edit(PILOT, ("  rto: PT1H\n", "  rto: PT6H\n"))
    as_pilot = check(text)
    as_production = check(text, stage="production")
    assert as_pilot.stage == "pilot" and as_production.stage == "production"
    assert [f.severity for f in of_rule(as_pilot, "AIP-ROLL-002")] == [Severity.WARNING]
    assert [f.severity for f in of_rule(as_production, "AIP-ROLL-002")] == [Severity.ERROR]


def test_stage_override_runs_production_only_rules() -> None:
    text = edit(PILOT, ("  next_review: 2027-03-01\n", "  next_review: 2026-11-01\n"))
    assert of_rule(check(text), "AIP-GOV-001") == []
    assert [f.severity for f in of_rule(check(text, stage="production"), "AIP-GOV-001")] == [Severity.ERROR]


def test_stage_override_is_seen_by_stage_conditions() -> None:
    # BIZ-002 asks for a target only `when: stage == production`.
    text = edit(PILOT, ("  target: {value: 4.0, by: 2027-06-30}\n", ""))
    assert of_rule(check(text), "AIP-BIZ-002") == []
    assert {f.json_path for f in of_rule(check(text, stage="production"), "AIP-BIZ-002")} == {
        "$.business_metric.target"
    }  # one finding for the missing section


def test_stage_override_to_exploration_skips_rules_not_checked_there() -> None:
    text = edit(PRODUCTION, ("    process: Support ticket triage and queue assignment\n", ""))
    assert of_rule(check(text), "AIP-OWN-002") != []
    assert of_rule(check(text, stage="exploration"), "AIP-OWN-002") == []


# -- the injected today -----------------------------------------------------------------------


def _passes_then_fails(text: str, rule: str, last_good: datetime.date) -> None:
    assert of_rule(check(text, today=last_good), rule) == []
    assert of_rule(check(text, today=last_good + datetime.timedelta(days=1)), rule) != []


def test_today_decides_when_the_review_is_due() -> None:
    _passes_then_fails(PRODUCTION, "AIP-GOV-001", datetime.date(2027, 2, 28))


def test_today_decides_whether_accuracy_was_measured_within_twice_the_cadence() -> None:
    # Measured 2026-11-23, weekly: 14 days later is the last day it counts.
    _passes_then_fails(PRODUCTION, "AIP-MON-005", datetime.date(2026, 12, 7))


def test_today_decides_whether_accuracy_measurement_is_in_the_future() -> None:
    assert [f.message for f in of_rule(check(PRODUCTION, today=datetime.date(2026, 11, 22)), "AIP-MON-005")] == [
        "`monitoring.outcome_accuracy.last_measured.date` 2026-11-23 is in the future: it records when something happened, "
        "so it cannot be after today (2026-11-22)"
    ]


def test_today_decides_whether_rollback_was_tested_within_180_days() -> None:
    # Tested 2026-10-14; 180 days later is 2027-04-12. (The review falls due first: look at ROLL-004 only.)
    _passes_then_fails(PRODUCTION, "AIP-ROLL-004", datetime.date(2027, 4, 12))


def test_today_decides_when_a_waiver_expires() -> None:
    text = with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003", expires="2026-12-31"))
    on_expiry = check(text, today=datetime.date(2026, 12, 31))
    after = check(text, today=datetime.date(2027, 1, 1))
    assert of_rule(on_expiry, "AIP-WVR-001") == []
    assert [f.suppressed for f in of_rule(on_expiry, "AIP-RET-003")] == [True]
    assert [f.severity for f in of_rule(after, "AIP-WVR-001")] == [Severity.ERROR]
    assert [f.suppressed for f in of_rule(after, "AIP-RET-003")] == [False]


def test_today_decides_whether_the_baseline_is_stale() -> None:
    # Measured 2026-03-31: still under 12 months on 2027-03-31.
    _passes_then_fails(PRODUCTION, "AIP-BIZ-002", datetime.date(2027, 3, 31))


# -- high risk ----------------------------------------------------------------------------------

HIGH = edit(PRODUCTION, ("risk_tier: limited\n", "risk_tier: high\n"), ("governance:\n", OVERSIGHT + "governance:\n"))
HIGH_PILOT = HIGH.replace("stage: production\n", "stage: pilot\n")


def test_high_risk_base_passes() -> None:
    assert check(HIGH).findings == [] and check(HIGH_PILOT).findings == []


def test_high_risk_raises_rto_warning_to_error_at_pilot() -> None:
    limited = edit(PILOT, ("  rto: PT1H\n", "  rto: PT6H\n"))
    high = edit(HIGH_PILOT, ("  rto: PT1H\n", "  rto: PT6H\n"))
    assert [f.severity for f in of_rule(check(limited), "AIP-ROLL-002")] == [Severity.WARNING]
    assert [f.severity for f in of_rule(check(high), "AIP-ROLL-002")] == [Severity.ERROR]


def test_high_risk_tightens_rto_to_one_hour() -> None:
    assert of_rule(check(edit(PILOT, ("  rto: PT1H\n", "  rto: PT2H\n"))), "AIP-ROLL-002") == []
    [finding] = of_rule(check(edit(HIGH_PILOT, ("  rto: PT1H\n", "  rto: PT2H\n"))), "AIP-ROLL-002")
    assert finding.severity is Severity.ERROR and "1 hour" in finding.message


def test_high_risk_raises_rollback_test_warning_to_error_at_production() -> None:
    stale = ("  last_tested: 2026-10-14\n", "  last_tested: 2026-04-01\n")
    assert [f.severity for f in of_rule(check(edit(PRODUCTION, stale)), "AIP-ROLL-004")] == [Severity.WARNING]
    assert [f.severity for f in of_rule(check(edit(HIGH, stale)), "AIP-ROLL-004")] == [Severity.ERROR]


def test_rollback_test_date_is_required_only_at_high_risk() -> None:
    untested = ("  last_tested: 2026-10-14\n", "")
    assert of_rule(check(edit(PRODUCTION, untested)), "AIP-ROLL-004") == []
    assert [f.severity for f in of_rule(check(edit(HIGH, untested)), "AIP-ROLL-004")] == [Severity.ERROR]


def test_high_risk_does_not_escalate_rules_not_marked_for_it() -> None:
    short = ("  max_model_age: P90D\n", "  max_model_age: P14D\n")
    assert [f.severity for f in of_rule(check(edit(HIGH, short)), "AIP-RET-003")] == [Severity.WARNING]


def test_high_risk_requires_reviews_six_months_apart() -> None:
    seven_months = ("  next_review: 2027-03-01\n", "  next_review: 2027-04-01\n")
    assert of_rule(check(edit(PRODUCTION, seven_months)), "AIP-GOV-001") == []
    assert of_rule(check(edit(HIGH, seven_months)), "AIP-GOV-001") != []


def test_high_risk_requires_human_oversight() -> None:
    result = check(edit(PRODUCTION, ("risk_tier: limited\n", "risk_tier: high\n")))
    found = of_rule(result, "AIP-HUM-001")
    # The whole section is missing: one finding at its parent naming what it needs.
    assert [f.json_path for f in found] == ["$.human_oversight"]
    assert all(field in found[0].message for field in ("`mode`", "`override`", "`stop_mechanism`"))


# -- placeholders ----------------------------------------------------------------------------------

PLACEHOLDERS = ["TBD", "TODO", "N/A", "?", "xxx", "", "someone", "TODO: ask Daniel"]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_placeholder_owner_name_counts_as_unanswered(placeholder: str) -> None:
    text = edit(
        PRODUCTION,
        (
            "{name: Priya Raman, contact: priya.raman@acme-corp.io}\n  business",
            f"{{name: '{placeholder}', contact: priya.raman@acme-corp.io}}\n  business",
        ),
    )
    result = check(text)
    line = line_of(text, "  technical:")
    # One finding at the name: the owner rule's, with the placeholder rule folded into it.
    assert [(f.rule, f.span.line, f.also) for f in active(result, "AIP-OWN-001")] == [
        ("AIP-OWN-001", line, ("AIP-SCH-003",))
    ]
    assert active(result, "AIP-SCH-003") == []
    assert unanswered(result) == ["Q1"]


@pytest.mark.parametrize("contact", ["priya@example.com", "https://example.com/priya", "TBD", ""])
def test_placeholder_contact_counts_as_unanswered(contact: str) -> None:
    text = edit(
        PRODUCTION,
        (
            "{name: Priya Raman, contact: priya.raman@acme-corp.io}\n  business",
            f"{{name: Priya Raman, contact: '{contact}'}}\n  business",
        ),
    )
    result = check(text)
    folded = [(f.json_path, f.also) for f in active(result, "AIP-OWN-001")]
    assert folded == [("$.owners.technical.contact", ("AIP-SCH-003",))]
    assert unanswered(result) == ["Q1"]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_placeholder_in_a_required_field_fails_its_rule(placeholder: str) -> None:
    text = edit(
        PRODUCTION,
        (
            "    ground_truth_source: Final queue recorded by the agent when the ticket is closed\n",
            f"    ground_truth_source: '{placeholder}'\n",
        ),
    )
    result = check(text)
    assert [f.json_path for f in active(result, "AIP-MON-003")] == ["$.monitoring.outcome_accuracy.ground_truth_source"]
    assert unanswered(result) == ["Q9"]


@pytest.mark.parametrize("answer", ["Tom Tbdson", "Todoist task export", "N/A-free routing rules", "Xavier Xu"])
def test_real_answers_that_resemble_placeholders_are_answers(answer: str) -> None:
    text = edit(
        PRODUCTION,
        (
            "    ground_truth_source: Final queue recorded by the agent when the ticket is closed\n",
            f"    ground_truth_source: '{answer}'\n",
        ),
    )
    result = check(text)
    assert active(result, "AIP-SCH-003") == [] and active(result, "AIP-MON-003") == []


# -- the `aipolicy init` starter ----------------------------------------------------------------------

STAGES = ["exploration", "pilot", "production", "retired"]


def _todo_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if "todo" in line.split("#", 1)[0].lower()]


# Known bugs in checker/starter.py (reported, not this module's to fix); strict, so the
# marks must go when the starter is fixed.
STARTER_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "stage",
    [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=STARTER_BUGS[s])) if s in STARTER_BUGS else s
        for s in STAGES
    ],
)
def test_starter_is_a_manifest_without_schema_or_yaml_errors(stage: str) -> None:
    text = starter(stage, TODAY.isoformat())
    result = check(text)
    assert result.stage == stage
    assert [(f.span.line, f.message) for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")] == []


@pytest.mark.parametrize("stage", [s for s in STAGES if load_builtin().rules["AIP-SCH-003"].severity_at(s) is not None])
def test_starter_todos_are_reported_as_placeholders(stage: str) -> None:
    text = starter(stage, TODAY.isoformat())
    todo = _todo_lines(text)
    assert todo, "the starter asks for answers with TODO"
    placeholder_lines = {f.span.line for f in check(text).findings if "AIP-SCH-003" in (f.rule, *f.also)}
    assert [n for n in todo if n not in placeholder_lines] == []


# -- AIP-DUE-001 deadline-soon ---------------------------------------------------------------


def _due(result: ManifestResult) -> list[str]:
    return [f.message for f in result.findings if f.rule == "AIP-DUE-001"]


def test_accuracy_due_for_remeasurement_is_a_note_naming_the_date_and_the_rule() -> None:
    [message] = _due(check(PRODUCTION, warn_within=14))
    assert "on 2026-12-08 (in 12 days): AIP-MON-005 will fail from then" in message


def test_deadline_notes_respect_the_window_and_zero_turns_them_off() -> None:
    assert _due(check(PRODUCTION, warn_within=12)) != []
    assert _due(check(PRODUCTION, warn_within=11)) == []
    assert _due(check(PRODUCTION, warn_within=0)) == []


def test_no_deadline_note_for_an_ignored_rule_or_one_outside_select() -> None:
    assert _due(check(PRODUCTION, warn_within=14, ignore={"AIP-MON-005"})) == []
    assert _due(check(PRODUCTION, warn_within=14, select={"AIP-DUE-001"})) == []
    assert _due(check(PRODUCTION, warn_within=14, select={"AIP-DUE-001", "AIP-MON-005"})) != []


def test_no_deadline_note_for_a_rule_switched_off() -> None:
    policy = load_builtin().with_severity({"AIP-MON-005": "off"}, "test")
    assert _due(check(PRODUCTION, warn_within=14, policy=policy)) == []


def test_no_deadline_note_for_a_rule_that_already_fails() -> None:
    below = edit(
        PRODUCTION,
        (
            "    last_measured: {date: 2026-11-23, value: 0.89}\n",
            "    last_measured: {date: 2026-11-23, value: 0.80}\n",
        ),
    )
    result = check(below, warn_within=14)
    assert of_rule(result, "AIP-MON-005") and _due(result) == []


@pytest.mark.parametrize(
    ("bad", "options"),
    [
        (waiver("AIP-NOPE-999"), {}),  # an unknown rule
        (waiver("AIP-SCH-001"), {}),  # a rule that can never be waived
        (waiver("AIP-MON-001"), {"forbidden_waivers": {"AIP-MON-001"}}),  # forbidden by the configuration
    ],
)
def test_a_bad_waiver_is_reported_and_the_waivers_after_it_still_apply(bad: str, options: dict) -> None:
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, bad, waiver("AIP-RET-003"), waiver("AIP-NOPE-998")), **options)
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [True]  # the waiver after the bad one
    problems = [f.json_path for f in of_rule(result, "AIP-WVR-001")]
    assert any(p.startswith("$.waivers[0]") for p in problems), problems
    assert any(p.startswith("$.waivers[2]") for p in problems), problems  # and the one after that is judged too


def test_a_waiver_without_an_expiry_date_silences_nothing_and_says_so() -> None:
    entry = waiver("AIP-RET-003").replace("    expires: 2027-01-31\n", "")
    result = check(with_waivers(MODEL_AGE_TOO_SHORT, entry))
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]
    [problem] = of_rule(result, "AIP-WVR-001")
    assert "no expiry date" in problem.message


def test_when_waivers_are_not_allowed_each_waiver_says_so_and_none_silences() -> None:
    result = check(
        with_waivers(MODEL_AGE_TOO_SHORT, waiver("AIP-RET-003"), waiver("AIP-RET-003", path="$.retraining")),
        waivers_allowed=False,
    )
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]
    messages = [f.message for f in of_rule(result, "AIP-WVR-001")]
    assert len(messages) == 2 and all("not allowed" in m for m in messages)


# -- the engine's entry points: bytes, files, batches, runs ------------------------------------


def test_bytes_that_do_not_parse_are_one_sch002_finding_at_the_problem_and_no_other_rule_runs() -> None:
    result = engine.check_bytes(b"apiVersion: aipolicy/v1\nsystem: [unclosed\n", "broken.yaml", Options(today=TODAY))
    assert result.rules_evaluated == ["AIP-SCH-002"]
    [finding] = result.findings
    assert (finding.rule, finding.severity, finding.path) == ("AIP-SCH-002", Severity.ERROR, "broken.yaml")
    assert finding.span.line == 2 and finding.message.startswith("invalid YAML")
    assert result.questions is None and result.stage is None


def test_bytes_that_do_not_parse_are_reported_at_the_stage_given_and_filtered_like_any_finding() -> None:
    broken = b"a: [\n"
    [at_stage] = engine.check_bytes(broken, "m.yaml", Options(today=TODAY, stage="exploration")).findings
    assert at_stage.rule == "AIP-SCH-002"
    assert engine.check_bytes(broken, "m.yaml", Options(today=TODAY, ignore={"AIP-SCH-002"})).findings == []


def test_a_problem_result_is_one_sch002_finding_with_the_message_at_the_files_display_path(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    result = engine.problem_result(folder, "cannot list the folder", Options(today=TODAY))
    assert result.path == engine.display_path(folder)
    assert result.rules_evaluated == ["AIP-SCH-002"]
    assert [(f.rule, f.path, f.message, f.span) for f in result.findings] == [
        ("AIP-SCH-002", engine.display_path(folder), "cannot list the folder", engine.Span())
    ]


def test_display_path_is_relative_below_the_base_and_absolute_outside_it(tmp_path: Path, monkeypatch) -> None:
    inside, outside = tmp_path / "repo" / "models" / "ai-production.yaml", tmp_path / "elsewhere.yaml"
    assert engine.display_path(inside, tmp_path / "repo") == "models/ai-production.yaml"
    assert engine.display_path(outside, tmp_path / "repo") == outside.as_posix()
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert engine.display_path(inside) == "models/ai-production.yaml"  # the base defaults to the current folder
    assert engine.display_path(inside, tmp_path) == "repo/models/ai-production.yaml"  # a given base wins


def test_display_path_shows_undecodable_bytes_of_a_name_as_escapes(tmp_path: Path) -> None:
    odd = tmp_path / "caf\udce9.yaml"  # the name b"caf\xe9.yaml" as Python decodes it (surrogateescape)
    assert engine.display_path(odd, tmp_path) == "caf\\xe9.yaml"
    lone = tmp_path / "x\ud800.yaml"  # a lone surrogate (a Windows name): not a byte, escaped as a code point
    assert engine.display_path(lone, tmp_path) == "x\\ud800.yaml"


def test_read_bytes_returns_given_content_or_its_problem_without_reading_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "not-there.yaml"
    assert engine.read_bytes(missing, Options(given={missing: b"stage: pilot\n"})) == b"stage: pilot\n"
    problem = engine.read_bytes(missing, Options(given={missing: "stdin could not be read"}))
    assert problem == engine.LoadProblem(engine.Span(), "stdin could not be read")


def test_read_bytes_of_a_missing_or_oversized_file_is_a_load_problem(tmp_path: Path) -> None:
    big = tmp_path / "ai-production.yaml"
    big.write_bytes(b"a: 1\n" * 10)
    assert engine.read_bytes(big, Options()) == b"a: 1\n" * 10
    assert isinstance(engine.read_bytes(big, Options(max_bytes=20)), engine.LoadProblem)
    assert isinstance(engine.read_bytes(tmp_path / "none.yaml", Options()), engine.LoadProblem)


def test_check_file_of_an_unreadable_file_is_one_sch002_finding_at_its_display_path(tmp_path: Path) -> None:
    result = engine.check_file(tmp_path / "none.yaml", "shown.yaml", Options(today=TODAY))
    assert result.path == "shown.yaml" and result.rules_evaluated == ["AIP-SCH-002"]
    assert [(f.rule, f.path) for f in result.findings] == [("AIP-SCH-002", "shown.yaml")]


def test_check_file_uses_the_manifest_already_parsed_instead_of_reading_the_file(tmp_path: Path) -> None:
    parsed = engine.manifest_mod.load(PRODUCTION.encode("utf-8"), "ai-production.yaml")
    result = engine.check_file(
        tmp_path / "gone.yaml", "ai-production.yaml", Options(today=TODAY, root=REPO, warn_within=0), parsed
    )
    assert result.path == "ai-production.yaml" and result.stage == "production"
    assert active(result) == []


class _RecordingGit:
    """Stands in for checker.git.run.GitRun: records what the engine hands it, knows no facts."""

    def __init__(self, remove: bool = False) -> None:
        self.prepared: dict | None = None
        self.asked: list[str] = []
        self.remove = remove

    def prepare(self, loaded: dict, options: Options) -> None:
        self.prepared, self.options = dict(loaded), options
        if self.remove:  # the files are gone once parsed: checking them must not read them again
            for file in loaded:
                file.unlink()

    def facts(self, m, options: Options) -> None:
        self.asked.append(m.path)


def test_a_batch_with_git_rules_parses_each_file_once_and_hands_the_parsed_ones_to_git(tmp_path: Path) -> None:
    good, bad = tmp_path / "ai-production.yaml", tmp_path / "broken.yaml"
    good.write_text(PRODUCTION, encoding="utf-8")
    bad.write_bytes(b"a: [\n")
    git = _RecordingGit(remove=True)
    stdin = Path(engine.STDIN)
    options = Options(today=TODAY, warn_within=0, git=git, given={stdin: PRODUCTION.encode("utf-8")})
    missing = tmp_path / "missing.yaml"
    items = [(stdin, "stdin.yaml"), (missing, "missing.yaml"), (good, "good.yaml"), (bad, "bad.yaml")]
    results = engine.check_batch(items, options)
    assert git.prepared is not None and list(git.prepared) == [good] and git.options is options
    assert git.prepared[good].path == "good.yaml"
    assert [r.path for r in results] == ["stdin.yaml", "missing.yaml", "good.yaml", "bad.yaml"]
    assert results[2].stage == "production" and active(results[2]) == []  # from the parsed file, not a re-read
    assert results[1].rules_evaluated == results[3].rules_evaluated == ["AIP-SCH-002"]
    assert git.asked == ["good.yaml"]  # stdin without a file name has no git facts


def test_a_batch_without_git_rules_checks_each_file_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(PRODUCTION, encoding="utf-8")
    second.write_text(EXPLORATION, encoding="utf-8")
    results = engine.check_batch([(second, "b.yaml"), (first, "a.yaml")], Options(today=TODAY, root=REPO))
    assert [(r.path, r.stage) for r in results] == [("b.yaml", "exploration"), ("a.yaml", "production")]


def test_a_run_reports_every_file_in_input_order_at_paths_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "models").mkdir()
    first, second = tmp_path / "models" / "a.yaml", tmp_path / "b.yaml"
    first.write_text(PRODUCTION, encoding="utf-8")
    second.write_text(EXPLORATION, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = engine.run([second, first], Options(today=TODAY, root=REPO), jobs=1)
    assert isinstance(report, Report)
    assert [(r.path, r.stage) for r in report.results] == [("b.yaml", "exploration"), ("models/a.yaml", "production")]


def test_a_fresh_run_forgets_resolved_refs_and_repositories_and_a_continued_one_keeps_them(tmp_path: Path) -> None:
    from checker import gitrepo, safeio
    from checker.checks.rules import resolve_ref

    def sizes() -> list[int]:
        return [resolve_ref.cache_info().currsize, len(gitrepo._ROOT_OF), len(safeio._REPOSITORY_OF)]

    resolve_ref(tmp_path, "evidence.md")
    gitrepo.find_root(tmp_path)
    safeio.repository_of(tmp_path / "x.yaml")
    assert all(sizes())
    engine.run([], Options(today=TODAY), fresh=False)
    assert all(sizes())
    engine.run([], Options(today=TODAY))
    assert sizes() == [0, 0, 0]


def test_a_waiver_whose_path_misses_its_rules_finding_names_the_path_the_rule_reports() -> None:
    # AIP-SCH-003 (a placeholder elsewhere) reports first and is not waived: the note must name
    # the waived rule's own unsuppressed finding, not the first finding of any rule.
    text = with_waivers(
        edit(MODEL_AGE_TOO_SHORT, ("  ground_truth_source: Final", "  ground_truth_source: TODO Final")),
        waiver("AIP-RET-003", path="owners"),
    )
    result = check(text)
    assert [f.suppressed for f in of_rule(result, "AIP-RET-003")] == [False]
    [note] = of_rule(result, "AIP-WVR-001")
    assert note.message == (
        "the waiver's path `owners` covers none of AIP-RET-003's findings (it reports"
        " `retraining.max_model_age`): a waiver path is a field such as `owners.business`, without wildcards"
    )


def test_a_waiver_covering_one_of_two_findings_of_its_rule_is_used() -> None:
    rule = load_builtin().rules["AIP-RET-003"]
    used = Waiver(0, rule, "data.sources", "r")
    assert used.covers("AIP-RET-003", "$.data.sources[0].owner")
    assert used.covers("AIP-RET-003", "$.data.sources")
    assert not used.covers("AIP-RET-003", "$.data.sourcesX")
    assert not used.covers("AIP-RET-004", "$.data.sources[0]")


@pytest.mark.parametrize(
    ("waiver_path", "json_path_", "covered"),
    [
        ("['odd key']", "$['odd key']", True),  # a quoted key: the json path has no `$.` to drop, only `$`
        ("['odd key']", "$['odd key'].inner", True),
        ("odd key']", "$['odd key']", False),
        ("x", "$", False),
    ],
)
def test_waiver_covers_json_paths_that_do_not_start_with_a_dot(
    waiver_path: str, json_path_: str, covered: bool
) -> None:
    rule = load_builtin().rules["AIP-RET-003"]
    assert Waiver(0, rule, waiver_path, "r").covers("AIP-RET-003", json_path_) is covered


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("$.owners.business", "owners.business"),
        ("  $.owners  ", "owners"),
        ("$owners", "owners"),
        (".owners", "owners"),
        ("$.Xfield", "Xfield"),
        ("$", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_a_waiver_path_is_read_without_its_leading_dollar_and_dots(written: object, normalised: str) -> None:
    from checker.evaluate import _normalise_waiver_path

    assert _normalise_waiver_path(written) == normalised


def test_a_placeholder_that_leaves_a_question_open_is_judged_against_the_waivers_at_its_path() -> None:
    # A `TODO` in a field no rule requires still leaves its question (Q9) open; a waiver of
    # another rule answers nothing, one of the question's rule at another field neither, and
    # one of the question's rule at that field answers it.
    text = edit(PRODUCTION, ("    estimator: Confidence", "    estimator: TODO Confidence"))
    assert unanswered(check(text)) == ["Q9"]
    assert unanswered(check(with_waivers(text, waiver("AIP-SCH-003")))) == ["Q9"]
    assert unanswered(check(with_waivers(text, waiver("AIP-MON-003", path="monitoring.drift")))) == ["Q9"]
    at_field = waiver("AIP-MON-003", path="monitoring.outcome_accuracy.estimator")
    assert unanswered(check(with_waivers(text, at_field))) == []


# -- what evaluate records beside the findings, and where a waiver's problems are placed --------

_APPROVER = "{name: Daniel Okafor, contact: daniel.okafor@acme-corp.io}"


def test_rules_evaluated_names_each_rule_run_and_the_waiver_deadline_and_diagnostic_rules() -> None:
    result = check(with_waivers(PRODUCTION, waiver("AIP-ROLL-002")), warn_within=30)
    assert None not in result.rules_evaluated
    assert {"AIP-ROLL-002", "AIP-WVR-001", "AIP-DUE-001", "AIP-DIAG-001"} <= set(result.rules_evaluated)


def test_a_manifest_without_a_valid_stage_is_judged_by_the_yaml_and_schema_rules_alone() -> None:
    result = check(edit(PRODUCTION, ("stage: production\n", "stage: prod\n")))
    assert result.rules_evaluated == ["AIP-SCH-002", "AIP-SCH-001"]
    assert [f.json_path for f in result.findings] == ["$.stage"] and result.stage is None
    assert {"AIP-SCH-002", "AIP-SCH-001"} <= set(check(PRODUCTION).rules_evaluated)


def test_the_questions_are_listed_in_numeric_order_and_one_without_a_number_last() -> None:
    from checker.evaluate import _question_order

    assert list(check(PRODUCTION).questions) == [f"Q{n}" for n in range(1, 11)]  # Q10 after Q9, not after Q1
    assert sorted(["why", "Q10", "Q2", "Q75"], key=_question_order) == ["Q2", "Q10", "Q75", "why"]


def test_the_purgatory_finding_names_each_unanswered_question_with_its_title() -> None:
    [diag] = of_rule(check(_breaking(PILOT, ["Q2", "Q4", "Q6", "Q7"])), "AIP-DIAG-001")
    assert diag.message == (
        "pilot purgatory: 4 of 10 production questions unanswered (Q2 business metric and baseline;"
        " Q4 users understand the recommendations; Q6 augment or replace people; Q7 rollback plan)"
    )


@pytest.mark.parametrize(
    ("entry", "json_path", "span", "message"),
    [
        (
            waiver("AIP-ZZZZ"),
            "$.waivers[0].rule",
            (98, 11, 98, 19),
            "waiver names unknown rule 'AIP-ZZZZ'; did you mean `AIP-BIZ-002`?",
        ),
        (
            f"  - reason: x\n    approved_by: {_APPROVER}\n    expires: 2027-01-31\n",
            "$.waivers[0].rule",
            (98, 5, 98, 5),  # absent: at the waiver, a point
            "waiver names unknown rule None",
        ),
        (
            waiver("AIP-SCH-001"),
            "$.waivers[0].rule",
            (98, 11, 98, 22),
            "AIP-SCH-001 cannot be waived: fix the file instead",
        ),
        (
            waiver("AIP-ROLL-002", reason="TODO"),
            "$.waivers[0].reason",
            (99, 13, 99, 17),
            "waiver for AIP-ROLL-002 gives no reason",
        ),
        (
            waiver("AIP-ROLL-002", reason=None),
            "$.waivers[0].reason",
            (98, 5, 98, 5),
            "waiver for AIP-ROLL-002 gives no reason",
        ),
        (
            waiver("AIP-ROLL-002", approver="{name: TBD, contact: TBD}"),
            "$.waivers[0].approved_by",
            (100, 5, 100, 16),
            "waiver for AIP-ROLL-002 names no approver (a person with name and contact)",
        ),
        (
            waiver("AIP-ROLL-002", approver=None),
            "$.waivers[0].approved_by",
            (98, 5, 98, 5),
            "waiver for AIP-ROLL-002 names no approver (a person with name and contact)",
        ),
        (
            waiver("AIP-ROLL-002", approver="{name: Support Team, contact: support@acme-corp.io}"),
            "$.waivers[0].approved_by.name",
            (100, 25, 100, 37),
            "waiver for AIP-ROLL-002: approver `Support Team` names a team, not a person: name one accountable person",
        ),
        (
            f"  - rule: AIP-ROLL-002\n    reason: x\n    approved_by: {_APPROVER}\n",
            "$.waivers[0].expires",
            (98, 5, 98, 5),
            "waiver for AIP-ROLL-002 has no expiry date: waivers are temporary",
        ),
    ],
)
def test_a_bad_waiver_is_reported_at_the_field_it_gets_wrong_or_at_the_waiver_when_the_field_is_absent(
    entry: str, json_path: str, span: tuple, message: str
) -> None:
    [problem] = of_rule(check(with_waivers(PRODUCTION, entry)), "AIP-WVR-001")
    assert (problem.json_path, tuple(problem.span), problem.message) == (json_path, span, message)
    assert problem.severity is Severity.ERROR  # the waiver rule's own severity


def test_a_waiver_the_configuration_forbids_is_reported_at_its_rule() -> None:
    result = check(with_waivers(PRODUCTION, waiver("AIP-ROLL-002")), forbidden_waivers=frozenset({"AIP-ROLL-002"}))
    assert [(f.json_path, tuple(f.span), f.message) for f in of_rule(result, "AIP-WVR-001")] == [
        (
            "$.waivers[0].rule",
            (98, 11, 98, 23),
            "the configuration forbids waiving AIP-ROLL-002: fix the finding instead",
        )
    ]


def test_a_bad_waiver_that_is_not_a_mapping_does_not_stop_the_waivers_after_it_from_applying() -> None:
    text = with_waivers(
        edit(PRODUCTION, ("  rto: PT1H\n", "  rto: PT6H\n")), "  - AIP-ROLL-002\n", waiver("AIP-ROLL-002")
    )
    assert [f.suppressed for f in of_rule(check(text), "AIP-ROLL-002")] == [True]


def test_an_unknown_rule_without_a_close_name_gets_no_did_you_mean() -> None:
    [problem] = of_rule(check(with_waivers(PRODUCTION, waiver("AIP-NOPE-XYZ-12345"))), "AIP-WVR-001")
    assert problem.message == "waiver names unknown rule 'AIP-NOPE-XYZ-12345'"


def test_a_waivers_expiry_is_a_deadline_and_a_note_the_day_before_says_tomorrow() -> None:
    result = check(with_waivers(PRODUCTION, waiver("AIP-ROLL-002", expires="2026-11-26")), warn_within=30)
    assert [(d.day, d.rule, d.json_path, d.what) for d in result.deadlines if d.rule == "AIP-WVR-001"] == [
        (
            datetime.date(2026, 11, 27),
            "AIP-WVR-001",
            "$.waivers[0].expires",
            "the waiver for AIP-ROLL-002 (expires: 2026-11-26) runs out",
        )
    ]
    assert _due(result)[-1] == (
        "the waiver for AIP-ROLL-002 (expires: 2026-11-26) runs out on 2026-11-27 (tomorrow): AIP-WVR-001 will fail from then"
    )


def test_a_deadline_outside_the_window_does_not_hide_a_later_one_of_the_same_rule_inside_it() -> None:
    text = with_waivers(
        PRODUCTION, waiver("AIP-ROLL-002", expires="2027-01-31"), waiver("AIP-OWN-002", expires="2026-12-05")
    )
    assert [note for note in _due(check(text, warn_within=30)) if "AIP-WVR-001" in note] == [
        "the waiver for AIP-OWN-002 (expires: 2026-12-05) runs out on 2026-12-06 (in 10 days): AIP-WVR-001 will fail from then"
    ]


def test_a_deadline_a_waiver_covers_is_neither_listed_nor_noted_and_one_it_does_not_cover_is() -> None:
    base = check(PRODUCTION, warn_within=30)
    assert [(d.rule, d.json_path) for d in base.deadlines if d.rule == "AIP-MON-005"] == [
        ("AIP-MON-005", "$.monitoring.outcome_accuracy.last_measured.date")
    ]
    assert any("AIP-MON-005 will fail" in note for note in _due(base))
    covered = check(with_waivers(PRODUCTION, waiver("AIP-MON-005", path="monitoring.outcome_accuracy")), warn_within=30)
    assert [d for d in covered.deadlines if d.rule == "AIP-MON-005"] == []
    assert not any("AIP-MON-005" in note for note in _due(covered))
    elsewhere = check(with_waivers(PRODUCTION, waiver("AIP-MON-005", path="monitoring.drift")), warn_within=30)
    assert [d.rule for d in elsewhere.deadlines].count("AIP-MON-005") == 1
    assert any("AIP-MON-005 will fail" in note for note in _due(elsewhere))


def test_the_deadlines_of_a_selected_rule_are_listed_and_those_of_a_failing_rule_are_not() -> None:
    selected = check(PRODUCTION, select=frozenset({"AIP-MON-005"}))
    assert [d.rule for d in selected.deadlines] == ["AIP-MON-005"]
    # An expired waiver fails AIP-WVR-001: the other waiver's expiry is then no deadline.
    text = with_waivers(
        PRODUCTION, waiver("AIP-ROLL-002", expires="2026-11-01"), waiver("AIP-OWN-002", expires="2027-01-31")
    )
    assert [d for d in check(text).deadlines if d.rule == "AIP-WVR-001"] == []


def test_the_diagnostic_reads_a_pilots_stage_conditions_as_at_production() -> None:
    # XAI-001 asks for `explainability.audience` only `when: stage == production`.
    result = check(edit(PILOT, ("  audience: [Tier-1 support agents]\n", "")))
    assert of_rule(result, "AIP-XAI-001") == []
    assert unanswered(result) == ["Q4"]


def test_a_question_rule_switched_off_still_answers_its_question() -> None:
    policy = load_builtin().with_severity({"AIP-MON-005": "off"}, "test")
    result = check(edit(PRODUCTION, BREAK_QUESTION["Q9"]), policy=policy)
    assert of_rule(result, "AIP-MON-005") == []
    assert unanswered(result) == ["Q9"]


def test_the_waiver_rule_switched_off_reports_nothing_and_declares_no_deadline() -> None:
    policy = load_builtin().with_severity({"AIP-WVR-001": "off"}, "test")
    bad = check(with_waivers(PRODUCTION, waiver("AIP-ROLL-002", reason=None)), policy=policy)
    assert of_rule(bad, "AIP-WVR-001") == [] and "AIP-WVR-001" not in bad.rules_evaluated
    soon = check(with_waivers(PRODUCTION, waiver("AIP-OWN-002", expires="2026-12-05")), policy=policy, warn_within=30)
    assert [d for d in soon.deadlines if d.rule == "AIP-WVR-001"] == []
    assert not any("AIP-WVR-001" in note for note in _due(soon))


def test_the_deadline_rule_switched_off_notes_nothing() -> None:
    policy = load_builtin().with_severity({"AIP-DUE-001": "off"}, "test")
    result = check(PRODUCTION, policy=policy, warn_within=30)
    assert _due(result) == [] and "AIP-DUE-001" not in result.rules_evaluated


def test_a_bad_waiver_fails_the_waiver_rule_so_another_waivers_expiry_is_no_deadline() -> None:
    text = with_waivers(PRODUCTION, waiver("AIP-ROLL-002", reason=None), waiver("AIP-OWN-002", expires="2026-12-05"))
    result = check(text, warn_within=30)
    assert [d for d in result.deadlines if d.rule == "AIP-WVR-001"] == []
    assert not any("AIP-WVR-001" in note for note in _due(result))


def test_a_finding_carries_its_rules_slug() -> None:
    [problem] = of_rule(check(with_waivers(PRODUCTION, waiver("AIP-ROLL-002", reason=None))), "AIP-WVR-001")
    assert problem.slug == load_builtin().rules["AIP-WVR-001"].slug == "waiver-expired"


def test_a_missing_section_is_one_finding_at_its_parents_key_listing_every_field_wanted_inside_it() -> None:
    start, end = PRODUCTION.index("business_metric:\n"), PRODUCTION.index("data:\n")
    result = check(PRODUCTION[:start] + PRODUCTION[end:])
    assert [(f.rule, f.json_path, tuple(f.span), f.message) for f in active(result)] == [
        (
            "AIP-BIZ-001",
            "$.business_metric",
            (1, 1, 1, 1),  # the document's start: a top-level key has no parent key
            "`business_metric` is missing: add it with `name`, `direction`, `baseline.value` and `baseline.measured_at`",
        )
    ]


def test_a_rule_that_raises_is_one_error_at_the_manifest_naming_the_rule_and_the_exception() -> None:
    from types import SimpleNamespace

    from checker.evaluate import _run

    def boom(ctx: object) -> list:
        raise RuntimeError("boom")

    [problem] = _run(SimpleNamespace(id="AIP-X-001", run=boom), None)
    assert (problem.path, problem.severity) == ((), Severity.ERROR)
    assert problem.message == "aipolicy could not evaluate AIP-X-001 (RuntimeError: boom); please report this"


def test_an_unused_waiver_whose_rule_reports_at_the_manifest_itself_names_dollar() -> None:
    from checker.evaluate import _unused_waiver
    from checker.findings import Span

    rule = load_builtin().rules["AIP-ROLL-002"]
    finding = Finding(rule.id, rule.slug, Severity.ERROR, "ai-production.yaml", Span(), "broken", "$")
    message = _unused_waiver(Waiver(0, rule, "rollback", "a reason"), [finding])
    assert "(it reports `$`)" in message


def test_the_stage_given_rebuilds_the_manifest_without_the_old_stages_refs_and_answers() -> None:
    from checker import manifest
    from checker.evaluate import _effective_data

    text = edit(PILOT, ("stage: pilot\n", "stage: {plan_ref: docs/plan.md, note: TODO}\n"))
    m = manifest.load(text.encode("utf-8"), "ai-production.yaml")
    assert _effective_data(m, "pilot") is not m
    view = _effective_data(m, "production")
    assert view.data == {**m.data, "stage": "production"}
    assert (view.path, view.spans, view.key_spans) == (m.path, m.spans, m.key_spans)
    assert view.refs == [ref for ref in m.refs if ref[0][0] != "stage"] and len(view.refs) == len(m.refs) - 1
    assert view.answers == [a for a in m.answers if a[0][0] != "stage"] and len(view.answers) < len(m.answers)
    plain = manifest.load(PILOT.encode("utf-8"), "ai-production.yaml")
    assert _effective_data(plain, "pilot") is plain  # already at that stage: used as it is


def test_the_stage_given_is_checked_with_the_refs_and_empty_answers_the_file_has() -> None:
    missing = edit(
        PILOT, ("  model_card_ref: examples/production/docs/model-card.md\n", "  model_card_ref: docs/card.md\n")
    )
    assert [(f.rule, f.message) for f in active(check(missing, stage="production"))] == [
        ("AIP-REF-001", "`governance.model_card_ref` 'docs/card.md' does not exist in the repository")
    ]
    empty = edit(PILOT, ("  documentation_ref: examples/production/docs/explanations.md\n", "  documentation_ref:\n"))
    assert [f.json_path for f in active(check(empty, stage="production"))] == ["$.explainability.documentation_ref"]


def test_a_manifest_with_aliases_is_checked_at_the_stage_given() -> None:
    # The loader collects no refs or answers for a document with aliases: they are walked instead.
    text = edit(
        PILOT,
        ("  technical: {name: Priya", "  technical: &priya {name: Priya"),
        ("  decision_owner: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n", "  decision_owner: *priya\n"),
    )
    assert active(check(text, stage="production")) == []


class _FactsGit:
    """Stands in for checker.git.run.GitRun: hands every manifest the same facts."""

    def __init__(self, facts: object) -> None:
        self.given, self.asked = facts, []

    def facts(self, m, options: Options) -> object:
        self.asked.append((m.path, options))
        return self.given


def test_the_git_facts_reach_the_git_rules_and_the_stage_history_the_result() -> None:
    from types import SimpleNamespace

    from checker.git.facts import GitFacts

    history = [SimpleNamespace(stage="production", since=datetime.date(2026, 1, 5), commit="0" * 40)]
    # No base ref (AIP-GIT-001 is skipped) and no CODEOWNERS file (AIP-GIT-003 says so).
    git = _FactsGit(GitFacts(REPO, "ai-production.yaml", "production", stage_history=history))
    result = check(PRODUCTION, git=git)
    assert [(f.rule, f.json_path) for f in active(result)] == [("AIP-GIT-003", "$.owners")]
    assert "AIP-GIT-001" not in result.rules_evaluated and "AIP-GIT-003" in result.rules_evaluated
    assert result.stage_history == history and result.stage_history is not history
    [(path, options)] = git.asked
    assert path == "ai-production.yaml" and options.git is git


def test_without_a_root_given_refs_are_read_from_the_manifests_repository_not_the_current_folder(
    tmp_path: Path, monkeypatch
) -> None:
    file, text = _repository_with_card(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = engine.check_bytes(text.encode("utf-8"), str(file), Options(today=TODAY, warn_within=0))
    refs = {f.json_path for f in of_rule(result, "AIP-REF-001")}
    assert "$.explainability.documentation_ref" in refs  # not in this repository
    assert "$.governance.model_card_ref" not in refs  # found at the repository's root


def test_missing_fields_of_one_missing_section_are_merged_into_one_problem_where_the_first_of_them_was() -> None:
    from checker import manifest
    from checker.evaluate import _collapse_missing
    from checker.ruleapi import Problem

    start, end = PRODUCTION.index("business_metric:\n"), PRODUCTION.index("data:\n")
    m = manifest.load((PRODUCTION[:start] + PRODUCTION[end:]).encode("utf-8"), "ai-production.yaml")
    wanted = [("business_metric", "name"), ("business_metric", "direction"), ("business_metric", "baseline", "value")]
    other = Problem(("owners", "technical"), "not a person")
    problems = [Problem(wanted[0], "a", missing=True), other, *(Problem(p, "b", missing=True) for p in wanted[1:])]
    [merged, kept] = _collapse_missing(m, problems)
    assert (merged.path, merged.missing) == (("business_metric",), True) and kept is other
    assert merged.message == "`business_metric` is missing: add it with `name`, `direction` and `baseline.value`"


def test_a_person_field_a_rule_at_this_stage_judges_is_left_to_that_rule() -> None:
    # AIP-OWN-004 judges the other person fields; `owners.technical` is AIP-OWN-001's.
    text = edit(PRODUCTION, ("  technical: {name: Priya Raman", "  technical: {name: Support Team"))
    assert [(f.rule, f.json_path) for f in active(check(text))] == [("AIP-OWN-001", "$.owners.technical.name")]


def test_a_waiver_for_a_rule_without_a_question_that_is_off_at_this_stage_is_stale() -> None:
    # AIP-GOV-001 runs at production only and answers no question: at pilot nothing judges it.
    overdue = edit(PILOT, ("  next_review: 2027-03-01\n", "  next_review: 2026-11-01\n"))
    [note] = of_rule(check(with_waivers(overdue, waiver("AIP-GOV-001"))), "AIP-WVR-001")
    assert note.message.startswith("stale waiver: AIP-GOV-001 reports nothing here any more")


def test_a_retired_manifest_judges_no_question_so_a_waiver_for_a_question_rule_is_stale() -> None:
    retired = (
        EXPLORATION.replace("stage: exploration\n", "stage: retired\n")
        + "governance:\n  decommission_plan_ref: examples/retired/docs/decommission-plan.md\n"
    )
    [note] = of_rule(check(with_waivers(retired, waiver("AIP-MON-005"))), "AIP-WVR-001")
    assert note.message.startswith("stale waiver: AIP-MON-005 reports nothing here any more")


def test_a_policy_without_the_engine_rules_still_applies_waivers_and_reports_no_engine_finding() -> None:
    from checker import records

    builtin = load_builtin()
    engine_rules = ("AIP-WVR-001", "AIP-DUE-001", "AIP-DIAG-001")
    policy = records.replace(builtin, rules={k: v for k, v in builtin.rules.items() if k not in engine_rules})
    slow = edit(PRODUCTION, ("  rto: PT1H\n", "  rto: PT6H\n"))
    text = with_waivers(
        _breaking(slow, ["Q2", "Q4", "Q6", "Q7"]), waiver("AIP-ROLL-002"), waiver("AIP-OWN-002", reason=None)
    )
    result = check(text, policy=policy, warn_within=30)
    assert [f.suppressed for f in of_rule(result, "AIP-ROLL-002")] == [True]
    assert [f for f in result.findings if f.rule in engine_rules] == []
    assert not set(engine_rules) & set(result.rules_evaluated)
    assert unanswered(result) == ["Q2", "Q4", "Q6", "Q7"]  # the diagnostic is still computed


def test_the_engine_rules_escalate_at_high_risk_when_their_policy_says_so() -> None:
    from checker import records

    builtin = load_builtin()
    warning = dict.fromkeys(("exploration", "pilot", "production"), Severity.WARNING)
    escalating = {
        rid: records.replace(builtin.rules[rid], severity=warning, high_risk_escalates=True)
        for rid in ("AIP-WVR-001", "AIP-DUE-001", "AIP-DIAG-001")
    }
    policy = records.replace(builtin, rules={**builtin.rules, **escalating})
    text = with_waivers(_breaking(HIGH_PILOT, ["Q2", "Q4", "Q6", "Q7"]), waiver("AIP-ROLL-002", reason=None))
    found = {f.rule: f.severity for f in check(text, policy=policy).findings if f.rule in escalating}
    assert found == {"AIP-WVR-001": Severity.ERROR, "AIP-DIAG-001": Severity.ERROR}
    notes = of_rule(check(HIGH_PILOT, policy=policy, warn_within=200), "AIP-DUE-001")  # a pilot's are months away
    assert notes and {f.severity for f in notes} == {Severity.ERROR}


def test_a_deadline_a_waiver_covers_does_not_hide_the_next_one_of_the_same_rule() -> None:
    from checker.git.facts import Changed, GitFacts

    # AIP-GIT-002 declares one deadline per evidence file: the accuracy evidence first, waived here.
    text = edit(
        PRODUCTION,
        (
            "        suite_ref: examples/production/validation/tickets_suite.yaml\n",
            "        suite_ref: examples/production/validation/tickets_suite.yaml\n"
            "        evidence_ref: examples/production/validation/catalog_suite.yaml\n",
        ),
    )
    changed = {
        "examples/production/evidence/accuracy-2026-11.md": Changed(TODAY - datetime.timedelta(days=3)),
        "examples/production/validation/catalog_suite.yaml": Changed(TODAY - datetime.timedelta(days=4)),
    }
    git = _FactsGit(GitFacts(REPO, "ai-production.yaml", "production", changed=changed))
    waived = with_waivers(text, waiver("AIP-GIT-002", path="monitoring.outcome_accuracy"))
    result = check(waived, git=git, warn_within=30)
    assert [d.json_path for d in result.deadlines if d.rule == "AIP-GIT-002"] == [
        "$.data.sources[0].validation.evidence_ref"
    ]
    assert [f.json_path for f in of_rule(result, "AIP-DUE-001") if "AIP-GIT-002" in f.message] == [
        "$.data.sources[0].validation.evidence_ref"
    ]


# -- what a result says about the system, and how select/ignore/caps shape it -------------------


def test_result_facts_are_the_inventory_fields_as_written_and_none_for_what_the_manifest_leaves_out() -> None:
    assert check(PRODUCTION).facts == {
        "name": "Support ticket router",
        "risk_tier": "limited",
        "decision_role": "augment",
        "owners": {"technical": "Priya Raman", "business": "Daniel Okafor"},
    }
    # An exploration manifest names no tier, no decision role and no business owner yet.
    assert check(EXPLORATION).facts == {
        "name": "Invoice anomaly detector",
        "risk_tier": None,
        "decision_role": None,
        "owners": {"technical": "Sofia Marchetti", "business": None},
    }


def test_result_facts_are_none_for_a_value_of_the_wrong_shape_or_a_blank_one() -> None:
    # Each value is the schema's finding; the inventory lists nothing rather than a wrong type.
    text = edit(
        PRODUCTION,
        ("  name: Support ticket router\n", "  name: [Support, ticket, router]\n"),
        ("risk_tier: limited\n", 'risk_tier: "  "\n'),
        ("decision_role: augment\n", "decision_role: 3\n"),
        ("  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n", "  technical: Priya Raman\n"),
        ("    name: Daniel Okafor\n", "    name: {first: Daniel}\n"),
    )
    assert check(text).facts == {
        "name": None,
        "risk_tier": None,
        "decision_role": None,
        "owners": {"technical": None, "business": None},
    }
    assert check(edit(PRODUCTION, ("owners:\n", "owners_old:\n"))).facts["owners"] == {
        "technical": None,
        "business": None,
    }


@pytest.mark.parametrize(
    ("system", "system_id"),
    [
        ("  id: ticket-router\n", "ticket-router"),
        ("  id: 42\n", None),  # not text: the schema's finding, no id in the inventory
        ("  x-id: ticket-router\n", None),  # no id at all
    ],
)
def test_result_system_id_is_the_systems_id_only_when_it_is_text(system: str, system_id: str | None) -> None:
    assert check(edit(PRODUCTION, ("  id: ticket-router\n", system))).system_id == system_id


def test_result_system_id_is_none_when_system_is_not_a_mapping() -> None:
    start, end = PRODUCTION.index("system:\n"), PRODUCTION.index("stage:")
    text = PRODUCTION[:start] + "system: [ticket-router]\n" + PRODUCTION[end:]
    result = check(text)
    assert result.system_id is None
    assert [f.json_path for f in active(result, "AIP-SCH-001")] == ["$.system"]


def test_select_alone_keeps_only_the_selected_rules_findings_and_lists_only_them_as_evaluated() -> None:
    slow = edit(PRODUCTION, ("  rto: PT1H\n", "  rto: PT6H\n"), ("decision_role: augment\n", ""))
    assert {f.rule for f in active(check(slow))} >= {"AIP-ROLL-002", "AIP-HUM-001"}  # decision_role is missing
    result = check(slow, select={"AIP-ROLL-002"})
    assert [f.rule for f in result.findings] == ["AIP-ROLL-002"]
    assert result.rules_evaluated == ["AIP-ROLL-002"]


def test_ignore_drops_the_ignored_rules_findings_and_their_place_in_the_rules_evaluated() -> None:
    slow = edit(PRODUCTION, ("  rto: PT1H\n", "  rto: PT6H\n"))
    everything = check(slow)
    result = check(slow, ignore={"AIP-ROLL-002", "AIP-SCH-001"})
    assert of_rule(result, "AIP-ROLL-002") == []
    assert result.rules_evaluated == [r for r in everything.rules_evaluated if r not in ("AIP-ROLL-002", "AIP-SCH-001")]
    assert "AIP-SCH-002" in result.rules_evaluated


def test_a_severity_cap_lowers_every_finding_above_it_to_the_cap_and_leaves_those_below_it() -> None:
    # rto too slow: an error at production; the same person as both owners: a warning.
    text = edit(
        PRODUCTION, ("  rto: PT1H\n", "  rto: PT6H\n"), ("    name: Daniel Okafor\n", "    name: Priya Raman\n")
    )
    uncapped = {f.rule: f.severity for f in check(text).findings}
    assert uncapped == {"AIP-ROLL-002": Severity.ERROR, "AIP-OWN-005": Severity.WARNING}
    capped = check(text, max_severity=Severity.WARNING)
    assert {f.rule: f.severity for f in capped.findings} == {
        "AIP-ROLL-002": Severity.WARNING,
        "AIP-OWN-005": Severity.WARNING,
    }
    noted = check(text, max_severity=Severity.NOTE)
    assert {f.severity for f in noted.findings} == {Severity.NOTE}


# -- the schema's findings and the rule findings they hold back ---------------------------------


def _warning_escalating(*rule_ids: str):
    """The built-in policy with these rules made warnings that become errors at high risk."""
    from checker import records

    builtin = load_builtin()
    warning = dict.fromkeys(("exploration", "pilot", "production"), Severity.WARNING)
    changed = {rid: records.replace(builtin.rules[rid], severity=warning, high_risk_escalates=True) for rid in rule_ids}
    return records.replace(builtin, rules={**builtin.rules, **changed})


def test_a_file_that_does_not_parse_is_a_finding_at_the_document_root_carrying_the_rules_slug() -> None:
    [finding] = engine.check_bytes(b"a: [\n", "m.yaml", Options(today=TODAY)).findings
    assert (finding.rule, finding.slug, finding.json_path) == ("AIP-SCH-002", "yaml-syntax", "$")


def test_a_schema_finding_carries_the_schema_rules_slug_and_the_json_path_of_the_value() -> None:
    [finding] = check(edit(PRODUCTION, ("  type: classifier\n", "  type: 5\n"))).findings
    assert (finding.rule, finding.slug, finding.json_path) == ("AIP-SCH-001", "schema", "$.system.type")
    assert finding.span.line == line_of(PRODUCTION, "  type: classifier")


def test_schema_findings_escalate_at_high_risk_when_the_policy_says_so() -> None:
    policy = _warning_escalating("AIP-SCH-001")
    bad_type = ("  type: classifier\n", "  type: 5\n")
    [high] = of_rule(check(edit(HIGH, bad_type), policy=policy), "AIP-SCH-001")
    [limited] = of_rule(check(edit(PRODUCTION, bad_type), policy=policy), "AIP-SCH-001")
    assert (high.severity, limited.severity) == (Severity.ERROR, Severity.WARNING)


def test_a_file_that_does_not_parse_is_not_known_to_be_high_risk_so_its_finding_does_not_escalate() -> None:
    policy = _warning_escalating("AIP-SCH-002")
    broken = HIGH.encode("utf-8") + b"extra: [\n"
    [finding] = engine.check_bytes(broken, "m.yaml", Options(today=TODAY, policy=policy)).findings
    assert (finding.rule, finding.severity) == ("AIP-SCH-002", Severity.WARNING)


def test_a_misspelt_section_is_one_schema_finding_at_the_key_and_its_rules_do_not_report_it_missing() -> None:
    text = edit(PRODUCTION, ("rollback:\n", "rollbak:\n"))
    result = check(text)
    # Without the hold-back, AIP-ROLL-001..003 would report `rollback` and fields below it
    # (`$.rollback.strategy`, `$.rollback.rto`) missing.
    assert [(f.rule, f.json_path, f.span.line) for f in active(result)] == [
        ("AIP-SCH-001", "$.rollbak", line_of(text, "rollbak:"))
    ]
    assert "did you mean `rollback`" in result.findings[0].message
    assert {"AIP-ROLL-001", "AIP-ROLL-002", "AIP-ROLL-003"} <= set(result.rules_evaluated)


def test_a_value_the_schema_rejects_is_not_judged_again_by_a_rule_reading_below_it() -> None:
    text = edit(PRODUCTION, ("    last_measured: {date: 2026-11-23, value: 0.89}\n", "    last_measured: yesterday\n"))
    # AIP-MON-005 would report `last_measured.date` missing, under the value the schema rejects.
    assert [(f.rule, f.json_path) for f in active(check(text))] == [
        ("AIP-SCH-001", "$.monitoring.outcome_accuracy.last_measured")
    ]


def test_with_the_schema_rule_off_a_misspelt_section_is_reported_missing_by_its_rules() -> None:
    # No schema finding says why the section is absent, so the rules' findings are not held back.
    policy = load_builtin().with_severity({"AIP-SCH-001": "off"}, "test")
    result = check(edit(PRODUCTION, ("rollback:\n", "rollbak:\n")), policy=policy)
    assert of_rule(result, "AIP-SCH-001") == []
    reported = {(f.rule, *f.also, f.json_path) for f in active(result)}
    assert reported == {
        ("AIP-ROLL-001", "AIP-ROLL-003", "$.rollback"),  # one finding per node: AIP-ROLL-003 folded in
        ("AIP-ROLL-001", "$.rollback.strategy"),
        ("AIP-ROLL-002", "$.rollback.rto"),
    }


def test_findings_are_in_document_order_whichever_rule_reports_them() -> None:
    # The schema's finding (line 6) comes before a rule's (the rto line), though AIP-ROLL sorts first by id.
    text = edit(PRODUCTION, ("  type: classifier\n", "  type: 5\n"), ("  rto: PT1H\n", "  rto: PT6H\n"))
    result = check(text)
    assert [(f.rule, f.span.line) for f in result.findings] == [
        ("AIP-SCH-001", line_of(text, "  type: 5")),
        ("AIP-ROLL-002", line_of(text, "  rto: PT6H")),
    ]


# -- reading files, per-path overrides and where refs are read from ------------------------------


def test_read_bytes_says_why_a_file_cannot_be_read_at_the_start_of_the_file(tmp_path: Path) -> None:
    big = tmp_path / "ai-production.yaml"
    big.write_bytes(b"a: 1\n" * 10)
    missing = engine.read_bytes(tmp_path / "none.yaml", Options())
    assert missing.span == engine.Span() and missing.message.startswith("cannot read file: ")
    oversized = engine.read_bytes(big, Options(max_bytes=20))
    assert oversized.span == engine.Span() and "over the 20-byte limit" in oversized.message


def test_read_bytes_refuses_a_link_that_leads_out_of_the_files_repository(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    outside = tmp_path / "secret.yaml"
    outside.write_text(PRODUCTION, encoding="utf-8")
    link = tmp_path / "repo" / "ai-production.yaml"
    link.symlink_to(outside)
    problem = engine.read_bytes(link, Options())
    assert isinstance(problem, engine.LoadProblem)
    assert "resolves outside the repository" in problem.message


def _ignoring_sch002_under_models(root: Path) -> Options:
    from checker.config import Config, Override

    config = Config(root=root, overrides=[Override(paths=["models/**"], ignore=["AIP-SCH-002"])])
    return Options(today=TODAY, config=config)


def test_a_per_path_override_applies_to_a_problem_result_by_the_path_of_the_folder(tmp_path: Path) -> None:
    options = _ignoring_sch002_under_models(tmp_path)
    assert engine.problem_result(tmp_path / "models" / "team", "cannot list", options).findings == []
    [kept] = engine.problem_result(tmp_path / "other", "cannot list", options).findings
    assert (kept.rule, kept.message) == ("AIP-SCH-002", "cannot list")


def test_a_per_path_override_applies_to_an_unreadable_file_by_its_path(tmp_path: Path) -> None:
    options = _ignoring_sch002_under_models(tmp_path)
    assert engine.check_file(tmp_path / "models" / "none.yaml", "models/none.yaml", options).findings == []
    [kept] = engine.check_file(tmp_path / "none.yaml", "none.yaml", options).findings
    assert kept.rule == "AIP-SCH-002"


def test_a_file_outside_every_repository_reads_its_refs_from_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    file = tmp_path / "ai-production.yaml"
    file.write_text(PRODUCTION, encoding="utf-8")
    monkeypatch.chdir(REPO / "examples")  # the refs (examples/production/...) are not below it
    result = engine.check_file(file, str(file), Options(today=TODAY, warn_within=0))
    assert {f.rule for f in active(result)} == {"AIP-REF-001"}
    monkeypatch.chdir(REPO)
    assert active(engine.check_file(file, str(file), Options(today=TODAY, warn_within=0))) == []


def test_a_pipe_outside_every_repository_reads_its_refs_from_the_current_folders_repository(
    tmp_path: Path, monkeypatch
) -> None:
    pipe = tmp_path / "fd" / "63"  # `<(cat ai-production.yaml)`: its content was read up front
    monkeypatch.chdir(REPO / "examples")  # inside the repository, below its root
    options = Options(today=TODAY, warn_within=0, given={pipe: PRODUCTION.encode("utf-8")})
    assert active(engine.check_file(pipe, str(pipe), options)) == []


def test_a_pipe_outside_every_repository_and_the_current_folder_reads_its_refs_from_that_folder(
    tmp_path: Path, monkeypatch
) -> None:
    pipe = tmp_path / "fd" / "63"
    monkeypatch.chdir(tmp_path)  # in no repository: the refs are looked for here, and are not here
    options = Options(today=TODAY, warn_within=0, given={pipe: PRODUCTION.encode("utf-8")})
    assert {f.rule for f in active(engine.check_file(pipe, str(pipe), options))} == {"AIP-REF-001"}


def test_content_given_for_a_file_is_checked_against_the_root_given(tmp_path: Path, monkeypatch) -> None:
    pipe = tmp_path / "fd" / "63"
    monkeypatch.chdir(tmp_path)  # in no repository: would lose the refs if the root were replaced
    options = Options(today=TODAY, warn_within=0, root=REPO, given={pipe: PRODUCTION.encode("utf-8")})
    assert active(engine.check_file(pipe, str(pipe), options)) == []
    other = tmp_path / "ai-production.yaml"  # not given: read from disk, also against the root given
    other.write_text(PRODUCTION, encoding="utf-8")
    assert active(engine.check_file(other, str(other), options)) == []


def test_content_given_under_a_file_name_keeps_the_git_rules(tmp_path: Path) -> None:
    # `--stdin-filename models/ai-production.yaml`: the content has a path, so git has facts to give.
    named = tmp_path / "models" / "ai-production.yaml"
    git = _RecordingGit()
    options = Options(today=TODAY, warn_within=0, root=None, git=git, given={named: PRODUCTION.encode("utf-8")})
    engine.check_file(named, "models/ai-production.yaml", options)
    assert git.asked == ["models/ai-production.yaml"]


# -- runs: pooling, progress --------------------------------------------------------------------


def test_a_run_hands_two_files_or_more_to_the_parallel_checker_with_its_jobs_and_min_files(
    tmp_path: Path, monkeypatch
) -> None:
    from checker import parallel

    calls: list[tuple[int, int | None, int | None]] = []
    real = parallel.check_all

    def spy(check, items, options, *, jobs=None, min_files=None):
        calls.append((len(items), jobs, min_files))
        return real(check, items, options, jobs=jobs, min_files=min_files)

    monkeypatch.setattr(parallel, "check_all", spy)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(PRODUCTION, encoding="utf-8")
    second.write_text(EXPLORATION, encoding="utf-8")
    options = Options(today=TODAY, root=REPO, warn_within=0)
    report = engine.run([first, second], options, jobs=1, min_files=7)
    assert calls == [(2, 1, 7)]
    assert [r.stage for r in report.results] == ["production", "exploration"]
    engine.run([first], options, jobs=1, min_files=7)  # one file is checked in the process itself
    assert calls == [(2, 1, 7)]


def test_an_empty_run_reports_nothing_and_asks_git_for_nothing() -> None:
    git = _RecordingGit()
    report = engine.run([], Options(today=TODAY, git=git))
    assert report.results == [] and git.prepared is None


class _Terminal:
    """A stderr that says it is a terminal, keeping what is written to it."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_a_long_run_on_a_terminal_shows_each_count_checked_and_clears_the_line_at_the_end(
    tmp_path: Path, monkeypatch
) -> None:
    import sys

    from checker import progress

    monkeypatch.setattr(progress, "MIN_FILES", 2)  # a "long" run of two files
    monkeypatch.delenv("CI", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    files = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for file in files:
        file.write_text(EXPLORATION, encoding="utf-8")
    engine.run(files, Options(today=TODAY, root=REPO), jobs=1)
    lines = terminal.text.split("\r")
    assert "aipolicy: checked 1/2 manifests" in lines and "aipolicy: checked 2/2 manifests" in lines
    assert lines[-1] == "" and lines[-2].strip() == ""  # the last thing written blanks the line


# -- a manifest's file and its shown name -------------------------------------------------------


def _repository_with_card(tmp_path: Path) -> tuple[Path, str]:
    """A repository holding docs/card.md, and a manifest (in it) whose model card is that file."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "card.md").write_text("# card\n", encoding="utf-8")
    text = edit(
        PRODUCTION, ("  model_card_ref: examples/production/docs/model-card.md\n", "  model_card_ref: docs/card.md\n")
    )
    (repo / "ai-production.yaml").write_text(text, encoding="utf-8")
    return repo / "ai-production.yaml", text


@pytest.mark.parametrize("git", [False, True], ids=["without-git", "with-git"])
def test_a_file_shown_under_another_name_reads_its_refs_from_the_repository_it_is_in(
    tmp_path: Path, monkeypatch, git: bool
) -> None:
    # The shown name (an escaped `caf\xe9/`, say) need not exist: the file on disk decides.
    file, _ = _repository_with_card(tmp_path)
    monkeypatch.chdir(tmp_path)  # in no repository
    options = Options(today=TODAY, warn_within=0, git=_RecordingGit() if git else None)
    (result,) = engine.check_batch([(file, "shown/elsewhere.yaml")], options)
    assert result.path == "shown/elsewhere.yaml"
    refs = {f.json_path for f in of_rule(result, "AIP-REF-001")}
    assert "$.governance.model_card_ref" not in refs  # found in the file's repository
    assert "$.explainability.documentation_ref" in refs  # which does not hold the others
    direct = engine.check_file(file, "shown/elsewhere.yaml", options)
    assert {f.json_path for f in of_rule(direct, "AIP-REF-001")} == refs


def test_content_given_for_a_path_reads_its_refs_from_that_paths_repository(tmp_path: Path, monkeypatch) -> None:
    # `--stdin-filename repo/ai-production.yaml`: the content stands for that file.
    file, text = _repository_with_card(tmp_path)
    file.unlink()  # the content is all there is
    monkeypatch.chdir(tmp_path)
    options = Options(today=TODAY, warn_within=0, given={file: text.encode("utf-8")})
    result = engine.check_file(file, "repo/ai-production.yaml", options)
    assert "$.governance.model_card_ref" not in {f.json_path for f in of_rule(result, "AIP-REF-001")}


def _asking(rule_id: str, question: str):
    """The built-in policy with `rule_id` answering `question` (none of these rules answers one)."""
    from checker import records

    builtin = load_builtin()
    return records.replace(
        builtin, rules={**builtin.rules, rule_id: records.replace(builtin.rules[rule_id], question=question)}
    )


def test_a_person_field_a_rule_judges_gets_no_second_folded_finding_from_the_team_rule() -> None:
    text = edit(PRODUCTION, ("  technical: {name: Priya Raman", "  technical: {name: Support Team"))
    [finding] = active(check(text))
    assert (finding.rule, finding.folded) == ("AIP-OWN-001", ())


def test_the_diagnostic_leaves_a_person_field_a_production_rule_judges_to_that_rule() -> None:
    # At pilot the diagnostic judges as at production: AIP-OWN-004 skips `owners.technical` there too.
    text = edit(PILOT, ("  technical: {name: Priya Raman", "  technical: {name: Support Team"))
    assert unanswered(check(text, policy=_asking("AIP-OWN-004", "Q4"))) == ["Q1"]


def test_the_diagnostic_judges_a_high_risk_pilot_with_high_risk_limits() -> None:
    # AIP-GOV-001 runs at production only: at pilot only the diagnostic runs it, at high risk (6 months).
    seven_months = edit(HIGH_PILOT, ("  next_review: 2027-03-01\n", "  next_review: 2027-04-01\n"))
    assert unanswered(check(HIGH_PILOT, policy=_asking("AIP-GOV-001", "Q4"))) == []
    assert unanswered(check(seven_months, policy=_asking("AIP-GOV-001", "Q4"))) == ["Q4"]


def test_the_diagnostic_reads_refs_from_the_root_at_a_pilot() -> None:
    assert unanswered(check(PILOT, policy=_asking("AIP-REF-001", "Q4"))) == []
    broken = PILOT.replace("examples/production/docs/model-card.md", "examples/production/docs/no-such-card.md")
    assert unanswered(check(broken, policy=_asking("AIP-REF-001", "Q4"))) == ["Q4"]


def test_the_diagnostic_hands_the_git_facts_to_a_git_rule_at_a_pilot() -> None:
    from checker.git.facts import GitFacts

    # No CODEOWNERS file: AIP-GIT-003 reports `$.owners`, at pilot and in the diagnostic.
    git = _FactsGit(GitFacts(REPO, "ai-production.yaml", "pilot"))
    result = check(PILOT, git=git, policy=_asking("AIP-GIT-003", "Q4"))
    assert [(f.rule, f.json_path) for f in active(result)] == [("AIP-GIT-003", "$.owners")]
    assert unanswered(result) == ["Q4"]


_SETTINGS_PACK = """\
apiVersion: aipolicy/policy-v1
name: acme
settings:
  applies_from: 2026-08-02
rules:
  - id: ACME-SET-001
    slug: acme-dated-logging
    summary: Applies from a date a setting holds.
    severity: {production: error}
    question: Q4
    when: age(settings.applies_from) >= 0
    check:
      - require: logging.ref
"""


def test_a_rule_and_the_diagnostic_read_the_packs_settings(tmp_path: Path) -> None:
    from checker import packs

    (tmp_path / "acme.yaml").write_text(_SETTINGS_PACK, encoding="utf-8")
    (tmp_path / "later.yaml").write_text(_SETTINGS_PACK.replace("2026-08-02", "2026-12-01"), encoding="utf-8")
    policy = packs.build_policy([("acme.yaml", tmp_path, "test", None)])
    later = packs.build_policy([("later.yaml", tmp_path, "test", None)])
    production = check(PRODUCTION, policy=policy)
    assert [(f.rule, f.json_path) for f in active(production)] == [("ACME-SET-001", "$.logging.ref")]
    assert unanswered(production) == ["Q4"]
    assert unanswered(check(PILOT, policy=policy)) == ["Q4"]  # judged as at production
    assert unanswered(check(PILOT, policy=later)) == []
