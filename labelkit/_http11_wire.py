"""HTTP/1.1 message heads as h11 reads and writes them, for :mod:`labelkit._http11`.

The grammar is h11's (RFC 7230 as ``h11._abnf`` spells it), the framing rules
h11's (``normalize_and_validate``, ``_body_framing``, ``_keep_alive``), the
errors httpcore's (``LocalProtocolError`` for a request h11 would refuse,
``RemoteProtocolError`` for an answer it would refuse). A request's head is
checked with one expression over the whole head instead of two per header.
"""

from __future__ import annotations

import re
import typing

import httpcore

from ._outgoing import FIELD_VALUE, TOKEN, VCHAR

__all__ = [
    "CRLF",
    "END_OF_HEAD",
    "MAX_HEAD",
    "Head",
    "Outgoing",
    "check_trailers",
    "chunk_size",
    "parse_head",
    "remote",
    "request_head",
]

#: An answer's head (or a chunk header, or trailers) longer than this is refused
#: (httpcore's ``MAX_INCOMPLETE_EVENT_SIZE`` for h11).
MAX_HEAD = 100 * 1024

# h11's grammar (RFC 7230 as h11._abnf spells it).
_TOKEN = TOKEN.encode()
_VCHAR = VCHAR.encode()
_VALUE = FIELD_VALUE.encode()
_REQUEST_LINE = re.compile(_TOKEN + rb" " + _VCHAR + rb"+ HTTP/1\.1\r\n")
_REQUEST_HEADERS = re.compile(rb"(?:" + _TOKEN + rb": " + _VALUE + rb"\r\n)*\r\n")
_NAME = re.compile(_TOKEN)
_FIELD_VALUE = re.compile(_VALUE)
_STATUS_LINE = re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: ((?:[ \t]|" + _VCHAR + rb")*))?")
_HEADER_LINE = re.compile(rb"(" + _TOKEN + rb"):[ \t]*(" + _VALUE + rb")[ \t]*")
_CHUNK_HEADER = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*")
_DIGITS = re.compile(rb"[0-9]+")
END_OF_HEAD = re.compile(rb"\n\r?\n")
_LINE_BREAK = re.compile(rb"\r?\n")
CRLF = re.compile(rb"\r\n")
_MAX_LENGTH_DIGITS = 20  # h11's CONTENT_LENGTH_MAX_DIGITS

_FRAMING = (b"content-length", b"transfer-encoding")


class Head(typing.NamedTuple):
    """A response's status line and headers (names as sent, values as h11 gives
    them) and its framing: ``length`` (None: none given), ``chunked``, ``close``."""

    http_version: bytes
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    length: int | None
    chunked: bool
    close: bool


class Outgoing(typing.NamedTuple):
    """A request's head as h11 writes it and its framing: ``length`` (None:
    chunked), ``close`` (it asks to close afterwards), ``upgrade`` (CONNECT or
    ``Upgrade``: left to httpcore)."""

    head: bytes
    length: int | None
    close: bool
    upgrade: bool


def remote(message: str) -> httpcore.RemoteProtocolError:
    return httpcore.RemoteProtocolError(message)


def _tokens(value: bytes) -> list[bytes]:
    """A comma-separated header value's lower-case items (h11's ``get_comma_header``)."""
    return [item.strip().lower() for item in value.split(b",") if item.strip()]


class _Framing:
    """h11's ``normalize_and_validate`` of a message's headers, and the framing they say.

    One Content-Length (repeats of one value merged), one ``chunked``
    Transfer-Encoding (lower-cased); every other header as it is.
    """

    __slots__ = ("chunked", "close", "headers", "hosts", "length", "upgrade")

    def __init__(
        self, headers: list[tuple[bytes, bytes]], error: type[httpcore.ProtocolError]
    ) -> None:
        self.headers: list[tuple[bytes, bytes, bytes]] = []
        self.length: bytes | None = None
        self.chunked = self.close = self.upgrade = False
        self.hosts = 0
        for name, value in headers:
            lower = name.lower()
            if lower in _FRAMING and _FIELD_VALUE.fullmatch(value) is None:
                raise error(f"Illegal header value {value!r}")
            if lower == b"content-length":
                lengths = {item.strip() for item in value.split(b",")}
                if len(lengths) != 1:
                    raise error("conflicting Content-Length headers")
                value = lengths.pop()
                if _DIGITS.fullmatch(value) is None or len(value) > _MAX_LENGTH_DIGITS:
                    raise error("bad Content-Length")
                if self.length is not None:
                    if self.length != value:
                        raise error("conflicting Content-Length headers")
                    continue
                self.length = value
            elif lower == b"transfer-encoding":
                if self.chunked:
                    raise error("multiple Transfer-Encoding headers")
                value = value.lower()
                if value != b"chunked":
                    raise error("Only Transfer-Encoding: chunked is supported")
                self.chunked = True
            elif lower == b"connection":
                self.close = self.close or b"close" in _tokens(value)
            elif lower == b"host":
                self.hosts += 1
            elif lower == b"upgrade":
                self.upgrade = self.upgrade or bool(_tokens(value))
            self.headers.append((name, lower, value))


