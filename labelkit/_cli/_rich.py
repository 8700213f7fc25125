"""The terminal form of a job's output: rich progress bars, live counters, a summary table.

Imported only when the output is a terminal; an ImportError (rich is not
installed) makes :func:`~labelkit._cli._display.make_output` fall back to
plain lines.
"""

from __future__ import annotations

import typing

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .._logging import redact_known
from ._display import ProgressDisplay, Summary

__all__ = ["RichOutput"]


class _RichPhase(ProgressDisplay):
    """A phase drawn as a rich progress bar with ok / failed / ambiguous counters."""

    def __init__(self, label: str, total: int | None, console: Console) -> None:
        super().__init__(label, total, typing.cast(typing.TextIO, console.file))
        self._progress = Progress(
            TextColumn("  [bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counters]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=8,
        )
        self._task = self._progress.add_task(label, total=total, counters=self._counters())
        self._progress.start()

    def _counters(self) -> str:
        text = f"[green]ok {self.ok}[/]  [red]failed {self.failed}[/]"
        if self.ambiguous:
            text += f"  [yellow]ambiguous {self.ambiguous}[/]"
        if self.resumed:
            text += f"  (journal: {self.resumed} already done)"
        return text + f"  {self.rate:.1f}/s"

    def tick(self) -> None:
        self._progress.update(self._task, completed=self.done, counters=self._counters())

    def note(self, message: str) -> None:
        self._progress.console.print(Text(redact_known(message)))

    def finish(self) -> None:
        if self.finished_at is None:
            self.finished_at = self.clock()
        self.tick()
        self._progress.stop()


class RichOutput:
    """Lines, bars and the summary table on a terminal."""

    def __init__(self, out: typing.TextIO) -> None:
        self.console = Console(file=out, highlight=False)

    def say(self, text: str) -> None:
        self.console.print(Text(redact_known(text)))

    def error(self, text: str) -> None:
        self.console.print(Text(redact_known(text), style="red"))

    def progress(self, label: str, total: int | None) -> ProgressDisplay:
        return _RichPhase(label, total, self.console)

    def summary(self, summary: Summary) -> None:
        table = Table(title=summary.title, title_justify="left", show_header=False)
        table.add_column("", style="bold")
        table.add_column("")
        for name, value in summary.rows:
            table.add_row(name, redact_known(value))
        self.console.print(table)
        for note in summary.notes:
            self.say(f"  {note}")
