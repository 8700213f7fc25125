"""Shared type aliases and the ``NOT_GIVEN`` sentinel."""

from __future__ import annotations

import enum
import typing

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven(enum.Enum):
    """Marks an argument that was not passed (``None`` can be a real value)."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> typing.Literal[False]:
        return False


NOT_GIVEN: typing.Final = NotGiven.NOT_GIVEN
