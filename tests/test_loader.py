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
from checker.manifest import LoadProblem, Manifest, json_path

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


def ok(raw: bytes, **limits: int) -> Manifest:
    loaded = manifest.load(raw, "ai-production.yaml", **limits)
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


def rejected(raw: bytes, **limits) -> list[tuple[tuple[int, int, int, int], str]]:
    """The problems as (span as a plain tuple, message)."""
    loaded = manifest.load(raw, "ai-production.yaml", **limits)
    assert isinstance(loaded, list), f"accepted: {loaded.data!r}"
    assert all(isinstance(p, LoadProblem) and type(p.span) is Span for p in loaded), loaded
    return [(tuple(p.span), p.message) for p in loaded]


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


# == exact positions, decoding, limits, collected refs and answers =====================================
# The tests below pin the numbers: the 1-based line and column (and end) of every node, key and
# problem for small inputs worked out by hand, so that an off-by-one anywhere in the loader fails.


# -- decoding ---------------------------------------------------------------------------------

_WIDE = "file is UTF-16 or UTF-32 encoded; save it as UTF-8"


@pytest.mark.parametrize(
    ("mark", "codec"),
    [
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
    ],
)
def test_a_utf16_or_utf32_byte_order_mark_is_one_problem_at_the_file_start_naming_the_encoding(
    mark: bytes, codec: str
) -> None:
    # Each mark then a manifest in that encoding, as an editor saves it. Without the check every one
    # would be "not valid UTF-8" (FE and FF never occur in UTF-8): the message must name the encoding.
    assert rejected(mark + "a: 1\n".encode(codec)) == [((1, 1, 1, 1), _WIDE)]


@pytest.mark.parametrize(
    ("raw", "span", "byte", "offset"),
    [
        # A newline as the very first byte: the bad byte is on line 2, column 1.
        (b"\n\xe9: 1\n", (2, 1, 2, 2), "e9", 1),
        # Lines 1 and 2 are 5 bytes each; `cd: ` is 4 more: offset 14, column 5. The newlines after
        # the byte do not count, and the line starts after the last newline before it, not the first.
        (b"a: 1\nb: 2\ncd: \xe9\n\n", (3, 5, 3, 6), "e9", 14),
        # The BOM is bytes 0-2 of the file but no column: the byte right after it is column 1.
        (b"\xef\xbb\xbf\xe9\n", (1, 1, 1, 2), "e9", 3),
        # BOM, `a: 1\n` (5 bytes), `b: `: offset 11 on disk, column 4 of line 2.
        (b"\xef\xbb\xbfa: 1\nb: \xe9\n", (2, 4, 2, 5), "e9", 11),
        # `é: ü` is 6 bytes but 4 characters: the 0xff after it is column 5.
        ("é: ü".encode() + b"\xff\n", (1, 5, 1, 6), "ff", 6),
        # A truncated 2-byte sequence at the end of line 2: the offending byte is the lead byte 0xc3.
        (b"a: 1\nb: \xc3\n", (2, 4, 2, 5), "c3", 8),
    ],
    ids=["after-a-leading-newline", "third-line", "right-after-the-bom", "bom-then-second-line", "multibyte", "lead"],
)
def test_invalid_utf8_is_one_problem_at_the_bad_byte_counted_in_characters_with_its_offset_on_disk(
    raw: bytes, span: tuple[int, int, int, int], byte: str, offset: int
) -> None:
    assert raw[offset] == int(byte, 16)
    assert rejected(raw) == [(span, f"file is not valid UTF-8: byte 0x{byte} at byte offset {offset}")]


def test_a_utf8_bom_is_dropped_and_positions_count_from_the_character_after_it() -> None:
    m = ok(b"\xef\xbb\xbfab: cd\n")
    assert m.data == {"ab": "cd"}
    assert (m.key_spans[("ab",)], m.spans[("ab",)]) == (Span(1, 1, 1, 3), Span(1, 5, 1, 7))


# -- parser errors: where they are reported ----------------------------------------------------


