"""Stateful fake servers ("emulators") of the provider APIs, for tests, benchmarks and demos.

An emulator is an ASGI app (:class:`EmulatorApp` subclass) that serves
in-process as an httpx transport (:meth:`EmulatorApp.transport`,
:class:`EmulatorTransport`) or over a real loopback socket
(:class:`EmulatorServer`, :func:`serving`, :func:`serve`). Faults and timing
are set through :class:`EmulatorConfig`; :class:`EmulatorStats` counts what
happened.
"""

from __future__ import annotations

from ._app import EmulatorApp
from ._messages import *  # noqa: F403
from ._messages import __all__ as _messages_all
from ._multipart import FormData, MultipartError, UploadFile
from ._registry import available_emulators, create_emulator, register_emulator
from ._routing import (
    Handler,
    Route,
    RouteGroup,
    RouteGroupBase,
    RouteSpec,
    compile_path,
    route,
    routes_of,
)
from ._server import EmulatorServer, serve, serving
from ._state import EmulatorConfig, EmulatorStats, SimClock
from ._transport import EmulatorTransport
from ._webhooks import DeliveryAttempt, WebhookSender, is_loopback_url

__all__ = [
    *_messages_all,
    "DeliveryAttempt",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "EmulatorStats",
    "EmulatorTransport",
    "FormData",
    "Handler",
    "MultipartError",
    "Route",
    "RouteGroup",
    "RouteGroupBase",
    "RouteSpec",
    "SimClock",
    "UploadFile",
    "WebhookSender",
    "available_emulators",
    "compile_path",
    "create_emulator",
    "is_loopback_url",
    "register_emulator",
    "route",
    "routes_of",
    "serve",
    "serving",
]
