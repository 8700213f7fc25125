"""An ASGI application served in-process (the deprecated ``app=``), failing as a socket would."""

from __future__ import annotations

import typing

import httpx

__all__ = ["DroppedByApp"]


class DroppedByApp(httpx.AsyncBaseTransport):
    """In-process ASGI transport; an app exception before the response started
    becomes a dropped connection, as it would over a socket."""

    def __init__(self, app: typing.Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except httpx.HTTPError:
            raise
        except Exception as exc:
            raise httpx.RemoteProtocolError(
                f"Server disconnected without sending a response ({type(exc).__name__}).",
                request=request,
            ) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()
