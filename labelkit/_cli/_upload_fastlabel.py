"""``labelkit upload fastlabel``: one FastLabel task per file of a folder.

The task name is the file's path relative to the folder. Files are checked
against the task type's documented limits (extension, size) before anything
is sent; a bad file is reported and skipped, the others still upload. A
create whose answer was lost is resolved by looking the task up by name
(names are unique in a project), so no task is ever created twice; with
``--journal`` a re-run skips what is done and resolves what a crash left
unknown the same way.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

from .. import Journal
from ._common import UsageError, check_file, human_size, walk_files
from ._job import Item, Job, JobContext, PhaseResult
from ._options import JobCommand

if typing.TYPE_CHECKING:
    from ..fastlabel import AsyncFastLabel

__all__ = ["COMMAND", "TASK_TYPES"]

#: An item's payload: the keyword arguments of its task's create (``name``, ``file_path``...).
_Create = dict[str, typing.Any]

#: FastLabel task types whose create takes one file.
TASK_TYPES = (
    "image",
    "image_classification",
    "video",
    "video_classification",
    "text",
    "text_classification",
    "audio",
    "audio_classification",
    "pcd",
)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="folder of files (searched recursively)")
    parser.add_argument("--project", required=True, metavar="SLUG", help="project slug")
    parser.add_argument("--type", required=True, choices=TASK_TYPES, help="task type")
    parser.add_argument(
        "--annotations",
        metavar="JSON",
        help="pre-labels: a JSON object keyed by file name (relative path or base name), "
        "each value a list of annotations (attributes for *_classification), or an object "
        "of create arguments such as {'annotations': [...], 'tags': [...]}",
    )
    parser.add_argument(
        "--skip-existing",
        action="store_true",
        help="count a file whose task name already exists in the project as done",
    )


def upload_fastlabel(args: argparse.Namespace) -> Job[_Create, AsyncFastLabel]:
    """The job of ``upload fastlabel`` with parsed ``args``."""
    from .._providers.fastlabel._base import DEFAULT_RATE_LIMIT
    from .._providers.fastlabel.tasks._kinds import KINDS
    from ..fastlabel import AsyncFastLabel

    kind = KINDS[args.type]
    project: str = args.project
    root = Path(args.dir)
    files = list(walk_files(root))
    if not files:
        raise UsageError(f"no files in {root}")
    annotations = _load_annotations(args.annotations)
    what = f"FastLabel {kind.title} tasks"

    def items(ctx: JobContext) -> list[Item[_Create]]:
        found: list[Item[_Create]] = []
        used: set[str] = set()
        for path in files:
            name = path.relative_to(root).as_posix()
            if not ctx.mine(name):
                continue
            reason = check_file(
                path, extensions=kind.extensions, max_bytes=kind.max_bytes, what=what
            )
            if reason is not None:
                ctx.reject(name, reason)
                continue
            extras, matched = _extras_for(annotations, name, path.name, kind.key)
            used.update(matched)
            found.append(Item(name, {"name": name, "file_path": path, **extras}))
        for unused in sorted(set(annotations) - used):
            ctx.say(f"  note: --annotations has an entry {unused!r} that matches no file sent")
        return found

    async def send(
        ctx: JobContext, client: AsyncFastLabel, items: list[Item[_Create]]
    ) -> PhaseResult[typing.Any]:
        if ctx.journal is not None:
            await migrate_journal(ctx.journal, project, kind.key)
        creates = [item.payload for item in items]
        return await ctx.consume(
            "upload",
            len(creates),
            lambda: client.bulk_create(
                kind.key,
                project,
                creates,
                concurrency=ctx.concurrency,
                journal=ctx.journal,
                if_exists="return" if args.skip_existing else "error",
            ),
            lambda create: str(create["name"]),
            lambda o: {},
            remote_id=lambda task_id: task_id,
        )

    return Job(
        rate_limit=DEFAULT_RATE_LIMIT,
        header=f"upload fastlabel: {len(files)} file(s) in {root} -> {what} in {project!r}",
        items=items,
        describe=lambda i: (
            f"{kind.title} task {i.name!r} ({human_size(i.payload['file_path'].stat().st_size)})"
        ),
        client=AsyncFastLabel,
        send=send,
    )


COMMAND = JobCommand(
    name="upload fastlabel",
    help="create one FastLabel task per file of a folder",
    description="Create one task per file of DIR (task name: the path relative to DIR).",
    arguments=_arguments,
    prepare=upload_fastlabel,
)


async def migrate_journal(journal: Journal, project: str, kind: str) -> None:
    """Re-key the entries a CLI before the one-journal-format change wrote.

    They were ``fastlabel:{project}:{kind}:{name}#sha256=...``; the library's
    :meth:`~labelkit.fastlabel.AsyncFastLabel.bulk_create` keys
    ``{kind}/{project}/{name}``. Entries of another project or type stay as
    they are (a job never reads them).
    """
    prefix = f"fastlabel:{project}:{kind}:"
    renames = {}
    for entry in await journal.entries():
        if entry.key.startswith(prefix):
            name = entry.key[len(prefix) :].rpartition("#sha256=")[0]
            renames[entry.key] = f"{kind}/{project}/{name}"
    if renames:
        await journal.rename(renames)


def _load_annotations(path: str | None) -> dict[str, typing.Any]:
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        raise UsageError(f"--annotations file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read --annotations {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--annotations {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--annotations {path} must be a JSON object keyed by file name")
    for name, value in data.items():
        if not isinstance(value, (list, dict)):
            raise UsageError(
                f"--annotations {path}: the entry {name!r} must be a list or an object"
            )
    return data


def _extras_for(
    annotations: dict[str, typing.Any], name: str, base: str, kind: str
) -> tuple[dict[str, typing.Any], list[str]]:
    entry_name = name if name in annotations else base if base in annotations else None
    if entry_name is None:
        return {}, []
    entry = annotations[entry_name]
    field = "attributes" if kind.endswith("_classification") else "annotations"
    extras = {field: entry} if isinstance(entry, list) else dict(entry)
    return extras, [entry_name]
