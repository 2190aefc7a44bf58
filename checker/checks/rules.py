"""Named checks: rule logic too rich for the condition language.

Each takes a RuleContext (plus the `args` its rule gives) and yields Problems;
the engine stamps rule id and severity. Wrong-typed values are the schema's
business: a check that meets one treats it as unanswered and moves on.
"""

from __future__ import annotations

import datetime
import errno
import os
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from checker import safeio
from checker.checks import persons, values
from checker.findings import Severity
from checker.manifest import PathT, json_path
from checker.ruleapi import Problem, RuleContext

REGISTRY: dict[str, Callable[..., Iterator[Problem]]] = {}


def register(name: str) -> Callable[[Callable[..., Iterator[Problem]]], Callable[..., Iterator[Problem]]]:
    def wrap(fn: Callable[..., Iterator[Problem]]) -> Callable[..., Iterator[Problem]]:
        REGISTRY[name] = fn
        return fn

    return wrap


def _dotted(path: PathT) -> str:
    return json_path(path)[2:]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@register("placeholders")
def placeholders(ctx: RuleContext) -> Iterator[Problem]:
    holes = ctx.placeholders
    if holes is None:
        holes = values.placeholders_of(ctx.manifest)
    for path, value in holes:
        shown = "empty" if value is None or not str(value).strip() else repr(value)
        yield Problem(path, f"`{_dotted(path)}` is a placeholder ({shown}): write the real answer")


PEOPLE: tuple[PathT, ...] = (
    ("owners", "technical"),
    ("owners", "business"),
    ("owners", "escalation"),
    ("monitoring", "watchers", "primary"),
    ("monitoring", "watchers", "backup"),
    ("rollback", "decision_owner"),
    ("retraining", "owner"),
    ("retraining", "approval", "approver"),
)


def _people(ctx: RuleContext) -> Iterator[tuple[PathT, dict[str, Any]]]:
    for path in PEOPLE:
        value = ctx.manifest.get(path)
        if isinstance(value, dict):
            yield path, value
    sources = ctx.manifest.get(("data", "sources"))
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict) and isinstance(source.get("owner"), dict):
            yield ("data", "sources", index, "owner"), source["owner"]


@register("owner_is_team")
def owner_is_team(ctx: RuleContext) -> Iterator[Problem]:
    """Person fields that no active rule requires; a rule that does reports its own (one finding per node)."""
    for path, person in _people(ctx):
        if path in ctx.required_persons:
            continue
        problem = persons.person_problem(person.get("name"))
        if problem is not None:
            yield Problem(path + ("name",), f"`{_dotted(path)}`: {problem}")


# Methods whose threshold is a p-value: a drift alarm fires when p drops below it.
P_VALUE_METHODS = frozenset({"ks", "chi2", "z"})
BOUNDED_METHODS = frozenset({"js", "hellinger", "l_infinity"})


@register("drift_threshold_range")
def drift_threshold_range(ctx: RuleContext) -> Iterator[Problem]:
    monitors = ctx.manifest.get(("monitoring", "drift"))
    for index, monitor in enumerate(monitors if isinstance(monitors, list) else []):
        if not isinstance(monitor, dict):
            continue
        method, threshold = monitor.get("method"), _number(monitor.get("threshold"))
        path: PathT = ("monitoring", "drift", index, "threshold")
        if threshold is None or not isinstance(method, str):
            continue
        if method in P_VALUE_METHODS and not 0 < threshold <= 0.2:
            yield Problem(
                path,
                f"`{method}` is a test whose threshold is a p-value: use a value in (0, 0.2] such as 0.05, not {threshold:g}",
            )
        elif method in BOUNDED_METHODS and not 0 < threshold < 1:
            yield Problem(
                path,
                f"`{method}` distance lies between 0 and 1: a threshold of {threshold:g} can never (or always) fire; use a value in (0, 1)",
            )
        elif method == "psi":
            if threshold <= 0:
                yield Problem(path, f"PSI threshold must be above 0, got {threshold:g}")
            elif not 0.05 <= threshold <= 0.5:
                yield Problem(
                    path,
                    f"PSI threshold {threshold:g} is outside the usual 0.05–0.5 (0.1 moderate, 0.25 significant shift)",
                    severity=Severity.NOTE,
                )
        elif method in ("kl", "wasserstein") and threshold <= 0:
            yield Problem(path, f"`{method}` threshold must be above 0, got {threshold:g}")


