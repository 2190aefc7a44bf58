"""Every interaction with git lives here, as small functions.

Two kinds of question, two tools:

- cheap ones asked on every run inside a repository (is this ignored? is this
  tracked? is this clone shallow?) go to the git binary directly, one process
  per batch, so a pre-commit run never imports GitPython;
- history (which files changed since a ref, a file's content at that ref,
  when a file last changed) goes through GitPython, the product's git
  library, imported only inside the functions that need it; except the
  stage history of pilots (AIP-GIT-005: `path_versions`, `blobs`), which a
  pre-commit run on a pilot needs, read with one `git log` and two
  `git cat-file --batch` processes of the binary.

Nothing here clones, fetches or otherwise contacts a remote: every git process
runs with SAFE_ENV, which also stops a partial clone from fetching a missing
object behind our back. Paths that come from manifests are only ever passed
after `--`, as `:(literal)` pathspecs, so no manifest can add an option or a
glob to a git command line.

The repository is untrusted, the operator is not (cli.md v1.1), and one place
(`environment`, `config_options`) decides how every git process starts, from
`_git` or from GitPython:
- the repository is the one found from the manifest's path: variables that
  point git elsewhere (REDIRECTING: GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE,
  GIT_CONFIG_PARAMETERS…) are dropped from the inherited environment, git may
  not look above the repository's root for a `.git` (GIT_CEILING_DIRECTORIES),
  and the work tree is the root whatever `core.worktree` says. GitPython copies
  the whole environment into each process, so its processes get each of those
  variables set instead: to the repository git itself found (`locate`), or to
  a value that means "unset";
- the repository's own config cannot run a command: `-c` options (BASE_CONFIG)
  turn off the fsmonitor hook, hooks, external diff, signatures' gpg, pagers,
  credential helpers and every transport, and every clean/smudge/process
  filter the config defines is emptied (a `.gitattributes` names the driver,
  the config says what it runs); diff and log run with --no-ext-diff
  --no-textconv, status and diff ignore submodules (other repositories);
- the operator's own config (system and global, and GIT_CONFIG_GLOBAL /
  GIT_CONFIG_SYSTEM / GIT_CONFIG_NOSYSTEM) is trusted and read as git reads
  it, and so is `safe.directory`: a repository git refuses as owned by someone
  else is refused here too, with git's message.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
import subprocess
import threading  # imported by subprocess anyway
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import git as gitpython

# Passed to every git process we start.
SAFE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
    "GIT_NO_LAZY_FETCH": "1",  # git >= 2.44: a partial clone does not fetch missing objects
    "GIT_ALLOW_PROTOCOL": "none",  # older gits: no transport may be used at all, so no fetch can happen
    "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not rewrite the index under an editor or a commit
}
# Inherited variables that would make git read another repository, another index,
# other objects or other config than the repository found from the manifest's path,
# or read paths differently. The operator's choice of config files stays.
REDIRECTING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_QUARANTINE_PATH",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_ATTR_SOURCE",
)
REDIRECTING_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")  # read only with GIT_CONFIG_COUNT, which goes
# What each of them is set to in a GitPython process (which inherits the whole
# environment), when the repository's own value (`locate`) does not apply.
UNSET = {
    "GIT_ALTERNATE_OBJECT_DIRECTORIES": "",
    "GIT_NAMESPACE": "",
    "GIT_CONFIG_PARAMETERS": "",
    "GIT_CONFIG_COUNT": "0",
    "GIT_EXTERNAL_DIFF": "",
    "GIT_DIFF_OPTS": "",
    "GIT_LITERAL_PATHSPECS": "0",
    "GIT_GLOB_PATHSPECS": "0",
    "GIT_NOGLOB_PATHSPECS": "0",
    "GIT_ICASE_PATHSPECS": "0",
    "GIT_REPLACE_REF_BASE": "refs/replace/",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM": "0",
    "GIT_PREFIX": "",
}
# `-c` options of every git process: a repository's config cannot make a read run a command.
BASE_CONFIG = (
    "core.fsmonitor=false",  # a command in core.fsmonitor runs on every index refresh (status, diff)
    "core.untrackedCache=false",  # and the index's cached answers are not trusted either
    f"core.hooksPath={os.devnull}",
    "core.pager=cat",
    "diff.external=",
    "log.showSignature=false",  # would run gpg.program
    "credential.helper=",
    "core.askPass=",
    "protocol.allow=never",
)
# Parts of a filter driver that run a command; emptied for every driver the config defines.
FILTER_KEYS = ("clean", "smudge", "process")
GIT_TIMEOUT = 120  # seconds a git process may take; after one timeout the repository is refused
CHUNK = 1000  # pathspecs per command line: far below any OS argument limit


class GitError(Exception):
    """A git question that cannot be answered; str() is one line."""


# -- the git binary (no GitPython) ------------------------------------------------------


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder or a worktree file)."""
    return _found_root(os.fspath(start))


@lru_cache(maxsize=4096)
def _found_root(start: str) -> Path | None:
    # Asked for each manifest by the rules and by the git side: resolved once per run.
    from checker import safeio

    current = Path(safeio.realpath(start))
    if not current.is_dir():
        current = current.parent
    return _root_of(current)


def forget(timeouts: bool = False) -> None:
    """Drop cached answers: a new run must see repositories created since the last. A
    repository git did not answer for stays refused until a new command (`timeouts`)."""
    _ROOT_OF.clear()
    _found_root.cache_clear()
    _LOCATIONS.clear()
    _HEADS.clear()
    _FILTERS.clear()
    _REFUSALS.clear()
    if timeouts:
        _TIMED_OUT.clear()


# folder -> the nearest folder at or above it holding `.git`: every manifest of a run asks,
# and siblings and cousins share the answers of the folders above them.
_ROOT_OF: dict[Path, Path | None] = {}


