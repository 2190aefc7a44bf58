"""The git-aware rules (AIP-GIT-001..005), registered as named checks.

The rules are plain functions of (manifest, manifest at the base ref or None,
GitFacts): they never run git. checker/git/run.py gathers the facts for a whole
run at once; checker/git/facts.py holds them.

Choices the spec leaves open, made here:
- AIP-GIT-002 reads the date a file was last committed (committer date, on
  the history of HEAD). A file with uncommitted changes counts as changed
  today, so a pre-commit run that updates the evidence is not blocked by the
  old date. In a shallow clone a date at the clone's boundary is only an
  upper bound: it is reported only when even that date is too old.
  It judges evidence files only (spec A3): `outcome_accuracy.evidence_ref`
  against twice the accuracy cadence, and each source's
  `validation.evidence_ref` (the output of its last validation run) against
  twice its `refresh.schedule` when that is a duration (P1D, 12h, weekly),
  otherwise twice the accuracy cadence; with neither it is skipped (a cron
  schedule says when data arrives, not how often evidence is due). A
  `validation.suite_ref` is a definition and never stale.
- AIP-GIT-003 reads the first of .github/CODEOWNERS, CODEOWNERS and
  docs/CODEOWNERS in the working tree, the order GitHub uses.
- AIP-GIT-005 dates a pilot by the author date (UTC) of the commit where the
  manifest's `stage` last became `pilot` (checker.git.history), and is
  stuck from the day after `stuck-after` calendar months have passed (the
  portfolio's definition). Only manifests whose own stage is `pilot` cost a
  history walk (one for all of them). A manifest moved to pilot but not yet
  committed is not stuck. In a shallow clone a date at the clone's first commit
  is only an upper bound: it is reported only when even that date is too old.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from checker.checks import values
from checker.checks.rules import P_VALUE_METHODS, PEOPLE, lower_is_better, register
from checker.git.codeowners import CODEOWNERS_LOCATIONS
from checker.git.facts import GitFacts, _evidence, _local_refs, repo_path
from checker.manifest import Manifest, PathT, json_path
from checker.ruleapi import Problem, RuleContext

NEEDS_GIT, NEEDS_BASE = "git", "git-base"  # rule tags: what a rule needs to be evaluated at all
STUCK_IN_PILOT = "AIP-GIT-005"
STAGE_ORDER = {"exploration": 0, "pilot": 1, "production": 2}  # `retired` is an end, not a step back


def skipped(tags: Collection[str], facts: GitFacts | None) -> bool:
    """A rule tagged `git` needs a repository; `git-base` also needs a base ref."""
    if NEEDS_GIT in tags and facts is None:
        return True
    return NEEDS_BASE in tags and (facts is None or facts.base_label is None)


# -- AIP-GIT-001 weakened-commitment -------------------------------------------------------------

DURATIONS: tuple[PathT, ...] = (
    ("rollback", "rto"),
    ("monitoring", "outcome_accuracy", "cadence"),
    ("monitoring", "outcome_accuracy", "label_delay"),
    ("retraining", "cadence"),
    ("retraining", "max_model_age"),
    ("retraining", "approval", "max_lead_time"),
)
NOT_SECTIONS = frozenset({"apiVersion", "system", "stage", "waivers"})  # compared otherwise, or not a commitment
SELF = frozenset({"aip-git-001", "weakened-commitment"})


def _dotted(path: PathT) -> str:
    return json_path(path)[2:]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _get(data: Any, path: PathT) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _person_name(value: Any) -> str | None:
    if isinstance(value, dict) and values.answered(value.get("name")) and isinstance(value.get("name"), str):
        name: str = value["name"]
        return name.strip()
    return None


class _Report:
    """Problems of one comparison; nothing is reported below something already reported gone."""

    def __init__(self, since: str) -> None:
        self.since = since
        self.problems: list[Problem] = []
        self.gone: list[PathT] = []

    def under_gone(self, path: PathT) -> bool:
        return any(path[: len(g)] == g for g in self.gone)

    def removed(self, path: PathT, what: str) -> None:
        """`path` is gone from the new file: reported at its parent's key line there
        (Problem.missing), and nothing below it is reported again."""
        if self.under_gone(path):
            return
        self.gone.append(path)
        self.problems.append(Problem(path, f"{what} removed {self.since}", missing=True))

    def add(self, path: PathT, message: str, missing: bool = False) -> None:
        if not self.under_gone(path):
            self.problems.append(Problem(path, f"{message} {self.since}", missing=missing))


def weakened_commitment(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    """Each commitment that got weaker since the base ref, at its line in the new file."""
    if base is None or not isinstance(base.data, dict):
        return []
    new, old = m.data, base.data
    out = _Report(f"since {facts.base_label or 'the base ref'}")
    _stage(out, facts.stage, old.get("stage"))
    _sections(out, new, old)
    _people(out, new, old)
    _drift(out, new, old)
    _named(out, new, old, ("monitoring", "alerts"), "alert")
    _sources(out, new, old)
    _triggers(out, new, old)
    _accuracy(out, new, old)
    _durations(out, new, old)
    _waivers(out, new, old)
    return out.problems


def _stage(out: _Report, new: Any, old: Any) -> None:
    if new in STAGE_ORDER and old in STAGE_ORDER and STAGE_ORDER[new] < STAGE_ORDER[old]:
        out.add(("stage",), f"stage moved back from {old} to {new}")


def _people(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    for path in PEOPLE:
        name = _person_name(_get(old, path))
        if name is not None and _person_name(_get(new, path)) is None:
            out.removed(path, f"owner `{_dotted(path)}` ({name})")


def _sections(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    """Top-level sections and the sections inside them (`monitoring.outcome_accuracy`)."""
    for key, value in old.items():
        if not isinstance(key, str) or key in NOT_SECTIONS or key.startswith("x-"):
            continue
        if not isinstance(value, (dict, list)) or not values.answered(value):
            continue
        if not values.answered(new.get(key)):
            out.removed((key,), f"section `{key}`")
            continue
        if not isinstance(value, dict) or not isinstance(new.get(key), dict):
            continue
        for sub, inner in value.items():
            if not isinstance(sub, str) or sub.startswith("x-"):
                continue
            if (key, sub) in PEOPLE:
                continue  # reported as an owner
            if isinstance(inner, (dict, list)) and values.answered(inner) and not values.answered(new[key].get(sub)):
                out.removed((key, sub), f"section `{key}.{sub}`")


def _items(data: dict[str, Any], path: PathT) -> list[tuple[int, dict[str, Any]]]:
    found = _get(data, path)
    return [(i, item) for i, item in enumerate(found) if isinstance(item, dict)] if isinstance(found, list) else []


def _drift_label(monitor: dict[str, Any]) -> str:
    features = monitor.get("features")
    names = f" [{', '.join(map(str, features))}]" if isinstance(features, list) and features else ""
    return f"`{monitor.get('target')}`{names}"


def _drift(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    base: PathT = ("monitoring", "drift")
    olds, news = _items(old, base), _items(new, base)

    def feats(monitor: dict[str, Any]) -> tuple[str, ...]:
        features = monitor.get("features")
        return tuple(sorted(map(str, features))) if isinstance(features, list) else ()

    pairs: list[tuple[dict[str, Any], int, dict[str, Any]]] = []
    free = list(news)
    # Identity: target + method (+ features); then target + method alone, so a
    # monitor that lost features is compared rather than called removed.
    for exact in (True, False):
        left = []
        for _, before in olds:
            key = (before.get("target"), before.get("method")) + ((feats(before),) if exact else ())
            match = next(
                (
                    n
                    for n in free
                    if (n[1].get("target"), n[1].get("method")) + ((feats(n[1]),) if exact else ()) == key
                ),
                None,
            )
            if match is None:
                left.append((0, before))
                continue
            free.remove(match)
            pairs.append((before, match[0], match[1]))
        olds = left
    for _, before in olds:
        other = [n for _, n in free if n.get("target") == before.get("target")]
        hint = (
            (
                f" (a `{before.get('target')}` monitor with {other[0].get('method')} was added: "
                "if it is at least as strict, accept the change with a waiver)"
            )
            if other
            else ""
        )
        # At the list's key line; one monitor gone does not hide the others.
        out.add(base, f"drift monitor {_drift_label(before)} with {before.get('method')} removed", missing=True)
        if hint:
            out.problems[-1] = Problem(base, out.problems[-1].message + hint, missing=True)
    for before, index, after in pairs:
        path = base + (index,)
        dropped = [f for f in feats(before) if f not in feats(after)]
        if dropped:
            out.add(
                path + ("features",), f"drift monitor {_drift_label(before)} no longer watches {', '.join(dropped)}"
            )
        t_old, t_new, method = _num(before.get("threshold")), _num(after.get("threshold")), after.get("method")
        if t_old is not None and t_new is None and "threshold" not in after:
            out.add(path, f"drift threshold for {_drift_label(after)} ({t_old:g}) removed")
        elif t_old is not None and t_new is not None:
            p_value = method in P_VALUE_METHODS  # alarms fire when p drops below: lower is laxer
            if (t_new < t_old) if p_value else (t_new > t_old):
                verb = "lowered" if p_value else "raised"
                out.add(
                    path + ("threshold",),
                    f"drift threshold for {_drift_label(after)} {verb} from {t_old:g} to {t_new:g}",
                )


def _named(
    out: _Report, new: dict[str, Any], old: dict[str, Any], base: PathT, noun: str
) -> list[tuple[dict[str, Any], int, dict[str, Any]]]:
    """Items matched by `name`; unmatched old ones are reported removed at the list's key."""
    news = {item.get("name"): (i, item) for i, item in reversed(_items(new, base)) if isinstance(item.get("name"), str)}
    pairs = []
    for _, before in _items(old, base):
        name = before.get("name")
        if not isinstance(name, str):
            continue
        if name in news:
            pairs.append((before, *news[name]))
        else:
            out.add(base, f"{noun} `{name}` removed", missing=True)
    return pairs


