"""Retry decisions: what is retryable, how long to wait, and when a retry is unsafe.

Pure functions over :class:`~labelkit.RetryPolicy`; the request loop in
:mod:`labelkit._retrying` applies them.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

from ._config import RetryPolicy

__all__ = ["backoff", "may_have_taken_effect", "parse_retry_after", "safe_to_resend_status"]

# A non-idempotent request that got one of these was provably not processed:
# 429/425 are rejections before processing, 408 means the server never got the
# whole request. A 5xx on a create is ambiguous (Scale has been seen to answer
# 500 after creating the task).
_REJECTED_BEFORE_PROCESSING = frozenset({408, 425, 429})


def backoff(policy: RetryPolicy, retry_index: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``retry_index`` (0-based)."""
    base = min(policy.wait_max, policy.wait_initial * (2.0**retry_index))
    factor = 1.0 - policy.jitter * (rng or random).random()
    return base * factor


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The server's requested wait in seconds, or None.

    Reads ``retry-after-ms`` (milliseconds) first, then ``Retry-After`` as
    seconds (integer or float) or as an HTTP-date. Negative, non-finite and
    unparseable values are ignored; a date in the past means "now" (0.0).
    ``headers`` must have lower-case keys.
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        try:
            when = email.utils.mktime_tz(parsed)
        except (OverflowError, ValueError):  # a year beyond what the C library can date
            return None
        return max(0.0, when - (time.time() if now is None else now))
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def safe_to_resend_status(status: int) -> bool:
    """Whether a non-idempotent request that got ``status`` may be re-sent."""
    return status in _REJECTED_BEFORE_PROCESSING


def may_have_taken_effect(status: int, policy: RetryPolicy) -> bool:
    """Whether a non-idempotent request that got ``status`` may have been processed anyway.

    Every 5xx, not only the retried ones: a gateway's 520-524 or a 501 may stand
    in front of an origin that committed the create. So may any status the
    policy retries, except a rejection before processing.
    """
    return (status >= 500 or status in policy.retry_statuses) and not safe_to_resend_status(status)
