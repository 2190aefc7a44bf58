"""The GitHub Action (action.yml) and the example workflow that uses it.

Static checks (no expression inside a `run:` script, every `uses:` pinned to a
commit, zizmor clean, the hash lock covers every dependency and is what pip
installs), then the action's own bash scripts, taken out of action.yml and run
outside GitHub: the install steps with a logging stand-in python (cache hit and
miss), the check step with a stub `aipolicy` that records its argv and hostile
input values, and once with the real aipolicy. The check step's runner
(.github/action/run_check.py) is run through the step too: the annotations it
adds for exit 2, bad boolean inputs and a search that found no manifest.
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
from packaging.requirements import Requirement  # pytest depends on packaging
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.10 runtime dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "examples" / "workflows" / "aipolicy.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
PORTFOLIO_WORKFLOW = REPO / "examples" / "workflows" / "portfolio-weekly.yml"
CI_WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"  # the project's own CI

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
    assert script.count("--quiet") == 1


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
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    try:
        findings = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"zizmor exited {proc.returncode} without JSON: {proc.stdout}{proc.stderr}")
    return proc.returncode, findings


@pytest.mark.parametrize("path", [ACTION, WORKFLOW, HOOKS, PORTFOLIO_WORKFLOW, CI_WORKFLOW], ids=lambda p: p.name)
def test_zizmor_reports_nothing(path: Path) -> None:
    code, findings = _zizmor_findings(path)
    assert findings == []
    assert code == 0


def test_zizmor_would_catch_an_input_expanded_in_a_run_script(tmp_path: Path) -> None:
    # The check above can fail: the same action with the classic mistake is flagged.
    text = ACTION.read_text(encoding="utf-8")
    exec_line = 'exec "${AIPOLICY_PYTHON:?}" -I "$helper" run "${AIPOLICY_BIN:-aipolicy}" "${args[@]}"'
    assert exec_line in text
    planted = tmp_path / "action.yml"
    planted.write_text(text.replace(exec_line, "aipolicy check ${{ inputs.paths }}"), encoding="utf-8")
    code, findings = _zizmor_findings(planted)
    assert code != 0
    assert "template-injection" in {finding["ident"] for finding in findings}


# -- the run script, executed -------------------------------------------------

STUB = """#!/usr/bin/env bash
# Records its argv, one NUL-terminated element each, prints $STUB_STDERR on
# stderr and exits with $STUB_EXIT.
printf '%s\\0' "$@" > "$STUB_ARGV"
printf '%s' "${STUB_STDERR:-}" >&2
exit "${STUB_EXIT:-0}"
"""


def _bash() -> str:
    return _require_tool(shutil.which("bash"), "bash")


def _script(step: dict, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(step["run"], encoding="utf-8")
    return path


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIPOLICY_", "GITHUB_", "RUNNER_", "INPUT_"))
    }
    env["STUB_ARGV"] = str(tmp_path / "argv")
    return env


def _check_step_env(tmp_path: Path) -> dict[str, str]:
    """What the check step gets besides the inputs: the Python aipolicy is installed in
    (here the test's own) and the action's checkout (this repository)."""
    env = _clean_env(tmp_path)
    env.update({"AIPOLICY_PYTHON": sys.executable, "GITHUB_ACTION_PATH": str(REPO)})
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
    env = _check_step_env(tmp_path)
    env["PATH"] = f"{stub_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(inputs)
    proc = subprocess.run(
        [_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
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
    inputs = _github_inputs(
        **{
            "paths": HOSTILE_PATHS,
            "format": 'github"; touch pwned4; echo "',
            "sarif-output": "$(touch pwned5).sarif",
            "fail-on": "`touch pwned6`",
            "stage": "production\n--output=/tmp/x",
            "policy": "--output=/tmp/x $(touch pwned7) ';touch pwned8'",
            "changed-only": "FALSE",
            "quiet": "True",
            "baseline": "$(touch pwned10)\n--exit-zero",
            "warn-within": "`touch pwned11`",
            "sarif-waived": "omit; touch pwned12",
        }
    )
    proc, argv = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 0, proc.stderr
    created = sorted(p.name for p in tmp_path.rglob("pwned*"))
    assert created == []
    assert argv == [
        "check",
        "--format=sarif",
        "--output=$(touch pwned5).sarif",
        '--format=github"; touch pwned4; echo "',
        "--sarif-waived=omit; touch pwned12",
        "--fail-on=`touch pwned6`",
        "--stage=production\n--output=/tmp/x",
        "--policy=--output=/tmp/x",
        "--policy=$(touch",
        "--policy=pwned7)",
        "--policy=';touch",
        "--policy=pwned8'",
        "--baseline=$(touch pwned10)\n--exit-zero",
        "--warn-within=`touch pwned11`",
        "--quiet",
        # After `--` nothing is an option, even `--output=/tmp/x`; `*` is not globbed.
        "--",
        *_words(HOSTILE_PATHS),
    ]
    assert "*" in argv and "--output=/tmp/x" in argv[argv.index("--") :]


def test_default_inputs_check_the_workspace_with_github_annotations(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs())
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=github", "--", "."]
    assert "::notice" not in proc.stdout


def test_sarif_output_comes_first_so_the_stdout_format_gets_no_output_file(tmp_path: Path) -> None:
    # aipolicy pairs the n-th --output with the n-th --format.
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"sarif-output": "reports/aipolicy.sarif", "paths": "a b"}))
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        "check",
        "--format=sarif",
        "--output=reports/aipolicy.sarif",
        "--format=github",
        "--sarif-waived=omit",
        "--",
        "a",
        "b",
    ]


def test_empty_format_with_sarif_still_annotates(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"format": "", "sarif-output": "x.sarif", "paths": "  \n "}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=sarif", "--output=x.sarif", "--format=github", "--sarif-waived=omit", "--", "."]


def test_changed_only_true_passes_the_flag_and_false_does_not(tmp_path: Path) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
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


def _commands(stdout: str) -> list[str]:
    """The workflow commands a step printed (lines the runner reads as commands)."""
    return [line for line in stdout.split("\n") if line.startswith("::")]


def _unescape_data(text: str) -> str:
    # The runner's own unescaping of a command's message.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "tRuE"])
def test_boolean_inputs_take_true_in_any_case(tmp_path: Path, value: str) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"changed-only": value, "quiet": value}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=github", "--quiet", "--changed-only", "--", "."]
    assert _commands(proc.stdout) == []


@pytest.mark.parametrize("value", ["false", "FALSE", "False"])
def test_boolean_inputs_take_false_in_any_case(tmp_path: Path, value: str) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"changed-only": value, "quiet": value}))
    assert proc.returncode == 0, proc.stderr
    assert argv == ["check", "--format=github", "--", "."]


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "1",
        "on",
        "",
        "true ",
        " false",
        "truee",
        "t\u0072ue\u200b",
        "x\n::add-mask::y %0A ::warning::z",
        "$(touch pwned)",
    ],
)
def test_a_boolean_input_that_is_neither_true_nor_false_is_one_error_and_nothing_runs(
    tmp_path: Path, value: str
) -> None:
    from checker.report.github import escape_data

    proc, argv = _run_with_stub(tmp_path, _github_inputs(quiet=value))
    assert proc.returncode == 2
    assert argv is None  # aipolicy never ran
    assert list(tmp_path.rglob("pwned*")) == []
    (error,) = _commands(proc.stdout)
    prefix = "::error title=aipolicy::"
    assert error.startswith(prefix)
    message = error[len(prefix) :]
    # Escaped exactly as aipolicy's annotations are: one line, the value quoted back.
    assert message == escape_data(_unescape_data(message))
    assert "input quiet must be true or false" in message and "\n" not in message


def test_both_boolean_inputs_wrong_are_two_errors(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**{"quiet": "yes", "changed-only": "no"}))
    assert proc.returncode == 2 and argv is None
    errors = _commands(proc.stdout)
    assert len(errors) == 2
    assert "input changed-only" in errors[0] and "input quiet" in errors[1]


def test_quiet_baseline_and_warn_within_inputs_become_their_options(tmp_path: Path) -> None:
    proc, argv = _run_with_stub(
        tmp_path,
        _github_inputs(**{"quiet": "true", "baseline": ".aipolicy-baseline.json", "warn-within": "30", "paths": "svc"}),
    )
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        "check",
        "--format=github",
        "--baseline=.aipolicy-baseline.json",
        "--warn-within=30",
        "--quiet",
        "--",
        "svc",
    ]


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, []),  # no SARIF report: nothing to say
        ({"sarif-output": "a.sarif"}, ["--sarif-waived=omit"]),  # the action's default
        ({"format": "sarif"}, ["--sarif-waived=omit"]),
        ({"sarif-output": "a.sarif", "sarif-waived": "suppressed"}, ["--sarif-waived=suppressed"]),
        ({"sarif-output": "a.sarif", "sarif-waived": ""}, []),  # aipolicy's own default
    ],
)
def test_sarif_waived_is_passed_only_with_a_sarif_report(tmp_path: Path, inputs: dict, expected: list) -> None:
    proc, argv = _run_with_stub(tmp_path, _github_inputs(**inputs))
    assert proc.returncode == 0, proc.stderr
    assert [a for a in argv if a.startswith("--sarif-waived")] == expected


def test_the_action_omits_waived_findings_from_sarif_by_default() -> None:
    assert _load(ACTION)["inputs"]["sarif-waived"]["default"] == "omit"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit", "gitlab", "rdjson", "azure"])
def test_format_input_documents_every_format_aipolicy_has(fmt: str) -> None:
    from checker.report import FORMATS

    assert fmt in FORMATS
    assert fmt in _load(ACTION)["inputs"]["format"]["description"]


HOSTILE_ERROR = (
    "aipolicy: error: --baseline 100%0A::warning::x\u202e\n::warning::forged: no such file 100%\r::add-mask::y\n"
)


def test_exit_2_becomes_one_escaped_error_annotation_and_keeps_stderr(tmp_path: Path) -> None:
    from checker.report.github import escape_data

    inputs = _github_inputs()
    inputs.update(STUB_EXIT="2", STUB_STDERR="note: something\n" + HOSTILE_ERROR)
    proc, argv = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 2 and argv is not None
    # Passed through as it came (text mode reads the CR as a line end).
    assert proc.stderr == ("note: something\n" + HOSTILE_ERROR).replace("\r", "\n")
    # The first `aipolicy: error:` line, escaped by aipolicy's own escape_data.
    first = "aipolicy: error: --baseline 100%0A::warning::x\u202e"
    assert _commands(proc.stdout) == ["::error title=aipolicy::" + escape_data(first)]
    assert "%250A" in escape_data(first) and "\\u202e" in escape_data(first)


def test_exit_2_without_an_error_line_still_annotates(tmp_path: Path) -> None:
    inputs = _github_inputs()
    inputs.update(STUB_EXIT="2", STUB_STDERR="")
    proc, _ = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 2
    (error,) = _commands(proc.stdout)
    assert error.startswith("::error title=aipolicy::") and "code 2" in error


@pytest.mark.parametrize("code", [0, 1])
def test_no_manifest_found_is_one_warning_naming_the_paths(tmp_path: Path, code: int) -> None:
    from checker.report.github import escape_data

    inputs = _github_inputs(paths="docs\nsrc/%0A::error::x")
    inputs.update(
        STUB_EXIT=str(code),
        STUB_STDERR="aipolicy: no manifests found under docs, src/%0A::error::x (looked for ai-production.yaml)\n",
    )
    proc, _ = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == code
    (warning,) = _commands(proc.stdout)
    prefix = "::warning title=aipolicy::"
    assert warning.startswith(prefix)
    message = _unescape_data(warning[len(prefix) :])
    assert warning[len(prefix) :] == escape_data(message)
    assert "no manifests found under paths: docs src/%0A::error::x" in message


def test_a_run_that_finds_manifests_gets_no_warning(tmp_path: Path) -> None:
    inputs = _github_inputs()
    inputs.update(STUB_STDERR="none of the 3 manifests changed since origin/main\n")
    proc, _ = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 0 and _commands(proc.stdout) == []


def test_aipolicy_killed_is_an_error_with_the_shell_exit_code(tmp_path: Path) -> None:
    inputs = _github_inputs()
    inputs.update(STUB_EXIT="137")
    proc, _ = _run_with_stub(tmp_path, inputs)
    assert proc.returncode == 137
    (error,) = _commands(proc.stdout)
    assert error == "::error title=aipolicy::aipolicy exited with code 137"


HELPER = REPO / ".github" / "action" / "run_check.py"


def test_the_runner_escapes_with_aipolicys_own_functions() -> None:
    # One escaper: the annotations the action adds are escaped exactly like aipolicy's own.
    source = HELPER.read_text(encoding="utf-8")
    assert "from checker.report.github import escape_data, escape_property" in source
    assert "replace(" not in source  # no second, home-made escaping


def test_the_check_step_runs_from_an_action_path_with_shell_metacharacters(tmp_path: Path) -> None:
    action_path = tmp_path / "action $(touch pwned) `touch pwned2`"
    (action_path / ".github" / "action").mkdir(parents=True)
    shutil.copy(HELPER, action_path / ".github" / "action" / HELPER.name)
    inputs = _github_inputs(quiet="maybe")
    inputs["GITHUB_ACTION_PATH"] = str(action_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run2").mkdir()
    proc, argv = _run_with_stub(tmp_path / "run", inputs)
    assert proc.returncode == 2 and argv is None
    assert _commands(proc.stdout)[0].startswith("::error title=aipolicy::input quiet")
    assert list(tmp_path.rglob("pwned*")) == []
    proc, argv = _run_with_stub(tmp_path / "run2", {**inputs, "AIPOLICY_QUIET": "true"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert argv == ["check", "--format=github", "--quiet", "--", "."]


# -- the dependency lock -------------------------------------------------------

LOCK = REPO / ".github" / "action-requirements.txt"


def _lock_entries() -> list[tuple[Requirement, list[str]]]:
    """Each requirement of the lock with its hashes (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", LOCK.read_text(encoding="utf-8"))
    entries = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})\b", line)
        spec = re.sub(r"--hash=\S+", "", line).strip()
        entries.append((Requirement(spec), hashes))
    return entries


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _runtime_and_build_requirements() -> list[Requirement]:
    pyproject = _pyproject()
    return [
        Requirement(spec) for spec in [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    ]


def _environments() -> list[dict[str, str]]:
    """Marker environments of every Python the action supports, 3.10 to 3.14."""
    return [
        {
            "python_version": f"3.{minor}",
            "python_full_version": f"3.{minor}.0",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "sys_platform": system,
            "platform_system": platform_system,
            "os_name": "posix",
        }
        for minor in range(10, 15)
        for system, platform_system in (("linux", "Linux"), ("darwin", "Darwin"))
    ]


def test_every_lock_entry_is_one_exact_version_with_sha256_hashes() -> None:
    entries = _lock_entries()
    assert entries
    for requirement, hashes in entries:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==" and "*" not in specifier.version, requirement
        assert hashes, f"{requirement} has no --hash=sha256:"
        assert not requirement.extras and requirement.url is None, requirement


@pytest.mark.parametrize(
    "environment", _environments(), ids=lambda env: f"py{env['python_version']}-{env['sys_platform']}"
)
def test_the_lock_pins_every_runtime_dependency_and_the_build_backend(environment: dict[str, str]) -> None:
    # pip --require-hashes refuses a lock that misses a dependency of a pinned
    # package; this pins that aipolicy's own requirements (and setuptools and
    # wheel, which build it with --no-build-isolation) are there, in a version
    # pyproject.toml accepts, for every supported Python.
    applying = {}
    for requirement, _ in _lock_entries():
        if requirement.marker is None or requirement.marker.evaluate(environment):
            name = canonicalize_name(requirement.name)
            assert name not in applying, f"two pins of {name} apply to {environment['python_version']}"
            applying[name] = next(iter(requirement.specifier)).version
    wanted = [r for r in _runtime_and_build_requirements() if r.marker is None or r.marker.evaluate(environment)]
    assert {"setuptools", "wheel", "pyyaml", "google-re2"} <= {canonicalize_name(r.name) for r in wanted}
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in applying, f"{requirement} is not in {LOCK.name}"
        assert requirement.specifier.contains(applying[name], prereleases=True), (
            f"{name}=={applying[name]} does not satisfy {requirement}"
        )


def test_the_lock_inputs_mirror_pyproject() -> None:
    # action-build.in lists the build backend for `uv pip compile`; it must match [build-system].
    build_in = [
        Requirement(line)
        for line in (REPO / ".github" / "action-build.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(map(str, build_in)) == sorted(_pyproject()["build-system"]["requires"])


def _pip_installs() -> list[str]:
    """Every `pip install` command in the action's scripts, continuation lines joined."""
    commands = []
    for step in _action_steps():
        script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
        commands += [line.strip() for line in script.splitlines() if "pip install" in line]
    return commands


def test_every_pip_install_is_either_the_hash_lock_or_aipolicy_alone_without_an_index() -> None:
    installs = _pip_installs()
    from_lock = [c for c in installs if '-r "$lock"' in c]
    assert len(from_lock) == 1
    assert "--require-hashes" in from_lock[0] and "--only-binary=:all:" in from_lock[0]
    for command in installs:
        if command not in from_lock:
            # Nothing is resolved: no index, no dependencies, the build backend from the lock.
            assert {"--no-index", "--no-deps", "--no-build-isolation"} <= set(command.split()), command
            assert command.endswith('-- "${GITHUB_ACTION_PATH:?}"'), command
    deps = _step(lambda s: s.get("id") == "deps")["run"]
    assert 'lock="${GITHUB_ACTION_PATH:?}/.github/action-requirements.txt"' in deps
    assert LOCK.is_file()


def test_the_cache_saves_only_a_fresh_environment_right_after_its_install() -> None:
    steps = _action_steps()
    ids = [step.get("id") for step in steps]
    restore, save = steps[ids.index("cache")], steps[ids.index("deps") + 1]
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"] == restore["uses"].replace("/restore@", "/save@")
    assert save["if"] == "steps.deps.outputs.fresh == 'true'"
    assert (
        save["with"]
        == restore["with"]
        == {"path": "${{ runner.temp }}/aipolicy-venv", "key": "${{ steps.key.outputs.key }}"}
    )
    # No restore-keys: only an environment built from this very lock and Python is reused.
    assert ids.index("key") < ids.index("cache") < ids.index("deps") < ids.index("install")


# -- the install scripts, executed --------------------------------------------

FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python: logs each call (argv, NUL-separated, one call a line)
# and for `-m venv ... DIR` makes DIR/bin/python a copy of itself.
printf '%s\\0' "$0" "$@" >> "$FAKE_PYTHON_LOG"
printf '\\n' >> "$FAKE_PYTHON_LOG"
if [ "$2 $3" = "-m venv" ]; then
  dir="${@: -1}"
  mkdir -p "$dir/bin"
  cp "$0" "$dir/bin/python"
fi
"""


class Runner:
    """A runner for the action's steps: RUNNER_TEMP and GITHUB_ACTION_PATH with
    shell metacharacters in their names, GITHUB_OUTPUT per step, a logging python."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.python = tmp_path / "python"
        self.python.write_text(FAKE_PYTHON, encoding="utf-8")
        self.python.chmod(0o755)
        self.log = tmp_path / "python.log"
        self.temp = tmp_path / "runner temp $(touch pwned)"
        self.temp.mkdir()
        self.action_path = tmp_path / "action `touch pwned2`"
        (self.action_path / ".github").mkdir(parents=True)
        shutil.copy(LOCK, self.action_path / ".github" / LOCK.name)
        self.venv = self.temp / "aipolicy-venv"

    def run(self, step_id: str, cwd: Path | None = None, **env_values: str) -> dict[str, str]:
        """Run the step's script as GitHub does (in `cwd`, the workspace); return
        what it wrote to GITHUB_OUTPUT."""
        step = _step(lambda s: s.get("id") == step_id)
        output = self.tmp / f"{step_id}-output"
        output.write_text("", encoding="utf-8")
        env = _clean_env(self.tmp)
        env.update(
            {
                "FAKE_PYTHON_LOG": str(self.log),
                "AIPOLICY_PYTHON": str(self.python),
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_OUTPUT": str(output),
                "RUNNER_OS": "Linux",
                "RUNNER_ARCH": "X64",
            }
        )
        env.update(env_values)
        assert set(step["env"]) <= {"AIPOLICY_PYTHON", "AIPOLICY_CACHE_HIT", "AIPOLICY_VENV_BIN"}
        script = _script(step, self.tmp, f"{step_id}.sh")
        proc = subprocess.run(
            [_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd or self.tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert list(self.tmp.rglob("pwned*")) == []
        return dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split("\0")[:-1] for line in self.log.read_text(encoding="utf-8").splitlines()]


def test_cache_key_names_os_arch_and_python_and_hashes_the_lock(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    (runner.venv / "bin").mkdir(parents=True)  # left over: the cache must restore into an empty folder
    real = {"AIPOLICY_PYTHON": sys.executable}
    key = runner.run("key", **real)["key"]
    assert not runner.venv.exists()
    version = f"{sys.implementation.name}{'.'.join(map(str, sys.version_info[:3]))}"
    assert re.fullmatch(rf"aipolicy-venv-v1-Linux-X64-{re.escape(version)}-[0-9a-f]{{64}}", key), key
    assert runner.run("key", **real)["key"] == key
    assert runner.run("key", **real, RUNNER_ARCH="ARM64")["key"] != key
    lock = runner.action_path / ".github" / LOCK.name
    lock.write_text(lock.read_text(encoding="utf-8").replace("click==", "click==9", 1), encoding="utf-8")
    assert runner.run("key", **real)["key"] != key


def test_every_python_the_action_runs_is_isolated_from_the_workspace() -> None:
    # Steps run in the workspace, the checked-out repository: without -I,
    # `python -m venv` or `-c 'import hashlib'` would import a venv/ package or
    # hashlib.py the repository holds before the standard library's.
    calls = [
        call
        for step in _action_steps()
        for call in re.findall(r'(?i)"[^"\s]*python(?::\?\})?" +\S+', step.get("run", ""))
    ]
    # key: the lock hash; deps: the restored venv's check, venv, pip; install: pip;
    # check: the annotating runner, and the report of a bad boolean input.
    assert len(calls) == 7, calls
    for call in calls:
        assert call.endswith(" -I"), call


def test_cache_key_step_imports_nothing_from_the_workspace(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for module in ("hashlib", "platform"):
        (workspace / f"{module}.py").write_text("open('pwned-by-import', 'w')\nraise SystemExit(3)\n", encoding="utf-8")
    key = runner.run("key", cwd=workspace, AIPOLICY_PYTHON=sys.executable)["key"]
    assert key.startswith("aipolicy-venv-v1-Linux-X64-")
    assert not (workspace / "pwned-by-import").exists()


def test_cache_miss_installs_every_dependency_from_the_hash_lock_and_saves(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    out = runner.run("deps", AIPOLICY_CACHE_HIT="")
    bin_ = runner.venv / "bin"
    assert out == {"fresh": "true", "bin": str(bin_)}
    venv_call, pip_call = runner.calls()
    assert venv_call == [str(runner.python), "-I", "-m", "venv", "--clear", "--", str(runner.venv)]
    assert pip_call[:5] == [str(bin_ / "python"), "-I", "-m", "pip", "install"]
    assert {"--require-hashes", "--only-binary=:all:"} <= set(pip_call)
    assert pip_call[-2:] == ["-r", str(runner.action_path / ".github" / LOCK.name)]


def test_cache_hit_reuses_the_environment_without_installing_anything(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    runner.run("deps", AIPOLICY_CACHE_HIT="")  # what the restore brings back
    runner.log.unlink()
    out = runner.run("deps", AIPOLICY_CACHE_HIT="true")
    assert out == {"bin": str(runner.venv / "bin")}  # no fresh=true: nothing is saved again
    assert runner.calls() == [[str(runner.venv / "bin" / "python"), "-I", "-c", ""]]


def test_cache_hit_whose_python_does_not_run_is_rebuilt(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    broken = runner.venv / "bin" / "python"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # e.g. its interpreter is gone
    broken.chmod(0o755)
    out = runner.run("deps", AIPOLICY_CACHE_HIT="true")
    assert out["fresh"] == "true"
    assert [call[1:4] for call in runner.calls()] == [["-I", "-m", "venv"], ["-I", "-m", "pip"]]


def test_install_step_installs_only_aipolicy_from_the_action_path(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    bin_ = runner.venv / "bin"
    bin_.mkdir(parents=True)
    shutil.copy(runner.python, bin_ / "python")
    out = runner.run("install", AIPOLICY_VENV_BIN=str(bin_))
    assert out == {"aipolicy": f"{bin_}/aipolicy", "python": f"{bin_}/python"}
    (call,) = runner.calls()
    assert call[:5] == [str(bin_ / "python"), "-I", "-m", "pip", "install"]
    assert {"--no-deps", "--no-build-isolation", "--no-index"} <= set(call)
    assert call[-2:] == ["--", str(runner.action_path)]


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


def _run_real(
    tmp_path: Path, manifest: str, folders: tuple[str, ...] = (), **inputs: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The run step with the aipolicy under test, in a repository holding svc/ai-production.yaml
    (and the empty `folders`)."""
    aipolicy = Path(sys.executable).with_name("aipolicy")
    _require_tool(str(aipolicy) if aipolicy.exists() else None, "aipolicy installed beside the test Python")
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)  # the repository root, for relative paths
    (work / "svc").mkdir()
    (work / "svc" / "ai-production.yaml").write_text(manifest, encoding="utf-8")
    for folder in folders:
        (work / folder).mkdir()
    env = _check_step_env(tmp_path)
    env.update(_github_inputs(**inputs))
    env["AIPOLICY_BIN"] = str(aipolicy)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    script = _script(_run_step(), tmp_path, "run-step.sh")
    proc = subprocess.run(
        [_bash(), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
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


@pytest.mark.parametrize(
    ("policy", "exit_code"),
    [
        ("builtin:high-risk\nbuiltin:eu-ai-act", 0),
        ("builtin:high-risk builtin:no-such-pack", 2),
    ],
)
def test_run_step_passes_each_policy_pack_to_real_aipolicy(tmp_path: Path, policy: str, exit_code: int) -> None:
    proc, _ = _run_real(tmp_path, PASSING_MANIFEST, policy=policy, format="text")
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    if exit_code == 2:
        assert "builtin:no-such-pack" in proc.stderr


def test_real_aipolicy_usage_error_is_one_error_annotation(tmp_path: Path) -> None:
    proc, _ = _run_real(tmp_path, PASSING_MANIFEST, paths="svc no-such-folder")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert _commands(proc.stdout) == ["::error title=aipolicy::aipolicy: error: no-such-folder: no such file or folder"]
    assert "aipolicy: error: no-such-folder: no such file or folder" in proc.stderr


@pytest.mark.parametrize("quiet", ["false", "true"])
def test_real_aipolicy_finding_no_manifest_is_a_warning(tmp_path: Path, quiet: str) -> None:
    # `docs` holds no manifest (a typo'd paths: is the usual cause); the run stays green but says so,
    # also with quiet (aipolicy's line on stderr is what the action reads).
    proc, _ = _run_real(tmp_path, PASSING_MANIFEST, paths="docs", quiet=quiet, format="text", folders=("docs",))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (warning,) = _commands(proc.stdout)
    assert warning.startswith("::warning title=aipolicy::no manifests found under paths: docs ")


def test_real_aipolicy_step_summary_counts_in_singular(tmp_path: Path) -> None:
    proc, _ = _run_real(tmp_path, FAILING_MANIFEST)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert re.search(r"^1 manifest: 1 error, ", summary, re.M), summary
    assert summary.count("| severity | rule | line | message |") == 1
