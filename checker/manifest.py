"""Bytes in; a manifest (plain data plus source positions) or load problems out.

Every YAML hazard is handled here, in one pass over libyaml's event stream:
nothing is ever constructed from a tag, aliases are shared rather than copied
(and their expanded size is counted before anything walks the data), nesting
is capped, and scalars are resolved with YAML 1.2 core rules so that `yes`,
`22:22` and `0755` stay the strings the author typed.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import yaml

from checker.findings import Span
from checker.records import field, record

# libyaml's C parser when the wheel has it; the pure-Python one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathT = tuple[str | int, ...]

DEFAULT_MAX_BYTES = 1024 * 1024  # a manifest is a few KiB; 1 MiB is far beyond any real one
MAX_DEPTH = 64  # the v1 schema nests 6 deep
MAX_NODES = 100_000  # expanded nodes, aliases included: a real manifest has a few hundred

_STANDARD_TAG = "tag:yaml.org,2002:"
_NUMBER_START = frozenset("0123456789+-.")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_WORDS = _NULLS | _TRUE | _FALSE  # the plain scalars that are not text, numbers aside
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")  # no leading zeros: `0755` stays a string
_FLOAT = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)?(?:\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]{1,3}|[-+]?(?:0|[1-9][0-9]*)\.[0-9]*"
)


class LoadProblem(NamedTuple):
    span: Span
    message: str


@record
class Manifest:
    path: str
    data: dict[str, Any]
    spans: dict[PathT, Span] = field(default_factory=dict)  # value node of each path
    key_spans: dict[PathT, Span] = field(default_factory=dict)  # key node of each mapping entry
    # Collected while loading, so that no rule walks the tree again (None: not collected,
    # e.g. a document with aliases, whose shared nodes appear at several paths; walk then):
    # every `*_ref` as (path, value), in document order, not looking inside a `*_ref`;
    refs: list[tuple[PathT, Any]] | None = None
    # every text or empty answer as (path, value), the placeholder candidates (values.py says
    # which are placeholders), outside `x-` fields and top-level `waivers`.
    answers: list[tuple[PathT, Any]] | None = None
    # The file as it is on disk, when it differs from `path`, the name reports show (a folder
    # name that is not UTF-8 is shown escaped, `caf\\xe9`, a name no file has): where the
    # manifest's repository is looked up. None: `path` is that name (or there is no file).
    source: str | None = None

    @property
    def file(self) -> str:
        """The manifest's name on disk (its repository is found from it)."""
        return self.source if self.source is not None else self.path

    def span(self, path: PathT) -> Span:
        """The node at `path`, or its nearest ancestor present in the file."""
        path = tuple(path)
        while path:
            found = self.spans.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.spans.get((), Span())

    def key_span(self, path: PathT) -> Span:
        """The key naming `path` (a missing field is reported at its parent's key)."""
        path = tuple(path)
        while path:
            found = self.key_spans.get(path)
            if found is not None:
                return found
            if isinstance(path[-1], int) and path in self.spans:
                # A list item has no key: point at the item's first line.
                item = self.spans[path]
                return Span(item.line, item.column, item.line, item.column)
            path = path[:-1]
        root = self.spans.get((), Span())
        return Span(root.line, root.column, root.line, root.column)

    def get(self, path: PathT, default: Any = None) -> Any:
        node: Any = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    return default
            elif not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


def json_path(path: PathT) -> str:
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += "." + part
        else:
            out += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return out


_new = tuple.__new__  # Span(...) runs NamedTuple's Python __new__; the loader makes one per node


def _span(start: Any, end: Any) -> Span:
    # libyaml marks are 0-based; findings are 1-based, as editors count.
    return _new(Span, (start.line + 1, start.column + 1, end.line + 1, end.column + 1))


def _point(mark: Any) -> Span:
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_STANDARD_TAG) :] if tag.startswith(_STANDARD_TAG) else tag


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution, minus the forms that surprise people."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in _NUMBER_START:  # most scalars are words: skip the number patterns
        return text
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        value = float(text)
        if value not in (float("inf"), float("-inf")):
            return value
    return text


ScalarEvent, MappingStartEvent, SequenceStartEvent = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
MappingEndEvent, SequenceEndEvent, AliasEvent = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
StreamEndEvent, DocumentStartEvent = yaml.StreamEndEvent, yaml.DocumentStartEvent


class _Abort(Exception):
    """A problem after which the rest of the stream cannot be trusted."""


