"""GitHub Actions workflow commands: annotations on the pull request.

Every value is escaped exactly as the runner unescapes it (`%`, CR and LF in
data; also `:` and `,` in properties), so no manifest content, file name or
message can end one command and start another. GitHub shows at most 10
annotations per level per step: the most severe go first and one notice says
how many more there are. The full list follows as plain log lines inside a
`stop-commands` block, so nothing in it is read as a command either.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import TYPE_CHECKING

from checker.findings import Finding, ManifestResult, Report, Severity
from checker.report.paths import repo_relative
from checker.report.text import plural
from checker.textsafe import code, printable

if TYPE_CHECKING:
    from checker.report import RenderContext

ANNOTATIONS_PER_LEVEL = 10  # what GitHub displays per level per step
SUMMARY_LIMIT = 1024 * 1024 - 64 * 1024  # GitHub refuses step summaries over 1 MiB
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    # The runner's own escaping for CR, LF and %; every other control (ESC, BEL) and
    # bidi character is shown as text (\x1b, \u202e) rather than passed on raw.
    return printable(text, keep="\r\n", commands=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, root: str) -> str:
    props = {
        "file": repo_relative(f.path, root),
        "line": str(f.span.line),
        "col": str(f.span.column),
        "endLine": str(max(f.span.end_line, f.span.line)),
        "endColumn": str(f.span.end_column),
        "title": f"{f.rule} {f.slug}",
    }
    if props["endLine"] != props["line"]:
        # GitHub ignores columns on annotations that span several lines.
        del props["col"], props["endColumn"]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{_COMMAND[f.severity]} {joined}::{escape_data(f.message)}"


def render(report: Report, ctx: RenderContext) -> str:
    active = [f for f in report.findings if not f.suppressed]
    active.sort(key=lambda f: (-f.severity, f.sort_key()))
    lines: list[str] = []
    shown = dict.fromkeys(Severity, 0)
    hidden = 0
    for f in active:
        budget = ANNOTATIONS_PER_LEVEL
        if f.severity is Severity.NOTE:
            budget -= 1  # keep room for the "N more" notice, itself a notice
        if shown[f.severity] < budget:
            shown[f.severity] += 1
            lines.append(annotation(f, ctx.root))
        else:
            hidden += 1
    if hidden:
        lines.append(
            f"::notice title=aipolicy::{hidden} more findings are not shown as annotations "
            "(GitHub shows 10 per level per step); see the full list in the log and the job summary"
        )
    from checker.report import text as text_report

    listing = text_report.render(report, ctx)
    token = hashlib.sha256(listing.encode("utf-8", "replace")).hexdigest()[:32]
    lines.append(f"::stop-commands::{token}")
    lines.extend(listing.rstrip("\n").split("\n"))
    lines.append(f"::{token}::")
    return "\n".join(lines) + "\n"


def summary_markdown(report: Report, ctx: RenderContext) -> str:
    """The job summary: totals, then one heading and one findings table per manifest.

    Everything from the repository is inert: paths, ids and stages are code
    spans, and a message keeps its own code spans (`monitoring.drift.threshold`)
    while the rest of it is escaped text (see `message_markdown`)."""
    out = ["## aipolicy", "", _totals(report), ""]
    size = sum(len(line.encode("utf-8")) + 1 for line in out)
    truncated = False
    for result in report.results:
        block = _manifest_block(result, ctx)
        block_size = sum(len(line.encode("utf-8")) + 1 for line in block)
        if size + block_size > SUMMARY_LIMIT:
            truncated = True
            break
        out += block
        size += block_size
    out += _deadlines(report, ctx)
    if truncated:
        out += ["", "_Summary truncated to stay under GitHub's 1 MiB limit; the job log has every finding._"]
    return "\n".join(out) + "\n"


def _totals(report: Report) -> str:
    """`2 manifests: 1 error, 0 warnings, 1 note; 3 findings suppressed (2 by waivers, 1 by the baseline).`"""
    counts = report.counts()
    line = (
        f"{plural(counts['files'], 'manifest')}: {plural(counts['errors'], 'error')}, "
        f"{plural(counts['warnings'], 'warning')}, {plural(counts['notes'], 'note')}"
    )
    suppressed = _suppressed(report.findings)
    return line + (f"; {suppressed}" if suppressed else "") + "."


_BY = {"waiver": ("by a waiver", "by waivers"), "baseline": ("by the baseline", "by the baseline")}


def _suppressed(findings: list[Finding]) -> str | None:
    """`1 finding suppressed by a waiver`, `3 findings suppressed (2 by waivers, 1 by the baseline)`."""
    kinds = Counter(f.suppression for f in findings if f.suppressed)
    if not kinds:
        return None
    order = sorted(kinds, key=lambda kind: (list(_BY).index(kind) if kind in _BY else len(_BY), kind))
    words = [(kinds[k], _BY[k][kinds[k] != 1] if k in _BY else f"by {printable(k)}") for k in order]
    head = f"{plural(sum(kinds.values()), 'finding')} suppressed"
    if len(words) == 1:
        return f"{head} {words[0][1]}"
    return f"{head} ({', '.join(f'{n} {by}' for n, by in words)})"


def _manifest_block(result: ManifestResult, ctx: RenderContext) -> list[str]:
    block = [f"### {code(repo_relative(result.path, ctx.root))}", ""]
    meta = [f"stage {code(result.stage or 'unknown')}"]
    if result.system_id:
        meta.insert(0, f"system {code(result.system_id)}")
    if result.questions is not None:
        answered = sum(result.questions.values())
        missing = [f"{q} {ctx.policy.questions.get(q, '')}" for q, ok in result.questions.items() if not ok]
        meta.append(
            f"**{answered}/{len(result.questions)}** questions answered"
            + (f" (unanswered: {', '.join(code(q) for q in missing)})" if missing else "")
        )
    block += [", ".join(meta), ""]
    active = [f for f in result.findings if not f.suppressed]
    if active:
        block += ["| severity | rule | line | message |", "|---|---|---|---|"]
        block += [
            f"| {f.severity.label} | {code(f'{f.rule} {f.slug}', table=True)} | {f.span.line} | "
            f"{message_markdown(f.message)} |"
            for f in active
        ]
    else:
        block.append("No findings.")
    suppressed = _suppressed(result.findings)
    if suppressed:
        block += ["", suppressed[0].upper() + suppressed[1:] + "."]
    return block + [""]


# A backtick run, then the shortest text up to a run of exactly the same length (CommonMark code spans).
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# The characters that can start markup inside a line: emphasis, strikethrough, code, links and
# images (`[`), HTML and autolinks (`<`), entities (`&`), math (`$`), table cells (`|`), escapes.
# Backslash-escaped (CommonMark allows it before any ASCII punctuation) they are plain text.
_MARKUP = re.compile(r"([\\`*_~\[\]<>&|$])")
# Words GitHub links or replaces even when escaped (e-mail addresses, @mentions, #references,
# :emoji:) or that look like a link: shown as code spans instead.
_LINKISH = re.compile(r"[@#]|://|www\.|:[\w+-]+:", re.IGNORECASE)


def message_markdown(message: str, table: bool = True) -> str:
    """A rule's message as Markdown that renders only what the rule meant: its code
    spans (`monitoring.drift.threshold`) stay code spans, re-fenced so nothing inside
    can end them; every other character is shown as itself. No link, image, HTML,
    emphasis, @mention or table break renders, whatever the message holds. `table`:
    inside a table cell (a `|` never ends the cell)."""
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(message):
        out.append(_inert_text(message[pos : match.start()], table))
        out.append(code(_code_span_content(match.group(2)), table=table))
        pos = match.end()
    out.append(_inert_text(message[pos:], table))
    return "".join(out)


def _code_span_content(text: str) -> str:
    # CommonMark strips one space from each end when both have one (`` ` `x` ` ``);
    # a line break stays a control that code() shows as \n, like everywhere else.
    if text.startswith(" ") and text.endswith(" ") and text.strip():
        text = text[1:-1]
    return text


def _inert_text(text: str, table: bool) -> str:
    words = re.split(r"(\s+)", printable(text))
    return "".join(
        (" " if word else "")
        if word.isspace() or not word
        else code(word, table=table)
        if _LINKISH.search(word)
        else _MARKUP.sub(r"\\\1", word)
        for word in words
    )


def _deadlines(report: Report, ctx: RenderContext) -> list[str]:
    """AIP-DUE-001's notes as one list: what will start failing soon, soonest file first."""
    due = [f for f in report.findings if f.rule == "AIP-DUE-001" and not f.suppressed]
    if not due:
        return []
    lines = [f"### Deadlines within {plural(ctx.warn_within, 'day')}", ""]
    lines += [
        f"- {code(repo_relative(f.path, ctx.root))} line {f.span.line}: {message_markdown(f.message, table=False)}"
        for f in due[:200]
    ]
    if len(due) > 200:
        lines.append(f"- … and {len(due) - 200} more (see the job log)")
    return lines + [""]
