"""CloudSight, async and sync, against the emulator on 127.0.0.1: no account, no network.

Run: python examples/cloudsight_example.py [trio]

Against the real API, drop ``base_url`` and ``poll`` and pass your API key (and
secret, for OAuth).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import anyio

import labelkit
from labelkit import AsyncCloudSight, CloudSight, PollPolicy
from labelkit.cloudsight import JobStatus
from labelkit.emulators import CloudSightEmulator, EmulatorConfig, EmulatorServer

# The emulator accepts this key, and this secret for OAuth.
KEY, SECRET = "test-key", "test-secret"

# The emulator answers within a second; the real API takes 6-12 s, for which the
# client's default cadence (first poll after 4 s, then every second) is right.
QUICK = PollPolicy(initial_delay=0.3, interval=0.2, backoff=1.0, timeout=30)


async def async_tour(base_url: str, image: Path) -> None:
    async with AsyncCloudSight(KEY, base_url=base_url, poll=QUICK) as cloudsight:
        # Submit a file (streamed from disk) and a URL, then wait for both.
        by_file = await cloudsight.image_request(image, locale="en-US", ttl=60)
        by_url = await cloudsight.remote_image_request("https://example.com/shoe.jpg")
        for token in (by_file.token, by_url.token):
            job = await cloudsight.wait(token)
            print(f"{token}: {job.status} -> {job.name!r}")

        # Skipped images are an answer, with a reason, not an exception.
        skipped = await cloudsight.remote_image_request("https://example.com/__skip_dark__.jpg")
        job = await cloudsight.wait(skipped.token)
        print(f"skipped: {job.status}, reason {job.reason}")

        # A job that outlives its ttl ends as "timeout"; repost queues it again.
        slow = await cloudsight.remote_image_request("https://example.com/slow.jpg", ttl=0.1)
        job = await cloudsight.wait(slow.token)
        if job.status is JobStatus.TIMEOUT:
            await cloudsight.repost(slow.token)
            job = await cloudsight.wait(slow.token)
        print(f"after repost: {job.status} -> {job.name!r}")

        # Many jobs at once: outcomes arrive as each job finishes.
        tokens = [
            (await cloudsight.remote_image_request(f"https://example.com/{n}.jpg")).token
            for n in range(5)
        ]
        async with cloudsight.wait_many([*tokens, "no-such-token"]) as run:
            async for outcome in run:
                if outcome.ok:
                    print(f"  {outcome.item}: {outcome.unwrap().name!r}")
                else:
                    print(f"  {outcome.item}: failed ({type(outcome.error).__name__})")

        # wait() never returns an unfinished job: at its deadline it raises.
        fresh = await cloudsight.remote_image_request("https://example.com/new.jpg")
        try:
            await cloudsight.wait(fresh.token, timeout=0.1)
        except labelkit.PollTimeoutError as exc:
            print("still running:", exc)

    # OAuth 1.0: the same calls, each request signed (needs labelkit[oauth]).
    async with AsyncCloudSight(KEY, SECRET, base_url=base_url, poll=QUICK) as cloudsight:
        job = await cloudsight.remote_image_request("https://example.com/mug.jpg")
        print("oauth:", (await cloudsight.wait(job.token)).name)

    async with AsyncCloudSight("wrong-key", base_url=base_url, max_retries=0) as cloudsight:
        try:
            await cloudsight.image_response(by_file.token)
        except labelkit.AuthenticationError as exc:
            print("bad key:", exc)


def sync_tour(base_url: str, image: Path) -> None:
    with CloudSight(KEY, base_url=base_url, poll=QUICK) as cloudsight:
        job = cloudsight.wait(cloudsight.image_request(image).token)
        print(f"sync: {job.status} -> {job.name!r}")


def main() -> None:
    backend = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
    emulator = CloudSightEmulator(config=EmulatorConfig(processing_time=0.5))
    with tempfile.TemporaryDirectory() as folder, EmulatorServer(emulator) as server:
        image = Path(folder) / "photo.jpg"
        image.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64)
        print("emulator at", server.url)
        anyio.run(async_tour, server.url, image, backend=backend)
        sync_tour(server.url, image)


if __name__ == "__main__":
    main()
