"""The one cattrs converter behind :func:`labelkit._models.structure` and ``unstructure``.

Imported with the first model a client structures or unstructures, not with
labelkit: cattrs is a noticeable share of a provider's import time.
"""

from __future__ import annotations

import types
import typing

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import Model, ResponseValidationError, WireEnum, _present, _wire_fields, _wire_name

__all__ = ["converter", "structure", "unstructure"]

T = typing.TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False)


def _strict(kind: type[T], accepted: tuple[type, ...]) -> typing.Callable[[object, type], T]:
    def hook(value: object, _: type) -> T:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got bool")
        if not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return typing.cast(T, float(value) if kind is float else value)  # type: ignore[arg-type]

    return hook


converter.register_structure_hook(int, _strict(int, (int,)))
converter.register_structure_hook(float, _strict(float, (int, float)))
converter.register_structure_hook(str, _strict(str, (str,)))
converter.register_structure_hook(bool, _strict(bool, (bool,)))
# A predicate, not a dispatch on the type: typing.Any is a class only from 3.11.
converter.register_structure_hook_func(lambda t: t is typing.Any, lambda v, _: v)


_PRIMITIVES = (str, int, float, bool, type(None))


def _is_primitive_union(tp: object) -> bool:
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return False
    return all(arg in _PRIMITIVES for arg in typing.get_args(tp))


def _structure_primitive_union(value: object, tp: object) -> object:
    args = typing.get_args(tp)
    kind = type(value)
    if kind in args or (kind is int and float in args):
        return value
    names = " or ".join("null" if a is type(None) else a.__name__ for a in args)
    raise TypeError(f"expected {names}, got {kind.__name__}")


converter.register_structure_hook_func(_is_primitive_union, _structure_primitive_union)


def _structure_wire_enum(value: object, cls: type[WireEnum]) -> WireEnum:
    if not isinstance(value, str):
        raise TypeError(f"expected a {cls.__name__} string, got {type(value).__name__}")
    return cls(value)


# Registered by class (not by predicate) so it beats the ``str`` hook for subclasses.
converter.register_structure_hook(WireEnum, _structure_wire_enum)
converter.register_unstructure_hook(WireEnum, lambda member: member.value)


def _is_model(cls: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, Model)


def _structure_factory(cls: type[Model]) -> typing.Callable[[typing.Any, type], Model]:
    fields = [f for f in attrs.fields(cls) if not f.metadata.get("extra")]
    names = {f.name: _wire_name(cls, f) for f in fields}
    # Fields marked "extra" are never read from the wire, even when the server sends a key
    # of the same name (a wire field called "extra" is an unknown field like any other).
    overrides = {
        f.name: override(omit=True) if f.metadata.get("extra") else override(rename=names[f.name])
        for f in attrs.fields(cls)
    }
    inner = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=False,
        **overrides,  # type: ignore[arg-type]
    )
    known = set(names.values())

    def structure_model(value: typing.Any, _: type) -> Model:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        obj = inner(value, cls)
        obj.extra = {k: v for k, v in value.items() if k not in known}
        absent = known.difference(value)
        if absent:
            obj._absent = frozenset(absent)
        return obj

    return structure_model


def _unstructure_factory(cls: type[Model]) -> typing.Callable[[Model], dict[str, typing.Any]]:
    # Fields marked "extra" (``extra``, ``_absent``, a provider's private state) are not wire data.
    overrides = {
        f.name: override(omit=True)
        if f.metadata.get("extra")
        else override(rename=_wire_name(cls, f))
        for f in attrs.fields(cls)
    }
    inner = make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
    names = _wire_fields(cls)

    def unstructure_model(obj: Model) -> dict[str, typing.Any]:
        data = {**obj.extra, **inner(obj)}
        for key in obj._absent:
            if not _present(obj, key, names[key]):
                del data[key]
        return data

    return unstructure_model


converter.register_structure_hook_factory(_is_model, _structure_factory)
converter.register_unstructure_hook_factory(_is_model, _unstructure_factory)


def _describe(exc: BaseException, path: str) -> tuple[str, str]:
    """The first leaf error inside cattrs' exception groups, and where it happened."""
    if isinstance(exc, cattrs.BaseValidationError) and exc.exceptions:
        sub = exc.exceptions[0]
        where = path
        for note in getattr(sub, "__notes__", []):
            if isinstance(note, AttributeValidationNote):
                where += f".{note.name}"
            elif isinstance(note, IterableValidationNote):
                where += f"[{note.index!r}]"
        return _describe(sub, where)
    return str(exc), path


def structure(value: object, cls: type[T]) -> T:
    """Turn parsed JSON into ``cls``, raising :class:`ResponseValidationError` on a mismatch."""
    try:
        return converter.structure(value, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        message, path = _describe(exc, getattr(cls, "__name__", str(cls)))
        raise ResponseValidationError(message, path=path, body=value) from exc


def unstructure(obj: object) -> typing.Any:
    """The wire form of a model (unknown fields included)."""
    return converter.unstructure(obj)
