"""The FastLabel emulator (registered as ``'fastlabel'``)."""

from ._app import (
    DEFAULT_RATE_LIMIT,
    DEFAULT_TOKEN,
    PREFIX,
    FastLabelEmulator,
    RouteSpec,
)

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_TOKEN",
    "PREFIX",
    "FastLabelEmulator",
    "RouteSpec",
]
