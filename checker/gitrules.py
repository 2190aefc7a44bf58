"""The git-aware rules (AIP-GIT-001..005) and the facts they read.

The rules are plain functions of (manifest, manifest at the base ref or None,
GitFacts): they never run git. GitRun gathers the facts for a whole run at
once (one `git ls-files`, one history walk, one diff) through checker.gitrepo,
so a run with 200 manifests costs a handful of git processes, not hundreds.

Choices the spec leaves open, made here:
- `--changed-since REF` compares with the commit where the current branch
  left REF (the merge base, as a pull request does), or with REF itself when
  there is none (unrelated or shallow histories). Untracked files that
  .gitignore does not ignore count as added.
- AIP-GIT-002 reads the date a file was last committed (committer date, on
  the history of HEAD). A file with uncommitted changes counts as changed
  today, so a pre-commit run that updates the evidence is not blocked by the
  old date. In a shallow clone a date at the clone's boundary is only an
  upper bound: it is reported only when even that date is too old.
  It judges evidence files only (spec A3): `outcome_accuracy.evidence_ref`
  against twice the accuracy cadence, and each source's
  `validation.evidence_ref` (the output of its last validation run) against
  twice its `refresh.schedule` when that is a duration (P1D, 12h, weekly),
  otherwise twice the accuracy cadence; with neither it is skipped (a cron
  schedule says when data arrives, not how often evidence is due). A
  `validation.suite_ref` is a definition and never stale.
- AIP-GIT-003 reads the first of .github/CODEOWNERS, CODEOWNERS and
  docs/CODEOWNERS in the working tree, the order GitHub uses.
- AIP-GIT-005 dates a pilot by the author date (UTC) of the commit where the
  manifest's `stage` last became `pilot` (checker.portfolio.history), and is
  stuck from the day after `stuck-after` calendar months have passed (the
  portfolio's definition). Only manifests whose own stage is `pilot` cost a
  history walk (one for all of them). A manifest moved to pilot but not yet
  committed is not stuck. In a shallow clone a date at the clone's first commit
  is only an upper bound: it is reported only when even that date is too old.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from checker import gitrepo
from checker.checks import values
from checker.checks.rules import _URL, P_VALUE_METHODS, PEOPLE, lower_is_better, refs_of, resolve_ref
from checker.manifest import Manifest, PathT, json_path
from checker.policy import Problem

if TYPE_CHECKING:
    from checker.options import Options
    from checker.policy import Rule

NEEDS_GIT, NEEDS_BASE = "git", "git-base"
STUCK_IN_PILOT = "AIP-GIT-005"
DEFAULT_STUCK_AFTER = 14  # checker.portfolio.DEFAULT_STUCK_AFTER, without importing the portfolio  # rule tags: what a rule needs to be evaluated at all
STAGE_ORDER = {"exploration": 0, "pilot": 1, "production": 2}  # `retired` is an end, not a step back
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order


def skipped(rule: Rule, facts: GitFacts | None) -> bool:
    """A rule tagged `git` needs a repository; `git-base` also needs a base ref."""
    if NEEDS_GIT in rule.tags and facts is None:
        return True
    return NEEDS_BASE in rule.tags and (facts is None or facts.base_label is None)


# -- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    date: datetime.date  # when the file last changed, by commit date
    at_or_before: bool = False  # the commit is a shallow clone's boundary: the real date may be older


@dataclass
class GitFacts:
    """What git knows about one manifest and the files it refers to."""

    root: Path
    path: str  # the manifest, repository-relative, `/`-separated
    stage: str | None = None  # the manifest's own stage (before --stage)
    base: Manifest | None = None  # the manifest at the base ref (None: new file, or no base ref)
    base_label: str | None = None  # the base ref as the user named it; None without --changed-since
    tracked: Collection[str] | None = None  # tracked paths among the refs; None: git could not say
    changed: Mapping[str, Changed] = field(default_factory=dict)  # last change of evidence files
    dirty: Collection[str] = ()  # evidence files with uncommitted changes
    codeowners: CodeOwners | None = None
    # AIP-GIT-005: the manifest's stage changes by git history, oldest first (checker.portfolio.StageChange);
    # None when not asked for (not at pilot, rule off) or git could not tell.
    stage_history: list[Any] | None = None
    stuck_after: int = 14  # months at pilot before a pilot is stuck (config `stuck-after`)


def repo_path(root: Path, ref: Any) -> str | None:
    """A local `*_ref` as a repository-relative `/` path, or None (a URL, a placeholder,
    or a path that leaves the repository: AIP-REF-001 reports those)."""
    if not isinstance(ref, str) or not values.answered(ref) or _URL.match(ref.strip()):
        return None
    text = ref.strip()
    target, refused = resolve_ref(root, text)
    if refused or target is None:
        return None
    rel = os.path.normpath(text.replace("\\", "/")).replace(os.sep, "/")
    if rel in (".", "") or rel.startswith("../"):
        return None
    return PurePosixPath(rel).as_posix()


def _local_refs(m: Manifest, root: Path) -> Iterator[tuple[PathT, str, str]]:
    """(manifest path, ref as written, repository path) for each local `*_ref`."""
    for path, ref in refs_of(m):
        rel = repo_path(root, ref)
        if rel is not None:
            yield path, ref.strip(), rel


def _evidence(m: Manifest) -> Iterator[tuple[PathT, Any, datetime.timedelta, str]]:
    """(path, ref, cadence, where the cadence comes from) for AIP-GIT-002: evidence files
    only (spec A3). A validation suite (`suite_ref`) is a definition and is never stale."""
    accuracy = m.get(("monitoring", "outcome_accuracy"))
    accuracy = accuracy if isinstance(accuracy, dict) else {}
    cadence = values.duration(accuracy.get("cadence"))
    if cadence is not None and "evidence_ref" in accuracy:
        yield (
            ("monitoring", "outcome_accuracy", "evidence_ref"),
            accuracy["evidence_ref"],
            cadence,
            "monitoring.outcome_accuracy.cadence",
        )
    sources = m.get(("data", "sources"))
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, dict) or not isinstance(source.get("validation"), dict):
            continue
        if "evidence_ref" not in source["validation"]:
            continue
        refresh = source.get("refresh") if isinstance(source.get("refresh"), dict) else {}
        schedule = values.duration(refresh.get("schedule"))
        path: PathT = ("data", "sources", index, "validation", "evidence_ref")
        if schedule is not None:
            yield path, source["validation"]["evidence_ref"], schedule, f"data.sources[{index}].refresh.schedule"
        elif cadence is not None:
            yield path, source["validation"]["evidence_ref"], cadence, "monitoring.outcome_accuracy.cadence"


class GitRun:
    """The git side of one `aipolicy check` run, inside one repository."""

    def __init__(
        self, root: Path, base: str | None = None, base_label: str | None = None, max_bytes: int = 1024 * 1024
    ) -> None:
        self.root = root
        self.base = base  # commit to compare with (GIT-001), None without --changed-since
        self.base_label = base_label
        self.max_bytes = max_bytes
        self.renamed_from: dict[str, str] = {}  # new path -> old path, since the base
        self.added: set[str] = set()
        self._facts: dict[str, GitFacts | None] = {}
        self._codeowners: CodeOwners | bool | None = False  # False: not read yet
        self.failure: str | None = None  # what git said when it could not answer: git rules skipped since

    # -- selection (--changed-since) --

    def select(self, files: list[Path], patterns: Iterable[str], paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
        """The files that changed since the base, and the manifests deleted since then
        (repository-relative) that lie under `paths`."""
        from checker.discover import is_manifest_name

        assert self.base is not None
        patterns = tuple(patterns)
        changed: set[str] = set()
        deleted: list[str] = []
        for change in gitrepo.changes(self.root, self.base):
            if change.status == "D":
                deleted.append(change.path)
                continue
            changed.add(change.path)
            if change.status == "R" and change.old_path:
                if not is_manifest_name(PurePosixPath(change.path).name, patterns) or self._same_system(
                    change.old_path, change.path
                ):
                    self.renamed_from[change.path] = change.old_path
                else:  # git paired two similar manifests of different systems
                    deleted.append(change.old_path)
                    self.added.add(change.path)
            elif change.status == "A":
                self.added.add(change.path)
        picked = [f for f in files if self.relative(f) in changed]
        scopes = [Path(p).resolve() for p in paths]
        gone = [
            rel
            for rel in deleted
            if is_manifest_name(PurePosixPath(rel).name, patterns)
            and any(_below(self.root / rel, scope) for scope in scopes)
        ]
        return picked, sorted(gone)

    def _same_system(self, old: str, new: str) -> bool:
        """Manifests of one template look alike to git's rename detection; a rename
        keeps `system.id`. When either side cannot tell, git's pairing stands."""
        from checker import manifest as manifest_mod
        from checker import safeio

        assert self.base is not None
        raw = gitrepo.blob(self.root, self.base, old, self.max_bytes)
        try:  # the working-tree file is the repository's: contained, capped, never blocking
            now = safeio.read(self.root / new, self.max_bytes, self.root)
        except safeio.ReadError:
            return True
        ids = []
        for data in (raw, now):
            loaded = manifest_mod.load(data, new) if data is not None else None
            system = loaded.data.get("system") if isinstance(loaded, Manifest) else None
            ids.append(system.get("id") if isinstance(system, dict) else None)
        return None in ids or ids[0] == ids[1]

    def relative(self, file: Path) -> str | None:
        """`file` relative to the repository root (`/`-separated), or None when outside it."""
        try:
            real = Path(os.path.abspath(file))
            real = real.parent.resolve() / real.name  # resolve folders, not a symlinked manifest itself
            return real.relative_to(self.root).as_posix()
        except (ValueError, OSError, RuntimeError):
            return None

    # -- facts for the rules --

    def prepare(self, manifests: Mapping[Path, Manifest], options: Options) -> None:
        """Gather the facts of every manifest of the run with as few git processes as possible."""
        todo = {file: m for file, m in manifests.items() if m.path not in self._facts}
        if not todo:
            return
        facts: dict[str, GitFacts] = {}
        refs: set[str] = set()
        evidence: set[str] = set()
        pilots: set[str] = set()
        for file, m in todo.items():
            rel = self.relative(file)
            if rel is None or gitrepo.find_root(file) != self.root:
                self._facts[m.path] = None  # another repository (a submodule) or none: no git facts
                continue
            stage = m.data.get("stage") if isinstance(m.data.get("stage"), str) else None
            facts[m.path] = GitFacts(self.root, rel, stage, base_label=self.base_label)
            refs.update(rel_ref for _, _, rel_ref in _local_refs(m, self.root))
            if _wanted(options, file, m, "AIP-GIT-002"):
                evidence.update(p for _, ref, _, _ in _evidence(m) if (p := repo_path(self.root, ref)))
            if stage == "pilot" and _wanted(options, file, m, STUCK_IN_PILOT):
                pilots.add(rel)
        try:
            tracked, changed, dirty = self._history(refs, evidence)
        except gitrepo.GitError as exc:  # a damaged repository: these manifests are checked without git
            self.failure = self.failure or str(exc)
            self._facts.update((m.path, None) for m in todo.values())
            return
        owners = self.codeowners()
        histories = self._stage_histories(pilots)
        stuck_after = getattr(getattr(options, "config", None), "stuck_after", None) or DEFAULT_STUCK_AFTER
        for m in todo.values():
            f = facts.get(m.path)
            if f is None:
                continue
            f.tracked, f.changed, f.dirty, f.codeowners = tracked, changed, dirty, owners
            f.stage_history, f.stuck_after = histories.get(f.path), stuck_after
            if self.base is not None:
                f.base = self._base_manifest(f.path)
            self._facts[m.path] = f

    def _history(
        self, refs: set[str], evidence: set[str]
    ) -> tuple[Collection[str] | None, dict[str, Changed], set[str]]:
        """Which refs are tracked, when each evidence file last changed, which have uncommitted changes."""
        if self.failure is not None:
            raise gitrepo.GitError(self.failure)
        tracked = gitrepo.tracked(self.root, refs) if refs else set()
        changed: dict[str, Changed] = {}
        dirty: set[str] = set()
        if evidence:  # the only fact that needs history: GitPython is imported here, not before
            shallow = gitrepo.shallow_commits(self.root)
            for path, last in gitrepo.last_changes(self.root, evidence).items():
                when = gitrepo.utc_day(last.timestamp)
                changed[path] = Changed(when, last.commit in shallow)
            dirty = gitrepo.dirty(self.root, evidence)
        return tracked, changed, dirty

    def _stage_histories(self, pilots: set[str]) -> dict[str, list[Any]]:
        """AIP-GIT-005's facts: one history walk for every pilot of the batch, none without one."""
        if not pilots or self.failure is not None:
            return {}
        from checker.portfolio.history import stage_histories

        return stage_histories(self.root, sorted(pilots), self.max_bytes)

    def facts(self, m: Manifest, options: Options) -> GitFacts | None:
        if m.path not in self._facts:  # a manifest checked outside engine.run: gather its facts alone
            self.prepare({Path(m.path): m}, options)
        return self._facts.get(m.path)

    def _base_manifest(self, rel: str) -> Manifest | None:
        from checker import manifest as manifest_mod

        assert self.base is not None
        if rel in self.added:
            return None
        old = self.renamed_from.get(rel, rel)
        raw = gitrepo.blob(self.root, self.base, old, self.max_bytes)
        if raw is None:
            return None
        loaded = manifest_mod.load(raw, f"{self.base_label}:{old}")
        return loaded if isinstance(loaded, Manifest) else None  # a broken old version compares with nothing

    def codeowners(self) -> CodeOwners | None:
        if self._codeowners is False:
            self._codeowners = CodeOwners.find(self.root)
        return self._codeowners  # type: ignore[return-value]

    def close(self) -> None:
        gitrepo.close(self.root)


