"""The GitHub Action's runner around `aipolicy check` (called by action.yml's check step).

    run_check.py run AIPOLICY ARG...        run aipolicy, pass its output through, then annotate
    run_check.py invalid-boolean NAME VALUE print the ::error for a boolean input that is neither

`run` passes aipolicy's standard output straight through and its standard
error line by line as it comes, then adds what a workflow run would otherwise
not show on the pull request:

- exit 2 (a usage or configuration error, or an input aipolicy refuses): one
  `::error` annotation holding aipolicy's `aipolicy: error: ...` line;
- a run that found no manifest under `paths`: one `::warning` annotation
  naming the paths, so a wrong `paths:` cannot stay green unseen. aipolicy
  says so on standard error (`aipolicy: no manifests found under ...`) when
  its search finds nothing, before --changed-only narrows the list, so a pull
  request that changes no manifest is not warned about;
- any other exit code but 0 and 1 (aipolicy missing, killed): one `::error`.

The exit code is aipolicy's. Every value in a workflow command is escaped by
aipolicy's own escape_data / escape_property (checker.report.github), imported
from the aipolicy this action installed, so no path or message can end the
command or start another. Runs as `python -I`: nothing is imported from the
workspace.
"""

from __future__ import annotations

import subprocess
import sys

from checker.report.github import escape_data, escape_property

ERROR_PREFIX = "aipolicy: error: "
NO_MANIFESTS_PREFIX = "aipolicy: no manifests found under "
TITLE = "aipolicy"
MAX_QUOTED = 2000  # characters of an aipolicy line quoted into an annotation


def command(level: str, message: str) -> str:
    return f"::{level} title={escape_property(TITLE)}::{escape_data(message)}"


def invalid_boolean(name: str, value: str) -> int:
    shown = value if len(value) <= 80 else value[:80] + "…"
    print(command("error", f"input {name} must be true or false (any case), not {shown!r}"), flush=True)
    return 0


def _paths(args: list[str]) -> list[str]:
    """The paths aipolicy was given: what follows the `--` the check step always puts before them."""
    return args[len(args) - args[::-1].index("--") :] if "--" in args else []


def run(argv: list[str]) -> int:
    error_line = None
    no_manifests = False
    last = ""
    try:
        proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    except OSError as exc:
        print(command("error", f"cannot run {argv[0]}: {exc.strerror or exc}"), flush=True)
        return 127
    assert proc.stderr is not None
    err = sys.stderr.buffer
    for raw in proc.stderr:
        err.write(raw)
        err.flush()
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if error_line is None and line.startswith(ERROR_PREFIX):
            error_line = line
        if line.startswith(NO_MANIFESTS_PREFIX):
            no_manifests = True
        if line.strip():
            last = line
    code = proc.wait()
    if code < 0:  # killed by a signal: the shell's way of saying so
        code = 128 - code
    sys.stdout.flush()
    if code == 2:
        quoted = (error_line or last or "aipolicy exited with code 2 (a usage or configuration error)")[:MAX_QUOTED]
        print(command("error", quoted), flush=True)
    elif code not in (0, 1):
        quoted = f": {last[:MAX_QUOTED]}" if last else ""
        print(command("error", f"aipolicy exited with code {code}{quoted}"), flush=True)
    elif no_manifests:
        paths = " ".join(_paths(argv)) or "."
        print(
            command(
                "warning",
                f"no manifests found under paths: {paths} (nothing was checked; "
                "set the action's paths input to the files or folders that hold them)",
            ),
            flush=True,
        )
    return code


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "invalid-boolean":
        return invalid_boolean(argv[1], argv[2])
    if len(argv) >= 2 and argv[0] == "run":
        return run(argv[1:])
    print(command("error", "run_check.py: usage: run AIPOLICY ARG... | invalid-boolean NAME VALUE"), flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
