"""The condition language of policy packs (checker/expr.py), operator by operator and
function by function, as docs/organisation-policy.md promises it to organisations.

Each test pins one behaviour a pack author relies on, with the values on both sides of
it, so that flipping an operator, a constant or a branch in expr.py fails a test.
"""

from __future__ import annotations

import datetime

import pytest

from checker import expr

TODAY = datetime.date(2026, 11, 26)
DATA = {
    "risk_tier": "high",
    "system": {"id": "fraud-scorer", "type": "classifier", "tags": ["payments", "eu"]},
    "monitoring": {"drift": [{"threshold": 0.2}, {"threshold": 0.4}], "outcome_accuracy": {"threshold": 0.9}},
    "rollback": {"rto": "PT4H", "last_tested": "2026-11-16"},
    "governance": {"next_review": "2026-12-06"},
    "owners": {
        "technical": {"name": "Priya Raman", "contact": "priya.raman@acme-corp.io"},
        "business": {"name": "Claims Analytics", "contact": "claims@acme-corp.io"},
    },
    "llm": {"enabled": True, "count": 1},
}


def ev(text: str, data: dict | None = None, item: object = None) -> bool:
    result = expr.compile_expr(text)(expr.Context(DATA if data is None else data, TODAY, item))
    assert result is True or result is False, f"{text!r} gave {result!r}, not a boolean"
    return result


# -- comparisons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monitoring.outcome_accuracy.threshold < 0.95", True),
        ("monitoring.outcome_accuracy.threshold < 0.9", False),
        ("monitoring.outcome_accuracy.threshold < 0.85", False),
        ("monitoring.outcome_accuracy.threshold <= 0.9", True),
        ("monitoring.outcome_accuracy.threshold <= 0.85", False),
        ("monitoring.outcome_accuracy.threshold > 0.85", True),
        ("monitoring.outcome_accuracy.threshold > 0.9", False),
        ("monitoring.outcome_accuracy.threshold > 0.95", False),
        ("monitoring.outcome_accuracy.threshold >= 0.9", True),
        ("monitoring.outcome_accuracy.threshold >= 0.95", False),
        ("1 < 2", True),
        ("2 < 1", False),
        ("2 > 1", True),
        ("1 > 2", False),
    ],
)
def test_order_operators_compare_both_ways_and_at_the_boundary(text: str, expected: bool) -> None:
    assert ev(text) is expected


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_an_order_comparison_with_a_missing_field_is_false_on_either_side(op: str) -> None:
    assert ev(f"monitoring.nope {op} 1") is False
    assert ev(f"1 {op} monitoring.nope") is False
    assert ev(f"monitoring.nope {op} monitoring.also_nope") is False


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_an_order_comparison_with_a_boolean_or_a_mismatched_type_is_false(op: str) -> None:
    assert ev(f"llm.enabled {op} 0") is False  # true is not 1
    assert ev(f"0 {op} llm.enabled") is False
    assert ev(f"system.id {op} 3") is False  # text against a number: no answer, not an exception


def test_equality_with_a_missing_field_is_true_only_for_null() -> None:
    assert ev("monitoring.nope == null") is True
    assert ev("monitoring.nope != null") is False
    assert ev("monitoring.nope == 0") is False
    assert ev("monitoring.nope != 0") is True
    assert ev("risk_tier == null") is False


def test_booleans_equal_only_booleans() -> None:
    assert ev("llm.enabled == true") is True
    assert ev("llm.enabled == 1") is False
    assert ev("llm.count == true") is False  # 1 is not true
    assert ev("llm.count == 1") is True
    assert ev("llm.enabled != false") is True


def test_a_bare_word_is_text_and_a_section_word_is_a_path() -> None:
    assert ev("risk_tier == high") is True
    assert ev("risk_tier == low") is False
    assert ev("system.type == 'classifier'") is True
    assert ev("'risk_tier' == risk_tier") is False  # quoted: the text itself, not the field


# -- in / not in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("system.type in [classifier, ranker]", True),
        ("system.type in [ranker, generator]", False),
        ("system.type not in [classifier, ranker]", False),
        ("system.type not in [ranker, generator]", True),
        ("payments in system.tags", True),
        ("cards in system.tags", False),
        ("cards not in system.tags", True),
        ("'scor' in system.id", True),  # a substring of text
        ("'xyz' in system.id", False),
        ("technical in owners", True),  # a key of a mapping
        ("legal in owners", False),
        ("monitoring.nope in [null]", False),  # a missing value is in nothing
        ("monitoring.nope not in [null]", True),
        ("1 in system.id", False),  # a number is not text
    ],
)
def test_in_and_not_in_are_membership_and_its_negation(text: str, expected: bool) -> None:
    assert ev(text) is expected


def test_not_in_returns_a_boolean_not_its_left_operand() -> None:
    node = expr.compile_expr("system.type not in [ranker]")
    assert node(expr.Context(DATA, TODAY)) is True
    assert expr.compile_expr("system.type not in [classifier]")(expr.Context(DATA, TODAY)) is False


