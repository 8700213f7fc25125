"""``labelkit upload PROVIDER ...``: bulk uploads (FastLabel files, Scale tasks, Datawow URLs)."""

from __future__ import annotations

import typing

from ._upload_datawow import add_datawow_parser
from ._upload_fastlabel import add_fastlabel_parser
from ._upload_scale import add_scale_parser

__all__ = ["add_upload_command"]


def add_upload_command(subparsers: typing.Any) -> None:
    """Register ``upload`` and its providers."""
    parser = subparsers.add_parser(
        "upload",
        help="bulk upload to a labeling service (resumable with --journal)",
        description=(
            "Bulk-create tasks or submissions. Every provider takes --concurrency, "
            "--journal, --base-url, --dry-run, --output and --token."
        ),
    )
    providers = parser.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
    add_fastlabel_parser(providers)
    add_scale_parser(providers)
    add_datawow_parser(providers)
