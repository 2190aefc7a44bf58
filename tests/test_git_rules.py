"""The git-aware rules as plain functions (checker/git/rules.py): no git, no repository.

AIP-GIT-001 compares two parsed manifests; AIP-GIT-003 matches CODEOWNERS
patterns; AIP-GIT-002 and AIP-GIT-004 read facts handed to them. The same
rules against real repositories are in test_git_repo.py.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from checker import manifest
from checker.git import rules as gitrules
from checker.git.codeowners import CodeOwners
from checker.git.facts import Changed, GitFacts
from checker.manifest import Manifest, json_path
from checker.ruleapi import Problem

TODAY = datetime.date(2026, 11, 26)

BASE = """\
apiVersion: aipolicy/v1
system: {id: ticket-router, name: Router, description: Routes tickets, type: classifier}
stage: production
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
  business: {name: Daniel Okafor, contact: daniel.okafor@acme-corp.io, process: Triage}
data:
  sources:
    - name: tickets
      owner: {name: Aisha Bello, contact: aisha.bello@acme-corp.io}
      refresh: {mode: automated, schedule: P1D}
      validation: {suite_ref: validation/tickets-suite.yaml, evidence_ref: validation/tickets.yaml}
    - name: catalog
      refresh: {mode: automated, schedule: "0 2 * * *"}
      validation: {suite_ref: validation/catalog-suite.yaml, evidence_ref: validation/catalog.yaml}
monitoring:
  outcome_accuracy:
    metric: macro_f1
    threshold: 0.85
    cadence: weekly
    label_delay: P3D
    evidence_ref: evidence/accuracy.md
  drift:
    - {target: features, features: [channel, language], method: psi, threshold: 0.2, reference: training}
    - {target: prediction, method: ks, threshold: 0.05, reference: trailing_window}
  alerts:
    - {name: accuracy-low, route: {channel: pagerduty, target: router}, runbook_ref: runbooks/accuracy.md}
    - {name: drift, route: {channel: slack, target: "#router"}, runbook_ref: runbooks/drift.md}
  watchers:
    primary: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}
    backup: {name: Priya Raman, contact: priya.raman@acme-corp.io}
rollback:
  strategy: alias_swap
  rto: PT1H
retraining:
  triggers: [drift, performance]
  cadence: monthly
  max_model_age: P90D
  approval:
    approver: {name: Priya Raman, contact: priya.raman@acme-corp.io}
    max_lead_time: P3D
waivers:
  - rule: AIP-DATA-003
    reason: suite lands with the new pipeline
    approved_by: {name: Rahul Mehta, contact: rahul.mehta@acme-corp.io}
    expires: 2027-01-31
"""


def _load(text: str, name: str = "ai-production.yaml") -> Manifest:
    loaded = manifest.load(text.encode("utf-8"), name)
    assert isinstance(loaded, Manifest), loaded
    return loaded


def _weakened(new_text: str, base_text: str = BASE) -> list[Problem]:
    new, base = _load(new_text), _load(base_text, "origin/main:ai-production.yaml")
    stage = new.data.get("stage")
    facts = GitFacts(Path("."), "ai-production.yaml", stage, base, "origin/main")
    return gitrules.weakened_commitment(new, base, facts)


def _edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# -- AIP-GIT-001: what counts as weaker ------------------------------------------------------


def test_an_unchanged_manifest_weakens_nothing():
    assert _weakened(BASE) == []


def test_a_new_manifest_without_a_base_version_is_not_compared():
    facts = GitFacts(Path("."), "ai-production.yaml", "production", None, "origin/main")
    assert gitrules.weakened_commitment(_load(BASE), None, facts) == []


def test_raised_drift_threshold_names_old_and_new_value_and_the_base_ref():
    text = _edit("method: psi, threshold: 0.2", "method: psi, threshold: 0.4")
    [problem] = _weakened(text)
    assert (
        problem.message == "drift threshold for `features` [channel, language] raised from 0.2 to 0.4 since origin/main"
    )
    assert problem.path == ("monitoring", "drift", 0, "threshold") and not problem.missing


def test_lowered_drift_threshold_is_stricter_for_distance_methods():
    assert _weakened(_edit("method: psi, threshold: 0.2", "method: psi, threshold: 0.1")) == []


def test_p_value_threshold_lowered_is_weaker_and_raised_is_stricter():
    [problem] = _weakened(_edit("method: ks, threshold: 0.05", "method: ks, threshold: 0.01"))
    assert "lowered from 0.05 to 0.01" in problem.message and "`prediction`" in problem.message
    assert _weakened(_edit("method: ks, threshold: 0.05", "method: ks, threshold: 0.1")) == []


def test_drift_monitors_are_matched_by_identity_not_by_position():
    lines = BASE.splitlines(keepends=True)
    psi = next(i for i, line in enumerate(lines) if "method: psi" in line)
    lines[psi], lines[psi + 1] = lines[psi + 1], lines[psi]  # same monitors, other order
    assert _weakened("".join(lines)) == []


def test_removed_drift_monitor_is_reported_at_the_list_key():
    text = _edit("    - {target: prediction, method: ks, threshold: 0.05, reference: trailing_window}\n", "")
    [problem] = _weakened(text)
    assert problem.path == ("monitoring", "drift") and problem.missing
    assert problem.message == "drift monitor `prediction` with ks removed since origin/main"  # no hint: none added


def test_a_drift_monitor_that_changed_method_is_called_removed_with_a_hint():
    [problem] = _weakened(_edit("method: ks, threshold: 0.05", "method: js, threshold: 0.1"))
    assert problem.message == (
        "drift monitor `prediction` with ks removed since origin/main (a `prediction` monitor with js was added:"
        " if it is at least as strict, accept the change with a waiver)"
    )
    assert problem.path == ("monitoring", "drift") and problem.missing  # the hint keeps it at the list's key


def test_a_feature_dropped_from_a_drift_monitor_is_reported():
    [problem] = _weakened(_edit("features: [channel, language]", "features: [channel]"))
    assert "no longer watches language" in problem.message
    assert problem.path == ("monitoring", "drift", 0, "features") and not problem.missing


def test_every_feature_dropped_from_a_drift_monitor_is_listed_in_one_finding_at_its_features():
    [problem] = _weakened(_edit("features: [channel, language]", "features: []"))
    assert problem.message == (
        "drift monitor `features` [channel, language] no longer watches channel, language since origin/main"
    )
    assert problem.path == ("monitoring", "drift", 0, "features")


def test_removed_alert_is_matched_by_name_and_reported_at_the_alerts_key():
    text = _edit(
        '    - {name: drift, route: {channel: slack, target: "#router"}, runbook_ref: runbooks/drift.md}\n', ""
    )
    [problem] = _weakened(text)
    assert problem.message == "alert `drift` removed since origin/main"
    assert problem.path == ("monitoring", "alerts") and problem.missing
    # Reordering alerts removes nothing.
    lines = BASE.splitlines(keepends=True)
    first = _line(BASE, "name: accuracy-low") - 1
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    assert _weakened("".join(lines)) == []


def test_removed_data_source_and_removed_source_owner():
    text = _edit(
        """    - name: catalog
      refresh: {mode: automated, schedule: "0 2 * * *"}
      validation: {suite_ref: validation/catalog-suite.yaml, evidence_ref: validation/catalog.yaml}
