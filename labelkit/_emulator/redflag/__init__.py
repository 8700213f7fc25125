"""The RedFlag emulator (registered as ``'redflag'``)."""

from ._app import (
    DEFAULT_TOKEN,
    PREFIX,
    RedFlagEmulator,
    StoredOperation,
    StoredUpload,
)

__all__ = [
    "DEFAULT_TOKEN",
    "PREFIX",
    "RedFlagEmulator",
    "StoredOperation",
    "StoredUpload",
]