class _Frame:
    """One mapping or sequence the loader has open. A slotted class written out, not a
    dataclass: one is made per container of every manifest, and a dataclass compiles its
    methods from source text at every start (the one-file case's budget)."""

    __slots__ = (
        "anchor",
        "container",
        "end",
        "in_ref",
        "is_list",
        "key",
        "key_path",
        "path",
        "quiet",
        "size",
        "skip",
        "start",
    )

    def __init__(
        self,
        path: PathT,
        container: Any,
        start: Any,
        anchor: str | None,
        skip: bool,
        is_list: bool,
        quiet: bool,
        in_ref: bool,
    ) -> None:
        self.path = path
        self.container = container
        self.start = start
        self.anchor = anchor
        self.key: Any = _NO_KEY  # the pending key (mappings); _NO_KEY while a key is expected
        self.key_path: PathT = ()  # path + (key,) of the pending key
        self.size = 1
        self.end: Any = None
        self.skip = skip  # a complex key's subtree: consumed but not stored
        self.is_list = is_list
        self.quiet = quiet  # inside an `x-` field or top-level `waivers`: no placeholders collected
        self.in_ref = in_ref  # inside a `*_ref` value: no refs collected


_NO_KEY = object()


class _Builder:
    def __init__(self, path: str, max_depth: int, max_nodes: int) -> None:
        self.manifest = Manifest(path=path, data={})
        self.problems: list[LoadProblem] = []
        self.anchors: dict[str, tuple[Any, int] | None] = {}  # None while still open
        self.stack: list[_Frame] = []
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.root: Any = _NO_KEY
        self.root_span: Span | None = None
        self.spans = self.manifest.spans
        self.key_spans = self.manifest.key_spans
        self.refs: list[tuple[PathT, Any]] = []
        self.answers: list[tuple[PathT, Any]] = []
        self.aliased = False  # an alias shares a node between paths: collected lists are dropped

    # -- helpers --------------------------------------------------------
    def problem(self, span: Span, message: str) -> None:
        self.problems.append(LoadProblem(span, message))

    def count(self, n: int, mark: Any) -> None:
        self.nodes += n
        if self.nodes > self.max_nodes:
            self.problem(
                _point(mark),
                f"document expands to more than {self.max_nodes} nodes (alias bomb or oversized file); refusing to read it",
            )
            raise _Abort

    def check_tag(self, tag: str | None, allowed: str, mark: Any) -> None:
        if tag is None or tag == "!" or tag == _STANDARD_TAG + allowed:
            return
        self.problem(
            _point(mark),
            f"YAML tag `{_show_tag(tag)}` is not allowed: aipolicy never constructs tagged values; remove the tag",
        )

    # -- placing a finished value ---------------------------------------
    def place(self, value: Any, span: Span, size: int, end_mark: Any) -> None:
        if not self.stack:
            self.root, self.root_span = value, span
            return
        frame = self.stack[-1]
        frame.size += size
        frame.end = end_mark
        if frame.skip:
            return
        if frame.is_list:
            self.spans[frame.path + (len(frame.container),)] = span
            frame.container.append(value)
            return
        key = frame.key
        if key is _NO_KEY:
            self.take_key(value, span)
            return
        if key is not None:
            path = frame.key_path
            self.spans[path] = span
            frame.container[key] = value
            if key.endswith("_ref") and not frame.in_ref:
                self.refs.append((path, value))
        frame.key = _NO_KEY

    def take_key(self, value: Any, span: Span) -> None:
        frame = self.stack[-1]
        if not isinstance(value, str):
            kind = "null" if value is None else type(value).__name__
            # As YAML spells it (`true`, not Python's `True`): the author must recognise it.
            text = ("true" if value else "false") if isinstance(value, bool) else value
            shown = "" if value is None else f" `{text}`"
            self.problem(span, f"mapping keys must be strings; key{shown} is read as {kind}: quote it")
            frame.key = None  # consume the value without storing it
            return
        path = frame.path + (value,)
        if value in frame.container:
            first = self.manifest.key_spans.get(path)
            where = f" (first defined at line {first.line})" if first else ""
            self.problem(span, f"duplicate key `{value}`{where}")
            frame.key = None
            return
        self.manifest.key_spans[path] = span
        frame.key, frame.key_path = value, path

    def expecting_key(self) -> bool:
        return bool(self.stack) and not self.stack[-1].is_list and self.stack[-1].key is _NO_KEY

    # -- events ------------------------------------------------------------
    def scalar(self, ev: Any) -> None:
        # The hottest path of a run (one call per scalar): count and tag checks inlined.
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.count(0, ev.start_mark)
        tag = ev.tag
        if tag is not None:
            self.check_tag(tag, "str", ev.start_mark)
        value = ev.value
        # Plain (libyaml reports the style as "", PyYAML as None) and not the usual word: resolve it.
        if not ev.style and tag is None and (not value or value[0] in _NUMBER_START or value in _WORDS):
            value = resolve_plain(value)
        start, end = ev.start_mark, ev.end_mark
        span = _new(Span, (start.line + 1, start.column + 1, end.line + 1, end.column + 1))
        if ev.anchor:
            self.anchors[ev.anchor] = (value, 1)
        # place(value, span, 1, end), inlined, collecting refs and placeholders on the way.
        stack = self.stack
        if not stack:
            self.root, self.root_span = value, span
            return
        frame = stack[-1]
        frame.size += 1
        frame.end = end
        if frame.skip:
            return
        if frame.is_list:
            path = frame.path + (len(frame.container),)
            self.spans[path] = span
            frame.container.append(value)
            quiet = frame.quiet
        else:
            key = frame.key
            if key is _NO_KEY:
                if value.__class__ is str and value not in frame.container:  # take_key(), inlined
                    frame.key, frame.key_path = value, frame.path + (value,)
                    self.key_spans[frame.key_path] = span
                else:
                    self.take_key(value, span)
                return
            frame.key = _NO_KEY
            if key is None:
                return
            path = frame.key_path
            self.spans[path] = span
            frame.container[key] = value
            if key.endswith("_ref") and not frame.in_ref:
                self.refs.append((path, value))
            quiet = frame.quiet or key.startswith("x-") or (key == "waivers" and len(stack) == 1)
        if not quiet and (value is None or value.__class__ is str):
            self.answers.append((path, value))

    def alias(self, ev: Any) -> None:
        span = _span(ev.start_mark, ev.end_mark)
        if ev.anchor not in self.anchors:
            self.problem(span, f"alias `*{ev.anchor}` refers to no anchor defined before it")
            raise _Abort
        entry = self.anchors[ev.anchor]
        if entry is None:
            self.problem(span, f"alias `*{ev.anchor}` refers to the collection that contains it (recursive alias)")
            raise _Abort
        value, size = entry
        self.count(size, ev.start_mark)
        self.aliased = True
        if self.expecting_key() and not isinstance(value, str):
            self.problem(span, "mapping keys must be strings; an alias to a collection cannot be a key")
            self.stack[-1].key = None
            self.stack[-1].size += size
            return
        # Shared, not copied: the expanded size is already bounded above.
        self.place(value, span, size, ev.end_mark)

    def start(self, ev: Any, container: Any, tag: str) -> None:
        # One call per mapping or sequence: count(), check_tag() and expecting_key() inlined, and the child's path made here.
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.count(0, ev.start_mark)
        if ev.tag is not None:
            self.check_tag(ev.tag, tag, ev.start_mark)
        stack = self.stack
        if len(stack) >= self.max_depth:
            self.problem(
                _point(ev.start_mark), f"nesting deeper than {self.max_depth} levels; refusing to read further"
            )
            raise _Abort
        skip = quiet = in_ref = False
        path: PathT = ()
        if stack:
            parent = stack[-1]
            skip = parent.skip
            key = parent.key
            # Inside a skipped subtree no key is recorded (so `key` stays _NO_KEY): nothing there is judged.
            if not parent.is_list and key is _NO_KEY and not skip:
                self.problem(_point(ev.start_mark), "mapping keys must be strings; a collection cannot be a key")
                skip = True
            elif not skip:
                if parent.is_list:
                    path = parent.path + (len(parent.container),)
                    quiet, in_ref = parent.quiet, parent.in_ref
                elif key is None:  # the value of a rejected key: consumed, not stored
                    skip = True
                else:
                    path = parent.key_path
                    quiet = parent.quiet or key.startswith("x-") or (key == "waivers" and len(stack) == 1)
                    in_ref = parent.in_ref or key.endswith("_ref")
        if ev.anchor:
            self.anchors[ev.anchor] = None
        stack.append(_Frame(path, container, ev.start_mark, ev.anchor, skip, tag == "seq", quiet, in_ref))

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        end_mark = frame.end if frame.end is not None and ev.start_mark.line > frame.start.line else ev.end_mark
        span = _span(frame.start, end_mark)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        if frame.skip and self.stack and self.expecting_key():
            # The collection was a (rejected) key: its value follows and is dropped.
            self.stack[-1].key = None
            self.stack[-1].size += frame.size
            return
        if not frame.skip and not self.stack:
            self.manifest.spans[()] = span
        self.place(frame.container, span, frame.size, end_mark)