""",
        "",
    )
    [problem] = _weakened(text)
    assert problem.message == "data source `catalog` removed since origin/main" and problem.path == ("data", "sources")
    [owner] = _weakened(_edit("      owner: {name: Aisha Bello, contact: aisha.bello@acme-corp.io}\n", ""))
    assert "owner of data source `tickets` (Aisha Bello) removed" in owner.message
    assert owner.path == ("data", "sources", 0)


def test_removed_owner_names_the_person():
    [problem] = _weakened(
        _edit("  business: {name: Daniel Okafor, contact: daniel.okafor@acme-corp.io, process: Triage}\n", "")
    )
    assert problem.message == "owner `owners.business` (Daniel Okafor) removed since origin/main"
    assert problem.path == ("owners", "business") and problem.missing


def test_an_owner_replaced_by_a_placeholder_counts_as_removed():
    [problem] = _weakened(
        _edit("primary: {name: Tomás Silva, contact: tomas.silva@acme-corp.io}", "primary: {name: TBD, contact: TBD}")
    )
    assert "`monitoring.watchers.primary` (Tomás Silva) removed" in problem.message


def test_a_removed_section_is_reported_once_not_once_per_field_inside_it():
    start, end = _line(BASE, "  watchers:"), _line(BASE, "    backup:")
    lines = BASE.splitlines(keepends=True)
    text = "".join(lines[: start - 1] + lines[end:])
    [problem] = _weakened(text)
    assert problem.message == "section `monitoring.watchers` removed since origin/main"
    assert problem.path == ("monitoring", "watchers") and problem.missing


def test_a_removed_top_level_section_is_one_finding():
    start, end = _line(BASE, "retraining:"), _line(BASE, "    max_lead_time: P3D")
    lines = BASE.splitlines(keepends=True)
    [problem] = _weakened("".join(lines[: start - 1] + lines[end:]))
    assert problem.message == "section `retraining` removed since origin/main"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("rto: PT1H", "rto: PT4H", "`rollback.rto` lengthened from PT1H to PT4H"),
        ("  cadence: monthly", "  cadence: quarterly", "`retraining.cadence` lengthened from monthly to quarterly"),
        (
            "cadence: weekly",
            "cadence: monthly",
            "`monitoring.outcome_accuracy.cadence` lengthened from weekly to monthly",
        ),
        ("max_model_age: P90D", "max_model_age: P180D", "`retraining.max_model_age` lengthened from P90D to P180D"),
        ("label_delay: P3D", "label_delay: 2w", "`monitoring.outcome_accuracy.label_delay` lengthened from P3D to 2w"),
        (
            "max_lead_time: P3D",
            "max_lead_time: P14D",
            "`retraining.approval.max_lead_time` lengthened from P3D to P14D",
        ),
    ],
)
def test_lengthened_durations_are_reported(old, new, expected):
    [problem] = _weakened(_edit(old, new))
    assert problem.message == f"{expected} since origin/main"


def test_shortened_durations_and_equal_durations_in_another_notation_are_not():
    assert _weakened(_edit("rto: PT1H", "rto: 30m")) == []
    assert _weakened(_edit("max_lead_time: P3D", "max_lead_time: 72h")) == []


def test_a_removed_duration_is_reported_at_its_parent_key():
    [problem] = _weakened(_edit("  rto: PT1H\n", ""))
    assert problem.message == "`rollback.rto` (PT1H) removed since origin/main"
    assert problem.path == ("rollback", "rto") and problem.missing  # reported at the `rollback:` key


def test_accuracy_threshold_lowered_for_a_higher_is_better_metric():
    [problem] = _weakened(_edit("threshold: 0.85", "threshold: 0.8"))
    assert problem.message == "accuracy threshold for `macro_f1` lowered from 0.85 to 0.8 since origin/main"
    assert problem.path == ("monitoring", "outcome_accuracy", "threshold") and not problem.missing
    assert _weakened(_edit("threshold: 0.85", "threshold: 0.9")) == []


def test_accuracy_threshold_raised_for_a_lower_is_better_metric():
    base = _edit("metric: macro_f1\n    threshold: 0.85", "metric: rmse\n    threshold: 12")
    [problem] = _weakened(_edit("threshold: 12", "threshold: 15", base), base)
    assert "raised from 12 to 15" in problem.message and "lower is better" in problem.message
    assert problem.path == ("monitoring", "outcome_accuracy", "threshold") and not problem.missing
    assert _weakened(_edit("threshold: 12", "threshold: 10", base), base) == []
    assert _weakened(base, base) == []  # the same threshold is not raised


def test_accuracy_thresholds_of_different_metrics_are_not_compared():
    assert _weakened(_edit("metric: macro_f1\n    threshold: 0.85", "metric: recall\n    threshold: 0.5")) == []


def test_stage_moved_back_is_reported_and_moving_forward_or_retiring_is_not():
    [problem] = _weakened(_edit("stage: production", "stage: pilot"))
    assert problem.message == "stage moved back from production to pilot since origin/main"
    assert problem.path == ("stage",)
    pilot = _edit("stage: production", "stage: pilot")
    assert _weakened(BASE, pilot) == []  # promotion
    assert _weakened(_edit("stage: production", "stage: retired")) == []


def test_a_dropped_retraining_trigger_is_reported():
    [problem] = _weakened(_edit("triggers: [drift, performance]", "triggers: [performance, schedule]"))
    assert problem.message == "retraining trigger `drift` removed since origin/main"
    assert problem.path == ("retraining", "triggers") and not problem.missing


def test_several_dropped_retraining_triggers_are_one_finding_in_the_plural():
    [problem] = _weakened(_edit("triggers: [drift, performance]", "triggers: [schedule]"))
    assert problem.message == "retraining triggers `drift`, `performance` removed since origin/main"


def test_retraining_triggers_that_are_not_a_list_on_either_side_are_left_to_the_schema():
    assert _weakened(_edit("triggers: [drift, performance]", "triggers: drift")) == []
    before = _edit("triggers: [drift, performance]", "triggers: drift")
    assert _weakened(_edit("triggers: drift", "triggers: [performance]", before), before) == []


def test_an_added_waiver_is_reported_at_the_waiver_and_an_extended_one_too():
    added = (
        BASE
        + """\
  - rule: AIP-MON-005
    reason: labels arrive late this quarter
    approved_by: {name: Rahul Mehta, contact: rahul.mehta@acme-corp.io}
    expires: 2027-01-31
