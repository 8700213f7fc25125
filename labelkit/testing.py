"""A pytest plugin: a fresh provider emulator per test, with a ready client.

Opt-in, never auto-loaded: ``pytest -p labelkit.testing``, or
``pytest_plugins = ["labelkit.testing"]`` in your top-level ``conftest.py``.

For each provider ``<p>`` in ``fastlabel``, ``scale``, ``cloudsight``,
``datawow`` and ``redflag``:

- ``<p>_emulator``: a new emulator (its state is yours to set up and assert
  on: ``stats``, ``fail_next``, ``drop_next``, ``config``, provider state);
- ``<p>_client``: the async client wired to it in-process
  (``transport=emulator.transport()``), closed after the test; an async
  fixture, so use it from ``@pytest.mark.anyio`` tests;
- ``<p>_sync_client``: the sync client, wired the same way;
- ``<p>_server``: the same emulator served on 127.0.0.1
  (:class:`~labelkit.emulators.EmulatorServer`; ``server.base_url``).

Knobs: ``@pytest.mark.labelkit_emulator(**fields)`` sets
:class:`~labelkit.emulators.EmulatorConfig` fields (``rate_limit``,
``latency``, ``error_rate``, ``drop_rate``, ``processing_time``, ``seed``, ...)
of the test's emulators; override the ``labelkit_emulator_config`` fixture
for a default of your own, and ``labelkit_client_options`` for client
keyword arguments (e.g. ``{"max_retries": 0}``). Examples: ``docs/testing.md``.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Callable, Iterator

import attrs
import pytest

from .emulators import EmulatorApp, EmulatorConfig, EmulatorServer, create_emulator

__all__ = ["CREDENTIALS", "PROVIDERS", "emulator_client"]

#: The credential each emulator accepts out of the box, by provider.
CREDENTIALS: dict[str, str] = {
    "fastlabel": "test-token",
    "scale": "live_emulator_0000000000000000",
    "cloudsight": "test-key",
    "datawow": "test-choice",
    "redflag": "test-token",
}
PROVIDERS: tuple[str, ...] = tuple(CREDENTIALS)

_CLASSES: dict[str, tuple[str, str, str]] = {
    "fastlabel": ("labelkit.fastlabel", "AsyncFastLabel", "FastLabel"),
    "scale": ("labelkit.scale", "AsyncScale", "Scale"),
    "cloudsight": ("labelkit.cloudsight", "AsyncCloudSight", "CloudSight"),
    "datawow": ("labelkit.datawow", "AsyncDatawow", "Datawow"),
    "redflag": ("labelkit.redflag", "AsyncRedFlag", "RedFlag"),
}


def emulator_client(
    provider: str, emulator: EmulatorApp, *, sync: bool = False, **options: typing.Any
) -> typing.Any:
    """A new client of ``provider`` wired to ``emulator`` in-process.

    ``sync=True`` builds the sync client. ``options`` are client keyword
    arguments; the credential defaults to the emulator's (:data:`CREDENTIALS`).
    """
    import importlib

    module, async_name, sync_name = _CLASSES[provider]
    cls = getattr(importlib.import_module(module), sync_name if sync else async_name)
    credential = options.pop("credential", CREDENTIALS[provider])
    options.setdefault("base_url", emulator.base_url)
    options.setdefault("transport", emulator.transport())
    return cls(credential, **options)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "labelkit_emulator(**fields): EmulatorConfig fields of this test's labelkit emulators",
    )


@pytest.fixture
def labelkit_emulator_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    """The config of the test's emulators: defaults plus the ``labelkit_emulator`` marker."""
    fields: dict[str, typing.Any] = {}
    for marker in reversed(list(request.node.iter_markers("labelkit_emulator"))):
        fields.update(marker.kwargs)
    return EmulatorConfig(**fields)


@pytest.fixture
def labelkit_client_options() -> dict[str, typing.Any]:
    """Keyword arguments for every ``<provider>_client`` (override it in your conftest)."""
    return {}


def _define(provider: str) -> dict[str, Callable[..., typing.Any]]:
    emulator_name = f"{provider}_emulator"

    def emulator(labelkit_emulator_config: EmulatorConfig) -> EmulatorApp:
        return create_emulator(provider, config=attrs.evolve(labelkit_emulator_config))

    async def client(
        anyio_backend: object,
        request: pytest.FixtureRequest,
        labelkit_client_options: dict[str, typing.Any],
    ) -> AsyncIterator[typing.Any]:
        wired = emulator_client(
            provider, request.getfixturevalue(emulator_name), **labelkit_client_options
        )
        async with wired:
            yield wired

    def sync_client(
        request: pytest.FixtureRequest, labelkit_client_options: dict[str, typing.Any]
    ) -> Iterator[typing.Any]:
        wired = emulator_client(
            provider, request.getfixturevalue(emulator_name), sync=True, **labelkit_client_options
        )
        with wired:
            yield wired

    def server(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
        with EmulatorServer(request.getfixturevalue(emulator_name)) as running:
            yield running

    emulator.__doc__ = f"A fresh {provider} emulator for this test (its state, stats and knobs)."
    client.__doc__ = f"The async {provider} client wired in-process to ``{emulator_name}``."
    sync_client.__doc__ = f"The sync {provider} client wired in-process to ``{emulator_name}``."
    server.__doc__ = f"``{emulator_name}`` served on 127.0.0.1 (``server.base_url``)."
    return {"emulator": emulator, "client": client, "sync_client": sync_client, "server": server}


for _provider in PROVIDERS:
    for _kind, _function in _define(_provider).items():
        _name = f"{_provider}_{_kind}"
        _function.__name__ = _function.__qualname__ = _name
        globals()[_name] = pytest.fixture(name=_name)(_function)
