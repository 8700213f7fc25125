"""The one mechanism behind every per-type task method.

A public method passes ``locals()`` (its own parameters, by their official
names) and its :class:`~._task_kinds.TaskKind`; this module turns them into
the request the official SDK would send: the same keys, the same "sent only
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
from ...._types import NotGiven
from .._area import string_list
from .._base import FastLabelBase, check_limit
from .._mp4 import check_h264
from .._upload import check_contents_total, contents, folder_files, inspect_file
from ._kinds import KINDS, TaskKind
from ._models import History, IntegratedTask, Task

__all__ = ["ASSIGNEES", "TasksBase", "sanitize_annotations", "sanitize_attributes"]

#: Python keyword -> JSON key of the assignee arguments (section 5.2).
ASSIGNEES: dict[str, str] = {
    "assignee": "assignee",
    "reviewer": "reviewer",
    "approver": "approver",
    "external_assignee": "externalAssignee",
    "external_reviewer": "externalReviewer",
    "external_approver": "externalApprover",
    **{f"workflow_{n}_user": f"workflow{n}User" for n in range(1, 7)},
}

# Python name -> JSON key of the optional body fields sent only when truthy.
_TRUTHY = {
    "status": "status",
    "external_status": "externalStatus",
    "custom_task_status": "customTaskStatus",
    "tags": "tags",
    "metadatas": "metadatas",
    "relations": "relations",
}

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


def task_fields(
    kind: TaskKind, args: Mapping[str, typing.Any], *, update: bool
) -> dict[str, typing.Any]:
    """The optional fields of a create or update body, by the SDK's rules."""
    body: dict[str, typing.Any] = {}
    if args.get("tags") is not None:
        args = {**args, "tags": string_list(args["tags"], "tags")}
    for name, key in _TRUTHY.items():
        if args.get(name):
            body[key] = list(args[name]) if isinstance(args[name], tuple) else args[name]
    if args.get("priority") is not None:
        body["priority"] = priority_value(args["priority"])
    annotations = args.get("annotations")
    if annotations or (kind.annotations_if_not_none and annotations is not None):
        rule = kind.update_content if update else kind.create_content
        body["annotations"] = sanitize_annotations(annotations, _content(rule, args))
    if args.get("attributes"):
        body["attributes"] = sanitize_attributes(args["attributes"])
    if args.get("is_delete_exif"):
        body["isDeleteExif"] = True
    if args.get("operator") is not None:
        body["operator"] = args["operator"]
    for name, key in ASSIGNEES.items():
        value = args.get(name)
        if not isinstance(value, NotGiven) and name in args:
            body[key] = value
    return body


def task_id_of(data: object, what: str) -> str:
    """The task id a create/update answers with (a JSON string, or an object with ``id``)."""
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        return typing.cast(str, data["id"])
    raise ResponseValidationError("expected a task id", path=what, body=data)


class TasksBase(FastLabelBase):
    """The shared implementation of the per-type task methods."""

    async def _find_task(self, kind: TaskKind, task_id: str) -> Task:
        data = await self._call("GET", f"{kind.path}/{segment(task_id, field='task_id')}")
        return structure(data, kind.model)

    def _list_query(self, kind: TaskKind, args: Mapping[str, typing.Any]) -> dict[str, typing.Any]:
        limit, offset = args.get("limit"), args.get("offset")
        check_limit(limit, kind.max_page_size)
        check_limit(offset, None, "offset")
        query: dict[str, typing.Any] = {"project": args["project"]}
        if args.get("status"):
            query["status"] = args["status"]
        if args.get("external_status"):
            query["externalStatus"] = args["external_status"]
        if args.get("tags"):
            query["tags"] = string_list(args["tags"], "tags")
        if args.get("task_name"):
            query["taskName"] = args["task_name"]
        if kind.always_page:
            query["offset"], query["limit"] = offset or 0, limit if limit is not None else 0
        else:
            query["offset"], query["limit"] = offset or None, limit or None
        return query

    async def _get_tasks(self, kind: TaskKind, args: Mapping[str, typing.Any]) -> list[Task]:
        if not args.get("project"):
            raise ValidationError("project", "must be a non-empty project slug")
        data = await self._call("GET", kind.path, query=self._list_query(kind, args))
        return structure(data, list[kind.model])  # type: ignore[name-defined]

    async def _find_task_by_name(self, kind: TaskKind, project: str, task_name: str) -> Task | None:
        args = {"project": project, "task_name": task_name, "limit": kind.page_size, "offset": 0}
        tasks = await self._get_tasks(kind, args)
        return tasks[0] if tasks else None

    def _iter_tasks(self, kind: TaskKind, args: Mapping[str, typing.Any]) -> AsyncIterator[Task]:
        async def page(offset: int, limit: int) -> Page[Task]:
            return Page(await self._get_tasks(kind, {**args, "offset": offset, "limit": limit}))

        return iter_offset(page, limit=kind.max_page_size, key=lambda task: task.id)

    async def _source_fields(
        self, kind: TaskKind, args: Mapping[str, typing.Any]
    ) -> dict[str, typing.Any]:
        if kind.source == "file":
            checked = await inspect_file(
                args["file_path"],
                field="file_path",
                extensions=kind.extensions,
                max_bytes=kind.max_bytes,
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
            if not isinstance(path, str) or not path:
                raise ValidationError(
                    "file_path", "must be a non-empty path inside the project's storage"
                )
            if kind.extensions is not None and not path.lower().endswith(kind.extensions):
                raise ValidationError(
                    "file_path",
                    f"{path!r} has an unsupported extension",
                    limit=f"one of {kind.extensions}",
                )
            return {"filePath": path, "storageType": args["storage_type"]}
        return {}

    async def _create_task(self, kind: TaskKind, args: Mapping[str, typing.Any]) -> str:
        """Check, build and send a create; the official methods return the new task's id."""
        if not args.get("project"):
            raise ValidationError("project", "must be a non-empty project slug")
        body: dict[str, typing.Any] = {"project": args["project"]}
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
        self, kind: TaskKind, task_id: str, args: Mapping[str, typing.Any]
    ) -> str:
        path = f"{kind.path}/{segment(task_id, field='task_id')}"
        data = await self._call("PUT", path, body=task_fields(kind, args, update=True))
        return task_id if data is None else task_id_of(data, f"PUT {kind.path}/{{task_id}}")

    async def _find_integrated(self, media: str, project: str, prefix: str) -> IntegratedTask:
        query = {"project": project, "prefix": prefix}
        return structure(
            await self._call("GET", f"tasks/integrate/{media}", query=query), IntegratedTask
        )

    async def _create_dicom_task(self, args: Mapping[str, typing.Any]) -> History:
        kind = KINDS["dicom"]
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
        return typing.cast(str, signed["name"])
