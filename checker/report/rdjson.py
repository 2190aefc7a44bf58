"""reviewdog's Diagnostic Format (`reviewdog -f=rdjson`): one DiagnosticResult object.

Paths are as the text format prints them (relative to the current folder, where
reviewdog runs too). reviewdog counts columns in UTF-8 bytes, aipolicy in
characters: columns are converted from the file's line (from what was read on
stdin, for `-`) when the file can be read again and still has that line; otherwise the range is given by lines only
(which reviewdog reads as whole lines), never with a wrong column. reviewdog
has no suppressed diagnostics: waived and baselined findings are left out.
Messages are one line (controls and bidi characters shown as `\\x1b`, `\\u202e`)
and the file is ASCII JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from checker import HOMEPAGE
from checker.findings import Finding, Report, Severity
from checker.report.fingerprint import help_uri
from checker.report.paths import repo_relative
from checker.textsafe import json_text, printable

if TYPE_CHECKING:
    from checker.report import RenderContext

SEVERITY = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.NOTE: "INFO"}
_READ_LIMIT = 16 * 1024 * 1024  # a manifest larger than this was refused by the check anyway


class _Lines:
    """The lines of each reported file, read once, for character → byte columns."""

    def __init__(self, sources: Mapping[str, bytes] | None = None) -> None:
        self._cache: dict[str, list[str] | None] = {}
        self._sources = sources or {}  # what was checked when it is not the file on disk (stdin)

    def get(self, path: str) -> list[str] | None:
        if path not in self._cache:
            given = self._sources.get(path)
            self._cache[path] = self._read(path) if given is None else self._split(given)
        return self._cache[path]

    @classmethod
    def _read(cls, path: str) -> list[str] | None:
        from pathlib import Path

        from checker import safeio

        # Read as the check read it (checker/safeio.py): a regular file inside its repository,
        # never a FIFO, a device or a link out, at most _READ_LIMIT bytes.
        try:
            return cls._split(safeio.read(Path(path), _READ_LIMIT, safeio.containment_root(path)))
        except (safeio.ReadError, OSError, ValueError):
            return None

    @staticmethod
    def _split(raw: bytes) -> list[str]:
        text = raw.decode("utf-8", "replace").lstrip("\ufeff")
        return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _byte_column(lines: list[str] | None, line: int, column: int) -> int | None:
    if lines is None or not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    if column - 1 > len(text):
        return None
    return len(text[: column - 1].encode("utf-8", "surrogatepass")) + 1


def _range(f: Finding, lines: list[str] | None) -> dict[str, Any]:
    end_line = max(f.span.end_line, f.span.line)
    end_column = f.span.end_column if f.span.end_line > f.span.line else max(f.span.end_column, f.span.column)
    start_byte = _byte_column(lines, f.span.line, f.span.column)
    end_byte = _byte_column(lines, end_line, end_column)
    if start_byte is None or end_byte is None:
        return {"start": {"line": f.span.line}, "end": {"line": end_line}}
    return {"start": {"line": f.span.line, "column": start_byte}, "end": {"line": end_line, "column": end_byte}}


def as_dict(report: Report, ctx: RenderContext) -> dict[str, Any]:
    lines = _Lines(ctx.sources)
    diagnostics = []
    for f in report.findings:
        if f.suppressed:
            continue
        diagnostics.append(
            {
                "message": printable(f.message),
                "location": {"path": repo_relative(f.path, os.getcwd()), "range": _range(f, lines.get(f.path))},
                "severity": SEVERITY[f.severity],
                "code": {"value": f.rule, "url": help_uri(f.rule)},
            }
        )
    return {"source": {"name": "aipolicy", "url": HOMEPAGE}, "diagnostics": diagnostics}


def render(report: Report, ctx: RenderContext) -> str:
    return (
        json_text(json.dumps(as_dict(report, ctx), indent=2)) + "\n"
    )  # ASCII: no raw bidi or control character reaches a viewer
