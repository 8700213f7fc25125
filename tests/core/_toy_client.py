"""A minimal provider client over the core, for testing core mechanisms in isolation."""

from __future__ import annotations

import typing

from labelkit._client import AsyncAPIClient
from labelkit._config import RateLimit, RetryPolicy, Timeout
from labelkit._types import NOT_GIVEN, NotGiven

SECRET = "sk-live-TOPSECRET-0123456789"
FAST_RETRY = RetryPolicy(wait_initial=0.01, wait_max=0.02)


class Toy(AsyncAPIClient):
    provider = "toy"
    default_base_url = "https://toy.test/v1"
    base_url_env = "TOY_BASE_URL"

    def __init__(
        self,
        key: str = SECRET,
        *,
        base_url: str | None = None,
        timeout: float | Timeout | None = Timeout(),
        max_retries: int = 2,
        retry: RetryPolicy | None = FAST_RETRY,
        rate_limit: RateLimit | NotGiven | None = None,
        transport: typing.Any = None,
        app: typing.Any = None,
    ) -> None:
        super().__init__(
            credential=key,
            auth_headers={"Authorization": f"Bearer {key}"},
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            max_connections=10,
            proxy=None,
            verify=True,
            cert=None,
            transport=transport,
            app=app,
            default_headers=None,
        )

    async def get(self, path: str = "things/1", **kwargs: typing.Any) -> typing.Any:
        return await self._request_json("GET", path, **kwargs)

    async def create(self, **kwargs: typing.Any) -> typing.Any:
        return await self._request_json("POST", "things", json={"name": "x"}, **kwargs)


__all__ = ["FAST_RETRY", "NOT_GIVEN", "SECRET", "Toy"]
