"""The GitHub reporter's contract at its edges (checker/report/github.py): the job summary's size
budget to the byte, CommonMark's code-span padding, the annotation properties GitHub reads, and the
deadline list's cap. Each test was written against a mutant of github.py that the other tests let
live (bench/mutation.py); its name says the behaviour it pins.
"""

from __future__ import annotations

import pytest

from checker.findings import Finding, ManifestResult, Report, Severity, Span
from checker.policy import load_builtin
from checker.report import RenderContext, github


@pytest.fixture(scope="module")
def ctx() -> RenderContext:
    return RenderContext(policy=load_builtin(), version="t")


def _report(manifests: int, message: str = "m") -> Report:
    report = Report()
    for i in range(manifests):
        result = ManifestResult(path=f"m{i}/ai-production.yaml", system_id=f"sys-{i}", stage="production")
        result.findings = [Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(1, 1, 1, 2), message)]
        report.results.append(result)
    return report


# -- the job summary's size budget ---------------------------------------------------------------


def test_a_summary_exactly_at_the_limit_is_whole_and_one_byte_over_drops_the_last_manifest(ctx, monkeypatch) -> None:
    report = _report(2)
    whole = github.summary_markdown(report, ctx)
    assert "truncated" not in whole and "sys-1" in whole
    size = len(whole.encode("utf-8"))  # every line counted with its newline, as the budget counts it
    monkeypatch.setattr(github, "SUMMARY_LIMIT", size)
    assert github.summary_markdown(report, ctx) == whole
    monkeypatch.setattr(github, "SUMMARY_LIMIT", size - 1)
    cut = github.summary_markdown(report, ctx)
    assert "sys-0" in cut and "sys-1" not in cut
    assert cut.rstrip("\n").endswith(
        "\n\n_Summary truncated to stay under GitHub's 1 MiB limit; the job log has every finding._"
    )


def test_the_budget_counts_bytes_not_characters(ctx, monkeypatch) -> None:
    report = _report(2, message="é" * 50)  # 50 characters, 100 bytes
    whole = github.summary_markdown(report, ctx)
    monkeypatch.setattr(github, "SUMMARY_LIMIT", len(whole))  # characters: too few bytes for the second block
    assert "sys-1" not in github.summary_markdown(report, ctx)


def test_a_truncated_summary_keeps_its_heading_totals_and_the_manifests_that_fit(ctx, monkeypatch) -> None:
    report = _report(3)
    whole = github.summary_markdown(report, ctx)
    monkeypatch.setattr(github, "SUMMARY_LIMIT", len(whole.encode("utf-8")) - 1)
    cut = github.summary_markdown(report, ctx)
    assert cut.startswith("## aipolicy\n\n3 manifests: 3 errors, 0 warnings, 0 notes.\n\n### `m0/ai-production.yaml`\n")
    assert "sys-0" in cut and "sys-1" in cut and "sys-2" not in cut
    assert cut.count("truncated") == 1


def test_a_summary_with_no_room_for_any_manifest_still_has_its_heading_and_totals(ctx, monkeypatch) -> None:
    monkeypatch.setattr(github, "SUMMARY_LIMIT", 10)
    cut = github.summary_markdown(_report(1), ctx)
    assert cut.startswith("## aipolicy\n\n1 manifest: 1 error, 0 warnings, 0 notes.\n")
    assert "sys-0" not in cut and "truncated" in cut


# -- code spans in messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "rendered"),
    [
        ("a ` ab ` b", "a `ab` b"),  # one space each side, both sides: CommonMark strips them
        ("a `  ab  ` b", "a ` ab ` b"),  # only one from each side
        ("a ` ab` b", "a ` ab` b"),  # a space on one side only stays
        ("a `ab ` b", "a `ab ` b"),
        ("a `  ` b", "a `    ` b"),  # only spaces: nothing is stripped (code() pads a blank span)
        ("a ` x ` b", "a `x` b"),
    ],
)
def test_a_code_span_loses_one_space_from_each_end_only_when_both_ends_have_one(message, rendered) -> None:
    assert github.message_markdown(message) == rendered


