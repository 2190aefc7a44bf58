"""The GitHub Action (action.yml) and the example workflow that uses it.

Static checks (no expression inside a `run:` script, every `uses:` pinned to a
commit, zizmor clean), then the action's own bash scripts, taken out of
action.yml and run outside GitHub: with a stub `aipolicy` that records its
argv and hostile input values, and once with the real aipolicy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "examples" / "workflows" / "aipolicy.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

FULL_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _action_steps() -> list[dict]:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    return action["runs"]["steps"]


def _workflow_steps() -> list[dict]:
    return [step for job in _load(WORKFLOW)["jobs"].values() for step in job["steps"]]


def _step(predicate) -> dict:
    (step,) = [s for s in _action_steps() if predicate(s)]
    return step


def _run_step() -> dict:
    return _step(lambda s: "AIPOLICY_PATHS" in s.get("env", {}))


def _install_step() -> dict:
    return _step(lambda s: s.get("id") == "install")


def _require_tool(path: str | None, what: str) -> str:
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not available")


# -- static checks ------------------------------------------------------------

@pytest.mark.parametrize("steps", [_action_steps, _workflow_steps], ids=["action.yml", "example workflow"])
def test_no_run_script_contains_an_expression(steps) -> None:
    runs = [step["run"] for step in steps() if "run" in step]
    for script in runs:
        # An expression in a script is pasted into the shell source before bash
        # parses it: any input could then run commands. Inputs go through env:.
        assert "${{" not in script, script
        assert "inputs." not in script, script


@pytest.mark.parametrize("steps", [_action_steps, _workflow_steps], ids=["action.yml", "example workflow"])
def test_every_uses_is_pinned_to_a_full_commit_sha(steps) -> None:
    uses = [step["uses"] for step in steps() if "uses" in step]
    assert uses
    for ref in uses:
        assert FULL_SHA.match(ref), f"{ref} is not pinned to a 40-hex commit SHA"


def test_every_input_reaches_the_steps_through_env_or_with() -> None:
    inputs = _load(ACTION)["inputs"]
    passed = " ".join(
        str(value) for step in _action_steps() for key in ("env", "with") for value in step.get(key, {}).values()
    )
    for name in inputs:
        assert f"inputs.{name} }}}}" in passed, f"input {name!r} is not passed to any step"


def test_changed_only_maps_to_the_cli_flag_only_when_true() -> None:
    script = _run_step()["run"]
    assert script.count("--changed-only") == 1


def test_example_workflow_grants_only_what_sarif_upload_needs() -> None:
    workflow = _load(WORKFLOW)
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["persist-credentials"] is False
    (aipolicy,) = [s for s in job["steps"] if s.get("uses", "").startswith("aipolicy/aipolicy@")]
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == aipolicy["with"]["sarif-output"]
    # PyYAML reads the `on` key as YAML 1.1's boolean true.
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]


# -- zizmor -------------------------------------------------------------------

def _zizmor() -> str:
    beside_python = Path(sys.executable).with_name("zizmor")
    found = str(beside_python) if beside_python.exists() else shutil.which("zizmor")
    return _require_tool(found, "zizmor (pip install -e '.[test]')")


def _zizmor_findings(*paths: Path) -> tuple[int, list]:
    proc = subprocess.run(
        [_zizmor(), "--offline", "--no-config", "--format", "json", *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    try:
        findings = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"zizmor exited {proc.returncode} without JSON: {proc.stdout}{proc.stderr}")
    return proc.returncode, findings


@pytest.mark.parametrize("path", [ACTION, WORKFLOW, HOOKS], ids=lambda p: p.name)
def test_zizmor_reports_nothing(path: Path) -> None:
    code, findings = _zizmor_findings(path)
    assert findings == []
    assert code == 0


def test_zizmor_would_catch_an_input_expanded_in_a_run_script(tmp_path: Path) -> None:
    # The check above can fail: the same action with the classic mistake is flagged.
    text = ACTION.read_text(encoding="utf-8")
    exec_line = 'exec "${AIPOLICY_BIN:-aipolicy}" "${args[@]}"'
    assert exec_line in text
    planted = tmp_path / "action.yml"
    planted.write_text(text.replace(exec_line, "aipolicy check ${{ inputs.paths }}"), encoding="utf-8")
    code, findings = _zizmor_findings(planted)
    assert code != 0
    assert "template-injection" in {finding["ident"] for finding in findings}


# -- the run script, executed -------------------------------------------------

STUB = """#!/usr/bin/env bash
# Records its argv, one NUL-terminated element each, and exits with $STUB_EXIT.
printf '%s\\0' "$@" > "$STUB_ARGV"
exit "${STUB_EXIT:-0}"
"""


def _bash() -> str:
    return _require_tool(shutil.which("bash"), "bash")


def _script(step: dict, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(step["run"], encoding="utf-8")
    return path


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIPOLICY_", "GITHUB_", "RUNNER_", "INPUT_"))}
    env["STUB_ARGV"] = str(tmp_path / "argv")
    return env


def _run_with_stub(tmp_path: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[str] | None]:
    """Run the action's check script the way GitHub does (bash -e -o pipefail) in a
    fresh work folder, `aipolicy` on PATH being the recording stub."""
    stub_dir = tmp_path / "stub-bin"
    stub_dir.mkdir()
    stub = stub_dir / "aipolicy"
    stub.write_text(STUB, encoding="utf-8")
    stub.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    # Files a glob in an input would expand to, if anything globbed.
    (work / "ai-production.yaml").write_text("apiVersion: aipolicy/v1\n", encoding="utf-8")
    script = _script(_run_step(), tmp_path, "run-step.sh")
    env = _clean_env(tmp_path)
    env["PATH"] = f"{stub_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(inputs)
    proc = subprocess.run([_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=work, env=env, capture_output=True, text=True, check=False, timeout=60)
    argv_file = tmp_path / "argv"
    argv = argv_file.read_bytes().decode("utf-8").split("\0")[:-1] if argv_file.exists() else None
    return proc, argv


def _words(value: str) -> list[str]:
    """What the script promises for paths and policy: split on space, tab and newline."""
    return [word for word in re.split(r"[ \t\n]+", value) if word]


def _github_inputs(**values: str) -> dict[str, str]:
    """The step's env as GitHub fills it when the workflow sets `values` (other inputs at their defaults)."""
    defaults = {name: str(spec.get("default", "")) for name, spec in _load(ACTION)["inputs"].items()}
    defaults.update(values)
    env_map = _run_step()["env"]
    out = {}
    for var, expression in env_map.items():
        match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", expression)
        if match:
            out[var] = defaults[match.group(1)]
    return out


