"""The four renderers of an inventory (checker.portfolio: html, md, json, csv).

Inventories are built directly (tests/portfolio_inventory.py), so every
expected number here was worked out from the fixture's dates by hand.
"""

from __future__ import annotations

import base64
import copy
import csv
import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from conftest import REPO, subprocess_env
from portfolio_inventory import DUE_30, DUE_31_90, GENERATED, KNOWN, QUESTIONS, STUCK_NAMES, fixture_inventory

from checker.options import Options
from checker.portfolio import Inventory, StageChange, System, csv_, json_, md
from checker.portfolio import html as html_
from checker.portfolio.render import FORMATS, render

SCHEMA = REPO / "schemas" / "inventory.v1.schema.json"


# -- helpers ---------------------------------------------------------------------


class _Tags(HTMLParser):
    """Start tags with their attributes, the text, and each style block's content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"
        if self._in_style:
            self.styles.append("")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data
        else:
            self.text.append(data)


def parse_html(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


class _Rows(HTMLParser):
    """For each element with an id: the number of rows with a given data- attribute inside it."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.stack, self.rows = marker, [], {}
        self.counts: dict[str, str] = {}
        self._count: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "id" in attrs:
            self.stack.append(attrs["id"])
        if tag == "tr" and self.marker in attrs and self.stack:
            self.rows[self.stack[-1]] = self.rows.get(self.stack[-1], 0) + 1
        if "data-count" in attrs:
            self._count = attrs["data-count"]

    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self._count:
            self.counts[self._count] = data.strip()
            self._count = None


def rows_in(page: str, marker: str) -> _Rows:
    parser = _Rows(marker)
    parser.feed(page)
    return parser


# -- dispatch --------------------------------------------------------------------


def test_every_format_renders_through_the_format_table():
    inv = fixture_inventory()
    assert set(FORMATS) == {"html", "md", "json", "csv"}
    assert render("csv", inv) == csv_.render(inv)
    assert render("md", inv) == md.render(inv)
    assert json.loads(render("json", inv)) == json_.to_dict(inv)
    assert render("html", inv) == html_.render(inv)