@register("label_delay")
def label_delay(ctx: RuleContext) -> Iterator[Problem]:
    accuracy = ctx.manifest.get(("monitoring", "outcome_accuracy"))
    if not isinstance(accuracy, dict):
        return
    delay, cadence = values.duration(accuracy.get("label_delay")), values.duration(accuracy.get("cadence"))
    if delay is None or cadence is None or delay <= cadence:
        return
    if not values.answered(accuracy.get("estimator")):
        yield Problem(
            ("monitoring", "outcome_accuracy", "label_delay"),
            f"labels arrive after {values.show_duration(delay)} but accuracy is measured every {values.show_duration(cadence)}: "
            "declare an `estimator` (e.g. confidence-based performance estimation) for the gap",
        )


# Metrics where smaller is better; every other accuracy metric is read as higher-is-better.
_LOWER_IS_BETTER = frozenset(
    {
        "mae",
        "mse",
        "rmse",
        "mape",
        "smape",
        "wape",
        "error",
        "errors",
        "loss",
        "logloss",
        "brier",
        "wer",
        "cer",
        "perplexity",
    }
)


def lower_is_better(metric: Any) -> bool:
    """Error and loss metrics: any word of the name (`word_error_rate`, `log-loss`, `val_loss`)."""
    if not isinstance(metric, str):
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", metric.lower()) if w]
    return any(w in _LOWER_IS_BETTER for w in words) or "log_loss" in "_".join(words)


@register("accuracy_measured")
def accuracy_measured(ctx: RuleContext) -> Iterator[Problem]:
    base: PathT = ("monitoring", "outcome_accuracy")
    accuracy = ctx.manifest.get(base)
    if not isinstance(accuracy, dict):
        yield Problem(
            base,
            "`monitoring.outcome_accuracy` is missing: accuracy has never been measured in production",
            missing=base not in ctx.manifest.spans,
        )
        return
    measured = accuracy.get("last_measured")
    when = values.date(measured.get("date")) if isinstance(measured, dict) else None
    if when is None or not isinstance(measured, dict):  # (not a dict: when is None; said for mypy)
        yield Problem(
            base + ("last_measured",),
            "`last_measured.date` is missing: record when outcome accuracy was last measured",
            missing=(base + ("last_measured",)) not in ctx.manifest.spans,
        )
        return
    date_path = base + ("last_measured", "date")
    cadence = values.duration(accuracy.get("cadence"))
    future = in_future(ctx, date_path)
    if future:
        yield future
    elif cadence is not None and ctx.fails_from(
        date_path,
        values.first_day_over(when, 2 * cadence),
        f"outcome accuracy (last measured {when}) is due for re-measurement: twice the {values.show_duration(cadence)} cadence runs out",
    ):
        yield Problem(
            date_path,
            f"outcome accuracy last measured {when}, {(ctx.today - when).days} days ago: more than twice the {values.show_duration(cadence)} cadence",
        )
    value, threshold = _number(measured.get("value")), _number(accuracy.get("threshold"))
    if value is not None and threshold is not None:
        metric = accuracy.get("metric")
        if lower_is_better(metric) and value > threshold:
            yield Problem(
                base + ("last_measured", "value"),
                f"last measured {metric} {value:g} is worse than the threshold {threshold:g} (lower is better)",
            )
        elif not lower_is_better(metric) and value < threshold:
            yield Problem(
                base + ("last_measured", "value"),
                f"last measured {metric or 'accuracy'} {value:g} is below the threshold {threshold:g}",
            )


