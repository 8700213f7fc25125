"""What a request must be before and while it goes out.

Two faults of the caller's input would otherwise surface deep in the HTTP
stack, as a protocol error of h11's after the request may have started
leaving (which makes a create look ambiguous) or as a raw ``h11`` exception:

* a header name or value HTTP/1.1 cannot carry (a line break, a control or
  non-ASCII character): :func:`check_headers` refuses it before anything is
  sent, and strips the blanks around a value;
* a streamed body that gives more or fewer bytes than its declared
  ``Content-Length`` (a file that changed while being sent):
  :func:`exact_length` stops it before a byte beyond the declared length is
  handed on, or at its end when short. The request is then cut short, which
  no server can take for a whole request: nothing is retried, the caller is told.

The grammar is h11's (RFC 7230 as ``h11._abnf`` spells it), shared with
:mod:`labelkit._http11_wire`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Mapping

from ._closing import aclose_iterator
from ._errors import ValidationError

__all__ = ["FIELD_VALUE", "TOKEN", "VCHAR", "check_headers", "exact_length"]

#: h11's ``token``, ``field-vchar`` and ``field-value``, as text (``re.ASCII``
#: for ``str``; :mod:`labelkit._http11_wire` encodes them for its ``bytes`` patterns).
TOKEN = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
VCHAR = r"[^\x00\s]"
FIELD_VALUE = r"(?:" + VCHAR + r"+(?:[ \t]+" + VCHAR + r"+)*)?"

_NAME = re.compile(TOKEN, re.ASCII)
_VALUE = re.compile(FIELD_VALUE, re.ASCII)


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with the blanks (SP, HTAB) around each value stripped.

    RFC 9110 5.5: surrounding blanks are no part of a field value, so a key read
    with a trailing space or tab works, as with the official SDKs. Raises
    :class:`~labelkit.ValidationError` naming the first header HTTP cannot
    carry: httpx encodes header text as ASCII, and h11 allows no line break or
    control character (NUL, CR, LF, ...) in a value. The value is never shown:
    it may be a credential.
    """
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not (isinstance(name, str) and name.isascii() and _NAME.fullmatch(name)):
            raise ValidationError(
                f"headers[{name!r}]", "not a legal HTTP header name; nothing was sent"
            )
        if isinstance(value, str):
            value = value.strip(" \t")
        if not (isinstance(value, str) and value.isascii() and _VALUE.fullmatch(value)):
            raise ValidationError(
                f"headers[{name!r}]",
                "the value is not a legal HTTP header value (a line break, a control or "
                "non-ASCII character); nothing was sent",
            )
        checked[name] = value
    return checked


async def exact_length(
    chunks: AsyncIterator[bytes],
    length: int,
    *,
    field: str = "body",
    what: str = "the request body",
) -> AsyncGenerator[bytes, None]:
    """``chunks``, checked to add up to ``length`` bytes.

    Raises :class:`~labelkit.ValidationError` (naming ``field`` and ``what``)
    before handing on a chunk that goes past ``length``, or at the end when
    short; ``chunks`` is closed on every exit.
    """
    sent = 0
    try:
        async for chunk in chunks:
            sent += len(chunk)
            if sent > length:
                raise _changed(field, what, length, f"more than {length}")
            yield chunk
    finally:
        await aclose_iterator(chunks)
    if sent != length:
        raise _changed(field, what, length, str(sent))


def _changed(field: str, what: str, declared: int, now: str) -> ValidationError:
    return ValidationError(
        field,
        f"{what} changed while being sent: {declared} bytes when the request was "
        f"prepared, {now} bytes now. The request was cut short (the server cannot "
        "have taken it) and is not retried; send it again once the file no longer changes",
    )
