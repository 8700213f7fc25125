"""The five k-sequencing products as resources of the client: ``client.choice.create(...)``.

Each resource knows its endpoint and its create fields; the requests, the
envelope, retries, pagination and polling all go through the client and the core.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from ..._bulk import BulkRun
from ..._config import PollPolicy, Timeout
from ..._errors import ValidationError
from ..._http import QueryValue
from ..._pagination import Page, iter_pages
from ..._paths import segment
from ..._types import NOT_GIVEN, NotGiven
from ..._validate import ArgumentChecked
from ._models import (
    ChoiceImage,
    ClosedQuestionImage,
    Image,
    ImagePage,
    MessageImage,
    PhotoTagImage,
    PredictionImage,
)
from ._postback import Postback

if typing.TYPE_CHECKING:
    from ._client import AsyncDatawow

__all__ = [
    "AsyncChoices",
    "AsyncClosedQuestions",
    "AsyncMessages",
    "AsyncPhotoTags",
    "AsyncPredictions",
]

R = typing.TypeVar("R", bound=Image)
_Form = dict[str, object]


class _AsyncImages(ArgumentChecked, typing.Generic[R]):
    """What every product shares: list, iterate, find, wait. Not used directly.

    ``R`` is the product's record class (``ChoiceImage`` for ``client.choice`` ...).
    """

    def __init__(self, client: AsyncDatawow, path: str, model: type[R]) -> None:
        self._client = client
        self._path = path
        self._model = model

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self._path!r})"

    async def list(
        self,
        params: Mapping[str, object] | None = None,
        *,
        page: int | None = None,
        per_page: int | str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ImagePage[R]:
        """One page of this project's images (pages start at 1) with the server's ``meta``.

        ``list(page=2, per_page=50)`` or the SDK's ``list(params={"page": 2,
        "per_page": 50})``. Only what is given is sent, in the query string
        (the official SDK sent it as a GET body; see ``list_params_as_body`` on
        the client): with no arguments the server's defaults apply (page 1,
        20 per page).
        ``per_page`` may also be a string of digits, as the SDK documents it.
        """
        fields = _merge(params, page=page, per_page=per_page)
        query: dict[str, QueryValue] = {}
        for name in ("page", "per_page"):
            if fields.get(name) is not None:
                query[name] = _count(name, fields.pop(name))
        query.update(_passed_through(fields))
        return await self._client._list(
            self._path, self._model, query, timeout=timeout, max_retries=max_retries
        )

    def iter_images(self, *, per_page: int = 100) -> AsyncIterator[R]:
        """Iterate over every image of the project, requesting pages lazily.

        The end is taken from ``meta`` (``next_page``, else ``total_count``);
        an image seen on an earlier page (the listing shifted while iterating)
        is not yielded twice.
        """

        async def fetch(page: int, size: int) -> Page[R]:
            result = await self.list(page=page, per_page=size)
            return Page(result.images, total=result.meta.total_count, has_more=result.meta.has_next)

        return iter_pages(fetch, per_page=_count("per_page", per_page), key=lambda i: i.id)

    async def find_id(
        self,
        id: str | None = None,
        *,
        custom_id: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> R:
        """Retrieve one image by its ``id`` or by your ``custom_id`` (exactly one).

        Both look-ups use ``GET projects/images/{id or custom_id}``: SDK 0.1.0
        documents the path id, its later branch documents that the same path
        segment also accepts a custom id. The project key decides which
        project is searched. Raises :class:`~labelkit.NotFoundError` when there
        is no such image.
        """
        return await self._client._find(
            id, custom_id, self._model, timeout=timeout, max_retries=max_retries
        )

    async def wait(
        self,
        id: str | None = None,
        *,
        custom_id: str | None = None,
        timeout: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
    ) -> R:
        """Poll :meth:`find_id` until the image is ``processed`` and return it.

        See :meth:`AsyncDatawow.wait` for the schedule and the errors.
        """
        return await self._client._wait(id, custom_id, self._model, timeout=timeout, poll=poll)

    def wait_many(
        self,
        ids: Iterable[str],
        *,
        timeout: float | NotGiven | None = NOT_GIVEN,
        concurrency: int = 64,
        poll: PollPolicy | None = None,
    ) -> BulkRun[str, R]:
        """Wait for many images; yields an Outcome per id as each one is processed."""
        return self._client._wait_many(
            ids, self._model, timeout=timeout, concurrency=concurrency, poll=poll
        )

    async def verify_postback(
        self,
        postback: Postback,
        *,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> R:
        """Re-fetch the image a postback names (see :meth:`AsyncDatawow.verify_postback`)."""
        custom_id = postback.custom_id if postback.id is None else None
        return await self.find_id(
            postback.id, custom_id=custom_id, timeout=timeout, max_retries=max_retries
        )

    async def _send(
        self, form: _Form, timeout: float | Timeout | NotGiven | None, max_retries: int | NotGiven
    ) -> R:
        return await self._client._create(
            self._path, form, self._model, timeout=timeout, max_retries=max_retries
        )


class AsyncChoices(_AsyncImages[ChoiceImage]):
    """Choice: a moderator picks among your ``categories`` (about 30 minutes)."""

    def __init__(self, client: AsyncDatawow) -> None:
        super().__init__(client, "images/choices", ChoiceImage)

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        categories: Sequence[str] | str | None = None,
        multiple: bool | None = None,
        allow_empty: bool | None = None,
        postback_url: str | None = None,
        postback_method: str | None = None,
        custom_id: str | None = None,
        staff_id: int | None = None,
        params: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ChoiceImage:
        """Submit an image (``data``, its URL) with a question and its answer choices.

        ``categories`` is a list of single-word choices, or one string of them
        separated by spaces: the server splits on whitespace, so a category
        containing a space is rejected. ``multiple`` allows several answers,
        ``allow_empty`` none (both default to false on the server).
        ``postback_url``/``postback_method`` ask Datawow to call you when the
        image is processed; ``custom_id`` is your own searchable id.

        The SDK's form, ``create(params={"data": ..., "instruction": ...})``
        (or the dict as the first argument), is accepted too; a field given
        both ways must agree. Fields labelkit does not know are sent as given.

        A create is not idempotent: after a failure that may have reached the
        server, :class:`~labelkit.AmbiguousResultError` is raised instead of
        re-sending; with a ``custom_id`` you can check with
        ``find_id(custom_id=...)`` before creating again.
        """
        f = _merge(
            data,
            params,
            instruction=instruction,
            categories=categories,
            multiple=multiple,
            allow_empty=allow_empty,
        )
        form: _Form = {
            "data": _text("data", f.pop("data", None)),
            "instruction": _text("instruction", f.pop("instruction", None)),
            "categories": _categories(f.pop("categories", None)),
            "multiple": _flag("multiple", f.pop("multiple", None)),
            "allow_empty": _flag("allow_empty", f.pop("allow_empty", None)),
        }
        form.update(_common(f, postback_url, postback_method, custom_id, staff_id))
        return await self._send(form, timeout, max_retries)


class AsyncClosedQuestions(_AsyncImages[ClosedQuestionImage]):
    """ClosedQuestion ("standard criteria"): approved, declined or ban (about 5 minutes)."""

    def __init__(self, client: AsyncDatawow) -> None:
        super().__init__(client, "images/closed_questions", ClosedQuestionImage)

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        postback_url: str | None = None,
        postback_method: str | None = None,
        custom_id: str | None = None,
        staff_id: int | None = None,
        params: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ClosedQuestionImage:
        """Submit an image (``data``, its URL) for an approve / decline / ban verdict.

        ``instruction`` is optional (the SDK docstring lists it, the API table
        does not). Other arguments as in :meth:`AsyncChoices.create`.
        """
        f = _merge(data, params, instruction=instruction)
        form: _Form = {"data": _text("data", f.pop("data", None))}
        if f.get("instruction") is not None:
            form["instruction"] = _text("instruction", f.pop("instruction"))
        form.update(_common(f, postback_url, postback_method, custom_id, staff_id))
        return await self._send(form, timeout, max_retries)


class _AsyncInstructed(_AsyncImages[R]):
    """A product whose create takes only an ``instruction`` besides the common fields."""

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        postback_url: str | None = None,
        postback_method: str | None = None,
        custom_id: str | None = None,
        staff_id: int | None = None,
        params: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> R:
        """Submit an image (``data``, its URL) with an ``instruction`` for the moderator.

        Other arguments as in :meth:`AsyncChoices.create`.
        """
        f = _merge(data, params, instruction=instruction)
        form: _Form = {
            "data": _text("data", f.pop("data", None)),
            "instruction": _text("instruction", f.pop("instruction", None)),
        }
        form.update(_common(f, postback_url, postback_method, custom_id, staff_id))
        return await self._send(form, timeout, max_retries)


class AsyncMessages(_AsyncInstructed[MessageImage]):
    """Message: a moderator answers your ``instruction`` with free text."""

    def __init__(self, client: AsyncDatawow) -> None:
        super().__init__(client, "images/messages", MessageImage)


class AsyncPhotoTags(_AsyncInstructed[PhotoTagImage]):
    """PhotoTag: a moderator draws the areas matching your ``instruction``."""

    def __init__(self, client: AsyncDatawow) -> None:
        super().__init__(client, "images/photo_tags", PhotoTagImage)


class AsyncPredictions(_AsyncImages[PredictionImage]):
    """Prediction ("Images (AI Beta)"): AI moderation; starts in ``processing``."""

    def __init__(self, client: AsyncDatawow) -> None:
        super().__init__(client, "prime/predictions", PredictionImage)

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        postback_url: str | None = None,
        postback_method: str | None = None,
        custom_id: str | None = None,
        params: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> PredictionImage:
        """Submit an image (``data``, its URL) to the project's AI model.

        ``instruction`` is not documented for predictions; it is sent only when
        given (the README's example sends one). There is no ``staff_id``.
        Other arguments as in :meth:`AsyncChoices.create`.
        """
        f = _merge(data, params, instruction=instruction)
        form: _Form = {"data": _text("data", f.pop("data", None))}
        if f.get("instruction") is not None:
            form["instruction"] = _text("instruction", f.pop("instruction"))
        form.update(_common(f, postback_url, postback_method, custom_id, None))
        return await self._send(form, timeout, max_retries)


# -- validation (everything is checked before a request is sent) ----------------------


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


def _flag(field: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(field, f"must be True, False or None, got {value!r}")
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
    """Fields labelkit does not model, sent as given (the SDK sent any key of ``params``)."""
    out: dict[str, QueryValue] = {}
    for key, value in fields.items():
        if not isinstance(value, (str, int, float)):
            raise ValidationError(
                f"params[{key!r}]", f"must be a string or number, got {type(value).__name__}"
            )
        out[key] = value
    return out


def _common(
    fields: dict[str, object],
    postback_url: str | None,
    postback_method: str | None,
    custom_id: str | None,
    staff_id: int | None,
) -> _Form:
    """The optional fields every product shares, then whatever else ``fields`` holds."""
    f = _merge(
        None,
        fields,
        postback_url=postback_url,
        postback_method=postback_method,
        custom_id=custom_id,
        staff_id=staff_id,
    )
    postback_url = typing.cast("str | None", f.pop("postback_url", None))
    postback_method = typing.cast("str | None", f.pop("postback_method", None))
    custom_id = typing.cast("str | None", f.pop("custom_id", None))
    staff_id = typing.cast("int | None", f.pop("staff_id", None))
    form: _Form = {}
    if postback_url is not None:
        parts = urlsplit(postback_url) if isinstance(postback_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError("postback_url", f"must be an http(s) URL, got {postback_url!r}")
        form["postback_url"] = postback_url
    if postback_method is not None:
        # Sent as given, as the SDK does: the server judges the method.
        form["postback_method"] = _text("postback_method", postback_method)
    if custom_id is not None:
        form["custom_id"] = _text("custom_id", custom_id)
    if staff_id is not None:
        if isinstance(staff_id, bool) or not isinstance(staff_id, int) or staff_id < 0:
            raise ValidationError("staff_id", f"must be a non-negative int, got {staff_id!r}")
        form["staff_id"] = staff_id
    form.update(_passed_through(f))
    return form


def _count(field: str, value: object) -> int:
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"must be an int >= 1, got {value!r}")
    return value


def _image_segment(id: str | None, custom_id: str | None) -> str:
    """The path segment naming one image: exactly one of ``id`` or ``custom_id``."""
    if (id is None) == (custom_id is None):
        raise ValidationError("id", "pass exactly one of id or custom_id")
    if id is not None:
        return segment(id, field="id")
    return segment(custom_id, field="custom_id")
