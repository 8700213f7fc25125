"""Scale v2 against the emulator (in process and over loopback): every operation, v1 state
visible through v2, exact cursor paging, the 302 download, typed errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import labelkit
from labelkit._emulator.scale import DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY, ScaleEmulator
from labelkit._emulator.scale._v2 import v2_id
from labelkit.emulators import EmulatorConfig, serving
from labelkit.scale import (
    AsyncScale,
    CreateBatchRequest,
    Scale,
    SetTaskMetadataRequest,
    TaskType,
    V2BatchStatus,
    V2TaskStatus,
)

UTC = dt.timezone.utc


@pytest.fixture
def emulator() -> Iterator[ScaleEmulator]:
    app = ScaleEmulator(config=EmulatorConfig(processing_time=3600, seed=1))
    yield app
    app.close()


async def seeded(scale: AsyncScale) -> list[str]:
    await scale.create_project("kittens", TaskType.CATEGORIZATION, {"instruction": "?"})
    ids = []
    for i in range(5):
        task = await scale.create_task(
            TaskType.CATEGORIZATION,
            project="kittens",
            attachment=f"https://example.com/{i}.jpg",
            categories=["a", "b"],
            metadata={"i": i},
        )
        ids.append(task.task_id)
    return ids


@pytest.mark.anyio
async def test_every_operation_over_loopback(emulator: ScaleEmulator) -> None:
    async with serving(emulator) as url, AsyncScale(DEFAULT_LIVE_KEY, base_url=url) as scale:
        ids = await seeded(scale)
        v2 = scale.v2
        pid = v2_id("project", "live", "kittens")

        # tasks created through v1 are visible through v2
        task = await v2.get_task(task_id=ids[0], expand=["project"])
        assert task.status is V2TaskStatus.PENDING and task.project["name"] == "kittens"
        assert (await v2.get_task(ids[1])).project == pid
        page = await v2.get_tasks(project_name="kittens", limit=2)
        assert [t.task_id for t in page.tasks] == ids[:2] and page.next_token
        page2 = await v2.get_tasks(project_name="kittens", limit=2, next_token=page.next_token)
        assert [t.task_id for t in page2.tasks] == ids[2:4]

        meta = await v2.set_task_metadata(
            SetTaskMetadataRequest(task_id=ids[0], metadata={"x": {"y": 1}})
        )
        assert meta.metadata == {"x": {"y": 1}}
        merged = await v2.set_task_metadata(
            {"task_id": ids[0], "metadata": {"x": {"z": 2}}, "merge": True}
        )
        assert merged.metadata == {"x": {"y": 1, "z": 2}}
        assert (await scale.get_task(ids[0])).metadata == {"x": {"y": 1, "z": 2}}  # v1 sees it

        # batches
        batch = await v2.create_batch(
            create_batch_request=CreateBatchRequest(
                name="b/1", project_id=pid, staging_batch=True, metadata={"m": 1}
            )
        )
        assert batch.status is V2BatchStatus.STAGING and batch.project_id == pid
        chat = await v2.create_chat_task(
            create_chat_task_request={"project_id": pid, "batch_id": batch.id, "metadata": {}}
        )
        assert chat.batch == batch.id
        assert (await scale.get_task(chat.task_id)).batch == "b/1"
        assert (await v2.finalize_batch({"batch_name": "b/1"})).status is V2BatchStatus.IN_PROGRESS
        paused = await v2.pause_batch(batch_operation_request={"batch_id": batch.id})
        assert paused.batch is not None and paused.batch.status is V2BatchStatus.PAUSED
        resumed = await v2.resume_batch({"batch_id": batch.id})
        assert resumed.batch is not None and resumed.batch.status is V2BatchStatus.IN_PROGRESS
        got = await v2.get_batch(batch_name="b/1", expand=["project"])
        assert got.project["id"] == pid
        meta_batch = await v2.set_batch_metadata({"batch_id": batch.id, "metadata": {"n": 2}})
        assert meta_batch.metadata == {"n": 2}
        assert [b.name for b in (await v2.get_batches(project_id=pid)).batches] == ["b/1"]
        cancelled = await v2.cancel_batch({"batch_id": batch.id})
        assert cancelled.batch is not None and cancelled.batch.status is V2BatchStatus.CANCELLED
        assert (await v2.get_task(chat.task_id)).status is V2TaskStatus.CANCELED

        # projects
        assert (await v2.get_project(project_name="kittens")).id == pid
        future = dt.datetime.now(UTC) + dt.timedelta(days=1)
        assert [p.id for p in (await v2.get_projects()).projects] == [pid]
        assert (await v2.get_projects(created_after=future)).projects == []

        # deliveries, annotations, schemas (seeded)
        emulator.v2.seed_delivery("live", "d1", "first", "kittens", ids[:3], "2024-01-02T00:00:00Z")
        emulator.v2.seed_annotation("live", {"id": "a1", "type": "integer", "value": 3})
        emulator.v2.seed_schema("live", "s1", {"type": "object"})
        deliveries = await v2.get_deliveries(project_id=pid, expand=["project"])
        assert [d.id for d in deliveries.deliveries] == ["d1"]
        assert deliveries.deliveries[0].task_count == 3
        assert (await v2.get_deliveries(delivered_after="2025-01-01T00:00:00Z")).deliveries == []
        delivery = await v2.get_delivery(delivery_id="d1", limit=2)
        assert delivery.delivery is not None and len(delivery.tasks) == 2 and delivery.next_token
        docs = await v2.get_delivery_tasks(delivery_id="d1")
        assert [d.task_id for d in docs.docs] == ids[:3] and docs.total == 3
        assert (await v2.get_annotation(annotation_id="a1")).value == 3
        assert (await v2.get_schema(schema_id="s1")).schema.json == {"type": "object"}  # type: ignore[union-attr]

        # datasets (seeded)
        emulator.v2.seed_dataset("live", "ds1", "set", {"dd1": ("d", "2024-01-02T00:00:00Z")})
        emulator.v2.seed_dataset_task("dt 1", "dd1", {"ok": True}, {"att/1": b"bytes!"})
        assert [d.id for d in (await v2.get_datasets()).datasets] == ["ds1"]
        dd = await v2.get_dataset_deliveries(dataset_id="ds1", expand=["dataset"])
        assert dd.deliveries[0].dataset == {"id": "ds1", "name": "set"}
        one = await v2.get_dataset_delivery(delivery_id="dd1")
        assert [t.task_id for t in one.tasks] == ["dt 1"] and one.next_token is None
        assert [t.task_id for t in (await v2.get_dataset_tasks(dataset_id="ds1")).tasks] == ["dt 1"]
        dtask = await v2.get_dataset_task(task_id="dt 1", expand=["delivery"])
        assert dtask.delivery["id"] == "dd1" and dtask.response == {"ok": True}
        location = await v2.get_dataset_task_response_url(task_id="dt 1", attachment_id="att/1")
        assert location.startswith(url.rstrip("/") + "/v2-files/dt%201/att%2F1")
        assert await v2.download_dataset_task_response("dt 1", "att/1") == b"bytes!"

        # errors: {status_code, error} become typed errors
        with pytest.raises(labelkit.NotFoundError, match="not found"):
            await v2.get_task("missing")
        with pytest.raises(labelkit.ConflictError):
            await v2.create_batch({"name": "b/1", "project_name": "kittens"})


@pytest.mark.anyio
async def test_v2_get_tasks_pages_exactly(emulator: ScaleEmulator) -> None:
    async with AsyncScale(
        DEFAULT_LIVE_KEY, base_url=emulator.base_url, transport=emulator.transport()
    ) as scale:
        ids = await seeded(scale)
        for limit in (1, 2, 4, 5, 100):
            emulator.reset()
            seen = [
                t.task_id async for t in scale.v2_get_tasks(project_name="kittens", limit=limit)
            ]
            assert seen == ids
            pages = -(-len(ids) // limit)
            assert emulator.stats.routes["GET /v2/tasks"] == pages
        assert [t async for t in scale.v2_get_tasks(status="completed")] == []


@pytest.mark.anyio
async def test_modes_are_separate_and_bearer_is_checked(emulator: ScaleEmulator) -> None:
    async with AsyncScale(
        DEFAULT_LIVE_KEY, base_url=emulator.base_url, transport=emulator.transport()
    ) as live:
        ids = await seeded(live)
    async with AsyncScale(
        DEFAULT_TEST_KEY, base_url=emulator.base_url, transport=emulator.transport()
    ) as test:
        with pytest.raises(labelkit.NotFoundError):
            await test.v2.get_task(ids[0])
    async with AsyncScale(
        "live_wrong", base_url=emulator.base_url, transport=emulator.transport(), max_retries=0
    ) as wrong:
        with pytest.raises(labelkit.AuthenticationError):
            await wrong.v2.get_datasets()


def test_sync_twin_against_the_emulator(emulator: ScaleEmulator) -> None:
    with Scale(
        DEFAULT_LIVE_KEY, base_url=emulator.base_url, transport=emulator.transport()
    ) as scale:
        scale.create_project("kittens", TaskType.CATEGORIZATION, {"instruction": "?"})
        batch = scale.v2.create_batch({"name": "b", "project_name": "kittens"})
        assert batch.status is V2BatchStatus.IN_PROGRESS
        assert scale.v2.get_batch(batch_id=batch.id).name == "b"
        assert list(scale.v2_get_tasks()) == []
