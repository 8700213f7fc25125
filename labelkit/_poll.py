"""Wait for long-running jobs: one with :func:`wait_for`, many with :func:`wait_many`.

Both take the status request as an async callable (which already goes through
the client's rate limiter and retries) and a ``classify`` function mapping the
fetched object to a :class:`JobState`::

    job = await wait_for(
        lambda: client.get_operation(op_id),
        lambda op: JobState.SUCCEEDED if op.done else JobState.PENDING,
        timeout=600,
        describe=f"operation {op_id}",
    )
"""

from __future__ import annotations

import enum
import functools
import math
import random
import typing
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import TypeVar

import anyio

from ._bulk import BulkRun, Progress, bulk
from ._config import PollPolicy
from ._errors import JobFailedError, PollTimeoutError, ValidationError
from ._signatures import keyword_defaults
from ._types import NOT_GIVEN, NotGiven

__all__ = ["JobState", "WaitOptions", "wait_for", "wait_many"]

T = TypeVar("T")
K = TypeVar("K")

_DEFAULT_POLICY = PollPolicy()


class JobState(str, enum.Enum):
    """Where a job is, as far as polling is concerned."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WaitOptions(typing.TypedDict, total=False):
    """The keywords of every provider wait, declared once: ``**wait: Unpack[WaitOptions]``.

    The method's ``__signature__`` lists them (:mod:`labelkit._signatures`) with
    the defaults below; its body reads them with ``with_defaults(wait, WaitOptions, name)``.
    """

    timeout: float | NotGiven | None
    poll: PollPolicy | None


keyword_defaults(WaitOptions, {"timeout": NOT_GIVEN, "poll": None})


def _resolve_timeout(policy: PollPolicy, timeout: float | NotGiven | None) -> float | None:
    limit = policy.timeout if isinstance(timeout, NotGiven) else timeout
    if limit is not None and (math.isnan(limit) or limit < 0):
        raise ValidationError("timeout", f"must be >= 0 or None, got {limit!r}")
    return limit


def _jittered(delay: float, jitter: float) -> float:
    if jitter == 0 or delay == 0:
        return delay
    return delay * random.uniform(1.0 - jitter, 1.0 + jitter)


async def wait_for(
    fetch: Callable[[], Awaitable[T]],
    classify: Callable[[T], JobState],
    *,
    policy: PollPolicy = _DEFAULT_POLICY,
    timeout: float | NotGiven | None = NOT_GIVEN,
    describe: str = "job",
    on_poll: Callable[[T], object] | None = None,
) -> T:
    """Poll ``fetch()`` until ``classify`` says the job is finished; return the final object.

    Schedule (see :class:`~labelkit.PollPolicy`): the first poll comes after
    ``policy.initial_delay``, then the sleeps between polls start at
    ``policy.interval`` and grow by ``policy.backoff`` up to
    ``policy.max_interval``, each jittered by ``policy.jitter``. Time is the
    event loop's monotonic clock.

    ``timeout`` (default ``policy.timeout``; ``None`` waits forever) is the
    deadline. No sleep extends past it: the last one is shortened so that a
    final poll starts exactly at the deadline. A poll still running
    ``policy.interval`` seconds after the deadline is abandoned, so the call
    ends by ``timeout + policy.interval`` at the latest.

    Raises :class:`~labelkit.JobFailedError` (``job`` is the object) when the
    job fails, and :class:`~labelkit.PollTimeoutError` (``last_state`` is the
    last object fetched, or ``None``) when the deadline passes first; the
    remote job is left alone. Errors from ``fetch`` propagate unchanged.
    ``on_poll`` is called with every fetched object. Cancelling the caller
    stops polling at once.
    """
    limit = _resolve_timeout(policy, timeout)
    deadline = math.inf if limit is None else anyio.current_time() + limit
    last: T | None = None
    polls = 0
    delay = policy.initial_delay
    interval = min(policy.interval, policy.max_interval)
    # The hard cut-off gives the final poll (started at the deadline) a chance to answer.
    with anyio.CancelScope(deadline=deadline + policy.interval):
        while True:
            wake = anyio.current_time() + _jittered(delay, policy.jitter)
            await anyio.sleep_until(min(wake, deadline))
            obj = await fetch()
            polls += 1
            last = obj
            if on_poll is not None:
                on_poll(obj)
            state = classify(obj)
            if state == JobState.SUCCEEDED:
                return obj
            if state == JobState.FAILED:
                raise JobFailedError(f"{describe} failed", job=obj)
            if anyio.current_time() >= deadline:
                break
            delay = interval
            interval = min(interval * policy.backoff, policy.max_interval)
    raise PollTimeoutError(
        f"{describe} did not finish within {limit:g} s ({polls} polls)", last_state=last
    )


def wait_many(
    keys: Iterable[K] | AsyncIterable[K],
    fetch: Callable[[K], Awaitable[T]],
    classify: Callable[[T], JobState],
    *,
    policy: PollPolicy = _DEFAULT_POLICY,
    timeout: float | NotGiven | None = NOT_GIVEN,
    concurrency: int = 1000,
    describe: str = "job",
    on_progress: Callable[[Progress], object] | None = None,
    total: int | None = None,
) -> BulkRun[K, T]:
    """Wait for many jobs, ``concurrency`` at a time; outcomes arrive in completion order.

    Each key gets its own :func:`wait_for` on ``lambda: fetch(key)``; its
    ``timeout`` counts from when that key's wait starts. The result is a
    :class:`~labelkit._bulk.BulkRun` (use it with ``async with`` and
    ``async for``, or ``await ....collect()``): a finished job is an OK
    outcome whose value is the final object; :class:`~labelkit.JobFailedError`,
    :class:`~labelkit.PollTimeoutError` and errors from ``fetch`` are FAILED
    outcomes carrying the error.
    """
    _resolve_timeout(policy, timeout)

    async def wait_one(key: K) -> T:
        return await wait_for(
            functools.partial(fetch, key),
            classify,
            policy=policy,
            timeout=timeout,
            describe=f"{describe} {key!r}",
        )

    return bulk(wait_one, keys, concurrency=concurrency, on_progress=on_progress, total=total)
