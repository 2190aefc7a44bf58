"""The rule reference (docs/rules.md), generated from the policy packs: the built-in
catalogue (policies/core.yaml), then each built-in pack (`builtin:NAME`).

Each rule's text lives once, in policies/; this module renders it so the
reference cannot drift from the rules. tests/test_docs.py fails when the
committed docs/rules.md differs from what this renders.

    python -m checker.docs > docs/rules.md
"""

from __future__ import annotations

import sys

from checker.findings import Severity
from checker.policy import STAGES, Policy, Rule, load_builtin

REGENERATE = "python -m checker.docs > docs/rules.md"
NOT_CHECKED = "–"  # a stage at which the rule reports nothing


def _anchor(rule: Rule) -> str:
    # What GitHub derives from the heading "AIP-MON-002 drift-threshold-range".
    return f"{rule.id}-{rule.slug}".lower()


def _question_order(qid: str) -> tuple[int, str]:
    digits = "".join(ch for ch in qid if ch.isdigit())
    return (int(digits) if digits else 10**6, qid)


def _severity(rule: Rule, stage: str) -> str:
    return rule.severity[stage].label if stage in rule.severity else NOT_CHECKED


def _index_cell(rule: Rule, stage: str) -> str:
    escalates = rule.high_risk_escalates and rule.severity.get(stage) is Severity.WARNING
    return _severity(rule, stage) + (" ↑" if escalates else "")


def _severity_line(rule: Rule) -> str:
    return ", ".join(f"{stage} {_severity(rule, stage)}" for stage in STAGES)


def _rule_section(rule: Rule, policy: Policy) -> list[str]:
    out = [f"## {rule.id} {rule.slug}", ""]
    if rule.question:
        out.append(f"- **Question:** {rule.question}: {policy.questions.get(rule.question, '')}")
    out.append(f"- **Severity:** {_severity_line(rule)}")
    out.append(
        "- **High risk:** warnings become errors at `risk_tier: high`"
        if rule.high_risk_escalates
        else "- **High risk:** no escalation"
    )
    out += ["", "### What it checks", "", rule.summary.strip()]
    if rule.why:
        out += ["", "### Why it matters", "", rule.why.strip()]
    if rule.fix:
        out += ["", "### How to fix", "", rule.fix.strip()]
    if rule.example:
        out += ["", "### Example", "", "```yaml", rule.example.rstrip("\n"), "```"]
    if rule.references:
        out += ["", "### References", ""] + [f"- {ref}" for ref in rule.references]
    return out + [""]


def render_rules_markdown(policy: Policy) -> str:
    """docs/rules.md for this policy: an index, the diagnostic questions, one section per rule."""
    rules = list(policy.rules.values())
    out = [
        "# Rules",
        "",
        f"<!-- Generated from the policy pack by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every rule aipolicy checks, with why it matters, how to fix a finding and an example of a",
        "manifest fragment that passes. `aipolicy explain RULE` prints the same text for one rule (by id",
        "or slug); `aipolicy rules` lists them all.",
        "",
        f"Severity is given per stage; {NOT_CHECKED} means the rule reports nothing at that stage. Rules",
        "marked ↑ raise their warnings to errors at `risk_tier: high`.",
        "",
        "| id | slug | question | exploration | pilot | production | retired |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        cells = [f"[{rule.id}](#{_anchor(rule)})", rule.slug, rule.question or ""]
        cells += [_index_cell(rule, stage) for stage in STAGES]
        out.append("| " + " | ".join(cells) + " |")
    if policy.questions:
        out += [
            "",
            "## Diagnostic questions",
            "",
            "A question counts as answered when every rule tagged with it passes (or is waived). More than",
            "three unanswered questions is pilot purgatory (AIP-DIAG-001).",
            "",
            "| question | text | rules |",
            "|---|---|---|",
        ]
        for qid in sorted(policy.questions, key=_question_order):
            tagged = ", ".join(f"[{r.id}](#{_anchor(r)})" for r in rules if r.question == qid)
            out.append(f"| {qid} | {policy.questions[qid]} | {tagged} |")
    out.append("")
    for rule in rules:
        out += _rule_section(rule, policy)
    return "\n".join(out).rstrip("\n") + "\n"


def render_pack_sections(pack_names: list[str] | None = None) -> str:
    """The built-in packs (`builtin:NAME`): for each, what it is, its settings, an index of the
    rules it adds and one section per rule. Each pack is loaded the way `--policy` loads it."""
    from checker import packs, resources
    from checker.policy import load_pack_data

    names = packs.builtin_packs() if pack_names is None else pack_names
    out = [
        "## Built-in packs",
        "",
        "Packs shipped with aipolicy, loaded with `--policy builtin:NAME` or `policies: [builtin:NAME]` in",
        "`.aipolicy.yaml`. Their rules are listed here; `aipolicy rules --policy builtin:NAME` lists them",
        "with the catalogue, and `aipolicy explain --policy builtin:NAME RULE` prints one.",
        "",
    ]
    sections: list[str] = []
    for name in names:
        data = load_pack_data(resources.policies_dir() / f"{name}.yaml")
        policy = packs.build_policy([(f"{packs.BUILTIN_PREFIX}{name}", resources.policies_dir(), name, None)])
        own = [r for r in policy.rules.values() if r.pack == data.get("name", name)]
        out += [f"### builtin:{name}", "", str(data.get("description", "")).strip(), ""]
        if data.get("extends"):
            out += ["Extends " + ", ".join(f"`{e}`" for e in data["extends"]) + ".", ""]
        if data.get("settings"):
            out += [
                "Settings (read by its rules as `settings.NAME`; a pack that extends it may set them again):",
                "",
                "| setting | value |",
                "|---|---|",
            ]
            out += [f"| `{key}` | {value} |" for key, value in data["settings"].items()]
            out.append("")
        if own:
            out += ["| id | slug | exploration | pilot | production | retired |", "|---|---|---|---|---|---|"]
            for rule in own:
                cells = [f"[{rule.id}](#{_anchor(rule)})", rule.slug] + [_index_cell(rule, s) for s in STAGES]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        for rule in own:
            sections += _rule_section(rule, policy)
    return "\n".join(out + sections).rstrip("\n") + "\n"


def render_reference() -> str:
    """docs/rules.md: the built-in catalogue, then the built-in packs."""
    return render_rules_markdown(load_builtin()) + "\n" + render_pack_sections()


def main(argv: list[str] | None = None) -> int:
    del argv  # no options: the output is the whole reference
    text = render_reference()
    # Bytes, so the file is UTF-8 with \n line ends whatever the platform's defaults.
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