# -- annotations ---------------------------------------------------------------------------------


def _one(span: Span, severity: Severity = Severity.ERROR, message: str = "m") -> Report:
    result = ManifestResult(path="a/ai-production.yaml", system_id="s1", stage="pilot")
    result.findings = [Finding("AIP-SCH-001", "schema", severity, result.path, span, message)]
    return Report([result])


def test_an_annotation_on_one_line_names_its_columns(ctx) -> None:
    out = github.render(_one(Span(7, 2, 7, 9)), ctx)
    assert out.startswith(
        "::error file=a/ai-production.yaml,line=7,col=2,endLine=7,endColumn=9,title=AIP-SCH-001 schema::m\n"
    )


def test_an_annotation_over_several_lines_drops_the_columns_github_would_ignore(ctx) -> None:
    out = github.render(_one(Span(3, 2, 5, 4), Severity.WARNING), ctx)
    assert out.startswith("::warning file=a/ai-production.yaml,line=3,endLine=5,title=AIP-SCH-001 schema::m\n")


def test_an_annotation_never_ends_before_it_starts(ctx) -> None:
    out = github.render(_one(Span(7, 2, 1, 1), Severity.NOTE), ctx)
    assert out.startswith(
        "::notice file=a/ai-production.yaml,line=7,col=2,endLine=7,endColumn=1,title=AIP-SCH-001 schema::m\n"
    )


def test_the_full_listing_follows_inside_one_stop_commands_block_keyed_by_its_own_hash(ctx) -> None:
    import hashlib

    from checker.report import text

    report = _one(Span(7, 2, 7, 9), message="::error::forged")
    listing = text.render(report, ctx)
    token = hashlib.sha256(listing.encode("utf-8")).hexdigest()[:32]
    out = github.render(report, ctx)
    annotation = out.split("\n", 1)[0]
    assert out == f"{annotation}\n::stop-commands::{token}\n{listing.rstrip(chr(10))}\n::{token}::\n"


def test_annotations_go_most_severe_first_then_in_file_order(ctx) -> None:
    result = ManifestResult(path="a/ai-production.yaml")
    result.findings = [
        Finding("AIP-SCH-001", "schema", Severity.NOTE, result.path, Span(1, 1, 1, 2), "n1"),
        Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(9, 1, 9, 2), "e9"),
        Finding("AIP-SCH-001", "schema", Severity.WARNING, result.path, Span(2, 1, 2, 2), "w2"),
        Finding("AIP-SCH-001", "schema", Severity.ERROR, result.path, Span(3, 1, 3, 2), "e3"),
    ]
    out = github.render(Report([result]), ctx)
    messages = [
        line.rsplit("::", 1)[1] for line in out.split("\n") if line.startswith(("::error ", "::warning ", "::notice "))
    ]
    assert messages == ["e3", "e9", "w2", "n1"]


def test_suppressed_findings_get_no_annotation(ctx) -> None:
    report = _one(Span(7, 2, 7, 9))
    result = report.results[0]
    result.findings = [result.findings[0].suppress("accepted until the migration")]
    out = github.render(report, ctx)
    assert not [line for line in out.split("\n") if line.startswith(("::error", "::warning", "::notice"))]


# -- the job summary's manifest block and deadline list ------------------------------------------


def test_a_manifest_block_names_system_stage_and_the_unanswered_questions(ctx) -> None:
    report = _one(Span(3, 2, 3, 4))
    report.results[0].questions = {"Q1": True, "Q2": False, "Q3": True}
    block = github.summary_markdown(report, ctx).split("### `a/ai-production.yaml`\n\n", 1)[1]
    question = ctx.policy.questions.get("Q2", "")
    assert block.startswith(
        f"system `s1`, stage `pilot`, **2/3** questions answered (unanswered: `Q2 {question}`)\n\n"
        "| severity | rule | line | message |\n|---|---|---|---|\n| error | `AIP-SCH-001 schema` | 3 | m |\n"
    )


