"""Name → factory registry of the provider emulators.

Each provider's emulator package, ``labelkit._emulator.<name>``, calls
:func:`register_emulator` when imported; :func:`available_emulators` and
:func:`create_emulator` import those packages on first use. A factory takes
keyword options, at least ``config: EmulatorConfig | None``, and returns an
:class:`~labelkit._emulator._app.EmulatorApp`.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from typing import Any

from ._app import EmulatorApp

__all__ = ["EmulatorFactory", "available_emulators", "create_emulator", "register_emulator"]

logger = logging.getLogger("labelkit.emulator")

EmulatorFactory = Callable[..., EmulatorApp]

_factories: dict[str, EmulatorFactory] = {}
_discovered = False


def register_emulator(name: str, factory: EmulatorFactory) -> None:
    """Make ``factory`` available as ``name`` (registering a name again replaces it)."""
    _factories[name] = factory


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    import labelkit._emulator as emulators

    for info in pkgutil.iter_modules(emulators.__path__):
        if not info.ispkg:
            continue
        module = f"{emulators.__name__}.{info.name}"
        try:
            importlib.import_module(module)
        except Exception:
            # One broken provider must not hide the others.
            logger.warning("could not load the %s emulator", info.name, exc_info=True)


def available_emulators() -> list[str]:
    """Names of every registered emulator, sorted."""
    _discover()
    return sorted(_factories)


def create_emulator(name: str, **options: Any) -> EmulatorApp:
    """A new emulator ``name`` built with ``options``; unknown names raise ``ValueError``."""
    _discover()
    factory = _factories.get(name)
    if factory is None:
        known = ", ".join(sorted(_factories)) or "none"
        raise ValueError(f"unknown emulator {name!r} (available: {known})")
    return factory(**options)
