"""CODEOWNERS, read and matched as GitHub documents it (AIP-GIT-003's facts).

The first of .github/CODEOWNERS, CODEOWNERS and docs/CODEOWNERS in the working
tree is read, the order GitHub uses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from checker.records import record

CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order


class OwnerRule(NamedTuple):
    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]


@record
class CodeOwners:
    """A CODEOWNERS file, matched as GitHub documents it: gitignore-like patterns,
    the last matching line wins, and a line without owners leaves a path unowned."""

    source: str  # repository-relative path of the file
    rules: list[OwnerRule]

    @classmethod
    def find(cls, root: Path) -> CodeOwners | None:
        from checker import safeio

        for rel in CODEOWNERS_LOCATIONS:
            path = root / rel
            if path.is_file():
                try:  # contained in the repository (a symlink may not lead outside), capped, never blocking
                    text = safeio.read(path, safeio.MAX_SETTINGS_BYTES, root).decode("utf-8", "replace")
                except safeio.ReadError:
                    continue
                return cls.parse(text, rel)
        return None

    @classmethod
    def parse(cls, text: str, source: str = "CODEOWNERS") -> CodeOwners:
        rules = []
        for number, raw in enumerate(text.splitlines(), start=1):
            parsed = _parse_line(raw)
            if parsed is None:
                continue
            pattern, owners = parsed
            regex = _compile_pattern(pattern)
            if regex is not None:
                rules.append(OwnerRule(number, pattern, owners, regex))
        return cls(source, rules)

    def match(self, path: str) -> OwnerRule | None:
        """The rule that decides who owns `path` (repository-relative), or None."""
        for rule in reversed(self.rules):
            if rule.regex.match(path):
                return rule
        return None


def _parse_line(raw: str) -> tuple[str, tuple[str, ...]] | None:
    line = raw.strip()
    if not line or line.startswith("#"):
        return None
    # `#` at the start of a word starts a comment (GitHub: `\#` does not escape it);
    # a backslash keeps the next character in the word (`\ ` for a space in a path).
    tokens: list[str] = []
    current = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current += line[i : i + 2]
            i += 2
            continue
        if ch == "#" and not current:
            break
        if ch.isspace():
            if current:
                tokens.append(current)
                current = ""
        else:
            current += ch
        i += 1
    if current:
        tokens.append(current)
    if not tokens:
        return None
    return tokens[0], tuple(tokens[1:])


def _compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """A CODEOWNERS pattern as a regex over repository-relative paths; None for syntax
    GitHub does not support (`!` negation, `[ ]` ranges): such lines are skipped."""
    if pattern.startswith("!") or "[" in pattern or "]" in pattern:
        return None
    text = re.sub(r"\\(.)", r"\1", pattern)
    directory = text.endswith("/")
    # A slash at the start or in the middle anchors the pattern at the root.
    anchored = "/" in text.rstrip("/")
    body = text.strip("/")
    if not body:
        return None
    parts = body.split("/")
    out = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        piece = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in part)
        out.append(piece if last else piece + "/")
    regex = "".join(out)
    prefix = "" if anchored else "(?:[^/]+/)*"
    wild_end = any(ch in parts[-1] for ch in "*?") and parts[-1] != "**"
    if directory:
        suffix = "/.*"  # `apps/`: a folder, and everything in it
    elif wild_end:
        suffix = ""  # `docs/*`: the files in docs/, not those in its subfolders (GitHub's reading)
    else:
        suffix = "(?:/.*)?"  # `apps/github`: the path itself, or everything in it if it is a folder
    return re.compile(f"^{prefix}{regex}{suffix}$")
