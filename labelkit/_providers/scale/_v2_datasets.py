"""The dataset operations of ``client.v2`` and the request helper every v2 operation uses.

A mixin of :class:`~labelkit._providers.scale._v2.AsyncScaleV2`: the sync twin
``ScaleV2`` is generated from the whole class.
"""

from __future__ import annotations

import contextlib
import typing
from urllib.parse import urljoin

from ..._errors import APIStatusError, ValidationError
from ..._models import Model
from ..._paths import segment
from ..._validate import ArgumentChecked
from ._v2_models import (
    V2DatasetDeliveryList,
    V2DatasetDeliveryPage,
    V2DatasetList,
    V2DatasetTask,
    V2DatasetTaskPage,
)
from ._v2_wire import Many, Moment, Query, query

if typing.TYPE_CHECKING:
    from ._base import _ScaleBase

__all__ = ["Redirected", "redirected"]

M = typing.TypeVar("M", bound=Model)


class Redirected(APIStatusError):
    """A 3xx answer; ``location`` is its ``Location`` resolved against the request URL."""

    def __init__(self, message: str, *, location: str, **kwargs: typing.Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


def redirected(error: APIStatusError, location: str, request_url: str) -> Redirected:
    """``error`` (a 3xx) as a :class:`Redirected` to ``location`` (made absolute)."""
    return Redirected(
        error.message,
        location=urljoin(request_url, location),
        status=error.status,
        code=error.code,
        request_id=error.request_id,
        body=error.body,
        method=error.method,
        url=error.url,
        retries_taken=error.retries_taken,
    )


class _V2DatasetsMixin(ArgumentChecked):
    """``GET /v2/datasets...`` operations, and :meth:`_call` and :meth:`_get`."""

    _client: _ScaleBase
    _auth: dict[str, str]

    async def _call(
        self,
        method: str,
        path: str,
        cls: type[M],
        *,
        query: Query | None = None,
        body: dict[str, typing.Any] | None = None,
        idempotent: bool | None = None,
    ) -> M:
        where = f"{method} /v2/{path}"
        client = self._client
        extra: dict[str, typing.Any] = {} if body is None else {"json": body}
        return await client._request_json(
            method,
            "v2/" + path,
            params=query,
            headers=self._auth,
            idempotent=idempotent,
            parse=lambda raw: client._parse(raw, cls, where),
            **extra,
        )

    async def _get(self, path: str, cls: type[M], arguments: dict[str, typing.Any]) -> M:
        """``GET /v2/<path>`` whose query is the operation's ``arguments`` (its
        ``locals()``): every v2 query key is named as the argument it comes from."""
        return await self._call("GET", path, cls, query=query(arguments))

    async def get_datasets(self) -> V2DatasetList:
        """Every dataset (``GET /v2/datasets``)."""
        return await self._call("GET", "datasets", V2DatasetList)

    async def get_dataset_deliveries(
        self,
        dataset_id: str | None = None,
        delivered_after: Moment = None,
        delivered_before: Moment = None,
        expand: Many = None,
    ) -> V2DatasetDeliveryList:
        """Deliveries of datasets (``GET /v2/datasets/deliveries``); ``expand``: ``dataset``."""
        return await self._get("datasets/deliveries", V2DatasetDeliveryList, locals())

    async def get_dataset_delivery(
        self,
        delivery_id: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
    ) -> V2DatasetDeliveryPage:
        """A dataset delivery and one page of its tasks (``GET /v2/datasets/delivery``)."""
        return await self._get("datasets/delivery", V2DatasetDeliveryPage, locals())

    async def get_dataset_tasks(
        self,
        dataset_id: str | None = None,
        delivery_id: str | None = None,
        delivered_after: Moment = None,
        delivered_before: Moment = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
    ) -> V2DatasetTaskPage:
        """One page of dataset tasks (``GET /v2/datasets/tasks``)."""
        return await self._get("datasets/tasks", V2DatasetTaskPage, locals())

    async def get_dataset_task(self, task_id: str, expand: Many = None) -> V2DatasetTask:
        """A dataset task (``GET /v2/datasets/task``); ``expand``: ``dataset``, ``delivery``."""
        return await self._get("datasets/task", V2DatasetTask, locals())

    async def get_dataset_task_response_url(self, task_id: str, attachment_id: str) -> str:
        """The URL of one attachment of a dataset task's response.

        ``GET /v2/datasets/task/<task_id>/response_url/<attachment_id>`` answers
        302; the ``Location`` is returned, not followed (the official client
        follows it and sends the Bearer token to that host). Fetch it with
        :meth:`download_dataset_task_response`.
        """
        path = (
            f"datasets/task/{segment(task_id, field='task_id')}"
            f"/response_url/{segment(attachment_id, field='attachment_id')}"
        )
        try:
            answer = await self._client._request_json("GET", "v2/" + path, headers=self._auth)
        except Redirected as redirect:
            return redirect.location
        raise ValidationError(
            "attachment_id",
            f"expected a redirect to the file, got a {type(answer).__name__} body",
        )

    async def download_dataset_task_response(self, task_id: str, attachment_id: str) -> bytes:
        """The bytes of one attachment (see :meth:`get_dataset_task_response_url`).

        The file is fetched without the API key: no ``Authorization`` header goes
        to the storage host. Retries and timeouts are the client's.
        """
        url = await self.get_dataset_task_response_url(task_id, attachment_id)
        chunks: list[bytes] = []
        async with self._client._stream("GET", url) as response:
            async with contextlib.aclosing(response.aiter_bytes()) as body:
                async for chunk in body:
                    chunks.append(chunk)
        return b"".join(chunks)
