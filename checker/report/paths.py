"""Repository-relative paths for formats read by code hosts (SARIF, GitHub)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_relative(path: str, root: str) -> str:
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, root) if root else path
    if rel.startswith(".."):
        return Path(absolute).as_posix()
    return Path(rel).as_posix()