@register("business_target")
def business_target(ctx: RuleContext, max_baseline_age_days: int = 365) -> Iterator[Problem]:
    base: PathT = ("business_metric",)
    metric = ctx.manifest.get(base)
    if not isinstance(metric, dict):
        return
    baseline = found if isinstance(found := metric.get("baseline"), dict) else {}
    target = found if isinstance(found := metric.get("target"), dict) else {}
    start, goal = _number(baseline.get("value")), _number(target.get("value"))
    direction = metric.get("direction")
    if (
        start is not None
        and goal is not None
        and ((direction == "increase" and goal <= start) or (direction == "decrease" and goal >= start))
    ):
        yield Problem(base + ("target", "value"), f"target {goal:g} does not {direction} from the baseline {start:g}")
    path = base + ("baseline", "measured_at")
    measured = values.date(baseline.get("measured_at"))
    if measured is None or measured > ctx.today:
        return  # a baseline from the future is AIP-BIZ-001's finding
    months = max_baseline_age_days // 30
    if ctx.fails_from(
        path,
        measured + datetime.timedelta(days=max_baseline_age_days + 1),
        f"the baseline (`business_metric.baseline.measured_at` {measured}) turns more than {months} months old",
    ):
        yield Problem(path, f"baseline measured {measured}, more than {months} months ago: measure it again")


@register("rollback_tested")
def rollback_tested(ctx: RuleContext, max_age_days: int = 180) -> Iterator[Problem]:
    tested_path: PathT = ("rollback", "last_tested")
    tested = values.date(ctx.manifest.get(tested_path))
    if tested is None:
        # The spec requires `last_tested` only at high risk ("C: high"); when given, it is judged at any risk.
        if ctx.high_risk:
            yield Problem(
                tested_path,
                "`rollback.last_tested` is missing: at high risk a rollback must be rehearsed; a rollback nobody has rehearsed is a hope, not a plan",
                missing=tested_path not in ctx.manifest.spans,
            )
    elif future := in_future(ctx, tested_path):
        yield future
    elif ctx.fails_from(
        tested_path,
        tested + datetime.timedelta(days=max_age_days + 1),
        f"the rollback test (`rollback.last_tested` {tested}) turns more than {max_age_days} days old",
    ):
        yield Problem(
            tested_path, f"rollback last tested {tested}, {(ctx.today - tested).days} days ago (limit {max_age_days})"
        )
    future = in_future(ctx, ("rollback", "previous_version", "verified_at"))
    if future:
        yield future
    previous = ctx.manifest.get(("rollback", "previous_version", "ref"))
    current = ctx.manifest.get(("system", "model_version"))
    if isinstance(previous, str) and previous and previous == current:
        yield Problem(
            ("rollback", "previous_version", "ref"),
            f"rollback target {previous!r} is the version in production (`system.model_version`): rolling back would change nothing",
        )


@register("review_due")
def review_due(ctx: RuleContext, max_months: int = 12, high_risk_max_months: int = 6) -> Iterator[Problem]:
    base: PathT = ("governance",)
    nxt, last = (
        values.date(ctx.manifest.get(base + ("next_review",))),
        values.date(ctx.manifest.get(base + ("last_review",))),
    )
    months = high_risk_max_months if ctx.high_risk else max_months
    if nxt is None:
        path = base + ("next_review",)
        yield Problem(
            path,
            "`governance.next_review` is missing: schedule the next review",
            missing=path not in ctx.manifest.spans,
        )
        return
    if ctx.fails_from(base + ("next_review",), nxt, "`governance.next_review` is due"):
        yield Problem(base + ("next_review",), f"review was due on {nxt}: hold it and record the next date")
    if last is None:
        path = base + ("last_review",)
        yield Problem(path, "`governance.last_review` is missing", missing=path not in ctx.manifest.spans)
    elif future := in_future(ctx, base + ("last_review",)):
        yield future
    elif nxt > _add_months(last, months):
        yield Problem(
            base + ("next_review",),
            f"next review {nxt} is more than {months} months after the last one ({last})"
            + (" at high risk" if ctx.high_risk else ""),
        )


def in_future(ctx: RuleContext, path: PathT) -> Problem | None:
    """A date that must describe the past (a measurement, a review, a test) lying after today."""
    day = values.date(ctx.manifest.get(path))
    if day is None or day <= ctx.today:
        return None
    return Problem(
        path,
        f"`{_dotted(path)}` {day} is in the future: it records when something happened, so it cannot be after today ({ctx.today})",
    )


@register("past_date")
def past_date(ctx: RuleContext, path: str) -> Iterator[Problem]:
    """`path` (dotted) is a date in the past, when it is a date at all."""
    future = in_future(ctx, tuple(path.split(".")))
    if future:
        yield future


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:  # a pack's `args` may ask for any number of months
        return datetime.date.max if months > 0 else datetime.date.min
    # The month's length without importing calendar (~1 ms at start): the day before the next month's first.
    last = 31 if month == 12 else (datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)).day
    return day.replace(year=year, month=month, day=min(day.day, last))


