"""Run a policy over one manifest: rules, waivers, the ten-question diagnostic."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.checks import persons, values
from checker.findings import Due, Finding, ManifestResult, Severity, Span
from checker.git.rules import skipped as git_skipped
from checker.manifest import Manifest, PathT, json_path
from checker.policy import ENGINE_RULES, UNWAIVABLE, Policy, Rule
from checker.records import record
from checker.ruleapi import Deadline, Problem, RuleContext
from checker.schema import echo

if TYPE_CHECKING:
    from checker.options import Options

PURGATORY_LIMIT = 3  # more than three unanswered questions is "pilot purgatory"


@record
class Waiver:
    index: int
    rule: Rule
    path: str  # dotted prefix without `$.`; "" = the whole manifest
    reason: str
    expires: datetime.date | None = None
    used: bool = False

    def covers(self, rule_id: str, jpath: str) -> bool:
        if rule_id != self.rule.id:
            return False
        if not self.path:
            return True
        plain = jpath[2:] if jpath.startswith("$.") else jpath.lstrip("$")
        return plain == self.path or plain.startswith((self.path + ".", self.path + "["))


def _normalise_waiver_path(path: Any) -> str:
    text = str(path).strip() if path is not None else ""
    if text.startswith("$"):
        text = text[1:]
    return text.lstrip(".")


def _span(m: Manifest, problem: Problem) -> Span:
    if problem.missing:
        return m.key_span(problem.path)
    path = tuple(problem.path)
    if isinstance(m.get(path), (dict, list)) and path in m.key_spans:
        # A problem with a whole section (`rollback has no target`) belongs on its key,
        # not on the first line inside it.
        return m.key_spans[path]
    return m.span(path)


def _finding(rule: Rule, severity: Severity, m: Manifest, problem: Problem) -> Finding:
    return Finding(
        rule.id,
        rule.slug,
        problem.severity or severity,
        m.path,
        _span(m, problem),
        problem.message,
        json_path(problem.path),
    )


def _repo_root(m: Manifest, options: Options) -> Path:
    if options.root is not None:
        return options.root
    from checker import gitrepo

    return gitrepo.find_root(Path(m.file)) or Path.cwd()


def _effective_data(m: Manifest, stage: str) -> Manifest:
    # `--stage` must be visible to conditions that read `stage`.
    if m.data.get("stage") == stage:
        return m
    # What the loader collected, less the old `stage` (a string now: no ref, no placeholder).
    refs = None if m.refs is None else [ref for ref in m.refs if ref[0][0] != "stage"]
    answers = None if m.answers is None else [answer for answer in m.answers if answer[0][0] != "stage"]
    return Manifest(m.path, {**m.data, "stage": stage}, m.spans, m.key_spans, refs, answers, m.source)


def _parse_waivers(
    policy: Policy, m: Manifest, options: Options, stage: str, emit: Callable[[Problem], None], ctx: RuleContext
) -> list[Waiver]:
    raw = m.data.get("waivers")
    out: list[Waiver] = []
    if not isinstance(raw, list):
        return out
    for index, item in enumerate(raw):
        base: PathT = ("waivers", index)
        if not isinstance(item, dict):
            continue  # the schema reports it
        key = item.get("rule")
        rule = policy.find(key) if isinstance(key, str) else None
        if rule is None:
            hint = policy.suggest(key) if isinstance(key, str) else None
            extra = f"; did you mean `{hint}`?" if hint else ""
            emit(Problem(base + ("rule",), f"waiver names unknown rule {key!r}{extra}", missing="rule" not in item))
            continue
        if rule.id in UNWAIVABLE:
            emit(Problem(base + ("rule",), f"{rule.id} cannot be waived: fix the file instead"))
            continue
        if not options.waivers_allowed:
            emit(
                Problem(
                    base,
                    f"waivers are not allowed in this repository (configuration); the waiver for {rule.id} silences nothing",
                )
            )
            continue
        if rule.id in options.forbidden_waivers:
            emit(Problem(base + ("rule",), f"the configuration forbids waiving {rule.id}: fix the finding instead"))
            continue
        problems = []
        if not values.answered(item.get("reason")):
            problems.append(
                Problem(base + ("reason",), f"waiver for {rule.id} gives no reason", missing="reason" not in item)
            )
        approver = item.get("approved_by")
        if not (
            isinstance(approver, dict)
            and values.answered(approver.get("name"))
            and values.contact_ok(approver.get("contact"))
        ):
            problems.append(
                Problem(
                    base + ("approved_by",),
                    f"waiver for {rule.id} names no approver (a person with name and contact)",
                    missing="approved_by" not in item,
                )
            )
        elif (problem := persons.person_problem(approver.get("name"))) is not None:
            problems.append(Problem(base + ("approved_by", "name"), f"waiver for {rule.id}: approver {problem}"))
        expires = values.date(item.get("expires"))
        if expires is None:
            problems.append(
                Problem(
                    base + ("expires",),
                    f"waiver for {rule.id} has no expiry date: waivers are temporary",
                    missing="expires" not in item,
                )
            )
        elif ctx.fails_from(
            base + ("expires",),
            expires + datetime.timedelta(days=1),
            f"the waiver for {rule.id} (expires: {expires}) runs out",
        ):
            problems.append(
                Problem(
                    base + ("expires",),
                    f"waiver for {rule.id} expired on {expires}: fix the finding or renew the waiver",
                )
            )
        for p in problems:
            emit(p)
        if not problems:
            out.append(
                Waiver(index, rule, _normalise_waiver_path(item.get("path")), str(item.get("reason")).strip(), expires)
            )
    return out


def _apply(waivers: list[Waiver], findings: list[Finding], problems: dict[str, list[Problem]]) -> list[Finding]:
    out = []
    for f in findings:
        waiver = next((w for w in waivers if w.covers(f.rule, f.json_path)), None)
        if waiver is not None:
            waiver.used = True
            f = f.suppress(waiver.reason)
        out.append(f)
    for rule_id, found in problems.items():
        kept = []
        for p in found:
            waiver = next((w for w in waivers if w.covers(rule_id, json_path(p.path))), None)
            if waiver is None:
                kept.append(p)
            else:
                waiver.used = True
        problems[rule_id] = kept
    return out


def evaluate(policy: Policy, m: Manifest, stage: str, options: Options, result: ManifestResult) -> None:
    high = m.data.get("risk_tier") == "high"
    view = _effective_data(m, stage)
    git = options.git.facts(m, options) if getattr(options, "git", None) is not None else None
    if git is not None and git.stage_history:
        result.stage_history = list(git.stage_history)  # the check JSON carries it to a portfolio
    # Date rules declare when they will start failing (RuleContext.fails_from): AIP-DUE-001.
    deadlines: list[Deadline] | None = []
    # One walk for the placeholders: AIP-SCH-003 reports them, the diagnostic counts them.
    holes = values.placeholders_of(m)
    ctx = RuleContext(
        view,
        options.today,
        _repo_root(m, options),
        high,
        stage,
        git=git,
        deadlines=deadlines,
        required_persons=policy.required_persons(stage, high),
        placeholders=holes,
        settings=policy.settings,
    )
    # The diagnostic judges question-tagged rules as at production, whatever the stage.
    prod_ctx = (
        ctx
        if stage == "production"
        else RuleContext(
            _effective_data(m, "production"),
            options.today,
            ctx.root,
            high,
            "production",
            git=git,
            required_persons=policy.required_persons("production", high),
            placeholders=holes,
            settings=policy.settings,
        )
    )
    findings: list[Finding] = []
    for_questions: dict[str, list[Problem]] = {}
    declared: dict[str, list[Deadline]] = {}  # rule id -> the deadlines its run declared
    for rule in policy.rules.values():
        if rule.id in ENGINE_RULES:
            continue
        if rule.tags and git_skipped(rule.tags, git):
            continue  # a git rule outside a repository, or AIP-GIT-001 without a base ref
        severity = rule.severity_at(stage, high)
        problems = None
        if severity is not None:
            result.rules_evaluated.append(rule.id)
            start = len(deadlines) if deadlines is not None else 0
            problems = _run(rule, ctx)
            if deadlines is not None and len(deadlines) > start:
                declared[rule.id] = deadlines[start:]
            findings.extend(_finding(rule, severity, m, problem) for problem in _collapse_missing(m, problems))
        if rule.question and stage != "retired":
            same = problems is not None and prod_ctx is ctx  # at production the run above already is the answer
            answer = problems if same else _run(rule, prod_ctx)
            # A `TODO` leaves its question unanswered even where no rule requires that field.
            for_questions[rule.id] = answer or _placeholders_under(rule, holes)

    wvr = policy.rules.get("AIP-WVR-001")
    wvr_severity = wvr.severity_at(stage, high) if wvr else None
    wvr_problems: list[Problem] = []
    wvr_ctx = ctx._replace(deadlines=[] if deadlines is not None else None)
    waivers = _parse_waivers(policy, m, options, stage, wvr_problems.append, wvr_ctx)
    findings = _apply(waivers, findings, for_questions)
    if wvr and wvr_severity is not None and wvr_ctx.deadlines:
        declared[wvr.id] = wvr_ctx.deadlines
    failing = {f.rule for f in findings if not f.suppressed} | ({wvr.id} if wvr and wvr_problems else set())
    due = policy.rules.get("AIP-DUE-001")
    due_severity = due.severity_at(stage, high) if due else None
    result.deadlines = _upcoming(declared, failing, waivers, options)
    if due and due_severity is not None:
        result.rules_evaluated.append(due.id)
        notes = _deadline_notes(declared, failing, waivers, options)
        findings.extend(_apply(waivers, [_finding(due, due_severity, m, problem) for problem in notes], {}))

    if stage != "retired":
        result.questions = {}
        failing_questions = {policy.rules[rid].question for rid, found in for_questions.items() if found}
        for qid in sorted(policy.questions, key=_question_order):
            result.questions[qid] = qid not in failing_questions
        unanswered = [q for q, ok in result.questions.items() if not ok]
        diag = policy.rules.get("AIP-DIAG-001")
        diag_severity = diag.severity_at(stage, high) if diag else None
        if diag and diag_severity is not None:
            result.rules_evaluated.append(diag.id)
            if len(unanswered) > PURGATORY_LIMIT:
                names = "; ".join(f"{q} {policy.questions[q]}" for q in unanswered)
                problem = Problem(
                    ("system",),
                    missing=True,
                    message=f"pilot purgatory: {len(unanswered)} of {len(result.questions)} production questions unanswered ({names})",
                )
                findings.extend(_apply(waivers, [_finding(diag, diag_severity, m, problem)], {}))

    if wvr and wvr_severity is not None:
        result.rules_evaluated.append(wvr.id)
        for problem in wvr_problems:
            findings.append(_finding(wvr, wvr_severity, m, problem))
        for waiver in waivers:
            if not waiver.used:
                problem = Problem(("waivers", waiver.index), _unused_waiver(waiver, findings), severity=Severity.NOTE)
                findings.append(_finding(wvr, wvr_severity, m, problem))
    result.findings.extend(findings)


def _unused_waiver(waiver: Waiver, findings: list[Finding]) -> str:
    """Why a waiver silenced nothing: its rule is clean here (stale), or the rule does report
    here but outside the waiver's `path` (a path is a field, `owners.business`, not a glob)."""
    missed = next((f for f in findings if f.rule == waiver.rule.id and not f.suppressed), None)
    if missed is None:
        return f"stale waiver: {waiver.rule.id} reports nothing here any more; remove the waiver"
    return (
        f"the waiver's path `{echo(waiver.path)}` covers none of {waiver.rule.id}'s findings "
        f"(it reports `{echo(missed.json_path[2:] or '$')}`): a waiver path is a field such as "
        f"`owners.business`, without wildcards"
    )


