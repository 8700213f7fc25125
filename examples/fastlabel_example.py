"""FastLabel with labelkit, end to end against the local emulator.

Runs without an account and without network access: the FastLabel emulator
listens on 127.0.0.1. Run with ``python examples/fastlabel_example.py``.

1. create a project and a single image task (the official SDK's names, plus ``await``),
2. bulk-upload a folder of images concurrently, with progress and per-item outcomes,
3. import a zip of DICOM studies and wait for the import history,
4. read the result from synchronous code.
"""

from __future__ import annotations

import io
import pathlib
import struct
import tempfile
import zipfile

import anyio

import labelkit
from labelkit.emulators import EmulatorConfig, EmulatorServer, create_emulator
from labelkit.fastlabel import AsyncFastLabel, FastLabel

TOKEN = "test-token"  # the emulator's default token
QUICK = labelkit.PollPolicy(initial_delay=0.1, interval=0.1, max_interval=0.5, timeout=30)


def png(width: int, height: int) -> bytes:
    """A tiny PNG header: enough for the emulator to read the size."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", width, height) + b"px"


def write_inputs(folder: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    frames = folder / "frames"
    frames.mkdir()
    for i in range(12):
        (frames / f"frame_{i:03}.png").write_bytes(png(64 + i, 48))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("study1/1.dcm", "study1/2.dcm", "study2/1.dcm"):
            archive.writestr(name, b"DICM")
    (folder / "ct.zip").write_bytes(buffer.getvalue())
    return frames, folder / "ct.zip"


async def main(api_url: str, folder: pathlib.Path) -> int:
    frames, dicom_zip = await anyio.to_thread.run_sync(write_inputs, folder)
    async with AsyncFastLabel(TOKEN, base_url=api_url) as client:
        # 1. One task, as with fastlabel.Client().create_image_task(...).
        await client.create_project("image_bbox", "Pets", "pets")
        cat = folder / "cat.png"
        await anyio.Path(cat).write_bytes(png(640, 480))
        task_id = await client.create_image_task(
            project="pets",
            name="cat.png",
            file_path=cat,
            priority=10,
            annotations=[{"type": "bbox", "value": "cat", "points": [10, 10, 200, 200]}],
        )
        task = await client.find_image_task(task_id)
        print(f"created {task.name} ({task.width}x{task.height}), status {task.status}")

        # 2. A folder, many tasks at once: within the rate limit, one outcome per file.
        items = [
            {"name": p.name, "file_path": p, "tags": ["batch-1"]} for p in sorted(frames.iterdir())
        ]
        run = client.bulk_create(
            "image",
            "pets",
            items,
            concurrency=8,
            on_progress=lambda p: print(f"  {p.done}/{p.total} done, {p.failed} failed"),
        )
        outcomes = await run.collect()
        print(f"bulk: {sum(o.ok for o in outcomes)} of {len(outcomes)} created")
        print(f"tasks tagged batch-1: {await client.count_tasks('pets', tags=['batch-1'])}")

        # 3. DICOM: a zip import is asynchronous; its history is polled to the end.
        await client.create_project("dicom_segmentation", "CT", "ct")
        history = await client.create_dicom_task("ct", dicom_zip, tags=["2024"])
        done = await client.wait_history(history.id, poll=QUICK)
        names = [t.name async for t in client.iter_dicom_tasks("ct")]
        print(f"DICOM import {done.status}: tasks {names}")

        # Errors are typed: a second task with a name already used is a conflict.
        try:
            await client.create_image_task("pets", "cat.png", cat)
        except labelkit.ConflictError as exc:
            print(f"as expected: {type(exc).__name__} {exc.status}")
    return len(outcomes)


def sync_part(api_url: str) -> int:
    # 4. The same client, synchronous: same methods, no await.
    with FastLabel(TOKEN, base_url=api_url) as client:
        return client.count_tasks("pets")


if __name__ == "__main__":
    emulator = create_emulator("fastlabel", config=EmulatorConfig(processing_time=0.3))
    with EmulatorServer(emulator) as server, tempfile.TemporaryDirectory() as tmp:
        url = server.url + "/v1/"
        created = anyio.run(main, url, pathlib.Path(tmp))
        print(f"sync: {sync_part(url)} tasks in project pets")
