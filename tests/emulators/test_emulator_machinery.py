"""The emulator framework: routing, auth, rate limits, faults, multipart, and the HTTP server."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import h11
import httpx
import pytest

from labelkit._config import RateLimit
from labelkit._emulator import (
    DropConnection,
    EmulatorApp,
    EmulatorConfig,
    EmulatorServer,
    HTTPError,
    MultipartError,
    Request,
    Response,
    RouteGroupBase,
    SimClock,
    available_emulators,
    create_emulator,
    json_response,
    register_emulator,
    route,
    routes_of,
    serving,
    text_response,
)
from labelkit._emulator._multipart import SPOOL_MAX_SIZE, MultipartParser, parse_options_header
from tests._support import REPO

AUTH = {"x-token": "t1"}


class ItemsApp(EmulatorApp):
    """A small emulator exercising every framework feature."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="items", **kwargs)
        self.items: dict[int, str] = {}
        self.gate: anyio.Event | None = None
        self.add_route("GET", "/gated", self.gated, auth=False)
        self.add_route("GET", "/items/{id:int}", self.get_item)
        self.add_route("POST", "/items", self.create_item)
        self.add_route("GET", "/echo/{rest:path}", self.echo)
        self.add_route("POST", "/upload", self.upload)
        self.add_route("POST", "/form", self.form)
        self.add_route("POST", "/body", self.body_size)
        self.add_route("GET", "/stream", self.stream)
        self.add_route("GET", "/boom", self.boom)
        self.add_route("GET", "/public", self.public, auth=False)

    def check_auth(self, request: Request) -> str | None:
        token = request.headers.get("x-token")
        return token if token in ("t1", "t2") else None

    async def get_item(self, request: Request) -> Response:
        item_id = int(request.path_params["id"])
        if item_id not in self.items:
            raise HTTPError(404, f"item {item_id} not found")
        return json_response({"id": item_id, "name": self.items[item_id]})

    async def create_item(self, request: Request) -> Response:
        payload = await request.json()
        item_id = len(self.items) + 1
        self.items[item_id] = payload["name"]
        return json_response({"id": item_id}, 201)

    async def echo(self, request: Request) -> Response:
        return json_response(
            {
                "rest": request.path_params["rest"],
                "a": request.query.get_list("a"),
                "header": request.headers.get("X-MIXED-Case"),
                "credential": request.credential,
                "route": request.route,
            }
        )

    async def upload(self, request: Request) -> Response:
        form = await request.multipart()
        return json_response(
            {
                "fields": form.fields,
                "files": [
                    [f.field, f.filename, f.content_type, f.size, f.sha256, f.on_disk]
                    for f in form.files
                ],
            }
        )

    async def form(self, request: Request) -> Response:
        return json_response({"fields": (await request.form()).fields})

    async def body_size(self, request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        self.items[len(self.items) + 1] = f"body:{size}"
        return json_response({"size": size})

    async def stream(self, request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(5):
                yield f"chunk{i};".encode()

        return Response(200, stream=chunks(), headers=[("content-type", "text/plain")])

    async def gated(self, request: Request) -> Response:
        assert self.gate is not None
        await self.gate.wait()
        return text_response("released")

    async def boom(self, request: Request) -> Response:
        raise RuntimeError("handler bug")

    async def public(self, request: Request) -> Response:
        return text_response("hello")


def client_for(app: EmulatorApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emu")


class FakeTimer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- routing, auth ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_routing_path_params_query_and_headers() -> None:
    app = ItemsApp()
    app.items[7] = "seven"
    async with client_for(app) as client:
        response = await client.get("/items/7", headers=AUTH)
        assert response.status_code == 200
        assert response.json() == {"id": 7, "name": "seven"}
        assert response.headers["content-type"] == "application/json"

        response = await client.get(
            "/echo/a/b%20c", params=[("a", "1"), ("a", "2")], headers={**AUTH, "x-mixed-case": "v"}
        )
        assert response.json() == {
            "rest": "a/b c",
            "a": ["1", "2"],
            "header": "v",
            "credential": "t1",
            "route": "/echo/{rest:path}",
        }
    assert app.stats.routes["GET /items/{id:int}"] == 1
    assert app.stats.paths["/items/7"] == 1


@pytest.mark.anyio
async def test_unknown_route_is_404_and_wrong_method_is_405() -> None:
    app = ItemsApp()
    async with client_for(app) as client:
        response = await client.get("/nope", headers=AUTH)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        response = await client.get("/items/abc", headers=AUTH)  # {id:int} does not match
        assert response.status_code == 404
        response = await client.delete("/items/1", headers=AUTH)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET"
        assert response.json()["error"]["code"] == "method_not_allowed"
        response = await client.get("/items/99", headers=AUTH)
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "item 99 not found"}}


@pytest.mark.anyio
async def test_auth_401_and_public_routes() -> None:
    app = ItemsApp()
    async with client_for(app) as client:
        response = await client.get("/items/1")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert (await client.get("/items/1", headers={"x-token": "bad"})).status_code == 401
        assert (await client.get("/public")).text == "hello"
    assert app.stats.statuses[401] == 2


@pytest.mark.anyio
async def test_functional_style_app_with_custom_error_body() -> None:
    app = EmulatorApp(
        check_auth=lambda request: "me" if request.headers.get("authorization") else None,
        error_body=lambda status, code, message: {"status": status, "detail": message},
    )

    async def hello(request: Request) -> Response:
        return json_response({"hello": request.path_params["name"]})

    app.add_route("GET", "/hello/{name}", hello)

    async with client_for(app) as client:
        response = await client.get("/hello/bob", headers={"authorization": "x"})
        assert response.json() == {"hello": "bob"}
        response = await client.get("/hello/bob")
        assert response.json() == {"status": 401, "detail": "missing or invalid credentials"}


class _Shelf(RouteGroupBase[EmulatorApp]):
    """A route group declaring its routes on its handlers."""

    @route("GET", "/books/{id}")
    async def book(self, request: Request) -> Response:
        return json_response({"book": request.path_params["id"]})

    @route("POST", "/books/{id}/lend", verb="lend")
    @route("POST", "/books/{id}/return", verb="return")
    async def circulate(self, request: Request, verb: str) -> Response:
        return json_response({"verb": verb, "book": request.path_params["id"]})

    @routes_of(("GET", f"/genres/{genre}", {"genre": genre}) for genre in ("poetry", "drama"))
    async def genre(self, request: Request, genre: str) -> Response:
        return json_response({"genre": genre})

    async def undeclared(self, request: Request) -> Response:
        raise AssertionError("not a route")


class _Annex(_Shelf):
    """Inherits the shelf's routes, replaces one declaration and drops another."""

    @route("GET", "/annex/books/{id}")
    async def book(self, request: Request) -> Response:
        return json_response({"annex": request.path_params["id"]})

    async def genre(self, request: Request, genre: str) -> Response:
        raise AssertionError("an override without @route declares no route")


def test_route_groups_collect_the_routes_declared_on_their_handlers() -> None:
    app = EmulatorApp()
    declared = [(method, path) for method, path, _ in _Shelf(app).routes()]
    assert declared == [
        ("GET", "/books/{id}"),
        ("POST", "/books/{id}/lend"),
        ("POST", "/books/{id}/return"),
        ("GET", "/genres/poetry"),
        ("GET", "/genres/drama"),
    ]
    inherited = sorted((method, path) for method, path, _ in _Annex(app).routes())
    assert inherited == [
        ("GET", "/annex/books/{id}"),
        ("POST", "/books/{id}/lend"),
        ("POST", "/books/{id}/return"),
    ]


@pytest.mark.anyio
async def test_declared_routes_serve_with_their_bound_keywords() -> None:
    app = EmulatorApp()
    app.add_routes(_Shelf(app).routes(), prefix="/shop")
    async with client_for(app) as client:
        assert (await client.get("/shop/books/7")).json() == {"book": "7"}
        assert (await client.post("/shop/books/7/lend")).json() == {"verb": "lend", "book": "7"}
        assert (await client.post("/shop/books/8/return")).json() == {
            "verb": "return",
            "book": "8",
        }
        assert (await client.get("/shop/genres/drama")).json() == {"genre": "drama"}
        assert (await client.get("/shop/genres/prose")).status_code == 404
        assert (await client.get("/shop/books/7/lend")).status_code == 405


@pytest.mark.anyio
async def test_the_most_specific_route_wins_whatever_the_registration_order() -> None:
    app = EmulatorApp()

    def answering(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            return json_response(name)

        return handler

    app.add_route("GET", "/files/{rest:path}", answering("path"))
    app.add_route("GET", "/files/{name}/meta", answering("meta of a name"))
    app.add_route("GET", "/files/{name}", answering("name"))
    app.add_route("GET", "/files/latest", answering("latest"))
    app.add_route("GET", "/files/latest/meta", answering("meta of latest"))
    app.add_route("GET", "/files/{other}", answering("never: an equal registered later"))
    async with client_for(app) as client:
        served = {
            path: (await client.get(path)).json()
            for path in ("/files/latest", "/files/a", "/files/latest/meta", "/files/a/meta")
        }
        served["/files/a/b/c"] = (await client.get("/files/a/b/c")).json()
    assert served == {
        "/files/latest": "latest",
        "/files/a": "name",
        "/files/latest/meta": "meta of latest",
        "/files/a/meta": "meta of a name",
        "/files/a/b/c": "path",
    }


@pytest.mark.anyio
async def test_json_form_and_handler_errors(caplog: pytest.LogCaptureFixture) -> None:
    app = ItemsApp()
    async with client_for(app) as client:
        response = await client.post(
            "/items", content=b"{oops", headers={**AUTH, "content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_json"
        response = await client.post("/items", content=b"name=x", headers=AUTH)
        assert response.status_code == 415
        response = await client.post("/form", data={"a": "1", "b": ""}, headers=AUTH)
        assert response.json() == {"fields": [["a", "1"], ["b", ""]]}
        with caplog.at_level(logging.ERROR, logger="labelkit.emulator"):
            response = await client.get("/boom", headers=AUTH)
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert "handler bug" in caplog.text
    assert app.items == {}


# -- rate limits -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_rate_limit_is_an_exact_sliding_window_per_credential() -> None:
    timer = FakeTimer()
    # margin is a client-side notion: the server uses calls/period exactly.
    app = ItemsApp(config=EmulatorConfig(rate_limit=RateLimit(3, 10, margin=0.5)), timer=timer)
    async with client_for(app) as client:

        async def get(at: float, token: str = "t1") -> httpx.Response:
            timer.now = at
            return await client.get("/items/1", headers={"x-token": token})

        assert [(await get(t)).status_code for t in (0.0, 0.1, 0.2)] == [404, 404, 404]
        limited = await get(0.3)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "10"  # ceil(0.0 + 10 - 0.3)
        assert limited.json()["error"]["code"] == "rate_limited"
        assert (await get(0.3, "t2")).status_code == 404  # another credential, another window
        assert (await get(9.99)).status_code == 429
        assert (await get(10.0)).status_code == 404  # the arrival at 0.0 left the window
        limited = await get(10.05)  # 0.1, 0.2 and 10.0 are in the window
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "1"  # ceil(0.1 + 10 - 10.05)
        assert (await get(10.1)).status_code == 404
    assert app.stats.rate_limited == 3


@pytest.mark.anyio
async def test_rate_limit_extra_windows() -> None:
    timer = FakeTimer()
    limit = RateLimit(4, 60, extra=(RateLimit(2, 1),))
    app = ItemsApp(config=EmulatorConfig(rate_limit=limit), timer=timer)
    async with client_for(app) as client:
        statuses = []
        for at in (0.0, 0.5, 0.9, 1.0, 1.2, 1.6, 3.0):
            timer.now = at
            statuses.append((await client.get("/items/1", headers=AUTH)).status_code)
    # 2/s rejects 0.9 and 1.2 (1.0 is fine: 0.0 left the window); 3.0 hits 4 per 60 s.
    assert statuses == [404, 404, 429, 404, 429, 404, 429]


def test_rate_limit_over_the_socket_with_the_real_clock() -> None:
    # A 2 s window: six requests over the socket fit in it even on a loaded machine.
    app = ItemsApp(config=EmulatorConfig(rate_limit=RateLimit(5, 2.0)))
    with EmulatorServer(app) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        statuses = [client.get("/items/1").status_code for _ in range(6)]
        assert statuses == [404] * 5 + [429]
        time.sleep(2.1)
        assert client.get("/items/1").status_code == 404


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_error_rate_answers_5xx_before_the_handler_runs() -> None:
    app = ItemsApp(config=EmulatorConfig(error_rate=1.0, error_status=503))
    async with client_for(app) as client:
        response = await client.post("/items", json={"name": "x"}, headers=AUTH)
        assert response.status_code == 503
        assert "error" in response.json()
        app.config.error_rate = 0.0  # flipped mid-run
        assert (await client.post("/items", json={"name": "y"}, headers=AUTH)).status_code == 201
    assert app.items == {1: "y"}
    assert app.stats.errors_injected == 1


@pytest.mark.anyio
async def test_error_rate_is_a_seeded_fraction() -> None:
    async def run() -> list[int]:
        app = ItemsApp(config=EmulatorConfig(error_rate=0.3, seed=7))
        async with client_for(app) as client:
            return [(await client.get("/items/1", headers=AUTH)).status_code for _ in range(200)]

    first, second = await run(), await run()
    assert first == second
    assert set(first) == {404, 500}
    assert 40 <= first.count(500) <= 85


@pytest.mark.anyio
async def test_drop_in_process_propagates_after_commit() -> None:
    app = ItemsApp(config=EmulatorConfig(drop_rate=1.0))
    async with client_for(app) as client:
        with pytest.raises(DropConnection):
            await client.post("/items", json={"name": "kept"}, headers=AUTH)
    assert app.items == {1: "kept"}
    assert app.stats.drops == 1
    assert app.stats.in_flight == 0


@pytest.mark.anyio
async def test_drop_over_the_socket_closes_the_connection_after_commit() -> None:
    app = ItemsApp(config=EmulatorConfig(drop_rate=1.0))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, headers=AUTH) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/items", json={"name": "kept"})
        assert app.items == {1: "kept"}
        app.config.drop_rate = 0.0
        assert (await client.get("/items/1")).json() == {"id": 1, "name": "kept"}
    assert app.stats.drops == 1


@pytest.mark.anyio
async def test_fail_next_and_drop_next_are_deterministic() -> None:
    app = ItemsApp()
    app.fail_next(2, status=503, path="/items", headers={"retry-after": "1"})
    app.drop_next(method="post")
    async with client_for(app) as client:
        assert (await client.get("/items/1", headers=AUTH)).status_code == 404  # path differs
        for _ in range(2):
            response = await client.post("/items", json={"name": "x"}, headers=AUTH)
            assert (response.status_code, response.headers["retry-after"]) == (503, "1")
        with pytest.raises(DropConnection):
            await client.post("/items", json={"name": "dropped"}, headers=AUTH)
        assert (await client.post("/items", json={"name": "ok"}, headers=AUTH)).status_code == 201
    assert app.items == {1: "dropped", 2: "ok"}
    assert (app.stats.errors_injected, app.stats.drops) == (2, 1)


@pytest.mark.anyio
async def test_latency_and_slow_responses() -> None:
    app = ItemsApp(config=EmulatorConfig(latency=0.15))
    async with client_for(app) as client:
        start = time.monotonic()
        assert (await client.get("/public")).status_code == 200
        assert time.monotonic() - start >= 0.15
        app.config = EmulatorConfig(slow_rate=1.0, slow_delay=0.2)
        start = time.monotonic()
        assert (await client.get("/public")).status_code == 200
        assert time.monotonic() - start >= 0.2


@pytest.mark.anyio
async def test_in_flight_counters() -> None:
    app = ItemsApp()
    app.gate = anyio.Event()
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(client.get, "/gated")
            with anyio.fail_after(5):
                while app.stats.in_flight < 20:
                    await anyio.sleep(0.01)
            app.gate.set()
    assert app.stats.max_in_flight == 20
    assert app.stats.in_flight == 0
    assert app.stats.requests == app.stats.statuses[200] == 20
    assert app.stats.max_in_window(5.0) == 20


def test_sim_clock_scales_and_advances() -> None:
    timer = FakeTimer()
    clock = SimClock(2.0, timer=timer)
    timer.now = 1.0
    assert clock.now() == 2.0
    clock.advance(10)
    assert clock.now() == 12.0
    clock.speed = 0.0  # frozen from now on: only advance() moves it
    timer.now = 5.0
    assert clock.now() == 12.0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_app_clock_follows_time_scale_changes_without_jumps() -> None:
    timer = FakeTimer()
    app = ItemsApp(config=EmulatorConfig(time_scale=2.0), timer=timer)
    timer.now = 1.0
    assert app.clock.now() == 2.0
    app.config.time_scale = 0.0
    timer.now = 5.0
    assert app.clock.now() == 2.0
    app.clock.advance(0.5)
    assert app.clock.now() == 2.5
    app.config = EmulatorConfig(time_scale=1.0)  # replaced wholesale
    timer.now = 6.0
    assert app.clock.now() == 3.5


# -- multipart -------------------------------------------------------------------------------


def _multipart_body() -> tuple[bytes, bytes, bytes]:
    payload = bytes(range(256)) * 40 + b"\r\n--almost-a-boundary\r\n"
    request = httpx.Request(
        "POST",
        "http://x/upload",
        data={"title": "héllo", "tag": "a"},
        files=[("file", ("pic.png", payload, "image/png")), ("tag", ("t.txt", b"", "text/plain"))],
    )
    _, params = parse_options_header(request.headers["content-type"])
    return request.read(), params["boundary"].encode(), payload


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 17, 64, 1000, 1 << 20])
def test_multipart_parser_handles_any_chunking(chunk_size: int) -> None:
    body, boundary, payload = _multipart_body()
    parser = MultipartParser(boundary, spool_max_size=4096)
    for i in range(0, len(body), chunk_size):
        parser.feed(body[i : i + chunk_size])
    form = parser.finish()
    assert form.fields == [("title", "héllo"), ("tag", "a")]
    upload = form.file("file")
    assert upload is not None
    assert (upload.filename, upload.content_type, upload.size) == (
        "pic.png",
        "image/png",
        len(payload),
    )
    assert upload.read() == payload
    assert upload.sha256 == hashlib.sha256(payload).hexdigest()
    assert upload.on_disk
    assert form.files[1].size == 0
    form.close()


@pytest.mark.parametrize(
    "body",
    [
        b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",  # no closing boundary
        b"--B\r\nX: y\r\n\r\nvalue\r\n--B--\r\n",  # no Content-Disposition
        b"--B\r\nbroken header line\r\n\r\nvalue\r\n--B--\r\n",
        b"--Bgarbage\r\n",
    ],
)
def test_multipart_parser_rejects_malformed_bodies(body: bytes) -> None:
    parser = MultipartParser(b"B")
    with pytest.raises(MultipartError):
        parser.feed(body)
        parser.finish()


def test_parse_options_header() -> None:
    assert parse_options_header('form-data; name="a;b"; filename="x\\"y.png"') == (
        "form-data",
        {"name": "a;b", "filename": 'x"y.png'},
    )
    assert parse_options_header("attachment; filename=a.txt; filename*=UTF-8''%C3%A9.txt")[1] == {
        "filename": "é.txt"
    }


def test_multipart_20_mib_streams_to_disk_with_little_memory() -> None:
    block = bytes(range(256)) * 256  # 64 KiB
    count = 320  # 20 MiB
    head = b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n'
    tail = b"\r\n--B--\r\n"
    expected = hashlib.sha256()
    for _ in range(count):
        expected.update(block)
    tracemalloc.start()
    try:
        parser = MultipartParser(b"B")
        parser.feed(head)
        for _ in range(count):
            parser.feed(block)
        parser.feed(tail)
        form = parser.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = form.files[0]
    assert upload.size == count * len(block)
    assert upload.sha256 == expected.hexdigest()
    assert upload.on_disk
    assert peak < 4 << 20, f"peak {peak} bytes"
    form.close()


@pytest.mark.anyio
async def test_multipart_errors_become_400() -> None:
    app = ItemsApp()
    async with client_for(app) as client:
        response = await client.post("/upload", json={"a": 1}, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_multipart"
        response = await client.post(
            "/upload",
            content=b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nx",
            headers={**AUTH, "content-type": "multipart/form-data; boundary=B"},
        )
        assert response.status_code == 400


# -- registry --------------------------------------------------------------------------------


def test_registry() -> None:
    assert "redflag" in available_emulators()
    emulator = create_emulator("redflag", config=EmulatorConfig(latency=0.5))
    assert emulator.name == "redflag" and emulator.config.latency == 0.5
    with pytest.raises(ValueError, match="unknown emulator 'nope'"):
        create_emulator("nope")
    register_emulator("items-test", ItemsApp)
    assert isinstance(create_emulator("items-test"), ItemsApp)


# -- the HTTP server -------------------------------------------------------------------------


class RawClient:
    """A blocking HTTP/1.1 client on one socket, to see exactly what the server does."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.conn = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.sock.close()

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | None = None,
        chunks: list[bytes] | None = None,
    ) -> tuple[h11.Response, bytes]:
        all_headers = [("host", "test"), *(headers or [])]
        if chunks is not None:
            all_headers.append(("transfer-encoding", "chunked"))
        data = self.conn.send(h11.Request(method=method, target=target, headers=all_headers)) or b""
        for chunk in chunks or []:
            data += self.conn.send(h11.Data(data=chunk)) or b""
        data += self.conn.send(h11.EndOfMessage()) or b""
        self.sock.sendall(data)
        response: h11.Response | None = None
        body = b""
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
        assert response is not None
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        return response, body


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_server_keep_alive_chunked_and_connection_close() -> None:
    app = ItemsApp()
    with EmulatorServer(app) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        client = RawClient(server.port)
        try:
            for _ in range(3):  # several requests on one connection
                response, body = client.request("GET", "/public")
                assert (response.status_code, body) == (200, b"hello")
            response, body = client.request(
                "POST",
                "/body",
                headers=list(AUTH.items()),
                chunks=[b"a" * 1000, b"b" * 70000, b"c"],
            )
            assert body == b'{"size":71001}'
            response, body = client.request("POST", "/body", chunks=[b"x" * 100_000])
            assert response.status_code == 401  # answered unread: the body is skipped
            response, body = client.request("HEAD", "/public")
            assert (response.status_code, body) == (200, b"")
            response, body = client.request("GET", "/public", headers=[("connection", "close")])
            assert dict(response.headers)[b"connection"] == b"close"
            assert client.sock.recv(100) == b""  # the server closed it
        finally:
            client.close()
        with httpx.Client(base_url=server.url, headers=AUTH) as http:
            streamed = http.get("/stream")
            assert streamed.headers["transfer-encoding"] == "chunked"
            assert streamed.text == "chunk0;chunk1;chunk2;chunk3;chunk4;"


def test_server_malformed_request_and_client_disconnect() -> None:
    app = ItemsApp()
    with EmulatorServer(app) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
            reply = sock.recv(1000)
            assert reply.startswith(b"HTTP/1.1 400 ")
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            head = b"POST /body HTTP/1.1\r\nhost: x\r\nx-token: t1\r\ncontent-length: 100\r\n\r\n"
            sock.sendall(head + b"0123456789")
        _wait_until(lambda: app.stats.requests == 1 and app.stats.in_flight == 0)
        assert app.items == {}  # the handler never got the whole body
        assert sum(app.stats.statuses.values()) == 0
        with httpx.Client(base_url=server.url) as http:  # still serving
            assert http.get("/public").status_code == 200


def test_server_turns_app_exceptions_into_500(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    async def broken_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        raise RuntimeError("app bug")

    with (
        caplog.at_level(logging.ERROR, logger="labelkit.emulator.server"),
        EmulatorServer(broken_app) as server,
    ):
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/a").status_code == 500
            assert http.get("/b").status_code == 500
    assert calls == ["/a", "/b"]
    assert "app bug" in caplog.text


# Run in a fresh interpreter: tracemalloc counts every thread of the process,
# and threads left by earlier tests must not count against this upload.
_STREAM_UPLOAD = """
import sys, tracemalloc
from pathlib import Path
import httpx
from labelkit._emulator import EmulatorServer
from tests.emulators.test_emulator_machinery import AUTH, ItemsApp

path = Path(sys.argv[1])
with EmulatorServer(ItemsApp()) as server, httpx.Client(base_url=server.url, headers=AUTH) as http:
    tracemalloc.start()  # both sides: the client streams from disk, the server to disk
    with path.open("rb") as f:
        response = http.post(
            "/upload", files={"file": ("big.bin", f, "application/octet-stream")}, data={"k": "v"}
        )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
print(response.status_code)
print(peak)
print(response.text)
"""


def test_server_streams_a_20_mib_multipart_upload(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    block = bytes(range(256)) * 4096  # 1 MiB
    with path.open("wb") as f:
        for _ in range(20):
            f.write(block)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    repo = REPO
    done = subprocess.run(
        [sys.executable, "-c", _STREAM_UPLOAD, str(path)],
        capture_output=True,
        text=True,
        cwd=repo,
        check=True,
        timeout=120,
    )
    status, peak, body = done.stdout.split("\n", 2)
    # The bound of the design, whatever the scheduling: the server reads a socket only
    # when the handler asks (TCP flow control throttles the client meanwhile), the
    # multipart parser keeps at most SPOOL_MAX_SIZE in memory before spooling to disk,
    # and both sides move 64 KiB chunks. So: the spool plus a few chunks, never the file.
    assert int(peak) < SPOOL_MAX_SIZE + (1 << 20), f"peak {peak} bytes"
    assert status == "200"
    answer = json.loads(body)
    field, filename, _, size, sha256, on_disk = answer["files"][0]
    assert (field, filename, size, sha256, on_disk) == ("file", "big.bin", 20 << 20, expected, True)
    assert answer["fields"] == [["k", "v"]]


@pytest.mark.anyio
async def test_emulator_server_from_async_tests() -> None:
    app = ItemsApp()
    with EmulatorServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/public")).text == "hello"
    async with EmulatorServer(app, backend="trio") as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/public")).text == "hello"
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{server.port}/public")


@pytest.mark.anyio
async def test_serving_propagates_the_body_exception_unwrapped() -> None:
    app = ItemsApp()
    with pytest.raises(KeyError):
        async with serving(app) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                assert (await client.get("/public")).status_code == 200
            raise KeyError("from the body")
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(url + "/public")


def test_server_reads_a_socket_only_when_the_app_asks() -> None:
    # Flow control: while the app does not read the body, the server holds none of it;
    # the client's sends block once the kernel's buffers are full.
    started, release = threading.Event(), threading.Event()
    seen: list[int] = []

    async def slow_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        started.set()
        await anyio.to_thread.run_sync(release.wait)
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        seen.append(total)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    body = b"x" * (64 << 20)
    with EmulatorServer(slow_app) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
            sock.settimeout(0.5)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
            assert started.wait(10)
            sent = 0
            with contextlib.suppress(TimeoutError, socket.timeout):
                while sent < len(body):
                    sent += sock.send(body[sent : sent + (1 << 20)])
            # The kernel's buffers hold a few MiB at most: the 64 MiB body did not fit.
            assert sent < 32 << 20
            release.set()
            sock.settimeout(30)
            sock.sendall(body[sent:])
            answer = sock.recv(4096)
        finally:
            release.set()
            sock.close()
    assert answer.startswith(b"HTTP/1.1 200")
    assert seen == [len(body)]


def test_a_route_declared_twice_on_one_handler_is_refused() -> None:
    from labelkit._emulator import route

    with pytest.raises(ValueError, match="declared twice"):

        @route("GET", "a")
        @route("GET", "a")
        async def handler(self: object, request: object) -> object: ...
