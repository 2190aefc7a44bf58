"""checker/records.py behaves as `dataclasses.dataclass` does for the declarations it serves.

Each test declares the same class twice, once with `@dataclass` and once with `@record`,
and holds the record to what the dataclass does: construction (positional, keyword,
defaults, a fresh default from each factory), the errors of a wrong call, repr (fields
with repr=False left out), equality, unhashability, `replace` and pattern matching.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from checker import records


def _pair() -> tuple[type[Any], type[Any]]:
    @dataclasses.dataclass
    class Item:
        name: str
        size: int = 1
        tags: list[str] = dataclasses.field(default_factory=list)
        cache: dict[str, int] = dataclasses.field(default_factory=dict, repr=False)
        note: str | None = dataclasses.field(default=None, repr=False)

    dataclass_item = Item

    @records.record
    class Item:  # type: ignore[no-redef]
        name: str
        size: int = 1
        tags: list[str] = records.field(default_factory=list)
        cache: dict[str, int] = records.field(default_factory=dict, repr=False)
        note: str | None = records.field(default=None, repr=False)

    return dataclass_item, Item


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("a",), {}),
    (("a", 2), {}),
    (("a", 2, ["x"]), {}),
    ((), {"name": "a", "tags": ["t"], "note": "n"}),
    (("a",), {"cache": {"k": 1}, "size": 3}),
    ((), {}),  # missing the required field
    (("a", 2, [], {}, None, "extra"), {}),  # one positional too many
    (("a",), {"name": "b"}),  # twice
    (("a",), {"colour": "red"}),  # not a field
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_record_is_made_from_the_same_arguments_as_the_dataclass_and_refuses_the_same_ones(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    as_dataclass, as_record = _pair()
    try:
        expected = as_dataclass(*args, **kwargs)
    except TypeError:
        with pytest.raises(TypeError):
            as_record(*args, **kwargs)
        return
    got = as_record(*args, **kwargs)
    assert vars(got) == vars(expected)
    assert repr(got) == repr(expected)


def test_each_record_gets_a_fresh_default_from_its_factory_and_a_plain_default_stays_a_class_attribute() -> None:
    _, item = _pair()
    first, second = item("a"), item("b")
    first.tags.append("x")
    assert second.tags == [] and first.tags is not second.tags
    assert item.size == 1 and item.note is None
    assert not hasattr(item, "tags")  # like a dataclass: a factory's field is no class attribute


def test_records_compare_by_their_fields_and_are_unhashable_like_dataclasses_with_eq() -> None:
    as_dataclass, as_record = _pair()
    assert as_record("a", 2) == as_record("a", 2)
    assert as_record("a", 2) != as_record("a", 3)
    assert as_record("a", cache={"k": 1}) != as_record("a")  # repr=False still compares
    assert as_record("a") != as_dataclass("a")  # another class is never equal
    assert as_record.__hash__ is None and as_dataclass.__hash__ is None
    with pytest.raises(TypeError):
        hash(as_record("a"))


def test_replace_makes_a_new_record_with_the_changes_and_refuses_an_unknown_field() -> None:
    as_dataclass, as_record = _pair()
    old = as_record("a", 2, ["t"])
    new = records.replace(old, size=5)
    assert (new.name, new.size, new.tags) == ("a", 5, ["t"]) and old.size == 2 and new is not old
    assert vars(new) == vars(dataclasses.replace(as_dataclass("a", 2, ["t"]), size=5))
    with pytest.raises(TypeError):
        records.replace(old, colour="red")


def test_a_record_matches_positional_patterns_in_field_order() -> None:
    _, item = _pair()
    match item("a", 2):
        case item(name, size):
            assert (name, size) == ("a", 2)
        case _:
            pytest.fail("a record did not match its own positional pattern")


def test_a_field_without_a_default_after_one_with_a_default_is_refused_as_a_dataclass_refuses_it() -> None:
    with pytest.raises(TypeError):

        @records.record
        class Bad:
            first: int = 1
            second: int

    with pytest.raises(TypeError):
        records.field(default=1, default_factory=list)


def test_the_records_the_one_file_path_uses_are_records_not_dataclasses() -> None:
    # The point of checker/records.py (tests/test_startup.py checks `dataclasses` is not imported).
    from checker.config import Config, Override
    from checker.findings import ManifestResult, Report
    from checker.manifest import Manifest
    from checker.options import Options
    from checker.policy import Policy, Rule

    for cls in (Config, Override, ManifestResult, Report, Manifest, Options, Policy, Rule):
        assert hasattr(cls, "__record_fields__") and not dataclasses.is_dataclass(cls), cls


def test_no_module_of_checker_declares_its_records_with_dataclasses() -> None:
    # One way to declare a record; `dataclasses` stays off every start-up path.
    import ast
    from pathlib import Path

    package = Path(records.__file__).parent
    users = []
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if (isinstance(node, ast.ImportFrom) and node.module == "dataclasses") or "dataclasses" in names:
                users.append(str(source.relative_to(package)))
    assert users == []
