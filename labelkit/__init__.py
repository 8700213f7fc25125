"""labelkit: one async-first client for FastLabel, Scale, CloudSight, Datawow and RedFlag.

The async clients (``AsyncRedFlag``, ...) are the implementation; the sync
clients (``RedFlag``, ...) are generated twins that run the same code on a
shared background event loop.
"""

import importlib
import typing

from ._bulk import BulkRun, BulkSummary, Outcome, OutcomeStatus, Progress, bulk
from ._config import PollPolicy, RateLimit, RetryPolicy, Timeout
from ._errors import (
    AmbiguousResultError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    JobFailedError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    UnprocessableEntityError,
    UnsafePathError,
    ValidationError,
)
from ._journal import Journal, JournalEntry, JournalState
from ._logging import CallRecord, record_calls
from ._models import ResponseValidationError
from ._pagination import Page
from ._poll import JobState, wait_for, wait_many
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

if typing.TYPE_CHECKING:
    from ._providers.cloudsight import AsyncCloudSight, CloudSight
    from ._providers.datawow import AsyncDatawow, Datawow
    from ._providers.fastlabel import AsyncFastLabel, FastLabel
    from ._providers.redflag import AsyncRedFlag, RedFlag
    from ._providers.scale import AsyncScale, Scale

# The clients are imported on first use: `import labelkit` stays cheap, and a
# script using one provider never loads the other four.
_CLIENTS = {
    "AsyncCloudSight": "cloudsight",
    "CloudSight": "cloudsight",
    "AsyncDatawow": "datawow",
    "Datawow": "datawow",
    "AsyncFastLabel": "fastlabel",
    "FastLabel": "fastlabel",
    "AsyncRedFlag": "redflag",
    "RedFlag": "redflag",
    "AsyncScale": "scale",
    "Scale": "scale",
}


def __getattr__(name: str) -> typing.Any:
    provider = _CLIENTS.get(name)
    if provider is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"._providers.{provider}", __name__)
    value = getattr(module, name)
    _public_module(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_CLIENTS))


__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousResultError",
    "AsyncCloudSight",
    "AsyncDatawow",
    "AsyncFastLabel",
    "AsyncRedFlag",
    "AsyncScale",
    "AuthenticationError",
    "BadRequestError",
    "BulkRun",
    "BulkSummary",
    "CallRecord",
    "CloudSight",
    "ConflictError",
    "Datawow",
    "FastLabel",
    "InternalServerError",
    "JobFailedError",
    "JobState",
    "Journal",
    "JournalEntry",
    "JournalState",
    "LabelkitError",
    "NotFoundError",
    "NotGiven",
    "Outcome",
    "OutcomeStatus",
    "Page",
    "PermissionDeniedError",
    "PollPolicy",
    "PollTimeoutError",
    "Progress",
    "RateLimit",
    "RateLimitError",
    "RedFlag",
    "ResponseValidationError",
    "RetryPolicy",
    "Scale",
    "Timeout",
    "UnprocessableEntityError",
    "UnsafePathError",
    "ValidationError",
    "__version__",
    "bulk",
    "record_calls",
    "wait_for",
    "wait_many",
]


def _public_module(obj: object) -> None:
    """Show the public path in reprs and tracebacks (as httpx does)."""
    if getattr(obj, "__module__", "").startswith("labelkit._"):
        try:
            obj.__module__ = "labelkit"
        except (AttributeError, TypeError):  # pragma: no cover
            pass


for _name in __all__:
    if _name not in _CLIENTS:
        _public_module(globals()[_name])
del _name
