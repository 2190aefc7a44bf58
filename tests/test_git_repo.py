"""Git-aware checking against real, throwaway git repositories.

Every repository is built in tmp_path with fixed authors and dates, `git init -b
main`, and no user or system git configuration (HOME, GIT_CONFIG_GLOBAL and
GIT_CONFIG_NOSYSTEM point away from the real ones, for the git we run and for
the git aipolicy runs). Shallow clones are made from a local repository over
file://; nothing here touches a network or the real checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-26"
DAY = "2026-11-20T12:00:00+00:00"  # the default commit date: recent, so evidence is fresh

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Ada Tester",
            "GIT_AUTHOR_EMAIL": "ada@tests.invalid",
            "GIT_COMMITTER_NAME": "Ada Tester",
            "GIT_COMMITTER_EMAIL": "ada@tests.invalid",
        }
    )
    return env


class Repo:
    def __init__(self, path: Path, env: dict[str, str], init: bool = True) -> None:
        self.path, self.env = path, env
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = DAY) -> str:
        env = {**self.env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        proc = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def write(self, rel: str, text: str) -> Path:
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(self, message: str = "change", date: str = DAY) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)


def manifest(
    folder: str, system_id: str = "ticket-router", *, stage: str = "production", threshold: float = 0.2, extra: str = ""
) -> str:
    """A production manifest whose refs live under `folder` (create them with refs())."""
    return f"""\
apiVersion: aipolicy/v1
system: {{id: {system_id}, name: Router, description: Routes tickets, type: classifier}}
stage: {stage}
owners:
  technical: {{name: Priya Raman, contact: priya.raman@acme-corp.io}}
  business: {{name: Daniel Okafor, contact: daniel.okafor@acme-corp.io, process: Triage}}
data:
  sources:
    - name: tickets
      refresh: {{mode: automated, schedule: "0 2 * * *", pipeline_ref: {folder}/pipeline.py}}
      validation: {{suite_ref: {folder}/suite.yaml, evidence_ref: {folder}/validation.json}}
monitoring:
  outcome_accuracy:
    metric: macro_f1
    threshold: 0.85
    cadence: weekly
    evidence_ref: {folder}/evidence.md
  drift:
    - target: prediction
      method: psi
      threshold: {threshold}
      reference: training
  alerts:
    - {{name: drift, route: {{channel: slack, target: "#router"}}, runbook_ref: {folder}/runbook.md}}
{extra}"""


REF_FILES = ("pipeline.py", "suite.yaml", "evidence.md", "runbook.md", "validation.json")


def refs(repo: Repo, folder: str) -> None:
    for name in REF_FILES:
        repo.write(f"{folder}/{name}", f"{name}\n")


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    """The clean git environment, also applied to this process (aipolicy runs in it)."""
    home = tmp_path / "home"
    home.mkdir()
    clean = _clean_env(home)
    for key in list(os.environ):
        if key.startswith(("GIT_", "GITHUB_")) or key in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(key, raising=False)
    for key in ("HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, clean[key])
    return clean


@pytest.fixture
def repo(tmp_path, env) -> Repo:
    """A repository with one manifest at services/router and a CODEOWNERS covering it."""
    r = Repo(tmp_path / "work tree", env)
    r.write(".github/CODEOWNERS", "* @platform-team\n")
    r.write("services/router/ai-production.yaml", manifest("services/router"))
    refs(r, "services/router")
    r.commit("first")
    return r


class Run:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr
        self.json = json.loads(stdout) if stdout.lstrip().startswith("{") else None

    @property
    def paths(self) -> list[str]:
        return sorted(m["path"] for m in self.json["manifests"])

    def git(self, rule: str | None = None) -> list[dict]:
        return [f for f in self.json["findings"] if f["rule"].startswith(rule or "AIP-GIT-")]


@pytest.fixture
def aip(monkeypatch, capsys):
    """Run `aipolicy check` in a folder through the real entry point (exit codes, stderr)."""

    def run(cwd: Path, *args: str, fmt: str = "json") -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(["check", *args, "--today", TODAY, "--format", fmt])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line)


def git_commands(monkeypatch) -> list[str]:
    """The git subcommand of every git process the run starts from now on, aipolicy's own
    (gitrepo._git) and GitPython's (history), in order."""
    import git as gitpython

    from checker import gitrepo

    seen: list[str] = []
    plain, execute = gitrepo._git, gitpython.cmd.Git.execute

    def counting_git(root, *args, **kw):
        seen.append(args[0])
        return plain(root, *args, **kw)

    def counting_execute(self, command, *args, **kw):
        words = list(command) if not isinstance(command, str) else command.split()
        i = 1
        while words[i].startswith("-"):  # git's own options (`--no-pager`, `-c key=value`) come first
            i += 2 if words[i] == "-c" else 1
        seen.append(words[i])
        return execute(self, command, *args, **kw)

    monkeypatch.setattr(gitrepo, "_git", counting_git)
    monkeypatch.setattr(gitpython.cmd.Git, "execute", counting_execute)
    return seen


# -- --changed-since: which manifests are checked ------------------------------------------------


