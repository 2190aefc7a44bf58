"""The portfolio as Markdown, compact enough for `$GITHUB_STEP_SUMMARY` or an issue body.

Headline counts, the stage funnel, unanswered questions, stuck pilots,
deadlines in the next 30 and 90 days, owner load and the 12-month trend, each
as a table. Every string from a repository (names, ids, paths, owners, rule
ids, question ids and texts) is an inert code span (checker.textsafe.code),
and what falls due is shown as the job summary shows messages (its code spans
stay code, every other character is escaped): no link, image, HTML or
@mention can come out of a manifest. A long value is
clipped to MAX_TEXT characters; a table lists at most MAX_ROWS rows and says
how many more there are; the whole page stays under LIMIT bytes (GitHub
refuses a step summary over 1 MiB) and says so when it was cut.
"""

from __future__ import annotations

import datetime

from checker.portfolio import STAGES, Inventory, System
from checker.portfolio.render import label, months_between, question_ids
from checker.textsafe import code

LIMIT = 1024 * 1024 - 64 * 1024  # bytes; GitHub refuses step summaries over 1 MiB
MAX_ROWS = 100  # rows per table
MAX_TEXT = 80  # characters of one value from a manifest


class _Page:
    """Lines up to LIMIT bytes; `full` once a line did not fit."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.full = False

    def add(self, *lines: str) -> bool:
        cost = sum(len(line.encode("utf-8")) + 1 for line in lines)
        if self.full or self.size + cost > LIMIT - 512:  # room for the closing note
            self.full = True
            return False
        self.lines += lines
        self.size += cost
        return True


def _c(value: object, table: bool = True) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return code(text, table=table)


def _what(text: str) -> str:
    """What falls due, as the job summary shows messages: its code spans stay code, the rest inert text."""
    from checker.report.github import message_markdown

    return message_markdown(text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…", table=True)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _table(
    page: _Page, head: list[str], rows: list[list[str]], more: str = "; the html, json and csv reports list every one"
) -> None:
    if not page.add("| " + " | ".join(head) + " |", "|" + "---|" * len(head)):
        return
    for row in rows[:MAX_ROWS]:
        if not page.add("| " + " | ".join(row) + " |"):
            return
    if len(rows) > MAX_ROWS:
        page.add("", f"_… and {len(rows) - MAX_ROWS} more{more}._")
    page.add("")


def _system(s: System) -> str:
    return _c(label(s))


def _where(s: System) -> str:
    return (_c(s.repository) + " " if s.repository else "") + _c(s.path)


def headline(inv: Inventory) -> str:
    c = inv.counts()
    stages = ", ".join(f"{c['stages'][st]} {st}" for st in STAGES)
    unknown = f", {c['unknown_stage']} of unknown stage" if c["unknown_stage"] else ""
    return (
        f"**{_plural(c['systems'], 'system')}**: {stages}{unknown}. "
        f"**{c['stuck']} stuck** {'pilot' if c['stuck'] == 1 else 'pilots'}, "
        f"**{c['purgatory']} in purgatory**, {c['failing']} failing. "
        f"**{_plural(c['due_30'], 'deadline')}** in the next 30 days, {c['due_90']} in 90."
    )


def render(inv: Inventory) -> str:
    page = _Page()
    today = inv.generated
    page.add(
        "## AI portfolio",
        "",
        f"As of {today.isoformat()} (aipolicy {_c(inv.tool_version, False)}); "
        f"a pilot is stuck after {_plural(inv.stuck_after, 'month')} at pilot.",
        "",
        headline(inv),
        "",
    )
    counts = inv.counts()
    total = sum(counts["stages"].values()) or 1  # shares of the systems at a known stage, as in the HTML

    page.add("### Funnel", "")
    _table(
        page,
        ["stage", "systems", "share"],
        [[st, str(counts["stages"][st]), f"{100 * counts['stages'][st] / total:.0f}%"] for st in STAGES],
    )

    qids = question_ids(inv)
    judged = [(s.stage, s.questions) for s in inv.systems if s.questions is not None]  # (stage, answers)
    if qids and judged:
        page.add("### Unanswered questions", "", f"Of {_plural(len(judged), 'system')} judged:", "")
        _table(
            page,
            ["question", "text", "unanswered", "pilots among them"],
            [
                [
                    _c(q),
                    _c(inv.questions.get(q)),
                    str(sum(1 for _, answers in judged if answers.get(q) is False)),
                    str(sum(1 for stage, answers in judged if answers.get(q) is False and stage == "pilot")),
                ]
                for q in qids
            ],
        )

    stuck = inv.stuck_since()
    page.add(f"### Stuck pilots (at pilot for more than {_plural(inv.stuck_after, 'month')})", "")
    if stuck:
        rows = []
        for s, since in stuck:
            rows.append(
                [
                    _system(s),
                    _where(s),
                    since.isoformat(),
                    str(months_between(since, today)),
                    _c(s.owners.get("technical")),
                    _c(s.owners.get("business")),
                ]
            )
        _table(page, ["system", "where", "at pilot since", "months", "technical owner", "business owner"], rows)
    else:
        page.add("None.", "")

    pilots = sorted(
        (s for s in inv.systems if s.purgatory), key=lambda s: (-(len(s.questions or {}) - s.answered), s.key)
    )
    page.add("### Pilots in purgatory (a question unanswered: not ready for production)", "")
    if pilots:
        _table(
            page,
            ["system", "where", "answered", "unanswered", "technical owner"],
            [
                [
                    _system(s),
                    _where(s),
                    f"{s.answered}/{len(s.questions or {})}",
                    _c(", ".join(q for q, ok in (s.questions or {}).items() if not ok)),
                    _c(s.owners.get("technical")),
                ]
                for s in pilots
            ],
        )
    else:
        page.add("None.", "")

    due_90 = inv.due_within(90)
    due_30 = inv.due_within(30)
    for title, pairs in (("in the next 30 days", due_30), ("in 31 to 90 days", due_90[len(due_30) :])):
        page.add(f"### Deadlines {title}", "")
        if not pairs:
            page.add("None.", "")
            continue
        rows = []
        for s, d in pairs:
            days = (datetime.date.fromisoformat(d["date"]) - today).days
            rows.append([d["date"], str(days), _system(s), _where(s), _c(d["rule"]), _what(d["what"])])
        _table(page, ["date", "in days", "system", "where", "rule", "what"], rows)

    page.add("### Owner load", "")
    busy = inv.owner_load()
    if busy:
        page.add("People owning more than three systems:", "")
        _table(
            page,
            ["person", "systems", "which"],
            [
                [_c(p), str(len(owned)), ", ".join(_system(s) for s in owned[:5]) + (" …" if len(owned) > 5 else "")]
                for p, owned in busy.items()
            ],
        )
    else:
        page.add("Nobody owns more than three systems.", "")
    single = inv.one_person_owned()
    if single:
        page.add("Systems whose technical and business owner are one person:", "")
        _table(page, ["system", "where", "owner"], [[_system(s), _where(s), _c(s.owners["technical"])] for s in single])
    else:
        page.add("Every system has two different owners, or an owner missing.", "")

    page.add("### Trend (last 12 month ends)", "")
    if inv.trend is None:
        page.add("No git history: there is no trend to show.", "")
    else:
        _table(
            page,
            ["month", *STAGES, "purgatory", "stuck"],
            [
                [p.month, *(str(p.stages.get(st, 0)) for st in STAGES), str(p.purgatory), str(p.stuck)]
                for p in inv.trend
            ],
        )

    out = page.lines
    if page.full:
        out = out + [
            "",
            "_Report cut to stay under GitHub's 1 MiB summary limit; "
            "`aipolicy report --format html`, `json` or `csv` has every system._",
        ]
    return "\n".join(out).rstrip("\n") + "\n"
