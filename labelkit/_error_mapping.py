"""How :class:`~labelkit._client.AsyncAPIClient` turns failures into errors.

:class:`ErrorMapping` holds the client's secret redactor and builds every
error a call raises (a status, an error inside a 2xx, a failed send, an
ambiguous outcome), redacted before anything reads it. Providers refine the
shapes by overriding :meth:`ErrorMapping._error_details` or
:meth:`ErrorMapping._status_error`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from . import _errors as errors
from ._http import HttpResponse, TransportError
from ._logging import SecretRedactor
from ._pipeline import UNREAD, request_id, str_or_none, try_json_body
from ._retry import parse_retry_after

__all__ = ["ErrorMapping"]

ValueT = typing.TypeVar("ValueT")


class ErrorMapping:
    """Redaction and error construction, a base of :class:`~labelkit._client.AsyncAPIClient`."""

    _redactor: SecretRedactor

    def _add_secrets(self, *secrets: str | None) -> None:
        """Redact ``secrets`` too (and their encodings) from everything this client raises.

        The one hook for a provider's derived credentials: a Basic token, an
        OAuth consumer key and secret, a JWT it mints. Empty values are ignored.
        """
        self._redactor.add(*secrets)

    def _redact(self, value: ValueT) -> ValueT:
        """``value`` (text, or dicts/lists/tuples of it) without any secret this client knows."""
        return self._redactor.value(value)

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        """``(code, message)`` from an error body; providers override for their shape."""
        if isinstance(body, Mapping):
            err = body.get("error", body.get("errors"))
            if isinstance(err, list) and err:
                err = err[0]
            if isinstance(err, Mapping):
                code = err.get("code") or err.get("type") or body.get("code")
                message = err.get("message") or err.get("detail") or body.get("message")
                return str_or_none(code), str_or_none(message)
            if isinstance(err, str):
                return str_or_none(body.get("code")), err
            return str_or_none(body.get("code")), str_or_none(
                body.get("message") or body.get("detail") or body.get("msg")
            )
        return None, None

    def _status_error(
        self, response: HttpResponse, method: str, url: str, retries: int
    ) -> errors.APIStatusError:
        """The error a non-2xx ``response`` raises (providers may refine it)."""
        body = try_json_body(response)
        if body is UNREAD:
            body = response.text
        return self._make_status_error(
            response, response.status, None, body, method, url, retries, None
        )

    def _make_status_error(
        self,
        response: HttpResponse,
        status: int,
        cls: type[errors.APIStatusError] | None,
        body: object,
        method: str,
        url: str,
        retries: int,
        fallback: str | None,
    ) -> errors.APIStatusError:
        # Redacted before anything reads it: some servers echo the Authorization header.
        body = self._redact(body)
        code, message = self._error_details(body)
        if message is None:
            if fallback is not None:
                message = fallback
            else:
                snippet = body.strip()[:200] if isinstance(body, str) else ""
                message = response.reason + (f": {snippet}" if snippet else "")
        cls = cls or errors.status_error_class(status)
        kwargs: dict[str, typing.Any] = dict(
            status=status,
            code=self._redact(code),
            request_id=self._redact(request_id(response)),
            body=body,
            method=method,
            url=url,
            retries_taken=retries,
        )
        if issubclass(cls, errors.RateLimitError):
            kwargs["retry_after"] = parse_retry_after(response.headers)
        return cls(self._redact(message), **kwargs)

    def _connection_error(
        self, error: TransportError, method: str, url: str, retries: int
    ) -> errors.APIConnectionError:
        cls = errors.APITimeoutError if error.is_timeout else errors.APIConnectionError
        message = self._redact(f"{error.kind.replace('_', ' ')}: {error}")
        return cls(message, method=method, url=url, retries_taken=retries, sent=error.sent)

    @staticmethod
    def _ambiguous(error: errors.APIError, method: str, url: str) -> errors.AmbiguousResultError:
        return errors.AmbiguousResultError(
            f"{method} {url} may or may not have taken effect ({error}); "
            "it was not re-sent, look the object up before creating it again",
            error=error,
            method=method,
            url=url,
        )
