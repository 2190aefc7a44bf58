"""An Inventory from a finished check run: one System per manifest result."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from checker.findings import ManifestResult, Report
from checker.portfolio import DEFAULT_STUCK_AFTER, Inventory, System
from checker.report.paths import repo_relative


def system_from_result(result: ManifestResult, root: str, repository: str | None = None) -> System:
    counts = {"error": 0, "warning": 0, "note": 0, "suppressed": 0}
    for f in result.findings:
        counts["suppressed" if f.suppressed else f.severity.label] += 1
    facts = result.facts or {}
    owners = facts.get("owners") or {}
    return System(
        path=repo_relative(result.path, root),
        repository=repository,
        id=result.system_id,
        name=facts.get("name"),
        stage=result.stage,
        risk_tier=facts.get("risk_tier"),
        decision_role=facts.get("decision_role"),
        owners={"technical": owners.get("technical"), "business": owners.get("business")},
        questions=dict(result.questions) if result.questions is not None else None,
        findings=counts,
        deadlines=[
            {"date": d.day.isoformat(), "rule": d.rule, "json_path": d.json_path, "what": d.what}
            for d in result.deadlines
        ],
    )


def from_results(
    results: Iterable[ManifestResult],
    *,
    root: str,
    today: datetime.date,
    version: str,
    questions: dict[str, str],
    repository: str | None = None,
    stuck_after: int = DEFAULT_STUCK_AFTER,
) -> Inventory:
    return Inventory(
        generated=today,
        tool_version=version,
        stuck_after=stuck_after,
        questions=dict(questions),
        systems=[system_from_result(r, root, repository) for r in results],
    )


def from_report(
    report: Report,
    *,
    root: str,
    today: datetime.date,
    version: str,
    questions: dict[str, str],
    repository: str | None = None,
    stuck_after: int = DEFAULT_STUCK_AFTER,
) -> Inventory:
    return from_results(
        report.results,
        root=root,
        today=today,
        version=version,
        questions=questions,
        repository=repository,
        stuck_after=stuck_after,
    )