def _invalid(raw: bytes) -> tuple[int, int, int, int]:
    """The span of the one problem of a YAML syntax error (the parsers word their messages differently)."""
    [(span, message)] = rejected(raw)
    assert message.startswith("invalid YAML: ") and len(message) > len("invalid YAML: "), message
    return span


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        # The stream ends inside a flow sequence: the parser points at line 2 (past the text), which is
        # moved to just after the last character of line 1 (`a: [1, 2` is 8 characters).
        (b"a: [1, 2\n", (1, 9, 1, 9)),
        # The same on line 2 of 2 (`b: [x,` is 6 characters).
        (b"a: 1\nb: [x,\n", (2, 7, 2, 7)),
        # A trailing blank line is the last line: column 1 of line 2.
        (b"a: [x,\n\n", (2, 1, 2, 1)),
        # No newline at the end: the parser already points inside the text; nothing is moved.
        (b"a: [1", (1, 6, 1, 6)),
    ],
    ids=["one-line", "second-line", "blank-last-line", "no-final-newline"],
)
def test_an_error_at_the_end_of_the_stream_is_moved_to_the_end_of_the_last_line(
    raw: bytes, span: tuple[int, int, int, int]
) -> None:
    assert _invalid(raw) == span


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        # On the last line itself (line 1 of 1): kept where the parser found it, the second `:`.
        (b"a: b: c\n", (1, 5, 1, 5)),
        (b"a: 1\nb: x: y\n", (2, 5, 2, 5)),
    ],
)
def test_an_error_inside_the_text_stays_at_the_parsers_position(raw: bytes, span: tuple[int, int, int, int]) -> None:
    assert _invalid(raw) == span


TABS = "YAML does not allow tabs for indentation; indent with spaces"


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        (b"\ta: 1\n", (1, 1, 1, 1)),  # the first line (0 as the parser counts)
        (b"a:\n\tb: 1\n", (2, 1, 2, 1)),
        (b"a: 1\n\tb: 2\n", (2, 1, 2, 1)),
        (b"a:\n  \tb: 1\n", (2, 3, 2, 3)),  # spaces, then a tab: still a tab in the indentation
    ],
    ids=["first-line", "under-a-key", "after-a-value", "spaces-then-tab"],
)
def test_a_tab_in_the_indentation_of_the_line_the_parser_stopped_on_is_named_as_such(
    raw: bytes, span: tuple[int, int, int, int]
) -> None:
    assert rejected(raw) == [(span, TABS)]


def test_a_tab_after_the_indentation_of_the_failing_line_is_not_blamed() -> None:
    # Line 2 fails at its second `:`; its tab is between the value and a comment, not in the indentation.
    assert _invalid(b"a: 1\nb: x: y\t# c\n") == (2, 5, 2, 5)


def test_a_tab_on_another_line_than_the_failing_one_is_not_blamed() -> None:
    # Line 1 starts with no tab (its tab is inside a quoted value); line 2 fails.
    assert _invalid(b'a: "x\tz"\nb: x: y\n') == (2, 5, 2, 5)


# -- json_path ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ((), "$"),
        (("a", 0, "b"), "$.a[0].b"),
        ((0, 12), "$[0][12]"),
        (("Owner_2", "x-y", "_id"), "$.Owner_2.x-y._id"),  # letters of both cases, digits, `_` and `-`
        (("lower", "UPPER"), "$.lower.UPPER"),
        (("2fa",), "$['2fa']"),  # a name must not start with a digit
        (("a", "-x"), "$.a['-x']"),  # nor with `-`
        (("a", "b c", 1), "$.a['b c'][1]"),
        (("it's",), "$['it\\'s']"),  # a quote is escaped
        (("back\\slash",), "$['back\\\\slash']"),  # a backslash is doubled
        (("\\'",), "$['\\\\\\'']"),  # backslash first, then the quote: `\'` becomes `\\\'`
    ],
)
def test_json_path_writes_names_dotted_indexes_in_brackets_and_other_names_quoted_and_escaped(
    path: tuple, shown: str
) -> None:
    assert json_path(path) == shown


# -- Manifest.span and key_span: lookups with fallbacks ---------------------------------------------

# Everything on line 2, from column 3:  `  {a: 1, l: [x, {k: v}]}`
#   `{` 3, `a` 4, `1` 7, `l` 10, `[` 13, `x` 14, `{` 17, `k` 18, `v` 21, `}` 22, `]` 23, `}` 24.
_ONE_LINE = b"# c\n  {a: 1, l: [x, {k: v}]}\n"


def _at(line: int, column: int) -> Span:
    return Span(line, column, line, column)


