"""The one skeleton of every bulk command (``upload``, ``recognize``, ``analyze``).

A command declares a :class:`Job`: how to list its items (rejecting bad input
with one line each, before anything is sent), how to describe one for
``--dry-run``, how to open its client and what to send. :func:`run_job` does
the rest: the credential, the journal, ``--output``, the dry run, the phases
(:meth:`JobContext.run_phase` on the core :func:`~labelkit.bulk` runner, or
:meth:`JobContext.consume` of a client's own bulk run) with their progress
display, and the summary. Exit status: 0 all ok, 1 any item failed, ambiguous
or rejected, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import typing
from collections.abc import Awaitable, Callable, Sequence

import anyio
import attrs

from .. import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BulkRun,
    Journal,
    Outcome,
    OutcomeStatus,
    PermissionDeniedError,
    RateLimit,
    bulk,
)
from .._logging import record_calls, redact_known
from .._types import NOT_GIVEN, NotGiven
from ..ratelimit import Limiter
from ._common import UsageError, credential, describe_error
from ._display import Summary, format_duration, format_rate_limit, make_output, ticking
from ._options import JobCommand, shard_of
from ._results import Item, PhaseResult, Totals, remote_id_of

__all__ = ["ClientClass", "Item", "Job", "JobContext", "PhaseResult", "Totals", "run_job"]

K = typing.TypeVar("K")
P = typing.TypeVar("P")
R = typing.TypeVar("R")
C = typing.TypeVar("C", bound="typing.AsyncContextManager[typing.Any]")
C_co = typing.TypeVar("C_co", bound="typing.AsyncContextManager[typing.Any]", covariant=True)

#: Lines printed about failed items per phase; the rest are only in --output.
_MAX_NOTES = 20
#: Identical client errors (4xx) before any success that stop a job.
_SAME_FAILURES = 10


class ClientClass(typing.Protocol[C_co]):
    """A provider's async client class, opened by :func:`run_job` with the job's options."""

    def __call__(
        self,
        credential: str,
        /,
        *,
        base_url: str | None,
        rate_limit: RateLimit | Limiter | NotGiven,
    ) -> C_co: ...


@attrs.frozen(kw_only=True)
class Job(typing.Generic[P, C]):
    """A bulk command's declaration; :func:`run_job` runs it."""

    rate_limit: RateLimit | None = None
    """The provider's documented limit (``--rate-limit`` overrides it)."""
    header: str
    items: Callable[[JobContext], list[Item[P]]]
    describe: Callable[[Item[P]], str]
    client: ClientClass[C]
    """Opened with the credential, ``--base-url`` and the rate limit."""
    send: Callable[[JobContext, C, list[Item[P]]], Awaitable[Totals | PhaseResult[typing.Any]]]
    """Run the phases (the client is open): their totals, or the result of the only one."""


def run_job(command: JobCommand, args: argparse.Namespace, out: typing.TextIO) -> int:
    """Declare the job, parse items, dry run or run, summary; returns the exit status."""
    job = command.prepare(args)
    token = "" if args.dry_run else credential(args.token, command.env, command.secret)
    rate_limit = getattr(args, "rate_limit", None) or job.rate_limit
    ctx = JobContext(command.name, args, out, provider=command.provider, rate_limit=rate_limit)
    ctx.open()
    try:
        ctx.say(job.header)
        items = job.items(ctx)
        if args.dry_run:
            return ctx.dry_run_list(items, job.describe)

        async def run() -> int:
            limiter = ctx.limiter(token)
            async with job.client(token, base_url=args.base_url, rate_limit=limiter) as client:
                totals = await job.send(ctx, client, items)
            if isinstance(totals, PhaseResult):
                totals = totals.totals()
            return ctx.summary(totals)

        return anyio.run(run)
    finally:
        anyio.run(ctx.aclose)


