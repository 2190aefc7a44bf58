"""Every rule of the catalogue is pinned by fixtures: at least one manifest that
fails it and one that passes it, each stating its findings (rule and line).

The fixtures are data (tests/fixtures/rules/<RULE-ID>/<case>.yaml, format in
tests/rule_fixtures.py); this module runs them through checker.engine and
checks that the catalogue and the fixtures cover each other.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import rule_fixtures
import yaml
from rule_fixtures import Expectation, FixtureFormatError, RuleFixture

from checker.findings import Finding, Severity, Span

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "rules"
FIXTURE_FILES = rule_fixtures.discover(FIXTURES)
# Read straight from the pack file: a rule added there without fixtures must fail this suite.
CORE_RULES = yaml.safe_load((REPO / "policies" / "core.yaml").read_text(encoding="utf-8"))["rules"]
CORE_RULE_IDS = [rule["id"] for rule in CORE_RULES]
# Rules tagged `git` judge a manifest against git history, a base ref, CODEOWNERS and the
# index: a lone fixture file cannot carry those, so they are tested in throwaway repositories.
GIT_RULE_IDS = [rule["id"] for rule in CORE_RULES if "git" in rule.get("tags", ())]
FIXTURE_RULE_IDS = [rule_id for rule_id in CORE_RULE_IDS if rule_id not in GIT_RULE_IDS]


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# -- the fixtures themselves ----------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_produces_exactly_the_findings_it_states(path: Path) -> None:
    fixture = rule_fixtures.load(path)
    result = fixture.run(REPO)  # *_ref paths in fixtures are relative to the repository root
    problems = fixture.mismatches(result.findings, strict=True)
    assert not problems, f"{_fixture_id(path)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_is_about_the_rule_of_its_folder(path: Path) -> None:
    fixture = rule_fixtures.load(path)
    rule = path.parent.name
    if path.stem.startswith("fail"):
        assert rule in fixture.failing_rules, (
            f"{_fixture_id(path)} is a failing case but has no `# expect: {rule} @ LINE`"
        )
    elif path.stem.startswith("pass"):
        assert rule in fixture.passing_rules, f"{_fixture_id(path)} is a passing case but has no `# expect-not: {rule}`"
    else:
        pytest.fail(f"{_fixture_id(path)}: name fixtures fail-… or pass-…")


def test_fixture_folders_are_rules_of_the_catalogue() -> None:
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert folders, f"no fixtures under {FIXTURES}"
    assert sorted(set(folders) - set(CORE_RULE_IDS)) == []


def test_every_catalogue_rule_has_a_failing_and_a_passing_fixture() -> None:
    fixtures = [rule_fixtures.load(p) for p in FIXTURE_FILES]
    failing = {rule for f in fixtures for rule in f.failing_rules}
    passing = {rule for f in fixtures for rule in f.passing_rules}
    assert len(FIXTURE_RULE_IDS) >= 38  # the spec's catalogue without the git rules, at least
    assert [r for r in FIXTURE_RULE_IDS if r not in failing] == [], "rules without a failing fixture (`# expect:`)"
    assert [r for r in FIXTURE_RULE_IDS if r not in passing] == [], "rules without a passing fixture (`# expect-not:`)"


def test_only_rules_that_need_git_are_exempt_from_fixtures() -> None:
    # The exemption is by tag, so it cannot quietly grow to cover ordinary rules.
    assert all(rule_id.startswith("AIP-GIT-") for rule_id in GIT_RULE_IDS)


def test_fixtures_pass_through_aipolicy_test_policies(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `aipolicy test-policies` reads the same format; the built-in fixtures are its first users.
    from checker.cli import main

    monkeypatch.chdir(REPO)  # refs resolve from the repository root, found from here when git is absent
    code = main(["test-policies", str(FIXTURES)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.rstrip().endswith(f"{len(FIXTURE_FILES)} passed, 0 failed")


def test_test_policies_fails_a_case_whose_stated_severity_differs(capsys, monkeypatch, tmp_path: Path) -> None:
    from checker.cli import main

    text = (FIXTURES / "AIP-OWN-002" / "fail-no-process.yaml").read_text(encoding="utf-8")
    assert "# expect: AIP-OWN-002 @ 19 error\n" in text
    (tmp_path / "case.yaml").write_text(text.replace("@ 19 error", "@ 19 warning"), encoding="utf-8")
    monkeypatch.chdir(REPO)
    code = main(["test-policies", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "expected AIP-OWN-002 at line 19 as warning; reported as error" in out


# -- the fixture format (rule_fixtures) -------------------------------------------------------

HEADER = """\
# AIP-ROLL-002 rollback-rto: free text is ignored
# expect: AIP-ROLL-002 @ 14 error
# expect: AIP-DIAG-001 @ 3 warning
# expect-not: AIP-OWN-004
# stage: production
# today: 2027-01-15
apiVersion: aipolicy/v1
# expect: AIP-OWN-001 @ 1
"""


def _finding(rule: str, line: int, suppressed: bool = False) -> Finding:
    f = Finding(rule, "slug", Severity.ERROR, "m.yaml", Span(line, 1, line, 1), "message")
    return f.suppress("waived") if suppressed else f


def test_parse_reads_directives_from_the_leading_comment_block_only() -> None:
    fixture = rule_fixtures.parse(HEADER, Path("m.yaml"))
    assert fixture.expect == (Expectation("AIP-ROLL-002", 14, "error"), Expectation("AIP-DIAG-001", 3, "warning"))
    assert fixture.expect_not == ("AIP-OWN-004",)
    assert fixture.stage == "production"
    assert fixture.today == datetime.date(2027, 1, 15)


def test_parse_defaults_to_the_manifest_stage_and_the_default_today() -> None:
    fixture = rule_fixtures.parse("# expect-not: AIP-OWN-001\napiVersion: aipolicy/v1\n", Path("m.yaml"))
    assert fixture.stage is None
    assert fixture.today == rule_fixtures.DEFAULT_TODAY


@pytest.mark.parametrize(
    "header",
    [
        "# expect: AIP-ROLL-002\n",  # no line
        "# expect: AIP-ROLL-002 @ 4\n",  # no severity
        "# expect: AIP-ROLL-002 @ 4 fatal\n",  # not a severity
        "# expect: AIP-ROLL-002 @ line 4\n",  # not a number
        "# expect: AIP-ROLL-002 @ 0\n",  # lines count from 1
        "# expect-not: AIP-ROLL-002 @ 4\n",  # expect-not takes a rule only
        "# expect-not: AIP-X-1\n# stage: prod\n",
        "# expect-not: AIP-X-1\n# today: 26.11.2026\n",
        "# expect-not: AIP-X-1\n# stage: pilot\n# stage: production\n",
        "# expect-not: AIP-X-1\n# today: 2026-01-01\n# today: 2026-01-02\n",
        "# expect: AIP-X-1 @ 3 error\n# expect-not: AIP-X-1\n",  # contradicts itself
        "# only prose, no expectation\n",
    ],
)
def test_parse_rejects_malformed_headers(header: str) -> None:
    with pytest.raises(FixtureFormatError):
        rule_fixtures.parse(header + "apiVersion: aipolicy/v1\n", Path("m.yaml"))


def _fixture(expect: list[tuple] = (), expect_not: tuple[str, ...] = ()) -> RuleFixture:
    return RuleFixture(Path("m.yaml"), tuple(Expectation(*e) for e in expect), tuple(expect_not))


def test_mismatches_reports_a_finding_with_another_severity_than_stated() -> None:
    # A severity-per-stage change is caught by the fixtures, not only by the spec's table.
    assert _fixture([("AIP-A-1", 3, "error")]).mismatches([_finding("AIP-A-1", 3)]) == []
    problems = _fixture([("AIP-A-1", 3, "warning")]).mismatches([_finding("AIP-A-1", 3)])
    assert problems == ["expected AIP-A-1 @ 3 warning, produced as error"]


def test_mismatches_judge_a_folded_rule_by_its_own_severity() -> None:
    shown = _finding("AIP-A-1", 3)._replace(folded=(_finding("AIP-B-1", 3)._replace(severity=Severity.WARNING),))
    assert _fixture([("AIP-A-1", 3, "error"), ("AIP-B-1", 3, "warning")]).mismatches([shown]) == []
    assert _fixture([("AIP-B-1", 3, "error")]).mismatches([shown]) == [
        "expected AIP-B-1 @ 3 error, produced as warning"
    ]


def test_mismatches_is_empty_when_findings_match() -> None:
    fixture = _fixture([("AIP-A-1", 3), ("AIP-A-1", 7)], ("AIP-B-1",))
    assert fixture.mismatches([_finding("AIP-A-1", 3), _finding("AIP-A-1", 7), _finding("AIP-A-1", 7)]) == []


def test_mismatches_reports_an_expected_finding_at_another_line() -> None:
    fixture = _fixture([("AIP-A-1", 3)])
    problems = fixture.mismatches([_finding("AIP-A-1", 4)])
    assert len(problems) == 2  # the expected line is missing and line 4 is extra
    assert "AIP-A-1 @ 3" in problems[0] and "AIP-A-1 @ 4" in problems[1]


def test_mismatches_reports_a_rule_that_should_stay_silent() -> None:
    assert _fixture(expect_not=("AIP-B-1",)).mismatches([_finding("AIP-B-1", 9)]) != []


def test_mismatches_ignores_suppressed_findings() -> None:
    fixture = _fixture([("AIP-A-1", 3)], ("AIP-B-1",))
    assert fixture.mismatches([_finding("AIP-A-1", 3, suppressed=True), _finding("AIP-B-1", 9, suppressed=True)]) == [
        "expected AIP-A-1 @ 3, not produced (that rule fired at lines none)"
    ]


def test_strict_mismatches_report_rules_the_fixture_does_not_name() -> None:
    fixture = _fixture([("AIP-A-1", 3)])
    findings = [_finding("AIP-A-1", 3), _finding("AIP-C-1", 5)]
    assert fixture.mismatches(findings) == []
    assert len(fixture.mismatches(findings, strict=True)) == 1


def test_run_applies_stage_and_today_from_the_fixture(tmp_path: Path) -> None:
    manifest = (FIXTURES / "AIP-MON-005" / "pass-pilot-not-checked.yaml").read_text(encoding="utf-8")
    body = "".join(line for line in manifest.splitlines(keepends=True) if not line.startswith("#"))
    path = tmp_path / "m.yaml"
    path.write_text("# expect-not: AIP-MON-005\n# stage: production\n# today: 2026-12-01\n" + body, encoding="utf-8")
    fixture = rule_fixtures.load(path)
    result = fixture.run(REPO)
    assert result.stage == "production"
    assert "AIP-MON-005" in {f.rule for f in result.findings}


def test_months_added_land_on_the_same_day_or_the_shorter_months_last_as_the_calendar_says() -> None:
    # checker.checks.rules._add_months (review cadences in months) works a month's length out
    # itself; it must agree with the calendar for every month, leap Februaries and December included.
    import calendar
    import datetime

    from checker.checks.rules import _add_months

    for start in (datetime.date(2023, 1, 31), datetime.date(2024, 1, 29), datetime.date(2099, 3, 30)):
        for months in range(-14, 30):
            index = start.month - 1 + months
            year, month = start.year + index // 12, index % 12 + 1
            last = calendar.monthrange(year, month)[1]
            assert _add_months(start, months) == datetime.date(year, month, min(start.day, last)), (start, months)
    assert _add_months(datetime.date(9999, 11, 30), 1) == datetime.date(9999, 12, 30)
    assert _add_months(datetime.date(9999, 12, 31), 1) == datetime.date.max
