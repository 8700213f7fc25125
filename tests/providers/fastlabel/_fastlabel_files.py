"""Media files for the FastLabel tests: MP4 containers with a chosen codec, sparse big files."""

from __future__ import annotations

import os
import pathlib
import struct


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _trak(handler: bytes, codec: bytes) -> bytes:
    hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"track\0")
    entry = struct.pack(">I4s", 16, codec) + b"\0" * 8
    stsd = box(b"stsd", b"\0" * 4 + struct.pack(">I", 1) + entry)
    return box(b"trak", box(b"mdia", hdlr + box(b"minf", box(b"stbl", stsd))))


def write_mp4(
    path: pathlib.Path, codec: bytes = b"avc1", *, mdat_size: int = 64, moov: bool = True
) -> pathlib.Path:
    """An MP4 whose video track has ``codec`` (after an audio track); ``mdat`` is a sparse hole."""
    with open(path, "wb") as f:
        f.write(box(b"ftyp", b"isom\0\0\2\0isomavc1"))
        f.write(struct.pack(">I4s", 8 + mdat_size, b"mdat"))
        f.seek(mdat_size, os.SEEK_CUR)
        if moov:
            f.write(box(b"moov", _trak(b"soun", b"mp4a") + _trak(b"vide", codec)))
        else:
            f.truncate()
    return path


def sparse(path: pathlib.Path, size: int) -> pathlib.Path:
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path
