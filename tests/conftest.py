"""Shared test helpers: where things are, the shared conformance data, running aipolicy.

Kept small and generic; modules keep their own specialised fixtures.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # the project's shared spec and conformance data, beside the repository

# Variables that change what `aipolicy check` prints, whatever the test intends.
_NOISY_ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")


def require_shared(*parts: str) -> Path:
    """A path under ../shared; skipped when absent, a failure when absent under CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing and CI is set: the shared conformance data must be present")
        pytest.skip(f"{path} is not present (shared data lives beside the repository)")
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment minus output-changing variables, plus `extra`.

    The repository goes first on PYTHONPATH so `python -m checker` runs this
    checkout even where it is not installed.
    """
    env = {k: v for k, v in os.environ.items() if k not in _NOISY_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def pytest_configure(config: pytest.Config) -> None:
    # On a GitHub runner these name the job's own files: a test that checks a manifest must
    # not append its summary to the job summary. Tests of the Action set their own.
    for key in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"):
        os.environ.pop(key, None)
    # Hypothesis keeps caches in ./.hypothesis even with database=None, from collection
    # on; tests never write into the repository, so its home moves to the temp folder.
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        user = "anyone"
    home = Path(tempfile.gettempdir()) / f"aipolicy-tests-hypothesis-{user}"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(home))
    configuration = sys.modules.get("hypothesis.configuration")
    if configuration is not None and hasattr(configuration, "set_hypothesis_home_dir"):
        configuration.set_hypothesis_home_dir(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"])


@pytest.fixture()
def run_aipolicy() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m checker ARGS` in a subprocess (tracebacks, exit codes, terminals).

    The timeout only turns a hang into a failure; no test asserts on time.
    """

    def run(
        *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "checker", *args],
            cwd=cwd,
            env=env if env is not None else subprocess_env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture()
def child_env() -> Callable[..., dict[str, str]]:
    """`child_env(NO_COLOR="1")`: subprocess_env as a fixture, for tests that run processes themselves."""
    return subprocess_env


@pytest.fixture()
def shared_path() -> Callable[..., Path]:
    """`shared_path("conformance", "sarif")`: require_shared as a fixture."""
    return require_shared


@pytest.fixture()
def cli(clean_env, capsys, monkeypatch):
    """`cli("check", ..., cwd=folder)`: the real entry point in-process, from `cwd`;
    returns (exit code, stdout, stderr)."""
    from checker.cli import main

    def run(*args: str, cwd: Path) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """In-process runs see no GitHub Actions or colour variables from the outside."""
    for key in _NOISY_ENV:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    # The persons heuristic's precision and recall on its labelled list, in every run that measured them.
    if any(
        r.nodeid.startswith("tests/test_persons.py::test_at_least_nine_in_ten")
        for key in ("passed", "failed")
        for r in terminalreporter.stats.get(key, [])
    ):
        from test_persons import summary_line

        terminalreporter.write_sep("-", "persons heuristic (spec A1)")
        terminalreporter.write_line(summary_line())