def test_renderers_are_imported_only_when_their_format_is_asked_for():
    probe = (
        "import sys, checker.portfolio.render as r; "
        "print(sorted(m for m in sys.modules if m.startswith('checker.portfolio.') or m == 'jsonschema'))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=subprocess_env(), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['checker.portfolio.render']"


# -- JSON ------------------------------------------------------------------------


def _validator():
    from checker.schema import build_validator

    return build_validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_inventory_schema_is_valid_draft_2020_12_with_an_id_like_the_others():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    other = json.loads((REPO / "schemas" / "config.schema.json").read_text(encoding="utf-8"))["$id"]
    assert schema["$id"] == other.rsplit("/", 1)[0] + "/inventory.v1.schema.json"


def test_every_field_of_the_inventory_schema_is_described():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    undescribed = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if "description" not in sub:
                    undescribed.append(f"{where}.{name}")
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(schema, "$")
    assert undescribed == []
    assert "description" in schema
    for consumer in ("Backstage Tech Insights", "Cortex", "OpsLevel"):
        assert consumer in schema["description"]


@pytest.mark.parametrize("trend", [True, False])
def test_json_output_validates_against_the_inventory_schema(trend):
    data = json.loads(json_.render(fixture_inventory(trend=trend)))
    errors = [e.message for e in _validator().iter_errors(data)]
    assert errors == []
    assert data["format"] == "aipolicy-inventory" and data["version"] == 1
    assert data["generated"] == GENERATED.isoformat()
    assert (data["trend"] is None) is (not trend)


def test_json_holds_the_fixture_facts():
    data = json.loads(json_.render(fixture_inventory()))
    counts = data["counts"]
    assert counts["systems"] == KNOWN["systems"]
    assert counts["stages"] == {st: KNOWN[st] for st in ("exploration", "pilot", "production", "retired")}
    assert (counts["stuck"], counts["purgatory"], counts["due_30"], counts["due_90"]) == (2, 2, 2, 4)
    by_name = {s["name"]: s for s in data["systems"]}
    assert sorted(n for n, s in by_name.items() if s["stuck"]) == sorted(STUCK_NAMES)
    churn = by_name["Churn model"]
    assert churn["stage_since"] == "2024-11-20" and churn["purgatory"] is True
    assert churn["questions"] == {"answered": 8, "total": 10, "asked": list(QUESTIONS), "unanswered": ["Q5", "Q9"]}
    assert by_name["Idea lab"]["history"] is None and by_name["Idea lab"]["stage_since"] is None
    assert by_name["Fraud scorer"]["history"][0] == {
        "stage": "exploration",
        "since": "2024-01-10",
        "commit": f"{1:040x}",
    }
    assert data["questions"] == QUESTIONS


def _odd_inventory() -> Inventory:
    """What a round trip must keep besides the fixture: unknowns, nulls, an unknown stage, an empty trend."""
    systems = [
        System(path="a/ai-production.yaml"),
        System(
            path="b.ai-production.yaml",
            repository="o/r",
            stage="beta",
            questions={"Q1": True, "X-9": False},
            owners={"technical": "Ann", "business": None},
            history=[StageChange("pilot", datetime.date(2020, 2, 29), "abc")],
        ),
    ]
    return Inventory(
        generated=datetime.date(2024, 3, 1),
        tool_version="9",
        stuck_after=6,
        systems=systems,
        trend=[],
        questions={"Q1": "owner by name"},
    )


@pytest.mark.parametrize(
    "make",
    [
        fixture_inventory,
        lambda: fixture_inventory(trend=False),
        _odd_inventory,
        lambda: Inventory(generated=GENERATED, tool_version="1"),
    ],
    ids=["fixture", "no-trend", "odd", "empty"],
)
def test_json_round_trip_gives_the_same_inventory(make):
    inv = make()
    back = json_.from_dict(json.loads(json_.render(inv)))
    assert back == inv
    assert json_.render(back) == json_.render(inv)


def test_from_dict_recomputes_derived_fields_instead_of_trusting_them():
    data = json.loads(json_.render(fixture_inventory()))
    data["counts"]["stuck"] = 99
    data["systems"][0]["stuck"] = True
    data["systems"][0]["stage_since"] = "1999-01-01"
    back = json_.from_dict(data)
    assert back.counts()["stuck"] == KNOWN["stuck"]
    assert json.loads(json_.render(back))["systems"][0]["stage_since"] == "2025-03-01"


def _broken(change):
    data = json.loads(json_.render(fixture_inventory()))
    change(data)
    return data


@pytest.mark.parametrize(
    "data, reason",
    [
        ([], "not an aipolicy inventory"),
        ({"format": "sarif"}, "not an aipolicy inventory"),
        (_broken(lambda d: d.update(version=2)), "unsupported inventory version 2"),
        (_broken(lambda d: d.pop("systems")), "'systems' is a required property"),
        (_broken(lambda d: d["systems"][1].update(stage=7)), "$.systems[1].stage"),
        (
            _broken(lambda d: d["systems"][0]["deadlines"][0].update(date="2026-02-30")),
            "$.systems[0].deadlines[0].date",
        ),
        (_broken(lambda d: d["systems"][0]["history"][0].update(since="20240110")), "$.systems[0].history[0].since"),
        (_broken(lambda d: d.update(generated="tomorrow")), "$.generated"),
        (_broken(lambda d: d["trend"][0].update(month="June")), "$.trend[0].month"),
        (_broken(lambda d: d["systems"][2].update(extra="x")), "$.systems[2]"),
        (_broken(lambda d: d["systems"][1]["questions"].update(total=11)), "$.systems[1].questions"),
        (_broken(lambda d: d["systems"][1]["questions"].update(unanswered=["Q5", "Q77"])), "$.systems[1].questions"),
        (_broken(lambda d: d["systems"][0].update(name="\ud800")), "unpaired surrogate"),
        (
            _broken(lambda d: d["systems"][0]["findings"].update(error="\x1b[31m\n" * 200)),
            "$.systems[0].findings.error",
        ),
        (
            _broken(lambda d: d["systems"][0]["owners"].update(technical=["\n::error::x"])),
            "$.systems[0].owners.technical",
        ),
    ],
)
def test_from_dict_refuses_anything_but_an_inventory_with_a_one_line_reason(data, reason):
    with pytest.raises(ValueError) as caught:
        json_.from_dict(copy.deepcopy(data))
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message and "\x1b" not in message and len(message) < 400


def test_from_dict_reads_whole_numbers_written_as_floats_as_integers():
    data = json.loads(json_.render(fixture_inventory()))
    data["stuck_after"] = 14.0
    data["systems"][1]["findings"]["error"] = 2.0
    back = json_.from_dict(data)
    assert back == fixture_inventory() and type(back.stuck_after) is int
    assert len(back.stuck_pilots()) == KNOWN["stuck"]
    data["stuck_after"] = 14.5
    with pytest.raises(ValueError, match=r"\$\.stuck_after"):
        json_.from_dict(data)


def test_from_dict_reads_questions_without_asked_from_the_inventory_questions():
    data = json.loads(json_.render(fixture_inventory()))
    for system in data["systems"]:
        if system["questions"]:
            del system["questions"]["asked"]
    assert json_.from_dict(data) == fixture_inventory()


# -- CSV -------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_columns_are_the_documented_stable_order():
    documented = re.search(r"columns, always in this order:\n\n(.*?)\n\n", csv_.__doc__, re.DOTALL).group(1)
    names = [n.strip() for n in documented.replace("\n", " ").split(",")]
    expected = []
    for name in names:
        expected += list(QUESTIONS) if name.startswith("<one column per question") else [name]
    header = next(csv.reader(io.StringIO(csv_.render(fixture_inventory()))))
    assert header == expected
    assert header[header.index("questions_total") + 1 : header.index("purgatory")] == [f"Q{i}" for i in range(1, 11)]


def test_readme_lists_the_csv_columns_in_their_order():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Report formats", 1)[1].split("\n## ", 1)[0]
    listed = re.search(
        r"Columns, in this\s+order: `([^`]+)`, one column per question .*?`purgatory,([^`]+)`", section, re.DOTALL
    )
    assert listed
    head = [c.strip() for c in listed.group(1).split(",")]
    tail = ["purgatory"] + [c.strip() for c in listed.group(2).split(",")]
    assert (head, tail) == (csv_.HEAD, csv_.TAIL)
    assert next(csv.reader(io.StringIO(csv_.render(fixture_inventory())))) == head + list(QUESTIONS) + tail


def test_csv_is_rfc_4180_one_row_per_system_with_the_fixture_facts():
    text = csv_.render(fixture_inventory())
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = _csv_rows(text)
    assert len(rows) == KNOWN["systems"]
    by_name = {r["name"]: r for r in rows}
    assert sorted(n for n, r in by_name.items() if r["stuck"] == "yes") == sorted(STUCK_NAMES)
    churn = by_name["Churn model"]
    assert (churn["stage"], churn["stage_since"], churn["months_at_stage"]) == ("pilot", "2024-11-20", "18")
    assert [q for q in QUESTIONS if churn[q] == "no"] == ["Q5", "Q9"]
    assert (churn["questions_answered"], churn["questions_total"], churn["purgatory"]) == ("8", "10", "yes")
    assert (churn["errors"], churn["warnings"]) == ("2", "1")
    fraud = by_name["Fraud scorer"]
    assert fraud["deadlines"].split("; ") == [
        "2026-07-01 AIP-REV-001 review due ($.review.next_due)",
        "2026-08-20 AIP-WVR-001 waiver expires ($.waivers[0].expires)",
    ]
    assert fraud["next_deadline"] == "2026-07-01"
    assert fraud["history"].split("; ")[-1] == f"production since 2025-03-01 ({3:040x})"
    lab = by_name["Idea lab"]
    assert (lab["stage_since"], lab["history"], lab["business_owner"]) == ("", "", "")
    assert by_name["Doc search"]["months_at_stage"] == "14"


def test_csv_leaves_question_cells_empty_when_a_system_was_not_judged():
    inv = Inventory(
        generated=GENERATED,
        tool_version="1",
        questions={"Q1": "owner"},
        systems=[System(path="x.ai-production.yaml", questions=None)],
    )
    row = _csv_rows(csv_.render(inv))[0]
    assert (row["Q1"], row["questions_answered"], row["questions_total"], row["purgatory"]) == ("", "", "", "no")


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"])
def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(value):
    inv = fixture_inventory()
    inv.systems[0].name = value
    inv.systems[0].owners["business"] = value
    inv.systems[0].deadlines[0]["rule"] = value
    row = _csv_rows(csv_.render(inv))[0]
    for cell in (row["name"], row["business_owner"]):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        # a formula start gets its quote; a tab or CR is shown as `\t`, `\r` (no terminal obeys it)
        assert cell == ("'" + value if value[0] not in "\t\r" else "\\" + "tr"["\t\r".index(value[0])] + value[1:])
    assert row["deadlines"].startswith("2026-07-01 ")  # the list starts with our date, not the value


def test_csv_quotes_nothing_that_does_not_start_a_formula():
    assert csv_.safe("a=1") == "a=1" and csv_.safe("2026-07-01") == "2026-07-01" and csv_.safe(None) == ""
    assert csv_.safe(0) == "0"


# -- Markdown --------------------------------------------------------------------


def test_markdown_headline_funnel_stuck_and_deadlines_hold_the_fixture_facts():
    text = md.render(fixture_inventory())
    assert "**7 systems**: 1 exploration, 4 pilot, 1 production, 1 retired." in text
    assert "**2 stuck** pilots, **2 in purgatory**" in text
    assert "| pilot | 4 | 57% |" in text
    stuck = text.split("### Stuck pilots", 1)[1].split("###", 1)[0]
    assert [line.split(" | ")[0] for line in stuck.splitlines() if line.startswith("| `")] == [
        f"| `{n}`" for n in STUCK_NAMES
    ]
    assert "| 2023-02-01 | 40 |" in stuck and "| 2024-11-20 | 18 |" in stuck
    soon = text.split("### Deadlines in the next 30 days", 1)[1].split("###", 1)[0]
    later = text.split("### Deadlines in 31 to 90 days", 1)[1].split("###", 1)[0]
    assert re.findall(r"^\| (\d{4}-\d\d-\d\d) ", soon, re.M) == DUE_30
    assert re.findall(r"^\| (\d{4}-\d\d-\d\d) ", later, re.M) == DUE_31_90
    owners = text.split("### Owner load", 1)[1].split("###", 1)[0]
    assert "| `Ada Lovelace` | 4 |" in owners and "| `Support triage` |" in owners
    trend = text.split("### Trend", 1)[1]
    assert "| 2025-07 | 1 | 3 | 2 | 0 | 2 | 1 |" in trend and len(re.findall(r"^\| 20\d\d-\d\d ", trend, re.M)) == 12


def test_markdown_says_so_when_there_is_no_git_history():
    text = md.render(fixture_inventory(trend=False))
    assert "No git history" in text.split("### Trend", 1)[1]


def _many(count: int, text: str = "x") -> Inventory:
    systems = [
        System(
            path=f"s{i}/{text}/ai-production.yaml",
            id=f"id-{i}-{text}",
            name=f"{text} {i}",
            stage="pilot",
            owners={"technical": f"P {i % 7}", "business": f"B {i}"},
            questions=dict.fromkeys(QUESTIONS, i % 3 != 0),
            deadlines=[
                {"date": "2026-07-01", "rule": "AIP-REV-001", "json_path": "$.review.next_due", "what": "review due"}
            ],
            history=[StageChange("pilot", datetime.date(2020, 1, 1), "c" * 40)],
        )
        for i in range(count)
    ]
    return Inventory(generated=GENERATED, tool_version="1", systems=systems, questions=dict(QUESTIONS))


def test_markdown_tables_are_capped_and_say_how_many_more():
    text = md.render(_many(250))
    stuck = text.split("### Stuck pilots", 1)[1].split("###", 1)[0]
    assert len(re.findall(r"^\| `", stuck, re.M)) == md.MAX_ROWS
    assert f"… and {250 - md.MAX_ROWS} more" in stuck


def test_markdown_stays_under_the_step_summary_limit_and_says_it_was_cut(monkeypatch):
    monkeypatch.setattr(md, "MAX_ROWS", 100_000)
    text = md.render(_many(4000, "w" * 70))
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "under GitHub's 1 MiB summary limit" in text
    assert "under GitHub's 1 MiB" not in md.render(fixture_inventory())


# -- hostile values --------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><b>bold</b>",
    "javascript:alert(3)",
    "{{7*7}}",
    "[click](javascript:alert(4))",
    "![img](https://evil.invalid/x.png)",
    "=cmd|' /C calc'!A0",
    "@octocat #1 :smile:",
    "`tick` | pipe ``",
    "line\nbreak\r\u202eevil",
]


