"""Schema findings: one per real problem, at the offending node, with a message a person can act on.

The fixtures in tests/fixtures/schema/ state the findings they expect in their
header (`# expect: LINE:COL-END_LINE:END_COL JSON_PATH | MESSAGE`); positions
are 1-based and the end column is the one just past the node, as editors and
SARIF count. A message ending in `...` is matched as a prefix.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from checker import engine, manifest, schema
from checker.findings import Report, Span
from checker.options import Options
from checker.report import RenderContext, render

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "schema"
TODAY = datetime.date(2026, 11, 26)

_EXPECT = re.compile(r"^# expect: (\d+):(\d+)-(\d+):(\d+) (\S+) \| (.+)$")


def _load(raw: bytes | str, name: str = "ai-production.yaml") -> manifest.Manifest:
    loaded = manifest.load(raw.encode() if isinstance(raw, str) else raw, name)
    assert isinstance(loaded, manifest.Manifest), loaded
    return loaded


def _expectations(path: Path) -> list[tuple[Span, str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line)
        if match:
            a, b, c, d = (int(x) for x in match.groups()[:4])
            out.append((Span(a, b, c, d), match.group(5), match.group(6)))
    return out


def _issues(path: Path) -> list[tuple[Span, str, str]]:
    return [
        (span, manifest.json_path(p), text) for span, text, p in schema.validate(_load(path.read_bytes(), path.name))
    ]


FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture_yields_exactly_the_findings_its_header_expects(fixture: Path) -> None:
    expected = _expectations(fixture)
    assert expected, f"{fixture.name} states no expectations"
    got = _issues(fixture)
    assert [(s, p) for s, p, _ in got] == [(s, p) for s, p, _ in expected], "positions or JSON paths differ"
    for (_, path, text), (_, _, want) in zip(got, expected):
        if want.endswith("..."):
            assert text.startswith(want[:-3]), (path, text)
        else:
            assert text == want, path


def test_unknown_section_is_reported_at_its_key_with_a_suggestion() -> None:
    m = _load("apiVersion: aipolicy/v1\nrollbak:\n  strategy: alias_swap\n")
    issues = [i for i in schema.validate(m) if i[2] == ("rollbak",)]
    assert len(issues) == 1
    span, text, _ = issues[0]
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 1, 2, 8)  # the key, not its value
    assert text == (
        "`rollbak` is not a known section; did you mean `rollback`? Until it is renamed, "
        "the rules see no `rollback` section, so their findings about it are held back"
    )


def test_wrong_type_is_reported_at_the_value_quoting_what_was_found() -> None:
    m = _load("monitoring:\n  outcome_accuracy:\n    threshold: high 0.85\n")
    issues = [i for i in schema.validate(m) if i[2] == ("monitoring", "outcome_accuracy", "threshold")]
    assert len(issues) == 1
    span, text, _ = issues[0]
    assert (span.line, span.column, span.end_line, span.end_column) == (3, 16, 3, 25)
    assert text == "`threshold` must be a number, got 'high 0.85'"


def test_value_failing_type_and_enum_is_one_finding() -> None:
    # `target` is {type: string, enum: [...]}: 5 breaks both keywords, but it is one mistake.
    m = _load("monitoring:\n  drift:\n    - target: 5\n")
    issues = [i for i in schema.validate(m) if i[2] == ("monitoring", "drift", 0, "target")]
    assert [text for _, text, _ in issues] == ["`target` must be a string, got 5"]


def test_date_failing_format_and_pattern_is_one_finding() -> None:
    m = _load("governance:\n  last_review: tomorrow\n")
    issues = [i for i in schema.validate(m) if i[2] == ("governance", "last_review")]
    assert len(issues) == 1
    assert "'tomorrow'" in issues[0][1]


def test_every_unknown_key_of_one_mapping_is_its_own_finding() -> None:
    m = _load("apiVersion: aipolicy/v1\nsystem:\n  id: abc\n  nmae: x\n  descripton: y\n")
    unknown = {path for _, text, path in schema.validate(m) if "not a known field" in text}
    assert unknown == {("system", "nmae"), ("system", "descripton")}


@pytest.mark.parametrize(
    ("typed", "write"), [("yes", "true"), ("on", "true"), ("no", "false"), ("off", "false"), ("Yes", "true")]
)
def test_boolean_field_holding_a_yaml11_boolean_tells_which_boolean_to_write(typed: str, write: str) -> None:
    m = _load(f"explainability:\n  user_facing: {typed}\n")
    issues = [i for i in schema.validate(m) if i[2] == ("explainability", "user_facing")]
    assert len(issues) == 1
    assert f"write `{write}`" in issues[0][1]
    assert m.data["explainability"]["user_facing"] == typed  # never silently turned into a boolean


def test_yaml11_number_forms_stay_strings_and_pass_string_fields() -> None:
    m = _load("system:\n  model_version: 0755\n  x-clock: 22:22\n")
    assert m.data["system"]["model_version"] == "0755"  # not 493 (octal)
    assert m.data["system"]["x-clock"] == "22:22"  # not 1342 (sexagesimal)
    assert not [i for i in schema.validate(m) if i[2] in {("system", "model_version"), ("system", "x-clock")}]


@pytest.mark.parametrize("written", ["2026-09-01", "'2026-09-01'", '"2026-09-01"'])
def test_date_field_accepts_unquoted_and_quoted_dates(written: str) -> None:
    m = _load(f"governance:\n  last_review: {written}\n")
    assert not [i for i in schema.validate(m) if i[2] == ("governance", "last_review")]


@pytest.mark.parametrize("written", ["2026-02-30", "2026-13-01", "26-09-01", "2026-09-01T10:00:00", "20260901", "1"])
def test_date_field_rejects_what_is_not_a_calendar_date(written: str) -> None:
    m = _load(f"governance:\n  last_review: {written}\n")
    issues = [i for i in schema.validate(m) if i[2] == ("governance", "last_review")]
    assert len(issues) == 1, issues
    assert issues[0][0].line == 2


def test_unknown_api_version_is_one_finding_at_the_value() -> None:
    m = _load("apiVersion: aipolicy/v9\nrollbak: 1\n")
    issues = schema.validate(m)
    assert len(issues) == 1  # the rest of the file is judged by a schema it does not claim
    span, text, path = issues[0]
    assert path == ("apiVersion",) and span.line == 1 and span.column == 13
    assert "aipolicy/v9" in text and "aipolicy/v1" in text


def test_missing_required_field_is_reported_at_the_parent_key() -> None:
    m = _load("apiVersion: aipolicy/v1\nstage: pilot\nsystem:\n  id: abc\n  name: A\n  description: d\n")
    issues = [i for i in schema.validate(m) if i[2] == ("system", "type")]
    assert len(issues) == 1
    span, text, _ = issues[0]
    assert (span.line, span.column, span.end_line, span.end_column) == (3, 1, 3, 7)
    assert text == "`system` is missing required field `type`"


def test_broken_schema_example_has_exactly_the_three_findings_its_header_promises() -> None:
    path = REPO / "examples" / "failing" / "broken-schema.ai-production.yaml"
    issues = schema.validate(_load(path.read_bytes(), path.name))
    assert [(s.line, manifest.json_path(p)) for s, _, p in issues] == [
        (21, "$.stage"),
        (40, "$.monitoring.drift[0].threshold"),
        (43, "$.rollbak"),
    ]


def test_valid_examples_have_no_schema_findings() -> None:
    for path in sorted((REPO / "examples").glob("[!f]*/ai-production.yaml")):
        assert schema.validate(_load(path.read_bytes(), path.name)) == [], path


def test_every_schema_finding_has_an_ordered_one_based_span() -> None:
    for fixture in FIXTURE_FILES:
        for span, _, _ in schema.validate(_load(fixture.read_bytes(), fixture.name)):
            assert span.line >= 1 and span.column >= 1
            assert (span.end_line, span.end_column) >= (span.line, span.column)


def test_schema_findings_reach_json_output_with_positions_and_paths() -> None:
    fixture = FIXTURES / "wrong-values.ai-production.yaml"
    options = Options(today=TODAY, root=FIXTURES)
    result = engine.check_bytes(fixture.read_bytes(), "wrong-values.ai-production.yaml", options)
    out = json.loads(render("json", Report([result]), RenderContext(policy=options.effective_policy(), version="test")))
    schema_findings = [f for f in out["findings"] if f["rule"] == "AIP-SCH-001"]
    expected = _expectations(fixture)
    assert [(f["line"], f["column"], f["end_line"], f["end_column"], f["json_path"]) for f in schema_findings] == [
        (s.line, s.column, s.end_line, s.end_column, p) for s, p, _ in expected
    ]


def test_a_schema_invalid_value_is_not_reported_again_by_a_policy_rule() -> None:
    text = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    text = text.replace("authority_to_change_workflow: true", "authority_to_change_workflow: yes")
    options = Options(today=TODAY, root=REPO)
    result = engine.check_bytes(text.encode(), "ai-production.yaml", options)
    at_node = [
        f.rule
        for f in result.findings
        if f.json_path == "$.owners.business.authority_to_change_workflow"
        or "authority_to_change_workflow" in f.message
    ]
    assert at_node == ["AIP-SCH-001"]
