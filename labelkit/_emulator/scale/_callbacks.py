"""Callback delivery of the Scale emulator: the shared sender plus ``scale-callback-auth``.

Delivery, loopback-only targets and redelivery on the simulated clock are
:class:`labelkit._emulator._webhooks.WebhookSender`'s; this module only adds
Scale's auth header (task and batch callbacks are POSTed JSON).
"""

from __future__ import annotations

from collections.abc import Callable

from ..._emulator import DeliveryAttempt, WebhookSender, is_loopback_url

__all__ = ["AUTH_HEADER", "CallbackAttempt", "CallbackDeliverer", "is_loopback_url"]

AUTH_HEADER = "scale-callback-auth"

CallbackAttempt = DeliveryAttempt


class CallbackDeliverer(WebhookSender):
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
        super().__init__(
            now,
            name="scale",
            backoff=backoff,
            backoff_max=backoff_max,
            max_attempts=max_attempts,
            timeout=timeout,
        )

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
        self.schedule(
            kind,
            ident,
            url,
            ready=ready,
            payload=payload,
            on_result=on_result,
            headers={AUTH_HEADER: auth_key},
        )
