"""What git knows about a manifest, as the git-aware rules read it (GitFacts), and the
`*_ref` paths those facts are about. Plain records and pure functions: nothing here runs
git; checker/git/run.py gathers the facts, checker/git/rules.py judges them.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.checks import values
from checker.checks.rules import refs_of, repository_path
from checker.manifest import Manifest, PathT
from checker.records import field, record

if TYPE_CHECKING:
    from checker.git.codeowners import CodeOwners


class Changed(NamedTuple):
    date: datetime.date  # when the file last changed, by commit date
    at_or_before: bool = False  # the commit is a shallow clone's boundary: the real date may be older


@record
class GitFacts:
    """What git knows about one manifest and the files it refers to."""

    root: Path
    path: str  # the manifest, repository-relative, `/`-separated
    stage: str | None = None  # the manifest's own stage (before --stage)
    base: Manifest | None = None  # the manifest at the base ref (None: new file, or no base ref)
    base_label: str | None = None  # the base ref as the user named it; None without --changed-since
    tracked: Collection[str] | None = None  # tracked paths among the refs; None: git could not say
    changed: Mapping[str, Changed] = field(default_factory=dict)  # last change of evidence files
    dirty: Collection[str] = ()  # evidence files with uncommitted changes
    codeowners: CodeOwners | None = None
    # AIP-GIT-005: the manifest's stage changes by git history, oldest first (checker.portfolio.StageChange);
    # None when not asked for (not at pilot, rule off) or git could not tell.
    stage_history: list[Any] | None = None
    stuck_after: int = 14  # months at pilot before a pilot is stuck (config `stuck-after`)


def repo_path(root: Path, ref: Any) -> str | None:
    """A local `*_ref` as a repository-relative `/` path, or None (a URL, a placeholder,
    or a path that leaves the repository: AIP-REF-001 reports those)."""
    return repository_path(root, ref) if isinstance(ref, str) else None


def _local_refs(m: Manifest, root: Path) -> Iterator[tuple[PathT, str, str]]:
    """(manifest path, ref as written, repository path) for each local `*_ref`."""
    for path, ref in refs_of(m):
        rel = repo_path(root, ref)
        if rel is not None:
            yield path, ref.strip(), rel


def _evidence(m: Manifest) -> Iterator[tuple[PathT, Any, datetime.timedelta, str]]:
    """(path, ref, cadence, where the cadence comes from) for AIP-GIT-002: evidence files
    only (spec A3). A validation suite (`suite_ref`) is a definition and is never stale."""
    accuracy = m.get(("monitoring", "outcome_accuracy"))
    accuracy = accuracy if isinstance(accuracy, dict) else {}
    cadence = values.duration(accuracy.get("cadence"))
    if cadence is not None and "evidence_ref" in accuracy:
        yield (
            ("monitoring", "outcome_accuracy", "evidence_ref"),
            accuracy["evidence_ref"],
            cadence,
            "monitoring.outcome_accuracy.cadence",
        )
    sources = m.get(("data", "sources"))
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, dict) or not isinstance(source.get("validation"), dict):
            continue
        if "evidence_ref" not in source["validation"]:
            continue
        refresh = found if isinstance(found := source.get("refresh"), dict) else {}
        schedule = values.duration(refresh.get("schedule"))
        path: PathT = ("data", "sources", index, "validation", "evidence_ref")
        if schedule is not None:
            yield path, source["validation"]["evidence_ref"], schedule, f"data.sources[{index}].refresh.schedule"
        elif cadence is not None:
            yield path, source["validation"]["evidence_ref"], cadence, "monitoring.outcome_accuracy.cadence"
