"""Whether a `name` is one person (spec amendment A1).

A person is one human being. A team (`ML Platform Team`), a function (`Claims
Analytics`, `MLOps`), a role (`Head of Data`, `CTO`), a rotation (`On-call`),
an alias or handle (`ml-team`, `@ml-team`) or several people (`Asha Verma and
Li Wei`, `A / B`) is not. Names from every culture and script are persons,
mononyms included, so the heuristic only ever looks for evidence *against* a
name: words that name groups, roles and rotations, separators between names,
and the shapes of handles and accounts. A name without such evidence passes.

The vocabulary leaves out words that are also names or a person's title (Head,
Service, Steward, Principal, Senior, Sales, Bot, Rota, Root, Chief, the Estonian
Org, Catalan Company, Parsi Contractor). The Spanish `y`, Portuguese `e` and
Catalan `i` that join one person's surnames (José Ortega y Gasset) join no two
people here, nor does the `und` of a German noble name (`von und zu
Guttenberg`). Acronyms that are also names (Ai, Bi) count only in capitals.
tests/person_names.py holds the labelled list this is measured on, and
bench/persons_sweep.py runs it over Faker's names in every locale.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from checker.checks import values

_GIVE_ONE = "name one accountable person"

# Whole words, any case, grouped by how the message describes the name.
_TEAM = (
    "team",
    "teams",
    "squad",
    "group",
    "groups",
    "guild",
    "chapter",
    "tribe",
    "pod",
    "crew",
    "department",
    "dept",
    "division",
    "unit",
    "committee",
    "board",
    "council",
    "office",
    "taskforce",
    "center",
    "centre",
    "desk",
    "helpdesk",
    "hub",
    "lab",
    "labs",
    "organisation",
    "organization",
    # other languages
    "équipe",
    "equipe",
    "equipo",
    "squadra",
    "abteilung",
    "gruppe",
    "afdeling",
    "zespół",
    "dział",
    "команда",
    "отдел",
    "группа",
    "ομάδα",
    "צוות",
    "فريق",
    "قسم",
    "टीम",
    "विभाग",
    "ทีม",
)
_FUNCTION = (
    "ops",
    "mlops",
    "devops",
    "dataops",
    "secops",
    "finops",
    "aiops",
    "llmops",
    "gitops",
    "modelops",
    "analytics",
    "engineering",
    "science",
    "platform",
    "platforms",
    "infrastructure",
    "infra",
    "operations",
    "support",
    "security",
    "compliance",
    "legal",
    "finance",
    "marketing",
    "procurement",
    "governance",
    "risk",
    "audit",
    "underwriting",
    "research",
    "data",
    "intelligence",
    "learning",
    "services",
    "customer",
    "business",
    "product",
    "reliability",
    "privacy",
    "accounting",
    "payroll",
    "fraud",
    "pricing",
    "payments",
    "growth",
    "prevention",
    "personalisation",
    "personalization",
    "recommendations",
    "relevance",
    "search",
    "ranking",
    "forecasting",
    "fulfilment",
    "fulfillment",
    "logistics",
    "treasury",
    "ethics",
    "quality",
    "insights",
    "reporting",
    "experimentation",
    "project",
)
_ORGANISATION = ("corp", "inc", "ltd", "llc", "gmbh", "plc", "vendor", "agency", "consultancy")
_ROLE = (
    "admin",
    "admins",
    "administrator",
    "administrators",
    "owner",
    "owners",
    "manager",
    "managers",
    "lead",
    "leads",
    "director",
    "officer",
    "architect",
    "engineer",
    "analyst",
    "scientist",
    "coordinator",
    "specialist",
    "representative",
    "maintainer",
    "maintainers",
    "approver",
    "reviewer",
    "superuser",
    "sysadmin",
    "vp",
)
_SEVERAL = (
    "everyone",
    "everybody",
    "all",
    "staff",
    "people",
    "members",
    "folks",
    "engineers",
    "analysts",
    "scientists",
    "developers",
    "reviewers",
    "approvers",
    "others",
)
# Capitals only: `Ai` and `Bi` are also family names (Ai Weiwei).
_ACRONYMS = (
    "AI",
    "ML",
    "BI",
    "IT",
    "HR",
    "QA",
    "SRE",
    "DBA",
    "NOC",
    "SOC",
    "PMO",
    "CTO",
    "CEO",
    "CFO",
    "CIO",
    "CISO",
    "CDO",
    "CDAO",
    "DPO",
    "PM",
    "TPM",
    "SVP",
    "EVP",
    "MLE",
    "DS",
)
# Where scripts write words without spaces, the word itself (`数据团队`).
_CJK_TEAM = (
    "团队",
    "小组",
    "部门",
    "部門",
    "委员会",
    "委員会",
    "平台",
    "运维",
    "中心",
    "チーム",
    "グループ",
    "팀",
    "부서",
    "본부",
)


class _Words:
    """Whether a text holds one of `words` as a whole word, in any case (or as listed).

    A whole word is a run of letters and digits (`[^\\W_]`: an underscore separates words,
    as in `data_science`). The run-split and a set lookup replace one alternation regex per
    list: compiling five of those cost ~10 ms at every start (a pre-commit hook's budget),
    and a lookup per word is faster than the alternation on every name too. A listed word
    that is not one such run (Devanagari and Thai words hold vowel signs, which are not
    letters to `\\w`) is looked for as a substring between the same boundaries instead.
    tests/test_persons.py checks this agrees with the alternation regex it replaced."""

    def __init__(self, words: tuple[str, ...], any_case: bool = True) -> None:
        self.fold = str.lower if any_case else str
        self.plain = frozenset(self.fold(w) for w in words if _RUN.fullmatch(w))
        self.odd = tuple(self.fold(w) for w in words if not _RUN.fullmatch(w))

    def search(self, text: str) -> bool:
        if any(self.fold(run) in self.plain for run in _RUN.findall(text)):
            return True
        if self.odd:
            folded = self.fold(text)
            return any(_bounded(folded, word) for word in self.odd if word in folded)
        return False


_RUN = re.compile(r"[^\W_]+")


def _bounded(text: str, word: str) -> bool:
    """`word` occurs in `text` with no letter or digit right before or after it."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if not (start and _RUN.match(text[start - 1])) and not (end < len(text) and _RUN.match(text[end])):
            return True
        start = text.find(word, start + 1)
    return False


_TEAM_WORDS, _FUNCTION_WORDS, _ROLE_WORDS, _SEVERAL_WORDS, _ORGANISATION_WORDS = map(
    _Words, (_TEAM, _FUNCTION, _ROLE, _SEVERAL, _ORGANISATION)
)
_ROTATION_RE = re.compile(
    r"(?<![^\W_])(?:on[\s_-]*call|rotation|pager(?:duty)?|duty|roster|shift|24\s*[/x]\s*7)(?![^\W_])", re.IGNORECASE
)
_ACRONYM_WORDS = _Words(_ACRONYMS, any_case=False)
# `DevOps`, `MLOps`, `FinOps`: one word ending in a capitalised Ops.
_OPS_SUFFIX = re.compile(r"[A-Za-z]Ops(?![a-z])")
_HEAD_OF = re.compile(r"(?i)(?<![^\W_])(?:head|vp|director|chief|owner|lead)\s+of(?![^\W_])")

# Between two names: `and`, `&`, `/`, `+`, `;`, `|`, `or`, `und`, `et`, the ideographic comma.
_JOINERS = re.compile(r"\s(?:and|or|und|et|oder|ou|или|и|και|و|और)\s|[&/+;|\\、，；]|\bet\s+al\b", re.IGNORECASE)
# After a comma these belong to the person before it (`Amara Okafor, MD`).
_SUFFIX = re.compile(
    r"(?i)^(?:jr|sr|ii|iii|iv|phd|ph\.\s?d|md|m\.\s?d|mba|msc|bsc|esq|cpa|rn|dds|obe|mbe|cbe|kbe|frs|facs)\.?$"
)
# Particles that go with a family name in `Last, First` order (`van der Berg, Anna`).
_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "y",
        "e",
        "i",
        "bin",
        "binti",
        "bint",
        "ibn",
        "al",
        "el",
        "ben",
        "ter",
        "ten",
        "zu",
        "st",
        "st.",
        "mac",
        "mc",
    }
)
_NOBLE = re.compile(r"(?<![^\W_])(?:von|zu)(?![^\W_])")
_PARENTHESES = re.compile(r"\([^()]*\)|（[^（）]*）")