def _header_lines(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Header lines (obsolete line folding joined, as h11 does) as (name, value) pairs."""
    folded: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not folded:
                raise remote("continuation line at start of headers")
            folded[-1] += b" " + line.lstrip(b" \t")
        else:
            folded.append(line)
    headers: list[tuple[bytes, bytes]] = []
    for line in folded:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            raise remote(f"illegal header line {line!r}")
        headers.append((match.group(1), match.group(2)))
    return headers


def parse_head(head: bytes) -> Head:
    """A response head (up to, without, its last line's end) as h11 reads it;
    RemoteProtocolError if malformed."""
    lines = _LINE_BREAK.split(head)
    match = _STATUS_LINE.fullmatch(lines[0])
    if match is None:
        raise remote(f"illegal status line: {lines[0]!r}")
    status = int(match.group(2))
    if status < 100:
        raise remote(f"status code {status} is not in range [100, 1000)")
    version = b"HTTP/" + match.group(1)
    framing = _Framing(_header_lines(lines[1:]), httpcore.RemoteProtocolError)
    return Head(
        version,
        status,
        match.group(3) or b"",
        [(name, value) for name, _, value in framing.headers],
        None if framing.length is None else int(framing.length),
        framing.chunked,
        framing.close or version < b"HTTP/1.1",
    )


def request_head(request: httpcore.Request) -> Outgoing:
    """The request's head as h11 writes it (Host first) and its framing;
    LocalProtocolError where h11 refuses it."""
    framing = _Framing(request.headers, httpcore.LocalProtocolError)
    if not framing.hosts:
        raise httpcore.LocalProtocolError("Missing mandatory Host: header")
    if framing.hosts > 1:
        raise httpcore.LocalProtocolError("Found multiple Host: headers")
    lines = [
        b"%s: %s\r\n" % (name, value) for name, lower, value in framing.headers if lower == b"host"
    ]
    lines += [
        b"%s: %s\r\n" % (name, value) for name, lower, value in framing.headers if lower != b"host"
    ]
    start = b"%s %s HTTP/1.1\r\n" % (request.method, request.url.target)
    block = b"".join(lines) + b"\r\n"
    if (
        _REQUEST_LINE.fullmatch(start) is None
        or _REQUEST_HEADERS.fullmatch(block) is None
        # A name or value holding "\r\n" would pass as two lines.
        or block.count(b"\n") != len(framing.headers) + 1
    ):
        _explain(request)
    length = None if framing.chunked else int(framing.length or b"0")
    upgrade = framing.upgrade or request.method == b"CONNECT"
    return Outgoing(start + block, length, framing.close, upgrade)


def _explain(request: httpcore.Request) -> typing.NoReturn:
    """The LocalProtocolError h11 raises for the part of the request it refuses."""
    if _NAME.fullmatch(request.method) is None:
        raise httpcore.LocalProtocolError(f"Illegal method characters {request.method!r}")
    for name, value in request.headers:
        if _NAME.fullmatch(name) is None:
            raise httpcore.LocalProtocolError(f"Illegal header name {name!r}")
        if _FIELD_VALUE.fullmatch(value) is None:
            raise httpcore.LocalProtocolError(f"Illegal header value {value!r}")
    raise httpcore.LocalProtocolError(f"Illegal target characters {request.url.target!r}")


def chunk_size(line: bytes) -> int:
    """The size a chunk header (without its line end) announces; extensions ignored."""
    match = _CHUNK_HEADER.fullmatch(line)
    if match is None:
        raise remote(f"illegal chunk header: {line!r}")
    return int(match.group(1), 16)


def check_trailers(block: bytes) -> None:
    """Refuse malformed trailers (without the blank line), as h11 does; httpcore drops them."""
    if block:
        _Framing(_header_lines(_LINE_BREAK.split(block)), httpcore.RemoteProtocolError)
