"""Read a file the repository holds: the one place every such read goes through.

A read never blocks (the file is opened non-blocking and its descriptor, not its
name, decides: a FIFO or device swapped in after a check is still refused), never
reads more than a cap, and never follows a link out of the repository.

The trust model (cli.md v1.1): a path the operator names on the command line
(`--config`, `--policy`) is read as given (`root=None`). Everything the repository
holds must resolve, the whole path and not only its last component, inside the
repository that holds it. That repository is found from the path as written, from
the top down (`repository_of`): a symlink inside a repository belongs to it and
cannot lead out, while a link on the way *to* the repository (a home folder that
is a link, say) is the operator's.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

# Configuration files and policy packs are a few KiB; this is only a guard against
# a pack that is really a disk image.
MAX_SETTINGS_BYTES = 16 * 1024 * 1024

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class ReadError(Exception):
    """Why a file was not read, as one line for a finding or an error message."""


def repository_of(path: Path | str) -> Path | None:
    """The repository holding `path`: the deepest folder at or above it holding `.git`
    that is not reached through a symlink inside an outer repository. None outside
    every repository.

    Unlike checker.gitrepo.find_root this does not resolve `path` first: resolving
    would pick the repository a link points *into*, and a link could then vouch for
    its own target.
    """
    return _repository_of(os.path.dirname(os.path.abspath(path)))


def forget() -> None:
    """Drop cached answers: a new run must see repositories created since the last."""
    _REPOSITORY_OF.clear()
    _REAL_FOLDER.clear()
    real_root.cache_clear()


@lru_cache(maxsize=64)
def real_root(root: str) -> str:
    """`root` with every link resolved. A run reads every file against the same few
    repository roots: resolved once each per run."""
    return os.path.realpath(root)


# folder as written -> that folder with every link resolved, for the run: the `*_ref`s of a
# monorepo's manifests name files in a few folders each, and resolving every name afresh
# (os.path.realpath: an lstat per component, in Python) cost a tenth of checking a manifest.
_REAL_FOLDER: dict[str, str] = {}


def realpath(path: str) -> str:
    """os.path.realpath(path), each folder on the way resolved once per run: a folder's
    answer is its parent's answer joined with its name, or, when that name is a link,
    os.path.realpath of the join. Like os.path.realpath (not strict), a name that does not
    exist, or a link loop, is kept as it stands: os.stat of the answer tells (ELOOP)."""
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)  # not abspath: `link/..` is the link target's parent
    head, name = os.path.split(path)
    if not name or name in (".", ".."):
        return os.path.realpath(path)
    return _resolved_name(_real_folder(head), name)


def _resolved_name(real_head: str, name: str) -> str:
    joined = os.path.join(real_head, name)
    return os.path.realpath(joined) if os.path.islink(joined) else joined


def _real_folder(folder: str) -> str:
    pending: list[tuple[str, str]] = []  # (folder, its last name) not known yet, deepest first
    current = folder
    while current not in _REAL_FOLDER:
        head, name = os.path.split(current)
        if not name or name in (".", ".."):  # the root or the current folder; `..` needs the whole path
            _REAL_FOLDER[current] = os.path.realpath(current)
            break
        pending.append((current, name))
        current = head
    real = _REAL_FOLDER[current]
    for known, name in reversed(pending):
        real = _REAL_FOLDER[known] = _resolved_name(real, name)
    return real


# folder -> (its repository, whether a link inside that repository lies on the way): each
# folder looked at once per run, so sibling and cousin manifests share their ancestors' answers.
_REPOSITORY_OF: dict[str, tuple[str | None, bool]] = {}


def _repository_of(folder: str) -> Path | None:
    # Down from the file system root (never a repository itself), as far as nothing is known:
    # the deepest folder holding `.git`; below a link inside it, that repository still.
    pending: list[str] = []
    current = folder
    while current not in _REPOSITORY_OF:
        parent = os.path.dirname(current)
        if parent == current:
            _REPOSITORY_OF[current] = (None, False)
            break
        pending.append(current)
        current = parent
    found, below_link = _REPOSITORY_OF[current]
    for current in reversed(pending):
        if not below_link:
            if found is not None and os.path.islink(current):
                below_link = True
            elif os.path.lexists(os.path.join(current, ".git")):
                found = current
        _REPOSITORY_OF[current] = (found, below_link)
    return Path(found) if found is not None else None


def containment_root(path: Path | str) -> Path:
    """The folder `path` must resolve inside: its repository; outside every repository
    the current folder when `path` lies below it, else the folder holding `path`."""
    root = repository_of(path)
    if root is not None:
        return root
    absolute, cwd = os.path.abspath(path), os.getcwd()
    if below(absolute, cwd):
        return Path(cwd)
    return Path(os.path.dirname(absolute))


def inside(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, every link along it followed, lies inside `root` (also resolved)."""
    return below(os.path.realpath(path), os.path.realpath(root))


