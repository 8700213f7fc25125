"""One journaled call of :func:`~labelkit.bulk`: skip, resolve, or send and record.

For each item: its key is looked up in the journal. ``ok`` means done (the
item is reported without being sent). ``sent`` or ``ambiguous`` means a
previous attempt may have taken effect, so ``resolve(item)`` asks the service
first: a result means it exists (recorded ``ok``, not sent again), ``None``
means it does not (sent). Otherwise the item is marked ``sent``, the call is
made, and its end state recorded; a call that ends ambiguous is looked up
with ``resolve`` at once (found: ``ok`` with the found id; else ``ambiguous``,
never ``failed``, so no re-run sends it blindly). Only errors of ``fn``, ``key`` and
``resolve`` become item outcomes; a journal error aborts the run, since
continuing would send items whose state cannot be recorded.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import attrs

from ._errors import AmbiguousResultError, ValidationError
from ._journal import Journal
from ._journal_store import JournalState

__all__ = ["JournaledCall", "JournaledResult", "call_settled", "remote_id_of", "settle"]

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


@attrs.frozen
class JournaledResult(Generic[ResultT]):
    """What happened to one item: status is ``ok``, ``failed`` or ``ambiguous``."""

    status: str
    value: ResultT | None = None
    error: BaseException | None = None
    remote_id: str | None = None
    resumed: bool = False


class JournaledCall(Generic[ItemT, ResultT]):
    """``fn`` wrapped with the journal logic; one instance per run."""

    def __init__(
        self,
        fn: Callable[[ItemT], Awaitable[ResultT]],
        journal: Journal,
        key: Callable[[ItemT], str | Awaitable[str]] | None,
        resolve: Callable[[ItemT], Awaitable[ResultT | None]] | None,
        remote_id: Callable[[ResultT], object] | None,
    ) -> None:
        self.journal = journal
        self._fn = fn
        self._key = key
        self._resolve = resolve
        self._remote_id = remote_id
        self._in_flight: set[str] = set()

    async def __call__(self, item: ItemT) -> JournaledResult[ResultT]:
        try:
            key = await self._key_of(item)
        except Exception as exc:
            return JournaledResult("failed", error=exc)
        if key in self._in_flight:
            error = ValidationError("key", f"{key!r} is used by two items in flight")
            return JournaledResult("failed", error=error)
        self._in_flight.add(key)
        try:
            return await self._run(key, item)
        finally:
            self._in_flight.discard(key)

    async def _run(self, key: str, item: ItemT) -> JournaledResult[ResultT]:
        journal = self.journal
        entry = await journal.get(key)
        if entry is not None and entry.state is JournalState.OK:
            return JournaledResult("ok", remote_id=entry.remote_id, resumed=True)
        if entry is not None and entry.state in (JournalState.SENT, JournalState.AMBIGUOUS):
            if self._resolve is None:
                error = AmbiguousResultError(
                    f"item {key!r} was left {entry.state.value} by an earlier run and may exist; "
                    "not sent again (pass resolve= to look it up)",
                    error=LookupError(entry.error or f"left {entry.state.value}"),
                    method="",
                    url="",
                )
                return JournaledResult("ambiguous", error=error)
            try:
                found = await self._resolve(item)
            except Exception as exc:
                await journal.mark_ambiguous(key, f"lookup failed: {_describe(exc)}")
                return JournaledResult("ambiguous", error=exc)
            if found is not None:
                rid = self._id_of(found)
                await journal.mark_ok(key, rid)
                return JournaledResult("ok", value=found, remote_id=rid, resumed=True)
        await journal.mark_sent(key)
        result, lookup_error = await call_settled(
            item, self._fn, self._resolve, self._remote_id, id_every_value=True
        )
        if result.status == "ok":
            await journal.mark_ok(key, result.remote_id)
            return result
        assert result.error is not None
        if result.status == "failed":
            await journal.mark_failed(key, _describe(result.error))
        else:
            note = "" if lookup_error is None else f"; lookup failed: {_describe(lookup_error)}"
            await journal.mark_ambiguous(key, _describe(result.error) + note)
        return result

    async def _key_of(self, item: ItemT) -> str:
        if self._key is None:
            plain: object = item
            if isinstance(plain, (str, os.PathLike)):
                return str(os.fspath(plain))
            raise ValidationError(
                "key", f"required with journal= for items of type {type(item).__name__}"
            )
        key: Any = self._key(item)
        if inspect.isawaitable(key):
            key = await key
        if not isinstance(key, str) or not key:
            raise ValidationError("key", f"must return a non-empty str, got {key!r}")
        return key

    def _id_of(self, value: ResultT) -> str | None:
        return remote_id_of(value, self._remote_id)


async def call_settled(
    item: ItemT,
    fn: Callable[[ItemT], Awaitable[ResultT]],
    resolve: Callable[[ItemT], Awaitable[ResultT | None]] | None,
    remote_id: Callable[[ResultT], object] | None,
    *,
    id_every_value: bool,
) -> tuple[JournaledResult[ResultT], Exception | None]:
    """``fn(item)``, an ambiguous answer looked up at once: the result and the lookup's error.

    An object found by that lookup is ``ok`` with its remote id; so is a
    plain return with ``id_every_value`` (the journal records every id).
    """
    try:
        value = await fn(item)
    except AmbiguousResultError as exc:
        found, lookup_error = await settle(item, resolve)
        if found is None:
            return JournaledResult("ambiguous", error=exc), lookup_error
        return JournaledResult("ok", value=found, remote_id=remote_id_of(found, remote_id)), None
    except Exception as exc:
        return JournaledResult("failed", error=exc), None
    rid = remote_id_of(value, remote_id) if id_every_value else None
    return JournaledResult("ok", value=value, remote_id=rid), None


async def settle(
    item: ItemT, resolve: Callable[[ItemT], Awaitable[ResultT | None]] | None
) -> tuple[ResultT | None, Exception | None]:
    """Look up an item whose call was ambiguous: ``(found or None, the lookup's error)``.

    ``None`` found (or no ``resolve``) leaves the item ambiguous: it is not
    sent again by this run; a journaled re-run looks it up again first.
    """
    if resolve is None:
        return None, None
    try:
        return await resolve(item), None
    except Exception as exc:
        return None, exc


def remote_id_of(value: ResultT, remote_id: Callable[[ResultT], object] | None) -> str | None:
    """The remote id of a result: ``remote_id(value)``, else ``value.id``."""
    rid = remote_id(value) if remote_id is not None else getattr(value, "id", None)
    return None if rid is None else str(rid)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
