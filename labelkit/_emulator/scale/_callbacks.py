"""Callback delivery of the Scale emulator, with redelivery on the simulated clock.

A background thread (not a task: the app has no task group of its own, and
callbacks must leave on time even when no request arrives) watches the
registered jobs. When a job's event has happened (its task completed), it
POSTs the JSON payload with the ``scale-callback-auth`` header. A non-2xx
answer or a connection error schedules another attempt ``backoff`` simulated
seconds later, doubling up to ``backoff_max``, at most ``max_attempts`` times.
Only loopback ``http(s)`` URLs are called: anything else (an e-mail address,
a public host) is recorded as skipped and never contacted.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable

import attrs
import httpx

__all__ = ["AUTH_HEADER", "CallbackAttempt", "CallbackDeliverer", "is_loopback_url"]

logger = logging.getLogger("labelkit.emulator")

AUTH_HEADER = "scale-callback-auth"
_TICK = 0.01  # real seconds between looks at the job list


@attrs.frozen
class CallbackAttempt:
    """One delivery attempt: ``status`` is ``None`` for a connection failure or a skip."""

    kind: str  # "task" or "batch"
    ident: str  # task id or batch name
    url: str
    attempt: int
    status: int | None
    at: float  # simulated time
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@attrs.define(eq=False)
class _Job:
    kind: str
    ident: str
    url: str
    auth_key: str
    ready: Callable[[float], bool | None]  # None: the event will never happen
    payload: Callable[[], object]
    on_result: Callable[[bool], None]
    attempt: int = 0
    next_at: float = 0.0


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is ``http(s)`` on localhost or a loopback address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CallbackDeliverer:
    """Delivers callbacks from a daemon thread; ``attempts`` records every try."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        backoff: float = 1.0,
        backoff_max: float = 3600.0,
        max_attempts: int = 20,
        timeout: float = 5.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._now = now
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.attempts: list[CallbackAttempt] = []
        self._jobs: list[_Job] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(
        self,
        kind: str,
        ident: str,
        url: str,
        auth_key: str,
        *,
        ready: Callable[[float], bool | None],
        payload: Callable[[], object],
        on_result: Callable[[bool], None],
    ) -> None:
        """Deliver ``payload()`` to ``url`` once ``ready(now)`` is true (``None``: never)."""
        if not is_loopback_url(url):
            logger.warning("scale emulator: not calling back %r (not a loopback URL)", url)
            self.attempts.append(CallbackAttempt(kind, ident, url, 0, None, self._now(), True))
            return
        job = _Job(kind, ident, url, auth_key, ready, payload, on_result)
        with self._lock:
            self._jobs.append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="scale-emulator-callbacks", daemon=True
                )
                self._thread.start()

    def cancel(self, kind: str, ident: str) -> None:
        """Forget the undelivered jobs of one task or batch."""
        with self._lock:
            self._jobs = [j for j in self._jobs if (j.kind, j.ident) != (kind, ident)]

    @property
    def pending(self) -> int:
        """Jobs not yet delivered (nor given up)."""
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """Forget every undelivered job (the thread then ends on its own)."""
        with self._lock:
            self._jobs.clear()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, trust_env=False, follow_redirects=False) as client:
            while True:
                with self._lock:
                    if not self._jobs:
                        self._thread = None
                        return
                    now = self._now()
                    states = [(job, job.ready(now)) for job in self._jobs]
                    self._jobs = [job for job, state in states if state is not None]
                    due = [job for job, state in states if state and now >= job.next_at]
                for job in due:
                    self._attempt(client, job)
                time.sleep(_TICK)

    def _attempt(self, client: httpx.Client, job: _Job) -> None:
        job.attempt += 1
        status: int | None = None
        try:
            response = client.post(job.url, json=job.payload(), headers={AUTH_HEADER: job.auth_key})
            status = response.status_code
        except httpx.HTTPError as exc:
            logger.debug("scale emulator: callback to %s failed: %s", job.url, exc)
        now = self._now()
        record = CallbackAttempt(job.kind, job.ident, job.url, job.attempt, status, now)
        done = record.ok or job.attempt >= self.max_attempts
        if not done:
            job.next_at = now + min(self.backoff * 2 ** (job.attempt - 1), self.backoff_max)
        job.on_result(record.ok)
        # In this order, whoever watches ``attempts`` sees the job already rescheduled, and
        # whoever watches ``pending`` sees every attempt recorded.
        self.attempts.append(record)
        with self._lock:
            if done and job in self._jobs:
                self._jobs.remove(job)
