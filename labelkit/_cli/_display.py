"""How a bulk command talks: plain lines, a rich terminal display, or one JSON summary.

:func:`make_output` picks the form: rich progress bars, live counters and a
summary table when the output is a terminal and rich is installed (the
``cli`` extra); plain lines otherwise (pipes, CI logs, no rich), a log line
every few seconds instead of a bar. ``--quiet`` keeps only the errors;
``--json`` writes the summary as one JSON object and the rest to stderr.
"""

from __future__ import annotations

import json
import math
import sys
import time
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence

import anyio
import attrs

from .._config import RateLimit
from .._logging import redact_known

__all__ = [
    "Output",
    "PlainOutput",
    "ProgressDisplay",
    "format_duration",
    "format_rate_limit",
    "make_output",
    "ticking",
]

T = typing.TypeVar("T")


def format_duration(seconds: float) -> str:
    """``7.3 s``, ``2 min 05 s``, ``1 h 02 min``."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_rate_limit(limit: RateLimit) -> str:
    """``100 per 5 s`` (every window of the limit)."""
    parts = [f"{limit.calls} per {limit.period:g} s"]
    parts += [format_rate_limit(extra) for extra in limit.extra]
    return " and ".join(parts)


@attrs.define(eq=False)
class ProgressDisplay:
    """Counts of one job phase, written as a plain line every ``interval`` seconds.

    Call :meth:`record` once per finished item, :meth:`tick` now and then
    (:func:`ticking` does it in the background) and :meth:`finish` at the end.
    ``quiet`` writes only the notes (the errors). Subclasses draw differently
    (see ``_rich.py``).
    """

    label: str
    total: int | None
    out: typing.TextIO
    interval: float = attrs.field(default=2.0, kw_only=True)
    quiet: bool = attrs.field(default=False, kw_only=True)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, kw_only=True)
    ok: int = attrs.field(init=False, default=0)
    failed: int = attrs.field(init=False, default=0)
    ambiguous: int = attrs.field(init=False, default=0)
    resumed: int = attrs.field(init=False, default=0)
    started: float = attrs.field(init=False)
    finished_at: float | None = attrs.field(init=False, default=None)
    _last_log: float = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.started = self._last_log = self.clock()

    @property
    def done(self) -> int:
        """Items finished, whatever their status."""
        return self.ok + self.failed + self.ambiguous

    @property
    def elapsed(self) -> float:
        """Seconds since the phase started (frozen by :meth:`finish`)."""
        end = self.finished_at if self.finished_at is not None else self.clock()
        return max(0.0, end - self.started)

    @property
    def rate(self) -> float:
        """Items per second processed by this run (items skipped by a journal excluded)."""
        elapsed = self.elapsed
        worked = self.done - self.resumed
        return worked / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, if it can be told."""
        if self.total is None:
            return None
        left = self.total - self.done
        if left <= 0:
            return 0.0
        rate = self.rate
        return left / rate if rate > 0 else None

    def record(self, status: str, *, resumed: bool = False) -> None:
        """Count one finished item (``ok``, ``failed`` or ``ambiguous``)."""
        if status == "ok":
            self.ok += 1
            self.resumed += resumed
        elif status == "ambiguous":
            self.ambiguous += 1
        else:
            self.failed += 1
        self.tick()

    def line(self) -> str:
        """The current state as one line."""
        total = "?" if self.total is None else str(self.total)
        text = f"{self.done}/{total}  ok {self.ok}  failed {self.failed}"
        if self.ambiguous:
            text += f"  ambiguous {self.ambiguous}"
        if self.resumed:
            text += f"  (journal: {self.resumed} already done)"
        text += f"  {self.rate:.1f}/s"
        eta = self.eta
        if self.finished_at is None and eta is not None and eta > 0:
            text += f"  ETA {format_duration(eta)}"
        elif self.finished_at is not None:
            text += f"  in {format_duration(self.elapsed)}"
        return text

    def tick(self) -> None:
        """Write a log line when ``interval`` has passed since the last one."""
        now = self.clock()
        if not self.quiet and now - self._last_log >= self.interval:
            self._last_log = now
            self._write(f"  {self.label}: {self.line()}\n")

    def note(self, message: str) -> None:
        """Print a message about one item (never a credential)."""
        self._write(redact_known(message) + "\n")

    def finish(self) -> None:
        """Freeze the counts and print the final state."""
        if self.finished_at is None:
            self.finished_at = self.clock()
        if not self.quiet:
            self._write(f"  {self.label}: {self.line()}\n")

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


@attrs.frozen
class Summary:
    """The end of a job: ``rows`` (name, value) and ``notes`` to show, ``data`` for ``--json``."""

    title: str
    rows: Sequence[tuple[str, str]]
    notes: Sequence[str]
    data: Mapping[str, object]


class Output(typing.Protocol):
    """Where a job's lines, progress and summary go."""

    def say(self, text: str) -> None:
        """An informational line."""

    def error(self, text: str) -> None:
        """A line about something that went wrong (kept by ``--quiet``)."""

    def progress(self, label: str, total: int | None) -> ProgressDisplay:
        """The display of one phase."""

    def summary(self, summary: Summary) -> None:
        """The end of the job."""


class PlainOutput:
    """Plain lines: for pipes and logs, without rich, with ``--quiet`` or ``--json``."""

    def __init__(self, out: typing.TextIO, *, quiet: bool = False, as_json: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.as_json = as_json
        # With --json, stdout carries only the summary object.
        self._lines = sys.stderr if as_json else out

    def say(self, text: str) -> None:
        if not self.quiet:
            self._write(self._lines, text)

    def error(self, text: str) -> None:
        self._write(self._lines, text)

    def progress(self, label: str, total: int | None) -> ProgressDisplay:
        return ProgressDisplay(label, total, self._lines, quiet=self.quiet or self.as_json)

    def summary(self, summary: Summary) -> None:
        if self.as_json:
            self._write(self.out, json.dumps(summary.data, ensure_ascii=False, default=str))
            return
        if self.quiet:
            return
        self.say(summary.title)
        self.say("  " + ", ".join(f"{name} {value}" for name, value in summary.rows))
        for note in summary.notes:
            self.say(f"  {note}")

    @staticmethod
    def _write(stream: typing.TextIO, text: str) -> None:
        stream.write(redact_known(text) + "\n")
        stream.flush()


def make_output(out: typing.TextIO, *, quiet: bool = False, as_json: bool = False) -> Output:
    """Rich on a terminal when installed; plain lines otherwise."""
    if not quiet and not as_json and _isatty(out):
        try:
            from ._rich import RichOutput
        except ImportError:  # the `labelkit` script installs without the cli extra
            pass
        else:
            return RichOutput(out)
    return PlainOutput(out, quiet=quiet, as_json=as_json)


async def ticking(display: ProgressDisplay, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` while keeping ``display`` fresh (rate, ETA, log lines); then finish it."""
    result: list[T] = []
    errors: list[Exception] = []
    async with anyio.create_task_group() as tg:

        async def tick() -> None:
            while True:
                await anyio.sleep(0.25)
                display.tick()

        async def run() -> None:
            try:
                result.append(await work())
            except Exception as exc:  # re-raised below, not wrapped in an ExceptionGroup
                errors.append(exc)
            finally:
                tg.cancel_scope.cancel()

        tg.start_soon(tick)
        tg.start_soon(run)
    display.finish()
    if errors:
        raise errors[0]
    return result[0]


def _isatty(out: typing.TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
