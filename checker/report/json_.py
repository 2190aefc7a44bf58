"""The JSON report of cli.md: manifests with their diagnostic, findings, summary.

Beyond cli.md's shape (every key of it kept): the top-level `repository` (the
repository's `owner/name`, or null; checker.gitrepo.repository_name) and
`questions` (id -> text), and per manifest what an inventory lists (`name`,
`risk_tier`, `decision_role`, `owners`, `deadlines`, and `questions.by_id`), so
that `aipolicy report --from-json` can build the portfolio from it.
"""

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
                "by_id": dict(r.questions),
            }
        else:
            entry["questions"] = None
        facts = r.facts or {}
        owners = facts.get("owners") or {}
        entry.update(
            {
                "name": facts.get("name"),
                "risk_tier": facts.get("risk_tier"),
                "decision_role": facts.get("decision_role"),
                "owners": {"technical": owners.get("technical"), "business": owners.get("business")},
                "deadlines": [
                    {"date": d.day.isoformat(), "rule": d.rule, "json_path": d.json_path, "what": d.what}
                    for d in r.deadlines
                ],
                # Known when the git rules read it (a pilot's AIP-GIT-005): what `aipolicy report
                # --from-json` needs to tell a stuck pilot.
                "stage_history": None
                if r.stage_history is None
                else [
                    {
                        "stage": c.stage,
                        "since": c.since.isoformat(),
                        "commit": c.commit,
                        **({"at_or_before": True} if getattr(c, "at_or_before", False) else {}),
                    }
                    for c in r.stage_history
                ],
            }
        )
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
    return {
        "version": ctx.version,
        "repository": _repository(ctx.root),
        "questions": dict(ctx.policy.questions),
        "manifests": manifests,
        "findings": findings,
        "summary": report.counts(),
    }


def _repository(root: str) -> str | None:
    from pathlib import Path

    from checker import gitrepo

    return gitrepo.repository_name(gitrepo.find_root(Path(root)) if root else None)


def render(report: Report, ctx: RenderContext) -> str:
    return json_text(json.dumps(as_dict(report, ctx), indent=2, ensure_ascii=False)) + "\n"
