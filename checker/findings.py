"""The records every part of aipolicy exchanges: severities, spans, findings."""

from __future__ import annotations

import datetime
import enum
from typing import Any, NamedTuple

from checker.records import field, record


class Severity(enum.IntEnum):
    # Ordered so that max()/sorting put the most severe first when reversed.
    NOTE = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


class Span(NamedTuple):
    """A region of a source file; 1-based lines and columns, as editors count.
    (A NamedTuple, not a dataclass: the loader makes one per YAML node.)"""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


class Finding(NamedTuple):
    rule: str
    slug: str
    severity: Severity
    path: str
    span: Span
    message: str
    json_path: str = "$"
    suppressed_by: str | None = None  # why it is silenced: a waiver's reason, or the baseline's name
    suppression: str = "waiver"  # what silences it when suppressed_by is set: "waiver" or "baseline"
    folded: tuple[Finding, ...] = ()  # findings of other rules at the same node, shown as this one

    @property
    def also(self) -> tuple[str, ...]:
        """The other rules that reported this node (JSON and SARIF `also`)."""
        return tuple(dict.fromkeys(f.rule for f in self.folded if f.rule != self.rule))

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    def suppress(self, reason: str) -> Finding:
        return self._replace(suppressed_by=reason)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.rule, self.message)


class Due(NamedTuple):
    """A date from which a rule will fail unless something is done (the portfolio's deadlines)."""

    day: datetime.date
    rule: str
    json_path: str
    what: str  # "review due", completed by " on DAY" in messages


@record
class ManifestResult:
    """Everything known about one checked file."""

    path: str
    system_id: str | None = None
    stage: str | None = None
    findings: list[Finding] = field(default_factory=list)
    # Question id -> answered?; None when the manifest could not be evaluated.
    questions: dict[str, bool] | None = None
    rules_evaluated: list[str] = field(default_factory=list)
    # What an inventory lists about the system (checker/portfolio), read from a manifest that
    # parsed: name, risk_tier, decision_role, owners {technical, business}; strings or None.
    facts: dict[str, Any] = field(default_factory=dict)
    # Every date from which an evaluated, reported rule that passes today will fail, soonest first.
    deadlines: list[Due] = field(default_factory=list)
    # The stage changes git history shows (checker.portfolio.StageChange), oldest first, when
    # the git rules gathered them (AIP-GIT-005, at pilot); None otherwise.
    stage_history: list[Any] | None = None


@record
class Report:
    results: list[ManifestResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def counts(self) -> dict[str, int]:
        # `suppressed` counts every silenced finding; `baselined` those of them the baseline silences.
        counts = {"files": len(self.results), "errors": 0, "warnings": 0, "notes": 0, "suppressed": 0, "baselined": 0}
        for f in self.findings:
            if f.suppressed:
                counts["suppressed"] += 1
                counts["baselined"] += f.suppression == "baseline"
            else:
                counts[f.severity.label + "s"] += 1
        return counts

    def worst(self) -> Severity | None:
        active = [f.severity for f in self.findings if not f.suppressed]
        return max(active) if active else None
