"""``labelkit recognize cloudsight DIR`` and ``labelkit analyze redflag FILES...``.

Both submit files in bulk (journaled with ``--journal``: a re-run does not
submit again what was already accepted) and then wait for every result
concurrently; one output line per file carries its final status and result.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Iterable
from pathlib import Path

import attrs

from .. import Journal, Outcome
from ._common import UsageError, check_file, human_size, walk_files
from ._job import Item, Job, JobContext, Totals
from ._options import JobCommand, JobGroup, number_arg

if typing.TYPE_CHECKING:
    from ..cloudsight import AsyncCloudSight, ImageJob
    from ..redflag import AsyncRedFlag, Operation

__all__ = ["ANALYZE", "RECOGNIZE"]

#: Image types sent to CloudSight (it documents no size limit).
CLOUDSIGHT_TYPES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
#: What RedFlag accepts (PNG, JPG, MP3, MP4), and the analyses run on each kind by default.
REDFLAG_KINDS = {".png": "image", ".jpg": "image", ".jpeg": "image", ".mp3": "audio"}
REDFLAG_KINDS[".mp4"] = "video"
DEFAULT_ANALYSES = {
    "image": ("object-id", "caption"),
    "audio": ("sentiment-simple", "topic"),
    "video": ("object-id", "activity-id"),
}


_timeout = number_arg(float, lambda x: x > 0, "seconds > 0")


def _cloudsight_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="folder of images (searched recursively)")
    parser.add_argument("--locale", default="en-US", help="answer language (en-US)")
    parser.add_argument(
        "--timeout", type=_timeout, default=600.0, metavar="SECONDS", help="per image (600)"
    )


def _redflag_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="files or folders")
    parser.add_argument(
        "--analyses",
        metavar="A,B",
        help="analyses for every file (default: object-id,caption for images, "
        "sentiment-simple,topic for audio, object-id,activity-id for video)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=100, metavar="N", help="files per operation (100)"
    )
    parser.add_argument(
        "--timeout", type=_timeout, default=600.0, metavar="SECONDS", help="per operation (600)"
    )


# -- CloudSight ----------------------------------------------------------------------------


def recognize_cloudsight(args: argparse.Namespace) -> Job[Path, AsyncCloudSight]:
    """The job of ``recognize cloudsight`` with parsed ``args``."""
    from ..cloudsight import AsyncCloudSight

    root = Path(args.dir)
    files = list(walk_files(root))
    if not files:
        raise UsageError(f"no files in {root}")
    return Job(
        header=f"recognize cloudsight: {len(files)} file(s) in {root}",
        items=lambda ctx: _checked(
            ctx,
            ((path.relative_to(root).as_posix(), path) for path in files),
            CLOUDSIGHT_TYPES,
            "CloudSight image requests",
        ),
        describe=_describe_file,
        client=AsyncCloudSight,
        send=lambda ctx, client, items: _recognize(ctx, client, args, root, items),
    )


async def _recognize(
    ctx: JobContext,
    client: AsyncCloudSight,
    args: argparse.Namespace,
    root: Path,
    items: list[Item[Path]],
) -> Totals:
    async def submit(item: Item[Path]) -> ImageJob:
        return await client.image_request(item.payload, locale=args.locale)

    submitted = await ctx.run_phase(
        "submit",
        items,
        submit,
        key=_file_key("cloudsight", root),
        remote_id=lambda job: job.token,
        write=_failures_only,
    )
    names: dict[str, str] = {}
    for outcome, token in submitted.ok_remote_ids(lambda job: job.token):
        if token is not None:
            names[str(token)] = outcome.item.name

    def write(outcome: Outcome[str, ImageJob]) -> dict[str, object]:
        job = outcome.value
        if job is None:
            return {"remote_id": outcome.item}
        reason = None if job.reason is None else str(job.reason.value)
        return {
            "remote_id": job.token,
            "job_status": job.status.value,
            "result": job.name,
            "reason": reason,
        }

    waited = await ctx.consume(
        "recognize",
        len(names),
        lambda: client.wait_many(list(names), timeout=args.timeout),
        names.__getitem__,
        write,
    )
    statuses: dict[str, int] = {}
    examples: list[str] = []
    for outcome in waited.ok_outcomes():
        job = outcome.value
        assert job is not None
        statuses[job.status.value] = statuses.get(job.status.value, 0) + 1
        if job.name and len(examples) < 3:
            examples.append(f"e.g. {names[outcome.item]}: {job.name!r}")
    extra = []
    if statuses:
        extra.append("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    extra += examples
    return Totals(
        ok=waited.count("ok"),
        failed=submitted.count("failed") + waited.count("failed"),
        not_run=submitted.not_run + waited.not_run,
        ambiguous=submitted.count("ambiguous"),
        resumed=submitted.resumed,
        elapsed=submitted.elapsed + waited.elapsed,
        extra=extra,
        lookup=False,
    )


# -- RedFlag -------------------------------------------------------------------------------


@attrs.frozen
class _Batch:
    kind: str
    files: tuple[tuple[str, int], ...]  # (name, file id)
    analyses: tuple[str, ...]


def analyze_redflag(args: argparse.Namespace) -> Job[Path, AsyncRedFlag]:
    """The job of ``analyze redflag`` with parsed ``args``."""
    from ..redflag import ANALYSIS_TYPES, AsyncRedFlag

    analyses: tuple[str, ...] | None = None
    if args.analyses:
        analyses = tuple(a.strip() for a in args.analyses.split(",") if a.strip())
        unknown = [a for a in analyses if a not in ANALYSIS_TYPES]
        if unknown or not analyses:
            known = ", ".join(sorted(ANALYSIS_TYPES))
            raise UsageError(f"unknown analysis {', '.join(unknown)!r}; one of: {known}")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    paths: list[Path] = []
    missing: list[str] = []
    for arg in args.files:
        path = Path(arg)
        if path.is_dir():
            paths += walk_files(path)
        elif path.exists():
            paths.append(path)
        else:
            missing.append(arg)
    if not paths and missing:
        raise UsageError(f"file not found: {missing[0]}")
    if not paths:
        raise UsageError("no files found in " + ", ".join(args.files))

    def items(ctx: JobContext) -> list[Item[Path]]:
        for name in missing:
            ctx.reject(name, "file not found")
        named = ((path.as_posix(), path) for path in paths)
        return _checked(ctx, named, tuple(REDFLAG_KINDS), "RedFlag uploads")

    return Job(
        header=f"analyze redflag: {len(paths)} file(s)",
        items=items,
        describe=_describe_file,
        client=AsyncRedFlag,
        send=lambda ctx, client, items: _analyze(ctx, client, args, items, analyses),
    )


async def _analyze(
    ctx: JobContext,
    client: AsyncRedFlag,
    args: argparse.Namespace,
    items: list[Item[Path]],
    analyses: tuple[str, ...] | None,
) -> Totals:

    async def upload(item: Item[Path]) -> int:
        return await client.upload_file(item.payload)

    async def key(item: Item[Path]) -> str:
        return "redflag:upload:" + await Journal.file_key(item.payload.resolve())

    uploaded = await ctx.run_phase(
        "upload", items, upload, key=key, remote_id=lambda i: i, write=_failures_only
    )
    by_kind: dict[str, list[tuple[str, int]]] = {}
    for outcome, file_id in uploaded.ok_remote_ids(lambda file_id: file_id):
        kind = REDFLAG_KINDS[outcome.item.payload.suffix.lower()]
        by_kind.setdefault(kind, []).append((outcome.item.name, int(str(file_id))))
    batches: list[Item[_Batch]] = []
    for kind, files in sorted(by_kind.items()):
        wanted = analyses or DEFAULT_ANALYSES[kind]
        for start in range(0, len(files), args.batch_size):
            chunk = tuple(files[start : start + args.batch_size])
            label = f"{kind} batch {start // args.batch_size + 1} ({len(chunk)} files)"
            batches.append(Item(label, _Batch(kind, chunk, wanted)))

    async def run_operation(item: Item[_Batch]) -> Operation:
        batch = item.payload
        ids = [file_id for _, file_id in batch.files]
        op_id = await client.create_operation("file", list(batch.analyses), ids)
        return await client.wait_operation(op_id, timeout=args.timeout)

    if batches:
        ctx.say(f"  {len(batches)} operation(s): " + "; ".join(b.name for b in batches))
    analysed = await ctx.run_phase("analyze", batches, run_operation)
    ok = failed = ambiguous = 0
    for batch_item in batches:
        op_outcome = analysed.outcomes.get(batch_item.name)
        results = _results(op_outcome.value) if op_outcome is not None and op_outcome.ok else {}
        for name, file_id in batch_item.payload.files:
            if op_outcome is not None and op_outcome.ok:
                ok += 1
                assert op_outcome.value is not None
                ctx.write_result(
                    name,
                    "ok",
                    remote_id=file_id,
                    operation=op_outcome.value.id,
                    analyses=results.get(file_id, {}),
                )
            else:
                error = "not run" if op_outcome is None else str(op_outcome.error)
                ambiguous += op_outcome is not None and op_outcome.status.value == "ambiguous"
                failed += op_outcome is None or op_outcome.status.value == "failed"
                ctx.write_result(name, "failed", remote_id=file_id, error=error)
    return Totals(
        ok=ok,
        failed=failed + uploaded.count("failed"),
        not_run=uploaded.not_run,
        ambiguous=ambiguous + uploaded.count("ambiguous"),
        resumed=uploaded.resumed,
        elapsed=uploaded.elapsed + analysed.elapsed,
        extra=[f"{analysed.count('ok')} of {len(batches)} operation(s) done"],
        lookup=False,
    )


def _results(operation: typing.Any) -> dict[int, dict[str, object]]:
    out: dict[int, dict[str, object]] = {}
    if operation is None or operation.data is None:
        return out
    for content in operation.data.contents:
        labels: dict[str, object] = {}
        for analysis in content.analyses:
            labels[analysis.type.value] = analysis.label or analysis.data
        try:
            out[int(content.content)] = labels
        except (TypeError, ValueError):
            continue
    return out


# -- shared --------------------------------------------------------------------------------


def _checked(
    ctx: JobContext, named: Iterable[tuple[str, Path]], types: tuple[str, ...], what: str
) -> list[Item[Path]]:
    items: list[Item[Path]] = []
    for name, path in named:
        if not ctx.mine(name):
            continue
        reason = check_file(path, extensions=types, max_bytes=None, what=what)
        if reason is not None:
            ctx.reject(name, reason)
        else:
            items.append(Item(name, path))
    return items


def _describe_file(item: Item[Path]) -> str:
    return f"{item.name} ({human_size(item.payload.stat().st_size)})"


def _file_key(prefix: str, root: Path) -> typing.Callable[[Item[Path]], typing.Awaitable[str]]:
    async def key(item: Item[Path]) -> str:
        return f"{prefix}:" + await Journal.file_key(item.payload, root=root)

    return key


def _failures_only(outcome: Outcome[Item[Path], typing.Any]) -> dict[str, object] | None:
    """Write the line of an item that failed here; a later phase writes the others."""
    return None if outcome.ok else {}


RECOGNIZE = JobGroup(
    name="recognize",
    help="image recognition of a folder of images",
    commands=[
        JobCommand(
            name="recognize cloudsight",
            help="submit every image of a folder to CloudSight and wait for the descriptions",
            arguments=_cloudsight_arguments,
            prepare=recognize_cloudsight,
        )
    ],
)
ANALYZE = JobGroup(
    name="analyze",
    help="content analysis of files",
    commands=[
        JobCommand(
            name="analyze redflag",
            help="upload files to RedFlag, analyse them and wait for the results",
            description=(
                "Upload PNG/JPG/MP3/MP4 files (folders are searched), create one operation "
                "per kind and batch, wait for them."
            ),
            arguments=_redflag_arguments,
            prepare=analyze_redflag,
        )
    ],
)
