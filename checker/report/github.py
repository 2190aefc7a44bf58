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
from typing import TYPE_CHECKING

from checker.findings import Finding, Report, Severity
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
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    shown = {severity: 0 for severity in Severity}
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
        lines.append(f"::notice title=aipolicy::{hidden} more findings are not shown as annotations "
                     "(GitHub shows 10 per level per step); see the full list in the log and the job summary")
    from checker.report import text as text_report

    listing = text_report.render(report, ctx)
    token = hashlib.sha256(listing.encode("utf-8", "replace")).hexdigest()[:32]
    lines.append(f"::stop-commands::{token}")
    lines.extend(listing.rstrip("\n").split("\n"))
    lines.append(f"::{token}::")
    return "\n".join(lines) + "\n"


def summary_markdown(report: Report, ctx: RenderContext) -> str:
    counts = report.counts()
    out = [
        "## aipolicy",
        "",
        f"{plural(counts['files'], 'manifest')}: {plural(counts['errors'], 'error')}, "
        f"{plural(counts['warnings'], 'warning')}, {plural(counts['notes'], 'note')}, "
        f"{counts['suppressed']} suppressed by waivers.",
        "",
    ]
    size = sum(len(line) + 1 for line in out)
    truncated = False
    for result in report.results:
        # Everything that comes from the repository is a code span: it never renders.
        block = [f"### {code(repo_relative(result.path, ctx.root))}", ""]
        meta = [f"stage {code(result.stage or 'unknown')}"]
        if result.system_id:
            meta.insert(0, f"system {code(result.system_id)}")
        if result.questions is not None:
            answered = sum(result.questions.values())
            missing = [f"{q} {ctx.policy.questions.get(q, '')}" for q, ok in result.questions.items() if not ok]
            meta.append(f"**{answered}/{len(result.questions)}** questions answered"
                        + (f" (unanswered: {', '.join(code(q) for q in missing)})" if missing else ""))
        block += [", ".join(meta), ""]
        active = [f for f in result.findings if not f.suppressed]
        if active:
            block += ["| severity | rule | line | message |", "|---|---|---|---|"]
            block += [f"| {f.severity.label} | {code(f'{f.rule} {f.slug}', table=True)} | {f.span.line} | "
                      f"{code(f.message, table=True)} |" for f in active]
            block.append("")
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


def _deadlines(report: Report, ctx: RenderContext) -> list[str]:
    """AIP-DUE-001's notes as one list: what will start failing soon, soonest file first."""
    due = [f for f in report.findings if f.rule == "AIP-DUE-001" and not f.suppressed]
    if not due:
        return []
    lines = [f"### Deadlines within {ctx.warn_within} days", ""]
    lines += [f"- {code(repo_relative(f.path, ctx.root))} line {f.span.line}: {code(f.message)}" for f in due[:200]]
    if len(due) > 200:
        lines.append(f"- … and {len(due) - 200} more (see the job log)")
    return lines + [""]
