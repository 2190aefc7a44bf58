"""Baselines: adopt aipolicy on a repository that already has findings.

`aipolicy check --write-baseline FILE` records the run's findings in FILE;
`--baseline FILE` (or `baseline:` in the configuration) then marks the findings
FILE records as suppressed (`Finding.suppression == "baseline"`), so only new
ones fail the run. They stay in JSON and SARIF, and are counted.

A finding is known by its rule, its file's repository-relative (posix) path and
its JSON path, never by its line: a section that moves is still the same finding,
a threshold whose value changes (and so the message) too; the same rule in
another file is not. Several findings with one key are matched up to the entry's
`count`, in file order; the rest are new. Schema and YAML errors and waiver
errors (policy.UNWAIVABLE) are never recorded and never matched.

The file (version 1), sorted by path, rule and JSON path, one field a line, no
dates or versions, so that rewriting it after a fix changes only what was fixed:

    {
      "format": "aipolicy-baseline",
      "version": 1,
      "findings": [
        {"rule": "AIP-DATA-001", "path": "models/a/ai-production.yaml",
         "json_path": "$.data.sources[1].refresh.mode", "count": 1, "message": "..."}
      ]
    }

`message` is for people reading the file; matching never looks at it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from checker.errors import UsageError
from checker.records import field, record
from checker.report.paths import repo_relative
from checker.schema import echo
from checker.textsafe import printable

if TYPE_CHECKING:
    from checker.config import Config
    from checker.findings import Finding, Report
    from checker.policy import Policy

FORMAT = "aipolicy-baseline"
VERSION = 1
STALE_SHOWN = 10  # stale entries noted one a line; the rest in one line that counts them
ABOUT = (
    "Findings recorded by `aipolicy check --write-baseline`: with --baseline (or `baseline:` in the "
    "configuration) they do not fail the run; new ones do. Entries are matched on rule, path and json_path."
)

Key = tuple[str, str, str]  # (rule, repository-relative path, json path)
Stale = tuple[str, str, str, int, int]  # a key's rule, path and json path; entries left unmatched, entries recorded


class Entry(TypedDict):
    """One entry of a baseline file's `findings`, as written."""

    rule: str
    path: str
    json_path: str
    count: int
    message: str


@record
class Baseline:
    name: str  # the file as shown in `suppressed_by` and notes: repository-relative where it can be
    counts: dict[Key, int] = field(default_factory=dict)

    def apply(self, report: Report, root: str, policy: Policy, quiet: bool = False) -> None:
        apply(report, self, root, policy, quiet)


def _never() -> frozenset[str]:
    from checker.policy import UNWAIVABLE  # schema and YAML errors, waiver errors: never silenced

    return UNWAIVABLE


def _key(f: Finding, root: str) -> Key:
    return (f.rule, repo_relative(f.path, root), f.json_path)


def check_options(
    baseline: Path | None,
    write_baseline: Path | None,
    formats: list[str],
    outputs: list[Path],
    changed_since: str | None,
    changed_only: bool,
    statistics: bool = False,
) -> None:
    """Usage errors of the baseline options, said before anything is read."""
    if write_baseline is None:
        return
    if baseline is not None:
        raise UsageError(
            "give either --baseline FILE or --write-baseline FILE, not both "
            "(--write-baseline records every current finding; it needs no old baseline)"
        )
    if formats or outputs or statistics:
        raise UsageError("--write-baseline writes the baseline and no report: drop --format, --output and --statistics")
    if changed_since is not None or changed_only:
        raise UsageError(
            "--write-baseline records every manifest's findings: drop --changed-since/--changed-only, "
            "which would leave the unchanged manifests out of it"
        )