HOSTILE_PATHS = '"; touch pwned; echo " $(touch pwned2) `touch pwned3`\nsrc/ai-production.yaml\t--output=/tmp/x * \\n'


def test_hostile_inputs_arrive_as_literal_arguments_and_run_nothing(tmp_path: Path) -> None:
    inputs = _github_inputs(**{
        "paths": HOSTILE_PATHS,
        "format": 'github"; touch pwned4; echo "',
        "sarif-output": "$(touch pwned5).sarif",
        "fail-on": "`touch pwned6`",
        "stage": "production\n--output=/tmp/x",
        "policy": "--output=/tmp/x $(touch pwned7) ';touch pwned8'",
        "changed-only": "$(touch pwned9)",
    })
    proc, argv = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 0, proc.stderr
    created = sorted(p.name for p in tmp_path.rglob("pwned*"))
    assert created == []
    assert argv == [
        "check",
        "--format=sarif", "--output=$(touch pwned5).sarif",
        '--format=github"; touch pwned4; echo "',
        "--fail-on=`touch pwned6`",
        "--stage=production\n--output=/tmp/x",
        "--policy=--output=/tmp/x", "--policy=$(touch", "--policy=pwned7)", "--policy=';touch", "--policy=pwned8'",
        # After `--` nothing is an option, even `--output=/tmp/x`; `*` is not globbed.
        "--", *_words(HOSTILE_PATHS),
    ]
    assert "*" in argv and "--output=/tmp/x" in argv[argv.index("--"):]


def test_default_inputs_check_the_workspace_with_github_annotations(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs())
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=github", "--", "."]
    assert "::notice" not in proc.stdout


def test_sarif_output_comes_first_so_the_stdout_format_gets_no_output_file(tmp_path: Path) -> None:
    # aipolicy pairs the n-th --output with the n-th --format.
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"sarif-output": "reports/aipolicy.sarif", "paths": "a b"}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=sarif", "--output=reports/aipolicy.sarif", "--format=github",
                    "--", "a", "b"]


def test_empty_format_with_sarif_still_annotates(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"format": "", "sarif-output": "x.sarif", "paths": "  \n "}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=sarif", "--output=x.sarif", "--format=github", "--", "."]