def _placeholders_under(rule: Rule, holes: tuple[tuple[PathT, object], ...]) -> list[Problem]:
    """Placeholders in the fields that answer `rule`'s question, as problems for the diagnostic
    only (AIP-SCH-003 reports them as findings)."""
    return [
        Problem(hole, f"`{json_path(hole)[2:]}` is a placeholder")
        for hole, _ in holes
        if any(hole[: len(f)] == f for f in rule.fields)
    ]


def _collapse_missing(m: Manifest, problems: list[Problem]) -> list[Problem]:
    """A missing section is one finding at its parent, not one per field the rule wants
    inside it: `business_metric` missing is one problem, not four."""
    groups: dict[PathT, list[Problem]] = {}
    for p in problems:
        if p.missing:
            top = _first_missing(m, tuple(p.path))
            if top != tuple(p.path):
                groups.setdefault(top, []).append(p)
    merged = {top: found for top, found in groups.items() if len(found) > 1}
    if not merged:
        return problems
    out: list[Problem] = []
    for p in problems:
        gap = _first_missing(m, tuple(p.path)) if p.missing else None
        if gap is None or gap not in merged:
            out.append(p)
        elif merged[gap][0] is p:
            wanted = [f"`{json_path(q.path[len(gap) :])[2:]}`" for q in merged[gap]]
            listed = ", ".join(wanted[:-1]) + f" and {wanted[-1]}"
            out.append(Problem(gap, f"`{json_path(gap)[2:]}` is missing: add it with {listed}", missing=True))
    return out


