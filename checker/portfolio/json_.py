"""The inventory as versioned JSON (schemas/inventory.v1.schema.json), and back.

`render` writes the shape the schema documents; `from_dict` reads it back
(`aipolicy report --from-json`): it validates against the schema first (an
offline registry, nothing fetched) and raises ValueError with a one-line reason
for anything else. Derived fields (`counts`, `stage_since`, `purgatory`,
`stuck`) are written for consumers and recomputed on reading, so a file cannot
claim a count its systems do not have.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from checker.portfolio import (
    INVENTORY_FORMAT,
    INVENTORY_VERSION,
    Deadline,
    Inventory,
    MonthPoint,
    StageChange,
    System,
)
from checker.textsafe import json_text, printable

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SCHEMA_FILE = "inventory.v1.schema.json"
MAX_REASON = 200  # characters of a validation message in from_dict's one-line reason


def to_dict(inventory: Inventory) -> dict[str, Any]:
    today, after = inventory.generated, inventory.stuck_after
    return {
        "format": INVENTORY_FORMAT,
        "version": INVENTORY_VERSION,
        "tool_version": inventory.tool_version,
        "generated": today.isoformat(),
        "stuck_after": after,
        "counts": inventory.counts(),
        "questions": dict(inventory.questions),
        "systems": [_system(s, today, after) for s in inventory.systems],
        "trend": None
        if inventory.trend is None
        else [
            {
                "month": p.month,
                "end": p.end.isoformat(),
                "stages": dict(p.stages),
                "purgatory": p.purgatory,
                "stuck": p.stuck,
            }
            for p in inventory.trend
        ],
    }


def _system(s: System, today: datetime.date, after: int) -> dict[str, Any]:
    since = s.stage_since
    return {
        "repository": s.repository,
        "path": s.path,
        "id": s.id,
        "name": s.name,
        "stage": s.stage,
        "stage_since": since.isoformat() if since else None,
        "risk_tier": s.risk_tier,
        "decision_role": s.decision_role,
        "owners": {"technical": s.owners.get("technical"), "business": s.owners.get("business")},
        "questions": None
        if s.questions is None
        else {
            "answered": s.answered,
            "total": len(s.questions),
            "asked": list(s.questions),
            "unanswered": [q for q, ok in s.questions.items() if not ok],
        },
        "purgatory": s.purgatory,
        "stuck": s.stuck(today, after),
        "findings": {k: s.findings.get(k, 0) for k in ("error", "warning", "note", "suppressed")},
        "deadlines": [{k: d.get(k) for k in ("date", "rule", "json_path", "what")} for d in s.deadlines],
        "history": None
        if s.history is None
        else [{"stage": h.stage, "since": h.since.isoformat(), "commit": h.commit} for h in s.history],
    }


def render(inventory: Inventory) -> str:
    # json_text: a lone surrogate from a manifest (YAML "\ud800") as its escape, so the file can be
    # written as UTF-8, and no `##vso[` for an Azure log; a bidi or C1 control (only ever inside
    # a string) as its escape too, so a terminal shows the file as it is. All read back exactly.
    text = json_text(json.dumps(to_dict(inventory), indent=2, ensure_ascii=False))
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


_INVISIBLE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# -- reading ---------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    from checker import resources

    loaded: dict[str, Any] = json.loads((resources.schemas_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Validator:
    from checker.schema import build_validator

    validator: Validator = build_validator(schema())
    return validator


def _where(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


MAX_DEPTH = 16  # the shape nests 6 deep; jsonschema recurses (and reprs) a deeper value
MAX_QUESTIONS = 200  # distinct question ids in one file (the built-in catalogue has 10, packs add a few)
MAX_INT = 2**53  # JSON's exact integers; a count or a month limit beyond it is not a portfolio


def _oddity(value: Any) -> str | None:
    """Why `value` cannot be an inventory whatever the schema says, or None: a lone surrogate
    (JSON allows `\\ud800`; it cannot be written as UTF-8), nesting deeper than the shape
    (jsonschema would recurse past Python's limit), or an integer no count can be."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels (an inventory nests 6)"
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return "a string holds an unpaired surrogate (not valid Unicode)"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is not finite (NaN or Infinity)"
        elif isinstance(item, (int, float)) and abs(item) > MAX_INT:
            return f"a number is too large (more than {MAX_INT})"
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


def validate(data: Any) -> None:
    """ValueError with a one-line reason unless `data` is an inventory of this version."""
    if not isinstance(data, dict) or data.get("format") != INVENTORY_FORMAT:
        raise ValueError(f'not an aipolicy inventory (no "format": "{INVENTORY_FORMAT}")')
    if data.get("version") != INVENTORY_VERSION:
        raise ValueError(
            f"unsupported inventory version {printable(json.dumps(data.get('version')))[:40]}"
            f" (this aipolicy reads version {INVENTORY_VERSION})"
        )
    oddity = _oddity(data)
    if oddity is not None:
        raise ValueError(oddity)
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    while (
        error is not None and error.context
    ):  # `oneOf: [null, …]`: say what is wrong inside, not "not valid under any"
        deeper = [e for e in error.context if e.validator != "type" or e.schema.get("type") != "null"]
        error = best_match(deeper or error.context)
    if error is not None:
        message = printable(error.message)
        if len(message) > MAX_REASON:
            message = message[:MAX_REASON] + "…"
        raise ValueError(f"{printable(_where(error.absolute_path))}: {message}")
    ids = set(data["questions"])
    for item in data["systems"]:
        if item["questions"] is not None:
            ids.update(item["questions"].get("asked", ()), item["questions"]["unanswered"])
    if len(ids) > MAX_QUESTIONS:  # each is a column of every system's row: a small file, a huge report
        raise ValueError(f"$.systems: {len(ids)} different question ids (at most {MAX_QUESTIONS})")
    for index, point in enumerate(data["trend"] or ()):  # the schema's `$` also matches before a final newline
        if not re.fullmatch(r"[0-9]{4}-(?:0[1-9]|1[0-2])", point["month"]):
            raise ValueError(
                f"$.trend[{index}].month: {printable(json.dumps(point['month']))[:40]} is not a month (YYYY-MM)"
            )


def _questions(judged: dict[str, Any], known: list[str], index: int) -> dict[str, bool]:
    """question id -> answered, from `asked` (or, without it, the inventory's questions)."""
    asked = judged.get("asked", known)
    missing = set(judged["unanswered"])
    if (
        len(set(asked)) != len(asked)
        or not missing <= set(asked)
        or len(asked) != judged["total"]
        or judged["answered"] != len(asked) - len(missing)
    ):
        raise ValueError(f"$.systems[{index}].questions: answered, total, asked and unanswered disagree")
    return {q: q not in missing for q in asked}


def _integers(value: Any) -> Any:
    """`data` with JSON numbers such as 14.0 as ints: JSON Schema calls them integers, and every
    number in the shape is a count (a float would reach date arithmetic)."""
    if isinstance(value, float):
        return int(value)
    if isinstance(value, dict):
        return {k: _integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integers(v) for v in value]
    return value


def from_dict(data: Any) -> Inventory:
    """The Inventory that `render` wrote (validated first; ValueError otherwise)."""
    validate(data)
    data = _integers(data)
    day = datetime.date.fromisoformat
    systems: list[System] = []
    for item in data["systems"]:
        questions = None
        if item["questions"] is not None:
            questions = _questions(item["questions"], list(data["questions"]), len(systems))
        systems.append(
            System(
                path=item["path"],
                repository=item["repository"],
                id=item["id"],
                name=item["name"],
                stage=item["stage"],
                risk_tier=item["risk_tier"],
                decision_role=item["decision_role"],
                owners={"technical": item["owners"]["technical"], "business": item["owners"]["business"]},
                questions=questions,
                findings={k: item["findings"][k] for k in ("error", "warning", "note", "suppressed")},
                deadlines=[
                    Deadline(date=d["date"], rule=d["rule"], json_path=d["json_path"], what=d["what"])
                    for d in item["deadlines"]  # the schema allows these four keys and no other
                ],
                history=None
                if item["history"] is None
                else [StageChange(h["stage"], day(h["since"]), h["commit"]) for h in item["history"]],
            )
        )
    trend = (
        None
        if data["trend"] is None
        else [
            MonthPoint(p["month"], day(p["end"]), dict(p["stages"]), p["purgatory"], p["stuck"]) for p in data["trend"]
        ]
    )
    return Inventory(
        generated=day(data["generated"]),
        tool_version=data["tool_version"],
        stuck_after=data["stuck_after"],
        systems=systems,
        trend=trend,
        questions=dict(data["questions"]),
    )
