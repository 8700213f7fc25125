"""Writing dataset objects to disk: safe paths, bounded concurrency, streamed bodies.

The official SDK joins server-supplied object names onto the target folder
as they are (``../x`` escapes it), keeps whole bodies in memory, never checks
the status of the storage GET and swallows worker errors. Here every name is
checked before anything is fetched, and every write goes through
:mod:`labelkit._confined` (a symlink planted below the target folder refuses
the download before anything is created); each body is streamed to a
temporary file that replaces the target only once complete, a non-2xx answer
or a broken connection raises, and the first error cancels the other
downloads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pathlib
import re
import typing
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

import anyio

from ..._confined import ConfinedFolder, PendingWrite
from ..._models import ResponseValidationError
from ._base import FastLabelBase
from ._dataset_models import DatasetDownload, DatasetObject, SkippedObject

__all__ = [
    "ANNOTATIONS_FILE",
    "DEFAULT_CONCURRENCY",
    "display_url",
    "download_objects",
    "safe_relative_path",
]

logger = logging.getLogger("labelkit.fastlabel")

#: Per type folder: ``[{name, annotations, customMetadata, tags, object_type}]``.
ANNOTATIONS_FILE = "annotations.json"
#: Downloads in flight at once.
DEFAULT_CONCURRENCY = 8
_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relative_path(name: str) -> pathlib.PurePosixPath | str:
    """``name`` as a relative path that stays inside its folder, or why it does not.

    Slashes make sub-folders (object names may contain them). Rejected:
    empty names, absolute paths, drive letters, ``.``/``..``/empty segments,
    backslashes (separators on Windows), NUL and other control characters.
    """
    if not name:
        return "empty name"
    if any(ord(ch) < 32 for ch in name):
        return "control character in name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/") or _DRIVE.match(name):
        return "absolute path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "'.', '..' or empty path segment"
    return pathlib.PurePosixPath(*parts)


def display_url(url: str) -> str:
    # A signed URL's query is its credential: never show it.
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _plan(
    objects: Sequence[DatasetObject], result: DatasetDownload
) -> list[tuple[DatasetObject, pathlib.PurePosixPath]]:
    plan: list[tuple[DatasetObject, pathlib.PurePosixPath]] = []
    taken: set[pathlib.PurePosixPath] = set()
    for obj in objects:
        folder_name = obj.type or "none"
        relative = safe_relative_path(obj.name)
        folder = safe_relative_path(folder_name)
        if isinstance(folder, str) or len(folder.parts) != 1:
            reason = f"unsafe object type {folder_name!r}"
        elif isinstance(relative, str):
            reason = relative
        elif relative == pathlib.PurePosixPath(ANNOTATIONS_FILE):
            reason = f"{ANNOTATIONS_FILE} is reserved for the annotations of the folder"
        else:
            reason = ""
        if reason:
            result.skipped.append(SkippedObject(obj.name, reason))
            logger.warning("not downloading dataset object %r: %s", obj.name, reason)
            continue
        assert not isinstance(relative, str) and not isinstance(folder, str)
        target = folder / relative
        if target in taken:
            result.skipped.append(SkippedObject(obj.name, "duplicate name"))
            continue
        if not obj.signed_url:
            raise ResponseValidationError(
                "no signedUrl", path=f"dataset object {obj.name!r}", body=obj.raw
            )
        taken.add(target)
        plan.append((obj, target))
    return plan


def _prepare(root: ConfinedFolder, plan: list[tuple[DatasetObject, pathlib.PurePosixPath]]) -> None:
    # Every target, and every annotations file to come, is checked before the
    # first folder is made: a symlink planted in the tree refuses the whole
    # download before anything is fetched or created.
    folders = sorted({target.parts[0] for _, target in plan})
    for _, target in plan:
        root.check(target)
    for folder in folders:
        root.check(pathlib.PurePosixPath(folder, ANNOTATIONS_FILE))
    for parent in sorted({target.parent for _, target in plan}):
        root.makedirs(parent)


async def _fetch(
    client: FastLabelBase, obj: DatasetObject, root: ConfinedFolder, target: pathlib.PurePosixPath
) -> None:
    assert obj.signed_url is not None
    shown = display_url(obj.signed_url)
    pending: PendingWrite | None = None
    done = False
    try:
        # The core streams it: no API token to the storage host, retries before
        # the body, a non-2xx or a broken connection raises its APIError.
        async with client._stream("GET", obj.signed_url, shown_url=shown) as response:
            pending = await anyio.to_thread.run_sync(root.begin_write, target)
            handle = anyio.wrap_file(pending.file)
            async with contextlib.aclosing(response.aiter_bytes()) as chunks:
                async for chunk in chunks:
                    await handle.write(chunk)
        await anyio.to_thread.run_sync(pending.commit)
        done = True
    finally:
        if not done and pending is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(pending.discard)


def _annotations_files(
    written: Sequence[DatasetObject],
) -> Iterator[tuple[pathlib.PurePosixPath, bytes]]:
    by_folder: dict[str, list[dict[str, typing.Any]]] = {}
    for obj in written:
        by_folder.setdefault(obj.type or "none", []).append(
            {
                "name": obj.name,
                "annotations": obj.annotations,
                "customMetadata": obj.custom_metadata,
                "tags": obj.tags,
                "object_type": obj.type or "none",
            }
        )
    for folder, entries in by_folder.items():
        text = json.dumps(entries, ensure_ascii=False, indent=4)
        yield pathlib.PurePosixPath(folder, ANNOTATIONS_FILE), text.encode()


async def download_objects(
    client: FastLabelBase,
    objects: Sequence[DatasetObject],
    root: pathlib.Path,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> DatasetDownload:
    """Write ``objects`` to ``root/<type>/<name>`` and each folder's ``annotations.json``.

    Unsafe names are skipped and reported in ``result.skipped``; everything
    else is downloaded ``concurrency`` at a time. The first failure cancels
    the remaining downloads and is raised; ``annotations.json`` files are
    (re)written only when every download succeeded.
    """
    result = DatasetDownload()
    plan = _plan(objects, result)
    folder = ConfinedFolder(root)
    await anyio.to_thread.run_sync(folder.create)
    await anyio.to_thread.run_sync(_prepare, folder, plan)
    pending = iter(plan)
    errors: list[BaseException] = []

    async def worker(group: anyio.abc.TaskGroup) -> None:
        for obj, target in pending:
            try:
                await _fetch(client, obj, folder, target)
            except Exception as exc:
                errors.append(exc)
                group.cancel_scope.cancel()
                return

    async with anyio.create_task_group() as group:
        for _ in range(min(concurrency, len(plan))):
            group.start_soon(worker, group)
    if errors:
        raise errors[0]
    for obj, target in plan:
        result.append(obj)
        result.path_of[obj.name] = str(folder.path(target))
    for path, content in _annotations_files(result):
        await anyio.to_thread.run_sync(folder.write_bytes, path, content)
    return result
