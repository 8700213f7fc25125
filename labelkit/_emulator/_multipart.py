"""Incremental ``multipart/form-data`` parsing for the emulators (stdlib only).

The parser is fed the request body chunk by chunk as it arrives, so a 200 MiB
upload never sits in memory: file parts go to a
:class:`tempfile.SpooledTemporaryFile` that rolls over to disk past
``spool_max_size`` bytes, and only a delimiter's worth of bytes is kept between
chunks. Plain fields are kept in memory, bounded by ``max_field_size``.
"""

from __future__ import annotations

import hashlib
import tempfile
import urllib.parse
from collections.abc import AsyncIterable, Iterator

import attrs

__all__ = [
    "FormData",
    "MultipartError",
    "MultipartParser",
    "UploadFile",
    "parse_multipart",
    "parse_options_header",
]

SPOOL_MAX_SIZE = 1 << 20
MAX_FIELD_SIZE = 1 << 20
MAX_HEADER_SIZE = 16 << 10
MAX_PARTS = 1000

_PREAMBLE, _AFTER_DELIMITER, _HEADERS, _BODY, _END = range(5)


class MultipartError(ValueError):
    """The body is not well-formed ``multipart/form-data`` (or breaks a size limit)."""


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """Split ``'form-data; name="file"; filename="a.png"'`` into the value and its params.

    The main value and parameter names are lower-cased; quoted strings are
    unquoted (backslash escapes honoured) and RFC 5987 ``name*=utf-8''...``
    parameters win over their plain twins.
    """
    items: list[str] = []
    current: list[str] = []
    in_quotes = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and in_quotes:
            escaped = True
        elif char == '"':
            in_quotes = not in_quotes
        elif char == ";" and not in_quotes:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))

    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    for item in items[1:]:
        key, _, raw = item.partition("=")
        key = key.strip().lower()
        if not key:
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = _unquote(raw[1:-1])
        if key.endswith("*"):
            charset, _, rest = raw.partition("'")
            _, _, encoded = rest.partition("'")
            try:
                extended[key[:-1]] = urllib.parse.unquote(
                    encoded, encoding=charset or "utf-8", errors="replace"
                )
            except LookupError:  # unknown charset name
                continue
        else:
            params.setdefault(key, raw)
    params.update(extended)
    return items[0].strip().lower(), params


