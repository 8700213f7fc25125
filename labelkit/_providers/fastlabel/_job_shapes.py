"""The listing methods every model-job kind has, declared once from the kind's listing.

``get_<key>_jobs`` (one page), ``iter_<key>_jobs`` (every page),
``find_<key>_job`` (one by id) and ``wait_<key>_job`` (poll one until it ends)
differ between training and evaluation jobs only in the endpoint, the model,
``limit``'s default and what the finished job holds, so they are
:class:`~labelkit._providers.fastlabel.tasks._declared.Method` declarations over a
:class:`~labelkit._providers.fastlabel._area.Listing`.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Awaitable, Callable

from typing_extensions import Unpack

from ..._config import PollPolicy
from ..._paths import segment
from ..._poll import WaitOptions, wait_for
from ..._signatures import with_defaults
from ._area import AreaBase, Listing
from ._job_models import AutoAnnotationJob, EvaluationJob, TrainingJob, job_state
from .tasks._declared import Method

__all__ = ["JOB_POLL", "find_job", "get_jobs", "iter_jobs", "wait_job", "wait_job_status"]

#: How the ``wait_*_job`` methods poll: first after 10 s, then every 10 s
#: growing x1.5 up to once a minute, for at most six hours (training is slow).
JOB_POLL = PollPolicy(
    initial_delay=10.0, interval=10.0, backoff=1.5, max_interval=60.0, timeout=6 * 3600.0
)

J = typing.TypeVar("J")
J_co = typing.TypeVar("J_co", covariant=True)


class GetJobs(typing.Protocol[J]):
    async def __call__(self, offset: int | None = None, limit: int | None = 100) -> list[J]:
        """One page of {title} jobs (at most 1,000); see :meth:`iter_{key}_jobs`."""


class IterJobs(typing.Protocol[J_co]):
    def __call__(self) -> AsyncIterator[J_co]:
        """Every {title} job, fetched lazily 1,000 at a time."""


class FindJob(typing.Protocol[J_co]):
    async def __call__(self, id: str) -> J_co:
        """One {title} job by id."""


class WaitJob(typing.Protocol[J_co]):
    async def __call__(
        self,
        id: str,
        **wait: Unpack[WaitOptions],
    ) -> J_co:
        """Poll {a_title} job until it completes; return it{finished}.

        Raises :class:`~labelkit.JobFailedError` if it fails and
        :class:`~labelkit.PollTimeoutError` after ``timeout`` seconds (default
        :data:`JOB_POLL`'s six hours; ``None`` waits forever).
        """


_Job = typing.TypeVar("_Job", TrainingJob, EvaluationJob, AutoAnnotationJob)


async def wait_job_status(
    fetch: Callable[[], Awaitable[_Job]],
    describe: str,
    wait: WaitOptions,
) -> _Job:
    """Poll ``fetch`` until the job's ``status`` reads as finished (see :func:`job_state`);
    ``wait`` is a public wait's keywords with their defaults (``with_defaults``)."""
    return await wait_for(
        fetch,
        lambda job: job_state(job.status),
        policy=wait["poll"] or JOB_POLL,
        timeout=wait["timeout"],
        describe=describe,
    )


def _declare(listing: Listing[typing.Any], key: str, **values: str) -> dict[str, typing.Any]:
    title = key.replace("_", " ")
    article = "an" if title[0] in "aeiou" else "a"
    return {
        "types": {"J": listing.model, "J_co": listing.model},
        "values": {"key": key, "title": title, "a_title": f"{article} {title}", **values},
    }


def _find(self: AreaBase, listing: Listing[J], id: str) -> Awaitable[J]:
    return self._get_model(f"{listing.path}/{segment(id, field='id')}", listing.model)


def get_jobs(listing: Listing[J], key: str, *, limit: int) -> Method[GetJobs[J]]:
    """``get_<key>_jobs(offset, limit)``: one page of ``listing``, ``limit`` by default."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[list[J]]:
        return self._page(listing, {}, args["offset"], args["limit"])

    return Method(GetJobs.__call__, call, defaults={"limit": limit}, **_declare(listing, key))


def iter_jobs(listing: Listing[J], key: str) -> Method[IterJobs[J]]:
    """``iter_<key>_jobs()``: every item of ``listing``, lazily."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> AsyncIterator[J]:
        return self._every(listing, {})

    return Method(IterJobs.__call__, call, **_declare(listing, key))


def find_job(listing: Listing[J], key: str) -> Method[FindJob[J]]:
    """``find_<key>_job(id)``: ``GET <listing path>/<id>``."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[J]:
        return _find(self, listing, args["id"])

    return Method(FindJob.__call__, call, **_declare(listing, key))


def wait_job(listing: Listing[_Job], key: str, *, finished: str) -> Method[WaitJob[_Job]]:
    """``wait_<key>_job(id, *, timeout, poll)``: polls what ``find_<key>_job`` returns.

    ``finished`` ends the docstring's first sentence: what the returned job holds.
    """

    def call(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[_Job]:
        id = args.pop("id")
        return wait_job_status(
            lambda: _find(self, listing, id),
            f"{key.replace('_', ' ')} job {id}",
            with_defaults(typing.cast(WaitOptions, args), WaitOptions, f"wait_{key}_job"),
        )

    return Method(WaitJob.__call__, call, **_declare(listing, key, finished=finished))
