"""Receiving Datawow postbacks: parse what arrived, then re-fetch the image before trusting it.

Datawow calls your ``postback_url`` with your ``postback_method`` once an
image is processed. The payload format is undocumented and postbacks carry no
signature, so anyone can send one: a postback only says "look at image X".
:func:`parse_postback` extracts X from a JSON body, a form body or the query
string; ``verify_postback`` (on the client or a product resource) re-fetches X
with your project key; :class:`PostbackReceiver` is an ASGI app doing both.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

import attrs

from ..._errors import APIError, NotFoundError, ValidationError
from ..._webhooks import WebhookAnswer, WebhookReceiver, WebhookRequest, decode_body
from ._models import POSTBACK_METHODS, Image

__all__ = ["Postback", "PostbackReceiver", "parse_postback"]

T_co = typing.TypeVar("T_co", bound=Image, covariant=True)
T = typing.TypeVar("T", bound=Image)

logger = logging.getLogger("labelkit")

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
    payload.update(_record_of(decode_body(body, content_type)))
    ident = _first(payload, _ID_KEYS)
    custom_id = _first(payload, _CUSTOM_ID_KEYS)
    if ident is None and custom_id is None:
        raise ValidationError("postback", "names no image: it has neither id nor custom_id")
    return Postback(method=verb, id=ident, custom_id=custom_id, payload=payload)


class _Verifier(typing.Protocol[T_co]):
    def verify_postback(self, postback: Postback) -> Awaitable[T_co]: ...


class PostbackReceiver(WebhookReceiver[None, Postback, T]):
    """An ASGI app that receives postbacks and hands verified images to ``handler``.

    ``verifier`` is an :class:`~labelkit.datawow.AsyncDatawow` client or one of
    its product resources (``client.choice``: the handler then gets typed
    records). For every request: parse it (400 if it names no image), re-fetch
    the image with the project key (404 if this project has no such image,
    502 if the API could not be reached, so that a retried postback can try
    again), then, if the fetched image is processed (or ``only_processed`` is
    False), call ``handler(image)`` (sync or async) and answer 200 (500 if
    the handler raised). A postback for an image not yet processed answers
    202 and is not handed on. ``path`` restricts the app to one path.
    Postbacks may repeat, so the handler must be idempotent; keep it short
    (queue slow work). ``await receiver.wait(image_id)`` returns the image of
    the latest verified postback for it. Mount it in any ASGI server, e.g.
    ``uvicorn.run(PostbackReceiver(...))``.
    """

    methods = POSTBACK_METHODS
    waits_for = "postback for Datawow image"

    def __init__(
        self,
        verifier: _Verifier[T],
        handler: Callable[[T], object],
        *,
        path: str | None = None,
        only_processed: bool = True,
        max_body: int = 1 << 20,
    ) -> None:
        super().__init__(handler, path=path, max_body=max_body)
        self._verifier = verifier
        self._only_processed = only_processed

    async def authenticate(self, request: WebhookRequest) -> None:
        return None  # postbacks carry no signature: verify() re-fetches instead

    def parse(self, request: WebhookRequest, sender: None) -> Postback:
        try:
            return parse_postback(
                method=request.method,
                query=request.query,
                body=request.body,
                content_type=request.headers.get("content-type"),
            )
        except ValidationError as exc:
            raise WebhookAnswer(400, str(exc)) from None

    async def verify(self, claim: Postback) -> T:
        try:
            image = await self._verifier.verify_postback(claim)
        except (NotFoundError, ValidationError):
            raise WebhookAnswer(404, "unknown image") from None
        except APIError as exc:
            logger.warning("datawow postback: could not re-fetch the image: %s", exc)
            raise WebhookAnswer(502, "could not verify the image") from None
        if self._only_processed and not image.processed:
            raise WebhookAnswer(202, "ignored: image not processed")
        return image

    def event_id(self, event: T) -> str:
        if event.id is None:  # find_id answers with the image itself, id included
            raise WebhookAnswer(502, "the re-fetched image has no id")
        return event.id


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
