"""The CI formats beyond GitHub: GitLab Code Quality, reviewdog rdjson, Azure Pipelines logging
commands; each against its consumer's published schema or parsing rules, with hostile content,
and the documented GitLab CI job run line by line."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO, require_shared, subprocess_env

from checker.cli import cli
from checker.findings import Finding, ManifestResult, Report, Severity, Span
from checker.policy import load_builtin
from checker.report import RenderContext

TODAY = "2026-11-26"
FORECAST = REPO / "examples" / "failing" / "demand-forecast.ai-production.yaml"
CI_JOB = REPO / "ci" / "gitlab-code-quality.yml"
WAIVER = """
waivers:
  - rule: AIP-DATA-001
    reason: Vendor feed is manual until the API contract lands (DATA-512).
    approved_by: {name: Marta Kowalski, contact: marta.kowalski@acme-corp.io}
    expires: 2027-02-01
"""
# Manifest content aimed at each format's syntax: newlines, `]`, `;`, `%`, Azure's own
# escapes, `##vso[` and `##[`, ESC and a right-to-left override; all of it reaches messages.
HOSTILE = """\
apiVersion: aipolicy/v1
system:
  id: hostile-bot
  name: "x\\n##vso[task.setvariable variable=pwned]1"
  description: "100%AZP25 %3B %5D ]; ##[error]forged"
  type: llm_app