def _hostile() -> Inventory:
    """The fixture with every repository-provided string replaced by a payload; each payload lands
    in several fields (field k of system i gets payload i + k)."""
    inv = fixture_inventory()
    n = len(PAYLOADS)
    for i, system in enumerate(inv.systems):
        pick = lambda k, i=i: PAYLOADS[(i + k) % n]  # noqa: E731
        system.name, system.id, system.path, system.repository = pick(0), pick(1) + " id", pick(2) + "/x.yaml", pick(3)
        system.risk_tier, system.decision_role = pick(4), pick(5)
        system.owners = {"technical": pick(6), "business": pick(7)}
        for deadline in system.deadlines:
            deadline.update(rule=pick(8), what=pick(9), json_path=pick(10))
    inv.questions = {**inv.questions, "Q1": PAYLOADS[0], "Q2": PAYLOADS[1], "Q3": PAYLOADS[5], "Q4": PAYLOADS[10]}
    inv.tool_version = PAYLOADS[2]
    return inv


OUR_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "section",
    "h1",
    "h2",
    "h3",
    "p",
    "dl",
    "div",
    "dt",
    "dd",
    "svg",
    "text",
    "rect",
    "line",
    "polyline",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "br",
    "span",
}


def test_html_shows_hostile_values_as_text_and_never_as_markup():
    page = html_.render(_hostile())
    parsed = parse_html(page)
    assert {tag for tag, _ in parsed.tags} <= OUR_TAGS
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on") or a in ("href", "src", "xlink:href", "action", "style")], (
            tag
        )
        for value in attrs.values():
            assert "javascript:" not in (value or "") and "{{" not in (value or "")
    assert parsed.styles == [html_.CSS]  # `</style>` in a value did not end or add a style block
    text = "".join(parsed.text)
    for payload in PAYLOADS[:-1]:
        assert payload in text  # shown to the reader, as text
    assert "line\\nbreak\\r\\u202eevil" in text  # controls and bidi overrides shown, not obeyed
    assert "\u202e" not in page


