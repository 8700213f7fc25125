"""RedFlag, async and sync, against the emulator on 127.0.0.1: no account, no network.

Run: python examples/redflag_example.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio

import labelkit
from labelkit import AsyncRedFlag, PollPolicy, RedFlag
from labelkit.emulators import EmulatorConfig, EmulatorServer, RedFlagEmulator

QUICK_POLL = PollPolicy(initial_delay=0.2, interval=0.2, timeout=30)


async def async_part(base_url: str, files: list[Path]) -> int:
    async with AsyncRedFlag("test-token", base_url=base_url, poll=QUICK_POLL) as redflag:
        # Upload a folder with at most 4 uploads in flight; one outcome per file.
        ids = []
        async with redflag.upload_files(files, concurrency=4) as run:
            async for outcome in run:
                print(f"upload {outcome.item.name}: {outcome.status.value}")  # type: ignore[union-attr]
                if outcome.ok:
                    ids.append(outcome.unwrap())

        # Create an operation and wait for its result.
        op = await redflag.analyze("file", ["object-id", "caption"], ids)
        assert op.data is not None
        for content in op.data.contents:
            print(content.content, [(a.type.value, a.data) for a in content.analyses][:1])

        # A failed operation raises JobFailedError carrying the final operation.
        try:
            await redflag.analyze("text", ["topic"], ["this one __fail__s"])
        except labelkit.JobFailedError as exc:
            print("failed as expected:", exc.job.status)  # type: ignore[attr-defined]
        return len(ids)


def sync_part(base_url: str) -> None:
    with RedFlag("test-token", base_url=base_url, poll=QUICK_POLL) as redflag:
        op = redflag.analyze("text", ["sentiment-real", "spam-detection"], ["What a lovely day"])
        assert op.data is not None
        for result in op.data.contents[0].analyses:
            print("sync:", result.type.value, result.label, result.probability)


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    for i in range(6):
        (folder / f"image_{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([i]) * 1024)
    (folder / "readme.txt").write_text("rejected before upload: not a PNG/JPG/MP3/MP4")

    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0.5))
    with EmulatorServer(emulator) as server:
        base_url = server.url + "/api/v2/products/api"
        uploaded = anyio.run(async_part, base_url, sorted(folder.iterdir()))
        sync_part(base_url)
    print(f"done: {uploaded} files uploaded, {emulator.stats.requests} requests served")


if __name__ == "__main__":
    main()
