"""The exception tree of labelkit.

    LabelkitError
    ├── ValidationError            bad input, caught before anything is sent
    │   └── UnsafePathError        a write would leave its target folder (symlink, '..')
    ├── APIError                   something went wrong talking to the API
    │   ├── APIConnectionError     no HTTP response (DNS, refused, reset, ...)
    │   │   └── APITimeoutError    connect / read / write / pool / overall deadline
    │   └── APIStatusError         the server answered with a non-2xx status
    │       ├── BadRequestError            400
    │       ├── AuthenticationError        401
    │       ├── PermissionDeniedError      403
    │       ├── NotFoundError              404
    │       ├── ConflictError              409
    │       ├── UnprocessableEntityError   422
    │       ├── RateLimitError             429 (``retry_after``)
    │       └── InternalServerError        5xx
    ├── AmbiguousResultError       a create may or may not have happened
    ├── PollTimeoutError           a wait reached its deadline (``last_state``)
    └── JobFailedError             a job reached a terminal failure state (``job``)

No exception message or repr ever contains a credential: messages are built from
the status, the provider's code and message, and the request's method and URL
(query strings are redacted by :mod:`labelkit._logging` before they get here).
The client redacts every secret it knows from the message, code and body of
the errors it raises; as a last line of defence the API errors also redact
the secrets of every live client here (:func:`~labelkit._logging.redact_known`).
"""

from __future__ import annotations

import typing

from ._logging import redact_known

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousResultError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "JobFailedError",
    "LabelkitError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "UnprocessableEntityError",
    "UnsafePathError",
    "ValidationError",
]


class LabelkitError(Exception):
    """Root of every error raised by labelkit."""


class ValidationError(LabelkitError, ValueError):
    """Input rejected before anything was sent.

    ``field`` names the offending argument (dotted for nested values) and
    ``limit`` the documented constraint, when there is one.
    """

    def __init__(self, field: str, message: str, *, limit: str | None = None) -> None:
        self.field = field
        self.message = message
        self.limit = limit
        text = f"{field}: {message}"
        if limit is not None:
            text += f" (limit: {limit})"
        super().__init__(text)


class UnsafePathError(ValidationError):
    """A file write refused because it would not stay inside its target folder.

    Raised for a symbolic link below the target folder, a ``..`` or absolute
    name, or a non-folder where a folder is needed, before anything is
    created. ``path`` is the refused path, ``reason`` why.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(path, f"refusing to write: {reason}")


class APIError(LabelkitError):
    """A request did not produce a usable response.

    ``method`` and ``url`` describe the request (secrets redacted);
    ``retries_taken`` counts the retries made before giving up.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        message = redact_known(message)
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = None if url is None else redact_known(url)
        self.retries_taken = retries_taken


class APIConnectionError(APIError):
    """No HTTP response was received (connection refused, reset, DNS, TLS ...).

    ``sent`` is False only when the request provably never left this process
    (the connection was never established), which makes a retry safe even for
    a create.
    """

    default_message: typing.ClassVar[str] = "Connection error."
    """The message when none is given."""

    def __init__(
        self,
        message: str | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        retries_taken: int = 0,
        sent: bool = True,
    ) -> None:
        message = self.default_message if message is None else message
        super().__init__(message, method=method, url=url, retries_taken=retries_taken)
        self.sent = sent


class APITimeoutError(APIConnectionError):
    """A timeout fired: connect, read, write, pool, or the call's overall deadline."""

    default_message = "Request timed out."


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    Attributes: ``status`` (HTTP status), ``code`` (the provider's error code,
    if it sent one), ``message`` (the provider's message or the reason phrase),
    ``request_id`` (from the response headers, if any) and ``body`` (the parsed
    JSON body, or the raw text when it was not JSON).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        request_id: str | None = None,
        body: object = None,
        method: str | None = None,
        url: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(message, method=method, url=url, retries_taken=retries_taken)
        self.status = status
        self.code = None if code is None else redact_known(code)
        self.request_id = None if request_id is None else redact_known(request_id)
        self.body = redact_known(body)

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        if self.method and self.url:
            parts.append(f"({self.method} {self.url})")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the credential is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422."""


class RateLimitError(APIStatusError):
    """HTTP 429. ``retry_after`` is the server's requested wait in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: typing.Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """HTTP 5xx."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The most specific :class:`APIStatusError` subclass for ``status``."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


class AmbiguousResultError(LabelkitError):
    """A non-idempotent request (a create) may or may not have taken effect.

    Raised instead of re-sending blindly: the request reached the server (or
    may have), and then the connection broke, timed out, or the server
    answered 5xx. ``error`` is the underlying failure. Look the object up
    before creating it again.
    """

    def __init__(self, message: str, *, error: BaseException, method: str, url: str) -> None:
        super().__init__(redact_known(message))
        self.error = error
        self.method = method
        self.url = url
        self.retries_taken = getattr(error, "retries_taken", 0)


class PollTimeoutError(LabelkitError, TimeoutError):
    """A wait reached its deadline before the job reached a terminal state.

    ``last_state`` is the last object seen (``None`` if no poll completed).
    The remote job is not cancelled.
    """

    def __init__(self, message: str, *, last_state: object = None) -> None:
        super().__init__(message)
        self.last_state = last_state


class JobFailedError(LabelkitError):
    """A job reached a terminal failure state. ``job`` is its final object."""

    def __init__(self, message: str, *, job: object) -> None:
        super().__init__(message)
        self.job = job