def _below(path: Path, scope: Path) -> bool:
    return path == scope or scope in path.parents


def _wanted(options: Options, file: Path, m: Manifest, rule_id: str) -> bool:
    """Will `rule_id` be evaluated and reported for this manifest?"""
    opts = options.for_path(file) if hasattr(options, "for_path") else options
    rule = opts.effective_policy().rules.get(rule_id)
    stage = opts.stage or m.data.get("stage")
    if rule is None or not isinstance(stage, str):
        return False
    selected = getattr(opts, "select", None)
    if (selected is not None and rule_id not in selected) or rule_id in getattr(opts, "ignore", ()):
        return False
    return rule.severity_at(stage, m.data.get("risk_tier") == "high") is not None


# -- where the run starts -----------------------------------------------------------------------


def _root(cwd: Path, paths: Iterable[Path]) -> Path | None:
    """The repository of the current folder, else of the first path inside one."""
    return gitrepo.find_root(cwd) or next((r for p in paths if (r := gitrepo.find_root(p)) is not None), None)


class Unreadable(gitrepo.GitError):
    """A repository git cannot read (a damaged `.git`): the git rules are skipped, as
    outside a repository; str() says what git said."""


def open_run(
    cwd: Path, paths: Iterable[Path], ref: str | None, max_bytes: int, option: str = "--changed-since"
) -> GitRun | None:
    """The git side of a run: None outside a repository (or without git), when the
    git rules are skipped; Unreadable when git cannot read the repository and there is
    no `ref`. With `ref`, the base to compare with; a ref that cannot be used is a
    GitError whose message names it and says how to get it."""
    root = _root(cwd, paths)
    if root is None or not gitrepo.available():
        if ref is not None:
            where = "git is not installed" if root is not None else "this is not inside a git repository"
            raise gitrepo.GitError(f"{option} {ref}: {where}; run without it to check every manifest")
        return None
    try:
        gitrepo.check(root)
    except gitrepo.GitError as exc:
        said = f"git cannot read the repository at {root}: {exc}"
        if ref is not None:
            raise gitrepo.GitError(f"{option} {_shown(ref)}: {said}") from None
        raise Unreadable(said) from None
    if ref is None:
        return GitRun(root, max_bytes=max_bytes)
    try:
        target = gitrepo.resolve(root, ref)
    except gitrepo.GitError:
        message = _missing_ref(root, ref, option)
        gitrepo.close(root)
        raise gitrepo.GitError(message) from None
    head = gitrepo.head(root)
    # Compare with where this branch left the base, as a pull request does; in a
    # shallow clone that point may be cut off, and the base itself is the best guess.
    base = (gitrepo.merge_base(root, target, head) if head else None) or target
    return GitRun(root, base, ref, max_bytes)


