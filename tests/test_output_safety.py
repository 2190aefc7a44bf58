"""No line of any output starts with content a manifest controls; the job summary
renders no Markdown from a manifest; output that cannot be written is exit 2; and
--output never overwrites a file aipolicy reads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main
from checker.textsafe import code, printable

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = (REPO / "examples" / "production" / "ai-production.yaml").read_text(encoding="utf-8")
TODAY = "2026-11-27"
# Characters no line of output may carry raw: C0/C1 controls and bidi overrides.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch, clean_env) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code_ = main(list(argv))
    out, err = capsys.readouterr()
    return code_, out, err


def hostile_manifest() -> str:
    text = PRODUCTION.replace("id: ticket-router", 'id: "tr\\e[2J\\n::add-mask::x\\u202eevil"', 1)
    text = text.replace("\nstage: production", '\n"bad\\nkey::error::x": 1\nstage: production', 1)
    return text.replace("metric: macro_f1", 'metric: "f1\\u202e::warning::x"', 1)


def test_printable_shows_controls_and_bidi_overrides_as_escapes() -> None:
    assert printable("a\nb\r\tc\x1b[31m\x07\x85\u202e\u2066") == "a\\nb\\r\\tc\\x1b[31m\\x07\\x85\\u202e\\u2066"
    assert printable("Nguyễn 李娜 – ok") == "Nguyễn 李娜 – ok"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_no_output_line_starts_with_manifest_content(repo: Path, capsys, fmt: str) -> None:
    assert "metric: macro_f1" in PRODUCTION and "id: ticket-router" in PRODUCTION
    (repo / "a\n::error::x.ai-production.yaml").write_text(hostile_manifest(), encoding="utf-8")
    code_, out, err = run(capsys, "check", "--today", TODAY, "--format", fmt, ".")
    assert code_ == 1
    for line in (out + err).splitlines():
        assert not RAW.search(line), line
        assert not line.startswith(("::add-mask::", "::error::x", "::warning::x", "evil")), line
        if fmt == "text":
            assert not line.startswith("::"), line
    assert "\\x1b[2J" in out and "\\u202e" in out and "a\\n::error::x.ai-production.yaml" in out


def test_github_annotations_keep_runner_escaping_and_drop_raw_esc_and_bel(repo: Path, capsys) -> None:
    (repo / "ai-production.yaml").write_text(
        hostile_manifest().replace("\nstage:", "\nx-bell: 1\nstage:"), encoding="utf-8"
    )
    _, out, _ = run(capsys, "check", "--today", TODAY, "--format", "github", "ai-production.yaml")
    annotations = [line for line in out.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]
    assert annotations
    assert all("\x1b" not in line and "\x07" not in line for line in annotations)
    from checker.report.github import escape_data, escape_property

    # CR and LF keep the runner's own escaping; ESC and BEL are shown as text, never passed on.
    assert escape_data("a\nb\r%\x1b[2J\x07") == "a%0Ab%0D%25\\x1b[2J\\x07"
    assert escape_property("f:1,\x1b") == "f%3A1%2C\\x1b"


def test_job_summary_renders_no_markdown_from_a_manifest(repo: Path, capsys, monkeypatch) -> None:
    summary = repo / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    text = PRODUCTION.replace("id: ticket-router", "id: ticket-router", 1).replace(
        "\nstage: production",
        '\n"![x](https://t.example/p.png) [l](https://e.io) @org/team <b>`x`</b>": 1\nstage: production',
        1,
    )
    (repo / "ai-production.yaml").write_text(text, encoding="utf-8")
    run(capsys, "check", "--today", TODAY, "--format", "github", "ai-production.yaml")
    markdown = summary.read_text(encoding="utf-8")
    rows = [line for line in markdown.splitlines() if line.startswith("| error") and "![x]" in line]
    assert rows
    for row in rows:
        message_cell = row.split(" | ", 3)[-1].rstrip(" |")
        # The key the manifest controls is one code span, fenced longer than any backtick run
        # inside it; the rest of the message is escaped text: no raw `[`, `<` or `|` in it.
        fence = re.match("`+", message_cell).group()
        inner, rest = message_cell[len(fence) :].split(fence, 1)
        assert "![x]" in inner and "@org/team" in inner
        assert not re.search(r"(?<!\\)[\[<|]", rest), rest
    assert re.search(r"^1 manifest: \d+ errors, 0 warnings, 1 note\.$", markdown, re.M)  # plurals


def test_code_span_fences_longer_than_any_backtick_run() -> None:
    assert code("a`b") == "``a`b``"
    assert code("``x``") == "``` ``x`` ```"
    assert code("a|b", table=True) == "`a\\|b`"


@pytest.mark.parametrize("target", ["/dev/full", "closed"])
def test_stdout_that_cannot_be_written_is_exit_2_with_one_line(tmp_path: Path, child_env, target: str) -> None:
    (tmp_path / "ai-production.yaml").write_text(PRODUCTION, encoding="utf-8")
    argv = [sys.executable, "-m", "checker", "check", "--today", TODAY, "ai-production.yaml"]
    if target == "closed":
        proc = subprocess.run(
            argv,
            cwd=tmp_path,
            env=child_env(),
            stdout=None,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            pass_fds=(),
            close_fds=True,
            preexec_fn=lambda: os.close(1),
        )
    else:
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                argv, cwd=tmp_path, env=child_env(), stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
            )
    lines = [line for line in proc.stderr.splitlines() if "git-aware rules" not in line]
    assert proc.returncode == 2, proc.stderr
    assert lines == [lines[0]] and "cannot write to standard output" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("what", ["config", "pack", "manifest"])
def test_output_never_overwrites_a_file_aipolicy_reads(repo: Path, capsys, what: str) -> None:
    (repo / "ai-production.yaml").write_text(PRODUCTION, encoding="utf-8")
    (repo / "pack.yaml").write_text("apiVersion: aipolicy/policy-v1\nname: mine\nrules: []\n", encoding="utf-8")
    (repo / ".aipolicy.yaml").write_text("policies: [pack.yaml]\n", encoding="utf-8")
    target = {"config": ".aipolicy.yaml", "pack": "pack.yaml", "manifest": "ai-production.yaml"}[what]
    before = (repo / target).read_bytes()
    code_, _, err = run(capsys, "check", "--today", TODAY, "--format", "json", "--output", target, "ai-production.yaml")
    assert code_ == 2 and "refusing to write a report over" in err
    assert (repo / target).read_bytes() == before


def test_test_policies_output_never_overwrites_a_test_case(repo: Path, capsys) -> None:
    cases = repo / "policy-tests"
    cases.mkdir()
    case = cases / "case.yaml"
    case.write_text("# expect-not: AIP-OWN-001\n" + PRODUCTION, encoding="utf-8")
    before = case.read_bytes()
    code_, _, err = run(capsys, "test-policies", "policy-tests", "--format", "junit", "--output", str(case))
    assert code_ == 2 and "a policy test case" in err
    assert case.read_bytes() == before


def test_a_configuration_key_with_a_newline_is_one_error_line(repo: Path, capsys) -> None:
    (repo / ".aipolicy.yaml").write_text('"bad\\r\\nkey": 1\n', encoding="utf-8")
    (repo / "ai-production.yaml").write_text(PRODUCTION, encoding="utf-8")
    code_, _, err = run(capsys, "check", "ai-production.yaml")
    assert code_ == 2
    assert len(err.splitlines()) == 1 and "\\r\\n" in err


def test_json_report_keeps_the_manifest_text_exactly(repo: Path, capsys) -> None:
    (repo / "ai-production.yaml").write_text(hostile_manifest(), encoding="utf-8")
    _, out, _ = run(capsys, "check", "--today", TODAY, "--format", "json", "ai-production.yaml")
    report = json.loads(out)
    assert report["manifests"][0]["system_id"] == "tr\x1b[2J\n::add-mask::x\u202eevil"


def test_broken_pipe_when_started_with_stdout_closed_is_exit_0_not_a_traceback(monkeypatch) -> None:
    # Started with stdout closed (`>&-`), sys.stdout is the _ClosedStream stand-in; a reader that
    # leaves (BrokenPipeError) still ends in exit 0 with descriptor 1 pointed at /dev/null.
    import types

    from checker import cli

    def leaves(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError

    dup2: list[tuple[int, int]] = []
    fake_os = types.SimpleNamespace(
        open=lambda *args: 99, O_WRONLY=os.O_WRONLY, devnull=os.devnull, dup2=lambda a, b: dup2.append((a, b))
    )
    monkeypatch.setattr(cli, "os", fake_os)
    monkeypatch.setattr(cli.cli, "main", leaves)
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["check"]) == 0
    assert dup2 == [(99, 1)]
