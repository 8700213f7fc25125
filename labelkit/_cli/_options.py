"""The commands' declarations, the options every bulk command takes, and argparse types."""

from __future__ import annotations

import argparse
import hashlib
import sys
import typing
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import attrs

from .._config import RateLimit
from ._common import run_command

if typing.TYPE_CHECKING:
    from ._job import Job

__all__ = [
    "CREDENTIALS",
    "Command",
    "Credential",
    "JobCommand",
    "JobGroup",
    "add_job_options",
    "number_arg",
    "rate_limit_arg",
    "shard_of",
]


@attrs.frozen(kw_only=True)
class Command:
    """A command that is not a bulk job (``demo``): its help, its own arguments, its handler."""

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]
    """Runs the command with the parsed arguments; returns the exit status."""

    def add_parser(self, subparsers: typing.Any) -> None:
        """Register the command."""
        parser = subparsers.add_parser(self.name, help=self.help, description=self.description)
        self.arguments(parser)
        parser.set_defaults(handler=self.handler)


@attrs.frozen
class Credential:
    """A provider's credential as the bulk commands take it: ``--token`` or a variable."""

    provider: str
    """``Scale``: for the summary and the rate-limit lines."""
    env: str
    """The environment variable of the credential (``--token`` overrides it)."""
    kind: str
    """What ``--token`` takes (``API key``), for its help."""
    secret: str = ""
    """What the line saying it is missing calls it (default: provider and kind)."""


#: The credential of each provider's bulk commands, by the provider word of the command.
CREDENTIALS = {
    "fastlabel": Credential("FastLabel", "FASTLABEL_ACCESS_TOKEN", "access token"),
    "scale": Credential("Scale", "SCALE_API_KEY", "API key"),
    "datawow": Credential("Datawow", "DATAWOW_PROJECT_KEY", "project key"),
    "cloudsight": Credential("CloudSight", "CLOUDSIGHT_API_KEY", "API key"),
    "redflag": Credential("RedFlag", "REDFLAG_TOKEN", "JWT", secret="RedFlag token"),
}


@attrs.frozen(kw_only=True)
class JobCommand:
    """A bulk command (``upload scale``): what it takes and how it makes its :class:`Job`.

    Its credential comes from :data:`CREDENTIALS` by the last word of its name;
    its parser gets its own ``arguments``, then the options every bulk command takes.
    """

    name: str
    """``upload scale``: the summary's title and the prefix of usage errors."""
    help: str
    description: str = ""
    """What it does; the sentence about the credential is added."""
    arguments: Callable[[argparse.ArgumentParser], None]
    prepare: Callable[[argparse.Namespace], Job[typing.Any, typing.Any]]
    """Check the command's own arguments and declare the job (raise ``UsageError``)."""

    @property
    def credential(self) -> Credential:
        """The provider's credential."""
        return CREDENTIALS[self.name.rpartition(" ")[2]]

    @property
    def provider(self) -> str:
        """The provider's name, as its documentation spells it."""
        return self.credential.provider

    @property
    def env(self) -> str:
        """The environment variable of the credential."""
        return self.credential.env

    @property
    def secret(self) -> str:
        """What the credential is called, for the line saying it is missing."""
        credential = self.credential
        return credential.secret or f"{credential.provider} {credential.kind}"

    def add_parser(self, subparsers: typing.Any) -> None:
        """Register the command under its group (``upload``)."""
        credential = f"Credential: ${self.env} or --token."
        parser = subparsers.add_parser(
            self.name.rpartition(" ")[2],
            help=self.help,
            description=f"{self.description} {credential}".lstrip(),
        )
        self.arguments(parser)
        add_job_options(parser, env=self.env, token_help=self.credential.kind)
        parser.set_defaults(handler=self._handle)

    def _handle(self, args: argparse.Namespace) -> int:
        from ._job import run_job

        return run_command(self.name, lambda: run_job(self, args, sys.stdout))


@attrs.frozen(kw_only=True)
class JobGroup:
    """A command whose subcommands are bulk commands, one per provider (``upload``)."""

    name: str
    help: str
    description: str | None = None
    commands: Sequence[JobCommand]

    def add_parser(self, subparsers: typing.Any) -> None:
        """Register the group and its commands."""
        parser = subparsers.add_parser(self.name, help=self.help, description=self.description)
        providers = parser.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
        for command in self.commands:
            command.add_parser(providers)


def add_job_options(parser: argparse.ArgumentParser, *, env: str, token_help: str) -> None:
    """The options every bulk command takes."""
    parser.add_argument(
        "--concurrency", type=_positive_int, default=16, metavar="N", help="calls in flight (16)"
    )
    parser.add_argument(
        "--journal",
        metavar="PATH",
        help="SQLite journal: re-running with it sends only what is not done yet",
    )
    parser.add_argument(
        "--base-url", type=_base_url, metavar="URL", help="API root (e.g. an emulator)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="validate and list what would be sent; send nothing"
    )
    parser.add_argument("--output", metavar="PATH", help="write one JSON line per item")
    parser.add_argument("--token", metavar="TOKEN", help=f"{token_help} (default: ${env})")
    parser.add_argument(
        "--rate-limit",
        type=rate_limit_arg,
        metavar="CALLS/SECONDS",
        help="client-side rate limit, e.g. 100/5 (default: the provider's documented limit)",
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        default=(1, 1),
        metavar="I/N",
        help="take only part I of N of the items (1/4 ... 4/4; by a stable hash of each "
        "item's key): N workers, each with its own --journal, share one job",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--quiet", "-q", action="store_true", help="print only errors (the exit status tells)"
    )
    shown.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON object on stdout (other lines go to stderr)",
    )
    parser.add_argument(
        "--redis-url",
        metavar="URL",
        help="keep the rate limit in Redis (e.g. redis://host:6379/0), shared exactly by "
        "every worker of the same credential (needs labelkit[redis])",
    )


def _base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"expected an http(s):// URL, got {text!r}")
    return text


N = typing.TypeVar("N", int, float)


def number_arg(
    convert: Callable[[str], N], accept: Callable[[N], bool], expected: str
) -> Callable[[str], N]:
    """An argparse type: ``convert(text)`` when ``accept`` takes it, else "expected ..."."""

    def parse(text: str) -> N:
        try:
            value = convert(text)
        except ValueError:
            pass
        else:
            if accept(value):
                return value
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")

    return parse


_positive_int = number_arg(int, lambda n: n >= 1, "a whole number >= 1")


def rate_limit_arg(text: str) -> RateLimit:
    """An argparse type: ``--rate-limit 100/5`` (see :meth:`~labelkit.RateLimit.parse`)."""
    try:
        return RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _shard(text: str) -> tuple[int, int]:
    index, sep, count = text.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError:
        shard = (0, 0)
    if not sep or not 1 <= shard[0] <= shard[1]:
        raise argparse.ArgumentTypeError(
            f"expected I/N with 1 <= I <= N such as 3/20, got {text!r}"
        )
    return shard


def shard_of(key: str, count: int) -> int:
    """The shard (1..``count``) that owns an item key: a stable hash, the same on every machine."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