@pytest.mark.parametrize(
    ("path", "span"),
    [
        (("a",), Span(2, 4, 2, 5)),
        (("a", "deeper"), Span(2, 4, 2, 5)),  # a missing field: its parent's key
        (("l", 0), _at(2, 14)),  # a list item has no key: the item's first character
        (("l", 1), _at(2, 17)),
        (("l", 1, "k"), Span(2, 18, 2, 19)),
        (("l", 1, "zz"), _at(2, 17)),  # missing inside a list item: the item
        (("l", 7), Span(2, 10, 2, 11)),  # a missing item: the list's key
        (("l", 7, "k"), Span(2, 10, 2, 11)),
        (("zz",), _at(2, 3)),  # a missing top-level field: the root's first character
        ((), _at(2, 3)),
        (["l", 1, "k"], Span(2, 18, 2, 19)),  # any sequence will do as a path
    ],
)
def test_key_span_is_the_key_or_for_a_list_item_or_the_root_a_point_at_its_start(path, span: Span) -> None:
    assert ok(_ONE_LINE).key_span(path) == span


@pytest.mark.parametrize(
    ("path", "span"),
    [
        (("a",), Span(2, 7, 2, 8)),
        (("l", 1), Span(2, 17, 2, 23)),
        (("l", 1, "zz"), Span(2, 17, 2, 23)),  # the nearest ancestor present
        (("l", 7, "k"), Span(2, 13, 2, 24)),
        (("zz",), Span(2, 3, 2, 25)),
        ((), Span(2, 3, 2, 25)),
        (["l", 0], Span(2, 14, 2, 15)),
    ],
)
def test_span_is_the_value_node_or_its_nearest_ancestor_in_the_file(path, span: Span) -> None:
    assert ok(_ONE_LINE).span(path) == span


def test_a_manifest_without_spans_places_everything_at_the_start_of_the_file() -> None:
    bare = Manifest(path="m.yaml", data={"a": [1]})
    assert bare.span(("a", 0)) == Span() and bare.key_span(("a", 0)) == Span() and bare.key_span(()) == Span()


def test_a_block_list_item_key_span_is_its_first_character_even_past_extra_spaces() -> None:
    m = ok(b"list:\n  - x\n  -   {k: v}\n")
    assert m.key_span(("list", 0)) == _at(2, 5)
    assert m.key_span(("list", 1)) == _at(3, 7)
    assert m.key_span(("list", 1, "k")) == Span(3, 8, 3, 9)
    assert m.key_span(("list", 2)) == Span(1, 1, 1, 5)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ((), {"a": [10, {"b": None}], "c": 0}),
        (("a", 0), 10),
        (("a", 1, "b"), None),  # present, and null: not the default
        (("a", -1, "b"), None),
        (("a", -2), 10),  # negative indexes count from the end, as in Python
        (("a", -3), "dflt"),
        (("a", 2), "dflt"),
        (("a", "b"), "dflt"),  # a name on a list
        (("c", 0), "dflt"),  # an index on a number
        (("c", "x"), "dflt"),  # a name on a number
        (("zz",), "dflt"),
        (["a", 0], 10),
    ],
)
def test_get_follows_names_and_indexes_and_returns_the_default_for_anything_absent(path, value) -> None:
    m = Manifest(path="m.yaml", data={"a": [10, {"b": None}], "c": 0})
    assert m.get(path, "dflt") == value
    assert m.get(("zz",)) is None


# -- collected refs and answers -------------------------------------------------------------------

_COLLECTED = b"""\
a_ref: r1
x-note: hidden
X-up: shown
sys:
  x-inner: {k: hidden, l: [hidden], m_ref: quiet}
  waivers: [w]
  b_ref: {c_ref: no, d: v}
  e_ref: [f_ref, {h_ref: z}]
  n: ~
  i: 3
  t: true
  q: ''
waivers:
  - {reason: r, rule_ref: AIP-1}
x-list: [h, [i]]
list: [one, {g_ref: r2}]
"""


def test_refs_are_every_ref_field_in_document_order_but_none_inside_another_ref() -> None:
    m = ok(_COLLECTED)
    assert m.refs == [
        (("a_ref",), "r1"),
        (("sys", "x-inner", "m_ref"), "quiet"),  # refs are collected in x- fields and waivers too
        (("sys", "b_ref"), {"c_ref": "no", "d": "v"}),  # a collection: collected when it ends
        (("sys", "e_ref"), ["f_ref", {"h_ref": "z"}]),  # nothing inside it, through a list too
        (("waivers", 0, "rule_ref"), "AIP-1"),
        (("list", 1, "g_ref"), "r2"),
    ]


