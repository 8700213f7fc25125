"""FastLabel uploads: files checked before sending, base64-in-JSON bodies streamed.

Most task creates put a whole file, base64-encoded, in a JSON string field
(section 3.1). Instead of building that string in memory, a body holding
:class:`Base64File` markers is serialised once with placeholders and sent as
``prefix + base64(file) + suffix``: the base64 length is known in advance
(``4 * ceil(n / 3)``), so the request has an exact ``Content-Length``, and the
file is read and encoded in a worker thread in 3-byte-aligned chunks, so the
pieces concatenate to exactly the base64 of the whole file. Memory stays at a
few chunks whatever the file size.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import pathlib
import secrets
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

import anyio
import anyio.to_thread
import attrs

from ..._errors import ValidationError
from ..._files import check_local_file, check_type

__all__ = [
    "INLINE_READ",
    "MAX_BODY_CHARS",
    "MAX_CONTENTS_CHARS",
    "MIB",
    "READ_AHEAD",
    "Base64File",
    "CheckedFile",
    "JsonStream",
    "b64_length",
    "check_contents_total",
    "check_file",
    "contents",
    "dumps",
    "folder_files",
    "holds_files",
    "inspect_file",
    "json_body",
]

MIB = 1024 * 1024
#: The SDK's limit on the summed JSON size of ``contents`` elements (characters).
MAX_CONTENTS_CHARS = 536_870_000
#: The server (Node.js) cannot hold a string longer than this: the limit of any JSON body.
MAX_BODY_CHARS = 536_870_888
# A multiple of 3, so chunk encodings concatenate to the encoding of the whole file.
_CHUNK = 3 * 256 * 1024
#: Files up to this size are read and encoded while they are checked (one
#: worker-thread hop per create); larger ones are streamed chunk by chunk.
READ_AHEAD = _CHUNK
#: Files up to this size are checked, read and encoded on the event loop, with
#: no worker-thread hop at all. The hop (waking a worker, handing the result
#: back) costs about 150 µs of CPU per file; reading and encoding 64 KiB from
#: the page cache about 100 µs, for which the loop does nothing else.
INLINE_READ = 64 * 1024

PathInput = typing.Union[str, os.PathLike[str]]


def b64_length(size: int) -> int:
    """Length of the standard (padded) base64 encoding of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


@attrs.frozen
class Base64File:
    """A file to send base64-encoded as one JSON string value.

    Put it anywhere inside a body passed to ``FastLabelBase._call(body=...)``;
    the body is then streamed (see :func:`json_body`). ``size`` is filled in
    by :func:`check_file`; when omitted it is read with ``stat`` before sending.
    """

    path: pathlib.Path = attrs.field(converter=pathlib.Path)
    size: int | None = None
    field: str = "file_path"
    #: The base64 text, when the file was small enough to be read while it was checked.
    encoded: bytes | None = attrs.field(default=None, repr=False, eq=False)

    async def chunks(self, size: int) -> AsyncIterator[bytes]:
        """The base64 text of the first ``size`` bytes, encoded in a worker thread."""
        handle = await anyio.to_thread.run_sync(open, self.path, "rb")
        try:
            remaining = size
            while remaining > 0:
                encoded = await anyio.to_thread.run_sync(
                    _read_encode, handle, min(_CHUNK, remaining)
                )
                if encoded is None:
                    raise ValidationError(
                        self.field, f"{self.path} shrank while it was being uploaded"
                    )
                remaining -= min(_CHUNK, remaining)
                yield encoded
            if await anyio.to_thread.run_sync(handle.read, 1):
                raise ValidationError(self.field, f"{self.path} grew while it was being uploaded")
        finally:
            await anyio.to_thread.run_sync(handle.close)


def _read_encode(handle: typing.BinaryIO, count: int) -> bytes | None:
    data = handle.read(count)
    while len(data) < count:
        more = handle.read(count - len(data))
        if not more:
            return None
        data += more
    return base64.b64encode(data)


