"""A tiny stdlib HTTP server on 127.0.0.1 for tests that need a real socket, not an emulator.

The test gives it one function ``handle(request) -> (status, content_type, body)``;
every request is answered from a worker thread, so the server works the same under
asyncio, trio and the sync facades.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import attrs


@attrs.frozen
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    content_type: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Answer = tuple[int, str, bytes]
Handler = Callable[[Request], Answer]


class FakeServer:
    """``with FakeServer(handle) as server: ... server.url ...``; requests go to ``handle``."""

    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    body,
                    self.headers.get("Content-Type") or "",
                )
                # One request at a time: the handlers keep plain dicts and counters.
                with owner._lock:
                    status, content_type, payload = owner._handle(request)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


HTML_PAGE = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"


def unreadable(kind: str, good: bytes) -> Answer:
    """A 200 a proxy could deliver instead of ``good``: an HTML page or a truncated body."""
    if kind == "html":
        return 200, "text/html", HTML_PAGE
    assert kind == "truncated"
    return 200, "application/json", good[: len(good) // 2]
