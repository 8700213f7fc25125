"""Receiving Datawow postbacks: parse what arrived, then re-fetch the image before trusting it.

Datawow calls your ``postback_url`` with your ``postback_method`` once an
image is processed. The payload format is undocumented and postbacks carry no
signature, so anyone can send one: a postback only says "look at image X".
:func:`parse_postback` extracts X from a JSON body, a form body or the query
string; ``verify_postback`` (on the client or a product resource) re-fetches X
with your project key; :class:`PostbackReceiver` is an ASGI app doing both.
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from urllib.parse import parse_qsl

import attrs

from ..._errors import APIError, NotFoundError, ValidationError
from ._models import POSTBACK_METHODS, Image

__all__ = ["Postback", "PostbackReceiver", "parse_postback"]

T_co = typing.TypeVar("T_co", bound=Image, covariant=True)
T = typing.TypeVar("T", bound=Image)

logger = logging.getLogger("labelkit")

_Scope = MutableMapping[str, typing.Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, typing.Any]]]
_Send = Callable[[MutableMapping[str, typing.Any]], Awaitable[None]]

_ID_KEYS = ("id", "image_id", "image[id]", "data[id]")
_CUSTOM_ID_KEYS = ("custom_id", "image[custom_id]", "data[custom_id]")


@attrs.frozen
class Postback:
    """What a postback claims. Unauthenticated: never act on it without re-fetching.

    ``id`` / ``custom_id`` name the image (at least one is set); ``payload``
    holds every field received (query string and body), as sent.
    """

    method: str
    id: str | None
    custom_id: str | None
    payload: Mapping[str, typing.Any] = attrs.field(factory=dict, repr=False)


def parse_postback(
    *,
    method: str = "POST",
    query: str | bytes = b"",
    body: bytes = b"",
    content_type: str | None = None,
) -> Postback:
    """Parse an incoming postback request (framework independent).

    Accepts the methods Datawow can use (GET, POST, PUT, PATCH, DELETE) and
    a JSON body (the image record, possibly inside ``data`` / ``data.image``),
    a form body, or query parameters. Raises :class:`~labelkit.ValidationError`
    when the request names no image.
    """
    verb = method.upper()
    if verb not in POSTBACK_METHODS:
        raise ValidationError("method", f"{method!r} is not a postback method")
    raw_query = query.decode("latin-1") if isinstance(query, bytes) else query
    payload: dict[str, typing.Any] = dict(parse_qsl(raw_query, keep_blank_values=True))
    kind = (content_type or "").split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace").strip()
    if text and ("json" in kind or (not kind and text.startswith("{"))):
        try:
            document = json.loads(text)
        except ValueError:
            raise ValidationError("body", "is not valid JSON") from None
        payload.update(_record_of(document))
    elif text:
        payload.update(parse_qsl(text, keep_blank_values=True))
    ident = _first(payload, _ID_KEYS)
    custom_id = _first(payload, _CUSTOM_ID_KEYS)
    if ident is None and custom_id is None:
        raise ValidationError("postback", "names no image: it has neither id nor custom_id")
    return Postback(method=verb, id=ident, custom_id=custom_id, payload=payload)


class _Verifier(typing.Protocol[T_co]):
    def verify_postback(self, postback: Postback) -> Awaitable[T_co]: ...


class PostbackReceiver(typing.Generic[T]):
    """An ASGI app that receives postbacks and hands verified images to ``handler``.

    ``verifier`` is an :class:`~labelkit.datawow.AsyncDatawow` client or one of
    its product resources (``client.choice``: the handler then gets typed
    records). For every request: parse it (400 if it names no image), re-fetch
    the image with the project key (404 if this project has no such image,
    502 if the API could not be reached, so that a retried postback can try
    again), then, if the fetched image is processed (or ``only_processed`` is
    False), ``await handler(image)`` and answer 200 (500 if the handler
    raised). A postback for an image not yet processed answers 202 and is not
    handed on. ``path`` restricts the app to one path. Postbacks may repeat,
    so the handler must be idempotent; keep it short (queue slow work).
    Mount it in any ASGI server, e.g. ``uvicorn.run(PostbackReceiver(...))``.
    """

    def __init__(
        self,
        verifier: _Verifier[T],
        handler: Callable[[T], Awaitable[object]],
        *,
        path: str | None = None,
        only_processed: bool = True,
        max_body: int = 1 << 20,
    ) -> None:
        self._verifier = verifier
        self._handler = handler
        self._path = path
        self._only_processed = only_processed
        self._max_body = max_body

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        status, text = await self._handle(scope, receive)
        headers = [(b"content-type", b"application/json")]
        if status == 405:
            headers.append((b"allow", ", ".join(sorted(POSTBACK_METHODS)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps({"status": text}).encode()})

    async def _handle(self, scope: _Scope, receive: _Receive) -> tuple[int, str]:
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
        if scope["method"] not in POSTBACK_METHODS:
            return 405, "method not allowed"
        if len(body) > self._max_body:
            return 413, "body too large"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            postback = parse_postback(
                method=scope["method"],
                query=scope.get("query_string", b""),
                body=body,
                content_type=headers.get("content-type"),
            )
        except ValidationError as exc:
            return 400, str(exc)
        try:
            image = await self._verifier.verify_postback(postback)
        except (NotFoundError, ValidationError):
            return 404, "unknown image"
        except APIError as exc:
            logger.warning("datawow postback: could not re-fetch the image: %s", exc)
            return 502, "could not verify the image"
        if self._only_processed and not image.processed:
            return 202, "ignored: image not processed"
        try:
            await self._handler(image)
        except Exception:
            logger.exception("datawow postback handler failed for image %s", image.id)
            return 500, "handler failed"
        return 200, "ok"


def _record_of(document: object) -> dict[str, typing.Any]:
    """The image record in a JSON postback: itself, or inside ``data``, ``image``, ``images``."""
    for _ in range(3):
        if not isinstance(document, dict):
            return {}
        if "id" in document or "custom_id" in document:
            return document
        inner = next(
            (document[k] for k in ("data", "image", "images") if k in document),
            None,
        )
        if isinstance(inner, list):
            inner = inner[0] if len(inner) == 1 else None
        if not isinstance(inner, dict):
            return document
        document = inner
    return document if isinstance(document, dict) else {}


def _first(payload: Mapping[str, typing.Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, bool) or value is None or value == "":
            continue
        if isinstance(value, (str, int)):
            return str(value)
    return None
