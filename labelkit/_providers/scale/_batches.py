"""Scale batches and projects (v1): create, get, list, update."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Mapping

from ..._errors import ValidationError
from ..._models import ResponseValidationError
from ..._pagination import Page, iter_cursor
from ..._paths import segment
from .._alias import alias
from ._base import (
    QueryValue,
    When,
    _body,
    _count,
    _object,
    _ScaleBase,
    _string,
    _task_type,
    _text,
    _when,
)
from ._models import (
    Batch,
    Batchlist,
    BatchStatus,
    BatchStatusReport,
    Project,
    TaskTemplate,
    TaskType,
)

__all__: list[str] = []


class _BatchesMixin(_ScaleBase):
    """Batch and project operations (part of :class:`~labelkit.scale.AsyncScale`)."""

    async def create_batch(
        self,
        project: str,
        batch_name: str,
        callback: str | None = "",
        calibration_batch: bool = False,
        self_label_batch: bool = False,
        metadata: Mapping[str, typing.Any] | None = None,
    ) -> Batch:
        """Create a batch in ``project`` (``POST /v1/batches``).

        ``callback`` is a URL (or an e-mail address) notified when the batch
        completes (``None`` is sent as ``null``, as the official SDK does).
        A batch name is unique, so the create is retried after a timeout or a
        5xx; a 409 after such a retry returns the batch our
        earlier attempt created. A name already used before the call raises
        :class:`~labelkit.ConflictError` (the SDK's ``ScaleDuplicateResource``).
        """
        body = _body(
            "metadata",
            {
                "project": _string("project", project),
                "name": _text("batch_name", batch_name),
                "calibration_batch": calibration_batch,
                "self_label_batch": self_label_batch,
                "callback": callback,
                "metadata": dict(metadata or {}),
            },
        )
        return await self._post_settled(
            "batches",
            Batch,
            json=body,
            settled=lambda: self.get_batch(batch_name),
            ours=lambda batch: batch.project in (None, project),
        )

    async def finalize_batch(self, batch_name: str) -> Batch:
        """Finalize a batch so that its tasks go to work (``POST /v1/batches/<name>/finalize``)."""
        path = f"batches/{segment(batch_name, field='batch_name')}/finalize"
        return await self._v1(
            "POST",
            path,
            idempotent=True,
            parse=lambda raw: self._parse(raw, Batch, "POST /v1/batches/finalize"),
        )

    async def batch_status(self, batch_name: str) -> BatchStatusReport:
        """A batch's status and its task counts per status."""
        raw = await self._v1("GET", f"batches/{segment(batch_name, field='batch_name')}/status")
        return self._parse(raw, BatchStatusReport, "GET /v1/batches/status")

    async def get_batch(self, batch_name: str) -> Batch:
        """Retrieve a batch by name."""
        raw = await self._v1("GET", f"batches/{segment(batch_name, field='batch_name')}")
        return self._parse(raw, Batch, "GET /v1/batches")

    async def set_batch_metadata(
        self, batch_name: str, metadata: Mapping[str, typing.Any]
    ) -> Batch:
        """Replace a batch's metadata (the object itself is the body)."""
        if not isinstance(metadata, Mapping):
            raise ValidationError("metadata", f"must be an object, got {type(metadata).__name__}")
        path = f"batches/{segment(batch_name, field='batch_name')}/setMetadata"
        return await self._v1(
            "POST",
            path,
            json=_object("metadata", metadata),
            idempotent=True,
            parse=lambda raw: self._parse(raw, Batch, "POST /v1/batches/setMetadata"),
        )

    async def batches(
        self,
        *,
        start_time: When = None,
        end_time: When = None,
        exclude_archived: bool | None = None,
        status: BatchStatus | str | None = None,
        project: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Batchlist:
        """One page of batches (``GET /v1/batches``) as a :class:`Batchlist`.

        ``total`` is the envelope's ``totalDocs``; page on with ``offset``, or
        let :meth:`get_batches` do it.
        """
        query: dict[str, QueryValue] = {
            "start_time": _when("start_time", start_time),
            "end_time": _when("end_time", end_time),
            "exclude_archived": exclude_archived,
            "status": status,
            "project": project,
            "limit": _count("limit", limit),
            "offset": _count("offset", offset),
        }
        raw = await self._v1("GET", "batches", params=query)
        if not isinstance(raw, dict) or not isinstance(raw.get("docs"), list):
            raise self._shape_error(raw, "GET /v1/batches")
        total = raw.get("totalDocs", raw.get("total"))
        return Batchlist(
            self._parse_list(raw["docs"], Batch, "GET /v1/batches"),
            total=total if isinstance(total, int) else None,
            limit=raw.get("limit") if isinstance(raw.get("limit"), int) else None,
            offset=raw.get("offset") if isinstance(raw.get("offset"), int) else None,
            has_more=raw.get("has_more") is True,
        )

    list_batches = alias(
        batches,
        """The seed-era name of :meth:`batches`: one page from ``GET /v1/batches``.

        (Unlike old SDKs, it requests ``/v1/batches``, and it does not fetch
        each batch's status separately.)
        """,
    )

    def get_batches(
        self,
        project_name: str | None = None,
        batch_status: BatchStatus | str | None = None,
        created_after: When = None,
        created_before: When = None,
        exclude_archived: bool = False,
    ) -> AsyncIterator[Batch]:
        """Every matching batch, fetched page by page (offset paging) as you iterate.

        Each batch is yielded once; the end is taken from ``has_more``. As the
        official client does, no ``limit`` is sent: the server picks the page
        size and the next ``offset`` adds the ``limit`` the page reports.
        """
        _when("created_after", created_after)
        _when("created_before", created_before)

        async def fetch(cursor: str | None) -> Page[Batch]:
            offset = int(cursor or 0)
            page = await self.batches(
                project=project_name,
                status=batch_status or None,  # the official SDK sends it only when truthy
                start_time=created_after,
                end_time=created_before,
                exclude_archived=exclude_archived,
                offset=offset,
            )
            step = page.limit if page.limit else len(page)
            return Page(page, has_more=page.has_more, next_cursor=str(offset + step))

        return iter_cursor(fetch, key=lambda batch: batch.name)

    # -- projects ------------------------------------------------------------------------

    async def create_project(
        self,
        project_name: str,
        task_type: TaskType | str,
        params: Mapping[str, typing.Any] | None = None,
        rapid: bool = False,
        studio: bool = False,
        dataset_id: str | None = None,
    ) -> Project:
        """Create a project (``POST /v1/projects``); ``params`` are its default task params.

        Retried like :meth:`create_batch` (the name is unique); a name already
        in use raises :class:`~labelkit.ConflictError`.
        """
        kind = _task_type(task_type)
        body = _body(
            "params",
            {
                "type": kind,
                "name": _text("project_name", project_name),
                "params": None if params is None else dict(params),
                "rapid": rapid,
                "studio": studio,
                "datasetId": dataset_id,
            },
        )
        return await self._post_settled(
            "projects",
            Project,
            json=body,
            settled=lambda: self.get_project(project_name),
            ours=lambda project: project.type is None or project.type.value == kind,
        )

    async def get_project(self, project_name: str) -> Project:
        """Retrieve a project by name."""
        raw = await self._v1("GET", f"projects/{segment(project_name, field='project_name')}")
        return self._parse(raw, Project, "GET /v1/projects")

    async def projects(self) -> list[Project]:
        """Every project of the account (``GET /v1/projects``; not paginated)."""
        return self._parse_list(await self._v1("GET", "projects"), Project, "GET /v1/projects")

    get_projects = alias(projects, """Every project of the account (same as :meth:`projects`).""")

    async def update_project(self, project_name: str, **params: typing.Any) -> Project:
        """Set new project parameters, creating a new parameter version (``setParams``).

        ``params`` are sent as the body, e.g. ``patch=True`` (keep the
        parameters not given) and ``instruction="..."``.
        """
        path = f"projects/{segment(project_name, field='project_name')}/setParams"
        return await self._v1(
            "POST",
            path,
            json=_body("params", params),
            parse=lambda raw: self._parse(raw, Project, "POST /v1/projects/setParams"),
        )

    async def get_project_template(self, project_name: str) -> TaskTemplate:
        """A Chat or TextCollection project's task template."""
        path = f"projects/{segment(project_name, field='project_name')}/taskTemplates"
        return self._parse(await self._v1("GET", path), TaskTemplate, "GET /v1/taskTemplates")

    def _shape_error(self, raw: object, where: str) -> Exception:
        return ResponseValidationError('expected {"docs": [...], ...}', path=where, body=raw)