"""
    )
    [problem] = _weakened(added)
    assert problem.message == "waiver for AIP-MON-005 added since origin/main" and problem.path == ("waivers", 1)
    [extended] = _weakened(_edit("expires: 2027-01-31", "expires: 2027-06-30"))
    assert extended.message == "waiver for AIP-DATA-003 extended from 2027-01-31 to 2027-06-30 since origin/main"
    assert extended.path == ("waivers", 0, "expires")


def test_a_waiver_for_weakened_commitment_itself_is_not_reported_as_a_weakening():
    text = (
        _edit("rto: PT1H", "rto: PT2H")
        + """\
  - rule: AIP-GIT-001
    path: rollback
    reason: the new region needs a slower cut-over
    approved_by: {name: Rahul Mehta, contact: rahul.mehta@acme-corp.io}
    expires: 2027-01-31
"""
    )
    assert [p.message for p in _weakened(text)] == ["`rollback.rto` lengthened from PT1H to PT2H since origin/main"]


def test_a_drift_threshold_added_absent_from_both_or_no_longer_a_number_is_not_a_weakening():
    without = _edit("method: ks, threshold: 0.05, reference", "method: ks, reference")
    assert _weakened(BASE, without) == []  # added
    assert _weakened(without, without) == []  # in neither version
    # Still there but not a number: the schema reports that, it is not a removed threshold.
    assert _weakened(_edit("method: ks, threshold: 0.05", "method: ks, threshold: TODO")) == []


def test_an_accuracy_threshold_added_absent_from_both_or_no_longer_a_number_is_not_a_weakening():
    without = _edit("    threshold: 0.85\n", "")
    assert _weakened(BASE, without) == []
    assert _weakened(without, without) == []
    assert _weakened(_edit("threshold: 0.85", "threshold: TODO")) == []


def test_an_accuracy_threshold_without_a_metric_is_called_outcome_accuracy():
    base = _edit("    metric: macro_f1\n", "")
    [problem] = _weakened(_edit("threshold: 0.85", "threshold: 0.8", base), base)
    assert problem.message == "accuracy threshold for outcome accuracy lowered from 0.85 to 0.8 since origin/main"


def test_a_removed_outcome_accuracy_section_is_one_finding_and_its_threshold_is_not_compared():
    start, end = _line(BASE, "  outcome_accuracy:"), _line(BASE, "    evidence_ref: evidence/accuracy.md")
    lines = BASE.splitlines(keepends=True)
    [problem] = _weakened("".join(lines[: start - 1] + lines[end:]))
    assert problem.message == "section `monitoring.outcome_accuracy` removed since origin/main"


def test_a_removed_drift_list_is_one_finding():
    text = _edit(
        "  drift:\n"
        "    - {target: features, features: [channel, language], method: psi, threshold: 0.2, reference: training}\n"
        "    - {target: prediction, method: ks, threshold: 0.05, reference: trailing_window}\n",
        "",
    )
    assert [(p.path, p.message) for p in _weakened(text)] == [
        (("monitoring", "drift"), "section `monitoring.drift` removed since origin/main")
    ]


def test_drift_monitors_with_the_same_target_and_method_are_matched_by_their_features_first():
    country = "    - {target: features, features: [country], method: psi, threshold: 0.3, reference: training}\n"
    channel = _line(BASE, "features: [channel, language]")
    lines = BASE.splitlines(keepends=True)
    base = "".join(lines[: channel - 1] + [lines[channel - 1], country] + lines[channel:])
    swapped = "".join(lines[: channel - 1] + [country, lines[channel - 1]] + lines[channel:])
    assert _weakened(swapped, base) == []


def test_a_removed_drift_monitor_does_not_stop_the_ones_after_it_from_being_compared():
    text = _edit(
        "    - {target: features, features: [channel, language], method: psi, threshold: 0.2, reference: training}\n",
        "",
    )
    text = _edit("method: ks, threshold: 0.05", "method: ks, threshold: 0.01", text)
    assert [(p.path, p.message) for p in _weakened(text)] == [
        (("monitoring", "drift"), "drift monitor `features` [channel, language] with psi removed since origin/main"),
        (
            ("monitoring", "drift", 0, "threshold"),
            "drift threshold for `prediction` lowered from 0.05 to 0.01 since origin/main",
        ),
    ]


def test_a_drift_monitor_with_an_empty_features_list_is_named_by_its_target_alone():
    base = _edit("{target: prediction, method: ks,", "{target: prediction, features: [], method: ks,")
    text = _edit(
        "    - {target: prediction, features: [], method: ks, threshold: 0.05, reference: trailing_window}\n", "", base
    )
    [problem] = _weakened(text, base)
    assert problem.message == "drift monitor `prediction` with ks removed since origin/main"


def test_a_duration_the_base_did_not_have_does_not_stop_the_later_ones_from_being_compared():
    base = _edit("  rto: PT1H\n", "")  # rollback.rto, the first duration compared
    [problem] = _weakened(_edit("  cadence: monthly", "  cadence: quarterly", base), base)
    assert problem.message == "`retraining.cadence` lengthened from monthly to quarterly since origin/main"


def test_an_unnamed_alert_does_not_stop_the_named_ones_after_it_from_being_matched():
    unnamed = "    - {route: {channel: email, target: ops}, runbook_ref: runbooks/ops.md}\n"
    base = _edit("  alerts:\n", "  alerts:\n" + unnamed)
    text = _edit(
        '    - {name: drift, route: {channel: slack, target: "#router"}, runbook_ref: runbooks/drift.md}\n', "", base
    )
    assert [p.message for p in _weakened(text, base)] == ["alert `drift` removed since origin/main"]


def test_removing_an_x_extension_or_a_field_that_is_not_a_section_is_not_a_removed_section():
    assert _weakened(BASE, BASE + "x-team: {slack: '#router', pager: router-oncall}\n") == []
    assert _weakened(BASE, BASE + "risk_tier: limited\n") == []  # a scalar, not a section


def test_sections_after_a_field_that_is_not_a_section_are_still_compared():
    base = _edit("stage: production\n", "stage: production\nrisk_tier: limited\n")
    start, end = _line(base, "  watchers:"), _line(base, "    backup:")
    lines = base.splitlines(keepends=True)
    [problem] = _weakened("".join(lines[: start - 1] + lines[end:]), base)
    assert problem.message == "section `monitoring.watchers` removed since origin/main"


def test_sections_after_a_removed_section_are_still_compared():
    text = _edit("rollback:\n  strategy: alias_swap\n  rto: PT1H\n", "")
    text = _edit(
        "  approval:\n    approver: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n    max_lead_time: P3D\n",
        "",
        text,
    )
    assert [p.message for p in _weakened(text)] == [
        "section `rollback` removed since origin/main",
        "section `retraining.approval` removed since origin/main",
    ]


def test_a_section_that_became_a_list_is_left_to_the_schema_and_the_sections_after_it_are_still_compared():
    base = _edit("  rto: PT1H\n", "  rto: PT1H\n  fallback: {type: rules}\n")
    text = _edit(
        "rollback:\n  strategy: alias_swap\n  rto: PT1H\n  fallback: {type: rules}\n", "rollback: [alias_swap]\n", base
    )
    assert _weakened(text, base) == []
    text = _edit("  triggers: [drift, performance]\n", "", text)
    assert [p.message for p in _weakened(text, base)] == ["section `retraining.triggers` removed since origin/main"]


def test_an_x_extension_inside_a_section_is_not_compared_and_the_subsections_after_it_still_are():
    base = _edit("monitoring:\n", "monitoring:\n  x-notes: {dashboard: grafana}\n")
    start, end = _line(base, "  watchers:"), _line(base, "    backup:")
    lines = base.splitlines(keepends=True)
    text = _edit("  x-notes: {dashboard: grafana}\n", "", "".join(lines[: start - 1] + lines[end:]))
    assert [p.message for p in _weakened(text, base)] == ["section `monitoring.watchers` removed since origin/main"]


def test_an_owner_inside_a_section_does_not_stop_the_subsections_after_it_from_being_compared():
    owner = "  owner: {name: Aisha Bello, contact: aisha.bello@acme-corp.io}\n"
    base = _edit("retraining:\n", "retraining:\n" + owner)
    text = _edit(
        "  approval:\n    approver: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n    max_lead_time: P3D\n",
        "",
        base,
    )
    [problem] = _weakened(text, base)
    assert problem.message == "section `retraining.approval` removed since origin/main"  # not its approver


def test_a_removed_section_hides_what_is_under_it_but_not_a_weakening_elsewhere():
    start, end = _line(BASE, "  watchers:"), _line(BASE, "    backup:")
    lines = BASE.splitlines(keepends=True)
    text = _edit("threshold: 0.85", "threshold: 0.8", "".join(lines[: start - 1] + lines[end:]))
    assert [p.message for p in _weakened(text)] == [
        "section `monitoring.watchers` removed since origin/main",
        "accuracy threshold for `macro_f1` lowered from 0.85 to 0.8 since origin/main",
    ]


def test_a_removed_validation_of_a_data_source_is_reported_at_the_source():
    text = _edit(
        "      validation: {suite_ref: validation/tickets-suite.yaml, evidence_ref: validation/tickets.yaml}\n", ""
    )
    [problem] = _weakened(text)
    assert problem.message == "validation of data source `tickets` removed since origin/main"
    assert problem.path == ("data", "sources", 0) and not problem.missing


_MON_005 = """\
  - rule: AIP-MON-005
    reason: labels arrive late this quarter
    approved_by: {name: Rahul Mehta, contact: rahul.mehta@acme-corp.io}
    expires: 2027-01-31