def test_changed_since_checks_added_modified_and_renamed_manifests_and_notes_deleted_ones(repo, aip):
    for name in ("kept", "modified", "renamed", "deleted"):
        repo.write(f"{name}/ai-production.yaml", manifest(name, f"sys-{name}"))
        refs(repo, name)
    repo.commit("four more")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("modified/ai-production.yaml", manifest("modified", "sys-modified", threshold=0.1))
    repo.git("mv", "renamed/ai-production.yaml", "renamed/router.ai-production.yaml")
    repo.git("rm", "-q", "deleted/ai-production.yaml")
    repo.write("added/ai-production.yaml", manifest("added", "sys-added"))
    refs(repo, "added")
    repo.commit("feature work")

    run = aip(repo.path, "--changed-since", "main")
    assert run.paths == ["added/ai-production.yaml", "modified/ai-production.yaml", "renamed/router.ai-production.yaml"]
    assert "deleted/ai-production.yaml was deleted since main" in run.stderr
    assert "renamed/ai-production.yaml" not in run.stderr  # a rename is not a deletion


def test_uncommitted_and_untracked_manifests_count_as_changed(repo, aip):
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.1))  # not staged
    repo.write("new/ai-production.yaml", manifest("new", "sys-new"))  # untracked
    run = aip(repo.path, "--changed-since", "HEAD")
    assert run.paths == ["new/ai-production.yaml", "services/router/ai-production.yaml"]


def test_a_repository_with_200_manifests_and_3_changed_checks_exactly_those_3(tmp_path, env, aip):
    r = Repo(tmp_path / "big", env)
    r.write(".github/CODEOWNERS", "* @platform-team\n")
    refs(r, "shared")
    for i in range(200):
        r.write(f"systems/s{i:03}/ai-production.yaml", manifest("shared", f"sys-{i:03}"))
    r.commit("200 systems")
    changed = ["systems/s007/ai-production.yaml", "systems/s100/ai-production.yaml", "systems/s199/ai-production.yaml"]
    for rel in changed:
        r.write(rel, manifest("shared", "sys-" + rel.split("/")[1][1:], threshold=0.1))
    r.commit("tighten three thresholds")

    run = aip(r.path, "--changed-since", "HEAD~1")
    assert run.paths == changed
    assert run.json["summary"]["files"] == 3


def test_changed_since_asks_git_first_and_touches_only_the_changed_manifests(tmp_path, env, monkeypatch, aip):
    # No folder is listed, nothing is asked of .gitignore (git's answer has it applied), and only
    # the changed manifests are read: 40 unchanged manifests cost nothing, however many there are.
    from checker import discover, gitrepo, safeio

    r = Repo(tmp_path / "wide", env)
    refs(r, "shared")
    for i in range(40):
        r.write(f"systems/s{i:02}/ai-production.yaml", manifest("shared", f"sys-{i:02}"))
    r.commit("40 systems")
    r.write("systems/s07/ai-production.yaml", manifest("shared", "sys-07", threshold=0.1))
    r.write("systems/new/ai-production.yaml", manifest("shared", "sys-new"))  # untracked: added

    walked: list[Path] = []
    asked: list[Path] = []
    read: list[str] = []
    walk, ignored, safe_read = discover._walk, gitrepo.ignored, safeio.read

    def recording_walk(root, *args, **kwargs):
        walked.append(root)
        return walk(root, *args, **kwargs)

    def recording_ignored(paths):
        paths = list(paths)
        asked.extend(paths)
        return ignored(paths)

    def recording_read(path, *args, **kwargs):
        read.append(os.path.relpath(Path(path).resolve(), r.path.resolve()).replace(os.sep, "/"))
        return safe_read(path, *args, **kwargs)

    monkeypatch.setattr(discover, "_walk", recording_walk)
    monkeypatch.setattr(gitrepo, "ignored", recording_ignored)
    monkeypatch.setattr(safeio, "read", recording_read)
    run = aip(r.path, "--changed-since", "HEAD")
    assert run.paths == ["systems/new/ai-production.yaml", "systems/s07/ai-production.yaml"]
    assert walked == []
    assert asked == []
    assert sorted(p for p in read if p.endswith("ai-production.yaml")) == run.paths


def test_changed_since_finds_what_a_full_run_finds_among_ignored_and_tracked_files(tmp_path, env, aip):
    # .gitignore applies to untracked files only: a tracked manifest it matches is checked by a
    # full run and by --changed-since alike; an ignored untracked one by neither.
    r = Repo(tmp_path / "ign", env)
    refs(r, "shared")
    r.write(".gitignore", "generated/\n")
    r.write("kept/ai-production.yaml", manifest("shared", "kept"))
    r.commit("one system")
    r.write("generated/old/ai-production.yaml", manifest("shared", "forced"))
    r.git("add", "-f", "generated/old/ai-production.yaml")
    r.commit("a tracked file .gitignore matches")
    for rel, system in (("generated/old/ai-production.yaml", "forced"), ("kept/ai-production.yaml", "kept")):
        r.write(rel, manifest("shared", system, threshold=0.1))
    r.write("generated/new/ai-production.yaml", manifest("shared", "ignored"))  # untracked, ignored
    r.write("fresh/ai-production.yaml", manifest("shared", "fresh"))  # untracked, not ignored

    full = aip(r.path, ".")
    changed = aip(r.path, "--changed-since", "HEAD", ".")
    assert full.paths == ["fresh/ai-production.yaml", "generated/old/ai-production.yaml", "kept/ai-production.yaml"]
    assert changed.paths == full.paths


