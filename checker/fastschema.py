"""A quick yes/no JSON Schema check, so a valid manifest never waits for jsonschema.

jsonschema explains what is wrong, and schema.py turns its errors into findings.
But importing it is most of a one-file pre-commit run (about 0.1-0.2 s with
referencing and attrs), and its `is_valid` costs about 4 ms a manifest, more than
parsing. Most manifests are valid: schema.validate asks this module first and
imports jsonschema only when the answer is "invalid" (to say why) or "cannot tell".

The compiler covers the keywords our schemas use, with jsonschema's Draft 2020-12
semantics (bool is not a number, 1.0 is an integer, `pattern` is `re.search`,
enum equality keeps true and 1 apart, `format` checks `date` only, as the format
checker of schema.py does). A schema that uses any other Draft 2020-12 keyword,
another draft, a remote `$ref` or an `$id` below the root is not compiled, and
jsonschema decides every document. Words that are not keywords are ignored, as
jsonschema ignores them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

Check = Callable[[Any], bool]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Every keyword Draft 2020-12 validates with. Those without a compiler below make
# a schema unsupported; tests/test_stress.py keeps this list in step with jsonschema.
VALIDATION_KEYWORDS = frozenset(
    {
        "$dynamicRef",
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "contains",
        "dependentRequired",
        "dependentSchemas",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "if",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "prefixItems",
        "properties",
        "propertyNames",
        "required",
        "type",
        "unevaluatedItems",
        "unevaluatedProperties",
        "uniqueItems",
    }
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Unsupported(Exception):
    """The schema uses something this module does not compile; jsonschema must decide."""


def _equal(one: Any, two: Any) -> bool:
    # jsonschema's _utils.equal: true is not 1, false is not 0, also inside lists and mappings.
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # the same bool was caught by `is` above
    return bool(one == two)


def _is_number(x: Any) -> bool:
    # What a YAML or JSON loader makes of a number (jsonschema asks numbers.Number, whose
    # import is a millisecond of every start; no loaded document holds a Decimal or a complex).
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    # Draft 6 and later: 1.0 is an integer.
    "integer": lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
}


def date_ok(value: Any) -> bool:
    """schema.py's `date` format: ISO calendar date in exactly YYYY-MM-DD form."""
    if not isinstance(value, str):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return bool(_DATE.fullmatch(value))


