"""builtin:nist-ai-600-1 and builtin:iso-42001: every rule of each pack is pinned by fixtures, one that
fails it and one that passes it, each stating the pack's findings (rule, line and severity); each rule
cites the risk or control it checks; `aipolicy rules`, `explain` and `test-policies` work for both.

The fixtures are data (tests/fixtures/packs/<pack>/<RULE-ID>/<case>.yaml, the format of
tests/rule_fixtures.py), checked with the whole engine; the strict comparison covers the pack's own rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rule_fixtures
import yaml

from checker import engine, expr, packs
from checker import manifest as manifest_mod
from checker.cli import main
from checker.findings import Finding
from checker.policy import Policy

REPO = Path(__file__).resolve().parents[1]
PACKS = ("nist-ai-600-1", "iso-42001")
# Each rule's reference must cite the profile's risk or action, or the Annex A control, it checks.
CITES = {
    "AIP-NIST-001": "NIST AI 600-1 §2",
    "AIP-NIST-002": "NIST AI 600-1 §2.3",
    "AIP-NIST-003": "NIST AI RMF MANAGE 2.4",
    "AIP-NIST-004": "NIST AI 600-1 §2.12",
    "AIP-NIST-005": "NIST AI 600-1 §2.8",
    "AIP-NIST-006": "NIST AI 600-1 §2.7",
    "AIP-ISO-003": "ISO/IEC 42001:2023 A.3.2",
    "AIP-ISO-005": "ISO/IEC 42001:2023 A.5.2",
    "AIP-ISO-006": "ISO/IEC 42001:2023 A.6.2.8",
    "AIP-ISO-007": "ISO/IEC 42001:2023 A.7.5",
    "AIP-ISO-008": "ISO/IEC 42001:2023 A.8.4",
    "AIP-ISO-010": "ISO/IEC 42001:2023 A.10.3",
}


def _rules(pack: str) -> list[dict]:
    # Read straight from the pack file: a rule added there without fixtures must fail this suite.
    return yaml.safe_load((REPO / "policies" / f"{pack}.yaml").read_text(encoding="utf-8"))["rules"]


def _policy(pack: str) -> Policy:
    return packs.build_policy([(f"builtin:{pack}", REPO, "test", None)])


POLICIES = {pack: _policy(pack) for pack in PACKS}
RULES = {pack: _rules(pack) for pack in PACKS}
CASES = [(pack, path) for pack in PACKS for path in rule_fixtures.discover(REPO / "tests/fixtures/packs" / pack)]


def _case_id(case: tuple[str, Path]) -> str:
    return f"{case[1].parent.name}/{case[1].stem}"


def _pack_findings(findings: list[Finding], pack: str) -> list[Finding]:
    ids = {r["id"] for r in RULES[pack]}
    flat = [g for f in findings if not f.suppressed for g in (f, *f.folded)]
    return [g._replace(folded=()) for g in flat if g.rule in ids]


def _check(path: Path, pack: str, stage=None, today=rule_fixtures.DEFAULT_TODAY):
    options = engine.Options(stage=stage, today=today, root=REPO, policy=POLICIES[pack])
    return engine.check_file(path, path.as_posix(), options)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fixture_produces_exactly_the_pack_findings_it_states(case: tuple[str, Path]) -> None:
    pack, path = case
    fixture = rule_fixtures.load(path)
    result = _check(path, pack, fixture.stage, fixture.today)
    assert not [f.message for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")], "not a valid manifest"
    problems = fixture.mismatches(_pack_findings(result.findings, pack), strict=True)
    assert not problems, f"{_case_id(case)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fixture_is_about_the_rule_of_its_folder(case: tuple[str, Path]) -> None:
    _, path = case
    fixture = rule_fixtures.load(path)
    rule = path.parent.name
    if path.stem.startswith("fail"):
        assert rule in fixture.failing_rules
    else:
        assert path.stem.startswith("pass") and rule in fixture.passing_rules


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_rule_has_a_failing_and_a_passing_fixture_and_no_folder_is_stray(pack: str) -> None:
    ids = [r["id"] for r in RULES[pack]]
    folder = REPO / "tests/fixtures/packs" / pack
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == sorted(ids)
    fixtures = [rule_fixtures.load(p) for _, p in CASES if p.is_relative_to(folder)]
    assert [r for r in ids if r not in {x for f in fixtures for x in f.failing_rules}] == []
    assert [r for r in ids if r not in {x for f in fixtures for x in f.passing_rules}] == []


@pytest.mark.parametrize("pack", PACKS)
def test_pack_fixtures_pass_through_aipolicy_test_policies(pack: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    folder = REPO / "tests/fixtures/packs" / pack
    code = main(["test-policies", "--policy", f"builtin:{pack}", str(folder)])
    out = capsys.readouterr().out
    assert code == 0, out
    count = sum(1 for _, p in CASES if p.is_relative_to(folder))
    assert out.rstrip().endswith(f"{count} passed, 0 failed")


def test_each_rule_cites_its_risk_or_control_and_is_documented() -> None:
    rules = [r for pack in PACKS for r in RULES[pack]]
    assert sorted(r["id"] for r in rules) == sorted(CITES)
    for rule in rules:
        assert CITES[rule["id"]] in rule["references"], (rule["id"], rule["references"])
        assert rule.get("why") and rule.get("fix") and rule.get("example"), rule["id"]


def test_no_rule_id_is_a_prefix_of_another_so_selection_by_prefix_is_unambiguous() -> None:
    ids = [r.id for r in packs.build_policy([(f"builtin:{p}", REPO, "t", None) for p in PACKS]).rules.values()]
    ours = [r["id"] for pack in PACKS for r in RULES[pack]]
    assert [(a, b) for a in ours for b in ids if a != b and b.startswith(a)] == []


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


EXAMPLES = [pytest.param(pack, rule, id=rule["id"]) for pack in PACKS for rule in RULES[pack]]


@pytest.mark.parametrize(("pack", "rule"), EXAMPLES)
def test_pack_rule_example_passes_its_rule_at_production(pack: str, rule: dict, tmp_path: Path) -> None:
    loaded = manifest_mod.load(rule["example"].encode("utf-8"), f"{rule['id']} example")
    assert not isinstance(loaded, list), loaded
    kind = "llm_app" if pack == "nist-ai-600-1" or "third_party" in loaded.data else "classifier"
    base = {
        "apiVersion": "aipolicy/v1",
        "system": {"id": "example-case", "name": "Example", "description": "A rule's example.", "type": kind},
        "stage": "production",
        "risk_tier": "limited",
    }
    data = _merge(base, loaded.data)
    path = tmp_path / "ai-production.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = _check(path, pack)
    assert not [f.message for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")]
    policy_rule = POLICIES[pack].rules[rule["id"]]
    assert policy_rule.when is None or policy_rule.when(expr.Context(data, rule_fixtures.DEFAULT_TODAY))
    assert rule["id"] in result.rules_evaluated
    assert [f.message for f in _pack_findings(result.findings, pack) if f.rule == rule["id"]] == []


@pytest.mark.parametrize("rule_id", sorted(CITES))
def test_explain_documents_each_rule_with_its_citation_and_how_to_load_it(rule_id: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    pack = "nist-ai-600-1" if "NIST" in rule_id else "iso-42001"
    assert main(["explain", rule_id]) == 0
    out = capsys.readouterr().out
    assert out.startswith(rule_id + " ") and CITES[rule_id] in out
    assert f"check it with `--policy builtin:{pack}`" in out
    assert main(["explain", "--policy", f"builtin:{pack}", rule_id]) == 0
    assert "not loaded here" not in capsys.readouterr().out


@pytest.mark.parametrize("pack", PACKS)
def test_rules_lists_every_pack_rule(pack: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(["rules", "--policy", f"builtin:{pack}"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert {r["id"] for r in RULES[pack]} <= listed


def test_the_nist_pack_applies_to_llm_applications_only() -> None:
    nist = POLICIES["nist-ai-600-1"]
    ids = [r["id"] for r in RULES["nist-ai-600-1"]]
    for kind, expected in (("llm_app", set(ids)), ("classifier", set())):
        ctx = expr.Context({"system": {"type": kind}}, rule_fixtures.DEFAULT_TODAY)
        assert {i for i in ids if nist.rules[i].when is None or nist.rules[i].when(ctx)} == expected
