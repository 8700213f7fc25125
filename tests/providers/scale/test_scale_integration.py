"""The Scale client against its emulator over real loopback sockets: async (asyncio and trio),
the sync facade, callbacks into the receiver, and 1,000 idempotent creates through dropped
connections."""

from __future__ import annotations

import pathlib
import typing
from collections.abc import Iterator

import anyio
import attrs
import httpx
import pytest

import labelkit
from labelkit._emulator.scale import (
    DEFAULT_CALLBACK_AUTH_KEY,
    DEFAULT_LIVE_KEY,
    DEFAULT_TEST_KEY,
    ScaleEmulator,
)
from labelkit.emulators import EmulatorConfig, EmulatorServer, serving
from labelkit.scale import (
    DEFAULT_RETRY,
    AsyncScale,
    BatchStatus,
    Callback,
    CallbackReceiver,
    NotEnabledError,
    TaskStatus,
    TaskType,
    TeamRole,
)

IMAGE = "https://cdn.example.com/cat.jpg"
FAST_POLL = labelkit.PollPolicy(
    initial_delay=0.02, interval=0.02, backoff=1.0, max_interval=0.05, timeout=10
)
FAST_RETRY = attrs.evolve(DEFAULT_RETRY, wait_initial=0.001, wait_max=0.002)


def client(url: str, key: str = DEFAULT_LIVE_KEY, **options: typing.Any) -> AsyncScale:
    return AsyncScale(key, base_url=url, poll=FAST_POLL, retry=FAST_RETRY, **options)


@pytest.fixture
def emulator() -> Iterator[ScaleEmulator]:
    """Tasks finish after 0.05 s of real time; callbacks are redelivered 0.05 s apart."""
    app = ScaleEmulator(
        config=EmulatorConfig(processing_time=0.05, seed=7),
        callback_backoff=0.05,
        disabled_types=["lidarannotation"],
    )
    yield app
    app.close()


@pytest.mark.anyio
async def test_tasks_end_to_end(emulator: ScaleEmulator) -> None:
    async with serving(emulator) as url, client(url) as scale:
        await scale.create_project("cats", TaskType.CATEGORIZATION, {"instruction": "Cat?"})
        task = await scale.create_task(
            TaskType.CATEGORIZATION,
            project="cats",
            attachment=IMAGE,
            categories=["cat", "not cat"],
            unique_id="img-1",
            metadata={"row": 1},
        )
        # The same unique_id again: Scale answers 409, the client returns the existing task.
        again = await scale.create_categorization_task(
            project="cats", attachment=IMAGE, categories=["cat", "not cat"], unique_id="img-1"
        )
        done = await scale.wait_task(task.task_id)
        found = await scale.tasks(unique_id=["img-1"], project="cats")
        tagged = await scale.add_task_tags(task.task_id, ["a", "b"])
        await scale.audit_task(task.task_id, True, "fine")
        accepted = await scale.tasks(customer_review_status="accepted")
        renamed = await scale.update_task_unique_id(task.task_id, "img-1b")
        cleared = await scale.set_task_metadata(task.task_id, {})
        with pytest.raises(labelkit.ConflictError):
            await scale.create_task(
                TaskType.IMAGEANNOTATION, attachment=IMAGE, unique_id="img-1b"
            )  # held by a task of another type: a real collision
        with pytest.raises(labelkit.BadRequestError, match="categories"):
            await scale.create_task(TaskType.CATEGORIZATION, attachment=IMAGE)
        with pytest.raises(NotEnabledError):
            await scale.create_task(TaskType.LIDARANNOTATION, attachment=IMAGE)
    assert again.task_id == task.task_id and task.status is TaskStatus.PENDING
    assert task.instruction == "Cat?" and task.metadata == {"row": 1}
    assert done.status is TaskStatus.COMPLETED and done.response["category"] in ("cat", "not cat")
    assert [t.task_id for t in found] == [task.task_id] and found.total == 1
    assert [t.task_id for t in accepted] == [task.task_id]
    assert tagged.tags == ["a", "b"] and renamed.unique_id == "img-1b" and cleared.metadata == {}
    assert [t.unique_id for t in emulator.tasks.values()] == ["img-1b"]