stage: "prod\\r\\n##vso[task.complete result=Failed]x;\\u202e\\x1b[31m"
"##vso[task.setvariable variable=x]y;]%0A\\u2066": 1
"""
HOSTILE_FILE = "evil;x]y%25 ##vso[task.complete result=Failed].ai-production.yaml"
HOSTILE_DIR = "dir\nname\u202e\x1b"
_RAW_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _check(folder: Path, monkeypatch, fmt: str, *extra: str) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    result = CliRunner().invoke(cli, ["check", ".", "--format", fmt, "--today", TODAY, *extra], catch_exceptions=False)
    return result.exit_code, result.stdout


def _hostile_repo(tmp_path: Path) -> Path:
    (tmp_path / HOSTILE_FILE).write_text(HOSTILE, encoding="utf-8")
    try:
        (tmp_path / HOSTILE_DIR).mkdir()
    except OSError:
        pytest.skip("this file system refuses control characters in names")
    (tmp_path / HOSTILE_DIR / "ai-production.yaml").write_text(HOSTILE, encoding="utf-8")
    return tmp_path


def _waived_repo(tmp_path: Path) -> Path:
    (tmp_path / "ai-production.yaml").write_text(FORECAST.read_text(encoding="utf-8") + WAIVER, encoding="utf-8")
    return tmp_path


def _validator(*parts: str):
    """A validator for a shipped schema: offline, with a registry that retrieves nothing."""
    import jsonschema
    from referencing import Registry

    schema = json.loads(require_shared("conformance", *parts).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=Registry())


# -- GitLab Code Quality ---------------------------------------------------------------------------


def _assert_gitlab_report(text: str, root: Path) -> list[dict]:
    assert not text.startswith("\ufeff")
    report = json.loads(text)
    documented = _validator("gitlab-codequality", "report.documented-fields.schema.json")
    entry_schema = _validator("gitlab-codequality", "codeclimate.json")
    assert [e.message for e in documented.iter_errors(report)] == []
    for entry in report:
        # GitLab stops at the first entry its own schema rejects: every entry must pass.
        assert [e.message for e in entry_schema.iter_errors(entry)] == []
        assert "\n" not in entry["description"] and not _RAW_UNSAFE.search(entry["description"])
        assert not entry["location"]["path"].startswith("/") and (root / entry["location"]["path"]).is_file()
    fingerprints = [e["fingerprint"] for e in report]
    assert len(set(fingerprints)) == len(fingerprints), "GitLab collapses entries with one fingerprint"
    return report


def test_gitlab_report_from_the_examples_meets_gitlabs_schema_and_documented_rules(monkeypatch):
    code, out = _check(REPO / "examples", monkeypatch, "gitlab")
    report = _assert_gitlab_report(out, REPO)  # paths relative to the repository, not the current folder
    assert code == 1 and report
    assert {e["severity"] for e in report} <= {"major", "minor", "info"}
    assert {"major", "info"} <= {e["severity"] for e in report}


def test_gitlab_severity_is_major_minor_info_for_error_warning_note(monkeypatch):
    _, out = _check(REPO / "examples", monkeypatch, "gitlab")
    _, plain = _check(REPO / "examples", monkeypatch, "json")
    active = [f for f in json.loads(plain)["findings"] if not f["suppressed"]]
    entries = json.loads(out)
    assert [e["check_name"] for e in entries] == [f["rule"] for f in active]
    pairs = {(f["severity"], e["severity"]) for f, e in zip(active, entries)}
    assert pairs <= {("error", "major"), ("warning", "minor"), ("note", "info")}
    assert {"error", "note"} <= {f for f, _ in pairs}
    from checker.report import gitlab

    result = ManifestResult(path="svc/ai-production.yaml")
    result.findings = [
        Finding("AIP-OWN-004", "owner-person", severity, result.path, Span(1, 1, 1, 2), "m", f"$.{severity.label}")
        for severity in (Severity.WARNING, Severity.ERROR, Severity.NOTE)
    ]
    report = gitlab.as_list(Report([result]), RenderContext(policy=load_builtin(), version="t"))
    assert [e["severity"] for e in report] == ["minor", "major", "info"]


def test_gitlab_paths_are_repository_relative_from_a_subfolder(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "svc").mkdir()
    shutil.copy(FORECAST, tmp_path / "svc" / "ai-production.yaml")
    code, out = _check(tmp_path / "svc", monkeypatch, "gitlab")
    report = json.loads(out)
    assert report and {e["location"]["path"] for e in report} == {"svc/ai-production.yaml"}


def test_gitlab_fingerprints_match_sarif_and_survive_message_and_line_changes(tmp_path, monkeypatch):
    text = (REPO / "examples" / "failing" / "broken-schema.ai-production.yaml").read_text(encoding="utf-8")
    for name, body in (("a", text), ("b", "# moved\n" + text.replace("threshold: high 0.85", "threshold: high 0.9"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ai-production.yaml").write_text(body, encoding="utf-8")
    _, before = _check(tmp_path / "a", monkeypatch, "gitlab")
    _, after = _check(tmp_path / "b", monkeypatch, "gitlab")
    _, sarif = _check(tmp_path / "a", monkeypatch, "sarif")
    old = {e["fingerprint"]: e for e in json.loads(before)}
    new = {e["fingerprint"]: e for e in json.loads(after)}
    assert old and set(old) == set(new)
    assert any(old[fp]["description"] != new[fp]["description"] for fp in old)
    assert all(new[fp]["location"]["lines"]["begin"] == old[fp]["location"]["lines"]["begin"] + 1 for fp in old)
    shared = {v for r in json.loads(sarif)["runs"][0]["results"] for v in r["partialFingerprints"].values()}
    assert set(old) == shared


def test_gitlab_fingerprints_are_unique_for_findings_of_one_rule_at_one_node():
    from checker.report import gitlab

    result = ManifestResult(path="svc/ai-production.yaml")
    result.findings = [
        Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(3, 1, 3, 4), m, "$.x")
        for m in ("first", "second", "first")
    ]
    report = gitlab.as_list(Report([result]), RenderContext(policy=load_builtin(), version="t"))
    assert len({e["fingerprint"] for e in report}) == 3


def test_gitlab_survives_hostile_content_and_file_names(tmp_path, monkeypatch):
    root = _hostile_repo(tmp_path)
    code, out = _check(root, monkeypatch, "gitlab")
    assert code == 1 and out.isascii()
    report = _assert_gitlab_report(out, root)
    assert {e["location"]["path"] for e in report} == {HOSTILE_FILE, f"{HOSTILE_DIR}/ai-production.yaml"}
    # shown, as text; its `[` as %5B, since any line holding `##vso[` is a command to an Azure agent
    assert any("##vso%5Btask.setvariable" in e["description"] for e in report)


# -- reviewdog rdjson -----------------------------------------------------------------------------


def _assert_rdjson(text: str, cwd: Path) -> dict:
    result = json.loads(text)
    assert [e.message for e in _validator("reviewdog", "DiagnosticResult.json").iter_errors(result)] == []
    # What the schemas leave open and reviewdog.proto fixes (see the folder's README).
    assert result["source"]["name"] == "aipolicy"
    for d in result["diagnostics"]:
        assert isinstance(d["message"], str) and d["message"] and "\n" not in d["message"]
        assert d["severity"] in ("ERROR", "WARNING", "INFO")
        start, end = d["location"]["range"]["start"], d["location"]["range"]["end"]
        assert isinstance(start["line"], int) and start["line"] >= 1 and end["line"] >= start["line"]
        assert ("column" in start) == ("column" in end)
        if "column" in start:
            assert start["column"] >= 1 and (end["line"] > start["line"] or end["column"] >= start["column"])
        assert d["code"]["value"] and d["code"]["url"].startswith("https://")
        assert (cwd / d["location"]["path"]).is_file()
    return result


def test_rdjson_from_the_examples_validates_against_reviewdogs_schema(monkeypatch):
    code, out = _check(REPO / "examples", monkeypatch, "rdjson")
    result = _assert_rdjson(out, REPO / "examples")
    assert code == 1 and result["diagnostics"]
    _, sarif = _check(REPO / "examples", monkeypatch, "sarif")
    help_uris = {r["id"]: r["helpUri"] for r in json.loads(sarif)["runs"][0]["tool"]["driver"]["rules"]}
    assert all(d["code"]["url"] == help_uris[d["code"]["value"]] for d in result["diagnostics"])


def test_rdjson_columns_count_utf8_bytes(tmp_path, monkeypatch):
    line = 'system: {id: zoe, name: "Prévision – Zoë 李娜", description: d, type: other, colour: blue}'
    (tmp_path / "ai-production.yaml").write_text(
        f"apiVersion: aipolicy/v1\n{line}\nstage: exploration\n", encoding="utf-8"
    )
    _, out = _check(tmp_path, monkeypatch, "rdjson")
    _assert_rdjson(out, tmp_path)
    (d,) = [d for d in json.loads(out)["diagnostics"] if "colour" in d["message"]]
    start = d["location"]["range"]["start"]
    assert start["line"] == 2
    assert line.encode("utf-8")[start["column"] - 1 :].startswith(b"colour")
    assert start["column"] > line.index("colour") + 1  # bytes, not characters


def test_rdjson_byte_columns_are_computed_from_the_line(tmp_path, monkeypatch):
    from checker.report import rdjson

    line = '  name: "Zoë – ü", owner: 李娜'
    (tmp_path / "m.yaml").write_text("a: 1\n" + line + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    column = line.index("owner") + 1  # characters, 1-based
    result = ManifestResult(path="m.yaml")
    result.findings = [
        Finding("AIP-SCH-001", "schema", Severity.ERROR, "m.yaml", Span(2, column, 2, len(line) + 1), "m")
    ]
    (d,) = rdjson.as_dict(Report([result]), RenderContext(policy=load_builtin(), version="t"))["diagnostics"]
    raw = line.encode("utf-8")
    start, end = d["location"]["range"]["start"]["column"], d["location"]["range"]["end"]["column"]
    assert raw[start - 1 : end - 1].decode("utf-8") == "owner: 李娜"
    assert start != column


def test_rdjson_gives_whole_lines_when_the_file_cannot_be_read_again(tmp_path, monkeypatch):
    from checker.report import rdjson

    monkeypatch.chdir(tmp_path)
    result = ManifestResult(path="gone/ai-production.yaml")
    result.findings = [Finding("AIP-SCH-001", "schema", Severity.WARNING, result.path, Span(4, 7, 5, 2), "m")]
    (d,) = rdjson.as_dict(Report([result]), RenderContext(policy=load_builtin(), version="t"))["diagnostics"]
    assert d["location"]["range"] == {"start": {"line": 4}, "end": {"line": 5}}
    assert d["severity"] == "WARNING"


def test_rdjson_survives_hostile_content_and_file_names(tmp_path, monkeypatch):
    root = _hostile_repo(tmp_path)
    code, out = _check(root, monkeypatch, "rdjson")
    assert out.isascii()
    result = _assert_rdjson(out, root)
    assert {d["location"]["path"] for d in result["diagnostics"]} == {HOSTILE_FILE, f"{HOSTILE_DIR}/ai-production.yaml"}
    assert all(not _RAW_UNSAFE.search(d["message"]) for d in result["diagnostics"])


# -- Azure Pipelines ------------------------------------------------------------------------------


def _agent_unescape(value: str) -> str:
    """The agent's order (CommandStringConvertor.Unescape): the four tokens, then %AZP25."""
    for token, char in (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]")):
        value = value.replace(token, char)
    return value.replace("%AZP25", "%")