def _shown(ref: str) -> str:
    """A ref in a message: as given when plain, quoted when it holds odd characters."""
    return ref if re.fullmatch(r"[\w./~^@{}:+-]+", ref) else repr(ref)


def _missing_ref(root: Path, ref: str, option: str) -> str:
    import shlex

    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r"):
        return f"{option} {ref!r}: not a branch, tag or commit name"
    remote, _, branch = ref.partition("/")
    # A command to paste into a shell: the ref is quoted, so a ref such as `x;rm -rf ~` stays a name.
    fetch = f"git fetch origin {shlex.quote(branch if remote == 'origin' and branch else ref)}"
    if gitrepo.is_shallow(root):
        return (
            f"{option} {ref}: the base ref is not in this clone, which is shallow (fetched with --depth). "
            f"Fetch the history first: in GitHub Actions give actions/checkout `fetch-depth: 0`, "
            f"or run `{fetch}`"
        )
    if gitrepo.head(root) is None:
        return f"{option} {ref}: no such commit: this repository has no commits yet"
    if re.fullmatch(r"HEAD|[0-9a-fA-F]{7,64}|.*[~^@:].*", ref):
        return f"{option} {ref}: no such commit in this repository"
    return (
        f"{option} {ref}: no such branch, tag or commit in this repository; "
        f"if it is a branch of the remote, run `{fetch}` first"
    )


