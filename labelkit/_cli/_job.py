"""What every bulk command (``upload``, ``recognize``, ``analyze``) shares.

A command turns its arguments into :class:`Item` objects (rejecting bad
input with one line each, before anything is sent), then runs one or more
phases with :meth:`JobContext.run_phase`: the core :func:`~labelkit.bulk`
runner with the journal, a progress display, one JSON line per item in
``--output``, and the request count for the achieved-rate summary.
Exit status: 0 all ok, 1 any item failed, ambiguous or rejected, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import typing
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import attrs

from .._bulk import BulkRun, Outcome, OutcomeStatus, bulk
from .._config import RateLimit
from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    LabelkitError,
    PermissionDeniedError,
)
from .._journal import Journal
from .._logging import SecretRedactor, record_calls, redact_known
from .._ratelimit import Limiter
from .._types import NOT_GIVEN, NotGiven
from ._display import ProgressDisplay, format_duration, format_rate_limit, ticking
from ._options import shard_of

__all__ = [
    "Item",
    "JobContext",
    "PhaseResult",
    "UsageError",
    "check_file",
    "credential",
    "describe_error",
    "human_size",
    "run_command",
    "walk_files",
]

K = typing.TypeVar("K")
P = typing.TypeVar("P")
R = typing.TypeVar("R")

#: Lines printed about failed items per phase; the rest are only in --output.
_MAX_NOTES = 20
#: Identical client errors (4xx) before any success that stop a job.
_SAME_FAILURES = 10
#: The credentials given to this process's commands; kept for the process's life,
#: so that every line and file the CLI writes is redacted even after the client is gone.
_CREDENTIALS = SecretRedactor()


class UsageError(Exception):
    """Bad usage or bad input for the whole command: one line, exit status 2."""


@attrs.define
class Item(typing.Generic[P]):
    """One unit of work: ``name`` is shown and written as ``key`` in the output."""

    name: str
    payload: P


@attrs.define
class PhaseResult(typing.Generic[R]):
    """The outcomes of one phase, by item name, and what it cost."""

    label: str
    outcomes: dict[str, Outcome[typing.Any, R]]
    elapsed: float
    requests: int
    total: int
    aborted: str | None = None

    def count(self, status: str) -> int:
        """Outcomes with ``status`` (``ok``, ``failed``, ``ambiguous``)."""
        return sum(o.status.value == status for o in self.outcomes.values())

    @property
    def resumed(self) -> int:
        """Items done by an earlier run (per the journal)."""
        return sum(o.resumed for o in self.outcomes.values())

    @property
    def not_run(self) -> int:
        """Items a stopped phase never finished."""
        return self.total - len(self.outcomes)

    def ok_outcomes(self) -> list[Outcome[typing.Any, R]]:
        """The ok outcomes, in input order."""
        return sorted((o for o in self.outcomes.values() if o.ok), key=lambda o: o.index)


def credential(token: str | None, env: str, what: str) -> str:
    """``--token`` or the environment variable, else a usage error saying how to fix it."""
    value = token or os.environ.get(env)
    if not value:
        raise UsageError(f"no {what}: set {env} or pass --token")
    _CREDENTIALS.add(value)
    return value


def describe_error(exc: BaseException) -> str:
    """One line for an item's error, without any credential a client of this process knows."""
    if isinstance(exc, LabelkitError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact_known(" ".join(text.split()))[:500]


def human_size(size: int) -> str:
    """``812 B``, ``12.5 KiB``, ``20.0 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def walk_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, sorted, skipping hidden files and folders."""
    if not root.exists():
        raise UsageError(f"directory not found: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root} (give the folder that holds the files)")
    for folder, dirs, files in os.walk(root, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder, name)


def check_file(
    path: Path,
    *,
    extensions: Sequence[str] | None,
    max_bytes: int | None,
    what: str,
) -> str | None:
    """Why ``path`` cannot be sent (``None`` if it can), checked against ``what``'s limits."""
    suffix = path.suffix.lower()
    if extensions is not None and suffix not in extensions:
        kinds = "/".join(e.lstrip(".") for e in extensions)
        return f"not a {kinds} file; {what} accept only those types"
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except PermissionError:
        return "cannot be read (permission denied); fix its permissions or move it away"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "is empty; nothing to send"
    if max_bytes is not None and size > max_bytes:
        return (
            f"is {human_size(size)}, over the {human_size(max_bytes)} limit of {what}; "
            "shrink or split it"
        )
    return None


class JobContext:
    """One run of a bulk command: its output stream, journal, results file and counts."""

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
        self.out = out
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
        self.started = 0.0

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
        """Print one line (without any credential)."""
        self.out.write(redact_known(text) + "\n")
        self.out.flush()

    def reject(self, name: str, reason: str) -> None:
        """Report an item that is skipped before anything is sent."""
        self.rejected.append((name, reason))
        self.say(f"  skipped {name}: {reason}")
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
        resolve: Callable[[Item[P]], Awaitable[R | None]] | None = None,
        remote_id: Callable[[R], object] | None = None,
        concurrency: int | None = None,
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
                concurrency=concurrency or self.concurrency,
                journal=self.journal if key is not None else None,
                key=key,
                resolve=resolve,
                remote_id=remote_id,
            )

        return await self.consume(label, len(items), make_run, lambda item: item.name, write)

    async def consume(
        self,
        label: str,
        total: int,
        make_run: Callable[[], BulkRun[K, R]],
        name_of: Callable[[K], str],
        write: Callable[[Outcome[K, R]], dict[str, object] | None] | None = None,
    ) -> PhaseResult[R]:
        """Drive a :class:`~labelkit.BulkRun` (e.g. a client's ``wait_many``) with the display.

        Stops early on a credential the API rejects, or when the API cannot
        be reached before any item succeeded.
        """
        display = ProgressDisplay(label, total, self.out)
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
            self.say(f"  ... and {more} more failed item(s); see them all {where}")
        if aborted is not None:
            self.say(f"  stopped: {aborted}")
        return PhaseResult(label, outcomes, display.elapsed, requests, total, aborted)

    def _write_outcome(
        self, name: str, outcome: Outcome[typing.Any, typing.Any], extra: dict[str, object]
    ) -> None:
        self.write_result(
            name,
            outcome.status.value,
            remote_id=extra.pop("remote_id", outcome.remote_id),
            error=None if outcome.error is None else describe_error(outcome.error),
            resumed=outcome.resumed,
            **extra,
        )

    # -- the end ---------------------------------------------------------------------------

    def summary(
        self,
        *,
        ok: int,
        failed: int,
        ambiguous: int,
        resumed: int,
        elapsed: float,
        not_run: int = 0,
        extra: Sequence[str] = (),
        lookup: bool = True,
    ) -> int:
        """Print the summary; returns the exit status (1 if anything is not ok).

        ``not_run`` items (never started, the job having stopped) count as failed.
        ``lookup`` says whether the provider can look an item up (to resolve ambiguous ones).
        """
        failed += not_run
        rejected = len(self.rejected)
        self.say(f"Summary ({self.command})")
        line = f"  ok {ok}"
        if resumed:
            line += f" ({resumed} already done per the journal, not sent again)"
        line += f", failed {failed}"
        if not_run:
            line += f" ({not_run} not started)"
        line += f", ambiguous {ambiguous}, rejected before sending {rejected}"
        self.say(line)
        for text in extra:
            self.say(f"  {text}")
        rate = self.requests / elapsed if elapsed > 0 else 0.0
        text = f"  {self.requests} requests in {format_duration(elapsed)} ({rate:.1f}/s)"
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
        self.say(text)
        if ambiguous and lookup:
            self.say(
                "  ambiguous items may or may not exist remotely: re-run with the same "
                "--journal to look them up before anything is sent again"
            )
        elif ambiguous:
            self.say(
                f"  ambiguous items may or may not exist remotely and {self.provider} has no "
                "lookup: they are never re-sent blindly (with --journal a re-run reports them "
                "again); check them in the output"
            )
        return 1 if failed or ambiguous or rejected else 0


def run_command(command: str, body: Callable[[], int], out: typing.TextIO | None = None) -> int:
    """Run a command's body: usage errors give one line and status 2, never a traceback."""
    stream = sys.stderr if out is None else out

    def tell(line: str) -> None:
        stream.write(f"labelkit {command}: {redact_known(line)}\n")

    try:
        return body()
    except UsageError as exc:
        tell(str(exc))
        return 2
    except KeyboardInterrupt:
        tell("interrupted (a --journal run resumes where it stopped)")
        return 130
    except sqlite3.Error as exc:
        tell(f"journal error: {exc}")
        return 2
    except LabelkitError as exc:  # e.g. a client rejecting its configuration
        tell(describe_error(exc))
        return 2
    except OSError as exc:
        tell(str(exc))
        return 1
    except Exception as exc:
        if os.environ.get("LABELKIT_TRACEBACK"):
            raise
        tell(f"unexpected error: {describe_error(exc)} (set LABELKIT_TRACEBACK=1 to see where)")
        return 1


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
