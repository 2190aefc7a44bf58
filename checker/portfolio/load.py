"""`--from-json`: an Inventory from another run's JSON, every field type-checked.

The file is named by the operator (read as given, through checker/safeio.py:
never blocking, capped), but what it holds comes from another repository's CI
and is untrusted: it must be UTF-8 JSON without duplicate keys, NaN, Infinity or
numbers too large to be counts, and every field must have its type. Anything
else is a UsageError (exit 2) of one line naming the file and what is wrong.

Two shapes are read:
- `aipolicy check --format json` output (`version`, `manifests`, `findings`,
  and since the portfolio `repository`, `questions` and each manifest's facts);
- an inventory, `aipolicy report --format json` (`"format": "aipolicy-inventory"`,
  `"version": 1`), parsed by checker.portfolio.json_.from_dict.
"""

from __future__ import annotations

import datetime
import json
import posixpath
import re
from pathlib import Path
from typing import Any

from checker.errors import UsageError
from checker.portfolio import (
    INVENTORY_FORMAT,
    INVENTORY_VERSION,
    SEVERITIES,
    STAGES,
    Inventory,
    MonthPoint,
    StageChange,
    System,
)

MAX_JSON_BYTES = 256 * 1024 * 1024  # a check JSON of 10,000 manifests is a few tens of MiB
MAX_TEXT = 4096  # characters in one field: ids, names, owners, messages
MAX_COUNT = 10**9
MAX_NUMBER_DIGITS = 20


class Invalid(Exception):
    """What is wrong with the content, as one phrase."""


def load_file(path: Path, fallback_questions: dict[str, str] | None = None) -> Inventory:
    """The inventory held by the JSON file at `path`; UsageError naming it otherwise."""
    from checker import safeio

    try:
        raw = safeio.read(path, MAX_JSON_BYTES, None)
    except safeio.ReadError as exc:
        raise UsageError(f"--from-json {path}: {exc}") from None
    try:
        return parse(raw, fallback_questions or {})
    except Invalid as exc:
        raise UsageError(f"--from-json {path}: {exc}") from None


