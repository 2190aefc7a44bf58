"""A repository's git state is untrusted: it can neither run a command, nor point
aipolicy at another repository, nor, when damaged, stop the manifests being checked.

Real throwaway repositories, built with the helpers of test_git_repo (fixed
authors and dates, no user or system git configuration).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from test_git_repo import REF_FILES, Repo, aip, env, manifest, refs, repo  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# -- a cloned repository's config runs nothing ------------------------------------------------------


def _booby_trapped(tmp_path: Path, env: dict[str, str]) -> tuple[Repo, Path]:
    """A repository whose .git/config and .gitattributes would run `touch MARKER`
    from git status, git diff and git log, were they obeyed; evidence is dirty and
    committed, so every git fact of a production manifest is gathered."""
    marker = tmp_path / f"PWNED-{secrets.token_hex(6)}"
    r = Repo(tmp_path / "trap", env)
    r.write(".github/CODEOWNERS", "* @platform-team\n")
    r.write("svc/ai-production.yaml", manifest("svc"))
    refs(r, "svc")
    r.write(".gitattributes", "*.md filter=trap diff=trap\n*.yaml filter=trap diff=trap\n")
    r.commit("first")
    with open(r.path / ".git/config", "a", encoding="utf-8") as config:  # after the commit: our git stays clean
        config.write(
            f"[core]\n\tfsmonitor = touch {marker}\n"
            f'[filter "trap"]\n\tclean = touch {marker}; cat\n\tsmudge = touch {marker}; cat\n'
            f"\tprocess = touch {marker}\n\trequired = true\n"
            f'[diff "trap"]\n\ttextconv = touch {marker}; cat\n\tcommand = touch {marker}\n'
            f"[diff]\n\texternal = touch {marker}\n"
        )
    r.write("svc/evidence.md", "new evidence\n")  # dirty: status and diff must look at its content
    r.write("svc/ai-production.yaml", manifest("svc", threshold=0.3))
    return r, marker


def test_a_repositorys_own_config_never_runs_a_command_during_check(tmp_path, env, aip):
    r, marker = _booby_trapped(tmp_path, env)
    run = aip(r.path)
    assert run.json["summary"]["files"] == 1 and "Traceback" not in run.stderr
    assert not marker.exists()
    run = aip(r.path, "--changed-since", "HEAD")
    assert run.code in (0, 1), run.stderr
    assert [f["message"] for f in run.git("AIP-GIT-001")] == [
        "drift threshold for `prediction` raised from 0.2 to 0.3 since HEAD"
    ]
    assert not marker.exists()


def test_the_trap_is_real_plain_git_status_runs_it(tmp_path, env):
    # The control for the test above: git obeys that config when nothing stops it.
    r, marker = _booby_trapped(tmp_path, env)
    subprocess.run(["git", "status", "--porcelain"], cwd=r.path, env=env, capture_output=True, check=False)
    assert marker.exists()


# -- the environment never points at another repository ---------------------------------------------


def test_git_dir_in_the_environment_does_not_redirect_to_another_repository(tmp_path, env, monkeypatch, aip):
    other = Repo(tmp_path / "other", env)
    other.write("svc/ai-production.yaml", manifest("svc", threshold=0.9))
    other.commit("other")
    mine = Repo(tmp_path / "mine", env)
    mine.write(".github/CODEOWNERS", "* @platform-team\n")
    mine.write("svc/ai-production.yaml", manifest("svc"))
    refs(mine, "svc")
    mine.commit("mine")
    mine.write("svc/ai-production.yaml", manifest("svc", threshold=0.3))
    for key, value in {
        "GIT_DIR": other.path / ".git",
        "GIT_WORK_TREE": other.path,
        "GIT_INDEX_FILE": other.path / ".git/index",
        "GIT_OBJECT_DIRECTORY": other.path / ".git/objects",
    }.items():
        monkeypatch.setenv(key, str(value))
    run = aip(mine.path, "--changed-since", "HEAD")
    assert run.code in (0, 1), run.stderr
    # Compared with mine's HEAD (0.2), not other's (0.9); mine's refs are tracked there.
    assert [f["message"] for f in run.git("AIP-GIT-001")] == [
        "drift threshold for `prediction` raised from 0.2 to 0.3 since HEAD"
    ]
    assert run.git("AIP-GIT-004") == []


# -- a damaged .git: manifests still checked, git rules skipped with git's words ----------------------


def _damage(r: Repo, how: str) -> None:
    git = r.path / ".git"
    if how == "empty HEAD":
        (git / "HEAD").write_text("", encoding="utf-8")
    elif how == "garbage HEAD":
        (git / "HEAD").write_text("garbage \x00 not a ref\n", encoding="utf-8")
    elif how == "gitdir nowhere":
        shutil.rmtree(git)
        git.write_text("gitdir: /nonexistent/aipolicy-test\n", encoding="utf-8")
    elif how == "HEAD commit missing":
        branch = (git / "HEAD").read_text(encoding="utf-8").split("ref:")[1].strip()
        (git / branch).write_text("1" * 40 + "\n", encoding="utf-8")
    elif how == "truncated pack":
        r.git("gc", "-q")
        assert list((git / "objects/pack").glob("*.pack")), "git gc made no pack"
        _damage_pack_only(r)


DAMAGES = ("empty HEAD", "garbage HEAD", "gitdir nowhere", "HEAD commit missing", "truncated pack")


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_git_folder_skips_the_git_rules_with_one_note_and_checks_the_manifests(repo, aip, how):
    repo.write("services/router/ai-production.yaml", manifest("services/router", extra="rollback: {}\n"))
    expected = {f["rule"] for f in aip(repo.path, "--ignore", "AIP-GIT").json["findings"]}
    assert expected  # the manifest's own findings, without git
    _damage(repo, how)
    run = aip(repo.path)
    assert "Traceback" not in run.stderr
    assert run.json["summary"]["files"] == 1
    assert {f["rule"] for f in run.json["findings"]} == expected
    assert run.code == 1  # per the findings, not 2
    notes = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(notes) == 1 and "AIP-GIT-* were skipped" in notes[0], run.stderr
    assert "git cannot read the repository" in notes[0] and ("fatal:" in notes[0] or "error:" in notes[0])
    assert "no commits yet" not in run.stderr


@pytest.mark.parametrize("how", DAMAGES)
def test_changed_since_in_a_damaged_repository_is_exit_2_saying_what_git_said(repo, aip, how):
    _damage(repo, how)
    run = aip(repo.path, "--changed-since", "HEAD")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "--changed-since HEAD" in run.stderr and ("fatal:" in run.stderr or "error:" in run.stderr)
    assert "no commits yet" not in run.stderr


def test_an_empty_head_does_not_fall_back_to_an_enclosing_repository(tmp_path, env, aip):
    outer = Repo(tmp_path / "outer", env)
    outer.write("README", "outer\n")
    outer.commit("outer")
    inner = Repo(outer.path / "inner", env)
    inner.write("svc/ai-production.yaml", manifest("svc"))
    refs(inner, "svc")
    inner.commit("inner")
    _damage(inner, "empty HEAD")
    run = aip(inner.path, "--changed-since", "HEAD")
    assert run.code == 2 and "git cannot read the repository" in run.stderr


# -- the missing-base hint is safe to paste ------------------------------------------------------------


def test_the_fetch_hint_quotes_the_ref_for_the_shell(repo, aip):
    run = aip(repo.path, "--changed-since", "origin/x;rm -rf .")
    assert run.code == 2
    assert "git fetch origin 'x;rm -rf .'" in run.stderr


def test_history_that_cannot_be_read_mid_run_skips_the_git_rules_with_one_note(repo, aip):
    # HEAD and its tree are loose and readable; the history below them is in a truncated pack.
    repo.git("gc", "-q")
    repo.write("services/router/notes.txt", "after gc\n")
    repo.commit("after gc")
    _damage_pack_only(repo)
    run = aip(repo.path)
    assert "Traceback" not in run.stderr and run.json["summary"]["files"] == 1
    assert run.code in (0, 1) and run.git() == []
    notes = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(notes) == 1 and "AIP-GIT-* were skipped" in notes[0], run.stderr


def _damage_pack_only(r: Repo) -> None:
    for pack in (r.path / ".git/objects/pack").glob("*.pack"):
        pack.chmod(0o644)
        with open(pack, "r+b") as handle:
            handle.truncate(64)


# -- a repository's config cannot make git read files outside it -----------------------------------


@pytest.mark.parametrize("how", ("include", "includeIf", "fifo config", "config links out"))
def test_a_config_that_would_make_git_read_outside_the_repository_skips_the_git_rules(repo, aip, tmp_path, how):
    import os

    repo.write("services/router/ai-production.yaml", manifest("services/router"))
    expected = {f["rule"] for f in aip(repo.path, "--ignore", "AIP-GIT").json["findings"]}
    outside = tmp_path / "outside.gitconfig"
    outside.write_text("[core]\n\tbare = false\n", encoding="utf-8")
    config = repo.path / ".git" / "config"
    if how == "include":
        with open(config, "a", encoding="utf-8") as handle:
            handle.write(f"[include]\n\tpath = {outside}\n")
    elif how == "includeIf":
        with open(config, "a", encoding="utf-8") as handle:
            handle.write(f'[includeIf "gitdir:/"]\n\tpath = {outside}\n')
    else:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        config.unlink()
        if how == "fifo config":
            os.mkfifo(config)  # git would block reading it, with no writer ever coming
        else:
            os.mkfifo(outside.with_suffix(".fifo"))
            config.symlink_to(outside.with_suffix(".fifo"))
    run = aip(repo.path)
    assert run.json["summary"]["files"] == 1 and {f["rule"] for f in run.json["findings"]} == expected
    notes = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(notes) == 1 and "AIP-GIT-* were skipped" in notes[0], run.stderr
    assert str(config) in notes[0]
    changed = aip(repo.path, "--changed-since", "HEAD")
    assert changed.code == 2 and str(config) in changed.stderr and changed.stderr.count("\n") == 1


def test_a_plain_config_and_a_worktree_keep_the_git_rules(repo, aip, tmp_path):
    repo.write("services/router/ai-production.yaml", manifest("services/router"))
    repo.commit("router")
    assert aip(repo.path).stderr == ""
    worktree = tmp_path / "wt"
    repo.git("worktree", "add", "-q", str(worktree))
    run = aip(worktree)
    assert run.json["summary"]["files"] == 1 and run.stderr == "", run.stderr


# -- the repository's git files are inspected once per command -------------------------------------


@pytest.mark.parametrize("args", [(), ("--changed-since", "HEAD")], ids=["plain", "changed-since"])
def test_one_check_inspects_the_repositorys_git_files_once(repo, aip, monkeypatch, args) -> None:
    from checker import gitrepo

    inspected: list[Path] = []
    real = gitrepo._config_refusal

    def counting(root: Path) -> str | None:
        inspected.append(root)
        return real(root)

    monkeypatch.setattr(gitrepo, "_config_refusal", counting)
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.3))
    run = aip(repo.path, *args, "services/router/ai-production.yaml")
    assert run.code in (0, 1), run.stderr
    assert inspected == [repo.path.resolve()] or inspected == [repo.path], inspected


def test_the_safety_walk_looks_at_each_git_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The config files of a plain repository sit in `.git` itself: its refs and objects are
    # walked once (a walk of a fresh repository's loose objects costs milliseconds a start).
    from checker import gitrepo

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    walked: list[str] = []
    real = gitrepo._odd_entry

    def spy(folder: Path, budget: list[int]) -> Path | None:
        walked.append(Path(folder).relative_to(tmp_path).as_posix())
        return real(folder, budget)

    monkeypatch.setattr(gitrepo, "_odd_entry", spy)
    assert gitrepo._config_refusal(tmp_path) is None
    assert walked == [".git/refs", ".git/objects"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX executables: Windows finds `tool.exe` through PATHEXT")
def test_git_is_found_on_path_as_shutil_finds_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from checker import gitrepo

    real = shutil.which("git")
    assert gitrepo.which("git") == real
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        tool = folder / "tool"
        tool.write_text("#!/bin/sh\n", encoding="utf-8")
        tool.chmod(0o755)
    (first / "plain").write_text("not executable", encoding="utf-8")
    (second / "plain").write_text("#!/bin/sh\n", encoding="utf-8")
    (second / "plain").chmod(0o755)
    (first / "folder").mkdir()
    monkeypatch.setenv("PATH", os.pathsep.join([str(first), str(second)]))
    assert gitrepo.which("tool") == shutil.which("tool") == str(first / "tool")  # the first on PATH
    assert gitrepo.which("plain") == shutil.which("plain") == str(second / "plain")  # executable only
    assert gitrepo.which("folder") is None and gitrepo.which("absent") is None
    monkeypatch.setenv("PATH", "")
    assert gitrepo.which("tool") is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX executables")
def test_a_git_in_the_current_folder_never_runs_through_a_relative_path_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The current folder is usually the repository being checked: a `git` committed there
    # must not be what aipolicy runs, whatever the operator's PATH holds (an empty entry is `.`).
    from checker import gitrepo

    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\necho pwned > pwned\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    real_folder = os.path.dirname(shutil.which("git") or "/usr/bin/git")
    for path in ("", ".", os.pathsep + real_folder, "." + os.pathsep + real_folder):
        monkeypatch.setenv("PATH", path)
        found = gitrepo.which("git")
        assert found is None or (os.path.isabs(found) and os.path.dirname(found) == real_folder)


def _committed_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.io"}
    git_env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.io"}
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "start"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=git_env)
    return root


def test_untracked_files_are_looked_for_under_the_runs_paths_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run over `a/` never checks an untracked file in `b/`: git is not made to walk `b/` for it.
    from checker import gitrepo
    from checker.git import run

    root = _committed_repo(tmp_path)
    for folder in ("a", "b"):
        (root / folder).mkdir()
        (root / folder / "ai-production.yaml").write_text("stage: pilot\n", encoding="utf-8")
    gitrepo.forget()
    git_run = run.open_run(root, [root / "a"], "HEAD", 1 << 20)
    assert git_run is not None and git_run.scope == ("a",)
    assert git_run.changed_paths(("ai-production.yaml",)) == {"a/ai-production.yaml"}
    assert git_run.added == {"a/ai-production.yaml"}
    # The whole repository, or a path outside it: every untracked file, as before.
    assert run._scope(root, [root]) == () and run._scope(root, [root / "a", tmp_path]) == ()
    assert {c.path for c in gitrepo.changes(root, git_run.base or "HEAD")} == {
        "a/ai-production.yaml",
        "b/ai-production.yaml",
    }


def test_a_run_asks_git_for_head_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import gitrepo
    from checker.git import run

    root = _committed_repo(tmp_path)
    asked: list[tuple[str, ...]] = []
    real = gitrepo._git

    def spy(where: Path, *args: str, **kwargs: object):
        asked.append(args)
        return real(where, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitrepo, "_git", spy)
    gitrepo.forget()
    git_run = run.open_run(root, [root], "HEAD", 1 << 20)
    assert git_run is not None and git_run.base

    def heads() -> int:
        return sum(args[0] == "rev-parse" and "HEAD^{commit}" in args for args in asked)

    # Asked in the process that finds the repository's folders: one git process for both.
    assert heads() == 1 and [a for a in asked if a[0] == "rev-parse"] == [
        ("rev-parse", "--absolute-git-dir", "--git-common-dir", "--verify", "--quiet", "HEAD^{commit}")
    ]
    gitrepo.forget()  # a new run asks again
    assert gitrepo.head(root) == git_run.base
    assert heads() == 2


@pytest.mark.parametrize("fails", ["diff", "ls-files"])
def test_either_half_of_the_comparison_failing_is_a_git_error_naming_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    # The untracked listing runs beside the diff; whichever of the two git cannot answer (a
    # timeout, a damaged index) ends the comparison with what git said, never half an answer.
    from checker import gitrepo

    root = _committed_repo(tmp_path)
    (root / "ai-production.yaml").write_text("stage: pilot\n", encoding="utf-8")
    real = gitrepo._git
    listed: list[bool] = []

    def failing(where: Path, *args: str, **kwargs: object):
        if args[0] == "ls-files":
            listed.append(bool(kwargs.get("filters")))
        if args[0] == fails:
            return subprocess.CompletedProcess(args, 128, b"", f"fatal: {fails} broke\n".encode())
        return real(where, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitrepo, "_git", failing)
    gitrepo.forget()
    base = gitrepo.head(root)
    assert base is not None
    with pytest.raises(
        gitrepo.GitError, match=rf"cannot compare the working tree with {base[:12]}: fatal: {fails} broke"
    ):
        gitrepo.changes(root, base)
    assert listed == [False]  # the listing reads no file: it runs without the filter settings
    monkeypatch.setattr(gitrepo, "_git", real)
    assert gitrepo.changes(root, base) == [gitrepo.Change("A", "ai-production.yaml")]


def test_a_repository_without_commits_is_readable_and_has_no_head(tmp_path: Path) -> None:
    # The folders come from the same git process that asks for HEAD's commit; with no commit yet
    # that question fails quietly and the repository is still one git can read.
    from checker import gitrepo

    root = tmp_path / "fresh"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    gitrepo.forget()
    gitrepo.check(root)
    assert gitrepo.head(root) is None
    where = gitrepo.locate(root)
    assert Path(where.git_dir) == Path(where.common_dir) == (root / ".git").resolve()


def test_a_comparison_git_did_not_answer_in_time_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (A FIFO named .gitignore in a sub-folder holds `ls-files --others` until the timeout.)
    from checker import gitrepo

    root = _committed_repo(tmp_path)
    gitrepo.forget(timeouts=True)
    base = gitrepo.head(root)
    assert base is not None
    real = subprocess.run

    def slow(args, *a, **kw):
        if "ls-files" in args:
            raise subprocess.TimeoutExpired(args, kw.get("timeout"))
        return real(args, *a, **kw)

    monkeypatch.setattr(gitrepo.subprocess, "run", slow)
    try:
        with pytest.raises(gitrepo.GitError, match="did not answer within"):
            gitrepo.changes(root, base)
    finally:
        gitrepo.forget(timeouts=True)


def test_an_error_in_the_background_listing_is_raised_by_the_comparison_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # The untracked listing runs on a thread: what goes wrong there reaches the caller (whose
    # handlers turn it into one line), never the thread's own traceback on stderr.
    from checker import gitrepo

    root = _committed_repo(tmp_path)
    gitrepo.forget()
    base = gitrepo.head(root)
    assert base is not None
    real = gitrepo._git

    def broken(where: Path, *args: str, **kwargs: object):
        if args[0] == "ls-files":
            raise UnicodeEncodeError("utf-8", "x", 0, 1, "planted")
        return real(where, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitrepo, "_git", broken)
    with pytest.raises(UnicodeEncodeError, match="planted"):
        gitrepo.changes(root, base)
    assert "Traceback" not in capfd.readouterr().err
