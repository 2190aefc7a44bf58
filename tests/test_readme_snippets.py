"""The copy-paste snippets in README's "Pre-commit" and "GitHub Action" sections
are the ones the other tests check: the pre-commit config is valid for
pre-commit and names the hook this repository defines, and the workflow shown
is byte for byte examples/workflows/aipolicy.yml (which tests/test_action.py
audits with zizmor)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
WORKFLOW = REPO / "examples" / "workflows" / "aipolicy.yml"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _yaml_blocks(section: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def _pre_commit_snippet() -> str:
    (block,) = _yaml_blocks(_section("Pre-commit"))
    return block


def test_readme_pre_commit_snippet_is_a_valid_pre_commit_config(tmp_path: Path) -> None:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is required in CI")
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(_pre_commit_snippet(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_pre_commit_snippet_uses_the_hook_this_repository_defines() -> None:
    (repo,) = yaml.safe_load(_pre_commit_snippet())["repos"]
    hook_ids = {hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert [hook["id"] for hook in repo["hooks"]] == ["aipolicy"]
    assert "aipolicy" in hook_ids
    from checker import HOMEPAGE, __version__

    assert repo["repo"] == HOMEPAGE
    assert repo["rev"] == f"v{__version__}"


def test_readme_workflow_is_the_example_workflow_file() -> None:
    blocks = _yaml_blocks(_section("GitHub Action"))
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert workflow in blocks, "README's GitHub Action workflow differs from examples/workflows/aipolicy.yml"


def test_readme_inputs_table_lists_every_action_input() -> None:
    inputs = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["inputs"]
    rows = re.findall(r"^\| `([a-z-]+)` \|([^|]*)\|", _section("GitHub Action"), re.MULTILINE)
    documented = {name: default.strip().strip("`") for name, default in rows}
    assert documented == {name: str(spec.get("default", "")) for name, spec in inputs.items()}
