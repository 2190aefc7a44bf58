"""Policy packs: rules as data, loaded, validated and evaluated.

A pack is YAML (see schemas/policy-pack.schema.json). Each rule carries its
metadata and docs (id, slug, question, severity per stage, why, fix, example)
and its logic: a list of assertions over manifest paths, in the condition
language of checker/expr.py, or calls to named checks in checker/checks/rules.py.
The engine stamps id and severity; assertions only say where and what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from checker import expr, resources
from checker.checks import persons, values
from checker.findings import Severity
from checker.manifest import PathT, json_path
from checker.records import field, record, replace
from checker.ruleapi import Problem, RuleContext

STAGES = ("exploration", "pilot", "production", "retired")
PACK_API_VERSION = "aipolicy/policy-v1"

# Rules whose logic lives in the engine itself rather than in a pack.
ENGINE_RULES = frozenset({"AIP-SCH-001", "AIP-SCH-002", "AIP-WVR-001", "AIP-DIAG-001", "AIP-DUE-001"})
# Waiving these would hide that the file itself could not be judged.
UNWAIVABLE = frozenset({"AIP-SCH-001", "AIP-SCH-002", "AIP-WVR-001"})


class PolicyError(Exception):
    """A policy pack cannot be used; str() is one line naming file:line:col."""


class PackError(PolicyError):
    """A rule that cannot be compiled; `node` is the offending node's path below the rule,
    which add_pack turns into the pack's file:line:col."""

    def __init__(self, message: str, node: PathT) -> None:
        super().__init__(message)
        self.node = tuple(node)


@contextmanager
def _located(node: PathT) -> Iterator[None]:
    """Any problem compiling `node` is a PackError there (one found deeper keeps its own place)."""
    try:
        yield
    except PackError:
        raise
    except (expr.ExprError, PolicyError) as exc:
        raise PackError(str(exc), node) from None


Assertion = Callable[[RuleContext], Iterator[Problem]]


@record
class Rule:
    id: str
    slug: str
    summary: str
    severity: dict[str, Severity]
    why: str = ""
    fix: str = ""
    example: str = ""
    question: str | None = None
    high_risk_escalates: bool = False
    tags: tuple[str, ...] = ()
    pack: str = "core"
    source: str = ""  # pack file, for messages
    when: Callable[[expr.Context], Any] | None = None
    assertions: list[Assertion] = field(default_factory=list)
    references: tuple[str, ...] = ()
    # Where the answers to its question live: a placeholder at or below one of these
    # paths leaves the question unanswered even when the rule itself passes.
    fields: tuple[PathT, ...] = ()
    # Person fields its `person:` assertions always judge (none under `when` or `each`).
    persons: tuple[PathT, ...] = ()

    def severity_at(self, stage: str, high_risk: bool = False) -> Severity | None:
        severity = self.severity.get(stage)
        if severity is Severity.WARNING and high_risk and self.high_risk_escalates:
            return Severity.ERROR
        return severity

    def severity_text(self) -> str:
        """`-/W/E↑` in the spec's notation: exploration / pilot / production (/ retired)."""
        letters = ["-" if s not in self.severity else self.severity[s].name[0] for s in STAGES[:3]]
        text = "/".join(letters) + ("↑" if self.high_risk_escalates else "")
        if "retired" in self.severity:
            text += f" retired:{self.severity['retired'].name[0]}"
        return text

    def run(self, ctx: RuleContext) -> list[Problem]:
        if self.when is not None and not self.when(ctx.expr_context()):
            return []
        problems: list[Problem] = []
        for assertion in self.assertions:
            problems.extend(assertion(ctx))
        return problems


# -- assertions ---------------------------------------------------------------------------


def _split_path(text: str) -> PathT:
    """A pack's path (`a.b[0]`); ExprError for an index that is not a number or past any list."""
    return expr.split_path(text)


def _dotted(path: PathT) -> str:
    return json_path(path)[2:] or "document"


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "empty" if value == "" else repr(value)


def _format(message: str, path: PathT, value: Any) -> str:
    return message.replace("{path}", f"`{_dotted(path)}`").replace("{value}", _shown(value))


def _require(spec: dict[str, Any], node: PathT) -> Assertion:
    with _located(node + ("require",)):
        rel = _split_path(spec["require"])
    message = spec.get("message")

    def run(ctx: RuleContext) -> Iterator[Problem]:
        path = ctx.item_path + rel
        value = ctx.manifest.get(path)
        if values.answered(value):
            return
        missing = path not in ctx.manifest.spans
        if not missing:
            # Custom messages explain a missing answer; a placeholder is named as such.
            text = f"`{_dotted(path)}` is not answered ({_shown(value)})"
        elif message:
            text = _format(message, path, value)
        else:
            text = f"`{_dotted(path)}` is missing"
        yield Problem(path, text, missing=missing)

    return run


