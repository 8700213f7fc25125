"""Receiving webhooks: one ASGI base that providers declare verification and payloads on.

:class:`WebhookReceiver` owns the plumbing every receiver needs: the ASGI
lifespan loop, path and method matching (404 / 405 with ``Allow``), a bounded
body read (413 past ``max_body``), body decoding (:func:`decode_body`),
de-duplication of re-deliveries, :meth:`WebhookReceiver.wait` and calling the
handler (sync or async). A provider subclass declares three hooks:
:meth:`~WebhookReceiver.authenticate` (who sent it), :meth:`~WebhookReceiver.parse`
(the payload model) and :meth:`~WebhookReceiver.verify` (what to trust), plus
the id and de-duplication key of an event. A hook answers early by raising
:class:`WebhookAnswer`.
"""

from __future__ import annotations

import abc
import collections
import inspect
import json
import logging
import typing
from collections.abc import Awaitable, Callable, Hashable, Mapping, MutableMapping
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
import attrs

from ._errors import PollTimeoutError, ValidationError
from ._fork import reset_in_child

__all__ = [
    "WebhookAnswer",
    "WebhookReceiver",
    "WebhookRequest",
    "answer_lifespan",
    "decode_body",
]

logger = logging.getLogger("labelkit")

A = typing.TypeVar("A")  # what authenticate() found out about the sender
C = typing.TypeVar("C")  # the payload model: what the request claims
E = typing.TypeVar("E")  # the verified event handed to the handler

Scope = MutableMapping[str, typing.Any]
Receive = Callable[[], Awaitable[MutableMapping[str, typing.Any]]]
Send = Callable[[MutableMapping[str, typing.Any]], Awaitable[None]]


