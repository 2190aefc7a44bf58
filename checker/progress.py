"""A single updating progress line on stderr, for long runs on a terminal only.

Never in piped or redirected output and never in CI logs (CI set), where a line
rewritten with carriage returns turns into noise.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

MIN_FILES = 200  # below this a run takes a second or two: nothing worth watching
INTERVAL = 0.1  # seconds between redraws


def wanted(total: int, stream: TextIO | None = None) -> bool:
    stream = sys.stderr if stream is None else stream
    if total < MIN_FILES or stream is None:
        return False
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or already closed
        return False


class Progress:
    """`aipolicy: checked 340/1000 manifests` on one line, cleared by close()."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.width = 0
        self.last = 0.0

    @classmethod
    def start(cls, total: int, stream: TextIO | None = None) -> Progress | None:
        return cls(total, stream) if wanted(total, stream) else None

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < INTERVAL and done < self.total:
            return
        self.last = now
        self._write(f"aipolicy: checked {done}/{self.total} manifests")

    def close(self) -> None:
        if self.width:
            self._write("")
            self.width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write("\r" + text.ljust(self.width) + ("\r" if not text else ""))
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: progress is not worth failing for
            return
        self.width = max(self.width, len(text)) if text else 0
