"""The bulk journal: states, resume without duplicates, concurrency (asyncio and trio)."""

from __future__ import annotations

import hashlib
import pathlib
import sqlite3
import threading

import anyio
import pytest

import labelkit
from labelkit import AmbiguousResultError, Journal, JournalState, OutcomeStatus, bulk

pytestmark = pytest.mark.anyio


class Remote:
    """A fake service: creates are recorded; some keys fail, some crash the 'process'."""

    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self.calls: list[str] = []
        self.lookups: list[str] = []
        self.fail: set[str] = set()
        self.ambiguous: set[str] = set()

    async def create(self, item: str) -> str:
        await anyio.lowlevel.checkpoint()
        self.calls.append(item)
        if item in self.fail:
            raise ValueError(f"rejected {item}")
        self.created[item] = self.created.get(item, 0) + 1
        if item in self.ambiguous:
            raise AmbiguousResultError("maybe", error=OSError("reset"), method="POST", url="/x")
        return f"id-{item}"

    async def find(self, item: str) -> str | None:
        await anyio.lowlevel.checkpoint()
        self.lookups.append(item)
        return f"id-{item}" if item in self.created else None


async def test_states_are_recorded(tmp_path: pathlib.Path) -> None:
    remote = Remote()
    remote.fail.add("b")
    remote.ambiguous.add("c")
    async with Journal(tmp_path / "j.db") as journal:
        await journal.add(["a", "b", "c", "d"])
        outcomes = await bulk(remote.create, ["a", "b", "c"], journal=journal).collect()
        entries = {e.key: e for e in await journal.entries()}
        counts = await journal.counts()

    assert [o.status for o in outcomes] == [
        OutcomeStatus.OK,
        OutcomeStatus.FAILED,
        OutcomeStatus.AMBIGUOUS,
    ]
    assert outcomes[0].remote_id is None  # a str result has no .id
    assert entries["a"].state is JournalState.OK and entries["a"].attempts == 1
    assert entries["b"].state is JournalState.FAILED
    assert entries["b"].error == "ValueError: rejected b"
    assert entries["c"].state is JournalState.AMBIGUOUS
    assert entries["d"].state is JournalState.PENDING and entries["d"].attempts == 0
    assert counts == {
        JournalState.PENDING: 1,
        JournalState.SENT: 0,
        JournalState.OK: 1,
        JournalState.FAILED: 1,
        JournalState.AMBIGUOUS: 1,
    }
    assert entries["a"].created_at <= entries["a"].updated_at