def load(config: Config) -> Baseline | None:
    """The baseline in force (`--baseline`, else the configuration's `baseline:`), or None.
    A file the configuration names is read through checker/safeio.py inside the repository;
    `--baseline` is the operator's and read as given. Any problem is a UsageError naming the file."""
    from checker import safeio
    from checker.engine import display_path

    path = config.baseline
    if path is None:
        return None
    origin = config.origin.get("baseline", "command line")
    if origin == "command line":
        where, within = f"--baseline {path}", None
    else:
        where, within = f"{origin}: baseline: {display_path(path)}", config.baseline_within
    try:
        raw = safeio.read(path, safeio.MAX_SETTINGS_BYTES, within)
    except safeio.ReadError as exc:
        raise UsageError(f"{where}: {exc}") from None
    except ValueError as exc:  # a name the OS cannot take
        raise UsageError(f"{where}: not a usable file name ({exc})") from None
    counts = parse(raw, where)
    return Baseline(name=repo_relative(str(path), str(config.root)), counts=counts)


def parse(raw: bytes, where: str) -> dict[Key, int]:
    """The counts a baseline file records, by key; a UsageError `WHERE: what is wrong` otherwise."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not UTF-8 text; not a baseline") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError):  # a number of thousands of digits, nesting thousands deep
        raise UsageError(f"{where}: not a baseline (nested too deeply or a number too long)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(
            f'{where}: not an aipolicy baseline (no "format": "{FORMAT}"); write one with --write-baseline'
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0, not true
        shown = echo(version, 40) if isinstance(version, (int, str)) and not isinstance(version, bool) else "(missing)"
        raise UsageError(
            f"{where}: baseline version {shown} is not one this aipolicy reads "
            f"({VERSION}); write it again with --write-baseline"
        )
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f'{where}: "findings" must be a list')
    never = _never()
    counts: dict[Key, int] = {}
    for index, entry in enumerate(entries):
        at = f"{where}: findings[{index}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{at}: must be an object with rule, path, json_path and count")
        values: list[str] = []
        for name in ("rule", "path", "json_path"):
            value = entry.get(name)
            if not isinstance(value, str) or not value:
                raise UsageError(f"{at}: {name} must be a non-empty string")
            values.append(value)
        if not values[2].startswith("$"):
            raise UsageError(f"{at}: json_path must start with $")
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise UsageError(f"{at}: count must be a whole number from 1")
        if values[0] in never:
            raise UsageError(
                f"{at}: {printable(values[0])} findings are never baselined "
                "(schema, YAML and waiver errors must be fixed); remove the entry"
            )
        key: Key = (values[0], values[1], values[2])
        counts[key] = counts.get(key, 0) + count
    return counts


def apply(report: Report, baseline: Baseline, root: str, policy: Policy, quiet: bool = False) -> None:
    """Mark the findings the baseline records as suppressed; note on stderr each entry that
    matches nothing any more, of the files this run checked (an unchecked file's entries are
    not stale, nor are entries of rules this run did not evaluate in that file)."""
    never = _never()
    left = dict(baseline.counts)
    reason = f"baseline {baseline.name}"

    def take(f: Finding) -> bool:
        key = _key(f, root)
        if f.rule in never or left.get(key, 0) <= 0:
            return False
        left[key] -= 1
        return True

    for result in report.results:
        out = []
        for f in result.findings:
            if not f.suppressed:
                # Rules folded into this finding (same node) are matched too: the one shown
                # may change when severities do, and their entries are not stale.
                for other in f.folded:
                    take(other)
                if take(f):
                    f = f._replace(suppressed_by=reason, suppression="baseline")
            out.append(f)
        result.findings = out
    if not quiet:
        _note_stale(_stale(report, baseline, left, root, policy), baseline.name)


def _stale(report: Report, baseline: Baseline, left: dict[Key, int], root: str, policy: Policy) -> list[Stale]:
    checked = {repo_relative(r.path, root): r for r in report.results}
    stale: list[Stale] = []
    for key in sorted(k for k, n in left.items() if n > 0):
        rule, path, _ = key
        result = checked.get(path)
        if result is None:
            continue  # not checked in this run (a path subset, --changed-since)
        if rule in policy.rules and rule not in result.rules_evaluated:
            continue  # not evaluated there this run (stage, --select, git rules outside git, unreadable file)
        stale.append((*key, left[key], baseline.counts[key]))
    return stale


def _note_stale(stale: list[Stale], name: str) -> None:
    if not stale:
        return
    from checker.notes import note

    for rule, path, json_path, left, total in stale[:STALE_SHOWN]:
        what = (
            "matches nothing any more"
            if left == total
            else f"matches {total - left} of the {total} findings it records"
        )
        # Entries come from a file the repository holds: escaped and capped, one short line each.
        note(
            f"note: baseline {name}: {echo(rule)} in {echo(path, 200)} at {echo(json_path, 120)} {what}; "
            f"`aipolicy check --write-baseline {name}` drops it"
        )
    if len(stale) > STALE_SHOWN:
        note(f"note: baseline {name}: {len(stale) - STALE_SHOWN} more entries match nothing any more")


def write(report: Report, target: Path, root: str, quiet: bool = False) -> int:
    """Record every active finding of the report in `target`; one line on stdout says what
    was written (none with `quiet`). Exit 0: the baseline is what was asked for."""
    never = _never()
    messages: dict[Key, list[str]] = {}
    unrecorded: dict[str, int] = {}
    for f in report.findings:
        if f.suppressed:
            continue  # waived: its waiver keeps it silent, and an expired waiver must fail
        if f.rule in never:
            unrecorded[f.rule] = unrecorded.get(f.rule, 0) + 1
        for g in (f, *f.folded):
            if g.rule not in never:
                messages.setdefault(_key(g, root), []).append(g.message)
    entries: list[Entry] = [
        {"rule": rule, "path": path, "json_path": json_path, "count": len(found), "message": printable(found[0])}
        for (rule, path, json_path), found in messages.items()
    ]
    # A run over part of the repository (a subfolder, some files) rewrites the entries of
    # the files it checked and keeps the others': refreshing one folder's findings must
    # not make every other folder's old findings fail again.
    kept = _entries_of_unchecked_files(target, {repo_relative(r.path, root) for r in report.results}, root)
    entries = sorted(entries + kept, key=lambda e: (e["path"], e["rule"], e["json_path"]))
    doc = {"format": FORMAT, "version": VERSION, "about": ABOUT, "findings": entries}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a YAML escape: \u escapes keep it exact
        data = (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise UsageError(f"--write-baseline {target}: {exc.strerror or exc}") from None
    total = sum(e["count"] for e in entries)
    files = len({e["path"] for e in entries})
    line = (
        f"wrote baseline {target}: {total} finding{'' if total == 1 else 's'} "
        f"in {files} file{'' if files == 1 else 's'} ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'})"
    )
    if kept:
        others = len({e["path"] for e in kept})
        line += f"; kept {len(kept)} entr{'y' if len(kept) == 1 else 'ies'} of {others} file{'' if others == 1 else 's'} this run did not check"
    if unrecorded:
        named = ", ".join(f"{n} {rule}" for rule, n in sorted(unrecorded.items()))
        line += f"; not recorded: {named} (schema, YAML and waiver errors are never baselined: fix them)"
    if not quiet:
        sys.stdout.write(printable(line) + "\n")
    return 0


def _entries_of_unchecked_files(target: Path, checked: set[str], root: str) -> list[Entry]:
    """The entries an existing baseline at `target` holds for files not in `checked` that
    still exist (a deleted manifest's entries go); none when there is no such file or it
    is not a baseline (it is then replaced)."""
    from checker import safeio

    try:
        raw = safeio.read(target, safeio.MAX_SETTINGS_BYTES, None)
        parse(raw, str(target))  # every entry well-formed, or none is kept
        entries = json.loads(raw.decode("utf-8"))["findings"]
    except (safeio.ReadError, UsageError, ValueError, OSError):
        return []
    return [
        {
            "rule": e["rule"],
            "path": e["path"],
            "json_path": e["json_path"],
            "count": e.get("count", 1),
            "message": printable(e["message"]) if isinstance(e.get("message"), str) else "",
        }
        for e in entries
        if e["path"] not in checked and os.path.isfile(os.path.join(root, *e["path"].split("/")))
    ]


def target_folder_exists(target: Path) -> None:
    """Said before any checking, like `--output`."""
    if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
        raise UsageError(f"--write-baseline {target}: folder {target.parent} does not exist")