def _agent_parse(line: str) -> tuple[str, dict[str, str], str] | None:
    """A line as the agent reads it: the first `##vso[` anywhere, then the first `]`."""
    start = line.find("##vso[")
    if start < 0:
        return None
    end = line.index("]", start)
    head, data = line[start + len("##vso[") : end], line[end + 1 :]
    command, _, props = head.partition(" ")
    pairs = dict(p.split("=", 1) for p in props.split(";") if p)
    return command, {k: _agent_unescape(v) for k, v in pairs.items()}, _agent_unescape(data)


def _assert_azure(out: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    assert not _RAW_UNSAFE.search(out) and "\r" not in out
    for line in out.splitlines():
        parsed = _agent_parse(line)
        if line.startswith("##vso[task.logissue "):
            assert parsed is not None and parsed[0] == "task.logissue"
            assert set(parsed[1]) == {"type", "sourcepath", "linenumber", "columnnumber", "code"}
            assert parsed[1]["type"] in ("error", "warning")
            assert parsed[1]["linenumber"].isdigit() and parsed[1]["columnnumber"].isdigit()
            commands.append(parsed)
        else:
            # Plain text: nothing the agent or the log viewer reads as a command.
            assert line.startswith("aipolicy: ") and parsed is None and "##[" not in line, line
    return commands


def test_azure_lines_are_exactly_the_intended_commands_with_hostile_content_and_names(tmp_path, monkeypatch):
    root = _hostile_repo(tmp_path)
    code, out = _check(root, monkeypatch, "azure")
    assert code == 1
    commands = _assert_azure(out)
    assert len(commands) == 4
    # Properties come back exactly as written, so the file links to itself ...
    assert {c[1]["sourcepath"] for c in commands} == {HOSTILE_FILE, "dir\nname\\u202e\\x1b/ai-production.yaml"}
    assert {c[1]["code"] for c in commands} == {"AIP-SCH-001"}
    # ... and the message keeps the hostile text, with controls shown as text.
    messages = " ".join(c[2] for c in commands)
    assert "##vso%5Btask.setvariable variable=x]y;]%0A\\u2066" in messages  # the manifest's text, shown as text
    assert "\\u202e\\x1b[31m" in messages


@pytest.mark.parametrize("value", ["a;b]c", "100%", "%AZP25", "%3B%5D%0A%0D", "x\r\ny", "%AZP253B", "]]];;;"])
def test_azure_property_escaping_is_undone_exactly_by_the_agent(value):
    from checker.report.azure import escape_data, escape_property

    assert _agent_unescape(escape_property(value)) == value
    assert _agent_unescape(escape_data(value)) == value
    assert ";" not in escape_property(value) and "]" not in escape_property(value)
    assert "\n" not in escape_data(value) and "\r" not in escape_data(value)


def test_azure_logissue_of_any_text_parses_back_to_that_text_shown_safely():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from checker.report.azure import logissue
    from checker.textsafe import printable

    alphabet = st.sampled_from(list(";]%[#vso\r\n\x1b\u202e\u2066\x00 aé李") + ["%AZP25", "%3B", "##vso[", "%0A"])
    text = st.lists(alphabet, max_size=30).map("".join)

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(path=text, message=text)
    def check(path: str, message: str) -> None:
        f = Finding("AIP-SCH-001", "schema", Severity.ERROR, f"{path}.yaml", Span(3, 4, 3, 9), message)
        line = logissue(f, "")
        assert "\n" not in line and "\r" not in line and not _RAW_UNSAFE.search(line)
        command, props, data = _agent_parse(line)
        assert command == "task.logissue" and line.startswith("##vso[task.logissue ")
        assert props["sourcepath"] == printable(f"{path}.yaml", keep="\r\n", commands=True)
        assert (props["linenumber"], props["columnnumber"], props["code"]) == ("3", "4", "AIP-SCH-001")
        assert data == printable(f"AIP-SCH-001 schema: {message}", keep="\r\n", commands=True)

    check()


def test_azure_notes_are_plain_lines_and_errors_and_warnings_are_issues(monkeypatch):
    code, out = _check(REPO / "examples", monkeypatch, "azure")
    commands = _assert_azure(out)
    assert code == 1 and commands
    notes = [line for line in out.splitlines() if re.match(r"aipolicy: \S+:\d+:\d+: note AIP-", line)]
    assert notes, "the examples carry deadline notes"
    assert out.splitlines()[-1].startswith("aipolicy: 11 manifests: ")
    _, text = _check(REPO / "examples", monkeypatch, "text")
    errors = len(re.findall(r"^\S+:\d+:\d+: error ", text, re.M))
    assert sum(1 for c in commands if c[1]["type"] == "error") == errors


def test_azure_notes_cannot_start_a_command(tmp_path):
    from checker.report import azure

    result = ManifestResult(path="##vso[x]/ai-production.yaml")
    result.findings = [
        Finding("AIP-DUE-001", "deadline-soon", Severity.NOTE, result.path, Span(), "##[error]x ##VSO[task.complete]")
    ]
    out = azure.render(Report([result]), RenderContext(policy=load_builtin(), version="t", quiet=True))
    (line,) = out.splitlines()
    assert "##vso[" not in line.lower() and "##[" not in line and line.startswith("aipolicy: ")
    assert line.count("%5B") == 3  # each shown, not dropped


# -- suppressed findings ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gitlab", "rdjson", "azure"])
def test_waived_findings_are_left_out(tmp_path, monkeypatch, fmt):
    root = _waived_repo(tmp_path)
    _, text = _check(root, monkeypatch, "text", "--ignore", "AIP-REF-001")
    _, out = _check(root, monkeypatch, fmt, "--ignore", "AIP-REF-001")
    _, plain = _check(root, monkeypatch, "json", "--ignore", "AIP-REF-001")
    findings = json.loads(plain)["findings"]
    assert any(f["suppressed"] and f["rule"] == "AIP-DATA-001" for f in findings)
    active = [f for f in findings if not f["suppressed"]]
    assert "AIP-DATA-001" not in out.replace("AIP-DATA-001 data-automated is waived", "")
    if fmt == "gitlab":
        assert len(json.loads(out)) == len(active)
    elif fmt == "rdjson":
        assert len(json.loads(out)["diagnostics"]) == len(active)
    else:
        assert len(out.splitlines()) - 1 == len(active) and out.splitlines()[-1].endswith(" 1 suppressed")


@pytest.mark.parametrize("fmt", ["gitlab", "rdjson", "azure"])
def test_baselined_findings_are_left_out(fmt):
    from checker.report import render

    result = ManifestResult(path="svc/ai-production.yaml")
    result.findings = [
        Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(1, 1, 1, 2), "kept", "$.a"),
        Finding(
            "AIP-SCH-001",
            "schema",
            Severity.ERROR,
            result.path,
            Span(2, 1, 2, 2),
            "in the baseline",
            "$.b",
            suppressed_by=".aipolicy-baseline.json",
            suppression="baseline",
        ),
    ]
    out = render(fmt, Report([result]), RenderContext(policy=load_builtin(), version="t", quiet=True))
    assert "kept" in out and "in the baseline" not in out


