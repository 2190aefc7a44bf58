"""What a run of many manifests holds and leaves behind: equal parts of finished results
held once (engine._share), the text report written a line at a time, and the garbage
collector's settings restored when the run ends. The sizes themselves are measured by
bench/run.py (peak RSS at N=10,000), never asserted here."""

from __future__ import annotations

import datetime
import gc
import io
import pickle
from pathlib import Path

import pytest
from test_engine import PILOT, PRODUCTION, REPO, TODAY, edit

from checker import engine, session
from checker.findings import Due, ManifestResult, Report
from checker.options import Options
from checker.policy import load_builtin
from checker.report import RenderContext, chunks, render


def _run(tmp_path: Path, texts: list[str]) -> Report:
    files = []
    for index, text in enumerate(texts):
        file = tmp_path / f"m{index}" / "ai-production.yaml"
        file.parent.mkdir()
        file.write_text(text, encoding="utf-8")
        files.append(file)
    return engine.run(files, Options(today=TODAY, root=REPO, warn_within=0), jobs=1)


def test_equal_parts_of_finished_results_are_one_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_SHARED", {})  # nothing shared from earlier runs in this process
    renamed = edit(PRODUCTION, ("id: ticket-router", "id: ticket-router-2"))
    first, second = _run(tmp_path, [PRODUCTION, renamed]).results
    assert first.system_id != second.system_id
    # What is shared is the value itself, as made.
    assert isinstance(first.rules_evaluated, list) and first.rules_evaluated[:2] == ["AIP-SCH-002", "AIP-SCH-001"]
    assert isinstance(first.questions, dict) and sorted(first.questions) == sorted(f"Q{n}" for n in range(1, 11))
    assert first.rules_evaluated == second.rules_evaluated and first.rules_evaluated
    assert first.rules_evaluated is second.rules_evaluated
    assert first.questions == second.questions and first.questions is second.questions
    assert first.stage is second.stage == "production"
    assert first.facts["risk_tier"] is second.facts["risk_tier"] == "limited"
    assert first.deadlines == second.deadlines and first.deadlines
    for mine, theirs in zip(first.deadlines, second.deadlines):
        assert mine.json_path is theirs.json_path and mine.what is theirs.what and mine.day is theirs.day
    # Shared in the worker, a part travels once in a chunk's pickle and arrives shared.
    back = pickle.loads(pickle.dumps([first, second]))
    assert back[0].rules_evaluated is back[1].rules_evaluated
    assert back[0].questions is back[1].questions


def test_results_that_differ_keep_their_own_parts(tmp_path: Path) -> None:
    production, pilot = _run(tmp_path, [PRODUCTION, PILOT]).results
    assert production.stage == "production" and pilot.stage == "pilot"
    assert production.rules_evaluated != pilot.rules_evaluated
    assert set(production.questions or {}) == set(pilot.questions or {})


def test_sharing_stops_at_its_bound_and_keeps_values_as_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_SHARED", {})
    monkeypatch.setattr(engine, "_MAX_SHARED", 2)
    day = datetime.date(2027, 1, 1)

    def result() -> ManifestResult:
        # Fresh objects each time, equal in value.
        return ManifestResult(
            path="m.yaml",
            stage="".join(["pi", "lot"]),
            rules_evaluated=["AIP-A", "AIP-B"],
            deadlines=[Due(datetime.date(2027, 1, 1), "AIP-A", "".join(["$.", "a"]), "w")],
        )

    one, two = result(), result()
    engine._share(one)
    engine._share(two)
    assert len(engine._SHARED) == 2  # the rules list and the stage; nothing past the bound
    assert one.rules_evaluated is two.rules_evaluated and one.stage is two.stage
    assert one.deadlines[0].json_path is not two.deadlines[0].json_path  # past the bound: as made
    assert one.deadlines == two.deadlines and one.deadlines[0].day == day


def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    seen: list[tuple[tuple[int, int, int], int]] = []
    real = engine.check_batch

    def spy(items, options):  # the settings while the run checks
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return real(items, options)

    engine.check_batch = spy  # type: ignore[assignment]
    try:
        _run(tmp_path, [PRODUCTION])
    finally:
        engine.check_batch = real  # type: ignore[assignment]
    assert seen and seen[0][0][0] == engine.BATCH_GC_THRESHOLD and seen[0][1] > frozen
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_a_run_that_raises_still_restores_the_garbage_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = gc.get_threshold()

    def broken(items, options):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "check_batch", broken)
    with pytest.raises(RuntimeError):
        _run(tmp_path, [PRODUCTION])
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def _context() -> RenderContext:
    return RenderContext(policy=load_builtin(), version="test")


def test_the_text_report_comes_a_line_at_a_time_and_adds_up_to_the_whole(tmp_path: Path) -> None:
    broken = edit(PRODUCTION, ("  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}\n", ""))
    report = _run(tmp_path, [PRODUCTION, broken, PILOT])
    pieces = list(chunks("text", report, _context()))
    assert len(pieces) > 3 and all(piece.endswith("\n") and piece.count("\n") == 1 for piece in pieces)
    assert "".join(pieces) == render("text", report, _context())
    assert pieces[-1].startswith("3 files checked:")


def test_formats_without_lines_come_whole(tmp_path: Path) -> None:
    report = _run(tmp_path, [PRODUCTION])
    assert list(chunks("json", report, _context())) == [render("json", report, _context())]


def test_write_report_writes_each_piece_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.txt"
    session.write_report(iter(["a\n", "b\r\n", "c"]), out)
    assert out.read_bytes() == b"a\nb\r\nc"
    stdout = io.StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    session.write_report(iter(["x\n", "y\n"]), None)
    session.write_report("whole\n", None)
    assert stdout.getvalue() == "x\ny\nwhole\n"
