"""What each subcommand does, given plain values; each returns an exit code."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker import __version__, safeio
from checker.errors import UsageError
from checker.findings import Report, Severity
from checker.session import (
    _baseline_for,
    _changed_files,
    _changed_paths,
    _open_git,
    _refuse_overwrite,
    _settings_files,
    load_settings,
    rule_sets,
    run_checks,
    write_report,
)
from checker.textsafe import lines, printable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from checker.config import Config
    from checker.policy import Policy, Rule
    from checker.report import RenderContext

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _pair_outputs(formats: list[str], outputs: list[Path]) -> list[tuple[str, Path | None]]:
    if not formats:
        formats = ["github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"]
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options: give a --format for each --output")
    # `--output -` is standard output, as `-` is standard input for PATHS.
    pairs = [
        (fmt, outputs[i] if i < len(outputs) and str(outputs[i]) != "-" else None) for i, fmt in enumerate(formats)
    ]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise UsageError("only one --format can go to stdout; give the others an --output FILE")
    targets = [os.path.realpath(out) for _, out in pairs if out is not None]
    if len(targets) != len(set(targets)):
        raise UsageError("two --output options name the same file; one report would overwrite the other")
    for _, out in pairs:
        # Said before any checking, so no report is half-written.
        if out is not None and not out.resolve().parent.is_dir():
            raise UsageError(f"--output {out}: folder {out.parent} does not exist")
    return pairs


def exit_code(report: Report, fail_on: str) -> int:
    worst = report.worst()
    return EXIT_FINDINGS if worst is not None and worst >= Severity.parse(fail_on) else EXIT_OK


def check(
    *,
    paths: list[Path],
    formats: list[str],
    outputs: list[Path],
    stage: str | None,
    select: list[str],
    ignore: list[str],
    fail_on: str | None,
    today: datetime.date | None,
    warn_within: int | None = None,
    max_bytes: int,
    color: bool,
    config_path: Path | None = None,
    policies: Sequence[Path] = (),
    show_config: bool = False,
    changed_since: str | None = None,
    changed_only: bool = False,
    quiet: bool = False,
    exit_zero: bool = False,
    statistics: bool = False,
    stdin_filename: Path | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    sarif_waived: str | None = None,
) -> int:
    from checker import discover, engine
    from checker.report import RenderContext, chunks

    if write_baseline is not None:
        from checker import baseline as baselines

        baselines.check_options(baseline, write_baseline, formats, outputs, changed_since, changed_only, statistics)
    config, policy = load_settings(
        config_path,
        list(policies),
        {
            "select": select or None,
            "ignore": ignore or None,
            "fail-on": fail_on,
            "stage": stage,
            "warn-within": warn_within,
            "baseline": baseline,
        },
        start=_stdin_folder(stdin_filename),
    )
    if show_config:
        return print_config(config, "text")
    rules = rule_sets(policy, config)  # an unknown rule name is exit 2 before any file is read
    pairs = _pair_outputs(formats, outputs)
    stats_format = _statistics_format(pairs, explicit=bool(formats)) if statistics else None
    from checker import notes

    notes.set_quiet(quiet)
    paths, given = _streams(paths, stdin_filename, max_bytes)
    for path in paths:
        if path not in given and not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
    patterns = discover.DEFAULT_NAMES + tuple(config.manifest_names)
    unlisted: list[tuple[Path, str]] = []
    from checker.git.run import pull_request_base

    git_run, unreadable, changed, deferred = None, None, None, None
    git_first = changed_since is not None or (changed_only and pull_request_base(os.environ) is not None)
    if git_first:
        # Git says what changed first; then only those files are found, resolved and read.
        try:
            git_run, unreadable = _open_git(paths, changed_since, changed_only, max_bytes)
            if git_run is not None and git_run.base is not None:
                changed = _changed_paths(git_run, patterns)
        except UsageError as exc:
            deferred = exc  # raised where it always was: after the outputs are checked, with every file found
    if changed is None or git_run is None:  # (changed is None without a git run; said for mypy)
        files = every = discover.discover(paths, patterns, unlisted)
    else:
        files, every = discover.among(paths, patterns, git_run.root, changed), None

    def all_files() -> list[Path]:
        """Every manifest under the paths, as a run without --changed-since finds them (and the
        folders it cannot list): only asked for when none of them changed, for the notes."""
        nonlocal every
        if every is None:
            every = discover.discover(paths, patterns, unlisted)
        return every

    read = {**_settings_files(config, policy), **{safeio.realpath(os.fspath(f)): "a manifest" for f in files}}
    known = _baseline_for(config, write_baseline, read, patterns)
    for _, out in pairs:
        # `--output ai-production.yaml` is a slip, not a wish to replace the manifest with a report.
        if out is not None and discover.is_manifest_name(out.name, patterns):
            read.setdefault(os.path.realpath(out), "a manifest")
        _refuse_overwrite(out, read)
    if not files and (changed is None or not all_files()) and not unlisted:
        print(
            printable(
                f"aipolicy: no manifests found under {', '.join(str(p) for p in paths)} "
                f"(looked for {', '.join(patterns)})"
            ),
            file=sys.stderr,
        )
    if deferred is not None:
        raise deferred
    if not git_first:
        git_run, unreadable = _open_git(paths, changed_since, changed_only, max_bytes)
    if git_run is not None and git_run.base is not None:
        # Content from stdin or a pipe is what the editor holds now: always checked.
        picked = _changed_files(
            git_run,
            [f for f in files if f not in given],
            patterns,
            paths,
            lambda: len([f for f in all_files() if f not in given]),
        )
        files = [f for f in files if f in given or f in picked]
    report = run_checks(
        files,
        unlisted,
        config=config,
        policy=policy,
        rules=rules,
        git_run=git_run,
        unreadable=unreadable,
        today=today or datetime.date.today(),
        max_bytes=max_bytes,
        given=given,
    )
    if write_baseline is not None:
        from checker import baseline as baselines

        return baselines.write(report, write_baseline, str(config.root), quiet)
    if known is not None:
        known.apply(report, str(config.root), policy, quiet)
    root = str(config.root)  # the repository root (or the current folder outside git)
    sources = {engine.display_path(path): content for path, content in given.items() if isinstance(content, bytes)}
    for fmt, out in pairs:
        ctx = RenderContext(
            policy=policy,
            version=__version__,
            color=color and out is None and fmt == "text",
            root=root,
            warn_within=config.warn_within,
            quiet=quiet,
            sarif_waived=sarif_waived or "suppressed",
            sources=sources,
        )
        if stats_format is not None and out is None:
            continue  # the statistics take stdout's place (below)
        write_report(chunks(fmt, report, ctx), out)
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            _append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], report, ctx)
    if stats_format is not None:
        from checker.report import statistics as stats

        sys.stdout.write(stats.render(report, stats_format, ctx))
        sys.stdout.flush()
    return EXIT_OK if exit_zero else exit_code(report, config.fail_on)


def report(**options: Any) -> int:
    """`aipolicy report`: checker/portfolio/command.py."""
    from checker.portfolio import command

    return command.report(**options)


def _stdin_folder(stdin_filename: Path | None) -> Path | None:
    """Where the configuration of stdin's content is looked for, as for a file at
    --stdin-filename: its folder, or the nearest folder above it that exists."""
    if stdin_filename is None:
        return None
    folder = Path(os.path.abspath(stdin_filename)).parent
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder


def _statistics_format(pairs: list[tuple[str, Path | None]], explicit: bool) -> str:
    """What --statistics prints on stdout, in place of the stdout report: JSON when that
    report is json, else text (also when every report goes to a file, or when the format
    was picked for GitHub Actions). Only an explicit other format on stdout is an error:
    it was asked for, and would be lost."""
    on_stdout = [fmt for fmt, out in pairs if out is None]
    if not on_stdout or on_stdout[0] in ("text", "json"):
        return on_stdout[0] if on_stdout else "text"
    if not explicit:
        return "text"
    raise UsageError(
        f"--statistics prints text or json, not {on_stdout[0]}; give --format {on_stdout[0]} an --output FILE"
    )


def _streams(
    paths: list[Path], stdin_filename: Path | None, max_bytes: int
) -> tuple[list[Path], dict[Path, bytes | str]]:
    """Read what the command line names that is a stream, not a file: `-` (stdin, shown
    and resolved as --stdin-filename when given), `/dev/stdin`, a pipe such as
    `<(cat m.yaml)`. The operator named them, so they are read as given; their content
    is checked like a file's. Returns the paths (stdin replaced by its file name) and
    the content of each stream (bytes, or why it could not be read)."""
    from checker import safeio

    stdin = [p for p in paths if safeio.is_stdin(p)]
    if stdin_filename is not None and not stdin:
        raise UsageError("--stdin-filename names the file whose content is read from stdin: give '-' as the path")
    if len(stdin) > 1:
        raise UsageError("standard input ('-' or /dev/stdin) can be read only once; name it once")
    if stdin_filename is not None and os.path.isdir(stdin_filename):
        raise UsageError(f"--stdin-filename {stdin_filename}: is a folder; name the manifest's file")
    given: dict[Path, bytes | str] = {}
    out: list[Path] = []
    for path in paths:
        if not safeio.is_stream(path):
            out.append(path)
            continue
        try:
            content: bytes | str = safeio.read_stream(path, max_bytes)
        except safeio.ReadError as exc:
            content = str(exc)
        if safeio.is_stdin(path):  # `-` and /dev/stdin alike: shown as `-` or as --stdin-filename
            path = stdin_filename if stdin_filename is not None else Path(safeio.STDIN)
        given[path] = content
        out.append(path)
    return out, given


def print_config(config: Config, fmt: str) -> int:
    """The effective configuration, and where each value came from."""
    import json

    values = config.effective()
    origin = {k.replace("_", "-"): v for k, v in config.origin.items()}
    if fmt == "json":
        print(json.dumps({"values": values, "origin": origin}, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(printable(f"# configuration files: {', '.join(values.pop('files')) or 'none found (defaults)'}"))
    waivers = values.pop("waivers")
    values["waivers.allowed"] = waivers["allowed"]
    values["waivers.forbidden-rules"] = waivers["forbidden-rules"]
    origin.setdefault("waivers.allowed", origin.get("waivers-allowed", "default"))
    origin.setdefault("waivers.forbidden-rules", origin.get("forbidden-waivers", "default"))
    for key, value in values.items():
        shown = json.dumps(value, ensure_ascii=False)
        print(printable(f"{key}: {shown}    # {origin.get(key, 'default')}"))
    return EXIT_OK


def _append_step_summary(target: str, report: Report, ctx: RenderContext) -> None:
    from checker.report.github import summary_markdown

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(report, ctx))
    except OSError as exc:
        # The annotations are already out; a summary we cannot write is worth a line, not a failure.
        print(f"aipolicy: could not write the step summary to {target}: {exc.strerror or exc}", file=sys.stderr)


def _severity_words(rule: Rule) -> str:
    parts = [f"{stage} {sev.label}" for stage, sev in rule.severity.items()]
    text = ", ".join(parts) or "engine rule"
    if rule.high_risk_escalates:
        text += "; warnings become errors at risk_tier high"
    return text


def rule_dict(rule: Rule, policy: Policy) -> dict[str, Any]:
    return {
        "id": rule.id,
        "slug": rule.slug,
        "question": rule.question,
        "question_text": policy.questions.get(rule.question) if rule.question else None,
        "severity": {
            stage: rule.severity[stage].label if stage in rule.severity else None
            for stage in ("exploration", "pilot", "production", "retired")
        },
        "high_risk_escalates": rule.high_risk_escalates,
        "summary": rule.summary,
        "why": rule.why,
        "fix": rule.fix,
        "example": rule.example,
        "references": list(rule.references),
        "pack": rule.pack,
    }


def rules(fmt: str, config_path: Path | None = None, policies: Sequence[Path] = ()) -> int:
    import json

    _, policy = load_settings(config_path, list(policies))
    if fmt == "json":
        print(
            json.dumps(
                {
                    "version": __version__,
                    "questions": policy.questions,
                    "rules": [rule_dict(r, policy) for r in policy.rules.values()],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    rows = [(r.id, r.slug, r.question or "", r.severity_text(), r.summary) for r in policy.rules.values()]
    header = ("ID", "SLUG", "Q", "EXPL/PILOT/PROD", "SUMMARY")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(4)]
    for row in [header, *rows]:
        print(printable("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]))
    return EXIT_OK


def explain(key: str, fmt: str, config_path: Path | None = None, policies: Sequence[Path] = ()) -> int:
    import json

    _, policy = load_settings(config_path, list(policies))
    rule = policy.find(key)
    unloaded = None  # the built-in pack the rule comes from, when this run does not load it
    if rule is None:
        rule, policy, unloaded = _builtin_pack_rule(key, policy)
    if rule is None:
        hint = policy.suggest(key)
        raise UsageError(f"unknown rule {key!r}" + (f"; did you mean {hint}?" if hint else " (see 'aipolicy rules')"))
    if fmt == "json":
        print(json.dumps(rule_dict(rule, policy), indent=2, ensure_ascii=False))
        return EXIT_OK
    title = f"{rule.id} {rule.slug}"
    if rule.question:
        title += f"  ({rule.question}: {policy.questions.get(rule.question, '')})"
    out = [
        title,
        f"Severity: {_severity_words(rule)}  [{rule.severity_text()}]",
    ]
    if unloaded:
        out.append(f"Pack: {unloaded}, not loaded here; check it with `--policy {unloaded}`")
    out += [
        "",
        "What it checks",
        _indent(rule.summary),
    ]
    for heading, body in (
        ("Why it matters", rule.why),
        ("How to fix", rule.fix),
        ("Example", rule.example),
        ("References", "\n".join(f"- {r}" for r in rule.references)),
    ):
        if body:
            out += ["", heading, _indent(body.rstrip())]
    print(lines("\n".join(out)))  # a pack's docs are untrusted text too
    return EXIT_OK


def _builtin_pack_rule(key: str, policy: Policy) -> tuple[Rule | None, Policy, str | None]:
    """(rule, the policy that holds it, `builtin:NAME`) for a rule of a built-in pack the
    effective policy does not load, so `aipolicy explain AIP-EU-026` documents it anyway;
    (None, policy, None) when no built-in pack has it."""
    from checker import packs, resources
    from checker.policy import PolicyError

    for name in packs.builtin_packs():
        spec = packs.BUILTIN_PREFIX + name
        try:
            loaded = packs.build_policy([(spec, resources.policies_dir(), spec, None)])
        except PolicyError:  # a shipped pack always loads (tests/test_org_policy.py); never fail explain on it
            continue
        rule = loaded.find(key)
        if rule is not None and rule.pack == name:  # its own pack, not one that extends it
            return rule, loaded, spec
    return None, policy, None


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in text.splitlines())


def init(path: Path, stage: str, from_model_card: Path | None = None) -> int:
    from checker.starter import starter

    if path.is_dir():
        path = path / "ai-production.yaml"
    seeds = None
    if from_model_card is not None:
        from checker import hfcard

        try:
            seeds, notes = hfcard.seeds(from_model_card)
        except hfcard.CardError as exc:
            raise UsageError(f"--from-model-card {from_model_card}: {exc}") from None
        for note in notes:
            print(f"aipolicy: note: {printable(from_model_card)}: {printable(note)}", file=sys.stderr)
        if seeds.metric is not None and stage in ("exploration", "retired"):
            print(
                f"aipolicy: note: the {stage} starter has no monitoring section; the metric is not seeded",
                file=sys.stderr,
            )
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(starter(stage, seeds=seeds))
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


def test_policies(
    directory: Path, fmt: str, output: Path | None, config_path: Path | None, policies: list[Path]
) -> int:
    from checker import gitrepo, policytest

    if not directory.is_dir():
        raise UsageError(f"{directory}: no such folder of policy test cases")
    config, policy = load_settings(config_path, policies)
    read = {
        **_settings_files(config, policy),
        **{os.path.realpath(case): "a policy test case" for case in policytest.discover_cases(directory)},
    }
    _refuse_overwrite(output, read)
    root = gitrepo.find_root(directory) or Path.cwd()
    outcomes = policytest.run_directory(directory, policy, root)
    if not outcomes:
        raise UsageError(f"{directory}: no test cases (*.yaml) found")
    text = policytest.render_junit(outcomes) if fmt == "junit" else policytest.render_text(outcomes)
    write_report(text, output)
    if output is not None:
        sys.stdout.write(policytest.render_text(outcomes).splitlines()[-1] + "\n")
    return EXIT_OK if all(o.passed for o in outcomes) else EXIT_FINDINGS


def _export_source(path: Path, max_bytes: int) -> tuple[Path, bytes, dict[str, Any]]:
    """The file, bytes and data of one schema-valid manifest; _ExportRefused with the one line
    `path:line:col: why` otherwise (nothing half-parsed is exported)."""
    from checker import manifest as manifest_mod
    from checker import safeio
    from checker.schema import validate

    if path.is_dir():
        path = path / "ai-production.yaml"
    shown = printable(str(path))
    try:
        raw = safeio.read(path, max_bytes, None)  # named on the command line: the operator's, trusted
    except safeio.ReadError as exc:
        raise _ExportRefused(f"{shown}:1:1: {printable(exc)}") from None
    loaded = manifest_mod.load(raw, str(path))
    if isinstance(loaded, list):
        first = loaded[0]
        raise _ExportRefused(f"{shown}:{first.span.line}:{first.span.column}: {printable(first.message)}")
    found = validate(loaded)
    if found:
        span, message, _ = found[0]
        more = f" (and {len(found) - 1} more schema problems; see 'aipolicy check')" if len(found) > 1 else ""
        raise _ExportRefused(f"{shown}:{span.line}:{span.column}: {printable(message)}{more}")
    return path, raw, loaded.data


class _ExportRefused(Exception):
    """The manifest cannot be exported: the one line that says why."""


def _export_timestamp(today: datetime.date | None) -> datetime.datetime | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) wins, then --today; else no timestamp."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r}: not a number of seconds since 1970") from None
    if today is not None:
        return datetime.datetime(today.year, today.month, today.day, tzinfo=datetime.timezone.utc)
    return None


def export(path: Path, fmt: str, output: Path | None, today: datetime.date | None, max_bytes: int) -> int:
    from checker import discover

    if output is not None and str(output) == "-":
        output = None
    if output is not None and not output.resolve().parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")
    timestamp = _export_timestamp(today) if fmt == "cyclonedx" else None
    try:
        source, raw, data = _export_source(path, max_bytes)
    except _ExportRefused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    if output is not None:
        read = {os.path.realpath(source): "the manifest"}
        # `--output ai-production.yaml` is a slip, not a wish to replace a manifest with an export.
        if discover.is_manifest_name(output.name):
            read.setdefault(os.path.realpath(output), "a manifest")
        _refuse_overwrite(output, read, what="an export")
    if fmt == "cyclonedx":
        from checker import bom

        try:
            text = bom.cyclonedx(data, raw, timestamp)
        except bom.ExportError as exc:
            raise UsageError(f"{path}: {printable(exc)}") from None
    else:
        from checker import modelcard

        text = modelcard.markdown(data)
    write_report(text, output)
    if output is not None:
        print(f"wrote {output} ({fmt})", file=sys.stderr)
    return EXIT_OK
