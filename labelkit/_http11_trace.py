"""httpcore's ``Trace`` for :mod:`labelkit._http11`: the ``trace`` extension and the debug log.

A request's phases are reported as httpcore reports them
(``<logger>.<phase>.started/complete/failed``), only when someone listens.
"""

from __future__ import annotations

import logging
import typing

import httpcore

__all__ = ["Quiet", "Span", "span"]


class Span:
    """httpcore's ``Trace``: ``<prefix>.<name>.started/complete/failed`` to the
    ``trace`` extension and the httpcore debug log. Made only when either listens."""

    def __init__(
        self, trace: typing.Any, logger: logging.Logger, name: str, info: dict[str, typing.Any]
    ) -> None:
        self._trace = trace
        self._logger = logger
        self._name = name
        self._info = info
        self.return_value: typing.Any = None

    async def _emit(self, event: str, info: dict[str, typing.Any]) -> None:
        if self._trace is not None:
            await self._trace(f"{self._logger.name.split('.')[-1]}.{event}", info)
        if self._logger.isEnabledFor(logging.DEBUG):
            if not info or info.get("return_value", 0) is None:
                self._logger.debug(event)
            else:
                args = " ".join(f"{key}={value!r}" for key, value in info.items())
                self._logger.debug(f"{event} {args}")

    async def __aenter__(self) -> Span:
        await self._emit(f"{self._name}.started", self._info)
        return self

    async def __aexit__(self, _type: object, error: BaseException | None, _tb: object) -> None:
        if error is None:
            await self._emit(f"{self._name}.complete", {"return_value": self.return_value})
        else:
            await self._emit(f"{self._name}.failed", {"exception": error})


class Quiet:
    """The :class:`Span` of a request nobody traces: nothing to do."""

    return_value: typing.Any = None

    async def __aenter__(self) -> Quiet:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


_QUIET = Quiet()


def span(
    traced: bool, source: httpcore.Request, logger: logging.Logger, name: str, **info: object
) -> Span | Quiet:
    if not traced:
        return _QUIET
    trace = source.extensions.get("trace")
    return Span(trace, logger, name, info)
