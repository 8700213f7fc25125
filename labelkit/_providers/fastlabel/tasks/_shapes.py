"""The shapes of the per-type task methods, and the declarations that bind them to a kind.

Each shape is a Protocol's ``__call__``: the official parameters (names, order,
defaults) and a docstring template whose fields come from the
:class:`~._kinds.TaskKind` (``{title}``, ``{path}``, ``{files}``...). The
factories (:func:`find_task`, :func:`get_tasks`, :func:`create_task`...) pair a
shape with a kind and the mechanism call (:mod:`._mechanism`) that serves it;
see :mod:`._declared` for what a declaration becomes. ``CountTasks`` is the
``count_tasks`` of every type (declared in :mod:`._any`): it takes the listings' filters.
"""

from __future__ import annotations

import textwrap
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

from .._upload import MIB
from ._declared import Method
from ._kinds import TaskKind
from ._mechanism import TasksBase
from ._models import IntegratedTask, Task

__all__ = [
    "CountTasks",
    "FindIntegratedTask",
    "FindTask",
    "FindTaskByName",
    "GetTasks",
    "GetTasksFromZero",
    "IterTasks",
    "create_task",
    "find_integrated",
    "find_task",
    "find_task_by_name",
    "get_tasks",
    "get_tasks_from_zero",
    "iter_tasks",
    "update_task",
]

M = typing.TypeVar("M", bound=Task)
M_co = typing.TypeVar("M_co", bound=Task, covariant=True)
#: The item of a task-filtered listing: a task model, or another item filtered by task.
T = typing.TypeVar("T")
T_co = typing.TypeVar("T_co", covariant=True)
PS = typing.ParamSpec("PS")
R = typing.TypeVar("R")
#: A shape: the ``__call__`` of a Protocol (its first parameter is the Protocol's ``self``).
Shape: typing.TypeAlias = Callable[typing.Concatenate[typing.Any, PS], R]

_ASSIGNEES = """Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
when given, ``None`` as ``null``."""
#: Doc lines are at most this long, so the sync twins' stay within the line length.
_WIDTH = 92


def _files(kind: TaskKind[typing.Any]) -> str:
    """What ``kind`` accepts as content, from the checks its create runs."""
    exts = "/".join(ext.lstrip(".") for ext in kind.extensions or ())
    size = f"at most {(kind.max_bytes or 0) // MIB} MiB"
    if kind.source == "file":
        video = ", H.264 (avc1/h264) video" if kind.video else ""
        rule = f"``file_path``: {exts}, {size}{video}; checked before sending, then streamed."
    elif kind.source == "contents":
        rule = (
            f"``folder_path``: its files ({exts}, {size} each, at most {kind.max_files} files),"
            " sorted by name; checked before sending."
        )
    else:
        return ""
    return textwrap.fill(rule, _WIDTH)


def _values(kind: TaskKind[typing.Any], note: str = "") -> dict[str, object]:
    title = kind.title
    return {
        "key": kind.key,
        "title": title,
        "a_title": ("an " if title[0] in "aeiou" else "a ") + title,
        "items": f"{title} tasks",
        "item": f"{title} task",
        "iter": f"iter_{kind.key}_tasks",
        "path": kind.path,
        "max_page_size": kind.max_page_size,
        "files": _files(kind),
        "note": note,
        "assignees": _ASSIGNEES,
    }


def _types(kind: TaskKind[typing.Any]) -> dict[str, type]:
    return {"M": kind.model, "M_co": kind.model, "T": kind.model, "T_co": kind.model}


class FindTask(typing.Protocol[M_co]):
    async def __call__(self, task_id: str) -> M_co:
        """Find a single {title} task by id."""


class FindTaskByName(typing.Protocol[M_co]):
    async def __call__(self, project: str, task_name: str) -> M_co | None:
        """The first {title} task the ``taskName`` filter returns, or None."""


class GetTasks(typing.Protocol[T]):
    async def __call__(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int | None = 100,
    ) -> list[T]:
        """One page of {items} (``limit`` at most {max_page_size}).

        ``GET {path}``.
        Filters: ``status``, ``external_status``, ``tags`` (any of), ``task_name``.
        :meth:`{iter}` walks every page.
        """


