"""The GitHub job summary (checker.report.github.summary_markdown), rendered the way
GitHub renders it: cmark-gfm with the table and autolink extensions (cmarkgfm).

A rule's code spans stay code; everything else from the repository renders as
the characters it is: no link, image, HTML, @mention, emphasis or extra table
cell. Totals use singular and plural; each manifest gets its own heading and
its own table.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest

from checker.findings import Finding, ManifestResult, Report, Severity, Span
from checker.policy import load_builtin
from checker.report import RenderContext
from checker.report.github import message_markdown, summary_markdown
from checker.textsafe import printable

HOSTILE_MESSAGES = [
    "![x](https://t.example/p.png) tracking pixel",
    "[click](https://evil.example) here",
    "<img src=x onerror=alert(1)> <b>bold</b> <!-- c -->",
    "cell | break | here",
    "mail admin@evil.example or @org/team, see #12 and www.evil.example, https://evil.example/x",
    "*em* **strong** _u_ ~~gone~~ &amp; &#64; :smile:",
    "`a` then ``b`` then `c|d` then ```",
    "`x` `](https://evil.example) [y` [z](https://evil.example)",
    "line\nbreak\r| a | b |\n|---|---|",
    "\\`escaped\\` and \\[bracket\\]",
    "(www.evil.example) x(https://evil.example) <https://evil.example> [a]: https://evil.example",
    "$x^2$ and $$y$$ \u202e bidi \x1b[2J esc",
]


def _html(markdown: str) -> str:
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("cmarkgfm (pip install -e '.[test]') is required in CI")
        pytest.skip("cmarkgfm is not installed")
    # UNSAFE: raw HTML would be passed through, so the test sees it instead of cmark's placeholder.
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[list[str]] = []  # per <tr>: the text of each cell
        self.code: list[str] = []
        self.text: list[str] = []
        self._in_code = 0
        self._in_cell = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.cells.append([])
        elif tag in ("td", "th"):
            self.cells[-1].append("")
            self._in_cell = True
        elif tag == "code":
            self._in_code += 1
            self.code.append("")

    def handle_endtag(self, tag) -> None:
        if tag == "code":
            self._in_code -= 1
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_comment(self, data) -> None:
        self.tags.append("!--")

    def handle_data(self, data) -> None:
        if self._in_cell:
            self.cells[-1][-1] += data
        if self._in_code:
            self.code[-1] += data
        self.text.append(data)


def _parse(markdown: str) -> _Tags:
    parser = _Tags()
    parser.feed(_html(markdown))
    return parser


def _ctx() -> RenderContext:
    return RenderContext(policy=load_builtin(), version="t")


def _finding(path: str, message: str, severity: Severity = Severity.ERROR, line: int = 3, **kw) -> Finding:
    return Finding("AIP-MON-002", "drift-threshold-range", severity, path, Span(line, 1, line, 2), message, **kw)


def _report(*results: tuple[str, list[Finding]]) -> Report:
    report = Report()
    for path, findings in results:
        report.results.append(ManifestResult(path=path, system_id="svc", stage="production", findings=findings))
    return report


def test_a_rule_messages_code_spans_render_as_code_and_the_rest_as_text() -> None:
    message = "`monitoring.drift.threshold` is 0.5: a `psi` threshold lies in (0, 1]"
    html = _parse(f"| m |\n|---|\n| {message_markdown(message)} |\n")
    assert html.code == ["monitoring.drift.threshold", "psi"]
    assert html.cells[-1] == ["monitoring.drift.threshold is 0.5: a psi threshold lies in (0, 1]"]


@pytest.mark.parametrize("message", HOSTILE_MESSAGES)
def test_no_message_renders_a_link_image_html_or_an_extra_cell(message: str) -> None:
    markdown = summary_markdown(
        _report(("svc/ai-production.yaml", [_finding("svc/ai-production.yaml", message)])), _ctx()
    )
    html = _parse(markdown)
    assert set(html.tags) <= {"h2", "h3", "p", "code", "strong", "table", "thead", "tbody", "tr", "th", "td"}, html.tags
    header, row = html.cells
    assert len(header) == len(row) == 4

    # What the reader sees is the message's own characters, none added or lost (code
    # fences aside; controls and line breaks shown as \n, \x1b, \u202e as everywhere).
    def letters(text: str) -> str:
        return re.sub(r"[\s`]", "", text)

    assert letters(row[3]) == letters(printable(message))


def test_words_github_would_link_even_escaped_become_code_spans() -> None:
    # cmark-gfm links e-mail addresses whatever is escaped, and GitHub links @mentions,
    # #references and :emoji: after rendering; as code they stay text.
    html = _parse(message_markdown("ask admin@evil.example or @org/team about #12 :smile: at www.evil.example now"))
    assert {"admin@evil.example", "@org/team", "#12", ":smile:", "www.evil.example"} <= set(html.code)
    assert "now" not in html.code and "ask" not in html.code


def test_totals_say_one_manifest_one_error_one_finding_suppressed() -> None:
    path = "svc/ai-production.yaml"
    report = _report(
        (
            path,
            [
                _finding(path, "bad"),
                _finding(path, "meh", Severity.WARNING, 4),
                _finding(path, "fyi", Severity.NOTE, 5),
                _finding(path, "ok", suppressed_by="accepted"),
            ],
        )
    )
    totals = summary_markdown(report, _ctx()).splitlines()[2]
    assert totals == "1 manifest: 1 error, 1 warning, 1 note; 1 finding suppressed by a waiver."


def test_totals_count_plurals_and_name_waivers_and_the_baseline() -> None:
    a, b = "a/ai-production.yaml", "b/ai-production.yaml"
    report = _report(
        (a, [_finding(a, "x", suppressed_by="r1"), _finding(a, "y", suppressed_by="r2", line=4)]),
        (b, [_finding(b, "z", suppressed_by=".aipolicy-baseline.json", suppression="baseline")]),
    )
    totals = summary_markdown(report, _ctx()).splitlines()[2]
    assert (
        totals == "2 manifests: 0 errors, 0 warnings, 0 notes; 3 findings suppressed (2 by waivers, 1 by the baseline)."
    )


def test_totals_leave_out_suppressed_when_nothing_is() -> None:
    totals = summary_markdown(_report(("a/ai-production.yaml", [])), _ctx()).splitlines()[2]
    assert totals == "1 manifest: 0 errors, 0 warnings, 0 notes."


def test_each_manifest_has_its_own_heading_and_table() -> None:
    a, b, c = "a/ai-production.yaml", "b/ai-production.yaml", "c/ai-production.yaml"
    report = _report(
        (a, [_finding(a, "one"), _finding(a, "two", line=7)]), (b, []), (c, [_finding(c, "three", Severity.WARNING)])
    )
    markdown = summary_markdown(report, _ctx())
    sections = re.split(r"^### ", markdown, flags=re.M)[1:]
    assert [s.split("\n", 1)[0] for s in sections] == [f"`{a}`", f"`{b}`", f"`{c}`"]
    rows = [[line for line in s.splitlines() if line.startswith("| ") and "---" not in line][1:] for s in sections]
    assert [len(r) for r in rows] == [2, 0, 1]
    assert [s.count("| severity | rule | line | message |") for s in sections] == [1, 0, 1]
    assert "No findings." in sections[1]
    html = _parse(markdown)
    assert html.tags.count("table") == 2
    # Every finding row is in the table of its own manifest.
    assert "one" in sections[0] and "two" in sections[0] and "three" in sections[2] and "three" not in sections[0]


def test_deadline_list_keeps_code_spans_and_renders_no_link() -> None:
    path = "svc/ai-production.yaml"
    due = Finding(
        "AIP-DUE-001",
        "due-soon",
        Severity.NOTE,
        path,
        Span(9, 1, 9, 2),
        "`governance.next_review` is due on 2026-12-01: [x](https://evil.example)",
    )
    html = _parse(
        summary_markdown(_report((path, [due])), RenderContext(policy=load_builtin(), version="t", warn_within=14))
    )
    assert "governance.next_review" in html.code
    assert "a" not in html.tags


@pytest.mark.parametrize(
    ("suppressions", "line"),
    [
        (["waiver", "waiver"], "2 findings suppressed by waivers."),
        (["baseline"], "1 finding suppressed by the baseline."),
        (["baseline", "baseline", "waiver"], "3 findings suppressed (1 by a waiver, 2 by the baseline)."),
    ],
)
def test_each_manifest_says_what_it_had_suppressed(suppressions: list[str], line: str) -> None:
    path = "a/ai-production.yaml"
    findings = [
        _finding(path, "x", line=i + 1, suppressed_by="why", suppression=kind) for i, kind in enumerate(suppressions)
    ]
    markdown = summary_markdown(_report((path, findings)), _ctx())
    section = markdown.split("### ", 1)[1]
    assert "No findings." in section and line in section.splitlines()


@pytest.mark.parametrize(("days", "heading"), [(1, "### Deadlines within 1 day"), (30, "### Deadlines within 30 days")])
def test_deadline_heading_counts_days_in_singular_and_plural(days: int, heading: str) -> None:
    path = "svc/ai-production.yaml"
    due = Finding("AIP-DUE-001", "due-soon", Severity.NOTE, path, Span(9, 1, 9, 2), "`x` is due")
    markdown = summary_markdown(
        _report((path, [due])), RenderContext(policy=load_builtin(), version="t", warn_within=days)
    )
    assert heading in markdown.splitlines()


def test_a_pipe_is_escaped_only_where_it_could_end_a_table_cell() -> None:
    assert "".join(_parse(message_markdown("`a|b` c|d", table=False)).text).strip() == "a|b c|d"
    html = _parse(f"| m |\n|---|\n| {message_markdown('`a|b` c|d')} |\n")
    assert html.cells[-1] == ["a|b c|d"]


def test_a_line_break_inside_a_code_span_is_shown_as_backslash_n() -> None:
    assert _parse(message_markdown("`a\nb` is odd")).code == ["a\\nb"]