def test_a_manifest_without_a_system_id_or_stage_says_unknown_and_all_answered_lists_none(ctx) -> None:
    report = _one(Span(3, 2, 3, 4))
    result = report.results[0]
    result.system_id, result.stage, result.questions = None, None, {"Q1": True}
    block = github.summary_markdown(report, ctx).split("### `a/ai-production.yaml`\n\n", 1)[1]
    assert block.startswith("stage `unknown`, **1/1** questions answered\n\n")


def test_a_manifest_with_no_active_finding_says_no_findings_and_what_it_suppressed(ctx) -> None:
    report = _one(Span(3, 2, 3, 4))
    result = report.results[0]
    result.findings = [result.findings[0].suppress("accepted")]
    block = github.summary_markdown(report, ctx).split("### `a/ai-production.yaml`\n\n", 1)[1]
    assert block.startswith("system `s1`, stage `pilot`\n\nNo findings.\n\n1 finding suppressed by a waiver.\n")


def _due(n: int) -> Report:
    result = ManifestResult(path="a/ai-production.yaml")
    result.findings = [
        Finding("AIP-DUE-001", "due", Severity.NOTE, result.path, Span(i + 1, 1, i + 1, 2), f"due {i}")
        for i in range(n)
    ]
    return Report([result])


@pytest.mark.parametrize(("n", "shown", "more"), [(200, 200, None), (201, 200, 1), (205, 200, 5)])
def test_the_deadline_list_shows_two_hundred_and_counts_the_rest(ctx, n, shown, more) -> None:
    text = github.summary_markdown(_due(n), ctx)
    deadlines = text.split("### Deadlines within 14 days\n\n", 1)[1]
    items = [line for line in deadlines.split("\n") if line.startswith("- `a/ai-production.yaml` line ")]
    assert len(items) == shown
    assert items[0] == "- `a/ai-production.yaml` line 1: due 0"
    tail = [line for line in deadlines.split("\n") if line.startswith("- … and ")]
    assert tail == ([] if more is None else [f"- … and {more} more (see the job log)"])
    assert text.endswith((f"- … and {more} more (see the job log)" if more else items[-1]) + "\n\n")


def test_a_suppressed_deadline_is_not_listed(ctx) -> None:
    report = _due(2)
    result = report.results[0]
    result.findings = [result.findings[0].suppress("known"), result.findings[1]]
    text = github.summary_markdown(report, ctx)
    assert "line 1: due 0" not in text and "line 2: due 1" in text
    result.findings = [f.suppress("known") for f in result.findings]
    assert "Deadlines" not in github.summary_markdown(report, ctx)


def test_text_around_code_spans_is_escaped_and_runs_of_spaces_become_one(ctx) -> None:
    assert github.message_markdown("a  *b*   `c*` d") == "a \\*b\\* `c*` d"
    assert github.message_markdown("x | y", table=False) == "x \\| y"
    assert github.message_markdown("`a|b`") == "`a\\|b`"
    assert github.message_markdown("`a|b`", table=False) == "`a|b`"


def test_an_annotation_names_its_file_relative_to_the_repository_root(tmp_path) -> None:
    report = _one(Span(7, 2, 7, 9))
    report.results[0].findings = [
        Finding(
            "AIP-SCH-001", "schema", Severity.ERROR, str(tmp_path / "a" / "ai-production.yaml"), Span(7, 2, 7, 9), "m"
        )
    ]
    out = github.render(report, RenderContext(policy=load_builtin(), version="t", root=str(tmp_path)))
    assert out.startswith("::error file=a/ai-production.yaml,line=7,")


def test_annotation_text_keeps_an_azure_command_exact_as_aipolicy_writes_its_own_commands() -> None:
    # Only Azure Pipelines reads `##vso[`, and only at a line's start; inside a GitHub command
    # the file name and message must reach GitHub unchanged.
    assert github.escape_data("see ##vso[task.complete]") == "see ##vso[task.complete]"
    assert github.escape_property("##vso[x]:1") == "##vso[x]%3A1"