def _root_of(folder: Path) -> Path | None:
    pending: list[Path] = []
    current = folder
    found: Path | None = None
    while current not in _ROOT_OF:
        if (current / ".git").exists():
            found = current
            break
        pending.append(current)
        if current.parent == current:
            break
        current = current.parent
    else:
        found = _ROOT_OF[current]
    _ROOT_OF.update(dict.fromkeys(pending, found))
    if found is not None:
        _ROOT_OF[found] = found
    return found


def available() -> bool:
    return which("git") is not None


def which(name: str) -> str | None:
    """The executable `name` on PATH, as shutil.which finds it, except that a relative PATH
    entry (an empty one is the current folder) is skipped: the current folder is usually the
    repository being checked, and a `git` file committed there must not run. On POSIX without
    shutil, whose import pulls zlib, bz2 and lzma in: ~3 ms of every start."""
    if os.name == "nt":
        import shutil

        entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
        trusted = os.pathsep.join(entry for entry in entries if os.path.isabs(entry))
        found = shutil.which(name, path=trusted) if trusted else None
        return found if found is not None and os.path.isabs(found) else None  # not `.\\git.exe`
    path = os.environ.get("PATH")
    if path is None:  # as shutil.which: the system's default search path
        try:
            path = os.confstr("CS_PATH") or os.defpath
        except (AttributeError, ValueError):
            path = os.defpath
    for folder in dict.fromkeys(path.split(os.pathsep)):
        if not os.path.isabs(folder):
            continue
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def environment(root: Path) -> dict[str, str]:
    """The environment of a git process for the repository at `root`: the inherited
    one without REDIRECTING variables, plus SAFE_ENV; git finds the repository from
    `root` and cannot climb above it, and the work tree is `root`."""
    env = {k: v for k, v in os.environ.items() if k not in REDIRECTING and not k.startswith(REDIRECTING_PREFIXES)}
    env.update(SAFE_ENV)
    env["GIT_WORK_TREE"] = str(root)
    if root.parent != root:
        env["GIT_CEILING_DIRECTORIES"] = str(root.parent)
    return env


def config_pairs(root: Path | None = None) -> list[str]:
    """The `-c` settings of every git process; with `root`, also those that empty the
    command of every filter driver that repository's config defines."""
    pairs = list(BASE_CONFIG)
    if root is not None:
        for name in _filters(root):
            pairs += [f"filter.{name}.{key}=" for key in FILTER_KEYS] + [f"filter.{name}.required=false"]
    return pairs


def config_options(root: Path | None = None) -> list[str]:
    return [arg for pair in config_pairs(root) for arg in ("-c", pair)]


