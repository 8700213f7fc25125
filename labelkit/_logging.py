"""Logging, secret redaction, and per-call records.

labelkit logs to the stdlib logger ``labelkit``. One DEBUG line per call
carries method, URL, status, elapsed time and retries; credentials never
appear: headers are not logged at all and secret-looking query parameters
and URL user-info are replaced by ``[redacted]``. Setting the environment
variable ``LABELKIT_LOG=debug`` (or ``info``) attaches a stderr handler.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

__all__ = ["CallRecord", "logger", "record_calls", "redact_url"]

logger = logging.getLogger("labelkit")

REDACTED = "[redacted]"
_SECRET_QUERY_KEYS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "key",
        "oauth_signature",
        "password",
        "secret",
        "signature",
        "token",
        "x-amz-security-token",
        "x-amz-signature",
    }
)


def redact_url(url: str) -> str:
    """``url`` with user-info and secret-looking query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_QUERY_KEYS for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs]
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


@attrs.frozen
class CallRecord:
    """What one client call did on the wire (one record per call, not per attempt)."""

    method: str
    url: str
    status: int | None
    retries_taken: int
    elapsed: float
    request_id: str | None = None
    error: str | None = None


_records: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar(
    "labelkit_call_records", default=None
)


@contextlib.contextmanager
def record_calls() -> Iterator[list[CallRecord]]:
    """Collect a :class:`CallRecord` for every call made inside the block.

    Usage::

        with labelkit.record_calls() as calls:
            op_id = await client.create_operation(...)
        print(calls[-1].retries_taken)
    """
    records: list[CallRecord] = []
    token = _records.set(records)
    try:
        yield records
    finally:
        _records.reset(token)


def recording() -> bool:
    """Whether :func:`emit` has anywhere to go (a :func:`record_calls` block or DEBUG logging)."""
    return _records.get() is not None or logger.isEnabledFor(logging.DEBUG)


def emit(record: CallRecord) -> None:
    """Log one call and hand it to an active :func:`record_calls` block."""
    sink = _records.get()
    if sink is not None:
        sink.append(record)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s in %.3fs (retries=%d%s)",
            record.method,
            record.url,
            record.status if record.status is not None else record.error,
            record.elapsed,
            record.retries_taken,
            f", request_id={record.request_id}" if record.request_id else "",
        )


def _setup_from_env() -> None:
    level = os.environ.get("LABELKIT_LOG", "").lower()
    if level in {"debug", "info"} and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


_setup_from_env()
