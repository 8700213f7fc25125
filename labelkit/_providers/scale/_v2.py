"""``client.v2``: Scale's v2 ("GenAI") API under the official 2.18.4 client's names.

Every operation of the official generated client, with its keyword arguments:
``await client.v2.get_task(task_id=..., expand=["project"], opts=[...])``,
``await client.v2.create_batch(create_batch_request={...})``. Requests go to
the client's host + ``/v2`` with ``Authorization: Bearer <api key>`` and share
the client's pool, rate limiter, retries and redaction. How arguments go on
the wire is in :mod:`._v2_wire`; a 3xx answer is a :class:`Redirected`.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Mapping
from urllib.parse import urljoin

from ..._errors import APIStatusError, ValidationError
from ..._models import Model
from ..._paths import segment
from ..._validate import ArgumentChecked
from ._v2_models import (
    BatchOperationRequest,
    CreateBatchRequest,
    CreateChatTaskRequest,
    SetBatchMetadataRequest,
    SetTaskMetadataRequest,
    V2Annotation,
    V2Batch,
    V2BatchOperationResult,
    V2BatchPage,
    V2DatasetDeliveryList,
    V2DatasetDeliveryPage,
    V2DatasetList,
    V2DatasetTask,
    V2DatasetTaskPage,
    V2DeliveryList,
    V2DeliveryPage,
    V2DeliveryTaskPage,
    V2Project,
    V2ProjectList,
    V2SchemaResponse,
    V2Task,
    V2TaskPage,
)
from ._v2_wire import (
    EnumArg,
    Many,
    Moment,
    Query,
    body_of,
    query_of,
)

if typing.TYPE_CHECKING:
    from ._base import _ScaleBase

__all__ = ["AsyncScaleV2", "Redirected", "redirected"]

Body = typing.Union[Mapping[str, typing.Any], typing.Any]
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


class AsyncScaleV2(ArgumentChecked):
    """The v2 operations, bound to an :class:`~labelkit.scale.AsyncScale` (``client.v2``)."""

    def __init__(self, client: _ScaleBase, api_key: str) -> None:
        self._client = client
        self._auth = {"Authorization": f"Bearer {api_key}"}

    def __repr__(self) -> str:
        return f"AsyncScaleV2(base_url={self._client._redact(self._client.base_url + 'v2/')!r})"

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

    async def _get(self, path: str, cls: type[M], /, **arguments: typing.Any) -> M:
        """``GET /v2/<path>`` whose query is ``arguments``, each under its own name: every
        v2 query key is named as the argument it comes from."""
        return await self._call("GET", path, cls, query=query_of(arguments))

    # -- tasks --------------------------------------------------------------------------

    async def get_task(self, task_id: str, expand: Many = None, opts: Many = None) -> V2Task:
        """A task by id (``GET /v2/task``). ``expand``: ``project``, ``batch``; ``opts``:
        ``annotation_details``, ``attachment_details``, ``model_parameters``, ``submissions``."""
        return await self._get("task", V2Task, task_id=task_id, expand=expand, opts=opts)

    async def get_tasks(
        self,
        project_id: str | None = None,
        project_name: str | None = None,
        batch_id: str | None = None,
        batch_name: str | None = None,
        status: EnumArg | None = None,
        completed_after: Moment = None,
        completed_before: Moment = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
        opts: Many = None,
    ) -> V2TaskPage:
        """One page of tasks (``GET /v2/tasks``); pass ``next_token`` back for the next one,
        or iterate them all with the client's :meth:`~AsyncScale.v2_get_tasks`."""
        return await self._get(
            "tasks",
            V2TaskPage,
            project_id=project_id,
            project_name=project_name,
            batch_id=batch_id,
            batch_name=batch_name,
            status=status,
            completed_after=completed_after,
            completed_before=completed_before,
            limit=limit,
            next_token=next_token,
            expand=expand,
            opts=opts,
        )

    async def create_chat_task(self, create_chat_task_request: Body) -> V2Task:
        """Create a chat task (``POST /v2/task/chat``) from a :class:`CreateChatTaskRequest`
        or a dict of its fields."""
        body = body_of(CreateChatTaskRequest, "create_chat_task_request", create_chat_task_request)
        return await self._call("POST", "task/chat", V2Task, body=body)

    async def set_task_metadata(self, set_task_metadata_request: Body) -> V2Task:
        """Replace (or with ``merge=True`` deep-merge) a task's metadata
        (``POST /v2/task/metadata``); safe to re-send, so it is retried."""
        body = body_of(
            SetTaskMetadataRequest, "set_task_metadata_request", set_task_metadata_request
        )
        return await self._call("POST", "task/metadata", V2Task, body=body, idempotent=True)

    # -- batches ------------------------------------------------------------------------

    async def get_batch(
        self, batch_id: str | None = None, batch_name: str | None = None, expand: Many = None
    ) -> V2Batch:
        """A batch by ``batch_id`` or ``batch_name`` (``GET /v2/batch``).

        ``expand``: ``project``.
        """
        return await self._get(
            "batch", V2Batch, batch_id=batch_id, batch_name=batch_name, expand=expand
        )

    async def get_batches(
        self,
        project_id: str | None = None,
        project_name: str | None = None,
        status: EnumArg | None = None,
        created_after: Moment = None,
        created_before: Moment = None,
        completed_after: Moment = None,
        completed_before: Moment = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
    ) -> V2BatchPage:
        """One page of batches (``GET /v2/batches``)."""
        return await self._get(
            "batches",
            V2BatchPage,
            project_id=project_id,
            project_name=project_name,
            status=status,
            created_after=created_after,
            created_before=created_before,
            completed_after=completed_after,
            completed_before=completed_before,
            limit=limit,
            next_token=next_token,
            expand=expand,
        )

    async def create_batch(self, create_batch_request: Body) -> V2Batch:
        """Create a batch (``POST /v2/batch``) from a :class:`CreateBatchRequest` or a dict;
        ``staging_batch`` is sent ``false`` unless given."""
        body = body_of(CreateBatchRequest, "create_batch_request", create_batch_request)
        return await self._call("POST", "batch", V2Batch, body=body)

    async def finalize_batch(self, batch_operation_request: Body) -> V2Batch:
        """Finalize a staging batch: its tasks start (``POST /v2/batch/finalize``)."""
        body = _batch_operation(batch_operation_request)
        return await self._call("POST", "batch/finalize", V2Batch, body=body)

    async def pause_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Pause a batch (``POST /v2/batch/pause``)."""
        body = _batch_operation(batch_operation_request)
        return await self._call("POST", "batch/pause", V2BatchOperationResult, body=body)

    async def resume_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Resume a paused batch (``POST /v2/batch/resume``)."""
        body = _batch_operation(batch_operation_request)
        return await self._call("POST", "batch/resume", V2BatchOperationResult, body=body)

    async def cancel_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Cancel a batch and its pending tasks (``POST /v2/batch/cancel``)."""
        body = _batch_operation(batch_operation_request)
        return await self._call("POST", "batch/cancel", V2BatchOperationResult, body=body)

    async def set_batch_metadata(self, set_batch_metadata_request: Body) -> V2Batch:
        """Replace (or deep-merge with ``merge=True``) a batch's metadata
        (``POST /v2/batch/metadata``); safe to re-send, so it is retried."""
        body = body_of(
            SetBatchMetadataRequest, "set_batch_metadata_request", set_batch_metadata_request
        )
        return await self._call("POST", "batch/metadata", V2Batch, body=body, idempotent=True)

    # -- projects and deliveries --------------------------------------------------------

    async def get_project(
        self, project_id: str | None = None, project_name: str | None = None
    ) -> V2Project:
        """A project by ``project_id`` or ``project_name`` (``GET /v2/project``)."""
        return await self._get(
            "project", V2Project, project_id=project_id, project_name=project_name
        )

    async def get_projects(
        self, created_after: Moment = None, created_before: Moment = None
    ) -> V2ProjectList:
        """Every project (``GET /v2/projects``, not paged)."""
        return await self._get(
            "projects", V2ProjectList, created_after=created_after, created_before=created_before
        )

    async def get_deliveries(
        self,
        project_id: str | None = None,
        project_name: str | None = None,
        delivered_after: Moment = None,
        delivered_before: Moment = None,
        expand: Many = None,
    ) -> V2DeliveryList:
        """A project's deliveries (``GET /v2/deliveries``)."""
        return await self._get(
            "deliveries",
            V2DeliveryList,
            project_id=project_id,
            project_name=project_name,
            delivered_after=delivered_after,
            delivered_before=delivered_before,
            expand=expand,
        )

    async def get_delivery(
        self,
        delivery_id: str | None = None,
        delivery_name: str | None = None,
        project_id: str | None = None,
        project_name: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
        opts: Many = None,
    ) -> V2DeliveryPage:
        """A delivery and one page of its tasks (``GET /v2/delivery``)."""
        return await self._get(
            "delivery",
            V2DeliveryPage,
            delivery_id=delivery_id,
            delivery_name=delivery_name,
            project_id=project_id,
            project_name=project_name,
            limit=limit,
            next_token=next_token,
            expand=expand,
            opts=opts,
        )

    async def get_delivery_tasks(
        self,
        delivery_id: str | None = None,
        project_id: str | None = None,
        project_name: str | None = None,
        status: EnumArg | None = None,
        completed_after: Moment = None,
        completed_before: Moment = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> V2DeliveryTaskPage:
        """One page of delivered tasks with their responses (``GET /v2/delivery/tasks``)."""
        return await self._get(
            "delivery/tasks",
            V2DeliveryTaskPage,
            delivery_id=delivery_id,
            project_id=project_id,
            project_name=project_name,
            status=status,
            completed_after=completed_after,
            completed_before=completed_before,
            limit=limit,
            next_token=next_token,
        )

    # -- annotations and schemas --------------------------------------------------------

    async def get_annotation(self, annotation_id: str) -> V2Annotation:
        """An annotation by id (``GET /v2/annotation``)."""
        return await self._get("annotation", V2Annotation, annotation_id=annotation_id)

    async def get_schema(self, schema_id: str) -> V2SchemaResponse:
        """A response schema by id (``GET /v2/schema``): ``{"schema": {"id", "json"}}``."""
        return await self._get("schema", V2SchemaResponse, schema_id=schema_id)

    # -- datasets -----------------------------------------------------------------------

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
        return await self._get(
            "datasets/deliveries",
            V2DatasetDeliveryList,
            dataset_id=dataset_id,
            delivered_after=delivered_after,
            delivered_before=delivered_before,
            expand=expand,
        )

    async def get_dataset_delivery(
        self,
        delivery_id: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
        expand: Many = None,
    ) -> V2DatasetDeliveryPage:
        """A dataset delivery and one page of its tasks (``GET /v2/datasets/delivery``)."""
        return await self._get(
            "datasets/delivery",
            V2DatasetDeliveryPage,
            delivery_id=delivery_id,
            limit=limit,
            next_token=next_token,
            expand=expand,
        )

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
        return await self._get(
            "datasets/tasks",
            V2DatasetTaskPage,
            dataset_id=dataset_id,
            delivery_id=delivery_id,
            delivered_after=delivered_after,
            delivered_before=delivered_before,
            limit=limit,
            next_token=next_token,
            expand=expand,
        )

    async def get_dataset_task(self, task_id: str, expand: Many = None) -> V2DatasetTask:
        """A dataset task (``GET /v2/datasets/task``); ``expand``: ``dataset``, ``delivery``."""
        return await self._get("datasets/task", V2DatasetTask, task_id=task_id, expand=expand)

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


def _batch_operation(value: Body) -> dict[str, typing.Any]:
    return body_of(BatchOperationRequest, "batch_operation_request", value)
