"""Persons are persons (spec amendment A1): the heuristic, measured on a labelled list, and what the CLI makes of it.

The labelled names live in tests/person_names.py. Precision and recall are
printed in the run's summary (tests/conftest.py) and recorded as properties
of the test that measures them (visible in junit XML).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from person_names import NON_PERSONS, PERSONS

from checker import expr
from checker.checks import persons
from checker.checks.persons import person_problem
from checker.cli import main

REPO = Path(__file__).resolve().parents[1]
TEAM_AS_OWNER = REPO / "tests/fixtures/rules/AIP-OWN-001/fail-name-is-a-team.yaml"
TODAY = "2026-11-26"


def measure() -> dict[str, float | int]:
    """Non-persons are the positive class: precision is how often a rejected name really is no person."""
    false_positives = sum(1 for name in PERSONS if person_problem(name))
    true_positives = sum(1 for name in NON_PERSONS if person_problem(name))
    flagged = true_positives + false_positives
    return {
        "persons": len(PERSONS),
        "non_persons": len(NON_PERSONS),
        "false_positives": false_positives,
        "precision": true_positives / flagged if flagged else 1.0,
        "recall": true_positives / len(NON_PERSONS),
    }


def summary_line() -> str:
    m = measure()
    return (
        f"persons heuristic: precision {m['precision']:.3f}, recall {m['recall']:.3f} "
        f"on {m['persons']} persons and {m['non_persons']} non-persons ({m['false_positives']} real names rejected)"
    )


# -- the labelled list -----------------------------------------------------------------------


def _scripts(names: tuple[str, ...]) -> set[str]:
    return {unicodedata.name(ch).split()[0] for name in names for ch in name if ch.isalpha()}


def test_the_labelled_list_is_large_and_spans_many_scripts() -> None:
    assert len(PERSONS) >= 60 and len(NON_PERSONS) >= 60
    assert len(_scripts(PERSONS)) >= 6, _scripts(PERSONS)
    assert len(_scripts(NON_PERSONS)) >= 4, _scripts(NON_PERSONS)
    assert not set(PERSONS) & set(NON_PERSONS)


def test_no_real_name_is_judged_not_a_person() -> None:
    rejected = {name: person_problem(name) for name in PERSONS if person_problem(name)}
    assert rejected == {}


def test_at_least_nine_in_ten_non_persons_are_recognised(record_property) -> None:
    m = measure()
    for key, value in m.items():
        record_property(key, value)
    print(summary_line())
    missed = [name for name in NON_PERSONS if not person_problem(name)]
    assert m["recall"] >= 0.9, f"{summary_line()}; missed: {missed}"
    assert m["precision"] == 1.0, summary_line()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("ML Platform Team", "`ML Platform Team` names a team, not a person"),
        ("MLOps", "`MLOps` names a function, not a person"),
        ("Claims Analytics", "`Claims Analytics` names a function, not a person"),
        ("On-call", "`On-call` is a rotation, not a person"),
        ("Head of Data", "`Head of Data` names a role, not a person"),
        ("Asha Verma and Li Wei", "`Asha Verma and Li Wei` names several people: name one accountable person"),
        ("A / B", "`A / B` names several people"),
        ("@ml-team", "`@ml-team` is a contact or alias, not a person's name: put it in `contact`"),
        ("ml-team", "`ml-team` names a team"),
        ("svc-ml-01", "`svc-ml-01` has digits"),
    ],
)
def test_the_message_says_why_a_name_is_not_one_person(name: str, says: str) -> None:
    assert says in (person_problem(name) or "")


@pytest.mark.parametrize(
    "name", ["Verma, Asha", "García-López, José María", "Amara Okafor, MD", "Asha Verma (ML Platform)"]
)
def test_one_person_written_family_name_first_or_with_a_suffix_or_a_note_is_a_person(name: str) -> None:
    assert person_problem(name) is None


def test_a_comma_between_two_names_of_several_words_reads_as_a_list() -> None:
    # A decision, not an accident: `Asha Verma, Li Wei` is far more common in an owner field than
    # `García López, José María`; such a person writes the name in its usual order.
    assert "several people" in person_problem("Asha Verma, Li Wei")
    assert "several people" in person_problem("García López, José María")
    assert person_problem("José María García López") is None


@pytest.mark.parametrize(
    "value", [None, "", "  ", 42, ["Priya Raman"], {"name": "x"}, "TBD", "TODO: ask the ML team", "N/A"]
)
def test_what_is_no_name_at_all_is_left_to_the_placeholder_and_schema_rules(value) -> None:
    assert person_problem(value) is None


def test_a_very_long_name_is_shown_shortened() -> None:
    problem = person_problem("Data Team " * 100)
    assert problem is not None and len(problem) < 200


def test_the_person_function_of_the_condition_language_wants_one_person() -> None:
    check = expr.compile_expr("person(owners.technical)")

    def holds(name: str) -> bool:
        return bool(
            check(expr.Context({"owners": {"technical": {"name": name, "contact": "a@acme-corp.io"}}}, None, None))
        )

    assert holds("Priya Raman") and holds("李娜")
    assert not holds("ML Platform Team") and not holds("Asha Verma and Li Wei") and not holds("TBD")


# -- through the CLI -------------------------------------------------------------------------


def _check(path: Path, capsys, *args: str) -> tuple[int, dict]:
    """Exit code and the one manifest's report, with its findings under `findings`."""
    # --warn-within 0: deadline notes (AIP-DUE-001) are not what these tests are about.
    code = main(["check", "--today", TODAY, "--format", "json", "--warn-within", "0", *args, str(path)])
    report = json.loads(capsys.readouterr().out)
    [manifest] = report["manifests"]
    return code, {**manifest, "findings": report["findings"]}


