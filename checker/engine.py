"""Evaluate manifests: load, schema, policy rules, waivers -> results. No click, no printing."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from checker import evaluate, schema, verdict
from checker import manifest as manifest_mod
from checker.findings import Due, Finding, ManifestResult, Report, Span
from checker.manifest import LoadProblem, Manifest, json_path
from checker.options import Options
from checker.policy import Policy
from checker.records import replace
from checker.safeio import STDIN

STAGES = ("exploration", "pilot", "production", "retired")


def _filter(result: ManifestResult, options: Options) -> ManifestResult:
    """Apply select/ignore and a per-path severity cap to a finished result."""

    def keep(rule_id: str) -> bool:
        return (options.select is None or rule_id in options.select) and rule_id not in options.ignore

    if options.select is not None or options.ignore:
        result.findings = [f for f in result.findings if keep(f.rule)]
        result.rules_evaluated = [r for r in result.rules_evaluated if keep(r)]
    if options.max_severity is not None:
        cap = options.max_severity
        result.findings = [f._replace(severity=min(f.severity, cap)) for f in result.findings]
    return result


def _finding(
    policy: Policy,
    rule_id: str,
    stage: str,
    path: str,
    span: Span,
    message: str,
    json_path_: str = "$",
    high_risk: bool = False,
) -> Finding | None:
    rule = policy.rules[rule_id]
    severity = rule.severity_at(stage, high_risk)
    if severity is None:
        return None
    return Finding(rule.id, rule.slug, severity, path, span, message, json_path_)


def read_bytes(file: Path, options: Options) -> bytes | LoadProblem:
    """The file's bytes, or why they cannot be read (checker/safeio.py: never blocks, and
    never follows a link, the file's or a folder's, out of the repository holding it).
    A file whose content came from stdin or a pipe (`options.given`) is not read again."""
    from checker import safeio

    given = options.given.get(file) if options.given else None
    if given is not None:
        return given if isinstance(given, bytes) else LoadProblem(Span(), given)
    try:
        return safeio.read(file, options.max_bytes, safeio.containment_root(file))
    except safeio.ReadError as exc:
        return LoadProblem(Span(), str(exc))


def check_bytes(raw: bytes, display: str, options: Options) -> ManifestResult:
    """Check one manifest's bytes: every finding, filtered, folded and capped as reported."""
    return _finish(_check_bytes(raw, display, options), options)


def _finish(result: ManifestResult, options: Options) -> ManifestResult:
    """select/ignore and severity caps, then one finding per node and per-rule caps."""
    result = _filter(result, options)
    result.findings = verdict.cap(verdict.fold(result.findings))
    _share(result)
    return result


# Equal values of finished results, one object each: manifests at one stage evaluate the
# same rules and answer the same questions, and their deadlines name the same fields, words
# and dates. A run holds every result until it reports: 10,000 results kept ~15 MiB of
# copies, and results pickled in one chunk of a pool's work carry a shared object once. A
# finished result is read, never changed (reporters, baseline, coverage, portfolio), so
# sharing is safe. Bounded, for a run of endless variety: past the bound values stay as made.
_SHARED: dict[Any, Any] = {}
_MAX_SHARED = 4096


def _shared(value: Any, key: Any = None) -> Any:
    key = value if key is None else key
    found = _SHARED.get(key)
    if found is not None:
        return found
    if len(_SHARED) < _MAX_SHARED:
        _SHARED[key] = value
    return value


def _share(result: ManifestResult) -> None:
    if result.rules_evaluated:
        result.rules_evaluated = _shared(result.rules_evaluated, ("rules", *result.rules_evaluated))
    if result.questions:
        result.questions = _shared(result.questions, ("questions", *result.questions.items()))
    if result.stage is not None:
        result.stage = _shared(result.stage)
    for name in ("risk_tier", "decision_role"):
        if isinstance(result.facts.get(name), str):
            result.facts[name] = _shared(result.facts[name])
    result.deadlines = [Due(_shared(d.day), d.rule, _shared(d.json_path), _shared(d.what)) for d in result.deadlines]


def _check_bytes(raw: bytes, display: str, options: Options, file: Path | None = None) -> ManifestResult:
    loaded = _load(raw, display, file)
    if isinstance(loaded, list):
        return _not_loaded(loaded, display, options)
    return check_manifest(loaded, options, ManifestResult(path=display))


