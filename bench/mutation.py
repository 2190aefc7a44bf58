"""Mutation testing of aipolicy's core modules with mutmut 3 (bench-like: slow, not run in CI).

    python bench/mutation.py expr report/github      # mutate these modules, run the tests, print the scores
    python bench/mutation.py --report-only expr      # print the scores of the last run again
    python bench/mutation.py -v expr                 # also list the string-only and equivalent survivors
    python bench/mutation.py --rerun-survivors expr  # after adding tests: re-run only what was not killed

A module is named as under checker/ (`expr`, `report/github`, `checker/expr.py` also works) and must be
listed in `[tool.mutmut] only_mutate` in pyproject.toml, which also holds the test files mutmut runs.
mutmut copies checker/ (and the data files the tests read) into ./mutants/ (git-ignored), puts a
trampoline in front of every function and, for each mutant, runs only the selected tests that called
the mutated function (found by one instrumented run of the tests first). The run is `nice -n 15`
and takes minutes per module; results are kept in mutants/*.meta, so `--report-only` costs nothing.

How the score is counted, per module:

- killed: a test failed (or the process crashed) with the mutant in place; timeout: the tests ran past
  mutmut's limit (an endless loop) and count as killed, as mutmut counts them.
- string-only (excluded): a survivor that differs from the original function only in the contents of
  string literals that are prose. Its AST, with every `str` constant (f-string parts included)
  blanked, equals the original's, and every string that differs holds two words of letters
  (_PROSE): a message (ExprError texts, the notice that more findings exist), not a token, an
  operator name, an escape, a separator or a Markdown fragment. mutmut turns `"text"` into
  `"XXtextXX"` or changes its case; a survivor of that kind only shows that no test pins a message's
  wording. A mutated `' '`, `'=='`, `'%25'` or `'## aipolicy'` that survives counts as survived.
  `-v` lists the excluded ones, so the rule can be checked by reading them.
- equivalent (excluded): survivors that no test can kill because the mutant behaves exactly like the
  original. Each is listed in EQUIVALENT below with the reason, matched by function and mutated line
  (stable when mutmut renumbers mutants after an edit).
- survived: everything else that no test caught, "no tests" (no selected test calls the function)
  included. Score = (killed + timeout) / (all - string-only - equivalent). A run stopped before the
  end leaves mutants "not checked" (the last column): the score is then over the checked ones only.

What mutmut 3 does not mutate, and so is not in any score: module-level code (constants, the lambdas in
expr.FUNCTIONS), decorated functions (expr._regex is wrapped by lru_cache), and functions called only in
a subprocess the tests start (those run mutants too, but only in-process calls tie a test to a function).

The project layout needs a few things, all handled in the config or here. mutmut's default source guess
does not find `checker/` (source_paths). The tests read schemas/, policies/, examples/, docs/, ci/,
.github/ (CODEOWNERS) and README.md relative to the repository root, which inside the copy is mutants/
(also_copy). The test selection is the unit-level files: a CLI test calls nearly every expr function
(the built-in pack), and mutmut runs every test that called a function on each of its surviving mutants. A test that
starts `python -m checker` from a temporary folder would, during mutmut's instrumented first run, make
mutmut look for pyproject.toml in that folder and fail: this script writes mutants/sitecustomize.py,
which clears mutmut's "stats" mode in such child processes (the tests put mutants/ first on PYTHONPATH).
aipolicy skips files that .gitignore ignores, and the repository's .gitignore ignores mutants/, so the
script makes mutants/ a git repository of its own (`git init`, no commits) and the tests' manifests are
found. So run mutmut through this script, not `mutmut run` directly. ../shared is not copied: conftest
looks for it beside mutants/ and skips the few tests that need it (SARIF and GitLab schemas).
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUTANTS = REPO / "mutants"

# mutmut's exit codes (mutmut/stats.py) folded into the classes counted here.
STATUS = {1: "killed", 3: "killed", -11: "killed", -9: "killed", 36: "timeout", -24: "timeout", 24: "timeout"}
STATUS |= {152: "timeout", 255: "timeout", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
STATUS |= {37: "killed", None: "not checked"}

# (function as mutmut names it, the mutated line as ast.unparse prints it): why no test can tell it apart.
_PRINTABLE = (
    "the listing is the text report, which shows every lone surrogate as an escape (textsafe.printable):"
    " it always encodes as UTF-8, so the error handler is never called"
)
_FIRST = "re.split's first part is the same whatever maxsplit (1, 2 or unlimited)"
_EMPTY = "split_path skips empty names, so a leading or trailing `.` left on an item path changes nothing"
EQUIVALENT: dict[tuple[str, str], str] = {
    # checker/expr.py
    ("x__compare", "if a is None and b is None or isinstance(a, bool) or isinstance(b, bool):"): (
        "an order comparison with one None then reaches operator.lt and friends, whose TypeError returns False too"
    ),
    ("x__matches", "text = value.encode('UTF-8', 'replace').decode('utf-8')"): "codec names ignore case",
    ("x__matches", "text = value.encode('utf-8', 'replace').decode('UTF-8')"): "codec names ignore case",
    ("xǁ_Parserǁcall", "self.take(None)"): (
        "call() runs only when the next token is `(` (atom checks peek_is), and the argument loop ends only at"
        " `)` (at the end of the text or_() raises first): the token taken is the expected one either way"
    ),
    (
        "xǁ_Parserǁatom",
        "self.take(None)",
    ): "the list loop ends only at `]` (at the end of the text atom() raises first)",
    ("x_referenced_paths", "if word and re.split('[.\\\\[]', word)[0] in TOP_LEVEL | {'item'}:"): _FIRST,
    ("x_referenced_paths", "if word and re.split('[.\\\\[]', word, maxsplit=2)[0] in TOP_LEVEL | {'item'}:"): _FIRST,
    ("xǁ_Parserǁatom", "head = re.split('[.\\\\[]', text)[0]"): _FIRST,
    ("xǁ_Parserǁatom", "head = re.split('[.\\\\[]', text, maxsplit=2)[0]"): _FIRST,
    ("xǁ_Parserǁatom", "rest = self.path(text[len('item'):].lstrip(None), col)"): _EMPTY,
    ("xǁ_Parserǁatom", "rest = self.path(text[len('item'):].rstrip('.'), col)"): _EMPTY,
    ("xǁ_Parserǁ__init__", "def xǁ_Parserǁ__init__(self, text: str, check_patterns: bool=False) -> None:"): (
        "the only caller (compile_expr) always passes check_patterns"
    ),
    ("xǁ_Parserǁ__init__", "self.text = None"): "_Parser.text is never read (messages use self.shown)",
    ("xǁ_Parserǁ__init__", "kind = m.lastgroup or 'XXXX'"): (
        "every alternative of _TOKEN is a non-empty named group, so a match that advances always has a lastgroup"
    ),
    (
        "xǁ_Parserǁnot_",
        "count -= 1",
    ): "only count's parity and count == 0 are read: -n has n's parity and is 0 only when n is",
}
for _width in ("None", "21"):
    EQUIVALENT[
        (
            "xǁ_Parserǁatom",
            f"raise ExprError(f'unexpected `{{_excerpt(text, {_width})}}` at column {{col}} in `{{self.shown}}`')",
        )
    ] = "the last raise in atom() sees only operator tokens, at most 2 characters: any cut width of 3 or more is the same"
EQUIVALENT[
    ("xǁ_Parserǁatom", "raise ExprError(f'unexpected `{_excerpt(text)}` at column {col} in `{self.shown}`')")
] = EQUIVALENT[
    ("xǁ_Parserǁatom", "raise ExprError(f'unexpected `{_excerpt(text, 21)}` at column {col} in `{self.shown}`')")
]
EQUIVALENT |= {
    # checker/report/github.py
    (
        "x_escape_data",
        "return printable(text, keep='XX\\r\\nXX', commands=True).replace('%', '%25').replace('\\r', '%0D').replace('\\n', '%0A')",
    ): ("keep is tested per character and only against control characters: adding `X` to it changes nothing"),
    ("x_render", "token = hashlib.sha256(listing.encode('utf-8')).hexdigest()[:32]"): _PRINTABLE,
    (
        "x_render",
        "token = hashlib.sha256(listing.encode('UTF-8', 'replace')).hexdigest()[:32]",
    ): "codec names ignore case",
    ("x_render", "token = hashlib.sha256(listing.encode('utf-8', 'XXreplaceXX')).hexdigest()[:32]"): _PRINTABLE,
    ("x_render", "token = hashlib.sha256(listing.encode('utf-8', 'REPLACE')).hexdigest()[:32]"): _PRINTABLE,
    ("x_render", r"lines.extend(listing.rstrip('\n').split('XX\nXX'))"): (
        "the lines are joined again with `\\n`: one unsplit line joins to the same text"
    ),
    (
        "x__deadlines",
        "lines += [f'- {code(repo_relative(f.path, ctx.root))} line {f.span.line}: {message_markdown(f.message, table=None)}' for f in due[:200]]",
    ): ("table is only tested for truth: None is False"),
    ("x__manifest_block", "block += ['', suppressed[0].lower() + suppressed[1:] + '.']"): (
        "the sentence starts with a count (`1 finding suppressed…`): a digit has no case"
    ),
    ("x_message_markdown", "pos = None"): "message[None:i] is message[0:i]",
    ("x_summary_markdown", "truncated = None"): "`truncated` is only tested for truth: None and False are both false",
}

_ROOT_SPAN = "a loaded manifest always has the root's span at (): starting the walk at the empty prefix changes nothing"
EQUIVALENT |= {
    # checker/git/facts.py
    ("x_repo_path", "if refused and target is None:"): (
        "resolve_ref returns a target exactly when it refuses nothing: refused and `target is None` go together"
    ),
    ("x_repo_path", "if rel in ('.', 'XXXX') or rel.startswith('../'):"): "os.path.normpath never returns ''",
    # checker/evaluate.py
    ("xǁWaiverǁcovers", "plain = jpath[2:] if jpath.startswith('$.') else jpath.lstrip('XX$XX')"): (
        "covers() is given json_path() output: after `$` comes `.` or `[`, never an `X`"
    ),
    ("x__first_missing", "for end in range(len(path) + 1):"): _ROOT_SPAN,
    ("x__first_missing", "for end in range(1, len(path) + 2):"): (
        "the extra step looks at path[:len + 1], which is path itself, already found present on the step before"
    ),
}

_UNREAD = (
    "the diagnostic's placeholder problems are only tested for being there and matched by path against"
    " waivers (evaluate._apply): their message is never read"
)
EQUIVALENT |= {
    (
        "x__placeholders_under",
        "return [Problem(hole, None) for hole, _ in holes if any((hole[:len(f)] == f for f in rule.fields))]",
    ): _UNREAD,
    (
        "x__placeholders_under",
        "return [Problem(hole, f'`{json_path(hole)[3:]}` is a placeholder') for hole, _ in holes if any((hole[:len(f)] == f for f in rule.fields))]",
    ): _UNREAD,
    # checker/engine.py
    (
        "x_display_path",
        "base = None",
    ): "os.path.relpath(file, None) is relative to the current folder, as Path.cwd() is",
    (
        "x_display_path",
        "rel = None",
    ): "os.path.relpath raises ValueError only on Windows (another drive): not reachable on POSIX",
    (
        "x_display_path",
        "rel = 'XX..XX'",
    ): "os.path.relpath raises ValueError only on Windows (another drive): not reachable on POSIX",
    (
        "x_display_path",
        "return shown.encode('UTF-8', 'surrogateescape').decode('utf-8', 'backslashreplace')",
    ): "codec names ignore case",
    (
        "x_display_path",
        "return shown.encode('utf-8', 'surrogateescape').decode('UTF-8', 'backslashreplace')",
    ): "codec names ignore case",
    ("x_display_path", "return shown.encode('UTF-8', 'backslashreplace').decode('utf-8')"): "codec names ignore case",
    ("x_display_path", "return shown.encode('utf-8', 'backslashreplace').decode('UTF-8')"): "codec names ignore case",
}

# checker/engine.py, the second pass (a full run, 2026-12-02).
_CWD_BASE = "display_path's base defaults to Path.cwd(), which run() reads the line before: the same base"
_NOT_AT_ROOT = (
    "no schema finding is at `$`: a loaded manifest is a mapping and the v1 schema's root has only `type: object`,"
    " `required` and `additionalProperties`, whose findings name the child key"
)
_NO_X_AFTER = (
    "a rejected path is followed by `X` only in a key `<name>X...` beside a rejected one: no schema property holds"
    " an `X` and `x-` keys are free-form where they are allowed, so the schema rejects that key too and hides its"
    " findings by the key itself"
)
EQUIVALENT |= {
    ("x_run", "base = None"): _CWD_BASE,
    ("x_run", "items = [(file, display_path(file, None)) for file in files]"): _CWD_BASE,
    ("x_run", "items = [(file, display_path(file)) for file in files]"): _CWD_BASE,
    ("x_check_manifest", "result.rules_evaluated = ['AIP-SCH-002', 'AIP-SCH-001']"): (
        "both callers (_check_bytes, _check_file) pass a new ManifestResult, whose rules_evaluated is empty"
    ),
    ("x_check_manifest", "rejected = {f.json_path for f in schema_findings if f.json_path != 'XX$XX'} | held"): (
        _NOT_AT_ROOT
    ),
    (
        "x__under_any",
        "return any((path[i] in '.[' and path[:i] in prefixes for i in range(len(path) - 2, 0, -1)))",
    ): "a json path (manifest.json_path) never ends in `.` or `[`: the last index is never a separator",
    (
        "x__under_any",
        "return any((path[i] in '.[' and path[:i] in prefixes for i in range(len(path) - 1, 1, -1)))",
    ): "index 1 tests the prefix `$`, never among the prefixes: check_manifest drops `$` and misspelt fields are below it",
    (
        "x__under_any",
        "return any((path[i] in 'XX.[XX' and path[:i] in prefixes for i in range(len(path) - 1, 0, -1)))",
    ): (_NO_X_AFTER),
    ("x_read_bytes", "given = options.given.get(file) if options.given or True else None"): (
        "Options.given is always a dict (a default factory; every caller passes one): an empty one's get() is None too"
    ),
}

# checker/engine.py, the memory pass (_share, the batch's GC settings; a full run, 2026-12-02).
_TAG = (
    "the tag only keeps a rules tuple and a questions tuple apart in _SHARED (and from the strings and dates"
    " there): any other word does that as well, while the two tags differ"
)
_OLDER_GENERATIONS = (
    "set_threshold leaves the generations it is not given as they are: omitting the older ones' thresholds"
    " (10, 10 as read just before) keeps them the same"
)
EQUIVALENT |= {
    ("x__share", f"result.rules_evaluated = _shared(result.rules_evaluated, ('{tag}', *result.rules_evaluated))"): _TAG
    for tag in ("XXrulesXX", "RULES")
} | {
    ("x__share", f"result.questions = _shared(result.questions, ('{tag}', *result.questions.items()))"): _TAG
    for tag in ("XXquestionsXX", "QUESTIONS")
}
EQUIVALENT |= {
    ("x_run", "gc.set_threshold(BATCH_GC_THRESHOLD)"): _OLDER_GENERATIONS,
    ("x_run", "gc.set_threshold(BATCH_GC_THRESHOLD, *thresholds[2:])"): _OLDER_GENERATIONS,
}

# checker/evaluate.py, the second pass (a full run, 2026-12-02).
_COUNTED = "the diagnostic only counts the problems kept per rule (a question fails on a non-empty list): none is read"
_AFTER_TODAY = (
    "RuleContext.fails_from declares a deadline only for a day after today (otherwise it fails now):"
    " days is at least 1 and fails_from > today"
)
_EXPIRES_UNREAD = "Waiver.expires is never read: the expiry is judged (and declared) while the waiver is parsed"
_NOTE = "the unused-waiver problem carries its own severity (NOTE), which _finding takes before the rule's"
_STAGE_UNREAD = "RuleContext.stage is read by no rule: stage conditions read `stage` in the manifest view"
_A_LIST = "`deadlines` is always a list in evaluate(): the None branches are never taken"
_EMPTY_SLICE = "a rule that declared nothing gets an empty list in `declared`, which _upcoming and _deadline_notes skip"
_RERUN = (
    "running a question rule again for the diagnostic at production gives the same problems (the same view), and"
    " the deadlines it declares again fall outside every rule's slice of `deadlines`"
)
_WAIVER_STAGE = "_parse_waivers does not read its `stage` argument"
_FRESH = (
    "at production a fresh production context judges the question rules as ctx does (the same view, root, persons,"
    " placeholders and settings); it only collects no deadlines, which ctx's run already declared"
)
_HAS_GIT = "Options always has a `git` field (None by default): getattr's default is never used"
_SYSTEM_KEY = (
    "with `system` in the file _span places a problem at that section on its key either way; without it the"
    " schema's finding at `$.system` hides this one"
)
EQUIVALENT |= {
    ("x__deadline_notes", "if not 0 <= days <= options.warn_within:"): _AFTER_TODAY,
    (
        "x__upcoming",
        "out = [Due(deadline.fails_from, rule_id, json_path(deadline.path), deadline.what) for rule_id, found in declared.items() if rule_id not in failing and reported(rule_id) for deadline in found if deadline.fails_from >= options.today and (not any((w.covers(rule_id, json_path(deadline.path)) for w in waivers)))]",
    ): _AFTER_TODAY,
    ("x_evaluate", "start = len(deadlines) if deadlines is not None or True else 0"): _A_LIST,
    ("x_evaluate", "start = len(deadlines) if deadlines is not None else 1"): _A_LIST,
    ("x_evaluate", "wvr_ctx = replace(ctx, deadlines=[] if deadlines is not None or True else None)"): _A_LIST,
    ("x__apply", "kept.append(None)"): _COUNTED,
    ("x_evaluate", "if deadlines is not None or len(deadlines) > start:"): _EMPTY_SLICE,
    ("x_evaluate", "if deadlines is not None and len(deadlines) >= start:"): _EMPTY_SLICE,
    (
        "x__parse_waivers",
        "out.append(Waiver(index, rule, _normalise_waiver_path(item.get('path')), str(item.get('reason')).strip(), None))",
    ): _EXPIRES_UNREAD,
    (
        "x__parse_waivers",
        "out.append(Waiver(index, rule, _normalise_waiver_path(item.get('path')), str(item.get('reason')).strip()))",
    ): _EXPIRES_UNREAD,
    ("x_evaluate", "git = options.git.facts(m, options) if getattr(options, 'git') is not None else None"): _HAS_GIT,
    ("x_evaluate", "findings.append(_finding(wvr, None, m, problem))"): _NOTE,
    ("x_evaluate", "same = None"): _RERUN,
    ("x_evaluate", "answer = problems if same and False else _run(rule, prod_ctx)"): _RERUN,
    (
        "x_evaluate",
        "prod_ctx = ctx if stage == 'production' and False else RuleContext(_effective_data(m, 'production'), options.today, ctx.root, high, 'production', git=git, required_persons=policy.required_persons('production', high), placeholders=holes, settings=policy.settings)",
    ): _FRESH,
    (
        "x_evaluate",
        "ctx = RuleContext(view, options.today, _repo_root(m, options), high, None, git=git, deadlines=deadlines, required_persons=policy.required_persons(stage, high), placeholders=holes, settings=policy.settings)",
    ): _STAGE_UNREAD,
    (
        "x_evaluate",
        "prod_ctx = ctx if stage == 'production' else RuleContext(_effective_data(m, 'production'), options.today, ctx.root, high, None, git=git, required_persons=policy.required_persons('production', high), placeholders=holes, settings=policy.settings)",
    ): _STAGE_UNREAD,
    (
        "x_evaluate",
        "prod_ctx = ctx if stage == 'production' else RuleContext(_effective_data(m, 'production'), options.today, ctx.root, high, 'XXproductionXX', git=git, required_persons=policy.required_persons('production', high), placeholders=holes, settings=policy.settings)",
    ): _STAGE_UNREAD,
    (
        "x_evaluate",
        "prod_ctx = ctx if stage == 'production' else RuleContext(_effective_data(m, 'production'), options.today, ctx.root, high, 'PRODUCTION', git=git, required_persons=policy.required_persons('production', high), placeholders=holes, settings=policy.settings)",
    ): _STAGE_UNREAD,
    (
        "x_evaluate",
        "problem = Problem(('system',), missing=None, message=f'pilot purgatory: {len(unanswered)} of {len(result.questions)} production questions unanswered ({names})')",
    ): _SYSTEM_KEY,
    (
        "x_evaluate",
        "problem = Problem(('system',), message=f'pilot purgatory: {len(unanswered)} of {len(result.questions)} production questions unanswered ({names})')",
    ): _SYSTEM_KEY,
    (
        "x_evaluate",
        "problem = Problem(('system',), missing=False, message=f'pilot purgatory: {len(unanswered)} of {len(result.questions)} production questions unanswered ({names})')",
    ): _SYSTEM_KEY,
    ("x_evaluate", "waivers = _parse_waivers(policy, m, options, None, wvr_problems.append, wvr_ctx)"): _WAIVER_STAGE,
}

for _word in ("XXproductionXX", "PRODUCTION"):
    EQUIVALENT[
        (
            "x_evaluate",
            f"prod_ctx = ctx if stage == '{_word}' else RuleContext(_effective_data(m, 'production'), options.today,"
            " ctx.root, high, 'production', git=git, required_persons=policy.required_persons('production', high),"
            " placeholders=holes, settings=policy.settings)",
        )
    ] = _FRESH

# checker/git/rules.py: _git_check registers the five checks while the module is imported, which is
# before mutmut switches a mutant on (the tests run in a child forked after the import): its mutants
# change nothing any test run can see. The registered checks themselves are pinned by test_git_rules.py.
_AT_IMPORT = "runs only at import, before mutmut switches a mutant on: no test run sees it (see above)"
for _line in (
    "def x__git_check(name: str, needs_today: bool=True) -> None:",
    "if ctx.git is not None:",
    "args = None",
    "args = (ctx.manifest, ctx.git.base, ctx.git) - ((ctx.today, ctx.fails_from) if needs_today else ())",
    "args = (ctx.manifest, ctx.git.base, ctx.git) + ((ctx.today, ctx.fails_from) if needs_today and False else ())",
    "args = (ctx.manifest, ctx.git.base, ctx.git) + ((ctx.today, ctx.fails_from) if needs_today or True else ())",
    "register(name)(None)",
    "register(None)(check)",
):
    EQUIVALENT[("x__git_check", _line)] = _AT_IMPORT

EQUIVALENT[("x__drift", "left.append((1, before))")] = (
    "the monitors left unmatched are read as `for _, before in olds`: the number beside each is never read"
)

EQUIVALENT[("xǁ_Builderǁtake_key", "where = f' (first defined at line {first.line})' if first else 'XXXX'")] = (
    "a key already in the mapping was stored with its key span (take_key and scalar() set both): `first` is never None"
)

# checker/manifest.py, the second pass (a full run, 2026-12-02).
_NONE_START = "str/bytes count() and rfind() take None as the start, which is 0"
_NO_OVERFLOW = (
    "count() is called only once the count is already past max_nodes: adding 1 more raises the same problem at"
    " the same mark"
)
_RECHECK = (
    "the inlined test only decides whether to call count(0), which tests `>` again: at exactly max_nodes it adds"
    " nothing and raises nothing"
)
_FALSY = "only read for truth (`if frame.skip`, `not quiet`, `not frame.in_ref`): None and False are both false"
EQUIVALENT |= {
    (
        "x__decode",
        "if not bom and (raw[:4] in (b'XX\\xff\\xfe\\x00\\x00XX', b'\\x00\\x00\\xfe\\xff') or raw[:2] in (b'\\xff\\xfe', b'\\xfe\\xff')):",
    ): "the UTF-32 LE mark FF FE 00 00 starts with the UTF-16 LE one, which raw[:2] catches anyway",
    ("x__decode", "return (raw[bom:].decode('UTF-8'), None)"): "codec names ignore case",
    ("x__decode", "line = raw.count(b'\\n', None, offset) + 1"): _NONE_START,
    ("x__decode", "line_start = max(raw.rfind(b'\\n', None, offset) + 1, bom)"): _NONE_START,
    ("x_load", "line = text.count('\\n', None, offset) + 1"): _NONE_START,
    ("x_load", "col = offset - (text.rfind('\\n', None, offset) + 1) + 1"): _NONE_START,
    ("x_load", "loader = ''"): "getattr('', 'dispose', None) is None, as for None: nothing is disposed of either way",
    ("x_load", "offset = text.find(chr(char)) if char is not None else -2"): "the offset is only tested for `< 0`",
    ("x_load", "if documents == 0 and builder.root is _NO_KEY or builder.root is None:"): (
        "documents == 0 exactly when the root was never set: every document holds a root node (an empty one is a"
        " null scalar), and a problem returns before this test"
    ),
    ("x_resolve_plain", "if value not in (float('INF'), float('-inf')):"): "float() reads `inf` in any case",
    ("x_resolve_plain", "if value not in (float('inf'), float('-INF')):"): "float() reads `-inf` in any case",
    ("xǁ_Builderǁ__init__", "self.manifest = Manifest(path=path, data=None)"): (
        "Manifest.data is not read while loading and load() sets it to the root before returning the manifest"
    ),
    ("xǁ_Builderǁ__init__", "self.root: Any = None"): (
        "load() treats a root never set (_NO_KEY) and a null root alike: `file is empty`"
    ),
    ("xǁ_Builderǁ__init__", "self.root_span: Span | None = ''"): (
        "root_span is set together with root (place, scalar) and read only when a root was set"
    ),
    ("xǁ_Builderǁ__init__", "self.aliased = None"): "aliased is only read as `not builder.aliased`",
    ("xǁ_Frameǁ__init__", "self.key_path: PathT = None"): (
        "key_path is read only while key holds a name, and every place that sets such a key sets key_path with it"
    ),
    ("xǁ_Builderǁstart", "skip = quiet = in_ref = None"): _FALSY,
    ("xǁ_Builderǁstart", "self.count(1, ev.start_mark)"): _NO_OVERFLOW,
    ("xǁ_Builderǁscalar", "self.count(1, ev.start_mark)"): _NO_OVERFLOW,
    ("xǁ_Builderǁstart", "if self.nodes >= self.max_nodes:"): _RECHECK,
    ("xǁ_Builderǁscalar", "if self.nodes >= self.max_nodes:"): _RECHECK,
    ("xǁ_Builderǁend", "if not frame.skip or not self.stack:"): (
        "every collection inside the root ends before it: the root, ending last, still writes the span at ()"
    ),
    ("xǁ_Builderǁtake_key", "where = f' (first defined at line {first.line})' if first or True else ''"): (
        EQUIVALENT[("xǁ_Builderǁtake_key", "where = f' (first defined at line {first.line})' if first else 'XXXX'")]
    ),
    ("x__within", "lines = text.splitlines() or ['XXXX']"): (
        "_within runs only on a parser error, and only an empty text has no lines: an empty text parses"
    ),
}

_SITECUSTOMIZE = """\
# Written by bench/mutation.py. During mutmut's instrumented first run ("stats") a test's child
# process started from another folder would look for mutmut's config there and fail; the child's
# calls are not recorded anyway, so it runs the original code.
import os
import re

