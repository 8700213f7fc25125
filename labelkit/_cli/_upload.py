"""``labelkit upload PROVIDER ...``: bulk uploads (FastLabel files, Scale tasks, Datawow URLs)."""

from __future__ import annotations

from . import _upload_datawow, _upload_fastlabel, _upload_scale
from ._options import JobGroup

__all__ = ["UPLOAD"]

UPLOAD = JobGroup(
    name="upload",
    help="bulk upload to a labeling service (resumable with --journal)",
    description=(
        "Bulk-create tasks or submissions. Every provider takes --concurrency, "
        "--journal, --base-url, --dry-run, --output and --token."
    ),
    commands=(_upload_fastlabel.COMMAND, _upload_scale.COMMAND, _upload_datawow.COMMAND),
)