def _person(spec: dict[str, Any], node: PathT) -> Assertion:
    with _located(node + ("person",)):
        rel = _split_path(spec["person"])
    role = spec.get("role") or _dotted(rel)

    def run(ctx: RuleContext) -> Iterator[Problem]:
        path = ctx.item_path + rel
        value = ctx.manifest.get(path)
        if value is None or value == {}:
            yield Problem(
                path, f"{role} is missing: name a person with a contact", missing=path not in ctx.manifest.spans
            )
            return
        if not isinstance(value, dict):
            yield Problem(path, f"{role} must be a person (`name` and `contact`), got {_shown(value)}")
            return
        name, contact = value.get("name"), value.get("contact")
        if not values.answered(name):
            yield Problem(
                path + ("name",),
                f"{role} has no name ({_shown(name)}): name a real person",
                missing=(path + ("name",)) not in ctx.manifest.spans,
            )
        elif (problem := persons.person_problem(name)) is not None:
            yield Problem(path + ("name",), f"{role} {problem}")
        if not values.contact_ok(contact):
            why = "no contact" if contact is None else f"no usable contact ({_shown(contact)})"
            yield Problem(
                path + ("contact",),
                f"{role} has {why}: give an email, URL or @handle",
                missing=(path + ("contact",)) not in ctx.manifest.spans,
            )

    return run


def _expect(spec: dict[str, Any], where: PathT, trusted: bool) -> Assertion:
    text = spec["expect"]
    with _located(where + ("expect",)):
        node = expr.compile_expr(text, check_patterns=not trusted)
        referenced = expr.referenced_paths(text)
        at = _split_path(referenced[0].removeprefix("item").lstrip(".")) if referenced else ()
    if "at" in spec:
        with _located(where + ("at",)):
            at = _split_path(spec["at"])
    relative = "at" in spec or (referenced and referenced[0].startswith("item"))
    message = spec.get("message") or f"expected `{text}`"

    def run(ctx: RuleContext) -> Iterator[Problem]:
        if node(ctx.expr_context()):
            return
        path = (ctx.item_path + at) if relative else at
        yield Problem(path, _format(message, path, ctx.manifest.get(path)), missing=path not in ctx.manifest.spans)

    return run


def _each(spec: dict[str, Any], source: str, node: PathT, trusted: bool) -> Assertion:
    with _located(node + ("each",)):
        rel = _split_path(spec["each"])
    inner = [_compile_assertion(a, source, node + ("check", i), trusted) for i, a in enumerate(spec.get("check", []))]

    def run(ctx: RuleContext) -> Iterator[Problem]:
        path = ctx.item_path + rel
        items = ctx.manifest.get(path)
        if not isinstance(items, list):
            return
        for index, item in enumerate(items):
            sub = ctx._replace(item_path=path + (index,), item=item)
            for assertion in inner:
                yield from assertion(sub)

    return run


def _call(spec: dict[str, Any], node: PathT) -> Assertion:
    from checker.checks import rules as named
    from checker.git import rules as _git_rules  # noqa: F401  (registers the git-aware named checks)

    name = spec["call"]
    if name not in named.REGISTRY:
        raise PackError(f"unknown named check `{name}` (known: {', '.join(sorted(named.REGISTRY))})", node + ("call",))
    fn = named.REGISTRY[name]
    args = spec.get("args") or {}
    if not isinstance(args, dict):
        raise PackError(f"`args` of `{name}` must be a mapping of argument names to values", node + ("args",))
    _check_args(name, fn, args, node + ("args",))

    def run(ctx: RuleContext) -> Iterator[Problem]:
        yield from fn(ctx, **args)

    return run


def _check_args(name: str, fn: Callable[..., Any], args: dict[str, Any], node: PathT) -> None:
    """The `args` a named check's signature takes, each of its default's type; anything else
    would fail on every manifest, so it fails when the pack loads."""
    import inspect

    params = dict(list(inspect.signature(fn).parameters.items())[1:])  # after the RuleContext
    takes = ", ".join(f"{p} ({type(q.default).__name__})" for p, q in params.items()) or "none"
    for key, value in args.items():
        param = params.get(key) if isinstance(key, str) else None
        if param is None:
            raise PackError(f"named check `{name}` takes no argument `{key}` (it takes: {takes})", node + (key,))
        expected = type(param.default)
        if param.default is inspect.Parameter.empty or expected is bool:
            ok = isinstance(value, bool) if expected is bool else True
        else:
            ok = isinstance(value, expected) and not isinstance(value, bool)
        if not ok:
            raise PackError(
                f"argument `{key}` of `{name}` must be {expected.__name__}, got {_shown(value)}", node + (key,)
            )
    missing = [p for p, q in params.items() if q.default is inspect.Parameter.empty and p not in args]
    if missing:
        raise PackError(f"named check `{name}` needs argument(s) {', '.join(missing)}", node)


