"""A rate-limiter store in Redis, so that several processes and machines share one limit.

Usage (``pip install 'labelkit[redis]'``)::

    store = RedisStore("redis://localhost:6379/0", name="fastlabel:my-account")
    limiter = Limiter(RateLimit(10_000, 600), store=store)
    await limiter.acquire()

Every reservation is one Lua script: it reads the Redis server's clock
(``TIME``), drops log entries older than the longest window, computes the
earliest grant exactly as :class:`~labelkit._ratelimit.InMemoryStore` does
(FIFO behind every earlier grant, the cooldown, and for each window the
``(calls - cost + 1)``-th latest grant plus the period) and records it, all
atomically. The log is a sorted set of grant times (members are unique, so
two reservations for the same instant both count). The 429 cooldown is a key
holding its end on the same clock. All users therefore agree on one clock and
one log, whatever their own clocks say.

The client is redis-py's blocking ``redis.Redis``, called in worker threads:
one store then serves any number of event loops and threads (the sync facade
runs its own loop), on asyncio and on trio alike, which an asyncio-bound
``redis.asyncio`` client could not.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import math
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

import anyio

from ._fork import reset_in_child

try:
    import redis
except ImportError as exc:  # pragma: no cover - depends on the extra
    raise ImportError("RedisStore needs the redis package: pip install 'labelkit[redis]'") from exc

__all__ = ["RedisStore"]

logger = logging.getLogger("labelkit")

_PRELUDE = """
if redis.replicate_commands then redis.replicate_commands() end
local function fmt(x) return string.format('%.17g', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
-- The grant no earlier than the latest start in the sorted set ``key``.
local function after_last(grant, key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
  if last then return math.max(grant, tonumber(last)) end
  return grant
end
-- The grant once, for every window (calls, period pairs from ARGV[from]), the
-- (calls - held - cost + 1)-th latest start of ``log`` (``n`` starts) is a period
-- back; nil while held starts alone fill a window.
local function after_windows(grant, log, n, held, cost, from)
  for i = from, #ARGV, 2 do
    local back = tonumber(ARGV[i]) - held - cost + 1
    if back <= 0 then return nil end
    if n >= back then
      local e = redis.call('ZRANGE', log, -back, -back, 'WITHSCORES')
      grant = math.max(grant, tonumber(e[2]) + tonumber(ARGV[i + 1]))
    end
  end
  return grant
end
-- Records ``cost`` starts at ``grant`` in the sorted set ``set``, numbered by ``seq``.
local function book(seq, set, cost, grant)
  local first = redis.call('INCRBY', seq, cost) - cost + 1
  local g = fmt(grant)
  for j = 0, cost - 1 do
    redis.call('ZADD', set, g, g .. ':' .. (first + j))
  end
  return g, first
end
local function cooldown_after(key, pause)
  local c = tonumber(redis.call('GET', key) or '') or 0
  if pause > 0 and now + pause > c then
    c = now + pause
    redis.call('SET', key, fmt(c), 'PX', math.ceil(pause * 1000) + 1000)
  end
  return c
end
"""

# Books ``cost`` starts for Limiter.acquire (into the log: dated at the grant) or
# Limiter.hold (into the held set, which counts in every window until _COMMIT
# dates them at the write). Either way the held starts count as the latest starts
# of every window; one older than ARGV[4] seconds belonged to a process that died:
# dropped. KEYS: log, cooldown, seq, held. ARGV: cost, pause, longest period, stale,
# 1 (log) or 4 (held), then calls, period pairs.
# Returns {'', now, 0} while held starts alone fill a window.
_BOOK = (
    _PRELUDE
    + """
local cost = tonumber(ARGV[1])
local grant = math.max(now, cooldown_after(KEYS[2], tonumber(ARGV[2])))
local longest = tonumber(ARGV[3])
local stale = tonumber(ARGV[4])
local into = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - longest))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now - stale))
local n = redis.call('ZCARD', KEYS[1])
local h = redis.call('ZCARD', KEYS[4])
grant = after_windows(after_last(after_last(grant, KEYS[1]), KEYS[4]), KEYS[1], n, h, cost, 6)
if grant == nil then return {'', fmt(now), 0} end
local g, first = book(KEYS[3], KEYS[into], cost, grant)
local keep = grant - now + longest
if into == 4 then keep = keep + stale end
local ttl = math.ceil(keep * 1000) + 1000
for k = 1, 4 do
  if k ~= 2 and (k ~= 4 or into == 4) then redis.call('PEXPIRE', KEYS[k], ttl) end
end
return {g, fmt(now), first}
"""
)

# KEYS: log, held. ARGV: grant, first, cost. Moves held starts into the log, dated now.
_COMMIT = (
    _PRELUDE
    + """
local when = fmt(math.max(now, tonumber(ARGV[1])))
for j = 0, tonumber(ARGV[3]) - 1 do
  local member = ARGV[1] .. ':' .. (tonumber(ARGV[2]) + j)
  -- Logged even when another process purged it as stale: the request happened.
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZADD', KEYS[1], when, member)
end
return 0
"""
)

# KEYS: log, cooldown. ARGV: grant, first, cost, pause. 1 if the grant stands.
_CONFIRM = (
    _PRELUDE
    + """
