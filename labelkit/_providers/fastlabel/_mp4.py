"""Read the video codec FOURCC of an MP4 file, in pure Python.

FastLabel accepts only H.264 video (the SDK asks OpenCV for the container's
FOURCC and wants exactly ``avc1`` or ``h264``). The FOURCC is the format of
the first sample entry of the video track's ``stsd`` box
(``moov/trak/mdia/minf/stbl/stsd``); the box tree is walked with seeks, so
the media data (``mdat``) is never read, however large the file.
"""

from __future__ import annotations

import os
import pathlib
import struct
import typing

import anyio.to_thread

from ..._errors import ValidationError

__all__ = ["H264_FOURCCS", "check_h264", "video_fourcc"]

#: The FOURCCs the official SDK accepts (exact, lower-case).
H264_FOURCCS = ("avc1", "h264")

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _boxes(f: typing.BinaryIO, start: int, end: int) -> typing.Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box in ``[start, end)``."""
    offset = start
    while offset + 8 <= end:
        f.seek(offset)
        header = f.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        payload = offset + 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:
                return
            (size,) = struct.unpack(">Q", large)
            payload += 8
        elif size == 0:
            size = end - offset
        if size < payload - offset or offset + size > end:
            return
        yield kind, payload, offset + size
        offset += size


def _handler(f: typing.BinaryIO, start: int, end: int) -> bytes | None:
    for kind, payload, box_end in _boxes(f, start, end):
        if kind == b"hdlr" and box_end - payload >= 12:
            f.seek(payload + 8)  # version/flags, pre_defined
            return f.read(4)
    return None


def _sample_format(f: typing.BinaryIO, start: int, end: int) -> str | None:
    for kind, payload, box_end in _boxes(f, start, end):
        if kind in _CONTAINERS:
            found = _sample_format(f, payload, box_end)
            if found is not None:
                return found
        elif kind == b"stsd" and box_end - payload >= 16:
            f.seek(payload + 4)  # version/flags
            (count,) = struct.unpack(">I", f.read(4))
            if count < 1:
                return None
            entry = f.read(8)
            if len(entry) < 8:
                return None
            return entry[4:8].decode("latin-1")
    return None


def _fourcc(path: pathlib.Path) -> str | None:
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        for kind, payload, end in _boxes(f, 0, size):
            if kind != b"moov":
                continue
            for sub, trak_payload, trak_end in _boxes(f, payload, end):
                if sub != b"trak":
                    continue
                for box, mdia_payload, mdia_end in _boxes(f, trak_payload, trak_end):
                    if box == b"mdia" and _handler(f, mdia_payload, mdia_end) == b"vide":
                        return _sample_format(f, mdia_payload, mdia_end)
    return None


async def video_fourcc(path: str | os.PathLike[str]) -> str | None:
    """The FOURCC of the first video track, or None when there is none (read in a thread)."""
    return await anyio.to_thread.run_sync(_fourcc, pathlib.Path(path))


async def check_h264(path: str | os.PathLike[str], field: str = "file_path") -> None:
    """Raise :class:`~labelkit.ValidationError` unless the MP4's video codec is H.264."""
    try:
        fourcc = await video_fourcc(path)
    except (OSError, struct.error) as exc:
        raise ValidationError(field, f"cannot read the MP4 file {path}: {exc}") from None
    if fourcc not in H264_FOURCCS:
        found = "no video track found" if fourcc is None else f"codec {fourcc!r}"
        raise ValidationError(
            field,
            f"{pathlib.Path(path).name!r} is not an H.264 MP4 ({found})",
            limit=f"video codec FOURCC one of {H264_FOURCCS}",
        )
