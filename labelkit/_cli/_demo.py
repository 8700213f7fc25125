"""``labelkit demo``: real bulk jobs against emulators on 127.0.0.1, through the ``upload`` code.

It starts the FastLabel, CloudSight and RedFlag emulators on loopback,
writes a sample dataset to a temporary folder and runs the very commands a
user would (``labelkit upload fastlabel``, ``recognize cloudsight``,
``analyze redflag``), with their progress bars and summaries:

1. a FastLabel bulk upload under a rate limit compressed to 100 calls per
   5 s (the emulator enforces it too, so a client that overshoots gets 429s),
   with a few connections dropped after the server stored the task (resolved
   by a lookup, never created twice) and two bad files rejected up front;
2. the same command again with the same journal: nothing is sent;
3. CloudSight recognition of a folder, waiting for all jobs with ``wait_many``;
4. a RedFlag analysis of images and audio clips.

No account, no network, no arguments; about a minute (``--quick``: seconds).
"""

from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
import time
import typing
import zlib
from collections.abc import Sequence
from pathlib import Path

from .._config import RateLimit
from .._emulator import EmulatorConfig, EmulatorServer
from ._display import format_duration

__all__ = ["run_demo"]

_QUICK_ENV = "LABELKIT_DEMO_QUICK"
_LIMIT = RateLimit(100, 5.0)
_PROJECT = "demo-animals"
_ANIMALS = ("cat", "dog", "bird", "fox")
_COLORS = ((200, 60, 40), (40, 120, 200), (240, 200, 40), (90, 170, 90), (120, 80, 160))


