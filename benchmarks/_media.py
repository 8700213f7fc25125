"""Media files for the FastLabel benchmarks: PNGs of a chosen size and a padded H.264 MP4.

Both official SDK checks must pass: the image is a real PNG (a 1x1 image
whose size comes from a private ancillary chunk, which decoders skip), and
the video is ``data/h264_64x64_1s.mp4``, a real one-second 64x64 H.264 MP4
(OpenCV reads its FOURCC, as ``fastlabel`` does, and labelkit finds ``avc1``
in its ``stsd`` box), padded to the wanted size with a top-level ``free``
box. The padding is a sparse hole: the file takes no disk space, and every
reader still reads its full length. The MP4 was made with::

    ffmpeg -f lavfi -i testsrc=size=64x64:rate=10 -t 1 -c:v libx264 \\
        -pix_fmt yuv420p -movflags +faststart h264_64x64_1s.mp4
"""

from __future__ import annotations

import os
import pathlib
import struct
import zlib

__all__ = ["H264_SAMPLE", "MiB", "png", "write_mp4", "write_png"]

MiB = 1024 * 1024
H264_SAMPLE = pathlib.Path(__file__).resolve().parent / "data" / "h264_64x64_1s.mp4"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(size: int = 0) -> bytes:
    """A valid 1x1 RGB PNG, padded to at least ``size`` bytes with a ``prVt`` chunk."""
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    body = _chunk(b"IDAT", zlib.compress(b"\x00\x80\x40\x20"))
    tail = _chunk(b"IEND", b"")
    pad = size - len(head) - len(body) - len(tail) - 12
    extra = _chunk(b"prVt", os.urandom(pad)) if pad > 0 else b""
    return head + extra + body + tail


def write_png(path: pathlib.Path, size: int = 0) -> pathlib.Path:
    """Write :func:`png` (random padding, so nothing compresses it away) to ``path``."""
    path.write_bytes(png(size))
    return path


def write_mp4(path: pathlib.Path, size: int) -> pathlib.Path:
    """The H.264 sample padded to exactly ``size`` bytes with a sparse ``free`` box."""
    sample = H264_SAMPLE.read_bytes()
    pad = size - len(sample)
    if pad < 8:
        raise ValueError(f"size must be at least {len(sample) + 8} bytes")
    with open(path, "wb") as f:
        f.write(sample)
        f.write(struct.pack(">I4s", pad, b"free"))
        f.truncate(size)
    return path
