"""The direct path of the default transport (``labelkit._direct``) against httpx's client.

Every request is sent twice over loopback, once straight to the pool and once
through ``httpx.AsyncClient`` (the session with its direct path switched off),
to a server that records the bytes it receives: the two must be identical.
Answers (repeated headers, gzip, cookies) must read the same too.
"""

from __future__ import annotations

import gzip
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import attrs
import pytest

from labelkit._config import Timeout
from labelkit._direct import DirectSender
from labelkit._http import HttpRequest, HttpResponse, HttpSession
from tests._support._loopback import LoopbackServer, read_request

pytestmark = pytest.mark.anyio

TIMEOUT = Timeout(connect=5, read=5, write=5, pool=5, total=None)


class Recorder(LoopbackServer):
    """Records each request's bytes; answers with ``answers`` in turn (then the last one)."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests: list[bytes] = []
        super().__init__(self._answer)

    def _answer(self, conn: socket.socket) -> None:
        buffer = bytearray()
        while (request := read_request(conn, buffer)) is not None:
            self.requests.append(request)
            conn.sendall(self.answers[min(len(self.requests), len(self.answers)) - 1])


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder([OK])
    yield server
    server.close()


def _session(url: str) -> HttpSession:
    return HttpSession(
        base_url=url + "/v1/",
        headers={"Accept": "application/json", "Authorization": "Bearer secret"},
    )


async def _chunks() -> AsyncIterator[bytes]:
    yield b"one,"
    yield b"two"


async def _both(url: str, request: HttpRequest) -> tuple[HttpResponse, HttpResponse, bool]:
    """The answer through the direct path, through httpx, and whether the first went direct."""
    direct, plain = _session(url), _session(url)
    plain._direct = None
    sender = direct._direct
    assert sender is not None
    went_direct = sender.accepts(request.url, request.params, request.headers)
    try:
        answers = [await s.send(request, TIMEOUT, budget=None) for s in (direct, plain)]
    finally:
        await direct.aclose()
        await plain.aclose()
    return answers[0], answers[1], went_direct


REQUESTS = [
    HttpRequest("GET", "tasks/image/abc"),
    HttpRequest("GET", "/tasks/image/a%2Fb", {"Accept": "text/csv"}),
    HttpRequest("POST", "tasks/image", {"Content-Type": "application/json"}, None, b'{"a":1}'),
    HttpRequest("POST", "tasks", {"content-type": "text/plain", "X-Extra": "1"}, None, b""),
    HttpRequest("POST", "tasks/none"),
    HttpRequest("PUT", "tasks/x", {"Content-Type": "a/b", "Content-Length": "7"}, None, _chunks),
    HttpRequest("PATCH", "tasks/x", {"Content-Type": "a/b"}, None, _chunks),
    HttpRequest("DELETE", "tasks/x.y~z_-"),
]


#: Query parameters of the shapes labelkit sends (``encode_params`` inputs).
PARAMS: list[object] = [
    {"project": "p", "limit": 100, "offset": 0},
    {"ratio": 0.5, "big": 10**20, "neg": -3, "tiny": 1e-7, "yes": True, "no": False},
    {"tags": ["a", "b"], "status": "done", "skipped": None},
    [("a", "1"), ("b", "2"), ("a", "3"), ("c", ""), ("b", "4")],
    {"taskName": "a b+c&d=e/f%g~h*i", "q": "?#[]@!$'(),;:"},
    {"name": "画像 ñ é 🙂", "ключ": "значение", "sp ace": " lead and trail "},
    {"pct": "%41%zz%", "plus": "+", "amp": "&", "eq": "=", "empty": ""},
    {"quote": '"<>`{}|\\^', "ctl": "tab\there\nnewline\x7f"},
    {"long": "x y/" * 4000},
    {"only_none": None},
    {},
    [],
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: repr(p)[:40])
async def test_query_parameters_go_direct_as_httpx_writes_them(
    recorder: Recorder, params: object
) -> None:
    request = HttpRequest("GET", "tasks/image", {"Accept": "text/csv"}, params)  # type: ignore[arg-type]
    direct, plain, went_direct = await _both(recorder.url, request)
    assert went_direct
    assert len(recorder.requests) == 2
    assert recorder.requests[0] == recorder.requests[1]
    assert direct == attrs.evolve(plain, elapsed=direct.elapsed)


async def test_query_parameters_on_a_body_request(recorder: Recorder) -> None:
    request = HttpRequest(
        "POST", "/tasks", {"Content-Type": "application/json"}, {"dry": True}, b'{"a":1}'
    )
    direct, plain, went_direct = await _both(recorder.url, request)
    assert went_direct
    assert recorder.requests[0] == recorder.requests[1]
    assert recorder.requests[0].startswith(b"POST /v1/tasks?dry=true HTTP/1.1\r\n")
    assert direct.url == plain.url


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.method} {r.url}")
async def test_the_direct_path_sends_what_httpx_sends(
    recorder: Recorder, request_: HttpRequest
) -> None:
    direct, plain, went_direct = await _both(recorder.url, request_)
    assert went_direct
    assert len(recorder.requests) == 2
    assert recorder.requests[0] == recorder.requests[1]
    assert direct == attrs.evolve(plain, elapsed=direct.elapsed)


@pytest.mark.parametrize(
    "request_",
    [
        HttpRequest("GET", "tasks", params={1: "a", "1": "b"}),  # type: ignore[dict-item]
        HttpRequest("GET", "tasks", params={"a": "\ud800"}),
        HttpRequest("GET", "tasks", params={"a": "x" * 70000}),
        HttpRequest("GET", "x" * 70000),
        HttpRequest("GET", "https://elsewhere.invalid/x"),
        HttpRequest("GET", "a/./b"),
        HttpRequest("GET", "//elsewhere.invalid/x"),
        HttpRequest("GET", "a/ b"),
        HttpRequest("GET", "x", {"Host": "other"}),
        HttpRequest("GET", "a" * 64 + "!"),  # refused at once, without backtracking
        HttpRequest("GET", "a/" * 32 + "é"),
    ],
    ids=lambda r: f"{r.method} {r.url}"[:40],
)
def test_requests_httpx_would_rewrite_go_through_httpx(request_: HttpRequest) -> None:
    session = _session("http://127.0.0.1:9")
    assert session._direct is not None
    assert not session._direct.accepts(request_.url, request_.params, request_.headers)


async def test_answers_read_as_httpx_reads_them() -> None:
    zipped = gzip.compress(b'{"id": "1"}')
    server = Recorder(
        [
            b"HTTP/1.1 201 Created\r\nX-A: 1\r\nx-a: 2\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: " + str(len(zipped)).encode() + b"\r\n\r\n" + zipped
        ]
    )
    try:
        direct, plain, _ = await _both(server.url, HttpRequest("GET", "t"))
    finally:
        server.close()
    assert (direct.status, direct.content, direct.headers["x-a"]) == (201, b'{"id": "1"}', "1, 2")
    assert (direct.headers, direct.url) == (plain.headers, plain.url)


async def test_a_cookie_is_sent_back_as_httpx_would() -> None:
    server = Recorder([b"HTTP/1.1 200 OK\r\nSet-Cookie: s=1; Path=/\r\nContent-Length: 0\r\n\r\n"])
    session = _session(server.url)
    try:
        for _ in range(2):
            await session.send(HttpRequest("GET", "t"), TIMEOUT, budget=None)
    finally:
        await session.aclose()
        server.close()
    assert b"\r\nCookie: s=1" not in server.requests[0]
    assert b"\r\nCookie: s=1" in server.requests[1]


async def test_httpx_still_logs_each_request(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    session = _session(recorder.url)
    try:
        with caplog.at_level(logging.INFO, logger="httpx"):
            await session.send(HttpRequest("GET", "t"), TIMEOUT, budget=None)
    finally:
        await session.aclose()
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        f'HTTP Request: GET {recorder.url}/v1/t "HTTP/1.1 200 OK"'
    ]


def test_a_custom_transport_has_no_direct_path() -> None:
    import httpx

    session = HttpSession(
        base_url="http://127.0.0.1:9/", headers={}, transport=httpx.MockTransport(lambda r: None)
    )
    assert session._direct is None
    assert isinstance(_session("http://127.0.0.1:9")._direct, DirectSender)


@pytest.mark.parametrize(
    ("base_url", "headers"),
    [
        ("http://127.0.0.1:9/v1/", {"Host": "api.example.com"}),
        ("http://127.0.0.1:9/v1/", {"Content-Length": "0"}),
        ("http://127.0.0.1:9/v1/", {"Transfer-Encoding": "chunked"}),
        ("http://user:pass@127.0.0.1:9/v1/", {}),
    ],
    ids=["client-host", "client-content-length", "client-transfer-encoding", "userinfo"],
)
def test_clients_httpx_would_rewrite_never_go_direct(
    base_url: str, headers: dict[str, str]
) -> None:
    """httpx merges a client's Host/framing header into its own and adds Basic auth
    from the base URL's userinfo: such a client keeps httpx's path for every request."""
    session = HttpSession(base_url=base_url, headers=headers)
    assert session._direct is not None
    assert not session._direct.accepts("t", None, {})


async def test_a_cookie_stored_through_httpx_is_sent_on_later_requests() -> None:
    """A request the direct path refuses (here a dot segment) goes through httpx and may
    store a cookie; the requests after it must send that cookie, as httpx would."""
    server = Recorder(
        [
            b"HTTP/1.1 200 OK\r\nSet-Cookie: s=1; Path=/\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        ]
    )
    session = _session(server.url)
    try:
        await session.send(HttpRequest("GET", "t/.x"), TIMEOUT, budget=None)
        await session.send(HttpRequest("GET", "t"), TIMEOUT, budget=None)
    finally:
        await session.aclose()
        server.close()
    assert b"\r\nCookie: s=1" in server.requests[1]


async def test_a_root_base_url_gives_the_answers_url_its_slash() -> None:
    server = Recorder([b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
    session = HttpSession(base_url=server.url, headers={})
    try:
        answer = await session.send(HttpRequest("GET", "v2/x"), TIMEOUT, budget=None)
    finally:
        await session.aclose()
        server.close()
    assert answer.url == server.url + "/v2/x"
