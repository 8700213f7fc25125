"""``labelkit emulate PROVIDER``: a provider emulator as a local HTTP server until Ctrl-C.

It prints the server root, then the base URL a client needs (the root plus
the provider's API prefix, taken from the client's own default base URL), the
credential the emulator accepts and the environment lines to paste.
"""

from __future__ import annotations

import argparse
import functools
import math
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

import anyio
import attrs

from ..emulators import (
    EmulatorApp,
    EmulatorConfig,
    available_emulators,
    create_emulator,
    serve,
)
from ._options import Command, number_arg, rate_limit_arg

__all__ = ["EMULATE", "fraction"]

#: The credential each emulator accepts, and the variables the clients read.
_CREDENTIALS: dict[str, tuple[tuple[str, str], ...]] = {
    "fastlabel": (("FASTLABEL_ACCESS_TOKEN", "test-token"),),
    "scale": (("SCALE_API_KEY", "live_emulator_0000000000000000"),),
    "datawow": (("DATAWOW_PROJECT_KEY", "test-choice"),),
    "cloudsight": (("CLOUDSIGHT_API_KEY", "test-key"), ("CLOUDSIGHT_API_SECRET", "test-secret")),
    "redflag": (("REDFLAG_TOKEN", "test-token"),),
}
_BASE_URL_ENV = {"scale": "SCALE_BASE_URL"}


def base_url_for(provider: str, root: str) -> tuple[str, str | None]:
    """The base URL a client of ``provider`` needs on an emulator at ``root``, and its variable."""
    from .. import cloudsight, datawow, fastlabel, redflag, scale

    clients: dict[str, Any] = {
        "fastlabel": fastlabel.AsyncFastLabel,
        "scale": scale.AsyncScale,
        "datawow": datawow.AsyncDatawow,
        "cloudsight": cloudsight.AsyncCloudSight,
        "redflag": redflag.AsyncRedFlag,
    }
    client = clients.get(provider)
    if client is None:
        return root, None
    path = urlsplit(client.default_base_url).path
    env = client.base_url_env or _BASE_URL_ENV.get(provider)
    return root.rstrip("/") + (path or ""), env


def _announce(name: str, root: str) -> None:
    base, env = base_url_for(name, root)
    lines = [f"{name} emulator listening on {root}", f"  base URL:   {base}"]
    credentials = _CREDENTIALS.get(name, ())
    if credentials:
        lines.append("  credential: " + ", ".join(value for _, value in credentials))
    lines.append("  to use it from a shell:")
    if env is not None:
        lines.append(f"    export {env}={base}")
    lines += [f"    export {variable}={value}" for variable, value in credentials]
    print("\n".join(lines), flush=True)


fraction = number_arg(float, lambda x: 0.0 <= x <= 1.0, "a number between 0 and 1")
_seconds = number_arg(float, lambda x: 0.0 <= x < math.inf, "a number of seconds >= 0")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("provider", nargs="?", help="provider name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the available emulators")
    parser.add_argument("--host", default="127.0.0.1", help="IP address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free port)")
    parser.add_argument("--latency", type=_seconds, default=0.0, metavar="SECONDS")
    parser.add_argument(
        "--rate-limit",
        type=rate_limit_arg,
        default=None,
        metavar="CALLS/SECONDS",
        help="per-credential limit answered with 429, e.g. 300/5",
    )
    parser.add_argument("--error-rate", type=fraction, default=0.0, metavar="F")
    parser.add_argument("--drop-rate", type=fraction, default=0.0, metavar="F")
    parser.add_argument("--slow-rate", type=fraction, default=0.0, metavar="F")
    parser.add_argument("--slow-delay", type=_seconds, default=2.0, metavar="SECONDS")
    parser.add_argument(
        "--processing-time",
        type=_seconds,
        default=1.5,
        metavar="SECONDS",
        help="how long a job takes to finish (default 1.5)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")


def _run_emulate(args: argparse.Namespace) -> int:
    if args.list:
        for name in available_emulators():
            print(name)
        return 0
    if not args.provider:
        print("labelkit emulate: give a provider name, or --list", file=sys.stderr)
        return 2
    # The fault and timing options are named after the fields of EmulatorConfig they set.
    given = vars(args)
    names = [f.name for f in attrs.fields(EmulatorConfig) if f.name in given]
    config = EmulatorConfig(**{name: given[name] for name in names})
    try:
        app = create_emulator(args.provider, config=config)
    except ValueError as exc:
        print(f"labelkit emulate: {exc}", file=sys.stderr)
        return 2
    try:
        anyio.run(_serve_until_signal, app, args.host, args.port, backend=args.backend)
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. the port is taken
        print(f"labelkit emulate: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve_until_signal(app: EmulatorApp, host: str, port: int) -> None:
    async with anyio.create_task_group() as task_group:
        bound = await task_group.start(functools.partial(serve, app, host=host, port=port))
        url = f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"
        if sys.platform == "win32":  # no signal receivers there; Ctrl-C raises instead
            _announce(app.name, url)
            await anyio.sleep_forever()
        # Install the handlers before announcing the URL, so that a SIGTERM sent as
        # soon as the line is read still stops the server cleanly.
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            _announce(app.name, url)
            async for _ in signals:
                break
        task_group.cancel_scope.cancel()


EMULATE = Command(
    name="emulate",
    help="run a provider emulator as a local HTTP server",
    description=(
        "Run a stateful fake of a provider's API on a local port until Ctrl-C. "
        "Prints one line with the base URL. Test credentials: FastLabel and RedFlag "
        "'test-token'; Scale 'live_emulator_0000000000000000'; Datawow 'test-choice' "
        "(and the other test-<product> keys); CloudSight 'test-key'."
    ),
    arguments=_arguments,
    handler=_run_emulate,
)