def parse(raw: bytes, fallback_questions: dict[str, str]) -> Inventory:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise Invalid("empty; not JSON")
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise Invalid(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except _Stop as exc:
        raise Invalid(str(exc)) from None
    except RecursionError:
        raise Invalid("nested too deeply to be an aipolicy report") from None
    if not isinstance(data, dict):
        raise Invalid(f"the top level is {_kind(data)}, not an object: not an aipolicy check or inventory JSON")
    if "format" in data:
        inventory, items = _inventory(data), "systems"
    elif "manifests" in data or "findings" in data:
        inventory, items = _check_json(data, fallback_questions), "manifests"
    else:
        raise Invalid(
            "neither `aipolicy check --format json` output (manifests, findings) "
            f"nor an inventory (format {INVENTORY_FORMAT})"
        )
    validate(inventory, items)
    return inventory


# -- JSON itself -------------------------------------------------------------------------


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Stop(f"duplicate key {_show(key)}")
        out[key] = value
    return out


class _Stop(ValueError):
    """Raised inside the JSON parser's hooks; json.loads lets a ValueError out as it is."""


def _constant(name: str) -> Any:
    raise _Stop(f"{name} is not a JSON number")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Stop(f"a number of {len(text)} digits is too large")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise _Stop(f"{text[:30]} is out of range")
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


# -- the two shapes ----------------------------------------------------------------------


def _inventory(data: dict[str, Any]) -> Inventory:
    if data.get("format") != INVENTORY_FORMAT:
        raise Invalid(f"format {_show(data.get('format'))} is not {INVENTORY_FORMAT!r}")
    version = data.get("version")
    if type(version) is not int or version != INVENTORY_VERSION:
        raise Invalid(
            f"inventory version {_show(version)} is not supported (this aipolicy reads version {INVENTORY_VERSION})"
        )
    import importlib

    try:
        json_ = importlib.import_module("checker.portfolio.json_")
    except ModuleNotFoundError as exc:
        if exc.name != "checker.portfolio.json_":
            raise
        raise Invalid("this aipolicy cannot read inventories (checker.portfolio.json_ is missing)") from None
    try:
        inventory = json_.from_dict(data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Invalid(f"not a valid inventory: {message[:200]}") from None
    if not isinstance(inventory, Inventory):
        raise Invalid("not a valid inventory")
    return inventory


def _check_json(data: dict[str, Any], fallback_questions: dict[str, str]) -> Inventory:
    version = data.get("version")
    if not isinstance(version, str) or len(version) > 100:
        raise Invalid("version: expected the aipolicy version that wrote it (a string)")
    manifests, findings = data.get("manifests"), data.get("findings")
    if not isinstance(manifests, list) or not isinstance(findings, list):
        raise Invalid("manifests and findings must both be lists (`aipolicy check --format json` output)")
    repository = data.get("repository")
    if repository is not None:
        from checker.gitrepo import valid_repository

        if valid_repository(repository) is None:
            raise Invalid(f"repository: {_show(repository)} is not an owner/name")
    questions = data.get("questions", {})
    if not isinstance(questions, dict) or not all(
        isinstance(t, str) and len(t) <= MAX_TEXT for t in questions.values()
    ):
        raise Invalid("questions: expected an object of question id -> text")
    known = list(questions) or list(fallback_questions)
    counts: dict[str, dict[str, int]] = {}
    for i, finding in enumerate(findings):
        where = f"findings[{i}]"
        if not isinstance(finding, dict):
            raise Invalid(f"{where}: expected an object, got {_kind(finding)}")
        path, severity, suppressed = finding.get("path"), finding.get("severity"), finding.get("suppressed", False)
        if not isinstance(path, str) or severity not in SEVERITIES or not isinstance(suppressed, bool):
            raise Invalid(
                f"{where}: expected a path (string), a severity ({', '.join(SEVERITIES)}) and suppressed (boolean)"
            )
        per = counts.setdefault(_path(path, where), {"error": 0, "warning": 0, "note": 0, "suppressed": 0})
        per["suppressed" if suppressed else severity] += 1
    systems = []
    for i, entry in enumerate(manifests):
        where = f"manifests[{i}]"
        if not isinstance(entry, dict):
            raise Invalid(f"{where}: expected an object, got {_kind(entry)}")
        path = _path(entry.get("path"), where)
        owners = entry.get("owners") or {}
        if not isinstance(owners, dict):
            raise Invalid(f"{where}.owners: expected an object, got {_kind(owners)}")
        deadlines = entry.get("deadlines") or []
        if not isinstance(deadlines, list) or not all(isinstance(d, dict) for d in deadlines):
            raise Invalid(f"{where}.deadlines: expected a list of objects")
        history = _stage_history(entry.get("stage_history"), f"{where}.stage_history")
        systems.append(
            System(
                history=history,
                path=path,
                repository=repository,
                id=entry.get("system_id"),
                name=entry.get("name"),
                stage=entry.get("stage"),
                risk_tier=entry.get("risk_tier"),
                decision_role=entry.get("decision_role"),
                owners={"technical": owners.get("technical"), "business": owners.get("business")},
                questions=_questions(entry.get("questions"), known, f"{where}.questions"),
                findings=counts.get(path, {"error": 0, "warning": 0, "note": 0, "suppressed": 0}),
                deadlines=[  # checked below (_check_system)
                    {
                        "date": d.get("date"),
                        "rule": d.get("rule"),
                        "json_path": d.get("json_path"),
                        "what": d.get("what"),
                    }
                    for d in deadlines
                ],
            )
        )
    return Inventory(
        generated=datetime.date.today(),
        tool_version=version,
        systems=systems,
        questions={q: t for q, t in questions.items() if isinstance(q, str)},
    )


def _stage_history(value: Any, where: str) -> list[StageChange] | None:
    """A check JSON's `stage_history` (null when the git rules did not read it)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 10_000:
        raise Invalid(f"{where}: expected a list or null, got {_kind(value)}")
    out = []
    for i, change in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(change, dict):
            raise Invalid(f"{at}: expected an object, got {_kind(change)}")
        stage, since, commit = change.get("stage"), change.get("since"), change.get("commit")
        if stage not in STAGES:
            raise Invalid(f"{at}.stage: expected one of {', '.join(STAGES)}")
        if not (isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{4,64}", commit)):
            raise Invalid(f"{at}.commit: expected a commit id (hex)")
        try:
            day = datetime.date.fromisoformat(since) if isinstance(since, str) and len(since) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise Invalid(f"{at}.since: expected a date (YYYY-MM-DD)")
        out.append(StageChange(stage, day, commit, at_or_before=change.get("at_or_before") is True))
    return out


def _path(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise Invalid(f"{where}.path: expected a file path (a non-empty string)")
    return posixpath.normpath(value)


def _questions(value: Any, known: list[str], where: str) -> dict[str, bool] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid(f"{where}: expected an object or null, got {_kind(value)}")
    by_id = value.get("by_id")
    if by_id is not None:
        if not isinstance(by_id, dict) or not all(type(v) is bool for v in by_id.values()):
            raise Invalid(f"{where}.by_id: expected an object of question id -> true/false")
        return dict(by_id)
    unanswered, total = value.get("unanswered"), value.get("total")
    if not isinstance(unanswered, list) or not all(
        isinstance(u, dict) and isinstance(u.get("id"), str) for u in unanswered
    ):
        raise Invalid(f"{where}.unanswered: expected a list of {{id, text}}")
    if type(total) is not int or not 0 <= total <= MAX_COUNT:
        raise Invalid(f"{where}.total: expected a count")
    missing = {u["id"] for u in unanswered}
    if total != len(known) or not missing <= set(known):
        return None  # written by a policy with other questions: not judged here
    return {q: q not in missing for q in known}


# -- every field's type, whichever shape it came from ------------------------------------


def validate(inventory: Inventory, items: str = "systems") -> None:
    if not isinstance(inventory.systems, list):
        raise Invalid(f"{items}: expected a list")
    for i, system in enumerate(inventory.systems):
        if not isinstance(system, System):
            raise Invalid(f"{items}[{i}]: not a system")
        _check_system(system, f"{items}[{i}]")
    if inventory.trend is not None:
        if not isinstance(inventory.trend, list):
            raise Invalid("trend: expected a list")
        for i, point in enumerate(inventory.trend):
            _check_point(point, f"trend[{i}]")
    if not isinstance(inventory.questions, dict) or not all(
        isinstance(q, str) and isinstance(t, str) and len(q) <= MAX_TEXT and len(t) <= MAX_TEXT
        for q, t in inventory.questions.items()
    ):
        raise Invalid("questions: expected an object of question id -> text")


def _text(value: Any, where: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Invalid(
            f"{where}: expected a string{' or null' if optional else ''} of at most {MAX_TEXT} characters, "
            f"got {_kind(value) if not isinstance(value, str) else 'a longer one'}"
        )


def _count(value: Any, where: str) -> None:
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise Invalid(f"{where}: expected a count (a whole number from 0 to {MAX_COUNT})")


def _day(value: Any, where: str) -> None:
    if not isinstance(value, str) or len(value) != 10:
        raise Invalid(f"{where}: expected a date (YYYY-MM-DD)")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{where}: {_show(value)} is not a date (YYYY-MM-DD)") from None


def _check_system(s: System, where: str) -> None:
    from checker.gitrepo import valid_repository

    _text(s.path, f"{where}.path", optional=False)
    if s.repository is not None and valid_repository(s.repository) is None:
        raise Invalid(f"{where}.repository: {_show(s.repository)} is not an owner/name")
    for name in ("id", "name", "stage", "risk_tier", "decision_role"):
        _text(getattr(s, name), f"{where}.{'system_id' if name == 'id' else name}")
    if not isinstance(s.owners, dict):
        raise Invalid(f"{where}.owners: expected an object")
    for role in ("technical", "business"):
        _text(s.owners.get(role), f"{where}.owners.{role}")
    if s.questions is not None and (
        not isinstance(s.questions, dict)
        or not all(isinstance(q, str) and len(q) <= MAX_TEXT and type(ok) is bool for q, ok in s.questions.items())
    ):
        raise Invalid(f"{where}.questions: expected question id -> true/false")
    if not isinstance(s.findings, dict):
        raise Invalid(f"{where}.findings: expected an object of counts")
    for key in (*SEVERITIES, "suppressed"):
        _count(s.findings.get(key, 0), f"{where}.findings.{key}")
    if not isinstance(s.deadlines, list):
        raise Invalid(f"{where}.deadlines: expected a list")
    for j, due in enumerate(s.deadlines):
        if not isinstance(due, dict):
            raise Invalid(f"{where}.deadlines[{j}]: expected an object")
        _day(due.get("date"), f"{where}.deadlines[{j}].date")
        for key in ("rule", "json_path", "what"):
            _text(due.get(key), f"{where}.deadlines[{j}].{key}", optional=False)
    s.deadlines.sort(key=lambda due: due["date"])
    if s.history is not None:
        if not isinstance(s.history, list):
            raise Invalid(f"{where}.history: expected a list")
        for j, change in enumerate(s.history):
            if not (
                isinstance(change, StageChange)
                and isinstance(change.stage, str)
                and len(change.stage) <= MAX_TEXT
                and isinstance(change.since, datetime.date)
                and isinstance(change.commit, str)
                and len(change.commit) <= MAX_TEXT
            ):
                raise Invalid(f"{where}.history[{j}]: expected a stage, a date and a commit")


def _check_point(point: Any, where: str) -> None:
    if not (
        isinstance(point, MonthPoint)
        and isinstance(point.month, str)
        and len(point.month) == 7
        and isinstance(point.end, datetime.date)
        and isinstance(point.stages, dict)
    ):
        raise Invalid(f"{where}: expected a month (YYYY-MM), its end date and stage counts")
    for stage, count in point.stages.items():
        _text(stage, f"{where}.stages")
        _count(count, f"{where}.stages.{stage}")
    _count(point.purgatory, f"{where}.purgatory")
    _count(point.stuck, f"{where}.stuck")
