"""The condition language of policy packs: small, safe, never `eval`.

    risk_tier == high and system.type in [classifier, ranker]
    not present(human_oversight) or human_oversight.override == true
    days(rollback.rto) <= days('PT4H')

Operands are manifest paths (`a.b[0].c`), literals ('text', 12, 0.5, true,
false, null, [lists]) and function calls. A bare word whose first part is not a
top-level manifest section is a string, so `risk_tier == high` reads as written.
A missing path is null; comparing null with anything but null is false.

Packs come from the repository, so nothing here may hang or crash on any text
or any manifest: parsing is linear with brackets, parentheses and calls nested
at most MAX_NESTING deep; `and`/`or` chains and `not not …` evaluate without
recursion; `matches()` runs RE2 (linear time, no backreferences or lookaround);
and every function and comparison is total over whatever a manifest holds.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from checker.checks import persons, values
from checker.schema import load_schema

# The manifest's sections, as the v1 schema names them: a bare word starting with one is a path.
TOP_LEVEL = frozenset(load_schema("v1")["properties"])

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|(?P<str>'[^']*'|\"[^\"]*\")|"
    r"(?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)|(?P<word>[A-Za-z_@][\w@.\-]*(?:\[\d+\][\w.\-]*)*))"
)


# `settings.NAME` reads a pack setting (a pack's `settings:` mapping; a later pack overrides).
SETTINGS = "settings"

# Brackets, parentheses and calls nest at most this deep: parsing and evaluation recurse once per level.
MAX_NESTING = 32
# No manifest list is longer than the loader's node limit, so a bigger index can never match.
MAX_INDEX = 100_000


class ExprError(ValueError):
    """A malformed expression; the message says where."""


def _excerpt(text: str, width: int = 60) -> str:
    """The expression as messages quote it: one line, and short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def split_path(text: str) -> tuple[str | int, ...]:
    """`a.b[0].c` as ('a', 'b', 0, 'c'); ExprError for an index that is not a number or past any list."""
    parts: list[str | int] = []
    for chunk in text.replace("]", "").split("."):
        name, *indices = chunk.split("[")
        if name:
            parts.append(name)
        for index in indices:
            if not (index.isascii() and index.isdigit()):
                raise ExprError(f"path `{_excerpt(text)}`: index `{_excerpt(index, 20)}` is not a number")
            if len(index) > len(str(MAX_INDEX)) or int(index) >= MAX_INDEX:
                raise ExprError(
                    f"path `{_excerpt(text)}`: index {_excerpt(index, 20)} is past any list a manifest can hold"
                )
            parts.append(int(index))
    return tuple(parts)


class Context(NamedTuple):
    data: Any
    today: datetime.date
    item: Any = None  # the current element inside an `each:` block
    settings: Any = None  # the packs' `settings` (a mapping): `settings.NAME` in an expression


Node = Callable[[Context], Any]


def _lookup(data: Any, parts: tuple[str | int, ...]) -> Any:
    node = data
    for part in parts:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _days(value: Any) -> float | None:
    delta = values.duration(value)
    return None if delta is None else delta.total_seconds() / 86400


def _age(value: Any, ctx: Context) -> int | None:
    day = values.date(value)
    return None if day is None else (ctx.today - day).days


def _until(value: Any, ctx: Context) -> int | None:
    age = _age(value, ctx)
    return None if age is None else -age


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    # name: (arity, function(ctx, *args))
    "present": (1, lambda ctx, v: values.answered(v)),
    "len": (1, lambda ctx, v: len(v) if isinstance(v, (list, dict, str)) else 0),
    "days": (1, lambda ctx, v: _days(v)),
    "age": (1, lambda ctx, v: _age(v, ctx)),
    "until": (1, lambda ctx, v: _until(v, ctx)),
    "lower": (1, lambda ctx, v: v.lower() if isinstance(v, str) else v),
    "matches": (2, lambda ctx, v, pattern: _matches(v, pattern)),
    "valid_schedule": (1, lambda ctx, v: values.schedule_problem(v) is None),
    "person": (
        1,
        lambda ctx, v: isinstance(v, dict) and persons.is_person(v.get("name")) and values.contact_ok(v.get("contact")),
    ),
}


