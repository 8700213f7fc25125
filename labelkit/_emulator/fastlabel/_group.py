"""The base of the FastLabel emulator's route groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..._emulator import Request
from ._data import Query
from ._state import Project

if TYPE_CHECKING:
    from ._app import FastLabelEmulator, RouteSpec

__all__ = ["RouteGroup"]


class RouteGroup:
    """A family of routes over the emulator's shared state.

    Subclasses list their routes in :meth:`routes` and read requests through
    ``emu.body`` and :meth:`query`, whose readers answer the API's validation errors.
    """

    def __init__(self, emu: FastLabelEmulator) -> None:
        self.emu = emu
        self.store = emu.store

    def routes(self) -> Iterator[RouteSpec]:
        """``(method, path, handler)`` of every route, most specific first."""
        raise NotImplementedError

    def query(self, request: Request) -> Query:
        """The query parameters."""
        return Query(request)

    def project_of(self, query: Query) -> Project:
        """The project named by the required ``project`` query parameter (else 400 / 404)."""
        return self.emu.project(query.required("project"))