"""


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("$.rollback.rto", "rollback.rto"),
        (".rollback.rto", "rollback.rto"),
        ("'  rollback.rto  '", "rollback.rto"),
        ("X-legacy", "X-legacy"),  # only `$` and `.` are stripped, whatever the letter after them
        ("$.X-legacy", "X-legacy"),
    ],
)
def test_an_added_waiver_with_a_path_names_the_path_less_a_leading_dollar_and_dot(written, shown):
    [problem] = _weakened(BASE + _MON_005 + f"    path: {written}\n")
    assert problem.message == f"waiver for AIP-MON-005 at `{shown}` added since origin/main"


def test_a_waiver_path_with_or_without_a_leading_dollar_is_the_same_waiver():
    base = _edit("    reason: suite lands", "    path: data.sources\n    reason: suite lands")
    assert _weakened(_edit("path: data.sources", "path: $.data.sources", base), base) == []
    assert _weakened(_edit("path: data.sources", "path: .data.sources", base), base) == []


def test_waivers_that_are_not_mappings_with_a_rule_are_not_compared():
    odd = "  - AIP-MON-005\n  - {reason: names no rule}\n"
    assert _weakened(BASE + odd) == []
    assert _weakened(BASE + odd, BASE + odd) == []


def test_waivers_missing_from_the_base_or_from_the_new_file_are_compared_as_no_waivers():
    without = BASE.split("waivers:\n")[0]
    [problem] = _weakened(BASE, without)
    assert problem.message == "waiver for AIP-DATA-003 added since origin/main" and problem.path == ("waivers", 0)
    assert _weakened(without) == []  # removing waivers is stricter, and not a removed section


def test_each_added_waiver_is_reported_whatever_comes_before_it():
    own = """\
  - rule: AIP-GIT-001
    reason: the new region needs a slower cut-over
    approved_by: {name: Rahul Mehta, contact: rahul.mehta@acme-corp.io}
    expires: 2027-01-31