def _git(
    root: Path, *args: str, stdin: bytes | None = None, filters: bool = False
) -> subprocess.CompletedProcess[bytes] | None:
    """Run git in `root` (with `filters`, every filter driver emptied); None when it cannot
    be started, or must not be (`refusal`)."""
    exe = which("git")
    if exe is None or refusal(root) is not None:
        return None
    try:
        return subprocess.run(
            [exe, "--no-pager", *config_options(root if filters else None), "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            env=environment(root),
        )
    except subprocess.TimeoutExpired:
        # Once is enough: a repository git cannot answer in time gets no more git processes.
        _TIMED_OUT[root] = f"git did not answer within {GIT_TIMEOUT} s; the repository is not read again"
        return None
    except (OSError, subprocess.SubprocessError):
        return None


_FILTERS: dict[Path, tuple[str, ...]] = {}
_REFUSALS: dict[Path, str | None] = {}
# git starts a section at any `[` after whitespace (CR, FF included), a byte order mark or
# another section's `]` on the same line: `[core][include]path=...` is an include too.
_INCLUDE = re.compile(rb"(?:^|[\s\]]|\xef\xbb\xbf)\[[ \t]*include(?:if)?(?![A-Za-z0-9-])", re.IGNORECASE | re.MULTILINE)
CONFIG_BYTES = 4 * 1024 * 1024  # a repository's config is a few KiB


_TIMED_OUT: dict[Path, str] = {}


def refusal(root: Path) -> str | None:
    """Why no git process may start for the repository at `root`, or None.

    Every git process reads the repository's own config files before anything
    else, and `-c` cannot stop what reading them does: an `[include]` or
    `[includeIf]` makes git read another file, anywhere (`path = /dev/tty` would
    hang the run), and a config file that is a FIFO or a link out of the
    repository does the same by itself. Those files are checked here first, read
    the way every repository file is (checker/safeio.py: never blocking, capped,
    inside the repository); such a repository is read as if git could not read it."""
    if root in _TIMED_OUT:
        return _TIMED_OUT[root]
    if root not in _REFUSALS:
        _REFUSALS[root] = _config_refusal(root)
    return _REFUSALS[root]


def _common_config(gitdir: Path) -> tuple[Path | None, str | None]:
    """The config of the folder a git folder's `commondir` names (git reads it instead of
    its own, wherever it is), or None without one; or why that file cannot be read (a FIFO
    there would block every git process)."""
    from checker import safeio

    name = gitdir / "commondir"
    if not os.path.lexists(name):
        return None, None
    try:
        common = safeio.read(name, 64 * 1024, None).decode("utf-8", "surrogateescape").strip()
    except safeio.ReadError as exc:
        return None, f"{name}: {exc}"
    return Path(common if os.path.isabs(common) else gitdir / common) / "config", None


def _config_refusal(root: Path) -> str | None:
    from checker import safeio

    dot = root / ".git"
    if os.path.islink(dot):
        # Like a config that is a link: git would read a repository (and its config) anywhere.
        return f"{dot} is a symlink: git would read whatever repository it points at"
    if os.path.isdir(dot):
        files = [dot / "config", dot / "config.worktree"]
        common, problem = _common_config(dot)
        if problem is not None:
            return problem
        if common is not None:
            files.append(common)
    else:
        # A worktree or submodule: `.git` is a `gitdir:` file, and that folder (with its
        # `commondir`) was made by the operator's git; its config files are the repository's.
        try:
            text = safeio.read(dot, 64 * 1024, None).decode("utf-8", "surrogateescape")
        except safeio.ReadError:
            return None  # git will say what is wrong with it
        target = text.partition("gitdir:")[2].strip()
        if not target:
            return None
        gitdir = Path(target if os.path.isabs(target) else root / target)
        files = [gitdir / "config.worktree"]
        dot = gitdir
        common, problem = _common_config(gitdir)
        if problem is not None:
            return problem
        files.append(common if common is not None else gitdir / "config")
    # Each git folder once: the config files of a plain repository sit in `.git` itself.
    blocking = _blocking_file(list(dict.fromkeys([dot, *(config.parent for config in files)])))
    if blocking is not None:
        return f"{blocking} is not a regular file: git would read (or block on) it"
    for config in files:
        if not os.path.lexists(config):
            continue
        if os.path.islink(config):
            return f"{config} is a symlink: git would read whatever it points at"
        try:
            raw = safeio.read(config, CONFIG_BYTES, None)
        except safeio.ReadError as exc:
            return f"{config}: {exc}"
        if _INCLUDE.search(raw):
            return (
                f"{config} includes other config files ([include] or [includeIf]), which git would read "
                "from anywhere; aipolicy does not let a repository point git outside it"
            )
    return None


# What git opens (blocking) to find HEAD and the refs, and to read an index or objects
# from elsewhere; a FIFO at any of them hangs every git call until its timeout.
_GIT_FILES = ("HEAD", "packed-refs", "index", "shallow", "objects/info/alternates", "info/grafts")
# Folders whose every file git may open (refs, loose objects, packs): walked up to this many
# entries in all (a clone has a few packs and a handful of refs; a larger loose-object
# store past it is not walked, and git's per-call timeout still bounds it).
_GIT_FOLDERS = ("refs", "objects")
_WALKED = 10_000  # git packs loose objects past 6,700 (gc.auto): a walk stays a few ms


def _blocking_file(gitdirs: list[Path]) -> Path | None:
    """The first file git reads from these git folders that is neither absent nor a regular
    file (a FIFO, a device, a folder), following links as git does; None when all are fine."""
    budget = [_WALKED]
    for gitdir in gitdirs:
        for name in (gitdir / name for name in _GIT_FILES):
            try:
                if os.path.lexists(name) and not stat.S_ISREG(os.stat(name).st_mode):
                    return name
            except OSError:
                continue  # a dangling link: git says what is wrong with it
        for folder in _GIT_FOLDERS:
            found = _odd_entry(gitdir / folder, budget)
            if found is not None:
                return found
    return None


def _odd_entry(folder: Path, budget: list[int]) -> Path | None:
    """A file below `folder` that is not a regular file, links followed; cheap: the
    directory entry's type decides (one pass in C for a folder of regular files), a stat
    only for links."""
    stack = [os.fspath(folder)]
    while stack and budget[0] > 0:
        entries: list[os.DirEntry[str]] = []
        try:
            with os.scandir(stack.pop()) as listing:
                entries.extend(listing)
        except OSError:
            pass  # what was listed before the error is still looked at
        if len(entries) >= budget[0]:
            del entries[budget[0] - 1 :]  # the entry that uses up the budget is not looked at
            budget[0] = 0
        else:
            budget[0] -= len(entries)
        for entry in [entry for entry in entries if not entry.is_file(follow_symlinks=False)]:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
                continue
            try:
                if not stat.S_ISREG(os.stat(entry.path).st_mode):
                    return Path(entry.path)
            except OSError:
                continue
    return None


def _filters(root: Path) -> tuple[str, ...]:
    """The filter drivers any config of this repository defines (`filter.<name>.*`)."""
    if root not in _FILTERS:
        proc = _git(root, "config", "-z", "--name-only", "--get-regexp", r"^filter\.")
        names: set[str] = set()
        for item in _split_z(proc.stdout) if proc is not None and proc.returncode == 0 else []:
            section, _, rest = item.partition(".")
            name, dot, _ = rest.rpartition(".")
            if section.lower() == "filter" and dot and name and "\n" not in name:
                names.add(name)
        _FILTERS[root] = tuple(sorted(names))
    return _FILTERS[root]


class Location(NamedTuple):
    """Where git itself found the repository of a root (absolute paths)."""

    git_dir: str
    common_dir: str


_LOCATIONS: dict[Path, Location | GitError] = {}


def locate(root: Path) -> Location:
    """The repository at `root`, as git sees it; GitError (git's first error line)
    when git cannot read it: a damaged `.git`, a `gitdir:` file leading nowhere,
    a repository git refuses (safe.directory), or no git at all."""
    found = _LOCATIONS.get(root)
    if found is None:
        refused = refusal(root)
        # HEAD's commit is asked in the same process (every run needs it: check()); git prints
        # the two folders first and the commit last, and only the commit when HEAD names one.
        proc = _git(root, "rev-parse", "--absolute-git-dir", "--git-common-dir", "--verify", "--quiet", "HEAD^{commit}")
        lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines() if proc is not None else []
        if refused is not None:
            found = GitError(refused)
        elif proc is None:
            found = GitError("git could not be started")
        elif proc.returncode not in (0, 1) or len(lines) < 2:
            found = GitError(_first_line(proc))
        else:
            common = lines[1] if os.path.isabs(lines[1]) else os.path.join(root, lines[1])  # relative to -C root
            found = Location(lines[0], os.path.normpath(common))
            if proc.returncode == 0 and len(lines) == 3 and re.fullmatch(_SHA, lines[2]):
                _HEADS[root] = lines[2]  # else (no commit yet, or git cannot read it) head() asks on its own
        _LOCATIONS[root] = found
    if isinstance(found, GitError):
        raise GitError(str(found))
    return found


def check(root: Path) -> None:
    """GitError (git's first error line) unless git can read the repository at
    `root` and the commit HEAD names (a repository without commits is fine)."""
    locate(root)
    head(root)


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _literal(paths: Iterable[str]) -> list[str]:
    return [":(literal)" + p for p in paths]


def _split_z(raw: bytes) -> list[str]:
    return [item for item in raw.decode("utf-8", "surrogateescape").split("\0") if item]


def _owners(listed: Iterable[str], wanted: set[str]) -> Iterator[tuple[str, str]]:
    """(wanted path, listed file) for each listed file that is a wanted path or lies below one."""
    for name in listed:
        parts = name.split("/")
        for end in range(len(parts), 0, -1):
            prefix = "/".join(parts[:end])
            if prefix in wanted:
                yield prefix, name


def ignored(paths: Iterable[Path]) -> set[Path]:
    """The subset of `paths` that .gitignore ignores; empty outside git."""
    paths = list(paths)
    if not paths or not available():
        return set()
    by_root: dict[Path, list[Path]] = {}
    for path in paths:
        # The folder holding the entry decides, not what a symlink points at (and a
        # symlink loop cannot be resolved at all).
        try:
            root = find_root(Path(os.path.abspath(path)).parent)
        except (OSError, RuntimeError):
            root = None
        if root is not None:
            by_root.setdefault(root, []).append(path)
    out: set[Path] = set()
    for root, members in by_root.items():
        stdin = "\0".join(os.path.abspath(p) for p in members) + "\0"
        proc = _git(root, "check-ignore", "-z", "--stdin", stdin=stdin.encode("utf-8", "surrogateescape"))
        # exit 1 means "nothing ignored"; 128 is a git failure: ignore nothing then.
        if proc is None or proc.returncode != 0:
            continue
        hits = {os.path.normcase(h) for h in _split_z(proc.stdout)}
        out.update(p for p in members if os.path.normcase(os.path.abspath(p)) in hits)
    return out


def tracked(root: Path, paths: Iterable[str]) -> set[str] | None:
    """Which of these repository-relative paths are in git's index (a folder counts
    when a file below it is). None when git cannot say."""
    wanted = set(paths)
    out: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        proc = _git(root, "ls-files", "-z", "--full-name", "--", *_literal(chunk))
        if proc is None or proc.returncode != 0:
            return None
        out.update(path for path, _ in _owners(_split_z(proc.stdout), wanted))
    return out


def is_shallow(root: Path) -> bool:
    proc = _git(root, "rev-parse", "--is-shallow-repository")
    return proc is not None and proc.returncode == 0 and proc.stdout.strip() == b"true"


def shallow_commits(root: Path) -> set[str]:
    """The boundary commits of a shallow clone (their parents are missing); empty otherwise."""
    proc = _git(root, "rev-parse", "--git-path", "shallow")
    if proc is None or proc.returncode != 0:
        return set()
    path = Path(proc.stdout.decode("utf-8", "surrogateescape").strip())
    path = path if path.is_absolute() else root / path
    try:
        return set(path.read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return set()


# -- history, through GitPython -----------------------------------------------------------

_OPEN: dict[Path, gitpython.Git] = {}


def _repo(root: Path) -> gitpython.Git:
    """GitPython's git command for the repository at `root`, started like `_git`:
    GitPython's own repository discovery (which reads GIT_DIR, GIT_WORK_TREE and
    core.worktree) is not used; the repository is the one `locate` found."""
    repo = _OPEN.get(root)
    if repo is None:
        try:
            import git as gitpython  # GitPython: only runs that read history pay for it
        except ImportError as exc:
            raise GitError(f"cannot read git history: GitPython is not usable ({exc})") from None
        where = locate(root)
        repo = gitpython.Git(str(root))
        repo.set_persistent_git_options(no_pager=True, c=config_pairs(root))
        repo.update_environment(**_pinned(root, where))
        _OPEN[root] = repo
    return repo


def _pinned(root: Path, where: Location) -> dict[str, str]:
    """What a GitPython process sets instead of dropping (GitPython copies the whole
    environment): each REDIRECTING variable says this repository, or means unset."""
    env = environment(root)
    pinned = {
        **SAFE_ENV,
        "GIT_WORK_TREE": env["GIT_WORK_TREE"],
        "GIT_DIR": where.git_dir,
        "GIT_COMMON_DIR": where.common_dir,
        "GIT_INDEX_FILE": os.path.join(where.git_dir, "index"),
        "GIT_OBJECT_DIRECTORY": os.path.join(where.common_dir, "objects"),
    }
    for key in os.environ:
        if key in pinned:
            continue
        if key.startswith(REDIRECTING_PREFIXES):
            pinned[key] = ""  # unread: GIT_CONFIG_COUNT is 0
        elif key in UNSET:
            pinned[key] = UNSET[key]
        elif key in env:
            pinned[key] = env[key]  # GIT_CEILING_DIRECTORIES
        elif key == "GIT_EXEC_PATH":
            pinned[key] = _exec_path(root) or os.environ[key]
    return pinned


def _exec_path(root: Path) -> str | None:
    """Where git keeps its programs, when no GIT_EXEC_PATH says otherwise."""
    proc = _git(root, "--exec-path")
    return (
        proc.stdout.decode("utf-8", "surrogateescape").strip() or None
        if proc is not None and proc.returncode == 0
        else None
    )


def close(root: Path | None = None) -> None:
    """End the git processes GitPython keeps open (for `root`, or all)."""
    for key in [root] if root is not None else list(_OPEN):
        repo = _OPEN.pop(key, None)
        if repo is not None:
            repo.clear_cache()


def _command_error() -> type[gitpython.GitCommandError]:
    from git.exc import GitCommandError

    return GitCommandError


def plain_ref(ref: str) -> bool:
    """Can `ref` be put on a git command line as a revision: not empty, not an option, one line."""
    return bool(ref) and not ref.startswith("-") and not any(ch in ref for ch in "\0\n\r")


def resolve(root: Path, ref: str) -> str:
    """The commit `ref` names (branch, remote branch, tag, sha, HEAD~2…); GitError if none."""
    if not plain_ref(ref):
        raise GitError(f"{ref!r} is not a git ref")
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if proc is None or proc.returncode != 0:
        raise GitError(f"{ref}: no such branch, tag or commit in this repository")
    return proc.stdout.decode("ascii", "replace").strip()


def head(root: Path) -> str | None:
    """The commit HEAD points at (detached or not); None in a repository without commits;
    GitError (git's first error line) when git cannot read the repository or that commit.
    Asked once per run (check() and open_run both need it); forget() drops the answer."""
    if root in _HEADS:
        return _HEADS[root]
    proc = _git(root, "rev-parse", "--verify", "HEAD^{commit}")
    if proc is None:
        raise GitError("git could not be started")
    if proc.returncode == 0:
        _HEADS[root] = found = proc.stdout.decode("ascii", "replace").strip()
        return found
    named = _git(root, "rev-parse", "--quiet", "--verify", "HEAD")
    if named is not None and named.returncode == 1:
        _HEADS[root] = None
        return None  # HEAD names a branch with no commit yet
    raise GitError(_first_line(proc))


_HEADS: dict[Path, str | None] = {}


def merge_base(root: Path, one: str, other: str) -> str | None:
    """Where the two histories met; None when unrelated, cut off by a shallow clone, or
    when either is not a commit (both revisions git accepts: a sha, `main`, `v1^{commit}`;
    callers pass only plain_ref ones)."""
    proc = _git(root, "merge-base", one, other)
    if proc is None or proc.returncode != 0:
        return None
    return proc.stdout.decode("ascii", "replace").strip() or None


class Change(NamedTuple):
    status: str  # A added, M modified, D deleted, R renamed, T type changed
    path: str  # repository-relative, `/`-separated; for a deletion the old path
    old_path: str | None = None  # for a rename, where it came from


def changes(root: Path, base: str, untracked_under: Sequence[str] = ()) -> list[Change]:
    """Files that differ between commit `base` and the working tree (staged or not),
    renames detected, plus untracked files that .gitignore does not ignore (added): only
    those under `untracked_under` (repository-relative paths) when given, so git does not
    walk a whole work tree for files the run would never check. The comparison itself
    stays whole: a rename into those paths is found wherever it came from."""
    within = ["--", *_literal(untracked_under)] if untracked_under else []
    # The two questions are independent: the untracked listing (a walk of the work tree, which
    # reads no file and so runs no filter) goes on in the background while the diff runs.
    others: list[subprocess.CompletedProcess[bytes] | None] = []
    failed: list[Exception] = []

    def list_untracked() -> None:
        try:
            others.append(_git(root, "ls-files", "-z", "--others", "--exclude-standard", *within))
        except Exception as exc:  # raised below, in the caller's thread, as a synchronous call would
            failed.append(exc)

    listing = threading.Thread(target=list_untracked, daemon=True)
    listing.start()
    # Filters emptied: comparing the working tree runs no driver the repository configures.
    diff = _git(
        root,
        *("diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-color"),
        *("--ignore-submodules=all", base, "--"),
        filters=True,
    )
    listing.join()
    if failed:
        raise failed[0]
    listed = []
    for proc in (diff, others[0] if others else None):
        if proc is None or proc.returncode != 0:
            said = _first_line(proc) if proc is not None else refusal(root) or "git could not be started"
            raise GitError(f"cannot compare the working tree with {base[:12]}: {said}")
        listed.append(proc.stdout)
    raw, untracked = listed
    out: list[Change] = []
    items = _split_z(raw)
    i = 0
    while i < len(items):
        status = items[i][:1]
        if status in ("R", "C") and i + 2 < len(items):
            old, new = items[i + 1], items[i + 2]
            out.append(Change("R", new, old) if status == "R" else Change("A", new))
            i += 3
        elif i + 1 < len(items):
            out.append(Change(status, items[i + 1]))
            i += 2
        else:
            break
    out.extend(Change("A", path) for path in _split_z(untracked))
    return out


def blobs_at(root: Path, commit: str, paths: Iterable[str], max_bytes: int) -> dict[str, bytes | None]:
    """The content of each repository-relative path at `commit`: `git ls-tree` says what
    each path is there and how big (paths given as literal pathspecs: `commit:path` would
    read a name such as `m-g1a2b3c4` as a revision), `git cat-file --batch` reads the
    regular files of at most `max_bytes`. None for a path that is not a regular file
    there (a folder, a symlink, whose target text is no manifest, a submodule), is too
    big, or that git could not read."""
    out: dict[str, bytes | None] = dict.fromkeys(paths)
    for chunk in _chunks(list(out)):
        listed = _git(root, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", *_literal(chunk))
        if listed is None or listed.returncode != 0:
            continue  # git could not read them
        wanted = set(chunk)
        sizes: dict[str, int] = {}
        shas: dict[str, str] = {}
        for item in _split_z(listed.stdout):
            meta, tab, path = item.partition("\t")
            fields = meta.split()  # "<mode> <type> <sha> <size, right-aligned>"
            if not tab or path not in wanted or len(fields) != 4 or not fields[0].startswith("100"):
                continue
            if fields[1] == "blob" and fields[3].isdigit() and int(fields[3]) <= max_bytes:
                shas[path], sizes[fields[2]] = fields[2], int(fields[3])
        try:
            contents = _contents(root, sizes)
        except GitError:
            continue  # left None: git could not read them
        out.update((path, contents[sha]) for path, sha in shas.items())
    return out


class LastChange(NamedTuple):
    timestamp: int  # committer date, seconds since the epoch
    commit: str


def last_changes(root: Path, paths: Iterable[str]) -> dict[str, LastChange]:
    """For each repository-relative path (file or folder), the newest commit reachable
    from HEAD that changed it. One history walk for all paths, stopped as soon as
    every path is found; paths git never saw are left out."""
    wanted = set(paths)
    if not wanted or head(root) is None:
        return {}
    repo = _repo(root)
    found: dict[str, LastChange] = {}
    for chunk in _chunks(sorted(wanted)):
        todo = set(chunk)
        proc = repo.log(
            "--no-show-signature",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "-z",
            "--name-only",
            "--format=%x01%H %ct",
            "HEAD",
            "--",
            *_literal(chunk),
            as_process=True,
        )
        try:
            _scan_log(proc.proc.stdout, todo, found)
        finally:
            code, error = _stop(proc, early=not todo)
        if todo and code not in (0, None):  # git ended the walk early: history it cannot read
            raise GitError(f"cannot read the history of HEAD: {_first_line(error)}")
    return found


def _scan_log(stream: IO[bytes], todo: set[str], found: dict[str, LastChange]) -> None:
    # Output: "\x01<sha> <ct>\0\n<file>\0<file>\0\x01<sha> <ct>\0\n…", newest commit first.
    current: LastChange | None = None
    pending = b""
    while todo:
        chunk = stream.read(65536)
        if not chunk:
            break
        *items, pending = (pending + chunk).split(b"\0")
        for item in items:
            text = item.decode("utf-8", "surrogateescape")
            if text.startswith("\x01"):
                sha, _, stamp = text[1:].partition(" ")
                current = LastChange(int(stamp), sha) if stamp.isdigit() else None
                continue
            if current is None:
                continue
            name = text[1:] if text.startswith("\n") else text
            for path, _ in _owners([name], todo):
                found[path] = current
                todo.discard(path)


def _stop(proc: gitpython.Git.AutoInterrupt, early: bool = True) -> tuple[int | None, bytes]:
    """End a `git log`: stopped when we read it `early` (before its end), else waited
    for. (exit code, what it said on stderr); the code is None when we stopped it."""
    popen = proc.proc
    if popen is None:
        return None, b""
    killed = early and popen.poll() is None
    if killed:
        popen.kill()
    error = b""
    if popen.stderr is not None and not killed:
        try:
            error = popen.stderr.read(65536) or b""
        except (OSError, ValueError):
            pass
    for stream in (popen.stdout, popen.stderr):
        if stream is not None:
            stream.close()
    code = popen.wait()
    return (None if killed else code), error


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def utc_day(timestamp: int) -> datetime.date:
    """The UTC calendar day of a git timestamp (seconds since the epoch). A commit object can
    hold any number (hash-object writes what it is given): one beyond the calendar is
    date.max or date.min, never an OverflowError."""
    try:
        return (_EPOCH + datetime.timedelta(seconds=timestamp)).date()
    except OverflowError:
        return datetime.date.max if timestamp > 0 else datetime.date.min


class Version(NamedTuple):
    """One commit that changed a file: its author date and the file's blob there (None when
    the path was deleted there, or became a link or a submodule)."""

    commit: str
    author_time: int  # author date, seconds since the epoch
    blob: str | None  # the file's content at that commit; None: deleted there


_ZERO = "0" * 40


def path_versions(root: Path, paths: Iterable[str], grep: str | None = None) -> dict[str, list[Version]]:
    """For each repository-relative file path, the commits reachable from HEAD that added,
    changed or deleted it, oldest first (parents before children). With `grep` (a regex of
    ours, never a manifest's), only the commits whose diff of that file adds or removes a
    line matching it (`git log -G`: git compares the contents, we read none). One walk per
    CHUNK paths; renames are not followed (a renamed file starts at its new path); merges
    add nothing of their own (the commits they bring are listed). Paths git never saw are
    left out. GitError when git cannot read the history. The git binary, not GitPython: a
    pre-commit run on a pilot (AIP-GIT-005) pays for one process, not for an import."""
    wanted = set(paths)
    if not wanted or head(root) is None:
        return {}
    found: dict[str, list[Version]] = {}
    options = [
        "--no-show-signature",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--root",
        "--date-order",
        "-z",
        "--raw",
        "--no-abbrev",
        "--format=%x01%H %at",
    ]
    if grep is not None:
        options.append(f"-G{grep}")
    for chunk in _chunks(sorted(wanted)):
        proc = _git(root, "log", *options, "HEAD", "--", *_literal(chunk))
        if proc is None or proc.returncode != 0:
            raise GitError(
                f"cannot read the history of HEAD: {_first_line(proc) if proc else 'git could not be started'}"
            )
        _scan_versions(proc.stdout, set(chunk), found)
    for versions in found.values():
        versions.reverse()  # git lists the newest first
    return found


def _scan_versions(raw: bytes, todo: set[str], found: dict[str, list[Version]]) -> None:
    # "\x01<sha> <at>\0" then, per file, "\n:<mode> <mode> <old> <new> <status>\0<path>\0" (the
    # "\n" only before the first); newest commit first.
    items = raw.split(b"\0")
    current: tuple[str, int] | None = None
    i = 0
    while i < len(items):
        text = items[i].decode("utf-8", "surrogateescape").lstrip("\n")
        i += 1
        if text.startswith("\x01"):
            sha, _, stamp = text[1:].partition(" ")
            current = (sha, int(stamp)) if stamp.strip().lstrip("-").isdigit() else None
            continue
        if not text.startswith(":") or i >= len(items):
            continue
        path = items[i].decode("utf-8", "surrogateescape")
        i += 1
        fields = text[1:].split(" ")
        if current is None or len(fields) < 5 or path not in todo:
            continue
        new = fields[3]
        # A link or a submodule at the path is no file of ours (tree_blobs leaves them out too):
        # a link's target text must not be read as a manifest. The file is gone there.
        regular = fields[1] in ("100644", "100755")
        blob = None if fields[4].startswith("D") or new == _ZERO or not regular else new
        found.setdefault(path, []).append(Version(current[0], int(current[1]), blob))


_SHA = r"[0-9a-f]{40}(?:[0-9a-f]{24})?"  # compiled on first use (re caches it): off start-up


def blobs(root: Path, shas: Iterable[str], max_bytes: int) -> dict[str, bytes | None]:
    """The content of each blob (by sha): one `git cat-file --batch-check` for the sizes,
    `git cat-file --batch` for the contents of those at most `max_bytes` (a huge blob
    is never read). None for one that is not a blob, is missing (a partial clone: never
    fetched), is too big or is damaged. GitError when git cannot be asked."""
    out: dict[str, bytes | None] = dict.fromkeys(dict.fromkeys(shas))
    asked = [sha for sha in out if re.fullmatch(_SHA, sha)]
    for chunk in _chunks(asked, 10 * CHUNK):
        check = _git(root, "cat-file", "--batch-check", stdin="".join(f"{sha}\n" for sha in chunk).encode("ascii"))
        if check is None or check.returncode != 0:
            raise GitError(f"cannot read git objects: {_first_line(check) if check else 'git could not be started'}")
        small: dict[str, int] = {}
        for line in check.stdout.decode("ascii", "replace").splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] == "blob" and fields[2].isdigit() and int(fields[2]) <= max_bytes:
                small[fields[0]] = int(fields[2])
        out.update(_contents(root, small))
    return out


BATCH_BYTES = 64 * 1024 * 1024  # blob bytes per `cat-file --batch`: its output is held whole, with the slices of it


def _contents(root: Path, sizes: dict[str, int]) -> dict[str, bytes | None]:
    """The content of each blob sha (`sizes`: sha -> its size, as git said), read with
    `git cat-file --batch`, a batch per BATCH_BYTES; None for one git does not have or
    that does not read back as that very object (a damaged loose object: git may send
    fewer bytes than its header says). GitError when git cannot answer."""
    out: dict[str, bytes | None] = dict.fromkeys(sizes)
    for batch in _by_bytes(sizes, BATCH_BYTES):
        read = _git(root, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in batch).encode("ascii"))
        if read is None or read.returncode != 0:
            raise GitError(f"cannot read git objects: {_first_line(read) if read else 'git could not be started'}")
        for left in _scan_batch(read.stdout, batch, out):  # after a damaged answer: one at a time
            alone = _git(root, "cat-file", "blob", left)
            if alone is not None and alone.returncode == 0 and _is_blob(left, alone.stdout):
                out[left] = alone.stdout
    return out


def _by_bytes(sizes: dict[str, int], limit: int) -> Iterator[list[str]]:
    """The keys of `sizes` in order, in runs whose sizes add up to at most `limit` (a bigger one alone)."""
    batch: list[str] = []
    total = 0
    for key, size in sizes.items():
        if batch and total + size > limit:
            yield batch
            batch, total = [], 0
        batch.append(key)
        total += size
    if batch:
        yield batch


def _is_blob(sha: str, content: bytes) -> bool:
    """`content` is the blob `sha` names (SHA-1, or SHA-256 in a repository of 64-digit names)."""
    import hashlib

    digest = hashlib.sha256 if len(sha) == 64 else hashlib.sha1
    return digest(b"blob %d\0" % len(content) + content).hexdigest() == sha


def _scan_batch(raw: bytes, asked: list[str], out: dict[str, bytes | None]) -> list[str]:
    """Read `cat-file --batch`'s answers to `asked`, in order, into `out`: "<sha> <type>
    <size>\\n<content>\\n" per object, "<sha> missing\\n" for one git does not have. Each
    blob is kept only when it is that very object. From an answer that is not framed as
    it says (a damaged object sent short), nothing more can be trusted: the shas from
    there on are returned, to be read one at a time."""
    at = 0
    for index, sha in enumerate(asked):
        end = raw.find(b"\n", at)
        fields = raw[at:end].decode("ascii", "replace").split() if end >= 0 else []
        if len(fields) == 2 and fields[0] == sha and fields[1] in ("missing", "ambiguous"):
            at = end + 1
            continue
        body = end + 1
        size = int(fields[2]) if len(fields) == 3 and fields[0] == sha and fields[2].isdigit() else -1
        if size < 0 or raw[body + size : body + size + 1] != b"\n":
            return asked[index:]
        content = raw[body : body + size]
        if fields[1] == "blob" and _is_blob(sha, content):
            out[sha] = content
        at = body + size + 1
    return []


def first_parent_at(root: Path, moments: Iterable[int]) -> dict[int, str]:
    """For each moment (seconds since the epoch), the newest commit of HEAD's first-parent
    line (the branch as it stood) committed at or before it. Moments before the first
    commit, or before a shallow clone's boundary, are left out. One walk, stopped as soon
    as every moment is placed."""
    todo = sorted(set(moments), reverse=True)
    if not todo or head(root) is None:
        return {}
    repo = _repo(root)
    proc = repo.rev_list("--first-parent", "--timestamp", "HEAD", as_process=True)
    placed: dict[int, str] = {}
    try:
        pending = b""
        while todo:
            chunk = proc.proc.stdout.read(65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                stamp, _, sha = line.decode("ascii", "replace").strip().partition(" ")
                if not stamp.lstrip("-").isdigit():
                    continue
                for moment in [m for m in todo if int(stamp) <= m]:
                    placed[moment] = sha
                    todo.remove(moment)
                if not todo:
                    break
    finally:
        code, error = _stop(proc, early=not todo)
    if todo and code not in (0, None):
        raise GitError(f"cannot read the history of HEAD: {_first_line(error)}")
    return placed


def tree_blobs(root: Path, commit: str, paths: Iterable[str] | None = None) -> dict[str, str]:
    """The files (repository-relative path -> blob sha) of `commit`'s tree, all of them or
    those at or below `paths`; submodules and links are left out (not files of ours)."""
    if not re.fullmatch(r"[0-9a-f]{40}(?:[0-9a-f]{24})?", commit):
        raise GitError(f"{commit!r} is not a commit id")
    repo = _repo(root)
    chunks = [None] if paths is None else list(_chunks(sorted(set(paths))))
    out: dict[str, str] = {}
    for chunk in chunks:
        args = ["-r", "-z", "--full-tree", commit] + (["--", *_literal(chunk)] if chunk is not None else [])
        try:
            raw = repo.ls_tree(*args, stdout_as_string=False, strip_newline_in_stdout=False)
        except _command_error() as exc:
            raise GitError(f"cannot list the files of {commit[:12]}: {_first_line(exc)}") from None
        for item in _split_z(raw):
            meta, tab, path = item.partition("\t")
            fields = meta.split(" ")
            if tab and len(fields) == 3 and fields[1] == "blob" and fields[0] in ("100644", "100755"):
                out[path] = fields[2]
    return out


def dirty(root: Path, paths: Iterable[str]) -> set[str]:
    """Which of these paths have changes not yet committed (staged, unstaged or untracked)."""
    wanted = set(paths)
    if not wanted:
        return set()
    repo = _repo(root)
    out: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        try:
            raw = repo.status(
                "--porcelain",
                "-z",
                "--untracked-files=all",
                "--ignore-submodules=all",
                "--",
                *_literal(chunk),
                stdout_as_string=False,
                strip_newline_in_stdout=False,
            )
        except _command_error() as exc:
            raise GitError(f"cannot tell which files have uncommitted changes: {_first_line(exc)}") from None
        items = _split_z(raw)
        names: list[str] = []
        i = 0
        while i < len(items):
            entry = items[i]
            names.append(entry[3:])
            i += 2 if ("R" in entry[:2] or "C" in entry[:2]) else 1  # a rename is followed by its old path
        out.update(path for path, _ in _owners(names, wanted))
    return out


def _first_line(failure: Exception | subprocess.CompletedProcess[bytes] | bytes) -> str:
    """The first line git wrote on stderr (a GitCommandError, a finished process or its bytes)."""
    text = failure if isinstance(failure, bytes) else getattr(failure, "stderr", "") or str(failure)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0].removeprefix("stderr: ").strip("'") if lines else type(failure).__name__


# -- the repository's name (the portfolio's `repository` field) ----------------------------

# An `owner/name` (GitHub) or `group/sub/name` (GitLab): path segments of the characters
# code hosts allow, never `.` or `..`; anything else in a remote URL is not a name.
_SEGMENT = r"[A-Za-z0-9_.-]{1,100}"
# Compiled on first use (re caches them): a run that never asks pays nothing at start-up.
_REPOSITORY = rf"{_SEGMENT}(?:/{_SEGMENT}){{1,9}}"
_URL = r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?[^/?#@]+/(?P<path>[^?#]*)"
_SCP = r"(?:[^@/:]+@)?[A-Za-z0-9.-]+:(?P<path>[^/\\].*)"


def repository_from_url(url: str) -> str | None:
    """`owner/name` from a remote URL (https, ssh, git, or scp-like `git@host:owner/name.git`),
    read as text and never contacted; None for a local path or anything else. Credentials in
    the URL (`https://user:token@host/…`) are never part of the answer."""
    url = url.strip()
    match = re.fullmatch(_URL, url) or re.fullmatch(_SCP, url)
    if match is None:
        return None
    path = match.group("path").strip("/").removesuffix(".git").strip("/")
    return valid_repository(path)


def valid_repository(name: object) -> str | None:
    """`name` when it is an `owner/name` path (2 to 10 segments of letters, digits, `._-`), else None."""
    if isinstance(name, str) and re.fullmatch(_REPOSITORY, name) and not {".", ".."} & set(name.split("/")):
        return name
    return None


def remote_repository(root: Path) -> str | None:
    """The `owner/name` in the URL of the `origin` remote of the repository at `root`, read from
    its config by `git config` (never fetched); None without one or without a usable git."""
    proc = _git(root, "config", "--get", "remote.origin.url")
    if proc is None or proc.returncode != 0:
        return None
    return repository_from_url(proc.stdout.decode("utf-8", "replace"))


def repository_name(root: Path | None, environ: dict[str, str] | None = None) -> str | None:
    """What a report calls the repository at `root`: the `origin` remote's `owner/name`, else
    GITHUB_REPOSITORY (when it is an `owner/name`), else None. The remote comes first: a central
    workflow that checks out other repositories runs with its own GITHUB_REPOSITORY."""
    env = os.environ if environ is None else environ
    if root is not None and (root / ".git").exists():
        found = remote_repository(root)
        if found is not None:
            return found
    return valid_repository(env.get("GITHUB_REPOSITORY", ""))
