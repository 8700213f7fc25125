"""The Datawow k-sequencing (image moderation) client."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Iterable, Mapping

import attrs
from typing_extensions import Unpack

from ..._bulk import BulkRun
from ..._client import AsyncAPIClient, ClientOptions, EnvelopeError
from ..._config import PollPolicy, Timeout
from ..._errors import ValidationError
from ..._http import HttpResponse, QueryValue
from ..._models import ResponseValidationError, structure
from ..._poll import JobState, WaitOptions
from ..._types import NOT_GIVEN, NotGiven
from ._forms import _image_segment
from ._lookups import _ImageLookups
from ._models import Image, ImagePage, PageMeta
from ._resources import (
    AsyncChoices,
    AsyncClosedQuestions,
    AsyncMessages,
    AsyncPhotoTags,
    AsyncPredictions,
)

__all__ = ["DEFAULT_POLL", "AsyncDatawow"]

T = typing.TypeVar("T", bound=Image)

#: Human moderation takes minutes (about 5 for closed questions, 30 for
#: choices), so waits poll slowly: first after 5 s, then every 5 s growing
#: x1.5 up to once a minute, for at most two hours by default.
DEFAULT_POLL = PollPolicy(
    initial_delay=5.0, interval=5.0, backoff=1.5, max_interval=60.0, timeout=7200.0
)


def _classify(image: Image) -> JobState:
    return JobState.SUCCEEDED if image.status.is_terminal else JobState.PENDING


class AsyncDatawow(AsyncAPIClient, _ImageLookups[Image]):
    """Async client for Datawow's k-sequencing image moderation API.

    The products of the official ``k_sequencing`` SDK are attributes:
    :attr:`choice`, :attr:`closed_question`, :attr:`message`,
    :attr:`photo_tag` and :attr:`prediction`, each with ``create``, ``list``
    and ``find_id`` (by ``id`` or ``custom_id``), plus ``iter_images`` and
    ``wait``.

    ``project_key`` is sent raw as ``Authorization: <key>`` (default: the
    ``DATAWOW_PROJECT_KEY`` environment variable; the SDK's generic
    ``PROJECT_KEY`` is deliberately not read). Every Datawow project has its
    own key and one product, so a client is bound to one project: use the
    resource of that project's product. ``base_url`` overrides the API root
    (default ``DATAWOW_BASE_URL``, else the production URL); ``transport=``
    is any httpx transport (an emulator's ``transport()`` serves in-process;
    ``app=`` is a deprecated alias for an ASGI app). Datawow
    documents no rate limit, so none is applied unless ``rate_limit=`` is
    given. ``poll`` is the default policy of the waits (see
    :data:`DEFAULT_POLL`). ``list_params_as_body=True`` sends ``page`` and
    ``per_page`` of list calls as a form-encoded GET body as the official SDK
    did, instead of the query string.

    Usage::

        async with AsyncDatawow(key) as datawow:
            image = await datawow.choice.create(
                "https://example.com/cat.jpg",
                instruction="Which animal?",
                categories=["cat", "dog"],
            )
            image = await datawow.choice.wait(image.id)
            print(image.answer)
    """

    provider = "datawow"
    default_base_url = "https://k-sequencing.datawow.io/api"
    base_url_env = "DATAWOW_BASE_URL"
    default_rate_limit = None

    choice: AsyncChoices
    """Choice: multiple-choice questions about an image."""
    closed_question: AsyncClosedQuestions
    """ClosedQuestion: approve / decline / ban."""
    message: AsyncMessages
    """Message: free-text answers."""
    photo_tag: AsyncPhotoTags
    """PhotoTag: tagged areas of an image."""
    prediction: AsyncPredictions
    """Prediction: AI moderation ("Images (AI Beta)")."""

    def __init__(
        self,
        project_key: str | None = None,
        *,
        poll: PollPolicy = DEFAULT_POLL,
        list_params_as_body: bool = False,
        **options: Unpack[ClientOptions],
    ) -> None:
        project_key = project_key or os.environ.get("DATAWOW_PROJECT_KEY")
        if not project_key:
            raise ValidationError(
                "project_key", "missing: pass project_key= or set DATAWOW_PROJECT_KEY"
            )
        self._poll = poll
        self._list_params_as_body = list_params_as_body
        super().__init__(
            credential=project_key,
            auth_headers={"Authorization": project_key},
            **options,
        )
        self._bind_resources()

    _model = Image

    def _datawow(self) -> AsyncDatawow:
        return self

    def _bind_resources(self) -> None:
        self.choice = AsyncChoices(self)
        self.closed_question = AsyncClosedQuestions(self)
        self.message = AsyncMessages(self)
        self.photo_tag = AsyncPhotoTags(self)
        self.prediction = AsyncPredictions(self)

    # -- shared by the product resources ------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        form: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None,
        max_retries: int | NotGiven,
        parse: typing.Callable[[object], object] | None = None,
    ) -> tuple[typing.Any, dict[str, typing.Any]]:
        """Send a request and split the ``{data, meta}`` envelope; ``parse`` turns ``data``
        into the result inside the core (so a create whose answer cannot be read is ambiguous).
        """

        def unwrap(body: object) -> tuple[object, dict[str, typing.Any]]:
            if not isinstance(body, dict) or not ("data" in body or "meta" in body):
                raise ResponseValidationError(
                    'expected {"data": ..., "meta": ...}',
                    path=f"{method} {path}",
                    body=self._redact(body),
                )
            meta = body.get("meta")
            meta = meta if isinstance(meta, dict) else {}
            data = body.get("data")
            return (data if parse is None else parse(data)), meta

        return await self._request_json(
            method,
            path,
            params=params,
            form=form,
            timeout=timeout,
            max_retries=max_retries,
            parse=unwrap,
        )

    async def _create(
        self,
        path: str,
        form: Mapping[str, object],
        model: type[T],
        *,
        timeout: float | Timeout | NotGiven | None,
        max_retries: int | NotGiven,
    ) -> T:
        created, meta = await self._call(
            "POST",
            path,
            form=form,
            timeout=timeout,
            max_retries=max_retries,
            parse=lambda data: _record(_single(data, None, None), model),
        )
        return _enveloped(typing.cast(T, created), meta)

    async def _list(
        self,
        path: str,
        model: type[T],
        query: Mapping[str, QueryValue],
        *,
        timeout: float | Timeout | NotGiven | None,
        max_retries: int | NotGiven,
    ) -> ImagePage[T]:
        data, meta = await self._call(
            "GET",
            path,
            params=None if self._list_params_as_body else query,
            form=query if self._list_params_as_body else None,
            timeout=timeout,
            max_retries=max_retries,
        )
        # A listed record without an id (as in the seed's ClosedQuestion example) is still a
        # record: it is returned with id None rather than failing the whole page.
        images = [_record(_with_id(raw), model) for raw in _many(data)]
        return ImagePage(images=images, meta=structure(meta, PageMeta))

    async def _find(
        self,
        id: str | None,
        custom_id: str | None,
        model: type[T],
        *,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> T:
        path = f"projects/images/{_image_segment(id, custom_id)}"
        data, meta = await self._call("GET", path, timeout=timeout, max_retries=max_retries)
        return _enveloped(_record(_single(data, id, custom_id), model), meta)

    async def _wait(
        self,
        id: str | None,
        custom_id: str | None,
        model: type[T],
        **wait: Unpack[WaitOptions],
    ) -> T:
        _image_segment(id, custom_id)
        return await self._wait_job(
            id if id is not None else custom_id,
            lambda _: self._find(id, custom_id, model),
            _classify,
            "Datawow image",
            **wait,
        )

    def _wait_many(
        self,
        ids: Iterable[str],
        model: type[T],
        *,
        concurrency: int,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[str, T]:
        return self._wait_jobs(
            ids,
            lambda id: self._find(id, None, model),
            _classify,
            "Datawow image",
            concurrency=concurrency,
            **wait,
        )

    def _check_envelope(self, response: HttpResponse, body: typing.Any) -> EnvelopeError | None:
        # An error inside a 2xx response: retried and raised as the same status would be.
        meta = body.get("meta") if isinstance(body, dict) else None
        code = meta.get("code") if isinstance(meta, dict) else None
        if isinstance(code, int) and not isinstance(code, bool) and code >= 400:
            return EnvelopeError(code, message=f"meta.code {code}")
        return None

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        # Datawow reports errors as {"meta": {"code": 401, "message": "Not authenticated"}}.
        # meta.code echoes the HTTP status; only a textual code says more than the status.
        meta = body.get("meta") if isinstance(body, Mapping) else None
        if isinstance(meta, Mapping) and meta.get("message") is not None:
            message, code = meta["message"], meta.get("code")
            return (
                code if isinstance(code, str) else None,
                message if isinstance(message, str) else json.dumps(message),
            )
        return super()._error_details(body)


# -- the envelope's data: the seed shows several shapes, all are accepted ---------------


def _single(data: object, id: str | None, custom_id: str | None) -> dict[str, typing.Any]:
    """The one record in ``data``, ``data.image`` or ``data.images``.

    Looked up by ``custom_id``, only a record carrying exactly that
    ``custom_id`` counts: that lookup decides whether a lost create is sent
    again, so a near match (however the server matched it) is an error, not
    an answer.
    """
    if custom_id is not None:
        exact = [r for r in _records(data) if r.get("custom_id") == custom_id]
        if len(exact) == 1:
            return exact[0]
        raise ResponseValidationError(
            f"expected one image record with custom_id {custom_id!r}, got {len(exact)}",
            path="data",
            body=data,
        )
    if isinstance(data, dict):
        if isinstance(data.get("image"), dict):
            return typing.cast(dict[str, typing.Any], data["image"])
        images = data.get("images")
        if isinstance(images, list):
            records = [r for r in images if isinstance(r, dict)]
            matches = [
                r
                for r in records
                if (id is not None and r.get("id") == id)
                or (custom_id is not None and r.get("custom_id") == custom_id)
            ]
            if len(matches) == 1 or len(records) == 1:
                return (matches or records)[0]
        elif "id" in data:
            return data
    raise ResponseValidationError("expected one image record", path="data", body=data)


def _records(data: object) -> list[dict[str, typing.Any]]:
    """Every record in ``data``, ``data.image`` or ``data.images``."""
    if isinstance(data, dict):
        if isinstance(data.get("image"), dict):
            return [data["image"]]
        if isinstance(data.get("images"), list):
            return [r for r in data["images"] if isinstance(r, dict)]
        if "id" in data:
            return [data]
    return []


def _many(data: object) -> list[typing.Any]:
    """The records of a list call: ``data.images`` (or ``data.image``)."""
    if data is None or data == {}:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("images", "image"):
            value = data.get(key)
            if isinstance(value, list):
                return value
            if isinstance(value, dict):
                return [value]
    raise ResponseValidationError("expected a list of image records", path="data", body=data)


def _with_id(raw: object) -> object:
    return {"id": None, **raw} if isinstance(raw, dict) and "id" not in raw else raw


def _record(raw: object, model: type[T]) -> T:
    if isinstance(raw, dict):
        lists = [f.name for f in attrs.fields(model) if _is_list_field(f)]
        for name in lists:
            # cattrs would turn "face" into ["f", "a", "c", "e"].
            if isinstance(raw.get(name), (str, bytes, dict)):
                kind = type(raw[name]).__name__
                raise ResponseValidationError(
                    f"expected a list, got {kind}", path=f"{model.__name__}.{name}", body=raw
                )
        # "answer": null before processing where the answer is a list.
        raw = {k: v for k, v in raw.items() if not (v is None and k in lists)}
    return structure(raw, model)


def _enveloped(record: T, meta: dict[str, typing.Any]) -> T:
    """Keep the envelope's ``meta`` (``code``, ``message``) on a single result."""
    record._envelope = structure(meta, PageMeta)
    return record


def _is_list_field(field: attrs.Attribute[typing.Any]) -> bool:
    default: object = field.default
    return getattr(default, "factory", None) is list
