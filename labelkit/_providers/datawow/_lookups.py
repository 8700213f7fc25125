"""Finding and waiting for images: what the client and every product resource share."""

from __future__ import annotations

import abc
import typing
from collections.abc import Iterable

from typing_extensions import Unpack

from ..._bulk import BulkRun
from ..._client import CallOptions
from ..._poll import WaitOptions
from ..._signatures import with_defaults
from ..._validate import ArgumentChecked
from ._models import Image
from ._postback import Postback

if typing.TYPE_CHECKING:
    from ._client import AsyncDatawow

__all__: list[str] = []

R = typing.TypeVar("R", bound=Image)


class _ImageLookups(ArgumentChecked, typing.Generic[R], metaclass=abc.ABCMeta):
    """``find_id``, ``wait``, ``wait_many`` and ``verify_postback`` returning ``R``.

    The client's return any product's image as :class:`Image`; a product
    resource's (``client.choice`` ...) return its typed record.
    """

    _model: type[R]

    @abc.abstractmethod
    def _datawow(self) -> AsyncDatawow:
        """The client that sends the requests."""

    async def find_id(
        self,
        id: str | None = None,
        *,
        custom_id: str | None = None,
        **call: Unpack[CallOptions],
    ) -> R:
        """Retrieve one image of this project by its ``id`` or by your ``custom_id`` (exactly one).

        Both look-ups use ``GET projects/images/{id or custom_id}``: SDK 0.1.0
        documents the path id, its later branch documents that the same path
        segment also accepts a custom id. The project key decides which
        project is searched. The client returns the image of any product with
        its ``answer`` kept as sent; a product resource (``client.choice.find_id``
        ...) returns its typed record. Raises :class:`~labelkit.NotFoundError`
        when there is no such image.
        """
        return await self._datawow()._find(
            id, custom_id, self._model, **with_defaults(call, CallOptions, "find_id")
        )

    async def wait(
        self,
        id: str | None = None,
        *,
        custom_id: str | None = None,
        **wait: Unpack[WaitOptions],
    ) -> R:
        """Poll :meth:`find_id` until the image is ``processed`` and return it.

        Polls on the client's ``poll`` policy (default: first after 5 s, then
        5 s growing x1.5 up to 60 s). ``timeout`` (seconds, default the
        policy's two hours, ``None`` waits forever) raises
        :class:`~labelkit.PollTimeoutError` carrying the last image seen; the
        image itself stays queued. Prefer postbacks for many images.
        """
        wait = with_defaults(wait, WaitOptions, "wait")
        return await self._datawow()._wait(id, custom_id, self._model, **wait)

    def wait_many(
        self,
        ids: Iterable[str],
        *,
        concurrency: int = 64,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[str, R]:
        """Wait for many images; yields an Outcome per id as each one is processed."""
        wait = with_defaults(wait, WaitOptions, "wait_many")
        return self._datawow()._wait_many(ids, self._model, concurrency=concurrency, **wait)

    async def verify_postback(
        self,
        postback: Postback,
        **call: Unpack[CallOptions],
    ) -> R:
        """Re-fetch the image a postback names and return what the API says about it.

        Postbacks carry no signature, so nothing in one can be trusted: use
        only the returned image. Raises :class:`~labelkit.NotFoundError` for an
        image this project does not have (a forged or misdirected postback).
        """
        custom_id = postback.custom_id if postback.id is None else None
        return await self._datawow()._find(
            postback.id,
            custom_id,
            self._model,
            **with_defaults(call, CallOptions, "verify_postback"),
        )