def problem_result(path: Path, message: str, options: Options) -> ManifestResult:
    """An AIP-SCH-002 result for something that could not be read at all (a folder that
    cannot be listed, say), shown and filtered (--select, overrides) like an unreadable manifest."""
    options = options.for_path(path)
    return _finish(_not_loaded([LoadProblem(Span(), message)], display_path(path), options), options)


def _not_loaded(problems: list[LoadProblem], display: str, options: Options) -> ManifestResult:
    """A file that could not be read or parsed: its AIP-SCH-002 findings and nothing else."""
    result = ManifestResult(path=display, rules_evaluated=["AIP-SCH-002"])
    for problem in problems:
        f = _finding(
            options.effective_policy(),
            "AIP-SCH-002",
            options.stage or "production",
            display,
            problem.span,
            problem.message,
        )
        if f is not None:
            result.findings.append(f)
    return result


def _stage_of(m: Manifest, options: Options) -> str | None:
    if options.stage:
        return options.stage
    stage = m.data.get("stage")
    return stage if stage in STAGES else None


def check_manifest(m: Manifest, options: Options, result: ManifestResult) -> ManifestResult:
    policy = options.effective_policy()
    stage = _stage_of(m, options)
    system = m.data.get("system")
    result.system_id = system.get("id") if isinstance(system, dict) and isinstance(system.get("id"), str) else None
    result.facts = _facts(m.data)
    high = m.data.get("risk_tier") == "high"
    result.rules_evaluated += ["AIP-SCH-002", "AIP-SCH-001"]  # it parsed; now the schema
    schema_findings = [
        f
        for span, text, path in schema.validate(m)
        if (f := _finding(policy, "AIP-SCH-001", stage or "production", m.path, span, text, json_path(path), high))
    ]
    result.findings.extend(schema_findings)
    if stage is None:
        # The stage selects the rules; without a valid one only the schema can judge
        # (and it reports the missing or invalid `stage` itself).
        return result
    result.stage = stage
    before = len(result.findings)
    evaluate.evaluate(policy, m, stage, options, result)
    # One finding per problem: a value the schema rejected is not judged again by a rule,
    # and a section spelt wrong (`rollbak:`) is not reported missing by every rule that
    # reads it: the schema's finding at the misspelt key says so instead.
    # A manifest the schema accepts has no unknown key, so only an invalid one needs the walk.
    held = {json_path(section) for section in schema.misspelt_sections(m).values()} if schema_findings else set()
    rejected = {f.json_path for f in schema_findings if f.json_path != "$"} | held
    if rejected:
        result.findings[before:] = [f for f in result.findings[before:] if not _under_any(f.json_path, rejected)]
    result.findings.sort(key=Finding.sort_key)
    return result


def _facts(data: dict[str, Any]) -> dict[str, Any]:
    """What an inventory lists about the system, as far as the manifest says it in the
    right shape (a value of another type is the schema's finding, and None here)."""

    def text(node: Any, *path: str) -> str | None:
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, str) and node.strip() else None

    return {
        "name": text(data, "system", "name"),
        "risk_tier": text(data, "risk_tier"),
        "decision_role": text(data, "decision_role"),
        "owners": {
            "technical": text(data, "owners", "technical", "name"),
            "business": text(data, "owners", "business", "name"),
        },
    }


def _under_any(path: str, prefixes: set[str]) -> bool:
    """`path` is one of `prefixes` or lies below one (json paths: `$.a.b`, `$.a[0]`)."""
    if path in prefixes:
        return True
    return any(path[i] in ".[" and path[:i] in prefixes for i in range(len(path) - 1, 0, -1))


def check_file(file: Path, display: str, options: Options, manifest: Manifest | None = None) -> ManifestResult:
    """Check one file; `manifest` is the file already read and parsed, when it was."""
    options = options.for_path(file)
    if options.given and file in options.given and options.root is None:
        from checker import gitrepo, safeio

        if str(file) == STDIN and options.git is not None:
            # stdin without --stdin-filename lives at no path: the git rules (history,
            # CODEOWNERS, base ref) have nothing to look up.
            options = replace(options, git=None)
        if safeio.repository_of(file) is None:
            # A pipe (`<(cat m.yaml)`) lives nowhere: its refs are read from the current
            # folder's repository, as stdin's are.
            options = replace(options, root=gitrepo.find_root(Path.cwd()) or Path.cwd())
    return _finish(_check_file(file, display, options, manifest), options)


