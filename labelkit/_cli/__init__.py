"""The ``labelkit`` command line.

``labelkit emulate <provider>`` runs a provider emulator as a real HTTP server
in the foreground until Ctrl-C (or SIGTERM); ``labelkit emulate --list`` lists
the providers. Each subcommand is one ``_add_<name>_command(subparsers)``
function in ``_COMMANDS`` that sets ``handler=`` to a function taking the
parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from .._emulator import (
    EmulatorApp,
    EmulatorConfig,
    available_emulators,
    create_emulator,
    serve,
)
from .._version import __version__
from ._convert import add_convert_command
from ._options import rate_limit_arg

__all__ = ["build_parser", "main"]


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _add_emulate_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulate",
        help="run a provider emulator as a local HTTP server",
        description=(
            "Run a stateful fake of a provider's API on a local port until Ctrl-C. "
            "Prints one line with the base URL. Test credentials: FastLabel and RedFlag "
            "'test-token'; Scale 'live_emulator_0000000000000000'; Datawow 'test-choice' "
            "(and the other test-<product> keys); CloudSight 'test-key'."
        ),
    )
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
    parser.add_argument("--error-rate", type=_fraction, default=0.0, metavar="F")
    parser.add_argument("--drop-rate", type=_fraction, default=0.0, metavar="F")
    parser.add_argument("--slow-rate", type=_fraction, default=0.0, metavar="F")
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
    parser.set_defaults(handler=_run_emulate)


def _run_emulate(args: argparse.Namespace) -> int:
    if args.list:
        for name in available_emulators():
            print(name)
        return 0
    if not args.provider:
        print("labelkit emulate: give a provider name, or --list", file=sys.stderr)
        return 2
    config = EmulatorConfig(
        latency=args.latency,
        rate_limit=args.rate_limit,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        slow_rate=args.slow_rate,
        slow_delay=args.slow_delay,
        seed=args.seed,
        processing_time=args.processing_time,
    )
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
            print(f"{app.name} emulator listening on {url}", flush=True)
            await anyio.sleep_forever()
        # Install the handlers before announcing the URL, so that a SIGTERM sent as
        # soon as the line is read still stops the server cleanly.
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            print(f"{app.name} emulator listening on {url}", flush=True)
            async for _ in signals:
                break
        task_group.cancel_scope.cancel()


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(quick=args.quick or None, drop_rate=args.drop_rate)


def _add_demo_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run real bulk jobs against local emulators (no account, no network)",
        description=(
            "Starts the FastLabel, CloudSight and RedFlag emulators on 127.0.0.1, generates "
            "a sample dataset and runs the upload / recognize / analyze commands on it: a "
            "rate-limited FastLabel bulk upload (resumed from its journal), CloudSight "
            "recognition and a RedFlag analysis. About a minute; --quick: a few seconds."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="a small dataset (seconds)")
    parser.add_argument(
        "--drop-rate",
        type=_fraction,
        default=0.01,
        metavar="F",
        help="fraction of FastLabel creates whose connection drops after the server stored them",
    )
    parser.set_defaults(handler=_run_demo)


def _add_job_commands(subparsers: Any) -> None:
    from ._recognize import add_analyze_command, add_recognize_command
    from ._upload import add_upload_command

    add_upload_command(subparsers)
    add_recognize_command(subparsers)
    add_analyze_command(subparsers)


_COMMANDS: list[Callable[[Any], None]] = [
    _add_emulate_command,
    _add_demo_command,
    _add_job_commands,
    add_convert_command,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``labelkit`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="labelkit",
        description="labelkit: clients and emulators for labeling and recognition APIs.",
    )
    parser.add_argument("--version", action="version", version=f"labelkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_command in _COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