def _first_missing(m: Manifest, path: PathT) -> PathT:
    """The shortest prefix of `path` that the manifest does not have."""
    for end in range(1, len(path) + 1):
        if path[:end] not in m.spans:
            return path[:end]
    return path


def _reported(options: Options) -> Callable[[str], bool]:
    """Whether a rule's findings are reported (--select, --ignore)."""
    return lambda rule_id: (options.select is None or rule_id in options.select) and rule_id not in options.ignore


def _upcoming(
    declared: dict[str, list[Deadline]], failing: set[str], waivers: list[Waiver], options: Options
) -> list[Due]:
    """Every deadline of a reported rule that passes today, soonest first, whatever the window
    (the portfolio lists them; AIP-DUE-001 notes those within --warn-within)."""
    reported = _reported(options)
    out = [
        Due(deadline.fails_from, rule_id, json_path(deadline.path), deadline.what)
        for rule_id, found in declared.items()
        if rule_id not in failing and reported(rule_id)
        for deadline in found
        if deadline.fails_from > options.today and not any(w.covers(rule_id, json_path(deadline.path)) for w in waivers)
    ]
    return sorted(set(out), key=lambda d: (d.day, d.rule, d.json_path))


def _deadline_notes(
    declared: dict[str, list[Deadline]], failing: set[str], waivers: list[Waiver], options: Options
) -> list[Problem]:
    """AIP-DUE-001: one note per deadline within `--warn-within` days. Only rules that were
    evaluated declare deadlines (active at the stage, not switched off); none is given for
    a rule that is not reported (--select/--ignore), that already reports a finding (fix
    that first), or whose finding at that node a waiver would silence anyway."""
    reported = _reported(options)
    notes = []
    for rule_id, found in declared.items():
        if rule_id in failing or not reported(rule_id):
            continue
        for deadline in found:
            days = (deadline.fails_from - options.today).days
            if not 0 < days <= options.warn_within:
                continue
            if any(w.covers(rule_id, json_path(deadline.path)) for w in waivers):
                continue
            when = "tomorrow" if days == 1 else f"in {days} days"
            notes.append(
                Problem(
                    deadline.path, f"{deadline.what} on {deadline.fails_from} ({when}): {rule_id} will fail from then"
                )
            )
    return notes


def _question_order(qid: str) -> tuple[int, str]:
    digits = "".join(ch for ch in qid if ch.isdigit())
    return (int(digits) if digits else 10**6, qid)


def _run(rule: Rule, ctx: RuleContext) -> list[Problem]:
    try:
        return rule.run(ctx)
    except Exception as exc:
        return [
            Problem(
                (),
                f"aipolicy could not evaluate {rule.id} ({type(exc).__name__}: {exc}); please report this",
                severity=Severity.ERROR,
            )
        ]
