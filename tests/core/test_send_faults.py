"""Faults of the caller's own input, met while a request goes out, through the public API.

The audit's companions to :mod:`tests.core.test_fault_injection`: a file that
changes size while it is uploaded, a header value HTTP cannot carry, a base URL
with credentials in it, and the HTTP/2 stack's header logging. Each must end in
a typed labelkit error that says what happened, and a create that never went
out whole must not be reported ambiguous.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import os
import socket
import threading
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

import labelkit
from labelkit import _files
from labelkit.redflag import AsyncRedFlag
from labelkit.scale import AsyncScale
from tests._support._loopback import LoopbackServer
from tests.core.test_fault_injection import (
    FAST,
    KEY,
    PATHS,
    REDFLAG,
    answer,
    client_for,
    json_answer,
)

pytestmark = pytest.mark.anyio


class Takes(LoopbackServer):
    """Answers ``reply`` to each whole request; a request cut short by the client's
    close is kept apart (in ``cut``), unanswered."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.cut: list[bytes] = []
        self._lock = threading.Lock()
        super().__init__(self._serve_requests)

    def _serve_requests(self, conn: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    self._keep_cut(buffer)
                    return
                buffer += data
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(rest) < length:
                data = conn.recv(65536)
                if not data:
                    self._keep_cut(buffer + rest[len(buffer) - len(head) - 4 :])
                    return
                rest += data
            with self._lock:
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
            buffer = rest[length:]
            conn.sendall(self.reply)

    def _keep_cut(self, request: bytes) -> None:
        if request:
            with self._lock:
                self.cut.append(request)


@pytest.fixture
def takes() -> Iterator[Callable[[bytes], Takes]]:
    made: list[Takes] = []

    def start(reply: bytes) -> Takes:
        made.append(Takes(reply))
        return made[-1]

    yield start
    for server in made:
        server.close()


# -- a file that changes size while it is sent -----------------------------------------

ANSWER = b'{"id":7,"status":"pending"}'
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 300_000  # more than one read of the file


class ChangesOnceMeasured(io.BytesIO):
    """An open file whose content becomes ``later`` just after its size is taken
    (``seek(0, SEEK_END)``), as when another process rewrites it."""

    name = "shot.png"

    def __init__(self, first: bytes, later: bytes) -> None:
        super().__init__(first)
        self.later: bytes | None = later

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = super().seek(offset, whence)
        if whence == os.SEEK_END and self.later is not None:
            self.truncate(0)
            super().seek(0)
            self.write(self.later)
            self.later = None
        return position


CHANGES = {"grows": PNG + b"more written meanwhile", "shrinks": PNG[:1000]}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_an_open_file_that_changes_size_while_uploaded_is_a_clear_validation_error(
    change: str, path: str, takes: Callable[[bytes], Takes]
) -> None:
    server = takes(json_answer(ANSWER))
    async with client_for(REDFLAG, server, path) as client:
        with pytest.raises(labelkit.ValidationError, match="changed while being sent") as info:
            await client.upload_file(ChangesOnceMeasured(PNG, CHANGES[change]))
        assert "'shot.png'" in str(info.value) and info.value.field == "file"
        assert "not retried" in str(info.value)
        assert await client.get_operation(7)  # the client is still usable
    assert [request.split(b" ", 1)[0] for request in server.requests] == [b"GET"]
    # Whatever went out was cut short of its Content-Length: never a whole request.
    assert all(request.startswith(b"POST") for request in server.cut)


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_file_on_disk_that_changes_size_after_its_check_is_a_clear_validation_error(
    change: str, takes: Callable[[bytes], Takes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(PNG)
    checked = _files.check_local_file

    def check_then_change(*args: typing.Any, **kwargs: typing.Any) -> int:
        size = checked(*args, **kwargs)
        path.write_bytes(CHANGES[change])  # another process rewrites it
        return size

    monkeypatch.setattr(_files, "check_local_file", check_then_change)
    server = takes(json_answer(ANSWER))
    async with client_for(REDFLAG, server, "direct") as client:
        with pytest.raises(labelkit.ValidationError, match=r"'shot\.png' changed while being sent"):
            await client.upload_file(path)
    assert server.requests == []


async def test_a_file_that_keeps_its_size_uploads_whole(takes: Callable[[bytes], Takes]) -> None:
    server = takes(json_answer(ANSWER))
    async with client_for(REDFLAG, server, "direct") as client:
        assert await client.upload_file(io.BytesIO(PNG), filename="shot.png") == 7
    assert len(server.requests) == 1 and PNG in server.requests[0]


# -- a header value HTTP cannot carry ---------------------------------------------------

ILLEGAL = ["two\r\nX-Injected: 1", "ends in a newline\n", "nul\x00", "caf\u00e9"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("value", ILLEGAL)
async def test_an_illegal_header_value_is_refused_before_anything_is_sent(
    value: str, path: str, takes: Callable[[bytes], Takes]
) -> None:
    server = takes(json_answer(ANSWER))
    async with client_for(REDFLAG, server, path) as client:
        traced = client.with_options(default_headers={"X-Trace": value})
        with pytest.raises(labelkit.ValidationError, match=r"X-Trace.*nothing was sent"):
            await REDFLAG.create(traced)  # never ambiguous: it never left
        with pytest.raises(labelkit.ValidationError, match="X-Trace"):
            await REDFLAG.get(traced)
        assert await REDFLAG.get(client)
    assert len(server.requests) == 1 and not server.cut


@pytest.mark.parametrize("value", ILLEGAL)
def test_an_illegal_default_header_is_refused_when_the_client_is_made(value: str) -> None:
    with pytest.raises(labelkit.ValidationError, match="X-Trace"):
        AsyncRedFlag(KEY, base_url="http://127.0.0.1:9/api/", default_headers={"X-Trace": value})
    with pytest.raises(labelkit.ValidationError, match="header name"):
        AsyncRedFlag(KEY, base_url="http://127.0.0.1:9/api/", default_headers={"X Trace": "1"})


def test_a_key_read_with_its_newline_is_refused_without_showing_it() -> None:
    with pytest.raises(labelkit.ValidationError, match="Authorization") as info:
        AsyncRedFlag(KEY + "\n", base_url="http://127.0.0.1:9/api/")
    assert KEY not in f"{info.value} {info.value!r} {vars(info.value)!r}"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("blanks", [" ", "\t", " \t "])
async def test_blanks_around_a_key_or_header_value_are_stripped_not_refused(
    blanks: str, path: str, takes: Callable[[bytes], Takes]
) -> None:
    # RFC 9110 5.5: surrounding SP/HTAB is no part of a field value; requests sends it.
    server = takes(json_answer(ANSWER))
    async with AsyncRedFlag(
        KEY + blanks,  # a key read with a trailing blank
        base_url=server.url + "/api/",
        rate_limit=None,
        retry=FAST,
        transport=httpx.AsyncHTTPTransport() if path == "httpx" else None,
        default_headers={"X-Trace": blanks + "padded  value" + blanks},
    ) as client:
        assert await client.get_operation(7)
        traced = client.with_options(default_headers={"X-Other": blanks + "per call"})
        assert await traced.get_operation(7)
    heads = [request.split(b"\r\n\r\n")[0].split(b"\r\n") for request in server.requests]
    for head in heads:
        assert b"Authorization: Bearer " + KEY.encode() in head
        assert b"X-Trace: padded  value" in head
    assert b"X-Other: per call" in heads[1]


# -- credentials in the base URL ------------------------------------------------------


def test_a_base_url_with_credentials_is_refused_without_showing_them() -> None:
    password = "pw%2Fw1th-slash"
    with pytest.raises(labelkit.ValidationError, match=r"base_url.*proxy=") as info:
        AsyncRedFlag(KEY, base_url=f"http://gate:{password}@127.0.0.1:9/api/")
    shown = f"{info.value} {info.value!r} {vars(info.value)!r}"
    assert password not in shown and "pw/w1th-slash" not in shown
    assert "127.0.0.1:9" in shown


def test_a_base_url_with_credentials_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(AsyncRedFlag.base_url_env, "http://gate:secret-pw@127.0.0.1:9/api/")
    with pytest.raises(labelkit.ValidationError, match="base_url") as info:
        AsyncRedFlag(KEY)
    assert "secret-pw" not in str(info.value)


@pytest.mark.parametrize("cut", ["/", "#", "?", "/?#"])
def test_a_base_url_password_with_an_unencoded_delimiter_never_shows(cut: str) -> None:
    password = f"s3cr{cut}et-pw"
    with pytest.raises(labelkit.ValidationError, match=r"base_url.*proxy=") as info:
        AsyncRedFlag(KEY, base_url=f"http://gate:{password}@127.0.0.1:9/api/")
    shown = f"{info.value} {info.value!r} {vars(info.value)!r}"
    assert "s3cr" not in shown and "et-pw" not in shown and "gate" not in shown
    assert "127.0.0.1:9/api/" in shown


def test_httpx_s_message_for_a_base_url_with_user_info_is_never_shown() -> None:
    from labelkit._http import HttpSession

    with pytest.raises(labelkit.ValidationError, match="base_url") as info:
        HttpSession(
            base_url="http://gate:s3cr/et-pw@127.0.0.1:9/api/",
            headers={},
            max_connections=1,
            proxy=None,
            verify=True,
            cert=None,
            transport=None,
            app=None,
        )
    shown = f"{info.value} {info.value!r} {vars(info.value)!r}"
    assert "s3cr" not in shown and "et-pw" not in shown


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:9/api/", "file:///api/", "ws://127.0.0.1:9/"])
def test_a_base_url_of_a_scheme_httpx_does_not_speak_is_refused(url: str) -> None:
    with pytest.raises(labelkit.ValidationError, match=r"base_url: .*not an http:// or https://"):
        AsyncRedFlag(KEY, base_url=url)


@pytest.mark.parametrize("error", [httpx.UnsupportedProtocol("no"), httpx.LocalProtocolError("no")])
async def test_a_request_the_stack_refuses_is_not_retried(error: httpx.HTTPError) -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise error

    async with AsyncRedFlag(
        KEY,
        base_url="http://127.0.0.1:9/api/",
        rate_limit=None,
        retry=FAST,
        transport=httpx.MockTransport(refuse),
    ) as client:
        with pytest.raises(labelkit.APIConnectionError) as info:
            await client.get_operation(7)
        assert info.value.sent is False
        with pytest.raises(labelkit.APIConnectionError) as info:
            await REDFLAG.create(client)  # not ambiguous: it never left
        assert info.value.sent is False
    assert len(attempts) == 2


@pytest.mark.parametrize("url", ["http://[::1/api/", "http://127.0.0.1:9/a\x00b/"])
def test_a_base_url_nobody_can_parse_is_a_validation_error(url: str) -> None:
    with pytest.raises(labelkit.ValidationError, match="base_url: not a usable URL"):
        AsyncRedFlag(KEY, base_url=url)


async def test_a_proxy_with_credentials_still_gets_them(takes: Callable[[bytes], Takes]) -> None:
    proxy = takes(json_answer(ANSWER))
    async with AsyncRedFlag(
        KEY,
        base_url="http://api.invalid/api/",
        proxy=f"http://gate:proxy-pw@127.0.0.1:{proxy.port}",
        rate_limit=None,
        retry=FAST,
    ) as client:
        assert await client.get_operation(7)
    head = proxy.requests[0].split(b"\r\n\r\n")[0]
    assert head.startswith(b"GET http://api.invalid/api/")
    assert b"Proxy-Authorization: Basic Z2F0ZTpwcm94eS1wdw==" in head
    assert b"Authorization: Bearer " + KEY.encode() in head


# -- HTTP/2 header logging ------------------------------------------------------------


@pytest.mark.parametrize("name", ["hpack.hpack", "hpack.table"])
def test_hpack_s_header_records_are_redacted(name: str, caplog: pytest.LogCaptureFixture) -> None:
    client = AsyncRedFlag(KEY, base_url="http://127.0.0.1:9/api/")  # its key is known
    caplog.set_level(logging.DEBUG, logger=name)
    header = (b"authorization", b"Bearer " + KEY.encode())
    logging.getLogger(name).debug("Encoding %s with %s", header, "indexing")
    assert caplog.records[-1].name == name
    assert "authorization" in caplog.text and KEY not in caplog.text
    del client


# -- downloads stopped early leave no generator suspended (ResourceWarning under trio) --


def _download_client(api: Takes) -> AsyncScale:
    return AsyncScale(KEY, base_url=api.url + "/", rate_limit=None, max_retries=0)


def _storage_and_api(takes: Callable[[bytes], Takes], storage_answer: bytes) -> Takes:
    storage = takes(storage_answer)
    return takes(json_answer(b"{}", b"Location: " + storage.url.encode() + b"/b/a.jpg", status=302))


@pytest.mark.parametrize("size", [501, 200_000])
async def test_an_error_page_not_read_to_its_end_is_closed_cleanly(
    size: int, takes: Callable[[bytes], Takes]
) -> None:
    page = b"<Error>" + b"x" * size + b"</Error>"
    api = _storage_and_api(takes, answer(403, page, b"Content-Type: application/xml"))
    async with _download_client(api) as client:
        with pytest.raises(labelkit.PermissionDeniedError) as info:
            await client.v2.download_dataset_task_response("t1", "a1")
    assert isinstance(info.value.body, str) and len(info.value.body) <= 500


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
async def test_an_undecodable_download_is_a_connection_error_closed_cleanly(
    encoding: bytes, takes: Callable[[bytes], Takes]
) -> None:
    body = b"not compressed at all " * 10_000
    api = _storage_and_api(takes, answer(200, body, b"Content-Encoding: " + encoding))
    async with _download_client(api) as client:
        with pytest.raises(labelkit.APIConnectionError, match="decod"):
            await client.v2.download_dataset_task_response("t1", "a1")


async def test_a_compressed_download_still_decodes(takes: Callable[[bytes], Takes]) -> None:
    body = b"file bytes " * 50_000
    api = _storage_and_api(takes, answer(200, gzip.compress(body), b"Content-Encoding: gzip"))
    async with _download_client(api) as client:
        assert await client.v2.download_dataset_task_response("t1", "a1") == body


@pytest.mark.parametrize("stop", ["break", "cancel", "error"])
async def test_a_download_stopped_after_its_first_chunk_is_closed_cleanly(
    stop: str, takes: Callable[[bytes], Takes]
) -> None:
    body = b"b" * 1_000_000
    storage = takes(answer(200, gzip.compress(body), b"Content-Encoding: gzip"))
    async with _download_client(storage) as client:
        with anyio.CancelScope() as scope, contextlib.suppress(Stop):
            async with client._stream("GET", storage.url + "/b/a.jpg") as response:
                async with contextlib.aclosing(response.aiter_bytes()) as chunks:
                    async for chunk in chunks:
                        assert chunk
                        if stop == "cancel":
                            scope.cancel()
                            await anyio.sleep(0)  # cancelled here, the body suspended
                        elif stop == "error":
                            raise Stop  # e.g. the disk is full
                        break
        assert scope.cancelled_caught == (stop == "cancel")


@pytest.mark.parametrize("stop", ["break", "cancel", "error"])
async def test_a_download_from_a_custom_transport_stopped_early_is_closed_cleanly(
    stop: str,
) -> None:
    # httpx's in-memory body: a generator of httpx's own, under httpx's client stream.
    def storage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"file bytes" * 1000)

    transport = httpx.MockTransport(storage)
    client = AsyncScale(KEY, base_url="http://127.0.0.1:9/", rate_limit=None, transport=transport)
    async with client:
        with anyio.CancelScope() as scope, contextlib.suppress(Stop):
            async with client._stream("GET", "http://127.0.0.1:9/b/a.jpg") as response:
                async with contextlib.aclosing(response.aiter_bytes()) as chunks:
                    async for _ in chunks:
                        if stop == "cancel":
                            scope.cancel()
                            await anyio.sleep(0)
                        elif stop == "error":
                            raise Stop
                        break
        assert scope.cancelled_caught == (stop == "cancel")


class Stop(Exception):
    """What stops a download's consumer (a full disk, a bug)."""


# -- a URL scheme the HTTP stack does not speak ----------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_client_for_a_scheme_nobody_speaks_is_refused_when_made(path: str) -> None:
    # Once refused on every attempt, after backoff; now before anything is tried.
    transport = httpx.AsyncHTTPTransport() if path == "httpx" else None
    with pytest.raises(labelkit.ValidationError, match="base_url"):
        AsyncRedFlag(KEY, base_url="ftp://127.0.0.1:9/api/", retry=FAST, transport=transport)