def test_changed_since_asks_git_a_fixed_number_of_questions_however_many_files_changed(tmp_path, env, monkeypatch, aip):
    # The base versions of every changed manifest are read in one go (an `ls-tree` and a
    # `cat-file`, not two processes a file), the merge base is one question, and nothing is asked of .gitignore: 3 changed
    # manifests and 8 cost the same git processes.
    from checker import gitrepo

    asked: list[tuple[str, ...]] = []
    git = gitrepo._git

    def recording_git(root, *args, **kwargs):
        asked.append(args)
        return git(root, *args, **kwargs)

    monkeypatch.setattr(gitrepo, "_git", recording_git)
    counts = []
    for changed in (3, 8):
        r = Repo(tmp_path / f"n{changed}", env)
        refs(r, "shared")
        for i in range(10):
            r.write(f"systems/s{i}/ai-production.yaml", manifest("shared", f"sys-{i}"))
        r.commit("ten systems")
        for i in range(changed):
            r.write(f"systems/s{i}/ai-production.yaml", manifest("shared", f"sys-{i}", threshold=0.4))
        r.commit("some thresholds loosened")
        gitrepo.forget()
        asked.clear()
        run = aip(r.path, "--changed-since", "HEAD~1")
        assert len(run.paths) == changed
        assert len(run.git("AIP-GIT-001")) == changed  # each compared with its base version
        commands = [a[0] for a in asked]
        assert "check-ignore" not in commands
        assert commands.count("ls-tree") == 1 and commands.count("cat-file") == 1, asked
        assert commands.count("merge-base") == 1 and ("rev-parse", "--verify", "--quiet") not in [a[:3] for a in asked]
        counts.append(len(asked))
    assert counts[0] == counts[1]


def test_git_work_is_batched_one_history_walk_for_all_manifests(tmp_path, env, monkeypatch, aip):

    r = Repo(tmp_path / "batch", env)
    r.write(".github/CODEOWNERS", "* @platform-team\n")
    for i in range(60):
        refs(r, f"systems/s{i:02}")
        r.write(f"systems/s{i:02}/ai-production.yaml", manifest(f"systems/s{i:02}", f"sys-{i:02}"))
    r.commit("sixty systems")
    r.write("systems/s01/ai-production.yaml", manifest("systems/s01", "sys-01", threshold=0.1))
    r.commit("one change")

    commands = git_commands(monkeypatch)
    run = aip(r.path)
    assert run.json["summary"]["files"] == 60
    assert commands.count("log") == 1  # one walk for 120 evidence files
    assert commands.count("ls-files") == 1  # one index listing for 240 refs
    assert len(commands) <= 12, commands
    assert not {"fetch", "clone", "pull", "push", "ls-remote", "remote"} & set(commands)

    commands.clear()
    run = aip(r.path, "--changed-since", "HEAD~1")
    assert run.paths == ["systems/s01/ai-production.yaml"]
    assert commands.count("diff") == 1 and commands.count("log") <= 1
    # +1 since the JSON report names its repository (git config remote.origin.url); +2 since git is
    # asked what changed before anything else (the run then asks afresh where the repository is
    # and which filters it defines: `rev-parse`, `config`), so only the changed files are read.
    assert len(commands) <= 19, commands


def test_changed_since_works_from_a_subdirectory(repo, aip):
    repo.write("other/ai-production.yaml", manifest("other", "sys-other"))
    refs(repo, "other")
    repo.write("services/gone/ai-production.yaml", manifest("services/router", "sys-gone"))
    repo.commit("more")
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    repo.write("other/ai-production.yaml", manifest("other", "sys-other", threshold=0.1))
    repo.git("rm", "-q", "services/gone/ai-production.yaml")

    run = aip(repo.path / "services", ".", "--changed-since", "HEAD")
    assert run.paths == ["router/ai-production.yaml"]  # relative to the current folder; other/ is not under `.`
    [weakened] = run.git("AIP-GIT-001")
    assert weakened["path"] == "router/ai-production.yaml"
    assert "gone/ai-production.yaml was deleted since HEAD" in run.stderr


def test_a_manifest_renamed_in_the_change_is_compared_with_its_old_path(repo, aip, monkeypatch):
    repo.git("checkout", "-q", "-b", "move")
    repo.git("mv", "services/router", "services/ticket-router")
    moved = repo.path / "services/ticket-router/ai-production.yaml"
    moved.write_text(manifest("services/ticket-router", threshold=0.4), encoding="utf-8")
    repo.commit("move and relax")

    commands = git_commands(monkeypatch)
    run = aip(repo.path, "--changed-since", "main")
    # The old version is read once: for pairing the rename, then as what AIP-GIT-001 compares with.
    assert commands.count("ls-tree") == 1, commands
    assert run.paths == ["services/ticket-router/ai-production.yaml"]
    [finding] = run.git("AIP-GIT-001")
    assert finding["message"] == "drift threshold for `prediction` raised from 0.2 to 0.4 since main"
    assert "was deleted" not in run.stderr


