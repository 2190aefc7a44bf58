"""The JSON report of cli.md: manifests with their diagnostic, findings, summary."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from checker.findings import Report
from checker.report.fingerprint import help_uri
from checker.textsafe import json_text

if TYPE_CHECKING:
    from checker.report import RenderContext


def as_dict(report: Report, ctx: RenderContext) -> dict[str, Any]:
    manifests = []
    for r in report.results:
        entry: dict[str, Any] = {"path": r.path, "system_id": r.system_id, "stage": r.stage}
        if r.questions is not None:
            unanswered = [q for q, ok in r.questions.items() if not ok]
            entry["questions"] = {
                "answered": len(r.questions) - len(unanswered),
                "total": len(r.questions),
                "unanswered": [{"id": q, "text": ctx.policy.questions.get(q, "")} for q in unanswered],
            }
        else:
            entry["questions"] = None
        manifests.append(entry)
    findings = [
        {
            "rule": f.rule,
            "slug": f.slug,
            "severity": f.severity.label,
            "path": f.path,
            "line": f.span.line,
            "column": f.span.column,
            "end_line": f.span.end_line,
            "end_column": f.span.end_column,
            "json_path": f.json_path,
            "message": f.message,
            "help_uri": help_uri(f.rule),
            "suppressed": f.suppressed,
            "also": list(f.also),
            **({"suppression_reason": f.suppressed_by, "suppression_kind": f.suppression} if f.suppressed else {}),
        }
        for f in report.findings
    ]
    return {"version": ctx.version, "manifests": manifests, "findings": findings, "summary": report.counts()}


def render(report: Report, ctx: RenderContext) -> str:
    return json_text(json.dumps(as_dict(report, ctx), indent=2, ensure_ascii=False)) + "\n"
