"""The Scale emulator (registered as ``'scale'``)."""

from ._app import (
    DEFAULT_CALLBACK_AUTH_KEY,
    DEFAULT_LIVE_KEY,
    DEFAULT_TEST_KEY,
    PREFIX,
    CallbackAttempt,
    ScaleEmulator,
    StoredTask,
)

__all__ = [
    "DEFAULT_CALLBACK_AUTH_KEY",
    "DEFAULT_LIVE_KEY",
    "DEFAULT_TEST_KEY",
    "PREFIX",
    "CallbackAttempt",
    "ScaleEmulator",
    "StoredTask",
]