@pytest.mark.parametrize("ending", ["X", " ", "\t"])
def test_the_listing_inside_stop_commands_keeps_the_last_line_whole(ending: str) -> None:
    quiet = RenderContext(policy=load_builtin(), version="t", quiet=True)
    report = _one(Span(7, 2, 7, 9), message="ends with" + ending)
    from checker.report import text

    listing = text.render(report, quiet)
    assert listing.endswith("ends with" + ("\\t" if ending == "\t" else ending) + "\n")
    out = github.render(report, quiet)
    assert listing in out


def test_suppressions_of_other_kinds_are_named_after_waivers_and_the_baseline(ctx) -> None:
    result = ManifestResult(path="a/ai-production.yaml")
    kinds = ["policy-exception", "baseline", "waiver", "baseline", "audit"]
    result.findings = [
        Finding(
            "AIP-SCH-001",
            "schema",
            Severity.ERROR,
            result.path,
            Span(i + 1, 1, i + 1, 2),
            "m",
            suppressed_by="r",
            suppression=k,
        )
        for i, k in enumerate(kinds)
    ]
    totals = github.summary_markdown(Report([result]), ctx).split("\n")[2]
    assert totals == (
        "1 manifest: 0 errors, 0 warnings, 0 notes; 5 findings suppressed "
        "(1 by a waiver, 2 by the baseline, 1 by audit, 1 by policy-exception)."
    )
    result.findings = result.findings[:1]
    assert (
        github.summary_markdown(Report([result]), ctx)
        .split("\n")[2]
        .endswith("1 finding suppressed by policy-exception.")
    )


def test_a_question_the_policy_does_not_know_is_listed_by_its_id_alone(ctx) -> None:
    report = _one(Span(3, 2, 3, 4))
    report.results[0].questions = {"Q99": False}
    assert "**0/1** questions answered (unanswered: `Q99 `)" in github.summary_markdown(report, ctx)


def test_a_manifest_heading_names_its_file_relative_to_the_repository_root(tmp_path) -> None:
    result = ManifestResult(path=str(tmp_path / "a" / "ai-production.yaml"))
    text = github.summary_markdown(
        Report([result]), RenderContext(policy=load_builtin(), version="t", root=str(tmp_path))
    )
    assert "\n### `a/ai-production.yaml`\n" in text


def test_deadlines_name_files_relative_to_the_root_and_keep_pipes_in_code_spans(tmp_path) -> None:
    result = ManifestResult(path=str(tmp_path / "a" / "ai-production.yaml"))
    result.findings = [Finding("AIP-DUE-001", "due", Severity.NOTE, result.path, Span(4, 1, 4, 2), "see `a|b` soon")]
    text = github.summary_markdown(
        Report([result]), RenderContext(policy=load_builtin(), version="t", root=str(tmp_path))
    )
    assert "- `a/ai-production.yaml` line 4: see `a|b` soon\n" in text


def test_linkish_words_in_a_table_cell_escape_their_pipe_before_and_after_a_code_span() -> None:
    assert github.message_markdown("x a@b|c `y` a@b|c") == "x `a@b\\|c` `y` `a@b\\|c`"
    assert github.message_markdown("x a@b|c", table=False) == "x `a@b|c`"


def test_several_unanswered_questions_are_listed_comma_separated(ctx) -> None:
    report = _one(Span(3, 2, 3, 4))
    report.results[0].questions = {"Q98": False, "Q99": False}
    assert "(unanswered: `Q98 `, `Q99 `)" in github.summary_markdown(report, ctx)


def test_a_rule_id_with_a_pipe_cannot_break_the_findings_table(ctx) -> None:
    result = ManifestResult(path="a/ai-production.yaml")
    result.findings = [Finding("X|Y", "s", Severity.ERROR, result.path, Span(1, 1, 1, 2), "m")]
    assert "| error | `X\\|Y s` | 1 | m |" in github.summary_markdown(Report([result]), ctx)
