"""The machine-readable formats: SARIF, GitHub workflow commands, JUnit, several outputs in one run."""

from __future__ import annotations

import datetime
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli, main
from checker.findings import Report
from checker.options import Options

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SARIF_SCHEMA = SHARED / "conformance" / "sarif" / "sarif-schema-2.1.0.json"
TODAY = "2026-11-26"


def _shared_or_skip(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, and CI is set: the conformance data must be there")
        pytest.skip(f"{path} not present (shared conformance data)")
    return path


def _run(args: list[str], monkeypatch, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout


HOSTILE = """\
apiVersion: aipolicy/v1
system:
  id: hostile-bot
  name: "x\\n::error file=evil.py,line=1::forged"
  description: "100%0A::warning::forged, with, commas"
  type: llm_app
stage: production
owners:
  technical: {name: "##[error]forged", contact: "::set-output name=x::y"}
  business: {name: "%0A::notice::forged", contact: "a,b:c@acme-corp.io"}
rollbak: "::error::forged\\r\\n::error::again"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sarif_from_every_example_validates_against_the_official_schema(monkeypatch):
    import jsonschema

    schema = json.loads(_shared_or_skip(SARIF_SCHEMA).read_text(encoding="utf-8"))
    code, out = _run(["check", "examples", "--format", "sarif", "--today", TODAY], monkeypatch, REPO)
    assert code == 1
    sarif = json.loads(out)
    # draft-04 schema with no remote $refs: validated offline.
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(sarif))
    assert errors == [], [e.message for e in errors[:3]]
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and "$schema" in sarif
    driver = run["tool"]["driver"]
    assert driver["name"] == "aipolicy" and driver["version"] and driver["informationUri"].startswith("https://")
    from checker.policy import load_builtin

    assert [r["id"] for r in driver["rules"]] == list(load_builtin().rules)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["tags"]
    assert run["results"], "the failing examples must produce results"
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")  # repository-relative
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        assert result["partialFingerprints"]
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_marks_waived_findings_as_suppressed_with_the_reason(tmp_path, monkeypatch):
    text = (REPO / "examples/failing/demand-forecast.ai-production.yaml").read_text(encoding="utf-8")
    text += """
waivers:
  - rule: AIP-DATA-001
    reason: Vendor feed is manual until the API contract lands (DATA-512).
    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}
    expires: 2027-02-01
"""
    _write(tmp_path, "ai-production.yaml", text)
    code, out = _run(["check", "--format", "sarif", "--today", TODAY, "--ignore", "AIP-REF-001"], monkeypatch, tmp_path)
    results = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "AIP-DATA-001"]
    assert results and all(r["suppressions"][0]["justification"].startswith("Vendor feed") for r in results)
    assert code == 0  # the only error is waived


def test_github_output_lines_starting_with_double_colon_are_exactly_the_intended_commands(tmp_path, monkeypatch):
    _write(tmp_path, "evil::name,with%0Acommas.ai-production.yaml", HOSTILE)
    code, out = _run(["check", ".", "--format", "github", "--today", TODAY], monkeypatch, tmp_path)
    assert code == 1
    lines = out.split("\n")
    commands = [line for line in lines if line.startswith("::")]
    stop = [line for line in commands if line.startswith("::stop-commands::")]
    assert len(stop) == 1
    token = stop[0].split("::")[2]
    assert f"::{token}::" in commands
    annotations = [c for c in commands if c not in (stop[0], f"::{token}::")]
    pattern = re.compile(r"^::(error|warning|notice) ((?:[A-Za-z]+=[^,:\r\n]*)(?:,[A-Za-z]+=[^,:\r\n]*)*)::[^\r\n]*$")
    for command in annotations:
        m = pattern.match(command)
        assert m, command
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        assert set(props) <= {"file", "line", "col", "endLine", "endColumn", "title"}
    # Everything between stop-commands and the resume token is inert text.
    start, end = lines.index(stop[0]), lines.index(f"::{token}::")
    assert annotations == [line for line in lines[:start] if line]
    assert all(not line.startswith("::") for line in lines[start + 1 : end])
    # The forged file name survives only in escaped form, in every annotation on that file.
    on_files = [c for c in annotations if " file=" in c]
    assert on_files and all(" file=evil%3A%3Aname%2Cwith%250Acommas.ai-production.yaml," in c for c in on_files)
    assert all(c.startswith("::notice title=aipolicy::") for c in annotations if c not in on_files)


def test_github_output_caps_annotations_at_ten_per_level_most_severe_first(tmp_path, monkeypatch):
    manifest = (
        "apiVersion: aipolicy/v1\nsystem: {id: many-errors, name: N, description: D, type: other}\nstage: production\n"
    )
    for i in range(15):
        _write(tmp_path, f"m{i:02d}/ai-production.yaml", manifest + f"unknown_{i}: 1\n")
    code, out = _run(["check", ".", "--format", "github", "--today", TODAY], monkeypatch, tmp_path)
    commands = [line for line in out.split("\n") if line.startswith("::") and not line.startswith("::stop-commands")]
    errors = [c for c in commands if c.startswith("::error ")]
    assert len(errors) == 10
    assert commands.index(errors[-1]) < min(
        (commands.index(c) for c in commands if c.startswith("::warning ")), default=10**9
    )
    more = [c for c in commands if c.startswith("::notice title=aipolicy::")]
    assert len(more) == 1 and re.search(r"::(\d+) more findings", more[0])
    total = sum(1 for line in out.split("\n") if re.match(r"^m\d\d/ai-production\.yaml:\d+:\d+: ", line))
    assert int(re.search(r"::(\d+) more", more[0]).group(1)) == total - len(
        [c for c in commands if re.match(r"::(error|warning|notice) file=", c)]
    )


def test_github_format_is_the_default_under_github_actions_and_writes_the_step_summary(tmp_path, monkeypatch):
    _write(tmp_path, "repo/ai-production.yaml", HOSTILE)
    summary = tmp_path / "summary.md"
    code, out = _run(
        ["check", "repo", "--today", TODAY],
        monkeypatch,
        tmp_path,
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert code == 1
    assert out.startswith("::error ")
    text = summary.read_text(encoding="utf-8")
    assert "## aipolicy" in text and "hostile-bot" in text and "| severity | rule | line | message |" in text
    # No raw HTML or table-breaking pipes from manifest content.
    assert "<" not in text.split("## aipolicy", 1)[1].replace("&lt;", "")


def test_github_step_summary_is_truncated_below_the_one_mebibyte_limit(tmp_path):
    from checker.findings import Finding, ManifestResult, Report, Severity, Span
    from checker.policy import load_builtin
    from checker.report import RenderContext
    from checker.report.github import SUMMARY_LIMIT, summary_markdown

    report = Report()
    for i in range(3000):
        result = ManifestResult(path=f"m{i}/ai-production.yaml", system_id=f"sys-{i}", stage="production")
        result.findings = [Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(1, 1, 1, 2), "x" * 400)]
        report.results.append(result)
    text = summary_markdown(report, RenderContext(policy=load_builtin(), version="t"))
    assert len(text.encode("utf-8")) < SUMMARY_LIMIT + 1024 < 1024 * 1024
    assert "truncated" in text


def test_junit_has_a_suite_per_manifest_and_a_case_per_rule_evaluated(monkeypatch):
    code, out = _run(["check", "examples", "--format", "junit", "--today", TODAY], monkeypatch, REPO)
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == len(list((REPO / "examples").rglob("*ai-production.yaml")))
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) > 0
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert suite.get("errors") == "0" and suite.get("name")
        for case in cases:
            assert case.get("classname") and case.get("name") and case.get("file")
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message") and failure.get("type") in ("error", "warning")
                assert re.search(r":\d+:\d+: ", failure.text)
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites) > 0
    by_name = {s.get("name"): s for s in suites}
    forecast = next(s for n, s in by_name.items() if "demand-forecast" in n)
    failing = [c.get("name") for c in forecast.findall("testcase") if c.find("failure") is not None]
    assert failing == ["AIP-DATA-001 data-automated"]


def test_junit_survives_control_characters_in_manifest_content(tmp_path, monkeypatch):
    _write(
        tmp_path,
        "ai-production.yaml",
        'apiVersion: aipolicy/v1\nsystem: {id: ctl, name: "a\\x01b", description: d, type: other}\nstage: pilot\nbogus\x7f: 1\n',
    )
    code, out = _run(["check", ".", "--format", "junit", "--today", TODAY], monkeypatch, tmp_path)
    root = ET.fromstring(out)  # well-formed XML 1.0
    assert code == 1
    text = " ".join(filter(None, (e.text for e in root.iter()))) + " ".join(
        v for e in root.iter() for v in e.attrib.values()
    )
    assert "\x01" not in text and "\x7f" not in out  # no raw control character reaches the XML
    failures = [f.get("message", "") + (f.text or "") for f in root.iter("failure")]
    # The raw DEL makes the YAML invalid: reported with its position and shown as U+007F, not dropped.
    assert any("U+007F" in m and ":4:6:" in m for m in failures), failures


def test_several_format_output_pairs_in_one_run(tmp_path, monkeypatch):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    code, out = _run(
        [
            "check",
            "examples/failing/demand-forecast.ai-production.yaml",
            "--today",
            TODAY,
            "--format",
            "sarif",
            "--output",
            str(sarif),
            "--format",
            "junit",
            "--output",
            str(junit),
            "--format",
            "text",
        ],
        monkeypatch,
        REPO,
    )
    assert code == 1
    assert "AIP-DATA-001" in out and not out.lstrip().startswith("{")
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert ET.fromstring(junit.read_text(encoding="utf-8")).tag == "testsuites"


def test_two_formats_for_stdout_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["check", "examples", "--format", "json", "--format", "sarif"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--output" in err


def test_sarif_uris_are_percent_encoded(tmp_path, monkeypatch):
    _write(tmp_path, "my models/#1 100%.ai-production.yaml", HOSTILE)
    code, out = _run(["check", ".", "--format", "sarif", "--today", TODAY], monkeypatch, tmp_path)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"my%20models/%231%20100%25.ai-production.yaml"}


def test_junit_lists_the_yaml_rule_whether_or_not_git_facts_were_gathered(tmp_path, monkeypatch):
    import subprocess

    text = (REPO / "examples/failing/recruiting-screener.ai-production.yaml").read_text(encoding="utf-8")
    for folder in ("plain", "repo"):
        _write(tmp_path / folder, "ai-production.yaml", text)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    names = {}
    for folder in ("plain", "repo"):
        code, out = _run(["check", "--format", "junit", "--today", TODAY], monkeypatch, tmp_path / folder)
        names[folder] = {c.get("name") for c in ET.fromstring(out).iter("testcase")}
    assert "AIP-SCH-002 yaml-syntax" in names["plain"] and "AIP-SCH-002 yaml-syntax" in names["repo"]


def test_job_summary_lists_the_deadlines_within_the_window() -> None:
    from checker import engine
    from checker.findings import Report
    from checker.policy import load_builtin
    from checker.report import RenderContext
    from checker.report.github import summary_markdown

    fixture = Path(__file__).parent / "fixtures" / "rules" / "AIP-DUE-001" / "fail-accuracy-due-soon.yaml"
    result = engine.check_file(
        fixture, "svc/ai-production.yaml", Options(today=datetime.date(2026, 11, 26), root=fixture.parent)
    )
    text = summary_markdown(Report([result]), RenderContext(policy=load_builtin(), version="t", warn_within=14))
    assert "### Deadlines within 14 days" in text
    assert "AIP-MON-005 will fail from then" in text.split("### Deadlines within 14 days")[1]


def _synthetic(counts: dict) -> Report:
    from checker.findings import Finding, ManifestResult, Span

    report = Report()
    result = ManifestResult(path="ai-production.yaml", system_id="s", stage="production")
    line = 1
    for severity, n in counts.items():
        for _ in range(n):
            result.findings.append(
                Finding("AIP-SCH-001", "schema", severity, result.path, Span(line, 1, line, 2), f"m {line} 100%")
            )
            line += 1
    report.results.append(result)
    return report


@pytest.mark.parametrize(
    ("errors", "warnings", "notes"), [(12, 12, 12), (10, 10, 9), (10, 10, 10), (0, 0, 11), (3, 11, 0)]
)
def test_github_annotations_are_capped_per_level_with_room_for_the_notice_that_counts_the_rest(errors, warnings, notes):
    from checker.findings import Severity
    from checker.policy import load_builtin
    from checker.report import RenderContext
    from checker.report.github import render as github

    out = github(
        _synthetic({Severity.ERROR: errors, Severity.WARNING: warnings, Severity.NOTE: notes}),
        RenderContext(policy=load_builtin(), version="t"),
    )
    lines = out.split("\n")
    shown = {
        level: sum(1 for line in lines if line.startswith(f"::{level} file="))
        for level in ("error", "warning", "notice")
    }
    assert shown == {"error": min(errors, 10), "warning": min(warnings, 10), "notice": min(notes, 9)}
    hidden = errors + warnings + notes - sum(shown.values())
    more = [line for line in lines if line.startswith("::notice title=aipolicy::")]
    if hidden:
        assert len(more) == 1 and more[0].startswith(f"::notice title=aipolicy::{hidden} more findings")
    else:
        assert more == []
    assert shown["notice"] + len(more) <= 10  # GitHub's 10 per level, the counting notice included
    # Every message's `%` reaches GitHub escaped, so `100%` cannot be read as an escape.
    assert all(line.endswith("100%25") for line in lines if re.match(r"::(error|warning|notice) file=", line))


def test_github_step_summary_that_fits_says_nothing_about_truncation():
    from checker.findings import Severity
    from checker.policy import load_builtin
    from checker.report import RenderContext
    from checker.report.github import summary_markdown

    text = summary_markdown(_synthetic({Severity.ERROR: 3}), RenderContext(policy=load_builtin(), version="t"))
    assert "truncated" not in text and text.count("m 1 100%") == 1
