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


# -- parsing: limits, positions and what an error says -------------------------------------------


def test_a_path_splits_into_keys_and_list_indices() -> None:
    assert expr.split_path("a.b[0].c") == ("a", "b", 0, "c")
    assert expr.split_path("a[1][2]") == ("a", 1, 2)
    assert expr.split_path("a") == ("a",)


def test_an_index_one_below_the_limit_is_a_path_and_the_limit_itself_is_an_error() -> None:
    assert expr.split_path(f"a[{expr.MAX_INDEX - 1}]") == ("a", expr.MAX_INDEX - 1)
    with pytest.raises(expr.ExprError, match="past any list"):
        expr.split_path(f"a[{expr.MAX_INDEX}]")
    with pytest.raises(expr.ExprError, match="past any list"):
        expr.split_path("a[" + "0" * 7 + "1]")  # more digits than the limit has, whatever their value
    with pytest.raises(expr.ExprError) as raised:
        expr.split_path("a[" + "1" * 30 + "]")
    assert str(raised.value).endswith(": index " + "1" * 19 + "… is past any list a manifest can hold")


def test_an_index_that_is_not_ascii_digits_is_an_error() -> None:
    for index in ("x", "-1", "١"):  # a letter, a sign, an Arabic-Indic digit
        with pytest.raises(expr.ExprError, match="is not a number"):
            expr.split_path(f"a[{index}]")


def test_an_index_reads_the_element_and_past_the_end_is_missing() -> None:
    assert ev("monitoring.drift[1].threshold == 0.4") is True
    assert ev("monitoring.drift[0].threshold == 0.2") is True
    assert ev("monitoring.drift[2].threshold == null") is True  # one past the end
    assert ev("system.id[0] == null") is True  # text is not a list
    assert ev("risk_tier.level == null") is True  # text has no keys


def test_a_path_through_the_current_item_reads_below_it() -> None:
    assert ev("item == 3", item=3) is True
    assert ev("item.a.b == 1", item={"a": {"b": 1}}) is True
    assert ev("item[1] == y", item=["x", "y"]) is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("risk_tier == #", "unexpected character '#' at column 14 in `risk_tier == #`"),
        ("  risk_tier == #", "unexpected character '#' at column 16 in `risk_tier == #`"),
        ("(risk_tier", "`(risk_tier` ends too early; expected `)`"),
        ("risk_tier ==", "`risk_tier ==` ends too early"),
        ("len(1) )", "unexpected `)` at column 8 in `len(1) )`"),
        ("(risk_tier == high]", "expected `)` at column 19 in `(risk_tier == high]`, found `]`"),
        ("system.id[100000] == 1", "(column 1 in `system.id[100000] == 1`)"),
        ("risk_tier == system.id[100000]", "(column 14 in `risk_tier == system.id[100000]`)"),
        ("len(a, b)", "`len` takes 1 argument(s), got 2 in `len(a, b)`"),
        ("1 == nope(x)", "unknown function `nope` at column 6 in `1 == nope(x)`"),
    ],
)
def test_a_malformed_expression_says_where(text: str, message: str) -> None:
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr(text)
    assert message in str(raised.value)


def test_a_number_with_too_many_digits_is_an_error_naming_its_column() -> None:
    with pytest.raises(expr.ExprError, match=r"number at column 6 in .* has too many digits"):
        expr.compile_expr("1 == " + "1" * 5000)


def test_numbers_are_integers_or_decimals() -> None:
    assert ev("llm.count == 1") is True
    assert ev("monitoring.outcome_accuracy.threshold == 0.9") is True
    assert ev("-1 < 0") is True
    assert ev("1.5 > 1") is True and ev("1.5 < 2") is True


def test_a_long_expression_is_quoted_on_one_line_cut_to_sixty_characters() -> None:
    long = "risk_tier ==\n" + " and ".join(["risk_tier == high"] * 10) + " #"
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr(long)
    quoted = str(raised.value).split("`", 1)[1].rsplit("`", 1)[0]
    assert "\n" not in quoted and len(quoted) == 60 and quoted.endswith("…")
    assert quoted.startswith("risk_tier == risk_tier == high and")  # the line break became one space
    exact = "risk_tier == " + "x" * 45 + " #"  # 60 characters: quoted whole
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr(exact)
    assert f"`{exact}`" in str(raised.value)
    over = exact + "#"
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr(over)
    assert f"`{over[:59]}…`" in str(raised.value)


