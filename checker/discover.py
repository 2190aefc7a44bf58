"""Find manifest files under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

DEFAULT_NAMES = ("ai-production.yaml", "ai-production.yml", "*.ai-production.yaml", "*.ai-production.yml")

# Never descended into: version control, dependencies, caches, build output.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)


def is_manifest_name(name: str, patterns: Iterable[str] = DEFAULT_NAMES) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _walk(root: Path, patterns: tuple[str, ...], unreadable: list[tuple[Path, str]]) -> Iterator[Path]:
    # followlinks=False: a symlinked folder could lead outside the repository or loop.
    # A folder that cannot be listed is recorded, never skipped in silence.
    def failed(exc: OSError) -> None:
        unreadable.append(
            (Path(exc.filename or root), f"cannot read folder: {exc.strerror or exc}; manifests in it were not checked")
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=failed, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not _is_virtualenv(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            if is_manifest_name(name, patterns):
                yield Path(dirpath) / name


def discover(
    paths: Iterable[Path], patterns: tuple[str, ...] = DEFAULT_NAMES, unreadable: list[tuple[Path, str]] | None = None
) -> list[Path]:
    """Files named on the command line are checked whatever their name (pre-commit
    passes exactly the files it matched); folders are searched for manifest names,
    minus what .gitignore ignores. Each folder that cannot be listed is appended to
    `unreadable` as (folder, why): the caller reports it (AIP-SCH-002 on the folder)."""
    if unreadable is None:
        unreadable = []
    explicit: list[Path] = []
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_walk(path, patterns, unreadable))
        else:
            explicit.append(path)
    return _unique(explicit, _not_ignored(found))


def among(paths: Iterable[Path], patterns: tuple[str, ...], root: Path, candidates: Iterable[str]) -> list[Path]:
    """What discover(paths, patterns) finds, in the same order and spelling, among
    `candidates` only (repository-relative `/` paths below `root`, a resolved folder:
    the files git says changed), without listing any folder: --changed-since reads
    only what changed. Files named in `paths` are kept whatever they are, as discover keeps them.

    git's answer has .gitignore applied already (a changed file is tracked, which
    .gitignore does not ignore, or untracked and not ignored: `ls-files --exclude-standard`),
    so no `git check-ignore` is asked, except of a file inside a repository nested in `root`
    (discover asks the nearest repository, whose .gitignore may ignore what `root` tracks)."""
    explicit: list[Path] = []
    found: list[Path] = []
    wanted = sorted({c for c in candidates if is_manifest_name(c.rpartition("/")[2], patterns)})
    for path in paths:
        if path.is_dir():
            found.extend(_walk_among(path, root, wanted))
        else:
            explicit.append(path)
    from checker import gitrepo

    nested = [p for p in found if gitrepo.find_root(Path(os.path.abspath(p)).parent) != root]
    if nested:
        ignored = set(nested) - set(_not_ignored(nested))
        found = [p for p in found if p not in ignored]
    return _unique(explicit, found)


def _walk_among(folder: Path, root: Path, wanted: list[str]) -> list[Path]:
    """The files of `wanted` that _walk(folder) would yield, in its order: below `folder`,
    through no skipped folder or virtualenv, and no folder it would not enter."""
    try:
        base = os.path.realpath(folder)
    except (OSError, ValueError):
        return []
    keyed = []
    for rel in wanted:
        target = os.path.join(str(root), *rel.split("/"))
        try:
            if os.path.commonpath([base, target]) != base or target == base:
                continue
        except ValueError:  # another drive on Windows
            continue
        parts = os.path.relpath(target, base).split(os.sep)
        inside = base
        for name in parts[:-1]:  # the walk's filter on each folder it descends into
            inside = os.path.join(inside, name)
            if name in SKIP_DIRS or _is_virtualenv(inside) or os.path.islink(inside):
                break
        else:
            walked = os.path.join(str(folder), *parts)
            if os.path.lexists(walked) and not os.path.isdir(walked):  # listed as a file by os.walk
                keyed.append(((tuple(parts[:-1]), parts[-1]), Path(walked)))
    return [path for _, path in sorted(keyed, key=lambda item: item[0])]


def _not_ignored(found: list[Path]) -> list[Path]:
    if found:
        from checker import gitrepo

        ignored = gitrepo.ignored(found)
        found = [p for p in found if p not in ignored]
    return found


def _unique(explicit: list[Path], found: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for path in explicit + found:
        key = Path(os.path.normpath(path))
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out