def _compile_assertion(spec: dict[str, Any], source: str, node: PathT = (), trusted: bool = False) -> Assertion:
    """One entry of a rule's `check`; `node` is its path below the rule, for messages."""
    if "require" in spec:
        base = _require(spec, node)
    elif "person" in spec:
        base = _person(spec, node)
    elif "expect" in spec:
        base = _expect(spec, node, trusted)
    elif "each" in spec:
        base = _each(spec, source, node, trusted)
    elif "call" in spec:
        base = _call(spec, node)
    else:  # the pack schema rules this out; kept for packs built in code
        raise PackError("an assertion needs one of require, person, expect, each, call", node)
    if "when" not in spec:
        return base
    with _located(node + ("when",)):
        condition = expr.compile_expr(spec["when"], check_patterns=not trusted)

    def guarded(ctx: RuleContext) -> Iterator[Problem]:
        if condition(ctx.expr_context()):
            yield from base(ctx)

    return guarded


# -- packs ----------------------------------------------------------------------------------


@record
class Policy:
    rules: dict[str, Rule] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    # Pack settings (`settings:`), e.g. an obligation's application date: a later pack overrides.
    settings: dict[str, Any] = field(default_factory=dict)

    def find(self, key: str) -> Rule | None:
        """A rule by id or slug, case-insensitively."""
        wanted = key.strip().lower()
        for rule in self.rules.values():
            if rule.id.lower() == wanted or rule.slug.lower() == wanted:
                return rule
        return None

    def suggest(self, key: str) -> str | None:
        import difflib

        names = [r.id for r in self.rules.values()] + [r.slug for r in self.rules.values()]
        close = difflib.get_close_matches(key.upper() if key.upper().startswith("AIP") else key, names, n=1, cutoff=0.5)
        return close[0] if close else None

    def copy(self) -> Policy:
        return Policy(dict(self.rules), dict(self.questions), list(self.sources), dict(self.settings))

    def resolve(self, selectors: list[str], label: str) -> set[str]:
        """Rule ids named by ids, slugs or prefixes (AIP-MON); an unknown name is a PolicyError."""
        chosen: set[str] = set()
        for sel in selectors:
            key = sel.strip().lower()
            hits = {
                r.id
                for r in self.rules.values()
                if r.id.lower() == key or r.slug == key or r.id.lower().startswith(key.rstrip("-") + "-")
            }
            if not hits:
                hint = self.suggest(sel)
                raise PolicyError(
                    f"{label} {sel}: no such rule" + (f"; did you mean {hint}?" if hint else " (see 'aipolicy rules')")
                )
            chosen |= hits
        return chosen

    def with_severity(self, overrides: dict[str, Any], label: str) -> Policy:
        """A copy whose rules take these severities: `level` for every stage the rule
        is active at, or `{stage: level}`; `off` switches a rule off (at that stage)."""
        if not overrides:
            return self
        out = self.copy()
        for selector, levels in overrides.items():
            for rule_id in sorted(out.resolve([selector], f"{label}: severity")):
                rule = out.rules[rule_id]
                severity = dict(rule.severity)
                per_stage = levels if isinstance(levels, dict) else dict.fromkeys(severity, levels)
                for stage, level in per_stage.items():
                    if level == "off":
                        severity.pop(stage, None)
                    else:
                        severity[stage] = Severity.parse(level)
                out.rules[rule_id] = replace(rule, severity=severity)
        return out

    def required_persons(self, stage: str, high_risk: bool = False) -> frozenset[PathT]:
        """Person fields judged by the `person:` assertions of the rules active at `stage`."""
        return frozenset(
            p for r in self.rules.values() if r.severity_at(stage, high_risk) is not None for p in r.persons
        )


def _fields_of(checks: list[Any]) -> tuple[PathT, ...]:
    """The manifest paths a rule's checks name (an `each` covers its items)."""
    out: list[PathT] = []
    for spec in checks:
        if not isinstance(spec, dict):
            continue
        for key in ("require", "person", "each", "at"):
            if isinstance(spec.get(key), str):
                out.append(_split_path(spec[key]))
        if isinstance(spec.get("expect"), str) and "at" not in spec:
            out += [_split_path(p) for p in expr.referenced_paths(spec["expect"]) if not p.startswith("item")]
    return tuple(dict.fromkeys(p for p in out if p))


