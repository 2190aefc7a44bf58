"""Mutable records declared like dataclasses, without their cost at every start.

`@dataclass` writes each class's `__init__`, `__repr__` and `__eq__` as source text and
compiles it when the module is imported: about 3M instructions a class, every run, and
the import of `dataclasses` itself, ~40M instructions (~8%) of a one-file `aipolicy check`
for the eleven records on that path. `@record` reads the same declarations (annotated
fields, plain defaults, `field(default_factory=..., repr=False)`) and gives every class
the same three methods, written once here and compiled into this module's byte code.
The records it serves are made a few times a file at most, so a generic `__init__` costs
nothing measurable; the hot, immutable records (findings, spans, contexts) are NamedTuples.

What it does not do, because no record here needs it: inheritance between records,
`__post_init__`, keyword-only or positional-only fields, ordering, hashing (like a
dataclass with eq and without frozen, a record is unhashable), slots. `replace()` is
`dataclasses.replace`. tests/test_records.py holds it to dataclasses' behaviour.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated


T = TypeVar("T")
_MISSING: Any = object()


class _Field:
    __slots__ = ("default", "factory", "repr")

    def __init__(self, default: Any, factory: Callable[[], Any] | None, repr: bool) -> None:
        self.default, self.factory, self.repr = default, factory, repr


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None, repr: bool = True) -> Any:
    """A field's default (or a callable making a fresh one for each record), and whether
    `repr()` shows it: dataclasses.field's arguments of those names."""
    if (default is not _MISSING) == (default_factory is not None):
        raise TypeError("field() takes exactly one of default and default_factory")
    return _Field(default, default_factory, repr)


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Give `cls` an `__init__`, `__repr__` and `__eq__` made from its annotated fields."""
    spec: list[tuple[str, Any, Callable[[], Any] | None]] = []
    shown: list[str] = []
    for name, annotation in inspect.get_annotations(cls).items():  # strings: `from __future__ import annotations`
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        declared = value if isinstance(value, _Field) else _Field(value, None, True)
        if (
            declared.default is _MISSING
            and declared.factory is None
            and any(d is not _MISSING or f is not None for _, d, f in spec)
        ):
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
        spec.append((name, declared.default, declared.factory))
        if declared.repr:
            shown.append(name)
        if isinstance(value, _Field):  # as dataclasses do: a plain default stays a class attribute
            if declared.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
    attributes: dict[str, Any] = {
        "__record_fields__": tuple(spec),
        "__record_shown__": tuple(shown),
        "__init__": _init,
        "__repr__": _repr,
        "__eq__": _eq,
        "__hash__": None,
        "__match_args__": tuple(name for name, _, _ in spec),
    }
    for attribute, value in attributes.items():
        setattr(cls, attribute, value)
    return cls


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    spec = self.__record_fields__
    name_of = type(self).__qualname__
    if len(args) > len(spec):
        raise TypeError(f"{name_of}() takes {len(spec)} positional arguments but {len(args)} were given")
    values = self.__dict__
    for index, (name, default, factory) in enumerate(spec):
        if index < len(args):
            if name in kwargs:
                raise TypeError(f"{name_of}() got multiple values for argument {name!r}")
            values[name] = args[index]
        elif name in kwargs:
            values[name] = kwargs.pop(name)
        elif factory is not None:
            values[name] = factory()
        elif default is not _MISSING:
            values[name] = default
        else:
            raise TypeError(f"{name_of}() missing required argument: {name!r}")
    if kwargs:
        raise TypeError(f"{name_of}() got an unexpected keyword argument {next(iter(kwargs))!r}")


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:  # bool, or NotImplemented for another type
    if other.__class__ is not self.__class__:
        return NotImplemented
    return all(getattr(self, name) == getattr(other, name) for name, _, _ in self.__record_fields__)


def replace(obj: T, **changes: Any) -> T:
    """A new record like `obj`, the given fields changed (dataclasses.replace)."""
    fields = getattr(obj, "__record_fields__")  # noqa: B009 - set by @record, unknown to the type of T
    values = {name: getattr(obj, name) for name, _, _ in fields}
    values.update(changes)
    return type(obj)(**values)
