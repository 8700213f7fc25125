"""FastLabel models of projects and their definitions: projects, tags, annotation
classes, metadata definitions, comments, appendix data and workspace users.

Fields the server sends that are not listed are kept in ``extra``; ``raw``
gives the object as received and ``obj["wireName"]`` reads it dict-style.
Most fields are optional: the API documents its objects by example only.
"""

from __future__ import annotations

import typing

import attrs

from ..._models import Timestamps, shared_fields_last
from .tasks._models import FastLabelModel

__all__ = [
    "PROJECT_ROLES",
    "WORKFLOWS",
    "AnnotationClass",
    "AppendixData",
    "Comment",
    "CommentThread",
    "MetadataDefinition",
    "Project",
    "Tag",
    "WorkspaceUser",
]

#: Roles ``update_project_user_permission`` accepts (``none`` removes the member).
PROJECT_ROLES: tuple[str, ...] = (
    "annotator",
    "reviewer",
    "owner",
    "external_annotator",
    "external_reviewer",
    "external_approver",
    "external_sub_owner",
    "external_owner",
    "none",
)
#: Review workflows the SDK documents. Not checked client-side: the SDK sends
#: any string (``one_step`` included) and the server judges it.
WORKFLOWS: tuple[str, ...] = ("one_step", "two_step", "three_step")


@attrs.define(field_transformer=shared_fields_last)
class Project(FastLabelModel, Timestamps):
    """A project (``type`` such as ``image_bbox``; ``slug`` is what task calls take)."""

    id: str
    type: typing.Optional[str] = None
    slug: typing.Optional[str] = None
    name: typing.Optional[str] = None
    is_pixel: typing.Optional[bool] = None
    job_size: typing.Optional[int] = None
    status: typing.Optional[str] = None
    workflow: typing.Optional[str] = None
    external_workflow: typing.Optional[str] = None


@attrs.define(field_transformer=shared_fields_last)
class Tag(FastLabelModel, Timestamps):
    """A task tag of a project."""

    id: str
    name: str
    order: typing.Optional[int] = None


@attrs.define(field_transformer=shared_fields_last)
class AnnotationClass(FastLabelModel, Timestamps):
    """A label definition of a project (what ``get_annotations`` lists).

    ``attributes`` and ``keypoints`` are kept as the dicts the server sends
    (``{id, type, name, key, options, ...}``), ready to be edited and passed
    back to ``update_annotation``. ``max_area_count`` is ``None`` when unlimited.
    """

    id: str
    type: typing.Optional[str] = None
    value: typing.Optional[str] = None
    title: typing.Optional[str] = None
    color: typing.Optional[str] = None
    order: typing.Optional[int] = None
    max_area_count: typing.Optional[int] = None
    attributes: list[dict[str, typing.Any]] = attrs.field(factory=list)
    keypoints: list[dict[str, typing.Any]] = attrs.field(factory=list)


@attrs.define(field_transformer=shared_fields_last)
class MetadataDefinition(FastLabelModel, Timestamps):
    """A task metadata field defined on a project."""

    id: str
    key: typing.Optional[str] = None
    type: typing.Optional[str] = None
    options: typing.Any = None
    default_value: typing.Any = None
    order: typing.Optional[int] = None
    is_admin: typing.Optional[bool] = None
    is_required: typing.Optional[bool] = None


@attrs.define(field_transformer=shared_fields_last)
class CommentThread(FastLabelModel, Timestamps):
    """One message of a comment; ``get_project_comments`` lists them with their ``comment``."""

    id: str
    text: typing.Optional[str] = None
    comment: typing.Optional[Comment] = None
    user_name: typing.Optional[str] = None


@attrs.define(field_transformer=shared_fields_last)
class Comment(FastLabelModel, Timestamps):
    """A comment pinned on a task (its messages are ``threads``)."""

    id: str
    task_id: typing.Optional[str] = None
    type: typing.Optional[str] = None
    points: typing.Any = None
    text: typing.Optional[str] = None
    status: typing.Optional[str] = None
    priority: typing.Optional[int] = None
    is_resolved: typing.Optional[bool] = None
    scale: typing.Optional[float] = None
    frame: typing.Optional[int] = None
    content_name: typing.Optional[str] = None
    content_id: typing.Optional[str] = None
    task_annotation_id: typing.Optional[str] = None
    color: typing.Optional[str] = None
    threads: list[CommentThread] = attrs.field(factory=list)


@attrs.define
class AppendixData(FastLabelModel):
    """Calibration data and image of one PCD content (``get_appendix_data``).

    ``format`` is ``"yml"``, ``"kitti"`` or ``None``; ``name`` is set by
    ``get_task_appendix_data`` (``task/content/file``), the file names by
    ``get_appendix_data``.
    """

    id: str
    url: typing.Optional[str] = None
    format: typing.Optional[str] = None
    name: typing.Optional[str] = None
    image_file_name: typing.Optional[str] = None
    calibration_file_name: typing.Optional[str] = None
    calibration: typing.Any = None


@attrs.define(field_transformer=shared_fields_last)
class WorkspaceUser(FastLabelModel, Timestamps):
    """A member of the workspace (``function_resource_permissions`` per module)."""

    id: str
    user_id: typing.Optional[str] = None
    user_slug: typing.Optional[str] = None
    user_name: typing.Optional[str] = None
    user_email: typing.Optional[str] = None
    role: typing.Optional[str] = None
    is_external: typing.Optional[bool] = None
    function_resource_permissions: typing.Optional[dict[str, typing.Any]] = None
