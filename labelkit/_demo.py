"""``labelkit demo``: a real bulk job against the RedFlag emulator on 127.0.0.1.

It generates a small dataset, uploads it with bounded concurrency under a
rate limit the emulator enforces, with a few connections dropped after the
server committed (to show that nothing is re-sent blindly), then runs
analyses and waits for them. No account, no network.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
import typing
from pathlib import Path

import anyio

from ._bulk import OutcomeStatus, Progress
from ._config import RateLimit
from ._emulator import EmulatorConfig, EmulatorServer
from ._providers.redflag import AsyncRedFlag, RedFlag
from ._providers.redflag._emulator import DEFAULT_TOKEN, PREFIX, RedFlagEmulator

__all__ = ["run_demo"]

_TEXTS = [
    "I absolutely love this new phone, the camera is stunning.",
    "Worst customer service ever, I want a refund now.",
    "Limited offer!!! Click here to win a free cruise!!!",
    "The meeting moved to Thursday, please update the agenda.",
    "Feeling calm after a long walk by the sea.",
    "Not sure what to think about the new policy yet.",
]


def _write_dataset(folder: Path, images: int, songs: int) -> list[Path]:
    files: list[Path] = []
    for i in range(images):
        path = folder / f"photo_{i:04d}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + hashlib.sha256(str(i).encode()).digest() * 64)
        files.append(path)
    for i in range(songs):
        path = folder / f"clip_{i:03d}.mp3"
        path.write_bytes(b"ID3\x03\x00" + hashlib.sha256(f"s{i}".encode()).digest() * 256)
        files.append(path)
    # Two files the API does not accept: rejected before anything is sent.
    (folder / "notes.txt").write_text("not an image")
    (folder / "animation.gif").write_bytes(b"GIF89a")
    return [*files, folder / "notes.txt", folder / "animation.gif"]


class _ProgressLine:
    def __init__(self, label: str, out: typing.TextIO) -> None:
        self.label, self.out = label, out
        self.tty = out.isatty()
        self.last_print = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        final = progress.total is not None and progress.done >= progress.total
        if not self.tty and not final and now - self.last_print < 1.0:
            return
        self.last_print = now
        line = (
            f"  {self.label}: {progress.done}/{progress.total} done, "
            f"{progress.failed} failed, {progress.ambiguous} ambiguous"
        )
        if self.tty:
            self.out.write("\r" + line + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


async def _run(
    base_url: str, emulator: RedFlagEmulator, rate: RateLimit, out: typing.TextIO
) -> int:
    say = out.write
    files = _write_dataset(Path(tempfile.mkdtemp(prefix="labelkit-demo-")), images=150, songs=20)
    say(f"Dataset: {len(files)} files ({len(files) - 2} valid, 2 of unsupported types)\n")
    say(f"Rate limit: {rate.calls} requests per {rate.period:g} s, enforced by the emulator\n\n")

    async with AsyncRedFlag(DEFAULT_TOKEN, base_url=base_url, rate_limit=rate) as redflag:
        say("1. Bulk upload, 16 in flight\n")
        started = time.monotonic()
        image_ids: list[int] = []
        audio_ids: list[int] = []
        async with redflag.upload_files(
            files, concurrency=16, on_progress=_ProgressLine("upload", out)
        ) as run:
            async for outcome in run:
                if outcome.status is OutcomeStatus.OK:
                    assert outcome.value is not None
                    is_audio = str(outcome.item).endswith(".mp3")
                    (audio_ids if is_audio else image_ids).append(outcome.value)
        summary = run.summary
        upload_time = time.monotonic() - started
        say(
            f"   ok {summary.ok}, failed {summary.failed} (rejected before sending), "
            f"ambiguous {summary.ambiguous} (connection dropped after the server stored the "
            f"file: reported, not re-sent) in {upload_time:.1f} s\n"
        )

        say("\n2. Analyses: images in groups of 40, the audio clips, a text batch; wait for all\n")
        emulator.config.drop_rate = 0.0
        operation_ids = []
        for i in range(0, len(image_ids), 40):
            chunk = image_ids[i : i + 40]
            operation_ids.append(
                await redflag.create_operation("file", ["object-id", "caption"], chunk)
            )
        if audio_ids:
            analyses = ["sentiment-simple", "topic"]
            operation_ids.append(await redflag.create_operation("file", analyses, audio_ids))
        operation_ids.append(
            await redflag.create_operation(
                "text",
                ["sentiment-real", "spam-detection", "personality-mb"],
                _TEXTS,
                [[0, 2, 4], [1, 3, 5]],
            )
        )
        text_result = None
        async with redflag.wait_operations(operation_ids, timeout=60) as waits:
            async for waited in waits:
                if not waited.ok:
                    say(f"   operation {waited.item}: {waited.error}\n")
                    continue
                op = waited.unwrap()
                count = op.data.contents_count if op.data else 0
                say(f"   operation {op.id}: {op.status.value}, {count} contents analysed\n")
                if op.query is not None and op.query.type.value == "text":
                    text_result = op
        if text_result is not None and text_result.data is not None:
            first = text_result.data.contents[0]
            labels = ", ".join(f"{a.type.value}={a.label}" for a in first.analyses if a.label)
            say(f"   e.g. {first.content!r}: {labels}\n")

    stats = emulator.stats
    say("\n3. The same API from sync code (generated facade, shared background loop)\n")
    with RedFlag(DEFAULT_TOKEN, base_url=base_url) as sync_client:
        looked_up = sync_client.get_operation(operation_ids[0])
        say(f"   RedFlag(...).get_operation({operation_ids[0]}) -> {looked_up.status.value}\n")

    sent = summary.ok + summary.ambiguous
    say(
        "\nSummary\n"
        f"  uploads: {summary.ok} ok, {summary.failed} failed, {summary.ambiguous} ambiguous, "
        f"{sent} sent in {upload_time:.1f} s under a limit of {rate.calls} per {rate.period:g} s\n"
        f"  server: {stats.requests} requests, {stats.rate_limited} answered 429, "
        f"max {stats.max_in_flight} in flight, {stats.drops} connections dropped\n"
    )
    return 0


def run_demo(out: typing.TextIO = sys.stdout, *, drop_rate: float = 0.02) -> int:
    """Run the demo; returns the process exit code."""
    # The client keeps a 20 % margin on the 1 s window: a short window needs room for the
    # time a granted request takes to reach the server (new connections, a busy loop).
    rate = RateLimit(60, 1.0, margin=0.2)
    emulator = RedFlagEmulator(
        config=EmulatorConfig(
            latency=0.02,
            rate_limit=RateLimit(60, 1.0),
            drop_rate=drop_rate,
            seed=7,
            processing_time=1.5,
        )
    )
    with EmulatorServer(emulator) as server:
        out.write(f"RedFlag emulator listening on {server.url}\n")
        return anyio.run(_run, server.url + PREFIX.rsplit("/operations", 1)[0], emulator, rate, out)
