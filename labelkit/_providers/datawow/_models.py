"""Datawow k-sequencing models: image records per product, page metadata, exact wire strings."""

from __future__ import annotations

import typing

import attrs

from ..._models import Model, WireEnum, structure

R = typing.TypeVar("R", bound="Image")

#: HTTP methods Datawow accepts for ``postback_method`` (the SDK docstring also lists DELETE).
POSTBACK_METHODS: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class ImageStatus(WireEnum):
    """Where an image is in moderation; only ``PROCESSED`` is final.

    Human products start at ``UNPROCESS``, Prediction (AI) at ``PROCESSING``.
    Datawow documents no failure or cancel state; an unknown value is kept as
    a pseudo-member and treated as not finished.
    """

    UNPROCESS = "unprocess"
    PROCESSING = "processing"
    PROCESSED = "processed"

    @property
    def is_terminal(self) -> bool:
        return self is ImageStatus.PROCESSED


class ClosedQuestionAnswer(WireEnum):
    """A ClosedQuestion ("standard criteria") verdict."""

    APPROVED = "approved"
    DECLINED = "declined"
    BAN = "ban"


class _SdkStatus:
    """The SDK's ``result.code`` and ``result.message``, read from ``meta``."""

    __slots__ = ()

    if typing.TYPE_CHECKING:

        @property
        def meta(self) -> PageMeta: ...

    @property
    def code(self) -> int | None:
        """``meta.code`` of the response (200 on success): the SDK's ``result.code``."""
        return self.meta.code

    @property
    def message(self) -> str | None:
        """``meta.message`` of the response (``"success"``): the SDK's ``result.message``."""
        return self.meta.message


@attrs.define
class Image(Model, _SdkStatus):
    """One moderated image, as any product returns it (``answer`` as sent).

    The product-specific subclasses (:class:`ChoiceImage`, ...) type ``answer``;
    the product resources return them. ``categories``, ``multiple`` and
    ``allow_empty`` are set for Choice images only. ``processed_at`` is the
    ISO-8601 string the server sends (``None`` until processed). Fields not
    listed here (``created_at``, ``deadline_at`` ...) are kept in ``extra``.
    ``id`` is ``None`` for a listed record the server sent without one (the
    seed's ClosedQuestion list example has none): the record is still returned.
    """

    id: typing.Optional[str]
    status: ImageStatus
    data: typing.Optional[str] = None
    custom_id: typing.Optional[str] = None
    instruction: typing.Optional[str] = None
    categories: typing.Optional[list[str]] = None
    multiple: typing.Optional[bool] = None
    allow_empty: typing.Optional[bool] = None
    answer: typing.Any = None
    credit_charged: typing.Optional[int] = None
    postback_url: typing.Optional[str] = None
    postback_method: typing.Optional[str] = None
    processed_at: typing.Optional[str] = None
    project_id: typing.Optional[int] = None
    staff_id: typing.Optional[int] = None
    # The response envelope's meta: not a record field, so never structured or unstructured.
    _envelope: typing.Optional[PageMeta] = attrs.field(
        default=None, init=False, eq=False, repr=False, metadata={"extra": True}
    )

    @property
    def meta(self) -> PageMeta:
        """The ``meta`` of the response that carried this record (``code``, ``message``).

        Empty for a record that came in a list (the page's :attr:`ImagePage.meta`
        holds that one). The SDK's ``result.meta``.
        """
        return self._envelope if self._envelope is not None else PageMeta()

    @property
    def processed(self) -> bool:
        """True once moderation is finished and ``answer`` is final."""
        return self.status is ImageStatus.PROCESSED


@attrs.define
class ChoiceImage(Image):
    """A Choice image; ``answer`` is the chosen categories (empty until processed)."""

    categories: list[str] = attrs.Factory(list)
    answer: list[str] = attrs.Factory(list)


@attrs.define
class ClosedQuestionImage(Image):
    """A ClosedQuestion image; ``answer`` is approved / declined / ban (``None`` before)."""

    answer: typing.Optional[ClosedQuestionAnswer] = None


@attrs.define
class MessageImage(Image):
    """A Message image; ``answer`` is the moderator's free text (``None`` before)."""

    answer: typing.Optional[str] = None


@attrs.define
class PhotoTagImage(Image):
    """A PhotoTag image; ``answer`` is the tagged areas as sent (shape undocumented)."""

    answer: list[typing.Any] = attrs.Factory(list)


@attrs.define
class Demographic(Model):
    """One face found by a "Demographic" Prediction project."""

    age: typing.Optional[typing.Union[int, float]] = None
    age_prob: typing.Optional[float] = None
    gender: typing.Optional[str] = None
    gender_prob: typing.Optional[float] = None
    positions: dict[str, float] = attrs.Factory(dict)


@attrs.define
class PredictionImage(Image):
    """A Prediction (AI) image. ``answer`` depends on the AI project type.

    "Standard Criteria" (with or without human review) answers a string such
    as ``"approved"`` (:attr:`label`), "Nudity/Sexual" ``{"sexual": p}``
    (:attr:`sexual`), "Demographic" ``{"result": [...]}``
    (:attr:`demographics`); ``answer`` itself is kept exactly as sent.
    """

    answer: typing.Any = None

    @property
    def label(self) -> str | None:
        """The verdict of a Standard Criteria project (``"approved"`` ...)."""
        return self.answer if isinstance(self.answer, str) else None

    @property
    def sexual(self) -> float | None:
        """The nudity probability of a Nudity/Sexual project."""
        value = self.answer.get("sexual") if isinstance(self.answer, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return None

    @property
    def demographics(self) -> list[Demographic]:
        """The faces of a Demographic project (empty for other project types)."""
        result = self.answer.get("result") if isinstance(self.answer, dict) else None
        if not isinstance(result, list):
            return []
        return structure(result, list[Demographic])


@attrs.define
class PageMeta(Model):
    """Pagination metadata of a list call; ``next_page``/``prev_page`` are -1 when absent."""

    code: typing.Optional[int] = None
    message: typing.Optional[str] = None
    current_page: typing.Optional[int] = None
    next_page: typing.Optional[int] = None
    prev_page: typing.Optional[int] = None
    total_count: typing.Optional[int] = None
    total_pages: typing.Optional[int] = None

    @property
    def has_next(self) -> bool | None:
        """Whether another page follows (``None`` when the server did not say)."""
        if self.next_page is not None:
            return self.next_page > 0 and (
                self.current_page is None or self.next_page > self.current_page
            )
        if self.current_page is not None and self.total_pages is not None:
            return self.current_page < self.total_pages
        return None


@attrs.frozen
class ImagePage(_SdkStatus, typing.Generic[R]):
    """One page of a product's images (of the product's record class) and the server's ``meta``."""

    images: typing.Sequence[R]
    meta: PageMeta

    def __iter__(self) -> typing.Iterator[R]:
        return iter(self.images)

    def __len__(self) -> int:
        return len(self.images)

    @typing.overload
    def __getitem__(self, index: int) -> R: ...
    @typing.overload
    def __getitem__(self, index: slice) -> typing.Sequence[R]: ...
    def __getitem__(self, index: int | slice) -> R | typing.Sequence[R]:
        return self.images[index]