def test_detached_head_works(repo, aip):
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    repo.commit("relax")
    repo.git("checkout", "-q", "--detach", "HEAD")
    run = aip(repo.path, "--changed-since", "HEAD~1")
    assert run.paths == ["services/router/ai-production.yaml"]
    assert len(run.git("AIP-GIT-001")) == 1


def test_changed_since_compares_with_where_the_branch_left_the_base(repo, aip):
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature/ai-production.yaml", manifest("feature", "sys-feature"))
    refs(repo, "feature")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.1))
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    # The router changed on main after the branch left it: not this branch's change.
    run = aip(repo.path, "--changed-since", "main")
    assert run.paths == ["feature/ai-production.yaml"]


def test_paths_with_spaces_and_unicode(tmp_path, env, aip):
    r = Repo(tmp_path / "dépôt", env)
    r.write(".github/CODEOWNERS", "/équipe\\ données/ @data-team\n")
    folder = "équipe données/modèle 1"
    refs(r, folder)
    r.write(
        f"{folder}/ai-production.yaml", manifest(folder, extra="governance: {model_card_ref: 'docs/carte modèle.md'}\n")
    )
    r.commit("first")
    r.write(
        f"{folder}/ai-production.yaml",
        manifest(folder, threshold=0.3, extra="governance: {model_card_ref: 'docs/carte modèle.md'}\n"),
    )
    r.write("docs/carte modèle.md", "untracked card\n")

    run = aip(r.path, "--changed-since", "HEAD")
    assert run.paths == [f"{folder}/ai-production.yaml"]
    rules = sorted(f["rule"] for f in run.git())
    assert rules == ["AIP-GIT-001", "AIP-GIT-004"]  # CODEOWNERS covers the escaped-space folder
    [untracked] = run.git("AIP-GIT-004")
    assert "docs/carte modèle.md" in untracked["message"]


# -- exit 2: refs that cannot be used -------------------------------------------------------------


def test_a_ref_that_does_not_exist_is_exit_2_naming_it(repo, aip):
    run = aip(repo.path, "--changed-since", "no-such-branch")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "no-such-branch" in run.stderr and "Traceback" not in run.stderr
    run = aip(repo.path, "--changed-since=--output=/tmp/x")  # never reaches git as an option
    assert run.code == 2 and "not a branch, tag or commit name" in run.stderr


def test_changed_since_and_changed_only_together_are_a_usage_error(repo, aip):
    run = aip(repo.path, "--changed-since", "main", "--changed-only")
    assert run.code == 2 and "not both" in run.stderr


def test_changed_since_outside_a_repository_is_exit_2(tmp_path, env, aip):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain/ai-production.yaml").write_text(manifest("plain"), encoding="utf-8")
    run = aip(tmp_path / "plain", "--changed-since", "main")
    assert run.code == 2 and "not inside a git repository" in run.stderr


def _shallow_feature_clone(tmp_path: Path, env: dict[str, str], single_branch: bool) -> Repo:
    origin = Repo(tmp_path / "origin", env)
    origin.write(".github/CODEOWNERS", "* @platform-team\n")
    origin.write("services/router/ai-production.yaml", manifest("services/router"))
    refs(origin, "services/router")
    origin.commit("first")
    origin.write("services/other/ai-production.yaml", manifest("services/router", "sys-other"))
    origin.commit("second on main")
    origin.git("checkout", "-q", "-b", "feature")
    origin.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.3))
    origin.commit("feature")
    clone = tmp_path / "clone"
    branches = ["--single-branch"] if single_branch else ["--no-single-branch"]
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", *branches, "--branch", "feature", f"file://{origin.path}", str(clone)],
        env=env,
        check=True,
        capture_output=True,
    )
    return Repo(clone, env, init=False)


def test_a_shallow_clone_without_the_base_ref_says_how_to_fetch_it(tmp_path, env, monkeypatch, aip):
    clone = _shallow_feature_clone(tmp_path, env, single_branch=True)
    assert clone.git("rev-parse", "--is-shallow-repository").strip() == "true"
    run = aip(clone.path, "--changed-since", "origin/main")
    assert run.code == 2 and run.stdout == ""
    assert "shallow" in run.stderr and "fetch-depth: 0" in run.stderr and "git fetch origin main" in run.stderr

    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    run = aip(clone.path, "--changed-only")
    assert run.code == 2 and "fetch-depth: 0" in run.stderr and "origin/main" in run.stderr


def test_a_shallow_clone_with_the_base_tip_compares_with_it(tmp_path, env, aip):
    clone = _shallow_feature_clone(tmp_path, env, single_branch=False)
    run = aip(clone.path, "--changed-since", "origin/main")
    assert run.code in (0, 1), run.stderr
    assert run.paths == ["services/router/ai-production.yaml"]
    assert [f["message"] for f in run.git("AIP-GIT-001")] == [
        "drift threshold for `prediction` raised from 0.2 to 0.3 since origin/main"
    ]


# -- --changed-only (GitHub pull requests) ---------------------------------------------------------