class JobContext:
    """One run of a bulk command: its output, journal, results file and counts."""

    def __init__(
        self,
        command: str,
        args: argparse.Namespace,
        out: typing.TextIO,
        *,
        provider: str,
        rate_limit: RateLimit | None,
    ) -> None:
        self.command = command
        self.output = make_output(
            out, quiet=getattr(args, "quiet", False), as_json=getattr(args, "json", False)
        )
        self.provider = provider
        self.rate_limit = rate_limit
        self.concurrency: int = args.concurrency
        self.dry_run: bool = args.dry_run
        self.journal: Journal | None = None
        self._journal_path: str | None = args.journal
        self._output_path: str | None = args.output
        self._output: typing.TextIO | None = None
        self.shard: tuple[int, int] = getattr(args, "shard", (1, 1))
        self._rate_limit_arg: RateLimit | None = getattr(args, "rate_limit", None)
        self._redis_url: str | None = getattr(args, "redis_url", None)
        self.rejected: list[tuple[str, str]] = []
        self.requests = 0

    # -- setup and teardown ----------------------------------------------------------------

    def open(self) -> None:
        """Open the output file and the journal, or raise :class:`UsageError`."""
        if self._output_path is not None and not self.dry_run:
            try:
                self._output = open(self._output_path, "w", encoding="utf-8", buffering=1)
            except OSError as exc:
                raise UsageError(
                    f"cannot write --output {self._output_path}: {exc.strerror or exc}"
                ) from None
        if self._journal_path is not None and not self.dry_run:
            folder = os.path.dirname(os.path.abspath(self._journal_path))
            if not os.path.isdir(folder):
                raise UsageError(
                    f"cannot create --journal {self._journal_path}: no folder {folder}"
                )
            self.journal = Journal(self._journal_path)

    def mine(self, key: str) -> bool:
        """Whether this worker's ``--shard`` owns the item ``key``."""
        index, count = self.shard
        return count == 1 or shard_of(key, count) == index

    def limiter(self, credential: str) -> RateLimit | Limiter | NotGiven:
        """The client's ``rate_limit=``: ``--rate-limit``, kept in Redis with ``--redis-url``."""
        if self._redis_url is None:
            return self._rate_limit_arg or NOT_GIVEN
        if self.rate_limit is None:
            raise UsageError(
                f"--redis-url needs --rate-limit: {self.provider} documents no rate limit"
            )
        try:
            from ..ratelimit import RedisStore
        except ImportError:
            raise UsageError("--redis-url needs redis: pip install 'labelkit[redis]'") from None
        store = RedisStore.for_account(self._redis_url, self.provider.lower(), credential)
        return Limiter(self.rate_limit, store=store)

    async def aclose(self) -> None:
        """Close the journal and the output file."""
        if self.journal is not None:
            await self.journal.aclose()
        if self._output is not None:
            self._output.close()

    # -- output ----------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print one informational line (without any credential)."""
        self.output.say(text)

    def reject(self, name: str, reason: str) -> None:
        """Report an item that is skipped before anything is sent."""
        self.rejected.append((name, reason))
        self.output.error(f"  skipped {name}: {reason}")
        self.write_result(name, "rejected", error=reason)

    def write_result(
        self,
        name: str,
        status: str,
        *,
        remote_id: object = None,
        error: str | None = None,
        resumed: bool = False,
        **extra: object,
    ) -> None:
        """One JSON line in ``--output`` (when given)."""
        if self._output is None:
            return
        record: dict[str, object] = {
            "key": name,
            "status": status,
            "remote_id": None if remote_id is None else str(remote_id),
            "error": error,
        }
        if resumed:
            record["resumed"] = True
        record.update(extra)
        # A last line of defence: extra fields carry server data, which may echo a credential.
        line = json.dumps(record, ensure_ascii=False, default=str)
        self._output.write(redact_known(line) + "\n")

    def dry_run_list(
        self, items: Sequence[Item[typing.Any]], describe: Callable[[Item[typing.Any]], str]
    ) -> int:
        """List what would be sent; returns the exit status."""
        for item in items:
            self.say(f"  would send {describe(item)}")
        self.say(
            f"Dry run: {len(items)} item(s) would be sent, {len(self.rejected)} rejected; "
            "nothing was sent."
        )
        return 1 if self.rejected else 0

    # -- running ---------------------------------------------------------------------------

    async def run_phase(
        self,
        label: str,
        items: Sequence[Item[P]],
        call: Callable[[Item[P]], Awaitable[R]],
        *,
        key: Callable[[Item[P]], str | Awaitable[str]] | None = None,
        remote_id: Callable[[R], object] | None = None,
        write: Callable[[Outcome[Item[P], R]], dict[str, object] | None] | None = None,
    ) -> PhaseResult[R]:
        """Run ``call`` over ``items`` on the core bulk runner; journaled when ``key`` is given.

        ``write(outcome)`` gives the extra fields of the item's output line
        (``None``: no line, a later phase writes it).
        """

        def make_run() -> BulkRun[Item[P], R]:
            return bulk(
                call,
                items,
                concurrency=self.concurrency,
                journal=self.journal if key is not None else None,
                key=key,
                remote_id=remote_id,
            )

        return await self.consume(
            label, len(items), make_run, lambda item: item.name, write, remote_id=remote_id
        )

    async def consume(
        self,
        label: str,
        total: int,
        make_run: Callable[[], BulkRun[K, R]],
        name_of: Callable[[K], str],
        write: Callable[[Outcome[K, R]], dict[str, object] | None] | None = None,
        *,
        remote_id: Callable[[R], object] | None = None,
    ) -> PhaseResult[R]:
        """Drive a :class:`~labelkit.BulkRun` (e.g. a client's ``wait_many``) with the display.

        ``write(outcome)`` gives the extra fields of the item's output line
        (``None``: no line); ``remote_id`` reads the item's remote id from its value.

        Stops early on a credential the API rejects, or when the API cannot
        be reached before any item succeeded.
        """
        display = self.output.progress(label, total)
        outcomes: dict[str, Outcome[typing.Any, R]] = {}
        notes = 0
        aborted: str | None = None
        same_failures: dict[tuple[object, ...], int] = {}

        async def work() -> int:
            nonlocal notes, aborted
            with record_calls() as calls:
                async with make_run() as run:
                    async for outcome in run:
                        name = name_of(outcome.item)
                        outcomes[name] = outcome
                        display.record(outcome.status.value, resumed=outcome.resumed)
                        extra = write(outcome) if write is not None else None
                        if extra is not None:
                            extra.setdefault("remote_id", remote_id_of(outcome, remote_id))
                            self._write_outcome(name, outcome, extra)
                        if outcome.ok:
                            continue
                        assert outcome.error is not None
                        stop = _fatal(outcome.error, display.ok, same_failures)
                        if stop is not None:
                            aborted = stop
                            await run.aclose()
                            break
                        if notes < _MAX_NOTES:
                            display.note(_note(name, outcome.status, outcome.error))
                        notes += 1
                return len(calls)

        requests = await ticking(display, work)
        self.requests += requests
        if notes > _MAX_NOTES:
            more = notes - _MAX_NOTES
            where = "in --output" if self._output is not None else "with --output PATH"
            self.output.error(f"  ... and {more} more failed item(s); see them all {where}")
        if aborted is not None:
            self.output.error(f"  stopped: {aborted}")
        return PhaseResult(label, outcomes, display.elapsed, requests, total, aborted)

    def _write_outcome(
        self, name: str, outcome: Outcome[typing.Any, typing.Any], extra: dict[str, object]
    ) -> None:
        self.write_result(
            name,
            outcome.status.value,
            remote_id=extra.pop("remote_id"),
            error=None if outcome.error is None else describe_error(outcome.error),
            resumed=outcome.resumed,
            **extra,
        )

    # -- the end ---------------------------------------------------------------------------

    def summary(self, totals: Totals) -> int:
        """Print the summary (a table, lines or ``--json``); returns the exit status."""
        failed = totals.failed + totals.not_run
        rejected = len(self.rejected)
        ok_text = str(totals.ok)
        if totals.resumed:
            ok_text += f" ({totals.resumed} already done per the journal, not sent again)"
        failed_text = str(failed)
        if totals.not_run:
            failed_text += f" ({totals.not_run} not started)"
        rows = [
            ("ok", ok_text),
            ("failed", failed_text),
            ("ambiguous", str(totals.ambiguous)),
            ("rejected before sending", str(rejected)),
        ]
        elapsed = totals.elapsed
        rate = self.requests / elapsed if elapsed > 0 else 0.0
        text = f"{self.requests} requests in {format_duration(elapsed)} ({rate:.1f}/s)"
        allowed: int | None = None
        if self.rate_limit is not None:
            allowed = _allowed(self.rate_limit, elapsed)
            text += (
                f"; {self.provider}'s limit of {format_rate_limit(self.rate_limit)} "
                f"allows at most {allowed} in that time"
            )
            if self.requests:
                text += f": {100.0 * self.requests / allowed:.0f} % used"
        else:
            text += f"; {self.provider} documents no rate limit"
        notes = [*totals.extra, text]
        if totals.ambiguous and totals.lookup:
            notes.append(
                "ambiguous items may or may not exist remotely: re-run with the same "
                "--journal to look them up before anything is sent again"
            )
        elif totals.ambiguous:
            notes.append(
                f"ambiguous items may or may not exist remotely and {self.provider} has no "
                "lookup: they are never re-sent blindly (with --journal a re-run reports them "
                "again); check them in the output"
            )
        status = 1 if failed or totals.ambiguous or rejected else 0
        data: dict[str, object] = {
            "command": self.command,
            "ok": totals.ok,
            "resumed": totals.resumed,
            "failed": failed,
            "not_started": totals.not_run,
            "ambiguous": totals.ambiguous,
            "rejected": [{"key": name, "error": why} for name, why in self.rejected],
            "requests": self.requests,
            "elapsed_seconds": round(elapsed, 3),
            "rate_limit": None if self.rate_limit is None else format_rate_limit(self.rate_limit),
            "allowed_requests": allowed,
            "notes": notes,
            "exit_status": status,
        }
        self.output.summary(Summary(f"Summary ({self.command})", rows, notes, data))
        return status


