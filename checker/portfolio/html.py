"""The portfolio as one self-contained HTML page that opens from disk.

Nothing is loaded: no script, no font, no image, no link; CSS and SVG are
inline, and a Content-Security-Policy (`default-src 'none'`, the one style
block allowed by its SHA-256 hash) would refuse any load anyway. No JavaScript:
the page reads the same with it off. Every chart (the stage funnel, the
12-month trend) is an SVG with role="img" and an aria-label, followed by a
table with the same numbers; the question heatmap is a table whose cells say
✓ / ✗ / – besides their colour. It prints on white with the tables' heads
repeated.

Every value from a manifest or a JSON file goes through `_t` (control and bidi
characters shown as escapes, then html.escape with quote=True), only ever
into text: attributes hold our own constants and numbers, and no value
becomes a link.

Stable hooks for tools and tests: `data-count="NAME"` on each headline count
(`systems`, the four stages, `stuck`, `purgatory`, `failing`, `due_30`,
`due_90`), `data-stuck` on each row of `#stuck`, `data-due` on each row of
`#due-30` (next 30 days) and `#due-90` (31 to 90 days), `data-owner` on each
row of `#owner-load`, `#systems` for the inventory, `#trend` / `#no-trend`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import re

from checker.portfolio import STAGES, Inventory, MonthPoint, System
from checker.portfolio.render import label, months_between, question_ids
from checker.textsafe import printable

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--exploration:#5b7fc7;--pilot:#e07b39;--production:#2e9a6f;
--retired:#8c959f;--purgatory:#b3261e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff;margin:0 auto;
padding:1.5rem;max-width:1200px}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .4rem}
p.meta,.muted{color:var(--muted)}
dl.counts{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
dl.counts div{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem;min-width:7.5rem}
dl.counts dt{color:var(--muted);font-size:.8rem}dl.counts dd{margin:0;font-size:1.5rem;font-weight:600}
dl.counts .alert dd{color:var(--purgatory)}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.85rem}
th,td{border:1px solid var(--line);padding:.15rem .4rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n0,th.n0{text-align:right}
thead th{position:sticky;top:0}
code{font:.8rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
td.y{background:#d8f3dc;color:#1b5e20;text-align:center}td.n{background:#fbd5d2;color:#8e1b12;text-align:center}
td.u{background:#eaeef2;color:var(--muted);text-align:center}
svg{max-width:100%;height:auto;display:block}svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
.exploration{fill:var(--exploration);stroke:var(--exploration)}.pilot{fill:var(--pilot);stroke:var(--pilot)}
.production{fill:var(--production);stroke:var(--production)}.retired{fill:var(--retired);stroke:var(--retired)}
.purgatory{fill:var(--purgatory);stroke:var(--purgatory)}
.line{fill:none;stroke-width:2.5}.grid{stroke:var(--line);stroke-width:1}
dl.q{display:grid;grid-template-columns:max-content 1fr;gap:0 .8rem;font-size:.85rem}dl.q dd{margin:0}
@media print{body{padding:0;max-width:none;font-size:10pt}thead th{position:static}
h2{break-after:avoid}tr,svg,dl.counts div{break-inside:avoid}thead{display:table-header-group}
td.y,td.n,td.u,rect,polyline{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'"
SYMBOL = {True: ("y", "✓"), False: ("n", "✗"), None: ("u", "–")}


def _t(value: object) -> str:
    """Text from a repository, inert in HTML text (and in a quoted attribute, though none gets one)."""
    if value is None or value == "":
        return '<span class="muted">—</span>'
    return html.escape(printable(value), quote=True)


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def _what(text: str) -> str:
    """What falls due: its `code spans` as <code>, everything escaped."""
    out, pos = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_t(text[pos : match.start()]) if match.start() > pos else "")
        out.append(f"<code>{_t(match.group(2).strip())}</code>")
        pos = match.end()
    if pos < len(text) or not out:
        out.append(_t(text[pos:]))
    return "".join(out)


def _attr(value: object) -> str:
    """Our own text (numbers, stage names, months) in a quoted attribute."""
    return html.escape(printable(value), quote=True)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _system_cell(s: System) -> str:
    shown = _t(label(s))
    if s.id and s.name:
        shown += f"<br><code>{_t(s.id)}</code>"
    return shown


def _where(s: System) -> str:
    return (f"{_t(s.repository)}<br>" if s.repository else "") + f"<code>{_t(s.path)}</code>"


def _owners(s: System) -> str:
    tech, biz = s.owners.get("technical"), s.owners.get("business")
    return f"{_t(tech)}<td>{_t(biz)}"


# -- sections --------------------------------------------------------------------


def _purgatory(inv: Inventory) -> str:
    """The pilots that could not be promoted today, each with the questions it leaves open."""
    pilots = sorted(
        (s for s in inv.systems if s.purgatory), key=lambda s: (-(len(s.questions or {}) - s.answered), s.key)
    )
    head = (
        '<section aria-labelledby="h-purgatory"><h2 id="h-purgatory">Pilots in purgatory</h2>'
        "<p>At <code>pilot</code> with at least one of the ten questions unanswered (judged as at "
        "production): pilots that could not be promoted today.</p>"
    )
    if not pilots:
        return head + '<p id="no-purgatory">None.</p></section>'
    rows = "".join(
        f"<tr data-purgatory><td>{_system_cell(s)}<td>{_where(s)}<td class=n0>{s.answered}/{len(s.questions or {})}"
        f"<td>{_t(', '.join(q for q, ok in (s.questions or {}).items() if not ok))}<td>{_owners(s)}</tr>"
        for s in pilots
    )
    return (
        head + '<table id="purgatory"><thead><tr><th scope=col>system<th scope=col>where'
        "<th scope=col>answered<th scope=col>unanswered<th scope=col>technical owner"
        f"<th scope=col>business owner</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _counts(inv: Inventory) -> str:
    c = inv.counts()
    items = [("systems", "Systems", c["systems"], False)]
    items += [(st, st.capitalize(), c["stages"][st], False) for st in STAGES]
    if c["unknown_stage"]:
        items.append(("unknown_stage", "Unknown stage", c["unknown_stage"], True))
    items += [
        ("stuck", "Stuck pilots", c["stuck"], c["stuck"] > 0),
        ("purgatory", "Pilots in purgatory", c["purgatory"], c["purgatory"] > 0),
        ("failing", "Failing the check", c["failing"], c["failing"] > 0),
        ("due_30", "Due in 30 days", c["due_30"], c["due_30"] > 0),
        ("due_90", "Due in 90 days", c["due_90"], False),
    ]
    cells = "".join(
        f'<div{" class=alert" if alert else ""}><dt>{title}</dt><dd data-count="{key}">{n}</dd></div>'
        for key, title, n, alert in items
    )
    return (
        f'<section aria-labelledby="h-counts"><h2 id="h-counts">Headline</h2><dl class="counts">{cells}</dl></section>'
    )


def _funnel(inv: Inventory) -> str:
    stages = inv.counts()["stages"]
    total = sum(stages.values())
    top = max(stages.values()) or 1
    width, left, bar, gap = 640, 110, 30, 10
    span = width - left - 60
    parts = []
    for i, st in enumerate(STAGES):
        y = 10 + i * (bar + gap)
        w = round(span * stages[st] / top) if stages[st] else 0
        x = left + (span - w) / 2
        parts.append(
            f'<text x="{left - 10}" y="{y + bar * 0.65:.0f}" text-anchor="end">{st}</text>'
            f'<rect class="{st}" x="{x:.0f}" y="{y}" width="{max(w, 1)}" height="{bar}" rx="3"/>'
            f'<text x="{x + w + 6:.0f}" y="{y + bar * 0.65:.0f}">{stages[st]}</text>'
        )
    height = 10 + len(STAGES) * (bar + gap)
    aria = "Stage funnel: " + ", ".join(f"{stages[st]} at {st}" for st in STAGES)
    rows = "".join(
        f"<tr><th scope=row>{st}</th><td class=n0>{stages[st]}</td>"
        f"<td class=n0>{(100 * stages[st] / total if total else 0):.0f}%</td></tr>"
        for st in STAGES
    )
    return (
        f'<section aria-labelledby="h-funnel"><h2 id="h-funnel">Stage funnel</h2>'
        f'<svg role="img" aria-label="{_attr(aria)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"{''.join(parts)}</svg>"
        f'<table id="funnel"><caption class="muted">The funnel’s numbers</caption>'
        f"<thead><tr><th scope=col>stage<th scope=col>systems<th scope=col>share</tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _stuck(inv: Inventory) -> str:
    stuck = inv.stuck_since()
    head = (
        f'<section aria-labelledby="h-stuck"><h2 id="h-stuck">Stuck pilots</h2>'
        f"<p>At <code>pilot</code> for more than {_plural(inv.stuck_after, 'month')} by git history "
        f"(the realistic pilot-to-production span is 6 to 14 months).</p>"
    )
    if not stuck:
        return head + '<p id="no-stuck">None.</p></section>'
    rows = "".join(
        f"<tr data-stuck><td>{_system_cell(s)}<td>{_where(s)}<td>{since.isoformat()}"
        f"<td class=n0>{months_between(since, inv.generated)}<td>{_owners(s)}</tr>"
        for s, since in stuck
    )
    return (
        head + '<table id="stuck"><thead><tr><th scope=col>system<th scope=col>where'
        "<th scope=col>at pilot since<th scope=col>months at pilot<th scope=col>technical owner"
        f"<th scope=col>business owner</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _deadlines(inv: Inventory) -> str:
    due_90 = inv.due_within(90)
    due_30 = inv.due_within(30)
    out = [
        '<section aria-labelledby="h-due"><h2 id="h-due">Deadlines</h2>'
        "<p>Days from which a rule that passes today will fail: reviews due, waivers expiring, "
        "outcome accuracy due for re-measurement.</p>"
    ]
    for ident, title, pairs in (("due-30", "Next 30 days", due_30), ("due-90", "31 to 90 days", due_90[len(due_30) :])):
        out.append(f"<h3>{title}</h3>")
        if not pairs:
            out.append(f'<p id="{ident}-none">None.</p>')
            continue
        rows = "".join(
            f"<tr data-due><td>{_t(d['date'])}<td class=n0>"
            f"{(datetime.date.fromisoformat(d['date']) - inv.generated).days}"
            f"<td>{_system_cell(s)}<td>{_where(s)}<td><code>{_t(d['rule'])}</code><td>{_what(d['what'])}"
            f"<td><code>{_t(d['json_path'])}</code></tr>"
            for s, d in pairs
        )
        out.append(
            f'<table id="{ident}"><thead><tr><th scope=col>date<th scope=col>in days<th scope=col>system'
            "<th scope=col>where<th scope=col>rule<th scope=col>what<th scope=col>field</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    return "".join(out) + "</section>"


def _owner_load(inv: Inventory) -> str:
    out = [
        '<section aria-labelledby="h-owners"><h2 id="h-owners">Owner load</h2><h3>People owning more than three systems</h3>'
    ]
    busy = inv.owner_load()
    if busy:
        rows = "".join(
            f"<tr data-owner><td>{_t(p)}<td class=n0>{len(owned)}<td>"
            + ", ".join(_t(label(s)) for s in owned)
            + "</tr>"
            for p, owned in busy.items()
        )
        out.append(
            '<table id="owner-load"><thead><tr><th scope=col>person<th scope=col>systems'
            f"<th scope=col>which</tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        out.append('<p id="owner-load-none">Nobody.</p>')
    out.append("<h3>Systems whose technical and business owner are one person</h3>")
    single = inv.one_person_owned()
    if single:
        rows = "".join(
            f"<tr data-single><td>{_system_cell(s)}<td>{_where(s)}<td>{_t(s.owners['technical'])}</tr>" for s in single
        )
        out.append(
            '<table id="one-person"><thead><tr><th scope=col>system<th scope=col>where<th scope=col>owner'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        out.append('<p id="one-person-none">None.</p>')
    return "".join(out) + "</section>"


def _trend_svg(trend: list[MonthPoint]) -> str:
    series = [(st, [p.stages.get(st, 0) for p in trend]) for st in STAGES]
    series.append(("purgatory", [p.purgatory for p in trend]))
    top = max((v for _, values in series for v in values), default=0) or 1
    width, height, left, right, top_pad, bottom = 720, 260, 40, 110, 12, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(len(trend) - 1, 1)

    def xy(i: int, v: int) -> str:
        return f"{left + i * step:.1f},{top_pad + plot_h - plot_h * v / top:.1f}"

    parts = [
        f'<line class="grid" x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}"/>',
        f'<line class="grid" x1="{left}" y1="{top_pad}" x2="{left + plot_w}" y2="{top_pad}"/>',
        f'<text x="{left - 6}" y="{top_pad + plot_h + 4}" text-anchor="end">0</text>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{top}</text>',
    ]
    for i, p in enumerate(trend):
        if i % 2 == (len(trend) - 1) % 2:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 14}" text-anchor="middle">{_t(p.month)}</text>')
    dashes = {
        "exploration": "",
        "pilot": ' stroke-dasharray="8 4"',
        "production": "",
        "retired": ' stroke-dasharray="2 3"',
        "purgatory": ' stroke-dasharray="10 3 2 3"',
    }
    ends: list[float] = []
    for name, values in series:
        points = " ".join(xy(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline class="line {name}"{dashes[name]} points="{points}"/>')
        y = top_pad + plot_h - plot_h * values[-1] / top + 4
        while any(abs(y - other) < 13 for other in ends):  # keep the end labels apart
            y += 13
        ends.append(y)
        parts.append(f'<text x="{left + plot_w + 8}" y="{y:.1f}">{name} {values[-1]}</text>')
    last = trend[-1]
    aria = (
        f"Trend over {len(trend)} month ends, {trend[0].month} to {last.month}; at {last.month}: "
        + ", ".join(f"{last.stages.get(st, 0)} at {st}" for st in STAGES)
        + f", {last.purgatory} in purgatory"
    )
    return (
        f'<svg role="img" aria-label="{_attr(aria)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}">{"".join(parts)}</svg>'
    )


def _trend(inv: Inventory) -> str:
    head = '<section aria-labelledby="h-trend"><h2 id="h-trend">Trend: the last 12 month ends</h2>'
    if inv.trend is None:
        return head + (
            '<p id="no-trend">No git history: the trend replays the manifests’ git history at each '
            "month end, and there is none here.</p></section>"
        )
    if not inv.trend:
        return head + '<p id="no-trend">No month ends to show.</p></section>'
    rows = "".join(
        f"<tr><th scope=row>{_t(p.month)}"
        + "".join(f"<td class=n0>{p.stages.get(st, 0)}" for st in STAGES)
        + f"<td class=n0>{p.purgatory}<td class=n0>{p.stuck}</tr>"
        for p in inv.trend
    )
    return (
        head
        + _trend_svg(inv.trend)
        + '<table id="trend"><caption class="muted">The trend’s numbers (the current month ends today)</caption>'
        + "<thead><tr><th scope=col>month"
        + "".join(f"<th scope=col>{st}" for st in STAGES)
        + f"<th scope=col>purgatory<th scope=col>stuck</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _systems(inv: Inventory) -> str:
    qids = question_ids(inv)
    keys = "".join(f"<dt><code>{_t(q)}</code><dd>{_t(inv.questions.get(q))}" for q in qids)
    qhead = "".join(f"<th scope=col>{_t(q)}" for q in qids)
    rows = []
    for s in inv.systems:
        since = s.stage_since
        cells = "".join(
            "<td class={}>{}".format(*SYMBOL[None if s.questions is None else s.questions.get(q)]) for q in qids
        )
        f = s.findings
        rows.append(
            f"<tr><td>{_system_cell(s)}<td>{_where(s)}<td>{_t(s.stage)}"
            f"<td>{since.isoformat() if since else '—'}<td>{_t(s.risk_tier)}<td>{_t(s.decision_role)}"
            f"<td>{_owners(s)}{cells}<td class=n0>{f.get('error', 0)}/{f.get('warning', 0)}/{f.get('note', 0)}</tr>"
        )
    return (
        '<section aria-labelledby="h-systems"><h2 id="h-systems">Systems and questions</h2>'
        "<p>The inventory, with a heatmap of the questions: ✓ answered, ✗ unanswered, – not judged "
        "(judged as at production, whatever the stage).</p>"
        + (f'<dl class="q">{keys}</dl>' if qids else "")
        + '<table id="systems"><thead><tr><th scope=col>system<th scope=col>where<th scope=col>stage'
        "<th scope=col>since<th scope=col>risk tier<th scope=col>decision role<th scope=col>technical owner"
        f"<th scope=col>business owner{qhead}<th scope=col>errors/ warnings/ notes</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def render(inv: Inventory) -> str:
    title = f"AI portfolio, {inv.generated.isoformat()}"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="referrer" content="no-referrer"><meta name="color-scheme" content="light">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title><style>{CSS}</style></head><body>",
            f"<header><h1>{title}</h1><p class=meta>{_plural(len(inv.systems), 'AI system')} as of "
            f"{inv.generated.isoformat()}; a pilot is stuck after {_plural(inv.stuck_after, 'month')} at pilot. "
            f"Written by aipolicy {_t(inv.tool_version)}.</p></header><main>",
            _counts(inv),
            _funnel(inv),
            _stuck(inv),
            _purgatory(inv),
            _deadlines(inv),
            _owner_load(inv),
            _trend(inv),
            _systems(inv),
            "</main></body></html>\n",
        ]
    )
