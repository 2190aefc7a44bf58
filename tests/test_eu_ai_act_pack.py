"""builtin:eu-ai-act v2: every rule of the pack is pinned by fixtures, one that fails it and one that
passes it, each stating the pack's findings (rule, line and severity); the pack's application dates
are settings an organisation's pack can move; the shipped recruiting-screener pair passes and fails
the pack as its header says.

The fixtures are data (tests/fixtures/packs/eu-ai-act/<RULE-ID>/<case>.yaml, the format of
tests/rule_fixtures.py). They are complete high-risk manifests checked with the whole engine; the
strict comparison covers the pack's own rules (the core catalogue has its own fixtures).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import rule_fixtures
import yaml

from checker import engine, packs
from checker.cli import main
from checker.findings import Finding
from checker.policy import Policy, PolicyError

REPO = Path(__file__).resolve().parents[1]
PACK_FILE = REPO / "policies" / "eu-ai-act.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "packs" / "eu-ai-act"
FIXTURE_FILES = rule_fixtures.discover(FIXTURES)
# Read straight from the pack file: a rule added there without fixtures must fail this suite.
PACK_RULES = yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))["rules"]
PACK_RULE_IDS = [rule["id"] for rule in PACK_RULES]
EXAMPLE = REPO / "examples" / "production" / "recruiting-screener.ai-production.yaml"
FAILING_TWIN = REPO / "examples" / "failing" / "recruiting-screener-eu.ai-production.yaml"


def _policy(*specs: str, base: Path = REPO) -> Policy:
    return packs.build_policy([(spec, base, "test", None) for spec in specs])


EU = _policy("builtin:eu-ai-act")


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _pack_findings(findings: list[Finding]) -> list[Finding]:
    """The unsuppressed findings of the pack's rules, those folded into another rule's at the same node included."""
    flat = [g for f in findings if not f.suppressed for g in (f, *f.folded)]
    return [g._replace(folded=()) for g in flat if g.rule in PACK_RULE_IDS]


def _check(path: Path, policy: Policy = EU, today: datetime.date = rule_fixtures.DEFAULT_TODAY, stage=None):
    return engine.check_file(path, path.as_posix(), engine.Options(stage=stage, today=today, root=REPO, policy=policy))


# -- the fixtures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_produces_exactly_the_pack_findings_it_states(path: Path) -> None:
    fixture = rule_fixtures.load(path)
    result = _check(path, today=fixture.today, stage=fixture.stage)
    assert not [f.message for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")], "not a valid manifest"
    problems = fixture.mismatches(_pack_findings(result.findings), strict=True)
    assert not problems, f"{_fixture_id(path)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_is_about_the_rule_of_its_folder(path: Path) -> None:
    fixture = rule_fixtures.load(path)
    rule = path.parent.name
    if path.stem.startswith("fail"):
        assert rule in fixture.failing_rules, f"{_fixture_id(path)} is a failing case but has no `# expect: {rule}`"
    elif path.stem.startswith("pass"):
        assert rule in fixture.passing_rules, f"{_fixture_id(path)} is a passing case but has no `# expect-not: {rule}`"
    else:
        pytest.fail(f"{_fixture_id(path)}: name fixtures fail-… or pass-…")


def test_fixture_folders_are_rules_of_the_pack() -> None:
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert sorted(set(folders) - set(PACK_RULE_IDS)) == []


def test_every_pack_rule_has_a_failing_and_a_passing_fixture() -> None:
    fixtures = [rule_fixtures.load(p) for p in FIXTURE_FILES]
    failing = {rule for f in fixtures for rule in f.failing_rules}
    passing = {rule for f in fixtures for rule in f.passing_rules}
    assert len(PACK_RULE_IDS) >= 15  # the articles of issue 13, and the role rule
    assert [r for r in PACK_RULE_IDS if r not in failing] == [], "rules without a failing fixture"
    assert [r for r in PACK_RULE_IDS if r not in passing] == [], "rules without a passing fixture"


def test_pack_fixtures_pass_through_aipolicy_test_policies(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code = main(["test-policies", "--policy", "builtin:eu-ai-act", str(FIXTURES)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.rstrip().endswith(f"{len(FIXTURE_FILES)} passed, 0 failed")


# -- the pack's rules ----------------------------------------------------------------------------------

ARTICLES = {
    "AIP-EU-006": "Art. 6",
    "AIP-EU-009": "Art. 9",
    "AIP-EU-010": "Art. 10",
    "AIP-EU-011": "Annex IV",
    "AIP-EU-012": "Art. 12",
    "AIP-EU-013": "Art. 13",
    "AIP-EU-014": "Art. 14",
    "AIP-EU-015": "Art. 15",
    "AIP-EU-026": "Art. 26(6)",
    "AIP-EU-027": "Art. 27",
    "AIP-EU-049": "Art. 49",
    "AIP-EU-050": "Art. 50(1)",
    "AIP-EU-050M": "Art. 50(2)",
    "AIP-EU-072": "Art. 72",
    "AIP-EU-073": "Art. 73",
}


def test_the_pack_has_a_rule_for_each_article_and_each_cites_it() -> None:
    assert sorted(PACK_RULE_IDS) == sorted(ARTICLES)
    for rule in PACK_RULES:
        cited = " ".join(rule["references"])
        assert f"EU AI Act {ARTICLES[rule['id']]}" in cited, (rule["id"], cited)
        assert rule.get("why") and rule.get("fix") and rule.get("example"), rule["id"]


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize("rule", PACK_RULES, ids=lambda r: r["id"])
def test_pack_rule_example_applies_and_passes_its_rule_at_production(rule: dict, tmp_path: Path) -> None:
    from checker import manifest as manifest_mod

    loaded = manifest_mod.load(rule["example"].encode("utf-8"), f"{rule['id']} example")
    assert not isinstance(loaded, list), loaded
    kind = "llm_app" if "llm" in loaded.data else "classifier"
    base = {
        "apiVersion": "aipolicy/v1",
        "system": {"id": "example-case", "name": "Example", "description": "A rule's example.", "type": kind},
        "stage": "production",
        "risk_tier": "high",
    }
    data = _merge(base, loaded.data)
    path = tmp_path / "ai-production.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = _check(path)
    assert rule["id"] in result.rules_evaluated
    assert not [f.message for f in result.findings if f.rule in ("AIP-SCH-001", "AIP-SCH-002")]
    from checker import expr

    policy_rule = EU.rules[rule["id"]]
    assert policy_rule.when is None or policy_rule.when(
        expr.Context(data, rule_fixtures.DEFAULT_TODAY, settings=EU.settings)
    )
    assert [f.message for f in _pack_findings(result.findings) if f.rule == rule["id"]] == []


@pytest.mark.parametrize("rule_id", PACK_RULE_IDS)
def test_explain_prints_each_pack_rule_with_its_article(rule_id: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code = main(["explain", "--policy", "builtin:eu-ai-act", rule_id])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(rule_id + " ") and f"EU AI Act {ARTICLES[rule_id]}" in out


@pytest.mark.parametrize("rule_id", PACK_RULE_IDS)
def test_explain_documents_a_pack_rule_the_run_does_not_load_and_says_how_to_load_it(
    rule_id: str, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["explain", rule_id]) == 0
    out = capsys.readouterr().out
    assert out.startswith(rule_id + " ") and f"EU AI Act {ARTICLES[rule_id]}" in out
    assert "Pack: builtin:eu-ai-act, not loaded here; check it with `--policy builtin:eu-ai-act`" in out


def test_rules_lists_every_pack_rule(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(["rules", "--policy", "builtin:eu-ai-act"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert set(PACK_RULE_IDS) <= listed


@pytest.mark.parametrize(
    ("role", "applies"),
    [("provider", {"provider"}), ("deployer", {"deployer"}), ("both", {"provider", "deployer"}), (None, {"all"})],
)
def test_rules_apply_to_the_role_the_manifest_states(role: str | None, applies: set[str]) -> None:
    # Provider duties (Art. 9-13, 15, 49, 50(2), 72) and deployer duties (Art. 26, 27) follow eu_ai_act.role;
    # a manifest that states no role gets both; Art. 6, 14 and 73 bind whoever operates the system.
    provider_only = {"AIP-EU-009", "AIP-EU-010", "AIP-EU-011", "AIP-EU-012", "AIP-EU-013", "AIP-EU-015"}
    provider_only |= {"AIP-EU-049", "AIP-EU-072"}
    deployer_only = {"AIP-EU-026", "AIP-EU-027"}
    manifest = "risk_tier: high\neu_ai_act: {annex_iii_area: essential_services}\n"
    if role:
        manifest = manifest.replace("{", "{role: " + role + ", ")
    from checker import expr

    data = yaml.safe_load(manifest)
    ctx = expr.Context(data, rule_fixtures.DEFAULT_TODAY, settings=EU.settings)
    applying = {r.id for r in EU.rules.values() if r.pack == "eu-ai-act" and r.when is not None and r.when(ctx)}
    expected = {"AIP-EU-006", "AIP-EU-014", "AIP-EU-073"}
    if applies & {"provider", "all"}:
        expected |= provider_only
    if applies & {"deployer", "all"}:
        expected |= deployer_only
    assert applying == expected


# -- application dates are settings -------------------------------------------------------------------


def test_application_dates_are_pack_settings() -> None:
    assert str(EU.settings["high_risk_applies_from"]) == "2026-08-02"
    assert str(EU.settings["transparency_applies_from"]) == "2026-08-02"
    text = PACK_FILE.read_text(encoding="utf-8")
    # No rule spells a date out: each reads the setting.
    rules_part = text[text.index("\nrules:") :]
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", "\n".join(line for line in rules_part.splitlines() if "when" in line))


def test_an_organisation_pack_moves_the_high_risk_date_and_the_rules_wait_for_it(tmp_path: Path) -> None:
    case = FIXTURES / "AIP-EU-012" / "fail-no-logged-events.yaml"
    assert [f.rule for f in _pack_findings(_check(case).findings)] == ["AIP-EU-012"]
    pack = tmp_path / "later.yaml"
    pack.write_text(
        "apiVersion: aipolicy/policy-v1\nname: later\nextends: ['builtin:eu-ai-act']\n"
        "settings:\n  high_risk_applies_from: 2027-12-02\n",
        encoding="utf-8",
    )
    later = _policy(str(pack), base=tmp_path)
    assert str(later.settings["high_risk_applies_from"]) == "2027-12-02"
    assert str(later.settings["transparency_applies_from"]) == "2026-08-02"  # the rest is inherited
    assert [f.rule for f in _pack_findings(_check(case, later).findings)] == []
    on_the_day = _check(case, later, today=datetime.date(2027, 12, 2))
    assert [f.rule for f in _pack_findings(on_the_day.findings)] == ["AIP-EU-012"]


def test_a_rule_reading_a_setting_no_pack_sets_stops_the_load_at_its_line(tmp_path: Path) -> None:
    pack = tmp_path / "typo.yaml"
    pack.write_text(
        "apiVersion: aipolicy/policy-v1\nname: typo\nextends: ['builtin:eu-ai-act']\nrules:\n"
        "  - id: ACME-EU-001\n    slug: acme-eu\n    summary: s\n    severity: {production: error}\n"
        "    when: age(settings.high_risk_apply_from) >= 0\n    check:\n      - require: logging.ref\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as raised:
        _policy(str(pack), base=tmp_path)
    message = str(raised.value)
    assert f"{pack}:9:" in message
    assert "unknown setting `settings.high_risk_apply_from`" in message and "high_risk_applies_from" in message


# -- the shipped example and its failing twin --------------------------------------------------------------


def _header_rule_ids(path: Path) -> set[str]:
    """Rule ids the example's leading comment says it fails: lines `#   RULE-ID slug ...`."""
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s+(AIP-[A-Z]+-[0-9A-Z]+)\s", line)
        if m:
            ids.add(m.group(1))
    return ids


