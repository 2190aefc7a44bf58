"""The yaml-test-suite through the loader and the full check: nothing escapes, every rejection is positioned.

The corpus lives in ../shared/conformance/yaml-test-suite/{valid,error}/ (one
document per file, as the suite publishes them). valid/ documents may still be
rejected by aipolicy (a list is not a manifest, tags are refused); error/
documents must be rejected, except the few that libyaml itself accepts, listed
below with the suite's own description of what is wrong with them.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from checker import __version__, engine, manifest
from checker.findings import Report
from checker.options import Options
from checker.report import RenderContext, render

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "yaml-test-suite"
TODAY = datetime.date(2026, 11, 26)

# error/ documents that libyaml 0.2.5 parses without complaint. aipolicy does not
# re-implement YAML's indentation and comment rules on top of libyaml; each of
# these yields plausible data (the leniency never invents keys or tags), and the
# schema still judges what comes out.
LIBYAML_ACCEPTS = {
    "9C9N": "wrong indented flow sequence: flow items on lines indented less than their key",
    "DK95_01": "tab used as indentation on the continuation line of a double-quoted scalar",
    "QB6E": "wrong indented multi-line double-quoted scalar (continuation at column 1)",
    "S98Z": "block scalar whose leading blank lines have more spaces than its first content line",
    "SU5Z": 'comment without whitespace after a double-quoted scalar (`"value"# comment`)',
    "X4QW": "comment without whitespace after a block scalar indicator (`>#comment`); only the C parser accepts it",
}


def _cases() -> list:
    if not SUITE.is_dir():
        return [pytest.param(None, id="yaml-test-suite-missing")]
    return [
        pytest.param(path, id=f"{kind}/{path.stem}")
        for kind in ("valid", "error")
        for path in sorted((SUITE / kind).glob("*.yaml"))
    ]


@pytest.fixture()
def suite(shared_path) -> Path:
    """Skips when ../shared is absent, fails then under CI (see conftest.require_shared)."""
    return shared_path("conformance", "yaml-test-suite")


@pytest.fixture(scope="module")
def options() -> Options:
    return Options(today=TODAY, root=SUITE if SUITE.is_dir() else Path.cwd())


@pytest.mark.parametrize("case", _cases())
def test_loader_accepts_or_rejects_with_a_position(case: Path | None, suite: Path) -> None:
    assert case is not None
    loaded = manifest.load(case.read_bytes(), case.name)  # must not raise, whatever the document
    if isinstance(loaded, list):
        assert loaded, "a rejection must carry at least one problem"
        for problem in loaded:
            assert problem.span.line >= 1 and problem.span.column >= 1, problem
            assert problem.message.strip()
    else:
        assert isinstance(loaded.data, dict)
        if case.parent.name == "error":
            assert case.stem in LIBYAML_ACCEPTS, f"{case.stem} is invalid YAML and was accepted"


@pytest.mark.parametrize("case", _cases())
def test_full_check_never_raises_and_rejections_are_sch002(case: Path | None, suite: Path, options: Options) -> None:
    assert case is not None
    display = f"{case.parent.name}/{case.name}"
    result = engine.check_file(case, display, options)
    rejected = isinstance(manifest.load(case.read_bytes(), case.name), list)
    if rejected:
        assert result.findings, "a rejected document must produce a finding"
        assert {f.rule for f in result.findings} == {"AIP-SCH-002"}
        assert all(f.span.line >= 1 and f.span.column >= 1 for f in result.findings)
    report = Report([result])
    ctx = RenderContext(policy=options.effective_policy(), version=__version__)
    text = render("text", report, ctx)
    assert text.endswith("\n")
    data = json.loads(render("json", report, ctx))
    assert [m["path"] for m in data["manifests"]] == [display]
    assert all(f["line"] >= 1 for f in data["findings"])


def test_every_error_document_is_rejected_or_documented_as_a_libyaml_leniency(suite: Path) -> None:
    accepted = {
        p.stem
        for p in sorted((suite / "error").glob("*.yaml"))
        if not isinstance(manifest.load(p.read_bytes(), p.name), list)
    }
    assert accepted <= set(LIBYAML_ACCEPTS), f"newly accepted invalid YAML: {sorted(accepted - set(LIBYAML_ACCEPTS))}"
    # The list must name real corpus files, so that a renamed or removed case shows up here.
    assert all((suite / "error" / f"{stem}.yaml").is_file() for stem in LIBYAML_ACCEPTS)


def test_corpus_is_the_expected_size(suite: Path) -> None:
    # Guards against an empty or truncated checkout silently passing the per-file tests.
    assert len(list((suite / "valid").glob("*.yaml"))) >= 300
    assert len(list((suite / "error").glob("*.yaml"))) >= 90


# valid/ documents whose data libyaml (and so PyYAML, C or pure Python) builds differently
# from the suite's expected data; aipolicy reads YAML through libyaml's events.
LIBYAML_READS_DIFFERENTLY = {
    "652Z": "`?foo` in a flow mapping is the plain scalar `?foo`; libyaml reads `?` as the key indicator",
    "L24T_01": "a literal block scalar's trailing line of spaces keeps its line break; libyaml drops it",
    "Y2GN": "`&an:chor` is an anchor named `an:chor`; libyaml ends the anchor name at the colon",
}


def _expected_documents(path: Path) -> list:
    """The JSON values of a valid/NAME.json, one after another (a stream of documents)."""
    decoder, text, values, at = json.JSONDecoder(), path.read_text(encoding="utf-8"), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return values
        value, at = decoder.raw_decode(text, at)
        values.append(value)


def test_every_mapping_the_loader_builds_is_the_suites_expected_data(suite: Path) -> None:
    compared, differ = 0, {}
    for case in sorted((suite / "valid").glob("*.yaml")):
        expected_file = case.with_suffix(".json")
        if not expected_file.is_file():
            continue
        loaded = manifest.load(case.read_bytes(), case.name)
        if isinstance(loaded, list):
            continue  # not a single mapping (a list, a scalar, a tag, several documents): no manifest
        expected = _expected_documents(expected_file)
        compared += 1
        if expected != [loaded.data]:
            differ[case.stem] = (loaded.data, expected)
    assert set(differ) == set(LIBYAML_READS_DIFFERENTLY), {
        k: v for k, v in differ.items() if k not in LIBYAML_READS_DIFFERENTLY
    }
    assert compared >= 80  # the comparison really ran over the corpus