_FORMATS: dict[str, Check] = {"date": date_ok}


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check | None] = {}

    def ref(self, pointer: str) -> Check:
        if pointer not in self.refs:
            self.refs[pointer] = None  # while compiling: a recursive $ref looks itself up later
            self.refs[pointer] = self.compile(self.resolve(pointer))
        found = self.refs[pointer]
        if found is not None:
            return found
        refs = self.refs
        # refs[pointer] is None until compiled: the lambda looks it up when called, after.
        return lambda x: refs[pointer](x)  # type: ignore[misc]  # noqa: PLW0108 - late bound, not None by then

    def resolve(self, pointer: str) -> Any:
        if pointer == "#":
            return self.root
        if not pointer.startswith("#/"):
            raise Unsupported(f"$ref {pointer!r} is not a pointer into this schema")
        node: Any = self.root
        for part in pointer[2:].split("/"):
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise Unsupported(f"$ref {pointer!r} points at nothing")
        return node

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema must be an object or a boolean, not {type(schema).__name__}")
        if "$id" in schema and schema is not self.root:
            raise Unsupported("$id below the root changes what $ref means")
        checks: list[Check] = []
        for keyword in schema:
            if keyword in VALIDATION_KEYWORDS:
                method = getattr(self, "k_" + keyword.lstrip("$"), None)
                if method is None:
                    raise Unsupported(f"keyword {keyword!r}")
                check = method(schema[keyword], schema)
                if check is not None:
                    checks.append(check)
        if not checks:
            return lambda x: True
        if len(checks) == 1:
            return checks[0]

        # Plain loops, not all(<generator>): a generator per node was a tenth of a run.
        def every(x: Any) -> bool:
            for check in checks:  # noqa: SIM110 - all(<generator>) is slower on this hot path
                if not check(x):
                    return False
            return True

        return every

    # -- keywords ---------------------------------------------------------------------
    def k_ref(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, str):
            raise Unsupported("$ref must be a string")
        return self.ref(value)

    def k_type(self, value: Any, schema: dict[str, Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or any(n not in _TYPES for n in names):
            raise Unsupported(f"type {value!r}")
        tests = [_TYPES[n] for n in names]
        if len(tests) == 1:
            return tests[0]
        return lambda x: any(t(x) for t in tests)

    def k_enum(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list):
            raise Unsupported("enum must be a list")
        if all(isinstance(v, str) for v in value):
            strings = frozenset(value)
            return lambda x: isinstance(x, str) and x in strings
        return lambda x: any(_equal(v, x) for v in value)

    def k_const(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda x: _equal(x, value)

    def k_pattern(self, value: Any, schema: dict[str, Any]) -> Check:
        search = re.compile(value).search
        return lambda x: not isinstance(x, str) or search(x) is not None

    def k_format(self, value: Any, schema: dict[str, Any]) -> Check:
        if value not in _FORMATS:
            raise Unsupported(f"format {value!r}")
        return _FORMATS[value]

    def k_properties(self, value: Any, schema: dict[str, Any]) -> Check:
        props = [(name, self.compile(sub)) for name, sub in value.items()]

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for name, sub in props:  # noqa: SIM110 - as above
                if name in x and not sub(x[name]):
                    return False
            return True

        return check

    def k_patternProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        pats = [(re.compile(p).search, self.compile(sub)) for p, sub in value.items()]
        matching: dict[Any, tuple[Check, ...]] = {}  # key -> the checks of the patterns it matches

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for key, item in x.items():
                subs = matching.get(key)
                if subs is None:
                    if len(matching) > 4096:
                        matching.clear()
                    subs = matching[key] = tuple(sub for search, sub in pats if search(key))
                for sub in subs:
                    if not sub(item):
                        return False
            return True

        return check

    def k_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check | None:
        known = frozenset(schema.get("properties", {}))
        joined = "|".join(schema.get("patternProperties", {}))  # as jsonschema joins them
        search = re.compile(joined).search if joined else None

        def extras(x: dict[Any, Any]) -> list[Any]:
            return [k for k in x if k not in known and not (search is not None and search(k))]

        if value is False:
            return lambda x: not isinstance(x, dict) or not extras(x)
        if value is True or value == {}:
            return None  # nothing to check: compile() leaves it out
        check = self.compile(value)
        return lambda x: not isinstance(x, dict) or all(check(x[k]) for k in extras(x))

    def k_required(self, value: Any, schema: dict[str, Any]) -> Check:
        names = list(value)
        return lambda x: not isinstance(x, dict) or all(n in x for n in names)

    def k_items(self, value: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        check = self.compile(value)

        def items(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            for item in x:  # noqa: SIM110 - as above
                if not check(item):
                    return False
            return True

        return items

    def k_propertyNames(self, value: Any, schema: dict[str, Any]) -> Check:
        check = self.compile(value)
        return lambda x: not isinstance(x, dict) or all(check(k) for k in x)

    def k_dependentRequired(self, value: Any, schema: dict[str, Any]) -> Check:
        deps = list(value.items())
        return lambda x: not isinstance(x, dict) or all(all(d in x for d in need) for key, need in deps if key in x)

    def k_allOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = [self.compile(s) for s in value]
        return lambda x: all(s(x) for s in subs)

    def k_anyOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = [self.compile(s) for s in value]
        return lambda x: any(s(x) for s in subs)

    def k_oneOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = [self.compile(s) for s in value]
        return lambda x: sum(1 for s in subs if s(x)) == 1

    def k_not(self, value: Any, schema: dict[str, Any]) -> Check:
        sub = self.compile(value)
        return lambda x: not sub(x)

    def k_if(self, value: Any, schema: dict[str, Any]) -> Check:
        cond = self.compile(value)
        then = self.compile(schema["then"]) if "then" in schema else None
        other = self.compile(schema["else"]) if "else" in schema else None
        return lambda x: (then is None or then(x)) if cond(x) else (other is None or other(x))

    def _bound(
        self, value: Any, test: Callable[[Any, Any], bool], kind: Callable[[Any], bool], size: Callable[[Any], Any]
    ) -> Check:
        if not _is_number(value):
            raise Unsupported("a bound must be a number")
        return lambda x: not kind(x) or test(size(x), value)

    def k_minLength(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a >= b, _TYPES["string"], len)

    def k_maxLength(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a <= b, _TYPES["string"], len)

    def k_minItems(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a >= b, _TYPES["array"], len)

    def k_maxItems(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a <= b, _TYPES["array"], len)

    def k_minProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a >= b, _TYPES["object"], len)

    def k_maxProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a <= b, _TYPES["object"], len)

    def k_minimum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a >= b, _is_number, lambda x: x)

    def k_maximum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a <= b, _is_number, lambda x: x)

    def k_exclusiveMinimum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a > b, _is_number, lambda x: x)

    def k_exclusiveMaximum(self, value: Any, schema: dict[str, Any]) -> Check:
        return self._bound(value, lambda a, b: a < b, _is_number, lambda x: x)


def compile_schema(schema: Any) -> Check:
    """A function telling whether a document is valid; Unsupported if that cannot be promised."""
    if isinstance(schema, dict) and schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        raise Unsupported(f"$schema {schema['$schema']!r}: only Draft 2020-12 is compiled")
    try:
        return _Compiler(schema if isinstance(schema, dict) else {}).compile(schema)
    except (re.error, TypeError, AttributeError, KeyError, RecursionError) as exc:
        raise Unsupported(f"schema not compiled: {exc}") from None


_COMPILED: dict[int, tuple[Any, Check | None]] = {}  # id(schema) -> (schema kept alive, check)


def is_valid(schema: Any, instance: Any) -> bool | None:
    """True or False as jsonschema's Draft 2020-12 `is_valid` would say; None when this
    module cannot promise that for `schema`. Compiled once per schema object."""
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        try:
            check: Check | None = compile_schema(schema)
        except Unsupported:
            check = None
        entry = _COMPILED[id(schema)] = (schema, check)
    if entry[1] is None:
        return None
    try:
        return entry[1](instance)
    except RecursionError:
        return None
