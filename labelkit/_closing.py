"""Closing the async generators a byte stream hands out, with the stream.

An async generator left suspended (its consumer stopped early: a ``break``, a
cancellation, an error page read only in part, a body that does not decode)
is finalized whenever the garbage collector gets to it; trio then warns
(``ResourceWarning``: "garbage collected before it had been exhausted"), and
code after its ``yield`` runs at an arbitrary time, in a system task. A
stream of bodies here therefore closes, when it is closed, every generator it
gave out, and a generator iterating another one closes that one on its way
out, so every exit path closes the whole chain at once. httpx's own
``Response.aiter_bytes`` nests two generators it never closes, so a streamed
body is read with :func:`decoded_chunks` instead.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator

import anyio

if typing.TYPE_CHECKING:
    import httpx

__all__ = ["ClosesIterations", "aclose_iterator", "decoded_chunks"]


async def aclose_iterator(iterator: object) -> None:
    """``aclose()`` ``iterator`` if it has one (an async generator has)."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class ClosesIterations:
    """A byte stream whose iterations (``__aiter__`` hands out :meth:`_iterate`) are
    closed with it: its ``aclose`` closes each of :meth:`_take_open`.

    Next to free for a body read to its end (every ordinary request): one
    reference is kept, and only an iteration left unfinished is closed.
    """

    _iteration: AsyncGenerator[bytes, None] | None = None
    #: Iterations handed out before the last one: only a stream iterated again has any.
    _earlier: tuple[AsyncGenerator[bytes, None], ...] = ()

    def _iterate(self) -> AsyncGenerator[bytes, None]:
        """The body's chunks (abstract: ``_http11._Body`` and ``_transport._ResponseStream``)."""
        raise NotImplementedError  # abstract: every subclass overrides it

    def __aiter__(self) -> AsyncGenerator[bytes, None]:
        if self._iteration is not None:
            self._earlier += (self._iteration,)
        self._iteration = iteration = self._iterate()
        return iteration

    def _take_open(self) -> tuple[AsyncGenerator[bytes, None], ...]:
        """The iterations still open, latest first, to be closed now (``aclose()``); a
        stream read to its end has none (kept synchronous: no await on that path)."""
        iteration = self._iteration
        if iteration is None:
            return ()
        self._iteration = None
        earlier, self._earlier = self._earlier, ()
        # A finished native generator has no frame: only one still open is closed.
        if getattr(iteration, "ag_frame", iteration) is None:
            return earlier[::-1]
        return (iteration, *earlier[::-1])


async def decoded_chunks(response: httpx.Response, chunk_size: int) -> AsyncGenerator[bytes, None]:
    """The body of a streamed ``response``, decoded as httpx decodes it (with httpx's
    decoder for its ``Content-Encoding``), in chunks of ``chunk_size`` bytes (the last
    one may be shorter), as ``Response.aiter_bytes`` gives it.

    Every exit (the end, an error, a consumer that stops early) closes the
    response, then the iteration of its byte stream.
    """
    if response.is_stream_consumed:
        # A transport's response made of bytes (``httpx.Response(content=...)``): httpx
        # read and decoded it already, and its decoder is spent.
        try:
            for piece in _split(response.content, chunk_size):
                yield piece
        finally:
            await response.aclose()
        return
    decoder = response._get_content_decoder()
    parts = typing.cast("AsyncIterable[bytes]", response.stream).__aiter__()
    chunker = _Chunker(chunk_size)
    try:
        async for part in parts:
            for chunk in chunker.add(decoder.decode(part)):
                yield chunk
        for chunk in chunker.add(decoder.flush()):
            yield chunk
        if chunker.rest:
            yield chunker.rest
    finally:
        await response.aclose()
        await _finish(parts)


class _Chunker:
    """Pieces as they arrive, in chunks of ``size`` bytes (httpx's ``ByteChunker``):
    a network read's 16 KiB becomes a chunk only with the reads after it."""

    __slots__ = ("_size", "rest")

    def __init__(self, size: int) -> None:
        self._size = size
        self.rest = b""

    def add(self, data: bytes) -> list[bytes]:
        """The whole chunks ``data`` completes; what is left waits in :attr:`rest`."""
        if self.rest:
            data = self.rest + data
        whole = len(data) - len(data) % self._size
        self.rest = data[whole:]
        return _split(data[:whole], self._size)


#: Steps a closed stream's iteration is run for, at most (see :func:`_finish`).
_FINISH_STEPS = 8

#: Seconds those steps may take in all: a stream that waits between its pieces (a
#: custom transport's) is cancelled then, so a cancelled download is not held up.
_FINISH_SECONDS = 0.05


async def _finish(parts: AsyncIterator[bytes]) -> None:
    """Run the iteration of a closed response's stream to its end, then close it.

    httpx's generators, and a custom transport's, nest generators they close
    only at their end (closing the outer one leaves the inner suspended). Once
    the response is closed its stream has nothing left to give (an in-memory
    body its last piece, a network one an error), so a few steps end them all;
    shielded, as those steps do not wait, but within a deadline for a stream
    that does: its cancellation, raised through the whole chain, ends it as
    well. An iteration still going after them is closed as it is.
    """
    deadline = anyio.current_time() + _FINISH_SECONDS
    with anyio.CancelScope(shield=True, deadline=deadline):
        for _ in range(_FINISH_STEPS):
            try:
                await parts.__anext__()
            except Exception:  # StopAsyncIteration, or the closed stream's error: its end
                return
    await aclose_iterator(parts)


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]
