"""What names a finding and its rule the same way in every format read by a code host.

A fingerprint is what code scanning (SARIF `partialFingerprints`) and GitLab's
merge request widget (Code Quality `fingerprint`) use to tell an old finding
from a new one, so it hashes what stays the same while the finding does: the
rule, the repository-relative path, the JSON path of the node, and which
occurrence of that triple it is in the report. Not the message (a relaxed
threshold changes the numbers in it, not the problem) and not the line (adding
a section above moves it). The occurrence keeps two findings of one rule at
one node apart: GitLab shows findings with one fingerprint as a single entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from checker import RULES_DOC
from checker.findings import Finding
from checker.report.paths import repo_relative


def fingerprints(findings: Iterable[Finding], root: str) -> list[str]:
    """One fingerprint per finding, in order; unique within the list.

    Take them over the whole report (suppressed findings included) before a
    format leaves anything out, so what one format omits never renumbers the rest.
    """
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for f in findings:
        key = (f.rule, repo_relative(f.path, root), f.json_path)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        material = "\0".join((*key, str(occurrence)))
        out.append(hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest())
    return out


def help_uri(rule_id: str) -> str:
    """The rule's documentation: SARIF `helpUri`, JSON `help_uri`, rdjson `code.url`.
    Rules of custom packs get the same form of link as built-in ones."""
    return f"{RULES_DOC}#{rule_id.lower()}"
