"""Policy test cases: fixture manifests that state the findings they must and must not produce.

A case is a manifest whose leading comment block says what to expect:

    # expect: ACME-HUM-001 @ 12     that rule, unsuppressed, at exactly the lines stated
    # expect: ACME-HUM-001 @ 12 error   ... and with that severity (error, warning or note)
    # expect: AIP-OWN-004           that rule, anywhere (a severity may follow here too)
    # expect-not: AIP-OWN-001       no unsuppressed finding of that rule
    # stage: production             check as if at this stage (optional)
    # today: 2026-11-26             judge dates as of this day (optional)

The same harness runs the built-in catalogue's own fixtures in aipolicy's test
suite, so it is proven on every rule aipolicy ships.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from pathlib import Path

from checker.findings import Finding
from checker.policy import Policy
from checker.records import field, record

_DIRECTIVE = re.compile(r"#\s*(expect|expect-not|stage|today)\s*:\s*(.*?)\s*$")
_RULE = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+"  # an id (ACME-HUM-001) or a slug (human-oversight)
_NEAR_DIRECTIVE = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:")  # `# Expect:`, `# expect-nto:`, `# expect_not:`
_EXPECT = re.compile(rf"({_RULE})(?:\s*@\s*([1-9][0-9]*))?(?:\s+(error|warning|note))?")
_EXPECT_NOT = re.compile(rf"({_RULE})")
STAGES = ("exploration", "pilot", "production", "retired")
DEFAULT_TODAY = datetime.date(2026, 11, 26)


@record
class Case:
    path: Path
    expect: list[tuple[str, int | None, str | None]] = field(default_factory=list)  # rule, line, severity
    expect_not: list[str] = field(default_factory=list)
    stage: str | None = None
    today: datetime.date = DEFAULT_TODAY
    problems: list[str] = field(default_factory=list)  # problems with the case itself


@record
class Outcome:
    case: Case
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def _misspelt_directive(line: str) -> tuple[str, str] | None:
    """(the word written, the directive it almost is) for a comment line such as `# Expect:`,
    `# expect-nto:` or `# expect_not:`, so that an expectation cannot be lost as prose and the
    case pass without it."""
    m = _NEAR_DIRECTIVE.match(line)
    if m is None:
        return None
    word = m.group(1).casefold().replace("_", "-")
    directives = ("expect", "expect-not", "stage", "today")
    if word in directives:
        return m.group(1), word
    if word.startswith("expect"):
        return m.group(1), "expect-not" if "not" in word or word.startswith("expect-") else "expect"
    return None


def parse_case(path: Path, text: str) -> Case:
    """The expectations of a case. A directive that cannot be read is a problem of the
    case (it fails, saying why), never silently skipped."""
    case = Case(path)
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # expectations live in the leading comment block only
        m = _DIRECTIVE.fullmatch(stripped)
        if m is None:
            if near := _misspelt_directive(stripped):
                written, meant = near
                case.problems.append(f"line {number}: `{written}:` is not a directive; did you mean `{meant}:`?")
            continue  # prose
        key, value = m.groups()
        where = f"line {number}"
        if key in ("stage", "today") and key in seen:
            case.problems.append(f"{where}: `{key}:` given twice")
            continue
        seen.add(key)
        if key == "expect":
            if hit := _EXPECT.fullmatch(value):
                case.expect.append((hit.group(1), int(hit.group(2)) if hit.group(2) else None, hit.group(3)))
            else:
                case.problems.append(
                    f"{where}: `expect:` needs `RULE`, `RULE @ LINE` or `RULE @ LINE SEVERITY` "
                    f"(lines count from 1; severity error, warning or note), got {value!r}"
                )
        elif key == "expect-not":
            if hit := _EXPECT_NOT.fullmatch(value):
                case.expect_not.append(hit.group(1))
            else:
                case.problems.append(f"{where}: `expect-not:` needs one rule, got {value!r}")
        elif key == "stage":
            if value in STAGES:
                case.stage = value
            else:
                case.problems.append(f"{where}: `stage:` must be one of {', '.join(STAGES)}, got {value!r}")
        else:
            try:  # the pattern first: from 3.11 fromisoformat also takes 20260101
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError(value)
                case.today = datetime.date.fromisoformat(value)
            except ValueError:
                case.problems.append(f"{where}: `today:` must be a date YYYY-MM-DD, got {value!r}")
    both = set(case.expect_not) & {rule for rule, _, _ in case.expect}
    if both:
        case.problems.append(f"{', '.join(sorted(both))} is both expected and expected not to fire")
    if not case.expect and not case.expect_not:
        case.problems.append("states no expectations (`# expect: RULE @ LINE` or `# expect-not: RULE`)")
    return case


def discover_cases(directory: Path, unreadable: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The case files under `directory`. Folder symlinks are not followed (they could lead
    out of the repository or loop); a folder that cannot be listed is appended to
    `unreadable` as (folder, why), never skipped in silence."""
    import os

    def failed(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append((Path(exc.filename or directory), f"cannot read folder: {exc.strerror or exc}"))

    found: list[Path] = []
    for dirpath, _, filenames in os.walk(directory, onerror=failed, followlinks=False):
        found.extend(Path(dirpath) / name for name in filenames if Path(name).suffix in (".yaml", ".yml"))
    return sorted(found)


def reported(findings: Iterable[Finding]) -> list[tuple[str, Finding]]:
    """(rule id, that rule's finding) for every active finding, the ones folded into
    another at the same node (`also`) included, each with its own severity."""
    return [(g.rule, g) for f in findings if not f.suppressed for g in (f, *f.folded)]


def run_case(case: Case, raw: bytes, policy: Policy, root: Path, display: str) -> Outcome:
    from checker import engine
    from checker.options import Options

    failures = list(case.problems)
    if failures:
        return Outcome(case, failures)
    options = Options(stage=case.stage, today=case.today, policy=policy, root=root)
    result = engine.check_bytes(raw, display, options)
    active = reported(result.findings)
    wanted: dict[str, set[int]] = {}
    anywhere: set[str] = set()
    severities: list[tuple[str, int | None, str]] = []
    for key, line, severity in case.expect:
        rule = policy.find(key)
        if rule is None:
            failures.append(f"expects unknown rule {key}")
            continue
        if line is None:
            anywhere.add(rule.id)
        else:
            wanted.setdefault(rule.id, set()).add(line)
        if severity is not None:
            severities.append((rule.id, line, severity))
    for rule_id in sorted(anywhere - set(wanted)):
        if not any(rid == rule_id for rid, _ in active):
            failures.append(f"expected {rule_id}; not reported")
    # A stated severity is the rule's own at that line, so a change of severity per stage fails here.
    for rule_id, line, severity in severities:
        got = sorted({f.severity.label for rid, f in active if rid == rule_id and line in (None, f.span.line)})
        if got and got != [severity]:
            where = f" at line {line}" if line is not None else ""
            failures.append(f"expected {rule_id}{where} as {severity}; reported as {', '.join(got)}")
    # With lines, the lines are exact: a missing finding and an extra one both fail.
    for rule_id, lines in sorted(wanted.items()):
        at = {f.span.line for rid, f in active if rid == rule_id}
        if missing := sorted(lines - at):
            failures.append(
                f"expected {rule_id} at line(s) {', '.join(map(str, missing))}; reported at: {', '.join(map(str, sorted(at))) or 'none'}"
            )
        if extra := sorted(at - lines):
            failures.append(f"{rule_id} also reported at unexpected line(s) {', '.join(map(str, extra))}")
    for key in case.expect_not:
        rule = policy.find(key)
        if rule is None:
            failures.append(f"expect-not names unknown rule {key}")
            continue
        for rid, f in active:
            if rid == rule.id:
                failures.append(f"did not expect {rule.id}, got line {f.span.line}: {f.message}")
    return Outcome(case, failures)


def run_directory(directory: Path, policy: Policy, root: Path) -> list[Outcome]:
    from checker.engine import display_path, read_bytes
    from checker.manifest import LoadProblem
    from checker.options import Options

    unreadable: list[tuple[Path, str]] = []
    outcomes: list[Outcome] = []
    for path in discover_cases(directory, unreadable):
        # The manifest reader: non-blocking, capped, never through a link out of the repository.
        raw = read_bytes(path, Options())
        if isinstance(raw, LoadProblem):
            outcomes.append(Outcome(Case(path), [f"cannot read: {raw.message}"]))
            continue
        text = raw.decode("utf-8", "replace")
        case = parse_case(path, text)
        outcomes.append(run_case(case, raw, policy, root, display_path(path)))
    outcomes.extend(Outcome(Case(folder), [why]) for folder, why in unreadable)  # a failed case each
    return outcomes


def render_text(outcomes: list[Outcome]) -> str:
    from checker.engine import display_path
    from checker.textsafe import printable

    lines = []
    for outcome in outcomes:
        name = printable(display_path(outcome.case.path))
        if outcome.passed:
            lines.append(f"PASS {name}")
        else:
            lines.append(f"FAIL {name}")
            lines.extend(f"    {printable(failure)}" for failure in outcome.failures)
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines) + "\n"


def render_junit(outcomes: list[Outcome]) -> str:
    import xml.etree.ElementTree as ET

    from checker.engine import display_path
    from checker.report.junit import _clean

    failed = sum(not o.passed for o in outcomes)
    root = ET.Element(
        "testsuites",
        name="aipolicy test-policies",
        tests=str(len(outcomes)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name="policy-tests",
        tests=str(len(outcomes)),
        failures=str(failed),
        errors="0",
        skipped="0",
        time="0",
    )
    for outcome in outcomes:
        name = display_path(outcome.case.path)
        case = ET.SubElement(
            suite, "testcase", classname="aipolicy.policy-tests", name=_clean(name), file=_clean(name), time="0"
        )
        if not outcome.passed:
            failure = ET.SubElement(case, "failure", message=_clean(outcome.failures[0]), type="assertion")
            failure.text = _clean("\n".join(outcome.failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
