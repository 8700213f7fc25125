"""The FastLabel client: every API area as one class."""

from __future__ import annotations

from ._annotations import AnnotationClassesMixin
from ._appendix import AppendixDataMixin
from ._comments import CommentsMixin
from ._converters import ConvertersMixin
from ._datasets import DatasetsMixin
from ._jobs import ModelJobsMixin
from ._lerobot import LeRobotMixin
from ._projects import ProjectsMixin
from ._workspace import WorkspaceMixin
from .tasks._any import CommonTasksMixin
from .tasks._bulk import BulkTasksMixin
from .tasks._per_kind import PerKindTasksMixin

__all__ = ["AsyncFastLabel"]


class AsyncFastLabel(
    LeRobotMixin,
    ConvertersMixin,
    PerKindTasksMixin,
    CommonTasksMixin,
    BulkTasksMixin,
    AppendixDataMixin,
    AnnotationClassesMixin,
    CommentsMixin,
    ProjectsMixin,
    DatasetsMixin,
    ModelJobsMixin,
    WorkspaceMixin,
):
    """Async client for the FastLabel API, method for method like the official SDK.

    Every method of ``fastlabel.Client`` that talks to the API is here under
    the same name and keyword arguments, so migrating is swapping the import
    and adding ``await``; answers are typed models (``task.id``), which also
    read like the SDK's dicts (``task["id"]``). On top: ``iter_*`` walks all
    pages, ``wait_history`` / ``wait_*_job`` poll, ``bulk_create`` creates
    many tasks concurrently without ever creating one twice.

    ``access_token`` defaults to ``FASTLABEL_ACCESS_TOKEN``, ``base_url`` to
    ``FASTLABEL_API_URL`` (else ``https://api.fastlabel.ai/v1/``). Requests
    share the documented limit of 10,000 calls per 600 s (``rate_limit=``),
    have timeouts, and are retried when that is safe; files are checked
    before anything is sent and streamed, never held in memory.

    Usage::

        async with AsyncFastLabel() as client:
            task_id = await client.create_image_task(
                project="my-project", name="cat.jpg", file_path="./cat.jpg"
            )
            task = await client.find_image_task(task_id)
    """
