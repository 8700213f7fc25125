"""Emulators: stateful fake servers of the provider APIs, for tests, demos and benchmarks.

Use one in-process as an httpx transport::

    emulator = RedFlagEmulator()
    client = AsyncRedFlag("test-token", base_url=emulator.base_url, transport=emulator.transport())

or as a real HTTP server on 127.0.0.1 (``with EmulatorServer(RedFlagEmulator()) as
server: server.base_url``). :class:`EmulatorConfig` sets latency, a
server-side rate limit and faults; ``emulator.stats`` counts what happened.
For pytest fixtures see :mod:`labelkit.testing`.
"""

from ._emulator import (
    EmulatorApp,
    EmulatorConfig,
    EmulatorServer,
    EmulatorStats,
    EmulatorTransport,
    SimClock,
    available_emulators,
    create_emulator,
    serve,
    serving,
)
from ._emulator.cloudsight import CloudSightEmulator
from ._emulator.datawow import DatawowEmulator
from ._emulator.fastlabel import FastLabelEmulator
from ._emulator.redflag import RedFlagEmulator
from ._emulator.scale import ScaleEmulator

__all__ = [
    "CloudSightEmulator",
    "DatawowEmulator",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "EmulatorStats",
    "EmulatorTransport",
    "FastLabelEmulator",
    "RedFlagEmulator",
    "ScaleEmulator",
    "SimClock",
    "available_emulators",
    "create_emulator",
    "serve",
    "serving",
]
