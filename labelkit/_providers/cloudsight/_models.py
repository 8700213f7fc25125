"""CloudSight wire shapes: the job, its statuses and skip reasons, and the request's form fields."""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import attrs

from ..._errors import ValidationError
from ..._models import Model, WireEnum

Number = typing.Union[int, float]
ParamValue = typing.Union[str, int, float, None]

DEFAULT_LOCALE = "en-US"
IMAGE_FIELD = "image_request[image]"
REMOTE_URL_FIELD = "image_request[remote_image_url]"
LOCALE_FIELD = "image_request[locale]"


class JobStatus(WireEnum):
    """Where a recognition job is; every status but ``NOT_COMPLETED`` is final.

    ``TIMEOUT`` (the job outlived its ``ttl``) is final for waiting, but the
    job can be queued again with :meth:`~labelkit.AsyncCloudSight.repost`.
    """

    NOT_COMPLETED = "not completed"
    COMPLETED = "completed"
    NOT_FOUND = "not found"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"

    @property
    def is_terminal(self) -> bool:
        """True for every documented status except ``not completed``."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {JobStatus.COMPLETED, JobStatus.NOT_FOUND, JobStatus.SKIPPED, JobStatus.TIMEOUT}
)


class SkipReason(WireEnum):
    """Why CloudSight skipped an image (the ``reason`` of a ``skipped`` job)."""

    OFFENSIVE = "offensive"
    BLURRY = "blurry"
    CLOSE = "close"
    DARK = "dark"
    BRIGHT = "bright"
    UNSURE = "unsure"


# The official SDK's module constants, so migrated comparisons keep working.
STATUS_NOT_COMPLETED = JobStatus.NOT_COMPLETED
STATUS_COMPLETED = JobStatus.COMPLETED
STATUS_NOT_FOUND = JobStatus.NOT_FOUND
STATUS_SKIPPED = JobStatus.SKIPPED
STATUS_TIMEOUT = JobStatus.TIMEOUT
REASON_OFFENSIVE = SkipReason.OFFENSIVE
REASON_BLURRY = SkipReason.BLURRY
REASON_CLOSE = SkipReason.CLOSE
REASON_DARK = SkipReason.DARK
REASON_BRIGHT = SkipReason.BRIGHT
REASON_UNSURE = SkipReason.UNSURE


@attrs.define
class ImageJob(Model):
    """A recognition job: what submitting an image and polling it return.

    ``name`` is the description once ``status`` is ``completed``;
    ``reason`` says why a ``skipped`` job was skipped. The API documents no
    complete field list, so every other field the server sends (``url``,
    ``ttl``, ...) is kept in ``extra``. ``token`` is filled from the request
    when the server leaves it out (as a ``not found`` answer does), and
    ``status`` is ``not completed`` when left out (a submission's answer
    need only carry the ``token``; a new job starts ``not completed``); a
    field the server left out stays out of ``to_dict()``.

    For code migrated from the official SDK, which returned dicts,
    ``job["status"]`` and ``job.get("name")`` read the wire fields.
    """

    token: str
    status: JobStatus = JobStatus.NOT_COMPLETED
    name: typing.Optional[str] = None
    reason: typing.Optional[SkipReason] = None
    categories: typing.Optional[list[typing.Any]] = None
    url: typing.Optional[str] = None

    @property
    def completed(self) -> bool:
        """True when the image was recognized (``name`` holds the description)."""
        return self.status is JobStatus.COMPLETED


# -- request fields ------------------------------------------------------------------


def form_fields(
    params: Mapping[str, ParamValue] | None,
    locale: str | None,
    language: str | None,
    device_id: str | None,
    latitude: Number | None,
    longitude: Number | None,
    altitude: Number | None,
    ttl: Number | str | None,
    focus: tuple[Number, Number] | None,
) -> dict[str, str]:
    """The request's form fields, locale first, every value a string."""
    given: dict[str, str] = {}
    if params is not None:
        if not isinstance(params, Mapping):
            raise ValidationError("params", "must be a mapping of form field names to values")
        for key, value in params.items():
            if not isinstance(key, str) or not key:
                raise ValidationError("params", f"field names must be strings, got {key!r}")
            if value is None:
                continue
            if not isinstance(value, (str, int, float)):
                raise ValidationError(
                    f"params[{key!r}]", f"must be a string or number, got {type(value).__name__}"
                )
            # Sent as the SDK sent it: str() of the value, so True is "True".
            given[key] = value if isinstance(value, str) else _format(value)
    typed: dict[str, tuple[str, str]] = {}
    for name, wire, value in (
        ("locale", LOCALE_FIELD, locale),
        ("language", "image_request[language]", language),
        ("device_id", "image_request[device_id]", device_id),
    ):
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(name, f"must be a non-empty string, got {value!r}")
            typed[wire] = (name, value)
    for name, wire, number, bound in (
        ("latitude", "image_request[latitude]", latitude, 90.0),
        ("longitude", "image_request[longitude]", longitude, 180.0),
        ("altitude", "image_request[altitude]", altitude, math.inf),
    ):
        if number is not None:
            typed[wire] = (name, _format(_number(name, number, -bound, bound)))
    if ttl is not None:
        typed["image_request[ttl]"] = ("ttl", "max" if ttl == "max" else _ttl(ttl))
    if focus is not None:
        if isinstance(focus, (str, bytes)) or not isinstance(focus, Sequence) or len(focus) != 2:
            raise ValidationError("focus", f"must be an (x, y) pair, got {focus!r}")
        typed["focus[x]"] = ("focus", _format(_number("focus", focus[0], 0.0, math.inf)))
        typed["focus[y]"] = ("focus", _format(_number("focus", focus[1], 0.0, math.inf)))
    for wire, (name, value) in typed.items():
        if wire in given and given[wire] != value:
            raise ValidationError(
                name, f"{value!r} conflicts with params[{wire!r}] = {given[wire]!r}"
            )
    fields = {LOCALE_FIELD: DEFAULT_LOCALE}
    fields.update(given)
    fields.update({wire: value for wire, (_, value) in typed.items()})
    if not fields[LOCALE_FIELD].strip():
        raise ValidationError("locale", "must be a non-empty string")
    return fields


def _number(field: str, value: object, low: float, high: float) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        limit = f"{low:g} to {high:g}" if math.isfinite(high) else f">= {low:g}"
        raise ValidationError(field, f"{value!r} is out of range", limit=limit)
    return value


def _ttl(value: object) -> str:
    if isinstance(value, str):
        raise ValidationError("ttl", f"must be seconds or 'max', got {value!r}")
    number = _number("ttl", value, 0.0, math.inf)
    if number <= 0:
        raise ValidationError("ttl", f"{number!r} is out of range", limit="> 0 seconds or 'max'")
    return _format(number)


def _format(value: Number) -> str:
    # Stringified before signing: the official SDK's signer crashed on floats.
    return str(value)


def image_url_field(value: object) -> str:
    """``value``, checked to be an http(s) URL."""
    if not isinstance(value, str):
        raise ValidationError("image_url", f"must be a string, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("image_url", f"must be an http(s) URL, got {value!r}")
    return value
