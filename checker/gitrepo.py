"""Every interaction with git lives here.

GitPython is imported only inside the functions that need history; the
start-up path (a pre-commit run on one file) never pays for it. The cheap
questions (is this ignored?) go to the git binary directly in one batch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder or a worktree file)."""
    current = start.resolve()
    if not current.is_dir():
        current = current.parent
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def ignored(paths: Iterable[Path]) -> set[Path]:
    """The subset of `paths` that .gitignore ignores; empty outside git."""
    paths = list(paths)
    git = shutil.which("git")
    if not paths or git is None:
        return set()
    by_root: dict[Path, list[Path]] = {}
    for path in paths:
        root = find_root(path)
        if root is not None:
            by_root.setdefault(root, []).append(path)
    out: set[Path] = set()
    for root, members in by_root.items():
        stdin = "\0".join(os.path.abspath(p) for p in members) + "\0"
        try:
            proc = subprocess.run(
                [git, "-C", str(root), "check-ignore", "-z", "--stdin"],
                input=stdin.encode("utf-8", "surrogateescape"),
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        # exit 1 means "nothing ignored"; 128 is a git failure: ignore nothing then.
        if proc.returncode != 0:
            continue
        hits = {os.path.normcase(h) for h in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if h}
        out.update(p for p in members if os.path.normcase(os.path.abspath(p)) in hits)
    return out
