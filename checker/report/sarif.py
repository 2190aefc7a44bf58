"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; every rule of the policy in tool.driver.rules (so ruleIndex is stable
whatever fired); waived findings carry `suppressions` instead of disappearing.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote
from typing import TYPE_CHECKING, Any

from checker import HOMEPAGE, RULES_DOC
from checker.findings import Report, Severity
from checker.report.paths import repo_relative

if TYPE_CHECKING:
    from checker.report import RenderContext

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _default_level(rule: Any) -> str:
    worst = max(rule.severity.values(), default=Severity.WARNING)
    return _LEVEL[worst]


def _rule(rule: Any, ctx: RenderContext) -> dict[str, Any]:
    question = ctx.policy.questions.get(rule.question) if rule.question else None
    full = rule.summary + (f" (answers {rule.question}: {question})" if question else "")
    text = [full]
    md = [f"**{rule.id} {rule.slug}**: {full}"]
    for heading, body in (("Why it matters", rule.why), ("How to fix", rule.fix)):
        if body:
            text.append(f"{heading}: {body}")
            md.append(f"### {heading}\n\n{body}")
    if rule.example:
        text.append("Example:\n" + rule.example)
        md.append(f"### Example\n\n```yaml\n{rule.example.rstrip()}\n```")
    md.append(f"Severity per stage: `{rule.severity_text()}`.")
    tags = ["ai-governance", rule.pack] + list(rule.tags)
    if rule.question:
        tags.append(rule.question)
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.slug.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(md)},
        "helpUri": f"{RULES_DOC}#{rule.id.lower()}",
        "defaultConfiguration": {"level": _default_level(rule)},
        "properties": {"tags": tags, "precision": "very-high"},
    }


def as_dict(report: Report, ctx: RenderContext) -> dict[str, Any]:
    rules = list(ctx.policy.rules.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for f in report.findings:
        # A URI reference: spaces, `#` and `%` in file names are percent-encoded.
        uri = quote(repo_relative(f.path, ctx.root), safe="/")
        # Stable across edits that only move lines: rule + file + node.
        fingerprint = hashlib.sha256(f"{f.rule}\0{uri}\0{f.json_path}\0{f.message}".encode("utf-8", "replace")).hexdigest()
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index.get(f.rule, -1),
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": f.span.line,
                        "startColumn": f.span.column,
                        "endLine": max(f.span.end_line, f.span.line),
                        "endColumn": f.span.end_column if f.span.end_line > f.span.line else max(f.span.end_column, f.span.column),
                    },
                },
                "logicalLocations": [{"fullyQualifiedName": f.json_path, "kind": "member"}],
            }],
            "partialFingerprints": {"aipolicyFindingHash/v1": fingerprint},
        }
        if result["ruleIndex"] < 0:
            del result["ruleIndex"]
        if f.also:
            # Other rules that reported the same node; this finding stands for them too.
            result["properties"] = {"also": list(f.also)}
        if f.suppressed:
            result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": f.suppressed_by or ""}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "aipolicy",
                "version": ctx.version,
                "semanticVersion": ctx.version,
                "informationUri": HOMEPAGE,
                "rules": [_rule(rule, ctx) for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report, ctx: RenderContext) -> str:
    return json.dumps(as_dict(report, ctx), indent=2, ensure_ascii=False) + "\n"
