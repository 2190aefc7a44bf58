"""`aipolicy coverage --framework NAME [PATH…]`: a framework's requirements, the rules that check
each, and how every manifest under PATHs stands on each rule (spec: cli.md).

The framework is a built-in pack with a `requirements:` list (policies/eu-ai-act.yaml,
nist-ai-600-1.yaml, iso-42001.yaml): each requirement names the rules that check it, or says
why a manifest cannot show it. The manifests are checked as `aipolicy check` checks them
(same configuration, packs and git rules; checker/session.py), with the framework's pack
loaded in addition. The baseline is not applied: a finding it knows is still a gap.

Per manifest and rule the status is `fail` (an error), `warn` (a warning), `note`, `waived`
(every finding silenced by a waiver), `pass`, `n/a` (the rule's `when` is false, or the rule
is off at the manifest's stage) or `not checked` (the manifest could not be read, or the rule
is left out by select/ignore). A requirement's status per manifest is the first of
fail, warn, note, not checked, waived, pass, n/a among its rules' statuses.

Coverage is a report, not a gate: it exits 0 whatever it finds, 2 on a usage error.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from checker import __version__
from checker.errors import UsageError
from checker.records import field, record
from checker.textsafe import code, json_text, printable

FORMATS = ("text", "md", "json")
# A requirement's status is the first of these among its rules' statuses.
PRECEDENCE = ("fail", "warn", "note", "not checked", "waived", "pass", "n/a")
NOT_CHECKABLE = "not checkable from a manifest"


class Requirement(NamedTuple):
    id: str
    title: str
    rules: tuple[str, ...] = ()
    why: str = ""
    note: str = ""

    @property
    def checkable(self) -> bool:
        return bool(self.rules)


class Status(NamedTuple):
    status: str
    reason: str = ""  # why n/a or not checked, or the first finding's message


class Manifest(NamedTuple):
    label: str  # M1, M2, …
    path: str
    system_id: str | None
    stage: str | None


@record
class Coverage:
    framework: str
    description: str
    today: datetime.date
    requirements: list[Requirement]
    manifests: list[Manifest]
    rules: dict[str, tuple[str, str]]  # id -> (slug, summary), in requirement order
    statuses: dict[str, list[Status]] = field(default_factory=dict)  # rule id -> one per manifest

    def requirement_status(self, requirement: Requirement, index: int) -> str:
        found = {self.statuses[rule][index].status for rule in requirement.rules}
        return next((s for s in PRECEDENCE if s in found), "n/a")


def frameworks() -> list[str]:
    """The built-in packs that carry a `requirements:` list."""
    from checker import packs

    return [name for name in packs.builtin_packs() if _pack_data(name).get("requirements")]


def _pack_data(name: str) -> dict[str, Any]:
    from checker import resources
    from checker.policy import load_pack

    return load_pack(resources.policies_dir() / f"{name}.yaml")[0]


def requirements_of(name: str) -> list[Requirement]:
    return [
        Requirement(
            str(item["id"]), item["title"], tuple(item.get("rules", ())), item.get("why", ""), item.get("note", "")
        )
        for item in _pack_data(name).get("requirements", [])
    ]


def coverage(
    *,
    framework: str,
    paths: list[Path],
    fmt: str,
    output: Path | None,
    today: datetime.date | None,
    config_path: Path | None,
    policies: list[Path],
    max_bytes: int,
) -> int:
    from checker import discover, notes, safeio, session

    notes.set_quiet(False)
    known = frameworks()
    if framework not in known:
        raise UsageError(f"unknown framework '{printable(framework)}' (known: {', '.join(known)})")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{printable(fmt)}' (known: {', '.join(FORMATS)})")
    config, policy = session.load_settings(config_path, [*policies, Path(f"builtin:{framework}")])
    requirements = requirements_of(framework)
    day = today or datetime.date.today()
    if output is not None and not output.resolve().parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")
    paths = paths or [Path(".")]
    for path in paths:
        if safeio.is_stdin(path):
            raise UsageError("coverage reads manifests from files and folders; '-' (standard input) is not supported")
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
    patterns = discover.DEFAULT_NAMES + tuple(config.manifest_names)
    unlisted: list[tuple[Path, str]] = []
    files = discover.discover(paths, patterns, unlisted)
    read = {**session._settings_files(config, policy), **{os.path.realpath(f): "a manifest" for f in files}}
    if output is not None and discover.is_manifest_name(output.name, patterns):
        read.setdefault(os.path.realpath(output), "a manifest")
    session._refuse_overwrite(output, read)
    report, rules = session.check_all_paths(
        paths, files, unlisted, config=config, policy=policy, today=day, max_bytes=max_bytes
    )
    data = _manifest_data(files, max_bytes)
    selected, ignored, _ = rules
    description = _pack_data(framework).get("description", "")
    result = build(
        framework,
        description,
        requirements,
        report,
        policy,
        data,
        day,
        lambda rule_id: (selected is not None and rule_id not in selected) or rule_id in ignored,
    )
    session.write_report(render(fmt, result), output)
    return 0


def _manifest_data(files: list[Path], max_bytes: int) -> dict[str, Any]:
    """Display path -> the parsed manifest (None when it cannot be read), for the rules' `when`."""
    from checker import engine, safeio
    from checker import manifest as manifest_mod

    out: dict[str, Any] = {}
    for path in files:
        try:
            loaded = manifest_mod.load(safeio.read(path, max_bytes, None), str(path))
        except safeio.ReadError:
            loaded = []
        out[engine.display_path(path)] = None if isinstance(loaded, list) else loaded.data
    return out


