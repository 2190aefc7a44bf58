"""Check many manifests on every core, with the output of a serial run.

From MIN_FILES files up, the files are checked in chunks by a pool of worker
processes forked from this one. Forking (not spawning) is what makes this cheap
and safe: the workers inherit the Options, policy packs compiled and imports
done, so nothing is pickled but file names going out and findings coming back.
Where fork is unavailable or unsafe (Windows, macOS, a process with threads),
the run is serial.

Results are yielded in input order, whatever order the chunks finish in, so
every report is byte-identical to the serial one. A chunk whose worker raised,
or that a dying pool lost, is checked again here, serially: the pool can make
a run faster, never different, and never crash it. Serial or pooled, files go
through engine.check_batch a batch at a time, so only one batch of parsed
manifests is held at once (a ManifestResult keeps findings, not the manifest).

No cache of results (keyed on file content, policy and tool version): the spec
allows aipolicy to write nowhere but --output, a new `init` file and the step
summary, and a manifest's findings also depend on the date, on the files its
*_ref fields name, on git history and CODEOWNERS, none of which such a key holds.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

    from checker.findings import ManifestResult
    from checker.options import Options

MIN_FILES = 200  # below this, forking workers costs more than it saves
MAX_CHUNK = 64  # files per task: large enough to amortise a round trip, small enough to balance load
SERIAL_BATCH = 100  # files per batch without a pool: bounds the parsed manifests held at once (~100 KiB each)
JOBS_ENV = "AIPOLICY_JOBS"  # worker processes; 1 turns the pool off
MIN_FILES_ENV = "AIPOLICY_PARALLEL_MIN_FILES"

Item = tuple[Any, str]  # (file, display path)
# Checks a batch of files, results in the batch's order (engine.check_batch).
BatchFn = Callable[[Sequence[Item], "Options"], "list[ManifestResult]"]

# Set in the parent just before the fork; the workers inherit it.
_STATE: tuple[BatchFn, Options] | None = None
_INHERITED: list[Any] = []  # the parent's GitPython repositories, kept alive and unused in a worker


def _env_int(name: str) -> int | None:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return None
    return value if value >= 1 else None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def fork_is_safe() -> bool:
    import multiprocessing  # here, not at the top: a run on a few files never pays for it
    import threading

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return False
    return threading.active_count() == 1  # forking a threaded process can deadlock the child


def workers_for(count: int, jobs: int | None = None, min_files: int | None = None) -> int:
    """How many worker processes to use for `count` files; below 2 means serial."""
    jobs = jobs or _env_int(JOBS_ENV) or cpu_count()
    min_files = min_files if min_files is not None else (_env_int(MIN_FILES_ENV) or MIN_FILES)
    if count < max(min_files, 2) or jobs < 2:
        return 1
    return min(jobs, count)


def chunk_size(count: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, -(-count // (workers * 8))))  # about 8 chunks per worker, at least


def _init() -> None:
    import signal

    # Ctrl-C is the parent's to handle; a worker interrupted while idle would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # GitPython keeps `git cat-file` processes open per repository; the parent's would be
    # shared through inherited pipes. A worker opens its own, and never closes (nor lets
    # the garbage collector close) the parent's: the worker ends with os._exit.
    gitrepo = sys.modules.get("checker.gitrepo")
    opened = getattr(gitrepo, "_OPEN", None)
    if isinstance(opened, dict):
        _INHERITED.extend(opened.values())
        opened.clear()


def _work(chunk: list[Item]) -> list[ManifestResult]:
    assert _STATE is not None, "worker started without the parent's options"
    check, options = _STATE
    return check(chunk, options)


def check_all(
    check: BatchFn, items: Sequence[Item], options: Options, *, jobs: int | None = None, min_files: int | None = None
) -> Iterator[ManifestResult]:
    """check(batch, options) over every item, results in input order; pooled when worth it."""
    workers = workers_for(len(items), jobs, min_files)
    if workers < 2 or not fork_is_safe():
        for start in range(0, len(items), SERIAL_BATCH):
            yield from check(items[start : start + SERIAL_BATCH], options)
        return
    # The first file is checked here: the workers then fork with every lazy import
    # and compiled validator of the check path already in place.
    yield from check(items[:1], options)
    yield from _pooled(check, items[1:], options, workers)


def _pooled(check: BatchFn, items: Sequence[Item], options: Options, workers: int) -> Iterator[ManifestResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _STATE
    size = chunk_size(len(items), workers)
    chunks = deque(list(items[i : i + size]) for i in range(0, len(items), size))
    # Whatever sits in these buffers would otherwise be written again by each child.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    _STATE = (check, options)
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_init
        )
    except (OSError, ValueError, NotImplementedError):
        _STATE = None
        for chunk in chunks:
            yield from check(chunk, options)
        return
    pending: deque[tuple[Future[list[ManifestResult]], list[Item]]] = deque()
    broken = False
    try:
        while chunks or pending:
            while chunks and not broken and len(pending) < 2 * workers:
                chunk = chunks.popleft()
                try:
                    pending.append((pool.submit(_work, chunk), chunk))
                except (BrokenProcessPool, RuntimeError, OSError):
                    broken = True
                    chunks.appendleft(chunk)
            if not pending:  # the pool broke before taking more work
                yield from check(chunks.popleft(), options)
                continue
            future, chunk = pending.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): finish here
                broken = True
                results = check(chunk, options)
            except Exception:
                results = check(chunk, options)
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STATE = None
