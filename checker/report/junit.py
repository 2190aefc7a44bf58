"""JUnit XML: one testsuite per manifest, one testcase per rule evaluated.

The shape GitLab, Jenkins and Azure DevOps read: <testsuites> of <testsuite
name tests failures errors skipped> of <testcase classname name file>, with
<failure message type> for errors and warnings, <skipped> for waived rules and
notes in <system-out>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from checker.findings import Finding, Report, Severity

if TYPE_CHECKING:
    from checker.report import RenderContext

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_AZURE_COMMAND = re.compile(r"##(?:vso)?\[", re.IGNORECASE)


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(report: Report, ctx: RenderContext) -> str:
    root = ET.Element("testsuites", name="aipolicy")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for result in report.results:
        suite_name = result.path + (f" ({result.system_id})" if result.system_id else "")
        suite = ET.SubElement(root, "testsuite", name=_clean(suite_name), errors="0", time="0")
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        by_rule: dict[str, list[Finding]] = {}
        for f in result.findings:
            # A finding folded from several rules fails each of their testcases.
            for rule_id in (f.rule, *f.also):
                by_rule.setdefault(rule_id, []).append(f)
        order = list(dict.fromkeys(result.rules_evaluated + list(by_rule)))
        for rule_id in order:
            rule = ctx.policy.rules.get(rule_id)
            name = f"{rule_id} {rule.slug}" if rule else rule_id
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_clean(f"aipolicy.{result.system_id or result.path}"),
                name=name,
                file=_clean(result.path),
                time="0",
            )
            counts["tests"] += 1
            found = by_rule.get(rule_id, [])
            failing = [f for f in found if not f.suppressed and f.severity >= Severity.WARNING]
            waived = [f for f in found if f.suppressed]
            notes = [f for f in found if not f.suppressed and f.severity is Severity.NOTE]
            if failing:
                counts["failures"] += 1
                worst = max(f.severity for f in failing)
                body = "\n".join(
                    f"{f.path}:{f.span.line}:{f.span.column}: {f.severity.label} {f.message}" for f in failing
                )
                failure = ET.SubElement(case, "failure", message=_clean(failing[0].message), type=worst.label)
                failure.text = _clean(body)
            elif waived and not notes:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean("waived: " + (waived[0].suppressed_by or "")))
            if notes:
                out = ET.SubElement(case, "system-out")
                out.text = _clean("\n".join(f"{f.path}:{f.span.line}:{f.span.column}: note {f.message}" for f in notes))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    # Printed into a CI log, a `##vso[` in a file name would be an Azure command: its `[` as
    # a character reference, which every XML reader reads back as `[`.
    text = _AZURE_COMMAND.sub(lambda m: m.group()[:-1] + "&#91;", text)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"