@attrs.frozen
class JsonStream:
    """A JSON body with a known length, streamed afresh on every attempt."""

    length: int
    parts: tuple[bytes | tuple[Base64File, int], ...] = attrs.field(repr=False)
    content_type: str = "application/json"
    replayable: bool = True

    async def stream(self) -> AsyncIterator[bytes]:
        """The body's bytes: literal JSON pieces and base64 text of the files."""
        if len(self.parts) == 1 and isinstance(self.parts[0], bytes):
            # Every file was read and encoded while it was checked: no hop at all.
            yield self.parts[0]
            return
        if self.length <= _CHUNK:
            # Small bodies (most images): one worker-thread hop and one socket
            # write instead of open/read/close hops and a write per piece.
            yield await anyio.to_thread.run_sync(self._materialise)
            return
        for part in self.parts:
            if isinstance(part, bytes):
                yield part
            else:
                file, size = part
                async for chunk in file.chunks(size):
                    yield chunk

    def _materialise(self) -> bytes:
        pieces: list[bytes] = []
        for part in self.parts:
            if isinstance(part, bytes):
                pieces.append(part)
                continue
            file, size = part
            with open(file.path, "rb") as handle:
                data = handle.read(size + 1)
            if len(data) != size:
                change = "shrank" if len(data) < size else "grew"
                raise ValidationError(
                    file.field, f"{file.path} {change} while it was being uploaded"
                )
            pieces.append(base64.b64encode(data))
        return b"".join(pieces)


# The placeholders' prefix: random per process (never in a caller's data) and
# numbered per body; os.urandom per body cost more than encoding a small body.
_TOKEN = secrets.token_hex(12)
_BODIES = itertools.count()


def dumps(body: object) -> bytes:
    """The JSON encoding used for every FastLabel body (same as the core's)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


#: Leaf types of a JSON body, skipped without the (slower) ``Mapping`` ABC check.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def holds_files(body: object) -> bool:
    """Whether ``body`` holds a :class:`Base64File` anywhere (what :func:`json_body` streams)."""
    if isinstance(body, Base64File):
        return True
    if isinstance(body, (list, tuple)):
        items: typing.Iterable[object] = body
    elif isinstance(body, Mapping):
        items = body.values()
    else:
        return False
    for item in items:
        if type(item) not in _SCALARS and holds_files(item):
            return True
    return False


async def json_body(body: object) -> bytes | JsonStream:
    """Encode ``body``: plain bytes, or a :class:`JsonStream` when it holds :class:`Base64File`\\ s.

    Raises :class:`~labelkit.ValidationError` when the encoded body would be
    longer than the server can accept (:data:`MAX_BODY_CHARS`).
    """
    if not holds_files(body):
        return dumps(body)
    files: list[Base64File] = []
    token = f"{_TOKEN}{next(_BODIES)}"

    def mark(value: object) -> object:
        if isinstance(value, Base64File):
            files.append(value)
            return f"{token}:{len(files) - 1}"
        if isinstance(value, Mapping):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [mark(item) for item in value]
        return value

    marked = mark(body)
    sizes = [f.size if f.size is not None else await _stat_size(f) for f in files]
    text = dumps(marked)
    parts: list[bytes | tuple[Base64File, int]] = []
    for index, (file, size) in enumerate(zip(files, sizes, strict=True)):
        head, text = text.split(f'"{token}:{index}"'.encode(), 1)
        read = file.encoded if file.encoded is not None and file.size == size else None
        parts += [head + b'"', (file, size) if read is None else read, b'"']
    parts.append(text)
    length = sum(len(p) if isinstance(p, bytes) else b64_length(p[1]) for p in parts)
    if length > MAX_BODY_CHARS:
        raise ValidationError(
            files[0].field,
            f"the request body would be {length} bytes",
            limit=f"at most {MAX_BODY_CHARS} bytes (server limit on a JSON body)",
        )
    if all(isinstance(p, bytes) for p in parts):
        return JsonStream(length=length, parts=(b"".join(typing.cast("list[bytes]", parts)),))
    return JsonStream(length=length, parts=tuple(p for p in parts if p != b""))


async def _stat_size(file: Base64File) -> int:
    checked = await inspect_file(file.path, field=file.field, extensions=None, max_bytes=None)
    return checked.size


@attrs.frozen
class CheckedFile:
    """A local file that passed the checks: its path and size."""

    path: pathlib.Path
    size: int
    #: The base64 text, when :func:`inspect_file` was asked to read the file.
    encoded: bytes | None = attrs.field(default=None, repr=False, eq=False)

    def base64(self, field: str) -> Base64File:
        """A :class:`Base64File` for this file (size already known)."""
        return Base64File(self.path, self.size, field, self.encoded)


async def check_file(
    path: PathInput,
    *,
    field: str,
    extensions: tuple[str, ...] | None,
    max_bytes: int | None,
) -> pathlib.Path:
    """Check a local file before anything is sent; return its path.

    ``extensions`` are lower-case suffixes with the dot (``(".png", ".jpg")``),
    compared case-insensitively; ``max_bytes`` is inclusive. Raises
    :class:`~labelkit.ValidationError` naming ``field``, the file and the limit
    (missing file, not a regular file, wrong extension, too big).
    """
    return (await inspect_file(path, field=field, extensions=extensions, max_bytes=max_bytes)).path


async def inspect_file(
    path: PathInput,
    *,
    field: str,
    extensions: tuple[str, ...] | None,
    max_bytes: int | None,
    read_up_to: int = 0,
) -> CheckedFile:
    """:func:`check_file`, returning the size too.

    A file of at most ``read_up_to`` bytes is also read and base64-encoded, in
    the same worker-thread hop as the ``stat``, so that sending it costs no
    further hop (:attr:`CheckedFile.encoded`); with ``read_up_to``, a file of
    at most :data:`INLINE_READ` bytes is checked and read without a hop.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValidationError(field, f"expected a file path, got {type(path).__name__}")
    file = pathlib.Path(path)
    check_type(file.name, field=field, extensions=extensions)
    if read_up_to > 0:
        checked = _inspect(file, field, max_bytes, min(read_up_to, INLINE_READ))
        if checked.encoded is not None or checked.size > read_up_to:
            return checked
    return await anyio.to_thread.run_sync(_inspect, file, field, max_bytes, read_up_to)


