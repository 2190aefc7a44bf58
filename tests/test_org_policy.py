"""Organisation policy-as-code: configuration, custom packs, extends, overrides, test-policies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main

REPO = Path(__file__).resolve().parents[1]
ORG = REPO / "examples" / "org-policy"
TODAY = "2026-11-26"
SCREENER = REPO / "examples" / "failing" / "recruiting-screener.ai-production.yaml"


def run(args: list[str], cwd: Path, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository (the config search stops at its root)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- the worked example of docs/organisation-policy.md ------------------------------------------


def test_worked_example_policy_tests_pass(capsys, monkeypatch):
    code, out, _ = run(["test-policies", "policy-tests"], ORG, capsys, monkeypatch)
    assert code == 0, out
    cases = len(list((ORG / "policy-tests").glob("*.yaml")))
    assert out.strip().splitlines()[-1] == f"{cases} passed, 0 failed"


def test_worked_example_check_reports_the_custom_rule_with_its_own_id_line_and_severity(capsys, monkeypatch):
    code, out, _ = run(["check", "models", "--today", TODAY, "--format", "json"], ORG, capsys, monkeypatch)
    assert code == 1
    report = json.loads(out)
    manifest = ORG / "models" / "credit-limit" / "ai-production.yaml"
    line = next(
        i for i, text in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1) if "mode: on_the_loop" in text
    )
    custom = [f for f in report["findings"] if f["rule"] == "ACME-HUM-001"]
    assert [(f["line"], f["severity"], f["slug"]) for f in custom] == [(line, "error", "acme-human-in-the-loop")]
    # The custom rule answers Q6 like a built-in one.
    assert any(q["id"] == "Q6" for q in report["manifests"][0]["questions"]["unanswered"])


def test_worked_example_custom_rules_are_listed_explained_and_in_sarif(capsys, monkeypatch):
    code, out, _ = run(["rules", "--format", "json"], ORG, capsys, monkeypatch)
    ids = {r["id"] for r in json.loads(out)["rules"]}
    assert {"ACME-HUM-001", "ACME-ROLL-001", "ACME-DATA-001", "AIP-HR-001", "AIP-OWN-001"} <= ids
    code, out, _ = run(["explain", "acme-human-in-the-loop"], ORG, capsys, monkeypatch)
    assert code == 0 and "ACME-HUM-001" in out and "Acme's AI policy (section 4.2)" in out and "How to fix" in out
    code, out, _ = run(["check", "models", "--today", TODAY, "--format", "sarif"], ORG, capsys, monkeypatch)
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    assert "ACME-HUM-001" in [r["id"] for r in driver["rules"]]


def test_config_command_shows_where_each_value_came_from(capsys, monkeypatch):
    code, out, _ = run(["config"], ORG, capsys, monkeypatch)
    assert code == 0
    assert re.search(r'^fail-on: "warning"\s+# .*\.aipolicy\.yaml:\d+:\d+$', out, re.M)
    assert re.search(r"^stage: null\s+# default$", out, re.M)
    code, out, _ = run(["check", "--show-config", "--fail-on", "note"], ORG, capsys, monkeypatch)
    assert re.search(r'^fail-on: "note"\s+# command line$', out, re.M)


# -- configuration ---------------------------------------------------------------------------------


def test_command_line_wins_over_the_config_file(repo, capsys, monkeypatch):
    shutil.copy(SCREENER, repo / "ai-production.yaml")
    write(repo / ".aipolicy.yaml", "ignore: [AIP-HUM-001]\n")
    code, _, _ = run(["check", "--today", TODAY], repo, capsys, monkeypatch)
    assert code == 0  # the only error is ignored by the config
    code, out, _ = run(["check", "--today", TODAY, "--ignore", "AIP-REF-001"], repo, capsys, monkeypatch)
    assert code == 1 and "AIP-HUM-001" in out


def test_pyproject_tool_table_is_found_from_a_subfolder(repo, capsys, monkeypatch):
    write(repo / "pyproject.toml", '[project]\nname = "x"\n\n[tool.aipolicy]\nfail-on = "note"\nignore = ["AIP-HUM"]\n')
    shutil.copy(SCREENER, write(repo / "models" / "a" / "ai-production.yaml", "").parent / "ai-production.yaml")
    code, out, _ = run(["config"], repo / "models" / "a", capsys, monkeypatch)
    assert re.search(r'^fail-on: "note"\s+# .*pyproject\.toml', out, re.M)
    code, out, _ = run(["check", "--today", TODAY], repo / "models", capsys, monkeypatch)
    assert "AIP-HUM-001" not in out


def test_config_search_stops_at_the_repository_root(tmp_path, capsys, monkeypatch):
    write(tmp_path / ".aipolicy.yaml", "fail-on: note\n")
    inner = tmp_path / "inner"
    subprocess.run(["git", "init", "-q", str(inner)], check=True)
    code, out, _ = run(["config"], inner, capsys, monkeypatch)
    assert "none found" in out and re.search(r'^fail-on: "error"', out, re.M)


def test_per_path_override_caps_a_legacy_folder_at_warnings(repo, capsys, monkeypatch):
    shutil.copy(SCREENER, write(repo / "legacy" / "old" / "x", "").parent / "ai-production.yaml")
    shutil.copy(SCREENER, write(repo / "new" / "x", "").parent / "ai-production.yaml")
    write(repo / ".aipolicy.yaml", 'overrides:\n  - paths: ["legacy/**"]\n    max-severity: warning\n')
    code, out, _ = run(["check", "--today", TODAY, "--format", "json"], repo, capsys, monkeypatch)
    findings = json.loads(out)["findings"]
    legacy = {f["severity"] for f in findings if f["path"].startswith("legacy/") and f["rule"] == "AIP-HUM-001"}
    new = {f["severity"] for f in findings if f["path"].startswith("new/") and f["rule"] == "AIP-HUM-001"}
    assert legacy == {"warning"} and new == {"error"}


def test_severity_override_per_stage_changes_what_is_reported(repo, capsys, monkeypatch):
    shutil.copy(SCREENER, repo / "ai-production.yaml")
    write(repo / ".aipolicy.yaml", "severity:\n  human-oversight: {production: note}\n")
    code, out, _ = run(["check", "--today", TODAY, "--format", "json"], repo, capsys, monkeypatch)
    assert {f["severity"] for f in json.loads(out)["findings"] if f["rule"] == "AIP-HUM-001"} == {"note"}
    assert code == 0


def test_forbidden_waiver_is_reported_and_silences_nothing(repo, capsys, monkeypatch):
    text = SCREENER.read_text(encoding="utf-8") + (
        "waivers:\n  - rule: AIP-HUM-001\n    reason: Pilot agreement with works council\n"
        "    approved_by: {name: Ingrid Larsen, contact: ingrid.larsen@acme-corp.io}\n    expires: 2027-01-31\n"
    )
    write(repo / "ai-production.yaml", text)
    write(repo / ".aipolicy.yaml", "waivers:\n  forbidden-rules: [AIP-HUM]\n")
    code, out, _ = run(["check", "--today", TODAY, "--format", "json"], repo, capsys, monkeypatch)
    findings = json.loads(out)["findings"]
    assert any(f["rule"] == "AIP-WVR-001" and "forbids" in f["message"] for f in findings)
    assert all(not f["suppressed"] for f in findings if f["rule"] == "AIP-HUM-001")
    write(repo / ".aipolicy.yaml", "waivers:\n  allowed: false\n")
    code, out, _ = run(["check", "--today", TODAY, "--format", "json"], repo, capsys, monkeypatch)
    assert any(f["rule"] == "AIP-WVR-001" and "not allowed" in f["message"] for f in json.loads(out)["findings"])


def test_extra_manifest_names_are_discovered(repo, capsys, monkeypatch):
    shutil.copy(SCREENER, repo / "model.aip.yaml")
    code, out, err = run(["check", "--today", TODAY], repo, capsys, monkeypatch)
    assert "0 files checked" in out
    write(repo / ".aipolicy.yaml", 'manifest-names: ["*.aip.yaml"]\n')
    code, out, _ = run(["check", "--today", TODAY], repo, capsys, monkeypatch)
    assert "1 file checked" in out and "model.aip.yaml" in out


# -- every bad config or pack: exit 2, one line naming file and line ---------------------------------------

PACK_HEAD = "apiVersion: aipolicy/policy-v1\nrules:\n"
RULE = "  - id: {id}\n    slug: {slug}\n    summary: s\n    severity: {{production: error}}\n    check: [{{require: system.id}}]\n"

BAD = {
    "unknown config key": (
        {".aipolicy.yaml": "polices: [p.yaml]\n"},
        r"\.aipolicy\.yaml:1:1: .*did you mean `policies`",
    ),
    "bad value": ({".aipolicy.yaml": "fail-on: sometimes\n"}, r"\.aipolicy\.yaml:1:10: .*must be one of"),
    "unknown rule in select": (
        {".aipolicy.yaml": "select: [AIP-OWN-01]\n"},
        r"\.aipolicy\.yaml:1:10: select: no such rule AIP-OWN-01.*did you mean",
    ),
    "bad regex": (
        {
            ".aipolicy.yaml": "policies: [p.yaml]\n",
            "p.yaml": PACK_HEAD + "  - id: ACME-X-001\n    slug: x\n    summary: s\n    severity: {production: error}\n"
            "    check: [{expect: \"matches(system.id, '(')\"}]\n",
        },
        r"p\.yaml:7:22: .*regular expression",
    ),
    "id collision between packs": (
        {
            ".aipolicy.yaml": "policies: [p.yaml, q.yaml]\n",
            "p.yaml": PACK_HEAD + RULE.format(id="ACME-X-001", slug="x"),
            "q.yaml": PACK_HEAD + RULE.format(id="ACME-X-001", slug="y"),
        },
        r"q\.yaml:3:5: .*collides",
    ),
    "collision with a built-in id": (
        {".aipolicy.yaml": "policies: [p.yaml]\n", "p.yaml": PACK_HEAD + RULE.format(id="AIP-OWN-001", slug="z")},
        r"p\.yaml:3:\d+: .*reserved",
    ),
    "extends cycle": (
        {
            ".aipolicy.yaml": "policies: [a.yaml]\n",
            "a.yaml": "apiVersion: aipolicy/policy-v1\nextends: [b.yaml]\nrules: []\n",
            "b.yaml": "apiVersion: aipolicy/policy-v1\nextends: [a.yaml]\nrules: []\n",
        },
        r"b\.yaml:2:\d+: extends cycle",
    ),
    "pack that is not YAML": (
        {".aipolicy.yaml": "policies: [p.yaml]\n", "p.yaml": "rules: [\n"},
        r"p\.yaml:1:9: invalid YAML",
    ),
    "pack by URL": (
        {".aipolicy.yaml": "policies: ['https://evil.example/p.yaml']\n"},
        r"\.aipolicy\.yaml:1:\d+: .*local path",
    ),
    "config extends cycle": (
        {".aipolicy.yaml": "extends: [b.yaml]\n", "b.yaml": "extends: [.aipolicy.yaml]\n"},
        r"extends cycle",
    ),
}


@pytest.mark.parametrize("files,pattern", BAD.values(), ids=list(BAD))
def test_bad_configuration_is_exit_2_with_one_line_naming_file_and_line(files, pattern, repo, capsys, monkeypatch):
    for name, text in files.items():
        write(repo / name, text)
    shutil.copy(SCREENER, repo / "ai-production.yaml")
    code, out, err = run(["check", "--today", TODAY], repo, capsys, monkeypatch)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("aipolicy: error: "), err
    assert re.search(pattern, err), err
    assert "Traceback" not in err + out


# -- built-in packs and the harness ------------------------------------------------------------------------


def test_every_shipped_pack_validates_against_the_pack_schema():
    from checker import resources
    from checker.policy import load_pack

    packs = sorted(resources.policies_dir().glob("*.yaml"))
    assert {p.stem for p in packs} >= {"core", "high-risk", "eu-ai-act"}
    for pack in packs:
        load_pack(pack)  # raises PolicyError with file:line on any schema violation


def test_eu_ai_act_pack_extends_high_risk(repo, capsys, monkeypatch):
    code, out, _ = run(["rules", "--format", "json"], repo, capsys, monkeypatch)
    assert not {r["id"] for r in json.loads(out)["rules"]} & {"AIP-EU-014", "AIP-HR-001"}
    code, out, _ = run(["rules", "--format", "json", "--policy", "builtin:eu-ai-act"], repo, capsys, monkeypatch)
    assert {"AIP-EU-014", "AIP-EU-072", "AIP-HR-001", "AIP-HR-002"} <= {r["id"] for r in json.loads(out)["rules"]}
    write(repo / ".aipolicy.yaml", "policies: ['builtin:eu-ai-act']\n")
    code, out, _ = run(["rules", "--format", "json"], repo, capsys, monkeypatch)
    ids = {r["id"] for r in json.loads(out)["rules"]}
    assert {"AIP-EU-014", "AIP-EU-072", "AIP-HR-001", "AIP-HR-002"} <= ids


def test_test_policies_reports_failures_and_exits_1(repo, capsys, monkeypatch):
    write(repo / "cases" / "wrong.yaml", "# expect: AIP-HUM-001 @ 3\n" + SCREENER.read_text(encoding="utf-8"))
    write(
        repo / "cases" / "right.yaml",
        "# expect: AIP-HUM-001\n# expect-not: AIP-OWN-001\n" + SCREENER.read_text(encoding="utf-8"),
    )
    code, out, _ = run(["test-policies", "cases"], repo, capsys, monkeypatch)
    assert code == 1
    assert "FAIL cases/wrong.yaml" in out and "PASS cases/right.yaml" in out
    assert out.strip().splitlines()[-1] == "1 passed, 1 failed"
    junit = repo / "policy-tests.xml"
    code, out, _ = run(
        ["test-policies", "cases", "--format", "junit", "--output", str(junit)], repo, capsys, monkeypatch
    )
    import xml.etree.ElementTree as ET

    root = ET.parse(junit).getroot()
    assert code == 1 and root.get("tests") == "2" and root.get("failures") == "1"


def test_test_policies_without_cases_is_a_usage_error(repo, capsys, monkeypatch):
    (repo / "empty").mkdir()
    code, _, err = run(["test-policies", "empty"], repo, capsys, monkeypatch)
    assert code == 2 and "no test cases" in err
    code, _, err = run(["test-policies", "missing"], repo, capsys, monkeypatch)
    assert code == 2 and "missing" in err


def test_a_case_without_expectations_fails(repo, capsys, monkeypatch):
    write(
        repo / "cases" / "silent.yaml",
        SCREENER.read_text(encoding="utf-8").split("apiVersion", 1)[1].join(["apiVersion", ""]),
    )
    code, out, _ = run(["test-policies", "cases"], repo, capsys, monkeypatch)
    assert code == 1 and "states no expectations" in out


def test_policy_option_from_command_line_loads_a_folder(repo, capsys, monkeypatch):
    write(repo / "packs" / "p.yaml", PACK_HEAD + RULE.format(id="ACME-ID-001", slug="acme-id"))
    code, out, _ = run(["rules", "--policy", "packs"], repo, capsys, monkeypatch)
    assert code == 0 and "ACME-ID-001" in out


def test_console_entry_point_reports_config_errors_without_traceback(repo):
    write(repo / ".aipolicy.yaml", "select: 3\n")
    proc = subprocess.run([sys.executable, "-m", "checker", "check"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_guide_shows_the_worked_example_files_verbatim():
    guide = (REPO / "docs" / "organisation-policy.md").read_text(encoding="utf-8")
    for name in (".aipolicy.yaml", "policy/acme.yaml"):
        text = (ORG / name).read_text(encoding="utf-8").rstrip()
        assert f"```yaml\n{text}\n```" in guide, f"docs/organisation-policy.md no longer shows {name} as it is"


def test_a_malformed_directive_fails_the_case_instead_of_being_ignored(repo, capsys, monkeypatch):
    write(
        repo / "cases" / "typo.yaml",
        "# expect: AIP-HUM-001 @ abc\n# expect-not: AIP-OWN-001\n" + SCREENER.read_text(encoding="utf-8"),
    )
    code, out, _ = run(["test-policies", "cases"], repo, capsys, monkeypatch)
    assert code == 1 and "FAIL cases/typo.yaml" in out and "line 1: `expect:` needs" in out


@pytest.mark.parametrize(
    "typo, meant",
    [
        ("Expect", "expect"),
        ("expect-nto", "expect-not"),
        ("expect_not", "expect-not"),
        ("expects", "expect"),
        ("Stage", "stage"),
    ],
)
def test_a_misspelt_directive_fails_the_case_instead_of_being_read_as_prose(typo: str, meant: str) -> None:
    from checker.policytest import parse_case

    text = f"# expect: AIP-SCH-001\n# {typo}: AIP-OWN-001\n# Note: prose stays prose\napiVersion: aipolicy/v1\n"
    case = parse_case(Path("case.yaml"), text)
    assert case.problems == [f"line 2: `{typo}:` is not a directive; did you mean `{meant}:`?"]