def test_recruiting_screener_example_passes_the_eu_ai_act_pack() -> None:
    result = _check(EXAMPLE, today=rule_fixtures.DEFAULT_TODAY)
    assert "AIP-EU-026" in result.rules_evaluated
    active = [f"{f.rule} {f.severity.label}: {f.message}" for f in result.findings if not f.suppressed]
    assert [f for f in active if not f.startswith("AIP-DUE-001 ")] == []
    assert "deployer" in EXAMPLE.read_text(encoding="utf-8") and "employment" in EXAMPLE.read_text(encoding="utf-8")


def test_recruiting_screener_failing_twin_fails_exactly_for_the_rules_its_header_states() -> None:
    stated = _header_rule_ids(FAILING_TWIN)
    assert stated, "the failing twin's header names no rule"
    result = _check(FAILING_TWIN, today=rule_fixtures.DEFAULT_TODAY)
    failing = {f.rule for f in result.findings if not f.suppressed and f.severity.label == "error"}
    assert failing == stated
    # Without the pack it passes: it fails for the EU AI Act, not for the core catalogue.
    core = _check(FAILING_TWIN, policy=_policy(), today=rule_fixtures.DEFAULT_TODAY)
    assert {f.rule for f in core.findings if not f.suppressed and f.severity.label == "error"} == set()
