"""The inventory as CSV: one row per system, for spreadsheets.

RFC 4180: a header row, comma-separated, CRLF line ends, fields quoted when
they hold a comma, a quote or a line break. The columns, always in this order:

    repository, path, id, name, stage, stage_since, months_at_stage,
    risk_tier, decision_role, technical_owner, business_owner,
    questions_answered, questions_total, <one column per question: Q1 … Q10>,
    purgatory, stuck, errors, warnings, notes, suppressed,
    next_deadline, deadlines, history

A question column holds `yes` (answered), `no`, or nothing (not judged);
`purgatory` and `stuck` hold `yes` or `no`; an unknown value is an empty cell.
Lists are joined with "; ": `deadlines` as `DATE RULE what (json_path)`,
`history` as `STAGE since DATE (commit)`, oldest first. `next_deadline` is the
soonest deadline's date.

CSV injection (OWASP): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is prefixed with a single quote `'`, so no spreadsheet reads
a value from a manifest as a formula. A cell printed to a terminal cannot
recolour it or reorder what is read: control characters (line breaks
included), bidi controls and lone surrogates are shown as `\n`, `\x1b`,
`\u202e` (checker.textsafe.printable), and `##vso[` as `##vso%5B`. Values are
otherwise written as they are.
"""

from __future__ import annotations

import csv
import io

from checker.portfolio import Inventory, System
from checker.portfolio.render import months_between, question_ids
from checker.textsafe import printable

HEAD = [
    "repository",
    "path",
    "id",
    "name",
    "stage",
    "stage_since",
    "months_at_stage",
    "risk_tier",
    "decision_role",
    "technical_owner",
    "business_owner",
    "questions_answered",
    "questions_total",
]
TAIL = ["purgatory", "stuck", "errors", "warnings", "notes", "suppressed", "next_deadline", "deadlines", "history"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JOIN = "; "


def safe(value: object) -> str:
    """A cell no spreadsheet evaluates (OWASP's leading single quote before a formula start)
    and no terminal obeys: control and bidi characters and lone surrogates are shown as
    escapes (checker.textsafe.printable), as every report does."""
    text = "" if value is None else printable(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def columns(inventory: Inventory) -> list[str]:
    return HEAD + question_ids(inventory) + TAIL


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def _row(s: System, inventory: Inventory, qids: list[str]) -> list[object]:
    since = s.stage_since
    judged = s.questions
    return [
        s.repository,
        s.path,
        s.id,
        s.name,
        s.stage,
        since.isoformat() if since else None,
        months_between(since, inventory.generated) if since else None,
        s.risk_tier,
        s.decision_role,
        s.owners.get("technical"),
        s.owners.get("business"),
        s.answered if judged is not None else None,
        len(judged) if judged is not None else None,
        *(_yes(judged.get(q)) if judged is not None else "" for q in qids),
        _yes(s.purgatory),
        _yes(s.stuck(inventory.generated, inventory.stuck_after)),
        s.findings.get("error", 0),
        s.findings.get("warning", 0),
        s.findings.get("note", 0),
        s.findings.get("suppressed", 0),
        s.deadlines[0]["date"] if s.deadlines else None,
        JOIN.join(f"{d['date']} {d['rule']} {d['what']} ({d['json_path']})" for d in s.deadlines),
        JOIN.join(f"{h.stage} since {h.since.isoformat()} ({h.commit})" for h in s.history or ()),
    ]


def render(inventory: Inventory) -> str:
    qids = question_ids(inventory)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; minimal quoting
    writer.writerow([safe(c) for c in columns(inventory)])  # question ids come from packs
    for s in inventory.systems:
        writer.writerow([safe(v) for v in _row(s, inventory, qids)])
    return out.getvalue()
