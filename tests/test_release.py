"""Releases people can pin: one version source (checker/__init__.py), and every pin
the documentation shows (pre-commit `rev:`, the workflow's `# vX.Y.Z` comment)
names that version; CHANGELOG.md keeps the Keep a Changelog shape."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from checker import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.10 runtime dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
SEMVER = r"\d+\.\d+\.\d+"
# `rev: v0.1.0` (pre-commit) and `aipolicy/aipolicy@<sha> # v0.1.0` (the Action), wherever shown.
PIN = re.compile(rf"(?:\brev: |aipolicy/aipolicy@\S+ # )v({SEMVER})\b")
PINNED_FILES = [
    "README.md",
    "examples/workflows/aipolicy.yml",
    *(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")),
]


def _pins(relative: str) -> list[str]:
    return PIN.findall((REPO / relative).read_text(encoding="utf-8"))


def test_the_version_is_a_plain_semver_string() -> None:
    assert re.fullmatch(SEMVER, __version__), __version__


def test_pyproject_reads_the_version_from_the_package_and_states_none_itself() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "checker.__version__"}


def test_the_version_is_a_literal_setuptools_reads_without_importing() -> None:
    # setuptools' `attr:` reads a top-level `__version__ = "..."` statically; anything
    # computed would make it import the package (and its dependencies) at build time.
    tree = ast.parse((REPO / "checker" / "__init__.py").read_text(encoding="utf-8"))
    values = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
    ]
    assert len(values) == 1 and isinstance(values[0], ast.Constant) and values[0].value == __version__


def test_aipolicy_version_prints_the_package_version(run_aipolicy) -> None:
    proc = run_aipolicy("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"aipolicy {__version__}"


@pytest.mark.parametrize("relative", ["README.md", "examples/workflows/aipolicy.yml"])
def test_every_pin_the_docs_show_is_the_package_version(relative: str) -> None:
    pins = _pins(relative)
    assert pins, f"{relative} shows no pin"
    assert set(pins) == {__version__}, f"{relative} pins {sorted(set(pins))}, the package is {__version__}"


def test_no_other_doc_pins_another_version() -> None:
    for relative in PINNED_FILES:
        assert set(_pins(relative)) <= {__version__}, relative


def test_readme_pre_commit_rev_and_workflow_comment_are_both_there() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"    rev: v{__version__}\n" in readme
    workflow = (REPO / "examples" / "workflows" / "aipolicy.yml").read_text(encoding="utf-8")
    assert re.search(rf"uses: aipolicy/aipolicy@[0-9a-f]{{40}} # v{re.escape(__version__)}$", workflow, re.M)


def test_the_pin_check_catches_a_stale_version() -> None:
    stale = "    rev: v0.0.9\n      - uses: aipolicy/aipolicy@" + "0" * 40 + " # v0.0.8\n"
    assert PIN.findall(stale) == ["0.0.9", "0.0.8"]


def _changelog() -> str:
    return (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def test_changelog_has_an_unreleased_section_first() -> None:
    headings = re.findall(r"^## (.+)$", _changelog(), re.M)
    assert headings and headings[0] == "[Unreleased]"


def test_changelog_releases_are_dated_newest_first_and_not_past_the_package_version() -> None:
    released = re.findall(rf"^## \[({SEMVER})\] - (\d{{4}}-\d{{2}}-\d{{2}})$", _changelog(), re.M)
    others = [
        h
        for h in re.findall(r"^## (.+)$", _changelog(), re.M)
        if h != "[Unreleased]" and not re.fullmatch(rf"\[{SEMVER}\] - \d{{4}}-\d{{2}}-\d{{2}}", h)
    ]
    assert others == [], f"headings not in `## [X.Y.Z] - YYYY-MM-DD` form: {others}"

    def key(version: str) -> tuple[int, ...]:
        return tuple(map(int, version.split(".")))

    versions = [v for v, _ in released]
    assert versions == sorted(versions, key=key, reverse=True)
    assert [d for _, d in released] == sorted((d for _, d in released), reverse=True)
    # The package is either the newest release or the one being prepared after it.
    assert not versions or key(__version__) >= key(versions[0])
    for version in versions:
        assert re.search(rf"^\[{re.escape(version)}\]: https://", _changelog(), re.M), f"no link for {version}"


def test_changelog_unreleased_lists_the_additions_of_issue_14() -> None:
    unreleased = re.search(r"^## \[Unreleased\]\n(.*?)(?=^## |\Z)", _changelog(), re.M | re.S).group(1)
    for item in (
        "--quiet",
        "--exit-zero",
        "--baseline",
        "--warn-within",
        "--sarif-waived",
        "gitlab",
        "rdjson",
        "azure",
    ):
        assert item in unreleased, item


def test_release_checklist_covers_tag_sha_pin_and_schemastore() -> None:
    checklist = (REPO / "docs" / "releasing.md").read_text(encoding="utf-8")
    from checker.resources import schemas_dir

    schema_id = json.loads((schemas_dir() / "ai-production.v1.schema.json").read_text(encoding="utf-8"))["$id"]
    for needed in (
        "git tag -a vX.Y.Z",
        'git rev-parse "vX.Y.Z^{commit}"',
        "CHANGELOG.md",
        "checker/__init__.py",
        "SchemaStore",
        "src/api/json/catalog.json",
        schema_id,
        "action-requirements.txt",
    ):
        assert needed in checklist, needed