"""
    text = _edit("waivers:\n", "waivers:\n" + own) + _MON_005 + _MON_005.replace("AIP-MON-005", "AIP-DATA-001")
    assert [(p.path, p.message) for p in _weakened(text)] == [
        (("waivers", 2), "waiver for AIP-MON-005 added since origin/main"),
        (("waivers", 3), "waiver for AIP-DATA-001 added since origin/main"),
    ]


def test_the_list_index_of_a_path_reads_an_item_and_an_index_outside_or_into_a_mapping_reads_nothing():
    data = {"a": [5, 6], "m": {"k": 1}}
    assert gitrules._get(data, ("a", 0)) == 5 and gitrules._get(data, ("a", 1)) == 6
    assert gitrules._get(data, ("a", 2)) is None and gitrules._get(data, ("a", -1)) is None
    assert gitrules._get(data, ("m", 0)) is None


# -- AIP-GIT-002 stale-evidence ----------------------------------------------------------------


def _facts(tmp_path: Path, **kw) -> GitFacts:
    return GitFacts(tmp_path, "ai-production.yaml", "production", **kw)


def test_evidence_older_than_twice_its_cadence_is_stale_and_names_the_date(tmp_path):
    facts = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(datetime.date(2026, 9, 1))})
    [problem] = gitrules.stale_evidence(_load(BASE), None, facts, TODAY)
    assert problem.path == ("monitoring", "outcome_accuracy", "evidence_ref")
    assert "last changed in git on 2026-09-01, 86 days ago" in problem.message and "7d cadence" in problem.message


def test_evidence_exactly_twice_the_cadence_old_is_still_fresh(tmp_path):
    fresh = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(TODAY - datetime.timedelta(days=14))})
    assert gitrules.stale_evidence(_load(BASE), None, fresh, TODAY) == []
    stale = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(TODAY - datetime.timedelta(days=15))})
    assert len(gitrules.stale_evidence(_load(BASE), None, stale, TODAY)) == 1


def test_uncommitted_changes_count_as_changed_today(tmp_path):
    facts = _facts(
        tmp_path, changed={"evidence/accuracy.md": Changed(datetime.date(2025, 1, 1))}, dirty={"evidence/accuracy.md"}
    )
    assert gitrules.stale_evidence(_load(BASE), None, facts, TODAY) == []


def test_suite_cadence_is_the_refresh_duration_else_the_accuracy_cadence(tmp_path):
    five_days = TODAY - datetime.timedelta(days=5)
    facts = _facts(
        tmp_path,
        changed={
            "validation/tickets.yaml": Changed(five_days),  # refresh P1D: due every 2 days -> stale
            "validation/catalog.yaml": Changed(five_days),  # cron schedule: accuracy cadence (weekly) -> fresh
        },
    )
    [problem] = gitrules.stale_evidence(_load(BASE), None, facts, TODAY)
    assert problem.path == ("data", "sources", 0, "validation", "evidence_ref")
    assert "data.sources[0].refresh.schedule" in problem.message


def test_a_validation_suite_definition_is_never_stale(tmp_path):
    ages_ago = TODAY - datetime.timedelta(days=400)
    facts = _facts(
        tmp_path,
        changed={
            "validation/tickets-suite.yaml": Changed(ages_ago),
            "validation/catalog-suite.yaml": Changed(ages_ago),
        },
    )
    assert gitrules.stale_evidence(_load(BASE), None, facts, TODAY) == []


def test_evidence_about_to_go_stale_is_declared_as_a_deadline(tmp_path):
    facts = _facts(tmp_path, changed={"validation/tickets.yaml": Changed(TODAY - datetime.timedelta(days=1))})
    declared = []
    due = lambda path, day, what: declared.append((path, day)) or day <= TODAY  # noqa: E731
    assert gitrules.stale_evidence(_load(BASE), None, facts, TODAY, due) == []
    assert declared == [(("data", "sources", 0, "validation", "evidence_ref"), TODAY + datetime.timedelta(days=2))]


def test_a_suite_with_neither_a_duration_schedule_nor_an_accuracy_cadence_is_skipped(tmp_path):
    text = _edit("    cadence: weekly\n", "")
    facts = _facts(
        tmp_path,
        changed={
            "validation/catalog.yaml": Changed(datetime.date(2020, 1, 1)),
            "evidence/accuracy.md": Changed(datetime.date(2020, 1, 1)),
        },
    )
    assert gitrules.stale_evidence(_load(text), None, facts, TODAY) == []


def test_a_shallow_boundary_date_is_only_an_upper_bound(tmp_path):
    recent = _facts(
        tmp_path, changed={"evidence/accuracy.md": Changed(TODAY - datetime.timedelta(days=3), at_or_before=True)}
    )
    assert gitrules.stale_evidence(_load(BASE), None, recent, TODAY) == []
    old = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(datetime.date(2026, 1, 1), at_or_before=True)})
    [problem] = gitrules.stale_evidence(_load(BASE), None, old, TODAY)
    assert "on or before 2026-01-01" in problem.message


# -- AIP-GIT-003 CODEOWNERS, as GitHub documents it ---------------------------------------------

# The examples of GitHub's "About code owners" page, with the paths it says they own.
GITHUB_EXAMPLES = [
    ("*", "any/file.txt", True),
    ("*.js", "src/app/main.js", True),
    ("*.js", "src/app/main.ts", False),
    ("/build/logs/", "build/logs/today.log", True),
    ("/build/logs/", "build/logs/deep/today.log", True),
    ("/build/logs/", "src/build/logs/today.log", False),
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("apps/", "apps/x.py", True),
    ("apps/", "services/apps/deep/x.py", True),
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "other/docs/a.md", False),
    ("**/logs", "build/logs/x", True),
    ("**/logs", "deeply/nested/logs/x", True),
    ("**/logs", "logs/x", True),
    ("/apps/github", "apps/github/x.rb", True),
    ("/apps/github", "apps/githubber/x.rb", False),
    ("services/*/ai-production.yaml", "services/router/ai-production.yaml", True),
    ("services/*/ai-production.yaml", "services/a/b/ai-production.yaml", False),
    ("ai-production.yaml", "deep/down/ai-production.yaml", True),
    ("/ai-production.yaml", "deep/down/ai-production.yaml", False),
]


@pytest.mark.parametrize(("pattern", "path", "owned"), GITHUB_EXAMPLES)
def test_codeowners_patterns_match_as_github_documents(pattern, path, owned):
    owners = CodeOwners.parse(f"{pattern} @owner\n")
    assert (owners.match(path) is not None) is owned


def test_codeowners_last_matching_line_wins_and_a_line_without_owners_unassigns():
    owners = CodeOwners.parse("/apps/ @octocat\n/apps/github\n")
    assert owners.match("apps/web/x.py").owners == ("@octocat",)
    rule = owners.match("apps/github/x.rb")
    assert rule is not None and rule.owners == () and rule.line == 2


def test_codeowners_comments_blank_lines_and_unsupported_syntax_are_skipped():
    owners = CodeOwners.parse("# all\n\n*.py @py  # inline comment\n!*.md @nobody\n*.[ch] @c\n")
    assert owners.match("a.py").owners == ("@py",)
    assert owners.match("README.md") is None  # `!` does not work in CODEOWNERS: the line is skipped
    assert owners.match("x.c") is None  # nor do [ ] ranges


def _codeowners_problems(tmp_path: Path, text: str | None, path: str = "services/router/ai-production.yaml"):
    owners = CodeOwners.parse(text, ".github/CODEOWNERS") if text is not None else None
    facts = GitFacts(tmp_path, path, "production", codeowners=owners)
    return gitrules.codeowners(_load(BASE), None, facts)


def test_codeowners_finding_without_a_file_without_an_entry_and_with_an_unassigning_line(tmp_path):
    [none] = _codeowners_problems(tmp_path, None)
    assert none.message.startswith("no CODEOWNERS file") and none.path == ("owners",) and none.missing
    [unmatched] = _codeowners_problems(tmp_path, "/docs/ @writers\n")
    assert "has no entry in .github/CODEOWNERS" in unmatched.message
    [unassigned] = _codeowners_problems(tmp_path, "/services/ @platform\n/services/router/\n")
    assert ".github/CODEOWNERS:2" in unassigned.message and "names nobody" in unassigned.message
    assert _codeowners_problems(tmp_path, "/services/ @platform\n") == []


def test_codeowners_find_reads_github_first_then_root_then_docs(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @docs\n", encoding="utf-8")
    assert CodeOwners.find(tmp_path).source == "docs/CODEOWNERS"
    (tmp_path / "CODEOWNERS").write_text("* @root\n", encoding="utf-8")
    assert CodeOwners.find(tmp_path).source == "CODEOWNERS"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @github\n", encoding="utf-8")
    found = CodeOwners.find(tmp_path)
    assert found.source == ".github/CODEOWNERS" and found.match("x").owners == ("@github",)


def test_a_codeowners_symlink_leading_outside_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "outside-CODEOWNERS"
    outside.write_text("* @intruder\n", encoding="utf-8")
    root = tmp_path / "repo"
    (root / ".github").mkdir(parents=True)
    try:
        (root / ".github" / "CODEOWNERS").symlink_to(outside)
    except OSError:
        pytest.skip("symlinks are not available here")
    (root / "CODEOWNERS").write_text("* @inside\n", encoding="utf-8")
    assert CodeOwners.find(root).source == "CODEOWNERS"


# -- AIP-GIT-004 untracked-ref -------------------------------------------------------------------


def test_an_existing_ref_that_git_does_not_track_is_reported_and_a_missing_one_is_left_to_ref_exists(tmp_path):
    for rel in ("evidence/accuracy.md", "runbooks/accuracy.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n", encoding="utf-8")
    facts = _facts(tmp_path, tracked={"runbooks/accuracy.md"})
    problems = gitrules.untracked_refs(_load(BASE), None, facts)
    assert [p.path for p in problems] == [("monitoring", "outcome_accuracy", "evidence_ref")]
    assert "not tracked by git" in problems[0].message and "git add evidence/accuracy.md" in problems[0].message


def test_untracked_ref_says_nothing_when_git_could_not_list_the_index(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "accuracy.md").write_text("x\n", encoding="utf-8")
    assert gitrules.untracked_refs(_load(BASE), None, _facts(tmp_path, tracked=None)) == []


def test_a_deleted_drift_threshold_is_reported_as_removed():
    [problem] = _weakened(_edit("method: psi, threshold: 0.2, reference", "method: psi, reference"))
    assert problem.message.startswith(
        "drift threshold for `features` [channel, language] (0.2) removed since origin/main"
    )
    assert problem.path == ("monitoring", "drift", 0) and not problem.missing  # at the monitor, which is still there


def test_a_deleted_accuracy_threshold_is_reported_as_removed():
    [problem] = _weakened(_edit("    threshold: 0.85\n", ""))
    assert (
        problem.message.startswith("accuracy threshold for ") and "(0.85) removed since origin/main" in problem.message
    )
    assert problem.path == ("monitoring", "outcome_accuracy", "threshold") and problem.missing


# -- checker/git/facts.py: which refs the git rules look at ----------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "TODO",  # a placeholder names no file
        7,  # not text
        "https://example.com/evidence.md",  # a URL
        "/etc/passwd",  # absolute: refused
        "../outside.md",  # leaves the repository
        ".",  # the repository itself, not a file in it
        "docs/..",
    ],
)
def test_a_ref_that_names_no_file_in_the_repository_has_no_repository_path(tmp_path, ref):
    from checker.git.facts import repo_path

    assert repo_path(tmp_path, ref) is None


def test_a_ref_is_a_normalised_slash_separated_repository_path(tmp_path):
    from checker.git.facts import repo_path

    assert repo_path(tmp_path, " evidence/./accuracy.md ") == "evidence/accuracy.md"
    assert repo_path(tmp_path, "evidence\\accuracy.md") == "evidence/accuracy.md"  # a Windows separator


def test_a_ref_through_a_link_that_climbs_above_the_root_in_writing_has_no_repository_path(tmp_path):
    from checker.git.facts import repo_path

    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "a" / "b" / "c")
    # The file system resolves it inside the repository (a/x.md); as written it climbs out
    # (`../x.md`), and git tracks paths as written: no repository path to look up.
    assert repo_path(tmp_path, "link/../../x.md") is None


def _evidence_of(text: str) -> list[tuple]:
    from checker.git.facts import _evidence

    return [(json_path(path), ref, cadence.days, source) for path, ref, cadence, source in _evidence(_load(text))]


def test_evidence_is_read_from_each_source_with_a_validation_and_a_cadence_whatever_comes_before_it():
    text = """\
