"""Rule fixtures: complete manifests that state the findings they expect.

A fixture lives at ``tests/fixtures/rules/<RULE-ID>/<case>.yaml``. Its leading
comment block (every line up to the first one that is not a ``#`` comment)
may hold free text and these directives, one per line::

    # expect: AIP-OWN-001 @ 14 error   this unsuppressed finding (rule, line, severity) is produced
    # expect-not: AIP-OWN-004      no unsuppressed finding of this rule is produced
    # stage: production            check as with --stage (default: the manifest's own stage)
    # today: 2026-11-26            judge dates as of this day (default: DEFAULT_TODAY)

For each rule named by ``expect:`` lines, the lines of its unsuppressed
findings must be exactly the expected lines: a missing one and an extra one
both fail the fixture. Suppressed (waived) findings never count. In
``strict`` mode any unsuppressed finding of a rule the fixture does not
name also fails it, so a fixture lists everything it produces; the exception
is AIP-DUE-001 (advisory deadline notes, which most fixtures' dates would
trigger), which strict mode checks only in fixtures that name it.

The header is read by ``checker.policytest`` (what ``aipolicy test-policies``
runs), so the two cannot drift; this module adds what only the catalogue's own
fixtures demand (a line for every ``expect:``, strict mode) and has no pytest in it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from checker import engine, policytest
from checker.findings import Finding, ManifestResult
from checker.options import Options

ADVISORY = "AIP-DUE-001"  # deadline notes: strict only where a fixture names the rule

DEFAULT_TODAY = policytest.DEFAULT_TODAY


class FixtureFormatError(ValueError):
    """A fixture's comment block cannot be understood; str() names file and line."""


@dataclass(frozen=True)
class Expectation:
    rule: str
    line: int
    severity: str | None = None

    def __str__(self) -> str:
        return f"{self.rule} @ {self.line}" + (f" {self.severity}" if self.severity else "")


@dataclass(frozen=True)
class RuleFixture:
    path: Path
    expect: tuple[Expectation, ...]
    expect_not: tuple[str, ...]
    stage: str | None = None
    today: datetime.date = DEFAULT_TODAY

    @property
    def failing_rules(self) -> frozenset[str]:
        """Rules this fixture expects to fire."""
        return frozenset(e.rule for e in self.expect)

    @property
    def passing_rules(self) -> frozenset[str]:
        """Rules this fixture expects to stay silent."""
        return frozenset(self.expect_not)

    def options(self, root: Path) -> Options:
        return Options(stage=self.stage, today=self.today, root=root)

    def run(self, root: Path) -> ManifestResult:
        """Check the fixture through the engine, with *_ref paths relative to `root`."""
        return engine.check_file(self.path, self.path.as_posix(), self.options(root))

    def mismatches(self, findings: Iterable[Finding], *, strict: bool = False) -> list[str]:
        """What differs between the findings and the expectations; empty when they agree."""
        active = policytest.reported(findings)  # folded rules (`also`) count as reported
        problems: list[str] = []
        for expected in sorted(set(self.expect), key=lambda e: (e.rule, e.line)):
            at_line = [f for rule, f in active if rule == expected.rule and f.span.line == expected.line]
            if not at_line:
                got = sorted({f.span.line for rule, f in active if rule == expected.rule})
                problems.append(f"expected {expected}, not produced (that rule fired at lines {got or 'none'})")
            elif expected.severity and {f.severity.label for f in at_line} != {expected.severity}:
                got = ", ".join(sorted({f.severity.label for f in at_line}))
                problems.append(f"expected {expected}, produced as {got}")
        wanted = {(e.rule, e.line) for e in self.expect}
        for rule, f in active:
            if (rule, f.span.line) in wanted:
                continue
            if rule in self.failing_rules:
                problems.append(
                    f"unexpected {rule} @ {f.span.line} (expected only lines "
                    f"{sorted(e.line for e in self.expect if e.rule == rule)}): {f.message}"
                )
            elif rule in self.passing_rules:
                problems.append(f"expect-not {rule}, but got {rule} @ {f.span.line}: {f.message}")
            elif strict and (rule != ADVISORY or ADVISORY in self.failing_rules | self.passing_rules):
                problems.append(f"unlisted {rule} @ {f.span.line} ({f.severity.label}): {f.message}")
        return problems


def parse(text: str, path: Path) -> RuleFixture:
    """The expectations in the leading comment block, read by aipolicy's own
    test-policies parser; fixtures additionally state a line for every `expect:`."""
    case = policytest.parse_case(path, text)
    if case.problems:
        raise FixtureFormatError(f"{path}: {case.problems[0]}")
    lineless = [rule for rule, line, _ in case.expect if line is None]
    if lineless:
        raise FixtureFormatError(
            f"{path}: `expect:` needs `RULE-ID @ LINE SEVERITY` in a fixture, got {lineless[0]!r} without a line"
        )
    unrated = [rule for rule, _, severity in case.expect if severity is None]
    if unrated:
        raise FixtureFormatError(
            f"{path}: `expect:` needs `RULE-ID @ LINE SEVERITY` in a fixture, got {unrated[0]!r} without a severity"
        )
    expect = tuple(Expectation(rule, line, severity) for rule, line, severity in case.expect if line is not None)
    return RuleFixture(path, expect, tuple(case.expect_not), case.stage, case.today)


def load(path: Path) -> RuleFixture:
    # Fixtures are text; undecodable bytes are left to the checker (AIP-SCH-002).
    return parse(path.read_bytes().decode("utf-8", errors="replace"), path)


def discover(folder: Path) -> list[Path]:
    """Every fixture under `folder` (one subfolder per rule id), in a stable order."""
    return sorted(p for p in folder.glob("*/*") if p.suffix in (".yaml", ".yml") and p.is_file())
