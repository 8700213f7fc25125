"""The emulator framework: routing, auth, exact rate limits and fault injection over ASGI.

Every provider emulator is an :class:`EmulatorApp` subclass: it registers its
routes (route groups, :mod:`labelkit._emulator._routing`), says how to
authenticate (:meth:`EmulatorApp.check_auth`) and how its error bodies look
(:meth:`EmulatorApp.error_body`). The app then serves
in-process (:meth:`EmulatorApp.transport`, an httpx transport) or over a
real socket (:mod:`labelkit._emulator._server`).

Order of work for each request: match the route (404 / 405) → authenticate
(401) → rate limit (429), all at arrival time; draw faults; sleep ``latency``
(+ ``slow_delay``); answer an injected error (nothing committed) or run the
handler; drop the connection if a drop was drawn (the handler has committed).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

import anyio
import attrs
from typing_extensions import Unpack

from .._signatures import expand_unpacked_kwargs, with_defaults
from .._webhooks import answer_lifespan
from ._messages import (
    ClientDisconnect,
    DropConnection,
    ErrorDetails,
    HTTPError,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
)
from ._routing import Handler, Route, RouteSpec
from ._state import EmulatorConfig, EmulatorStats, SimClock, SlidingWindowLimiter
from ._transport import EmulatorTransport

__all__ = ["EmulatorApp"]

logger = logging.getLogger("labelkit.emulator")

_instances = itertools.count(1)


@attrs.define
class _ScheduledFault:
    kind: str  # "fail" or "drop"
    remaining: int
    status: int
    method: str | None
    path: str | None
    headers: dict[str, str]

    def matches(self, request: Request) -> bool:
        return (self.method is None or self.method == request.method) and (
            self.path is None or self.path in (request.path, request.route)
        )


@attrs.frozen
class _Faults:
    error: _ScheduledFault | None = None
    drop: bool = False
    slow: bool = False


_NO_FAULTS = _Faults()


class EmulatorApp:
    """An ASGI app with routing, auth, per-credential rate limits and fault injection.

    Subclass it (or pass ``check_auth`` / ``error_body`` callables) and register
    handlers with :meth:`add_route`. ``config`` may be changed at any time;
    ``stats`` counts what happened; ``clock`` is the simulated clock jobs
    should use. ``timer`` (default ``time.monotonic``) times arrivals for the
    rate limiter and drives ``clock``; tests may pass a fake one.

    A client reaches it in-process with ``transport=app.transport()`` and
    ``base_url=app.base_url``, or over loopback through
    :class:`~labelkit._emulator.EmulatorServer` (``base_url=server.base_url``).
    """

    #: Value of ``WWW-Authenticate`` on 401 responses (``None``: no header).
    auth_challenge: str | None = None
    #: The path the provider's API is mounted at (the path of the client's base URL).
    base_path: ClassVar[str] = "/"
    #: Status -> the one message the provider sends with every error of that status,
    #: whatever the cause (e.g. ``{401: "Not authenticated"}``).
    fixed_error_messages: ClassVar[Mapping[int, str]] = {}

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        name: str = "emulator",
        check_auth: Callable[[Request], str | None] | None = None,
        error_body: Callable[[int, str, str], object] | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config if config is not None else EmulatorConfig()
        self.name = name
        self.stats = EmulatorStats()
        self.timer = timer
        self.clock = SimClock(lambda: self._config.time_scale, timer=timer)
        self._watch_time_scale(self._config)
        self.routes: list[Route] = []
        self._check_auth = check_auth
        self._error_body = error_body
        self._limiter = SlidingWindowLimiter()
        self._rng = random.Random(self.config.seed)
        self._scheduled: list[_ScheduledFault] = []
        self._origin = f"http://{name}-{next(_instances)}.emulator.invalid"

    @property
    def base_url(self) -> str:
        """The base URL for a client using :meth:`transport`.

        Its host is unique to this emulator (a ``.invalid`` name that resolves
        nowhere), so clients of two emulators never share a client-side rate
        limiter, and a client given this URL without the transport fails
        instead of reaching a real server.
        """
        return self._origin + self.base_path

    def transport(self) -> EmulatorTransport:
        """A new httpx transport serving this emulator in-process (no sockets)."""
        return EmulatorTransport(self)

    @property
    def config(self) -> EmulatorConfig:
        """The knobs read on every request; change fields or assign a new config any time."""
        return self._config

    @config.setter
    def config(self, value: EmulatorConfig) -> None:
        self.clock.sync(value.time_scale)
        self._config = value
        self._watch_time_scale(value)
        self._rng = random.Random(value.seed)

    def _watch_time_scale(self, config: EmulatorConfig) -> None:
        def changing(new_scale: float) -> None:
            if config is self._config:  # a replaced config no longer drives the clock
                self.clock.sync(new_scale)

        config.on_time_scale_change(changing)

    # -- registration -------------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: Handler, *, auth: bool = True) -> Route:
        """Register ``handler`` for ``method path``.

        The most specific matching route serves a request, whatever the
        registration order: segment by segment, a literal beats a parameter and a
        one-segment parameter beats a ``path`` one; of equals, the first registered.
        """
        route = Route(method.upper(), path, handler, auth)
        bisect.insort_right(self.routes, route, key=lambda r: r.specificity)
        return route

    def add_routes(
        self, routes: Iterable[RouteSpec], *, prefix: str = "", auth: bool = True
    ) -> None:
        """Register every ``(method, path, handler)`` of a route table under ``prefix``."""
        for method, path, handler in routes:
            self.add_route(method, prefix + path, handler, auth=auth)

    # -- provider hooks -----------------------------------------------------------------

    def check_auth(self, request: Request) -> str | None:
        """The credential identity of ``request``, or ``None`` to answer 401.

        Default: the ``check_auth`` callable given to the constructor, or
        accept everyone as ``"anonymous"``.
        """
        if self._check_auth is not None:
            return self._check_auth(request)
        return "anonymous"

    def error_body(self, status: int, code: str, message: str) -> object:
        """The JSON body of an error response.

        Default: ``{"error": {"code": code, "message": message}}`` (or the
        ``error_body`` callable given to the constructor).
        """
        if self._error_body is not None:
            return self._error_body(status, code, message)
        return {"error": {"code": code, "message": message}}

    def error_response(
        self, status: int, message: str | None = None, **details: Unpack[ErrorDetails]
    ) -> Response:
        """An error response in this emulator's error-body shape."""
        given = with_defaults(details, ErrorDetails, "EmulatorApp.error_response")
        return self.render_error(HTTPError(status, message, **given))

    def render_error(self, error: HTTPError) -> Response:
        """The response answering ``error``: :meth:`error_body` as JSON.

        Every error answer (routing, auth, rate limit, faults, handlers'
        :class:`HTTPError`) goes through it; override it for a non-JSON answer.
        """
        message = self.fixed_error_messages.get(error.status, error.message)
        body = self.error_body(error.status, error.code, message)
        return json_response(body, error.status, headers=error.headers)

    # -- deterministic faults and state -------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        method: str | None = None,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (handler not run).

        ``path`` matches the request path or the route template. Applies after
        routing, auth and the rate limit, like ``error_rate``.
        """
        method = method.upper() if method else None
        self._scheduled.append(
            _ScheduledFault("fail", count, status, method, path, dict(headers or {}))
        )

    def drop_next(
        self, count: int = 1, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Run the handler of the next ``count`` matching requests, then drop the connection."""
        method = method.upper() if method else None
        self._scheduled.append(_ScheduledFault("drop", count, 0, method, path, {}))

    def reset(self) -> None:
        """Clear counters, rate-limit windows and scheduled faults; re-seed the fault RNG."""
        self.stats.reset()
        self._limiter.reset()
        self._scheduled.clear()
        self._rng = random.Random(self.config.seed)

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point. :class:`DropConnection` propagates out of it."""
        if scope["type"] == "lifespan":
            await answer_lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"unsupported ASGI scope type {scope['type']!r}")
        stats = self.stats
        arrival = self.timer()
        stats.requests += 1
        stats.arrivals.append(arrival)
        stats.paths[scope["path"]] += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        request = Request(scope, receive)
        try:
            response = await self._respond(request, arrival)
            stats.statuses[response.status] += 1
            await response(send)
        except DropConnection:
            stats.drops += 1
            raise
        except ClientDisconnect:
            return  # nobody left to answer
        finally:
            stats.in_flight -= 1
            request.close()

    async def _respond(self, request: Request, arrival: float) -> Response:
        faults = _NO_FAULTS
        early: Response | None = None
        route, allowed = self._match(request)
        if route is None:
            if allowed:
                early = self.error_response(
                    405,
                    f"method {request.method} not allowed",
                    headers={"allow": ", ".join(sorted(set(allowed)))},
                )
            else:
                early = self.error_response(404, f"no route for {request.path}")
        else:
            self.stats.routes[f"{route.method} {route.template}"] += 1
            early = self._admit(request, route, arrival)
            if early is None:
                faults = self._draw_faults(request)

        delay = self.config.latency + (self.config.slow_delay if faults.slow else 0.0)
        if delay > 0:
            await anyio.sleep(delay)
        if early is not None:
            return early
        assert route is not None
        if faults.error is not None:
            self.stats.errors_injected += 1
            fault = faults.error
            return self.error_response(fault.status, "injected fault", headers=fault.headers)
        response = await self._run_handler(route, request)
        if faults.drop:
            raise DropConnection("injected: connection dropped after the handler committed")
        return response

    def _match(self, request: Request) -> tuple[Route | None, list[str]]:
        allowed: list[str] = []
        method = "GET" if request.method == "HEAD" else request.method
        for route in self.routes:
            match = route.regex.match(request.path)
            if match is None:
                continue
            if route.method == method:
                request.path_params = match.groupdict()
                request.route = route.template
                return route, []
            allowed.append(route.method)
        return None, allowed

    def _admit(self, request: Request, route: Route, arrival: float) -> Response | None:
        if not route.auth:
            return None
        credential = self.check_auth(request)
        if credential is None:
            headers = {"www-authenticate": self.auth_challenge} if self.auth_challenge else None
            return self.error_response(401, "missing or invalid credentials", headers=headers)
        request.credential = credential
        limit = self.config.rate_limit
        if limit is None:
            return None
        wait = self._limiter.admit(credential, limit, arrival)
        if wait is None:
            return None
        self.stats.rate_limited += 1
        retry_after = max(1, math.ceil(wait))
        return self.error_response(
            429,
            f"rate limit of {limit.calls} requests per {limit.period:g} s exceeded",
            headers={"retry-after": str(retry_after)},
        )

    def _draw_faults(self, request: Request) -> _Faults:
        config = self.config
        error_draw, drop_draw, slow_draw = (self._rng.random() for _ in range(3))
        slow = slow_draw < config.slow_rate
        for kind in ("fail", "drop"):
            for fault in self._scheduled:
                if fault.kind == kind and fault.remaining > 0 and fault.matches(request):
                    fault.remaining -= 1
                    self._scheduled = [f for f in self._scheduled if f.remaining > 0]
                    if kind == "fail":
                        return _Faults(error=fault, slow=slow)
                    return _Faults(drop=True, slow=slow)
        if error_draw < config.error_rate:
            injected = _ScheduledFault("fail", 0, config.error_status, None, None, {})
            return _Faults(error=injected, slow=slow)
        return _Faults(drop=drop_draw < config.drop_rate, slow=slow)

    async def _run_handler(self, route: Route, request: Request) -> Response:
        try:
            return await route.handler(request)
        except HTTPError as exc:
            return self.render_error(exc)
        except (DropConnection, ClientDisconnect):
            raise
        except Exception:
            logger.exception("%s: handler of %s %s failed", self.name, request.method, request.path)
            return self.error_response(500, "internal emulator error")


expand_unpacked_kwargs(EmulatorApp)
