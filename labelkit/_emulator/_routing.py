"""Routes of the emulators: path templates, and route groups declaring their routes on handlers.

A route group is a class with a method per route; :func:`route` declares
the method and path each handler serves, and :class:`RouteGroupBase` lists
them for :meth:`~labelkit._emulator.EmulatorApp.add_routes`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

import attrs

from ._messages import Request, Response

if TYPE_CHECKING:
    from ._app import EmulatorApp

__all__ = [
    "Handler",
    "Route",
    "RouteGroup",
    "RouteGroupBase",
    "RouteSpec",
    "compile_path",
    "route",
    "routes_of",
]

Handler = Callable[[Request], Awaitable[Response]]
#: ``(method, path, handler)`` of one route, as a route group lists it.
RouteSpec = tuple[str, str, Handler]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(str|int|path))?\}")
_CONVERTERS = {"str": "[^/]+", "int": "[0-9]+", "path": ".*"}


def compile_path(template: str) -> re.Pattern[str]:
    """Compile ``"/items/{id:int}/files/{name}"`` to a regex with named groups.

    Converters: ``str`` (default, one segment), ``int`` (digits), ``path`` (anything).
    """
    pattern, position = "^", 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[position : match.start()])
        pattern += f"(?P<{match.group(1)}>{_CONVERTERS[match.group(2) or 'str']})"
        position = match.end()
    return re.compile(pattern + re.escape(template[position:]) + "$")


@attrs.frozen
class Route:
    """One registered endpoint."""

    method: str
    template: str
    handler: Handler
    auth: bool = True
    regex: re.Pattern[str] = attrs.field(init=False)

    #: Per path segment: 0 literal, 1 a one-segment parameter, 2 a ``path`` parameter.
    specificity: tuple[int, ...] = attrs.field(init=False)

    @regex.default
    def _compile(self) -> re.Pattern[str]:
        return compile_path(self.template)

    @specificity.default
    def _rank(self) -> tuple[int, ...]:
        def rank(segment: str) -> int:
            kinds = [m.group(2) or "str" for m in _PARAM.finditer(segment)]
            return 2 if "path" in kinds else 1 if kinds else 0

        return tuple(rank(segment) for segment in self.template.split("/"))


class RouteGroup(Protocol):
    """A set of related routes: a class with a method per route (:class:`RouteGroupBase`).

    Every emulator groups its handlers this way and registers each group's
    :meth:`routes` with :meth:`EmulatorApp.add_routes`.
    """

    def routes(self) -> Iterable[RouteSpec]:
        """``(method, path, handler)`` of every route of the group."""
        ...


AppT = TypeVar("AppT", bound="EmulatorApp")
HandlerT = TypeVar("HandlerT", bound=Callable[..., Awaitable[Response]])
#: ``(method, path, keyword arguments bound to the handler)`` of one declared route.
_Declared = tuple[str, str, Mapping[str, object]]
_ROUTES_ATTR = "__emulator_routes__"


def route(method: str, path: str, **bound: object) -> Callable[[HandlerT], HandlerT]:
    """Declare the decorated :class:`RouteGroupBase` method the handler of ``method path``.

    Stackable: one handler may serve several routes (listed top to bottom).
    ``bound`` keyword arguments are passed to the handler with every request
    of this route, for one handler serving routes that differ by a value.
    """
    return routes_of([(method, path, bound)])


def routes_of(declared: Iterable[_Declared]) -> Callable[[HandlerT], HandlerT]:
    """Like :func:`route` for a computed table of ``(method, path, bound keywords)``."""
    table = list(declared)

    def decorate(handler: HandlerT) -> HandlerT:
        declared = table + getattr(handler, _ROUTES_ATTR, [])
        routes = [(method, path) for method, path, _ in declared]
        repeated = {r for r in routes if routes.count(r) > 1}
        if repeated:
            raise ValueError(f"{handler.__qualname__}: route declared twice: {sorted(repeated)}")
        setattr(handler, _ROUTES_ATTR, declared)
        return handler

    return decorate


class RouteGroupBase(Generic[AppT]):
    """A :class:`RouteGroup` whose handlers serve one emulator's state (``self.emu``).

    Its routes are the methods declared with :func:`route` / :func:`routes_of`
    (collected once per class, subclasses inheriting and overriding them).
    """

    _declared: ClassVar[tuple[tuple[str, _Declared], ...]] = ()

    def __init__(self, emu: AppT) -> None:
        self.emu = emu

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, list[_Declared]] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                handlers.pop(name, None)  # an override replaces the inherited declaration
                if hasattr(value, _ROUTES_ATTR):
                    handlers[name] = getattr(value, _ROUTES_ATTR)
        cls._declared = tuple((name, d) for name, table in handlers.items() for d in table)

    def routes(self) -> Iterator[RouteSpec]:
        """``(method, path, handler)`` of every declared route of the group."""
        for name, (method, path, bound) in self._declared:
            handler = getattr(self, name)
            yield method, path, functools.partial(handler, **bound) if bound else handler
