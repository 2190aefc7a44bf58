"""GitLab Code Quality report (`artifacts:reports:codequality`): one JSON array.

Each entry has what GitLab documents as required (description, check_name,
fingerprint, severity, location.path, location.lines.begin) and no byte order
mark. GitLab stops reading at the first entry its schema rejects and shows
entries with one fingerprint as one, so every entry is complete and every
fingerprint is the finding's own (checker.report.fingerprint, shared with
SARIF). Code Quality has no notion of a suppressed finding: waived and
baselined findings are left out, as the other annotations leave them out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from checker.findings import Report, Severity
from checker.report.fingerprint import fingerprints
from checker.report.paths import repo_relative
from checker.textsafe import json_text, printable

if TYPE_CHECKING:
    from checker.report import RenderContext

# An error fails the pipeline, yet `blocker`/`critical` read as outages; `major` is
# what Code Climate engines use for "must fix", `minor` for should, `info` for notes.
SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}


def as_list(report: Report, ctx: RenderContext) -> list[dict[str, Any]]:
    findings = report.findings
    entries = []
    for f, fingerprint in zip(findings, fingerprints(findings, ctx.root)):
        if f.suppressed:
            continue
        entries.append(
            {
                "type": "issue",
                "check_name": f.rule,
                # One line of text (Code Climate); the rule's slug says what kind of problem it is.
                "description": printable(f"{f.rule} {f.slug}: {f.message}"),
                "categories": ["Compliance"],
                "severity": SEVERITY[f.severity],
                "fingerprint": fingerprint,
                "location": {
                    "path": repo_relative(f.path, ctx.root),
                    "lines": {"begin": max(f.span.line, 1), "end": max(f.span.end_line, f.span.line, 1)},
                },
                "engine_name": "aipolicy",
            }
        )
    return entries


def render(report: Report, ctx: RenderContext) -> str:
    return (
        json_text(json.dumps(as_list(report, ctx), indent=2)) + "\n"
    )  # ASCII: no raw bidi or control character reaches a viewer
