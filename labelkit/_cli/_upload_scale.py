"""``labelkit upload scale``: one Scale task per line of a JSONL file of task parameters.

Every task carries a ``unique_id`` (the line's own, else one derived from a
hash of the type and the line's content), so a create is retried safely and
re-running the same file never makes a duplicate; with ``--journal`` the
items already done are not even sent, and an item a crash left unknown is
looked up by ``unique_id`` first.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

import attrs

from ._common import UsageError, read_lines
from ._job import Item, Job, JobContext, PhaseResult
from ._options import JobCommand

if typing.TYPE_CHECKING:
    from ..scale import AsyncScale

__all__ = ["COMMAND"]


@attrs.frozen
class _Task:
    line: int
    params: dict[str, typing.Any]


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="JSONL file of task parameters")
    parser.add_argument(
        "--type", required=True, metavar="TYPE", help="task type, e.g. categorization"
    )
    parser.add_argument("--project", metavar="NAME", help="project of lines that name none")
    parser.add_argument("--batch", metavar="NAME", help="batch of lines that name none")


def upload_scale(args: argparse.Namespace) -> Job[_Task, AsyncScale]:
    """The job of ``upload scale`` with parsed ``args``."""
    from ..scale import AsyncScale, TaskType, content_unique_id

    kind = args.type.lower()
    known = sorted(t.value for t in TaskType)
    if kind not in known:
        raise UsageError(f"unknown Scale task type {args.type!r}; one of: {', '.join(known)}")
    source = Path(args.file)
    lines = read_lines(source)

    def items(ctx: JobContext) -> list[Item[_Task]]:
        found: list[Item[_Task]] = []
        seen: dict[str, int] = {}
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            params, reason = _parse_line(text, args)
            if params is None:
                ctx.reject(f"line {number}", typing.cast(str, reason))
                continue
            if params.get("unique_id") is None:
                params["unique_id"] = content_unique_id(kind, params)
            unique_id = params["unique_id"]
            if unique_id in seen:
                ctx.reject(
                    f"line {number}",
                    f"same unique_id {unique_id!r} as line {seen[unique_id]}; it would be one task",
                )
                continue
            seen[unique_id] = number
            if ctx.mine(unique_id):
                found.append(Item(unique_id, _Task(number, params)))
        if not found and not ctx.rejected:
            raise UsageError(f"no tasks in {source} (expected one JSON object per line)")
        return found

    async def send(
        ctx: JobContext, client: AsyncScale, items: list[Item[_Task]]
    ) -> PhaseResult[typing.Any]:
        lines = {item.name: item.payload.line for item in items}
        return await ctx.consume(
            "upload",
            len(items),
            lambda: client.create_tasks(
                kind,
                [item.payload.params for item in items],
                concurrency=ctx.concurrency,
                journal=ctx.journal,
            ),
            lambda params: str(params["unique_id"]),
            lambda o: {"line": lines[str(o.item["unique_id"])]},
            remote_id=lambda task: task.task_id,
        )

    return Job(
        header=f"upload scale: {source} -> {kind} tasks",
        items=items,
        describe=lambda i: f"{kind} task {i.name} (line {i.payload.line})",
        client=AsyncScale,
        send=send,
    )


def _parse_line(
    text: str, args: argparse.Namespace
) -> tuple[dict[str, typing.Any] | None, str | None]:
    try:
        params = json.loads(text)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(params, dict):
        return None, f"expected a JSON object of task parameters, got {type(params).__name__}"
    unique_id = params.get("unique_id")
    if unique_id is not None and (not isinstance(unique_id, str) or not unique_id.strip()):
        return None, f"unique_id must be a non-empty string, got {unique_id!r}"
    if args.project and "project" not in params:
        params["project"] = args.project
    if args.batch and "batch" not in params:
        params["batch"] = args.batch
    return params, None


COMMAND = JobCommand(
    name="upload scale",
    help="create one Scale task per line of a JSONL file",
    description=(
        "Create one task per line of FILE, each line a JSON object of the task's "
        "parameters (project, instruction, attachment, ...). A line without unique_id "
        "gets one derived from its content."
    ),
    arguments=_arguments,
    prepare=upload_scale,
)