def build(
    framework: str,
    description: str,
    requirements: list[Requirement],
    report: Any,
    policy: Any,
    data: dict[str, Any],
    today: datetime.date,
    left_out: Any = lambda rule_id: False,
) -> Coverage:
    """The coverage table of `report`'s results (checker.findings.Report) under `policy`;
    `left_out(rule_id)`: whether select or ignore leaves the rule out of the run."""
    results = sorted(report.results, key=lambda r: r.path)
    manifests = [Manifest(f"M{i}", r.path, r.system_id, r.stage) for i, r in enumerate(results, 1)]
    ordered = list(dict.fromkeys(rule for req in requirements for rule in req.rules))
    rules = {
        rid: (policy.rules[rid].slug, policy.rules[rid].summary) if rid in policy.rules else ("", "unknown rule")
        for rid in ordered
    }
    cov = Coverage(framework, description, today, requirements, manifests, rules)
    for rid in ordered:
        rule = policy.rules.get(rid)
        cov.statuses[rid] = [_status(rule, rid, r, data.get(r.path), policy, today, left_out(rid)) for r in results]
    return cov


def _status(rule: Any, rid: str, result: Any, data: Any, policy: Any, today: datetime.date, left_out: bool) -> Status:
    from checker import expr

    if rule is None:
        return Status("not checked", f"{rid} is not a loaded rule")
    mine = [g for f in result.findings for g in (f, *f.folded) if g.rule == rid]
    active = [f for f in mine if not f.suppressed]
    for label, status in (("error", "fail"), ("warning", "warn"), ("note", "note")):
        hit = [f for f in active if f.severity.label == label]
        if hit:
            return Status(status, hit[0].message)
    if mine:
        return Status("waived", mine[0].suppressed_by or "")
    if data is None:
        return Status("not checked", "the manifest could not be read")
    if left_out:
        return Status("not checked", "left out by select or ignore")
    if result.stage is not None and rule.severity_at(result.stage) is None:
        return Status("n/a", f"off at stage {result.stage}")
    if rid not in result.rules_evaluated:
        return Status("not checked", "the manifest could not be checked (see `aipolicy check`)")
    if rule.when is not None:
        try:
            applies = bool(rule.when(expr.Context(data, today, settings=policy.settings)))
        except Exception:  # an expression that cannot be judged on this data: treat it as applying
            applies = True
        if not applies:
            return Status("n/a", "the rule's `when` is false")
    return Status("pass")


# -- rendering -------------------------------------------------------------------------------------


def render(fmt: str, cov: Coverage) -> str:
    return {"text": _text, "md": _md, "json": _json}[fmt](cov)


def _counts(cov: Coverage) -> tuple[int, int]:
    checkable = sum(1 for r in cov.requirements if r.checkable)
    return checkable, len(cov.requirements) - checkable


