"""Progress of a command-line bulk job: a bar on a terminal, log lines otherwise.

On a terminal one line is redrawn in place with ``\\r`` (done / failed / total,
rate, ETA); when the output is a pipe or a file a plain line is written every
few seconds instead, so logs stay readable. Messages about single items
(``note``) are printed above the bar. Plain ANSI, no dependency.
"""

from __future__ import annotations

import math
import time
import typing
from collections.abc import Awaitable, Callable

import anyio

from .._config import RateLimit
from .._logging import redact_known

__all__ = ["ProgressDisplay", "format_duration", "format_rate_limit", "ticking"]

T = typing.TypeVar("T")

_BAR_WIDTH = 24
_CLEAR = "\x1b[K"


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


class ProgressDisplay:
    """Counts of one job phase and their display on ``out``.

    Call :meth:`record` once per finished item, :meth:`tick` now and then
    (:func:`ticking` does it in the background) and :meth:`finish` at the end.
    ``tty`` defaults to ``out.isatty()``; ``interval`` is the seconds between
    log lines when not on a terminal.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        out: typing.TextIO,
        *,
        tty: bool | None = None,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.out = out
        self.tty = _isatty(out) if tty is None else tty
        self.interval = interval
        self.clock = clock
        self.ok = 0
        self.failed = 0
        self.ambiguous = 0
        self.resumed = 0
        self.started = clock()
        self.finished_at: float | None = None
        self._last_draw = -math.inf
        self._last_log = self.started
        self._drawn = False

    # -- counts ----------------------------------------------------------------------------

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

    # -- output ----------------------------------------------------------------------------

    def line(self) -> str:
        """The current state as one line (without the bar)."""
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
        """Redraw the bar (at most 10 times a second) or write a log line (every ``interval``)."""
        now = self.clock()
        if self.tty:
            if now - self._last_draw >= 0.1:
                self._draw(now)
        elif now - self._last_log >= self.interval:
            self._last_log = now
            self._write(f"  {self.label}: {self.line()}\n")

    def note(self, message: str) -> None:
        """Print a message about one item without breaking the bar (never a credential)."""
        message = redact_known(message)
        if self.tty and self._drawn:
            self._write("\r" + _CLEAR + message + "\n")
            self._draw(self.clock())
        else:
            self._write(message + "\n")

    def finish(self) -> None:
        """Freeze the counts and print the final state on its own line."""
        if self.finished_at is None:
            self.finished_at = self.clock()
        if self.tty:
            self._draw(self.finished_at)
            self._write("\n")
            self._drawn = False
        else:
            self._write(f"  {self.label}: {self.line()}\n")

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn = True
        self._write(f"\r  {self.label} {self._bar()} {self.line()}{_CLEAR}")

    def _bar(self) -> str:
        if not self.total:
            return "[" + "?" * _BAR_WIDTH + "]"
        filled = min(_BAR_WIDTH, self.done * _BAR_WIDTH // self.total)
        return "[" + "#" * filled + "-" * (_BAR_WIDTH - filled) + "]"

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


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
