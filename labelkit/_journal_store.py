"""The blocking half of :class:`~labelkit.Journal`: one SQLite connection, safe from any thread.

Every method blocks and is meant to run in a worker thread (the async
:class:`~labelkit.Journal` does that). Writes are group-committed: a writer
queues its statement, then whichever writer holds the connection lock runs
every queued statement in one transaction and commits once, so many
concurrent items share one fsync instead of paying one each. A write returns
only after the transaction holding it has committed.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from ._errors import UnsafePathError

__all__ = ["JournalEntry", "JournalState", "JournalStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    remote_id TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_state ON items (state);
"""

_ADD = (
    "INSERT INTO items (key, state, attempts, created_at, updated_at) "
    "VALUES (?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING"
)
_SENT = (
    "INSERT INTO items (key, state, attempts, created_at, updated_at) "
    "VALUES (?, 'sent', 1, ?, ?) ON CONFLICT (key) DO UPDATE SET "
    "state = 'sent', error = NULL, attempts = attempts + 1, updated_at = excluded.updated_at"
)
_RENAME = "UPDATE OR IGNORE items SET key = ? WHERE key = ?"
_FINISH = (
    "INSERT INTO items (key, state, remote_id, error, attempts, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (key) DO UPDATE SET "
    "state = excluded.state, remote_id = COALESCE(excluded.remote_id, remote_id), "
    "error = excluded.error, updated_at = excluded.updated_at"
)
_COLUMNS = "key, state, remote_id, error, attempts, created_at, updated_at"
# The files SQLite keeps beside the database, opened by name.
_SIDECARS = ("-wal", "-shm", "-journal")


class JournalState(str, enum.Enum):
    """Where one item of a journaled job stands."""

    PENDING = "pending"
    """Known, never sent."""
    SENT = "sent"
    """Being sent, or the process died while sending: it may exist remotely."""
    OK = "ok"
    """Done; ``remote_id`` names the remote object when known."""
    FAILED = "failed"
    """The call failed without taking effect; a re-run sends it again."""
    AMBIGUOUS = "ambiguous"
    """The call may or may not have taken effect; a re-run looks it up first."""


@attrs.frozen
class JournalEntry:
    """One row of a :class:`~labelkit.Journal`. Times are Unix timestamps."""

    key: str
    state: JournalState
    remote_id: str | None
    error: str | None
    attempts: int
    """How many times the item was sent."""
    created_at: float
    updated_at: float


@attrs.define(eq=False)
class _Write:
    sql: str
    params: tuple[object, ...]
    done: bool = False
    error: BaseException | None = None


class JournalStore:
    """A journal file. Thread-safe; every method blocks on disk I/O.

    ``durable=True`` (the default) uses WAL with ``synchronous=FULL``: a
    commit is fsynced before the write returns, so an acknowledged state
    survives a process kill, an OS crash or a power cut. ``durable=False``
    (``synchronous=NORMAL``) still survives a killed process, since a commit is
    in the WAL file before the write returns, but the latest commits may be
    lost to a power cut.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Write] = []
        _refuse_planted_sidecars(self.path)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"{self.path}: cannot use WAL mode (got {mode})")
            conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- reads -----------------------------------------------------------------------------

    def get(self, key: str) -> JournalEntry | None:
        """The entry of ``key``, if any."""
        with self._lock:
            row = (
                self._connection()
                .execute(f"SELECT {_COLUMNS} FROM items WHERE key = ?", (key,))
                .fetchone()
            )
        return None if row is None else _entry(row)

    def entries(self, states: Sequence[JournalState] | None) -> list[JournalEntry]:
        """Every entry (in ``states`` when given), by key."""
        sql = f"SELECT {_COLUMNS} FROM items"
        params: tuple[str, ...] = ()
        if states is not None:
            params = tuple(JournalState(s).value for s in states)
            sql += f" WHERE state IN ({', '.join('?' * len(params))})"
        with self._lock:
            rows = self._connection().execute(sql + " ORDER BY key", params).fetchall()
        return [_entry(row) for row in rows]

    def counts(self) -> dict[JournalState, int]:
        """How many entries are in each state (every state present, zero if none)."""
        with self._lock:
            rows = (
                self._connection()
                .execute("SELECT state, COUNT(*) FROM items GROUP BY state")
                .fetchall()
            )
        counts = dict.fromkeys(JournalState, 0)
        for state, count in rows:
            counts[JournalState(state)] = int(count)
        return counts

    # -- writes ----------------------------------------------------------------------------

    def add(self, keys: Iterable[str]) -> None:
        """Record ``keys`` as pending unless already known (one transaction)."""
        now = time.time()
        self._write([_Write(_ADD, (key, now, now)) for key in keys])

    def mark_sent(self, key: str) -> None:
        """``key`` is about to be sent (counts an attempt)."""
        now = time.time()
        self._write([_Write(_SENT, (key, now, now))])

    def finish(
        self, key: str, state: JournalState, remote_id: str | None, error: str | None
    ) -> None:
        """Record the end state of ``key`` (``remote_id`` is kept if not given again)."""
        now = time.time()
        self._write([_Write(_FINISH, (key, JournalState(state).value, remote_id, error, now, now))])

    def rename(self, renames: Iterable[tuple[str, str]]) -> None:
        """Re-key entries (one transaction); an old key whose new key exists is left alone."""
        self._write([_Write(_RENAME, (new, old)) for old, new in renames])

    def _write(self, writes: list[_Write]) -> None:
        if not writes:
            return
        with self._queue_lock:
            self._queue.extend(writes)
        with self._lock:
            if not writes[-1].done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        for write in writes:
            if write.error is not None:
                raise write.error

    def _commit(self, batch: list[_Write]) -> None:
        conn = self._connection()
        error: BaseException | None = None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for write in batch:
                    conn.execute(write.sql, write.params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except BaseException as exc:
            error = exc
        for write in batch:
            write.error = error
            write.done = True
        if error is not None and not isinstance(error, Exception):
            raise error

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError(f"journal {self.path} is closed")
        return self._conn


def _entry(row: Any) -> JournalEntry:
    key, state, remote_id, error, attempts, created_at, updated_at = row
    return JournalEntry(
        key=str(key),
        state=JournalState(state),
        remote_id=None if remote_id is None else str(remote_id),
        error=None if error is None else str(error),
        attempts=int(attempts),
        created_at=float(created_at),
        updated_at=float(updated_at),
    )


def _refuse_planted_sidecars(path: str) -> None:
    # The journal's own path is the user's choice, but SQLite opens its
    # sidecar files by name and follows symlinks: one planted beside the
    # journal would get WAL frames written over whatever it points to.
    for base in dict.fromkeys((path, os.path.realpath(path))):
        for suffix in _SIDECARS:
            if os.path.islink(base + suffix):
                raise UnsafePathError(
                    base + suffix,
                    "a symbolic link where SQLite keeps a file of the journal; remove it",
                )
