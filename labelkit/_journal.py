"""A SQLite journal that lets a bulk job resume without sending anything twice.

Usage::

    async with Journal("upload.journal") as journal:
        async with bulk(upload, paths, journal=journal, key=Journal.file_key,
                        resolve=find_remote) as run:
            async for outcome in run:
                ...

One row per item key: ``pending``, ``sent``, ``ok``, ``failed`` or
``ambiguous``, with the remote id, the last error and the number of attempts
(see :class:`JournalState`). Every database call runs in a worker thread, so
the event loop never blocks on disk I/O; the connection is shared by all of
them under one lock (see ``_journal_store``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import anyio

from ._journal_store import JournalEntry, JournalState, JournalStore
from ._logging import redact_known

__all__ = ["Journal", "JournalEntry", "JournalState"]

T = TypeVar("T")

_HASH_CHUNK = 1 << 20


class Journal:
    """The state of every item of a bulk job, kept in a SQLite file at ``path``.

    Pass it (or just its path) to :func:`~labelkit.bulk` as ``journal=``:
    items already ``ok`` are skipped, items a crash left ``sent`` or
    ``ambiguous`` are looked up with ``resolve=`` before being sent again.

    Writes are transactional and acknowledged only once committed; with
    ``durable=True`` (the default) every commit is also fsynced (SQLite WAL
    with ``synchronous=FULL``), so a crash at any instant, even of the machine,
    loses no state a write had acknowledged. Concurrent writes are committed
    together, one fsync for many items. ``durable=False`` keeps the guarantee
    for a killed process but not for a power cut.

    The file is opened on ``async with`` or on first use, and closed by
    :meth:`aclose`. ``path`` itself may be a symlink (it is the caller's
    choice), but a symlink in the place of a file SQLite keeps beside it
    (``path-wal``, ``path-shm``, ``path-journal``) raises
    :class:`~labelkit.UnsafePathError` on opening, before SQLite writes
    through it. A journal can be used from several tasks, threads and
    event loops at once.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self._path = os.fspath(path)
        self._durable = durable
        self._store: JournalStore | None = None
        self._open_lock = threading.Lock()
        self._closed = False

    @property
    def path(self) -> str:
        """The journal file."""
        return self._path

    def __repr__(self) -> str:
        return f"Journal({self._path!r})"

    async def __aenter__(self) -> Journal:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Open (and create if needed) the journal file; done by the first call anyway."""
        await self._run(lambda store: None)

    async def aclose(self) -> None:
        """Close the file. Later calls raise."""
        await anyio.to_thread.run_sync(self._close)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, key: str) -> JournalEntry | None:
        """The entry of ``key``, or ``None`` if the journal has never seen it."""
        return await self._run(lambda store: store.get(key))

    async def entries(
        self, state: JournalState | Sequence[JournalState] | None = None
    ) -> list[JournalEntry]:
        """Every entry in one state (or several, or all), sorted by key."""
        states = [state] if isinstance(state, JournalState) else state
        return await self._run(lambda store: store.entries(states))

    async def counts(self) -> dict[JournalState, int]:
        """The number of entries in each state."""
        return await self._run(JournalStore.counts)

    # -- writing ---------------------------------------------------------------------------

    async def add(self, keys: Iterable[str]) -> None:
        """Record ``keys`` as ``pending`` unless the journal already has them."""
        keys = list(keys)
        await self._run(lambda store: store.add(keys))

    async def mark_sent(self, key: str) -> None:
        """``key`` is about to be sent; counts one attempt."""
        await self._run(lambda store: store.mark_sent(key))

    async def mark_ok(self, key: str, remote_id: str | None = None) -> None:
        """``key`` is done; ``remote_id`` names what was created."""
        await self._run(lambda store: store.finish(key, JournalState.OK, remote_id, None))

    async def mark_failed(self, key: str, error: str) -> None:
        """``key`` failed without taking effect; a re-run sends it again.

        ``error`` is stored without any secret a live client knows.
        """
        error = redact_known(error)
        await self._run(lambda store: store.finish(key, JournalState.FAILED, None, error))

    async def mark_ambiguous(self, key: str, error: str) -> None:
        """``key`` may or may not have taken effect; a re-run looks it up first.

        ``error`` is stored without any secret a live client knows.
        """
        error = redact_known(error)
        await self._run(lambda store: store.finish(key, JournalState.AMBIGUOUS, None, error))

    async def rename(self, renames: Mapping[str, str]) -> None:
        """Re-key entries ``{old: new}`` in one transaction, e.g. to migrate a journal.

        An entry whose new key is already in the journal keeps its old key.
        """
        pairs = list(renames.items())
        await self._run(lambda store: store.rename(pairs))

    # -- keys ------------------------------------------------------------------------------

    @staticmethod
    async def file_key(
        path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None
    ) -> str:
        """An item key for a file: its path (relative to ``root`` if given) and content hash.

        ``"images/cat.jpg#sha256=9f86d0..."``. A file whose content changed gets a
        new key, so it is sent again. The file is hashed in a worker thread.
        """
        return await anyio.to_thread.run_sync(_file_key, os.fspath(path), root)

    # -- internals -------------------------------------------------------------------------

    async def _run(self, call: Callable[[JournalStore], T]) -> T:
        # Not abandoned on cancellation: a write that started always finishes and
        # its caller learns the outcome, so the journal never disagrees with it.
        return await anyio.to_thread.run_sync(functools.partial(self._call, call))

    def _call(self, call: Callable[[JournalStore], T]) -> T:
        with self._open_lock:
            if self._closed:
                raise RuntimeError(f"journal {self._path} is closed")
            if self._store is None:
                self._store = JournalStore(self._path, durable=self._durable)
            store = self._store
        return call(store)

    def _close(self) -> None:
        with self._open_lock:
            self._closed = True
            store, self._store = self._store, None
        if store is not None:
            store.close()


def _file_key(path: str, root: str | os.PathLike[str] | None) -> str:
    name = path if root is None else os.path.relpath(path, root)
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return f"{name.replace(os.sep, '/')}#sha256={digest.hexdigest()}"
