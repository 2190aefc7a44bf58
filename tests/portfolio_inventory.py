"""A fixture portfolio with known stuck pilots, deadlines and owner load, built directly.

Judged on GENERATED (2026-06-15), stuck after 14 months. What a reader of the
report must see (worked out by hand from the dates below, not by the code):
- 7 systems: 1 exploration, 4 pilot, 1 production, 1 retired;
- stuck: "Churn model" (pilot since 2024-11-20, 18 months) and "Ops forecaster"
  (pilot since 2023-02-01, 40 months); "Doc search" entered pilot on 2025-04-15,
  exactly 14 months ago, and is not stuck yet;
- purgatory: "Churn model" (Q5, Q9 unanswered) and "Ops forecaster" (Q7);
- deadlines in the next 30 days: 2026-07-01 (Fraud scorer) and 2026-07-15
  (Doc search, day 30); in 31 to 90 days: 2026-08-20 (Fraud scorer) and
  2026-09-13 (Ops forecaster, day 90); 2026-06-15 (today) and 2026-09-30 are
  outside both windows;
- owner load: Ada Lovelace owns 4 systems; Cy Young is both owners of "Support triage";
- failing: 2 (Churn model, Ops forecaster).
"""

from __future__ import annotations

import datetime

from checker.portfolio import Inventory, MonthPoint, StageChange, System

GENERATED = datetime.date(2026, 6, 15)
QUESTIONS = {
    f"Q{i}": text
    for i, text in enumerate(
        [
            "owner by name",
            "business metric and baseline",
            "data refreshes automatically",
            "users understand the recommendations",
            "drift defined and monitored",
            "augment or replace people",
            "rollback plan",
            "authority to change workflows",
            "outcome accuracy measured since deployment",
            "model updated when data shifts",
        ],
        start=1,
    )
}

KNOWN = {
    "systems": 7,
    "exploration": 1,
    "pilot": 4,
    "production": 1,
    "retired": 1,
    "stuck": 2,
    "purgatory": 2,
    "failing": 2,
    "due_30": 2,
    "due_90": 4,
}
STUCK_NAMES = ["Ops forecaster", "Churn model"]  # oldest pilot first
DUE_30 = ["2026-07-01", "2026-07-15"]
DUE_31_90 = ["2026-08-20", "2026-09-13"]


def _answers(*missing: str) -> dict[str, bool]:
    return {q: q not in missing for q in QUESTIONS}


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _history(*steps: tuple[str, str]) -> list[StageChange]:
    return [StageChange(stage, _day(since), f"{i:040x}") for i, (stage, since) in enumerate(steps, start=1)]


def _due(
    day: str, rule: str = "AIP-REV-001", what: str = "review due", path: str = "$.review.next_due"
) -> dict[str, str]:
    return {"date": day, "rule": rule, "json_path": path, "what": what}


def _findings(error: int = 0, warning: int = 0, note: int = 0, suppressed: int = 0) -> dict[str, int]:
    return {"error": error, "warning": warning, "note": note, "suppressed": suppressed}


def fixture_systems() -> list[System]:
    ada, ben = "Ada Lovelace", "Ben Okri"
    return [
        System(
            path="fraud/ai-production.yaml",
            repository="acme/payments",
            id="fraud-scorer",
            name="Fraud scorer",
            stage="production",
            risk_tier="high",
            decision_role="augment",
            owners={"technical": ada, "business": ben},
            questions=_answers(),
            findings=_findings(note=1),
            deadlines=[_due("2026-07-01"), _due("2026-08-20", "AIP-WVR-001", "waiver expires", "$.waivers[0].expires")],
            history=_history(("exploration", "2024-01-10"), ("pilot", "2024-06-01"), ("production", "2025-03-01")),
        ),
        System(
            path="churn/ai-production.yaml",
            repository="acme/growth",
            id="churn-model",
            name="Churn model",
            stage="pilot",
            risk_tier="limited",
            decision_role="augment",
            owners={"technical": ada, "business": "Dee Rao"},
            questions=_answers("Q5", "Q9"),
            findings=_findings(error=2, warning=1),
            deadlines=[
                _due("2026-06-15"),
                _due("2026-09-30", "AIP-OUT-002", "outcome accuracy due", "$.outcomes.accuracy.measured"),
            ],
            history=_history(("exploration", "2024-03-02"), ("pilot", "2024-11-20")),
        ),
        System(
            path="support/ai-production.yaml",
            repository="acme/support",
            id="support-triage",
            name="Support triage",
            stage="pilot",
            risk_tier="limited",
            decision_role="augment",
            owners={"technical": "Cy Young", "business": "Cy Young"},
            questions=_answers(),
            findings=_findings(),
            history=_history(("pilot", "2025-08-01")),
        ),
        System(
            path="search/ai-production.yaml",
            repository="acme/docs",
            id="doc-search",
            name="Doc search",
            stage="pilot",
            risk_tier="minimal",
            decision_role="augment",
            owners={"technical": "Eve Park", "business": ben},
            questions=_answers(),
            findings=_findings(warning=1),
            deadlines=[_due("2026-07-15")],
            history=_history(("exploration", "2025-01-05"), ("pilot", "2025-04-15")),
        ),
        System(
            path="legacy/ai-production.yaml",
            repository="acme/payments",
            id="legacy-ranker",
            name="Legacy ranker",
            stage="retired",
            risk_tier="limited",
            decision_role="replace",
            owners={"technical": ada, "business": ben},
            questions=_answers("Q3"),
            findings=_findings(suppressed=1),
            history=_history(("production", "2022-05-01"), ("retired", "2025-12-01")),
        ),
        System(
            path="lab/ai-production.yaml",
            repository="acme/lab",
            id="idea-lab",
            name="Idea lab",
            stage="exploration",
            owners={"technical": "Fay Wu", "business": None},
            questions=_answers(*QUESTIONS),
            history=None,
        ),
        System(
            path="ops/ai-production.yaml",
            repository="acme/ops",
            id="ops-forecaster",
            name="Ops forecaster",
            stage="pilot",
            risk_tier="high",
            decision_role="replace",
            owners={"technical": ada, "business": "Gus Hale"},
            questions=_answers("Q7"),
            findings=_findings(error=1),
            deadlines=[_due("2026-09-13")],
            history=_history(("exploration", "2022-11-11"), ("pilot", "2023-02-01")),
        ),
    ]


def fixture_trend() -> list[MonthPoint]:
    months = [
        "2025-07",
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    points = []
    for i, month in enumerate(months):
        year, mon = int(month[:4]), int(month[5:])
        end = (
            GENERATED
            if i == len(months) - 1
            else (datetime.date(year + mon // 12, mon % 12 + 1, 1) - datetime.timedelta(days=1))
        )
        retired = 1 if month >= "2025-12" else 0
        pilots = 3 if month < "2025-08" else 4
        points.append(
            MonthPoint(
                month,
                end,
                {"exploration": 1, "pilot": pilots, "production": 2 - retired, "retired": retired},
                purgatory=2,
                stuck=1 if month < "2026-01" else 2,
            )
        )
    return points


def fixture_inventory(trend: bool = True) -> Inventory:
    return Inventory(
        generated=GENERATED,
        tool_version="0.0-test",
        stuck_after=14,
        systems=fixture_systems(),
        trend=fixture_trend() if trend else None,
        questions=dict(QUESTIONS),
    )
