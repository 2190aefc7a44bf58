"""The code's own hygiene, checked by the suite so it cannot drift: ruff's lint
and format (configured in pyproject.toml, every ignore with its reason).

mypy and the import layering are checked beside these (see their tests below
once configured); each runs the tool the way a contributor would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the project lints: the package, its tests, the benchmarks and the Action's script.
LINTED = ["checker", "tests", "bench", ".github"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *LINTED],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_lint_finds_nothing() -> None:
    proc = _ruff("check", "--output-format", "concise")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_would_change_nothing() -> None:
    proc = _ruff("format", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_ruff_ignore_carries_its_reason() -> None:
    lines = (REPO / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("[tool.ruff.lint]")
    section = []
    for line in lines[start + 1 :]:
        if line.startswith("[") and not line.startswith("[tool.ruff"):
            break
        section.append(line)
    codes = [line for line in section if line.strip().startswith('"') and line.strip()[1:2].isupper()]
    assert codes, "no ignores found: the test reads the wrong section"
    bare = [line for line in codes if "#" not in line and not line.rstrip().endswith("[")]
    assert not bare, f"ignores without a reason: {bare}"


# -- the import layering (pyproject.toml [tool.importlinter], README "Architecture") ------------


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` as a contributor runs it, by the interpreter running the tests (so the
    pinned import-linter of the test extra), reading `cwd`'s pyproject.toml and package."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_layering_contracts_are_kept() -> None:
    proc = _lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def test_the_layering_contract_breaks_on_one_upward_import(tmp_path: Path) -> None:
    # A copy of the package with one import going up (findings is at the bottom, the engine in
    # the middle): the same contract must refuse it, naming the import.
    import shutil

    shutil.copytree(REPO / "checker", tmp_path / "checker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    findings = tmp_path / "checker" / "findings.py"
    findings.write_text(
        findings.read_text(encoding="utf-8") + "\n\ndef _planted():\n    from checker import engine  # noqa\n",
        encoding="utf-8",
    )
    proc = _lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "checker/ is layered: imports go down only BROKEN" in proc.stdout, proc.stdout
    assert "checker.findings -> checker.engine" in proc.stdout, proc.stdout


def _modules() -> dict[str, Path]:
    """Every module of checker/ by dotted name; a package is named by its __init__."""
    out = {}
    for path in sorted((REPO / "checker").rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The checker modules `name` imports: at module level, in functions and under
    `if TYPE_CHECKING:` alike (as import-linter counts them). `from checker.x import y`
    names the module checker.x.y when y is one, else checker.x. A package's __init__
    is an import target like any module; that Python runs a package's __init__ before
    any of its submodules is not an import the submodule makes (nothing in it names
    the package), so it is no edge here (nor in import-linter)."""
    import ast

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def owner(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(m for alias in node.names if (m := owner(alias.name)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else owner(base)
                if target:
                    found.add(target)
    found.discard(name)
    return found


def _import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_checker_has_no_import_cycle() -> None:
    graph = _import_graph()
    assert len(graph) > 50 and graph["checker.engine"], "the walk found no modules or no imports"
    assert _import_cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import() -> None:
    # Guards the test above against passing vacuously: the old engine <-> parallel loop.
    graph = _import_graph()
    graph["checker.parallel"] = graph["checker.parallel"] | {"checker.engine"}
    assert ["checker.engine", "checker.parallel"] in _import_cycles(graph)


def test_every_module_has_its_place_in_the_layers() -> None:
    # A new module must be placed in the contract, or lint-imports would not check it.
    # Packages' __init__ modules stand outside it (pyproject.toml says why).
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    placed = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    modules = _modules()
    covered = lambda name: any(name == p or name.startswith(p + ".") for p in placed)  # noqa: E731
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    assert sorted(name for name in modules if not covered(name) and name not in packages) == []
    assert {"checker", "checker.checks", "checker.git", "checker.portfolio"} >= {p for p in packages if not covered(p)}
