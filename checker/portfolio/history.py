"""The portfolio at each month end, replayed from git.

- trend(root, systems, today, policy, stuck_after) -> [MonthPoint, …] for the last 12 month ends

The stage history itself is a git fact (checker/git/history.py); the replay
re-checks pilots through the engine, so it lives here, above the engine.
Choices made here (README "The portfolio"):

- **Dates** are UTC calendar days; a month end ends at 23:59:59 UTC.
- **Shallow clones**: the trend leaves out the month ends before the clone's
  first commit (unknown, not zero).
- **Trend**: at each month end, the tree of the newest commit of HEAD's first-
  parent line committed by then (the branch as it stood that day) is read: the
  manifests in it are those of `systems` plus any file with a manifest name
  (under `scopes`, when given), so a manifest deleted since counts while it
  existed. Each distinct blob is parsed once; a pilot is judged once per month
  end (checker.engine.check_bytes, today = the month end, `*_ref` paths against
  today's working tree) for purgatory. A month end before the first commit
  counts nothing.
- No git (outside a repository, git missing, a repository git cannot read or
  aipolicy refuses): trend returns None.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from checker import gitrepo
from checker.git.history import _readable, _Stages, stage_histories
from checker.manifest import DEFAULT_MAX_BYTES
from checker.portfolio import DEFAULT_STUCK_AFTER, STAGES, MonthPoint, StageChange, add_months, month_ends

if TYPE_CHECKING:
    from collections.abc import Sequence

    from checker.findings import ManifestResult
    from checker.parallel import Item
    from checker.policy import Policy
    from checker.portfolio import System


def _end_of(day: datetime.date) -> int:
    """The last second of `day`, UTC, since the epoch."""
    if day == datetime.date.max:
        return int(datetime.datetime.combine(day, datetime.time.max, datetime.timezone.utc).timestamp())
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), datetime.timezone.utc)
    return int(start.timestamp()) - 1


def _folder(scope: str) -> str | None:
    """A scope as a repository-relative folder (`.` for the root); None for one outside."""
    text = posixpath.normpath(str(scope).replace("\\", "/")).lstrip("/")
    return None if text == ".." or text.startswith("../") else (text or ".")


def _since_at(history: list[StageChange], end: datetime.date) -> StageChange | None:
    """The stage change in force at the end of `end` (by its author date)."""
    found = None
    for change in history:
        if change.since <= end:
            found = change
    return found


def trend(
    root: Path | None,
    systems: Iterable[System | str],
    today: datetime.date,
    policy: Policy | None = None,
    stuck_after: int = DEFAULT_STUCK_AFTER,
    *,
    scopes: Iterable[str] | None = None,
    patterns: Iterable[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[MonthPoint] | None:
    """The portfolio at each of the last 12 month ends (checker.portfolio.month_ends),
    replayed from git: stage counts, pilots in purgatory, stuck pilots. `systems` are
    the inventory's (their paths are always followed); `scopes` (repository-relative
    folders) limit where other, since deleted, manifests are looked for (None: the whole
    repository); `patterns` are the manifest file names (discover.DEFAULT_NAMES by default).
    None when there is no git history to replay."""
    from checker.discover import DEFAULT_NAMES, is_manifest_name

    if not _readable(root):
        return None
    assert root is not None
    known = {s if isinstance(s, str) else s.path for s in systems}
    names = tuple(patterns) if patterns is not None else DEFAULT_NAMES
    folders = None if scopes is None else sorted({f for s in scopes if (f := _folder(s)) is not None})
    ends = month_ends(today)
    try:
        placed = gitrepo.first_parent_at(root, [_end_of(end) for end in ends])
        shallow = gitrepo.is_shallow(root)
        trees: dict[str, dict[str, str]] = {}
        for commit in dict.fromkeys(placed.values()):
            listing = gitrepo.tree_blobs(
                root, commit, None if folders is None or "." in folders else [*folders, *known]
            )
            trees[commit] = {
                p: sha for p, sha in listing.items() if p in known or is_manifest_name(PurePosixPath(p).name, names)
            }
        stages = _Stages(root, max_bytes)
        stages.fetch(sha for tree in trees.values() for sha in tree.values())
        histories = stage_histories(root, sorted({p for tree in trees.values() for p in tree}), max_bytes, stages)
    except gitrepo.GitError:
        return None
    present: dict[datetime.date, list[tuple[str, str, str]]] = {}  # month end -> (path, blob, stage)
    for end in ends:
        at_end = placed.get(_end_of(end))
        if at_end is None and shallow:
            continue  # before the clone's first commit: unknown, not empty
        tree = trees.get(at_end, {}) if at_end else {}
        present[end] = [(path, sha, stage) for path, sha in sorted(tree.items()) if (stage := stages.of(sha))]
    judged = _purgatory(
        {(sha, end): path for end, rows in present.items() for path, sha, stage in rows if stage == "pilot"},
        stages.raw,
        policy,
        root,
    )
    points: list[MonthPoint] = []
    for end, rows in present.items():
        counts = dict.fromkeys(STAGES, 0)
        purgatory = stuck = 0
        for path, sha, stage in rows:
            counts[stage] += 1
            if stage != "pilot":
                continue
            purgatory += judged.get((sha, end), False)
            entry = _since_at(histories.get(path, []), end)
            stuck += entry is not None and entry.stage == "pilot" and add_months(entry.since, stuck_after) < end
        points.append(MonthPoint(f"{end:%Y-%m}", end, counts, purgatory, stuck))
    return points


def _purgatory(
    todo: dict[tuple[str, datetime.date], str], raw: dict[str, bytes | None], policy: Any, root: Path
) -> dict[tuple[str, datetime.date], bool]:
    """For each (pilot blob, month end) -> path: is it in purgatory on that day, one of the
    ten questions unanswered (judged as at production)? Each is checked once
    (checker.engine.check_bytes, today = the month end), on every core when there are
    many (checker.parallel, as `check` does)."""
    from checker import engine, parallel
    from checker.options import Options

    keys = list(todo)
    items = [(key, todo[key]) for key in keys if raw.get(key[0]) is not None]
    base = Options(policy=policy, root=root, warn_within=0)
    base.effective_policy()  # loaded once, before any worker forks

    def judge(batch: Sequence[Item], options: Options) -> list[ManifestResult]:
        from checker.records import replace

        results = []
        for (sha, end), path in batch:
            data = raw[sha]
            assert data is not None  # items holds only the blobs that were read
            results.append(engine.check_bytes(data, path, replace(options, today=end)))
        return results

    out: dict[tuple[str, datetime.date], bool] = {}
    for (key, _), result in zip(items, parallel.check_all(judge, items, base)):
        out[key] = result.questions is not None and not all(result.questions.values())
    return out