def test_answers_are_the_text_and_empty_values_outside_x_fields_and_top_level_waivers() -> None:
    m = ok(_COLLECTED)
    assert m.answers == [
        (("a_ref",), "r1"),
        (("X-up",), "shown"),  # `x-` is lower case only
        (("sys", "waivers", 0), "w"),  # only the top-level `waivers` is quiet
        (("sys", "b_ref", "c_ref"), "no"),
        (("sys", "b_ref", "d"), "v"),
        (("sys", "e_ref", 0), "f_ref"),
        (("sys", "e_ref", 1, "h_ref"), "z"),
        (("sys", "n"), None),
        (("sys", "q"), ""),
        (("list", 0), "one"),
        (("list", 1, "g_ref"), "r2"),
    ]


def test_a_scalar_waivers_field_is_quiet_at_the_top_level_only_and_an_x_scalar_at_any_level() -> None:
    m = ok(b"waivers: TODO\nsys: {waivers: TODO, x-k: TODO, k: TODO}\n")
    assert m.answers == [(("sys", "waivers"), "TODO"), (("sys", "k"), "TODO")]


# -- limits: exactly at the limit is read, one past it is refused at the node that passes it -----------


def _too_many(n: int) -> str:
    return f"document expands to more than {n} nodes (alias bomb or oversized file); refusing to read it"


@pytest.mark.parametrize(
    ("raw", "nodes", "where"),
    [
        # root, a, 1, b, []: the 5th node is a collection, at the `[` (column 11).
        (b"{a: 1, b: []}", 5, (1, 11, 1, 11)),
        # root, a, 1, b, 2: the 5th node is a scalar, at the `2`.
        (b"{a: 1, b: 2}", 5, (1, 11, 1, 11)),
        # root, a, 1, b, the list (line 3, column 3), x (column 5).
        (b"a: 1\nb:\n  - x\n", 6, (3, 5, 3, 5)),
        # root, a, the list and its 2 items, b, and the alias, which counts the list's 3 nodes again.
        (b"a: &x [1, 2]\nb: *x\n", 9, (2, 4, 2, 4)),
        # An anchored scalar is one node, at the anchor and again at the alias: root, a, v, b, alias.
        (b"a: &x v\nb: *x\n", 5, (2, 4, 2, 4)),
        # root, m, the mapping (itself, a, the list and its 2 items, b, 3: 7 nodes), n, and the alias: 7 more.
        (b"m: &m {a: [1, 2], b: 3}\nn: *m\n", 17, (2, 4, 2, 4)),
    ],
    ids=["collection", "scalar", "block", "alias", "alias-to-scalar", "alias-to-nested"],
)
def test_a_document_of_exactly_max_nodes_is_read_and_one_more_node_is_refused_where_it_starts(
    raw: bytes, nodes: int, where: tuple[int, int, int, int]
) -> None:
    ok(raw, max_nodes=nodes)
    assert rejected(raw, max_nodes=nodes - 1) == [(where, _too_many(nodes - 1))]


def test_the_node_limit_counts_a_collection_as_one_node_where_it_starts() -> None:
    # root, a, 1, b: 4 nodes, then the list at line 3, column 3 is the 5th.
    assert rejected(b"a: 1\nb:\n  - x\n", max_nodes=4) == [((3, 3, 3, 3), _too_many(4))]


def _deeper(n: int) -> str:
    return f"nesting deeper than {n} levels; refusing to read further"


@pytest.mark.parametrize(
    ("raw", "depth", "where"),
    [
        (b"a: [[x]]\n", 3, (1, 5, 1, 5)),  # root, [, [: the third opens at column 5
        (b"a:\n  b:\n    c: 1\n", 3, (3, 5, 3, 5)),  # the third is the mapping of `c`, line 3
        (b"- x\n", 1, (1, 1, 1, 1)),  # the root itself
    ],
    ids=["flow", "block", "root"],
)
def test_nesting_exactly_max_depth_deep_is_read_and_one_level_more_is_refused_where_it_opens(
    raw: bytes, depth: int, where: tuple[int, int, int, int]
) -> None:
    at_limit = manifest.load(raw, "m.yaml", max_depth=depth)  # the root list is refused, but not for its depth
    assert isinstance(at_limit, Manifest) or all("nesting" not in p.message for p in at_limit), at_limit
    assert rejected(raw, max_depth=depth - 1) == [(where, _deeper(depth - 1))]


