"""Typed models: attrs classes, structured and unstructured by one cattrs converter.

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
import typing
from collections.abc import Mapping

import attrs

from ._errors import LabelkitError
from ._logging import redact_known

__all__ = [
    "Model",
    "ResponseValidationError",
    "Timestamps",
    "WireEnum",
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
        return typing.cast("dict[str, typing.Any]", unstructure(self))

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __getitem__(self, key: str) -> typing.Any:
        name = _wire_fields(type(self)).get(key)
        if name is not None and _present(self, key, name):
            return unstructure(getattr(self, name))
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


def structure(value: object, cls: type[T]) -> T:
    """Turn parsed JSON into ``cls``, raising :class:`ResponseValidationError` on a mismatch."""
    from ._converter import structure

    return structure(value, cls)


def unstructure(obj: object) -> typing.Any:
    """The wire form of a model (unknown fields included)."""
    from ._converter import unstructure

    return unstructure(obj)