def test_changed_only_uses_the_pull_request_base_falling_back_to_the_local_branch(repo, monkeypatch, aip):
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    repo.write("extra/ai-production.yaml", manifest("extra", "sys-extra"))
    refs(repo, "extra")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("late/ai-production.yaml", manifest("late", "sys-late"))
    refs(repo, "late")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")

    monkeypatch.setenv("GITHUB_BASE_REF", "main")  # there is no origin/main: `main` is used
    run = aip(repo.path, "--changed-only")
    assert run.paths == ["extra/ai-production.yaml", "services/router/ai-production.yaml"]
    assert [f["message"] for f in run.git("AIP-GIT-001")] == [
        "drift threshold for `prediction` raised from 0.2 to 0.4 since main"
    ]

    repo.git("update-ref", "refs/remotes/origin/main", "main~1")  # origin/main wins when it exists
    run = aip(repo.path, "--changed-only")
    assert [f["message"] for f in run.git("AIP-GIT-001")] == [
        "drift threshold for `prediction` raised from 0.2 to 0.4 since origin/main"
    ]


def test_changed_only_outside_a_pull_request_checks_everything_with_a_note(repo, aip):
    repo.write("b/ai-production.yaml", manifest("b", "sys-b"))
    refs(repo, "b")
    repo.commit("b")
    run = aip(repo.path, "--changed-only")
    assert run.paths == ["b/ai-production.yaml", "services/router/ai-production.yaml"]
    assert "not a pull request" in run.stderr


# -- AIP-GIT-001 end to end ------------------------------------------------------------------------


def test_weakened_threshold_is_reported_at_its_line_in_the_new_file(repo, aip):
    path = repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    run = aip(repo.path, "--changed-since", "HEAD", "--select", "AIP-GIT")
    [finding] = run.git()
    assert finding["rule"] == "AIP-GIT-001" and finding["severity"] == "error"
    assert finding["line"] == _line_of(path, "threshold: 0.4")
    assert finding["message"] == "drift threshold for `prediction` raised from 0.2 to 0.4 since HEAD"
    assert run.code == 1


def test_a_removed_alert_is_reported_at_the_alerts_key_line(repo, aip):
    second = (
        "    - {name: accuracy, route: {channel: pagerduty, target: router}, runbook_ref: services/router/runbook.md}\n"
    )
    both = manifest("services/router").replace("  alerts:\n", "  alerts:\n" + second)
    repo.write("services/router/ai-production.yaml", both)
    repo.commit("two alerts")
    path = repo.write("services/router/ai-production.yaml", manifest("services/router"))  # `accuracy` is gone
    run = aip(repo.path, "--changed-since", "HEAD", "--select", "AIP-GIT-001")
    [finding] = run.git()
    assert finding["line"] == _line_of(path, "alerts:")
    assert finding["message"] == "alert `accuracy` removed since HEAD"


def test_a_waiver_accepts_a_weakening_and_keeps_it_visible(repo, aip):
    waiver = """\
waivers:
  - rule: AIP-GIT-001
    path: monitoring.drift
    reason: PSI 0.2 fired weekly on seasonal traffic (ML-2210)
    approved_by: {name: Priya Raman, contact: priya.raman@acme-corp.io}
    expires: 2027-01-31
"""
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4, extra=waiver))
    run = aip(repo.path, "--changed-since", "HEAD", "--select", "AIP-GIT")
    [finding] = run.git()
    assert finding["rule"] == "AIP-GIT-001" and finding["suppressed"] is True
    assert run.code == 0


def test_a_pilot_that_weakens_gets_a_warning(repo, aip):
    repo.write("services/router/ai-production.yaml", manifest("services/router", stage="pilot"))
    run = aip(repo.path, "--changed-since", "HEAD", "--select", "AIP-GIT-001")
    [finding] = run.git()
    assert (
        finding["severity"] == "warning"
        and finding["message"] == "stage moved back from production to pilot since HEAD"
    )


def test_weakened_commitment_is_not_evaluated_without_a_base_ref(repo, aip):
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    run = aip(repo.path, "--select", "AIP-GIT", fmt="junit")
    assert run.code == 0
    assert "AIP-GIT-001" not in run.stdout and "AIP-GIT-003" in run.stdout  # JUnit lists the rules evaluated


def test_a_manifest_that_did_not_parse_at_the_base_is_not_compared(repo, aip):
    repo.write("services/router/ai-production.yaml", "stage: [unclosed\n")
    repo.commit("broken")
    repo.write("services/router/ai-production.yaml", manifest("services/router", threshold=0.4))
    run = aip(repo.path, "--changed-since", "HEAD", "--select", "AIP-GIT")
    assert run.code == 0 and run.git() == []


# -- AIP-GIT-002 end to end ------------------------------------------------------------------------