class WebhookAnswer(Exception):
    """Raised by a hook to answer ``status`` with ``reason`` and stop there."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@attrs.frozen
class WebhookRequest:
    """One received request, framework independent; ``headers`` keys are lower-case."""

    method: str
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    query: bytes = b""
    path: str = "/"

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        """A header by name, in any case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def decode_body(body: bytes, content_type: str | None) -> object:
    """A JSON body as its document, any other non-empty body as form fields (a dict).

    JSON is recognized by a media type containing ``json``, or, without a
    media type, by a body starting with ``{``. An empty body is ``{}``.
    Raises :class:`~labelkit.ValidationError` for malformed JSON.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return {}
    if "json" in kind or (not kind and text.startswith("{")):
        try:
            document: object = json.loads(text)
        except ValueError:
            raise ValidationError("body", "is not valid JSON") from None
        return document
    return dict(parse_qsl(text, keep_blank_values=True))


class WebhookReceiver(abc.ABC, typing.Generic[A, C, E]):
    """An ASGI app (and framework-independent :meth:`process`) receiving one provider's webhooks.

    For every request: lifespan messages are answered; the whole body is read
    (up to ``max_body`` + 1 bytes) before anything is answered so that the
    sender is never cut off; another path than ``path`` (when set) answers
    404, another method than ``methods`` 405, a larger body 413. Then
    :meth:`process`: authenticate, parse, verify, remember the event for
    :meth:`wait`, skip a re-delivery (same :meth:`dedup_key`: 200 once
    handled, 409 while the first is still being handled), call the handler
    (500 if it raised, 200 otherwise). Sync handlers run in a worker thread.
    The last ``remember`` events are kept for de-duplication and :meth:`wait`.
    """

    #: The methods answered (others: 405).
    methods: typing.ClassVar[frozenset[str]] = frozenset({"POST"})
    #: What :meth:`wait` says it waited for, e.g. ``"callback for Scale task"``.
    waits_for: typing.ClassVar[str] = "webhook for"

    def __init__(
        self,
        handler: Callable[[E], object] | None = None,
        *,
        path: str | None = None,
        max_body: int = 1 << 20,
        remember: int = 100_000,
    ) -> None:
        self._handler = handler
        self._path = path
        self._max_body = max_body
        self._remember = remember
        self._handled: collections.OrderedDict[Hashable, None] = collections.OrderedDict()
        self._in_flight: set[Hashable] = set()
        self._received: collections.OrderedDict[str, E] = collections.OrderedDict()
        # Events are made by each wait() in its own loop, never ahead of time.
        self._waiters: dict[str, list[anyio.Event]] = {}
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:
        # Waiters' events belong to the parent's event loop, which does not run here.
        self._waiters.clear()
        self._in_flight.clear()

    # -- hooks ------------------------------------------------------------------------------

    @abc.abstractmethod
    async def authenticate(self, request: WebhookRequest) -> A:
        """Check who sent ``request``; raise :class:`WebhookAnswer` (e.g. 401) to refuse it."""
        raise NotImplementedError

    @abc.abstractmethod
    def parse(self, request: WebhookRequest, sender: A) -> C:
        """The payload model of ``request``; raise :class:`WebhookAnswer` (e.g. 400)."""
        raise NotImplementedError

    @abc.abstractmethod
    async def verify(self, claim: C) -> E:
        """The event to trust and hand on; raise :class:`WebhookAnswer` to stop."""
        raise NotImplementedError

    @abc.abstractmethod
    def event_id(self, event: E) -> str:
        """The id :meth:`wait` knows ``event`` by."""
        raise NotImplementedError

    def dedup_key(self, event: E) -> Hashable | None:
        """What identifies a re-delivery of ``event``; ``None``: always hand it on."""
        return None

    # -- receiving --------------------------------------------------------------------------

    async def wait(self, event_id: str, *, timeout: float | None = None) -> E:
        """The latest verified event for ``event_id`` (waits for one if none came yet).

        ``timeout`` in seconds (``None`` waits forever) raises
        :class:`~labelkit.PollTimeoutError`.
        """
        if event_id not in self._received:
            event = anyio.Event()
            waiters = self._waiters.setdefault(event_id, [])
            waiters.append(event)
            try:
                with anyio.move_on_after(timeout):
                    await event.wait()
            finally:
                if event in waiters:
                    waiters.remove(event)
                if not waiters:
                    self._waiters.pop(event_id, None)
            if event_id not in self._received:
                raise PollTimeoutError(
                    f"no {self.waits_for} {event_id!r}"
                    + (f" within {timeout:g} s" if timeout is not None else "")
                )
        return self._received[event_id]

    async def process(self, request: WebhookRequest) -> tuple[int, str]:
        """Process one request that passed the path, method and size checks."""
        try:
            sender = await self.authenticate(request)
            event = await self.verify(self.parse(request, sender))
        except WebhookAnswer as answer:
            return answer.status, answer.reason
        self._record(event)
        key = self.dedup_key(event)
        if key is not None and key in self._handled:
            self._handled.move_to_end(key)
            return 200, "duplicate"
        if key is not None and key in self._in_flight:
            return 409, "duplicate still being handled"
        if key is not None:
            self._in_flight.add(key)
        try:
            await self._call_handler(event)
        except Exception:
            logger.exception(
                "webhook handler failed for the %s %s", self.waits_for, self.event_id(event)
            )
            return 500, "handler failed"
        finally:
            self._in_flight.discard(key)
        if key is not None:
            self._handled[key] = None
            while len(self._handled) > self._remember:
                self._handled.popitem(last=False)
        return 200, "ok"

    def _record(self, event: E) -> None:
        event_id = self.event_id(event)
        self._received[event_id] = event
        self._received.move_to_end(event_id)
        while len(self._received) > self._remember:
            self._received.popitem(last=False)
        for waiter in self._waiters.pop(event_id, ()):
            waiter.set()

    async def _call_handler(self, event: E) -> None:
        handler = self._handler
        if handler is None:
            return
        if _is_async(handler):
            result = handler(event)
        else:
            result = await anyio.to_thread.run_sync(handler, event)
        if inspect.isawaitable(result):
            await result

    # -- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, text = await self._http(scope, receive)
        headers = [(b"content-type", b"application/json")]
        if status == 405:
            headers.append((b"allow", ", ".join(sorted(self.methods)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps({"status": text}).encode()})

    async def _http(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        # The body is read before anything is answered, so that the sender is never cut off.
        body = b""
        more = True
        while more and len(body) <= self._max_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, "client disconnected"
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if self._path is not None and scope.get("path") != self._path:
            return 404, "not found"
        if scope["method"] not in self.methods:
            return 405, "method not allowed"
        if len(body) > self._max_body:
            return 413, "body too large"
        request = WebhookRequest(
            method=scope["method"],
            body=body,
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            query=scope.get("query_string", b""),
            path=scope.get("path", "/"),
        )
        return await self.process(request)


async def answer_lifespan(receive: Receive, send: Send) -> None:
    """Answer an ASGI ``lifespan`` scope: nothing to start or stop, so acknowledge both."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _is_async(handler: Callable[..., object]) -> bool:
    call = getattr(handler, "__call__", None)  # noqa: B004 - an object with an async __call__
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)
