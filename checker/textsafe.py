"""Text from a repository, made safe for a terminal, a CI log or a Markdown page.

Manifests, configurations, packs and file names are untrusted: a system id
holding `\\n::add-mask::x`, an ESC sequence, or a right-to-left override must
never start a line, recolour a terminal or reorder what a reviewer reads.
Every line aipolicy prints for people goes through `printable` (one place);
the job summary's Markdown goes through `code`.
"""

from __future__ import annotations

import re

# C0 controls (tab, CR and LF included), DEL, C1 controls, line and paragraph separators,
# and the bidirectional embeddings, overrides and isolates (and the marks, for good measure).
# Lone surrogates too (a file name that is not UTF-8, a YAML "\\ud800"): no UTF-8 file or
# terminal can take them, so a report or job summary written with one would fail half-way.
# Kept as text: re compiles it (~1 ms, for the Unicode ranges) on first use and caches it, so a
# run whose every line is printable ASCII (the fast path below) never compiles it at all.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _show(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# Azure Pipelines runs `##vso[...]` found anywhere in a line of a step's output (stdout or
# stderr) and `##[...]` at its start, whatever the format: the `[` is shown as `%5B`.
_AZURE_COMMAND = r"(?i)##(?:vso)?\["


def printable(text: object, keep: str = "", commands: bool = False) -> str:
    """`text` on one line, with every control and bidi character shown as `\\n`,
    `\\x1b`, `\\u202e`, and no Azure Pipelines command (`##vso[` is shown as
    `##vso%5B`); characters in `keep` pass through unchanged. `commands`: leave
    `##vso[` as it is, for a value inside a workflow command of aipolicy's own
    (a file name there must stay exact, and the agent reads only a line's first command)."""
    text = str(text)
    if not (text.isascii() and text.isprintable()):  # printable ASCII holds none of them
        if keep:
            text = re.sub(_UNSAFE, lambda m: m.group() if m.group() in keep else _show(m), text)
        else:
            text = re.sub(_UNSAFE, _show, text)
    if commands or "##" not in text:
        return text
    return re.sub(_AZURE_COMMAND, lambda m: m.group()[:-1] + "%5B", text)


_SURROGATE = "[\ud800-\udfff]"


def json_text(text: str) -> str:
    """A JSON document made safe to write and to print into a CI log, losslessly: a lone
    surrogate (only ever inside a string) becomes its `\\udcff` escape, and the `[` of a
    `##vso[` or `##[` (only ever inside a string) becomes `\\u005b`; both read back the same."""
    if not text.isascii():
        text = re.sub(_SURROGATE, lambda m: f"\\u{ord(m.group()):04x}", text)
    if "##" not in text:
        return text
    return re.sub(_AZURE_COMMAND, lambda m: m.group()[:-1] + "\\u005b", text)


def lines(text: str) -> str:
    """Multi-line text (rule docs) with each line made printable."""
    return "\n".join(printable(line) for line in text.split("\n"))


def code(text: object, table: bool = False) -> str:
    """`text` as a Markdown code span that no content can end early: nothing in it
    renders (no link, image, HTML or @mention). `table`: inside a table cell."""
    value = printable(text)
    if table:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"