async def test_resume_skips_ok_and_retries_failed(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    remote.fail.add("b")
    items = ["a", "b", "c"]

    first = await bulk(remote.create, items, journal=path, remote_id=str).collect()
    assert [o.remote_id for o in first] == ["id-a", None, "id-c"]
    remote.fail.clear()
    run = bulk(remote.create, items, journal=path, remote_id=str)
    second = await run.collect()

    assert sorted(remote.calls) == ["a", "b", "b", "c"]
    assert remote.created == {"a": 1, "b": 1, "c": 1}
    assert [(o.status, o.resumed, o.remote_id) for o in second] == [
        (OutcomeStatus.OK, True, "id-a"),
        (OutcomeStatus.OK, False, "id-b"),
        (OutcomeStatus.OK, True, "id-c"),
    ]
    assert second[0].value is None and second[1].value == "id-b"
    assert (run.summary.ok, run.summary.resumed) == (3, 2)
    async with Journal(path) as journal:
        entry = await journal.get("b")
    assert entry is not None and entry.state is JournalState.OK and entry.attempts == 2
    assert entry.error is None
    assert remote.lookups == []  # nothing was sent-but-unknown


async def test_sent_is_resolved_before_resending(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    # A crashed run: a and b were marked sent; only a reached the service.
    async with Journal(path) as journal:
        await journal.mark_sent("a")
        await journal.mark_sent("b")
    remote.created["a"] = 1

    outcomes = await bulk(remote.create, ["a", "b"], journal=path, resolve=remote.find).collect()

    assert sorted(remote.lookups) == ["a", "b"]
    assert remote.calls == ["b"]
    assert remote.created == {"a": 1, "b": 1}
    assert [(o.ok, o.resumed, o.value) for o in outcomes] == [
        (True, True, "id-a"),
        (True, False, "id-b"),
    ]


async def test_ambiguous_is_resolved_on_rerun(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    remote.ambiguous.update({"a", "b"})
    first = await bulk(remote.create, ["a", "b", "c"], journal=path).collect()
    assert [o.status for o in first] == [OutcomeStatus.AMBIGUOUS] * 2 + [OutcomeStatus.OK]
    del remote.created["b"]  # b did not take effect after all
    remote.ambiguous.clear()

    second = await bulk(remote.create, ["a", "b", "c"], journal=path, resolve=remote.find).collect()

    assert all(o.ok for o in second)
    assert sorted(remote.lookups) == ["a", "b"]
    assert remote.calls.count("a") == 1 and remote.calls.count("b") == 2
    assert remote.created == {"a": 1, "b": 1, "c": 1}


async def test_without_resolve_unknown_items_are_not_resent(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    async with Journal(path) as journal:
        await journal.mark_sent("a")
    (outcome,) = await bulk(remote.create, ["a"], journal=path).collect()
    assert outcome.status is OutcomeStatus.AMBIGUOUS
    assert isinstance(outcome.error, AmbiguousResultError)
    assert "resolve=" in str(outcome.error)
    assert remote.calls == []


async def test_failed_lookup_keeps_the_item_ambiguous(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    async with Journal(path) as journal:
        await journal.mark_sent("a")

    async def broken(item: str) -> str | None:
        raise ConnectionError("lookup down")

    (outcome,) = await bulk(remote.create, ["a"], journal=path, resolve=broken).collect()
    assert outcome.status is OutcomeStatus.AMBIGUOUS
    assert isinstance(outcome.error, ConnectionError)
    assert remote.calls == []
    async with Journal(path) as journal:
        entry = await journal.get("a")
    assert entry is not None and entry.state is JournalState.AMBIGUOUS
    assert entry.error == "lookup failed: ConnectionError: lookup down"


async def test_many_workers_each_item_once(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"
    remote = Remote()
    items = [f"item-{i}" for i in range(600)]
    remote.fail.update(items[::7])
    first = await bulk(remote.create, items, journal=path, concurrency=64).collect()
    assert sum(not o.ok for o in first) == len(items[::7])
    remote.fail.clear()
    run = bulk(remote.create, items, journal=path, concurrency=64, resolve=remote.find)
    second = await run.collect()

    assert all(o.ok for o in second)
    assert run.summary.resumed == len(items) - len(items[::7])
    assert all(count == 1 for count in remote.created.values())
    assert len(remote.created) == len(items)
    async with Journal(path) as journal:
        counts = await journal.counts()
    assert counts[JournalState.OK] == len(items)


async def test_key_function_and_duplicates(tmp_path: pathlib.Path) -> None:
    release = anyio.Event()
    calls: list[int] = []

    async def create(item: dict[str, int]) -> int:
        calls.append(item["n"])
        await release.wait()
        return item["n"]

    items = [{"n": 1}, {"n": 1}, {"n": 2}]
    async with bulk(
        create, items, journal=tmp_path / "j.db", key=lambda i: f"n{i['n']}", concurrency=3
    ) as run:
        first = await anext(run)
        release.set()
        rest = [o async for o in run]
    assert first.status is OutcomeStatus.FAILED and first.index == 1
    assert isinstance(first.error, labelkit.ValidationError)
    assert "used by two items in flight" in str(first.error)
    assert sorted(o.index for o in rest) == [0, 2]
    assert sorted(calls) == [1, 2]  # workers start in any order


async def test_items_need_a_key(tmp_path: pathlib.Path) -> None:
    async def create(item: int) -> int:
        return item

    (outcome,) = await bulk(create, [1], journal=tmp_path / "j.db").collect()
    assert isinstance(outcome.error, labelkit.ValidationError)
    assert outcome.error.field == "key"

    (outcome,) = await bulk(create, [1], journal=tmp_path / "j.db", key=lambda i: "").collect()
    assert isinstance(outcome.error, labelkit.ValidationError)


async def test_file_key_and_async_key(tmp_path: pathlib.Path) -> None:
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "cat.jpg"
    file.write_bytes(b"meow" * 1000)
    key = await Journal.file_key(file, root=tmp_path)
    assert key == "sub/cat.jpg#sha256=" + hashlib.sha256(b"meow" * 1000).hexdigest()
    assert (await Journal.file_key(file)).startswith(str(file))

    async def upload(path: pathlib.Path) -> str:
        return path.name

    path = tmp_path / "j.db"
    await bulk(upload, [file], journal=path, key=Journal.file_key).collect()
    file.write_bytes(b"changed")
    (outcome,) = await bulk(upload, [file], journal=path, key=Journal.file_key).collect()
    assert not outcome.resumed  # new content, new key: sent again
    (outcome,) = await bulk(upload, [file], journal=path, key=Journal.file_key).collect()
    assert outcome.resumed


async def test_journal_errors_abort_the_run(tmp_path: pathlib.Path) -> None:
    journal = Journal(tmp_path / "j.db")
    await journal.open()
    await journal.aclose()

    async def create(item: str) -> str:
        return item

    with pytest.raises(RuntimeError, match="closed"):
        await bulk(create, ["a"], journal=journal).collect()


async def test_owned_journal_is_closed_and_wal_is_used(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "j.db"

    async def create(item: str) -> str:
        return item

    await bulk(create, ["a", "b"], journal=str(path)).collect()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT key, state FROM items ORDER BY key").fetchall() == [
            ("a", "ok"),
            ("b", "ok"),
        ]
    finally:
        conn.close()


async def test_database_calls_run_off_the_event_loop(tmp_path: pathlib.Path) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []
    async with Journal(tmp_path / "j.db") as journal:
        store = journal._store
        assert store is not None
        original = store.get

        def spy(key: str) -> object:
            seen.append(threading.get_ident())
            return original(key)

        store.get = spy  # type: ignore[method-assign]
        await journal.get("x")
    assert seen and loop_thread not in seen


def test_shared_between_threads(tmp_path: pathlib.Path) -> None:
    journal = Journal(tmp_path / "j.db", durable=False)

    def worker(n: int) -> None:
        async def main() -> None:
            for i in range(50):
                await journal.mark_sent(f"{n}-{i}")
                await journal.mark_ok(f"{n}-{i}", remote_id=str(i))

        anyio.run(main)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def check() -> dict[JournalState, int]:
        counts = await journal.counts()
        await journal.aclose()
        return counts

    assert anyio.run(check)[JournalState.OK] == 200
