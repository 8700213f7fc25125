"""Requests on labelkit's own pool without ``httpx.AsyncClient``'s per-request work.

Through the client, every attempt builds an ``httpx.URL`` (parsed twice:
the path, then the merge with the base URL), merges ``Headers`` objects,
runs the auth and redirect machinery, looks for cookies and wraps the
response in an ``httpx.Response``; on a bulk create that is a good part of
the client's CPU time. :class:`DirectSender` sends the same request (same
head, byte for byte, in the same order) straight to the pool of the
session's :class:`~labelkit._transport.PooledTransport`, for the requests
where the result is plainly the same: a relative path of plain characters,
query parameters as :func:`~labelkit._params.encode_params` gives them (string
keys and values), no ``Host`` header, a client without cookies. Anything else
(and every custom ``transport=``) goes through httpx as before.
"""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import AsyncIterable, Mapping
from urllib.parse import urlencode

import httpcore
import httpx

from ._params import encode_params
from ._transport import PooledTransport, _mapped

__all__ = ["DirectSender", "Sent"]

#: A relative path httpx leaves as it is: unreserved characters, ``/`` and
#: percent escapes, one leading ``/`` at most; no segment starting with a dot
#: (httpx would normalise ``.`` and ``..``), no ``:`` (it could read as a
#: scheme), no query.
_SEGMENT = r"[A-Za-z0-9_~-](?:[A-Za-z0-9_.~-]|%[0-9A-Fa-f]{2})*"
# Segments joined by exactly one "/": no nested repetition to backtrack through.
_PLAIN_PATH = re.compile(rf"/?(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?")
#: httpx refuses a URL component longer than this (``httpx._urlparse.MAX_URL_LENGTH``).
_MAX_COMPONENT = 65536
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_httpx_logger = logging.getLogger("httpx")


class Sent(typing.NamedTuple):
    """A fully read answer, as ``HttpSession.send`` hands it on."""

    status: int
    headers: dict[str, str]
    content: bytes
    url: str


