"""The Datawow emulator (registered as ``'datawow'``)."""

from ._app import (
    DEFAULT_PROJECTS,
    PREFIX,
    DatawowEmulator,
    StoredImage,
    StoredProject,
)

__all__ = [
    "DEFAULT_PROJECTS",
    "PREFIX",
    "DatawowEmulator",
    "StoredImage",
    "StoredProject",
]