if os.environ.get("MUTANT_UNDER_TEST") == "stats":
    os.environ["MUTANT_UNDER_TEST"] = ""
"""


def module_path(name: str) -> str:
    name = name.removeprefix("checker/").removeprefix("checker.").removesuffix(".py").replace(".", "/")
    return f"checker/{name}.py"


def configured() -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]["only_mutate"]


def run_mutmut(paths: list[str], names: list[str] | None = None) -> None:
    MUTANTS.mkdir(exist_ok=True)
    (MUTANTS / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    if not (MUTANTS / ".git").exists():
        # The copy is its own (empty) repository: aipolicy skips what .gitignore ignores, and
        # the repository's .gitignore ignores mutants/, so without this every manifest the
        # tests check inside the copy would be skipped.
        subprocess.run(["git", "init", "-q", str(MUTANTS)], check=True)
    globs = names or [p.removesuffix(".py").replace("/", ".") + ".*" for p in paths]
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    log = MUTANTS / "mutation-run.log"
    shown = " ".join(globs) if not names else f"<{len(names)} mutants>"
    print(f"nice -n 15 mutmut run {shown}  (log: {log.relative_to(REPO)})", flush=True)
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(
            ["nice", "-n", "15", mutmut, "run", *globs], check=False, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    if proc.returncode != 0:
        text = log.read_text(encoding="utf-8", errors="replace")
        print(text[-4000:], file=sys.stderr)
        sys.exit(f"mutmut run failed ({proc.returncode}); see {log}")


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        bodies = node.body if isinstance(node, ast.ClassDef) else [node]
        for item in bodies:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and "__mutmut_" in item.name:
                found[item.name] = item
    return found


def _blank_strings(node: ast.AST) -> ast.AST:
    node = copy.deepcopy(node)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            sub.value = ""
    return node


# Prose: two words of letters (`index {} is not a number`, `more findings are not shown`).
_PROSE = re.compile(r"[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}")


def _strings(node: ast.AST) -> list[str]:
    return [sub.value for sub in ast.walk(node) if isinstance(sub, ast.Constant) and isinstance(sub.value, str)]


def _string_only(orig: ast.AST, mutant: ast.AST) -> bool:
    """Only the contents of strings differ, and every string that differs is prose."""
    if not _same(_blank_strings(orig), _blank_strings(mutant)):
        return False
    changed = [a for a, b in zip(_strings(orig), _strings(mutant)) if a != b]
    return bool(changed) and all(_PROSE.search(a) for a in changed)


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a, include_attributes=False) == ast.dump(b, include_attributes=False)


def classify(path: str) -> tuple[Counter, list[tuple[str, str, str]]]:
    """Counts per class, and (class, mutant, changed lines) for every mutant that was not killed."""
    meta = json.loads((MUTANTS / (path + ".meta")).read_text(encoding="utf-8"))
    functions = _functions(ast.parse((MUTANTS / path).read_text(encoding="utf-8")))
    module = path.removesuffix(".py").replace("/", ".")
    counts: Counter = Counter()
    kept: list[tuple[str, str, str]] = []
    for key, code in sorted(meta["exit_code_by_key"].items()):
        status = STATUS.get(code, "suspicious")
        if status in ("killed", "timeout", "not checked"):
            counts[status] += 1
            continue
        name = key.removeprefix(module + ".")
        base = name.rsplit("__mutmut_", 1)[0]
        orig, mutant = copy.deepcopy(functions[base + "__mutmut_orig"]), copy.deepcopy(functions[name])
        orig.name = mutant.name = base
        before, after = ast.unparse(orig).splitlines(), ast.unparse(mutant).splitlines()
        diff = [
            ln for ln in difflib.unified_diff(before, after, lineterm="", n=0) if ln[:3] not in ("---", "+++", "@@ ")
        ]
        added = [ln[1:].strip() for ln in diff if ln.startswith("+")]
        line = added[0] if added else ""
        if status == "survived" and (base, line) in EQUIVALENT:
            status = "equivalent"
        elif status == "survived" and _string_only(orig, mutant):
            status = "string-only"
        counts[status] += 1
        kept.append((status, key, "  ".join(ln[0] + ln[1:].strip() for ln in diff)))
    return counts, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="modules under checker/, e.g. expr report/github")
    parser.add_argument("--report-only", action="store_true", help="do not run mutmut; score the last run")
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="run only the mutants the last run did not kill (after adding tests; the module must be unchanged)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also list string-only and equivalent survivors")
    args = parser.parse_args(argv)
    paths = [module_path(m) for m in args.modules]
    unknown = [p for p in paths if p not in configured()]
    if unknown:
        sys.exit(f"not in [tool.mutmut] only_mutate in pyproject.toml: {', '.join(unknown)}")
    os.chdir(REPO)
    if args.rerun_survivors:
        again = ("survived", "no tests", "suspicious")
        names = [key for path in paths for status, key, _ in classify(path)[1] if status in again]
        if names:
            run_mutmut(paths, names)
    elif not args.report_only:
        run_mutmut(paths)
    rows = []
    for path in paths:
        if not (MUTANTS / (path + ".meta")).is_file():
            sys.exit(f"no mutmut results for {path}: run without --report-only first")
        counts, kept = classify(path)
        for status, key, change in kept:
            if status not in ("string-only", "equivalent") or args.verbose:
                print(f"{status:12} {key}: {change}")
        total = sum(counts.values())
        # A run stopped early (or still going) leaves mutants "not checked": scored over the checked ones.
        scored = total - counts["string-only"] - counts["equivalent"] - counts["not checked"]
        caught = counts["killed"] + counts["timeout"]
        score = 100 * caught / scored if scored else 100.0
        rows.append((path, total, counts, score))
    print()
    print(
        f"{'module':28} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8} "
        f"{'string-only':>11} {'equivalent':>10} {'score':>6} {'unchecked':>9}"
    )
    for path, total, c, score in rows:
        print(
            f"{path:28} {total:7} {c['killed']:6} {c['timeout']:7} {c['survived']:8} {c['no tests']:8} "
            f"{c['string-only']:11} {c['equivalent']:10} {score:5.1f}% {c['not checked']:9}"
        )
    other = {
        k: v
        for _, _, c, _ in rows
        for k, v in c.items()
        if k not in {"killed", "timeout", "survived", "no tests", "string-only", "equivalent", "not checked"}
    }
    if other:
        print(f"also: {other} (counted as survived)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