def _quoted(name: str) -> str:
    text = " ".join(name.split())
    return f"`{text[:60]}…`" if len(text) > 60 else f"`{text}`"


def _several_by_commas(text: str) -> bool:
    """`Asha Verma, Li Wei` lists people; `Verma, Asha` is one person, family name first."""
    parts = [p.strip() for p in text.split(",")]
    while len(parts) > 1 and _SUFFIX.match(parts[-1]):
        parts.pop()
    if len(parts) <= 1:
        return False
    if len(parts) > 2 or not all(parts):
        return True
    counts = [sum(1 for w in p.split() if w.lower() not in _PARTICLES) for p in parts]
    return min(counts) > 1


def _joined(text: str) -> bool:
    """Two names joined by a conjunction or a separator."""
    noble = _NOBLE.search(text) is not None
    return any(not (noble and found.group().strip().lower() == "und") for found in _JOINERS.finditer(text))


def _handle_problem(text: str) -> str | None:
    if text.startswith("#"):
        return f"{_quoted(text)} is a chat channel, not a person: {_GIVE_ONE}"
    if "@" in text or "://" in text:
        return f"{_quoted(text)} is a contact or alias, not a person's name: put it in `contact` and {_GIVE_ONE}"
    if any(ch.isdigit() for ch in text):
        return f"{_quoted(text)} has digits, so it reads as an account or alias, not a person's name: {_GIVE_ONE}"
    if " " not in text and ("_" in text or (text.isascii() and text == text.lower() and re.search(r"\w[-.]\w", text))):
        # `ml-team`, `data_science`, `priya.raman`: an identifier, not how a person is called.
        return _described(text, _kind(re.sub(r"[-_.]+", " ", text)) or "reads as an alias or handle")
    return None