def _outside_code_spans(text: str) -> str:
    # CommonMark: a run of N backticks up to the next run of exactly N.
    return re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "CODE", text)


def test_markdown_keeps_every_hostile_value_inside_a_code_span():
    inv = _hostile()
    text = md.render(inv)
    rest = re.sub(r"\\[!-/:-@\[-`{-~]", "", _outside_code_spans(text))  # backslash-escaped punctuation is text
    for fragment in ("<", ">", "](", "![", "@", ":smile:", "#1", "\r"):
        assert fragment not in rest, fragment
    deadline_row = re.compile(r"^\| \d{4}-\d\d-\d\d \| \d+ \|")
    names = _outside_code_spans("\n".join(line for line in text.splitlines() if not deadline_row.match(line)))
    for fragment in ("javascript", "{{", "=cmd"):  # outside deadline rows, every value is a code span
        assert fragment not in names, fragment
    assert "\u202e" not in text and "line\\nbreak\\r\\u202eevil" in text  # shown as escapes, even in code
    # No value ended a table row or added a cell: every row has its header's number of unescaped pipes.
    for block in re.findall(r"((?:^\|.*\n)+)", text, re.M):
        lines = block.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", _outside_code_spans(line))) for line in lines}
        assert len(widths) == 1, lines
    # Nothing broke a line: every line is one the renderer writes (a heading, a table row, its own prose).
    ours = (
        "|",
        "#",
        "_",
        "**",
        "As of ",
        "Of ",
        "None.",
        "People owning",
        "Systems whose",
        "Nobody",
        "Every system",
        "No git history",
    )
    assert [line for line in text.splitlines() if line and not line.startswith(ours)] == []


