"""Request reading and validation for the FastLabel emulator.

Errors are NestJS-shaped: :class:`Invalid` carries a status and a message
that is a string or, for field validation (class-validator style), a list of
strings. Bodies are read with a size cap (the real server is Node.js and
cannot hold a JSON text over ~512 MB), and base64 file fields are decoded in
bounded chunks so that big files cost linear time and little extra memory.
A body is a :class:`Fields` and a query a :class:`Query`: their methods read
and validate one field each, so a handler asks the request for what it needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from ..._emulator import Request
from ._state import Blob

__all__ = [
    "EXTERNAL_STATUSES",
    "MAX_BODY_SIZE",
    "PRIORITIES",
    "STATUSES",
    "Fields",
    "Invalid",
    "Query",
    "Window",
    "decode_file",
    "field_error",
    "found",
    "read_json",
]

#: V8's longest string (536,870,888 characters): the real server's practical body cap.
MAX_BODY_SIZE = 536_870_888
STATUSES = (
    "registered",
    "pending",
    "completed",
    "skipped",
    "reviewed",
    "sent_back",
    "approved",
    "declined",
)
EXTERNAL_STATUSES = (*STATUSES, "customer_declined")
PRIORITIES = (0, 10, 20, 30)
_CHUNK_CHARS = 4 * (1 << 18)  # 1 MiB of base64 text, decoded at a time
_B64_BODY = re.compile(r"[A-Za-z0-9+/]*")
_B64_TAIL = re.compile(r"[A-Za-z0-9+/]*={0,2}")
T = TypeVar("T")
V = TypeVar("V")


class Invalid(Exception):
    """Answer ``status`` with ``{"statusCode", "message", "error"}``; ``message`` may be a list."""

    def __init__(self, status: int, message: str | list[str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def found(table: Mapping[str, V], key: str, what: str) -> V:
    """``table[key]``, else a 404 ``<what> not found: <key>``."""
    item = table.get(key)
    if item is None:
        raise Invalid(404, f"{what} not found: {key}")
    return item


def field_error(message: str) -> Invalid:
    """A 400 with a class-validator style message list."""
    return Invalid(400, [message])


async def read_json(request: Request, max_size: int) -> Fields:
    """The JSON object body, read with a size cap (413 when over ``max_size`` bytes)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_size:
        raise Invalid(413, "request entity too large")
    media_type = request.content_type.partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise Invalid(400, f"Content-Type must be application/json, got {media_type or 'none'}")
    raw = bytearray()  # grows in place: no second copy of a body of hundreds of MB
    async for chunk in request.stream():
        if len(raw) + len(chunk) > max_size:
            raise Invalid(413, "request entity too large")
        raw += chunk
    if not raw.strip():
        return Fields()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise Invalid(400, f"Unexpected token in JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid(400, "the request body must be a JSON object")
    return Fields(body)


class Fields(dict[str, Any]):
    """A JSON object (a request body, or a query read as one) and its field readers.

    Every reader answers a class-validator style 400 naming the field when the
    value is missing or of the wrong kind, so handlers read and validate in one step.
    """

    def req_str(self, key: str) -> str:
        """A required non-empty string field."""
        value = self.get(key)
        if value is None or value == "":
            raise field_error(f"{key} should not be empty")
        if not isinstance(value, str):
            raise field_error(f"{key} must be a string")
        return value

    def opt_str(self, key: str, choices: Iterable[str] | None = None) -> str | None:
        """An optional string field, optionally one of ``choices``."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise field_error(f"{key} must be a string")
        if choices is not None:
            allowed = tuple(choices)
            if value not in allowed:
                names = ", ".join(allowed)
                raise field_error(f"{key} must be one of the following values: {names}")
        return value

    def opt_int(
        self,
        key: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        choices: Iterable[int] | None = None,
    ) -> int | None:
        """An optional integer field with bounds."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise field_error(f"{key} must be an integer number")
        if choices is not None:
            allowed = tuple(choices)
            if value not in allowed:
                names = ", ".join(str(c) for c in allowed)
                raise field_error(f"{key} must be one of the following values: {names}")
        if minimum is not None and value < minimum:
            raise field_error(f"{key} must not be less than {minimum}")
        if maximum is not None and value > maximum:
            raise field_error(f"{key} must not be greater than {maximum}")
        return value

    def opt_bool(self, key: str) -> bool | None:
        """An optional boolean field."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise field_error(f"{key} must be a boolean value")
        return value

    def opt_list(
        self, key: str, item: type = str, *, max_items: int | None = None
    ) -> list[Any] | None:
        """An optional array field whose items are all ``item``."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
            kind = "strings" if item is str else "objects" if item is dict else item.__name__
            raise field_error(f"{key} must be an array of {kind}")
        if max_items is not None and len(value) > max_items:
            raise field_error(f"{key} must contain no more than {max_items} elements")
        return list(value)

    def opt_dict(self, key: str) -> dict[str, Any] | None:
        """An optional object field."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise field_error(f"{key} must be an object")
        return dict(value)

    def metadatas(self) -> list[dict[str, Any]] | None:
        """``metadatas``: an array of ``{key, value}``."""
        items = self.opt_list("metadatas", dict)
        if items is not None:
            for entry in items:
                if not isinstance(entry.get("key"), str) or not entry["key"]:
                    raise field_error("metadatas.key should not be empty")
        return items


@attrs.frozen
class Window:
    """The ``offset`` / ``limit`` page a list request asks for."""

    offset: int
    limit: int

    def of(self, items: Sequence[T]) -> Sequence[T]:
        """The part of ``items`` inside the page."""
        return items[self.offset : self.offset + self.limit]


class Query(Fields):
    """A request's query parameters (the first value of each), with the list readers."""

    def __init__(self, request: Request) -> None:
        super().__init__(request.query.items())
        self.params = request.query

    def required(self, key: str) -> str:
        """A required query parameter."""
        value = self.get(key)
        if not value:
            raise field_error(f"{key} should not be empty")
        return str(value)

    def page(self, default: int, maximum: int | None) -> Window:
        """``offset`` and ``limit`` (``limit`` defaults to ``default``)."""
        offset = self._int("offset", 0)
        limit = self._int("limit", default)
        if offset < 0:
            raise field_error("offset must not be less than 0")
        if limit < 1:
            raise field_error("limit must not be less than 1")
        if maximum is not None and limit > maximum:
            raise field_error(f"limit must not be greater than {maximum}")
        return Window(offset, limit)

    def _int(self, key: str, default: int) -> int:
        raw = self.get(key)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise field_error(f"{key} must be an integer number") from None


def decode_file(text: object, field: str, *, max_size: int | None, keep: int) -> Blob:
    """Decode a standard-base64 field into a :class:`Blob`.

    Linear in the input and chunked: only ``keep`` bytes are ever retained
    (bigger content keeps just its size and SHA-256). Malformed base64 → 400,
    decoded size over ``max_size`` → 400.
    """
    if not isinstance(text, str) or not text:
        raise field_error(f"{field} should not be empty")
    if len(text) % 4:
        raise Invalid(400, f"{field} is not valid base64 (length is not a multiple of 4)")
    hasher = hashlib.sha256()
    size = 0
    head = bytearray()
    retained: list[bytes] | None = []
    last = len(text) - _CHUNK_CHARS
    for start in range(0, len(text), _CHUNK_CHARS):
        chunk = text[start : start + _CHUNK_CHARS]
        pattern = _B64_TAIL if start >= last else _B64_BODY
        if not pattern.fullmatch(chunk):
            raise Invalid(400, f"{field} is not valid base64")
        try:
            data = base64.b64decode(chunk, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(400, f"{field} is not valid base64") from None
        size += len(data)
        if max_size is not None and size > max_size:
            raise Invalid(400, f"{field} is too large (over {max_size} bytes)")
        hasher.update(data)
        if len(head) < 1 << 16:
            head += data[: (1 << 16) - len(head)]
        if retained is not None:
            retained.append(data)
            if size > keep:
                retained = None
    blob = Blob(size=size, sha256=hasher.hexdigest())
    if retained is not None:
        blob.data = b"".join(retained)
    blob.content_type, blob.width, blob.height = sniff(bytes(head))
    return blob


def sniff(head: bytes) -> tuple[str, int | None, int | None]:
    """Media type and (for PNG / JPEG / GIF) pixel size from the first bytes of a file."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return "image/png", width, height
    if head.startswith((b"GIF87a", b"GIF89a")) and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return "image/gif", width, height
    if head.startswith(b"\xff\xd8"):
        return ("image/jpeg", *_jpeg_size(head))
    if head.startswith(b"PK\x03\x04"):
        return "application/zip", None, None
    return "application/octet-stream", None, None


def _jpeg_size(head: bytes) -> tuple[int | None, int | None]:
    index = 2
    while index + 9 <= len(head):
        if head[index] != 0xFF:
            return None, None
        marker = head[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", head[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None, None