def below(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies under it, as strings (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read(path: Path, max_bytes: int, root: Path | None) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them; ReadError
    otherwise. With a `root`, `path` must resolve inside it (`root=None`: trusted)."""
    target: str | Path = path
    flags = _FLAGS
    if root is not None:
        target = realpath(os.fspath(path))
        if not below(target, real_root(os.fspath(root))):
            raise ReadError(f"resolves outside the repository ({root}) through a symlink; not read")
        # The resolved name holds no link: one swapped in since is refused, not followed.
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise ReadError(_describe(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not a regular file; not read")
        if info.st_size > max_bytes:
            raise ReadError(f"file is {info.st_size} bytes, over the {max_bytes}-byte limit; not read")
        chunks, size = [], 0
        while size <= max_bytes:  # a file that grows while read is still capped
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise ReadError(f"file is over the {max_bytes}-byte limit; not read")
        return b"".join(chunks)
    except OSError as exc:
        raise ReadError(_describe(exc)) from None
    finally:
        os.close(fd)


def _describe(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop (or a symlink where none may be); not read"
    return f"cannot read file: {exc.strerror or exc}"


STDIN = "-"
_STDIN_NAMES = ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0")


def is_stdin(path: Path | str) -> bool:
    """`-`, or a name of this process's standard input (`/dev/stdin`)."""
    return str(path) == STDIN or os.path.abspath(path) in _STDIN_NAMES


def is_stream(path: Path | str) -> bool:
    """A path the operator named that is a stream, not a file the repository holds:
    stdin (`-`, `/dev/stdin`), a system path under /dev or /proc (`<(cat m.yaml)` is
    `/dev/fd/63`), or a FIFO itself. A symlink is never followed to decide: a
    repository's `ai-production.yaml -> /dev/tty` stays a link out of the repository."""
    if is_stdin(path):
        return True
    try:
        absolute = os.path.abspath(path)
        if absolute.startswith(("/dev/", "/proc/")):
            return True
        return stat.S_ISFIFO(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_stream(path: Path | str, max_bytes: int) -> bytes:
    """All of a stream the operator named, at most `max_bytes`; ReadError otherwise.
    Standard input is read from this process's descriptor 0, never reopened. A pipe is
    opened without waiting for a writer (a FIFO nobody writes to reads as empty, never hangs)."""
    import sys

    try:
        if is_stdin(path):
            stream = sys.stdin.buffer if sys.stdin is not None else None
            if stream is None:
                raise ReadError("standard input is closed; nothing to read")
            data = stream.read(max_bytes + 1)
        else:
            fd = os.open(path, _FLAGS)
            try:
                if hasattr(os, "set_blocking"):
                    os.set_blocking(fd, True)  # opened without waiting; now wait for the writer's data
                with os.fdopen(fd, "rb", closefd=False) as handle:
                    data = handle.read(max_bytes + 1)
            finally:
                os.close(fd)
    except OSError as exc:
        raise ReadError(_describe(exc)) from None
    except ValueError:  # a closed sys.stdin
        raise ReadError("standard input is closed; nothing to read") from None
    if len(data) > max_bytes:
        raise ReadError(f"input is over the {max_bytes}-byte limit; not read")
    return data
