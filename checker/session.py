"""One run as the commands drive it, shared by `aipolicy check` (checker/commands.py) and
`aipolicy report` (checker/portfolio/command.py): settings, the git side, the checks,
the files a run reads and the report it writes. Below both commands, so neither imports
the other.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import UsageError
from checker.findings import Report

if TYPE_CHECKING:
    from checker.baseline import Baseline
    from checker.config import Config
    from checker.git.run import GitRun
    from checker.policy import Policy


def load_settings(
    config_path: Path | None, policies: list[Path], cli: dict[str, Any] | None = None, start: Path | None = None
) -> tuple[Config, Policy]:
    """The effective configuration and policy: config file (found or given, searched
    from `start`, default the current folder), then command-line values, which win.
    Any problem is a UsageError (exit 2)."""
    from checker import config as config_mod
    from checker import gitrepo, safeio
    from checker.checks.rules import forget as forget_refs
    from checker.packs import build_policy
    from checker.policy import PolicyError

    cwd = Path.cwd()
    # A new command: nothing an earlier command in this process cached is trusted
    # (engine.run, called with fresh=False below, relies on this).
    gitrepo.forget(timeouts=True)
    safeio.forget()
    forget_refs()
    here = start or cwd
    root = gitrepo.find_root(here) or here
    if config_path is not None and not config_path.is_file():
        raise UsageError(f"--config {config_path}: no such file")
    path = config_path or config_mod.find_config(here, root)
    config = config_mod.load(path, root, trusted=config_path is not None)
    for key, value in (cli or {}).items():
        if value is not None:
            config.set(key, value, "command line")
    try:
        specs = config.policies + [(str(p), cwd, f"--policy {p}", None) for p in policies]  # None: trusted as given
        if policies:
            config.origin["policies"] = (
                "command line" if not config.policies else config.origin.get("policies", "") + " + command line"
            )
        config.policies = specs
        policy = build_policy(specs)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    if config.severity:  # an unknown rule name fails at its own key: `file:3:3: severity: no such rule NOPE`
        config_mod.rule_ids(
            policy,
            list(config.severity),
            "severity",
            lambda _, name: config.locations.get(("severity", name), config.origin.get("severity", "config")),
        )
        policy = policy.with_severity(config.severity, config.origin.get("severity", "config"))
    for override in config.overrides:  # unknown rule names in overrides fail now, at their item, not mid-run
        override.resolve(policy)
    return config, policy


def resolve_selectors(policy: Policy, selectors: list[str], option: str) -> set[str]:
    """Rule ids named by ids, slugs or prefixes (AIP-MON); unknown names are a usage error."""
    from checker.policy import PolicyError

    try:
        return policy.resolve(selectors, option)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None


def _rule_ids(policy: Policy, config: Config, attr: str, key: str, flag: str) -> set[str]:
    """Rule ids of a setting: from the command line as --select NAME, from a file at the item's line:col."""
    from checker.config import rule_ids

    names: list[str] = getattr(config, attr) or []
    if config.origin.get(attr) == "command line":
        return resolve_selectors(policy, names, flag)
    return rule_ids(policy, names, key, lambda i, _: config.locations.get((attr, i), config.origin.get(attr, "config")))


def rule_sets(policy: Policy, config: Config) -> tuple[set[str] | None, set[str], set[str]]:
    """The rule ids the run reports (None: all), ignores, and may never see waived; an
    unknown name is a UsageError at its option or configuration item."""
    selected = _rule_ids(policy, config, "select", "select", "--select") if config.select is not None else None
    ignored = _rule_ids(policy, config, "ignore", "ignore", "--ignore")
    forbidden = _rule_ids(policy, config, "forbidden_waivers", "waivers.forbidden-rules", "waivers")
    return selected, ignored, forbidden


def run_checks(
    files: list[Path],
    unlisted: list[tuple[Path, str]],
    *,
    config: Config,
    policy: Policy,
    rules: tuple[set[str] | None, set[str], set[str]],
    git_run: GitRun | None,
    unreadable: str | None,
    today: datetime.date,
    max_bytes: int,
    given: dict[Path, bytes | str] | None = None,
) -> Report:
    """Check `files` as `aipolicy check` does (and `aipolicy report` after it): the engine's
    results, a finding for each folder that could not be listed, and one note when the git
    rules were skipped. The git run is closed when done."""
    from checker import engine
    from checker.git import run as gitrun
    from checker.gitrepo import GitError
    from checker.notes import note
    from checker.options import Options

    selected, ignored, forbidden = rules
    options = Options(
        stage=config.stage,
        today=today,
        max_bytes=max_bytes,
        policy=policy,
        select=selected,
        ignore=ignored,
        waivers_allowed=config.waivers_allowed,
        forbidden_waivers=forbidden,
        config=config,
        git=git_run,
        warn_within=config.warn_within,
        given=given or {},
    )
    try:
        report = engine.run(files, options, fresh=False)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if git_run is not None:
            git_run.close()
    # A folder that could not be listed is a finding on it (exit 1), never "0 files, exit 0".
    report.results.extend(engine.problem_result(folder, why, options) for folder, why in unlisted)
    skipped = unreadable or (
        git_run.failure if git_run is not None else "not inside a git repository (or git is not installed)"
    )
    if skipped and gitrun.would_apply(report, policy, selected, ignored):
        note(f"{skipped}: the git-aware rules AIP-GIT-* were skipped")
    return report


