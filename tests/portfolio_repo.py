"""A fixture portfolio: a git repository of six AI systems with dated commits.

`build_portfolio_repo(path, env)` commits PLAN in order, each commit with its
author and committer date fixed (no user or system git configuration: see
test_git_repo.Repo), and returns the Repo. Everything a test may expect is
derived from PLAN, the dates committed, never from what aipolicy computes:
`expected_history(path)` and `expected_trend(today)`.

The systems (TODAY 2026-11-26):
- journey:  exploration 2025-06-10, pilot 2025-11-15, production 2026-07-01 (and an edit
            that leaves its stage alone);
- stuck:    a pilot since 2025-03-20 (20 months by TODAY), edited since without a stage change;
- recent:   exploration 2026-05-12, pilot 2026-08-26 (3 months by TODAY);
- ready:    a pilot since 2026-11-10 whose ten questions are all answered (the production
            example of this repository, at pilot): the one pilot not in purgatory;
- retired:  pilot 2025-04-01, retired 2026-03-15;
- gone:     a pilot from 2025-09-01 whose manifest was deleted on 2026-06-10.
Every other pilot is a bare manifest (what exploration asks for), so all ten questions
are unanswered: in purgatory.

Import it as `from portfolio_repo import build_portfolio_repo, ...` (tests/ is on the path).
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path

from test_git_repo import Repo, _clean_env  # noqa: F401  (re-exported: the clean git environment)

REPO_ROOT = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)
STUCK_AFTER = 14
READY = "examples/production/ai-production.yaml"  # its *_ref files live under examples/production


def bare(system_id: str, stage: str, note: str = "") -> str:
    """A manifest with what exploration asks for: at pilot, every question is unanswered."""
    return f"""\
apiVersion: aipolicy/v1
system:
  id: {system_id}
  name: {system_id.title()} system
  description: The {system_id} system of the fixture portfolio.{note}
  type: classifier
stage: {stage}
owners:
  technical: {{name: Sofia Marchetti, contact: sofia.marchetti@acme-corp.io}}
"""


def ready_text() -> str:
    text = (REPO_ROOT / READY).read_text(encoding="utf-8")
    assert "\nstage: production\n" in text
    return text.replace("\nstage: production\n", "\nstage: pilot\n")


@dataclass(frozen=True)
class Step:
    day: str  # YYYY-MM-DD: the commit's author and committer date (12:00 UTC)
    path: str  # the manifest
    stage: str | None  # None: the manifest is deleted
    kind: str = "bare"  # "bare", or "ready" (all ten questions answered)
    note: str = ""  # an edit that leaves the stage alone


def _m(name: str) -> str:
    return f"{name}/ai-production.yaml"


PLAN: tuple[Step, ...] = (
    Step("2025-03-20", _m("stuck"), "pilot"),
    Step("2025-04-01", _m("retired"), "pilot"),
    Step("2025-06-10", _m("journey"), "exploration"),
    Step("2025-09-01", _m("gone"), "pilot"),
    Step("2025-11-15", _m("journey"), "pilot"),
    Step("2026-02-01", _m("journey"), "pilot", note=" Now scoring live traffic."),
    Step("2026-03-15", _m("retired"), "retired"),
    Step("2026-05-05", _m("stuck"), "pilot", note=" A second site joined."),
    Step("2026-05-12", _m("recent"), "exploration"),
    Step("2026-06-10", _m("gone"), None),
    Step("2026-07-01", _m("journey"), "production"),
    Step("2026-08-26", _m("recent"), "pilot"),
    Step("2026-11-10", READY, "pilot", kind="ready"),
)
LAST_DAY = "2026-11-20"  # a last commit that touches no manifest

SYSTEMS = sorted({step.path for step in PLAN if step.path != _m("gone")})  # what exists today
ALL_MANIFESTS = sorted({step.path for step in PLAN})


def commit_date(day: str) -> str:
    return f"{day}T12:00:00+00:00"


def build_portfolio_repo(path: Path, env: dict[str, str]) -> Repo:
    """The repository of PLAN at `path` (created), with CODEOWNERS; `env` from _clean_env."""
    repo = Repo(path, env)
    repo.write(".github/CODEOWNERS", "* @platform-team\n")
    for step in PLAN:
        if step.path == READY:  # the production example's *_ref files, where its refs point
            # READY and the files its refs name; the folder's other manifests are not part of the plan.
            shutil.copytree(
                REPO_ROOT / "examples" / "production",
                path / "examples" / "production",
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("*.ai-production.yaml"),
            )
        target = path / step.path
        if step.stage is None:
            repo.git("rm", "-q", step.path)
        elif step.kind == "ready":
            repo.write(step.path, ready_text())
        else:
            system_id = step.path.split("/")[0]
            repo.write(step.path, bare(system_id, step.stage, step.note))
        assert step.stage is None or target.is_file()
        repo.commit(f"{step.path}: {step.stage or 'deleted'}", date=commit_date(step.day))
    repo.write("README.md", "The fixture portfolio.\n")
    repo.commit("readme", date=commit_date(LAST_DAY))
    return repo


# -- what a test may expect, derived from PLAN -------------------------------------------------


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def expected_history(path: str) -> list[tuple[str, datetime.date]]:
    """(stage, day entered) for each stage change of `path`, oldest first: the days of PLAN
    where its stage differs from the one before (a deletion ends the history)."""
    out: list[tuple[str, datetime.date]] = []
    current = None
    for step in PLAN:
        if step.path != path:
            continue
        if step.stage is None:
            current = None
            continue
        if step.stage != current:
            out.append((step.stage, _day(step.day)))
            current = step.stage
    return out


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months, the 31st becoming the month's last day (the portfolio's definition)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_ends(today: datetime.date = TODAY) -> list[datetime.date]:
    """today, then the last day of each of the 11 months before it, oldest first."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(11):
        first = first - datetime.timedelta(days=1)
        ends.append(first)
        first = first.replace(day=1)
    return sorted(ends)


@dataclass(frozen=True)
class Point:
    end: datetime.date
    stages: dict[str, int]
    purgatory: int
    stuck: int


def state_at(day: datetime.date) -> dict[str, Step]:
    """path -> the last step of PLAN on or before `day`, for the manifests that exist then."""
    last: dict[str, Step] = {}
    for step in PLAN:
        if _day(step.day) <= day:
            last[step.path] = step
    return {path: step for path, step in last.items() if step.stage is not None}


def expected_trend(today: datetime.date = TODAY, stuck_after: int = STUCK_AFTER) -> list[Point]:
    points = []
    for end in month_ends(today):
        stages = {"exploration": 0, "pilot": 0, "production": 0, "retired": 0}
        purgatory = stuck = 0
        for path, step in state_at(end).items():
            stages[step.stage] += 1
            if step.stage != "pilot":
                continue
            purgatory += step.kind == "bare"
            entered = [day for stage, day in expected_history(path) if day <= end][-1]
            stuck += add_months(entered, stuck_after) < end
        points.append(Point(end, stages, purgatory, stuck))
    return points
