"""Nothing outside the repository is read through a link; reads never block (checker/safeio.py)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from test_git_repo import env  # noqa: F401 - fixture

from checker import engine, safeio
from checker.options import Options

MANIFEST = b"schema_version: 1\n"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    return repo


def test_a_manifest_below_a_folder_symlink_leading_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "ai-production.yaml").write_bytes(MANIFEST)
    (repo / "models").symlink_to(outside)
    got = engine.read_bytes(repo / "models" / "ai-production.yaml", Options())
    assert isinstance(got, engine.LoadProblem) and "outside the repository" in got.message


def test_a_link_on_the_way_to_the_repository_is_the_operators(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "ai-production.yaml").write_bytes(MANIFEST)
    (tmp_path / "via").symlink_to(repo)
    assert engine.read_bytes(tmp_path / "via" / "ai-production.yaml", Options()) == MANIFEST


def test_a_nested_repository_reached_through_a_link_does_not_vouch_for_itself(tmp_path: Path) -> None:
    repo, other = _repo(tmp_path), tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    (other / "ai-production.yaml").write_bytes(MANIFEST)
    (repo / "vendor").symlink_to(other)
    assert safeio.repository_of(repo / "vendor" / "ai-production.yaml") == repo


def _tree_of_repositories_and_links(tmp_path: Path) -> dict[str, Path | None]:
    """Folders (file system paths) and the repository each lies in, links and nesting included."""
    repo, other = _repo(tmp_path), tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    (other / "deep" / "er").mkdir(parents=True)
    (other / "deep" / ".git").mkdir()  # a repository below the link: still not `repo/vendor/deep`'s
    (repo / "a" / "b" / "nested" / ".git").mkdir(parents=True)
    (repo / "a" / "b" / "nested" / "c").mkdir()
    (repo / "a" / "sibling").mkdir()
    (repo / "vendor").symlink_to(other)
    (tmp_path / "via").symlink_to(repo)
    nested = repo / "a" / "b" / "nested"
    return {
        "repo/a/b/nested/c": nested,
        "repo/a/b": repo,
        "repo/a/sibling": repo,
        "repo/vendor/deep/er": repo,  # through a link inside `repo`: `repo`'s content, not `other`
        "repo/vendor": repo,
        "other/deep/er": other / "deep",
        "other": other,
        "via/a/b/nested/c": tmp_path / "via" / "a" / "b" / "nested",  # a link above the repository
        "via/a/sibling": tmp_path / "via",
    }


@pytest.mark.parametrize("reverse", [False, True], ids=["shallow-first", "deep-first"])
def test_the_repository_of_a_folder_does_not_depend_on_which_folders_were_asked_before(
    tmp_path: Path, reverse: bool
) -> None:
    # Answers are kept per folder for the run and reused below it: asking in any order, after
    # any other folder, gives what a first question gives.
    expected = _tree_of_repositories_and_links(tmp_path)
    for rel in sorted(expected, key=lambda r: r.count("/"), reverse=reverse):
        safeio.forget()
        alone = safeio.repository_of(tmp_path / rel / "ai-production.yaml")
        assert alone == expected[rel], rel
    safeio.forget()
    for rel in sorted(expected, key=lambda r: r.count("/"), reverse=reverse):
        assert safeio.repository_of(tmp_path / rel / "ai-production.yaml") == expected[rel], rel


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_by_the_descriptor_without_blocking(tmp_path: Path, monkeypatch) -> None:
    repo = _repo(tmp_path)
    fifo = repo / "ai-production.yaml"
    os.mkfifo(fifo)
    flags = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, f, *a: flags.append(f) or real_open(p, f, *a))
    got = engine.read_bytes(fifo, Options())
    assert isinstance(got, engine.LoadProblem) and "not a regular file" in got.message
    assert flags and flags[0] & os.O_NONBLOCK


def _deny(monkeypatch, denied: Path) -> None:
    """Make `denied` unreadable even to root: os.access says no, and opening or listing it
    fails with EACCES (chmod 000 alone does not stop root)."""
    import errno

    denied_s = os.path.abspath(denied)
    real_open, real_access, real_scandir = os.open, os.access, os.scandir

    def refuse(path) -> bool:
        return os.path.abspath(os.fspath(path)) == denied_s if isinstance(path, (str, os.PathLike)) else False

    def fake_open(path, flags, *args, **kwargs):
        if refuse(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_scandir(path="."):
        if refuse(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(
        os, "access", lambda path, mode, *a, **k: False if refuse(path) else real_access(path, mode, *a, **k)
    )
    monkeypatch.setattr(os, "scandir", fake_scandir)


def _check(argv: list[str], capsys) -> tuple[int, str, str]:
    from checker.cli import main

    code = main(["check", "--format", "json", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_unreadable_manifest_named_on_the_command_line_is_a_finding_and_the_others_are_still_checked(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import json

    repo = _repo(tmp_path)
    good, bad = repo / "good.ai-production.yaml", repo / "bad.ai-production.yaml"
    good.write_bytes(MANIFEST)
    bad.write_bytes(MANIFEST)
    bad.chmod(0)
    monkeypatch.chdir(repo)
    _deny(monkeypatch, bad)
    code, out, err = _check([str(bad), str(good)], capsys)
    assert code == 1, err
    report = json.loads(out)
    bad_findings = [f for f in report["findings"] if f["path"].endswith("bad.ai-production.yaml")]
    assert [f["rule"] for f in bad_findings] == ["AIP-SCH-002"] and "Permission denied" in bad_findings[0]["message"]
    assert any(f["path"].endswith("good.ai-production.yaml") for f in report["findings"])


def test_an_unreadable_folder_is_a_finding_on_that_folder_not_a_silent_exit_0(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import json

    repo = _repo(tmp_path)
    locked = repo / "locked"
    locked.mkdir()
    (locked / "ai-production.yaml").write_bytes(MANIFEST)
    locked.chmod(0)
    monkeypatch.chdir(repo)
    _deny(monkeypatch, locked)
    try:
        code, out, err = _check(["."], capsys)
    finally:
        locked.chmod(0o755)
    assert code == 1, err
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "AIP-SCH-002"]
    assert [f["path"] for f in found] == ["locked"] and "cannot read folder" in found[0]["message"]


@pytest.mark.parametrize("value", ["0", str(2 * 1024**3), "99999999999999999999999"])
def test_max_file_size_out_of_range_is_exit_2_with_one_line(value: str, tmp_path: Path, monkeypatch, capsys) -> None:
    repo = _repo(tmp_path)
    (repo / "ai-production.yaml").write_bytes(MANIFEST)
    monkeypatch.chdir(repo)
    code, out, err = _check(["--max-file-size", value, "."], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--max-file-size" in err


def _settings(repo: Path, monkeypatch, config: Path | None = None):
    from checker import session

    monkeypatch.chdir(repo)
    return session.load_settings(config, [])


def test_a_symlinked_config_outside_the_repository_is_not_read(tmp_path: Path, monkeypatch) -> None:
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "conf.yaml").write_text("fail-on: note\n")
    (repo / ".aipolicy.yaml").symlink_to(outside / "conf.yaml")
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch)


def test_a_config_extends_through_a_folder_symlink_leading_outside_the_repository_is_not_read(
    tmp_path: Path, monkeypatch
) -> None:
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text("fail-on: note\n")
    (repo / "shared").symlink_to(outside)
    (repo / ".aipolicy.yaml").write_text("extends: [shared/base.yaml]\n")
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch)


def test_a_symlinked_pyproject_outside_the_repository_is_not_read(tmp_path: Path, monkeypatch) -> None:
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "pyproject.toml").write_text("[tool.aipolicy]\nfail-on = 'note'\n")
    (repo / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch)


def test_a_config_extends_leading_outside_the_repository_is_not_read(tmp_path: Path, monkeypatch) -> None:
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text("fail-on: note\n")
    (repo / "base.yaml").symlink_to(outside / "base.yaml")
    (repo / ".aipolicy.yaml").write_text("extends: [base.yaml]\n")
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch)
    # `--config` naming that same file is the operator's word, but what it extends is the repository's.
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch, repo / ".aipolicy.yaml")


def test_a_config_named_with_dash_dash_config_is_trusted_with_its_extends_outside_a_repository(
    tmp_path: Path, monkeypatch
) -> None:
    repo, org = _repo(tmp_path), tmp_path / "org"
    (org / "real").mkdir(parents=True)
    (org / "real" / "base.yaml").write_text("fail-on: note\n")
    (org / "base.yaml").symlink_to(org / "real" / "base.yaml")
    (org / "conf.yaml").write_text("extends: [base.yaml]\n")
    config, _ = _settings(repo, monkeypatch, org / "conf.yaml")
    assert config.fail_on == "note"


PACK = "apiVersion: aipolicy/policy-v1\nname: acme\nextends: [builtin:high-risk]\n"


def test_a_pack_named_by_the_repository_config_through_a_symlink_outside_is_not_read(
    tmp_path: Path, monkeypatch
) -> None:
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "pack.yaml").write_text(PACK)
    (repo / "packs").symlink_to(outside)
    (repo / ".aipolicy.yaml").write_text("policies: [packs/pack.yaml]\n")
    with pytest.raises(UsageError, match="outside the repository"):
        _settings(repo, monkeypatch)


def test_a_pack_extends_inside_the_repository_leading_outside_is_not_read(tmp_path: Path, monkeypatch) -> None:
    from checker import session
    from checker.errors import UsageError

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text(PACK)
    (repo / "base.yaml").symlink_to(outside / "base.yaml")
    (repo / "pack.yaml").write_text("apiVersion: aipolicy/policy-v1\nname: top\nextends: [base.yaml]\n")
    monkeypatch.chdir(repo)
    # --policy is the operator's word for pack.yaml, not for what the repository file extends.
    with pytest.raises(UsageError, match="outside the repository"):
        session.load_settings(None, [repo / "pack.yaml"])


def test_a_pack_named_with_dash_dash_policy_is_read_as_given(tmp_path: Path, monkeypatch) -> None:
    from checker import session

    repo, org = _repo(tmp_path), tmp_path / "org"
    (org / "real").mkdir(parents=True)
    (org / "real" / "pack.yaml").write_text(PACK)
    (org / "pack.yaml").symlink_to(org / "real" / "pack.yaml")
    (repo / "pack.yaml").symlink_to(org / "pack.yaml")
    monkeypatch.chdir(repo)
    _, policy = session.load_settings(None, [org / "pack.yaml"])
    assert "AIP-HR-001" in policy.rules


CASE = b"# expect-not: AIP-OWN-001\nschema_version: 1\n"


def _test_policies(repo: Path, monkeypatch, capsys) -> tuple[int, str]:
    from checker.cli import main

    monkeypatch.chdir(repo)
    code = main(["test-policies", "cases"])
    out, err = capsys.readouterr()
    return code, out + err


def test_a_symlinked_policy_test_case_outside_the_repository_is_not_read(tmp_path: Path, monkeypatch, capsys) -> None:
    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_bytes(CASE)
    (repo / "cases").mkdir()
    (repo / "cases" / "ok.yaml").write_bytes(CASE)
    (repo / "cases" / "leak.yaml").symlink_to(outside / "secret.yaml")
    code, out = _test_policies(repo, monkeypatch, capsys)
    assert code == 1 and "leak.yaml" in out and "outside the repository" in out


def test_a_folder_symlink_among_policy_test_cases_is_not_followed(tmp_path: Path, monkeypatch, capsys) -> None:
    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_bytes(CASE)
    (repo / "cases").mkdir()
    (repo / "cases" / "ok.yaml").write_bytes(CASE)
    (repo / "cases" / "more").symlink_to(outside)
    code, out = _test_policies(repo, monkeypatch, capsys)
    assert code == 0 and "secret" not in out


def test_an_unreadable_folder_of_policy_test_cases_fails_the_run_naming_it(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = _repo(tmp_path)
    locked = repo / "cases" / "locked"
    locked.mkdir(parents=True)
    (repo / "cases" / "ok.yaml").write_bytes(CASE)
    (locked / "hidden.yaml").write_bytes(CASE)
    locked.chmod(0)
    monkeypatch.chdir(repo)
    _deny(monkeypatch, locked)
    try:
        code, out = _test_policies(repo, monkeypatch, capsys)
    finally:
        locked.chmod(0o755)
    assert code == 1 and "locked" in out and "cannot read folder" in out


@pytest.mark.parametrize(
    "argv", [["check", "a\x00b"], ["check", "--config", "a\x00b", "."], ["test-policies", "a\x00b"]]
)
def test_a_path_the_os_cannot_take_is_exit_2_with_one_line(
    argv: list[str], tmp_path: Path, monkeypatch, capsys
) -> None:
    from checker.cli import main

    monkeypatch.chdir(_repo(tmp_path))
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not a usable path" in err


def _returns_within(seconds: float, fn):
    """fn()'s value, or a test failure when it hangs (a daemon thread: a hung read cannot stall the suite)."""
    import threading

    box: list = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, "hung"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_rename_pairing_never_blocks_on_a_working_tree_fifo(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from checker.git.run import GitRun

    repo = _repo(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    (repo / "ai-production.yaml").symlink_to(tmp_path / "fifo")
    old = b"schema_version: 1\nsystem: {id: a}\n"
    run = SimpleNamespace(root=repo, base="HEAD", max_bytes=1024)
    # Unreadable on this side: git's pairing stands.
    assert _returns_within(10, lambda: GitRun._same_system(run, "old.yaml", "ai-production.yaml", old)) is True


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_codeowners_is_never_read_through_a_fifo_swapped_in(tmp_path: Path, monkeypatch) -> None:
    from checker.git.codeowners import CodeOwners

    repo = _repo(tmp_path)
    owners = repo / "CODEOWNERS"
    owners.write_text("* @team\n")
    os.mkfifo(repo / "fifo")
    real_is_file = Path.is_file

    def swap(self: Path) -> bool:  # the check passes, then a FIFO takes the file's place
        answer = real_is_file(self)
        if self == owners and answer:
            owners.unlink()
            owners.symlink_to(repo / "fifo")
        return answer

    monkeypatch.setattr(Path, "is_file", swap)
    assert _returns_within(10, lambda: CodeOwners.find(repo)) is None


def test_a_ref_with_a_name_too_long_for_the_file_system_is_does_not_exist_at_its_line_in_a_git_repository(
    tmp_path: Path, env, monkeypatch, capsys
) -> None:
    from test_git_repo import Repo, manifest, refs

    from checker.cli import main

    repo = Repo(tmp_path / "work", env)
    repo.write(".github/CODEOWNERS", "* @platform-team\n")
    text = manifest("docs").replace("docs/runbook.md", "docs/" + "a" * 300 + ".md")
    repo.write("ai-production.yaml", text)
    refs(repo, "docs")
    (repo.path / "docs" / "evidence.md").unlink()  # a second bad ref: still judged
    repo.commit("first")
    monkeypatch.chdir(repo.path)
    code = main(["check", "--format", "json", "--today", "2026-11-26", "ai-production.yaml"])
    out, err = capsys.readouterr()
    import json

    missing = [f for f in json.loads(out)["findings"] if f["rule"] == "AIP-REF-001"]
    lines = {f["line"]: f["message"] for f in missing}
    long_line = next(i for i, line in enumerate(text.splitlines(), 1) if "a" * 300 in line)
    evidence_line = next(i for i, line in enumerate(text.splitlines(), 1) if "docs/evidence.md" in line)
    assert code == 1 and "Traceback" not in err
    assert set(lines) == {long_line, evidence_line} and "does not exist" in lines[long_line]


@pytest.mark.parametrize("named", ["models", "."])
def test_a_folder_symlink_leading_outside_named_or_walked_reads_nothing_outside(
    named: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    import json

    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "ai-production.yaml").write_bytes(b"secret: [")
    (repo / "models").symlink_to(outside)
    monkeypatch.chdir(repo)
    code, out, err = _check([named], capsys)
    text = out + err
    assert "secret" not in text
    if named == "models":  # named on the command line: found, and refused at the read
        found = json.loads(out)["findings"]
        assert (
            code == 1
            and [f["rule"] for f in found] == ["AIP-SCH-002"]
            and "outside the repository" in found[0]["message"]
        )
    else:  # met while walking: not followed
        assert code == 0 and "no manifests found" in err


@pytest.mark.parametrize("reverse", [False, True], ids=["shallow-first", "deep-first"])
def test_the_git_root_of_a_folder_does_not_depend_on_which_folders_were_asked_before(
    tmp_path: Path, reverse: bool
) -> None:
    from checker import gitrepo

    repo = _repo(tmp_path)
    (repo / "a" / "b" / "nested" / ".git").mkdir(parents=True)
    (repo / "a" / "b" / "nested" / "c").mkdir()
    (repo / "a" / "sibling").mkdir()
    (tmp_path / "bare" / "x").mkdir(parents=True)
    nested = (repo / "a" / "b" / "nested").resolve()
    expected = {
        "repo/a/b/nested/c": nested,
        "repo/a/b/nested": nested,
        "repo/a/b": repo.resolve(),
        "repo/a/sibling": repo.resolve(),
        "repo": repo.resolve(),
    }
    for rel in sorted(expected, key=lambda r: r.count("/"), reverse=reverse):
        gitrepo.forget()
        assert gitrepo.find_root(tmp_path / rel) == expected[rel], rel
    gitrepo.forget()
    for rel in sorted(expected, key=lambda r: r.count("/"), reverse=reverse):
        assert gitrepo.find_root(tmp_path / rel / "ai-production.yaml") == expected[rel], rel
    above = gitrepo.find_root(tmp_path)  # whatever holds the temporary folder, asked first and last
    assert gitrepo.find_root(tmp_path / "bare" / "x") == above


def _tree_of_links(tmp_path: Path) -> list[str]:
    """Paths through folder and file links, relative links with `..`, a dangling link, a loop."""
    repo = _repo(tmp_path)
    (repo / "docs" / "deep").mkdir(parents=True)
    (repo / "docs" / "deep" / "card.md").write_text("x")
    (tmp_path / "outside").mkdir()
    (repo / "to-docs").symlink_to("docs")
    (repo / "docs" / "up").symlink_to("../docs/deep")
    (repo / "docs" / "card-link.md").symlink_to("deep/card.md")
    (repo / "away").symlink_to(tmp_path / "outside")
    (repo / "dangling").symlink_to("nowhere/at/all")
    (repo / "loop-a").symlink_to("loop-b")
    (repo / "loop-b").symlink_to("loop-a")
    names = [
        "docs/deep/card.md", "to-docs/deep/card.md", "docs/up/card.md", "docs/up/../deep/card.md",
        "to-docs/up/..", "docs/card-link.md", "away/x.md", "away/../repo/docs", "dangling/x.md",
        "loop-a/x.md", "loop-b", "docs/./deep/./card.md", "missing/deeper/x.md", "to-docs/missing/x",
        "docs//deep//card.md", "to-docs/../away/y",
    ]  # fmt: skip
    return [str(repo / name) for name in names]


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_realpath_with_folders_kept_for_the_run_answers_as_os_path_realpath(tmp_path: Path, reverse: bool) -> None:
    paths = _tree_of_links(tmp_path)
    for path in paths:
        safeio.forget()
        assert safeio.realpath(path) == os.path.realpath(path), path
    safeio.forget()
    for path in reversed(paths) if reverse else paths:  # each answer after the others were kept
        assert safeio.realpath(path) == os.path.realpath(path), path


def test_realpath_of_a_relative_path_is_taken_from_the_current_folder_as_os_path_realpath_takes_it(
    tmp_path: Path, monkeypatch
) -> None:
    absolute = _tree_of_links(tmp_path)
    monkeypatch.chdir(tmp_path)
    safeio.forget()
    for path in absolute:
        relative = os.path.relpath(path, tmp_path)
        assert safeio.realpath(relative) == os.path.realpath(relative), relative


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="file names that are not UTF-8 (Linux)")
def test_refs_of_a_manifest_below_a_folder_name_that_is_not_utf8_resolve_in_its_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report shows the folder as `caf\xe9` (no file has that name); the refs must still be
    # read from the repository the file is in, not reported missing against the current folder.
    from test_engine import PRODUCTION, REPO, TODAY

    repo = tmp_path / os.fsdecode(b"caf\xe9")
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "examples", repo / "examples")
    manifest = repo / "ai-production.yaml"
    manifest.write_text(PRODUCTION, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = engine.run([manifest], Options(today=TODAY, warn_within=0))
    (result,) = report.results
    assert result.path == "caf\\xe9/ai-production.yaml"
    assert [f for f in result.findings if f.rule == "AIP-REF-001"] == []
    assert result.findings == []


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_a_ref_is_resolved_once_per_run_and_afresh_in_the_next(tmp_path: Path) -> None:
    # Several rules and the git facts ask where each ref leads: one answer per run, and a
    # new run (engine.run, a new command: checks.rules.forget) sees the file system anew.
    from checker.checks import rules
    from checker.git.facts import repo_path

    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside.md"
    outside.write_text("x", encoding="utf-8")
    link = root / "card.md"
    link.symlink_to(outside)
    rules.forget()
    assert repo_path(root, "card.md") is None  # it leads out of the repository
    link.unlink()
    link.write_text("now a plain file", encoding="utf-8")
    assert repo_path(root, "card.md") is None  # the same run: the answer it gave
    rules.forget()
    assert repo_path(root, "card.md") == "card.md"
    assert repo_path(root, ["not", "text"]) is None