# -- the GitLab CI job -----------------------------------------------------------------------------


def _job() -> tuple[str, dict]:
    config = yaml.safe_load(CI_JOB.read_text(encoding="utf-8"))
    ((name, job),) = config.items()
    return name, job


def test_gitlab_ci_job_uploads_the_report_its_script_writes_even_when_the_check_fails():
    from checker import HOMEPAGE, __version__

    _, job = _job()
    assert job["artifacts"]["when"] == "always"
    report = job["artifacts"]["reports"]["codequality"]
    (line,) = [s for s in job["script"] if s.startswith("aipolicy check")]
    assert f"--format gitlab --output {report}" in line
    (install,) = job["before_script"]
    assert f"git+{HOMEPAGE}@v{__version__}" in install  # pinned to the release


def test_gitlab_ci_job_image_has_git_and_the_clone_has_full_history():
    # pip installs from git and the git rules run git: the -slim images have no git.
    _, job = _job()
    assert job["image"].startswith("python:3.") and "slim" not in job["image"] and "alpine" not in job["image"]
    assert str(job["variables"]["GIT_DEPTH"]) == "0"  # GitLab's default shallow clone cuts the history off


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("manifest,expected", [("failing", 1), ("passing", 0)])
def test_gitlab_ci_job_script_lines_write_a_valid_code_quality_report(tmp_path, manifest, expected):
    _, job = _job()
    work = tmp_path / "project"
    work.mkdir()
    source = FORECAST if manifest == "failing" else REPO / "examples" / "exploration" / "ai-production.yaml"
    (work / "svc").mkdir()
    shutil.copy(source, work / "svc" / "ai-production.yaml")
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    # `aipolicy` on PATH is this checkout, as the job's before_script installs it.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "aipolicy"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m checker "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = subprocess_env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    code = 0
    for line in job["script"]:  # as the runner does: one shell line at a time, stopping at a failure
        proc = subprocess.run(["bash", "-ec", line], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
        code = proc.returncode
        if code:
            break
    assert code == expected
    report = work / job["artifacts"]["reports"]["codequality"]
    entries = _assert_gitlab_report(report.read_text(encoding="utf-8"), work)
    assert bool(entries) == (manifest == "failing")
    assert all(e["location"]["path"].startswith("svc/") for e in entries)


def test_readme_shows_the_gitlab_ci_job_byte_for_byte():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    assert CI_JOB.read_text(encoding="utf-8") in blocks
