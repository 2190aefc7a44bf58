"""Locate the schemas/ and policies/ folders shipped with aipolicy.

They sit at the top of the repository, outside the package. A wheel maps them
into the package (checker/schemas, checker/policies, see pyproject.toml); an
editable install or a source checkout finds them beside the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str, marker: str) -> Path:
    # The packaged copy wins: in a wheel install `site-packages/schemas` could
    # belong to anyone, so the repository layout is only the fallback.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if (candidate / marker).is_file():
            return candidate
    raise FileNotFoundError(f"aipolicy installation is incomplete: {name}/{marker} not found")


def schema_path(version: str = "v1") -> Path:
    filename = f"ai-production.{version}.schema.json"
    return data_dir("schemas", filename) / filename


def schemas_dir() -> Path:
    return data_dir("schemas", "ai-production.v1.schema.json")


def policies_dir() -> Path:
    return data_dir("policies", "core.yaml")
