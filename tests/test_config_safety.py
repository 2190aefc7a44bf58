"""A configuration cannot hang or crash the run: every bad one is exit 2 and one short
stderr line naming the configuration; override globs match in linear time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checker.config import _glob_match

MANIFEST = Path(__file__).parent.parent / "examples" / "pilot" / "ai-production.yaml"


def _run(repo: Path, config: bytes | str, timeout: int = 60) -> subprocess.CompletedProcess:
    (repo / ".git").mkdir(exist_ok=True)
    (repo / ".aipolicy.yaml").write_bytes(config.encode() if isinstance(config, str) else config)
    if MANIFEST.is_file() and not (repo / "ai-production.yaml").exists():
        (repo / "ai-production.yaml").write_bytes(MANIFEST.read_bytes())
    return subprocess.run(
        [sys.executable, "-m", "checker", "check", "--today", "2026-11-26", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _one_config_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert ".aipolicy.yaml" in proc.stderr and "manifest" not in proc.stderr.replace("manifest-names", ""), proc.stderr
    return proc.stderr


BAD = {
    "bad YAML": "select: [\n",
    "empty": "",
    "a list": "- select\n",
    "a NUL byte": b"fail-on: error\n\x00\n",
    "wrong type": "overrides: [{paths: [3]}]\n",
    "extends itself": "extends: [.aipolicy.yaml]\n",
    "100,000 overrides": "overrides:\n" + "  - {paths: [x]}\n" * 100_000,
}


@pytest.mark.parametrize("config", BAD.values(), ids=list(BAD))
def test_bad_configuration_is_exit_2_with_one_line_naming_the_configuration(tmp_path: Path, config) -> None:
    _one_config_line(_run(tmp_path, config))


def test_huge_configuration_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    text = _one_config_line(_run(tmp_path, "# " + "x" * (2 * 1024 * 1024) + "\n"))
    assert "limit" in text and len(text) < 300


def test_unknown_rule_in_an_override_is_reported_at_its_item_with_the_key_path(tmp_path: Path) -> None:
    text = _one_config_line(_run(tmp_path, "overrides:\n  - paths: [x]\n    select: [AIP-OWN-001, NOPE]\n"))
    assert ".aipolicy.yaml:3:27: overrides[0].select: no such rule NOPE" in text


def test_pathological_glob_matches_in_linear_time(tmp_path: Path) -> None:
    deep = tmp_path / ("a" * 60) / ("a" * 60)
    deep.mkdir(parents=True)
    (deep / "ai-production.yaml").write_bytes(MANIFEST.read_bytes())
    proc = _run(tmp_path, 'overrides:\n  - paths: ["a' + "*" * 50 + 'b", "' + "*a" * 30 + 'b/**"]\n', timeout=60)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


def test_long_glob_does_not_hang(tmp_path: Path) -> None:
    proc = _run(tmp_path, 'overrides:\n  - paths: ["' + "*a" * 5000 + '"]\n')
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("legacy/**", "legacy/a/ai-production.yaml", True),
        ("legacy/**", "other/legacy/ai-production.yaml", False),
        ("ai-production.yaml", "a/b/ai-production.yaml", True),
        ("*.draft.yaml", "deep/x/y.draft.yaml", True),
        ("legacy/", "legacy/x/ai-production.yaml", True),
        ("legacy/", "elsewhere/ai-production.yaml", False),
        ("/legacy/*.yaml", "legacy/x.yaml", True),
        ("legacy/*.yaml", "legacy/sub/x.yaml", False),
        ("**/experimental/*.yaml", "a/b/experimental/m.yaml", True),
        ("a" + "*" * 50 + "b", "a" * 200 + "b", True),
    ],
)
def test_documented_glob_semantics_still_hold(pattern: str, path: str, expected: bool) -> None:
    assert _glob_match(path, pattern) is expected


def test_pyproject_whose_tool_is_not_a_table_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('tool = "nope"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_unknown_rule_in_top_level_select_is_reported_at_its_item(tmp_path: Path) -> None:
    text = _one_config_line(_run(tmp_path, "select:\n  - AIP-OWN-001\n  - NOPE\n"))
    assert ".aipolicy.yaml:3:5: select: no such rule NOPE" in text


ALTERNATIVES = {
    "a level that is not one": (
        "severity: {AIP-OWN-001: bogus}\n",
        ".aipolicy.yaml:1:25: `AIP-OWN-001` must be error, warning, note or off, "
        "or a mapping of stage to one of those; got 'bogus'",
    ),
    "a stage's level that is not one": (
        "severity: {AIP-OWN-001: {pilot: bogus}}\n",
        ".aipolicy.yaml:1:33: `pilot` must be one of error, warning, note, off; got 'bogus'",
    ),
    "a number for a level": (
        "overrides: [{paths: [x], severity: {AIP-OWN-001: 7}}]\n",
        ".aipolicy.yaml:1:50: `AIP-OWN-001` must be error, warning, note or off, "
        "or a mapping of stage to one of those; got 7",
    ),
    "a number for max-severity": (
        "overrides: [{paths: [x], max-severity: 7}]\n",
        ".aipolicy.yaml:1:40: `max-severity` must be one of error, warning, note; got 7",
    ),
}


@pytest.mark.parametrize("config,expected", ALTERNATIVES.values(), ids=list(ALTERNATIVES))
def test_a_value_failing_every_alternative_says_what_is_allowed_at_the_value(tmp_path: Path, config, expected) -> None:
    text = _one_config_line(_run(tmp_path, config))
    assert expected in text and "is not valid under" not in text, text


def test_a_policy_pack_severity_gets_the_same_message_as_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: aipolicy/policy-v1\nseverity:\n  AIP-OWN-001: bogus\n", encoding="utf-8"
    )
    proc = _run(tmp_path, "policies: [p.yaml]\n")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert (
        "p.yaml:3:16: `AIP-OWN-001` must be error, warning, note or off, or a mapping of stage to one of those; "
        "got 'bogus'"
    ) in proc.stderr


def test_unknown_rule_in_top_level_severity_is_reported_at_its_key(tmp_path: Path) -> None:
    text = _one_config_line(_run(tmp_path, "severity:\n  AIP-OWN-001: error\n  NOPE: warning\n"))
    assert ".aipolicy.yaml:3:3: severity: no such rule NOPE" in text


def test_missing_extended_configuration_is_reported_at_its_item(tmp_path: Path) -> None:
    text = _one_config_line(_run(tmp_path, "fail-on: note\nextends:\n  - missing.yaml\n"))
    assert ".aipolicy.yaml:3:5: extends[0]: no such configuration file missing.yaml" in text


def test_extends_cycle_names_the_file_that_closes_it_on_one_short_line(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("extends: [.aipolicy.yaml]\n", encoding="utf-8")
    text = _one_config_line(_run(tmp_path, "extends: [b.yaml]\n"))
    assert "b.yaml:1:11: extends[0]: extends cycle: .aipolicy.yaml is already being read" in text
    assert text.count(str(tmp_path)) == 1, text


LONG = "x" * 500


@pytest.mark.parametrize(
    "config",
    [
        f"extends: [{LONG}]\n",
        f"policies: [{LONG}]\n",
        f"select: [{LONG}]\n",
        f"severity: {{{LONG}: error}}\n",
        f"{LONG}: 1\n",
    ],
    ids=["extends", "policies", "select", "severity", "unknown key"],
)
def test_a_long_value_is_echoed_at_most_60_characters(tmp_path: Path, config: str) -> None:
    text = _one_config_line(_run(tmp_path, config))
    assert "x" * 60 not in text and "x" * 50 in text, text


@pytest.mark.parametrize(
    "config",
    [
        '"a\\nb": 1\n',
        'waivers: {"a\\rb": 1}\n',
        'select: ["NO\\nPE"]\n',
        'severity: {"NO\\nPE": error}\n',
        'severity: {"NO\\u2028PE": error}\n',
        'overrides: [{paths: [x], ignore: ["NO\\rPE"]}]\n',
        'extends: ["a\\nb.yaml"]\n',
        'extends: ["builtin:a\\nb"]\n',
        'severity: {AIP-OWN-001: {pilot: bogus, "x\\ny": error}}\n',
    ],
    ids=[
        "unknown key",
        "unknown nested key",
        "select",
        "severity",
        "line separator",
        "override ignore",
        "extends",
        "builtin extends",
        "inside an alternative",
    ],
)
def test_a_name_holding_a_line_break_cannot_break_the_message_in_two(tmp_path: Path, config: str) -> None:
    text = _one_config_line(_run(tmp_path, config))
    assert "\r" not in text and "\u2028" not in text, text


@pytest.mark.parametrize("pattern", ["[z-a]", "models/[9-0]*.yaml"])
def test_override_glob_git_cannot_read_is_exit_2_at_its_item(tmp_path: Path, pattern: str) -> None:
    proc = _run(tmp_path, f'overrides:\n  - paths: ["ok/**", "{pattern}"]\n    ignore: [AIP-MON]\n')
    line = _one_config_line(proc)
    assert ".aipolicy.yaml:2:22: overrides[0].paths[1]:" in line and "bad character range" in line, line