def test_stale_evidence_by_commit_date_and_fresh_after_a_new_commit(tmp_path, env, aip):
    r = Repo(tmp_path / "evidence", env)
    r.write(".github/CODEOWNERS", "* @platform-team\n")
    refs(r, "svc")
    r.commit("evidence", date="2026-09-01T12:00:00+00:00")
    path = r.write("svc/ai-production.yaml", manifest("svc"))
    r.commit("manifest", date="2026-11-25T12:00:00+00:00")
    os.utime(r.path / "svc/evidence.md")  # a fresh mtime changes nothing: git history decides

    run = aip(r.path, "--select", "AIP-GIT-002")
    found = {(f["line"], f["json_path"]) for f in run.git()}
    assert found == {
        (_line_of(path, "evidence.md"), "$.monitoring.outcome_accuracy.evidence_ref"),
        (_line_of(path, "suite_ref"), "$.data.sources[0].validation.evidence_ref"),
    }
    assert all("last changed in git on 2026-09-01, 86 days ago" in f["message"] for f in run.git())
    assert run.code == 1

    r.write("svc/evidence.md", "November results\n")  # not committed yet: counts as today
    assert [f["json_path"] for f in aip(r.path, "--select", "AIP-GIT-002").git()] == [
        "$.data.sources[0].validation.evidence_ref"
    ]  # the suite definition (suite_ref) is never stale
    r.write("svc/validation.json", "run of 2026-11-24\n")
    r.commit("fresh evidence", date="2026-11-24T12:00:00+00:00")
    run = aip(r.path, "--select", "AIP-GIT-002")
    assert run.git() == [] and run.code == 0


def test_stale_evidence_applies_to_production_only(tmp_path, env, aip):
    r = Repo(tmp_path / "pilot", env)
    refs(r, "svc")
    r.write("svc/ai-production.yaml", manifest("svc", stage="pilot"))
    r.commit("old", date="2025-01-01T12:00:00+00:00")
    run = aip(r.path, "--select", "AIP-GIT-002")
    assert run.git() == []
    run = aip(r.path, "--select", "AIP-GIT-002", "--stage", "production")
    assert len(run.git()) == 2


# -- AIP-GIT-003 and AIP-GIT-004 end to end ----------------------------------------------------------


def test_codeowners_missing_is_a_warning_at_the_owners_key(repo, aip):
    (repo.path / ".github/CODEOWNERS").unlink()
    run = aip(repo.path, "--select", "AIP-GIT-003")
    [finding] = run.git()
    assert finding["severity"] == "warning"
    assert finding["line"] == _line_of(repo.path / "services/router/ai-production.yaml", "owners:")
    repo.write("CODEOWNERS", "/services/ @platform-team\n/services/router/\n")
    [finding] = aip(repo.path, "--select", "AIP-GIT-003").git()
    assert "CODEOWNERS:2" in finding["message"]
    repo.write("docs/CODEOWNERS", "* @ignored-because-root-wins\n")
    repo.write("CODEOWNERS", "/services/router/ai-production.yaml @router-owners\n")
    assert aip(repo.path, "--select", "AIP-GIT-003").git() == []


def test_untracked_ref_is_reported_until_it_is_added(repo, aip):
    extra = "governance: {model_card_ref: services/router/card.md}\n"
    path = repo.write("services/router/ai-production.yaml", manifest("services/router", extra=extra))
    repo.write("services/router/card.md", "card\n")
    run = aip(repo.path, "--select", "AIP-GIT-004")
    [finding] = run.git()
    assert finding["line"] == _line_of(path, "model_card_ref") and finding["severity"] == "error"
    assert "not tracked by git" in finding["message"]
    repo.git("add", "services/router/card.md")  # staged is enough: it is in the index
    assert aip(repo.path, "--select", "AIP-GIT-004").git() == []


def test_refs_are_literal_paths_for_git_never_globs_or_options(repo, aip):
    repo.write("docs/a*.md", "a star, tracked\n")
    repo.write("docs/--help.md", "looks like an option, tracked\n")
    repo.write(":odd.md", "looks like pathspec magic, tracked\n")
    repo.commit("odd names")
    repo.write("docs/ab.md", "would match the glob a*.md, untracked\n")
    extra = (
        "governance: {model_card_ref: 'docs/a*.md', incident_process_ref: 'docs/--help.md', "
        "decommission_plan_ref: docs/ab.md, x-audit_ref: ':odd.md'}\n"
    )
    repo.write("services/router/ai-production.yaml", manifest("services/router", extra=extra))
    run = aip(repo.path, "--select", "AIP-GIT-004")
    assert [f["json_path"] for f in run.git()] == ["$.governance.decommission_plan_ref"]


def test_a_repository_without_commits_works(tmp_path, env, aip):
    r = Repo(tmp_path / "fresh", env)
    refs(r, "svc")
    r.write("svc/ai-production.yaml", manifest("svc"))
    r.git(
        "add", "svc/ai-production.yaml", "svc/evidence.md", "svc/suite.yaml", "svc/pipeline.py", "svc/validation.json"
    )
    run = aip(r.path, "--select", "AIP-GIT")
    assert sorted(f["rule"] for f in run.git()) == ["AIP-GIT-003", "AIP-GIT-004"]  # runbook.md is not added
    run = aip(r.path, "--changed-since", "HEAD")
    assert run.code == 2 and "HEAD" in run.stderr


# -- without git -----------------------------------------------------------------------------------


def test_outside_a_repository_git_rules_are_skipped_with_one_note(tmp_path, env, aip):
    folder = tmp_path / "no-repo"
    folder.mkdir()
    (folder / "ai-production.yaml").write_text(manifest("."), encoding="utf-8")
    for name in REF_FILES:
        (folder / name).write_text("x\n", encoding="utf-8")
    run = aip(folder)
    assert run.json["summary"]["files"] == 1 and run.git() == []
    notes = [line for line in run.stderr.splitlines() if "AIP-GIT" in line]
    assert len(notes) == 1 and "not inside a git repository" in notes[0]
    assert run.stderr.count("\n") == 1
    assert aip(folder, "--ignore", "AIP-GIT").stderr == ""  # nothing skipped that was wanted


