"""Every interaction with git lives here, as small functions.

Two kinds of question, two tools:

- cheap ones asked on every run inside a repository (is this ignored? is this
  tracked? is this clone shallow?) go to the git binary directly, one process
  per batch, so a pre-commit run never imports GitPython;
- history (which files changed since a ref, a file's content at that ref,
  when a file last changed) goes through GitPython, the product's git
  library, imported only inside the functions that need it.

Nothing here clones, fetches or otherwise contacts a remote: every git process
runs with SAFE_ENV, which also stops a partial clone from fetching a missing
object behind our back. Paths that come from manifests are only ever passed
after `--`, as `:(literal)` pathspecs, so no manifest can add an option or a
glob to a git command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    import git as gitpython

# Passed to every git process we start.
SAFE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
    "GIT_NO_LAZY_FETCH": "1",  # git >= 2.44: a partial clone does not fetch missing objects
    "GIT_ALLOW_PROTOCOL": "none",  # older gits: no transport may be used at all, so no fetch can happen
    "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not rewrite the index under an editor or a commit
}
CHUNK = 1000  # pathspecs per command line: far below any OS argument limit


class GitError(Exception):
    """A git question that cannot be answered; str() is one line."""


# -- the git binary (no GitPython) ------------------------------------------------------


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder or a worktree file)."""
    current = start.resolve()
    if not current.is_dir():
        current = current.parent
    return _root_of(current)


def forget() -> None:
    """Drop cached answers: a new run must see repositories created since the last."""
    _root_of.cache_clear()