def _findings(manifest: dict, rule: str) -> list[dict]:
    return [f for f in manifest["findings"] if f["rule"] == rule]


def _replace(tmp_path: Path, old: str, new: str) -> Path:
    text = TEAM_AS_OWNER.read_text(encoding="utf-8")
    assert text.count(old) == 1
    out = tmp_path / "ai-production.yaml"
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


def test_a_team_as_technical_owner_fails_the_owner_rule_at_the_name_and_leaves_q1_unanswered(capsys) -> None:
    code, manifest = _check(TEAM_AS_OWNER, capsys)
    assert code == 1
    [finding] = _findings(manifest, "AIP-OWN-001")
    assert (
        finding["severity"] == "error" and finding["line"] == 20 and finding["json_path"] == "$.owners.technical.name"
    )
    assert "`ML Platform Team` names a team, not a person" in finding["message"]
    assert [q["id"] for q in manifest["questions"]["unanswered"]] == ["Q1"]
    assert _findings(manifest, "AIP-OWN-004") == []  # one finding for the node, the requiring rule's


def test_the_text_summary_names_q1_unanswered_for_a_team_as_owner(capsys) -> None:
    assert main(["check", "--today", TODAY, str(TEAM_AS_OWNER)]) == 1
    out = capsys.readouterr().out
    assert "error AIP-OWN-001 technical owner `ML Platform Team` names a team" in out
    assert "unanswered: Q1 owner by name" in out


def test_a_rotation_as_escalation_contact_is_an_owner_is_a_team_warning(capsys, tmp_path: Path) -> None:
    path = _replace(
        tmp_path,
        "technical: {name: ML Platform Team, contact: ml-platform@acme-corp.io}",
        "technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}",
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("escalation: {name: Marta Kowalski,", "escalation: {name: On-call,"),
        encoding="utf-8",
    )
    code, manifest = _check(path, capsys)
    [finding] = manifest["findings"]
    assert (finding["rule"], finding["severity"], finding["json_path"]) == (
        "AIP-OWN-004",
        "warning",
        "$.owners.escalation.name",
    )
    assert "`On-call` is a rotation" in finding["message"]
    assert manifest["questions"]["unanswered"] == []
    assert code == 0  # a warning does not fail the run


@pytest.mark.parametrize("name", ["Priya Raman", "Nguyễn Thị Minh Khai", "李娜", "Madonna", '"Seán O\'Brien"'])
def test_a_real_name_as_technical_owner_passes(capsys, tmp_path: Path, name: str) -> None:
    path = _replace(tmp_path, "name: ML Platform Team,", f"name: {name},")
    code, manifest = _check(path, capsys)
    assert (code, manifest["findings"], manifest["questions"]["unanswered"]) == (0, [], [])


