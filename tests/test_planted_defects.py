"""A corpus of realistic manifests, each with one planted defect.

For every defect: the named rule finds it at its line, a clean variant of the
same manifest reports nothing, and no node carries two findings. The manifests
are the shipped production and pilot examples, so the corpus grows with them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker import engine
from checker.options import Options

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 12, 1)
PRODUCTION = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
PILOT = (REPO / "examples" / "pilot" / "ai-production.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Defect:
    name: str
    base: str
    old: str  # replaced once in the base manifest
    new: str
    rule: str
    line_of: str  # the finding lies on the first line of the defective manifest containing this
    warn_within: int = 0


def _block(text: str, key: str) -> str:
    """The top-level `key:` line and every indented or comment line under it."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"{key}:\n")
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "#")) or not lines[end].strip()):
        end += 1
    return "".join(lines[start:end])


def _defects() -> list[Defect]:
    return [
        Defect("typo-d section", PRODUCTION, "\nrollback:\n", "\nrollbak:\n", "AIP-SCH-001", "rollbak:"),
        Defect("missing section", PILOT, _block(PILOT, "business_metric"), "", "AIP-BIZ-001", "apiVersion:"),
        Defect("placeholder", PRODUCTION, "name: Tomás Silva", "name: TBD", "AIP-MON-007", "name: TBD"),
        Defect(
            "placeholder contact",
            PILOT,
            "contact: ",
            "contact: someone@example.com  # ",
            "AIP-OWN-001",
            "someone@example.com",
        ),
        Defect(
            "team as owner",
            PRODUCTION,
            "    name: Priya Raman\n",
            "    name: ML Platform Team\n",
            "AIP-OWN-001",
            "ML Platform Team",
        ),
        Defect(
            "two people as owner",
            PRODUCTION,
            "    name: Daniel Okafor\n",
            "    name: Asha Verma and Li Wei\n",
            "AIP-OWN-002",
            "Asha Verma and Li Wei",
        ),
        Defect(
            "rotation as pilot owner",
            PILOT,
            "    name: Lena Fischer\n",
            "    name: On-call\n",
            "AIP-OWN-001",
            "On-call",
        ),
        Defect(
            "baseline measured in the future",
            PRODUCTION,
            "measured_at: 2026-03-31",
            "measured_at: 2027-03-31",
            "AIP-BIZ-001",
            "measured_at: 2027-03-31",
        ),
        Defect(
            "review in the future",
            PRODUCTION,
            "last_review: 2026-09-01",
            "last_review: 2026-12-20",
            "AIP-GOV-001",
            "last_review: 2026-12-20",
        ),
        Defect(
            "review due in nine days",
            PRODUCTION,
            "last_review: 2026-09-01\n  next_review: 2027-03-01",
            "last_review: 2026-09-01\n  next_review: 2026-12-10",
            "AIP-DUE-001",
            "next_review: 2026-12-10",
            warn_within=14,
        ),
        Defect("enum typo", PRODUCTION, "stage: production", "stage: prod", "AIP-SCH-001", "stage: prod"),
    ]


DEFECTS = _defects()


def check(text: str, warn_within: int = 0) -> engine.ManifestResult:
    # Deadline notes (AIP-DUE-001) only where a defect is about one: the examples' dates draw near.
    options = Options(today=TODAY, root=REPO, warn_within=warn_within)
    return engine.check_bytes(text.encode("utf-8"), "ai-production.yaml", options)


def shown(result) -> list:
    return [f for f in result.findings if not f.suppressed]


@pytest.mark.parametrize("base", [PRODUCTION, PILOT], ids=["production", "pilot"])
def test_the_clean_variants_report_nothing(base: str) -> None:
    assert [(f.rule, f.span.line, f.message) for f in shown(check(base))] == []


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_each_planted_defect_is_found_at_its_line_by_the_named_rule(defect: Defect) -> None:
    assert defect.base.count(defect.old) >= 1
    text = defect.base.replace(defect.old, defect.new, 1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if defect.line_of in row)
    result = check(text, defect.warn_within)
    found = [(rule, f.span.line) for f in shown(result) for rule in (f.rule, *f.also)]
    assert (defect.rule, line) in found, [(f.rule, f.span.line, f.message) for f in shown(result)]


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_no_node_carries_two_findings(defect: Defect) -> None:
    result = check(defect.base.replace(defect.old, defect.new, 1), defect.warn_within)
    nodes = Counter((f.json_path, f.span.line, f.span.column) for f in shown(result) if f.json_path != "$")
    assert [node for node, n in nodes.items() if n > 1] == []


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_a_planted_defect_brings_no_unrelated_findings(defect: Defect) -> None:
    # Only the named rule (and the diagnostic, which a defect may tip into purgatory) speaks.
    result = check(defect.base.replace(defect.old, defect.new, 1), defect.warn_within)
    assert {f.rule for f in shown(result)} - {defect.rule, "AIP-DIAG-001"} == set()


# -- stale evidence needs history: a real repository ---------------------------------------------


def _repository(tmp_path: Path, evidence_date: str) -> Path:
    import shutil
    import subprocess

    shutil.copytree(REPO / "examples" / "production", tmp_path / "examples" / "production")
    (tmp_path / "CODEOWNERS").write_text("* @acme/ml-platform\n", encoding="utf-8")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@acme-corp.io",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@acme-corp.io",
        "GIT_AUTHOR_DATE": f"{evidence_date}T12:00:00Z",
        "GIT_COMMITTER_DATE": f"{evidence_date}T12:00:00Z",
        "PATH": __import__("os").environ["PATH"],
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "evidence"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    return tmp_path


@pytest.mark.parametrize("evidence_date, stale", [("2026-11-25", False), ("2026-09-01", True)])
def test_stale_evidence_is_found_at_its_ref_by_git_history(
    tmp_path: Path, monkeypatch, capsys, clean_env, evidence_date: str, stale: bool
) -> None:
    import json

    from checker.cli import main

    root = _repository(tmp_path, evidence_date)
    monkeypatch.chdir(root)
    code = main(
        [
            "check",
            "--today",
            TODAY.isoformat(),
            "--warn-within",
            "0",
            "--format",
            "json",
            "examples/production/ai-production.yaml",
        ]
    )
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"] if not f["suppressed"]]
    line = next(n for n, row in enumerate(PRODUCTION.splitlines(), 1) if "evidence_ref:" in row)
    if stale:
        assert [(f["rule"], f["line"]) for f in findings] == [("AIP-GIT-002", line)]
        assert code == 1
    else:
        assert findings == [] and code == 0
