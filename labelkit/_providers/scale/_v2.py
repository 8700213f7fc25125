"""``client.v2``: Scale's v2 ("GenAI") API under the official 2.18.4 client's names.

Every operation of the official generated client, with its keyword arguments:
``await client.v2.get_task(task_id=..., expand=["project"], opts=[...])``,
``await client.v2.create_batch(create_batch_request={...})``. Requests go to
the client's host + ``/v2`` with ``Authorization: Bearer <api key>`` and share
the client's pool, rate limiter, retries and redaction. How arguments go on
the wire is in :mod:`._v2_wire`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from ._v2_datasets import Redirected, _V2DatasetsMixin
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
    body_of,
    one_of,
)

if typing.TYPE_CHECKING:
    from ._base import _ScaleBase

__all__ = ["AsyncScaleV2", "Redirected"]

Body = typing.Union[Mapping[str, typing.Any], typing.Any]


class AsyncScaleV2(_V2DatasetsMixin):
    """The v2 operations, bound to an :class:`~labelkit.scale.AsyncScale` (``client.v2``)."""

    def __init__(self, client: _ScaleBase, api_key: str) -> None:
        self._client = client
        self._auth = {"Authorization": f"Bearer {api_key}"}

    def __repr__(self) -> str:
        return f"AsyncScaleV2(base_url={self._client.base_url + 'v2/'!r})"

    # -- tasks --------------------------------------------------------------------------

    async def get_task(self, task_id: str, expand: Many = None, opts: Many = None) -> V2Task:
        """A task by id (``GET /v2/task``). ``expand``: ``project``, ``batch``; ``opts``:
        ``annotation_details``, ``attachment_details``, ``model_parameters``, ``submissions``."""
        return await self._get("task", V2Task, locals())

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
        return await self._get("tasks", V2TaskPage, locals())

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
        one_of("get_batch", batch_id=batch_id, batch_name=batch_name)
        return await self._get("batch", V2Batch, locals())

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
        return await self._get("batches", V2BatchPage, locals())

    async def create_batch(self, create_batch_request: Body) -> V2Batch:
        """Create a batch (``POST /v2/batch``) from a :class:`CreateBatchRequest` or a dict;
        ``staging_batch`` is sent ``false`` unless given."""
        body = body_of(CreateBatchRequest, "create_batch_request", create_batch_request)
        one_of(
            "create_batch", project_id=body.get("project_id"), project_name=body.get("project_name")
        )
        return await self._call("POST", "batch", V2Batch, body=body)

    async def finalize_batch(self, batch_operation_request: Body) -> V2Batch:
        """Finalize a staging batch: its tasks start (``POST /v2/batch/finalize``)."""
        body = _batch_operation(batch_operation_request, "finalize_batch")
        return await self._call("POST", "batch/finalize", V2Batch, body=body)

    async def pause_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Pause a batch (``POST /v2/batch/pause``)."""
        body = _batch_operation(batch_operation_request, "pause_batch")
        return await self._call("POST", "batch/pause", V2BatchOperationResult, body=body)

    async def resume_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Resume a paused batch (``POST /v2/batch/resume``)."""
        body = _batch_operation(batch_operation_request, "resume_batch")
        return await self._call("POST", "batch/resume", V2BatchOperationResult, body=body)

    async def cancel_batch(self, batch_operation_request: Body) -> V2BatchOperationResult:
        """Cancel a batch and its pending tasks (``POST /v2/batch/cancel``)."""
        body = _batch_operation(batch_operation_request, "cancel_batch")
        return await self._call("POST", "batch/cancel", V2BatchOperationResult, body=body)

    async def set_batch_metadata(self, set_batch_metadata_request: Body) -> V2Batch:
        """Replace (or deep-merge with ``merge=True``) a batch's metadata
        (``POST /v2/batch/metadata``); safe to re-send, so it is retried."""
        body = body_of(
            SetBatchMetadataRequest, "set_batch_metadata_request", set_batch_metadata_request
        )
        one_of(
            "set_batch_metadata", batch_id=body.get("batch_id"), batch_name=body.get("batch_name")
        )
        return await self._call("POST", "batch/metadata", V2Batch, body=body, idempotent=True)

    # -- projects and deliveries --------------------------------------------------------

    async def get_project(
        self, project_id: str | None = None, project_name: str | None = None
    ) -> V2Project:
        """A project by ``project_id`` or ``project_name`` (``GET /v2/project``)."""
        one_of("get_project", project_id=project_id, project_name=project_name)
        return await self._get("project", V2Project, locals())

    async def get_projects(
        self, created_after: Moment = None, created_before: Moment = None
    ) -> V2ProjectList:
        """Every project (``GET /v2/projects``, not paged)."""
        return await self._get("projects", V2ProjectList, locals())

    async def get_deliveries(
        self,
        project_id: str | None = None,
        project_name: str | None = None,
        delivered_after: Moment = None,
        delivered_before: Moment = None,
        expand: Many = None,
    ) -> V2DeliveryList:
        """A project's deliveries (``GET /v2/deliveries``)."""
        return await self._get("deliveries", V2DeliveryList, locals())

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
        one_of("get_delivery", delivery_id=delivery_id, delivery_name=delivery_name)
        return await self._get("delivery", V2DeliveryPage, locals())

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
        return await self._get("delivery/tasks", V2DeliveryTaskPage, locals())

    # -- annotations and schemas --------------------------------------------------------

    async def get_annotation(self, annotation_id: str) -> V2Annotation:
        """An annotation by id (``GET /v2/annotation``)."""
        return await self._get("annotation", V2Annotation, locals())

    async def get_schema(self, schema_id: str) -> V2SchemaResponse:
        """A response schema by id (``GET /v2/schema``): ``{"schema": {"id", "json"}}``."""
        return await self._get("schema", V2SchemaResponse, locals())


def _batch_operation(value: Body, operation: str) -> dict[str, typing.Any]:
    body = body_of(BatchOperationRequest, "batch_operation_request", value)
    one_of(operation, batch_id=body.get("batch_id"), batch_name=body.get("batch_name"))
    return body