apiVersion: aipolicy/v1
stage: production
data:
  sources:
    - just-a-name
    - {name: no-validation, refresh: {schedule: P1D}}
    - {name: suite-only, validation: {suite_ref: v/suite.yaml}, refresh: {schedule: P1D}}
    - {name: cron, refresh: {schedule: "0 2 * * *"}, validation: {evidence_ref: v/cron.md}}
    - {name: no-refresh, validation: {evidence_ref: v/plain.md}}
    - {name: daily, refresh: {schedule: P1D}, validation: {evidence_ref: v/daily.md}}
"""
    # No accuracy cadence to fall back on: only the source with its own duration counts.
    assert _evidence_of(text) == [
        ("$.data.sources[5].validation.evidence_ref", "v/daily.md", 1, "data.sources[5].refresh.schedule")
    ]
    with_cadence = text.replace("data:\n", "monitoring:\n  outcome_accuracy: {cadence: weekly}\ndata:\n")
    assert [row[0] for row in _evidence_of(with_cadence)] == [
        "$.data.sources[3].validation.evidence_ref",  # a cron schedule: the accuracy cadence instead
        "$.data.sources[4].validation.evidence_ref",
        "$.data.sources[5].validation.evidence_ref",
    ]


@pytest.mark.parametrize(
    "shape",
    [
        "apiVersion: aipolicy/v1\n",  # neither monitoring nor data
        "monitoring: {outcome_accuracy: [weekly]}\ndata: {sources: {name: tickets}}\n",  # wrong shapes
        "data: {sources: [tickets, {validation: [evidence_ref]}]}\n",
    ],
)
def test_a_manifest_without_evidence_or_with_misshapen_sections_has_none(shape):
    assert _evidence_of(shape) == []


# -- AIP-GIT-005 stuck-in-pilot, as a function of the facts ------------------------------------


def _pilot_facts(tmp_path: Path, *history, stage: str = "pilot", months: int = 14) -> GitFacts:
    from checker.portfolio import StageChange

    changes = [StageChange(s, day, commit, shallow) for s, day, commit, shallow in history]
    return GitFacts(tmp_path, "ai-production.yaml", stage, stage_history=changes, stuck_after=months)


PILOT_SINCE = ("pilot", datetime.date(2025, 9, 26), "0123456789abcdef0123", False)  # 14 months before TODAY


def test_a_pilot_is_stuck_from_the_day_after_stuck_after_months_and_not_on_the_day(tmp_path):
    pilot = _load(BASE.replace("stage: production", "stage: pilot"))
    facts = _pilot_facts(tmp_path, ("exploration", datetime.date(2025, 1, 2), "f" * 40, False), PILOT_SINCE)
    assert gitrules.stuck_in_pilot(pilot, None, facts, TODAY) == []  # 14 months exactly
    [problem] = gitrules.stuck_in_pilot(pilot, None, facts, TODAY + datetime.timedelta(days=1))
    assert problem.path == ("stage",)
    assert problem.message == (
        "at `stage: pilot` since 2025-09-26 (commit 0123456789ab) by git history: 14 months, past the"
        " 14-month stuck-after limit since 2026-11-27; decide: promote to production, re-scope or retire"
    )


def test_stuck_after_is_read_from_the_facts(tmp_path):
    pilot = _load(BASE.replace("stage: production", "stage: pilot"))
    assert gitrules.stuck_in_pilot(pilot, None, _pilot_facts(tmp_path, PILOT_SINCE, months=13), TODAY)
    assert gitrules.stuck_in_pilot(pilot, None, _pilot_facts(tmp_path, PILOT_SINCE, months=15), TODAY) == []


def test_a_pilot_dated_at_a_shallow_clones_first_commit_says_or_earlier(tmp_path):
    pilot = _load(BASE.replace("stage: production", "stage: pilot"))
    shallow = ("pilot", datetime.date(2024, 1, 1), "abcdef0123456789", True)
    [problem] = gitrules.stuck_in_pilot(pilot, None, _pilot_facts(tmp_path, shallow), TODAY)
    assert problem.message.startswith(
        "at `stage: pilot` since 2024-01-01 or earlier (commit abcdef012345, the first of this shallow clone)"
        " by git history: 34 months"
    )


@pytest.mark.parametrize(
    ("stage", "history"),
    [
        ("production", [PILOT_SINCE]),  # the manifest's own stage is not pilot
        ("pilot", []),  # no history
        ("pilot", [PILOT_SINCE, ("production", datetime.date(2026, 1, 1), "e" * 40, False)]),  # moved on since
        ("pilot", [("pilot", datetime.date(9999, 6, 1), "d" * 40, False)]),  # a date at the calendar's end
    ],
)
def test_no_stuck_pilot_without_a_committed_pilot_stage_in_time(tmp_path, stage, history):
    pilot = _load(BASE.replace("stage: production", "stage: pilot"))
    facts = _pilot_facts(tmp_path, *history, stage=stage)
    assert gitrules.stuck_in_pilot(pilot, None, facts, datetime.date(2040, 1, 1)) == []


def test_a_pilot_not_stuck_yet_declares_the_day_it_will_be(tmp_path):
    pilot = _load(BASE.replace("stage: production", "stage: pilot"))
    declared = []

    def fails_from(path, day, what):
        declared.append((path, day, what))
        return False

    assert gitrules.stuck_in_pilot(pilot, None, _pilot_facts(tmp_path, PILOT_SINCE), TODAY, fails_from) == []
    assert declared == [
        (
            ("stage",),
            datetime.date(2026, 11, 27),
            "`stage: pilot` since 2025-09-26 (commit 0123456789ab) passes the 14-month stuck-after limit",
        )
    ]


def test_without_a_codeowners_file_the_finding_lists_where_it_looked_and_escapes_the_path(tmp_path):
    [none] = _codeowners_problems(tmp_path, None, path="my models/ai-production.yaml")
    assert none.message == (
        "no CODEOWNERS file (looked for .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS): add .github/CODEOWNERS"
        " with a line such as `/my\\ models/ai-production.yaml @owner` so changes to this manifest need its"
        " owners' review"
    )


def test_the_git_add_hint_quotes_a_path_that_a_shell_would_split_and_only_such_a_path(tmp_path):
    from checker.git.rules import _quote

    assert _quote("evidence/accuracy-2026.md") == "evidence/accuracy-2026.md"
    assert _quote("evidence/accuracy 2026.md") == "'evidence/accuracy 2026.md'"
    assert _quote("evidence/$HOME.md") == "'evidence/$HOME.md'"


# -- the git rules as registered checks: what the engine calls ---------------------------------


def _registered(name: str, tmp_path: Path, git: GitFacts | None, text: str = BASE) -> list[Problem]:
    from checker.checks.rules import REGISTRY
    from checker.ruleapi import RuleContext

    ctx = RuleContext(_load(text), TODAY, tmp_path, False, "production", git=git)
    return list(REGISTRY[name](ctx))


def test_each_git_check_is_registered_under_its_functions_name_and_says_nothing_outside_a_repository(tmp_path):
    for name in ("weakened_commitment", "stale_evidence", "codeowners", "untracked_refs", "stuck_in_pilot"):
        assert _registered(name, tmp_path, None) == []


def test_a_registered_git_check_hands_the_manifest_the_base_and_the_facts_to_its_rule(tmp_path):
    assert [p.path for p in _registered("codeowners", tmp_path, _facts(tmp_path))] == [("owners",)]
    base = _load(BASE)
    weaker = _edit("  rto: PT1H\n", "  rto: PT2H\n")
    facts = GitFacts(tmp_path, "ai-production.yaml", "production", base=base, base_label="origin/main")
    assert [p.path for p in _registered("weakened_commitment", tmp_path, facts, weaker)] == [("rollback", "rto")]


def test_a_registered_date_check_is_given_today_and_declares_its_deadline(tmp_path):
    from checker.checks.rules import REGISTRY
    from checker.ruleapi import RuleContext

    facts = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(datetime.date(2026, 9, 1))})
    assert [p.path for p in _registered("stale_evidence", tmp_path, facts)] == [
        ("monitoring", "outcome_accuracy", "evidence_ref")
    ]
    fresh = _facts(tmp_path, changed={"evidence/accuracy.md": Changed(TODAY)})
    ctx = RuleContext(_load(BASE), TODAY, tmp_path, False, "production", git=fresh, deadlines=[])
    assert list(REGISTRY["stale_evidence"](ctx)) == []
    assert [(d.path, d.fails_from, d.what) for d in ctx.deadlines] == [
        (
            ("monitoring", "outcome_accuracy", "evidence_ref"),
            TODAY + datetime.timedelta(days=15),
            "`monitoring.outcome_accuracy.evidence_ref` 'evidence/accuracy.md' (last changed in git on 2026-11-26)"
            " goes stale, older than twice its 7d cadence,",
        )
    ]


def test_codeowners_findings_without_an_entry_or_an_owner_are_missing_owners_at_the_owners_key(tmp_path):
    [unmatched] = _codeowners_problems(tmp_path, "/docs/ @writers\n")
    [unassigned] = _codeowners_problems(tmp_path, "/services/ @platform\n/services/router/\n")
    assert [(p.path, p.missing) for p in (unmatched, unassigned)] == [(("owners",), True), (("owners",), True)]


def test_each_evidence_file_is_judged_whatever_the_ones_before_it_are(tmp_path):
    old = Changed(datetime.date(2026, 1, 1))
    # The accuracy evidence first: changed right now, then not committed, then fresh. The
    # tickets source's evidence after it is stale each time and must still be reported.
    for first in ({"dirty": {"evidence/accuracy.md"}}, {}, {"fresh": Changed(TODAY)}):
        changed = {"validation/tickets.yaml": old}
        if "fresh" in first:
            changed["evidence/accuracy.md"] = first["fresh"]
        facts = _facts(tmp_path, changed=changed, dirty=first.get("dirty", ()))
        assert [p.path for p in gitrules.stale_evidence(_load(BASE), None, facts, TODAY)] == [
            ("data", "sources", 0, "validation", "evidence_ref")
        ], first


def test_a_git_rule_is_skipped_outside_a_repository_and_a_base_rule_also_without_a_base_ref():
    with_base = GitFacts(Path("."), "ai-production.yaml", "production", None, "origin/main")
    without_base = GitFacts(Path("."), "ai-production.yaml", "production")
    assert gitrules.skipped({"git"}, None) and not gitrules.skipped({"git"}, without_base)
    assert gitrules.skipped({"git-base"}, None) and gitrules.skipped({"git-base"}, without_base)
    assert not gitrules.skipped({"git-base"}, with_base)
    assert not gitrules.skipped({"monitoring"}, None) and not gitrules.skipped({"monitoring"}, without_base)