def _png(width: int, height: int, rgb: tuple[int, int, int], seed: int) -> bytes:
    """A small valid PNG: a coloured square with a light diagonal stripe."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            stripe = (x + y + seed) % 11 == 0
            rows += bytes((255, 255, 255)) if stripe else bytes(rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def _write_dataset(root: Path, images: int, photos: int, clips: int) -> dict[str, Path]:
    labeling = root / "labeling"
    annotations: dict[str, list[dict[str, object]]] = {}
    for i in range(images):
        animal = _ANIMALS[i % len(_ANIMALS)]
        folder = labeling / animal
        folder.mkdir(parents=True, exist_ok=True)
        size = 24 + i % 17
        (folder / f"{animal}_{i:04d}.png").write_bytes(
            _png(size, size, _COLORS[i % len(_COLORS)], i)
        )
        if i % 10 == 0:  # pre-labels for every tenth image
            box = [2, 2, size - 3, size - 3]
            annotations[f"{animal}/{animal}_{i:04d}.png"] = [
                {"type": "bbox", "value": animal, "points": box}
            ]
    # Two files the API would refuse: reported and skipped before anything is sent.
    with open(labeling / "panorama_huge.png", "wb") as big:
        big.write(_png(8, 8, (0, 0, 0), 0))
        big.truncate(25 * 1024 * 1024)  # sparse: 25 MiB on paper, instant to write
    (labeling / "README.txt").write_text("not an image\n")
    ann_path = root / "prelabels.json"
    ann_path.write_text(json.dumps(annotations, indent=1))

    recognition = root / "recognition"
    recognition.mkdir()
    for i in range(photos):
        (recognition / f"photo_{i:03d}.png").write_bytes(
            _png(32, 32, _COLORS[(i * 3) % len(_COLORS)], 100 + i)
        )
    analysis = root / "analysis"
    analysis.mkdir()
    for i in range(photos // 2):
        (analysis / f"frame_{i:03d}.png").write_bytes(_png(20, 20, _COLORS[i % 5], 200 + i))
    for i in range(clips):
        fake_mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + os.urandom(2048)
        (analysis / f"clip_{i:02d}.mp3").write_bytes(fake_mp3)
    return {
        "labeling": labeling,
        "prelabels": ann_path,
        "recognition": recognition,
        "analysis": analysis,
    }


def _busiest_window(arrivals: Sequence[float], period: float) -> int:
    """The most requests that arrived within any ``period`` seconds."""
    times = sorted(arrivals)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


def run_demo(
    out: typing.TextIO = sys.stdout, *, quick: bool | None = None, drop_rate: float = 0.01
) -> int:
    """Run the demo; returns the process exit code (0 when every check passed)."""
    from .._emulator.cloudsight import DEFAULT_KEY, CloudSightEmulator
    from .._emulator.fastlabel import DEFAULT_TOKEN as FL_TOKEN
    from .._emulator.fastlabel import FastLabelEmulator
    from .._emulator.redflag import DEFAULT_TOKEN as RF_TOKEN
    from .._emulator.redflag import PREFIX as RF_PREFIX
    from .._emulator.redflag import RedFlagEmulator
    from . import main

    if quick is None:
        quick = os.environ.get(_QUICK_ENV, "") not in ("", "0")
    images, photos, clips = (40, 10, 4) if quick else (600, 40, 8)
    say = out.write
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="labelkit-demo-"))
    data = _write_dataset(root, images, photos, clips)

    fastlabel = FastLabelEmulator(
        config=EmulatorConfig(latency=0.02, rate_limit=_LIMIT, drop_rate=drop_rate, seed=7)
    )
    fastlabel.add_project(_PROJECT)
    cloudsight = CloudSightEmulator(config=EmulatorConfig(latency=0.02, processing_time=2.0))
    redflag = RedFlagEmulator(config=EmulatorConfig(latency=0.02, processing_time=1.5))
    checks: list[tuple[str, bool]] = []
    with (
        EmulatorServer(fastlabel) as fl_server,
        EmulatorServer(cloudsight) as cs_server,
        EmulatorServer(redflag) as rf_server,
    ):
        say(
            "labelkit demo: three emulators on 127.0.0.1, a generated dataset, "
            "real bulk jobs.\n"
            f"  FastLabel {fl_server.url}  CloudSight {cs_server.url}  "
            f"RedFlag {rf_server.url}\n"
            f"  dataset: {root}\n"
            "  No account and no network: every request goes to the emulators.\n\n"
        )
        journal = str(root / "fastlabel.journal")
        upload = [
                "upload", "fastlabel", str(data["labeling"]),
                "--project", _PROJECT, "--type", "image",
                "--annotations", str(data["prelabels"]),
                "--base-url", fl_server.url + "/v1/", "--token", FL_TOKEN,
                "--rate-limit", f"{_LIMIT.calls}/{_LIMIT.period:g}",
                "--concurrency", "16", "--journal", journal,
                "--output", str(root / "fastlabel-results.jsonl"),
            ]  # fmt: skip
        say(
            f"1. FastLabel bulk upload: {images} images (+2 bad files), rate limit compressed "
            f"to {_LIMIT.calls} calls per {_LIMIT.period:g} s\n"
            "   (the emulator enforces it as well and drops about 1 % of connections "
            "after storing the task)\n"
            f"   $ labelkit upload fastlabel {data['labeling']} --project {_PROJECT} --type image"
            " --annotations prelabels.json --journal fastlabel.journal --rate-limit 100/5"
            " --base-url <emulator>\n"
        )
        status = main(upload)
        names = [task.name for task in fastlabel.tasks.values()]
        busiest = _busiest_window(list(fastlabel.stats.arrivals), _LIMIT.period)
        say(
            f"   emulator: {len(names)} tasks, {len(set(names))} distinct names; "
            f"{fastlabel.stats.rate_limited} answered 429; busiest {_LIMIT.period:g} s "
            f"window: {busiest} requests (limit {_LIMIT.calls}); "
            f"{fastlabel.stats.drops} connections dropped\n"
            f"   (exit status {status}: 1 means some item was not uploaded, here the "
            "two bad files)\n\n"
        )
        unique = len(names) == len(set(names)) == images
        checks += [
            ("upload: every valid image is a task, none twice", unique),
            ("upload: exit status 1 for the rejected files", status == 1),
            ("upload: the server limit was never exceeded", fastlabel.stats.rate_limited == 0),
        ]

        say("2. The same command again, same journal: only what is not done is sent\n")
        before = fastlabel.stats.requests
        main(upload)
        resent = fastlabel.stats.requests - before
        say(f"   emulator: {resent} new requests, still {len(fastlabel.tasks)} tasks\n\n")
        checks.append(("resume: nothing sent again", resent == 0))

        recognize = [
                "recognize", "cloudsight", str(data["recognition"]),
                "--base-url", cs_server.url, "--token", DEFAULT_KEY,
                "--output", str(root / "cloudsight-results.jsonl"),
            ]  # fmt: skip
        say(
            f"3. CloudSight: submit {photos} images, then wait for all of them (wait_many)\n"
            f"   $ labelkit recognize cloudsight {data['recognition']}\n"
        )
        checks.append(("recognize: all described", main(recognize) == 0))
        say("\n")

        analyze = [
                "analyze", "redflag", str(data["analysis"]),
                "--base-url", rf_server.url + RF_PREFIX.rsplit("/operations", 1)[0],
                "--token", RF_TOKEN,
                "--output", str(root / "redflag-results.jsonl"),
            ]  # fmt: skip
        say(
            f"4. RedFlag: upload {photos // 2} images and {clips} audio clips, "
            "one operation per kind, wait\n"
            f"   $ labelkit analyze redflag {data['analysis']}\n"
        )
        checks.append(("analyze: all analysed", main(analyze) == 0))

    elapsed = time.monotonic() - started
    failed = [name for name, ok in checks if not ok]
    say(
        f"\nDemo finished in {format_duration(elapsed)}: "
        f"{len(checks) - len(failed)} of {len(checks)} checks passed.\n"
    )
    for name in failed:
        say(f"  check failed: {name}\n")
    say(
        f"Results (one JSON line per item) and the journal are in {root}\n"
        "Against a real account: set FASTLABEL_ACCESS_TOKEN and run\n"
        "  labelkit upload fastlabel --project SLUG --type image DIR --journal upload.journal\n"
    )
    return 0 if not failed else 1