def _within(span: Span, text: str) -> Span:
    """A parser error "at the end of the stream" sits on the line after the last one;
    move it to the end of the last line, where an editor or a PR annotation can show it."""
    lines = text.splitlines() or [""]
    if span.line <= len(lines):
        return span
    column = len(lines[-1]) + 1
    return Span(len(lines), column, len(lines), column)


def _tab_indented(text: str, line: int) -> bool:
    """The parser stopped on a line (0-based) whose indentation holds a tab."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    row = lines[line]
    indent = row[: len(row) - len(row.lstrip(" \t"))]
    return "\t" in indent


def _decode(raw: bytes) -> tuple[str | None, LoadProblem | None]:
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if not bom and (raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or raw[:2] in (b"\xff\xfe", b"\xfe\xff")):
        return None, LoadProblem(Span(), "file is UTF-16 or UTF-32 encoded; save it as UTF-8")
    try:
        return raw[bom:].decode("utf-8"), None
    except UnicodeDecodeError as exc:
        offset = exc.start + bom  # an offset into the file as it is on disk, BOM included
        line = raw.count(b"\n", 0, offset) + 1
        line_start = max(raw.rfind(b"\n", 0, offset) + 1, bom)
        # Columns count characters, as libyaml's marks (and editors) do, not bytes.
        column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
        return None, LoadProblem(
            Span(line, column, line, column + 1),
            f"file is not valid UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset}",
        )


# What a document of each kind holds, for the messages about an empty or wrongly shaped one.
_HOLDS = {
    "manifest": "fields such as `apiVersion:` and `system:`",
    "configuration": "settings such as `select:`, `severity:` and `overrides:`",
}


def load(
    raw: bytes, path: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES, document: str = "manifest"
) -> Manifest | list[LoadProblem]:
    """Parse one manifest (or another aipolicy YAML document, which `document` names in the
    messages). Never raises for any input bytes."""
    text, problem = _decode(raw)
    if problem is not None:
        return [problem]
    assert text is not None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return [LoadProblem(Span(line, col, line, col + 1), "file contains a NUL byte; is it binary?")]
    builder = _Builder(path, max_depth, max_nodes)
    loader = None
    documents = 0
    try:
        # Inside the try: the pure-Python reader checks every character up front.
        loader = _Loader(text)
        get_event, scalar = loader.get_event, builder.scalar
        while True:
            ev = get_event()
            kind = type(ev)  # the parsers make exactly these classes: `is` beats isinstance here
            if kind is ScalarEvent:
                scalar(ev)
            elif kind is MappingStartEvent:
                builder.start(ev, {}, "map")
            elif kind is SequenceStartEvent:
                builder.start(ev, [], "seq")
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                builder.end(ev)
            elif ev is None or kind is StreamEndEvent:
                break
            elif kind is AliasEvent:
                builder.alias(ev)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    builder.problem(
                        _point(ev.start_mark),
                        f"more than one YAML document; a {document} is a single document (remove the second `---`)",
                    )
                    raise _Abort
    except _Abort:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = _within(_point(mark), text) if mark is not None else Span()
        what = exc.problem or exc.context or "invalid YAML"
        if mark is not None and _tab_indented(text, mark.line):
            builder.problem(span, "YAML does not allow tabs for indentation; indent with spaces")
        else:
            builder.problem(span, f"invalid YAML: {what}")
    except yaml.reader.ReaderError as exc:
        # No mark here, and `position` is a character index in PyYAML but a UTF-8
        # byte offset in libyaml; the reader stops at the first such character.
        char = exc.character if isinstance(exc.character, int) else None
        offset = text.find(chr(char)) if char is not None else -1
        if offset < 0:
            builder.problem(Span(), f"invalid YAML: {exc.reason}")
        else:
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
            builder.problem(
                Span(line, col, line, col + 1),
                f"invalid YAML: character U+{char:04X} is not allowed in YAML ({exc.reason})",
            )
    except yaml.YAMLError as exc:  # any other error without a mark
        builder.problem(Span(), f"invalid YAML: {exc}".replace("\n", " "))
    except (RecursionError, MemoryError):
        builder.problem(Span(), "document is too deeply nested or too large to read")
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    if builder.problems:
        return builder.problems
    if documents == 0 or builder.root is _NO_KEY or builder.root is None:
        if document == "manifest":
            return [
                LoadProblem(
                    Span(), "file is empty: a manifest is a YAML mapping starting with `apiVersion: aipolicy/v1`"
                )
            ]
        return [LoadProblem(Span(), f"file is empty: a {document} is a YAML mapping of {_HOLDS.get(document, 'keys')}")]
    if not isinstance(builder.root, dict):
        shape = "a list" if isinstance(builder.root, list) else f"a single {type(builder.root).__name__} value"
        return [
            LoadProblem(
                builder.root_span or Span(),
                f"the document is {shape}; a {document} is a mapping of {_HOLDS.get(document, 'keys')}",
            )
        ]
    manifest = builder.manifest
    manifest.data = builder.root
    if not builder.aliased:
        manifest.refs = builder.refs
        manifest.answers = builder.answers
    return manifest
