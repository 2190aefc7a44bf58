"""The loader collects what rules need as it builds (`*_ref`s, placeholder candidates),
so no rule walks the tree again: what it collects is what a walk of the data finds."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import manifest
from checker.checks import rules, values

KEYS = st.sampled_from(["a", "b", "evidence_ref", "card_ref", "x-note", "waivers", "owner", "TBD", "suite_ref"])
SCALARS = st.one_of(
    st.none(),
    st.sampled_from(["TBD", "", "  ", "Priya Raman", "n/a", "docs/card.md", "jane doe", "ok@example.com"]),
    st.integers(-5, 5),
    st.booleans(),
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)


def _walked(m: manifest.Manifest) -> tuple[list, tuple]:
    refs = list(rules._refs(m.data))
    holes = tuple(values.placeholder_paths({k: v for k, v in m.data.items() if k != "waivers"}))
    return refs, holes


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, TREES, min_size=1, max_size=6))
def test_collected_refs_and_placeholders_equal_a_walk_of_the_data(data: dict) -> None:
    m = manifest.load(yaml.safe_dump(data, sort_keys=False).encode(), "m.yaml")
    assert isinstance(m, manifest.Manifest)
    assert m.refs is not None and m.answers is not None
    assert (m.refs, values.placeholders_of(m)) == _walked(m)


def test_refs_inside_a_ref_and_placeholders_under_x_fields_and_waivers_are_not_collected() -> None:
    text = b"""\
a:
  model_ref: {inner_ref: x}
  x-note: TBD
  list: [TBD, {card_ref: docs/c.md}]
waivers:
  - reason: TBD
"""
    m = manifest.load(text, "m.yaml")
    assert isinstance(m, manifest.Manifest)
    assert m.refs == [(("a", "model_ref"), {"inner_ref": "x"}), (("a", "list", 1, "card_ref"), "docs/c.md")]
    assert values.placeholders_of(m) == ((("a", "list", 0), "TBD"),)


def test_a_document_with_aliases_is_walked_since_a_shared_node_sits_at_several_paths() -> None:
    text = b"a: &s {card_ref: docs/c.md, owner: TBD}\nb: *s\n"
    m = manifest.load(text, "m.yaml")
    assert isinstance(m, manifest.Manifest)
    assert m.refs is None and m.answers is None
    assert rules.refs_of(m) == [(("a", "card_ref"), "docs/c.md"), (("b", "card_ref"), "docs/c.md")]
    assert values.placeholders_of(m) == ((("a", "owner"), "TBD"), (("b", "owner"), "TBD"))
