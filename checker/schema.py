"""JSON Schema validation of a loaded manifest, offline, with findings at lines.

The schema owns shape; stage-dependent requirements belong to the policy engine.
Every jsonschema error becomes one finding a person can act on, placed at the
offending node: the key for an unknown or missing field, the value for a wrong one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from checker import fastschema, resources
from checker.findings import Span
from checker.manifest import Manifest, PathT, json_path
from checker.textsafe import printable

KNOWN_API_VERSIONS = ("aipolicy/v1",)
SUGGESTIONS = 100  # "did you mean" is worked out for this many problems per document at most

# Plain YAML 1.1 booleans. aipolicy reads YAML 1.2, where these are strings.
YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "empty",
}


@cache
def load_schema(version: str = "v1") -> dict[str, Any]:
    """The manifest schema of `version`: the v1 schema from checker/_catalogue.py (parsed at
    build time, so a check imports no json) while that was made from the file's very bytes."""
    raw = resources.schema_path(version).read_bytes()
    if version == "v1":
        try:
            from checker import _catalogue
        except ImportError:
            _catalogue = None  # type: ignore[assignment]  # no generated module: a module name set to None
        if _catalogue is not None and raw == getattr(_catalogue, "SCHEMA_SOURCE", None):
            return _catalogue.SCHEMA
    import json

    schema: dict[str, Any] = json.loads(raw)
    return schema


def schema_text(version: str = "v1") -> str:
    return resources.schema_path(version).read_text(encoding="utf-8")


def _refuse_remote(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    # By default jsonschema would fetch unknown $refs over the network; we never do.
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # referencing's stub spells dataclass_transform pre-PEP 681


def import_jsonschema() -> ModuleType:
    """jsonschema, imported without its optional IRI format checker. When rfc3987-syntax is
    installed (jsonschema[format-nongpl] brings it), jsonschema's import builds its Lark
    grammar: seconds per process, for the `iri` format, which no aipolicy schema uses (the
    format checker below knows `date` only). The mask is lifted after the import."""
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    masked = "rfc3987_syntax" not in sys.modules
    if masked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None: import raises ImportError
    try:
        import jsonschema
    finally:
        if masked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return jsonschema


def build_validator(schema: dict[str, Any], extra_dir: Path | None = None) -> Any:
    """A validator whose registry holds only our own schemas and never fetches."""
    import json

    import_jsonschema()
    import jsonschema  # imported above: now only bound here, typed
    from referencing import Registry, Resource

    resources_ = []
    for path in sorted((extra_dir or resources.schemas_dir()).glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(contents, dict) and "$id" in contents:
            resources_.append((contents["$id"], Resource.from_contents(contents)))
    # The ignore below: referencing's _attrs.pyi spells dataclass_transform the pre-PEP 681 way,
    # so mypy sees no attrs __init__ (nor its `retrieve` alias)
    registry = Registry(retrieve=_refuse_remote).with_resources(resources_)  # type: ignore[call-arg]  # as above
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=registry, format_checker=_format_checker())


def _format_checker() -> Any:
    import datetime

    import_jsonschema()
    import jsonschema  # imported above: now only bound here, typed

    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        datetime.date.fromisoformat(value)
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))

    return checker


@cache
def manifest_validator(version: str = "v1") -> Any:
    return build_validator(load_schema(version))


# -- errors to findings ------------------------------------------------------------


MAX_ECHO = 60  # characters of a name or value from the document quoted back in a message