# -- spans of collections: where a block or flow collection ends ----------------------------------------

_SHAPES = b"a:\n  b: [1]\n  c:\n    - x\n    - {}\nd: [\n  1]\ne: []\nf: [\n]\n"


def test_every_node_and_key_has_its_one_based_span_and_a_block_collection_ends_with_its_last_node() -> None:
    m = ok(_SHAPES)
    assert m.spans == {
        ("a", "b", 0): Span(2, 7, 2, 8),
        ("a", "b"): Span(2, 6, 2, 9),  # a one-line flow collection ends after its `]`
        ("a", "c", 0): Span(4, 7, 4, 8),
        ("a", "c", 1): Span(5, 7, 5, 9),
        ("a", "c"): Span(4, 5, 5, 9),  # a block list: from its first `-` to the end of its last item
        ("a",): Span(2, 3, 5, 9),  # a block mapping: from its first key, not from the next line's `d`
        ("d", 0): Span(7, 3, 7, 4),
        ("d",): Span(6, 4, 7, 4),  # closed on a later line: ends with its last item, before the `]`
        ("e",): Span(8, 4, 8, 6),
        ("f",): Span(9, 4, 10, 2),  # empty, closed on a later line: nothing inside, so the `]`
        (): Span(1, 1, 10, 2),
    }
    assert m.key_spans == {
        ("a",): Span(1, 1, 1, 2),
        ("a", "b"): Span(2, 3, 2, 4),
        ("a", "c"): Span(3, 3, 3, 4),
        ("d",): Span(6, 1, 6, 2),
        ("e",): Span(8, 1, 8, 2),
        ("f",): Span(9, 1, 9, 2),
    }


def test_a_block_mapping_whose_last_value_is_a_scalar_ends_with_that_scalar_not_at_the_next_key() -> None:
    m = ok(b"a:\n  b: 1\nc:\n  - x\nd: 2\n")
    assert (m.spans[("a",)], m.spans[("c",)]) == (Span(2, 3, 2, 7), Span(4, 3, 4, 6))


def test_a_scalar_spanning_lines_ends_on_its_last_line() -> None:
    m = ok(b"a: one\n  two\nbb: |\n  x\n  y\n")
    assert m.data == {"a": "one two", "bb": "x\ny\n"}
    assert m.spans[("a",)] == Span(1, 4, 2, 6)
    # A literal block ends where the next token starts (the line after `y`, column 1).
    assert m.spans[("bb",)] == Span(3, 5, 6, 1)
    assert m.key_spans[("bb",)] == Span(3, 1, 3, 3)


# -- rejected keys: one problem each, and the rest of the mapping still read correctly -------------------

_COLLECTION_KEY = "mapping keys must be strings; a collection cannot be a key"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"? [a, b]\n: c\n", [((1, 3, 1, 3), _COLLECTION_KEY)]),  # at the collection's first character
        # Its value is dropped, not stored under some other key: a later '' is no duplicate.
        (b"? [a]\n: c\n'': d\n", [((1, 3, 1, 3), _COLLECTION_KEY)]),
        # Nothing inside a rejected key is read as keys and values: its `1` is not a second problem.
        (b"? [{1: x}]\n: c\n", [((1, 3, 1, 3), _COLLECTION_KEY)]),
        # Three levels down; the mappings above it go on as before (`o: 1` is a key and its value).
        (b"m:\n  n:\n    ? [x]\n    : v\n  o: 1\n", [((3, 7, 3, 7), _COLLECTION_KEY)]),
    ],
    ids=["key", "value-dropped", "inside-not-read", "nested"],
)
def test_a_collection_used_as_a_key_is_one_problem_at_its_start(raw: bytes, expected: list) -> None:
    assert rejected(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [b"a: 1\na: {1: x}\nb: 2\n", b"a: 1\na: [x]\nb: 2\n", b"a: 1\na: x\nb: 2\n"],
    ids=["mapping-value", "list-value", "scalar-value"],
)
def test_the_value_of_a_duplicate_key_is_skipped_and_the_next_key_is_read_as_a_key(raw: bytes) -> None:
    assert rejected(raw) == [((2, 1, 2, 2), "duplicate key `a` (first defined at line 1)")]