def _rule_from(spec: dict[str, Any], source: str, pack: str, trusted: bool = False) -> Rule:
    """A rule from its pack entry; a PackError (its `node` below the rule) on anything that cannot run."""
    rule_id = spec["id"]
    try:
        severity = {
            stage: Severity.parse(level)
            for stage, level in (spec.get("severity") or {}).items()
            if level not in ("-", None)
        }
        with _located(("when",)):
            when = expr.compile_expr(spec["when"], check_patterns=not trusted) if "when" in spec else None
        assertions = [_compile_assertion(a, source, ("check", i), trusted) for i, a in enumerate(spec.get("check", []))]
        with _located(("fields",)):
            fields = tuple(_split_path(f) for f in spec.get("fields", ())) or _fields_of(spec.get("check", []))
    except PackError as exc:
        raise PackError(f"{source}: rule {rule_id}: {exc}", exc.node) from None
    except (expr.ExprError, PolicyError, KeyError) as exc:
        raise PolicyError(f"{source}: rule {rule_id}: {exc}") from None
    if not assertions and rule_id not in ENGINE_RULES:
        raise PolicyError(f"{source}: rule {rule_id} has no `check`")
    return Rule(
        id=rule_id,
        slug=spec["slug"],
        summary=spec["summary"],
        severity=severity,
        why=spec.get("why", "").strip(),
        fix=spec.get("fix", "").strip(),
        example=spec.get("example", "").rstrip() + ("\n" if spec.get("example") else ""),
        question=spec.get("question"),
        high_risk_escalates=bool(spec.get("high_risk_escalates", False)),
        tags=tuple(spec.get("tags", ())),
        pack=pack,
        source=source,
        when=when,
        assertions=assertions,
        references=tuple(spec.get("references", ())),
        fields=fields,
        persons=()
        if "when" in spec
        else tuple(_split_path(a["person"]) for a in spec.get("check", []) if "person" in a and "when" not in a),
    )


def _pack_validator() -> Any:
    import json

    from checker.schema import build_validator

    schema = json.loads((resources.schemas_dir() / "policy-pack.schema.json").read_text(encoding="utf-8"))
    return build_validator(schema)


def load_pack_data(path: Path, trusted: bool = False) -> dict[str, Any]:
    return load_pack(path, trusted)[0]


Locator = Callable[[PathT], str]  # node path -> "file:line:col", for messages


def load_pack(path: Path, trusted: bool = False, within: Path | None = None) -> tuple[dict[str, Any], Locator]:
    """Read and validate one pack file; PolicyError with file:line:col on any problem.
    It is read through checker/safeio.py: with `within`, the whole resolved path must lie
    inside that folder (a pack a repository names); None: the operator's or built-in."""
    from checker import manifest as manifest_mod
    from checker import (
        safeio,
        schema,  # one formatter for schema errors: manifests, packs and configs alike
    )

    try:
        raw = safeio.read(path, safeio.MAX_SETTINGS_BYTES, within)
    except safeio.ReadError as exc:
        raise PolicyError(f"{path}: cannot read policy pack: {exc}") from None
    if trusted:
        # The built-in pack is validated by the test suite; libyaml's constructor is faster.
        import yaml

        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return data, lambda node: str(path)
    loaded = manifest_mod.load(raw, str(path))
    if isinstance(loaded, list):
        p = loaded[0]
        raise PolicyError(f"{path}:{p.span.line}:{p.span.column}: {p.message}")
    found = schema.issues(_pack_validator(), loaded)
    if found:
        span, text, _ = found[0]
        text = text.replace("the manifest is", "the policy pack is").replace(
            "known section", "known key of a policy pack"
        )
        raise PolicyError(f"{path}:{span.line}:{span.column}: {text}")

    def locate(node: PathT) -> str:
        span = loaded.span(node)
        return f"{path}:{span.line}:{span.column}"

    return loaded.data, locate


