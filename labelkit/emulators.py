"""Emulators: stateful fake servers of the provider APIs, for tests, demos and benchmarks.

Use one in-process (``AsyncRedFlag("test-token", app=RedFlagEmulator())``) or
as a real HTTP server on 127.0.0.1 (``with EmulatorServer(RedFlagEmulator()) as
server: server.url``). :class:`EmulatorConfig` sets latency, a server-side
rate limit and faults; ``emulator.stats`` counts what happened.
"""

from ._emulator import (
    EmulatorApp,
    EmulatorConfig,
    EmulatorServer,
    EmulatorStats,
    SimClock,
    available_emulators,
    create_emulator,
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
    "FastLabelEmulator",
    "RedFlagEmulator",
    "ScaleEmulator",
    "SimClock",
    "available_emulators",
    "create_emulator",
    "serving",
]
