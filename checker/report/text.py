"""`path:line:col: severity RULE-ID message`, a diagnostic line per manifest, totals
(with `quiet`: the finding lines only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from checker.findings import ManifestResult, Report, Severity
from checker.textsafe import printable

if TYPE_CHECKING:
    from checker.report import RenderContext

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def diagnostic_line(result: ManifestResult, questions_text: dict[str, str]) -> str | None:
    # The file first, so the line is found like a finding line; then the system it describes.
    name = printable(f"{result.path}: {result.system_id}" if result.system_id else result.path)
    if result.questions is None:
        if result.stage == "retired":
            return f"{name}: retired; the ten questions no longer apply"
        return None
    answered = sum(result.questions.values())
    line = f"{name}: {answered}/{len(result.questions)} answered"
    unanswered = [q for q, ok in result.questions.items() if not ok]
    if unanswered:
        line += "; unanswered: " + ", ".join(printable(f"{q} {questions_text.get(q, '')}".rstrip()) for q in unanswered)
    return line


def render(report: Report, ctx: RenderContext) -> str:
    return "".join(render_lines(report, ctx))


def render_lines(report: Report, ctx: RenderContext) -> Iterator[str]:
    """The report a line at a time, each ending in a newline: written as made, a run of
    10,000 manifests never holds its whole text (~3 MiB, and as much again encoded)."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if ctx.color else text

    for result in report.results:
        for f in result.findings:
            if f.suppressed:
                continue
            where = f"{printable(f.path)}:{f.span.line}:{f.span.column}:"
            sev = paint(f.severity.label, _COLORS[f.severity])
            yield f"{paint(where, _BOLD)} {sev} {printable(f.rule)} {printable(f.message)}\n"
        diag = None if ctx.quiet else diagnostic_line(result, ctx.policy.questions)
        if diag:
            yield paint(diag, _DIM) + "\n"
    if ctx.quiet:  # findings only
        return
    yield _totals(report.counts()) + "\n"


def _totals(c: dict[str, int]) -> str:
    total = f"{plural(c['files'], 'file')} checked: {plural(c['errors'], 'error')}, {plural(c['warnings'], 'warning')}, {plural(c['notes'], 'note')}"
    waived = c["suppressed"] - c["baselined"]
    if c["suppressed"] and not c["baselined"]:
        total += f" ({waived} suppressed by waivers)"
    elif c["suppressed"] and not waived:
        total += f" ({c['baselined']} suppressed by the baseline)"
    elif c["suppressed"]:
        total += f" ({c['suppressed']} suppressed: {waived} by waivers, {c['baselined']} by the baseline)"
    return total