def add_pack(
    policy: Policy, data: dict[str, Any], source: str, where: Locator | None = None, trusted: bool = False
) -> None:
    """Compile a pack's rules into `policy`. `trusted` (the built-in pack, which the test suite
    compiles in full) leaves matches() patterns to be compiled when first used."""
    pack = data.get("name", Path(source).stem)
    for qid, text in (data.get("questions") or {}).items():
        policy.questions.setdefault(qid, text)
    # A pack's settings override those of the packs loaded before it (what it extends).
    policy.settings.update(data.get("settings") or {})
    for index, spec in enumerate(data.get("rules", [])):
        at = where(("rules", index)) if where else source
        _check_settings(spec, policy.settings, ("rules", index), where, source)
        try:
            rule = _rule_from(spec, source, pack, trusted)
        except PolicyError as exc:
            if isinstance(exc, PackError) and where:
                at = where(("rules", index) + exc.node)
            raise PolicyError(f"{at}: {str(exc).removeprefix(source + ': ')}") from None
        for existing in policy.rules.values():
            if existing.id == rule.id or existing.slug == rule.slug:
                raise PolicyError(
                    f"{at}: rule {rule.id} ({rule.slug}) collides with {existing.id} ({existing.slug}) from {existing.source}"
                )
        if rule.question and rule.question not in policy.questions:
            raise PolicyError(f"{at}: rule {rule.id} names unknown question {rule.question}")
        policy.rules[rule.id] = rule
    policy.sources.append(source)


def _check_settings(spec: Any, settings: dict[str, Any], base: PathT, where: Locator | None, source: str) -> None:
    """Every `settings.NAME` a rule's expressions read is set by this pack or one loaded before it:
    a misspelt name would read as null and quietly switch the rule off."""

    def walk(node: Any, where: PathT) -> Iterator[tuple[PathT, str]]:
        if isinstance(node, dict):
            for key in ("when", "expect"):
                if isinstance(node.get(key), str):
                    yield where + (key,), node[key]
            for i, inner in enumerate(node.get("check") or []):
                yield from walk(inner, where + ("check", i))

    for node, text in walk(spec, ()):
        for name in expr.referenced_settings(text):
            if name not in settings:
                known = ", ".join(sorted(settings)) or "none"
                at = where(tuple(base) + node) if where else source
                raise PolicyError(
                    f"{at}: rule {spec.get('id')}: unknown setting `settings.{name}` "
                    f"(set it under the pack's `settings:`; known: {known})"
                )


_BUILTIN: Policy | None = None
CATALOGUE_MODULE = Path(__file__).with_name("_catalogue.py")  # policies/core.yaml, parsed at build time


def load_builtin() -> Policy:
    """The built-in catalogue (policies/core.yaml), compiled once per process."""
    global _BUILTIN
    if _BUILTIN is None:
        path = resources.policies_dir() / "core.yaml"
        policy = Policy()
        add_pack(policy, _builtin_data(path), str(path), trusted=True)
        _BUILTIN = policy
    return _BUILTIN


def _builtin_data(path: Path) -> dict[str, Any]:
    """core.yaml's data. Parsing its 64 KB of YAML was most of the catalogue's cost on every
    run, so checker/_catalogue.py holds it parsed (as Python literals: byte code loads it in
    well under a millisecond), used while it was made from these very bytes (schema.prebuilt);
    an edited core.yaml is parsed afresh."""
    from checker.schema import prebuilt

    built = prebuilt(path.read_bytes(), "SOURCE", "DATA")
    return built if built is not None else load_pack_data(path, trusted=True)


def catalogue_module_text(path: Path | None = None, schema: Path | None = None) -> str:
    """The source of checker/_catalogue.py for core.yaml and the v1 manifest schema as they are now."""
    import json
    import pprint

    path = path or resources.policies_dir() / "core.yaml"
    schema = schema or resources.schema_path("v1")
    raw, schema_raw = path.read_bytes(), schema.read_bytes()
    data = load_pack_data(path, trusted=True)
    return (
        '"""policies/core.yaml and schemas/ai-production.v1.schema.json, parsed: generated by\n'
        "`python -m checker.policy`; do not edit.\n\n"
        "checker.policy uses DATA only while SOURCE is core.yaml's bytes, checker.schema uses SCHEMA\n"
        "only while SCHEMA_SOURCE is the schema file's bytes (tests/test_catalogue.py).\n"
        '"""\n\n'
        "# fmt: off\n"
        f"SOURCE = {raw!r}\n"
        f"DATA = {pprint.pformat(data, width=120, sort_dicts=False)}\n"
        f"SCHEMA_SOURCE = {schema_raw!r}\n"
        f"SCHEMA = {pprint.pformat(json.loads(schema_raw), width=120, sort_dicts=False)}\n"
    )


if __name__ == "__main__":
    CATALOGUE_MODULE.write_text(catalogue_module_text(), encoding="utf-8")
    print(f"wrote {CATALOGUE_MODULE}")