def echo(value: object, width: int = MAX_ECHO) -> str:
    """A name or value from a document, quoted back on one short line: control
    characters escaped (a key holding a newline cannot break the message in two),
    at most `width` characters."""
    text = printable(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _field_name(path: PathT) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            index = "".join(f"[{p}]" for p in path[path.index(part) + 1 :])
            return echo(part + index)
    return "document"


def _where(path: PathT) -> str:
    return "the top level" if not path else f"`{echo(json_path(path)[2:])}`"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "…'"


def closest(word: str, choices: list[str]) -> str | None:
    """The choice `word` most likely meant: the same word in another case, the one
    choice it abbreviates (`prod` -> `production`), or a near spelling (`rollbak`)."""
    if not isinstance(word, str) or not word.strip():
        return None
    folded = word.strip().casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    if len(folded) >= 3:
        starts = [c for c in choices if c.casefold().startswith(folded)]
        if len(starts) == 1:
            return starts[0]
    import difflib  # only when there is something to suggest: off the start-up path

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(word: str, choices: list[str]) -> str:
    close = closest(word, choices)
    return f"; did you mean `{close}`?" if close else ""


def misspelt_sections(manifest: Manifest) -> dict[PathT, PathT]:
    """Unknown keys that name a field their mapping lacks (`rollbak` -> `rollback`,
    `owners.busines` -> `owners.business`), as path of the key -> path of the field.
    Until they are renamed the rules see no such field, so the engine holds back the
    findings about it and the schema's finding at the key says why."""
    schema = load_schema("v1")
    out: dict[PathT, PathT] = {}
    budget = _Budget(SUGGESTIONS)
    stack: list[tuple[PathT, Any, dict[str, Any]]] = [((), manifest.data, schema)]
    while stack and budget.left > 0:
        path, data, node = stack.pop()
        node = _deref(node, schema)
        if isinstance(data, list) and isinstance(node.get("items"), dict):
            stack.extend((path + (i,), item, node["items"]) for i, item in enumerate(data))
            continue
        known = node.get("properties", {})
        if not isinstance(data, dict) or not known:
            continue
        for key, value in data.items():
            if key in known:
                stack.append((path + (key,), value, known[key]))
            elif isinstance(key, str) and not key.startswith("x-") and budget.take():
                field = closest(key, list(known))
                if field is not None and field not in data and path + (field,) not in out.values():
                    out[path + (key,)] = path + (field,)
    return out


def _deref(node: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its local `$ref` (`#/$defs/person`) followed."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
        node = schema.get("$defs", {}).get(node["$ref"][len("#/$defs/") :], {})
    return node if isinstance(node, dict) else {}


Issue = tuple[Span, str, PathT]  # where, what, which node


class _Budget:
    """How many "did you mean" suggestions a document still gets: a file with 50,000
    unknown keys shows only the first findings, so only those pay for difflib."""

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _explain(error: Any, manifest: Manifest, budget: _Budget, misspelt: dict[PathT, PathT]) -> Iterator[Issue]:
    path: PathT = tuple(error.absolute_path)
    keyword = error.validator
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    name = _field_name(path)

    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        for key in instance:
            if key in known or any(re.search(p, key) for p in patterns):
                continue
            child = path + (key,)
            if not path:
                hint = _suggest(key, known) if budget.take() else ""
                text = f"`{echo(key)}` is not a known section{hint}"
                section = misspelt.get(child)
                if section is not None and hint:
                    text += f" Until it is renamed, the rules see no `{section[0]}` section, so their findings about it are held back"
                elif not hint:
                    text += f" (known sections: {', '.join(known)})"
            else:
                hint = _suggest(key, known) if budget.take() else ""
                text = f"`{echo(key)}` is not a known field of {_where(path)}{hint}"
                field = misspelt.get(child)
                if field is not None and hint:
                    text += (
                        f" Until it is renamed, the rules see no {_where(field)},"
                        " so their findings about it are held back"
                    )
                elif patterns:
                    text += " (extension fields must start with `x-`)"
            yield manifest.key_span(child), text, child
        return
    if keyword == "required":
        missing = [k for k in error.validator_value if isinstance(instance, dict) and k not in instance]
        for key in missing:
            where = "the manifest" if not path else _where(path)
            yield manifest.key_span(path), f"{where} is missing required field `{key}`", path + (key,)
        return
    span = manifest.span(path)
    if keyword == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        text = f"`{name}` must be {wanted}, got {_shown(instance)}"
        if "boolean" in expected and isinstance(instance, str) and instance.lower() in YAML11_BOOLS:
            truth = "true" if instance.lower() in {"yes", "on", "y"} else "false"
            text += f" (`{instance}` is a YAML 1.1 boolean; aipolicy reads YAML 1.2, so write `{truth}`)"
        yield span, text, path
        return
    if keyword == "enum":
        choices = [str(c) for c in error.validator_value]
        text = f"`{name}` must be one of {', '.join(choices)}; got {_shown(instance)}"
        if isinstance(instance, str) and budget.take():
            text += _suggest(instance, choices)
        if path == ("stage",):
            text += (
                " U" if text.endswith("?") else "; u"
            ) + "ntil it is fixed, only the schema is checked (the stage selects the rules)"
        yield span, text, path
        return
    if keyword == "const":
        yield span, f"`{name}` must be {error.validator_value!r}, got {_shown(instance)}", path
        return
    if keyword in ("pattern", "format"):
        title = schema.get("title")
        if title:
            yield span, f"`{name}` must be a {title}, got {_shown(instance)}", path
        elif keyword == "format":
            yield span, f"`{name}` must be a valid {error.validator_value}, got {_shown(instance)}", path
        else:
            yield span, f"`{name}` {_shown(instance)} does not match the pattern {error.validator_value}", path
        return
    if keyword in ("anyOf", "oneOf"):
        yield from _explain_alternatives(error, manifest, budget, misspelt)
        return
    # Any other keyword: jsonschema's own words, with the value shown short.
    yield span, f"`{name}`: {error.message.replace(repr(instance), _shown(instance))}", path


def _explain_alternatives(
    error: Any, manifest: Manifest, budget: _Budget, misspelt: dict[PathT, PathT]
) -> Iterator[Issue]:
    """An `anyOf`/`oneOf` the value fails. When exactly one alternative fits the value's
    shape (a mapping where a mapping may go) and only something inside it is wrong, that
    inner problem is the finding, at its own node. Otherwise the finding says what the
    value may be, from the schema's `title` or its alternatives, never jsonschema's raw
    "is not valid under any of the given schemas"."""
    path: PathT = tuple(error.absolute_path)
    by_branch: dict[int, list[Any]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [
        subs
        for subs in by_branch.values()
        if not any(tuple(sub.absolute_path) == path and sub.validator in _SHAPE_KEYWORDS for sub in subs)
    ]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _explain(sub, manifest, budget, misspelt)
        return
    schema = error.schema if isinstance(error.schema, dict) else {}
    options = schema.get("title") or _alternatives(error.validator_value)
    yield manifest.span(path), f"`{_field_name(path)}` must be {options}; got {_shown(error.instance)}", path


# A value failing one of these at its own node does not have that alternative's shape.
_SHAPE_KEYWORDS = frozenset({"type", "enum", "const"})


def _alternatives(subschemas: Any) -> str:
    """What an anyOf/oneOf allows, in words: each alternative's title, choices or type."""
    words = []
    for sub in subschemas if isinstance(subschemas, list) else ():
        sub = sub if isinstance(sub, dict) else {}
        if sub.get("title"):
            words.append(sub["title"])
        elif "enum" in sub:
            words.append("one of " + ", ".join(str(c) for c in sub["enum"]))
        elif "const" in sub:
            words.append(repr(sub["const"]))
        elif isinstance(sub.get("type"), str):
            words.append(_TYPE_NAMES.get(sub["type"], sub["type"]))
    return ", or ".join(words) if words else "one of the allowed forms"


# Keywords about a mapping's keys: each of their errors names its own child node.
_CHILD_KEYWORDS = frozenset({"required", "additionalProperties"})
# Keywords about the value itself, most telling first; others rank after these.
_VALUE_KEYWORDS = ("type", "const", "enum", "format", "pattern")


def _rank(keyword: str) -> int:
    return _VALUE_KEYWORDS.index(keyword) if keyword in _VALUE_KEYWORDS else len(_VALUE_KEYWORDS)


def validate(manifest: Manifest) -> list[Issue]:
    """Schema issues of one manifest, one per real problem, in document order."""
    data = manifest.data
    version = data.get("apiVersion")
    if "apiVersion" in data and version not in KNOWN_API_VERSIONS:
        known = ", ".join(KNOWN_API_VERSIONS)
        return [
            (
                manifest.span(("apiVersion",)),
                f"unknown apiVersion {_shown(version)}; this checker knows {known}",
                ("apiVersion",),
            )
        ]
    # The common case, a valid manifest, never imports jsonschema (checker/fastschema.py).
    quick = fastschema.is_valid(load_schema("v1"), data)
    if quick:
        return []
    validator = manifest_validator("v1")
    if quick is None and validator.is_valid(data):  # a schema fastschema cannot compile
        return []
    return issues(validator, manifest)


def issues(validator: Any, document: Manifest) -> list[Issue]:
    """Every schema error of a loaded YAML document (manifest, config or policy pack) as
    one issue per real problem, at its node, in document order."""
    found: list[Issue] = []
    seen: set[tuple[PathT, str]] = set()
    errors = list(validator.iter_errors(document.data))
    budget = _Budget(SUGGESTIONS)
    misspelt = misspelt_sections(document) if document.data.get("apiVersion") in KNOWN_API_VERSIONS else {}
    # A value can fail several keywords at once (`target: 5` fails both `type` and
    # `enum`); that is one problem, reported once, by the most telling keyword.
    best: dict[PathT, int] = {}
    for error in errors:
        if error.validator not in _CHILD_KEYWORDS:
            path = tuple(error.absolute_path)
            best[path] = min(best.get(path, len(_VALUE_KEYWORDS)), _rank(error.validator))
    for error in errors:
        if error.validator not in _CHILD_KEYWORDS and _rank(error.validator) > best[tuple(error.absolute_path)]:
            continue
        for span, text, path in _explain(error, document, budget, misspelt):
            if (path, text) in seen:
                continue
            seen.add((path, text))
            found.append((span, text, path))
    found.sort(key=lambda i: (i[0].line, i[0].column))
    return found
