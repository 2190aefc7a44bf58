"""The manifests' stage history from git: when each entered its stage.

- stage_histories(root, rel_paths) -> {rel_path: [StageChange, …] oldest first}

A git fact (AIP-GIT-005 reads it; checker/portfolio/history.py replays the
trend from it). Every git question goes through checker.gitrepo (the safe
environment, `-c` settings, `:(literal)` pathspecs, no fetch). Choices made
here (README "The portfolio"):

- **Dates** are UTC calendar days: a stage change is dated by its commit's
  author date (when the change was made, not when it was merged).
- **Stage history**: one `git log -G stage` walk for all manifests (git
  compares the contents and lists only the commits whose diff adds or removes a
  line holding `stage`), then only those versions are read, through one
  `git cat-file` process, and parsed with checker.manifest.load. A version that
  does not parse, or whose `stage` is not one of the four, is skipped (a broken
  commit fixed later does not restart the clock). Deleting the file ends its
  history: a manifest added again starts afresh. Renames are not followed: a
  moved manifest's history starts at its new path.
- **Shallow clones**: the first commit of a shallow clone shows every file as
  added, so a change dated there is marked `at_or_before`: the real date is that
  day or earlier.
- No git (outside a repository, git missing, a repository git cannot read or
  aipolicy refuses): stage_histories returns `{}`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from checker import gitrepo
from checker.manifest import DEFAULT_MAX_BYTES
from checker.portfolio import STAGES, StageChange

# `git log -G`: a diff that adds or removes a line holding this. Any change of a manifest's
# stage (block or flow style, quoted or not) touches the line that holds the key.
STAGE_LINE = "stage"


def _day(timestamp: int) -> datetime.date:
    """The UTC day of a git timestamp; one beyond the calendar (a commit object may hold any
    number) is its last or first day."""
    return gitrepo.utc_day(timestamp)


def _readable(root: Path | None) -> bool:
    if root is None or not gitrepo.available():
        return False
    try:
        gitrepo.check(root)
    except gitrepo.GitError:
        return False
    return True


class _Stages:
    """The stage each blob declares, each blob read and parsed at most once."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root, self.max_bytes = root, max_bytes
        self.raw: dict[str, bytes | None] = {}
        self.stage: dict[str, str | None] = {}

    def fetch(self, shas: Iterable[str]) -> None:
        todo = [s for s in dict.fromkeys(shas) if s not in self.raw]
        if todo:
            self.raw.update(gitrepo.blobs(self.root, todo, self.max_bytes))

    def of(self, sha: str) -> str | None:
        if sha not in self.stage:
            from checker import manifest as manifest_mod
            from checker.manifest import Manifest

            self.fetch([sha])
            raw = self.raw.get(sha)
            loaded = manifest_mod.load(raw, sha) if raw is not None else None
            value = loaded.data.get("stage") if isinstance(loaded, Manifest) and isinstance(loaded.data, dict) else None
            self.stage[sha] = value if isinstance(value, str) and value in STAGES else None
        return self.stage[sha]


def stage_histories(
    root: Path | None, rel_paths: list[str], max_bytes: int = DEFAULT_MAX_BYTES, _stages: _Stages | None = None
) -> dict[str, list[StageChange]]:
    """For each manifest (repository-relative, `/`-separated), the commits where its
    `stage` changed, the first one included, oldest first; `[]` for a path no commit
    holds with a stage. `{}` when there is no git history to read."""
    paths = sorted(set(rel_paths))
    if not paths or not _readable(root):
        return {}
    assert root is not None
    try:
        versions = gitrepo.path_versions(root, paths, grep=STAGE_LINE)
        boundary = gitrepo.shallow_commits(root)
        stages = _stages or _Stages(root, max_bytes)
        stages.fetch(v.blob for vs in versions.values() for v in vs if v.blob)
        out: dict[str, list[StageChange]] = {}
        for path in paths:
            changes: list[StageChange] = []
            current: str | None = None
            for version in versions.get(path, []):
                if version.blob is None:
                    current = None  # deleted: a manifest added again starts afresh
                    continue
                stage = stages.of(version.blob)
                if stage is None or stage == current:
                    continue  # unreadable, no valid stage, or the stage line moved without changing
                changes.append(
                    StageChange(
                        stage, _day(version.author_time), version.commit, at_or_before=version.commit in boundary
                    )
                )
                current = stage
            out[path] = changes
        return out
    except gitrepo.GitError:
        return {}
