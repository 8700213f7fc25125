"""How the v2 surface puts arguments on the wire, as the official 2.18.4 client does.

Query values (:func:`query_of`; each under its argument's name): multi-valued
``expand`` / ``opts`` as repeated keys, enum arguments as their wire strings,
datetimes as ``%Y-%m-%dT%H:%M:%S.%f%z`` (``+0900``, no colon; httpx
percent-encodes the ``+``). POST bodies: one request value (a plain dict,
labelkit's request class, or any object with a ``to_dict()`` such as the
official client's own request model).

A naive datetime is refused (:class:`~labelkit.ValidationError`): the official
client sends it without any offset, which the server may read in any zone.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing
from collections.abc import Callable, Iterable, Mapping

from ..._errors import ValidationError
from ._v2_models import _R

__all__ = [
    "EnumArg",
    "Many",
    "Moment",
    "Query",
    "body_of",
    "enum_value",
    "enum_values",
    "limit",
    "query_of",
    "text",
    "when",
]

QueryValue = typing.Union[str, int, bool, list[str], None]
Query = dict[str, QueryValue]
#: A time filter: a timezone-aware datetime, or a string sent as it is.
Moment = typing.Union[dt.datetime, str, None]
#: An enum argument: the wire string, or any enum whose value is it.
EnumArg = typing.Union[str, enum.Enum]
#: A multi-valued enum argument (``expand``, ``opts``): one value or several.
Many = typing.Union[EnumArg, Iterable[EnumArg], None]


def when(field: str, value: Moment) -> str | None:
    """A datetime in the official client's format; naive datetimes are refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(
                field,
                "a naive datetime has no time zone and would be read in an unknown one",
                limit="timezone-aware (e.g. datetime.now(timezone.utc))",
            )
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    raise ValidationError(field, f"expected a datetime or a string, got {value!r}")


def enum_value(field: str, value: object) -> str | None:
    """The wire string of an enum argument (a string, or an enum member)."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"expected a non-empty string, got {value!r}")
    return value


def enum_values(field: str, value: EnumArg | Iterable[EnumArg] | None) -> list[str] | None:
    """A multi-valued enum argument (``expand``, ``opts``): repeated keys on the wire."""
    if value is None:
        return None
    items = [value] if isinstance(value, (str, enum.Enum)) else list(value)
    return [typing.cast(str, enum_value(f"{field}[{i}]", item)) for i, item in enumerate(items)]


def text(field: str, value: object, *, required: bool = False) -> str | None:
    """A string argument (the official ``StrictStr``: ``""`` is sent as it is, a query
    value changes no path); ``required`` refuses ``None``."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {value!r}")
    return value


def limit(value: int | None) -> int | None:
    """``limit``: 1-100."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ValidationError("limit", f"must be an integer from 1 to 100, got {value!r}")
    return value


def _required_text(field: str, value: object) -> str | None:
    return text(field, value, required=True)


#: How a query argument is checked and sent, by its name (the wire name); any other
#: is a string (:func:`text`), and ``*_after`` / ``*_before`` are times (:func:`when`).
_QUERY_VALUES: Mapping[str, Callable[[str, typing.Any], QueryValue]] = {
    "task_id": _required_text,
    "annotation_id": _required_text,
    "schema_id": _required_text,
    "status": enum_value,
    "expand": enum_values,
    "opts": enum_values,
    "limit": lambda _, value: limit(value),
}


def query_of(arguments: Mapping[str, typing.Any]) -> Query:
    """The query of a GET operation from its arguments: each one under its own name
    (the wire name), checked in order."""
    out: Query = {}
    for name, value in arguments.items():
        if name.endswith(("_after", "_before")):
            out[name] = when(name, value)
        else:
            out[name] = _QUERY_VALUES.get(name, text)(name, value)
    return out


def body_of(cls: type[_R], field: str, value: object) -> dict[str, typing.Any]:
    """The JSON body of a POST: ``value`` as ``cls``, checked before anything is sent."""
    if isinstance(value, cls):
        request = value
    elif isinstance(value, Mapping):
        request = cls.from_dict(value, field=field)
    elif callable(getattr(value, "to_dict", None)):
        # The official client's pydantic request model: its own wire dict.
        raw = value.to_dict()  # type: ignore[attr-defined]
        if not isinstance(raw, Mapping):
            raise ValidationError(field, f"to_dict() gave {type(raw).__name__}, not an object")
        request = cls.from_dict({k: v for k, v in raw.items() if v is not None}, field=field)
    else:
        raise ValidationError(
            field, f"expected a {cls.__name__} or a dict, got {type(value).__name__}"
        )
    body = request.to_dict()
    for key, item in body.items():
        if key in ("merge", "staging_batch"):
            if not isinstance(item, bool):
                raise ValidationError(f"{field}.{key}", f"must be true or false, got {item!r}")
        elif key in ("metadata", "template_variables"):
            if not isinstance(item, Mapping):
                raise ValidationError(f"{field}.{key}", f"must be an object, got {item!r}")
        elif not isinstance(item, str):
            # A string, as the official StrictStr fields; "" goes to the server as it does there.
            raise ValidationError(f"{field}.{key}", f"must be a string, got {item!r}")
    try:
        json.dumps(body)
    except (TypeError, ValueError) as exc:
        raise ValidationError(field, f"is not JSON-serialisable ({exc})") from None
    return body