def _sources(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    base: PathT = ("data", "sources")
    for before, index, after in _named(out, new, old, base, "data source"):
        name = _person_name(before.get("owner"))
        if name is not None and _person_name(after.get("owner")) is None:
            out.add(base + (index,), f"owner of data source `{after.get('name')}` ({name}) removed")
        if values.answered(before.get("validation")) and not values.answered(after.get("validation")):
            out.add(base + (index,), f"validation of data source `{after.get('name')}` removed")


def _triggers(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    path: PathT = ("retraining", "triggers")
    before, after = _get(old, path), _get(new, path)
    if not isinstance(before, list) or not isinstance(after, list) or not after:
        return  # a removed list is reported as a removed section
    lost = [t for t in before if isinstance(t, str) and t not in after]
    if lost:
        out.add(path, f"retraining trigger{'s' if len(lost) > 1 else ''} {', '.join(f'`{t}`' for t in lost)} removed")


def _accuracy(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    base: PathT = ("monitoring", "outcome_accuracy")
    before, after = _get(old, base), _get(new, base)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return
    metric = after.get("metric")
    if before.get("metric") not in (None, metric):
        return  # another metric: thresholds on different scales do not compare
    t_old, t_new = _num(before.get("threshold")), _num(after.get("threshold"))
    shown = f"`{metric}`" if isinstance(metric, str) else "outcome accuracy"
    if t_old is not None and t_new is None and "threshold" not in after:
        out.add(base + ("threshold",), f"accuracy threshold for {shown} ({t_old:g}) removed", missing=True)
    elif t_old is not None and t_new is not None:
        if lower_is_better(metric) and t_new > t_old:
            out.add(
                base + ("threshold",),
                f"accuracy threshold for {shown} raised from {t_old:g} to {t_new:g} (lower is better)",
            )
        elif not lower_is_better(metric) and t_new < t_old:
            out.add(base + ("threshold",), f"accuracy threshold for {shown} lowered from {t_old:g} to {t_new:g}")


def _durations(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    for path in DURATIONS:
        before, after = _get(old, path), _get(new, path)
        d_old, d_new = values.duration(before), values.duration(after)
        if d_old is None:
            continue
        if after is None and isinstance(_get(new, path[:-1]), dict):
            out.add(path, f"`{_dotted(path)}` ({before}) removed", missing=True)
        elif d_new is not None and d_new > d_old:
            out.add(path, f"`{_dotted(path)}` lengthened from {before} to {after}")


def _waiver_key(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
        return None
    path = str(item.get("path") or "").strip().lstrip("$").lstrip(".")
    return item["rule"].strip().lower(), path


def _waivers(out: _Report, new: dict[str, Any], old: dict[str, Any]) -> None:
    before = {}
    for item in found if isinstance(found := old.get("waivers"), list) else []:
        key = _waiver_key(item)
        if key is not None:
            before[key] = values.date(item.get("expires"))
    for index, item in enumerate(found if isinstance(found := new.get("waivers"), list) else []):
        key = _waiver_key(item)
        if key is None or key[0] in SELF:  # a waiver of this rule is how a weakening is accepted
            continue
        where = f" at `{key[1]}`" if key[1] else ""
        if key not in before:
            out.add(("waivers", index), f"waiver for {item['rule']}{where} added")
            continue
        old_expiry, new_expiry = before[key], values.date(item.get("expires"))
        if old_expiry is not None and new_expiry is not None and new_expiry > old_expiry:
            out.add(
                ("waivers", index, "expires"),
                f"waiver for {item['rule']}{where} extended from {old_expiry} to {new_expiry}",
            )


# -- AIP-GIT-002 stale-evidence ----------------------------------------------------------------


def stale_evidence(
    m: Manifest,
    base: Manifest | None,
    facts: GitFacts,
    today: datetime.date,
    fails_from: Callable[[PathT, datetime.date, str], bool] | None = None,
) -> list[Problem]:
    """Evidence files whose last commit is older than twice their cadence. `fails_from` is
    RuleContext.fails_from (it also declares the day fresh evidence goes stale, for
    AIP-DUE-001); without it the day is compared with `today`."""
    due = fails_from or (lambda path, day, what: today >= day)
    out = []
    for path, ref, cadence, source in _evidence(m):
        rel = repo_path(facts.root, ref)
        if rel is None or rel in facts.dirty:
            continue  # a URL, outside the repository, or changed right now
        last = facts.changed.get(rel)
        if last is None:
            continue  # never committed: AIP-GIT-004 or AIP-REF-001 says so
        limit = values.show_duration(cadence)
        if not due(
            path,
            values.first_day_over(last.date, 2 * cadence),
            f"`{_dotted(path)}` {ref!r} (last changed in git on {last.date}) goes stale, "
            f"older than twice its {limit} cadence,",
        ):
            continue
        age = today - last.date
        when = f"on or before {last.date} (the start of this shallow clone)" if last.at_or_before else f"on {last.date}"
        out.append(
            Problem(
                path,
                (
                    f"`{_dotted(path)}` {ref!r} last changed in git {when}, {age.days} days ago: "
                    f"more than twice its {limit} cadence (`{source}`); commit fresh evidence"
                ),
            )
        )
    return out


# -- AIP-GIT-005 stuck-in-pilot -----------------------------------------------------------------


def stuck_in_pilot(
    m: Manifest,
    base: Manifest | None,
    facts: GitFacts,
    today: datetime.date,
    fails_from: Callable[[PathT, datetime.date, str], bool] | None = None,
) -> list[Problem]:
    """At `stage: pilot` for more than `stuck-after` months by git history. `fails_from` is
    RuleContext.fails_from (a pilot not stuck yet declares the day it will be)."""
    from checker.portfolio import add_months
    from checker.portfolio.render import months_between

    history = facts.stage_history
    if facts.stage != "pilot" or not history or history[-1].stage != "pilot":
        return []  # another stage, no history, or moved to pilot since the last commit
    entry = history[-1]
    months = facts.stuck_after
    due = fails_from or (lambda path, day, what: today >= day)
    limit = add_months(entry.since, months)
    if limit >= datetime.date.max:
        return []  # a git date at the calendar's end: never stuck
    first = limit + datetime.timedelta(days=1)
    if not due(
        ("stage",),
        first,
        f"`stage: pilot` since {entry.since} (commit {entry.commit[:12]}) passes the {months}-month stuck-after limit",
    ):
        return []
    spent = months_between(entry.since, today)  # not a loop of add_months: that stops growing at date.max
    when = (
        f"{entry.since} or earlier (commit {entry.commit[:12]}, the first of this shallow clone)"
        if entry.at_or_before
        else f"{entry.since} (commit {entry.commit[:12]})"
    )
    return [
        Problem(
            ("stage",),
            (
                f"at `stage: pilot` since {when} by git history: {spent} months, past the "
                f"{months}-month stuck-after limit since {first}; decide: promote to production, re-scope or retire"
            ),
        )
    ]


# -- AIP-GIT-003 codeowners ---------------------------------------------------------------------


def codeowners(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    where: PathT = ("owners",)
    owners = facts.codeowners
    if owners is None:
        return [
            Problem(
                where,
                (
                    f"no CODEOWNERS file (looked for {', '.join(CODEOWNERS_LOCATIONS)}): add .github/CODEOWNERS with a line "
                    f"such as `/{_escape(facts.path)} @owner` so changes to this manifest need its owners' review"
                ),
                missing=True,
            )
        ]
    rule = owners.match(facts.path)
    if rule is None:
        return [
            Problem(
                where,
                (
                    f"`{facts.path}` has no entry in {owners.source}: add a line such as `/{_escape(facts.path)} @owner` "
                    "so changes to this manifest need its owners' review"
                ),
                missing=True,
            )
        ]
    if not rule.owners:
        return [
            Problem(
                where,
                (
                    f"`{facts.path}` is left without owners by {owners.source}:{rule.line} (`{rule.pattern}` names nobody, "
                    "and the last matching line wins): give that line an owner or add a later one for this manifest"
                ),
                missing=True,
            )
        ]
    return []


def _escape(path: str) -> str:
    return path.replace(" ", "\\ ")


# -- AIP-GIT-004 untracked-ref ------------------------------------------------------------------


def untracked_refs(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    if facts.tracked is None:
        return []  # git could not list the index: say nothing rather than guess
    out = []
    for path, ref, rel in _local_refs(m, facts.root):
        if rel in facts.tracked or not (facts.root / rel).exists():
            continue  # tracked, or missing altogether (AIP-REF-001 reports that)
        out.append(
            Problem(
                path,
                (
                    f"`{_dotted(path)}` {ref!r} exists here but is not tracked by git: it will not exist in CI "
                    f"or for reviewers; `git add {_quote(rel)}` (or check .gitignore)"
                ),
            )
        )
    return out


def _quote(path: str) -> str:
    return f"'{path}'" if re.search(r"[^\w./-]", path) else path


# -- the rules as named checks (checker/checks/rules.py's registry): `ctx.git` holds the facts --
# (None outside a git repository: the engine then skips rules tagged `git`).


def _git_check(name: str, needs_today: bool = False) -> None:
    """Register `name` as a thin hand-over to the function of that name here."""

    def check(ctx: RuleContext) -> Iterator[Problem]:
        if ctx.git is None:
            return
        args = (ctx.manifest, ctx.git.base, ctx.git) + ((ctx.today, ctx.fails_from) if needs_today else ())
        yield from globals()[name](*args)

    register(name)(check)


_git_check("weakened_commitment")
_git_check("stale_evidence", needs_today=True)
_git_check("codeowners")
_git_check("untracked_refs")
_git_check("stuck_in_pilot", needs_today=True)
