"""A raw threaded TCP server on 127.0.0.1 for transport tests that script the bytes.

Where :mod:`._fake_http` answers parsed requests, this one hands each accepted
connection to ``handle(conn)`` in its own thread, so a test decides every byte
(malformed answers, closes mid-answer, a server that never reads). Optionally
TLS with the self-signed loopback certificate in ``tests/core/data/``.
"""

from __future__ import annotations

import pathlib
import socket
import ssl
import threading
from collections.abc import Callable

CERTS = pathlib.Path(__file__).parent.parent / "core" / "data"

Recv = Callable[[socket.socket], bytes]


def _recv(conn: socket.socket) -> bytes:
    return conn.recv(65536)


class LoopbackServer:
    """Serves each connection with ``handle(conn)`` in a thread; counts connections.

    An ``OSError`` in ``handle`` (the client went away) ends that connection
    quietly; the connection is closed when ``handle`` returns.
    """

    def __init__(self, handle: Callable[[socket.socket], object], *, tls: bool = False) -> None:
        self.handle = handle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.connections = 0
        self.context: ssl.SSLContext | None = None
        if tls:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(CERTS / "loopback-cert.pem", CERTS / "loopback-key.pem")
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.context else 'http'}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
                if self.context is not None:
                    conn = self.context.wrap_socket(conn, server_side=True)
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.handle(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()


def read_request(conn: socket.socket, buffer: bytearray, recv: Recv = _recv) -> bytes | None:
    """One whole request (head and body, framed by Content-Length or chunked) off ``conn``.

    ``buffer`` keeps what arrived beyond it for the next call. None when the
    client closed before a whole head arrived.
    """
    while b"\r\n\r\n" not in buffer:
        data = recv(conn)
        if not data:
            return None
        buffer += data
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).lower()
    if b"transfer-encoding: chunked" in head:
        while b"0\r\n\r\n" not in buffer[end:]:
            buffer += recv(conn)
        end = buffer.index(b"0\r\n\r\n", end) + 5
    else:
        length = 0
        for line in head.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(buffer) < end + length:
            buffer += recv(conn)
        end += length
    request = bytes(buffer[:end])
    del buffer[:end]
    return request


def body_of(request: bytes) -> bytes:
    """The body of a request :func:`read_request` returned (still chunk-framed if it was)."""
    return request.split(b"\r\n\r\n", 1)[1]
