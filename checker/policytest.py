"""Policy test cases: fixture manifests that state the findings they must and must not produce.

A case is a manifest whose leading comment block says what to expect:

    # expect: ACME-HUM-001 @ 12     that rule, unsuppressed, at exactly the lines stated
    # expect: AIP-OWN-004           that rule, anywhere
    # expect-not: AIP-OWN-001       no unsuppressed finding of that rule
    # stage: production             check as if at this stage (optional)
    # today: 2026-11-26             judge dates as of this day (optional)

The same harness runs the built-in catalogue's own fixtures in aipolicy's test
suite, so it is proven on every rule aipolicy ships.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from checker.policy import Policy

_EXPECT = re.compile(r"#\s*expect:\s*(\S+)(?:\s*@\s*(\d+))?\s*$")
_EXPECT_NOT = re.compile(r"#\s*expect-not:\s*(\S+)\s*$")
_STAGE = re.compile(r"#\s*stage:\s*(\S+)\s*$")
_TODAY = re.compile(r"#\s*today:\s*(\S+)\s*$")
DEFAULT_TODAY = datetime.date(2026, 11, 26)


@dataclass
class Case:
    path: Path
    expect: list[tuple[str, int | None]] = field(default_factory=list)
    expect_not: list[str] = field(default_factory=list)
    stage: str | None = None
    today: datetime.date = DEFAULT_TODAY
    problems: list[str] = field(default_factory=list)  # problems with the case itself


@dataclass
class Outcome:
    case: Case
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_case(path: Path, text: str) -> Case:
    case = Case(path)
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # expectations live in the leading comment block only
        if m := _EXPECT.match(stripped):
            case.expect.append((m.group(1), int(m.group(2)) if m.group(2) else None))
        elif m := _EXPECT_NOT.match(stripped):
            case.expect_not.append(m.group(1))
        elif m := _STAGE.match(stripped):
            case.stage = m.group(1)
        elif m := _TODAY.match(stripped):
            try:
                case.today = datetime.date.fromisoformat(m.group(1))
            except ValueError:
                case.problems.append(f"`# today: {m.group(1)}` is not a date (YYYY-MM-DD)")
    if not case.expect and not case.expect_not:
        case.problems.append("states no expectations (`# expect: RULE @ LINE` or `# expect-not: RULE`)")
    if case.stage is not None and case.stage not in ("exploration", "pilot", "production", "retired"):
        case.problems.append(f"`# stage: {case.stage}` is not a stage")
    return case


def discover_cases(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def run_case(case: Case, raw: bytes, policy: Policy, root: Path, display: str) -> Outcome:
    from checker import engine

    failures = list(case.problems)
    if failures:
        return Outcome(case, failures)
    options = engine.Options(stage=case.stage, today=case.today, policy=policy, root=root)
    result = engine.check_bytes(raw, display, options)
    active = [f for f in result.findings if not f.suppressed]
    wanted: dict[str, set[int]] = {}
    anywhere: set[str] = set()
    for key, line in case.expect:
        rule = policy.find(key)
        if rule is None:
            failures.append(f"expects unknown rule {key}")
        elif line is None:
            anywhere.add(rule.id)
        else:
            wanted.setdefault(rule.id, set()).add(line)
    for rule_id in sorted(anywhere - set(wanted)):
        if not any(f.rule == rule_id for f in active):
            failures.append(f"expected {rule_id}; not reported")
    # With lines, the lines are exact: a missing finding and an extra one both fail.
    for rule_id, lines in sorted(wanted.items()):
        got = {f.span.line for f in active if f.rule == rule_id}
        if missing := sorted(lines - got):
            failures.append(f"expected {rule_id} at line(s) {', '.join(map(str, missing))}; reported at: {', '.join(map(str, sorted(got))) or 'none'}")
        if extra := sorted(got - lines):
            failures.append(f"{rule_id} also reported at unexpected line(s) {', '.join(map(str, extra))}")
    for key in case.expect_not:
        rule = policy.find(key)
        if rule is None:
            failures.append(f"expect-not names unknown rule {key}")
            continue
        for f in active:
            if f.rule == rule.id:
                failures.append(f"did not expect {rule.id}, got line {f.span.line}: {f.message}")
    return Outcome(case, failures)


def run_directory(directory: Path, policy: Policy, root: Path) -> list[Outcome]:
    from checker.engine import display_path

    outcomes = []
    for path in discover_cases(directory):
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8", "replace")
        except OSError as exc:
            outcomes.append(Outcome(Case(path), [f"cannot read: {exc.strerror or exc}"]))
            continue
        case = parse_case(path, text)
        outcomes.append(run_case(case, raw, policy, root, display_path(path)))
    return outcomes


def render_text(outcomes: list[Outcome]) -> str:
    from checker.engine import display_path

    lines = []
    for outcome in outcomes:
        name = display_path(outcome.case.path)
        if outcome.passed:
            lines.append(f"PASS {name}")
        else:
            lines.append(f"FAIL {name}")
            lines.extend(f"    {failure}" for failure in outcome.failures)
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines) + "\n"


def render_junit(outcomes: list[Outcome]) -> str:
    import xml.etree.ElementTree as ET

    from checker.engine import display_path
    from checker.report.junit import _clean

    failed = sum(not o.passed for o in outcomes)
    root = ET.Element("testsuites", name="aipolicy test-policies", tests=str(len(outcomes)), failures=str(failed), errors="0", skipped="0")
    suite = ET.SubElement(root, "testsuite", name="policy-tests", tests=str(len(outcomes)), failures=str(failed), errors="0", skipped="0", time="0")
    for outcome in outcomes:
        name = display_path(outcome.case.path)
        case = ET.SubElement(suite, "testcase", classname="aipolicy.policy-tests", name=_clean(name), file=_clean(name), time="0")
        if not outcome.passed:
            failure = ET.SubElement(case, "failure", message=_clean(outcome.failures[0]), type="assertion")
            failure.text = _clean("\n".join(outcome.failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