if tonumber(ARGV[1]) >= cooldown_after(KEYS[2], tonumber(ARGV[4])) then return 1 end
for j = 0, tonumber(ARGV[3]) - 1 do
  redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. (tonumber(ARGV[2]) + j))
end
return 0
"""
)

# KEYS: log. ARGV: grant, first, cost.
_RELEASE = """
for j = 0, tonumber(ARGV[3]) - 1 do
  redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. (tonumber(ARGV[2]) + j))
end
return 0
"""

# KEYS: cooldown. ARGV: pause. Returns the seconds left of the cooldown.
_PAUSE = (
    _PRELUDE
    + """
return fmt(math.max(0, cooldown_after(KEYS[1], tonumber(ARGV[1])) - now))
"""
)

_Token = tuple[str, int, int]

# A held start is dropped this long after its grant (plus a period): its holder died.
_HELD_STALE = 60.0

# Where _BOOK books: the KEYS index of the log (acquire) or of the held set (hold).
_INTO_LOG, _INTO_HELD = 1, 4

# Seconds of replies the clock offset is estimated from (short: the clocks drift).
_OFFSET_MEMORY = 10.0


class RedisStore:
    """A :class:`~labelkit._ratelimit.AsyncLimiterStore` in Redis, shared by every user of ``name``.

    ``client`` is a ``redis.Redis`` (blocking) client or a URL such as
    ``redis://host:6379/0``. ``name`` identifies the shared limit (one per
    provider account, see :meth:`for_account`); its keys are
    ``{name}:log``, ``{name}:cooldown`` and ``{name}:seq`` (one hash slot, so
    Redis Cluster works). Every process must use the same
    :class:`~labelkit.RateLimit` for a name. Keys expire by themselves once
    idle. Works on asyncio and trio: Redis calls run in worker threads.

    :meth:`pause_for` returns at once: the cooldown is written to Redis by a
    background thread and also travels with this store's next reservation, so
    it applies here before any later grant and elsewhere within a round trip.

    A forked child keeps using the same limit (the state is in Redis; redis-py
    reconnects in the child); commits the parent had not sent yet stay the parent's.
    """

    def __init__(self, client: redis.Redis | str, *, name: str) -> None:
        if isinstance(client, str):
            client = redis.Redis.from_url(client)
        if not isinstance(client, redis.Redis):
            raise TypeError(
                f"client must be a redis.Redis (blocking) client or a URL, got "
                f"{type(client).__name__}; calls run in worker threads, which serves "
                "asyncio, trio and several event loops alike"
            )
        if not name:
            raise ValueError("name must not be empty")
        self._client = client
        self.name = name
        prefix = "{" + name.replace("{", "(").replace("}", ")") + "}"
        self._keys = (f"{prefix}:log", f"{prefix}:cooldown", f"{prefix}:seq")
        self._held_key = f"{prefix}:held"
        self._book_script = client.register_script(_BOOK)
        self._commit = client.register_script(_COMMIT)
        # Commits and releases of held starts come from synchronous code (the
        # moment a request is written): one background thread sends them.
        self._outbox: queue.SimpleQueue[tuple[str, _Token]] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._confirm = client.register_script(_CONFIRM)
        self._release = client.register_script(_RELEASE)
        self._pause = client.register_script(_PAUSE)
        self._pause_lock = threading.Lock()
        # A cooldown asked for here, as a time.monotonic() deadline; resent with
        # every script until it is over (applying it twice changes nothing).
        self._pause_until = -math.inf
        # (time.monotonic() at a reply, that minus Redis's now) for recent replies.
        self._offsets: collections.deque[tuple[float, float]] = collections.deque()
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:
        # The sender thread does not exist here and the lock may have been held
        # by a thread that does not either; the queued commits are the parent's
        # (its sender still sends them), sending them here too would repeat them.
        self._pause_lock = threading.Lock()
        self._outbox = queue.SimpleQueue()
        self._sender = None

    @classmethod
    def for_account(cls, client: redis.Redis | str, provider: str, credential: str) -> RedisStore:
        """A store named after a provider and a SHA-256 of the credential (never the credential)."""
        digest = hashlib.sha256(credential.encode()).hexdigest()[:32]
        return cls(client, name=f"labelkit:ratelimit:{provider}:{digest}")

    def __repr__(self) -> str:
        return f"RedisStore(name={self.name!r})"

    # -- AsyncLimiterStore -----------------------------------------------------------------

    async def areserve(
        self, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[object, float] | None:
        """Book ``cost`` starts; return the reservation and the seconds until its grant
        (``None``, booking nothing, while held starts fill a window)."""
        return await anyio.to_thread.run_sync(self.reserve_sync, windows, cost)

    async def aconfirm(self, token: object) -> bool:
        """True if no cooldown began before the grant; else the reservation is given back."""
        return await anyio.to_thread.run_sync(self.confirm_sync, token)

    async def arelease(self, token: object) -> None:
        """Give back a reservation that will not be used."""
        await anyio.to_thread.run_sync(self.release_sync, token)

    def pause_for(self, seconds: float) -> None:
        """Grant nothing, to any user of this name, for the next ``seconds``. Never blocks."""
        if not seconds > 0:
            return
        with self._pause_lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)
        threading.Thread(target=self._send_pause, name="labelkit-redis-pause", daemon=True).start()

    async def ahold(
        self, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[object, float] | None:
        """Book held starts (:meth:`Limiter.hold`); ``None`` while held ones fill a window."""
        return await anyio.to_thread.run_sync(self.hold_sync, windows, cost)

    async def aconfirm_held(self, token: object) -> bool:
        """:meth:`aconfirm` for a held reservation."""
        grant, first, cost = _token(token)
        keys = [self._held_key, self._keys[1]]
        args: list[Any] = [grant, first, cost, self._pending_pause()]
        return bool(await anyio.to_thread.run_sync(lambda: self._confirm(keys=keys, args=args)))

    def commit_held(self, token: object) -> None:
        """Date held starts at the Redis time this reaches the server. Never blocks."""
        self._post("commit", _token(token))

    def release_held(self, token: object) -> None:
        """Give back held starts whose request was never written. Never blocks."""
        self._post("release", _token(token))

    # -- blocking calls (worker threads) ---------------------------------------------------

    def hold_sync(
        self, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[_Token, float] | None:
        """The blocking :meth:`ahold` (one script call)."""
        return self._book(_INTO_HELD, windows, cost)

    def _book(
        self, into: int, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[_Token, float] | None:
        """Run the booking script (into the log or the held set): the booking and the
        seconds until its grant, or ``None`` while held starts fill a window."""
        longest = max(period for _, period in windows)
        stale = longest + _HELD_STALE
        args: list[Any] = [cost, self._pending_pause(), _num(longest), _num(stale), into]
        for calls, period in windows:
            args += [calls, _num(period)]
        grant, now, first = self._book_script(keys=[*self._keys, self._held_key], args=args)
        if not _text(grant):
            return None
        received = time.monotonic()
        # Sleep until the grant as placed on our clock by the least delayed recent
        # reply: a late reply (Redis busy, threads starved) then does not make the
        # start late too, which would crowd the next window.
        offset = self._offset(received, received - float(now))
        return (_text(grant), int(first), cost), float(grant) + offset - received

    def _post(self, kind: str, token: _Token) -> None:
        self._outbox.put((kind, token))
        with self._pause_lock:
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(
                    target=self._send_outbox, name="labelkit-redis-commit", daemon=True
                )
                self._sender.start()

    def _send_outbox(self) -> None:
        while True:
            try:
                kind, (grant, first, cost) = self._outbox.get(timeout=30.0)
            except queue.Empty:
                with self._pause_lock:
                    if self._outbox.empty():
                        self._sender = None
                        return
                continue
            try:
                if kind == "commit":
                    self._commit(keys=[self._keys[0], self._held_key], args=[grant, first, cost])
                else:
                    self._release(keys=[self._held_key], args=[grant, first, cost])
            except redis.RedisError as exc:
                # The held start expires on its own (counted until then: never too many).
                logger.warning("labelkit: could not %s a rate-limit slot in Redis: %s", kind, exc)

    def reserve_sync(
        self, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[_Token, float] | None:
        """The blocking reservation (one script call); ``None`` while held starts fill a window."""
        return self._book(_INTO_LOG, windows, cost)

    def confirm_sync(self, token: object) -> bool:
        """The blocking :meth:`aconfirm`."""
        grant, first, cost = _token(token)
        keys = list(self._keys[:2])
        return bool(self._confirm(keys=keys, args=[grant, first, cost, self._pending_pause()]))

    def release_sync(self, token: object) -> None:
        """The blocking :meth:`arelease`."""
        grant, first, cost = _token(token)
        self._release(keys=[self._keys[0]], args=[grant, first, cost])

    def pause_sync(self, seconds: float) -> float:
        """Start (or extend) the cooldown now; returns the seconds it has left."""
        return float(_text(self._pause(keys=[self._keys[1]], args=[_num(max(0.0, seconds))])))

    def _offset(self, received: float, sample: float) -> float:
        with self._pause_lock:
            offsets = self._offsets
            offsets.append((received, sample))
            while offsets[0][0] < received - _OFFSET_MEMORY:
                offsets.popleft()
            return min(offset for _, offset in offsets)

    def _pending_pause(self) -> str:
        with self._pause_lock:
            left = self._pause_until - time.monotonic()
        return _num(max(0.0, left))

    def _send_pause(self) -> None:
        try:
            self._pause(keys=[self._keys[1]], args=[self._pending_pause()])
        except redis.RedisError as exc:  # the next reservation carries it anyway
            logger.warning("labelkit: could not store a rate-limit cooldown in Redis: %s", exc)


def _num(value: float) -> str:
    return repr(float(value))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _token(token: object) -> _Token:
    if not (isinstance(token, tuple) and len(token) == 3):
        raise TypeError(f"not a RedisStore reservation: {token!r}")
    grant, first, cost = token
    return str(grant), int(first), int(cost)
