"""Typed models: attrs classes and the one cattrs converter.

Every response model derives from :class:`Model`. Structuring is strict
(a string where an int belongs is an error, not a silent ``int("3")``), maps
wire names to snake_case attribute names (``camelCase`` when the class says
``__wire_case__ = "camel"``, or a per-field ``wire(name)``), and keeps every
field the server sent that the model does not know in ``extra``, so nothing
is lost and :func:`unstructure` gives it back.
"""

from __future__ import annotations

import enum
import functools
import json
import types
import typing
from collections.abc import Mapping

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._errors import LabelkitError
from ._logging import redact_known

__all__ = [
    "Model",
    "ResponseValidationError",
    "Timestamps",
    "WireEnum",
    "converter",
    "shared_fields_last",
    "structure",
    "unstructure",
    "wire",
]

T = typing.TypeVar("T")


class ResponseValidationError(LabelkitError):
    """A response did not have the shape the API documents.

    ``path`` locates the offending value (``Operation.data.contents[0].type``).
    """

    def __init__(self, message: str, *, path: str, body: object = None) -> None:
        # A last line of defence: the body is the server's, and may echo a credential.
        path, message = redact_known(path), redact_known(message)
        super().__init__(f"{path}: {message}")
        self.path = path
        self.body = redact_known(body)


class WireEnum(str, enum.Enum):
    """A string enum whose values are the exact wire strings.

    A value the server sends that the enum does not know yet becomes a
    pseudo-member carrying that value (never an error, never lost).
    """

    @classmethod
    def _missing_(cls, value: object) -> typing.Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)


def wire(name: str, **kwargs: typing.Any) -> typing.Any:
    """An attrs field whose wire name is ``name``."""
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["wire"] = name
    return attrs.field(metadata=metadata, **kwargs)


@attrs.define
class Model(Mapping[str, typing.Any]):
    """Base of every response model: typed attributes, and the wire form as a read-only mapping.

    ``model.status`` is the typed, snake_case attribute; ``model["externalStatus"]``
    (and ``get``, ``in``, ``keys()``, ``items()``, ``values()``, ``len()``,
    ``dict(model)``) read the same object by its wire names. :meth:`to_dict` is
    what the server sent (unknown fields, kept in ``extra``, included; fields the
    server left out stay out unless set since), as plain JSON data.
    """

    __wire_case__: typing.ClassVar[str] = "snake"

    extra: dict[str, typing.Any] = attrs.field(
        factory=dict, kw_only=True, repr=False, eq=False, metadata={"extra": True}
    )
    # Wire names of known fields the server left out, so the wire form leaves them out too.
    _absent: frozenset[str] = attrs.field(
        default=frozenset(), init=False, repr=False, eq=False, metadata={"extra": True}
    )

    def to_dict(self) -> dict[str, typing.Any]:
        """The wire form: wire names, unknown fields included, enums as their strings."""
        return typing.cast("dict[str, typing.Any]", converter.unstructure(self))

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __getitem__(self, key: str) -> typing.Any:
        name = _wire_fields(type(self)).get(key)
        if name is not None and _present(self, key, name):
            return converter.unstructure(getattr(self, name))
        return self.extra[key]

    def __iter__(self) -> typing.Iterator[str]:
        yield from self.extra
        for key, name in _wire_fields(type(self)).items():
            if _present(self, key, name):
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        if key in self.extra:
            return True
        name = _wire_fields(type(self)).get(key) if isinstance(key, str) else None
        return name is not None and _present(self, key, name)  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        # A Mapping with no keys is falsy; a model that exists is not.
        return True

    def as_dict(self) -> dict[str, typing.Any]:
        """The same as :meth:`to_dict` (the official Scale SDK's name)."""
        return self.to_dict()

    @property
    def raw(self) -> dict[str, typing.Any]:
        """The same as :meth:`to_dict` (labelkit's earlier FastLabel name)."""
        return self.to_dict()


def shared_fields_last(
    cls: type, fields: list[attrs.Attribute[typing.Any]]
) -> list[attrs.Attribute[typing.Any]]:
    """An attrs ``field_transformer`` placing a field group's fields after the model's own.

    A field group is a base class declared ``@attrs.define(kw_only=True)`` that several
    models derive from (:class:`Timestamps`); attrs lists a base's fields first, but the
    server sends them last, and a model's wire form, mapping order and repr follow its field
    order. Keyword-only wire fields go after the positional ones (each side keeping its
    order), as in the generated ``__init__``; ``extra`` and other non-wire fields stay put.
    """

    def in_group(field: attrs.Attribute[typing.Any]) -> bool:
        return field.kw_only and not field.metadata.get("extra")

    return [f for f in fields if not in_group(f)] + [f for f in fields if in_group(f)]


@attrs.define(kw_only=True)
class Timestamps(Model):
    """Field group: ``created_at`` and ``updated_at``, the ISO-8601 strings the server sends.

    A model deriving from it is declared ``@attrs.define(field_transformer=shared_fields_last)``
    so both stay after its own fields.
    """

    created_at: typing.Optional[str] = None
    updated_at: typing.Optional[str] = None


@functools.cache
def _wire_fields(cls: type[Model]) -> dict[str, str]:
    """Wire name -> attribute name of every wire field of ``cls``."""
    return {_wire_name(cls, f): f.name for f in attrs.fields(cls) if not f.metadata.get("extra")}


@functools.cache
def _default_of(cls: type[Model], name: str) -> typing.Callable[[], object]:
    default: typing.Any = attrs.fields_dict(cls)[name].default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return typing.cast("typing.Callable[[], object]", default.factory)
    return lambda: default


def _present(obj: Model, key: str, name: str) -> bool:
    """Whether the wire field ``key`` belongs in the wire form: sent, or set since."""
    if key not in obj._absent:
        return True
    return bool(getattr(obj, name) != _default_of(type(obj), name)())


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_name(cls: type[Model], field: attrs.Attribute[typing.Any]) -> str:
    if "wire" in field.metadata:
        return str(field.metadata["wire"])
    return _camel(field.name) if cls.__wire_case__ == "camel" else field.name


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
