"""CloudSight wire shapes: the job, its statuses and skip reasons, and the request's form fields."""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence

import attrs

from ..._errors import ValidationError
from ..._models import Model, WireEnum

Number = typing.Union[int, float]
ParamValue = typing.Union[str, int, float, None]
#: A ``params`` value: one value, or a list of them (the field repeated, as the SDK sent it).
ParamValues = typing.Union[ParamValue, Sequence[ParamValue]]

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
    params: Mapping[str, ParamValues] | None,
    locale: str | None,
    language: str | None,
    device_id: str | None,
    latitude: Number | None,
    longitude: Number | None,
    altitude: Number | None,
    ttl: Number | str | None,
    focus: tuple[Number, Number] | None,
) -> list[tuple[str, str]]:
    """The request's form fields, locale first, every value a string.

    Values are sent as the official SDK sent them: ``str()`` of each, a list
    as the field repeated, and no range or format check (the server judges).
    """
    given: dict[str, list[str]] = {}
    if params is not None:
        if not isinstance(params, Mapping):
            raise ValidationError("params", "must be a mapping of form field names to values")
        for key, value in params.items():
            if not isinstance(key, str) or not key:
                raise ValidationError("params", f"field names must be strings, got {key!r}")
            if value is not None:
                given[key] = _param_values(key, value)
    typed: dict[str, tuple[str, str]] = {}
    for name, wire, value in (
        ("locale", LOCALE_FIELD, locale),
        ("language", "image_request[language]", language),
        ("device_id", "image_request[device_id]", device_id),
        ("latitude", "image_request[latitude]", latitude),
        ("longitude", "image_request[longitude]", longitude),
        ("altitude", "image_request[altitude]", altitude),
        ("ttl", "image_request[ttl]", ttl),
    ):
        if isinstance(value, str):
            typed[wire] = (name, value)
        elif value is not None:
            typed[wire] = (name, _format(_number(name, value)))
    if focus is not None:
        if isinstance(focus, (str, bytes)) or not isinstance(focus, Sequence) or len(focus) != 2:
            raise ValidationError("focus", f"must be an (x, y) pair, got {focus!r}")
        typed["focus[x]"] = ("focus", _format(_number("focus", focus[0])))
        typed["focus[y]"] = ("focus", _format(_number("focus", focus[1])))
    for wire, (name, value) in typed.items():
        if wire in given and given[wire] != [value]:
            raise ValidationError(
                name, f"{value!r} conflicts with params[{wire!r}] = {given[wire]!r}"
            )
    fields = {LOCALE_FIELD: [DEFAULT_LOCALE]}
    fields.update(given)
    fields.update({wire: [value] for wire, (_, value) in typed.items()})
    return [(wire, value) for wire, values in fields.items() for value in values]


def _param_values(key: str, value: object) -> list[str]:
    # As the SDK's requests encoded a form: a list repeats the field, None items are dropped.
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        if item is None:
            continue
        if not isinstance(item, (str, int, float)):
            raise ValidationError(
                f"params[{key!r}]", f"must be a string or number, got {type(item).__name__}"
            )
        # Sent as the SDK sent it: str() of the value, so True is "True".
        out.append(item if isinstance(item, str) else _format(item))
    return out


def _number(field: str, value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"must be a number, got {type(value).__name__}")
    return value


def _format(value: Number) -> str:
    # Stringified before signing: the official SDK's signer crashed on floats.
    return str(value)


def image_url_field(value: object) -> str:
    """``value``, sent as given: which URLs the server can fetch is its own to judge."""
    if not isinstance(value, str):
        raise ValidationError("image_url", f"must be a string, got {type(value).__name__}")
    return value