def _unquote(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        out.append(next(chars, "") if char == "\\" else char)
    return "".join(out)


@attrs.define(eq=False)
class UploadFile:
    """A file part of a multipart body.

    ``file`` holds the bytes (in memory up to the spool size, then on disk);
    ``size`` and ``sha256`` (hex) describe them once parsing is complete.
    """

    field: str
    filename: str
    content_type: str | None
    headers: dict[str, str]
    file: tempfile.SpooledTemporaryFile[bytes]
    spool_max_size: int
    size: int = 0
    sha256: str = ""

    @property
    def on_disk(self) -> bool:
        """Whether the content was too large to stay in memory."""
        # SpooledTemporaryFile rolls over on the first write past max_size.
        return self.size > self.spool_max_size

    def read(self) -> bytes:
        """The whole content (for small files; use :meth:`chunks` for big ones)."""
        self.file.seek(0)
        return self.file.read()

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """Iterate over the content in ``size``-byte chunks."""
        self.file.seek(0)
        while chunk := self.file.read(size):
            yield chunk

    def close(self) -> None:
        """Release the temporary file."""
        self.file.close()


@attrs.define
class FormData:
    """Parsed form: text ``fields`` and ``files``, each in body order."""

    fields: list[tuple[str, str]] = attrs.Factory(list)
    files: list[UploadFile] = attrs.Factory(list)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of field ``name``."""
        return next((value for key, value in self.fields if key == name), default)

    def getlist(self, name: str) -> list[str]:
        """Every value of field ``name``."""
        return [value for key, value in self.fields if key == name]

    def file(self, name: str) -> UploadFile | None:
        """The first file part named ``name``."""
        return next((upload for upload in self.files if upload.field == name), None)

    def close(self) -> None:
        """Release every file's temporary storage."""
        for upload in self.files:
            upload.close()


class _FieldPart:
    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.data = bytearray()

    def write(self, chunk: memoryview) -> None:
        if len(self.data) + len(chunk) > self.limit:
            raise MultipartError(f"field {self.name!r} exceeds {self.limit} bytes")
        self.data += chunk


class _FilePart:
    def __init__(self, upload: UploadFile) -> None:
        self.upload = upload
        self.hasher = hashlib.sha256()

    def write(self, chunk: memoryview) -> None:
        # Plain blocking writes: a local temp file lands in the page cache, and a
        # thread hop per chunk would cost more than it saves.
        self.upload.file.write(chunk)
        self.hasher.update(chunk)
        self.upload.size += len(chunk)


class MultipartParser:
    """Push parser: :meth:`feed` chunks as they arrive, then :meth:`finish`."""

    def __init__(
        self,
        boundary: bytes,
        *,
        spool_max_size: int = SPOOL_MAX_SIZE,
        max_field_size: int = MAX_FIELD_SIZE,
        max_parts: int = MAX_PARTS,
    ) -> None:
        if not boundary or len(boundary) > 200:
            raise MultipartError("invalid multipart boundary")
        self._delimiter = b"--" + boundary
        self._body_delimiter = b"\r\n--" + boundary
        self._spool_max_size = spool_max_size
        self._max_field_size = max_field_size
        self._max_parts = max_parts
        self._buffer = bytearray()
        self._state = _PREAMBLE
        self._part: _FieldPart | _FilePart | None = None
        self._parts = 0
        self.form = FormData()

    def feed(self, data: bytes) -> None:
        """Consume the next chunk of the body."""
        if self._state == _END:
            return  # epilogue: ignored
        self._buffer += data
        try:
            self._process()
        except BaseException:
            self.close()
            raise

    def finish(self) -> FormData:
        """Check the body ended properly and return the form."""
        if self._state != _END:
            self.close()
            raise MultipartError("truncated multipart body (no closing boundary)")
        return self.form

    def close(self) -> None:
        """Release the temporary files of every part parsed so far."""
        self.form.close()
        if isinstance(self._part, _FilePart):
            self._part.upload.close()

    def _process(self) -> None:
        buf = self._buffer
        while True:
            if self._state == _PREAMBLE:
                index = buf.find(self._delimiter)
                if index < 0:
                    del buf[: max(0, len(buf) - len(self._delimiter) + 1)]
                    return
                del buf[: index + len(self._delimiter)]
                self._state = _AFTER_DELIMITER
            elif self._state == _AFTER_DELIMITER:
                if len(buf) < 2:
                    return
                if buf.startswith(b"--"):
                    self._state = _END
                    buf.clear()
                    return
                index = buf.find(b"\r\n")
                if index < 0 or buf[:index].strip(b" \t"):
                    if index >= 0 or len(buf) > 1024:
                        raise MultipartError("unexpected bytes after a boundary")
                    return
                del buf[: index + 2]
                self._state = _HEADERS
            elif self._state == _HEADERS:
                if buf.startswith(b"\r\n"):
                    block = b""
                    del buf[:2]
                else:
                    index = buf.find(b"\r\n\r\n")
                    if index < 0:
                        if len(buf) > MAX_HEADER_SIZE:
                            raise MultipartError("part headers too large")
                        return
                    block = bytes(buf[:index])
                    del buf[: index + 4]
                self._start_part(block)
                self._state = _BODY
            elif self._state == _BODY:
                index = buf.find(self._body_delimiter)
                if index < 0:
                    safe = len(buf) - len(self._body_delimiter) + 1
                    if safe > 0:
                        self._write(safe)
                    return
                self._write(index)
                del buf[: len(self._body_delimiter)]
                self._finish_part()
                self._state = _AFTER_DELIMITER
            else:
                buf.clear()
                return

    def _write(self, count: int) -> None:
        assert self._part is not None
        view = memoryview(self._buffer)
        try:
            chunk = view[:count]
            self._part.write(chunk)
            chunk.release()
        finally:
            view.release()
        del self._buffer[:count]

    def _start_part(self, block: bytes) -> None:
        self._parts += 1
        if self._parts > self._max_parts:
            raise MultipartError(f"more than {self._max_parts} parts")
        headers: dict[str, str] = {}
        for line in block.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep or not name.strip():
                raise MultipartError("malformed part header line")
            headers[name.strip().decode("latin-1").lower()] = value.strip().decode(
                "utf-8", "replace"
            )
        disposition, params = parse_options_header(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            raise MultipartError("part lacks 'Content-Disposition: form-data; name=...'")
        if "filename" in params:
            upload = UploadFile(
                field=params["name"],
                filename=params["filename"],
                content_type=headers.get("content-type"),
                headers=headers,
                file=tempfile.SpooledTemporaryFile(max_size=self._spool_max_size),
                spool_max_size=self._spool_max_size,
            )
            self._part = _FilePart(upload)
        else:
            self._part = _FieldPart(params["name"], self._max_field_size)

    def _finish_part(self) -> None:
        part, self._part = self._part, None
        if isinstance(part, _FilePart):
            part.upload.sha256 = part.hasher.hexdigest()
            part.upload.file.seek(0)
            self.form.files.append(part.upload)
        elif isinstance(part, _FieldPart):
            self.form.fields.append((part.name, part.data.decode("utf-8", "replace")))


async def parse_multipart(
    chunks: AsyncIterable[bytes],
    boundary: bytes,
    *,
    spool_max_size: int = SPOOL_MAX_SIZE,
    max_field_size: int = MAX_FIELD_SIZE,
    max_parts: int = MAX_PARTS,
) -> FormData:
    """Parse a streamed multipart body; raises :class:`MultipartError` if malformed.

    The whole stream is consumed (an epilogue after the closing boundary is
    ignored). On error, every temporary file created so far is closed.
    """
    parser = MultipartParser(
        boundary,
        spool_max_size=spool_max_size,
        max_field_size=max_field_size,
        max_parts=max_parts,
    )
    try:
        async for chunk in chunks:
            parser.feed(chunk)
        return parser.finish()
    except BaseException:
        parser.close()
        raise