def _fatal(error: BaseException, ok_so_far: int, same: dict[tuple[object, ...], int]) -> str | None:
    """Why the whole job should stop after ``error``, if it should."""
    if isinstance(error, (AuthenticationError, PermissionDeniedError)):
        return f"the API rejected the credential ({describe_error(error)}); check it and retry"
    if ok_so_far:
        return None
    if isinstance(error, APIConnectionError):
        return f"cannot reach the API ({describe_error(error)}); check --base-url"
    if isinstance(error, APIStatusError) and 400 <= error.status < 500 and error.status != 429:
        # The same rejection for every item (wrong project, wrong task type...): say it once.
        key = (type(error), error.status, error.code, error.message)
        same[key] = same.get(key, 0) + 1
        if same[key] >= _SAME_FAILURES:
            return (
                f"the first {_SAME_FAILURES} items were all rejected the same way "
                f"({describe_error(error)}); fix that and re-run"
            )
    return None


def _note(name: str, status: OutcomeStatus, error: BaseException) -> str:
    if status is OutcomeStatus.AMBIGUOUS:
        return f"  ambiguous {name}: {describe_error(error)}"
    return f"  failed {name}: {describe_error(error)}"


def _allowed(limit: RateLimit, elapsed: float) -> int:
    """The most requests ``limit`` lets start in ``elapsed`` seconds (every window counts)."""
    return min(calls * (math.floor(elapsed / period) + 1) for calls, period in limit.windows())
