"""Notes on standard error: what a run skipped or could not do, one escaped line each.

`-q/--quiet` silences them (findings only); warnings and errors are never silenced.
"""

from __future__ import annotations

import sys

from checker.textsafe import printable

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def note(message: str) -> None:
    """`aipolicy: MESSAGE` on stderr, unless the run is quiet."""
    if not _quiet:
        print(f"aipolicy: {printable(message)}", file=sys.stderr)


def warning(message: str) -> None:
    """`aipolicy: warning: MESSAGE` on stderr, quiet or not: the run may not be what was meant."""
    print(f"aipolicy: warning: {printable(message)}", file=sys.stderr)