class DirectSender:
    """Sends requests of ``client`` (whose transport is ``transport``) straight to its pool."""

    def __init__(self, client: httpx.AsyncClient, transport: PooledTransport) -> None:
        base = client.base_url
        self._client = client
        self._pool = transport.pool
        self._scheme = base.raw_scheme
        self._host = base.raw_host
        self._port = base.port
        self._path = base.raw_path
        url = str(base)
        # httpx prints a root base URL without its "/" ("http://h:1"); its path is "/".
        self._url = url if url.endswith("/") else url + "/"
        self._netloc = base.netloc
        # The client's headers (httpx's defaults, then the session's), with
        # each name's lower-case form to merge the request's over them.
        self._headers = [
            (name, name.decode("ascii").lower(), value) for name, value in client.headers.raw
        ]
        # httpx would add Basic auth from the base URL's userinfo, and merges
        # (rather than repeats) a Host or framing header given on the client.
        framing = {"host", "content-length", "transfer-encoding"}
        self.usable = not base.userinfo and not any(
            lower in framing for _, lower, _ in self._headers
        )

    def query(self, path: str, params: typing.Any, headers: Mapping[str, str]) -> str | None:
        """The query string (``""`` for none) with which httpx would send this request
        exactly as :meth:`send` does; None when that is not plainly so."""
        if (
            not self.usable
            or self._client.is_closed
            or self._client.cookies  # stored by a request that went through httpx
            or len(path) > _MAX_COMPONENT
            or _PLAIN_PATH.fullmatch(path) is None
            or any(name.lower() == "host" for name in headers)
        ):
            return None
        return _query(params)

    def accepts(self, path: str, params: typing.Any, headers: Mapping[str, str]) -> bool:
        """Whether httpx would send this request exactly as :meth:`send` does."""
        return self.query(path, params, headers) is not None

    def _head(
        self, method: str, headers: Mapping[str, str], content: object
    ) -> list[tuple[bytes, bytes]]:
        """The request's header lines in httpx's order (see ``httpx.Headers.update``
        and ``httpx.Request._prepare``)."""
        given = {name.lower() for name in headers}
        lines = [(name, value) for name, lower, value in self._headers if lower not in given]
        lines += [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
        framed = "content-length" in given or "transfer-encoding" in given
        if isinstance(content, bytes):
            if content and "content-length" not in given:
                lines.append((b"Content-Length", str(len(content)).encode()))
                framed = True
        elif content is not None and "content-length" not in given:
            if "transfer-encoding" not in given:
                lines.append((b"Transfer-Encoding", b"chunked"))
            framed = True
        auto = [(b"Host", self._netloc)]
        if not framed and method in _BODY_METHODS:
            auto.append((b"Content-Length", b"0"))
        return auto + lines

    async def send(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        content: bytes | AsyncIterable[bytes] | None,
        extensions: dict[str, typing.Any],
        query: str = "",
    ) -> Sent:
        """Send one request and read the whole answer; errors are httpx's, as from the client.

        ``query`` is what :meth:`query` gave for the request."""
        relative = path.lstrip("/") + "?" + query if query else path.lstrip("/")
        target = self._path + relative.encode("ascii")
        url = self._url + relative
        request = httpcore.Request(
            method=method,
            url=httpcore.URL(scheme=self._scheme, host=self._host, port=self._port, target=target),
            content=b"" if content is None else content,
            extensions=extensions,
        )
        # Set after construction: every name and value is bytes already, which is
        # all httpcore's per-header check (a good part of building a request) asks.
        request.headers = self._head(method, headers, content)
        try:
            response = await self._pool.handle_async_request(request)
            try:
                chunks = [
                    chunk async for chunk in typing.cast("AsyncIterable[bytes]", response.stream)
                ]
            finally:
                await response.aclose()
        except httpcore.UnsupportedProtocol as exc:
            raise httpx.UnsupportedProtocol(str(exc)) from exc
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _mapped(exc) from exc
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        status = response.status
        raw = response.headers
        answer = _headers(raw)
        if "set-cookie" in answer or ("content-encoding" in answer and body):
            body = self._through_httpx(method, url, status, raw, body)
        if _httpx_logger.isEnabledFor(logging.INFO):
            info = response.extensions
            _httpx_logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                method,
                url,
                info.get("http_version", b"HTTP/1.1").decode("ascii", errors="ignore"),
                status,
                info.get("reason_phrase", b"").decode("ascii", errors="ignore")
                or httpx.codes.get_reason_phrase(status),
            )
        return Sent(status, answer, body, url)

    def _through_httpx(
        self, method: str, url: str, status: int, raw: list[tuple[bytes, bytes]], body: bytes
    ) -> bytes:
        """The body decoded as httpx decodes it; cookies kept in the client's jar.

        From the first cookie on, requests go through the client, which sends them back.
        """
        response = httpx.Response(
            status, headers=raw, content=body, request=httpx.Request(method, url)
        )
        if "set-cookie" in response.headers:
            self._client.cookies.extract_cookies(response)
            self.usable = False
        return response.content


def _query(params: typing.Any) -> str | None:
    """The query string httpx makes of ``encode_params(params)``, or None if not plainly known.

    httpx gathers the pairs into a ``QueryParams`` (a key's values move up to
    its first place), writes them with ``urllib.parse.urlencode`` and quotes the
    result with a safe set that leaves urlencode's output as it is
    (``httpx._urlparse.quote``). Keys or values that are not plain strings
    (which ``str()`` could merge or spell otherwise), text UTF-8 cannot encode
    and over-long queries (which httpx rejects) are left to httpx.
    """
    pairs = encode_params(params)
    if not pairs:
        return ""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if type(key) is not str or type(value) is not str:
            return None
        grouped.setdefault(key, []).append(value)
    try:
        query = urlencode([(key, value) for key, values in grouped.items() for value in values])
    except UnicodeEncodeError:
        return None
    return query if len(query) <= _MAX_COMPONENT else None


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case names to values, repeated names joined by ``, `` (``httpx.Headers.items``)."""
    out: dict[str, str] = {}
    try:
        for name, value in raw:
            key = name.lower().decode("ascii")
            text = value.decode("ascii")
            out[key] = f"{out[key]}, {text}" if key in out else text
    except UnicodeDecodeError:
        return dict(httpx.Headers(raw).items())
    return out
