"""Callback delivery of the Scale emulator: the shared sender plus ``scale-callback-auth``.

Delivery, loopback-only targets and redelivery on the simulated clock are
:class:`labelkit._emulator._webhooks.WebhookSender`'s; Scale only adds its auth
header (task and batch callbacks are POSTed JSON).
"""

from __future__ import annotations

from ..._emulator import DeliveryAttempt, WebhookSender, is_loopback_url

__all__ = ["AUTH_HEADER", "CallbackAttempt", "CallbackDeliverer", "is_loopback_url"]

AUTH_HEADER = "scale-callback-auth"

CallbackAttempt = DeliveryAttempt
CallbackDeliverer = WebhookSender
