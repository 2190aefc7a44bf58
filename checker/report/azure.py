"""Azure Pipelines logging commands: `##vso[task.logissue …]` per error and warning.

Escaped by the agent's own rules, which it undoes when it reads a command:
`%` as `%AZP25`, CR as `%0D` and LF as `%0A` everywhere, and in property
values also `;` as `%3B` and `]` as `%5D`; every other control and bidi
character is shown as text (`\\x1b`, `\\u202e`). So a command's properties end
at its own `]`, and no manifest content or file name can end the line and start
another. The agent takes the first `##vso[` of a line as its command: every
line starts with aipolicy's own, or with `aipolicy:`, and a line of plain text
never carries `##vso[` or `##[` from the repository (their `[` is shown as `%5B`).

`task.logissue` knows errors and warnings only: notes are plain log lines.
Azure has no suppressed issues: waived and baselined findings are left out
(the totals line counts them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from checker.findings import Finding, Report, Severity
from checker.report.paths import repo_relative
from checker.report.text import plural
from checker.textsafe import printable

if TYPE_CHECKING:
    from checker.report import RenderContext

_TYPE = {Severity.ERROR: "error", Severity.WARNING: "warning"}
_COMMAND_START = re.compile(r"##(vso)?\[", re.IGNORECASE)


def escape_data(text: str) -> str:
    return printable(text, keep="\r\n", commands=True).replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def inert(text: str) -> str:
    """Plain log text (nothing in it is unescaped) that no agent reads as a command."""
    return _COMMAND_START.sub(lambda m: m.group()[:-1] + "%5B", printable(text))


def logissue(f: Finding, root: str) -> str:
    props = {
        "type": _TYPE[f.severity],
        "sourcepath": repo_relative(f.path, root),
        "linenumber": str(f.span.line),
        "columnnumber": str(f.span.column),
        "code": f.rule,
    }
    joined = ";".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"##vso[task.logissue {joined}]{escape_data(f'{f.rule} {f.slug}: {f.message}')}"


def note_line(f: Finding, root: str) -> str:
    where = f"{repo_relative(f.path, root)}:{f.span.line}:{f.span.column}"
    return "aipolicy: " + inert(f"{where}: note {f.rule} {f.slug}: {f.message}")


def render(report: Report, ctx: RenderContext) -> str:
    lines = []
    for f in report.findings:
        if f.suppressed:
            continue
        lines.append(note_line(f, ctx.root) if f.severity is Severity.NOTE else logissue(f, ctx.root))
    if not ctx.quiet:
        counts = report.counts()
        lines.append(
            f"aipolicy: {plural(counts['files'], 'manifest')}: {plural(counts['errors'], 'error')}, "
            f"{plural(counts['warnings'], 'warning')}, {plural(counts['notes'], 'note')}, "
            f"{counts['suppressed']} suppressed"
        )
    return "".join(line + "\n" for line in lines)
