"""Receiving Scale callbacks: check ``scale-callback-auth``, parse, de-duplicate, hand on.

When a task with a ``callback_url`` finishes, Scale POSTs JSON
``{"task": {...}, "response": {...}, "task_id": "..."}`` with the header
``scale-callback-auth`` set to the account's callback auth key (the live key,
or the test key for test-mode tasks; both are on the dashboard). Scale
re-delivers a callback until it gets a 2xx (up to 20 times over about a day),
so the same callback can arrive more than once.

* :class:`CallbackVerifier` checks the header in constant time.
* :func:`parse_callback` turns a body into a :class:`Callback`.
* :class:`CallbackReceiver` is an ASGI app doing both, answering 401 to
  anything unauthenticated, handing each callback to your handler once, and
  letting code ``await receiver.wait(task_id)``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import typing
from collections.abc import Callable, Mapping

import attrs

from ..._errors import ValidationError
from ..._models import ResponseValidationError
from ..._webhooks import WebhookAnswer, WebhookReceiver, WebhookRequest
from ._models import Task, TaskStatus, parse

__all__ = ["Callback", "CallbackReceiver", "CallbackVerifier", "parse_callback"]

HEADER = "scale-callback-auth"


@attrs.frozen
class Callback:
    """One verified callback: the ``task`` as Scale sent it, and its ``response``.

    ``is_test`` is True when it carried the test callback key. ``payload`` is
    the whole body as received.
    """

    task_id: str
    task: Task
    response: typing.Any = attrs.field(default=None, repr=False)
    is_test: bool = False
    payload: Mapping[str, typing.Any] = attrs.field(factory=dict, repr=False)

    @property
    def status(self) -> TaskStatus | None:
        """The task's status (``completed`` for a normal completion callback)."""
        return self.task.status

    @property
    def dedup_key(self) -> tuple[str, str, str]:
        """What identifies a re-delivery: task id, status and a hash of the response."""
        digest = hashlib.sha256(
            json.dumps(self.response, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        return self.task_id, str(self.status or ""), digest


class CallbackVerifier:
    """Checks the ``scale-callback-auth`` header against your callback auth keys.

    ``callback_auth_key`` (default env ``SCALE_CALLBACK_AUTH_KEY``) is the live
    key, ``test_callback_auth_key`` (default env
    ``SCALE_TEST_CALLBACK_AUTH_KEY``) the test key; at least one is required.
    Comparisons are constant-time (:func:`hmac.compare_digest`) and every key
    is always compared. The keys never appear in reprs.
    """

    def __init__(
        self,
        callback_auth_key: str | None = None,
        *,
        test_callback_auth_key: str | None = None,
    ) -> None:
        live = callback_auth_key or os.environ.get("SCALE_CALLBACK_AUTH_KEY")
        test = test_callback_auth_key or os.environ.get("SCALE_TEST_CALLBACK_AUTH_KEY")
        if not live and not test:
            raise ValidationError(
                "callback_auth_key",
                "missing: pass callback_auth_key= / test_callback_auth_key= "
                "or set SCALE_CALLBACK_AUTH_KEY",
            )
        self._keys: tuple[tuple[bytes, bool], ...] = tuple(
            (key.encode(), is_test) for key, is_test in ((live, False), (test, True)) if key
        )

    def __repr__(self) -> str:
        return f"CallbackVerifier(keys={len(self._keys)})"

    def check(self, value: str | bytes | None) -> bool | None:
        """``False`` for the live key, ``True`` for the test key, ``None`` if neither matches."""
        if value is None:
            return None
        given = value.encode() if isinstance(value, str) else value
        found: bool | None = None
        for key, is_test in self._keys:
            if hmac.compare_digest(given, key) and found is None:
                found = is_test
        return found

    def verify(self, headers: Mapping[str, str]) -> bool:
        """Whether ``headers`` (any case) carry a valid ``scale-callback-auth``."""
        return (
            self.check(next((v for k, v in headers.items() if k.lower() == HEADER), None))
            is not None
        )


def parse_callback(
    body: bytes | str | Mapping[str, typing.Any], *, is_test: bool = False
) -> Callback:
    """Parse a callback body; :class:`~labelkit.ValidationError` if it names no task."""
    if isinstance(body, Mapping):
        document: object = dict(body)
    else:
        try:
            document = json.loads(body)
        except ValueError:
            raise ValidationError("body", "is not valid JSON") from None
    if not isinstance(document, dict):
        raise ValidationError("body", "must be a JSON object")
    raw_task = document.get("task")
    task_id = document.get("task_id")
    if isinstance(raw_task, dict) and not isinstance(task_id, str):
        task_id = raw_task.get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise ValidationError("task_id", "the callback names no task")
    response = document.get("response")
    if not isinstance(raw_task, dict):
        raw_task = {"task_id": task_id, "response": response}
    elif "task_id" not in raw_task:
        raw_task = {**raw_task, "task_id": task_id}
    if response is None:
        response = raw_task.get("response")
    try:
        task = parse(raw_task, Task)
    except ResponseValidationError as exc:
        raise ValidationError("task", str(exc)) from None
    return Callback(
        task_id=task_id, task=task, response=response, is_test=is_test, payload=document
    )


class CallbackReceiver(WebhookReceiver[bool, Callback, Callback]):
    """An ASGI app (and framework-independent :meth:`handle`) for Scale callbacks.

    Every POST is checked with ``verifier`` (or a :class:`CallbackVerifier`
    built from ``callback_auth_key`` / ``test_callback_auth_key``): a missing
    or wrong ``scale-callback-auth`` answers 401 and nothing else happens.
    A verified callback wakes :meth:`wait` and is passed to
    ``handler(callback)`` (sync or async) once: a re-delivery (same task,
    status and response) of a callback already handled answers 200 without
    calling the handler again, and one arriving while the first is still
    being handled answers 409 so that Scale tries it again later. A handler
    that raises answers 500 (Scale re-delivers). Other answers: 400 bad body,
    404 other path (when ``path`` is set), 405 not POST, 413 body over
    ``max_body``. The last ``remember`` callbacks are kept for
    de-duplication and for :meth:`wait`. Run it in the event loop of the code
    that waits, e.g. with uvicorn or hypercorn.
    """

    waits_for = "callback for Scale task"

    def __init__(
        self,
        handler: Callable[[Callback], object] | None = None,
        *,
        callback_auth_key: str | None = None,
        test_callback_auth_key: str | None = None,
        verifier: CallbackVerifier | None = None,
        path: str | None = None,
        max_body: int = 16 << 20,
        remember: int = 100_000,
    ) -> None:
        super().__init__(handler, path=path, max_body=max_body, remember=remember)
        self._verifier = verifier or CallbackVerifier(
            callback_auth_key, test_callback_auth_key=test_callback_auth_key
        )

    def __repr__(self) -> str:
        return f"CallbackReceiver(path={self._path!r})"

    async def wait(self, task_id: str, *, timeout: float | None = None) -> Task:  # type: ignore[override]
        """The task of the latest verified callback for ``task_id`` (waits if none came yet).

        ``timeout`` in seconds (``None`` waits forever) raises
        :class:`~labelkit.PollTimeoutError`.
        """
        return (await super().wait(task_id, timeout=timeout)).task

    async def handle(self, headers: Mapping[str, str], body: bytes) -> tuple[int, str]:
        """Process one POSTed callback; returns the HTTP status and a short reason."""
        return await self.process(WebhookRequest("POST", body, headers))

    async def authenticate(self, request: WebhookRequest) -> bool:
        is_test = self._verifier.check(request.header(HEADER))
        if is_test is None:
            raise WebhookAnswer(401, "bad or missing scale-callback-auth")
        return is_test

    def parse(self, request: WebhookRequest, sender: bool) -> Callback:
        try:
            return parse_callback(request.body, is_test=sender)
        except ValidationError as exc:
            raise WebhookAnswer(400, str(exc)) from None

    async def verify(self, claim: Callback) -> Callback:
        return claim  # the auth key was the verification

    def event_id(self, event: Callback) -> str:
        return event.task_id

    def dedup_key(self, event: Callback) -> tuple[str, str, str]:
        return event.dedup_key