@pytest.mark.anyio
async def test_cancel_paging_and_errors(emulator: ScaleEmulator) -> None:
    emulator.config.processing_time = 3600.0  # these stay pending
    async with serving(emulator) as url, client(url) as scale:
        await scale.create_project("p", TaskType.IMAGEANNOTATION)
        ids = [
            (
                await scale.create_task("imageannotation", project="p", attachment=f"{IMAGE}?{n}")
            ).task_id
            for n in range(5)
        ]
        canceled = await scale.cancel_task(ids[0])
        with pytest.raises(labelkit.ConflictError):
            await scale.cancel_task(ids[0])
        emulator.force_status(ids[1], "completed")
        with pytest.raises(labelkit.InternalServerError):
            await scale.cancel_task(ids[1])  # Scale's old docs: canceling a completed task is a 500
        walked = [task.task_id async for task in scale.get_tasks("p", limit=2)]
        pending = await scale.get_tasks_count("p", status=TaskStatus.PENDING)
        first = await scale.tasks(limit=2)
        second = await scale.tasks(limit=2, next_token=first.next_token)
        legacy = await scale.tasks(limit=2, offset=4)
        with pytest.raises(labelkit.NotFoundError):
            await scale.get_task("64e0000000000000000fffff")
    async with serving(emulator) as url, client(url, "live_wrong") as wrong:
        with pytest.raises(labelkit.AuthenticationError) as unauthorized:
            await wrong.get_task(ids[0])
    assert canceled.status is TaskStatus.CANCELED
    assert walked == ids[::-1] and pending == 3
    assert [t.task_id for t in [*first, *second]] == ids[::-1][:4] and second.offset == 2
    assert [t.task_id for t in legacy] == [ids[0]] and legacy.has_more is False
    assert "live_wrong" not in str(unauthorized.value)
    assert emulator.stats.statuses[500] > 1  # the cancel was retried


@pytest.mark.anyio
async def test_batches_projects_files_and_teams(
    emulator: ScaleEmulator, tmp_path: pathlib.Path
) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 1000)
    async with serving(emulator) as url, client(url) as scale:
        project = await scale.create_project("pets/2024", "imageannotation", {"instruction": "Box"})
        updated = await scale.update_project("pets/2024", patch=True, with_labels=True)
        batch = await scale.create_batch("pets/2024", "week 1/a")
        with pytest.raises(labelkit.ConflictError):
            await scale.create_batch("pets/2024", "week 1/a")
        upload = await scale.upload_file(picture, project_name="pets/2024")
        imported = await scale.import_file("https://cdn.example.com/dog.jpg")
        tasks = [
            await scale.create_task(TaskType.IMAGEANNOTATION, batch="week 1/a", attachment=where)
            for where in (upload.attachment_url, imported.attachment_url)
        ]
        staging = await scale.batch_status("week 1/a")
        await scale.finalize_batch("week 1/a")
        done = [await scale.wait_task(task.task_id) for task in tasks]
        finished = await scale.batch_status("week 1/a")
        listed = await scale.batches(project="pets/2024")
        await scale.invite_teammates(["ann@example.com"], TeamRole.LABELER)
        team = await scale.list_teammates()
        projects = await scale.projects()
    assert project.name == "pets/2024" and len(updated.param_history) == 2
    assert updated.param_history[-1]["with_labels"] is True
    assert batch.status is BatchStatus.STAGING
    assert upload.size == 1008 and upload.mime_type == "image/png"
    assert upload.project_names == ["pets/2024"]
    assert staging.status is BatchStatus.STAGING and staging.pending == 2
    assert {t.status for t in done} == {TaskStatus.COMPLETED}
    assert done[0].instruction == "Box" and done[0].response["annotations"]
    assert finished.status is BatchStatus.COMPLETED and finished.completed == 2
    assert [b.name for b in listed] == ["week 1/a"]
    assert {m.email: m.role for m in team}["ann@example.com"] is TeamRole.LABELER
    assert [p.name for p in projects] == ["pets/2024"]


def test_sync_facade(emulator: ScaleEmulator) -> None:
    with (
        EmulatorServer(emulator) as server,
        labelkit.Scale(
            DEFAULT_TEST_KEY, base_url=server.url + "/v1", poll=FAST_POLL, retry=FAST_RETRY
        ) as scale,
    ):
        scale.create_project("sync", TaskType.TRANSCRIPTION)
        task = scale.create_transcription_task(
            project="sync", attachment=IMAGE, fields={"title": "Title"}, unique_id="s-1"
        )
        done = scale.wait_task(task.task_id)
        listed = list(scale.get_tasks("sync"))
        outcomes = list(
            scale.create_tasks(
                "transcription",
                [{"project": "sync", "attachment": f"{IMAGE}?{n}"} for n in range(3)],
            )
        )
    assert task.is_test is True and done.status is TaskStatus.COMPLETED
    assert set(done.response["fields"]) == {"title"}
    assert [t.task_id for t in listed][-1] == task.task_id and len(listed) == 1
    assert all(outcome.ok for outcome in outcomes)
    assert len(emulator.accounts["test"].task_ids) == 4