def test_nesting_to_the_limit_parses_and_one_level_more_is_an_error() -> None:
    deep = "(" * expr.MAX_NESTING + "risk_tier == high" + ")" * expr.MAX_NESTING
    assert ev(deep) is True
    lists = "risk_tier in " + "[" * expr.MAX_NESTING + "high" + "]" * expr.MAX_NESTING
    assert ev(lists) is False  # `high` is nested, not an element
    calls = "lower(" * expr.MAX_NESTING + "risk_tier" + ")" * expr.MAX_NESTING + " == high"
    assert ev(calls) is True
    for text in (
        "(" + deep + ")",
        "risk_tier in [" + lists.split(" in ", 1)[1] + "]",
        "lower(" + calls.split(" == ")[0] + ") == high",
    ):
        with pytest.raises(expr.ExprError, match=f"nest more than {expr.MAX_NESTING} deep at column"):
            expr.compile_expr(text)


def test_siblings_do_not_add_up_to_the_nesting_limit() -> None:
    # Depth is how deep brackets nest, not how many there are: each closed bracket gives its level back.
    many = " and ".join(["(risk_tier == high)"] * (expr.MAX_NESTING + 5))
    assert ev(many) is True
    calls = " and ".join(["present(risk_tier)"] * (expr.MAX_NESTING + 5))
    assert ev(calls) is True
    lists = " and ".join(["risk_tier in [high]"] * (expr.MAX_NESTING + 5))
    assert ev(lists) is True


def test_the_nesting_error_names_the_column_of_the_bracket_past_the_limit() -> None:
    text = "(" * (expr.MAX_NESTING + 1) + "x" + ")" * (expr.MAX_NESTING + 1)
    with pytest.raises(expr.ExprError, match=f"at column {expr.MAX_NESTING + 1} in"):
        expr.compile_expr(text)


def test_list_items_may_be_separated_by_commas_or_spaces() -> None:
    assert ev("system.type in [ranker, classifier]") is True
    assert ev("system.type in [ranker classifier]") is True
    assert ev("system.type in []") is False
    assert ev("len(monitoring.drift) in [1, 2, 3]") is True


def test_quoted_text_keeps_its_inner_characters_in_either_quote() -> None:
    assert ev("system.id == 'fraud-scorer'") is True
    assert ev('system.id == "fraud-scorer"') is True
    assert ev("'a b' == 'a b'") is True and ev("'a b' == 'a  b'") is False


def test_an_expression_must_be_non_empty_text() -> None:
    for bad in ("", "   ", None, 3):
        with pytest.raises(expr.ExprError, match="non-empty string"):
            expr.compile_expr(bad)  # type: ignore[arg-type]


def test_a_bad_regular_expression_fails_when_the_pack_loads_unless_checking_is_deferred() -> None:
    with pytest.raises(expr.ExprError, match="bad regular expression"):
        expr.compile_expr("matches(system.id, '(')")
    deferred = expr.compile_expr("matches(system.id, '(x')", check_patterns=False)
    with pytest.raises(expr.ExprError, match="bad regular expression"):
        deferred(expr.Context(DATA, TODAY))


def test_matches_searches_anywhere_and_reads_text_with_a_lone_surrogate() -> None:
    assert ev("matches(system.id, 'scor')") is True  # a search, not a full match
    assert ev("matches(system.id, 'e')", {"system": {"id": "\ud800e"}}) is True
    assert ev("matches(system.id, '^\\?e$')", {"system": {"id": "\ud800e"}}) is True  # the surrogate reads as `?`


def test_referenced_paths_are_the_section_and_item_words_in_order() -> None:
    text = "risk_tier == high and item.x > 1 and system.tags[0] in [a, owners] and 'system' == b"
    assert expr.referenced_paths(text) == ["risk_tier", "item.x", "system.tags[0]", "owners"]
    assert expr.referenced_paths("high == low") == []


def test_equality_of_values_that_cannot_be_compared_is_false_not_an_error() -> None:
    assert expr._equal(float("nan"), float("nan")) is False
    assert expr._equal([1], [1]) is True
    assert expr._contains({"a": 1}, ["unhashable"]) is False
    assert expr._contains(3, 3) is False  # a number contains nothing
    assert expr._contains({"a": 1}, "a") is True


def test_order_comparisons_that_python_cannot_make_are_false() -> None:
    assert expr._compare("<", "a", 1) is False
    assert expr._compare("<", [1], [2]) is True  # lists compare in order, as in Python
    assert expr._compare("<", 10**400, float("inf")) is True
    assert expr._compare(">", 10**400, 1.0) is True


