"""What a bulk command's phases and jobs give back: items, phase results, totals."""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence

import attrs

from .. import Outcome

__all__ = ["Item", "PhaseResult", "Totals", "remote_id_of"]

P = typing.TypeVar("P")
R = typing.TypeVar("R")


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

    def ok_remote_ids(
        self, of: Callable[[R], object]
    ) -> list[tuple[Outcome[typing.Any, R], object]]:
        """The ok outcomes, in input order, each with its remote id.

        That is ``of`` its value, else the id its journal entry kept (an item
        done by an earlier run has no value).
        """
        return [(o, remote_id_of(o, of)) for o in self.ok_outcomes()]

    def totals(self, *, extra: Sequence[str] = (), lookup: bool = True) -> Totals:
        """The job's totals when this is its only phase."""
        return Totals(
            ok=self.count("ok"),
            failed=self.count("failed"),
            not_run=self.not_run,
            ambiguous=self.count("ambiguous"),
            resumed=self.resumed,
            elapsed=self.elapsed,
            extra=extra,
            lookup=lookup,
        )


@attrs.frozen(kw_only=True)
class Totals:
    """What a job did, for its summary.

    ``not_run`` items (never started, the job having stopped) count as failed.
    ``lookup`` says whether the provider can look an item up (to resolve ambiguous ones).
    """

    ok: int
    failed: int
    ambiguous: int
    resumed: int
    elapsed: float
    not_run: int = 0
    extra: Sequence[str] = ()
    lookup: bool = True


def remote_id_of(outcome: Outcome[typing.Any, R], of: Callable[[R], object] | None) -> object:
    """An item's remote id: ``of`` its value, else the one its journal entry kept."""
    if outcome.value is not None and of is not None:
        return of(outcome.value)
    return outcome.remote_id
