"""The FastLabel client base: auth, base URL, error mapping and the request helpers.

Every FastLabel method (task types, projects, datasets, ...) is a thin entry
on a mixin of :class:`FastLabelBase` that builds a path, a query and a body
with the helpers here and calls :meth:`FastLabelBase._call`.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping

from typing_extensions import TypeVar, Unpack

from ..._client import AsyncAPIClient, ClientOptions
from ..._config import RateLimit
from ..._errors import ValidationError
from ..._http import QueryParams
from ..._types import NOT_GIVEN, NotGiven
from ._upload import holds_files, json_body

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "FastLabelBase",
    "check_limit",
]

#: What :meth:`FastLabelBase._call` returns: ``parse``'s result, else the JSON as ``Any``.
_T = TypeVar("_T", default=typing.Any)

#: "API is allowed to call 10000 times per 10 minutes" (FastLabel README).
DEFAULT_RATE_LIMIT = RateLimit(10_000, 600.0)
_API_ONLY = ("base_url", "rate_limit", "default_headers")


class FastLabelBase(AsyncAPIClient):
    """Transport and conventions shared by every FastLabel operation.

    ``access_token`` is sent as ``Authorization: Bearer <token>`` (default:
    the ``FASTLABEL_ACCESS_TOKEN`` environment variable). ``base_url``
    (default ``FASTLABEL_API_URL``, else ``https://api.fastlabel.ai/v1/``) is
    normalised to end with exactly one slash. The default rate limit is the
    documented 10,000 calls per 600 s, shared by every client of the same
    token in the process; ``rate_limit=None`` turns it off. ``transport=`` is
    any httpx transport (an emulator's ``transport()`` serves in-process;
    ``app=`` is a deprecated alias for an ASGI app).
    """

    provider = "fastlabel"
    default_base_url = "https://api.fastlabel.ai/v1/"
    base_url_env = "FASTLABEL_API_URL"
    default_rate_limit = DEFAULT_RATE_LIMIT

    def __init__(self, access_token: str | None = None, **options: Unpack[ClientOptions]) -> None:
        access_token = access_token or os.environ.get("FASTLABEL_ACCESS_TOKEN")
        if not access_token:
            raise ValidationError(
                "access_token",
                "missing: pass access_token= or set FASTLABEL_ACCESS_TOKEN",
            )
        # The storage client shares the transport options, not the API's URL, limit or headers.
        common: dict[str, typing.Any] = {k: v for k, v in options.items() if k not in _API_ONLY}
        json_headers = {
            "Content-Type": "application/json",
            **(options.get("default_headers") or {}),
        }
        options["default_headers"] = json_headers
        super().__init__(
            credential=access_token,
            auth_headers={"Authorization": f"Bearer {access_token}"},
            **options,
        )
        # The storage client redacts the same token from its errors.
        self._storage_options = {**common, "credential": access_token}
        self._storage: _StorageClient | None = None

    async def aclose(self) -> None:
        """Close the connection pools. The client cannot be used afterwards."""
        try:
            if self._storage is not None:
                await self._storage.aclose()
        finally:
            await super().aclose()

    def _storage_client(self) -> _StorageClient:
        """The client for signed storage URLs: no Authorization header, no API rate limit."""
        if self._storage is None:
            self._storage = _StorageClient(
                auth_headers={},
                base_url=self.base_url,
                rate_limit=None,
                default_headers=None,
                **self._storage_options,
            )
        return self._storage

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        # NestJS errors: {"statusCode": 400, "message": "..." | ["..."], "error": "Bad Request"}.
        if isinstance(body, Mapping):
            message = body.get("message")
            error = body.get("error")
            if isinstance(message, list):
                message = "; ".join(str(m) for m in message)
            if message is None and isinstance(error, str):
                message, error = error, None
            return (
                str(error) if error is not None else None,
                str(message) if message is not None else None,
            )
        return None, None

    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: QueryParams | None = None,
        body: object = NOT_GIVEN,
        idempotent: bool | None = None,
        parse: typing.Callable[[typing.Any], _T] | None = None,
    ) -> _T:
        """Send one API call and return its parsed JSON body (``None`` when empty).

        ``parse`` turns the body into the result inside the core, so that a
        create whose answer cannot be read is ambiguous, not failed.

        ``path`` is relative to the base URL and already encoded (build it with
        :func:`segment`); ``query`` drops ``None`` and repeats list keys. A body
        holding :class:`~._upload.Base64File` values is streamed with an exact
        ``Content-Length`` (the files are read and encoded chunk by chunk).
        """
        if isinstance(body, NotGiven):
            sent: dict[str, typing.Any] = {}
        elif holds_files(body):
            sent = {"streamed": await json_body(body)}
        else:
            # Encoded once, by the core (the same encoding as json_body's).
            sent = {"json": body}
        return await self._request_json(
            method, path, params=query, idempotent=idempotent, parse=parse, **sent
        )


class _StorageClient(AsyncAPIClient):
    """Requests to the storage URLs the API hands out (signed, so unauthenticated)."""

    provider = "fastlabel-storage"


def check_limit(limit: int | None, maximum: int | None, field: str = "limit") -> None:
    """Reject a page size above the endpoint's maximum before sending, as the SDK does.

    Like the SDK, no lower bound is checked (wire reference 4): the server judges
    a negative value.
    """
    if limit is None:
        return
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise ValidationError(field, f"must be an int, got {type(limit).__name__}")
    if maximum is not None and limit > maximum:
        raise ValidationError(
            field, f"{limit} is above the maximum page size", limit=f"<= {maximum}"
        )