def test_a_team_where_no_active_rule_requires_a_person_is_still_reported(capsys, tmp_path: Path) -> None:
    # At exploration AIP-OWN-002 is off, so AIP-OWN-004 reports the team named as business owner.
    path = _replace(tmp_path, "name: ML Platform Team,", "name: Priya Raman,")
    text = path.read_text(encoding="utf-8").replace("stage: production", "stage: exploration")
    path.write_text(text.replace("    name: Daniel Okafor\n", "    name: Claims Analytics\n"), encoding="utf-8")
    _, manifest = _check(path, capsys)
    assert [f["json_path"] for f in _findings(manifest, "AIP-OWN-004")] == ["$.owners.business.name"]
    assert _findings(manifest, "AIP-OWN-002") == []


def test_a_pack_rule_that_requires_a_person_takes_that_field_over_from_owner_is_a_team(capsys, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        """\
apiVersion: aipolicy/policy-v1
name: acme
rules:
  - id: ACME-OWN-001
    slug: acme-escalation
    summary: The escalation contact is a person.
    severity: {production: error}
    check:
      - person: owners.escalation
        role: escalation contact
""",
        encoding="utf-8",
    )
    path = _replace(tmp_path, "name: ML Platform Team,", "name: Priya Raman,")
    path.write_text(
        path.read_text(encoding="utf-8").replace("escalation: {name: Marta Kowalski,", "escalation: {name: On-call,"),
        encoding="utf-8",
    )
    _, manifest = _check(path, capsys, "--policy", str(pack))
    assert [(f["rule"], f["json_path"]) for f in manifest["findings"]] == [("ACME-OWN-001", "$.owners.escalation.name")]
    assert "escalation contact `On-call` is a rotation" in manifest["findings"][0]["message"]


# The alternation regex the word lists were matched with before checker/checks/persons.py's
# _Words (a run-split and a set lookup) replaced it: the oracle the lookup must agree with.
def _alternation(words: tuple[str, ...], flags: int) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", flags)


_LISTS = {
    "team": (persons._TEAM, persons._TEAM_WORDS, re.IGNORECASE),
    "function": (persons._FUNCTION, persons._FUNCTION_WORDS, re.IGNORECASE),
    "role": (persons._ROLE, persons._ROLE_WORDS, re.IGNORECASE),
    "several": (persons._SEVERAL, persons._SEVERAL_WORDS, re.IGNORECASE),
    "organisation": (persons._ORGANISATION, persons._ORGANISATION_WORDS, re.IGNORECASE),
    "acronym": (persons._ACRONYMS, persons._ACRONYM_WORDS, 0),
}
_PIECES = sorted({w for words, _, _ in _LISTS.values() for w in words}) + [
    " ",
    "_",
    "-",
    ".",
    "@",
    "x",
    "Ab",
    "数据",
    "9",
    "é",
    "\u0940",
    "TEAM",
    "Ops",
    "mL",
]


@pytest.mark.parametrize("kind", sorted(_LISTS))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_word_lookup_agrees_with_the_whole_word_regex_it_replaced(kind: str, data: st.DataObject) -> None:
    words, lookup, flags = _LISTS[kind]
    oracle = _alternation(words, flags)
    # Texts built from the listed words themselves, glued or separated, in changed case: where a
    # whole-word match and a part-word one differ.
    parts = data.draw(st.lists(st.sampled_from(_PIECES), max_size=6))
    text = "".join(data.draw(st.sampled_from([p, p.upper(), p.title()])) for p in parts)
    assert lookup.search(text) == bool(oracle.search(text)), text


@pytest.mark.parametrize("kind", sorted(_LISTS))
def test_every_listed_word_is_found_alone_and_between_separators_but_not_inside_a_longer_word(kind: str) -> None:
    words, lookup, _ = _LISTS[kind]
    for word in words:
        assert lookup.search(word) and lookup.search(f"x {word}-y") and lookup.search(f"a_{word}"), word
        assert not lookup.search(f"x{word}") and not lookup.search(f"{word}9"), word