def _check_file(file: Path, display: str, options: Options, manifest: Manifest | None = None) -> ManifestResult:
    if manifest is not None:
        return check_manifest(manifest, options, ManifestResult(path=display))
    raw = read_bytes(file, options)
    if isinstance(raw, LoadProblem):
        return _not_loaded([raw], display, options)
    return _check_bytes(raw, display, options, file)


def _load(raw: bytes, display: str, file: Path | None) -> Manifest | list[LoadProblem]:
    """The manifest, named `display` in reports and knowing its `file` (a display path may be
    escaped, `caf\\xe9/`, or relative to another folder): its repository, where its refs
    resolve, is found from the file. Content given for a path (stdin with --stdin-filename)
    names that path; stdin without one (`-`) lives in the current folder, as `-` does."""
    loaded = manifest_mod.load(raw, display)
    if isinstance(loaded, Manifest) and file is not None:
        loaded.source = os.fspath(file)
    return loaded


def display_path(file: Path, base: Path | None = None) -> str:
    """Relative to the current folder when below it, as editors and CI logs expect."""
    base = base or Path.cwd()
    try:
        rel = os.path.relpath(file, base)
    except ValueError:  # another drive on Windows
        rel = ".."
    shown = file.as_posix() if rel.startswith("..") else Path(rel).as_posix()
    # A name that is not UTF-8 on disk arrives with surrogate escapes, which no UTF-8
    # report can carry (writing one raised): its odd bytes are shown as \xNN instead.
    try:
        return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate from a Windows name
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def check_batch(items: Sequence[tuple[Path, str]], options: Options) -> list[ManifestResult]:
    """Check (file, display path) pairs, results in order. With git rules on, the batch's
    git facts are gathered at once (one `git ls-files`, one history walk per batch), so
    each manifest is parsed once and only one batch of them is held in memory."""
    if options.git is None:
        return [check_file(file, display, options) for file, display in items]
    loaded: dict[Path, Manifest] = {}
    for file, display in items:
        if str(file) == STDIN:
            continue  # stdin without a file name: no git facts (check_file)
        raw = read_bytes(file, options)
        parsed = _load(raw, display, file) if isinstance(raw, bytes) else None
        if isinstance(parsed, Manifest):
            loaded[file] = parsed
    options.git.prepare(loaded, options)
    return [check_file(file, display, options, loaded.get(file)) for file, display in items]


BATCH_GC_THRESHOLD = 100_000  # allocations between collections of the youngest generation during a run (run())


def run(
    files: Iterable[Path],
    options: Options,
    *,
    jobs: int | None = None,
    min_files: int | None = None,
    fresh: bool = True,
) -> Report:
    """Check every file, results in input order. Many files are checked on every core
    (checker/parallel.py: `jobs` workers from `min_files` files up), with the same
    output as a serial run; on a terminal a progress line shows meanwhile. `fresh`
    drops what an earlier run in this process cached; a command that has just started
    (checker/session.py, which forgets at its start) passes False, so the repository's
    git files are not inspected twice."""
    from checker import gitrepo, safeio
    from checker.checks.rules import forget as forget_refs
    from checker.progress import Progress

    # Each *_ref is resolved by several rules (REF-001, GIT-004, git facts); once per run
    # is enough, and a new run must see files created since the last one.
    if fresh:
        forget_refs()
        gitrepo.forget()
        safeio.forget()
    base = Path.cwd()
    items = [(file, display_path(file, base)) for file in files]
    report = Report()
    progress = Progress.start(len(items))
    # The collector, tuned for a batch: what the start made (modules, the compiled policy: most
    # of the heap) frozen, out of every collection's walk (and forked workers, parallel.py,
    # leave those pages shared: the collector no longer writes to them); the youngest
    # generation collected every 100,000 allocations, not 700 (as mypy does): a manifest's
    # parse makes thousands of short-lived containers that reference counting frees anyway,
    # and the collections cost ~4% of a run. Both undone when the run ends.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(BATCH_GC_THRESHOLD, *thresholds[1:])
    try:
        if len(items) < 2:  # one file is never pooled: the pool's module stays unimported
            batches: Iterable[ManifestResult] = check_batch(items, options) if items else []
        else:
            from checker import parallel

            batches = parallel.check_all(check_batch, items, options, jobs=jobs, min_files=min_files)
        for result in batches:
            report.results.append(result)
            if progress is not None:
                progress.update(len(report.results))
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if progress is not None:
            progress.close()
    return report