def _refs(node: Any, path: PathT = ()) -> Iterator[tuple[PathT, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_ref"):
                yield path + (key,), value
            else:
                yield from _refs(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, path + (index,))


def refs_of(m: Any) -> list[tuple[PathT, Any]]:
    """Every `*_ref` of a manifest: as its loader collected them, or walked once per manifest
    when it did not (a document with aliases, a manifest built in code; several rules ask)."""
    if m.refs is None:
        m.refs = list(_refs(m.data))
    refs: list[tuple[PathT, Any]] = m.refs
    return refs


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


MISSING = "does not exist in the repository"


def forget() -> None:
    """Drop the refs resolved so far: a new run must see files created since the last."""
    resolve_ref.cache_clear()
    repository_path.cache_clear()


@lru_cache(maxsize=4096)
def repository_path(root: Path, ref: str) -> str | None:
    """A local `*_ref` as a repository-relative `/` path, or None (a URL, a placeholder,
    or a path that leaves the repository: AIP-REF-001 reports those). Asked for each ref
    by the git facts, AIP-GIT-002 and AIP-GIT-004: answered once per run."""
    if not values.answered(ref) or _URL.match(ref.strip()):
        return None
    text = ref.strip()
    target, refused = resolve_ref(root, text)
    if refused or target is None:
        return None
    rel = os.path.normpath(text.replace("\\", "/")).replace(os.sep, "/")
    if rel in (".", "") or rel.startswith("../"):
        return None
    return rel


@lru_cache(maxsize=4096)
def resolve_ref(root: Path, ref: str) -> tuple[Path | None, str | None]:
    """A repository-relative ref as a path inside `root`, or why it is refused.
    Never follows a ref (or a symlink inside it) out of the repository."""
    if "\x00" in ref:
        return None, "contains a NUL character"
    pure = PurePosixPath(ref.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", ref):
        return None, "is an absolute path: refs are relative to the repository root"
    resolved = safeio.realpath(os.fspath(root.joinpath(*pure.parts)))
    unreadable = False
    try:
        os.stat(resolved)
    except (FileNotFoundError, NotADirectoryError):
        pass  # a plain missing file: each caller says what that means for it
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "cannot be resolved (symlink loop?)"
        # ENAMETOOLONG, EACCES on a folder on the way: no file anyone can show, so an
        # ordinary "does not exist", and every later existence check is spared the error.
        unreadable = True
    if not safeio.below(resolved, safeio.real_root(os.fspath(root))):
        return None, "points outside the repository"
    return (None, MISSING) if unreadable else (Path(resolved), None)


@register("refs_exist")
def refs_exist(ctx: RuleContext) -> Iterator[Problem]:
    for path, ref in refs_of(ctx.manifest):
        if not isinstance(ref, str) or not values.answered(ref) or _URL.match(ref.strip()):
            continue
        target, refused = resolve_ref(ctx.root, ref.strip())
        if refused:
            yield Problem(path, f"`{_dotted(path)}` {ref!r} {refused}")
        elif target is not None and not _exists(target):
            hint = _beside_manifest(ctx, ref.strip())
            where = f"; refs are relative to the repository root: did you mean `{hint}`?" if hint else ""
            yield Problem(path, f"`{_dotted(path)}` {ref!r} {MISSING}{where}")


def _beside_manifest(ctx: RuleContext, ref: str) -> str | None:
    """The repository path `ref` names when read relative to the manifest's own folder,
    if a file is there: the usual slip in a monorepo (`docs/card.md` for `svc/docs/card.md`)."""
    try:
        folder = (Path.cwd() / ctx.manifest.file).parent.resolve()
        rel = os.path.relpath(folder / ref, ctx.root.resolve())
    except (OSError, ValueError, RuntimeError):
        return None
    if rel.startswith(".."):
        return None
    target, refused = resolve_ref(ctx.root, Path(rel).as_posix())
    try:
        return Path(rel).as_posix() if refused is None and target is not None and _exists(target) else None
    except OSError:
        return None


def _exists(target: Path) -> bool:
    try:
        return target.exists()
    except (OSError, ValueError):  # a name too long for the file system names no file
        return False
