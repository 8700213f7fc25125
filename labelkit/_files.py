"""File inputs and streamed multipart bodies.

A file given as a path, bytes or an open binary file is checked before anything
is sent (exists, extension allowed, size within the documented limit) and then
streamed in chunks read off the event loop, so memory stays bounded whatever
the file size. The body's length is computed in advance, so no chunked
encoding is needed, and each attempt gets a fresh stream (retries re-read the
file from its start).
"""

from __future__ import annotations

import os
import secrets
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

import anyio
import anyio.to_thread
import attrs

from ._errors import ValidationError

__all__ = ["FileInput", "MultipartBody", "UploadFile", "multipart_body", "prepare_upload"]

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

    @property
    def replayable(self) -> bool:
        """Whether the file can be sent again from its start (for retries)."""
        if isinstance(self.source, (str, bytes)):
            return True
        return bool(getattr(self.source, "seekable", lambda: False)())

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes, in chunks read in a worker thread."""
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
        try:
            stat = await anyio.Path(path).stat()
        except FileNotFoundError:
            raise ValidationError(field, f"file not found: {path}") from None
        except OSError as exc:
            raise ValidationError(field, f"cannot read {path}: {exc.strerror}") from None
        if not (stat.st_mode & 0o170000 == 0o100000):
            raise ValidationError(field, f"not a regular file: {path}")
        source, size, start = path, stat.st_size, 0
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
    ext = _extension(filename)
    content_type = "application/octet-stream"
    if allowed is not None:
        if ext not in allowed:
            kinds = ", ".join(sorted(allowed))
            raise ValidationError(
                field, f"{filename!r} has an unsupported file type", limit=f"one of {kinds}"
            )
        content_type = allowed[ext]
    if max_size is not None and size > max_size:
        raise ValidationError(
            field, f"{filename!r} is {size} bytes", limit=f"at most {max_size} bytes"
        )
    return UploadFile(
        filename=filename, content_type=content_type, size=size, source=source, start=start
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
                async for chunk in part.chunks():
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