def write_report(text: str | Iterable[str], out: Path | None) -> None:
    """A report (whole, or in pieces written as they come) to stdout, or to the `--output`
    file (as given: no newline translation, so a CSV's CRLF stays CRLF); a file that cannot
    be written is a usage error naming it."""
    pieces = [text] if isinstance(text, str) else text
    if out is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for piece in pieces:
                handle.write(piece)
    except OSError as exc:
        raise UsageError(f"--output {out}: {exc.strerror or exc}") from None


def _baseline_for(
    config: Config, write_baseline: Path | None, read: dict[str, str], patterns: tuple[str, ...]
) -> Baseline | None:
    """The baseline this run applies (checker/baseline.py), read before any checking; or,
    with --write-baseline, None after checking the file may be written (never over one aipolicy reads)."""
    if write_baseline is None and config.baseline is None:
        return None  # the common case: no baseline module imported
    from checker import baseline as baselines
    from checker import discover

    if write_baseline is None:
        assert config.baseline is not None  # the early return above
        read[os.path.realpath(config.baseline)] = "the baseline"
        return baselines.load(config)
    if discover.is_manifest_name(write_baseline.name, patterns):
        read.setdefault(os.path.realpath(write_baseline), "a manifest")
    _refuse_overwrite(write_baseline, read, "--write-baseline", "a baseline")
    baselines.target_folder_exists(write_baseline)
    return None


def _settings_files(config: Config, policy: Policy) -> dict[str, str]:
    """The files this run reads besides manifests (realpath -> what it is): no report goes there."""
    out = {os.path.realpath(f): "the configuration" for f in config.files}
    out.update({os.path.realpath(source): "a policy pack" for source in policy.sources if os.path.isfile(source)})
    return out


def _refuse_overwrite(out: Path | None, read: dict[str, str], option: str = "--output", what: str = "a report") -> None:
    """`--output` never names a file aipolicy reads: a manifest, the configuration, a pack, a test case."""
    if out is not None and os.path.realpath(out) in read:
        raise UsageError(f"{option} {out}: refusing to write {what} over {read[os.path.realpath(out)]} aipolicy reads")


def check_all_paths(
    paths: list[Path],
    files: list[Path],
    unlisted: list[tuple[Path, str]],
    *,
    config: Config,
    policy: Policy,
    today: datetime.date,
    max_bytes: int,
) -> tuple[Report, tuple[set[str] | None, set[str], set[str]]]:
    """Check every manifest under `paths` as `aipolicy check` does (no --changed-since): the
    report and the rule sets it used. For the commands built on a whole check run
    (`report`, `coverage`)."""
    rules = rule_sets(policy, config)
    git_run, unreadable = _open_git(paths, None, False, max_bytes)
    report = run_checks(
        files,
        unlisted,
        config=config,
        policy=policy,
        rules=rules,
        git_run=git_run,
        unreadable=unreadable,
        today=today,
        max_bytes=max_bytes,
    )
    return report, rules


def _open_git(
    paths: list[Path], changed_since: str | None, changed_only: bool, max_bytes: int
) -> tuple[GitRun | None, str | None]:
    """The git side of the run (None outside a repository), and what git said when it
    cannot read the repository (the git rules are skipped then); a base ref that cannot
    be used is a usage error (exit 2) whose message says how to fix it."""
    from checker import gitrepo
    from checker.git import run as gitrun
    from checker.notes import note

    if changed_since is not None and changed_only:
        raise UsageError("give either --changed-since REF or --changed-only, not both")
    ref, option, cwd = changed_since, "--changed-since", Path.cwd()
    if changed_only:
        branch = gitrun.pull_request_base(os.environ)
        if branch is None:
            note("--changed-only: not a pull request (GITHUB_BASE_REF is not set); checking every manifest")
        else:
            ref, option = gitrun.resolve_pull_request_base(cwd, paths, branch), "--changed-only: pull request base"
    try:
        return gitrun.open_run(cwd, paths, ref, max_bytes, option), None
    except gitrun.Unreadable as exc:
        return None, str(exc)
    except gitrepo.GitError as exc:
        raise UsageError(str(exc)) from None


def _changed_paths(git_run: GitRun, patterns: tuple[str, ...]) -> set[str]:
    """What git says changed since the base ref (repository-relative); a usage error when it cannot say."""
    from checker import gitrepo

    try:
        return git_run.changed_paths(patterns)
    except gitrepo.GitError as exc:
        raise UsageError(str(exc)) from None


def _changed_files(
    git_run: GitRun,
    files: list[Path],
    patterns: tuple[str, ...],
    paths: list[Path],
    count: Callable[[], int] | None = None,
) -> list[Path]:
    """The manifests that changed since the base ref; a note for each one deleted, and one
    when none changed of the `count()` manifests under `paths` (default: of `files`)."""
    from checker import engine, gitrepo
    from checker.notes import note

    try:
        picked, deleted = git_run.select(files, patterns, paths)
    except gitrepo.GitError as exc:
        raise UsageError(str(exc)) from None
    for rel in deleted:
        note(
            f"note: {engine.display_path(git_run.root / rel)} was deleted since {git_run.base_label}; nothing to check"
        )
    if not picked and (total := count() if count is not None else len(files)):
        note(f"none of the {total} manifests changed since {git_run.base_label}")
    return picked
