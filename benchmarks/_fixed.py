"""A fixed HTTP/1.1 server for the side-by-side benchmarks, in its own process.

``python -m benchmarks._fixed PORT SPEC_JSON`` where SPEC holds ``latency``
(seconds), ``post`` and ``get`` (the response bodies, JSON text), optional
``limit`` ``[calls, period]`` and optional ``cert``/``key`` (PEM paths, for TLS).

It runs on asyncio streams and does as little as it can, so that it cannot
drift between runs: read the request head, take ``Content-Length`` from it,
read the body, wait ``latency`` and write one pre-encoded response (one per
method), keep-alive. With ``limit`` a sliding window admits ``calls``
requests per ``period`` seconds and answers the others 429 (after the same
latency), as FastLabel does. ``GET /__stats__`` answers (at once) and resets
the counts: ``{"ok": n, "429": n, "accepted": [monotonic times]}``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import signal
import ssl
import sys
import time
from typing import Any

__all__ = ["encode"]


def encode(status: str, body: bytes) -> bytes:
    """One complete response."""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + body


class _Server:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.latency = float(spec.get("latency", 0.0))
        self.responses = {
            b"POST": encode("200 OK", spec["post"].encode()),
            b"GET": encode("200 OK", spec["get"].encode()),
        }
        self.too_many = encode("429 Too Many Requests", b'{"message":"Too Many Requests"}')
        limit = spec.get("limit")
        self.calls, self.period = (int(limit[0]), float(limit[1])) if limit else (0, 0.0)
        self.window: collections.deque[float] = collections.deque()
        self.accepted: list[float] = []
        self.rejected = 0

    def admit(self) -> bool:
        now = time.monotonic()
        if self.calls:
            window = self.window
            while window and window[0] <= now - self.period:
                window.popleft()
            if len(window) >= self.calls:
                self.rejected += 1
                return False
            window.append(now)
        self.accepted.append(now)
        return True

    def stats(self) -> bytes:
        body = json.dumps(
            {"ok": len(self.accepted), "429": self.rejected, "accepted": self.accepted}
        )
        self.accepted, self.rejected = [], 0
        self.window.clear()
        return encode("200 OK", body.encode())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = head.find(b"ontent-Length:")
                if at < 0:
                    at = head.find(b"ontent-length:")
                if at >= 0:
                    end = head.index(b"\r\n", at)
                    await reader.readexactly(int(head[at + 14 : end]))
                elif b"chunked" in head.lower():
                    writer.write(encode("411 Length Required", b"{}"))
                    return
                method = head[: head.index(b" ")]
                if head.startswith(b"GET /__stats__"):
                    writer.write(self.stats())
                    continue
                response = self.responses[method] if self.admit() else self.too_many
                if self.latency:
                    await asyncio.sleep(self.latency)
                writer.write(response)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


async def _main(port: int, spec: dict[str, Any]) -> None:
    context = None
    if spec.get("cert"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(spec["cert"], spec["key"])
    server = _Server(spec)
    listener = await asyncio.start_server(
        server.handle, "127.0.0.1", port, ssl=context, backlog=1024
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with listener:
        print(f"fixed server listening on 127.0.0.1:{port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1]), json.loads(sys.argv[2])))
