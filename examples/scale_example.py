"""Scale with labelkit, end to end against the local emulator.

Runs without an account and without network access: the Scale emulator and a
callback receiver both listen on 127.0.0.1. Run with ``python examples/scale_example.py``.

1. create a project and a task with your own ``unique_id`` (safe to retry),
2. send the same create again: no duplicate, you get the existing task back,
3. wait for the task by polling,
4. receive a completion callback (checked ``scale-callback-auth``, de-duplicated),
5. create many tasks in a batch with the bulk helper, finalize it and follow it,
6. see the typed error a wrong key gives,
7. do a look-up from synchronous code.
"""

from __future__ import annotations

import anyio

import labelkit
from labelkit.emulators import EmulatorConfig, EmulatorServer, create_emulator, serving
from labelkit.scale import AsyncScale, Callback, CallbackReceiver, Scale, TaskType

# The emulator accepts this test-mode key and signs callbacks with this auth key
# (on the real service both come from your dashboard).
API_KEY = "test_emulator_0000000000000000"
CALLBACK_AUTH_KEY = "emulator-callback-auth-key"
# People label Scale tasks in minutes to days; the emulator finishes in 0.3 s and the
# example polls accordingly (the default poll policy starts at 10 s and backs off to 5 min).
QUICK = labelkit.PollPolicy(initial_delay=0.1, interval=0.1, max_interval=0.5, timeout=30)


async def main(api_url: str) -> str:
    seen: list[str] = []

    async def on_completed(callback: Callback) -> None:
        # Called once per task even if Scale delivers the callback again.
        seen.append(callback.task_id)
        print(f"callback for {callback.task_id}: {callback.response}")

    receiver = CallbackReceiver(
        on_completed, test_callback_auth_key=CALLBACK_AUTH_KEY, path="/scale"
    )
    async with (
        serving(receiver) as hook_url,
        AsyncScale(API_KEY, base_url=api_url, poll=QUICK) as scale,
    ):
        # 1. A project holds the default parameters of its tasks.
        await scale.create_project(
            "kittens", TaskType.CATEGORIZATION, {"instruction": "Is there a kitten?"}
        )
        task = await scale.create_task(
            TaskType.CATEGORIZATION,
            project="kittens",
            attachment="https://images.example.com/kitten-1.jpg",
            categories=["kitten", "no kitten"],
            callback_url=f"{hook_url}/scale",
            unique_id="kitten-1",  # your id: a retried create never makes a second task
        )
        print(f"created {task.task_id} ({task.status.value if task.status else '?'})")

        # 2. Creating it again (e.g. after a crash) returns the same task.
        again = await scale.create_task(
            TaskType.CATEGORIZATION,
            project="kittens",
            attachment="https://images.example.com/kitten-1.jpg",
            categories=["kitten", "no kitten"],
            unique_id="kitten-1",
        )
        print(f"same unique_id, same task: {again.task_id == task.task_id}")

        # 3. Poll until it is done (capped backoff, deadline).
        done = await scale.wait_task(task.task_id)
        print(f"waited: {done.status.value if done.status else '?'}, response {done.response}")

        # 4. The callback arrives on its own; wait for it here.
        await receiver.wait(task.task_id, timeout=10)

        # 5. Many tasks in a batch: bulk creates with a unique_id each, bounded concurrency.
        await scale.create_batch("kittens", "kittens-week-1")
        items = [
            {
                "batch": "kittens-week-1",
                "attachment": f"https://images.example.com/kitten-{n}.jpg",
                "categories": ["kitten", "no kitten"],
                "metadata": {"row": n},
            }
            for n in range(2, 12)
        ]
        outcomes = await scale.create_tasks(
            TaskType.CATEGORIZATION,
            items,
            unique_ids=lambda item: f"kitten-{item['metadata']['row']}",
            concurrency=4,
        ).collect()
        print(f"bulk: {sum(o.ok for o in outcomes)} of {len(items)} created")
        print(f"before finalize: {await scale.batch_status('kittens-week-1')}")
        await scale.finalize_batch("kittens-week-1")  # work starts now
        finished = await scale.wait_tasks([o.unwrap().task_id for o in outcomes]).collect()
        print(f"waited for {sum(o.ok for o in finished)} tasks")
        print(f"after: {await scale.batch_status('kittens-week-1')}")
        completed = [t.task_id async for t in scale.get_tasks(batch_name="kittens-week-1")]
        print(f"the batch has {len(completed)} tasks")

    # 6. Errors are typed and never contain the key.
    async with AsyncScale("test_not_a_real_key", base_url=api_url) as wrong:
        try:
            await wrong.get_task(task.task_id)
        except labelkit.AuthenticationError as exc:
            print(f"wrong key: {exc}")
    return task.task_id


def sync_part(api_url: str, task_id: str) -> None:
    # 7. The same client, blocking; safe inside Jupyter and from threads.
    with Scale(API_KEY, base_url=api_url, poll=QUICK) as scale:
        task = scale.get_task(task_id)
        print(f"sync: {task.task_id} is {task.status.value if task.status else '?'}")


if __name__ == "__main__":
    emulator = create_emulator("scale", config=EmulatorConfig(processing_time=0.3))
    with EmulatorServer(emulator) as server:
        first_id = anyio.run(main, server.url)
        sync_part(server.url, first_id)
