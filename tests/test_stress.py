"""Whatever the bytes, the checker answers: no exception, exit code 0 or 1, parseable reports.

Property-based (hypothesis): YAML-ish byte soup, and manifests that are
structurally plausible but odd (random subsets of sections, wrong types, odd
unicode, huge numbers, nesting, anchors and aliases). Also pins the quick
schema check (checker/fastschema.py) to jsonschema's verdict on the same data,
since a valid manifest is only ever judged by the quick check.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker import engine, fastschema, schema
from checker import manifest as manifest_mod
from checker.cli import main
from checker.options import Options

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)
FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "rdjson", "azure")
# An annotation (properties escaped: no `,` `:` CR LF inside a value; data without CR LF),
# or the one notice that counts what was not shown.
GITHUB_COMMAND = re.compile(
    r"^::(?:error|warning|notice) (?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*"
    r"(?:,(?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*)*::[^\r\n]*$"
    r"|^::notice title=aipolicy::\d+ more findings [^\r\n]*$"
)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _base() -> dict[str, Any]:
    loaded = manifest_mod.load((REPO / "examples" / "production" / "ai-production.yaml").read_bytes(), "base")
    assert isinstance(loaded, manifest_mod.Manifest)
    return loaded.data


BASE = _base()

# -- strategies --------------------------------------------------------------------------------------

TOKENS = [
    "apiVersion",
    "aipolicy/v1",
    "stage",
    "production",
    "pilot",
    "system",
    "id",
    "owners",
    "technical",
    "name",
    "contact",
    "monitoring",
    "drift",
    "threshold",
    "waivers",
    "rule",
    ":",
    ": ",
    " ",
    "\n",
    "  ",
    "    ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!python/object/apply:os.system ",
    "!!str ",
    "!!binary ",
    "!custom ",
    "---\n",
    "...\n",
    "'",
    '"',
    "# c\n",
    "\t",
    "? ",
    "|\n",
    ">-\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "yes",
    "no",
    "on",
    "0755",
    "0x1F",
    "1e999",
    "-.inf",
    ".nan",
    "~",
    "null",
    "12345678901234567890123456789",
    "2026-13-45",
    "2026-02-29",
    "é",
    "\u202e",
    "\U0001f600",
    "\x00",
    "\ufeff",
    "\x85",
    "\u2028",
    "\r\n",
    "\\",
    "%",
    "@",
    "`",
    "TBD",
    "x-ext",
    "$",
    "\udcff",
]

yamlish_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=60).map("".join)
yamlish_bytes = st.one_of(
    st.binary(max_size=400),
    yamlish_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    yamlish_text.map(lambda t: t.encode("utf-16", "surrogatepass")),
)

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "TBD",
            "n/a",
            "@x",
            "a@b.c",
            "P7D",
            "PT0S",
            "P99999999999D",
            "*/5 * * * *",
            "0755",
            "2026-11-26",
            "2026-02-30",
            "\u202eevil",
            "\U0001f600",
            "x" * 300,
            "ks",
            "psi",
            "high",
            "replace",
        ]
    ),
)
leaf = st.one_of(
    st.none(),
    st.booleans(),
    odd_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_value = st.recursive(
    leaf,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(odd_text, children, max_size=4)),
    max_leaves=12,
)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, path + (index,))
    return out


BASE_PATHS = _paths(BASE)


def _replace(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: _replace(data[head], rest, value)}
    copy = list(data)
    copy[head] = _replace(copy[head], rest, value)
    return copy


@st.composite
def odd_manifests(draw) -> dict[str, Any]:
    """The production example with random sections dropped and random nodes replaced."""
    keys = draw(st.lists(st.sampled_from(sorted(BASE)), unique=True, max_size=len(BASE)))
    data: Any = {key: BASE[key] for key in BASE if key in keys or key in ("apiVersion", "stage")}
    for _ in range(draw(st.integers(0, 4))):
        candidates = [p for p in BASE_PATHS if p and p[0] in data]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        try:
            data = _replace(data, path, draw(json_value))
        except (KeyError, IndexError, TypeError):  # an earlier replacement removed that node
            continue
    if draw(st.booleans()):
        data[draw(odd_text)] = draw(json_value)
    return data


def _dump(data: Any, style: str) -> bytes:
    if style == "json":
        return json.dumps(data, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


manifest_bytes = st.builds(_dump, odd_manifests(), st.sampled_from(["json", "yaml"]))

ALIASED = [
    b"apiVersion: aipolicy/v1\nstage: production\nowners: &o {technical: &p {name: A B, contact: a@b.io}}\n"
    b"rollback: {decision_owner: *p}\nmonitoring: {watchers: {primary: *p, backup: *p}}\nretraining: {owner: *p}\n",
    b"a: &a [&b [1, 2], *b, *b]\nb: &c [*a, *a, *a, *a]\nc: [*c, *c, *c, *c, *c, *c]\nd: [*c, *c, *c, *c]\n",
    b"apiVersion: aipolicy/v1\nstage: &s production\nsystem: {id: *s, name: *s}\n<<: {stage: pilot}\n",
    b"[" * 100 + b"]" * 100,
    b"apiVersion: aipolicy/v1\nstage: production\nsystem:\n" + b"".join(b"  " * i + b"k:\n" for i in range(1, 80)),
    b"apiVersion: aipolicy/v1\nstage: production\nmonitoring: {drift: [{method: ks, threshold: 1e400}]}\n",
    b"apiVersion: aipolicy/v1\nstage: production\ngovernance: {next_review: 9999-12-31, last_review: 0001-01-01}\n",
    b"apiVersion: aipolicy/v1\nstage: production\nrollback: {rto: P99999999999999999999D, last_tested: 2026-02-30}\n",
]


# -- the checker never raises --------------------------------------------------------------------------


def _check(raw: bytes, root: Path) -> None:
    result = engine.check_bytes(raw, "m.ai-production.yaml", Options(today=TODAY, root=root))
    assert result.path == "m.ai-production.yaml"
    for finding in result.findings:
        assert finding.span.line >= 1 and finding.span.column >= 1
        assert isinstance(finding.message, str) and finding.message


@SETTINGS
@given(raw=yamlish_bytes)
@example(raw=b"")
@example(raw=b"\xff\xfe\x00")
@example(raw=b"- a\n- b\n")
def test_any_bytes_give_findings_not_exceptions(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check(raw, tmp_path_factory.getbasetemp())


@SETTINGS
@given(raw=st.one_of(manifest_bytes, st.sampled_from(ALIASED)))
def test_odd_manifests_give_findings_not_exceptions(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    _check(raw, tmp_path_factory.getbasetemp())


def _cli(path: Path, fmt: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--today", TODAY.isoformat(), "--no-color", "--format", fmt, str(path)])
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue()


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(yamlish_bytes, manifest_bytes, st.sampled_from(ALIASED)))
def test_the_cli_exits_0_or_1_with_a_well_formed_report_in_every_format(
    raw: bytes, tmp_path_factory: pytest.TempPathFactory, monkeypatch_session
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "ai-production.yaml"
    path.write_bytes(raw)
    monkeypatch_session.chdir(folder)
    for fmt in FORMATS:
        code, text = _cli(path, fmt)
        assert code in (0, 1), (fmt, code)
        if fmt in ("json", "sarif", "rdjson"):
            assert isinstance(json.loads(text), dict)
        elif fmt == "gitlab":
            entries = json.loads(text)
            assert isinstance(entries, list) and len({e["fingerprint"] for e in entries}) == len(entries)
        elif fmt == "azure":
            # A logging command starts a line, and only ours do: content never holds `##vso[` raw.
            for line in text.splitlines():
                rest = line[len("##vso[task.logissue ") :] if line.startswith("##vso[task.logissue ") else line
                assert "##vso[" not in rest and "##[" not in rest, line
        elif fmt == "junit":
            ET.fromstring(text)
        elif fmt == "github":
            # Every line that starts with `::` is one of the commands aipolicy writes, whole and
            # well-formed; between stop-commands and its token nothing starts with `::`.
            lines = text.splitlines()
            stop = [i for i, line in enumerate(lines) if line.startswith("::stop-commands::")]
            assert len(stop) == 1
            token = lines[stop[0]].split("::")[2]
            end = lines.index(f"::{token}::")
            for line in lines[: stop[0]]:
                assert GITHUB_COMMAND.match(line), line
            assert not any(line.startswith("::") for line in lines[stop[0] + 1 : end])
            assert lines[end + 1 :] == []


@pytest.fixture(scope="session")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


# -- the quick schema check agrees with jsonschema -----------------------------------------------------


@pytest.fixture(scope="module")
def jsonschema_validator():
    return schema.manifest_validator("v1")


@SETTINGS
@given(data=odd_manifests())
def test_quick_schema_check_agrees_with_jsonschema_on_odd_manifests(data: dict, jsonschema_validator) -> None:
    assert fastschema.is_valid(schema.load_schema("v1"), data) is jsonschema_validator.is_valid(data)


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_value)
def test_quick_schema_check_agrees_with_jsonschema_on_any_value_anywhere(value: Any, jsonschema_validator) -> None:
    for path in (
        ("stage",),
        ("monitoring", "drift", 0, "threshold"),
        ("governance", "next_review"),
        ("owners", "technical"),
        ("waivers",),
        ("system", "x-extra"),
        ("data", "sources", 0, "refresh", "schedule"),
    ):
        data = (
            _replace(BASE, path[:-1], {**_get(BASE, path[:-1]), path[-1]: value})
            if isinstance(path[-1], str)
            else _replace(BASE, path, value)
        )
        assert fastschema.is_valid(schema.load_schema("v1"), data) is jsonschema_validator.is_valid(data), path


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def test_quick_schema_check_agrees_with_jsonschema_on_every_example_and_fixture(jsonschema_validator) -> None:
    files = sorted(REPO.glob("examples/**/*.yaml")) + sorted(REPO.glob("tests/fixtures/**/*.yaml"))
    judged = 0
    for file in files:
        loaded = manifest_mod.load(file.read_bytes(), str(file))
        if isinstance(loaded, manifest_mod.Manifest):
            judged += 1
            assert fastschema.is_valid(schema.load_schema("v1"), loaded.data) is jsonschema_validator.is_valid(
                loaded.data
            ), file
    assert judged >= 5


def test_quick_schema_check_knows_every_keyword_jsonschema_validates() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    # A keyword jsonschema validates but fastschema does not know would be ignored: a valid verdict for an invalid file.
    assert set(jsonschema.Draft202012Validator.VALIDATORS) <= fastschema.VALIDATION_KEYWORDS


@pytest.mark.parametrize(
    "keyword", ["uniqueItems", "contains", "prefixItems", "unevaluatedProperties", "$dynamicRef", "multipleOf"]
)
def test_a_schema_with_a_keyword_fastschema_does_not_compile_is_left_to_jsonschema(keyword: str) -> None:
    odd = {"$schema": fastschema.DRAFT_2020_12, "type": "object", "properties": {"a": {keyword: 2}}}
    assert fastschema.is_valid(odd, {"a": [1, 1]}) is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({"type": "object"}, True),
        ({"format": "email"}, None),
        ({"$ref": "https://example.org/x.json"}, None),
        ({"$schema": "http://json-schema.org/draft-07/schema#"}, None),
    ],
)
def test_schemas_outside_what_fastschema_compiles_get_no_verdict(value: dict, valid: bool | None) -> None:
    assert fastschema.is_valid(value, {}) is valid


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26",
        "2026-02-29",
        "2028-02-29",
        "20261126",
        "2026-W48-4",
        "2026-11-26T00:00",
        "0000-01-01",
        "2026-1-1",
        " 2026-11-26",
        "２０２６-11-26",
        "2026-11-26\n",
        20261126,
        None,
    ],
)
def test_quick_date_format_is_the_format_checker_of_schema_py(text: Any) -> None:
    checker = schema._format_checker()
    assert fastschema.date_ok(text) is checker.conforms(text, "date")


@pytest.mark.parametrize(
    ("one", "two", "equal"),
    [
        (True, 1, False),
        (False, 0, False),
        (1, 1.0, True),
        ([True], [1], False),
        ({"a": [0]}, {"a": [False]}, False),
        ("1", 1, False),
        (None, None, True),
        ({"a": 1}, {"a": 1}, True),
    ],
)
def test_enum_and_const_equality_keeps_booleans_apart_from_numbers(one: Any, two: Any, equal: bool) -> None:
    odd = {"$schema": fastschema.DRAFT_2020_12, "const": two}
    assert fastschema.is_valid(odd, one) is equal
    assert fastschema.is_valid({"enum": [two, "other"]}, one) is equal


def test_checking_a_valid_manifest_does_not_import_jsonschema(tmp_path: Path) -> None:
    # jsonschema (with referencing and attrs) is most of a one-file run's start-up: only invalid files need it.
    path = tmp_path / "ai-production.yaml"
    path.write_text(
        "apiVersion: aipolicy/v1\nsystem: {id: small-system, name: Small, description: A small system, type: classifier}\nstage: exploration\n"
        "owners: {technical: {name: Priya Raman, contact: priya@acme-corp.io}}\n",
        encoding="utf-8",
    )
    probe = (
        "import sys\nfrom checker.cli import main\ncode = main(sys.argv[1:])\n"
        "print('@@', code, sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing', 'multiprocessing')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, "check", "--today", TODAY.isoformat(), str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    marker = proc.stdout.rindex("@@")
    code, modules = proc.stdout[marker + 3 :].split(" ", 1)
    assert code == "0", proc.stdout + proc.stderr
    assert modules.strip() == "[]"
    path.write_text(path.read_text(encoding="utf-8").replace("stage: exploration", "stage: prod"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", probe, "check", "--today", TODAY.isoformat(), str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "'jsonschema'" in proc.stdout[proc.stdout.rindex("@@") :]  # the probe does see it when it is needed


# -- regressions found while stressing ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_manifest_whose_file_name_is_not_utf8_is_reported_not_a_traceback(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writing the report raised UnicodeEncodeError: the name's surrogate escapes reached a UTF-8 file.
    try:
        fd = os.open(os.fsencode(tmp_path) + b"/\xff-odd.ai-production.yaml", os.O_WRONLY | os.O_CREAT)
    except (OSError, UnicodeError):
        pytest.skip("this file system only takes UTF-8 names")
    os.write(fd, b"apiVersion: aipolicy/v1\nstage: prod\n")
    os.close(fd)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.out"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["check", "--today", TODAY.isoformat(), "--format", fmt, "--output", str(out), "."])
    assert code == 1, err.getvalue()  # the broken stage is an error, reported on that file
    written = out.read_text(encoding="utf-8").replace("\\\\", "\\")
    # SARIF URIs percent-encode the backslash of the \xNN shown for the undecodable byte.
    assert "\\xff-odd.ai-production.yaml" in written or "%5Cxff-odd.ai-production.yaml" in written