def _kind(text: str) -> str | None:
    """What a group, function, role or rotation name is, from its words."""
    if _ROTATION_RE.search(text):
        return "is a rotation"
    if any(word in text for word in _CJK_TEAM) or _TEAM_WORDS.search(text):
        return "names a team"
    if _ORGANISATION_WORDS.search(text):
        return "names an organisation"
    if _HEAD_OF.search(text) or _ROLE_WORDS.search(text):
        return "names a role"
    if _FUNCTION_WORDS.search(text) or _OPS_SUFFIX.search(text) or _ACRONYM_WORDS.search(text):
        return "names a function"
    if _SEVERAL_WORDS.search(text):
        return "names several people"
    # An unknown acronym (`FRAUD`); a mononym written in capitals (`CHER`) is taken for one too.
    if re.fullmatch(r"[A-Z]{3,6}", text):
        return "reads as an acronym of a team or role"
    return None


def person_problem(name: Any) -> str | None:
    """Why `name` is not one person, or None when it is (or is no name at all:
    a missing or placeholder name is `values.answered`'s business)."""
    if not isinstance(name, str):
        return None
    return _name_problem(name)


@lru_cache(maxsize=4096)  # a monorepo names the same people again and again
def _name_problem(name: str) -> str | None:
    if values.is_placeholder(name):
        return None
    # A stray comma or semicolon at either end separates nothing.
    text = " ".join(name.split()).strip(",;， ")
    if not text:
        return None
    found = _handle_problem(text)
    if found:
        return found
    # `Asha Verma (ML Platform)`: the person is what stands outside the brackets.
    outside = " ".join(_PARENTHESES.sub(" ", text).split()) or text
    kind = _kind(outside) or ("names several people" if _joined(outside) or _several_by_commas(outside) else None)
    return _described(text, kind) if kind else None


def _described(text: str, kind: str) -> str:
    if kind == "names several people":
        return f"{_quoted(text)} names several people: {_GIVE_ONE}"
    return f"{_quoted(text)} {kind}, not a person: {_GIVE_ONE}"


def is_person(name: Any) -> bool:
    """An answered name that is one person."""
    return values.answered(name) and person_problem(name) is None
