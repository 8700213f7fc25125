"""The Scale (scaleapi) client: the v1 REST surface of the official SDK 2.x, async first."""

from __future__ import annotations

import base64
import os
import ssl
from collections.abc import Mapping

from typing_extensions import Unpack

from ..._client import ConnectionOptions
from ..._config import PollPolicy, RetryPolicy
from ..._errors import ValidationError
from ..._http import USER_AGENT
from ._account import _AccountMixin
from ._base import DEFAULT_POLL
from ._batches import _BatchesMixin
from ._listing import _ListingMixin
from ._task_types import _TaskTypesMixin
from ._tasks import _TasksMixin
from ._v2_client import _V2Mixin

__all__ = ["DEFAULT_RETRY", "AsyncScale"]

#: The core's retry policy, plus the 520-530 statuses of Scale's CDN that the official
#: SDK also retries.
DEFAULT_RETRY = RetryPolicy(
    retry_statuses=frozenset({408, 425, 429, 500, 502, 503, 504, *range(520, 531)})
)


class AsyncScale(
    _TasksMixin, _TaskTypesMixin, _ListingMixin, _BatchesMixin, _AccountMixin, _V2Mixin
):
    """Async client for Scale's v1 and v2 APIs, with the official SDK's method names.

    ``api_key`` (``live_...`` or ``test_...``; the key selects live or test
    mode) is sent as HTTP Basic auth username with an empty password. It
    defaults to the ``SCALE_API_KEY`` environment variable (the official SDK
    reads none). ``base_url`` is the API host (default ``SCALE_BASE_URL``, else
    ``https://api.scale.com``); an SDK-style URL ending in ``/v1`` is accepted
    too, as ``base_url=`` or under the official name ``api_instance_url=``.
    The official ``source`` (appended to the User-Agent), ``verify``,
    ``proxies`` (``{"https": url}``, the same as ``proxy=url``) and ``cert``
    are accepted as well, in the official order
    (``AsyncScale(api_key, source, api_instance_url, verify, proxies, cert)``)
    or as keywords; ``verify=False`` is honoured (the official client ignores it).
    ``transport=`` is any httpx transport (an emulator's ``transport()``
    serves in-process; ``app=`` is a deprecated alias for an ASGI app).

    Compared with the official SDK: one connection pool, timeouts on every
    call, retries with backoff and ``Retry-After`` for reads and for creates
    that carry a ``unique_id`` (a create without one is never re-sent after
    it may have reached Scale: :class:`~labelkit.AmbiguousResultError`), any
    2xx accepted, ``true``/``false`` in query strings, and the key never in
    logs, reprs or errors. ``auto_unique_id=True`` gives every task create
    without a ``unique_id`` a random one, so that every create is retry-safe.
    The v2 ("GenAI") API is :attr:`v2` (``client.v2.get_task(task_id=...)``)
    and :meth:`v2_get_tasks`; it goes to the same host + ``/v2`` with
    ``Authorization: Bearer <api key>``, so one ``base_url`` points both at a
    test server. Scale documents no rate limit, so none is applied unless ``rate_limit=``
    is given. ``poll`` is the default policy of :meth:`wait_task`.

    Usage::

        async with AsyncScale("live_...") as scale:
            task = await scale.create_task(
                TaskType.IMAGEANNOTATION,
                project="kittens",
                attachment="https://example.com/cat.jpg",
                geometries={"box": {"objects_to_annotate": ["cat"]}},
                unique_id="cat-0001",
            )
            task = await scale.wait_task(task.task_id)
            print(task.response)
    """

    provider = "scale"
    default_base_url = "https://api.scale.com"
    base_url_env = None  # read (and normalised) in __init__
    default_rate_limit = None

    default_max_retries = 3

    def __init__(
        self,
        api_key: str | None = None,
        source: str | None = None,
        api_instance_url: str | None = None,
        verify: bool | str | ssl.SSLContext | None = None,
        proxies: Mapping[str, str] | None = None,
        cert: str | tuple[str, str] | None = None,
        *,
        poll: PollPolicy = DEFAULT_POLL,
        auto_unique_id: bool = False,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        _official_options(options, source, proxies)
        base_url = options.get("base_url")
        if api_instance_url is not None:
            # The official ScaleClient's name for the same thing (it ends in /v1).
            if base_url is not None and base_url != api_instance_url:
                raise ValidationError("api_instance_url", "give base_url or api_instance_url")
            base_url = api_instance_url
        api_key = api_key or os.environ.get("SCALE_API_KEY")
        if not api_key:
            raise ValidationError("api_key", "missing: pass api_key= or set SCALE_API_KEY")
        if not isinstance(api_key, str) or any(c in api_key for c in "\r\n:"):
            raise ValidationError("api_key", "must be a single-line string without ':'")
        in_process = options.get("app") is not None
        base = base_url or (None if in_process else os.environ.get("SCALE_BASE_URL"))
        token = base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        self._poll = poll
        self._auto_unique_id = auto_unique_id
        self._v2_key = api_key
        options["base_url"] = _host(base) if base else None
        options["retry"] = options.get("retry") or DEFAULT_RETRY
        super().__init__(
            credential=api_key,
            auth_headers={"Authorization": f"Basic {token}"},
            verify=True if verify is None else verify,
            cert=cert,
            **options,
        )
        self._add_secrets(token, f"Bearer {api_key}")
        self._bind_resources()


def _official_options(
    options: ConnectionOptions, source: str | None, proxies: Mapping[str, str] | None
) -> None:
    """The official ScaleClient's ``source`` (a User-Agent suffix) and ``proxies`` (a
    requests-style ``{"https": url}``) as labelkit's ``default_headers`` and ``proxy``."""
    if source is not None:
        if any(c in source for c in "\r\n"):
            raise ValidationError("source", "must be a single line")
        headers = options.get("default_headers") or {}
        options["default_headers"] = {"User-Agent": f"{USER_AGENT} {source}", **headers}
    if proxies:
        if options.get("proxy") is not None:
            raise ValidationError("proxies", "give proxy or proxies")
        options["proxy"] = proxies.get("https") or proxies.get("http")


def _host(url: str) -> str:
    """The API root: ``https://api.scale.com/v1`` and ``.../v1/`` become ``https://api.scale.com``."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url