def _inspect(file: pathlib.Path, field: str, max_bytes: int | None, read_up_to: int) -> CheckedFile:
    size = check_local_file(file, field=field, max_bytes=max_bytes)
    if size > read_up_to:
        return CheckedFile(file, size)
    try:
        with open(file, "rb") as handle:
            data = handle.read(read_up_to + 1)
    except OSError as exc:
        raise ValidationError(field, f"cannot read {file}: {exc.strerror}") from None
    if len(data) > read_up_to:  # grew past the bound since the stat: stream it
        return CheckedFile(file, size)
    return CheckedFile(file, len(data), base64.b64encode(data))


async def folder_files(
    folder: PathInput,
    *,
    field: str,
    extensions: tuple[str, ...],
    max_bytes: int | None,
    max_files: int | None,
) -> list[CheckedFile]:
    """The checked direct children of ``folder``, sorted by name (dotfiles skipped)."""
    if not isinstance(folder, (str, os.PathLike)):
        raise ValidationError(field, f"expected a folder path, got {type(folder).__name__}")
    root = pathlib.Path(folder)

    def listing() -> list[pathlib.Path] | None:
        if not root.is_dir():
            return None
        return sorted((p for p in root.iterdir() if not p.name.startswith(".")), key=_name_key)

    children = await anyio.to_thread.run_sync(listing)
    if children is None:
        raise ValidationError(field, f"folder not found: {root}")
    if not children:
        raise ValidationError(field, f"folder is empty: {root}")
    if max_files is not None and len(children) > max_files:
        raise ValidationError(
            field, f"{root} holds {len(children)} files", limit=f"at most {max_files} files"
        )
    return [
        await inspect_file(child, field=field, extensions=extensions, max_bytes=max_bytes)
        for child in children
    ]


def _name_key(path: pathlib.Path) -> str:
    return path.name


def check_contents_total(files: Sequence[CheckedFile], field: str) -> None:
    """The SDK's check: the JSON of the ``contents`` elements must fit the server's string limit."""
    total = 0
    for file in files:
        # As the SDK measures it: len(json.dumps({"name": ..., "file": <base64>})).
        total += len(json.dumps({"name": file.path.name, "file": ""})) + b64_length(file.size)
    if total > MAX_CONTENTS_CHARS:
        raise ValidationError(
            field,
            f"the files would take {total} characters of JSON",
            limit=f"at most {MAX_CONTENTS_CHARS} characters in total",
        )


def contents(files: Sequence[CheckedFile], field: str) -> list[dict[str, object]]:
    """``[{"name": <file name>, "file": <base64>}]`` for a multi-content body."""
    return [{"name": f.path.name, "file": f.base64(field)} for f in files]
