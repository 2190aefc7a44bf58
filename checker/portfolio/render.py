"""One table of portfolio formats, and what the renderers share.

`FORMATS` feeds both `aipolicy report --format` and dispatch; a renderer's
module is imported only when its format is asked for. Each module has
`render(inventory) -> str`.
"""

from __future__ import annotations

import datetime
import importlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from checker.portfolio import Inventory, System

FORMATS = {
    "html": "checker.portfolio.html",
    "md": "checker.portfolio.md",
    "json": "checker.portfolio.json_",
    "csv": "checker.portfolio.csv_",
}


def render(fmt: str, inventory: Inventory) -> str:
    module = importlib.import_module(FORMATS[fmt])
    renderer: Callable[[Inventory], str] = module.render  # each format module's render()
    return renderer(inventory)


def _natural(qid: str) -> tuple[int | str, ...]:
    # The split's odd parts are the digit runs (`\d`); str.isdigit would also take `²`, which int() refuses.
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", qid)))


def question_ids(inventory: Inventory) -> list[str]:
    """The question columns: the inventory's questions in their order (Q1…Q10 for the
    built-in catalogue), then any other id a system was judged on, in natural order."""
    ids = list(inventory.questions)
    seen = set(ids)
    extra = {q for s in inventory.systems for q in (s.questions or {}) if q not in seen}
    return ids + sorted(extra, key=_natural)


def months_between(since: datetime.date, today: datetime.date) -> int:
    """Whole calendar months from `since` to `today` (0 when today is earlier)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    from checker.portfolio import add_months

    while months > 0 and add_months(since, months) > today:
        months -= 1
    return max(months, 0)


def label(system: System) -> str:
    """What a person calls the system: its name, else its id, else its path."""
    return system.name or system.id or system.path
