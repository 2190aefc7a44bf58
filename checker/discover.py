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
    if found:
        from checker import gitrepo

        ignored = gitrepo.ignored(found)
        found = [p for p in found if p not in ignored]
    seen: set[Path] = set()
    out: list[Path] = []
    for path in explicit + found:
        key = Path(os.path.normpath(path))
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out
