"""`--statistics`: one line per rule that fired (count, id, slug), most frequent first.

As ruff prints it: the count right-aligned, then the id and the slug, tab-separated
(the id unpadded) so that `sort`, `cut` and spreadsheets read it; `--format json` gives the same rows
as a JSON array. Waived and baselined findings are not counted (they do not fail the
run and the text report does not show them); a finding that stands for several rules
at one node (`also`) counts for the rule it shows.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from checker.findings import Report
from checker.textsafe import json_text, printable

if TYPE_CHECKING:
    from checker.report import RenderContext


def rows(report: Report) -> list[tuple[int, str, str]]:
    """(count, rule id, slug) per rule with an active finding; most frequent first, then by id."""
    counts = Counter((f.rule, f.slug) for f in report.findings if not f.suppressed)
    return sorted(((n, rule, slug) for (rule, slug), n in counts.items()), key=lambda row: (-row[0], row[1]))


def render(report: Report, fmt: str, ctx: RenderContext) -> str:
    table = rows(report)
    if fmt == "json":
        return (
            json_text(
                json.dumps(
                    [{"rule": rule, "slug": slug, "count": n} for n, rule, slug in table], indent=2, ensure_ascii=False
                )
            )
            + "\n"
        )
    if not table:
        return ""
    count_width = max(len(str(n)) for n, _, _ in table)
    # Ids are not padded: `cut -f2` gives the id alone. A pack's rule id or slug is the
    # repository's text: shown, never interpreted.
    return "".join(f"{n:>{count_width}}\t{printable(rule)}\t{printable(slug)}\n" for n, rule, slug in table)
