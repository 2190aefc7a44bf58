"""The portfolio: every AI system found, where it stands, and which pilots are stuck.

`aipolicy report` builds an Inventory from a check run (checker.engine) and the
manifests' git history (checker.portfolio.history), or from the JSON of runs
in other repositories (`--from-json`), and hands it to one renderer per format
(checker.portfolio.render: html, md, json, csv). The inventory's JSON shape is
versioned: schemas/inventory.v1.schema.json.

Definitions every renderer shares (README "The portfolio"):
- **stage since**: the author date of the commit where `stage` last changed to
  its current value (the first commit of the file when it never changed);
- **stuck**: at `pilot` for longer than `stuck_after` months by that date
  (14 by default: the realistic pilot-to-production span is 6 to 14 months);
- **purgatory**: at `pilot` with at least one of the ten questions unanswered
  (judged as at production): a pilot that could not be promoted today.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any, NamedTuple, TypedDict

from checker.records import field, record

STAGES = ("exploration", "pilot", "production", "retired")
SEVERITIES = ("error", "warning", "note")
DEFAULT_STUCK_AFTER = 14  # months at pilot before a pilot counts as stuck
INVENTORY_FORMAT = "aipolicy-inventory"
INVENTORY_VERSION = 1


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole calendar months; the 31st becomes the month's last day. A
    result beyond the calendar (a git date or JSON day near year 9999 or 1, a huge
    `months`) is its last or first day, date.max or date.min: never an exception."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_ends(today: datetime.date, count: int = 12) -> list[datetime.date]:
    """The last `count` month ends up to today, oldest first; the current month ends today
    (fewer when today is in the calendar's first year: none before 0001-01-01)."""
    first_of_month = today.replace(day=1)
    ends = [today]
    for back in range(1, count):
        first = add_months(first_of_month, -back + 1)
        if first == datetime.date.min:
            break
        ends.append(first - datetime.timedelta(days=1))
    return sorted(ends)


class StageChange(NamedTuple):
    """The manifest entered `stage` on `since` (author date) in `commit`."""

    stage: str
    since: datetime.date
    commit: str
    at_or_before: bool = False  # `commit` is a shallow clone's first: the real date may be earlier


class Owners(TypedDict):
    """A system's two owners (names as the manifest gives them; None when not named)."""

    technical: str | None
    business: str | None


class Deadline(TypedDict):
    """A day from which a rule will fail (checker.findings.Due), as the inventory keeps it."""

    date: str  # YYYY-MM-DD
    rule: str
    json_path: str
    what: str  # "review due", ...


@record
class System:
    """One AI system of the inventory: one manifest."""

    path: str  # repository-relative, posix
    repository: str | None = None  # `owner/name`; None when unknown
    id: str | None = None
    name: str | None = None
    stage: str | None = None
    risk_tier: str | None = None
    decision_role: str | None = None
    owners: Owners = field(default_factory=lambda: Owners(technical=None, business=None))
    questions: dict[str, bool] | None = None  # question id -> answered; None when not judged
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "note": 0, "suppressed": 0})
    deadlines: list[Deadline] = field(default_factory=list)  # soonest first
    history: list[StageChange] | None = None  # oldest first; None: no git history known

    @property
    def key(self) -> tuple[str, str]:
        """What makes two entries one system when inventories are merged."""
        return (self.repository or "", self.path)

    @property
    def stage_since(self) -> datetime.date | None:
        if self.history and self.history[-1].stage == self.stage:
            return self.history[-1].since
        return None

    def stuck(self, today: datetime.date, stuck_after: int = DEFAULT_STUCK_AFTER) -> bool:
        since = self.stage_since
        return self.stage == "pilot" and since is not None and add_months(since, stuck_after) < today

    @property
    def purgatory(self) -> bool:
        return self.stage == "pilot" and self.questions is not None and not all(self.questions.values())

    @property
    def answered(self) -> int:
        return sum(self.questions.values()) if self.questions else 0


class MonthPoint(NamedTuple):
    """The portfolio as the manifests' git history had it at the end of one month."""

    month: str  # YYYY-MM
    end: datetime.date
    stages: dict[str, int]  # stage -> number of systems at it
    purgatory: int
    stuck: int


@record
class Inventory:
    generated: datetime.date  # the day judged (today, or --today)
    tool_version: str
    stuck_after: int = DEFAULT_STUCK_AFTER
    systems: list[System] = field(default_factory=list)
    trend: list[MonthPoint] | None = None  # None: no git history to replay
    questions: dict[str, str] = field(default_factory=dict)  # question id -> text
    sources: list[str] = field(default_factory=list)  # where the entries came from (paths, JSON files)

    def stuck_pilots(self) -> list[System]:
        return [s for s in self.systems if s.stuck(self.generated, self.stuck_after)]

    def stuck_since(self) -> list[tuple[System, datetime.date]]:
        """(system, the day it reached pilot) for each stuck pilot, longest stuck first."""
        stuck = [(s, since) for s in self.stuck_pilots() if (since := s.stage_since) is not None]
        return sorted(stuck, key=lambda pair: (pair[1], pair[0].key))

    def due_within(self, days: int) -> list[tuple[System, Deadline]]:
        """(system, deadline) for each deadline from tomorrow to `days` days ahead, soonest first."""
        horizon = self.generated + datetime.timedelta(days=min(days, (datetime.date.max - self.generated).days))
        out = [
            (s, d)
            for s in self.systems
            for d in s.deadlines
            if self.generated < datetime.date.fromisoformat(d["date"]) <= horizon
        ]
        return sorted(out, key=lambda pair: (pair[1]["date"], pair[0].key))

    def owner_load(self, limit: int = 3) -> dict[str, list[System]]:
        """People owning more than `limit` systems (technical or business), most loaded first."""
        owned: dict[str, list[System]] = {}
        for s in self.systems:
            for person in dict.fromkeys(p for p in (s.owners["technical"], s.owners["business"]) if p):
                owned.setdefault(person, []).append(s)
        busy = {p: systems for p, systems in owned.items() if len(systems) > limit}
        return dict(sorted(busy.items(), key=lambda item: (-len(item[1]), item[0])))

    def one_person_owned(self) -> list[System]:
        """Systems whose technical and business owner are the same person."""
        return [
            s
            for s in self.systems
            if s.owners.get("technical") and s.owners.get("technical") == s.owners.get("business")
        ]

    def counts(self) -> dict[str, Any]:
        stages = dict.fromkeys(STAGES, 0)
        for s in self.systems:
            if s.stage in stages:
                stages[s.stage] += 1
        return {
            "systems": len(self.systems),
            "stages": stages,
            "unknown_stage": sum(1 for s in self.systems if s.stage not in STAGES),
            "purgatory": sum(1 for s in self.systems if s.purgatory),
            "stuck": len(self.stuck_pilots()),
            "failing": sum(1 for s in self.systems if s.findings.get("error")),
            "due_30": len(self.due_within(30)),
            "due_90": len(self.due_within(90)),
        }