def pull_request_base(environ: Mapping[str, str]) -> str | None:
    """--changed-only: the base branch of a GitHub pull request, or None outside one."""
    branch = environ.get("GITHUB_BASE_REF", "").strip()
    return branch or None


def resolve_pull_request_base(cwd: Path, paths: Iterable[Path], branch: str) -> str:
    """`origin/<branch>` when that exists locally, else `<branch>`; when neither does,
    `origin/<branch>`, which open_run then reports missing, with the fix."""
    root = _root(cwd, paths)
    if root is not None and gitrepo.available():
        for candidate in (f"origin/{branch}", branch):
            try:
                gitrepo.resolve(root, candidate)
                return candidate
            except gitrepo.GitError:
                continue
    return f"origin/{branch}"


def would_apply(report: Any, policy: Any, selected: Collection[str] | None, ignored: Collection[str]) -> bool:
    """Would a git rule have been evaluated for some manifest of this report?"""
    rules = [
        r
        for r in policy.rules.values()
        if NEEDS_GIT in r.tags and (selected is None or r.id in selected) and r.id not in ignored
    ]
    return any(result.stage and r.severity_at(result.stage) is not None for result in report.results for r in rules)


def note(message: str) -> None:
    from checker import notes

    notes.note(message)


# -- AIP-GIT-001 weakened-commitment -------------------------------------------------------------

