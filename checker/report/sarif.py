"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; every rule of the policy in tool.driver.rules (so ruleIndex is stable
whatever fired). Suppressed findings carry `suppressions` (a waiver `inSource`,
the baseline `external`) by default; with `--sarif-waived omit` they are left
out, because GitHub code scanning is not documented to honour `suppressions`
and shows such results as open alerts. `partialFingerprints` come from
checker.report.fingerprint (rule, path, JSON path, occurrence; never the
message). At most MAX_RESULTS results, the most severe first; a notification
counts what was left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from checker import HOMEPAGE
from checker.findings import Finding, Report, Severity
from checker.report.fingerprint import fingerprints, help_uri
from checker.report.paths import repo_relative
from checker.report.text import plural
from checker.textsafe import json_text

if TYPE_CHECKING:
    from checker.policy import Rule
    from checker.report import RenderContext

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
MAX_RESULTS = 25_000  # GitHub code scanning's limit of results per run
FINGERPRINT_KEY = "aipolicyFinding/v2"  # v1 hashed the message; v2 never does
AUTOMATION_ID = "aipolicy/"  # the category is what comes before the last `/`


def _default_level(rule: Rule) -> str:
    worst = max(rule.severity.values(), default=Severity.WARNING)
    return _LEVEL[worst]


def _rule(rule: Rule, ctx: RenderContext) -> dict[str, Any]:
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
        "helpUri": help_uri(rule.id),
        "defaultConfiguration": {"level": _default_level(rule)},
        "properties": {"tags": tags, "precision": "very-high"},
    }


def _result(f: Finding, fingerprint: str, index: dict[str, int], ctx: RenderContext) -> dict[str, Any]:
    # A URI reference: spaces, `#` and `%` in file names are percent-encoded.
    uri = quote(repo_relative(f.path, ctx.root), safe="/")
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index.get(f.rule, -1),
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": f.span.line,
                        "startColumn": f.span.column,
                        "endLine": max(f.span.end_line, f.span.line),
                        "endColumn": f.span.end_column
                        if f.span.end_line > f.span.line
                        else max(f.span.end_column, f.span.column),
                    },
                },
                "logicalLocations": [{"fullyQualifiedName": f.json_path, "kind": "member"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if result["ruleIndex"] < 0:
        del result["ruleIndex"]
    if f.also:
        # Other rules that reported the same node; this finding stands for them too.
        result["properties"] = {"also": list(f.also)}
    if f.suppressed:
        kind = "external" if f.suppression == "baseline" else "inSource"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.suppressed_by or ""}]
    return result


def as_dict(report: Report, ctx: RenderContext) -> dict[str, Any]:
    rules = list(ctx.policy.rules.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    findings = report.findings
    pairs = list(zip(findings, fingerprints(findings, ctx.root)))
    notes: list[tuple[str, str]] = []  # (level, text) for the run's tool notifications
    if (ctx.sarif_waived or "suppressed") == "omit":
        omitted = sum(1 for f, _ in pairs if f.suppressed)
        pairs = [(f, fp) for f, fp in pairs if not f.suppressed]
        if omitted:
            notes.append(
                (
                    "note",
                    f"{plural(omitted, 'suppressed finding')} (waived or in the baseline) left out "
                    "(--sarif-waived omit)",
                )
            )
    if len(pairs) > MAX_RESULTS:
        # Keep the findings that matter most: active before suppressed, then the most severe.
        order = sorted(range(len(pairs)), key=lambda i: (pairs[i][0].suppressed, -pairs[i][0].severity, i))
        kept = sorted(order[:MAX_RESULTS])
        notes.append(
            (
                "warning",
                f"{plural(len(pairs) - MAX_RESULTS, 'more result')} not included: GitHub code "
                f"scanning accepts at most {MAX_RESULTS} per run (the most severe are kept; the other "
                "formats list all)",
            )
        )
        pairs = [pairs[i] for i in kept]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "aipolicy",
                "version": ctx.version,
                "semanticVersion": ctx.version,
                "informationUri": HOMEPAGE,
                "rules": [_rule(rule, ctx) for rule in rules],
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, fp, index, ctx) for f, fp in pairs],
    }
    if notes:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": level, "message": {"text": text}} for level, text in notes],
            }
        ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, ctx: RenderContext) -> str:
    return json_text(json.dumps(as_dict(report, ctx), indent=2, ensure_ascii=False)) + "\n"
