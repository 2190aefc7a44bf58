"""The condition language of policy packs: small, safe, never `eval`.

    risk_tier == high and system.type in [classifier, ranker]
    not present(human_oversight) or human_oversight.override == true
    days(rollback.rto) <= days('PT4H')

Operands are manifest paths (`a.b[0].c`), literals ('text', 12, 0.5, true,
false, null, [lists]) and function calls. A bare word whose first part is not a
top-level manifest section is a string, so `risk_tier == high` reads as written.
A missing path is null; comparing null with anything but null is false.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from checker.checks import persons, values
from checker.schema import load_schema

# The manifest's sections, as the v1 schema names them: a bare word starting with one is a path.
TOP_LEVEL = frozenset(load_schema("v1")["properties"])

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|(?P<str>'[^']*'|\"[^\"]*\")|"
    r"(?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)|(?P<word>[A-Za-z_@][\w@.\-]*(?:\[\d+\][\w.\-]*)*))"
)


class ExprError(ValueError):
    """A malformed expression; the message says where."""


@dataclass(frozen=True)
class Context:
    data: Any
    today: datetime.date
    item: Any = None  # the current element inside an `each:` block


Node = Callable[[Context], Any]


def _lookup(data: Any, path: str) -> Any:
    node = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
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


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    # name: (arity, function(ctx, *args))
    "present": (1, lambda ctx, v: values.answered(v)),
    "len": (1, lambda ctx, v: len(v) if isinstance(v, (list, dict, str)) else 0),
    "days": (1, lambda ctx, v: _days(v)),
    "age": (1, lambda ctx, v: _age(v, ctx)),
    "until": (1, lambda ctx, v: None if _age(v, ctx) is None else -_age(v, ctx)),
    "lower": (1, lambda ctx, v: v.lower() if isinstance(v, str) else v),
    "matches": (2, lambda ctx, v, pattern: isinstance(v, str) and _regex(pattern).search(v) is not None),
    "valid_schedule": (1, lambda ctx, v: values.schedule_problem(v) is None),
    "person": (1, lambda ctx, v: isinstance(v, dict) and persons.is_person(v.get("name")) and values.contact_ok(v.get("contact"))),
}


@lru_cache(maxsize=256)
def _regex(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise ExprError("matches() needs a quoted regular expression")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ExprError(f"bad regular expression {pattern!r}: {exc}") from None


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        # `true` is not 1 and `false` is not 0: a boolean only equals the same boolean.
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return a == b
    if op == "!=":
        return not _compare("==", a, b)
    if op in ("in", "not in"):
        found = isinstance(b, (list, str, dict)) and a is not None and a in b
        return found if op == "in" else not found
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ExprError(f"unexpected character {text[pos:].strip()[0]!r} at column {pos + 1} in `{text}`")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind) + 1))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"`{self.text}` ends too early" + (f"; expected `{value}`" if value else ""))
        if value is not None and tok[1] != value:
            raise ExprError(f"expected `{value}` at column {tok[2]} in `{self.text}`, found `{tok[1]}`")
        self.i += 1
        return tok

    def is_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1] == word

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            raise ExprError(f"unexpected `{tok[1]}` at column {tok[2]} in `{self.text}`")
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.is_word("or"):
            self.take()
            right = self.and_()
            left = (lambda l, r: lambda ctx: bool(l(ctx)) or bool(r(ctx)))(left, right)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.is_word("and"):
            self.take()
            right = self.not_()
            left = (lambda l, r: lambda ctx: bool(l(ctx)) and bool(r(ctx)))(left, right)
        return left

    def not_(self) -> Node:
        if self.is_word("not"):
            self.take()
            inner = self.not_()
            return lambda ctx: not inner(ctx)
        return self.compare()

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

    def atom(self) -> Node:
        kind, text, col = self.take()
        if kind == "num":
            number: Any = float(text) if "." in text else int(text)
            return lambda ctx: number
        if kind == "str":
            literal = text[1:-1]
            node = lambda ctx: literal  # noqa: E731
            node.literal = literal  # type: ignore[attr-defined]
            return node
        if kind == "op" and text == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "op" and text == "[":
            items: list[Node] = []
            while not (self.peek() and self.peek()[1] == "]"):  # type: ignore[index]
                items.append(self.atom())
                if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.take()
            self.take("]")
            return lambda ctx: [item(ctx) for item in items]
        if kind == "word":
            if text in ("true", "false", "null"):
                constant = {"true": True, "false": False, "null": None}[text]
                return lambda ctx: constant
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                return self.call(text, col)
            head = re.split(r"[.\[]", text, maxsplit=1)[0]
            if head == "item":
                rest = text[len("item"):].lstrip(".")
                return lambda ctx: _lookup(ctx.item, rest) if rest else ctx.item
            if head in TOP_LEVEL:
                return lambda ctx: _lookup(ctx.data, text)
            return lambda ctx: text
        raise ExprError(f"unexpected `{text}` at column {col} in `{self.text}`")

    def call(self, name: str, col: int) -> Node:
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExprError(f"unknown function `{name}` at column {col} in `{self.text}` (known: {known})")
        arity, fn = FUNCTIONS[name]
        self.take("(")
        args: list[Node] = []
        while not (self.peek() and self.peek()[1] == ")"):  # type: ignore[index]
            args.append(self.or_())
            if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.take()
        self.take(")")
        if len(args) != arity:
            raise ExprError(f"`{name}` takes {arity} argument(s), got {len(args)} in `{self.text}`")
        if name == "matches":
            # The pattern is compiled now, so a bad regex fails when the pack loads.
            pattern = getattr(args[1], "literal", None)
            if pattern is None:
                raise ExprError(f"matches() needs a quoted regular expression as its second argument in `{self.text}`")
            _regex(pattern)
        return lambda ctx: fn(ctx, *(a(ctx) for a in args))


def compile_expr(text: str) -> Node:
    if not isinstance(text, str) or not text.strip():
        raise ExprError("an expression must be a non-empty string")
    return _Parser(text).parse()


def referenced_paths(text: str) -> list[str]:
    """Manifest paths an expression reads: where its finding points when it fails."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group("word")
        if word and re.split(r"[.\[]", word, maxsplit=1)[0] in TOP_LEVEL | {"item"}:
            out.append(word)
    return out