def test_csv_keeps_hostile_values_as_data_and_no_cell_starts_a_formula():
    inv = _hostile()
    rows = list(csv.reader(io.StringIO(csv_.render(inv), newline="")))
    assert len(rows) == 1 + len(inv.systems)
    assert all(not cell.startswith(csv_.FORMULA_START) for row in rows for cell in row)
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert names == [("'" + p if p.startswith("=") else p) for p in PAYLOADS[: len(names)]]
    owners = [row[rows[0].index("business_owner")] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in owners


def test_json_keeps_hostile_values_exactly_and_reads_them_back():
    inv = _hostile()
    assert json_.from_dict(json.loads(json_.render(inv))) == inv


# -- HTML ------------------------------------------------------------------------


def test_html_loads_nothing_and_its_policy_forbids_loads():
    page = html_.render(fixture_inventory())
    parsed = parse_html(page)
    assert not [
        t for t, _ in parsed.tags if t in ("script", "link", "img", "iframe", "object", "embed", "base", "form")
    ]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(|@import|@font-face", html_.CSS, re.I)
    assert "http://" not in page and "https://" not in page
    csp = [a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1
    directives = dict(d.strip().split(" ", 1) for d in csp[0].split(";"))
    assert directives["default-src"] == "'none'"
    digest = base64.b64encode(hashlib.sha256(parsed.styles[0].encode("utf-8")).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'"  # the one style block, and nothing inline besides


def test_html_hooks_hold_the_fixture_counts():
    page = html_.render(fixture_inventory())
    found = rows_in(page, "data-stuck")
    assert found.counts == {k: str(v) for k, v in KNOWN.items()}
    assert found.rows == {"stuck": KNOWN["stuck"]}
    due = rows_in(page, "data-due").rows
    assert due == {"due-30": len(DUE_30), "due-90": len(DUE_31_90)}


def test_every_html_chart_has_a_label_and_a_table_with_its_numbers():
    page = html_.render(fixture_inventory())
    parsed = parse_html(page)
    svgs = [a for t, a in parsed.tags if t == "svg"]
    assert len(svgs) == 2 and all(a.get("role") == "img" and a.get("aria-label") for a in svgs)
    assert "4 at pilot" in svgs[0]["aria-label"]
    tables = {a.get("id") for t, a in parsed.tags if t == "table"}
    assert {"funnel", "trend", "systems"} <= tables
    assert "@media print" in html_.CSS


def test_html_heatmap_is_not_colour_only():
    page = html_.render(fixture_inventory())
    systems = page.split('id="systems"', 1)[1]
    churn = systems.split("Churn model", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td class=([ynu])>([^<]*)", churn)
    assert cells == [("y", "✓")] * 4 + [("n", "✗")] + [("y", "✓")] * 3 + [("n", "✗"), ("y", "✓")]


def test_html_says_there_is_no_git_history_instead_of_a_trend():
    page = html_.render(fixture_inventory(trend=False))
    assert 'id="no-trend">No git history' in page
    assert page.count("<svg") == 1


def test_html_for_1000_systems_stays_under_5_mb():
    page = html_.render(_many(1000, "a-fairly-long-system-name-of-forty-chars"))
    assert len(page.encode("utf-8")) < 5 * 1024 * 1024
    assert page.count("<tr><td>") >= 1000


# -- from a real check run ---------------------------------------------------------


def test_an_inventory_built_from_checking_the_examples_renders_in_every_format():
    from checker import engine
    from checker.portfolio.build import from_results

    today = datetime.date(2026, 11, 26)
    options = Options(today=today, root=REPO)
    files = sorted((REPO / "examples").glob("*/ai-production.yaml")) + sorted(
        (REPO / "examples" / "failing").glob("*.yaml")
    )
    results = [engine.check_file(f, f.relative_to(REPO).as_posix(), options) for f in files]
    inv = from_results(
        results,
        root=str(REPO),
        today=today,
        version="test",
        questions=options.effective_policy().questions,
        repository="acme/examples",
    )
    assert len(inv.systems) == len(files) >= 5
    data = json.loads(render("json", inv))
    assert [e.message for e in _validator().iter_errors(data)] == []
    assert json_.from_dict(data) == inv
    rows = _csv_rows(render("csv", inv))
    assert [r["path"] for r in rows] == [f.relative_to(REPO).as_posix() for f in files]
    assert {r["stage"] for r in rows} >= {"exploration", "pilot", "production", "retired"}
    page = render("html", inv)
    assert rows_in(page, "data-due").counts["systems"] == str(len(files))
    assert "## AI portfolio" in render("md", inv)


def test_markdown_and_html_give_the_funnel_the_same_shares_with_a_system_of_unknown_stage():
    import re as _re

    from portfolio_inventory import fixture_inventory as _fixture

    from checker.portfolio import System
    from checker.portfolio.render import render as _render

    inv = _fixture()
    inv.systems.append(System(path="broken/ai-production.yaml", stage=None))
    md_shares = _re.findall(
        r"^\| (exploration|pilot|production|retired) \| \d+ \| (\d+)% \|$", _render("md", inv), _re.M
    )
    html_shares = _re.findall(
        r"<tr><th scope=row>(exploration|pilot|production|retired)</th><td class=n0>\d+</td>"
        r"<td class=n0>(\d+)%</td>",
        _render("html", inv),
    )
    assert len(md_shares) == 4 and md_shares == html_shares


def test_the_pilots_in_purgatory_are_named_in_html_and_markdown():
    from portfolio_inventory import fixture_inventory as _fixture

    from checker.portfolio.render import render as _render

    inv = _fixture()
    expected = sorted(
        s.path for s in inv.systems if s.stage == "pilot" and s.questions and not all(s.questions.values())
    )
    assert expected and inv.counts()["purgatory"] == len(expected)
    html = _render("html", inv)
    rows = html.split('<table id="purgatory">', 1)[1].split("</table>", 1)[0].split("<tr data-purgatory>")[1:]
    assert sorted(next(p for p in expected if p in row) for row in rows) == expected
    section = _render("md", inv).split("### Pilots in purgatory", 1)[1].split("\n### ", 1)[0]
    assert all(f"`{p}`" in section for p in expected)
    assert not any(f"`{s.path}`" in section for s in inv.systems if s.path not in expected)
