"""`aipolicy rules` and `aipolicy explain` against the spec's rule catalogue.

SPEC_CATALOGUE is copied by hand from /work/shared/spec/manifest-v1.md ("Rule
catalogue"): id, slug, question and severity per stage (exploration / pilot /
production, `↑` = high risk raises warnings to errors). That table is the
product's contract, so it is written out here rather than read from the
policy pack the commands print. The git-aware rules (AIP-GIT-*) have their
own table in the spec and are not asserted here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli import main

SPEC_CATALOGUE = [
    # (id, slug, question, "expl/pilot/prod" severities)
    ("AIP-SCH-001", "schema", None, "E/E/E"),
    ("AIP-SCH-002", "yaml-syntax", None, "E/E/E"),
    ("AIP-SCH-003", "placeholder", None, "W/E/E"),
    ("AIP-OWN-001", "technical-owner", "Q1", "E/E/E"),
    ("AIP-OWN-002", "business-owner", "Q1", "-/W/E"),
    ("AIP-OWN-003", "workflow-authority", "Q8", "-/W/E"),
    ("AIP-OWN-004", "owner-is-a-team", None, "W/W/W"),
    ("AIP-OWN-005", "single-owner", None, "-/N/W"),
    ("AIP-BIZ-001", "business-baseline", "Q2", "-/E/E"),
    ("AIP-BIZ-002", "business-target", None, "-/N/W"),
    ("AIP-DATA-001", "data-automated", "Q3", "-/W/E"),
    ("AIP-DATA-002", "data-pipeline", None, "-/W/E"),
    ("AIP-DATA-003", "data-validation", None, "-/W/E"),
    ("AIP-DATA-004", "personal-data", None, "E/E/E"),
    ("AIP-MON-001", "drift-monitor", "Q5", "-/W/E"),
    ("AIP-MON-002", "drift-threshold-range", None, "E/E/E"),
    ("AIP-MON-003", "outcome-accuracy", "Q9", "-/W/E"),
    ("AIP-MON-004", "label-delay", None, "-/N/W"),
    ("AIP-MON-005", "accuracy-measured", "Q9", "-/-/E"),
    ("AIP-MON-006", "alert-routing", None, "-/W/E"),
    ("AIP-MON-007", "watchers", "Q5", "-/W/E"),
    ("AIP-ROLL-001", "rollback-plan", "Q7", "-/W/E"),
    ("AIP-ROLL-002", "rollback-rto", None, "-/W/E↑"),
    ("AIP-ROLL-003", "rollback-trigger", None, "-/W/E"),
    ("AIP-ROLL-004", "rollback-tested", None, "-/-/W↑"),
    ("AIP-RET-001", "retraining-trigger", "Q10", "-/W/E"),
    ("AIP-RET-002", "retraining-approval", "Q10", "-/W/E"),
    ("AIP-RET-003", "model-age", None, "-/N/W"),
    ("AIP-XAI-001", "explainability", "Q4", "-/W/E"),
    ("AIP-HUM-001", "human-oversight", "Q6", "-/E/E"),
    ("AIP-LLM-001", "llm-pinned", None, "-/W/E"),
    ("AIP-LLM-002", "ai-disclosure", None, "-/E/E"),
    ("AIP-GOV-001", "review-due", None, "-/-/E"),
    ("AIP-GOV-002", "model-card", None, "-/W/E"),
    ("AIP-GOV-003", "retired-decommission", None, "-/-/-"),  # spec: "retired: E"
    ("AIP-REF-001", "ref-exists", None, "-/W/E"),
    ("AIP-WVR-001", "waiver-expired", None, "E/E/E"),
    ("AIP-DIAG-001", "purgatory", None, "-/W/E"),  # spec Q column: "all", not one question
    ("AIP-DUE-001", "deadline-soon", None, "N/N/N"),  # spec A4: a note at every stage (retired too)
]
SPEC_IDS = [row[0] for row in SPEC_CATALOGUE]
SPEC_SLUGS = [row[1] for row in SPEC_CATALOGUE]
LETTER = {"E": "error", "W": "warning", "N": "note", "-": None}
STAGES = ("exploration", "pilot", "production")


@pytest.fixture(autouse=True)
def _outside_any_config(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    # A config file found from the working folder could change the catalogue the commands print.
    clean_env.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def catalogue(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, err = run(capsys, "rules", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def _by_id(catalogue: dict) -> dict[str, dict]:
    return {rule["id"]: rule for rule in catalogue["rules"]}


# -- aipolicy rules ----------------------------------------------------------------------------


def test_spec_catalogue_copy_has_every_rule_once() -> None:
    assert len(SPEC_IDS) == len(set(SPEC_IDS)) == 39
    assert len(set(SPEC_SLUGS)) == 39


def test_rules_lists_every_spec_rule_with_its_slug(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rules")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("AIP-")}
    missing = [rule_id for rule_id in SPEC_IDS if rule_id not in rows]
    assert missing == []
    for rule_id, slug, _, _ in SPEC_CATALOGUE:
        assert rows[rule_id][1] == slug, rule_id


@pytest.mark.parametrize(("rule_id", "slug", "question", "severities"), SPEC_CATALOGUE, ids=SPEC_IDS)
def test_rules_text_shows_the_spec_severities(
    capsys: pytest.CaptureFixture[str], rule_id: str, slug: str, question: str | None, severities: str
) -> None:
    _, out, _ = run(capsys, "rules")
    [row] = [line for line in out.splitlines() if line.split()[:1] == [rule_id]]
    assert severities in row.split()


def test_rules_json_parses_and_lists_every_spec_rule(catalogue: dict) -> None:
    rules = _by_id(catalogue)
    assert [rule_id for rule_id in SPEC_IDS if rule_id not in rules] == []
    assert set(catalogue["questions"]) == {f"Q{n}" for n in range(1, 11)}
    for rule in catalogue["rules"]:
        assert rule["summary"].strip(), rule["id"]


@pytest.mark.parametrize(("rule_id", "slug", "question", "severities"), SPEC_CATALOGUE, ids=SPEC_IDS)
def test_rules_json_matches_the_spec_catalogue(
    catalogue: dict, rule_id: str, slug: str, question: str | None, severities: str
) -> None:
    rule = _by_id(catalogue)[rule_id]
    assert rule["slug"] == slug
    assert rule["question"] == question
    if question:
        assert rule["question_text"] == catalogue["questions"][question]
    letters = severities.rstrip("↑").split("/")
    assert {stage: rule["severity"][stage] for stage in STAGES} == {
        stage: LETTER[x] for stage, x in zip(STAGES, letters)
    }
    assert rule["high_risk_escalates"] is severities.endswith("↑")


def test_deadline_notes_are_given_at_the_retired_stage_too(catalogue: dict) -> None:
    assert _by_id(catalogue)["AIP-DUE-001"]["severity"]["retired"] == "note"


def test_retired_stage_checks_the_decommission_plan(catalogue: dict) -> None:
    assert _by_id(catalogue)["AIP-GOV-003"]["severity"]["retired"] == "error"


# -- aipolicy explain ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", SPEC_IDS + SPEC_SLUGS)
def test_explain_text_works_for_every_id_and_slug(capsys: pytest.CaptureFixture[str], key: str) -> None:
    rule_id, slug = next((row[0], row[1]) for row in SPEC_CATALOGUE if key in row[:2])
    code, out, err = run(capsys, "explain", key)
    assert code == 0 and err == ""
    assert out.splitlines()[0].split()[:2] == [rule_id, slug]


@pytest.mark.parametrize("key", SPEC_IDS + SPEC_SLUGS)
def test_explain_json_works_for_every_id_and_slug(capsys: pytest.CaptureFixture[str], key: str) -> None:
    rule_id, slug = next((row[0], row[1]) for row in SPEC_CATALOGUE if key in row[:2])
    code, out, err = run(capsys, "explain", key, "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert (data["id"], data["slug"]) == (rule_id, slug)


def test_explain_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "aip-roll-002")
    assert code == 0 and out.startswith("AIP-ROLL-002 rollback-rto")


SECTIONS = (("why", "Why it matters"), ("fix", "How to fix"), ("example", "Example"))


@pytest.mark.parametrize("rule_id", SPEC_IDS)
def test_explain_shows_why_fix_and_example_when_the_rule_has_them(
    capsys: pytest.CaptureFixture[str], catalogue: dict, rule_id: str
) -> None:
    rule = _by_id(catalogue)[rule_id]
    _, out, _ = run(capsys, "explain", rule_id)
    lines = out.splitlines()
    for field, heading in SECTIONS:
        text = rule[field].strip()
        assert (heading in lines) is bool(text), f"{rule_id}: section {heading!r}"
        if text:
            body = lines[lines.index(heading) + 1 :]
            first = text.splitlines()[0].rstrip()
            assert body and body[0].strip() == first.strip(), (
                f"{rule_id}: {heading!r} does not start with the rule's {field}"
            )
    assert rule["summary"] in out


@pytest.mark.parametrize("rule_id", SPEC_IDS)
def test_explain_json_carries_the_same_text_as_rules_json(
    capsys: pytest.CaptureFixture[str], catalogue: dict, rule_id: str
) -> None:
    _, out, _ = run(capsys, "explain", rule_id, "--format", "json")
    assert json.loads(out) == _by_id(catalogue)[rule_id]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("AIP-ROLL-02", "AIP-ROLL-002"),
        ("AIP-MON-0001", "AIP-MON-001"),
        ("rollback-rot", "rollback-rto"),
        ("drift-monitr", "drift-monitor"),
    ],
)
def test_explain_unknown_rule_exits_2_with_did_you_mean(
    capsys: pytest.CaptureFixture[str], typo: str, meant: str
) -> None:
    code, out, err = run(capsys, "explain", typo)
    assert code == 2
    assert out == ""
    assert "did you mean" in err and meant in err
    assert len(err.strip().splitlines()) == 1


def test_explain_unknown_rule_without_a_close_match_still_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "zzzz")
    assert code == 2 and out == ""
    assert "zzzz" in err
