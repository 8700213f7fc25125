"""The create forms' field checks (everything is checked before a request is sent)."""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Mapping, Sequence

from ..._errors import ValidationError
from ..._http import QueryValue
from ..._paths import segment

__all__ = ["url_custom_id"]

_Form = dict[str, object]


def url_custom_id(url: str, prefix: str = "labelkit-") -> str:
    """A ``custom_id`` derived from an image URL: ``prefix`` + 32 hex digits of its SHA-256.

    The same URL always gives the same id, so a job re-run after a crash
    can look up by it what an earlier run created. ``create_many`` and
    ``labelkit upload datawow`` use it for images without their own ``custom_id``.
    """
    return prefix + hashlib.sha256(url.encode()).hexdigest()[:32]


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    return value


def _categories(value: object) -> str:
    items: list[object]
    if value is None:
        raise ValidationError("categories", "required: at least one category")
    if isinstance(value, str):
        items = list(value.split())
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise ValidationError("categories", f"must be a list of strings, got {value!r}")
    if not items:
        raise ValidationError("categories", "required: at least one category")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"categories[{i}]", f"must be a non-empty string, got {item!r}")
        if len(item.split()) != 1:
            raise ValidationError(
                f"categories[{i}]",
                f"{item!r} contains whitespace; the server splits categories on whitespace",
            )
    return " ".join(typing.cast("list[str]", items))


def _flag(field: str, value: object) -> bool | str | int | None:
    # A string or number from the SDK's params ("true", 1) is sent as the SDK sent it.
    if value is not None and not isinstance(value, (bool, str, int)):
        raise ValidationError(field, f"must be True, False, a string or None, got {value!r}")
    return value


def _merge(
    data: object, params: Mapping[str, object] | None = None, **given: object
) -> dict[str, object]:
    """The fields of a call: keywords (``None`` = not given) merged with the SDK's ``params``.

    ``data`` is the first positional argument of a create: the image URL, or
    the SDK's params dict passed positionally. A field given both ways must agree.
    """
    fields = {k: v for k, v in given.items() if v is not None}
    sources: list[Mapping[str, object]] = []
    if isinstance(data, Mapping):
        sources.append(data)
    elif data is not None:
        fields["data"] = data
    if params is not None:
        if not isinstance(params, Mapping):
            raise ValidationError("params", f"must be a dict, got {type(params).__name__}")
        sources.append(params)
    for source in sources:
        for key, value in source.items():
            if not isinstance(key, str):
                raise ValidationError("params", f"field names must be strings, got {key!r}")
            if value is None:
                continue
            if key in fields and fields[key] != value:
                raise ValidationError(key, f"given twice: {fields[key]!r} and {value!r}")
            fields[key] = value
    return fields


def _passed_through(fields: Mapping[str, object]) -> dict[str, QueryValue]:
    """Fields sent as given, as the SDK sent any key of ``params`` (strings and numbers)."""
    out: dict[str, QueryValue] = {}
    for key, value in fields.items():
        if not isinstance(value, (str, int, float)):
            raise ValidationError(
                f"params[{key!r}]", f"must be a string or number, got {type(value).__name__}"
            )
        out[key] = value
    return out


def _data_form(fields: dict[str, object], *, instruction_required: bool) -> _Form:
    """The ``data`` and ``instruction`` fields every product's create starts with.

    Takes them out of ``fields``; an optional ``instruction`` is sent only when given.
    """
    form: _Form = {"data": _text("data", fields.pop("data", None))}
    if instruction_required or fields.get("instruction") is not None:
        form["instruction"] = _text("instruction", fields.pop("instruction", None))
    return form


def _common(
    fields: dict[str, object],
    postback_url: str | None,
    postback_method: str | None,
    custom_id: str | int | None,
    staff_id: int | None,
) -> _Form:
    """The optional fields every product shares, then whatever else ``fields`` holds.

    Each is sent as given, as the SDK sent it: which URL, method, id or staff
    member the API takes (``""``, ``7``, ``-1``) is the server's to judge.
    """
    f = _merge(
        None,
        fields,
        postback_url=postback_url,
        postback_method=postback_method,
        custom_id=custom_id,
        staff_id=staff_id,
    )
    shared = ("postback_url", "postback_method", "custom_id", "staff_id")
    ordered = {name: f.pop(name) for name in shared if name in f}
    return dict(_passed_through({**ordered, **f}))


def _count(field: str, value: object, minimum: int = 1) -> int:
    """An int ``>= minimum`` (or its digits): labelkit's own page size when it pages."""
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(field, f"must be an int >= {minimum}, got {value!r}")
    return value


def _image_segment(id: str | None, custom_id: str | None) -> str:
    """The path segment naming one image: exactly one of ``id`` or ``custom_id``."""
    if (id is None) == (custom_id is None):
        raise ValidationError("id", "pass exactly one of id or custom_id")
    if id is not None:
        return segment(id, field="id")
    return segment(custom_id, field="custom_id")
