"""What counts as an answer: placeholders, durations, schedules, dates, people."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_PLACEHOLDER = re.compile(
    r"(?i)^\s*(?:tbd|tba|tbc|todo|fixme|changeme|to ?do|n/?a|unknown|\?+|x{2,}|"
    r"someone|somebody|anyone|nobody|placeholder|fill ?me( in)?|\.{2,}|-+|_+|<[^>]*>|\[[^\]]*\])\s*$"
    # "TODO: ask Bob", "tbd-model-id": a note to self, not an answer.
    r"|^\s*(?:tbd|todo|fixme)(?:[\s:_-].*)?$"
    # The names templates and examples put where a person goes: "Firstname Lastname", "Jane Doe".
    r"|^\s*(?:(?:first|given)[\s_-]?name[\s_-]+(?:last[\s_-]?name|surname|family[\s_-]?name)|first[\s_-]+last|"
    r"(?:your|full|person|owner)[\s_-]+name|name[\s_-]+surname|(?:john|jane)[\s_-]+doe|test[\s_-]+user|lorem[\s_-]+ipsum.*)\s*$"
)
# `TODO: ask ops`, `TBD (legal)`: an answer that starts with a capitalised marker is still a placeholder.
_PLACEHOLDER_PREFIX = re.compile(r"^\s*(?:TBD|TBC|TODO|FIXME)(?![A-Za-z0-9])")
# Text, compiled by re on first use: only a value holding "xample" is ever matched against it.
_EXAMPLE_DOMAIN = r"(?i)(?:@|//|\.)(?:[a-z0-9-]+\.)*example\.(?:com|org|net)\b|@example\b"


def is_placeholder(value: Any) -> bool:
    """A value that pretends to answer: TBD, TODO, N/A, ?, xxx, `<name>`, example.com, ''."""
    if value is None:
        return True
    if isinstance(value, str):
        return _text_is_placeholder(value)
    if isinstance(value, (dict, list)):
        return len(value) == 0
    return False


@lru_cache(maxsize=4096)  # the same answers recur across manifests (names, enum words, dates)
def _text_is_placeholder(value: str) -> bool:
    return (
        not value.strip()
        or bool(_PLACEHOLDER.match(value))
        or bool(_PLACEHOLDER_PREFIX.match(value))
        or ("xample" in value.lower() and bool(re.search(_EXAMPLE_DOMAIN, value)))
    )


def answered(value: Any) -> bool:
    return not is_placeholder(value)


def placeholders_of(m: Any) -> tuple[tuple[tuple[str | int, ...], Any], ...]:
    """(path, value) of every placeholder answer of a manifest outside `x-` extensions and the
    top-level `waivers`, in document order: from the candidates its loader collected, or
    (when it did not: a document with aliases, or a manifest built in code) by a walk."""
    if m.answers is not None:  # each value is None or a str
        text_is_placeholder = _text_is_placeholder
        return tuple([item for item in m.answers if item[1] is None or text_is_placeholder(item[1])])
    return tuple(placeholder_paths({k: v for k, v in m.data.items() if k != "waivers"}))


def placeholder_paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, value) of every scalar answer that is a placeholder, outside `x-` extensions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not (isinstance(key, str) and key.startswith("x-")):
                yield from placeholder_paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from placeholder_paths(value, path + (index,))
    elif (node is None or isinstance(node, str)) and is_placeholder(node):
        yield path, node


# -- durations ---------------------------------------------------------------------

_ISO = re.compile(
    r"P(?!$)(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
    r"(?:T(?=[0-9])(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?"
)
_COMPACT = re.compile(r"([0-9]+)([smhdw])")
_COMPACT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Calendar units as fixed lengths: a month is 30 days, a year 365 (what "P3M" means for a cadence).
CADENCES = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91, "yearly": 365}


def duration(value: Any) -> datetime.timedelta | None:
    """ISO-8601 (P7D, PT1H, P3M), compact (30m, 12h, 7d, 2w) or a cadence keyword."""
    if not isinstance(value, str):
        return None
    return _duration(value)


@lru_cache(maxsize=1024)  # a handful of cadences recur in every manifest
def _duration(value: str) -> datetime.timedelta | None:
    text = value.strip()
    if text in CADENCES:  # lowercase only, as the schema spells them
        return datetime.timedelta(days=CADENCES[text])
    m = _ISO.fullmatch(text)
    if m:
        # Counted in digits before int(): a 5,000-digit count is past the interpreter's conversion limit.
        if any(g and len(g) > 7 for g in m.groups()):
            return None
        y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        if max(y, mo, w, d, h, mi, s) > 10**6:
            return None
        return datetime.timedelta(days=365 * y + 30 * mo + 7 * w + d, hours=h, minutes=mi, seconds=s)
    m = _COMPACT.fullmatch(text)
    if m and len(m.group(1)) <= 8 and int(m.group(1)) <= 10**7:
        return datetime.timedelta(seconds=int(m.group(1)) * _COMPACT_SECONDS[m.group(2)])
    return None


def show_duration(delta: datetime.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- schedules (cron) ----------------------------------------------------------------

CRON_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {
            n: i + 1
            for i, n in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
        },
    ),
    ("day of week", 0, 7, {n: i for i, n in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
)


def _small_number(text: str) -> bool:
    # ASCII only: `²`.isdigit() is true, but int() refuses it.
    return text.isascii() and text.isdigit() and len(text) <= 2


def _cron_value(text: str, low: int, high: int, names: dict[str, int]) -> int | None:
    if text.lower() in names:
        return names[text.lower()]
    if _small_number(text) and low <= int(text) <= high:
        return int(text)
    return None


def cron_problem(expr: str) -> str | None:
    """Why a 5-field cron expression is invalid, or None when it is valid."""
    fields = expr.split()
    if len(fields) != 5:
        return f"a cron expression has 5 fields (minute hour day month weekday), this has {len(fields)}"
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS):
        for part in text.split(","):
            base, _, step = part.partition("/")
            if step and not (_small_number(step) and 0 < int(step) <= high):
                return f"{name} step `{step}` is not a number in 1–{high}"
            if base == "*":
                continue
            lo_text, dash, hi_text = base.partition("-")
            lo = _cron_value(lo_text, low, high, names)
            hi = _cron_value(hi_text, low, high, names) if dash else lo
            if lo is None or hi is None or lo > hi:
                return f"{name} `{part}` is outside {low}–{high}"
    return None


def schedule_problem(value: Any) -> str | None:
    """A schedule is a cron expression, a cron macro, or a duration."""
    if not isinstance(value, str) or not value.strip():
        return "no schedule given"
    text = value.strip()
    if text.lower() in CRON_MACROS or duration(text) is not None:
        return None
    if len(text.split()) == 1:
        return f"`{text}` is neither a cron expression, a cron macro (@daily…) nor a duration (P1D, 12h…)"
    return cron_problem(text)


# -- dates ----------------------------------------------------------------------------


def date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def first_day_over(start: datetime.date, span: datetime.timedelta) -> datetime.date:
    """The first day on which more than `span` has passed since `start` (whole days);
    date.max when that is beyond the calendar (a git date near year 9999)."""
    days = span // datetime.timedelta(days=1) + 1
    return start + datetime.timedelta(days=days) if days <= (datetime.date.max - start).days else datetime.date.max


# -- people ----------------------------------------------------------------------------

_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|https?://\S+|@[A-Za-z0-9][\w.-]*")


def contact_ok(value: Any) -> bool:
    return isinstance(value, str) and answered(value) and bool(_CONTACT.fullmatch(value.strip()))