def test_a_rejected_collection_key_still_counts_its_nodes_when_its_mapping_is_aliased() -> None:
    # root, m, the mapping, a, 1, the key list and its x and y, v, n: 10; the alias counts the
    # mapping again: itself, a, 1, the 3 nodes of the rejected key and v, 7. 17 in all.
    raw = b"m: &m\n  a: 1\n  ? [x, y]\n  : v\nn: *m\n"
    assert rejected(raw, max_nodes=17) == [((3, 5, 3, 5), _COLLECTION_KEY)]
    assert rejected(raw, max_nodes=16) == [((3, 5, 3, 5), _COLLECTION_KEY), ((5, 4, 5, 4), _too_many(16))]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: 1\n2: b\n", [((2, 1, 2, 2), "mapping keys must be strings; key `2` is read as int: quote it")]),
        (b"a: 1\nnull: b\n", [((2, 1, 2, 5), "mapping keys must be strings; key is read as null: quote it")]),
        (b"{x: 1, True: b}\n", [((1, 8, 1, 12), "mapping keys must be strings; key `true` is read as bool: quote it")]),
        (b"a: 1\n-1.5: b\n", [((2, 1, 2, 5), "mapping keys must be strings; key `-1.5` is read as float: quote it")]),
    ],
)
def test_a_scalar_key_that_is_not_text_is_one_problem_on_the_key_naming_what_it_is_read_as(
    raw: bytes, expected: list
) -> None:
    assert rejected(raw) == expected


def test_a_duplicate_key_is_reported_at_its_second_occurrence_with_the_first_line() -> None:
    assert rejected(b"x: 0\nab: 1\nc: 2\nab: 3\n") == [((4, 1, 4, 3), "duplicate key `ab` (first defined at line 2)")]


# -- tags and scalar resolution ------------------------------------------------------------------------


def _tag(shown: str) -> str:
    return f"YAML tag `{shown}` is not allowed: aipolicy never constructs tagged values; remove the tag"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: !!str {k: v}\n", [((1, 4, 1, 4), _tag("!!str"))]),  # `!!str` names a scalar, not a mapping
        (b"a:\n  b: !!seq {k: v}\n", [((2, 6, 2, 6), _tag("!!seq"))]),
        (b"a: !!map [1]\n", [((1, 4, 1, 4), _tag("!!map"))]),
        (b"a: !!int 1\n", [((1, 4, 1, 4), _tag("!!int"))]),
        (b"a: !local {k: v}\n", [((1, 4, 1, 4), _tag("!local"))]),
        # Every tag is reported, not only the first.
        (b"a: !x 1\nbb: !y [2]\n", [((1, 4, 1, 4), _tag("!x")), ((2, 5, 2, 5), _tag("!y"))]),
    ],
)
def test_a_tag_is_a_problem_at_its_node_unless_it_is_the_standard_tag_of_that_kind_of_node(
    raw: bytes, expected: list
) -> None:
    assert rejected(raw) == expected


def test_the_non_specific_tag_and_the_standard_tag_of_each_kind_are_accepted_on_scalars_and_collections() -> None:
    m = ok(b"a: !!map {k: v}\nb: !!seq [1]\nc: !!str x\nd: ! {k: v}\ne: ! [1]\n")
    assert m.data == {"a": {"k": "v"}, "b": [1], "c": "x", "d": {"k": "v"}, "e": [1]}


def test_a_tagged_or_quoted_scalar_is_the_text_as_written_never_resolved() -> None:
    m = ok(b"a: !!str 12\nb: !!str true\nc: ! ~\nd: '12'\ne: \"true\"\nf: '~'\ng: ''\nh: \"null\"\n")
    assert m.data == {"a": "12", "b": "true", "c": "~", "d": "12", "e": "true", "f": "~", "g": "", "h": "null"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),  # one character: a number
        ("-7", -7),
        ("+7", 7),
        (".5", 0.5),
        ("-.5", -0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("+1.5e+2", 150.0),
        ("123456789012345678", 123456789012345678),  # 18 digits: still an int
        ("1234567890123456789", "1234567890123456789"),  # 19: text (the int pattern stops at 18 digits)
        ("1e1000", "1e1000"),  # 4 exponent digits: text
        ("1e400", "1e400"),  # a float pattern, but infinite as a float: text
        ("-1e400", "-1e400"),
        ("+-", "+-"),
        ("-a", "-a"),
        (".", "."),
        ("1.5.", "1.5."),
        ("007", "007"),
        ("Null", None),
        ("NULL", None),
        ("True", True),
        ("x7", "x7"),
    ],
)
def test_a_plain_scalar_is_resolved_by_the_core_schema_rules(text: str, value: object) -> None:
    got = ok(f"k: {text}\n".encode()).data["k"]
    assert got == value and type(got) is type(value)