DURATIONS: tuple[PathT, ...] = (
    ("rollback", "rto"),
    ("monitoring", "outcome_accuracy", "cadence"),
    ("monitoring", "outcome_accuracy", "label_delay"),
    ("retraining", "cadence"),
    ("retraining", "max_model_age"),
    ("retraining", "approval", "max_lead_time"),
)
NOT_SECTIONS = frozenset({"apiVersion", "system", "stage", "waivers"})  # compared otherwise, or not a commitment
SELF = frozenset({"aip-git-001", "weakened-commitment"})


def _dotted(path: PathT) -> str:
    return json_path(path)[2:]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _get(data: Any, path: PathT) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _person_name(value: Any) -> str | None:
    if isinstance(value, dict) and values.answered(value.get("name")) and isinstance(value.get("name"), str):
        return value["name"].strip()
    return None


class _Report:
    """Problems of one comparison; nothing is reported below something already reported gone."""

    def __init__(self, since: str) -> None:
        self.since = since
        self.problems: list[Problem] = []
        self.gone: list[PathT] = []

    def under_gone(self, path: PathT) -> bool:
        return any(path[: len(g)] == g for g in self.gone)

    def removed(self, path: PathT, what: str) -> None:
        """`path` is gone from the new file: reported at its parent's key line there
        (Problem.missing), and nothing below it is reported again."""
        if self.under_gone(path):
            return
        self.gone.append(path)
        self.problems.append(Problem(path, f"{what} removed {self.since}", missing=True))

    def add(self, path: PathT, message: str, missing: bool = False) -> None:
        if not self.under_gone(path):
            self.problems.append(Problem(path, f"{message} {self.since}", missing=missing))


