"""The ``labelkit`` command line.

``labelkit emulate <provider>`` runs a provider emulator as a real HTTP server
in the foreground until Ctrl-C (or SIGTERM); ``labelkit emulate --list`` lists
the providers. Each subcommand is declared once, a :class:`~._options.Command`
(or, for a bulk job, a :class:`~._options.JobCommand` of a
:class:`~._options.JobGroup`) whose handler takes the parsed arguments and
returns the exit status; ``_COMMANDS`` registers them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from ._convert import CONVERT
from ._emulate import EMULATE, fraction
from ._options import Command

__all__ = ["build_parser", "main"]


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(quick=args.quick or None, drop_rate=args.drop_rate)


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a small dataset (seconds)")
    parser.add_argument(
        "--drop-rate",
        type=fraction,
        default=0.01,
        metavar="F",
        help="fraction of FastLabel creates whose connection drops after the server stored them",
    )


DEMO = Command(
    name="demo",
    help="run real bulk jobs against local emulators (no account, no network)",
    description=(
        "Starts the FastLabel, CloudSight and RedFlag emulators on 127.0.0.1, generates "
        "a sample dataset and runs the upload / recognize / analyze commands on it: a "
        "rate-limited FastLabel bulk upload (resumed from its journal), CloudSight "
        "recognition and a RedFlag analysis. About a minute; --quick: a few seconds."
    ),
    arguments=_demo_arguments,
    handler=_run_demo,
)


def _add_job_commands(subparsers: Any) -> None:
    from ._recognize import ANALYZE, RECOGNIZE
    from ._upload import UPLOAD

    for group in (UPLOAD, RECOGNIZE, ANALYZE):
        group.add_parser(subparsers)


_COMMANDS: list[Callable[[Any], None]] = [
    EMULATE.add_parser,
    DEMO.add_parser,
    _add_job_commands,
    CONVERT.add_parser,
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
