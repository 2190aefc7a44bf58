"""The git side of one `aipolicy check` run: which repository, which base ref, which
files changed since it (--changed-since), and the facts of every manifest, gathered
for the whole run at once (one `git ls-files`, one history walk, one diff) through
checker.gitrepo, so a run with 200 manifests costs a handful of git processes, not
hundreds.

Choices the spec leaves open, made here:
- `--changed-since REF` compares with the commit where the current branch
  left REF (the merge base, as a pull request does), or with REF itself when
  there is none (unrelated or shallow histories). Untracked files that
  .gitignore does not ignore count as added.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from checker import gitrepo, safeio
from checker.git.codeowners import CodeOwners
from checker.git.facts import Changed, GitFacts, _evidence, _local_refs, repo_path
from checker.git.rules import NEEDS_GIT, STUCK_IN_PILOT
from checker.manifest import Manifest
from checker.manifest import load as load_manifest

if TYPE_CHECKING:
    from checker.options import Options

DEFAULT_STUCK_AFTER = 14  # checker.portfolio.DEFAULT_STUCK_AFTER, without importing the portfolio


class GitRun:
    """The git side of one `aipolicy check` run, inside one repository."""

    def __init__(
        self,
        root: Path,
        base: str | None = None,
        base_label: str | None = None,
        max_bytes: int = 1024 * 1024,
        scope: Sequence[str] = (),
    ) -> None:
        self.root = root
        self.scope = tuple(scope)  # the run's paths, repository-relative; () for the whole repository
        self.base = base  # commit to compare with (GIT-001), None without --changed-since
        self.base_label = base_label
        self.max_bytes = max_bytes
        self.renamed_from: dict[str, str] = {}  # new path -> old path, since the base
        self.added: set[str] = set()
        self._facts: dict[str, GitFacts | None] = {}
        self._codeowners: CodeOwners | Literal[False] | None = False  # False: not read yet
        self.failure: str | None = None  # what git said when it could not answer: git rules skipped since
        self._changed: tuple[set[str], list[str]] | None = None  # since the base: (changed, deleted)
        self._old: dict[str, bytes | None] = {}  # base versions read (old path -> content) and not yet used

    # -- selection (--changed-since) --

    def changed_paths(self, patterns: Iterable[str]) -> set[str]:
        """The repository-relative paths that changed since the base (added, modified or
        renamed; not deleted), asked of git once per run: what --changed-since checks."""
        return self._changes(tuple(patterns))[0]

    def _changes(self, patterns: tuple[str, ...]) -> tuple[set[str], list[str]]:
        """(changed paths, deleted paths) since the base; renames recorded on the way."""
        from checker.discover import is_manifest_name

        assert self.base is not None
        if self._changed is not None:
            return self._changed
        changed: set[str] = set()
        deleted: list[str] = []
        renamed: list[tuple[str, str]] = []  # (old, new) of renamed manifests, paired below
        for change in gitrepo.changes(self.root, self.base, self.scope):
            if change.status == "D":
                deleted.append(change.path)
                continue
            changed.add(change.path)
            if change.status == "R" and change.old_path:
                if is_manifest_name(PurePosixPath(change.path).name, patterns):
                    renamed.append((change.old_path, change.path))
                else:
                    self.renamed_from[change.path] = change.old_path
            elif change.status == "A":
                self.added.add(change.path)
        if renamed:  # kept: the base version AIP-GIT-001 compares a renamed manifest with (_base_manifests)
            self._old.update(gitrepo.blobs_at(self.root, self.base, [old for old, _ in renamed], self.max_bytes))
        for old, new in renamed:
            if self._same_system(old, new, self._old.get(old)):
                self.renamed_from[new] = old
            else:  # git paired two similar manifests of different systems
                deleted.append(old)
                self.added.add(new)
        self._changed = (changed, deleted)
        return self._changed

    def select(self, files: list[Path], patterns: Iterable[str], paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
        """The files that changed since the base, and the manifests deleted since then
        (repository-relative) that lie under `paths`."""
        from checker.discover import is_manifest_name

        patterns = tuple(patterns)
        changed, deleted = self._changes(patterns)
        picked = [f for f in files if self.relative(f) in changed]
        scopes = [Path(p).resolve() for p in paths]
        gone = [
            rel
            for rel in deleted
            if is_manifest_name(PurePosixPath(rel).name, patterns)
            and any(_below(self.root / rel, scope) for scope in scopes)
        ]
        return picked, sorted(gone)

    def _same_system(self, old: str, new: str, raw: bytes | None) -> bool:
        """Manifests of one template look alike to git's rename detection; a rename
        keeps `system.id` (`raw`: the old file's content at the base). When either side
        cannot tell, git's pairing stands."""
        try:  # the working-tree file is the repository's: contained, capped, never blocking
            now = safeio.read(self.root / new, self.max_bytes, self.root)
        except safeio.ReadError:
            return True
        ids = []
        for data in (raw, now):
            loaded = load_manifest(data, new) if data is not None else None
            system = loaded.data.get("system") if isinstance(loaded, Manifest) else None
            ids.append(system.get("id") if isinstance(system, dict) else None)
        return None in ids or ids[0] == ids[1]

    def relative(self, file: Path) -> str | None:
        """`file` relative to the repository root (`/`-separated), or None when outside it."""
        try:
            real = Path(os.path.abspath(file))
            real = Path(safeio.realpath(os.fspath(real.parent))) / real.name  # folders, not a linked manifest
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
        bases = self._base_manifests([f.path for f in facts.values()])
        for m in todo.values():
            f = facts.get(m.path)
            if f is None:
                continue
            f.tracked, f.changed, f.dirty, f.codeowners = tracked, changed, dirty, owners
            f.stage_history, f.stuck_after = histories.get(f.path), stuck_after
            f.base = bases.get(f.path)
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
        from checker.git.history import stage_histories

        return stage_histories(self.root, sorted(pilots), self.max_bytes)

    def facts(self, m: Manifest, options: Options) -> GitFacts | None:
        if m.path not in self._facts:  # a manifest checked outside engine.run: gather its facts alone
            self.prepare({Path(m.file): m}, options)
        return self._facts.get(m.path)

    def _base_manifests(self, rels: Iterable[str]) -> dict[str, Manifest]:
        """What AIP-GIT-001 compares with: each manifest's version at the base (where a
        renamed one came from), read in one go; none for an added one or one whose old
        version is not a file, too big, or broken (a broken old version compares with nothing)."""
        if self.base is None:
            return {}
        olds = {rel: self.renamed_from.get(rel, rel) for rel in rels if rel not in self.added}
        unread = [old for old in olds.values() if old not in self._old]
        if unread:
            self._old.update(gitrepo.blobs_at(self.root, self.base, unread, self.max_bytes))
        out = {}
        for rel, old in olds.items():
            raw = self._old.pop(old, None)  # read once, used once
            loaded = load_manifest(raw, f"{self.base_label}:{old}") if raw is not None else None
            if isinstance(loaded, Manifest):
                out[rel] = loaded
        return out

    def codeowners(self) -> CodeOwners | None:
        if self._codeowners is False:
            self._codeowners = CodeOwners.find(self.root)
        return self._codeowners

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
    # Compare with where this branch left the base, as a pull request does (one git process
    # when there is such a point); in a shallow clone that point may be cut off, and the
    # base itself is the best guess.
    head = gitrepo.head(root)
    base = gitrepo.merge_base(root, head, f"{ref}^{{commit}}") if head and gitrepo.plain_ref(ref) else None
    if base is None:
        try:
            base = gitrepo.resolve(root, ref)
        except gitrepo.GitError:
            message = _missing_ref(root, ref, option)
            gitrepo.close(root)
            raise gitrepo.GitError(message) from None
    return GitRun(root, base, ref, max_bytes, _scope(root, paths))


def _scope(root: Path, paths: Iterable[Path]) -> tuple[str, ...]:
    """The run's paths relative to the repository root, for git to look for untracked
    files there only; () (the whole repository) when one of them is the root or lies
    outside it, or when there are more of them than one git command line takes (gitrepo.CHUNK)."""
    real_root = safeio.real_root(os.fspath(root))
    out: list[str] = []
    for path in paths:
        real = safeio.realpath(os.path.abspath(path))
        if real == real_root or not safeio.below(real, real_root):
            return ()
        out.append(os.path.relpath(real, real_root).replace(os.sep, "/"))
    return tuple(out) if len(out) <= gitrepo.CHUNK else ()


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
