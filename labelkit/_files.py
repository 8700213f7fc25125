"""File inputs and streamed multipart bodies.

A file given as a path, bytes or an open binary file is checked before anything
is sent (exists, extension allowed, size within the documented limit) and then
streamed in chunks read off the event loop, so memory stays bounded whatever
the file size. The body's length is computed in advance, so no chunked
encoding is needed, and each attempt gets a fresh stream (retries re-read the
file from its start).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping, Sequence

import anyio
import anyio.to_thread
import attrs

from ._errors import ValidationError
from ._outgoing import exact_length

__all__ = [
    "FileInput",
    "MultipartBody",
    "UploadFile",
    "check_local_file",
    "check_size",
    "check_type",
    "human_size",
    "multipart_body",
    "prepare_upload",
]

FileInput = typing.Union[str, os.PathLike[str], bytes, typing.BinaryIO]

CHUNK_SIZE = 256 * 1024


@attrs.frozen
class UploadFile:
    """A validated file, ready to stream."""

    filename: str
    content_type: str
    size: int
    source: str | bytes | typing.BinaryIO = attrs.field(repr=False)
    start: int = 0
    field: str = "file"

    @property
    def replayable(self) -> bool:
        """Whether the file can be sent again from its start (for retries)."""
        if isinstance(self.source, (str, bytes)):
            return True
        return bool(getattr(self.source, "seekable", lambda: False)())

    def chunks(self) -> AsyncGenerator[bytes, None]:
        """The file's bytes, in chunks read in a worker thread.

        A file that grows or shrinks after its size was taken (another process
        writing it) raises :class:`~labelkit.ValidationError` naming it, before
        a byte past that size is handed on (see :func:`~labelkit._outgoing.exact_length`).
        """
        return exact_length(self._read(), self.size, field=self.field, what=repr(self.filename))

    async def _read(self) -> AsyncIterator[bytes]:
        if isinstance(self.source, bytes):
            for i in range(0, len(self.source), CHUNK_SIZE):
                yield self.source[i : i + CHUNK_SIZE]
            return
        if isinstance(self.source, str):
            async with await anyio.open_file(self.source, "rb") as f:
                while chunk := await f.read(CHUNK_SIZE):
                    yield chunk
            return
        handle = self.source
        if self.replayable:
            await anyio.to_thread.run_sync(handle.seek, self.start)
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK_SIZE):
            yield chunk


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def human_size(size: int) -> str:
    """``812 B``, ``12.5 KiB``, ``20.0 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _bytes(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{human_size(size)} ({size} bytes)"


def check_type(filename: str, *, field: str, extensions: Collection[str] | None) -> str:
    """The lower-case extension of ``filename`` (no dot), if one of ``extensions``.

    ``extensions`` may be written with or without the dot, in any case
    (``(".png", "jpg")``, or a mapping's keys); ``None`` allows any. Raises
    :class:`~labelkit.ValidationError` naming ``field``, the file and the types.
    """
    ext = _extension(filename)
    if extensions is not None:
        kinds = [e.lower().lstrip(".") for e in extensions]
        if ext not in kinds:
            raise ValidationError(
                field,
                f"{filename!r} has an unsupported file type",
                limit="one of " + ", ".join(sorted(kinds)),
            )
    return ext


def check_size(filename: str, size: int, *, field: str, max_bytes: int | None) -> None:
    """Raise :class:`~labelkit.ValidationError` if ``size`` is over ``max_bytes`` (inclusive)."""
    if max_bytes is not None and size > max_bytes:
        raise ValidationError(
            field, f"{filename!r} is {_bytes(size)}", limit=f"at most {_bytes(max_bytes)}"
        )


def check_local_file(
    path: str | os.PathLike[str],
    *,
    field: str,
    extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
    readable: bool = False,
    allow_empty: bool = True,
) -> int:
    """Check a local file against an upload's limits before anything is sent; return its size.

    Blocking (it stats the file): call it in a worker thread from async code.
    Raises :class:`~labelkit.ValidationError` naming ``field``, the file and
    the limit: wrong type (see :func:`check_type`), missing, not a regular
    file, too big; with ``readable=True`` also one that cannot be opened, and
    with ``allow_empty=False`` an empty one.
    """
    name = os.path.basename(os.fspath(path))
    check_type(name, field=field, extensions=extensions)
    try:
        stat = os.stat(path)
        if readable:
            with open(path, "rb"):
                pass
    except FileNotFoundError:
        raise ValidationError(field, f"file not found: {os.fspath(path)}") from None
    except OSError as exc:
        raise ValidationError(
            field, f"cannot read {os.fspath(path)}: {exc.strerror or exc}"
        ) from None
    if stat.st_mode & 0o170000 != 0o100000:
        raise ValidationError(field, f"not a regular file: {os.fspath(path)}")
    if stat.st_size == 0 and not allow_empty:
        raise ValidationError(field, f"{name!r} is empty; nothing to send")
    check_size(name, stat.st_size, field=field, max_bytes=max_bytes)
    return stat.st_size


async def prepare_upload(
    file: FileInput,
    *,
    field: str = "file",
    filename: str | None = None,
    allowed: Mapping[str, str] | None = None,
    max_size: int | None = None,
) -> UploadFile:
    """Validate ``file`` and describe it for streaming.

    ``allowed`` maps lower-case extensions (without the dot) to the content
    type sent for them; ``max_size`` is in bytes. Raises
    :class:`~labelkit.ValidationError` naming ``field`` and the limit.
    """
    if isinstance(file, (bytes, bytearray)):
        if filename is None:
            raise ValidationError(field, "bytes need a filename= to tell the file type")
        source: str | bytes | typing.BinaryIO = bytes(file)
        size = len(file)
        start = 0
    elif isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        check = functools.partial(check_local_file, path, field=field)
        size = await anyio.to_thread.run_sync(check)
        source, start = path, 0
        filename = filename or os.path.basename(path)
    elif hasattr(file, "read"):
        source = file
        filename = filename or os.path.basename(str(getattr(file, "name", "") or "")) or None
        if filename is None:
            raise ValidationError(field, "this file object has no name; pass filename=")
        start, size = await anyio.to_thread.run_sync(_remaining_size, file, field)
    else:
        raise ValidationError(
            field, f"expected a path, bytes or a binary file, got {type(file).__name__}"
        )
    assert filename is not None
    ext = check_type(filename, field=field, extensions=allowed)
    content_type = "application/octet-stream" if allowed is None else allowed[ext]
    check_size(filename, size, field=field, max_bytes=max_size)
    return UploadFile(
        filename=filename,
        content_type=content_type,
        size=size,
        source=source,
        start=start,
        field=field,
    )


def _remaining_size(handle: typing.BinaryIO, field: str) -> tuple[int, int]:
    try:
        start = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(start)
    except (OSError, AttributeError, ValueError):
        raise ValidationError(
            field, "file objects must be seekable (open the file in 'rb' mode)"
        ) from None
    return start, end - start


@attrs.frozen
class MultipartBody:
    """A multipart/form-data body with a known length and a fresh stream per call."""

    content_type: str
    length: int
    _parts: tuple[bytes | UploadFile, ...] = attrs.field(repr=False)

    @property
    def replayable(self) -> bool:
        return all(not isinstance(p, UploadFile) or p.replayable for p in self._parts)

    async def stream(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
            else:
                async with contextlib.aclosing(part.chunks()) as chunks:
                    async for chunk in chunks:
                        yield chunk


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart_body(
    fields: Sequence[tuple[str, str]] = (),
    files: Sequence[tuple[str, UploadFile]] = (),
    *,
    part_content_types: bool = True,
) -> MultipartBody:
    """Build a streamed multipart body from text fields and files.

    ``part_content_types=False`` leaves out each file part's ``Content-Type``
    line (some storage endpoints are written against clients that send none).
    """
    boundary = secrets.token_hex(16)
    dash = f"--{boundary}\r\n".encode()
    parts: list[bytes | UploadFile] = []
    for name, value in fields:
        parts.append(
            dash
            + f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, upload in files:
        parts.append(
            dash
            + (
                f'Content-Disposition: form-data; name="{_quote(name)}"; '
                f'filename="{_quote(upload.filename)}"\r\n'
                + (f"Content-Type: {upload.content_type}\r\n" if part_content_types else "")
                + "\r\n"
            ).encode()
        )
        parts.append(upload)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    length = sum(p.size if isinstance(p, UploadFile) else len(p) for p in parts)
    return MultipartBody(
        content_type=f"multipart/form-data; boundary={boundary}", length=length, parts=tuple(parts)
    )
