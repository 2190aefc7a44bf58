"""What a rule sees and what it says: RuleContext, Problem, Deadline.

Plain records, below the rule catalogue (checker/policy.py) and every rule
(checker/checks/rules.py, checker/git/rules.py), so that a rule never imports
the catalogue that calls it.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, NamedTuple

from checker import expr
from checker.findings import Severity
from checker.manifest import Manifest, PathT


class Problem(NamedTuple):
    """What an assertion found: where (a manifest path) and what."""

    path: PathT
    message: str
    missing: bool = False  # a missing node is reported at its parent's key
    severity: Severity | None = None  # only for engine rules that vary it (stale waiver)


class Deadline(NamedTuple):
    """A date rule's declaration: from `fails_from` on, the rule fails at `path`."""

    path: PathT
    fails_from: datetime.date
    what: str  # completed by " on DATE" in AIP-DUE-001's message: "`governance.next_review` is due"


class RuleContext(NamedTuple):
    manifest: Manifest
    today: Any
    root: Path
    high_risk: bool
    stage: str
    item_path: PathT = ()
    item: Any = None
    git: Any = None  # checker.git.facts.GitFacts of this manifest; None outside a git repository
    # Person fields that a rule active at this stage judges; AIP-OWN-004 leaves them to it.
    required_persons: frozenset[PathT] = frozenset()
    deadlines: list[Deadline] | None = None  # collects what `fails_from` declares (AIP-DUE-001)
    # The manifest's placeholder answers, (path, value), walked once per manifest; None: not yet.
    placeholders: tuple[tuple[PathT, Any], ...] | None = None
    settings: Any = None  # the effective policy's pack settings, read as `settings.NAME`

    def fails_from(self, path: PathT, day: datetime.date, what: str) -> bool:
        """The one place a date rule compares a date with today: the rule fails at `path`
        from `day` on. Returns whether it fails today; a day still ahead is recorded as a
        deadline for AIP-DUE-001 (`what` says what happens, completed by " on DAY")."""
        if self.today >= day:
            return True
        if self.deadlines is not None:
            self.deadlines.append(Deadline(tuple(path), day, what))
        return False

    def expr_context(self) -> expr.Context:
        return expr.Context(self.manifest.data, self.today, self.item, self.settings)
