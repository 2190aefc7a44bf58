"""`aipolicy report`: the portfolio of the manifests under PATHs and of other runs' JSON.

The manifests under PATHs are checked as `aipolicy check` checks them (same
configuration, packs, git rules and baseline); inside a git repository each
system's stage history comes from checker.git.history, the 12-month trend from
checker.portfolio.history.
`--from-json` adds runs made elsewhere: `aipolicy check --format json` output or
`aipolicy report --format json` inventories. Their content comes from other
repositories' CI, so every field is type-checked (checker.portfolio.load) before
anything uses it. Entries are merged by (repository, path); the later source on
the command line wins, and PATHs, checked now, come last.

A report is not a gate: it exits 0 whatever it finds, 2 on a usage error.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from checker import __version__
from checker.errors import UsageError
from checker.portfolio import DEFAULT_STUCK_AFTER, STAGES, Inventory, MonthPoint, StageChange, System
from checker.records import record

if TYPE_CHECKING:
    from checker.baseline import Baseline
    from checker.config import Config
    from checker.findings import ManifestResult
    from checker.policy import Policy

T = TypeVar("T")

FORMATS = ("html", "md", "json", "csv")
# --format's default follows --output's suffix; Markdown otherwise (a terminal, $GITHUB_STEP_SUMMARY).
SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json", ".csv": "csv"}
DEFAULT_FORMAT = "md"


@record
class Source:
    """One input of the merge: what it is called and what it holds."""

    label: str
    inventory: Inventory


def report(
    *,
    paths: list[Path],
    from_json: list[Path],
    fmt: str | None,
    output: Path | None,
    today: datetime.date | None,
    stuck_after: int | None,
    config_path: Path | None,
    policies: list[Path],
    max_bytes: int,
) -> int:
    from checker import discover, notes, safeio, session

    notes.set_quiet(False)
    config, policy = session.load_settings(config_path, list(policies), {"stuck-after": stuck_after})
    stuck = config.stuck_after or DEFAULT_STUCK_AFTER
    day = today or datetime.date.today()
    if fmt is None:
        fmt = SUFFIXES.get(output.suffix.lower(), DEFAULT_FORMAT) if output is not None else DEFAULT_FORMAT
    if output is not None and not output.resolve().parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")
    if not paths and not from_json:
        paths = [Path(".")]
    for path in paths:
        if safeio.is_stdin(path):
            raise UsageError("report reads manifests from files and folders; '-' (standard input) is not supported")
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
        if path.suffix.lower() == ".json" and os.path.isfile(path):
            # `--from-json a.json b.json` reads b.json as a PATH: a manifest it is not.
            raise UsageError(
                f"{path}: a JSON file given as a PATH; to merge it, give --from-json before each "
                f"file (--from-json a.json --from-json {path})"
            )
    for path in from_json:
        if not os.path.lexists(path):
            raise UsageError(f"--from-json {path}: no such file")
    patterns = discover.DEFAULT_NAMES + tuple(config.manifest_names)
    unlisted: list[tuple[Path, str]] = []
    files = discover.discover(paths, patterns, unlisted) if paths else []
    read = {
        **session._settings_files(config, policy),
        **{os.path.realpath(f): "a manifest" for f in files},
        **{os.path.realpath(f): "a --from-json input" for f in from_json},
    }
    known = session._baseline_for(config, None, read, patterns) if paths else None
    if output is not None and discover.is_manifest_name(output.name, patterns):
        read.setdefault(os.path.realpath(output), "a manifest")
    session._refuse_overwrite(output, read)
    render = _renderer()
    from checker.portfolio import load

    sources = [Source(str(path), load.load_file(path, fallback_questions=policy.questions)) for path in from_json]
    if paths:
        if not files and not unlisted:
            from checker.textsafe import printable

            print(
                printable(
                    f"aipolicy: no manifests found under {', '.join(str(p) for p in paths)} "
                    f"(looked for {', '.join(patterns)})"
                ),
                file=sys.stderr,
            )
        local = _check(paths, files, unlisted, config, policy, day, stuck, max_bytes, known)
        sources.append(Source(", ".join(str(p) for p in paths), local))
    inventory = merge(sources, today=day, stuck_after=stuck, questions=policy.questions)
    session.write_report(render(fmt, inventory), output)
    return 0


def _renderer() -> Callable[[str, Inventory], str]:
    """checker.portfolio.render.render(fmt, inventory) -> str, imported only now."""
    from checker.portfolio.render import render

    return render


def _check(
    paths: list[Path],
    files: list[Path],
    unlisted: list[tuple[Path, str]],
    config: Config,
    policy: Policy,
    today: datetime.date,
    stuck: int,
    max_bytes: int,
    known: Baseline | None,
) -> Inventory:
    """Check the manifests as `aipolicy check` does, then build their inventory, one
    repository at a time (a PATH may lie in another repository than the current folder)."""
    from checker import discover, gitrepo, safeio, session
    from checker.portfolio import build

    checked, _ = session.check_all_paths(
        paths, files, unlisted, config=config, policy=policy, today=today, max_bytes=max_bytes
    )
    if known is not None:
        known.apply(checked, str(config.root), policy, True)
    groups: dict[Path, list[ManifestResult]] = {}
    for result in checked.results:
        root = safeio.repository_of(result.path) or Path(config.root)
        groups.setdefault(root, []).append(result)
    parts = []
    for root, results in groups.items():
        in_git = (root / ".git").exists()
        part = build.from_results(
            results,
            root=str(root),
            today=today,
            version=__version__,
            questions=policy.questions,
            stuck_after=stuck,
            repository=gitrepo.repository_name(root if in_git else None),
        )
        if in_git and gitrepo.available() and gitrepo.refusal(root) is None:
            histories = _history(root, [s.path for s in part.systems])
            if histories is not None:
                for system in part.systems:
                    system.history = histories.get(system.path)
                part.trend = _trend(
                    root,
                    part.systems,
                    today,
                    policy,
                    stuck,
                    scopes=_scopes(paths, root),
                    patterns=discover.DEFAULT_NAMES + tuple(config.manifest_names),
                )
        parts.append(Source(str(root), part))
    return merge(parts, today=today, stuck_after=stuck, questions=policy.questions)


def _history(root: Path, rel_paths: list[str]) -> dict[str, list[StageChange]] | None:
    """{path: [StageChange, …]} from the repository's history, or None when git cannot
    answer (a note says so)."""
    from checker.git import history

    return _ask_git(lambda: history.stage_histories(root, rel_paths), "stage history")


def _trend(
    root: Path,
    systems: list[System],
    today: datetime.date,
    policy: Policy,
    stuck: int,
    *,
    scopes: list[str] | None = None,
    patterns: tuple[str, ...] | None = None,
) -> list[MonthPoint] | None:
    """The 12-month trend, or None: `scopes` (the PATHs, repository-relative) limit the
    replay to the folders reported on; `patterns` are the manifest names to count."""
    from checker.portfolio import history

    return _ask_git(
        lambda: history.trend(root, systems, today, policy, stuck, scopes=scopes, patterns=patterns), "12-month trend"
    )


def _scopes(paths: list[Path], root: Path) -> list[str]:
    """The PATHs as folders or files relative to `root`: `.` for a PATH that holds the whole
    repository; PATHs elsewhere (another repository) are left out."""
    base = os.path.realpath(root)
    out = []
    for path in paths:
        target = os.path.realpath(path)
        if base == target or base.startswith(target.rstrip(os.sep) + os.sep):
            out.append(".")
        elif target.startswith(base + os.sep):
            out.append(Path(os.path.relpath(target, base)).as_posix())
    return out


def _ask_git(question: Callable[[], T], what: str) -> T | None:
    from checker import gitrepo
    from checker.notes import note

    try:
        return question()
    except gitrepo.GitError as exc:
        note(f"aipolicy: no {what} from git: {exc}")
        return None


def merge(sources: list[Source], *, today: datetime.date, stuck_after: int, questions: dict[str, str]) -> Inventory:
    """One inventory of every source's systems, one entry per (repository, path): a later
    source's entry replaces an earlier one's (a system without a repository name is its
    source's own). The trend sums, month by month, the trends of
    the sources that still contribute a system."""
    kept: dict[tuple[str, ...], tuple[System, int]] = {}
    for index, source in enumerate(sources):
        for system in source.inventory.systems:
            # Without a repository name a path is only known within its own source: two runs'
            # `ai-production.yaml` of unnamed repositories are two systems, never one.
            key = system.key if system.repository else ("", system.path, source.label)
            kept[key] = (system, index)
    contributing = sorted({index for _, index in kept.values()})
    all_questions = dict(questions)
    for source in sources:
        for qid, text in source.inventory.questions.items():
            all_questions.setdefault(qid, text)
    trends = [trend for i in contributing if (trend := sources[i].inventory.trend) is not None]
    labels = [source.label for source in sources]
    return Inventory(
        generated=today,
        tool_version=__version__,
        stuck_after=stuck_after,
        systems=[kept[key][0] for key in sorted(kept)],
        trend=_sum_trends(trends) if trends else None,
        questions=all_questions,
        sources=list(dict.fromkeys(labels)),
    )


def _sum_trends(trends: list[list[MonthPoint]]) -> list[MonthPoint]:
    if len(trends) == 1:
        return list(trends[0])
    months: dict[str, list[MonthPoint]] = {}
    for trend in trends:
        for point in trend:
            months.setdefault(point.month, []).append(point)
    out = []
    for month in sorted(months)[-12:]:
        points = months[month]
        stages = dict.fromkeys(STAGES, 0)
        for point in points:
            for stage, count in point.stages.items():
                stages[stage] = stages.get(stage, 0) + count
        out.append(
            MonthPoint(
                month=month,
                end=max(p.end for p in points),
                stages=stages,
                purgatory=sum(p.purgatory for p in points),
                stuck=sum(p.stuck for p in points),
            )
        )
    return out