class GetTasksFromZero(typing.Protocol[M]):
    async def __call__(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = 0,
        limit: int | None = 100,
    ) -> list[M]:
        """One page of {title} tasks (``limit`` at most {max_page_size}).

        ``GET {path}``; unlike the other types, ``offset`` and ``limit`` are always sent.
        Filters: ``status``, ``external_status``, ``tags`` (any of), ``task_name``.
        :meth:`iter_{key}_tasks` walks every page.
        """


class IterTasks(typing.Protocol[T_co]):
    def __call__(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[T_co]:
        """Every {item} matching the filters, fetched lazily.

        {max_page_size} per request, each exactly once.
        """


class CountTasks(typing.Protocol):
    async def __call__(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> int:
        """How many tasks of the project match the filters."""


class FindIntegratedTask(typing.Protocol):
    async def __call__(self, project: str, prefix: str) -> IntegratedTask:
        """The merged task of the {title} tasks split from one dataset object (alpha API)."""


def find_task(kind: TaskKind[M]) -> Method[FindTask[M]]:
    """``find_<kind>_task(task_id)``."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[M]:
        return self._find_task(kind, args["task_id"])

    return Method(FindTask.__call__, call, types=_types(kind), values=_values(kind))


def find_task_by_name(kind: TaskKind[M]) -> Method[FindTaskByName[M]]:
    """``find_<kind>_task_by_name(project, task_name)``."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[M | None]:
        return self._find_task_by_name(kind, args["project"], args["task_name"])

    return Method(FindTaskByName.__call__, call, types=_types(kind), values=_values(kind))


def _filters(args: Mapping[str, typing.Any]) -> dict[str, typing.Any]:
    return {k: v for k, v in args.items() if k not in ("project", "offset", "limit")}


def _page(kind: TaskKind[M]) -> Callable[[TasksBase, dict[str, typing.Any]], Awaitable[list[M]]]:
    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[list[M]]:
        return self._get_tasks(kind, args["project"], _filters(args), args["offset"], args["limit"])

    return call


def get_tasks(kind: TaskKind[M]) -> Method[GetTasks[M]]:
    """``get_<kind>_tasks(project, filters..., offset, limit)``: one page."""
    defaults = {"limit": kind.page_size}
    return Method(
        GetTasks.__call__, _page(kind), types=_types(kind), defaults=defaults, values=_values(kind)
    )


def get_tasks_from_zero(kind: TaskKind[M]) -> Method[GetTasksFromZero[M]]:
    """:func:`get_tasks` of a kind that always sends ``offset`` (an int, 0 by default)."""
    defaults = {"limit": kind.page_size}
    return Method(
        GetTasksFromZero.__call__,
        _page(kind),
        types=_types(kind),
        defaults=defaults,
        values=_values(kind),
    )


def iter_tasks(kind: TaskKind[M]) -> Method[IterTasks[M]]:
    """``iter_<kind>_tasks(project, filters...)``: every page, lazily."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> AsyncIterator[M]:
        return self._iter_tasks(kind, args["project"], _filters(args))

    return Method(IterTasks.__call__, call, types=_types(kind), values=_values(kind))


def find_integrated(kind: TaskKind[typing.Any], media: str) -> Method[FindIntegratedTask]:
    """``find_integrated_<kind>_task_by_prefix(project, prefix)``; ``media`` is the path part."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[IntegratedTask]:
        return self._find_integrated(media, args["project"], args["prefix"])

    return Method(FindIntegratedTask.__call__, call, values=_values(kind))


def create_task(
    kind: TaskKind[typing.Any], shape: Shape[PS, R], note: str = ""
) -> Method[Callable[PS, R]]:
    """``create_<kind>_task`` with the parameters of ``shape``; ``note`` ends its docstring."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[object]:
        if kind.source == "zip":
            return self._create_dicom_task(**args)
        return self._create_task(kind, **args)

    return Method(shape, call, values=_values(kind, note))


def update_task(
    kind: TaskKind[typing.Any], shape: Shape[PS, R], note: str = ""
) -> Method[Callable[PS, R]]:
    """``update_<kind>_task`` with the parameters of ``shape``; ``note`` ends its docstring."""

    def call(self: TasksBase, args: dict[str, typing.Any]) -> Awaitable[str]:
        fields = {k: v for k, v in args.items() if k != "task_id"}
        return self._update_task(kind, args["task_id"], **fields)

    return Method(shape, call, values=_values(kind, note))
