"""Rate limiting: the limiter every client uses, and a Redis store to share it across processes.

Pass a :class:`Limiter` as ``rate_limit=`` to any client to control where its
budget lives::

    from labelkit import AsyncFastLabel, RateLimit
    from labelkit.ratelimit import Limiter, RedisStore   # RedisStore needs labelkit[redis]

    store = RedisStore.for_account("redis://localhost:6379/0", "fastlabel", token)
    client = AsyncFastLabel(token, rate_limit=Limiter(RateLimit(10_000, 600), store=store))

Every process built this way shares one exact sliding-window limit and one 429 cooldown.
"""

from __future__ import annotations

import typing

from ._config import RateLimit
from ._ratelimit import AsyncLimiterStore, InMemoryStore, Limiter, LimiterStore, Slot

if typing.TYPE_CHECKING:
    from ._ratelimit_redis import RedisStore

__all__ = [
    "AsyncLimiterStore",
    "InMemoryStore",
    "Limiter",
    "LimiterStore",
    "RateLimit",
    "RedisStore",
    "Slot",
]


def __getattr__(name: str) -> typing.Any:
    # Imported on first use so that the core install does not need redis.
    if name == "RedisStore":
        from ._ratelimit_redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
