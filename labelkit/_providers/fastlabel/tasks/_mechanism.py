"""The one mechanism behind every per-type task method.

A public method passes its parameters by name (each must have a wire key in
:data:`WIRE_KEYS`, else the call fails) and its :class:`~._kinds.TaskKind`;
this module turns them into the request the official SDK would send: the same keys,
the same "sent only
when truthy" / "sent when not None" rules (section 5 and 6.1), annotation
sanitising on copies (5.3), and files checked then streamed (3.1, 3.2).
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Mapping

from ...._errors import ValidationError
from ...._files import multipart_body, prepare_upload
from ...._models import ResponseValidationError, structure
from ...._pagination import Page, iter_offset
from ...._paths import segment
from ...._signatures import expand_unpacked_kwargs
from ...._types import NotGiven
from .._area import models, string_list
from .._base import FastLabelBase, check_limit
from .._mp4 import check_h264
from .._upload import READ_AHEAD, check_contents_total, contents, folder_files, inspect_file
from ._assignees import ASSIGNEES, Assignees
from ._kinds import DICOM, TaskKind
from ._models import History, IntegratedTask, Task

__all__ = [
    "ASSIGNEES",
    "WIRE_KEYS",
    "Assignees",
    "TasksBase",
    "filter_query",
    "sanitize_annotations",
    "sanitize_attributes",
]

M = typing.TypeVar("M", bound=Task)

#: Official parameter -> JSON body key, for every parameter a task create or update
#: takes (sections 5 and 6.1). ``file_path`` / ``folder_path`` are the content: sent as
#: the kind's ``file``, ``contents``, ``filePath`` or uploaded (``fileKey``), see
#: :attr:`TaskKind.source <._kinds.TaskKind.source>`.
WIRE_KEYS: dict[str, str] = {
    "project": "project",
    "name": "name",
    "file_path": "file",
    "folder_path": "contents",
    "storage_type": "storageType",
    "status": "status",
    "external_status": "externalStatus",
    "custom_task_status": "customTaskStatus",
    "priority": "priority",
    "annotations": "annotations",
    "relations": "relations",
    "attributes": "attributes",
    "tags": "tags",
    "metadatas": "metadatas",
    "is_delete_exif": "isDeleteExif",
    "operator": "operator",
    **ASSIGNEES,
}

#: The optional body fields sent only when truthy (the SDK's ``if value:``).
_TRUTHY = ("status", "external_status", "custom_task_status", "tags", "metadatas", "relations")
#: The parameters that are not optional body fields (the content and the create's keys).
_NOT_FIELDS = frozenset({"project", "name", "file_path", "folder_path", "storage_type"})

_ANNOTATION_DROP = ("id", "title", "color")
_KEYPOINT_DROP = ("edges", "name")
_ATTRIBUTE_DROP = ("title", "name", "type")


def sanitize_attributes(
    attributes: typing.Iterable[Mapping[str, typing.Any]],
) -> list[dict[str, typing.Any]]:
    """Copies of ``attributes`` without the display-only keys (``title``, ``name``, ``type``)."""
    return [{k: v for k, v in a.items() if k not in _ATTRIBUTE_DROP} for a in attributes]


def sanitize_annotations(
    annotations: typing.Iterable[Mapping[str, typing.Any]], content: str | None
) -> list[dict[str, typing.Any]]:
    """The wire form of ``annotations``, built on copies (the caller's dicts are untouched).

    Drops ``id``, ``title``, ``color``; keypoints lose ``edges`` and ``name``;
    attributes are sanitised and always present; ``content`` is set unless None.
    """
    out = []
    for given in annotations:
        if not isinstance(given, Mapping):
            raise ValidationError(
                "annotations", f"each annotation must be a dict, got {type(given).__name__}"
            )
        annotation = {k: v for k, v in given.items() if k not in _ANNOTATION_DROP}
        if "keypoints" in annotation and annotation["keypoints"] is not None:
            annotation["keypoints"] = [
                {k: v for k, v in kp.items() if k not in _KEYPOINT_DROP}
                for kp in annotation["keypoints"]
            ]
        annotation["attributes"] = sanitize_attributes(annotation.get("attributes") or [])
        if content is not None:
            annotation["content"] = content
        out.append(annotation)
    return out


def priority_value(priority: object) -> int:
    """An int from an int or :class:`~._task_models.Priority` (the SDK's enum was not sendable)."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ValidationError(
            "priority", f"must be an int or Priority, got {type(priority).__name__}"
        )
    return int(priority)


def _content(rule: str | None, args: Mapping[str, typing.Any]) -> str | None:
    if rule in ("name", "file_path"):
        return str(args[rule])
    return rule


def check_parameters(args: Mapping[str, object]) -> None:
    """Refuse a parameter without a wire key (a renamed parameter must not be dropped)."""
    unknown = sorted(set(args) - set(WIRE_KEYS))
    if unknown:
        raise TypeError(f"task parameters without a wire key: {unknown}")


def task_fields(
    kind: TaskKind[typing.Any], args: Mapping[str, typing.Any], *, update: bool
) -> dict[str, typing.Any]:
    """The optional fields of a create or update body, by the SDK's rules."""
    check_parameters(args)
    body: dict[str, typing.Any] = {}
    if args.get("tags") is not None:
        args = {**args, "tags": string_list(args["tags"], "tags")}
    for name in _TRUTHY:
        if args.get(name):
            value = args[name]
            body[WIRE_KEYS[name]] = list(value) if isinstance(value, tuple) else value
    if args.get("priority") is not None:
        body[WIRE_KEYS["priority"]] = priority_value(args["priority"])
    annotations = args.get("annotations")
    if annotations or (kind.annotations_if_not_none and annotations is not None):
        rule = kind.update_content if update else kind.create_content
        body[WIRE_KEYS["annotations"]] = sanitize_annotations(annotations, _content(rule, args))
    if args.get("attributes"):
        body[WIRE_KEYS["attributes"]] = sanitize_attributes(args["attributes"])
    if args.get("is_delete_exif"):
        body[WIRE_KEYS["is_delete_exif"]] = True
    if args.get("operator") is not None:
        body[WIRE_KEYS["operator"]] = args["operator"]
    for name, key in ASSIGNEES.items():
        if name in args and not isinstance(args[name], NotGiven):
            body[key] = args[name]
    return body


#: Official filter parameter -> query key of the task listings and count (section 6.1).
_FILTER_KEYS = {
    "status": "status",
    "external_status": "externalStatus",
    "tags": "tags",
    "task_name": "taskName",
}


def filter_query(project: str, filters: Mapping[str, typing.Any]) -> dict[str, typing.Any]:
    """The query of a task listing or count: ``project`` and each filter given (truthy)."""
    query: dict[str, typing.Any] = {"project": project}
    for name, key in _FILTER_KEYS.items():
        if filters.get(name):
            value = filters[name]
            query[key] = string_list(value, name) if name == "tags" else value
    return query


def task_id_of(data: object, what: str) -> str:
    """The task id a create/update answers with (a JSON string, or an object with ``id``)."""
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        return str(data["id"])
    raise ResponseValidationError("expected a task id", path=what, body=data)


class TasksBase(FastLabelBase):
    """The shared implementation of the per-type task methods."""

    def __init_subclass__(cls, **kwargs: typing.Any) -> None:
        super().__init_subclass__(**kwargs)
        expand_unpacked_kwargs(cls)

    async def _find_task(self, kind: TaskKind[M], task_id: str) -> M:
        data = await self._call("GET", f"{kind.path}/{segment(task_id, field='task_id')}")
        return structure(data, kind.model)

    def _list_query(
        self,
        kind: TaskKind[typing.Any],
        project: str,
        filters: Mapping[str, typing.Any],
        offset: int | None,
        limit: int | None,
    ) -> dict[str, typing.Any]:
        check_limit(limit, kind.max_page_size if kind.enforce_max else None)
        check_limit(offset, None, "offset")
        query = filter_query(project, filters)
        if kind.always_page:  # None is left out, as the SDK's query builder drops it
            query["offset"], query["limit"] = offset, limit
        else:
            query["offset"], query["limit"] = offset or None, limit or None
        return query

    async def _get_tasks(
        self,
        kind: TaskKind[M],
        project: str,
        filters: Mapping[str, typing.Any],
        offset: int | None,
        limit: int | None,
    ) -> list[M]:
        """One page; ``filters`` are the official filter parameters (keys of ``_FILTER_KEYS``)."""
        if not project:
            raise ValidationError("project", "must be a non-empty project slug")
        unknown = sorted(set(filters) - set(_FILTER_KEYS))
        if unknown:
            raise TypeError(f"task filters without a query key: {unknown}")
        query = self._list_query(kind, project, filters, offset, limit)
        return models(await self._call("GET", kind.path, query=query), kind.model, kind.path)

    async def _find_task_by_name(self, kind: TaskKind[M], project: str, task_name: str) -> M | None:
        tasks = await self._get_tasks(kind, project, {"task_name": task_name}, 0, kind.page_size)
        return tasks[0] if tasks else None

    def _iter_tasks(
        self, kind: TaskKind[M], project: str, filters: Mapping[str, typing.Any]
    ) -> AsyncIterator[M]:
        async def page(offset: int, limit: int) -> Page[M]:
            return Page(await self._get_tasks(kind, project, filters, offset, limit))

        return iter_offset(page, limit=kind.max_page_size, key=lambda task: task.id)

    async def _source_fields(
        self, kind: TaskKind[typing.Any], args: Mapping[str, typing.Any]
    ) -> dict[str, typing.Any]:
        if kind.source == "file":
            checked = await inspect_file(
                args["file_path"],
                field="file_path",
                extensions=kind.extensions,
                max_bytes=kind.max_bytes,
                read_up_to=0 if kind.video else READ_AHEAD,
            )
            if kind.video:
                await check_h264(checked.path)
            return {"file": checked.base64("file_path")}
        if kind.source == "contents":
            files = await folder_files(
                args["folder_path"],
                field="folder_path",
                extensions=kind.extensions or (),
                max_bytes=kind.max_bytes,
                max_files=kind.max_files,
            )
            check_contents_total(files, "folder_path")
            return {"contents": contents(files, "folder_path")}
        if kind.source == "storage":
            path = args["file_path"]
            # Only the SDK's own extension check (integrated image) refuses a path; any
            # other value, even "", is sent as the SDK sends it and judged by the server.
            if kind.extensions is not None and not (
                isinstance(path, str) and path.lower().endswith(kind.extensions)
            ):
                raise ValidationError(
                    "file_path",
                    f"{path!r} has an unsupported extension",
                    limit=f"one of {kind.extensions}",
                )
            return {"filePath": path, "storageType": args["storage_type"]}
        return {}

    async def _create_task(self, kind: TaskKind[typing.Any], /, **args: typing.Any) -> str:
        """Check, build and send a create; the official methods return the new task's id."""
        if not args.get("project"):
            raise ValidationError("project", "must be a non-empty project slug")
        body: dict[str, typing.Any] = {"project": args["project"]}
        check_parameters(args)
        if "name" in args:
            if not isinstance(args["name"], str) or not args["name"]:
                raise ValidationError("name", "must be a non-empty string")
            body["name"] = args["name"]
        fields = task_fields(kind, args, update=False)
        body.update(await self._source_fields(kind, args))
        body.update(fields)
        return await self._call(
            "POST", kind.path, body=body, parse=lambda data: task_id_of(data, f"POST {kind.path}")
        )

    async def _update_task(
        self, kind: TaskKind[typing.Any], task_id: str, /, **args: typing.Any
    ) -> str:
        path = f"{kind.path}/{segment(task_id, field='task_id')}"
        data = await self._call("PUT", path, body=task_fields(kind, args, update=True))
        return task_id if data is None else task_id_of(data, f"PUT {kind.path}/{{task_id}}")

    async def _find_integrated(self, media: str, project: str, prefix: str) -> IntegratedTask:
        query = {"project": project, "prefix": prefix}
        return structure(
            await self._call("GET", f"tasks/integrate/{media}", query=query), IntegratedTask
        )

    async def _create_dicom_task(self, /, **args: typing.Any) -> History:
        kind = DICOM
        fields = task_fields(kind, args, update=False)
        key = await self._upload_zip(args["project"], args["file_path"], max_bytes=kind.max_bytes)
        body = {"project": args["project"], **fields, "fileKey": key}
        return await self._call(
            "POST", kind.path, body=body, parse=lambda data: structure(data, History)
        )

    async def _upload_zip(
        self, project: str, file_path: typing.Any, *, max_bytes: int | None
    ) -> str:
        """The signed-URL flow (section 3.2): returns the storage key to register.

        The zip is streamed to the signed URL (no Authorization header) and the
        PUT's status is checked, so a failed upload is never registered.
        """
        if not project:
            raise ValidationError("project", "must be a non-empty project slug")
        checked = await inspect_file(
            file_path, field="file_path", extensions=(".zip",), max_bytes=max_bytes
        )
        signed = await self._call(
            "GET",
            "files",
            query={
                "project": project,
                "fileName": checked.path.name,
                "fileType": "application/zip",
            },
        )
        if (
            not isinstance(signed, Mapping)
            or not isinstance(signed.get("url"), str)
            or not isinstance(signed.get("name"), str)
        ):
            raise ResponseValidationError("expected {url, name}", path="GET files", body=signed)
        upload = await prepare_upload(
            str(checked.path), field="file_path", allowed={"zip": "application/zip"}
        )
        storage = self._storage_client()
        await storage._request(
            "PUT",
            signed["url"],
            # Exactly the SDK's form: one part "file", no per-part Content-Type.
            multipart=multipart_body(files=[("file", upload)], part_content_types=False),
        )
        return str(signed["name"])
