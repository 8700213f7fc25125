"""An emulator as an httpx transport: in-process, no sockets."""

from __future__ import annotations

import httpx

from ._messages import ASGIApp, DropConnection

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.AsyncBaseTransport):
    """Serve requests from an emulator (any ASGI app) in-process.

    A plain ``httpx.AsyncBaseTransport`` like ``httpx.ASGITransport``; pass it
    as ``transport=`` to a client or to ``httpx.AsyncClient``. A
    :class:`~labelkit._emulator.DropConnection` raised by the app (an injected
    drop, after the handler committed) becomes ``httpx.RemoteProtocolError``,
    as the same drop would over a socket.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DropConnection as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response (DropConnection).",
                request=request,
            ) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()