def test_changed_only_true_passes_the_flag_and_false_does_not(tmp_path: Path) -> None:
    (tmp_path / "on").mkdir(); (tmp_path / "off").mkdir()
    proc, argv = _run_with_stub(tmp_path / "on", _github_inputs(**{"changed-only": "true", "stage": "pilot"}))
    assert proc.returncode == 0, proc.stderr
    assert argv is not None and "--changed-only" in argv and argv[-2:] == ["--", "."]
    proc, argv = _run_with_stub(tmp_path / "off", _github_inputs(**{"changed-only": "false", "stage": "pilot"}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=github", "--stage=pilot", "--", "."]


def test_the_exit_code_of_aipolicy_is_the_exit_code_of_the_step(tmp_path: Path) -> None:
    inputs = _github_inputs()
    inputs["STUB_EXIT"] = "1"
    proc, argv = _run_with_stub(tmp_path, inputs)
    assert argv is not None
    assert proc.returncode == 1


# -- the install script, executed ---------------------------------------------

FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python: logs each call, and for `-m venv ... DIR` makes DIR/bin/python a copy of itself.
printf '%s\\0' "$@" >> "$FAKE_PYTHON_LOG"
printf '\\n' >> "$FAKE_PYTHON_LOG"
if [ "$1 $2" = "-m venv" ]; then
  dir="${@: -1}"
  mkdir -p "$dir/bin"
  cp "$0" "$dir/bin/python"
fi
"""


def test_install_step_builds_a_venv_under_runner_temp_from_the_action_path(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    runner_temp = tmp_path / "runner temp $(touch pwned)"
    runner_temp.mkdir()
    action_path = tmp_path / "action `touch pwned2`"
    action_path.mkdir()
    output = tmp_path / "github-output"
    env = _clean_env(tmp_path)
    env.update({
        "FAKE_PYTHON_LOG": str(tmp_path / "python.log"),
        "AIPOLICY_PYTHON": str(fake),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(action_path),
        "GITHUB_OUTPUT": str(output),
    })
    assert set(_install_step()["env"]) == {"AIPOLICY_PYTHON"}
    script = _script(_install_step(), tmp_path, "install-step.sh")
    proc = subprocess.run([_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.rglob("pwned*")) == []
    venv = runner_temp / "aipolicy-venv"
    calls = [line.split("\0")[:-1] for line in (tmp_path / "python.log").read_text(encoding="utf-8").splitlines()]
    assert calls[0][:2] == ["-m", "venv"] and calls[0][-1] == str(venv)
    assert calls[1][:3] == ["-m", "pip", "install"] and calls[1][-1] == str(action_path)
    assert len(calls) == 2
    assert output.read_text(encoding="utf-8") == f"aipolicy={venv}/bin/aipolicy\n"


# -- with the real aipolicy ---------------------------------------------------

FAILING_MANIFEST = """\
apiVersion: aipolicy/v1
system: {id: invoice-anomaly, name: Invoice anomaly detector, description: Flags odd invoices, type: classifier}
stage: exploration
owners:
  technical: {name: Sofia Marchetti}
"""


PASSING_MANIFEST = """\
apiVersion: aipolicy/v1
system: {id: invoice-anomaly, name: Invoice anomaly detector, description: Flags odd invoices, type: classifier}
stage: exploration
owners:
  technical: {name: Sofia Marchetti, contact: sofia.marchetti@acme-corp.io}
"""


def _run_real(tmp_path: Path, manifest: str, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The run step with the aipolicy under test, in a repository holding svc/ai-production.yaml."""
    aipolicy = Path(sys.executable).with_name("aipolicy")
    _require_tool(str(aipolicy) if aipolicy.exists() else None, "aipolicy installed beside the test Python")
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)  # the repository root, for relative paths
    (work / "svc").mkdir()
    (work / "svc" / "ai-production.yaml").write_text(manifest, encoding="utf-8")
    env = _clean_env(tmp_path)
    env.update(_github_inputs(**inputs))
    env["AIPOLICY_BIN"] = str(aipolicy)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    script = _script(_run_step(), tmp_path, "run-step.sh")
    proc = subprocess.run([_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=work, env=env, capture_output=True, text=True, check=False, timeout=120)
    return proc, work


def test_run_step_with_real_aipolicy_annotates_and_writes_sarif(tmp_path: Path) -> None:
    proc, work = _run_real(tmp_path, FAILING_MANIFEST, **{"sarif-output": "aipolicy.sarif"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # stdout: annotations (the technical owner has no contact), not SARIF.
    assert re.search(r"^::error file=svc/ai-production\.yaml,line=\d+", proc.stdout, re.MULTILINE), proc.stdout
    sarif = json.loads((work / "aipolicy.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    assert "AIP-OWN-001" in {result["ruleId"] for result in run["results"]}


@pytest.mark.parametrize(("policy", "exit_code"), [
    ("builtin:high-risk\nbuiltin:eu-ai-act", 0),
    ("builtin:high-risk builtin:no-such-pack", 2),
])
def test_run_step_passes_each_policy_pack_to_real_aipolicy(tmp_path: Path, policy: str, exit_code: int) -> None:
    proc, _ = _run_real(tmp_path, PASSING_MANIFEST, policy=policy, format="text")
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    if exit_code == 2:
        assert "builtin:no-such-pack" in proc.stderr