def test_an_unknown_function_is_named_cut_to_thirty_characters_and_the_known_ones_listed() -> None:
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr("f" * 40 + "(x)")
    message = str(raised.value)
    assert message.startswith("unknown function `" + "f" * 29 + "…` at column 1 in ")
    assert message.endswith("(known: " + ", ".join(sorted(expr.FUNCTIONS)) + ")")


def test_a_call_past_the_nesting_limit_names_the_column_of_that_call() -> None:
    text = "present(" * (expr.MAX_NESTING + 1) + "x" + ")" * (expr.MAX_NESTING + 1)
    with pytest.raises(expr.ExprError, match=f"at column {8 * expr.MAX_NESTING + 1} in"):
        expr.compile_expr(text)


def test_whole_numbers_stay_exact_integers() -> None:
    assert ev("10000000000000001 > 10000000000000000") is True  # equal as floats
    assert ev("10000000000000001 == 10000000000000000") is False


def test_a_bad_index_is_quoted_cut_to_twenty_characters_inside_the_whole_path() -> None:
    with pytest.raises(expr.ExprError) as raised:
        expr.split_path("a[" + "x" * 30 + "]")
    assert str(raised.value) == "path `a[" + "x" * 30 + "]`: index `" + "x" * 19 + "…` is not a number"


def test_an_index_of_as_many_digits_as_the_limit_but_below_it_is_a_path() -> None:
    assert expr.split_path("a[099999]") == ("a", 99999)


def test_an_item_path_keeps_a_key_that_starts_with_a_capital_x() -> None:
    assert ev("item.Xy == 1", item={"Xy": 1, "y": 2}) is True


def test_false_is_the_boolean_not_the_word() -> None:
    assert ev("llm.enabled == false", {"llm": {"enabled": False}}) is True
    assert ev("llm.enabled == null", {"llm": {"enabled": None}}) is True
    assert ev("llm.enabled == true", {"llm": {"enabled": True}}) is True


def test_list_items_that_are_paths_read_the_manifest() -> None:
    assert ev("system.type in [ranker, system.type]") is True
    assert ev("cards in [system.tags]") is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("== 1", "unexpected `==` at column 1 in `== 1`"),
        ("risk_tier not", "unexpected `not` at column 11 in `risk_tier not`"),
        ("risk_tier not in", "`risk_tier not in` ends too early"),
        ("risk_tier ==", "`risk_tier ==` ends too early"),
        (
            "risk_tier == high " + "x" * 30,
            "unexpected `" + "x" * 19 + "…` at column 19 in `risk_tier == high " + "x" * 30 + "`",
        ),
        (
            "(risk_tier == high " + "y" * 30,
            "expected `)` at column 20 in `(risk_tier == high " + "y" * 30 + "`, found `" + "y" * 19 + "…`",
        ),
        ("1 == item[100000]", "(column 6 in `1 == item[100000]`)"),
    ],
)
def test_the_whole_error_message_names_the_token_and_its_column(text: str, message: str) -> None:
    with pytest.raises(expr.ExprError) as raised:
        expr.compile_expr(text)
    assert str(raised.value).endswith(message)
    if not message.startswith("("):
        assert str(raised.value) == message


@pytest.mark.parametrize(
    "group",
    ["(risk_tier == high)", "risk_tier in [high]", "present(risk_tier)"],
)
def test_after_a_closed_group_the_nesting_limit_is_still_exactly_the_limit(group: str) -> None:
    deep = "(" * expr.MAX_NESTING + "risk_tier == high" + ")" * expr.MAX_NESTING
    assert ev(f"{group} and {deep}") is True
    with pytest.raises(expr.ExprError, match="nest more than"):
        expr.compile_expr(f"{group} and ({deep})")


def test_a_list_past_the_nesting_limit_names_the_column_of_that_bracket() -> None:
    text = "x in " + "[" * (expr.MAX_NESTING + 1) + "]" * (expr.MAX_NESTING + 1)
    with pytest.raises(expr.ExprError, match=f"at column {5 + expr.MAX_NESTING + 1} in"):
        expr.compile_expr(text)


def test_not_equal_is_false_for_equal_values_and_true_for_different_ones() -> None:
    assert ev("risk_tier != high") is False
    assert ev("risk_tier != low") is True


def test_values_python_cannot_finish_comparing_are_unequal() -> None:
    deep: list = []
    other: list = []
    for _ in range(100_000):  # deeper than the interpreter's recursion limit
        deep, other = [deep], [other]
    assert expr._equal(deep, other) is False
