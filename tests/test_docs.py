"""The rule reference: docs/rules.md is what checker.docs renders, and each rule's
documentation (why, fix, example) is complete and its example really passes the rule."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker import engine, expr
from checker import manifest as manifest_mod
from checker.docs import REGENERATE, main, render_reference, render_rules_markdown
from checker.options import Options
from checker.policy import Policy, Rule, add_pack, load_builtin

REPO = Path(__file__).resolve().parents[1]
RULES_MD = REPO / "docs" / "rules.md"
TODAY = datetime.date(2026, 11, 26)  # the examples' dates (reviews, measurements, waivers) are current as of this day
BUILTIN_RULES = list(load_builtin().rules.values())


def _sections(markdown: str) -> dict[str, str]:
    """Rule id -> the text of its `## ID slug` section."""
    parts = re.split(r"(?m)^## ", markdown)
    return {part.split(None, 1)[0]: part for part in parts[1:]}


def _github_anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


# -- the committed reference ------------------------------------------------------------


def test_docs_rules_md_is_up_to_date_with_the_policy_pack() -> None:
    expected = render_reference()
    actual = RULES_MD.read_text(encoding="utf-8") if RULES_MD.is_file() else ""
    if actual != expected:
        diff = "\n".join(
            list(
                difflib.unified_diff(
                    actual.splitlines(), expected.splitlines(), "docs/rules.md", "rendered", lineterm=""
                )
            )[:40]
        )
        pytest.fail(f"docs/rules.md is out of date with policies/; regenerate with `{REGENERATE}`\n{diff}")


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r.id)
def test_docs_rules_md_has_a_section_with_why_and_fix_for_each_rule(rule: Rule) -> None:
    sections = _sections(RULES_MD.read_text(encoding="utf-8"))
    assert rule.id in sections, f"{rule.id} has no section in docs/rules.md; regenerate with `{REGENERATE}`"
    section = sections[rule.id]
    assert section.startswith(f"{rule.id} {rule.slug}\n")
    assert "### Why it matters\n\n" + rule.why in section
    assert "### How to fix\n\n" + rule.fix in section


def test_main_writes_the_rendered_reference_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main([]) == 0
    assert capsysbinary.readouterr().out.decode("utf-8") == render_reference()


# -- the renderer, on a pack of its own ---------------------------------------------------


def _pack() -> Policy:
    policy = Policy()
    add_pack(
        policy,
        {
            "apiVersion": "aipolicy/policy-v1",
            "name": "acme",
            "questions": {"QV": "vendor contract reviewed"},
            "rules": [
                {
                    "id": "ACME-VND-001",
                    "slug": "vendor-contract",
                    "question": "QV",
                    "summary": "A third-party model has a reviewed contract.",
                    "severity": {"pilot": "warning", "production": "error"},
                    "high_risk_escalates": True,
                    "why": "Without a contract nobody knows what the vendor may change.",
                    "fix": "Link the contract in `x-vendor.contract_ref`.",
                    "example": "system:\n  x-vendor:\n    contract_ref: legal/vendor.pdf\n",
                    "references": ["NIST AI RMF 1.0 GOVERN 6.1"],
                    "check": [{"require": "system.x-vendor.contract_ref"}],
                },
                {
                    "id": "ACME-VND-002",
                    "slug": "vendor-named",
                    "summary": "The vendor is named.",
                    "severity": {"production": "note"},
                    "check": [{"require": "system.x-vendor.name"}],
                },
            ],
        },
        "acme.yaml",
    )
    return policy


def test_rule_section_shows_question_severity_per_stage_escalation_and_docs() -> None:
    section = _sections(render_rules_markdown(_pack()))["ACME-VND-001"]
    assert "**Question:** QV: vendor contract reviewed" in section
    assert "**Severity:** exploration –, pilot warning, production error, retired –" in section
    assert "warnings become errors at `risk_tier: high`" in section
    assert "### What it checks\n\nA third-party model has a reviewed contract." in section
    assert "### Why it matters\n\nWithout a contract nobody knows what the vendor may change." in section
    assert "### How to fix\n\nLink the contract in `x-vendor.contract_ref`." in section
    assert "### Example\n\n```yaml\nsystem:\n  x-vendor:\n    contract_ref: legal/vendor.pdf\n```" in section
    assert "### References\n\n- NIST AI RMF 1.0 GOVERN 6.1" in section


def test_rule_section_leaves_out_what_the_rule_does_not_have() -> None:
    section = _sections(render_rules_markdown(_pack()))["ACME-VND-002"]
    assert "**Question:**" not in section
    assert "**High risk:** no escalation" in section
    for heading in ("### Why it matters", "### How to fix", "### Example", "### References"):
        assert heading not in section


def test_index_marks_escalating_warnings_only() -> None:
    text = render_rules_markdown(_pack())
    row = next(line for line in text.splitlines() if line.startswith("| [ACME-VND-001]"))
    assert row.split(" | ")[3:] == ["–", "warning ↑", "error", "– |"]


def test_every_index_link_points_at_a_rule_heading() -> None:
    text = render_rules_markdown(load_builtin())
    anchors = {_github_anchor(h) for h in re.findall(r"(?m)^## (.+)$", text)}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert links and set(links) <= anchors


# -- the rule documentation in the built-in pack ------------------------------------------


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r.id)
def test_builtin_rule_has_why_fix_and_example(rule: Rule) -> None:
    assert rule.why and rule.fix and rule.example.strip()


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _local_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).endswith("_ref") and isinstance(value, str):
                if "://" not in value:
                    yield value
            else:
                yield from _local_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _local_refs(value)


MINIMAL = {
    "apiVersion": "aipolicy/v1",
    "system": {
        "id": "ticket-router",
        "name": "Support ticket router",
        "description": "Suggests the queue for new support tickets.",
        "type": "classifier",
    },
    "stage": "production",
}


@pytest.mark.parametrize("rule", [r for r in BUILTIN_RULES if "git" not in r.tags], ids=lambda r: r.id)
def test_builtin_rule_example_passes_its_rule_at_production(rule: Rule, tmp_path: Path) -> None:
    # The example is read the way aipolicy reads manifests (`yes` stays a string), merged into
    # a minimal production manifest, and checked with the whole engine.
    loaded = manifest_mod.load(rule.example.encode("utf-8"), f"{rule.id} example")
    assert not isinstance(loaded, list), f"{rule.id} example does not load: {loaded}"
    assert isinstance(loaded.data, dict)
    data = _merge(MINIMAL, loaded.data)
    for ref in _local_refs(data):  # refs in examples name files a real repository would have
        (tmp_path / ref).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ref).write_text("stand-in\n", encoding="utf-8")
    path = tmp_path / "ai-production.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    result = engine.check_file(path, "ai-production.yaml", Options(today=TODAY, root=tmp_path))

    # The engine lists AIP-SCH-002 only when a file fails to load; loading the example above is its check.
    assert rule.id in result.rules_evaluated or rule.id == "AIP-SCH-002"
    if rule.when is not None:  # a rule that does not apply would pass any example
        assert rule.when(expr.Context(data, TODAY)), f"{rule.id} does not apply to its own example"
    schema = [f.message for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")]
    assert not schema, f"{rule.id} example is not a valid manifest fragment: {schema}"
    own = [f"{f.severity.label}: {f.message}" for f in result.findings if f.rule == rule.id and not f.suppressed]
    assert not own, f"{rule.id} example fails its own rule: {own}"