def test_without_the_git_binary_every_file_is_still_checked(repo, tmp_path, monkeypatch, aip):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    run = aip(repo.path)
    assert run.json["summary"]["files"] == 1 and run.git() == []
    assert "AIP-GIT" in run.stderr


def _modules_after_check(cwd: Path, env: dict[str, str]) -> str:
    script = (
        "import sys\n"
        "from checker.cli import main\n"
        f"code = main(['check', '.', '--today', '{TODAY}'])\n"
        "print('GITPYTHON' if 'git' in sys.modules else 'NO-GITPYTHON', code)\n"
    )
    env = {**env, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_gitpython_is_not_imported_outside_a_repository(tmp_path, env):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "ai-production.yaml").write_text(manifest("."), encoding="utf-8")
    assert _modules_after_check(folder, env).startswith("NO-GITPYTHON")


def test_gitpython_is_not_imported_for_codeowners_and_untracked_refs(tmp_path, env):
    r = Repo(tmp_path / "pilot", env)
    refs(r, "svc")
    r.write("svc/ai-production.yaml", manifest("svc", stage="pilot"))
    r.commit("pilot")
    r.write("svc/untracked.md", "x\n")
    assert _modules_after_check(r.path, env).startswith("NO-GITPYTHON")


def test_gitpython_is_imported_when_history_is_needed(repo, env):
    # The control for the two tests above: a production manifest's evidence needs history.
    assert _modules_after_check(repo.path, env).startswith("GITPYTHON")


def test_finding_among_changed_files_gives_what_discovery_gives_in_its_order(tmp_path):
    # --changed-since finds its manifests among git's answer without listing folders; it must
    # find what the walk would, spelt and ordered as the walk does: skipped and virtualenv
    # folders left out, a symlinked folder entered only when named, names matched.
    from checker import discover

    root = tmp_path.resolve()
    files = [
        "ai-production.yaml",
        "b/ai-production.yaml",
        "b/a.ai-production.yaml",
        "b/c/ai-production.yaml",
        "b-c/ai-production.yaml",
        "node_modules/x/ai-production.yaml",
        "venv1/lib/ai-production.yaml",
        "sp ace/ai-production.yml",
        "b/notes.yaml",
    ]
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("stage: pilot\n", encoding="utf-8")
    (root / "venv1" / "pyvenv.cfg").write_text("", encoding="utf-8")
    (root / "link").symlink_to(root / "b", target_is_directory=True)
    rels = files + ["gone/ai-production.yaml"]  # one git names that is no longer there
    for paths in ([Path(".")], [Path("b"), Path(".")], [Path("link")], [root / "b"], [Path("venv1"), Path("x.yaml")]):
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(root)
            expected = discover.discover(paths, discover.DEFAULT_NAMES)
            assert discover.among(paths, discover.DEFAULT_NAMES, root, rels) == expected, paths
            assert expected  # each case finds something


def test_base_versions_are_read_in_one_go_with_none_for_what_is_not_a_small_file(tmp_path, env):
    # gitrepo.blobs_at answers for every path at once: the content of a file, None for a path
    # missing there, a folder, or a file over the cap; names with spaces, a newline or bytes
    # that are not UTF-8 are asked as they are.
    from checker import gitrepo

    r = Repo(tmp_path / "blobs", env)
    names = {"a.yaml": "first\n", "sp ace/b.yaml": "second\n", "big.yaml": "x" * 100, "same.yaml": "first\n"}
    if sys.platform != "win32":
        names["new\nline.yaml"] = "third\n"
    for rel, text in names.items():
        r.write(rel, text)
    odd = os.fsdecode(b"caf\xe9.yaml")
    if sys.platform == "linux":
        (r.path / odd).write_bytes(b"fourth\n")
    r.commit("files")
    head = gitrepo.head(r.path)
    assert head is not None
    asked = ["a.yaml", "sp ace/b.yaml", "big.yaml", "same.yaml", "missing.yaml", "sp ace", *names.keys() - {"a.yaml"}]
    if sys.platform == "linux":
        asked.append(odd)
    got = gitrepo.blobs_at(r.path, head, asked, max_bytes=99)
    assert list(got) == list(dict.fromkeys(asked))
    assert got["a.yaml"] == got["same.yaml"] == b"first\n"
    assert got["sp ace/b.yaml"] == b"second\n"
    assert got["big.yaml"] is None and got["missing.yaml"] is None and got["sp ace"] is None
    if "new\nline.yaml" in names:
        assert got["new\nline.yaml"] == b"third\n"
    if sys.platform == "linux":
        assert got[odd] == b"fourth\n"
    assert gitrepo.blobs_at(r.path, head, ["big.yaml"], max_bytes=100) == {"big.yaml": b"x" * 100}  # at the cap


