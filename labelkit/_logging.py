"""Logging, secret redaction, and per-call records.

labelkit logs to the stdlib logger ``labelkit``. One DEBUG line per call
carries method, URL, status, elapsed time and retries; credentials never
appear: headers are not logged at all and secret-looking query parameters
and URL user-info are replaced by ``[redacted]``. Setting the environment
variable ``LABELKIT_LOG=debug`` (or ``info``) attaches a stderr handler.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import json
import logging
import os
import re
import threading
import typing
import weakref
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import (
    parse_qsl,
    quote,
    quote_plus,
    unquote,
    urlencode,
    urlsplit,
    urlunsplit,
)

import attrs

from ._fork import in_child

__all__ = [
    "CallRecord",
    "SecretRedactor",
    "logger",
    "record_calls",
    "redact_known",
    "redact_url",
    "url_secrets",
]

T = typing.TypeVar("T")

logger = logging.getLogger("labelkit")

REDACTED = "[redacted]"
SECRET_QUERY_KEYS = frozenset(
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
        "sig",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
        "x-goog-credential",
        "x-goog-signature",
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
        if any(k.lower() in SECRET_QUERY_KEYS for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs]
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def has_userinfo(url: str) -> bool:
    """Whether ``url`` may carry user-info: an ``@`` anywhere after its ``//``."""
    start = url.find("//")
    return start >= 0 and "@" in url[start + 2 :]


def redact_userinfo(text: str) -> str:
    """``text`` with everything between the first ``//`` and the last ``@`` replaced.

    For a URL whose password holds an unencoded ``/``, ``?`` or ``#``: no parser
    finds where such user-info ends, so all that could belong to it goes.
    """
    start = text.find("//")
    end = text.rfind("@")
    if start < 0 or end < start + 2:
        return text
    return text[: start + 2] + REDACTED + text[end:]


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The credentials in ``url``'s user-info: the password and ``user:password`` (what
    a Basic ``Authorization`` header encodes), as written and percent-decoded."""
    if not url:
        return ()
    try:
        parts = urlsplit(url)
        user, password = parts.username or "", parts.password
    except ValueError:  # not a URL urllib can split: it carries no user-info either
        return ()
    if not password:
        return ()
    pairs = {(user, password), (unquote(user), unquote(password))}
    return tuple({form for user, password in pairs for form in (password, f"{user}:{password}")})


def redact_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced."""
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET:
            text = text.replace(secret, REDACTED)
    return text


# Shorter "secrets" would redact ordinary words; no real credential is this short.
_MIN_SECRET = 4
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]{16,})")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def secret_forms(secret: str) -> set[str]:
    """``secret`` and the encodings a server may echo it in.

    Base64 of ``secret``, ``secret:`` and ``:secret`` (HTTP Basic with the
    secret as user or password; standard and URL-safe alphabets, padded or
    not), percent-encoding (upper and lower case hex, ``+`` or ``%20`` for a
    space), its JSON string escape, and the signature of a JWT (the part that
    makes it a credential).
    """
    forms = {secret}
    for raw in (secret, secret + ":", ":" + secret):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(raw.encode()).decode("ascii")
            forms.update((encoded, encoded.rstrip("=")))
    for quoted in (quote(secret, safe=""), quote_plus(secret, safe="")):
        forms.update((quoted, _PERCENT.sub(lambda m: m.group(0).lower(), quoted)))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    jwt = _JWT.fullmatch(secret)
    if jwt:
        forms.add(jwt.group(1))
    return {form for form in forms if len(form) >= _MIN_SECRET}


class SecretRedactor:
    """The secrets one client knows, in every form a server may echo them in.

    :meth:`add` takes a secret (an API key, a token, an OAuth consumer secret, a
    Basic ``Authorization`` value...) and derives its encodings with
    :func:`secret_forms`; :meth:`text` and :meth:`value` replace any of them
    with ``[redacted]``. Every live redactor is also consulted by
    :func:`redact_known`, the last line of defence of the CLI, the journal
    and the result files.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)
        global _registry
        with _lock:
            _registry = (*(ref for ref in _registry if ref() is not None), weakref.ref(self))

    def add(self, *secrets: str | None) -> None:
        """Know ``secrets`` (and their encodings) from now on; empty ones are ignored."""
        new: set[str] = set()
        for secret in secrets:
            if secret:
                new |= secret_forms(secret)
        with _lock:
            if new <= self._forms:
                return
            forms = self._forms | new
            # Longest first: a form that contains another is replaced whole.
            ordered = sorted(forms, key=lambda form: (-len(form), form))
            self._pattern = re.compile("|".join(map(re.escape, ordered)))
            self._forms = frozenset(forms)

    @property
    def forms(self) -> frozenset[str]:
        """Every form redacted."""
        return self._forms

    def text(self, text: str) -> str:
        """``text`` with every known form replaced by ``[redacted]``."""
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def value(self, value: T) -> T:
        """``value`` with strings redacted, recursively through dicts, lists and tuples."""
        return typing.cast(T, _redact_value(value, self.text))

    def __repr__(self) -> str:
        return f"SecretRedactor({len(self._forms)} forms)"


def _redact_value(value: object, text: typing.Callable[[str], str]) -> object:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Mapping):
        return {_redact_value(k, text): _redact_value(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, text) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(v, text) for v in value)
    return value


# Weak: a client's secrets are forgotten with the client. Replaced, never changed in
# place, so that readers need no lock; the lock orders the writers.
_registry: tuple[weakref.ref[SecretRedactor], ...] = ()
_lock = threading.Lock()


@in_child
def _new_lock_after_fork() -> None:
    # A fork while another thread held the lock would leave the child's copy held forever.
    global _lock
    _lock = threading.Lock()


def redact_known(value: T) -> T:
    """``value`` (a string, or dicts/lists/tuples of them) without any secret of any live
    client or :class:`SecretRedactor` of this process."""
    for ref in _registry:
        redactor = ref()
        if redactor is not None:
            value = redactor.value(value)
    return value


#: The loggers of the HTTP stack labelkit sends through: httpx (one INFO line per
#: request, with its URL) and httpcore, whose DEBUG lines labelkit's own connection
#: (``labelkit._http11``) writes too (an answer's headers: ``Location``,
#: ``WWW-Authenticate``, ``Set-Cookie``). Under HTTP/2 (a ``transport=`` of the
#: caller's may enable it) hpack logs every header it encodes or decodes at DEBUG,
#: ``Authorization`` included, on its modules' loggers.
_HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
)
_URL_IN_TEXT = re.compile(r"https?://[^\s'\"<>]+")


def _redact_urls(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        try:
            return redact_url(match.group(0))
        except ValueError:  # not a URL urllib can split (e.g. a broken IPv6 host)
            return match.group(0)

    return _URL_IN_TEXT.sub(one, text)


class _RedactingFilter(logging.Filter):
    """Rewrites a record of the HTTP stack without the secrets labelkit knows.

    Those records hold what the server sent (a redirect to a URL carrying the
    API key, a cookie or challenge echoing it) and signed URLs: each URL in the
    message is passed through :func:`redact_url`, then every secret of every
    live client (:func:`redact_known`) is replaced.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the handler reports it, as without this filter
            return True
        clean = redact_known(_redact_urls(message))
        if clean != message:
            record.msg, record.args = clean, None
        return True


_REDACTING_FILTER = _RedactingFilter()
for _name in _HTTP_LOGGERS:
    # A logger's filters see only the records made on it, not its children's.
    logging.getLogger(_name).addFilter(_REDACTING_FILTER)


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
