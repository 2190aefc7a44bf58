"""Pack settings: a pack's `settings:` mapping is read in conditions as `settings.NAME`; a pack loaded
later (one that extends it) overrides a setting; a condition naming a setting no loaded pack sets is a
pack error at its line, never a rule quietly switched off."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from checker import engine, expr, packs
from checker.policy import Policy, PolicyError

TODAY = datetime.date(2026, 11, 26)
MANIFEST = """\
apiVersion: aipolicy/v1
system: {id: settings-case, name: Settings case, description: A manifest for pack settings., type: classifier}
stage: pilot
"""
BASE = """\
apiVersion: aipolicy/policy-v1
name: base
settings:
  applies_from: 2026-08-02
  max_rto_hours: 4
rules:
  - id: ACME-SET-001
    slug: acme-dated
    summary: Applies from a date a setting holds.
    severity: {pilot: error}
    when: age(settings.applies_from) >= 0
    check:
      - require: logging.ref
"""


def _policy(tmp_path: Path, *packs_text: tuple[str, str]) -> Policy:
    for name, text in packs_text:
        (tmp_path / name).write_text(text, encoding="utf-8")
    return packs.build_policy([(packs_text[-1][0], tmp_path, "test", None)])


def _fires(policy: Policy, tmp_path: Path, today: datetime.date = TODAY) -> bool:
    path = tmp_path / "ai-production.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    result = engine.check_file(path, "ai-production.yaml", engine.Options(today=today, root=tmp_path, policy=policy))
    return any(f.rule == "ACME-SET-001" and not f.suppressed for f in result.findings)


def test_a_rule_reads_its_packs_setting(tmp_path: Path) -> None:
    policy = _policy(tmp_path, ("base.yaml", BASE))
    assert _fires(policy, tmp_path)
    assert not _fires(policy, tmp_path, today=datetime.date(2026, 8, 1))


def test_a_pack_that_extends_another_overrides_its_setting(tmp_path: Path) -> None:
    later = "apiVersion: aipolicy/policy-v1\nname: later\nextends: [base.yaml]\nsettings:\n  applies_from: 2027-01-01\n"
    policy = _policy(tmp_path, ("base.yaml", BASE), ("later.yaml", later))
    assert str(policy.settings["applies_from"]) == "2027-01-01"
    assert policy.settings["max_rto_hours"] == 4
    assert not _fires(policy, tmp_path)
    assert _fires(policy, tmp_path, today=datetime.date(2027, 1, 1))


def test_settings_survive_a_severity_override(tmp_path: Path) -> None:
    policy = _policy(tmp_path, ("base.yaml", BASE)).with_severity({"ACME-SET-001": "warning"}, "test")
    assert str(policy.settings["applies_from"]) == "2026-08-02"
    assert _fires(policy, tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("    when: age(settings.applies_from) >= 0\n", "    when: age(settings.applies_frm) >= 0\n", 11),
        (
            "      - require: logging.ref\n",
            "      - require: logging.ref\n      - expect: settings.applies_frm == 1\n",
            14,
        ),
    ],
)
def test_a_condition_naming_an_unset_setting_stops_the_load_at_its_line(
    tmp_path: Path, old: str, new: str, line: int
) -> None:
    (tmp_path / "base.yaml").write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        packs.build_policy([("base.yaml", tmp_path, "test", None)])
    message = str(raised.value)
    assert "unknown setting `settings.applies_frm`" in message and "applies_from" in message
    assert f"base.yaml:{line}:" in message


@pytest.mark.parametrize("bad", ["  Applies-From: 2026-08-02\n", "  applies_from: [2026, 8, 2]\n"])
def test_a_setting_must_be_a_lowercase_name_with_a_scalar_value(tmp_path: Path, bad: str) -> None:
    (tmp_path / "base.yaml").write_text(BASE.replace("  applies_from: 2026-08-02\n", bad), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        packs.build_policy([("base.yaml", tmp_path, "test", None)])
    assert "base.yaml:4:" in str(raised.value)


def test_the_expression_language_reads_settings_and_leaves_the_bare_word_a_string() -> None:
    ctx = expr.Context({}, TODAY, settings={"limit": 3, "nested": {"a": 1}})
    assert expr.compile_expr("settings.limit == 3")(ctx)
    assert expr.compile_expr("settings.nested.a == 1")(ctx)
    assert expr.compile_expr("settings.missing == null")(ctx)
    assert expr.compile_expr("settings == 'settings'")(ctx)
    assert expr.compile_expr("settings.limit == null")(expr.Context({}, TODAY))  # no settings: null
    assert expr.referenced_settings("age(settings.a) >= 0 and settings.b.c == 'settings.d'") == ["a", "b"]
    assert expr.referenced_paths("settings.limit == 3") == []  # a finding is never placed at a setting