@lru_cache(maxsize=1024)
def _root_of(folder: Path) -> Path | None:
    # Every manifest of a run asks; sibling manifests share their folder's answer.
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def available() -> bool:
    return shutil.which("git") is not None


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess | None:
    """Run git in `root`; None when it cannot be started."""
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        return subprocess.run(
            [exe, "-C", str(root), *args], input=stdin, capture_output=True, timeout=120, check=False,
            env={**os.environ, **SAFE_ENV},
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _literal(paths: Iterable[str]) -> list[str]:
    return [":(literal)" + p for p in paths]


def _split_z(raw: bytes) -> list[str]:
    return [item for item in raw.decode("utf-8", "surrogateescape").split("\0") if item]


def _owners(listed: Iterable[str], wanted: set[str]) -> Iterator[tuple[str, str]]:
    """(wanted path, listed file) for each listed file that is a wanted path or lies below one."""
    for name in listed:
        parts = name.split("/")
        for end in range(len(parts), 0, -1):
            prefix = "/".join(parts[:end])
            if prefix in wanted:
                yield prefix, name


def ignored(paths: Iterable[Path]) -> set[Path]:
    """The subset of `paths` that .gitignore ignores; empty outside git."""
    paths = list(paths)
    if not paths or not available():
        return set()
    by_root: dict[Path, list[Path]] = {}
    for path in paths:
        # The folder holding the entry decides, not what a symlink points at (and a
        # symlink loop cannot be resolved at all).
        try:
            root = find_root(Path(os.path.abspath(path)).parent)
        except (OSError, RuntimeError):
            root = None
        if root is not None:
            by_root.setdefault(root, []).append(path)
    out: set[Path] = set()
    for root, members in by_root.items():
        stdin = "\0".join(os.path.abspath(p) for p in members) + "\0"
        proc = _git(root, "check-ignore", "-z", "--stdin", stdin=stdin.encode("utf-8", "surrogateescape"))
        # exit 1 means "nothing ignored"; 128 is a git failure: ignore nothing then.
        if proc is None or proc.returncode != 0:
            continue
        hits = {os.path.normcase(h) for h in _split_z(proc.stdout)}
        out.update(p for p in members if os.path.normcase(os.path.abspath(p)) in hits)
    return out


def tracked(root: Path, paths: Iterable[str]) -> set[str] | None:
    """Which of these repository-relative paths are in git's index (a folder counts
    when a file below it is). None when git cannot say."""
    wanted = set(paths)
    out: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        proc = _git(root, "ls-files", "-z", "--full-name", "--", *_literal(chunk))
        if proc is None or proc.returncode != 0:
            return None
        out.update(path for path, _ in _owners(_split_z(proc.stdout), wanted))
    return out


def is_shallow(root: Path) -> bool:
    proc = _git(root, "rev-parse", "--is-shallow-repository")
    return proc is not None and proc.returncode == 0 and proc.stdout.strip() == b"true"


def shallow_commits(root: Path) -> set[str]:
    """The boundary commits of a shallow clone (their parents are missing); empty otherwise."""
    proc = _git(root, "rev-parse", "--git-path", "shallow")
    if proc is None or proc.returncode != 0:
        return set()
    path = Path(proc.stdout.decode("utf-8", "surrogateescape").strip())
    path = path if path.is_absolute() else root / path
    try:
        return set(path.read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return set()


# -- history, through GitPython -----------------------------------------------------------

_OPEN: dict[Path, gitpython.Repo] = {}


def _repo(root: Path) -> gitpython.Repo:
    repo = _OPEN.get(root)
    if repo is None:
        try:
            import git as gitpython  # GitPython: only runs that read history pay for it
        except ImportError as exc:
            raise GitError(f"cannot read git history: GitPython is not usable ({exc})") from None
        try:
            repo = gitpython.Repo(root)
        except (gitpython.exc.InvalidGitRepositoryError, gitpython.exc.NoSuchPathError) as exc:
            raise GitError(f"{root} is not a git repository ({type(exc).__name__})") from None
        repo.git.update_environment(**SAFE_ENV)
        _OPEN[root] = repo
    return repo


def close(root: Path | None = None) -> None:
    """End the git processes GitPython keeps open (for `root`, or all)."""
    for key in ([root] if root is not None else list(_OPEN)):
        repo = _OPEN.pop(key, None)
        if repo is not None:
            repo.close()


def _command_error():
    from git.exc import GitCommandError

    return GitCommandError


def resolve(root: Path, ref: str) -> str:
    """The commit `ref` names (branch, remote branch, tag, sha, HEAD~2…); GitError if none."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r"):
        raise GitError(f"{ref!r} is not a git ref")
    repo = _repo(root)
    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except _command_error():
        raise GitError(f"{ref}: no such branch, tag or commit in this repository") from None


def head(root: Path) -> str | None:
    """The commit HEAD points at (detached or not); None in a repository without commits."""
    try:
        return resolve(root, "HEAD")
    except GitError:
        return None


def merge_base(root: Path, one: str, other: str) -> str | None:
    """Where the two histories met; None when unrelated or cut off by a shallow clone."""
    repo = _repo(root)
    try:
        return repo.git.merge_base(one, other).strip() or None
    except _command_error():
        return None


@dataclass(frozen=True)
class Change:
    status: str  # A added, M modified, D deleted, R renamed, T type changed
    path: str  # repository-relative, `/`-separated; for a deletion the old path
    old_path: str | None = None  # for a rename, where it came from


def changes(root: Path, base: str) -> list[Change]:
    """Files that differ between commit `base` and the working tree (staged or not),
    renames detected, plus untracked files that .gitignore does not ignore (added)."""
    repo = _repo(root)
    try:
        raw = repo.git.diff("--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-color",
                            base, "--", stdout_as_string=False, strip_newline_in_stdout=False)
        untracked = repo.git.ls_files("-z", "--others", "--exclude-standard",
                                      stdout_as_string=False, strip_newline_in_stdout=False)
    except _command_error() as exc:
        raise GitError(f"cannot compare the working tree with {base[:12]}: {_first_line(exc)}") from None
    out: list[Change] = []
    items = _split_z(raw)
    i = 0
    while i < len(items):
        status = items[i][:1]
        if status in ("R", "C") and i + 2 < len(items):
            old, new = items[i + 1], items[i + 2]
            out.append(Change("R", new, old) if status == "R" else Change("A", new))
            i += 3
        elif i + 1 < len(items):
            out.append(Change(status, items[i + 1]))
            i += 2
        else:
            break
    out.extend(Change("A", path) for path in _split_z(untracked))
    return out


def blob(root: Path, commit: str, path: str, max_bytes: int) -> bytes | None:
    """The content of `path` at `commit`; None when it is not a file there or is too big."""
    repo = _repo(root)
    try:
        obj = repo.commit(commit).tree / path
    except (KeyError, ValueError):
        return None
    if obj.type != "blob" or obj.size > max_bytes:
        return None
    return obj.data_stream.read()


@dataclass(frozen=True)
class LastChange:
    timestamp: int  # committer date, seconds since the epoch
    commit: str


def last_changes(root: Path, paths: Iterable[str]) -> dict[str, LastChange]:
    """For each repository-relative path (file or folder), the newest commit reachable
    from HEAD that changed it. One history walk for all paths, stopped as soon as
    every path is found; paths git never saw are left out."""
    wanted = set(paths)
    if not wanted or head(root) is None:
        return {}
    repo = _repo(root)
    found: dict[str, LastChange] = {}
    for chunk in _chunks(sorted(wanted)):
        todo = set(chunk)
        proc = repo.git.log("--no-show-signature", "--no-color", "-z", "--name-only", "--format=%x01%H %ct",
                            "HEAD", "--", *_literal(chunk), as_process=True)
        try:
            _scan_log(proc.proc.stdout, todo, found)
        finally:
            _stop(proc)
    return found


def _scan_log(stream, todo: set[str], found: dict[str, LastChange]) -> None:
    # Output: "\x01<sha> <ct>\0\n<file>\0<file>\0\x01<sha> <ct>\0\n…", newest commit first.
    current: LastChange | None = None
    pending = b""
    while todo:
        chunk = stream.read(65536)
        if not chunk:
            break
        *items, pending = (pending + chunk).split(b"\0")
        for item in items:
            text = item.decode("utf-8", "surrogateescape")
            if text.startswith("\x01"):
                sha, _, stamp = text[1:].partition(" ")
                current = LastChange(int(stamp), sha) if stamp.isdigit() else None
                continue
            if current is None:
                continue
            name = text[1:] if text.startswith("\n") else text
            for path, _ in _owners([name], todo):
                found[path] = current
                todo.discard(path)


def _stop(proc) -> None:
    """End a `git log` we may have stopped reading early."""
    popen = proc.proc
    if popen is None:
        return
    if popen.poll() is None:
        popen.kill()
    for stream in (popen.stdout, popen.stderr):
        if stream is not None:
            stream.close()
    popen.wait()


def dirty(root: Path, paths: Iterable[str]) -> set[str]:
    """Which of these paths have changes not yet committed (staged, unstaged or untracked)."""
    wanted = set(paths)
    if not wanted:
        return set()
    repo = _repo(root)
    out: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        try:
            raw = repo.git.status("--porcelain", "-z", "--untracked-files=all", "--", *_literal(chunk),
                                  stdout_as_string=False, strip_newline_in_stdout=False)
        except _command_error():
            continue
        items = _split_z(raw)
        names: list[str] = []
        i = 0
        while i < len(items):
            entry = items[i]
            names.append(entry[3:])
            i += 2 if ("R" in entry[:2] or "C" in entry[:2]) else 1  # a rename is followed by its old path
        out.update(path for path, _ in _owners(names, wanted))
    return out


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "stderr", "") or str(exc)
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0].removeprefix("stderr: ").strip("'") if lines else type(exc).__name__
