"""Red-team pass over issue 14: hostile repositories, baselines and inputs that got
past the first implementation. Each test names what must hold."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_git_repo import Repo, aip, env, manifest, repo  # noqa: F401 - fixtures

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# -- a repository's git config cannot make git read files outside it --------------------------------


def _include(outside: Path) -> str:
    return f"path = {outside}\n"


@needs_git
@pytest.mark.parametrize(
    "how",
    (
        "after a section on one line",
        "after a carriage return",
        "after a byte order mark",
        "in the common dir named by .git/commondir",
    ),
)
def test_every_include_git_honours_is_refused(repo, tmp_path, how):
    from checker import gitrepo

    outside = tmp_path / "outside.gitconfig"
    outside.write_text("[marker]\n\thit = yes\n", encoding="utf-8")
    config = repo.path / ".git" / "config"
    if how == "after a section on one line":
        with open(config, "a", encoding="utf-8") as handle:
            handle.write(f"[core][include]{_include(outside)}")
    elif how == "after a carriage return":
        with open(config, "a", encoding="utf-8", newline="") as handle:
            handle.write(f"\r[include]\n{_include(outside)}")
    elif how == "after a byte order mark":
        config.write_bytes(b"\xef\xbb\xbf[include]\n" + _include(outside).encode() + config.read_bytes())
    else:
        common = repo.path / "common"
        subprocess.run(["git", "init", "-q", "--bare", str(common)], check=True, env=repo.env)
        with open(common / "config", "a", encoding="utf-8") as handle:
            handle.write(f"[include]\n{_include(outside)}")
        (repo.path / ".git" / "commondir").write_text("../common\n", encoding="utf-8")
    # The premise: git itself reads the outside file from this repository.
    seen = subprocess.run(["git", "config", "marker.hit"], cwd=repo.path, env=repo.env, capture_output=True, text=True)
    assert seen.stdout.strip() == "yes", (how, seen.stderr)
    gitrepo.forget()
    assert gitrepo.refusal(repo.path) is not None, how


@needs_git
@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize(
    "name",
    (
        "HEAD",
        "commondir",
        "packed-refs",
        "index",
        "objects/info/alternates",
        "refs/heads/main",
        "objects/pack/pack-0.pack",
        "objects/ab/" + "c" * 38,
    ),
)
def test_a_fifo_that_every_git_process_would_block_on_gets_no_git_process(repo, aip, name):
    import os

    from checker import gitrepo

    target = repo.path / ".git" / name
    if target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(target)
    gitrepo.forget()
    assert gitrepo.refusal(repo.path) is not None
    run = aip(repo.path)  # would wait on git's 120 s timeout for every git call
    assert run.json["summary"]["files"] == 1
    assert "AIP-GIT-* were skipped" in run.stderr and name in run.stderr


@needs_git
def test_a_dot_git_that_is_a_symlink_gets_no_git_process(env, tmp_path, aip):
    from checker import gitrepo

    other = Repo(tmp_path / "other", env)
    outside = tmp_path / "outside.gitconfig"
    outside.write_text("[marker]\n\thit = yes\n", encoding="utf-8")
    with open(other.path / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write(f"[include]\n\tpath = {outside}\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").symlink_to(other.path / ".git")
    (work / "ai-production.yaml").write_text(manifest("."), encoding="utf-8")
    seen = subprocess.run(["git", "config", "marker.hit"], cwd=work, env=env, capture_output=True, text=True)
    assert seen.stdout.strip() == "yes"  # git follows the link and reads the include
    gitrepo.forget()
    assert gitrepo.refusal(work) is not None
    run = aip(work)
    assert run.json["summary"]["files"] == 1 and "AIP-GIT-* were skipped" in run.stderr


# -- no line aipolicy prints is an Azure Pipelines command, whatever the format -----------------------

AZURE_HOSTILE = """\
apiVersion: aipolicy/v1
system:
  id: "x##vso[task.setvariable variable=PWN]1"
  name: "##[error]forged"
