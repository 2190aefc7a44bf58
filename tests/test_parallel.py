"""Many manifests are checked on every core, and the output is that of a serial run.

The pool (checker/parallel.py) is forced on a small corpus through its two
environment variables, AIPOLICY_PARALLEL_MIN_FILES and AIPOLICY_JOBS; each
report is compared byte for byte with the serial run's. The corpus is the
benchmark's generator (bench/corpus.py): varied manifests, about one in ten
broken in schema or policy ways, in a committed git repository.
"""

from __future__ import annotations

import datetime
import gc
import importlib.util
import io
import os
import shutil
import sys
import weakref
from pathlib import Path

import pytest

from checker import engine, parallel, progress
from checker.cli import main
from checker.findings import ManifestResult
from checker.options import Options

REPO = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2026, 11, 26)

needs_fork = pytest.mark.skipif(
    sys.platform == "darwin" or not hasattr(os, "fork"),
    reason="the pool only forks where fork is safe (not macOS, not Windows)",
)


def _corpus_module():
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """40 generated manifests (a dozen broken: the broken share is raised for the test)
    in a committed git repository, which is the current folder."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    gen = _corpus_module()
    files = gen.generate(tmp_path, 40, TODAY, seed=11, broken_share=0.3)
    gen.commit(tmp_path)
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "CI", parallel.JOBS_ENV, parallel.MIN_FILES_ENV):
        monkeypatch.delenv(name, raising=False)
    return [f.as_posix() for f in files]


def _reports(files: list[str], out: Path, capsys: pytest.CaptureFixture) -> tuple[int, dict[str, bytes]]:
    out.mkdir()
    code = main(
        [
            "check",
            "--today",
            TODAY.isoformat(),
            "--format",
            "text",
            "--format",
            "json",
            "--output",
            str(out / "report.json"),
            "--format",
            "sarif",
            "--output",
            str(out / "report.sarif"),
            *files,
        ]
    )
    stdout = capsys.readouterr().out
    return code, {
        "text": stdout.encode(),
        "json": (out / "report.json").read_bytes(),
        "sarif": (out / "report.sarif").read_bytes(),
    }


@needs_fork
def test_pooled_and_serial_runs_write_byte_identical_text_json_and_sarif(
    corpus: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    serial_code, serial = _reports(corpus, tmp_path / "serial", capsys)

    pooled_runs: list[int] = []
    real_pooled = parallel._pooled

    def spy(check, items, options, workers):
        pooled_runs.append(workers)
        yield from real_pooled(check, items, options, workers)

    monkeypatch.setattr(parallel, "_pooled", spy)
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    monkeypatch.setenv(parallel.MIN_FILES_ENV, "2")
    pooled_code, pooled = _reports(corpus, tmp_path / "pooled", capsys)

    assert pooled_runs == [3]  # the pool really ran, with the workers asked for
    assert serial["text"].count(b"\n") > len(corpus)  # findings and diagnostic lines: not a trivial report
    assert b"AIP-SCH-00" in serial["text"]  # broken manifests are part of it
    for fmt in ("text", "json", "sarif"):
        assert pooled[fmt] == serial[fmt], fmt
    assert pooled_code == serial_code == 1


def test_below_the_threshold_no_pool_is_started(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    started: list[int] = []
    monkeypatch.setattr(parallel, "_pooled", lambda *args: started.append(1) or iter(()))
    assert main(["check", "--today", TODAY.isoformat(), *corpus]) == 1
    assert f"{len(corpus)} files checked" in capsys.readouterr().out
    assert started == []  # 40 files < 200: serial


@pytest.mark.parametrize(
    ("count", "jobs", "min_files", "expected"),
    [
        (199, 4, None, 1),  # below the default threshold
        (200, 4, None, 4),
        (200, 1, None, 1),  # one job: serial
        (3, 8, 2, 3),  # never more workers than files
        (1, 8, 1, 1),  # one file is never pooled
    ],
)
def test_worker_count_follows_file_count_jobs_and_threshold(
    count: int, jobs: int, min_files: int | None, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(parallel.MIN_FILES_ENV, raising=False)
    assert parallel.workers_for(count, jobs, min_files) == expected


def test_jobs_and_threshold_come_from_the_environment_and_nonsense_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    assert parallel.workers_for(5000) == 1
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    monkeypatch.setenv(parallel.MIN_FILES_ENV, "10")
    assert parallel.workers_for(10) == 3
    assert parallel.workers_for(9) == 1
    monkeypatch.setenv(parallel.JOBS_ENV, "many")
    monkeypatch.setenv(parallel.MIN_FILES_ENV, "-4")
    assert parallel.workers_for(199) == 1  # back to the default threshold of 200


# -- the pool itself, with stand-in batch functions ------------------------------------------------

PARENT = os.getpid()


def _echo(batch, options) -> list[ManifestResult]:
    return [ManifestResult(path=display, system_id=f"{os.getpid() == PARENT}") for _, display in batch]


def _raise_in_worker(batch, options) -> list[ManifestResult]:
    if os.getpid() != PARENT and any(display == "f77" for _, display in batch):
        raise RuntimeError("a bug that only shows in a worker")
    return _echo(batch, options)


def _die_in_worker(batch, options) -> list[ManifestResult]:
    if os.getpid() != PARENT:
        os._exit(3)  # killed, out of memory, segfault: the worker is gone without a word
    return _echo(batch, options)


def _items(n: int) -> list[tuple[Path, str]]:
    return [(Path(f"f{i}"), f"f{i}") for i in range(n)]


@needs_fork
def test_results_come_back_in_input_order_from_the_workers() -> None:
    results = list(parallel.check_all(_echo, _items(300), None, jobs=2, min_files=2))
    assert [r.path for r in results] == [f"f{i}" for i in range(300)]
    assert {r.system_id for r in results[1:]} == {"False"}  # all but the first were checked in workers


@needs_fork
def test_a_chunk_whose_worker_raised_is_checked_again_in_the_parent() -> None:
    results = list(parallel.check_all(_raise_in_worker, _items(300), None, jobs=2, min_files=2))
    assert [r.path for r in results] == [f"f{i}" for i in range(300)]
    redone = [r.path for r in results if r.system_id == "True"]
    chunk = parallel.chunk_size(299, 2)
    assert redone[0] == "f0"  # the parent checks the first file itself
    assert "f77" in redone  # the failing chunk, redone here
    assert len(redone) == 1 + chunk  # and only that one


@needs_fork
def test_a_dead_worker_does_not_lose_or_reorder_files() -> None:
    results = list(parallel.check_all(_die_in_worker, _items(120), None, jobs=2, min_files=2))
    assert [r.path for r in results] == [f"f{i}" for i in range(120)]
    assert {r.system_id for r in results} == {"True"}  # everything ended up checked in the parent


def test_an_exception_in_a_serial_run_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(batch, options):
        raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError, match="engine bug"):
        list(parallel.check_all(broken, _items(3), None, jobs=1))


def test_serial_runs_go_through_bounded_batches() -> None:
    sizes: list[int] = []

    def record(batch, options):
        sizes.append(len(batch))
        return _echo(batch, options)

    results = list(parallel.check_all(record, _items(parallel.SERIAL_BATCH * 2 + 5), None, jobs=1))
    assert len(results) == parallel.SERIAL_BATCH * 2 + 5
    assert max(sizes) == parallel.SERIAL_BATCH


def test_parsed_manifests_are_not_all_held_at_once(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # With the git rules on, a batch is parsed before it is checked; only one batch may be alive.
    from checker import manifest as manifest_mod

    monkeypatch.setattr(parallel, "SERIAL_BATCH", 5)
    real_load = manifest_mod.load
    made: list[weakref.ref] = []
    most_alive = [0]

    def load(raw, path, **kwargs):
        result = real_load(raw, path, **kwargs)
        if isinstance(result, manifest_mod.Manifest):
            made.append(weakref.ref(result))
        gc.collect()
        most_alive[0] = max(most_alive[0], sum(1 for ref in made if ref() is not None))
        return result

    monkeypatch.setattr(manifest_mod, "load", load)
    assert main(["check", "--today", TODAY.isoformat(), *corpus]) == 1
    assert f"{len(corpus)} files checked" in capsys.readouterr().out
    assert len(made) >= 30  # most of the 40 parse (the YAML-broken ones do not)
    assert most_alive[0] <= 5 + 1  # one batch, plus the manifest being parsed
    gc.collect()
    assert not [ref for ref in made if ref() is not None]  # results keep findings, not manifests


# -- progress ----------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_outside_ci_for_many_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress.Progress.start(500, _Terminal()) is not None
    assert progress.Progress.start(500, io.StringIO()) is None  # piped or redirected
    assert progress.Progress.start(progress.MIN_FILES - 1, _Terminal()) is None
    monkeypatch.setenv("CI", "true")
    assert progress.Progress.start(500, _Terminal()) is None


def test_progress_is_one_rewritten_line_cleared_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    terminal = _Terminal()
    bar = progress.Progress(300, terminal)
    for done in (1, 150, 300):
        bar.update(done)
    bar.close()
    text = terminal.getvalue()
    assert "\n" not in text  # never a new line: the report that follows starts clean
    assert "aipolicy: checked 150/300 manifests" in text
    assert text.endswith("\r" + " " * len("aipolicy: checked 300/300 manifests") + "\r")  # wiped


def test_a_run_over_many_files_on_a_terminal_reports_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress, "MIN_FILES", 3)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    files = []
    for i in range(4):
        files.append(tmp_path / f"s{i}.ai-production.yaml")
        files[-1].write_text(f"apiVersion: aipolicy/v1\nsystem: {{id: s{i}}}\nstage: exploration\n", encoding="utf-8")
    report = engine.run(files, Options(today=TODAY), jobs=1)
    assert len(report.results) == 4
    assert "checked 4/4 manifests" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")  # cleared