class _Pattern(Protocol):
    """What matches() uses of a compiled RE2 pattern (re2 ships no type information)."""

    def search(self, text: str) -> object: ...


@lru_cache(maxsize=256)
def _regex(pattern: str) -> _Pattern:
    """The pattern compiled by RE2, which runs in linear time whatever the pattern and the text.

    re2 is imported here, not at the top: a run whose packs never call matches() does not load it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of the error on stderr
    options.never_capture = True  # matches() only asks whether there is a match
    try:
        compiled: _Pattern = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ExprError(
            f"bad regular expression {_excerpt(repr(pattern))}: {reason} (RE2 syntax: no backreferences or lookaround)"
        ) from None
    return compiled


def _matches(value: Any, pattern: str) -> bool:
    if not isinstance(value, str):
        return False
    # RE2 reads UTF-8; a lone surrogate (a YAML `\ud800` escape) has no UTF-8 form.
    text = value.encode("utf-8", "replace").decode("utf-8")
    return _regex(pattern).search(text) is not None


_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _equal(a: Any, b: Any) -> bool:
    # `true` is not 1 and `false` is not 0: a boolean only equals the same boolean.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return bool(a == b)
    except (TypeError, ValueError, RecursionError):
        return False


def _contains(container: Any, a: Any) -> bool:
    if a is None:
        return False
    if isinstance(container, str):
        return isinstance(a, str) and a in container
    if isinstance(container, list):
        return any(_equal(a, x) for x in container)
    if isinstance(container, dict):
        try:
            return a in container
        except TypeError:  # an unhashable value (a list or a mapping) is no key
            return False
    return False


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("in", "not in"):
        found = _contains(b, a)
        return found if op == "in" else not found
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        return bool(_ORDER[op](a, b))
    except (TypeError, ValueError, OverflowError, RecursionError):
        return False


def _all(operands: list[Node]) -> Node:
    return lambda ctx: all(bool(o(ctx)) for o in operands)


def _any(operands: list[Node]) -> Node:
    return lambda ctx: any(bool(o(ctx)) for o in operands)


class _Parser:
    """Recursive descent over a token list; recursion only where brackets nest (MAX_NESTING)."""

    def __init__(self, text: str, check_patterns: bool = True) -> None:
        self.text = text
        self.shown = _excerpt(text)
        self.check_patterns = check_patterns
        self.depth = 0
        self.tokens: list[tuple[str, str, int]] = []
        pos, end = 0, len(text.rstrip())
        while pos < end:
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                rest = text[pos:end].lstrip()
                raise ExprError(f"unexpected character {rest[0]!r} at column {end - len(rest) + 1} in `{self.shown}`")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind) + 1))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def peek_is(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1] == value

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"`{self.shown}` ends too early" + (f"; expected `{value}`" if value else ""))
        if value is not None and tok[1] != value:
            raise ExprError(f"expected `{value}` at column {tok[2]} in `{self.shown}`, found `{_excerpt(tok[1], 20)}`")
        self.i += 1
        return tok

    def is_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1] == word

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExprError(
                f"brackets, parentheses and calls nest more than {MAX_NESTING} deep at column {col} in `{self.shown}`"
            )

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise ExprError(f"unexpected `{_excerpt(tok[1], 20)}` at column {tok[2]} in `{self.shown}`")
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.is_word("or"):
            self.take()
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else _any(operands)

    def and_(self) -> Node:
        operands = [self.not_()]
        while self.is_word("and"):
            self.take()
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else _all(operands)

    def not_(self) -> Node:
        count = 0
        while self.is_word("not"):
            self.take()
            count += 1
        inner = self.compare()
        if count == 0:
            return inner
        if count % 2:
            return lambda ctx: not inner(ctx)
        return lambda ctx: bool(inner(ctx))

    def compare(self) -> Node:
        left = self.atom()
        tok = self.peek()
        if tok is None:
            return left
        op = None
        if tok[0] == "op" and tok[1] in ("==", "!=", "<", "<=", ">", ">="):
            op = tok[1]
            self.take()
        elif self.is_word("in"):
            op = "in"
            self.take()
        elif self.is_word("not") and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1] == "in":
            op = "not in"
            self.take()
            self.take()
        if op is None:
            return left
        right = self.atom()
        return lambda ctx: _compare(op, left(ctx), right(ctx))

    def number(self, text: str, col: int) -> Node:
        try:
            number: Any = float(text) if "." in text else int(text)
        except ValueError:  # more digits than the interpreter converts
            raise ExprError(f"number at column {col} in `{self.shown}` has too many digits") from None
        return lambda ctx: number

    def path(self, text: str, col: int) -> tuple[str | int, ...]:
        try:
            return split_path(text)
        except ExprError as exc:
            raise ExprError(f"{exc} (column {col} in `{self.shown}`)") from None

    def atom(self) -> Node:
        kind, text, col = self.take()
        if kind == "num":
            return self.number(text, col)
        if kind == "str":
            literal = text[1:-1]
            node = lambda ctx: literal  # noqa: E731
            node.literal = literal  # type: ignore[attr-defined]  # a function attribute: matches() reads its pattern at load time
            return node
        if kind == "op" and text == "(":
            self.enter(col)
            node = self.or_()
            self.take(")")
            self.depth -= 1
            return node
        if kind == "op" and text == "[":
            self.enter(col)
            items: list[Node] = []
            while not self.peek_is("]"):
                items.append(self.atom())
                if self.peek_is(","):
                    self.take()
            self.take("]")
            self.depth -= 1
            return lambda ctx: [item(ctx) for item in items]
        if kind == "word":
            if text in ("true", "false", "null"):
                constant = {"true": True, "false": False, "null": None}[text]
                return lambda ctx: constant
            if self.peek_is("("):
                return self.call(text, col)
            head = re.split(r"[.\[]", text, maxsplit=1)[0]
            if head == "item":
                rest = self.path(text[len("item") :].lstrip("."), col)
                return lambda ctx: _lookup(ctx.item, rest)
            if head == SETTINGS and text != SETTINGS:
                key = self.path(text[len(SETTINGS) :].lstrip("."), col)
                return lambda ctx: _lookup(ctx.settings, key)
            if head in TOP_LEVEL:
                parts = self.path(text, col)
                return lambda ctx: _lookup(ctx.data, parts)
            return lambda ctx: text
        raise ExprError(f"unexpected `{_excerpt(text, 20)}` at column {col} in `{self.shown}`")

    def call(self, name: str, col: int) -> Node:
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExprError(
                f"unknown function `{_excerpt(name, 30)}` at column {col} in `{self.shown}` (known: {known})"
            )
        arity, fn = FUNCTIONS[name]
        self.enter(col)
        self.take("(")
        args: list[Node] = []
        while not self.peek_is(")"):
            args.append(self.or_())
            if self.peek_is(","):
                self.take()
        self.take(")")
        self.depth -= 1
        if len(args) != arity:
            raise ExprError(f"`{name}` takes {arity} argument(s), got {len(args)} in `{self.shown}`")
        if name == "matches":
            pattern = getattr(args[1], "literal", None)
            if pattern is None:
                raise ExprError(f"matches() needs a quoted regular expression as its second argument in `{self.shown}`")
            if self.check_patterns:
                _regex(pattern)  # compiled now, so a bad pattern fails when the pack loads
            value = args[0]
            return lambda ctx: _matches(value(ctx), pattern)
        return lambda ctx: fn(ctx, *(a(ctx) for a in args))


def compile_expr(text: str, *, check_patterns: bool = True) -> Node:
    """The expression as a function of a Context that returns True or False and never raises.

    check_patterns=False leaves matches() patterns to be compiled on first use: the built-in
    pack (checked by the test suite) then costs no re2 import on a run that never needs it."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("an expression must be a non-empty string")
    node = _Parser(text, check_patterns).parse()
    return lambda ctx: bool(node(ctx))


def referenced_settings(text: str) -> list[str]:
    """Names of the pack settings an expression reads (`settings.NAME` gives NAME)."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group("word")
        if word and word.startswith(SETTINGS + "."):
            out.append(re.split(r"[.\[]", word[len(SETTINGS) + 1 :], maxsplit=1)[0])
    return out


def referenced_paths(text: str) -> list[str]:
    """Manifest paths an expression reads: where its finding points when it fails."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group("word")
        if word and re.split(r"[.\[]", word, maxsplit=1)[0] in TOP_LEVEL | {"item"}:
            out.append(word)
    return out
