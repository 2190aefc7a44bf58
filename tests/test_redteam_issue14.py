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
@pytest.mark.parametrize("how", ("after a section on one line", "after a carriage return", "after a byte order mark",
                                 "in the common dir named by .git/commondir"))
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
@pytest.mark.parametrize("name", ("HEAD", "commondir"))
def test_a_fifo_that_every_git_process_would_block_on_gets_no_git_process(repo, aip, name):
    import os

    from checker import gitrepo

    target = repo.path / ".git" / name
    if target.exists():
        target.unlink()
    os.mkfifo(target)
    gitrepo.forget()
    assert gitrepo.refusal(repo.path) is not None
    run = aip(repo.path)  # would wait on git's 120 s timeout for every git call
    assert run.json["summary"]["files"] == 1
    assert "AIP-GIT-* were skipped" in run.stderr and name in run.stderr