stage: "##VSO[task.complete result=Failed]x"
"##vso[task.setvariable variable=x]y": 1
"""


def _azure_commands(text: str) -> list[str]:
    """The lines the Azure agent would run as commands: `##vso[` anywhere, `##[` at the start."""
    import re

    return [line for line in text.splitlines() if re.search(r"##vso\[", line, re.I) or line.lstrip().startswith("##[")]


@pytest.mark.parametrize("fmt", ("text", "azure"))
def test_no_manifest_text_or_baseline_entry_becomes_an_azure_command_on_stdout_or_stderr(tmp_path, run_aipolicy, fmt):
    import json

    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / ".git").mkdir()  # a repository (no git needed): the configuration's baseline stays inside it
    (folder / "##vso[task.complete result=Failed]").mkdir()
    (folder / "##vso[task.complete result=Failed]" / "ai-production.yaml").write_text(AZURE_HOSTILE, encoding="utf-8")
    entry = {
        "rule": "AIP-ZZZ-999",
        "json_path": "$.x",
        "count": 1,
        "path": "##vso[task.complete result=Failed]/ai-production.yaml",
    }
    (folder / "baseline.json").write_text(
        json.dumps({"format": "aipolicy-baseline", "version": 1, "findings": [entry]}), encoding="utf-8"
    )
    (folder / ".aipolicy.yaml").write_text("baseline: baseline.json\n", encoding="utf-8")
    bad = tmp_path / "bad.json"  # an error line quoting a baseline's rule: stderr too
    bad.write_text(
        json.dumps({"format": "aipolicy-baseline", "version": "##vso[task.complete]", "findings": []}), encoding="utf-8"
    )
    run = run_aipolicy("check", ".", "--format", fmt, "--today", "2026-12-02", cwd=folder)
    assert run.returncode == 1, run.stderr
    ours = "##vso[task.logissue " if fmt == "azure" else None
    stdout = [line for line in run.stdout.splitlines() if ours is None or not line.startswith(ours)]
    # In aipolicy's own logissue lines only the first `##vso[` counts: its data may hold the rest.
    assert _azure_commands("\n".join(stdout)) == [], run.stdout
    assert _azure_commands(run.stderr) == [], run.stderr
    if fmt == "text":
        assert "##vso%5Btask.setvariable" in run.stdout  # shown, not dropped
    error = run_aipolicy("check", ".", "--format", fmt, "--baseline", str(bad), cwd=folder)
    assert error.returncode == 2 and _azure_commands(error.stderr) == [], error.stderr


# -- a file name that is not UTF-8 reaches every output without a crash ---------------------------------


@pytest.mark.parametrize("fmt", ("text", "json", "sarif", "junit", "gitlab", "rdjson", "azure", "github"))
def test_a_folder_name_that_is_not_utf8_is_written_to_every_format_and_the_job_summary(
    tmp_path, run_aipolicy, child_env, fmt
):
    import json
    import os

    folder = tmp_path / "repo"
    folder.mkdir()
    try:
        os.makedirs(os.path.join(os.fsencode(folder), b"bad\xff"))
    except OSError:
        pytest.skip("this file system takes UTF-8 names only")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    # A real repository: the git rules' messages quote the manifest's path (AIP-GIT-003).
    subprocess.run(["git", "init", "-q", str(folder)], check=True, env=child_env())
    Path(os.fsdecode(os.path.join(os.fsencode(folder), b"bad\xff", b"ai-production.yaml"))).write_text(
        "apiVersion: aipolicy/v1\nstage: pilot\n", encoding="utf-8"
    )
    summary = tmp_path / "summary.md"
    run = run_aipolicy(
        "check",
        ".",
        "--format",
        fmt,
        "--output",
        "report.out",
        "--today",
        "2026-12-02",
        cwd=folder,
        env=child_env(GITHUB_STEP_SUMMARY=str(summary)),
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    text = (folder / "report.out").read_bytes().decode("utf-8")  # valid UTF-8, whatever the names
    assert "bad" in text
    if fmt in ("json", "sarif", "gitlab", "rdjson"):
        json.loads(text)
    if fmt == "github":
        assert "bad" in summary.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ("json", "sarif", "gitlab", "rdjson", "junit"))
def test_machine_formats_printed_into_a_log_hold_no_azure_command_and_read_back_exactly(tmp_path, run_aipolicy, fmt):
    import json
    import xml.etree.ElementTree as ET

    folder = tmp_path / "repo"
    name = "##vso[task.complete result=Failed]"
    (folder / name).mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / name / "ai-production.yaml").write_text(AZURE_HOSTILE, encoding="utf-8")
    run = run_aipolicy("check", ".", "--format", fmt, "--today", "2026-12-02", cwd=folder)
    assert run.returncode == 1, run.stderr
    assert _azure_commands(run.stdout) == [], run.stdout
    # Lossless: the file name comes back exactly when the document is parsed.
    if fmt == "junit":
        assert any(name in (suite.get("name") or "") for suite in ET.fromstring(run.stdout).iter("testsuite"))
    else:
        from urllib.parse import unquote

        assert name in unquote(json.dumps(json.loads(run.stdout), ensure_ascii=False))  # SARIF: a percent-encoded URI


def test_rdjson_never_reads_a_file_outside_the_repository_again_for_its_columns(tmp_path, monkeypatch):
    from checker import safeio
    from checker.report import rdjson

    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / ".git").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("é" * 50 + "\n", encoding="utf-8")
    link = folder / "ai-production.yaml"
    link.symlink_to(outside)
    monkeypatch.chdir(folder)
    safeio.forget()
    assert rdjson._Lines().get(str(link)) is None  # the link leads out: not read, no columns from it
    inside = folder / "other.ai-production.yaml"
    inside.write_text("a: é\n", encoding="utf-8")
    assert rdjson._Lines().get(str(inside)) == ["a: é", ""]


@needs_git
def test_after_one_git_timeout_the_repository_gets_no_more_git_processes(repo, aip, monkeypatch):
    import subprocess

    from checker import gitrepo

    repo.write("svc/ai-production.yaml", manifest("svc"))
    repo.commit("svc")
    calls = []
    real = subprocess.run

    def slow(args, *a, **kw):
        if args and str(args[0]).endswith("git"):
            calls.append(args)
            raise subprocess.TimeoutExpired(args, kw.get("timeout"))
        return real(args, *a, **kw)

    monkeypatch.setattr(gitrepo.subprocess, "run", slow)
    run = aip(repo.path)
    assert run.json["summary"]["files"] == 2  # the fixture's manifest and svc's, checked without git
    assert len(calls) == 1, [
        c[c.index("-C") : c.index("-C") + 3] for c in calls
    ]  # the first timeout refuses the repository for the rest of the run
    assert "did not answer within" in run.stderr and "AIP-GIT-* were skipped" in run.stderr