# -- and / or / not ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("risk_tier == high and llm.enabled == true", True),
        ("risk_tier == high and llm.enabled == false", False),
        ("risk_tier == low and llm.enabled == true", False),
        ("risk_tier == low or llm.enabled == true", True),
        ("risk_tier == low or llm.enabled == false", False),
        ("risk_tier == low or risk_tier == high and llm.enabled == false", False),  # and binds tighter
        ("(risk_tier == low or risk_tier == high) and llm.enabled == true", True),
        ("not risk_tier == low", True),
        ("not risk_tier == high", False),
        ("not not risk_tier == high", True),
        ("not not not risk_tier == high", False),
    ],
)
def test_and_binds_tighter_than_or_and_not_negates_each_time(text: str, expected: bool) -> None:
    assert ev(text) is expected


# -- functions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("present(rollback.rto)", True),
        ("present(rollback.nope)", False),
        ("present('TODO')", False),  # a placeholder is no answer
        ("len(monitoring.drift) == 2", True),
        ("len(monitoring.drift) == 1", False),
        ("len(owners) == 2", True),
        ("len(system.id) == 12", True),
        ("len(monitoring.nope) == 0", True),  # missing: nothing
        ("len(llm.count) == 0", True),  # a number has no length
        ("days(rollback.rto) * 1 == 0", None),  # not in the language: a parse error
    ],
)
def test_present_and_len(text: str, expected: bool | None) -> None:
    if expected is None:
        with pytest.raises(expr.ExprError):
            expr.compile_expr(text)
        return
    assert ev(text) is expected


def test_days_reads_durations_and_keywords() -> None:
    assert ev("days(rollback.rto) <= days('PT4H')") is True
    assert ev("days(rollback.rto) < days('PT4H')") is False
    assert ev("days(rollback.rto) > days('PT3H')") is True
    assert ev("days('P1D') == 1") is True
    assert ev("days('weekly') == 7") is True
    assert ev("days(rollback.nope) < 1") is False  # no duration: no comparison holds
    assert ev("days(rollback.nope) >= 0") is False


def test_age_and_until_count_days_from_today_in_both_directions() -> None:
    # rollback.last_tested is 10 days before TODAY; governance.next_review 10 days after.
    assert ev("age(rollback.last_tested) == 10") is True
    assert ev("age(rollback.last_tested) > 10") is False
    assert ev("age(rollback.last_tested) >= 10") is True
    assert ev("until(governance.next_review) == 10") is True
    assert ev("until(governance.next_review) < 10") is False
    assert ev("age(governance.next_review) == -10") is True
    assert ev("until(rollback.last_tested) == -10") is True
    assert ev("age(rollback.nope) > 0") is False
    assert ev("until(rollback.nope) < 0") is False
    assert ev("age('not a date') >= 0") is False


def test_person_needs_one_human_with_a_contact() -> None:
    assert ev("person(owners.technical)") is True
    assert ev("person(owners.business)") is False  # a team, not a person (spec A1)
    assert ev("person(owners.nope)") is False
    assert ev("person(risk_tier)") is False  # not a mapping
    no_contact = {"owners": {"technical": {"name": "Priya Raman"}}}
    assert ev("person(owners.technical)", no_contact) is False
    bad_contact = {"owners": {"technical": {"name": "Priya Raman", "contact": "TBD"}}}
    assert ev("person(owners.technical)", bad_contact) is False


def test_lower_and_matches() -> None:
    assert ev("lower(system.type) == classifier", {"system": {"type": "ClassiFier"}}) is True
    assert ev("system.type == classifier", {"system": {"type": "ClassiFier"}}) is False
    assert ev("matches(system.id, '^fraud-')") is True
    assert ev("matches(system.id, '^scorer')") is False
    assert ev("matches(llm.count, '1')") is False  # only text matches


def test_valid_schedule() -> None:
    assert ev("valid_schedule(retraining.cadence)", {"retraining": {"cadence": "P7D"}}) is True
    assert ev("valid_schedule(retraining.cadence)", {"retraining": {"cadence": "whenever"}}) is False


def test_item_reads_the_current_element_of_an_each_block() -> None:
    assert ev("item.threshold < 0.3", item={"threshold": 0.2}) is True
    assert ev("item.threshold < 0.3", item={"threshold": 0.4}) is False
    assert ev("item.threshold < 0.3", item=None) is False


def test_a_wrong_argument_count_or_an_unknown_function_fails_when_the_pack_loads() -> None:
    for text, says in (
        ("len(a, b)", "takes 1 argument"),
        ("nope(x)", "unknown function"),
        ("matches(system.id)", "takes 2 argument"),
        ("matches(system.id, system.type)", "quoted"),
    ):
        with pytest.raises(expr.ExprError, match=says):
            expr.compile_expr(text)
