"""Scale-specific errors: only what the core tree (:mod:`labelkit._errors`) does not cover."""

from __future__ import annotations

from ..._errors import APIStatusError

__all__ = ["NotEnabledError"]


class NotEnabledError(APIStatusError):
    """HTTP 402: the task type (or feature) is not enabled for this Scale account.

    The official SDK raises ``ScaleNotEnabled`` here; contact Scale to enable it.
    """
