"""Reporters render a finished Report; they never check anything.

One table feeds both the `--format` choice and dispatch (the modules are
imported only when their format is asked for).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from checker.findings import Report
    from checker.policy import Policy

FORMATS = {
    "text": "checker.report.text",
    "json": "checker.report.json_",
    "sarif": "checker.report.sarif",
    "github": "checker.report.github",
    "junit": "checker.report.junit",
    "gitlab": "checker.report.gitlab",
    "rdjson": "checker.report.rdjson",
    "azure": "checker.report.azure",
}


class RenderContext(NamedTuple):
    policy: Policy
    version: str
    color: bool = False
    root: str = "."  # repository root, for formats whose paths are repository-relative
    warn_within: int = 14  # AIP-DUE-001's window, for the job summary's deadline list
    quiet: bool = False  # findings only: no diagnostic lines, no totals
    # Content checked that is not on disk as checked (stdin, a pipe): display path -> bytes.
    sources: Mapping[str, bytes] = MappingProxyType({})
    sarif_waived: str = "suppressed"  # SARIF: waived findings as `suppressions` ("suppressed") or left out ("omit")


def render(fmt: str, report: Report, ctx: RenderContext) -> str:
    module = importlib.import_module(FORMATS[fmt])
    renderer: Callable[[Report, RenderContext], str] = module.render  # each format module's render()
    return renderer(report, ctx)


def chunks(fmt: str, report: Report, ctx: RenderContext) -> Iterable[str]:
    """The report in pieces to write one after another: a line at a time where the format
    module offers `render_lines()` (text), else the whole of render()."""
    module = importlib.import_module(FORMATS[fmt])
    piecewise: Callable[[Report, RenderContext], Iterable[str]] | None = getattr(module, "render_lines", None)
    return piecewise(report, ctx) if piecewise is not None else [module.render(report, ctx)]
