"""The options of a run (Options): a plain record every layer of the check pipeline reads.

Below the engine and everything it drives (checker/evaluate.py, checker/parallel.py,
checker/git/run.py), above the catalogue (checker/policy.py) and the configuration
(checker/config.py) whose per-path overrides it applies.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker import manifest as manifest_mod
from checker.findings import Severity
from checker.policy import Policy, load_builtin
from checker.records import field, record, replace

if TYPE_CHECKING:
    from checker.config import Config, Override


@record
class Options:
    stage: str | None = None  # overrides each manifest's own stage
    today: datetime.date = field(default_factory=datetime.date.today)
    max_bytes: int = manifest_mod.DEFAULT_MAX_BYTES
    root: Path | None = None  # repository root: *_ref paths and symlinks stay inside it
    policy: Policy | None = None
    select: set[str] | None = None  # rule ids to report (None: all)
    ignore: set[str] = field(default_factory=set)
    waivers_allowed: bool = True
    forbidden_waivers: set[str] = field(default_factory=set)  # rule ids that may never be waived
    config: Config | None = None  # for per-path overrides
    max_severity: Severity | None = None  # cap set by a per-path override
    git: Any = None  # checker.git.run.GitRun inside a git repository; None skips the git rules
    warn_within: int = 14  # AIP-DUE-001: days ahead to warn of a date rule's deadline; 0 turns it off
    # Content already read for a file (stdin, a pipe): its bytes, or why it could not be read.
    given: dict[Path, bytes | str] = field(default_factory=dict)
    _variants: dict[tuple[int, ...], Options] = field(default_factory=dict, repr=False)

    def effective_policy(self) -> Policy:
        if self.policy is None:
            self.policy = load_builtin()
        return self.policy

    def for_path(self, file: Path) -> Options:
        """These options with the config's per-path overrides for `file` applied."""
        if self.config is None or not self.config.overrides:
            return self
        try:
            rel = Path(os.path.relpath(os.path.abspath(file), self.config.root)).as_posix()
        except ValueError:
            return self
        matched = tuple(i for i, o in enumerate(self.config.overrides) if o.matches(rel))
        if not matched:
            return self
        if matched not in self._variants:
            self._variants[matched] = self._with_overrides([self.config.overrides[i] for i in matched])
        return self._variants[matched]

    def _with_overrides(self, overrides: list[Override]) -> Options:
        policy, select, ignore, cap = self.effective_policy(), self.select, set(self.ignore), None
        for override in overrides:  # later entries win
            override.resolve(policy)  # done up front by `check`; here only for library callers
            policy = policy.with_severity(override.severity, override.source)  # names checked by resolve()
            if override.select_ids is not None:
                select = set(override.select_ids)
            ignore |= override.ignore_ids
            if override.max_severity:
                cap = Severity.parse(override.max_severity)
        return replace(self, policy=policy, select=select, ignore=ignore, config=None, _variants={}, max_severity=cap)
