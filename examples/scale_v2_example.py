"""Scale's v2 ("GenAI") API with labelkit, against the local emulator.

Runs without an account and without network access: the Scale emulator listens on
127.0.0.1 and serves v1 and v2 on the same state. Run with
``python examples/scale_v2_example.py``.

1. create a project (v1) and a batch and a chat task in it (v2, the official call forms),
2. read every task of the project lazily with ``v2_get_tasks`` (cursor paging),
3. merge metadata into a task, pause and resume the batch,
4. fetch a dataset task's attachment through its redirect URL (no API key to that host),
5. the same from synchronous code.
"""

from __future__ import annotations

import anyio

from labelkit.emulators import ScaleEmulator, serving
from labelkit.scale import AsyncScale, CreateBatchRequest, Scale, TaskType

API_KEY = "test_emulator_0000000000000000"


async def main(emulator: ScaleEmulator) -> None:
    async with serving(emulator) as api_url, AsyncScale(API_KEY, base_url=api_url) as scale:
        # 1. v1 and v2 share one host override and one state.
        await scale.create_project("chats", TaskType.CHAT, {"instruction": "Rate the answer"})
        batch = await scale.v2.create_batch(
            create_batch_request=CreateBatchRequest(name="week-1", project_name="chats")
        )
        for prompt in ("hello", "bonjour", "hallo"):
            await scale.v2.create_chat_task(
                create_chat_task_request={
                    "project_name": "chats",
                    "batch_id": batch.id,
                    "template_variables": {"prompt": prompt},
                }
            )
        # 2. Lazily, two tasks per request, filters repeated on every page.
        tasks = [t async for t in scale.v2_get_tasks(project_name="chats", limit=2)]
        print(f"{len(tasks)} tasks:", [t.task_id for t in tasks])
        # 3. Metadata (deep merge) and batch operations.
        task = await scale.v2.set_task_metadata({"task_id": tasks[0].task_id, "metadata": {"a": 1}})
        task = await scale.v2.set_task_metadata(
            {"task_id": task.task_id, "metadata": {"b": 2}, "merge": True}
        )
        print("metadata:", task.metadata)
        paused = await scale.v2.pause_batch(batch_operation_request={"batch_id": batch.id})
        resumed = await scale.v2.resume_batch(batch_operation_request={"batch_id": batch.id})
        assert paused.batch and resumed.batch
        print("batch:", paused.batch.status, "->", resumed.batch.status)
        # 4. Datasets exist only on Scale's side; the emulator is seeded here.
        emulator.v2.seed_dataset(
            "test", "ds-1", "prompts", {"dd-1": ("first", "2024-05-01T00:00:00Z")}
        )
        emulator.v2.seed_dataset_task("dt-1", "dd-1", {"score": 4}, {"answer.json": b'{"ok":1}'})
        url = await scale.v2.get_dataset_task_response_url(
            task_id="dt-1", attachment_id="answer.json"
        )
        data = await scale.v2.download_dataset_task_response("dt-1", "answer.json")
        print("attachment at", url, "->", data)
    # 5. Sync: the same names.
    with Scale(API_KEY, base_url=emulator.base_url, transport=emulator.transport()) as sync:
        print("sync:", [d.name for d in sync.v2.get_datasets().datasets])


if __name__ == "__main__":
    app = ScaleEmulator()
    try:
        anyio.run(main, app)
    finally:
        app.close()
