"""The switches linter users type: stdin for editors, -q, --exit-zero, --statistics, forced colour.

Stdin runs go through a subprocess, so the real standard input, pipes and
/dev/stdin are what is read. Dates are pinned with --today.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import subprocess_env
from test_check_command import GOOD

TODAY = "2026-11-26"

# An exploration manifest with one schema error (line 7) and no owners (AIP-OWN-001 at exploration).
TWO_PROBLEMS = """\
apiVersion: aipolicy/v1
system:
  id: two-problems
  name: Two problems
  description: Schema error and no owner.
  type: classifier
  colour: blue
stage: exploration
"""
FINDING = re.compile(
    r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (error|warning|note) (?P<rule>AIP-[A-Z]+-\d{3}) "
)


def aipolicy(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess[bytes]:
    kwargs.setdefault("timeout", 120)  # only turns a hang into a failure
    proc = subprocess.run(
        [sys.executable, "-m", "checker", *args],
        cwd=cwd,
        input=stdin,
        env=env or subprocess_env(),
        capture_output=True,
        check=False,
        **kwargs,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


def git(cwd: Path, *args: str) -> None:
    env = subprocess_env(
        GIT_AUTHOR_NAME="T",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="T",
        GIT_COMMITTER_EMAIL="t@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def findings(out: bytes) -> list[tuple[str, int, str]]:
    return [(m["path"], int(m["line"]), m["rule"]) for line in out.decode().splitlines() if (m := FINDING.match(line))]


# -- stdin ---------------------------------------------------------------------------------------------


def test_dash_reads_one_manifest_from_stdin_shown_as_dash(tmp_path: Path) -> None:
    proc = aipolicy("check", "--today", TODAY, "-", cwd=tmp_path, stdin=TWO_PROBLEMS.encode())
    assert proc.returncode == 1
    got = findings(proc.stdout)
    assert ("-", 7, "AIP-SCH-001") in got and {path for path, _, _ in got} == {"-"}
    assert b"1 file checked" in proc.stdout
    clean = aipolicy("check", "--today", TODAY, "-", cwd=tmp_path, stdin=GOOD.encode())
    assert clean.returncode == 0 and findings(clean.stdout) == []


def test_stdin_filename_is_the_display_path_and_picks_the_per_path_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository root, where the configuration is found
    (tmp_path / ".aipolicy.yaml").write_text("overrides:\n  - paths: ['legacy/**']\n    ignore: [AIP-SCH-001]\n")
    args = ("check", "--today", TODAY, "--format", "json", "-")
    elsewhere = json.loads(
        aipolicy(*args, "--stdin-filename", "svc/ai-production.yaml", cwd=tmp_path, stdin=TWO_PROBLEMS.encode()).stdout
    )
    assert [m["path"] for m in elsewhere["manifests"]] == ["svc/ai-production.yaml"]
    assert "AIP-SCH-001" in {f["rule"] for f in elsewhere["findings"]}
    legacy = json.loads(
        aipolicy(
            *args, "--stdin-filename", "legacy/ai-production.yaml", cwd=tmp_path, stdin=TWO_PROBLEMS.encode()
        ).stdout
    )
    assert [m["path"] for m in legacy["manifests"]] == ["legacy/ai-production.yaml"]
    assert "AIP-SCH-001" not in {f["rule"] for f in legacy["findings"]}


def test_stdin_content_wins_over_the_file_on_disk_and_refs_resolve_from_its_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "ai-production.yaml").write_text(GOOD)  # what is saved; the editor holds TWO_PROBLEMS
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "card.md").write_text("card\n")
    proc = aipolicy(
        "check",
        "--today",
        TODAY,
        "-",
        "--stdin-filename",
        "svc/ai-production.yaml",
        cwd=tmp_path,
        stdin=TWO_PROBLEMS.encode(),
    )
    assert ("svc/ai-production.yaml", 7, "AIP-SCH-001") in findings(proc.stdout)
    with_ref = (
        GOOD.replace("stage: exploration", "stage: pilot")
        + "governance:\n  model_card_ref: docs/card.md\n  incident_process_ref: docs/missing.md\n"
    )
    proc = aipolicy(
        "check",
        "--today",
        TODAY,
        "--select",
        "AIP-REF-001",
        "-",
        "--stdin-filename",
        "svc/ai-production.yaml",
        cwd=tmp_path,
        stdin=with_ref.encode(),
    )
    refs = [line for line in proc.stdout.decode().splitlines() if "AIP-REF-001" in line]
    assert len(refs) == 1 and "docs/missing.md" in refs[0], proc.stdout.decode()


def test_stdin_filename_brings_the_git_rules_for_that_path(tmp_path: Path) -> None:
    base = (
        GOOD.replace("stage: exploration", "stage: pilot")
        + "monitoring:\n  drift:\n    - metric: psi\n      method: psi\n      threshold: 0.1\n"
    )
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "ai-production.yaml").write_text(base)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    weakened = base.replace("threshold: 0.1", "threshold: 0.4")
    args = ("check", "--today", TODAY, "--select", "AIP-GIT-001", "--changed-since", "HEAD", "-")
    named = aipolicy(*args, "--stdin-filename", "ai-production.yaml", cwd=tmp_path, stdin=weakened.encode())
    assert [rule for _, _, rule in findings(named.stdout)] == ["AIP-GIT-001"], named.stdout.decode()
    assert b"0.1" in named.stdout and b"0.4" in named.stdout
    same = aipolicy(*args, "--stdin-filename", "ai-production.yaml", cwd=tmp_path, stdin=base.encode())
    assert findings(same.stdout) == [] and same.returncode == 0


@pytest.mark.skipif(not os.path.exists("/dev/stdin"), reason="no /dev/stdin on this platform")
def test_dev_stdin_and_pipes_are_read_not_refused_as_links_out_of_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    manifest = tmp_path / "ai-production.yaml"
    manifest.write_text(TWO_PROBLEMS)
    for piped in (True, False):  # a pipe (`cat file |`) and a redirect (`< file`)
        if piped:
            proc = aipolicy("check", "--today", TODAY, "/dev/stdin", cwd=tmp_path, stdin=TWO_PROBLEMS.encode())
        else:
            with open(manifest, "rb") as handle:
                proc = subprocess.run(
                    [sys.executable, "-m", "checker", "check", "--today", TODAY, "/dev/stdin"],
                    cwd=tmp_path,
                    env=subprocess_env(),
                    stdin=handle,
                    capture_output=True,
                    timeout=120,
                )
        assert b"outside the repository" not in proc.stdout
        assert ("-", 7, "AIP-SCH-001") in findings(proc.stdout), proc.stdout.decode()
    # Process substitution: bash hands over /dev/fd/N, a pipe that resolves to `pipe:[…]`.
    script = f"{sys.executable} -m checker check --today {TODAY} <(cat ai-production.yaml)"
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=subprocess_env(), capture_output=True, timeout=120)
    assert proc.returncode == 1 and b"outside the repository" not in proc.stdout
    assert any(rule == "AIP-SCH-001" and path.startswith("/dev/fd/") for path, _, rule in findings(proc.stdout))


def test_a_symlink_to_a_device_in_the_repository_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.symlink("/dev/zero", tmp_path / "ai-production.yaml")
    proc = aipolicy("check", "--today", TODAY, "ai-production.yaml", cwd=tmp_path, timeout=60)
    assert proc.returncode == 1 and b"outside the repository" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--stdin-filename", "x.yaml", "."), b"give '-' as the path"),
        (("-", "-"), b"can be read only once"),
        (("-", "/dev/stdin"), b"can be read only once"),
        (("-", "--stdin-filename", "."), b"is a folder"),
    ],
)
def test_stdin_misuse_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: bytes) -> None:
    proc = aipolicy("check", *args, cwd=tmp_path, stdin=b"")
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_empty_or_oversized_stdin_is_a_finding(tmp_path: Path) -> None:
    empty = aipolicy("check", "-", cwd=tmp_path, stdin=b"")
    assert empty.returncode == 1 and [rule for _, _, rule in findings(empty.stdout)] == ["AIP-SCH-002"]
    big = aipolicy("check", "--max-file-size", "100", "-", cwd=tmp_path, stdin=GOOD.encode())
    assert big.returncode == 1 and b"over the 100-byte limit" in big.stdout


# -- -q, --exit-zero, --statistics ------------------------------------------------------------------------


def _two_files(tmp_path: Path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ai-production.yaml").write_text(TWO_PROBLEMS)
    (tmp_path / "b" / "ai-production.yaml").write_text(TWO_PROBLEMS.replace("  colour: blue\n", ""))
    return tmp_path


def test_quiet_prints_the_findings_only(tmp_path: Path) -> None:
    _two_files(tmp_path)
    loud = aipolicy("check", "--today", TODAY, ".", cwd=tmp_path)
    quiet = aipolicy("check", "--today", TODAY, "-q", ".", cwd=tmp_path)
    assert quiet.returncode == loud.returncode == 1
    lines = quiet.stdout.decode().splitlines()
    assert lines and all(FINDING.match(line) for line in lines), lines
    assert findings(quiet.stdout) == findings(loud.stdout)
    assert b"checked:" in loud.stdout and b"answered" in loud.stdout  # what -q leaves out is there without it


def test_quiet_silences_notes_but_not_warnings(tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(GOOD.replace("stage: exploration", "stage: pilot"))
    loud = aipolicy("check", "--today", TODAY, ".", cwd=tmp_path)  # not a git repository: a note says so
    assert b"AIP-GIT-" in loud.stderr
    quiet = aipolicy("check", "--today", TODAY, "--quiet", ".", cwd=tmp_path)
    assert quiet.stderr == b""
    (tmp_path / "empty").mkdir()
    nothing = aipolicy("check", "-q", "empty", cwd=tmp_path)
    assert b"no manifests found" in nothing.stderr


def test_exit_zero_reports_but_never_fails_on_findings(tmp_path: Path) -> None:
    _two_files(tmp_path)
    proc = aipolicy("check", "--today", TODAY, "--exit-zero", "--fail-on", "note", ".", cwd=tmp_path)
    assert proc.returncode == 0 and findings(proc.stdout)
    assert aipolicy("check", "--today", TODAY, "--fail-on", "note", ".", cwd=tmp_path).returncode == 1
    bad = aipolicy("check", "--exit-zero", "--select", "NOPE-001", ".", cwd=tmp_path)
    assert bad.returncode == 2  # a usage error still is one


def test_statistics_counts_each_rule_most_frequent_first(tmp_path: Path) -> None:
    _two_files(tmp_path)
    full = aipolicy("check", "--today", TODAY, "--format", "json", ".", cwd=tmp_path)
    expected: dict[str, int] = {}
    slugs: dict[str, str] = {}
    for f in json.loads(full.stdout)["findings"]:
        if not f["suppressed"]:
            expected[f["rule"]] = expected.get(f["rule"], 0) + 1
            slugs[f["rule"]] = f["slug"]
    proc = aipolicy("check", "--today", TODAY, "--statistics", ".", cwd=tmp_path)
    assert proc.returncode == 1
    rows = [line.split("\t") for line in proc.stdout.decode().splitlines()]
    assert {rule: (int(n), slug) for n, rule, slug in rows} == {r: (n, slugs[r]) for r, n in expected.items()}
    counts = [int(n) for n, _, _ in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    as_json = json.loads(
        aipolicy("check", "--today", TODAY, "--statistics", "--format", "json", ".", cwd=tmp_path).stdout
    )
    assert {row["rule"]: row["count"] for row in as_json} == expected


def test_statistics_with_a_format_that_has_no_table_is_a_usage_error(tmp_path: Path) -> None:
    _two_files(tmp_path)
    proc = aipolicy("check", "--statistics", "--format", "sarif", ".", cwd=tmp_path)
    assert proc.returncode == 2 and b"--statistics prints text or json" in proc.stderr
    out = tmp_path / "report.json"
    both = aipolicy(
        "check",
        "--today",
        TODAY,
        "--statistics",
        "--format",
        "text",
        "--format",
        "json",
        "--output",
        "-",
        "--output",
        str(out),
        ".",
        cwd=tmp_path,
    )
    assert both.returncode == 1 and not (tmp_path / "-").exists()  # `--output -` is stdout
    assert json.loads(out.read_text())["findings"] and all(
        len(line.split("\t")) == 3 for line in both.stdout.decode().splitlines()
    )
    both = aipolicy(
        "check",
        "--today",
        TODAY,
        "--statistics",
        "--format",
        "json",
        "--output",
        str(out),
        "--format",
        "text",
        ".",
        cwd=tmp_path,
    )
    assert both.returncode == 1 and all(len(line.split("\t")) == 3 for line in both.stdout.decode().splitlines())
    assert json.loads(out.read_text())["findings"]  # the report written to a file is the full one


# -- forced colour -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({}, False),
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": ""}, False),
        ({"CLICOLOR_FORCE": "1"}, True),
        ({"CLICOLOR_FORCE": "0"}, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ({"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_force_color_and_clicolor_force_colour_a_pipe_and_no_color_wins(
    tmp_path: Path, env: dict[str, str], coloured: bool
) -> None:
    (tmp_path / "ai-production.yaml").write_text(TWO_PROBLEMS)
    proc = aipolicy("check", "--today", TODAY, ".", cwd=tmp_path, env=subprocess_env(**env))
    assert proc.returncode == 1 and (b"\x1b[" in proc.stdout) is coloured
    forced_off = aipolicy("check", "--today", TODAY, "--no-color", ".", cwd=tmp_path, env=subprocess_env(**env))
    assert b"\x1b[" not in forced_off.stdout
    as_json = aipolicy("check", "--today", TODAY, "--format", "json", ".", cwd=tmp_path, env=subprocess_env(**env))
    assert b"\x1b[" not in as_json.stdout  # colour is for the text report only


def test_rdjson_byte_columns_come_from_what_stdin_held_not_the_file_on_disk(tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(GOOD, encoding="utf-8")  # saved; the editor holds `held`
    held = (
        "apiVersion: aipolicy/v1\n"
        "system: {id: sys-é, name: Ünïcode, description: d, type: classifier, colour: blue}\n"
        "stage: exploration\n"
    )
    proc = aipolicy(
        "check",
        "--today",
        TODAY,
        "--format",
        "rdjson",
        "-",
        "--stdin-filename",
        "ai-production.yaml",
        cwd=tmp_path,
        stdin=held.encode("utf-8"),
    )
    diagnostics = json.loads(proc.stdout)["diagnostics"]
    unknown = [d for d in diagnostics if d["code"]["value"] == "AIP-SCH-001" and "colour" in d["message"]]
    assert len(unknown) == 1, diagnostics
    line = held.splitlines()[1]
    assert unknown[0]["location"]["range"]["start"] == {
        "line": 2,
        "column": len(line[: line.index("colour")].encode()) + 1,
    }


def test_stdin_filename_finds_the_configuration_and_repository_of_that_path(tmp_path: Path) -> None:
    repo = tmp_path / "rA"
    (repo / ".git").mkdir(parents=True)
    (repo / ".aipolicy.yaml").write_text("ignore: [AIP-SCH-001]\n")
    args = ("check", "--today", TODAY, "--format", "gitlab", "-", "--stdin-filename")
    # From outside the repository: rA's configuration applies, and paths are rA-relative.
    outside = json.loads(aipolicy(*args, "rA/svc/ai-production.yaml", cwd=tmp_path, stdin=TWO_PROBLEMS.encode()).stdout)
    inside = json.loads(aipolicy(*args, "svc/ai-production.yaml", cwd=repo, stdin=TWO_PROBLEMS.encode()).stdout)
    assert outside and {e["check_name"] for e in outside}.isdisjoint({"AIP-SCH-001"})
    assert {e["location"]["path"] for e in outside} == {"svc/ai-production.yaml"}
    assert outside == inside  # same findings, same fingerprints, wherever the editor runs it


def test_stdin_without_a_file_name_gets_no_git_rules(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("/other/ @someone\n")
    pilot = GOOD.replace("stage: exploration", "stage: pilot")
    proc = aipolicy("check", "--today", TODAY, "--select", "AIP-GIT", "-", cwd=tmp_path, stdin=pilot.encode())
    assert findings(proc.stdout) == [] and b"`/-" not in proc.stdout
    named = aipolicy(
        "check",
        "--today",
        TODAY,
        "--select",
        "AIP-GIT-003",
        "-",
        "--stdin-filename",
        "svc/ai-production.yaml",
        cwd=tmp_path,
        stdin=pilot.encode(),
    )
    assert [rule for _, _, rule in findings(named.stdout)] == ["AIP-GIT-003"]  # no CODEOWNERS entry for svc/
