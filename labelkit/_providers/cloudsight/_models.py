"""CloudSight models: the job structure, its statuses and skip reasons (exact wire strings)."""

from __future__ import annotations

import typing

import attrs

from ..._models import Model, WireEnum, unstructure

__all__ = [
    "REASON_BLURRY",
    "REASON_BRIGHT",
    "REASON_CLOSE",
    "REASON_DARK",
    "REASON_OFFENSIVE",
    "REASON_UNSURE",
    "STATUS_COMPLETED",
    "STATUS_NOT_COMPLETED",
    "STATUS_NOT_FOUND",
    "STATUS_SKIPPED",
    "STATUS_TIMEOUT",
    "ImageJob",
    "JobStatus",
    "SkipReason",
]


class JobStatus(WireEnum):
    """Where a recognition job is; every status but ``NOT_COMPLETED`` is final.

    ``TIMEOUT`` (the job outlived its ``ttl``) is final for waiting, but the
    job can be queued again with :meth:`~labelkit.AsyncCloudSight.repost`.
    """

    NOT_COMPLETED = "not completed"
    COMPLETED = "completed"
    NOT_FOUND = "not found"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"

    @property
    def is_terminal(self) -> bool:
        """True for every documented status except ``not completed``."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {JobStatus.COMPLETED, JobStatus.NOT_FOUND, JobStatus.SKIPPED, JobStatus.TIMEOUT}
)


class SkipReason(WireEnum):
    """Why CloudSight skipped an image (the ``reason`` of a ``skipped`` job)."""

    OFFENSIVE = "offensive"
    BLURRY = "blurry"
    CLOSE = "close"
    DARK = "dark"
    BRIGHT = "bright"
    UNSURE = "unsure"


# The official SDK's module constants, so migrated comparisons keep working.
STATUS_NOT_COMPLETED = JobStatus.NOT_COMPLETED
STATUS_COMPLETED = JobStatus.COMPLETED
STATUS_NOT_FOUND = JobStatus.NOT_FOUND
STATUS_SKIPPED = JobStatus.SKIPPED
STATUS_TIMEOUT = JobStatus.TIMEOUT
REASON_OFFENSIVE = SkipReason.OFFENSIVE
REASON_BLURRY = SkipReason.BLURRY
REASON_CLOSE = SkipReason.CLOSE
REASON_DARK = SkipReason.DARK
REASON_BRIGHT = SkipReason.BRIGHT
REASON_UNSURE = SkipReason.UNSURE


@attrs.define
class ImageJob(Model):
    """A recognition job: what submitting an image and polling it return.

    ``name`` is the description once ``status`` is ``completed``;
    ``reason`` says why a ``skipped`` job was skipped. The API documents no
    complete field list, so every other field the server sends (``url``,
    ``ttl``, ...) is kept in ``extra``. ``token`` is filled from the request
    when the server leaves it out (as a ``not found`` answer does).

    For code migrated from the official SDK, which returned dicts,
    ``job["status"]`` and ``job.get("name")`` read the wire fields.
    """

    status: JobStatus
    token: typing.Optional[str] = None
    name: typing.Optional[str] = None
    reason: typing.Optional[SkipReason] = None
    categories: typing.Optional[list[typing.Any]] = None
    url: typing.Optional[str] = None

    @property
    def completed(self) -> bool:
        """True when the image was recognized (``name`` holds the description)."""
        return self.status is JobStatus.COMPLETED

    def __getitem__(self, key: str) -> typing.Any:
        return unstructure(self)[key]

    def get(self, key: str, default: typing.Any = None) -> typing.Any:
        """The wire field ``key``, or ``default`` when absent or null."""
        value = unstructure(self).get(key)
        return default if value is None else value
