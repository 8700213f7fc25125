"""The base of the FastLabel emulator's route groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._emulator import Request, RouteGroupBase
from ._data import Query
from ._state import Project, Store

if TYPE_CHECKING:
    from ._app import FastLabelEmulator  # noqa: F401 - the type argument of the base below

__all__ = ["RouteGroup"]


class RouteGroup(RouteGroupBase["FastLabelEmulator"]):
    """A family of routes over the emulator's shared state.

    Subclasses declare their routes with :func:`~labelkit._emulator.route` and
    read requests through ``emu.body`` and :meth:`query`, whose readers answer
    the API's validation errors.
    """

    @property
    def store(self) -> Store:
        """The emulator's shared state."""
        return self.emu.store

    def query(self, request: Request) -> Query:
        """The query parameters."""
        return Query(request)

    def project_of(self, query: Query) -> Project:
        """The project named by the required ``project`` query parameter (else 400 / 404)."""
        return self.emu.project(query.required("project"))
