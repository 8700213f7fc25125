"""The CloudSight emulator (registered as ``'cloudsight'``)."""

from ._app import (
    DEFAULT_KEY,
    DEFAULT_SECRET,
    CloudSightEmulator,
    StoredJob,
)

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_SECRET",
    "CloudSightEmulator",
    "StoredJob",
]
