"""checker.manifest.load: every YAML hazard is a LoadProblem at a position, never an exception.

Each test runs twice, once with libyaml's C parser and once with PyYAML's
pure-Python one (the fallback when the wheel lacks libyaml), because the two
report some errors differently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import manifest
from checker.findings import Span
from checker.manifest import LoadProblem, Manifest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "loader"


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "libyaml":
        if not getattr(yaml, "__with_libyaml__", False):
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(manifest, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(manifest, "_Loader", yaml.SafeLoader)
    return request.param


def ok(raw: bytes) -> Manifest:
    loaded = manifest.load(raw, "ai-production.yaml")
    assert isinstance(loaded, Manifest), loaded
    return loaded


def problems(raw: bytes, **limits: int) -> list[LoadProblem]:
    loaded = manifest.load(raw, "ai-production.yaml", **limits)
    assert isinstance(loaded, list), f"accepted: {loaded.data!r}"
    assert loaded, "a rejection must say why"
    for p in loaded:
        assert p.span.line >= 1 and p.span.column >= 1
    return loaded


def one_problem(raw: bytes, **limits: int) -> LoadProblem:
    found = problems(raw, **limits)
    assert len(found) == 1, found
    return found[0]


# -- encoding ---------------------------------------------------------------------------


def test_invalid_utf8_is_reported_with_its_byte_offset_line_and_column() -> None:
    raw = b"apiVersion: aipolicy/v1\nsystem: {id: caf\xe9}\n"
    p = one_problem(raw)
    assert raw.index(b"\xe9") == 40
    assert "byte offset 40" in p.message and "0xe9" in p.message
    assert (p.span.line, p.span.column) == (2, 17)


def test_invalid_utf8_offset_is_into_the_file_as_saved_bom_included() -> None:
    raw = b"\xef\xbb\xbfa: caf\xe9\n"
    p = one_problem(raw)
    assert raw.index(b"\xe9") == 9
    assert "byte offset 9" in p.message  # not 6: editors and `xxd` count the BOM
    assert (p.span.line, p.span.column) == (1, 7)  # the BOM is not a column


def test_invalid_utf8_column_counts_characters_not_bytes() -> None:
    p = one_problem("a: é".encode() + b"\xff\n")
    assert (p.span.line, p.span.column) == (1, 5)


def test_utf8_bom_is_accepted_and_is_not_part_of_the_first_key() -> None:
    m = ok(b"\xef\xbb\xbfapiVersion: aipolicy/v1\nstage: pilot\n")
    assert m.data == {"apiVersion": "aipolicy/v1", "stage": "pilot"}
    assert m.key_spans[("apiVersion",)].column == 1


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_utf16_or_utf32_file_is_rejected_with_a_hint(codec: str) -> None:
    p = one_problem("apiVersion: aipolicy/v1\n".encode(codec))  # Python writes a BOM for these codecs
    assert "UTF-8" in p.message


def test_nul_byte_is_rejected_at_its_position() -> None:
    p = one_problem(b"a: 1\nb: x\x00y\n")
    assert (p.span.line, p.span.column) == (2, 5)
    assert "NUL" in p.message


def test_control_character_is_rejected_at_its_position() -> None:
    p = one_problem("a: 1\nb: é \x07\n".encode())
    assert (p.span.line, p.span.column) == (2, 6)
    assert "U+0007" in p.message


# -- empty, shape, documents --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"\n\n  \n", b"# only a comment\n# and another\n", b"---\n", b"--- # c\n...\n", b"~\n"],
    ids=["empty", "blank", "comments", "bare-marker", "marker-and-end", "null"],
)
def test_empty_or_comment_only_file_is_one_problem_saying_it_is_empty(raw: bytes) -> None:
    p = one_problem(raw)
    assert "empty" in p.message and p.span.line == 1


@pytest.mark.parametrize(
    ("raw", "kind", "line"),
    [(b"- a\n- b\n", "a list", 1), (b"hello\n", "str", 1), (b"42\n", "int", 1), (b"# header\n[a, b]\n", "a list", 2)],
)
def test_top_level_list_or_scalar_is_rejected_as_not_a_mapping(raw: bytes, kind: str, line: int) -> None:
    p = one_problem(raw)
    assert kind in p.message and "mapping" in p.message
    assert p.span.line == line


@pytest.mark.parametrize(
    ("raw", "line"), [(b"a: 1\n---\nb: 2\n", 2), (b"a: 1\n...\n---\nb: 2\n", 3), (b"a: 1\n---\n", 2)]
)
def test_second_document_is_rejected_at_its_marker(raw: bytes, line: int) -> None:
    p = one_problem(raw)
    assert "more than one YAML document" in p.message
    assert p.span.line == line


def test_single_document_with_explicit_markers_is_accepted() -> None:
    assert ok(b"%YAML 1.2\n---\na: 1\n...\n").data == {"a": 1}


# -- keys -------------------------------------------------------------------------------


def test_duplicate_key_is_reported_at_second_key_line() -> None:
    p = one_problem(b"apiVersion: aipolicy/v1\nstage: pilot\napiVersion: aipolicy/v2\n")
    assert (p.span.line, p.span.column, p.span.end_line, p.span.end_column) == (3, 1, 3, 11)
    assert "duplicate key `apiVersion`" in p.message and "line 1" in p.message


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"owners:\n  technical:\n    name: A\n    name: B\n", 4, 5),  # nested block mapping
        (b"system: {id: a, id: b}\n", 1, 17),  # flow mapping
        (b"a: 1\n'a': 2\n", 2, 1),  # quoting does not make a different key
        (b"a:\n  x: 1\na:\n  y: 2\n", 3, 1),  # a duplicate whose value is a mapping
    ],
)
def test_duplicate_key_is_found_in_every_form(raw: bytes, line: int, column: int) -> None:
    p = one_problem(raw)
    assert "duplicate key" in p.message
    assert (p.span.line, p.span.column) == (line, column)


def test_every_duplicate_key_is_reported() -> None:
    found = problems(b"a: 1\na: 2\nb: 1\nb: 2\n")
    assert [(p.span.line, "duplicate" in p.message) for p in found] == [(2, True), (4, True)]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"1: a\n", "`1` is read as int"),
        (b"1.5: a\n", "`1.5` is read as float"),
        (b"true: a\n", "`true` is read as bool"),
        (b"~: a\n", "null"),
        (b"? \n: a\n", "null"),
        (b"? [a, b]\n: c\n", "collection"),
        (b"{[a]: b}\n", "collection"),
        (b"x: &c [1]\n*c : 2\n", "alias"),
    ],
)
def test_non_string_key_is_rejected_in_the_words_the_author_typed(raw: bytes, shown: str) -> None:
    p = one_problem(raw)
    assert "mapping keys must be strings" in p.message and shown in p.message


def test_yaml11_boolean_words_are_ordinary_string_keys() -> None:
    assert ok(b"yes: 1\non: 2\nn: 3\n").data == {"yes": 1, "on": 2, "n": 3}


# -- tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!!python/object/new:dict {}",
        "!<tag:yaml.org,2002:python/object> {}",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!timestamp 2026-11-26",
        "!!int '12'",
        "!!float 1",
        "!!bool yes",
        "!custom value",
        "!e!thing x",
    ],
)
def test_tags_are_rejected_and_never_constructed(tagged: str) -> None:
    p = one_problem(f"%TAG !e! tag:example.com,2000:\n---\nkey: {tagged}\n".encode())
    assert "is not allowed" in p.message and "tag" in p.message
    assert p.span.line == 3


def test_python_tag_has_no_side_effect(tmp_path) -> None:
    marker = tmp_path / "constructed"
    problems(f"a: !!python/object/apply:os.mkdir [{json.dumps(str(marker))}]\n".encode())
    assert not marker.exists()


def test_standard_tags_naming_what_would_be_built_anyway_are_accepted() -> None:
    m = ok(b"a: !!str 0755\nb: !!map {k: 1}\nc: !!seq [1]\nd: ! 12\n")
    assert m.data == {"a": "0755", "b": {"k": 1}, "c": [1], "d": "12"}


# -- aliases and size -------------------------------------------------------------------


def test_billion_laughs_is_rejected_by_its_expanded_size() -> None:
    raw = (FIXTURES / "billion-laughs.yaml").read_bytes()
    assert len(raw) == 432  # tiny on disk; 9**9 strings once expanded
    p = one_problem(raw)
    assert "expands to more than" in p.message


def test_expanded_size_counts_every_alias_use() -> None:
    # Expanded, keys and collections included: root 1 + keys 3 + a (1+3) + b (1+3*4) + c (1+3*13) = 61 nodes.
    raw = b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    assert isinstance(manifest.load(raw, "m.yaml", max_nodes=61), Manifest)
    assert "expands to more than 60" in one_problem(raw, max_nodes=60).message


def test_aliases_are_resolved_to_the_anchored_value() -> None:
    m = ok(b"owner: &p {name: Priya Raman, contact: p@acme-corp.io}\nbackup: *p\nname: &n Tom\nalso: *n\n")
    assert m.data["backup"] == {"name": "Priya Raman", "contact": "p@acme-corp.io"}
    assert m.data["also"] == "Tom"


def test_undefined_alias_is_reported_at_the_alias() -> None:
    p = one_problem(b"a: 1\nb: *nope\n")
    assert (p.span.line, p.span.column) == (2, 4) and "*nope" in p.message


def test_alias_to_its_own_collection_is_rejected() -> None:
    assert "recursive" in one_problem(b"a: &x [1, *x]\n").message


def _flow(depth: int) -> bytes:
    return b"a: " + b"[" * (depth - 1) + b"]" * (depth - 1) + b"\n"  # depth collections, the root included


def _block(depth: int) -> bytes:
    return b"".join(b"  " * i + b"k:\n" for i in range(depth - 1)) + b"  " * (depth - 1) + b"leaf: 1\n"


@pytest.mark.parametrize("shape", [_flow, _block], ids=["flow", "block"])
def test_nesting_up_to_the_cap_is_read_and_deeper_is_rejected(shape) -> None:
    ok(shape(manifest.MAX_DEPTH))
    p = one_problem(shape(manifest.MAX_DEPTH + 1))
    assert f"deeper than {manifest.MAX_DEPTH}" in p.message


def test_nesting_cap_is_a_parameter() -> None:
    ok(_flow(3))
    assert "deeper than 2" in one_problem(_flow(3), max_depth=2).message


def test_very_deep_nesting_is_rejected_without_recursion_error() -> None:
    one_problem(b"a: " + b"[" * 100_000 + b"\n")


# -- scalars: YAML 1.2 core, minus the surprises ------------------------------------------------------


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF"])
def test_yaml11_booleans_stay_strings(text: str) -> None:
    assert ok(f"v: {text}\n".encode()).data["v"] == text


@pytest.mark.parametrize(
    "text",
    [
        "22:22",
        "1:30:00",
        "0755",
        "0o755",
        "0x1F",
        "0b101",
        "1_000",
        "+.inf",
        ".NaN",
        "1e400",
        "2026-11-26",
        "2026-11-26T10:00:00Z",
        "+",
        "1.2.3",
    ],
)
def test_numbers_dates_and_times_people_did_not_mean_as_numbers_stay_strings(text: str) -> None:
    assert ok(f"v: {text}\n".encode()).data["v"] == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("'yes'", "yes"),
        ('"0755"', "0755"),
    ],
)
def test_core_schema_scalars_are_resolved(text: str, value: object) -> None:
    got = ok(f"v: {text}\n".encode()).data["v"]
    assert got == value and type(got) is type(value)


def test_dates_stay_plain_strings_that_json_can_print() -> None:
    m = ok(b"governance:\n  last_review: 2026-09-01\n  next_review: '2027-03-01'\n")
    assert m.data["governance"] == {"last_review": "2026-09-01", "next_review": "2027-03-01"}
    json.dumps(m.data)  # no datetime.date anywhere: JSON output can never choke on one


# -- positions ----------------------------------------------------------------------------


def test_spans_are_one_based_with_the_end_just_past_the_node() -> None:
    m = ok(b"apiVersion: aipolicy/v1\nowners:\n  technical: {name: Priya Raman}\nlist:\n  - first\n  - second\n")
    assert m.key_spans[("apiVersion",)] == Span(1, 1, 1, 11)
    assert m.spans[("apiVersion",)] == Span(1, 13, 1, 24)
    assert m.spans[("owners", "technical", "name")] == Span(3, 21, 3, 32)
    assert m.spans[("list", 1)] == Span(6, 5, 6, 11)
    assert m.span(("owners", "technical", "missing")) == m.spans[("owners", "technical")]


# -- nothing escapes ------------------------------------------------------------------------


def _never_raises(raw: bytes) -> None:
    loaded = manifest.load(raw, "fuzz.yaml")
    if isinstance(loaded, list):
        assert loaded and all(p.span.line >= 1 and p.span.column >= 1 for p in loaded)
    else:
        assert isinstance(loaded.data, dict)


_SETTINGS = settings(
    database=None, deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_load_or_are_rejected_without_raising(raw: bytes) -> None:
    _never_raises(raw)


@_SETTINGS
@given(st.text(alphabet="ab:- []{}&*!|>'\"#%@`,?\n\t\\\x85\ufeff\u2028é0yes~.", max_size=200))
def test_yaml_like_text_loads_or_is_rejected_without_raising(text: str) -> None:
    _never_raises(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        # Not booleans or nulls in YAML 1.2's core schema: text, as a 1.2 reader sees them.
        ("tRue", "tRue"),
        ("fAlse", "fAlse"),
        ("nULL", "nULL"),
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("OFF", "OFF"),
    ],
)
def test_booleans_and_nulls_are_the_yaml_1_2_core_spellings_and_nothing_else(text: str, value: object) -> None:
    from checker import manifest as manifest_mod

    loaded = manifest_mod.load(f"key: {text}\n".encode(), "m.yaml")
    assert isinstance(loaded, manifest_mod.Manifest)
    assert loaded.data["key"] == value and type(loaded.data["key"]) is type(value)


# -- aliases: positions, collected lists, rejected keys ------------------------------------


def test_an_alias_value_sits_at_the_alias_and_ends_its_block_there() -> None:
    m = ok(b"x:\n  a: &v 1\n  b: *v\ny: 2\n")
    assert m.spans[("x", "b")] == Span(3, 6, 3, 8)
    assert m.spans[("x",)] == Span(2, 3, 3, 8)  # the block ends at the alias, not at the next key


def test_a_document_with_aliases_has_no_collected_refs_or_answers_and_one_without_has_them() -> None:
    aliased = ok(b"owner: &p {name: Priya}\nbackup: *p\nbackup_ref: x\n")
    assert aliased.refs is None and aliased.answers is None  # shared nodes sit at several paths: rules walk
    plain = ok(b"owner: {name: Priya}\nbackup_ref: x\n")
    assert plain.refs == [(("backup_ref",), "x")]
    assert plain.answers == [(("owner", "name"), "Priya"), (("backup_ref",), "x")]


def test_a_rejected_alias_key_stores_nothing_so_a_later_empty_key_is_no_duplicate() -> None:
    assert [p.message for p in problems(b"x: &c [1]\n*c : 2\n'': 3\n")] == [
        "mapping keys must be strings; an alias to a collection cannot be a key"
    ]


def test_a_rejected_alias_key_still_counts_its_nodes_when_its_mapping_is_aliased() -> None:
    raw = b"m: &m {a: &c [1, 2, 3], *c : v}\nn: *m\n"
    assert [p.message for p in problems(raw, max_nodes=25)] == [
        "mapping keys must be strings; an alias to a collection cannot be a key"
    ]
    assert "expands to more than 24 nodes" in problems(raw, max_nodes=24)[-1].message


def test_rejected_keys_are_named_as_yaml_spells_them() -> None:
    assert one_problem(b"false: a\n").message == "mapping keys must be strings; key `false` is read as bool: quote it"
    assert one_problem(b"~: a\n").message == "mapping keys must be strings; key is read as null: quote it"


def test_a_rejected_duplicate_key_stores_nothing_so_a_later_empty_key_is_no_duplicate() -> None:
    assert [p.message for p in problems(b"a: 1\na: 2\n'': 3\n")] == ["duplicate key `a` (first defined at line 1)"]


def test_a_key_given_by_an_alias_has_its_key_span_and_is_the_first_definition_of_a_duplicate() -> None:
    m = ok(b"k: &k name\n*k : 1\n")
    assert m.data == {"k": "name", "name": 1}
    assert m.key_spans[("name",)] == Span(2, 1, 2, 3)
    assert one_problem(b"k: &k name\n*k : 1\nname: 2\n").message == "duplicate key `name` (first defined at line 2)"


def test_a_rejected_tag_is_shown_in_its_short_form_when_it_is_a_standard_one() -> None:
    assert "YAML tag `!!binary` is not allowed" in one_problem(b"a: !!binary aGVsbG8=\n").message
    assert "YAML tag `!custom` is not allowed" in one_problem(b"a: !custom x\n").message