def test_a_rejected_scalar_key_stores_nothing_so_a_later_empty_key_is_no_duplicate() -> None:
    assert rejected(b"1: a\n'': b\n") == [
        ((1, 1, 1, 2), "mapping keys must be strings; key `1` is read as int: quote it")
    ]


def test_the_manifest_carries_the_path_it_was_loaded_as_and_the_mapping_as_its_data() -> None:
    m = manifest.load(b"a: [1]\n", "dir/ai-production.yaml")
    assert isinstance(m, Manifest) and m.path == "dir/ai-production.yaml" and m.data == {"a": [1]}


# -- NUL bytes and control characters: at the first one, in characters ------------------------------


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        (b"\n\x00", (2, 1, 2, 2)),  # after a newline at offset 0
        # `cd: x` is 5 characters: the first of the two NULs is column 6 of line 3; lines after it do not count.
        (b"a: 1\nb: 2\ncd: x\x00\x00\n\n", (3, 6, 3, 7)),
        ("é: \x00".encode(), (1, 4, 1, 5)),  # é is 2 bytes but 1 character
    ],
)
def test_a_nul_byte_is_one_problem_at_the_first_one(raw: bytes, span: tuple[int, int, int, int]) -> None:
    assert rejected(raw) == [(span, "file contains a NUL byte; is it binary?")]


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        (b"\x07a: 1\n", (1, 1, 1, 2)),  # the very first character
        (b"\n\x07", (2, 1, 2, 2)),
        (b"a: 1\nb: 2\ncd: x\x07\x07\n\n", (3, 6, 3, 7)),  # the first of two, on line 3
    ],
)
def test_a_control_character_is_one_problem_at_the_first_one_naming_its_code_point(
    raw: bytes, span: tuple[int, int, int, int], parser: str
) -> None:
    # The reason is the parser's own: libyaml says "control characters", PyYAML "special characters".
    reason = {"libyaml": "control", "pure-python": "special"}[parser]
    message = f"invalid YAML: character U+0007 is not allowed in YAML ({reason} characters are not allowed)"
    assert rejected(raw) == [(span, message)]


def test_a_syntax_error_is_named_by_the_parsers_problem_not_its_context(parser: str) -> None:
    # Both parsers also give a context here ("while parsing a flow sequence", at the `[`): not shown, not used.
    problem = {
        "libyaml": "did not find expected ',' or ']'",
        "pure-python": "expected ',' or ']', but got '<stream end>'",
    }
    assert rejected(b"a: [1, 2\n") == [((1, 9, 1, 9), f"invalid YAML: {problem[parser]}")]


# -- what kind of document: the messages name it ---------------------------------------------------------

_HOLDS_MANIFEST = "fields such as `apiVersion:` and `system:`"
_HOLDS_CONFIGURATION = "settings such as `select:`, `severity:` and `overrides:`"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (None, "file is empty: a manifest is a YAML mapping starting with `apiVersion: aipolicy/v1`"),
        ("manifest", "file is empty: a manifest is a YAML mapping starting with `apiVersion: aipolicy/v1`"),
        ("configuration", f"file is empty: a configuration is a YAML mapping of {_HOLDS_CONFIGURATION}"),
        ("baseline", "file is empty: a baseline is a YAML mapping of keys"),  # a kind _HOLDS does not know
    ],
)
@pytest.mark.parametrize("raw", [b"", b"~\n", b"---\n"], ids=["no-document", "null", "empty-document"])
def test_an_empty_file_is_one_problem_at_the_start_naming_what_the_document_should_hold(
    raw: bytes, document: str | None, message: str
) -> None:
    kind = {} if document is None else {"document": document}  # None: load's default, a manifest
    assert [(tuple(p.span), p.message) for p in manifest.load(raw, "x.yaml", **kind)] == [((1, 1, 1, 1), message)]


