"""From everything the rules found in one file to the findings a person reads.

Two steps, after select/ignore, severity caps and waivers have had their say:

- **fold**: one finding per manifest node. When several rules report the same
  node (`owners.business.name: TODO` is both a placeholder and an unnamed
  business owner), the most severe finding is shown; on a tie, the rule that
  owns the field wins over the generic placeholder rule. The others are named
  in its `also`, so JSON, SARIF and JUnit still say which rules failed.
- **cap**: at most `CAP` findings per rule per file, then one finding saying
  how many more there are, so a file with 50,000 unknown keys is read in the
  time and memory of a normal one.

Folding only changes what is shown: the diagnostic was computed from every
problem before it.
"""

from __future__ import annotations

from checker.findings import Finding

# A manifest node: its json path and where it starts (line, column).
_Node = tuple[str, int, int]

CAP = 100  # findings per rule per file; the rest are counted in one more finding
PLACEHOLDER_RULE = "AIP-SCH-003"


def _rank(f: Finding) -> tuple[int, bool, tuple[str, int, int, str, str]]:
    # Most severe first; then the field's own rule before the generic placeholder rule.
    return (-f.severity, f.rule == PLACEHOLDER_RULE, f.sort_key())


def fold(findings: list[Finding]) -> list[Finding]:
    """One active finding per node (its json path, at one position); suppressed findings
    and findings about the file as a whole (`$`: YAML errors) stay as they are."""
    groups: dict[_Node, list[Finding]] = {}
    order: list[Finding | _Node] = []
    for f in findings:
        if f.suppressed or f.json_path == "$":
            order.append(f)
            continue
        node: _Node = (f.json_path, f.span.line, f.span.column)
        if node not in groups:
            groups[node] = []
            order.append(node)
        groups[node].append(f)
    out: list[Finding] = []
    for entry in order:
        if isinstance(entry, Finding):
            out.append(entry)
            continue
        group = groups[entry]
        if len(group) == 1:
            out.append(group[0])
            continue
        best = min(group, key=_rank)
        others = tuple(g for f in group if f is not best for g in (f._replace(folded=()), *f.folded))
        out.append(best._replace(folded=best.folded + others))
    return out


def cap(findings: list[Finding], limit: int = CAP) -> list[Finding]:
    """At most `limit` findings per rule (in document order), then one that counts the rest."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    if all(n <= limit for n in counts.values()):
        return findings
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for f in sorted(findings, key=Finding.sort_key):
        n = seen[f.rule] = seen.get(f.rule, 0) + 1
        if counts[f.rule] <= limit or n <= limit:
            out.append(f)
        elif n == limit + 1:
            rest = [g for g in findings if g.rule == f.rule]
            rest = sorted(rest, key=Finding.sort_key)[limit:]
            worst = max(rest, key=lambda g: (not g.suppressed, g.severity))
            more = len(rest)
            out.append(
                f._replace(
                    severity=worst.severity,
                    suppressed_by=worst.suppressed_by,
                    folded=(),
                    message=f"{more} more {f.rule} findings in this file are not shown "
                    f"(the first {limit} are); fix those, then run aipolicy again",
                )
            )
    return out
