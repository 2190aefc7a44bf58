"""Policy packs cannot hang or crash a run, whatever the pack and whatever the manifest.

A pack found in a repository is untrusted input (cli.md v1.1). Anything in it that could
not run is a pack error at load time: exit 2 and one stderr line naming pack.yaml:LINE:COL
of the offending node. Anything a manifest holds is judged without an internal error: the
engine's "could not evaluate … please report this" must be unreachable, which the
hypothesis tests below check by building random expressions, rules and manifest data.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import subprocess_env
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker import expr
from checker.checks import rules as named
from checker.git import rules as _git_rules  # noqa: F401  (registers the git-aware named checks in named.REGISTRY)
from checker.manifest import Manifest
from checker.policy import Policy, PolicyError, add_pack
from checker.ruleapi import RuleContext

TODAY = "2026-11-26"
MANIFEST = """\
apiVersion: aipolicy/v1
system:
  id: small-system
  name: Small system
  description: A minimal manifest.
  type: classifier
stage: pilot
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
"""
HEAD = "apiVersion: aipolicy/policy-v1\nrules:\n  - id: ACME-X-001\n    slug: x\n    summary: s\n    severity: {pilot: error}\n"
PROBE = """\
import json, sys
from checker.cli import main
code = main(sys.argv[1:])
sys.stdout.write("\\n@@MODULES@@" + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def check(
    folder: Path, pack: str | None, manifest: str = MANIFEST, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`aipolicy check` in a fresh interpreter (RE2 writes to stderr from C, which capsys would miss).
    The timeout turns a hang into a failure."""
    (folder / "ai-production.yaml").write_text(manifest, encoding="utf-8")
    args = ["check", "--today", TODAY, "--format", "json", "ai-production.yaml"]
    if pack is not None:
        (folder / "pack.yaml").write_text(pack, encoding="utf-8")
        args += ["--policy", "pack.yaml"]
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=folder,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def position(pack: str, marker: str) -> str:
    """`pack.yaml:LINE:COL` of the first occurrence of `marker` (1-based, as editors count)."""
    offset = pack.index(marker)
    line = pack.count("\n", 0, offset) + 1
    return f"pack.yaml:{line}:{offset - (pack.rfind(chr(10), 0, offset) + 1) + 1}"


def expect_rule(expression: str) -> str:
    return HEAD + f"    check:\n      - expect: {json.dumps(expression)}\n"


def when_rule(expression: str) -> str:
    return HEAD + f"    when: {json.dumps(expression)}\n    check:\n      - require: system.id\n"


def call_rule(name: str, args: str) -> str:
    return HEAD + f"    check:\n      - call: {name}\n        args: {args}\n"


# (pack text, the text at which the error must point, what the message says)
HOSTILE = {
    "backreference": (expect_rule(r"matches(system.id, '(a)\1')"), '"matches', "regular expression.*RE2"),
    "lookahead": (expect_rule("matches(system.id, '(?=a)a')"), '"matches', "regular expression.*RE2"),
    "lookbehind": (expect_rule("matches(system.id, '(?<=a)b')"), '"matches', "regular expression"),
    "unbalanced pattern": (expect_rule("matches(system.id, '(')"), '"matches', "regular expression"),
    "repetition RE2 refuses": (
        expect_rule("matches(system.id, '((a{100}){100}){100}')"),
        '"matches',
        "regular expression",
    ),
    "pattern that is not a literal": (
        expect_rule("matches(system.id, system.name)"),
        '"matches',
        "quoted regular expression",
    ),
    "10,000 nested parentheses": (when_rule("(" * 10_000 + "true" + ")" * 10_000), '"(((', "nest more than"),
    "nested calls": (expect_rule("len(" * 200 + "system.id" + ")" * 200), '"len(', "nest more than"),
    "nested lists": (expect_rule("system.id in " + "[" * 200 + "]" * 200), '"system', "nest more than"),
    "integer past the digit limit": (expect_rule("len(system.id) < " + "9" * 5000), '"len', "too many digits"),
    "expression index that is not a number": (expect_rule("present(system.x[²])"), '"present', "unexpected character"),
    "expression index past any list": (
        expect_rule("present(data.sources[" + "9" * 30 + "])"),
        '"present',
        "past any list",
    ),
    "require index that is not a number": (
        HEAD + "    check:\n      - require: data.sources[first].name\n",
        "data.sources[first]",
        "not a number",
    ),
    "require index without digits": (
        HEAD + "    check:\n      - require: data.sources[].name\n",
        "data.sources[]",
        "not a number",
    ),
    "person index past any list": (
        HEAD + "    check:\n      - person: owners.list[100000]\n",
        "owners.list",
        "past any list",
    ),
    "each index that is not a number": (
        HEAD + "    check:\n      - each: data.sources[-1]\n        check: [{require: item.name}]\n",
        "data.sources[-1]",
        "not a number",
    ),
    "at index that is not a number": (
        HEAD + "    check:\n      - expect: present(system.id)\n        at: system.x[y]\n",
        "system.x[y]",
        "not a number",
    ),
    "nested each with a bad expression": (
        HEAD + '    check:\n      - each: data.sources\n        check:\n          - expect: "item.name =="\n',
        '"item.name',
        "ends too early",
    ),
    "unknown named check": (HEAD + "    check:\n      - call: no_such_check\n", "no_such_check", "unknown named check"),
    "unknown call argument": (call_rule("rollback_tested", "{max_days: 30}"), "30}", "takes no argument `max_days`"),
    "argument for a check that takes none": (
        call_rule("placeholders", "{strict: true}"),
        "true}",
        "takes no argument `strict`",
    ),
    "argument of the wrong type": (call_rule("rollback_tested", "{max_age_days: soon}"), "soon", "must be int"),
    "boolean for a number": (call_rule("review_due", "{max_months: true}"), "true}", "must be int"),
    "unknown function": (when_rule("eval('1')"), '"eval', "unknown function"),
    "100,000-character expression that ends early": (
        when_rule("present(system.id) and " * 4_400 + "not"),
        '"present',
        "ends too early",
    ),
    "multi-line expression with an error": (
        HEAD + "    when: |\n      present(system.id)\n      and )\n    check: [{require: system.id}]\n",
        "|",
        "unexpected `\\)`",
    ),
}


@pytest.mark.parametrize("pack,marker,message", HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_pack_is_a_pack_error_naming_the_offending_node(
    tmp_path: Path, pack: str, marker: str, message: str
) -> None:
    proc = check(tmp_path, pack)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr  # RE2's own log line would be a second one
    line = proc.stderr
    assert line.startswith("aipolicy: error: ")
    assert re.search(r"(?:^|/| )" + re.escape(position(pack, marker)) + ": ", line), line
    assert re.search(message, line), line
    assert len(line) < 400  # the expression is quoted as a short excerpt, not in full


def findings_of(proc: subprocess.CompletedProcess[str]) -> list[dict]:
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "please report" not in proc.stdout
    return json.loads(proc.stdout[: proc.stdout.rindex("@@MODULES@@")])["findings"]


def test_catastrophic_backtracking_pattern_finishes_on_a_long_manifest_value(tmp_path: Path) -> None:
    # With Python's `re`, `(a+)+$` against "aaaa…b" takes exponential time; RE2 is linear.
    manifest = MANIFEST.replace("A minimal manifest.", "a" * 100_000 + "b")
    pack = expect_rule("not matches(system.description, '(a+)+$') and not matches(system.description, '(x+x+)+y')")
    findings = findings_of(check(tmp_path, pack, manifest, timeout=60))
    assert "ACME-X-001" not in [f["rule"] for f in findings]  # neither pattern matches


@pytest.mark.parametrize(
    "expression",
    [
        "present(system.id) and " * 4_400 + "present(system.id)",
        "false or " * 10_000 + "present(system.id)",
        "not " * 10_000 + "present(system.id)",
        # the call is a level too: MAX_NESTING levels in all
        "(" * (expr.MAX_NESTING - 1) + "present(system.id)" + ")" * (expr.MAX_NESTING - 1),
    ],
    ids=["long and chain", "long or chain", "ten thousand nots", "deepest nesting allowed"],
)
def test_long_valid_expressions_load_and_evaluate(tmp_path: Path, expression: str) -> None:
    findings = findings_of(check(tmp_path, when_rule(expression).replace("require: system.id", "expect: 'false'")))
    assert "ACME-X-001" in [f["rule"] for f in findings]  # the condition held, so the rule ran


def test_a_plain_check_does_not_import_re2_and_a_pack_with_matches_does(tmp_path: Path) -> None:
    plain = check(tmp_path, None)
    assert "re2" not in json.loads(plain.stdout[plain.stdout.rindex("@@MODULES@@") + len("@@MODULES@@") :])
    with_pack = check(tmp_path, expect_rule("matches(system.id, '^[a-z-]+$')"))
    assert "re2" in json.loads(with_pack.stdout[with_pack.stdout.rindex("@@MODULES@@") + len("@@MODULES@@") :])


def test_every_pattern_in_every_shipped_pack_compiles_with_re2() -> None:
    # The built-in pack defers compiling its patterns (no re2 import on a plain run); this is its load-time check.
    from checker import resources
    from checker.policy import load_pack

    core = Policy()
    data, where = load_pack(resources.policies_dir() / "core.yaml")
    add_pack(core, data, "core.yaml", where)  # untrusted: every matches() pattern compiled now
    for path in sorted(resources.policies_dir().glob("*.yaml")):
        if path.stem != "core":
            data, where = load_pack(path)
            add_pack(core.copy(), data, str(path), where)  # other packs answer core's questions


# -- evaluation is total: random expressions over random manifest data ----------------------------

SECTIONS = sorted(expr.TOP_LEVEL)
KEYS = st.sampled_from(SECTIONS[:6] + ["name", "id", "value", "x", "list"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "P7D",
            "PT4H",
            "P" + "9" * 5000 + "D",
            "12h",
            "2026-01-01",
            "*/² * * * *",
            "1" * 5000 + " * * * *",
            "@daily",
            "TBD",
            "a\ud800b",
            "a" * 200 + "b",
        ]
    ),
    st.dates(),
    st.datetimes(),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)
MANIFEST_DATA = st.dictionaries(st.sampled_from(SECTIONS), DATA, max_size=6)

PATHS = st.builds(
    lambda head, rest: head + rest,
    st.sampled_from(SECTIONS + ["item"]),
    st.lists(
        st.one_of(
            st.sampled_from([".name", ".id", ".value", ".x", ".list"]), st.integers(0, 5).map(lambda i: f"[{i}]")
        ),
        max_size=4,
    ).map("".join),
)
LITERALS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.text(alphabet="abc xyz-", max_size=8).map(lambda t: f"'{t}'"),
    st.sampled_from(["true", "false", "null", "high", "[]"]),
)
PATTERNS = st.sampled_from(["'(a+)+$'", "'^x'", "'(?i)latest$'", "''", "'[0-9]+'"])


def _call(name: str, arity: int, args: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    if name == "matches":
        return st.tuples(args, PATTERNS).map(lambda a: f"matches({a[0]}, {a[1]})")
    return st.lists(args, min_size=arity, max_size=arity).map(lambda a: f"{name}({', '.join(a)})")


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])
    return st.one_of(
        st.tuples(inner, ops, inner).map(" ".join),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        *[_call(name, arity, inner) for name, (arity, _) in sorted(expr.FUNCTIONS.items())],
    )


EXPRESSIONS = st.recursive(st.one_of(PATHS, LITERALS), _extend, max_leaves=12)
TODAY_DATE = datetime.date(2026, 11, 26)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=EXPRESSIONS, data=MANIFEST_DATA, item=DATA)
def test_any_expression_over_any_manifest_data_is_true_or_false(text: str, data: dict, item: object) -> None:
    try:
        node = expr.compile_expr(text)
    except expr.ExprError:
        return  # a pack error at load time, never at evaluation
    assert node(expr.Context(data, TODAY_DATE, item)) in (True, False)


ASSERTIONS = st.one_of(
    PATHS.map(lambda p: {"require": p}),
    PATHS.map(lambda p: {"person": p}),
    st.tuples(EXPRESSIONS, PATHS).map(
        lambda t: {"expect": t[0], "at": t[1].removeprefix("item").lstrip(".") or "system"}
    ),
    st.tuples(PATHS, EXPRESSIONS).map(
        lambda t: {
            "each": t[0].removeprefix("item").lstrip(".") or "data",
            "check": [{"expect": t[1]}, {"require": "item.name"}],
        }
    ),
    st.sampled_from(sorted(named.REGISTRY)).map(lambda name: {"call": name}),
    st.tuples(st.sampled_from(["rollback_tested", "business_target"]), st.integers(0, 10**12)).map(
        lambda t: {
            "call": t[0],
            "args": {"max_age_days" if t[0] == "rollback_tested" else "max_baseline_age_days": t[1]},
        }
    ),
    st.integers(0, 10**12).map(lambda n: {"call": "review_due", "args": {"max_months": n, "high_risk_max_months": n}}),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
# Each of these was an internal error ("please report this") before evaluation was made total.
@example(checks=[{"expect": "system.tags in system"}], when=None, data={"system": {"tags": [1]}}, high=False)
@example(
    checks=[{"expect": "days(rollback.rto) > 1"}],
    when=None,
    data={"rollback": {"rto": "P" + "9" * 5000 + "D"}},
    high=False,
)
@example(
    checks=[{"expect": "valid_schedule(retraining.schedule)"}],
    when=None,
    data={"retraining": {"schedule": "*/² * * * *"}},
    high=False,
)
@example(
    checks=[{"call": "review_due", "args": {"max_months": 10**12, "high_risk_max_months": 10**12}}],
    when=None,
    data={"governance": {"next_review": datetime.date(2027, 1, 1), "last_review": datetime.date(2026, 1, 1)}},
    high=False,
)
@example(checks=[{"call": "refs_exist"}], when=None, data={"evidence": {"x_ref": "a" * 300}}, high=False)
@given(
    checks=st.lists(ASSERTIONS, min_size=1, max_size=3),
    when=st.none() | EXPRESSIONS,
    data=MANIFEST_DATA,
    high=st.booleans(),
)
def test_no_rule_a_pack_can_hold_fails_internally_on_any_manifest(
    tmp_path: Path, checks: list, when: str | None, data: dict, high: bool
) -> None:
    from checker.evaluate import _run

    spec = {"id": "ACME-F-001", "slug": "f", "summary": "s", "severity": {"pilot": "error"}, "check": checks}
    if when is not None:
        spec["when"] = when
    policy = Policy()
    try:
        add_pack(policy, {"rules": [spec]}, "pack.yaml")
    except PolicyError:
        return  # refused at load time, with its place
    ctx = RuleContext(Manifest("ai-production.yaml", data), TODAY_DATE, tmp_path, high, "pilot")
    problems = _run(policy.rules["ACME-F-001"], ctx)
    assert not [p.message for p in problems if "please report" in p.message]
