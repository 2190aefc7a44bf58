"""Small commands and promises: schema, init, --version, --help, offline $ref resolution."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import __version__
from checker.cli import cli, main

REPO = Path(__file__).resolve().parents[1]


def test_schema_command_prints_the_shipped_v1_schema():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads(
        (REPO / "schemas" / "ai-production.v1.schema.json").read_text(encoding="utf-8")
    )


def test_version_and_help_name_every_command():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output.strip() == f"aipolicy {__version__}"
    help_text = CliRunner().invoke(cli, ["--help"]).output
    for command in ("check", "rules", "explain", "init", "schema", "config", "test-policies"):
        assert f"  {command} " in help_text or f"  {command}\n" in help_text, command
    assert "Exit codes" in help_text


@pytest.mark.parametrize("stage", ["exploration", "pilot", "production", "retired"])
def test_init_writes_a_starter_and_refuses_to_overwrite(stage, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--stage", stage]) == 0
    target = tmp_path / "ai-production.yaml"
    written = target.read_text(encoding="utf-8")
    assert f"stage: {stage}" in written and "TODO" in written
    target.write_text("mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["init", "--stage", stage]) == 2
    assert target.read_text(encoding="utf-8") == "mine\n"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err


def test_init_into_a_folder_writes_ai_production_yaml_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svc").mkdir()
    assert main(["init", "svc"]) == 0
    assert (tmp_path / "svc" / "ai-production.yaml").is_file()


def test_unknown_option_is_one_line_and_exit_2(capsys):
    assert main(["check", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--bogus" in err


def test_remote_ref_is_an_error_and_never_a_fetch(monkeypatch):
    from referencing.exceptions import Unresolvable

    from checker.schema import build_validator

    def no_network(*args, **kwargs):
        raise AssertionError("aipolicy tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    validator = build_validator(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://schemas.invalid/remote.json"}
    )
    with pytest.raises(Unresolvable):
        validator.is_valid({})


def test_our_own_schemas_resolve_each_other_offline(monkeypatch):
    from checker.schema import build_validator

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(AssertionError("network")))
    pack_schema = json.loads((REPO / "schemas" / "policy-pack.schema.json").read_text(encoding="utf-8"))
    validator = build_validator(pack_schema)
    # `severity` refers into config.schema.json by its $id: resolved from disk, not fetched.
    assert not validator.is_valid({"apiVersion": "aipolicy/policy-v1", "severity": {"AIP-OWN-005": "loud"}})
    assert validator.is_valid({"apiVersion": "aipolicy/policy-v1", "severity": {"AIP-OWN-005": "error"}})


def test_bare_aipolicy_prints_help_and_exits_0(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: aipolicy") and "check" in out


def test_output_never_overwrites_a_manifest(tmp_path, monkeypatch, capsys):
    manifest = tmp_path / "ai-production.yaml"
    original = (REPO / "examples" / "exploration" / "ai-production.yaml").read_text(encoding="utf-8")
    manifest.write_text(original, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "ai-production.yaml", "--format", "json", "--output", "ai-production.yaml"]) == 2
    assert manifest.read_text(encoding="utf-8") == original
    assert "refusing to write a report over a manifest" in capsys.readouterr().err


def test_empty_no_color_does_not_disable_colour(monkeypatch):
    from checker.cli import _want_color

    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "")
    assert _want_color(False) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert _want_color(False) is False


def test_error_at_end_of_stream_points_at_the_last_line(tmp_path):
    from checker.manifest import load

    problems = load(b"a: [1,\n  2\n", "x.yaml")
    assert isinstance(problems, list)
    assert (problems[0].span.line, problems[0].span.column) == (2, 4)


def test_output_into_a_missing_folder_fails_before_checking(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    target = tmp_path / "missing" / "report.sarif"
    code = main(
        [
            "check",
            "examples/exploration",
            "--format",
            "text",
            "--format",
            "sarif",
            "--output",
            str(tmp_path / "ok.txt"),
            "--output",
            str(target),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    assert out == "" and not (tmp_path / "ok.txt").exists()


def test_select_and_ignore_accept_slugs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    args = [
        "check",
        "examples/failing/recruiting-screener.ai-production.yaml",
        "--today",
        "2026-11-26",
        "--format",
        "json",
    ]
    assert main(args + ["--select", "human-oversight"]) == 1
    assert {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"AIP-HUM-001"}
    assert main(args + ["--ignore", "Human-Oversight"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "AIP-HUM-001"]


def test_config_command_json_names_values_and_origins(tmp_path, monkeypatch, capsys):
    (tmp_path / ".aipolicy.yaml").write_text("fail-on: warning\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["config", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"]["fail-on"] == "warning" and data["origin"]["fail-on"].endswith(".aipolicy.yaml:1:1")


def test_test_policies_defaults_to_policy_tests_folder(tmp_path, monkeypatch, capsys):
    case = (REPO / "examples" / "failing" / "recruiting-screener.ai-production.yaml").read_text(encoding="utf-8")
    (tmp_path / "policy-tests").mkdir()
    (tmp_path / "policy-tests" / "a.yaml").write_text("# expect: AIP-HUM-001\n" + case, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["test-policies"]) == 0
    assert capsys.readouterr().out.strip().endswith("1 passed, 0 failed")


def test_yml_and_prefixed_names_are_discovered_in_folders(tmp_path, monkeypatch, capsys):
    text = (REPO / "examples" / "exploration" / "ai-production.yaml").read_text(encoding="utf-8")
    for name in ("a/ai-production.yml", "b/svc.ai-production.yml", "c/svc.ai-production.yaml", "d/other.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json", "--today", "2026-11-26"])
    paths = [m["path"] for m in json.loads(capsys.readouterr().out)["manifests"]]
    assert paths == ["a/ai-production.yml", "b/svc.ai-production.yml", "c/svc.ai-production.yaml"]


def test_two_outputs_to_one_file_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    out = str(tmp_path / "r")
    assert (
        main(
            ["check", "examples/exploration", "--format", "json", "--output", out, "--format", "sarif", "--output", out]
        )
        == 2
    )
    assert "same file" in capsys.readouterr().err
