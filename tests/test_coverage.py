"""`aipolicy coverage --framework NAME [PATH…]`: each framework's requirement list is data in its pack,
validated by the pack schema, and maps every rule of the pack; the table gives each manifest's status
per rule and requirement (fail, warn, waived, pass, n/a by `when` or by stage); requirements no rule
can check are listed with why; text, Markdown and JSON escape what comes from the repository; the
command exits 0 whatever it finds and 2 on usage errors; the shipped example regenerates to the same bytes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from checker import coverage, packs
from checker.cli import main
from checker.policy import PolicyError, load_pack

REPO = Path(__file__).resolve().parents[1]
FRAMEWORKS = ["eu-ai-act", "iso-42001", "nist-ai-600-1"]
ISO = REPO / "tests" / "fixtures" / "packs" / "iso-42001"
TODAY = "2026-11-26"


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# -- the requirement lists ------------------------------------------------------------------------------


def test_the_frameworks_are_the_packs_with_a_requirement_list() -> None:
    assert coverage.frameworks() == FRAMEWORKS


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_rule_of_the_pack_is_mapped_to_a_requirement_and_every_mapped_rule_exists(framework: str) -> None:
    requirements = coverage.requirements_of(framework)
    policy = packs.build_policy([(f"builtin:{framework}", REPO, "test", None)])
    own = {r.id for r in policy.rules.values() if r.pack == framework}
    mapped = {rule for req in requirements for rule in req.rules}
    assert sorted(own - mapped) == [], "rules of the pack no requirement names"
    assert sorted(mapped - set(policy.rules)) == [], "requirements naming rules that do not exist"
    assert len({req.id for req in requirements}) == len(requirements), "duplicate requirement ids"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_each_requirement_has_rules_or_says_why_no_rule_can_check_it(framework: str) -> None:
    for req in coverage.requirements_of(framework):
        assert req.title
        assert bool(req.rules) != bool(req.why), req.id


def test_nist_lists_the_twelve_gai_risks_of_section_2_in_order() -> None:
    ids = [r.id for r in coverage.requirements_of("nist-ai-600-1")]
    assert ids[:12] == [f"2.{n}" for n in range(1, 13)]


def _pack_with(tmp_path: Path, requirement: str) -> Path:
    pack = tmp_path / "p.yaml"
    pack.write_text(f"apiVersion: aipolicy/policy-v1\nname: p\nrequirements:\n  - {requirement}\n", encoding="utf-8")
    return pack


@pytest.mark.parametrize(
    "requirement",
    [
        "{id: A.1, title: T}",  # neither rules nor checkable: false
        "{id: A.1, title: T, rules: [AIP-OWN-001], checkable: false, why: W}",  # both
        "{id: A.1, title: T, checkable: false}",  # no why
        "{id: A.1, title: T, rules: []}",  # no rule
        "{id: A.1, title: T, rules: [own-001]}",  # not a rule id
        "{id: A.1, title: T, rules: [AIP-OWN-001], extra: 1}",
    ],
)
def test_the_pack_schema_refuses_a_malformed_requirement(tmp_path: Path, requirement: str) -> None:
    with pytest.raises(PolicyError):
        load_pack(_pack_with(tmp_path, requirement))


def test_the_pack_schema_accepts_both_kinds_of_requirement(tmp_path: Path) -> None:
    load_pack(_pack_with(tmp_path, "{id: A.1, title: T, rules: [AIP-OWN-001], note: N}"))
    load_pack(_pack_with(tmp_path, "{id: A.1, title: T, checkable: false, why: W}"))


# -- the statuses ---------------------------------------------------------------------------------------


@pytest.fixture
def iso_cases(tmp_path: Path, monkeypatch) -> Path:
    """Five manifests, one per status of AIP-ISO-006 (event logs) and AIP-ISO-010 (third parties)."""
    root = tmp_path / "repo"
    cases = {
        "a-fail": ISO / "AIP-ISO-006" / "fail-no-logging.yaml",
        "b-pass": ISO / "AIP-ISO-006" / "pass-logs-described.yaml",
        "c-exploration": ISO / "AIP-ISO-006" / "pass-exploration.yaml",
        "d-no-third-party": ISO / "AIP-ISO-010" / "pass-no-third-party.yaml",
        "e-waived": ISO / "AIP-ISO-006" / "fail-no-logging.yaml",
    }
    for name, source in cases.items():
        (root / name).mkdir(parents=True)
        shutil.copy(source, root / name / "ai-production.yaml")
    waived = root / "e-waived" / "ai-production.yaml"
    waived.write_text(
        waived.read_text(encoding="utf-8")
        + "waivers:\n  - rule: AIP-ISO-006\n    reason: Logging lands with ML-2201.\n"
        + "    approved_by: {name: Daniel Okafor, contact: daniel.okafor@acme-corp.io}\n    expires: 2027-01-31\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    return root


def _json(capsys, *args: str) -> dict:
    code, out, err = _run(["coverage", "--framework", "iso-42001", "--format", "json", "--today", TODAY, *args], capsys)
    assert code == 0, err
    return json.loads(out)


def test_each_manifest_gets_fail_pass_waived_or_not_applicable_per_rule(iso_cases: Path, capsys) -> None:
    doc = _json(capsys, ".")
    labels = {m["path"].split("/")[0]: m["id"] for m in doc["manifests"]}
    rules = {r["id"]: r["status"] for r in doc["rules"]}
    logs = {name: rules["AIP-ISO-006"][label]["status"] for name, label in labels.items()}
    assert logs == {
        "a-fail": "fail",
        "b-pass": "pass",
        "c-exploration": "n/a",
        "d-no-third-party": "pass",
        "e-waived": "waived",
    }
    assert rules["AIP-ISO-006"][labels["c-exploration"]]["reason"] == "off at stage exploration"
    third = rules["AIP-ISO-010"][labels["d-no-third-party"]]
    assert third == {"status": "n/a", "reason": "the rule's `when` is false"}
    assert rules["AIP-ISO-010"][labels["b-pass"]]["status"] == "pass"
    requirement = next(r for r in doc["requirements"] if r["id"] == "A.6.2.8")
    assert requirement["rules"] == ["AIP-ISO-006"]
    assert requirement["status"] == {labels[n]: s for n, s in logs.items()}


def test_a_requirement_takes_the_worst_status_of_its_rules(iso_cases: Path, capsys) -> None:
    doc = _json(capsys, "a-fail")
    roles = next(r for r in doc["requirements"] if r["id"] == "A.3.2")
    statuses = {r["id"]: r["status"]["M1"]["status"] for r in doc["rules"] if r["id"] in roles["rules"]}
    assert set(statuses.values()) == {"pass"} and roles["status"] == {"M1": "pass"}
    doc = _json(capsys, "a-fail", "b-pass")
    assert next(r for r in doc["requirements"] if r["id"] == "A.6.2.8")["status"] == {"M1": "fail", "M2": "pass"}


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_requirements_no_rule_can_check_are_listed_with_why_in_every_format(iso_cases: Path, capsys, fmt) -> None:
    code, out, _ = _run(["coverage", "--framework", "iso-42001", "--format", fmt, "--today", TODAY, "b-pass"], capsys)
    assert code == 0
    for req in coverage.requirements_of("iso-42001"):
        if not req.rules:
            assert req.id in out and req.why.split(";")[0].split("(")[0].strip()[:40] in out.replace("\\", "")
    if fmt != "json":
        assert "not checkable from a manifest" in out


def test_coverage_exits_0_when_manifests_fail_because_it_is_a_report_not_a_gate(iso_cases: Path, capsys) -> None:
    code, out, _ = _run(["coverage", "--framework", "iso-42001", "--today", TODAY, "a-fail"], capsys)
    assert code == 0 and "fail" in out
    assert main(["check", "--policy", "builtin:iso-42001", "--today", TODAY, "a-fail"]) == 1


def test_the_framework_pack_is_loaded_in_addition_to_the_configured_policy(iso_cases: Path, capsys) -> None:
    (iso_cases / ".aipolicy.yaml").write_text("policies: ['builtin:eu-ai-act']\n", encoding="utf-8")
    doc = _json(capsys, "b-pass")
    assert {r["id"] for r in doc["rules"]} >= {"AIP-ISO-006", "AIP-OWN-001"}
    code, out, _ = _run(["coverage", "--framework", "eu-ai-act", "--format", "json", "b-pass"], capsys)
    assert code == 0 and json.loads(out)["framework"] == "eu-ai-act"


def test_a_rule_left_out_by_select_is_not_checked_not_passed(iso_cases: Path, capsys) -> None:
    (iso_cases / ".aipolicy.yaml").write_text("select: [AIP-ISO-006]\n", encoding="utf-8")
    doc = _json(capsys, "a-fail", "b-pass")
    rules = {r["id"]: r["status"] for r in doc["rules"]}
    assert [rules["AIP-ISO-006"][m]["status"] for m in ("M1", "M2")] == ["fail", "pass"]
    assert rules["AIP-ISO-010"]["M2"] == {"status": "not checked", "reason": "left out by select or ignore"}


def test_a_manifest_that_does_not_parse_is_not_checked(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "ai-production.yaml").write_text("system: [unclosed\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = _json(capsys, ".")
    assert {r["status"]["M1"]["status"] for r in doc["rules"]} == {"not checked"}


# -- usage errors ---------------------------------------------------------------------------------------


def test_an_unknown_framework_is_one_line_listing_the_known_ones(capsys) -> None:
    code, out, err = _run(["coverage", "--framework", "nist-rmf", "."], capsys)
    assert code == 2 and out == ""
    assert err == "aipolicy: error: unknown framework 'nist-rmf' (known: eu-ai-act, iso-42001, nist-ai-600-1)\n"


def test_a_missing_framework_or_path_is_a_usage_error(iso_cases: Path, capsys) -> None:
    assert _run(["coverage", "."], capsys)[0] == 2
    code, _, err = _run(["coverage", "--framework", "iso-42001", "no-such-folder"], capsys)
    assert code == 2 and "no-such-folder: no such file or folder" in err


def test_output_writes_the_file_and_never_over_a_manifest(iso_cases: Path, capsys) -> None:
    target = iso_cases / "coverage.md"
    code, out, _ = _run(
        ["coverage", "--framework", "iso-42001", "--format", "md", "--output", str(target), "."], capsys
    )
    assert code == 0 and out == "" and target.read_text(encoding="utf-8").startswith("# Coverage: builtin:iso-42001")
    manifest = iso_cases / "b-pass" / "ai-production.yaml"
    before = manifest.read_bytes()
    code, _, err = _run(["coverage", "--framework", "iso-42001", "--output", str(manifest), "."], capsys)
    assert code == 2 and "refusing to write" in err and manifest.read_bytes() == before
    code, _, err = _run(["coverage", "--framework", "iso-42001", "--output", "missing/c.md", "."], capsys)
    assert code == 2 and "does not exist" in err


# -- escaping -------------------------------------------------------------------------------------------

HOSTILE = "x|`y\u202e"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / HOSTILE
    folder.mkdir()
    data = yaml.safe_load((ISO / "AIP-ISO-006" / "pass-logs-described.yaml").read_text(encoding="utf-8"))
    data["system"]["id"] = "ok-id"
    (folder / "ai-production.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return folder


def test_text_shows_control_and_bidi_characters_of_paths_escaped(hostile: Path, capsys) -> None:
    code, out, _ = _run(["coverage", "--framework", "iso-42001", "--format", "text", "."], capsys)
    assert code == 0 and "\u202e" not in out and "x|`y\\u202e" in out


def test_markdown_puts_paths_in_code_spans_that_keep_the_table_intact(hostile: Path, capsys) -> None:
    code, out, _ = _run(["coverage", "--framework", "iso-42001", "--format", "md", "."], capsys)
    assert code == 0 and "\u202e" not in out
    row = next(line for line in out.splitlines() if line.startswith("| M1 |"))
    assert "``x\\|`y\\u202e/ai-production.yaml``" in row
    assert row.replace("\\|", "").count("|") == 5


def test_json_keeps_the_path_exactly(hostile: Path, capsys) -> None:
    code, out, _ = _run(["coverage", "--framework", "iso-42001", "--format", "json", "."], capsys)
    assert code == 0
    assert json.loads(out)["manifests"][0]["path"] == f"{HOSTILE}/ai-production.yaml"


# -- help, README and the shipped example ---------------------------------------------------------------


def test_help_documents_the_frameworks_and_the_exit_codes(capsys) -> None:
    code, out, _ = _run(["coverage", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    for name in FRAMEWORKS:
        assert name in flat
    assert "Exit codes: 0 the table was written" in flat and "2 usage error" in flat


def test_readme_has_a_coverage_section_naming_the_frameworks_and_exit_codes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Coverage") :]
    section = section[: section.index("\n## ", 1)]
    for name in FRAMEWORKS:
        assert f"`builtin:{name}`" in section and name in section.split("\n")[2]
    # The example the section gives of a requirement no rule checks.
    art17 = next(r for r in coverage.requirements_of("eu-ai-act") if r.id == "Art. 17")
    assert "Art. 17" in section and not art17.rules and art17.why
    flat = " ".join(section.split())
    assert "it exits 0 whatever the manifests say" in flat and "and 2 on a usage error" in flat
    assert '"not checkable from a manifest", with why' in flat


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_shipped_example_regenerates_to_the_same_bytes(framework: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    shipped = REPO / "examples" / "coverage" / f"{framework}.md"
    code, out, _ = _run(["coverage", "--framework", framework, "examples/", "--format", "md", "--today", TODAY], capsys)
    assert code == 0
    assert out == shipped.read_text(encoding="utf-8"), f"regenerate {shipped.relative_to(REPO)}"