def test_a_one_file_check_starts_two_git_processes_and_one_history_walk(repo, monkeypatch, aip):
    # README "Performance": `rev-parse` (folders and HEAD at once) and `ls-files` (the refs),
    # and a few more around the history walk that dates a production manifest's evidence (AIP-GIT-002).
    asked = git_commands(monkeypatch)
    run = aip(repo.path, "services/router/ai-production.yaml")
    assert run.json["summary"]["files"] == 1
    # Dating the evidence: the history walk, the shallow boundary, uncommitted changes, the filters.
    assert asked[:2] == ["rev-parse", "ls-files"] and asked.count("log") == 1 and len(asked) <= 7, asked
    asked.clear()
    # The text report (the JSON one also names the repository: `config remote.origin.url`).
    run = aip(repo.path, "--ignore", "AIP-GIT-002", "services/router/ai-production.yaml", fmt="text")
    assert "1 file checked" in run.stdout
    assert asked == ["rev-parse", "ls-files"]


def _loose(repo_path: Path, sha: str) -> Path:
    return repo_path / ".git" / "objects" / sha[:2] / sha[2:]


def test_a_damaged_base_object_costs_only_its_own_content(tmp_path, env):
    # A loose blob whose header promises more bytes than it holds: git's `cat-file --batch` sends
    # it short and carries on. Only that file has no base version; the others still read right.
    import zlib

    from checker import gitrepo

    r = Repo(tmp_path / "damaged", env)
    r.write("a.yaml", "a: 1\n" * 200)
    r.write("b.yaml", "b: 2\n" * 200)
    r.write("c.yaml", "c: 3\n" * 200)
    r.commit("three")
    gitrepo.forget()
    head = gitrepo.head(r.path)
    assert head is not None
    sha = r.git("rev-parse", "HEAD:a.yaml").strip()
    loose = _loose(r.path, sha)
    header, body = zlib.decompress(loose.read_bytes()).split(b"\0", 1)
    os.chmod(loose, 0o644)
    loose.write_bytes(zlib.compress(header + b"\0" + body[: len(body) // 2]))
    got = gitrepo.blobs_at(r.path, head, ["a.yaml", "b.yaml", "c.yaml"], 1 << 20)
    assert got == {"a.yaml": None, "b.yaml": b"b: 2\n" * 200, "c.yaml": b"c: 3\n" * 200}
    shas = [r.git("rev-parse", f"HEAD:{name}").strip() for name in ("a.yaml", "b.yaml", "c.yaml")]
    assert gitrepo.blobs(r.path, shas, 1 << 20) == {shas[0]: None, shas[1]: b"b: 2\n" * 200, shas[2]: b"c: 3\n" * 200}


def test_a_base_path_is_a_literal_path_and_a_link_there_is_no_file(tmp_path, env):
    # `commit:path` would read `m-g<hex>` as `git describe` output naming another object; and a
    # symlink's blob is its target text, which must not be compared as the old manifest.
    from checker import gitrepo

    r = Repo(tmp_path / "literal", env)
    r.write("other.yaml", "other\n")
    r.commit("other")
    prefix = r.git("rev-parse", "HEAD:other.yaml").strip()[:8]
    r.write(f"m-g{prefix}", "mine\n")
    (r.path / "ai-production.yaml").symlink_to("apiVersion: aipolicy/v1\n")
    r.commit("a describe-like name and a link")
    gitrepo.forget()
    head = gitrepo.head(r.path)
    assert head is not None
    got = gitrepo.blobs_at(r.path, head, [f"m-g{prefix}", "ai-production.yaml", "other.yaml"], 1 << 20)
    assert got == {f"m-g{prefix}": b"mine\n", "ai-production.yaml": None, "other.yaml": b"other\n"}


def test_changed_since_asks_a_nested_repository_what_it_ignores_as_a_full_run_does(tmp_path, env, aip):
    # The outer repository tracks vend/ai-production.yaml; vend/ became a repository of its own
    # whose .gitignore ignores it. A full run asks vend's git (the nearest) and skips the file;
    # --changed-since, finding it in the outer diff, must skip it too.
    r = Repo(tmp_path / "outer", env)
    refs(r, "shared")
    r.write("kept/ai-production.yaml", manifest("shared", "kept"))
    r.write("vend/ai-production.yaml", manifest("shared", "vendored"))
    r.commit("two systems")
    Repo(r.path / "vend", env)  # git init inside
    r.write("vend/.gitignore", "ai-production.yaml\n")
    for rel, system in (("kept/ai-production.yaml", "kept"), ("vend/ai-production.yaml", "vendored")):
        r.write(rel, manifest("shared", system, threshold=0.4))
    full = aip(r.path, ".")
    changed = aip(r.path, "--changed-since", "HEAD", ".")
    assert full.paths == ["kept/ai-production.yaml"]
    assert changed.paths == full.paths


def test_blob_batches_hold_at_most_their_byte_limit_each_and_every_blob_once():
    from checker.gitrepo import _by_bytes

    sizes = {"a": 40, "b": 30, "c": 40, "d": 200, "e": 1, "f": 99}
    batches = list(_by_bytes(sizes, 100))
    assert batches == [["a", "b"], ["c"], ["d"], ["e", "f"]]  # d is over the limit: alone
    assert [k for batch in batches for k in batch] == list(sizes)
    assert list(_by_bytes({}, 100)) == [] and list(_by_bytes({"x": 100}, 100)) == [["x"]]
