"""What each subcommand does, given plain values; each returns an exit code."""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path

from checker import __version__
from checker.errors import UsageError
from checker.findings import Report, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _policy():
    from checker.policy import PolicyError, load_builtin

    try:
        return load_builtin()
    except PolicyError as exc:
        raise UsageError(str(exc)) from None


def resolve_selectors(policy, selectors: list[str], option: str) -> set[str]:
    """Rule ids named by ids, slugs or prefixes (AIP-MON); unknown names are a usage error."""
    chosen: set[str] = set()
    for sel in selectors:
        key = sel.strip()
        hits = {
            r.id for r in policy.rules.values()
            if r.id.lower() == key.lower() or r.slug == key.lower() or r.id.lower().startswith(key.lower().rstrip("-") + "-")
        }
        if not hits:
            hint = policy.suggest(key)
            raise UsageError(f"{option} {key}: no such rule" + (f"; did you mean {hint}?" if hint else " (see 'aipolicy rules')"))
        chosen |= hits
    return chosen


def _pair_outputs(formats: list[str], outputs: list[Path]) -> list[tuple[str, Path | None]]:
    if not formats:
        formats = ["github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"]
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options: give a --format for each --output")
    pairs = [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise UsageError("only one --format can go to stdout; give the others an --output FILE")
    return pairs


def filter_report(report: Report, selected: set[str] | None, ignored: set[str]) -> None:
    for result in report.results:
        result.findings = [
            f for f in result.findings
            if (selected is None or f.rule in selected) and f.rule not in ignored
        ]
        result.rules_evaluated = [
            r for r in result.rules_evaluated if (selected is None or r in selected) and r not in ignored
        ]


def exit_code(report: Report, fail_on: str) -> int:
    worst = report.worst()
    return EXIT_FINDINGS if worst is not None and worst >= Severity.parse(fail_on) else EXIT_OK


def check(*, paths: list[Path], formats: list[str], outputs: list[Path], stage: str | None,
          select: list[str], ignore: list[str], fail_on: str, today: datetime.date | None,
          max_bytes: int, color: bool) -> int:
    from checker import discover, engine
    from checker.report import RenderContext, render

    policy = _policy()
    selected = resolve_selectors(policy, select, "--select") if select else None
    ignored = resolve_selectors(policy, ignore, "--ignore") if ignore else set()
    pairs = _pair_outputs(formats, outputs)
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
    files = discover.discover(paths)
    if not files:
        print(f"aipolicy: no manifests found under {', '.join(str(p) for p in paths)} "
              "(looked for ai-production.yaml, ai-production.yml, *.ai-production.yaml)", file=sys.stderr)
    options = engine.Options(stage=stage, today=today or datetime.date.today(), max_bytes=max_bytes, policy=policy)
    report = engine.run(files, options)
    filter_report(report, selected, ignored)
    from checker.gitrepo import find_root

    root = str(find_root(Path.cwd()) or Path.cwd())
    for fmt, out in pairs:
        ctx = RenderContext(policy=policy, version=__version__, color=color and out is None and fmt == "text", root=root)
        text = render(fmt, report, ctx)
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--output {out}: {exc.strerror or exc}") from None
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            _append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], report, ctx)
    return exit_code(report, fail_on)


def _append_step_summary(target: str, report: Report, ctx) -> None:
    from checker.report.github import summary_markdown

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(report, ctx))
    except OSError as exc:
        # The annotations are already out; a summary we cannot write is worth a line, not a failure.
        print(f"aipolicy: could not write the step summary to {target}: {exc.strerror or exc}", file=sys.stderr)


def _severity_words(rule) -> str:
    parts = [f"{stage} {sev.label}" for stage, sev in rule.severity.items()]
    text = ", ".join(parts) or "engine rule"
    if rule.high_risk_escalates:
        text += "; warnings become errors at risk_tier high"
    return text


def rule_dict(rule, policy) -> dict:
    return {
        "id": rule.id,
        "slug": rule.slug,
        "question": rule.question,
        "question_text": policy.questions.get(rule.question) if rule.question else None,
        "severity": {stage: rule.severity[stage].label if stage in rule.severity else None
                     for stage in ("exploration", "pilot", "production", "retired")},
        "high_risk_escalates": rule.high_risk_escalates,
        "summary": rule.summary,
        "why": rule.why,
        "fix": rule.fix,
        "example": rule.example,
        "pack": rule.pack,
    }


def rules(fmt: str) -> int:
    policy = _policy()
    if fmt == "json":
        print(json.dumps({"version": __version__, "questions": policy.questions,
                          "rules": [rule_dict(r, policy) for r in policy.rules.values()]}, indent=2, ensure_ascii=False))
        return EXIT_OK
    rows = [(r.id, r.slug, r.question or "", r.severity_text(), r.summary) for r in policy.rules.values()]
    header = ("ID", "SLUG", "Q", "EXPL/PILOT/PROD", "SUMMARY")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    return EXIT_OK


def explain(key: str, fmt: str) -> int:
    policy = _policy()
    rule = policy.find(key)
    if rule is None:
        hint = policy.suggest(key)
        raise UsageError(f"unknown rule {key!r}" + (f"; did you mean {hint}?" if hint else " (see 'aipolicy rules')"))
    if fmt == "json":
        print(json.dumps(rule_dict(rule, policy), indent=2, ensure_ascii=False))
        return EXIT_OK
    title = f"{rule.id} {rule.slug}"
    if rule.question:
        title += f"  ({rule.question}: {policy.questions.get(rule.question, '')})"
    out = [title, f"Severity: {_severity_words(rule)}  [{rule.severity_text()}]", "", "What it checks", _indent(rule.summary)]
    for heading, body in (("Why it matters", rule.why), ("How to fix", rule.fix), ("Example", rule.example)):
        if body:
            out += ["", heading, _indent(body.rstrip())]
    print("\n".join(out))
    return EXIT_OK


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in text.splitlines())


def init(path: Path, stage: str) -> int:
    from checker.starter import starter

    if path.is_dir():
        path = path / "ai-production.yaml"
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(starter(stage))
    except FileExistsError:
        raise UsageError(f"{path} already exists; not overwriting it") from None
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    print(f"wrote {path} ({stage} starter): replace every TODO, then run 'aipolicy check {path}'")
    return EXIT_OK


def schema() -> int:
    from checker.schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK
