"""`aipolicy check`: discovery, output formats, exit codes, terminals, and files that are not what they seem.

Most runs call checker.cli.main in-process (the real entry point, with its
error handling); questions about terminals, colour and tracebacks run a
subprocess. Dates are pinned with --today.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
TODAY = "2026-11-26"

GOOD = """\
apiVersion: aipolicy/v1
system:
  id: small-system
  name: Small system
  description: A minimal exploration manifest.
  type: classifier
stage: exploration
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
"""
BROKEN = "apiVersion: aipolicy/v1\nsystem: [unclosed\n"

FINDING_LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note) (?P<rule>AIP-[A-Z]+-\d{3}) (?P<msg>.+)$"
)
TOTALS_LINE = re.compile(r"^\d+ files? checked: \d+ errors?, \d+ warnings?, \d+ notes?")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def checked_paths(cli, cwd: Path, *args: str) -> list[str]:
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", *args, cwd=cwd)
    assert code in (0, 1)
    return [m["path"] for m in json.loads(out)["manifests"]]


def git_init(path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


# -- discovery ------------------------------------------------------------------------------


def test_folders_are_searched_recursively_for_every_manifest_name(cli, tmp_path: Path) -> None:
    for rel in (
        "ai-production.yaml",
        "a/ai-production.yml",
        "a/b/churn.ai-production.yaml",
        "a/b/c/deep/ai-production.yaml",
    ):
        write(tmp_path / rel, GOOD)
    for rel in ("production.yaml", "ai-production.yaml.bak", "a/ai-production.json", "a/notes.ai-production.txt"):
        write(tmp_path / rel, GOOD)
    assert sorted(checked_paths(cli, tmp_path)) == sorted(
        ["ai-production.yaml", "a/ai-production.yml", "a/b/churn.ai-production.yaml", "a/b/c/deep/ai-production.yaml"]
    )


def test_vcs_dependency_and_virtualenv_folders_are_skipped(cli, tmp_path: Path) -> None:
    write(tmp_path / "ai-production.yaml", GOOD)
    for rel in (
        ".git/ai-production.yaml",
        "node_modules/pkg/ai-production.yaml",
        ".venv/ai-production.yaml",
        "venv/lib/ai-production.yaml",
        "any-name-env/lib/ai-production.yaml",
    ):
        write(tmp_path / rel, BROKEN)
    write(tmp_path / "any-name-env" / "pyvenv.cfg", "home = /usr/bin\n")  # what makes a folder a virtualenv
    assert checked_paths(cli, tmp_path) == ["ai-production.yaml"]


def test_gitignored_manifests_are_skipped_in_folders_but_checked_when_named(cli, tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path / ".gitignore", "build/\n*.local.ai-production.yaml\n")
    write(tmp_path / "ai-production.yaml", GOOD)
    write(tmp_path / "build" / "ai-production.yaml", BROKEN)
    write(tmp_path / "mine.local.ai-production.yaml", BROKEN)
    assert checked_paths(cli, tmp_path) == ["ai-production.yaml"]
    # pre-commit passes the files it matched: a file named explicitly is always checked
    assert checked_paths(cli, tmp_path, "build/ai-production.yaml") == ["build/ai-production.yaml"]


def test_files_named_explicitly_are_checked_whatever_their_name(cli, tmp_path: Path) -> None:
    write(tmp_path / "custom.yaml", GOOD)
    assert checked_paths(cli, tmp_path, "custom.yaml") == ["custom.yaml"]


def test_every_file_is_checked_when_some_are_broken(cli, tmp_path: Path) -> None:
    write(tmp_path / "a" / "ai-production.yaml", BROKEN)
    write(tmp_path / "b" / "ai-production.yaml", b"\xff\xfe\x00garbage")
    write(tmp_path / "c" / "ai-production.yaml", GOOD)
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", cwd=tmp_path)
    report = json.loads(out)
    assert code == 1
    assert [m["path"] for m in report["manifests"]] == [
        "a/ai-production.yaml",
        "b/ai-production.yaml",
        "c/ai-production.yaml",
    ]
    by_path = {}
    for f in report["findings"]:
        by_path.setdefault(f["path"], set()).add(f["rule"])
    assert by_path.get("a/ai-production.yaml") == {"AIP-SCH-002"}
    assert by_path.get("b/ai-production.yaml") == {"AIP-SCH-002"}
    assert "c/ai-production.yaml" not in by_path
    assert report["manifests"][2]["system_id"] == "small-system"


# -- output -------------------------------------------------------------------------------------


def test_text_output_has_finding_lines_a_diagnostic_line_and_totals(cli, tmp_path: Path) -> None:
    write(tmp_path / "broken" / "ai-production.yaml", BROKEN)
    shutil.copy(EXAMPLES / "failing" / "broken-schema.ai-production.yaml", tmp_path / "schema.ai-production.yaml")
    write(tmp_path / "ok" / "ai-production.yaml", GOOD)
    code, out, _ = cli("check", "--today", TODAY, "--format", "text", cwd=tmp_path)
    assert code == 1
    lines = out.splitlines()
    findings = [m.groupdict() for m in map(FINDING_LINE.match, lines) if m]
    assert {(f["path"], f["line"], f["rule"]) for f in findings} >= {
        ("broken/ai-production.yaml", "2", "AIP-SCH-002"),  # end of stream: on the last line
        ("schema.ai-production.yaml", "21", "AIP-SCH-001"),
        ("schema.ai-production.yaml", "40", "AIP-SCH-001"),
        ("schema.ai-production.yaml", "43", "AIP-SCH-001"),
    }
    # The diagnostic line names the file, then the system.
    assert any(line.startswith("ok/ai-production.yaml: small-system: ") and "/10 answered" in line for line in lines)
    assert TOTALS_LINE.match(lines[-1]) and lines[-1].startswith("3 files checked")
    assert "\x1b[" not in out  # not a terminal: no colour


def test_text_paths_are_relative_to_the_current_folder(cli, tmp_path: Path) -> None:
    write(tmp_path / "team" / "svc" / "ai-production.yaml", BROKEN)
    _, out, _ = cli("check", "--today", TODAY, "--format", "text", "svc", cwd=tmp_path / "team")
    assert out.splitlines()[0].startswith("svc/ai-production.yaml:2:")


FINDING_KEYS = {
    "rule",
    "slug",
    "severity",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "json_path",
    "message",
    "suppressed",
}


def test_json_output_parses_and_has_the_shape_of_the_spec(cli, tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "failing" / "broken-schema.ai-production.yaml", tmp_path / "schema.ai-production.yaml")
    write(tmp_path / "ok" / "ai-production.yaml", GOOD)
    write(tmp_path / "bad" / "ai-production.yaml", BROKEN)
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", cwd=tmp_path)
    assert code == 1
    report = json.loads(out)
    assert {"version", "manifests", "findings", "summary"} <= set(report)
    assert isinstance(report["version"], str) and report["version"]
    for m in report["manifests"]:
        assert {"path", "system_id", "stage", "questions"} <= set(m)
        if m["questions"] is not None:
            assert isinstance(m["questions"]["answered"], int) and isinstance(m["questions"]["unanswered"], list)
    ok = next(m for m in report["manifests"] if m["path"] == "ok/ai-production.yaml")
    assert (ok["system_id"], ok["stage"]) == ("small-system", "exploration")
    assert 0 <= ok["questions"]["answered"] <= 10
    assert report["findings"]
    for f in report["findings"]:
        assert set(f) >= FINDING_KEYS
        assert f["severity"] in ("error", "warning", "note") and isinstance(f["suppressed"], bool)
        assert all(isinstance(f[k], int) and f[k] >= 1 for k in ("line", "column", "end_line", "end_column"))
        assert (f["end_line"], f["end_column"]) >= (f["line"], f["column"])
        assert f["json_path"].startswith("$")
    summary = report["summary"]
    assert set(summary) >= {"files", "errors", "warnings", "notes", "suppressed"}
    assert summary["files"] == 3
    active = [f for f in report["findings"] if not f["suppressed"]]
    assert summary["errors"] == sum(f["severity"] == "error" for f in active)
    assert summary["warnings"] == sum(f["severity"] == "warning" for f in active)
    assert summary["suppressed"] == len(report["findings"]) - len(active)
    rollbak = next(f for f in report["findings"] if f["json_path"] == "$.rollbak")
    assert (rollbak["line"], rollbak["column"], rollbak["end_line"], rollbak["end_column"]) == (43, 1, 43, 8)


def test_json_output_with_dates_in_every_form_never_crashes(cli, tmp_path: Path) -> None:
    text = (EXAMPLES / "production" / "ai-production.yaml").read_text(encoding="utf-8")
    text = text.replace("last_review: 2026-09-01", "last_review: 2026-09-01T10:00:00Z")
    text = text.replace("next_review: 2027-03-01", "next_review: '2027-03-01'")
    write(tmp_path / "ai-production.yaml", text + "x-when: 2026-01-01\n")
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", cwd=tmp_path)
    assert code == 1
    report = json.loads(out)
    assert any(f["json_path"] == "$.governance.last_review" for f in report["findings"])
    assert not any(f["json_path"] == "$.governance.next_review" for f in report["findings"])


# -- exit codes -----------------------------------------------------------------------------------


def test_exit_0_when_nothing_reaches_fail_on(cli, tmp_path: Path) -> None:
    write(tmp_path / "ai-production.yaml", GOOD)
    assert cli("check", "--today", TODAY, cwd=tmp_path)[0] == 0


def test_exit_1_on_errors(cli, tmp_path: Path) -> None:
    write(tmp_path / "ai-production.yaml", BROKEN)
    assert cli("check", "--today", TODAY, cwd=tmp_path)[0] == 1


def test_fail_on_decides_whether_warnings_fail(cli, tmp_path: Path) -> None:
    # The pilot example judged as a production candidate, reduced to two warning-level rules.
    shutil.copytree(EXAMPLES / "pilot", tmp_path / "examples" / "pilot")
    args = (
        "check",
        "--today",
        TODAY,
        "--format",
        "json",
        "--stage",
        "production",
        "--select",
        "AIP-BIZ-002,AIP-ROLL-004",
    )
    code, out, _ = cli(*args, cwd=tmp_path)
    severities = {f["severity"] for f in json.loads(out)["findings"] if not f["suppressed"]}
    assert severities == {"warning"}
    assert code == 0
    assert cli(*args, "--fail-on", "warning", cwd=tmp_path)[0] == 1
    assert cli(*args, "--fail-on", "note", cwd=tmp_path)[0] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["--format", "xml"],
        ["--today", "26/11/2026"],
        ["--today", "2026-02-30"],
        ["--max-file-size", "0"],
        ["--max-file-size", "lots"],
        ["--fail-on", "fatal"],
        ["--stage", "prod"],
        ["--select", "AIP-NOPE-999"],
        ["--ignore", "no-such-rule"],
        ["does-not-exist.yaml"],
        ["--output", "a.json", "--output", "b.json", "--format", "json"],
    ],
)
def test_bad_option_exits_2_with_one_line_on_stderr_and_no_traceback(
    run_aipolicy, tmp_path: Path, args: list[str]
) -> None:
    write(tmp_path / "ai-production.yaml", GOOD)
    proc = run_aipolicy("check", *args, "ai-production.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "a.json").exists()


# -- terminals and colour ------------------------------------------------------------------------------


def _run_on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, bytes]:
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "checker", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert b"Traceback" not in proc.stderr
    return proc.returncode, b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, run_aipolicy, child_env) -> None:
    write(tmp_path / "ai-production.yaml", BROKEN)
    args = ["check", "--today", TODAY, "--format", "text", "ai-production.yaml"]
    code, out = _run_on_terminal(args, tmp_path, child_env())
    assert code == 1 and b"\x1b[" in out  # a terminal: coloured
    for env, extra in ((child_env(NO_COLOR="1"), []), (child_env(), ["--no-color"])):
        code, out = _run_on_terminal(args + extra, tmp_path, env)
        assert code == 1 and b"ai-production.yaml:2:" in out and b"\x1b[" not in out
    piped = run_aipolicy(*args, cwd=tmp_path)
    assert piped.returncode == 1 and "\x1b[" not in piped.stdout


# -- files that are not what they seem ---------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_like_a_manifest_is_reported_not_read(run_aipolicy, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ai-production.yaml")
    write(tmp_path / "ai-production.yaml", GOOD)
    # A read would block forever (no writer): the timeout turns such a hang into a failure.
    for args in (["."], ["pipe.ai-production.yaml", "ai-production.yaml"]):
        proc = run_aipolicy("check", "--today", TODAY, "--format", "json", *args, cwd=tmp_path, timeout=60)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        report = json.loads(proc.stdout)
        assert sorted(m["path"] for m in report["manifests"]) == ["ai-production.yaml", "pipe.ai-production.yaml"]
        assert [f["rule"] for f in report["findings"] if f["path"] == "pipe.ai-production.yaml"] == ["AIP-SCH-002"]


def test_folder_named_like_a_manifest_is_searched_not_read(cli, tmp_path: Path) -> None:
    write(tmp_path / "odd.ai-production.yaml" / "ai-production.yaml", GOOD)
    (tmp_path / "empty.ai-production.yaml").mkdir()
    assert checked_paths(cli, tmp_path) == ["odd.ai-production.yaml/ai-production.yaml"]
    assert checked_paths(cli, tmp_path, "odd.ai-production.yaml") == ["odd.ai-production.yaml/ai-production.yaml"]
    code, out, err = cli("check", "--today", TODAY, "empty.ai-production.yaml", cwd=tmp_path)
    assert code == 0 and "no manifests found" in err


SECRET = "secret_field_outside_the_repository"


def _repo_with_outside_link(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    git_init(repo)
    write(tmp_path / "outside.yaml", GOOD + f"{SECRET}: 1\n")
    (repo / "ai-production.yaml").symlink_to(tmp_path / "outside.yaml")
    write(repo / "real.yaml", GOOD + f"{SECRET}: 2\n")
    (repo / "inside.ai-production.yaml").symlink_to("real.yaml")
    return repo


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
@pytest.mark.parametrize("where", ["repository", "its parent"])
def test_symlinked_manifest_pointing_outside_the_repository_is_not_read(cli, tmp_path: Path, where: str) -> None:
    repo = _repo_with_outside_link(tmp_path)
    # From the parent folder the target is below the current folder, yet still outside the repository.
    cwd = repo if where == "repository" else tmp_path
    code, out, _ = cli(
        "check", "--today", TODAY, "--format", "json", str(repo.relative_to(cwd)) if cwd != repo else ".", cwd=cwd
    )
    report = json.loads(out)
    assert code == 1
    outside = [
        f for f in report["findings"] if f["path"].endswith("/ai-production.yaml") or f["path"] == "ai-production.yaml"
    ]
    assert [f["rule"] for f in outside] == ["AIP-SCH-002"]
    assert "outside the repository" in outside[0]["message"]
    # The link inside the repository is read (its unknown field is reported); the outside one never is.
    assert sum(SECRET in f["message"] for f in report["findings"]) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlink_loop_is_a_finding_not_a_crash(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").symlink_to("ai-production.yaml")
    write(tmp_path / "other" / "ai-production.yaml", GOOD)
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", cwd=tmp_path)
    report = json.loads(out)
    assert code == 1
    assert [f["rule"] for f in report["findings"] if f["path"] == "ai-production.yaml"] == ["AIP-SCH-002"]
    assert "other/ai-production.yaml" in [m["path"] for m in report["manifests"]]


def test_file_over_max_file_size_is_reported_not_read(cli, tmp_path: Path) -> None:
    write(tmp_path / "big" / "ai-production.yaml", GOOD + "# " + "x" * 2000 + "\n")
    write(tmp_path / "small" / "ai-production.yaml", GOOD)
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", "--max-file-size", "1000", cwd=tmp_path)
    report = json.loads(out)
    assert code == 1
    big = [f for f in report["findings"] if f["path"] == "big/ai-production.yaml"]
    assert [f["rule"] for f in big] == ["AIP-SCH-002"] and "1000-byte limit" in big[0]["message"]
    assert not [f for f in report["findings"] if f["path"] == "small/ai-production.yaml"]


def test_file_exactly_at_max_file_size_is_read(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "ai-production.yaml", GOOD)
    size = str(path.stat().st_size)
    assert cli("check", "--today", TODAY, "--max-file-size", size, cwd=tmp_path)[0] == 0
    assert cli("check", "--today", TODAY, "--max-file-size", str(int(size) - 1), cwd=tmp_path)[0] == 1


def test_default_size_cap_is_one_mebibyte(cli, tmp_path: Path) -> None:
    write(tmp_path / "ai-production.yaml", GOOD + "# " + "x" * (1024 * 1024) + "\n")
    code, out, _ = cli("check", "--today", TODAY, "--format", "json", cwd=tmp_path)
    assert code == 1 and "1048576-byte limit" in json.loads(out)["findings"][0]["message"]


# -- any content --------------------------------------------------------------------------------


def _garbage() -> dict[str, bytes]:
    rng = random.Random(20261126)  # fixed seed: the same garbage on every run
    return {
        "random": bytes(rng.randrange(256) for _ in range(4096)),
        "random-ascii": bytes(rng.choice(b"{}[]:-&*!|>'\"#%@ \n\tabc") for _ in range(4096)),
        "ff": b"\xff" * 512,
        "nul": b"\x00" * 64,
        "bom-only": b"\xef\xbb\xbf",
        "utf16-bom-then-utf8": b"\xff\xfeapiVersion: aipolicy/v1\n",
        "deep-flow": b"a: " + b"[" * 50_000,
        "deep-block": b"".join(b" " * i + b"- \n" for i in range(300)),
        "long-line": b"x" * 500_000,  # one huge scalar, not a mapping
        "many-keys": b"".join(b"k%d: %d\n" % (i, i) for i in range(50_000)),
        "laughs": (Path(__file__).parent / "fixtures" / "loader" / "billion-laughs.yaml").read_bytes(),
        "tag": b"!!python/object/apply:os.system ['echo pwned']\n",
        "control": b"apiVersion: aipolicy/v1\nstage: \x1b[31mred\n",
    }


def test_any_content_exits_1_with_a_finding_per_file_and_no_traceback(run_aipolicy, tmp_path: Path) -> None:
    cases = _garbage()
    for name, raw in cases.items():
        write(tmp_path / f"{name}.ai-production.yaml", raw)
    proc = run_aipolicy("check", "--today", TODAY, "--format", "json", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert len(report["manifests"]) == len(cases)
    rejected = {f["path"] for f in report["findings"] if f["rule"] == "AIP-SCH-002"}
    assert rejected == {f"{name}.ai-production.yaml" for name in cases}
    text = run_aipolicy("check", "--today", TODAY, "--format", "text", ".", cwd=tmp_path)
    assert text.returncode == 1 and "Traceback" not in text.stderr
    assert "\x1b[31m" not in text.stdout  # manifest bytes never reach the output raw


# -- AIP-DUE-001: --warn-within and `warn-within` ---------------------------------------------------

DUE_SOON = REPO / "tests" / "fixtures" / "rules" / "AIP-DUE-001" / "fail-accuracy-due-soon.yaml"  # due in 12 days


def _due_rules(cli, cwd: Path, *args: str) -> list[str]:
    code, out, err = cli("check", "--today", "2026-11-26", "--format", "json", *args, str(DUE_SOON), cwd=cwd)
    assert code in (0, 1), err
    return [f["rule"] for f in json.loads(out)["findings"] if f["rule"] == "AIP-DUE-001"]


def test_warn_within_option_sets_the_deadline_window_and_zero_turns_it_off(cli, tmp_path: Path) -> None:
    assert _due_rules(cli, tmp_path) == ["AIP-DUE-001"]  # default: 14 days
    assert _due_rules(cli, tmp_path, "--warn-within", "11") == []
    assert _due_rules(cli, tmp_path, "--warn-within", "0") == []
    code, _, err = cli("check", "--warn-within", "-1", str(DUE_SOON), cwd=tmp_path)
    assert code == 2 and "--warn-within" in err


def test_warn_within_config_key_sets_the_window_and_the_command_line_wins(cli, tmp_path: Path) -> None:
    write(tmp_path / ".aipolicy.yaml", "warn-within: 5\n")
    assert _due_rules(cli, tmp_path) == []
    assert _due_rules(cli, tmp_path, "--warn-within", "12") == ["AIP-DUE-001"]
    write(tmp_path / ".aipolicy.yaml", "warn-within: soon\n")
    code, _, err = cli("check", str(DUE_SOON), cwd=tmp_path)
    assert code == 2 and "warn-within" in err