def weakened_commitment(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    """Each commitment that got weaker since the base ref, at its line in the new file."""
    if base is None or not isinstance(base.data, dict):
        return []
    new, old = m.data, base.data
    out = _Report(f"since {facts.base_label or 'the base ref'}")
    _stage(out, facts.stage, old.get("stage"))
    _sections(out, new, old)
    _people(out, new, old)
    _drift(out, new, old)
    _named(out, new, old, ("monitoring", "alerts"), "alert")
    _sources(out, new, old)
    _triggers(out, new, old)
    _accuracy(out, new, old)
    _durations(out, new, old)
    _waivers(out, new, old)
    return out.problems


def _stage(out: _Report, new: Any, old: Any) -> None:
    if new in STAGE_ORDER and old in STAGE_ORDER and STAGE_ORDER[new] < STAGE_ORDER[old]:
        out.add(("stage",), f"stage moved back from {old} to {new}")


def _people(out: _Report, new: dict, old: dict) -> None:
    for path in PEOPLE:
        name = _person_name(_get(old, path))
        if name is not None and _person_name(_get(new, path)) is None:
            out.removed(path, f"owner `{_dotted(path)}` ({name})")


def _sections(out: _Report, new: dict, old: dict) -> None:
    """Top-level sections and the sections inside them (`monitoring.outcome_accuracy`)."""
    for key, value in old.items():
        if not isinstance(key, str) or key in NOT_SECTIONS or key.startswith("x-"):
            continue
        if not isinstance(value, (dict, list)) or not values.answered(value):
            continue
        if not values.answered(new.get(key)):
            out.removed((key,), f"section `{key}`")
            continue
        if not isinstance(value, dict) or not isinstance(new.get(key), dict):
            continue
        for sub, inner in value.items():
            if not isinstance(sub, str) or sub.startswith("x-"):
                continue
            if (key, sub) in PEOPLE:
                continue  # reported as an owner
            if isinstance(inner, (dict, list)) and values.answered(inner) and not values.answered(new[key].get(sub)):
                out.removed((key, sub), f"section `{key}.{sub}`")


def _items(data: dict, path: PathT) -> list[tuple[int, dict]]:
    found = _get(data, path)
    return [(i, item) for i, item in enumerate(found) if isinstance(item, dict)] if isinstance(found, list) else []


def _drift_label(monitor: dict) -> str:
    features = monitor.get("features")
    names = f" [{', '.join(map(str, features))}]" if isinstance(features, list) and features else ""
    return f"`{monitor.get('target')}`{names}"


def _drift(out: _Report, new: dict, old: dict) -> None:
    base: PathT = ("monitoring", "drift")
    olds, news = _items(old, base), _items(new, base)

    def feats(monitor: dict) -> tuple[str, ...]:
        features = monitor.get("features")
        return tuple(sorted(map(str, features))) if isinstance(features, list) else ()

    pairs: list[tuple[dict, int, dict]] = []
    free = list(news)
    # Identity: target + method (+ features); then target + method alone, so a
    # monitor that lost features is compared rather than called removed.
    for exact in (True, False):
        left = []
        for _, before in olds:
            key = (before.get("target"), before.get("method")) + ((feats(before),) if exact else ())
            match = next(
                (
                    n
                    for n in free
                    if (n[1].get("target"), n[1].get("method")) + ((feats(n[1]),) if exact else ()) == key
                ),
                None,
            )
            if match is None:
                left.append((0, before))
                continue
            free.remove(match)
            pairs.append((before, match[0], match[1]))
        olds = left
    for _, before in olds:
        other = [n for _, n in free if n.get("target") == before.get("target")]
        hint = (
            (
                f" (a `{before.get('target')}` monitor with {other[0].get('method')} was added: "
                "if it is at least as strict, accept the change with a waiver)"
            )
            if other
            else ""
        )
        # At the list's key line; one monitor gone does not hide the others.
        out.add(base, f"drift monitor {_drift_label(before)} with {before.get('method')} removed", missing=True)
        if hint:
            out.problems[-1] = Problem(base, out.problems[-1].message + hint, missing=True)
    for before, index, after in pairs:
        path = base + (index,)
        dropped = [f for f in feats(before) if f not in feats(after)]
        if dropped:
            out.add(
                path + ("features",), f"drift monitor {_drift_label(before)} no longer watches {', '.join(dropped)}"
            )
        t_old, t_new, method = _num(before.get("threshold")), _num(after.get("threshold")), after.get("method")
        if t_old is not None and t_new is None and "threshold" not in after:
            out.add(path, f"drift threshold for {_drift_label(after)} ({t_old:g}) removed")
        elif t_old is not None and t_new is not None:
            p_value = method in P_VALUE_METHODS  # alarms fire when p drops below: lower is laxer
            if (t_new < t_old) if p_value else (t_new > t_old):
                verb = "lowered" if p_value else "raised"
                out.add(
                    path + ("threshold",),
                    f"drift threshold for {_drift_label(after)} {verb} from {t_old:g} to {t_new:g}",
                )


def _named(out: _Report, new: dict, old: dict, base: PathT, noun: str) -> list[tuple[dict, int, dict]]:
    """Items matched by `name`; unmatched old ones are reported removed at the list's key."""
    news = {item.get("name"): (i, item) for i, item in reversed(_items(new, base)) if isinstance(item.get("name"), str)}
    pairs = []
    for _, before in _items(old, base):
        name = before.get("name")
        if not isinstance(name, str):
            continue
        if name in news:
            pairs.append((before, *news[name]))
        else:
            out.add(base, f"{noun} `{name}` removed", missing=True)
    return pairs


def _sources(out: _Report, new: dict, old: dict) -> None:
    base: PathT = ("data", "sources")
    for before, index, after in _named(out, new, old, base, "data source"):
        name = _person_name(before.get("owner"))
        if name is not None and _person_name(after.get("owner")) is None:
            out.add(base + (index,), f"owner of data source `{after.get('name')}` ({name}) removed")
        if values.answered(before.get("validation")) and not values.answered(after.get("validation")):
            out.add(base + (index,), f"validation of data source `{after.get('name')}` removed")


def _triggers(out: _Report, new: dict, old: dict) -> None:
    path: PathT = ("retraining", "triggers")
    before, after = _get(old, path), _get(new, path)
    if not isinstance(before, list) or not isinstance(after, list) or not after:
        return  # a removed list is reported as a removed section
    lost = [t for t in before if isinstance(t, str) and t not in after]
    if lost:
        out.add(path, f"retraining trigger{'s' if len(lost) > 1 else ''} {', '.join(f'`{t}`' for t in lost)} removed")


def _accuracy(out: _Report, new: dict, old: dict) -> None:
    base: PathT = ("monitoring", "outcome_accuracy")
    before, after = _get(old, base), _get(new, base)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return
    metric = after.get("metric")
    if before.get("metric") not in (None, metric):
        return  # another metric: thresholds on different scales do not compare
    t_old, t_new = _num(before.get("threshold")), _num(after.get("threshold"))
    shown = f"`{metric}`" if isinstance(metric, str) else "outcome accuracy"
    if t_old is not None and t_new is None and "threshold" not in after:
        out.add(base + ("threshold",), f"accuracy threshold for {shown} ({t_old:g}) removed", missing=True)
    elif t_old is not None and t_new is not None:
        if lower_is_better(metric) and t_new > t_old:
            out.add(
                base + ("threshold",),
                f"accuracy threshold for {shown} raised from {t_old:g} to {t_new:g} (lower is better)",
            )
        elif not lower_is_better(metric) and t_new < t_old:
            out.add(base + ("threshold",), f"accuracy threshold for {shown} lowered from {t_old:g} to {t_new:g}")


def _durations(out: _Report, new: dict, old: dict) -> None:
    for path in DURATIONS:
        before, after = _get(old, path), _get(new, path)
        d_old, d_new = values.duration(before), values.duration(after)
        if d_old is None:
            continue
        if after is None and isinstance(_get(new, path[:-1]), dict):
            out.add(path, f"`{_dotted(path)}` ({before}) removed", missing=True)
        elif d_new is not None and d_new > d_old:
            out.add(path, f"`{_dotted(path)}` lengthened from {before} to {after}")


def _waiver_key(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
        return None
    path = str(item.get("path") or "").strip().lstrip("$").lstrip(".")
    return item["rule"].strip().lower(), path


def _waivers(out: _Report, new: dict, old: dict) -> None:
    before = {}
    for item in old.get("waivers") if isinstance(old.get("waivers"), list) else []:
        key = _waiver_key(item)
        if key is not None:
            before[key] = values.date(item.get("expires"))
    for index, item in enumerate(new.get("waivers") if isinstance(new.get("waivers"), list) else []):
        key = _waiver_key(item)
        if key is None or key[0] in SELF:  # a waiver of this rule is how a weakening is accepted
            continue
        where = f" at `{key[1]}`" if key[1] else ""
        if key not in before:
            out.add(("waivers", index), f"waiver for {item['rule']}{where} added")
            continue
        old_expiry, new_expiry = before[key], values.date(item.get("expires"))
        if old_expiry is not None and new_expiry is not None and new_expiry > old_expiry:
            out.add(
                ("waivers", index, "expires"),
                f"waiver for {item['rule']}{where} extended from {old_expiry} to {new_expiry}",
            )


# -- AIP-GIT-002 stale-evidence ----------------------------------------------------------------


def stale_evidence(
    m: Manifest,
    base: Manifest | None,
    facts: GitFacts,
    today: datetime.date,
    fails_from: Callable[[PathT, datetime.date, str], bool] | None = None,
) -> list[Problem]:
    """Evidence files whose last commit is older than twice their cadence. `fails_from` is
    RuleContext.fails_from (it also declares the day fresh evidence goes stale, for
    AIP-DUE-001); without it the day is compared with `today`."""
    due = fails_from or (lambda path, day, what: today >= day)
    out = []
    for path, ref, cadence, source in _evidence(m):
        rel = repo_path(facts.root, ref)
        if rel is None or rel in facts.dirty:
            continue  # a URL, outside the repository, or changed right now
        last = facts.changed.get(rel)
        if last is None:
            continue  # never committed: AIP-GIT-004 or AIP-REF-001 says so
        limit = values.show_duration(cadence)
        if not due(
            path,
            values.first_day_over(last.date, 2 * cadence),
            f"`{_dotted(path)}` {ref!r} (last changed in git on {last.date}) goes stale, "
            f"older than twice its {limit} cadence,",
        ):
            continue
        age = today - last.date
        when = f"on or before {last.date} (the start of this shallow clone)" if last.at_or_before else f"on {last.date}"
        out.append(
            Problem(
                path,
                (
                    f"`{_dotted(path)}` {ref!r} last changed in git {when}, {age.days} days ago: "
                    f"more than twice its {limit} cadence (`{source}`); commit fresh evidence"
                ),
            )
        )
    return out


# -- AIP-GIT-005 stuck-in-pilot -----------------------------------------------------------------


def stuck_in_pilot(
    m: Manifest,
    base: Manifest | None,
    facts: GitFacts,
    today: datetime.date,
    fails_from: Callable[[PathT, datetime.date, str], bool] | None = None,
) -> list[Problem]:
    """At `stage: pilot` for more than `stuck-after` months by git history. `fails_from` is
    RuleContext.fails_from (a pilot not stuck yet declares the day it will be)."""
    from checker.portfolio import add_months
    from checker.portfolio.render import months_between

    history = facts.stage_history
    if facts.stage != "pilot" or not history or history[-1].stage != "pilot":
        return []  # another stage, no history, or moved to pilot since the last commit
    entry = history[-1]
    months = facts.stuck_after
    due = fails_from or (lambda path, day, what: today >= day)
    limit = add_months(entry.since, months)
    if limit >= datetime.date.max:
        return []  # a git date at the calendar's end: never stuck
    first = limit + datetime.timedelta(days=1)
    if not due(
        ("stage",),
        first,
        f"`stage: pilot` since {entry.since} (commit {entry.commit[:12]}) passes the {months}-month stuck-after limit",
    ):
        return []
    spent = months_between(entry.since, today)  # not a loop of add_months: that stops growing at date.max
    when = (
        f"{entry.since} or earlier (commit {entry.commit[:12]}, the first of this shallow clone)"
        if entry.at_or_before
        else f"{entry.since} (commit {entry.commit[:12]})"
    )
    return [
        Problem(
            ("stage",),
            (
                f"at `stage: pilot` since {when} by git history: {spent} months, past the "
                f"{months}-month stuck-after limit since {first}; decide: promote to production, re-scope or retire"
            ),
        )
    ]


# -- AIP-GIT-003 codeowners ---------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerRule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass
class CodeOwners:
    """A CODEOWNERS file, matched as GitHub documents it: gitignore-like patterns,
    the last matching line wins, and a line without owners leaves a path unowned."""

    source: str  # repository-relative path of the file
    rules: list[OwnerRule]

    @classmethod
    def find(cls, root: Path) -> CodeOwners | None:
        from checker import safeio

        for rel in CODEOWNERS_LOCATIONS:
            path = root / rel
            if path.is_file():
                try:  # contained in the repository (a symlink may not lead outside), capped, never blocking
                    text = safeio.read(path, safeio.MAX_SETTINGS_BYTES, root).decode("utf-8", "replace")
                except safeio.ReadError:
                    continue
                return cls.parse(text, rel)
        return None

    @classmethod
    def parse(cls, text: str, source: str = "CODEOWNERS") -> CodeOwners:
        rules = []
        for number, raw in enumerate(text.splitlines(), start=1):
            parsed = _parse_line(raw)
            if parsed is None:
                continue
            pattern, owners = parsed
            regex = _compile_pattern(pattern)
            if regex is not None:
                rules.append(OwnerRule(number, pattern, owners, regex))
        return cls(source, rules)

    def match(self, path: str) -> OwnerRule | None:
        """The rule that decides who owns `path` (repository-relative), or None."""
        for rule in reversed(self.rules):
            if rule.regex.match(path):
                return rule
        return None


def _parse_line(raw: str) -> tuple[str, tuple[str, ...]] | None:
    line = raw.strip()
    if not line or line.startswith("#"):
        return None
    # `#` at the start of a word starts a comment (GitHub: `\#` does not escape it);
    # a backslash keeps the next character in the word (`\ ` for a space in a path).
    tokens: list[str] = []
    current = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current += line[i : i + 2]
            i += 2
            continue
        if ch == "#" and not current:
            break
        if ch.isspace():
            if current:
                tokens.append(current)
                current = ""
        else:
            current += ch
        i += 1
    if current:
        tokens.append(current)
    if not tokens:
        return None
    return tokens[0], tuple(tokens[1:])


def _compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """A CODEOWNERS pattern as a regex over repository-relative paths; None for syntax
    GitHub does not support (`!` negation, `[ ]` ranges): such lines are skipped."""
    if pattern.startswith("!") or "[" in pattern or "]" in pattern:
        return None
    text = re.sub(r"\\(.)", r"\1", pattern)
    directory = text.endswith("/")
    # A slash at the start or in the middle anchors the pattern at the root.
    anchored = "/" in text.rstrip("/")
    body = text.strip("/")
    if not body:
        return None
    parts = body.split("/")
    out = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        piece = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in part)
        out.append(piece if last else piece + "/")
    regex = "".join(out)
    prefix = "" if anchored else "(?:[^/]+/)*"
    wild_end = any(ch in parts[-1] for ch in "*?") and parts[-1] != "**"
    if directory:
        suffix = "/.*"  # `apps/`: a folder, and everything in it
    elif wild_end:
        suffix = ""  # `docs/*`: the files in docs/, not those in its subfolders (GitHub's reading)
    else:
        suffix = "(?:/.*)?"  # `apps/github`: the path itself, or everything in it if it is a folder
    return re.compile(f"^{prefix}{regex}{suffix}$")


def codeowners(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    where: PathT = ("owners",)
    owners = facts.codeowners
    if owners is None:
        return [
            Problem(
                where,
                (
                    f"no CODEOWNERS file (looked for {', '.join(CODEOWNERS_LOCATIONS)}): add .github/CODEOWNERS with a line "
                    f"such as `/{_escape(facts.path)} @owner` so changes to this manifest need its owners' review"
                ),
                missing=True,
            )
        ]
    rule = owners.match(facts.path)
    if rule is None:
        return [
            Problem(
                where,
                (
                    f"`{facts.path}` has no entry in {owners.source}: add a line such as `/{_escape(facts.path)} @owner` "
                    "so changes to this manifest need its owners' review"
                ),
                missing=True,
            )
        ]
    if not rule.owners:
        return [
            Problem(
                where,
                (
                    f"`{facts.path}` is left without owners by {owners.source}:{rule.line} (`{rule.pattern}` names nobody, "
                    "and the last matching line wins): give that line an owner or add a later one for this manifest"
                ),
                missing=True,
            )
        ]
    return []


def _escape(path: str) -> str:
    return path.replace(" ", "\\ ")


# -- AIP-GIT-004 untracked-ref ------------------------------------------------------------------


def untracked_refs(m: Manifest, base: Manifest | None, facts: GitFacts) -> list[Problem]:
    if facts.tracked is None:
        return []  # git could not list the index: say nothing rather than guess
    out = []
    for path, ref, rel in _local_refs(m, facts.root):
        if rel in facts.tracked or not (facts.root / rel).exists():
            continue  # tracked, or missing altogether (AIP-REF-001 reports that)
        out.append(
            Problem(
                path,
                (
                    f"`{_dotted(path)}` {ref!r} exists here but is not tracked by git: it will not exist in CI "
                    f"or for reviewers; `git add {_quote(rel)}` (or check .gitignore)"
                ),
            )
        )
    return out


def _quote(path: str) -> str:
    return f"'{path}'" if re.search(r"[^\w./-]", path) else path