# -- callbacks ------------------------------------------------------------------------------


class LostAcks:
    """Wraps a receiver: its first answer for each task in ``task_ids`` becomes a 502.

    The receiver has handled the callback, but Scale sees a failure and redelivers: the
    receiver must recognise the repeat.
    """

    def __init__(self, app: CallbackReceiver) -> None:
        self.app = app
        self.task_ids: set[str] = set()

    async def __call__(self, scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> typing.Any:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        lost = next((t for t in self.task_ids if t.encode() in body), None)

        async def answer(message: typing.Any) -> None:
            if lost is not None and message["type"] == "http.response.start":
                self.task_ids.discard(lost)
                message = {**message, "status": 502}
            await send(message)

        await self.app(scope, replay, answer)


@pytest.mark.anyio
async def test_callbacks_end_to_end_with_redelivery(emulator: ScaleEmulator) -> None:
    handled: list[str] = []
    failing = {"flaky"}

    async def handler(callback: Callback) -> None:
        label = callback.task.metadata["label"]
        if label in failing:
            failing.discard(label)
            raise RuntimeError("the database is down")  # so the receiver answers 500
        handled.append(label)

    receiver = CallbackReceiver(handler, callback_auth_key=DEFAULT_CALLBACK_AUTH_KEY, path="/cb")
    lossy = LostAcks(receiver)
    emulator.config.processing_time = 3600.0  # completed by force_status below
    async with serving(lossy) as hook, serving(emulator) as url, client(url) as scale:
        callback_url = hook + "/cb"
        flaky, lost = [
            await scale.create_task(
                "categorization",
                attachment=IMAGE,
                categories=["a", "b"],
                callback_url=callback_url,
                metadata={"label": label},
            )
            for label in ("flaky", "lost")
        ]
        lossy.task_ids.add(lost.task_id)
        for task in (flaky, lost):
            emulator.force_status(task.task_id, "completed")
        first = await receiver.wait(flaky.task_id, timeout=10)
        with anyio.fail_after(10):
            while emulator.deliverer.pending:
                await anyio.sleep(0.01)
        final = await scale.get_task(flaky.task_id)
        async with httpx.AsyncClient() as raw:
            forged = await raw.post(
                callback_url, json={"task_id": flaky.task_id}, headers={"scale-callback-auth": "x"}
            )
    attempts = {
        task.task_id: [a.status for a in emulator.callbacks if a.ident == task.task_id]
        for task in (flaky, lost)
    }
    assert attempts == {flaky.task_id: [500, 200], lost.task_id: [502, 200]}
    assert sorted(handled) == ["flaky", "lost"]  # each handled once; the lost ack deduplicated
    assert first.status is TaskStatus.COMPLETED and final.callback_succeeded is True
    assert forged.status_code == 401


# -- the fault test -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_thousand_idempotent_creates_through_dropped_connections() -> None:
    """5% of requests are dropped after the server committed them: retries meet a 409, the
    client finds its task by unique_id, and nothing is lost or duplicated."""
    emulator = ScaleEmulator(config=EmulatorConfig(drop_rate=0.05, seed=1234, time_scale=0.0))
    items = [
        {"attachment": f"{IMAGE}?{n}", "categories": ["a", "b"], "unique_id": f"row-{n:04d}"}
        for n in range(1000)
    ]
    async with serving(emulator) as url, client(url, max_retries=6) as scale:
        outcomes = await scale.create_tasks(
            TaskType.CATEGORIZATION, items, concurrency=32
        ).collect()
    assert emulator.stats.drops > 20  # the faults really happened
    assert [outcome.error for outcome in outcomes if not outcome.ok] == []
    held = {outcome.item["unique_id"]: outcome.unwrap().task_id for outcome in outcomes}
    on_server = {task.unique_id: task.id for task in emulator.tasks.values()}
    assert len(emulator.tasks) == 1000 and len(held) == 1000
    assert held == on_server  # every caller holds exactly the task the server has