def _text(cov: Coverage) -> str:
    checkable, other = _counts(cov)
    out = [
        f"aipolicy coverage: builtin:{cov.framework}, {len(cov.manifests)} manifest(s), as of {cov.today.isoformat()}",
        printable(cov.description),
        "",
    ]
    for m in cov.manifests:
        out.append(f"  {m.label}  {printable(m.path)}  ({printable(m.system_id or '?')}, {printable(m.stage or '?')})")
    labels = [m.label for m in cov.manifests]
    width = max([len(s) for s in PRECEDENCE] + [len(x) for x in labels])
    head = max([len(f"{r.id}  {r.title}") for r in cov.requirements] + [len(f"  {x}") for x in cov.rules] + [11])
    head = min(head, 72)
    out += ["", ("Requirement".ljust(head) + "  " + "  ".join(x.ljust(width) for x in labels)).rstrip()]
    for req in cov.requirements:
        name = printable(f"{req.id}  {req.title}")
        if len(name) > head:
            name = name[: head - 1] + "…"
        if not req.checkable:
            out.append(f"{name.ljust(head)}  {NOT_CHECKABLE}: {printable(req.why)}")
            continue
        cells = [cov.requirement_status(req, i).ljust(width) for i in range(len(cov.manifests))]
        out.append((name.ljust(head) + "  " + "  ".join(cells)).rstrip())
        for rid in req.rules:
            cells = [s.status.ljust(width) for s in cov.statuses[rid]]
            out.append((f"  {rid}".ljust(head) + "  " + "  ".join(cells)).rstrip())
        if req.note:
            out.append(f"  note: {printable(req.note)}")
    out += ["", f"{checkable} requirements checked by rules, {other} {NOT_CHECKABLE}."]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """Built-in pack text in a Markdown table cell: one line, no pipe that ends the cell, nothing that renders."""
    value = printable(text).replace("\\", "\\\\")
    for ch in "|*_`[]<>#!~":
        value = value.replace(ch, "\\" + ch)
    return value


def _md(cov: Coverage) -> str:
    checkable, other = _counts(cov)
    out = [
        f"# Coverage: {_cell('builtin:' + cov.framework)}",
        "",
        f"{_cell(cov.description)} As of {cov.today.isoformat()}; {len(cov.manifests)} manifest(s); "
        f"{checkable} requirements checked by rules, {other} {NOT_CHECKABLE}.",
        "",
        "| | Manifest | System | Stage |",
        "|---|---|---|---|",
    ]
    for m in cov.manifests:
        out.append(f"| {m.label} | {code(m.path, table=True)} | {_c(m.system_id)} | {_c(m.stage)} |")
    labels = [m.label for m in cov.manifests]
    out += ["", "## Requirements", ""]
    out.append("| Requirement | Rules | " + " | ".join(labels) + " |")
    out.append("|---|---|" + "---|" * len(labels))
    for req in cov.requirements:
        name = f"{_cell(req.id)} {_cell(req.title)}"
        if not req.checkable:
            out.append(f"| {name} | {NOT_CHECKABLE} | " + " | ".join("—" for _ in labels) + " |")
            continue
        rules = ", ".join(code(r, table=True) for r in req.rules)
        cells = [cov.requirement_status(req, i) for i in range(len(labels))]
        out.append(f"| {name} | {rules} | " + " | ".join(cells) + " |")
    out += ["", "## Rules", ""]
    out.append("| Rule | Checks | " + " | ".join(labels) + " |")
    out.append("|---|---|" + "---|" * len(labels))
    for rid, (_slug, summary) in cov.rules.items():
        cells = [s.status for s in cov.statuses[rid]]
        out.append(f"| {code(rid, table=True)} | {_cell(summary)} | " + " | ".join(cells) + " |")
    notes = [r for r in cov.requirements if not r.checkable or r.note]
    if notes:
        out += ["", "## Not checkable from a manifest, and limits", ""]
        for req in notes:
            text = req.why if not req.checkable else req.note
            out.append(f"- **{_cell(req.id)} {_cell(req.title)}**: {_cell(text)}")
    out += [
        "",
        "Statuses: fail (an error), warn (a warning), note, waived (silenced by a waiver), pass, "
        "n/a (the rule's condition is false, or the rule is off at the manifest's stage), "
        "not checked (the manifest could not be read, or the rule was left out).",
    ]
    return "\n".join(out) + "\n"


def _c(value: str | None) -> str:
    return "—" if not value else code(value, table=True)


def _json(cov: Coverage) -> str:
    labels = [m.label for m in cov.manifests]
    doc = {
        "framework": cov.framework,
        "pack": f"builtin:{cov.framework}",
        "description": cov.description,
        "today": cov.today.isoformat(),
        "version": __version__,
        "statuses": list(PRECEDENCE),
        "manifests": [
            {"id": m.label, "path": m.path, "system_id": m.system_id, "stage": m.stage} for m in cov.manifests
        ],
        "requirements": [
            {
                "id": req.id,
                "title": req.title,
                "checkable": req.checkable,
                "rules": list(req.rules),
                **({"why": req.why} if req.why else {}),
                **({"note": req.note} if req.note else {}),
                "status": (
                    {label: cov.requirement_status(req, i) for i, label in enumerate(labels)} if req.checkable else {}
                ),
            }
            for req in cov.requirements
        ],
        "rules": [
            {
                "id": rid,
                "slug": slug,
                "summary": summary,
                "status": {
                    label: {"status": s.status, **({"reason": s.reason} if s.reason else {})}
                    for label, s in zip(labels, cov.statuses[rid])
                },
            }
            for rid, (slug, summary) in cov.rules.items()
        ],
    }
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