@pytest.mark.parametrize(
    ("raw", "document", "expected"),
    [
        (b"- a\n- b\n", None, ((1, 1, 2, 4), f"the document is a list; a manifest is a mapping of {_HOLDS_MANIFEST}")),
        (
            b"hello\n",
            "configuration",
            (
                (1, 1, 1, 6),
                f"the document is a single str value; a configuration is a mapping of {_HOLDS_CONFIGURATION}",
            ),
        ),
        (b"42\n", "baseline", ((1, 1, 1, 3), "the document is a single int value; a baseline is a mapping of keys")),
        (
            b"a: 1\n---\nb: 2\n",
            "configuration",
            (
                (2, 1, 2, 1),
                "more than one YAML document; a configuration is a single document (remove the second `---`)",
            ),
        ),
        (
            b"a: 1\n---\nb: 2\n",
            None,
            ((2, 1, 2, 1), "more than one YAML document; a manifest is a single document (remove the second `---`)"),
        ),
    ],
)
def test_a_document_of_the_wrong_shape_or_a_second_document_is_one_problem_naming_the_kind(
    raw: bytes, document: str | None, expected: tuple
) -> None:
    kind = {} if document is None else {"document": document}
    assert [(tuple(p.span), p.message) for p in manifest.load(raw, "x.yaml", **kind)] == [expected]


# -- errors no real input is known to reach: handled all the same, never raised ------------------------


class _Raising:
    """A stand-in parser whose first event raises `error`, counting its disposals."""

    error: BaseException
    disposed = 0

    def __init__(self, text: str) -> None:
        self.text = text

    def get_event(self) -> None:
        raise self.error

    def dispose(self) -> None:
        type(self).disposed += 1


@pytest.mark.parametrize(
    ("error", "message"),
    [
        # A reader error names no position; the character is looked up in the text when it is an int in it.
        (yaml.reader.ReaderError("m", 0, None, "unicode", "odd input"), "invalid YAML: odd input"),
        (yaml.reader.ReaderError("m", 0, "\x07", "unicode", "odd input"), "invalid YAML: odd input"),  # not an int
        (yaml.reader.ReaderError("m", 0, 0x1F, "unicode", "odd input"), "invalid YAML: odd input"),  # not in the text
        # A marked error without marks: placed at the start; its problem, else its context, names it.
        (yaml.MarkedYAMLError(problem="odd thing"), "invalid YAML: odd thing"),
        (yaml.MarkedYAMLError(context="while reading"), "invalid YAML: while reading"),
        (yaml.MarkedYAMLError(), "invalid YAML: invalid YAML"),
        (yaml.YAMLError("first line\nsecond line"), "invalid YAML: first line second line"),  # on one line
        (RecursionError(), "document is too deeply nested or too large to read"),
        (MemoryError(), "document is too deeply nested or too large to read"),
    ],
    ids=[
        "reader-no-char",
        "reader-text-char",
        "reader-absent-char",
        "problem",
        "context",
        "neither",
        "plain",
        "recursion",
        "memory",
    ],
)
def test_a_parser_error_of_any_kind_is_one_problem_and_the_parser_is_disposed_of(
    error: BaseException, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising = type("Raising", (_Raising,), {"error": error, "disposed": 0})
    monkeypatch.setattr(manifest, "_Loader", raising)
    assert rejected(b"a: 1\n") == [((1, 1, 1, 1), message)]
    assert raising.disposed == 1


def test_the_parser_is_disposed_of_once_per_load_whether_the_file_is_read_or_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    disposed: list[int] = []

    class Recording(manifest._Loader):  # the parser the fixture chose
        def dispose(self) -> None:
            disposed.append(1)
            super().dispose()

    monkeypatch.setattr(manifest, "_Loader", Recording)
    ok(b"a: 1\n")
    rejected(b"a: [1\n")
    assert disposed == [1, 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The value of a duplicate key is consumed unjudged: a collection inside it is no key.
        ("a: 1\na:\n  b: {c: 1}\n", [((2, 1, 2, 2), "duplicate key `a` (first defined at line 1)")]),
        # Nor inside the value of a key that is not a string.
        ("1: {b: [x]}\n", [((1, 1, 1, 2), "mapping keys must be strings; key `1` is read as int: quote it")]),
        # A collection used as a key is reported once, not again for each collection inside it.
        ("? {a: {b: 1}}\n: c\n", [((1, 3, 1, 3), "mapping keys must be strings; a collection cannot be a key")]),
    ],
)
def test_a_rejected_subtree_is_reported_once_and_nothing_inside_it_is_judged(
    text: str, expected: list[tuple[tuple[int, int, int, int], str]]
) -> None:
    loaded = manifest.load(text.encode("utf-8"), "m.yaml")
    assert isinstance(loaded, list)
    assert [(tuple(p.span), p.message) for p in loaded] == expected
