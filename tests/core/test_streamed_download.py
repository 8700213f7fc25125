"""Streamed downloads through a custom transport (``labelkit._closing``): a body httpx
read already, chunking as httpx's ``aiter_bytes`` chunks, and a prompt exit from a
stream that waits between its pieces. Run with ``-W error::ResourceWarning`` too."""

from __future__ import annotations

import contextlib
import gzip
import time
from collections.abc import AsyncGenerator, AsyncIterator

import anyio
import httpx
import pytest

from labelkit._closing import ClosesIterations
from labelkit.redflag import AsyncRedFlag
from labelkit.scale import AsyncScale

pytestmark = pytest.mark.anyio

KEY = "test-key"
FILE_URL = "http://127.0.0.1:9/b/a.jpg"


class Pieces(httpx.AsyncByteStream):
    """A body that arrives in ``pieces``, with ``pause`` seconds after each one;
    ``ended`` once its iteration has finished, however it finished."""

    def __init__(self, pieces: list[bytes], pause: float = 0.0) -> None:
        self._pieces = pieces
        self._pause = pause
        self.ended = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for piece in self._pieces:
                yield piece
                if self._pause:
                    await anyio.sleep(self._pause)
        finally:
            self.ended = True

    async def aclose(self) -> None:
        return None


class Serves(httpx.AsyncBaseTransport):
    """Answers every request with ``stream``."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=self._stream)


def _client(transport: httpx.AsyncBaseTransport) -> AsyncRedFlag:
    return AsyncRedFlag(
        KEY, base_url="http://127.0.0.1:9/api/", transport=transport, rate_limit=None
    )


@pytest.mark.parametrize("chunk_size", [1000, 64 * 1024])
async def test_a_compressed_download_from_a_transport_of_bytes_decodes(chunk_size: int) -> None:
    # httpx.Response(content=...) (MockTransport, respx): httpx decoded it when it was made.
    body = b"file bytes " * 5000

    def storage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(body)
        )

    transport = httpx.MockTransport(storage)
    async with AsyncScale(
        KEY, base_url="http://127.0.0.1:9/", rate_limit=None, transport=transport
    ) as client:
        async with client._stream("GET", FILE_URL) as response:
            chunks = [chunk async for chunk in response.aiter_bytes(chunk_size)]
    assert b"".join(chunks) == body
    assert {len(chunk) for chunk in chunks[:-1]} <= {chunk_size}


async def test_small_network_reads_come_out_in_whole_chunks() -> None:
    # 16 KiB pieces (a TLS record each) and an odd tail: every chunk but the last is whole.
    pieces = [b"x" * 16384] * 10 + [b"y" * 100]
    async with _client(Serves(Pieces(pieces))) as client:
        async with client._stream("GET", FILE_URL) as response:
            chunks = [chunk async for chunk in response.aiter_bytes(64 * 1024)]
    assert [len(chunk) for chunk in chunks] == [65536, 65536, 32868]
    assert b"".join(chunks) == b"".join(pieces)


async def test_small_compressed_reads_come_out_in_whole_chunks() -> None:
    body = bytes(range(256)) * 1000
    packed = gzip.compress(body)
    pieces = [packed[i : i + 500] for i in range(0, len(packed), 500)]
    stream = Pieces(pieces)

    def storage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)

    async with _client(httpx.MockTransport(storage)) as client:
        async with client._stream("GET", FILE_URL) as response:
            chunks = [chunk async for chunk in response.aiter_bytes(10_000)]
    assert b"".join(chunks) == body
    assert [len(chunk) for chunk in chunks] == [10_000] * 25 + [6_000]


# The stream pauses this long after each piece; the old shielded steps waited through
# eight of them. The bound below only catches that wait, not a slow machine.
PAUSE = 3.0


@pytest.mark.parametrize("stop", ["break", "cancel"])
async def test_a_download_from_a_stream_that_waits_stops_promptly(stop: str) -> None:
    stream = Pieces([b"x" * 1000] * 100, pause=PAUSE)
    started = time.monotonic()
    async with _client(Serves(stream)) as client:
        with anyio.move_on_after(0.5) as scope:
            async with client._stream("GET", FILE_URL) as response:
                async with contextlib.aclosing(response.aiter_bytes(1000)) as chunks:
                    async for _ in chunks:
                        if stop == "break":
                            break
                        await anyio.sleep_forever()  # the consumer's own await, cancelled
        assert scope.cancelled_caught == (stop == "cancel")
        # Its generator ended with the download, not whenever the collector gets to it.
        assert stream.ended
    assert time.monotonic() - started < PAUSE


class Counted(ClosesIterations):
    """Pieces from ``_iterate``, with a record of the iterations that finished."""

    def __init__(self) -> None:
        self.ended: list[int] = []

    async def _iterate(self) -> AsyncGenerator[bytes, None]:
        number = len(self.ended) + 100
        try:
            for piece in (b"a", b"b", b"c"):
                yield piece
        finally:
            self.ended.append(number)


async def test_closing_a_stream_closes_every_iteration_left_open() -> None:
    stream = Counted()
    first = stream.__aiter__()
    assert await first.__anext__() == b"a"
    second = stream.__aiter__()
    assert await second.__anext__() == b"a"
    for iteration in stream._take_open():
        await iteration.aclose()
    assert len(stream.ended) == 2  # both suspended ones ended, not left to the collector


async def test_a_stream_read_to_its_end_has_nothing_left_to_close() -> None:
    stream = Counted()
    assert [piece async for piece in stream] == [b"a", b"b", b"c"]
    assert stream.ended == [100]
    assert stream._take_open() == ()
    assert stream.ended == [100]
