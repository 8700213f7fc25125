"""The five k-sequencing products as resources of the client: ``client.choice.create(...)``.

Each resource knows its endpoint and its create fields; the requests, the
envelope, retries, pagination and polling all go through the client and the core.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence

from typing_extensions import Unpack

from ..._bulk import BulkRun, Progress
from ..._client import CallOptions
from ..._config import Timeout
from ..._errors import NotFoundError, ValidationError
from ..._journal import Journal
from ..._pagination import Page, iter_pages
from ..._signatures import keyword_defaults, with_defaults
from ..._types import NOT_GIVEN, NotGiven
from ._forms import (
    _categories,
    _common,
    _count,
    _data_form,
    _flag,
    _Form,
    _merge,
    _passed_through,
    _text,
    url_custom_id,
)
from ._lookups import _ImageLookups
from ._models import (
    ChoiceImage,
    ClosedQuestionImage,
    Image,
    ImagePage,
    MessageImage,
    PhotoTagImage,
    PredictionImage,
)

if typing.TYPE_CHECKING:
    from ._client import AsyncDatawow

__all__ = [
    "AsyncChoices",
    "AsyncClosedQuestions",
    "AsyncMessages",
    "AsyncPhotoTags",
    "AsyncPredictions",
]

R = typing.TypeVar("R", bound=Image)


def _page_key(image: Image) -> object:
    # Records without an id are never taken for one seen before.
    return image.id if image.id is not None else object()


class _Submission(typing.TypedDict, total=False):
    postback_url: str | None
    postback_method: str | None
    custom_id: str | int | None


class CreateOptions(_Submission, total=False):
    """The official keywords every product's ``create`` ends with (after its own fields)."""

    staff_id: int | None
    params: Mapping[str, object] | None
    timeout: float | Timeout | NotGiven | None
    max_retries: int | NotGiven


class PredictionOptions(_Submission, total=False):
    """``client.prediction.create``'s: those of :class:`CreateOptions` but ``staff_id``."""

    params: Mapping[str, object] | None
    timeout: float | Timeout | NotGiven | None
    max_retries: int | NotGiven


for _options in (CreateOptions, PredictionOptions):
    keyword_defaults(
        _options,
        {**dict.fromkeys(_options.__annotations__), "timeout": NOT_GIVEN, "max_retries": NOT_GIVEN},
    )


class _AsyncImages(_ImageLookups[R]):
    """What every product shares: list, iterate, find, wait. Not used directly.

    ``R`` is the product's record class (``ChoiceImage`` for ``client.choice`` ...).
    A product declares its name, API path and record class as class keywords:
    ``class AsyncChoices(_AsyncImages[ChoiceImage], product="choice", path=..., model=...)``.
    """

    _product: str
    _path: str
    _model: type[R]

    def __init_subclass__(
        cls,
        *,
        product: str | None = None,
        path: str | None = None,
        model: type[Image] | None = None,
        **kwargs: typing.Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if product is not None and path is not None and model is not None:
            cls._product, cls._path, cls._model = product, path, model  # type: ignore[assignment]

    def __init__(self, client: AsyncDatawow) -> None:
        self._client = client

    if typing.TYPE_CHECKING:
        # Every product defines its own create; these two arguments they all share.
        async def create(
            self,
            data: str | Mapping[str, object] | None = None,
            *,
            params: Mapping[str, object] | None = None,
        ) -> R: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self._path!r})"

    def _datawow(self) -> AsyncDatawow:
        return self._client

    async def list(
        self,
        params: Mapping[str, object] | None = None,
        *,
        page: int | None = None,
        per_page: int | str | None = None,
        **call: Unpack[CallOptions],
    ) -> ImagePage[R]:
        """One page of this project's images (pages start at 1) with the server's ``meta``.

        ``list(page=2, per_page=50)`` or the SDK's ``list(params={"page": 2,
        "per_page": 50})``. Only what is given is sent, in the query string
        (the official SDK sent it as a GET body; see ``list_params_as_body`` on
        the client): with no arguments the server's defaults apply (page 1,
        20 per page). Values are sent as given (``page=0``, the SDK's
        documented default, ``per_page=0``, or a string as the SDK documents it).
        """
        # Sent as given, as the SDK sent them: the server judges page 0 (its documented
        # default), per_page=0 or "50".
        query = _passed_through(_merge(params, page=page, per_page=per_page))
        return await self._client._list(
            self._path, self._model, query, **with_defaults(call, CallOptions, "list")
        )

    def iter_images(self, *, per_page: int = 100) -> AsyncIterator[R]:
        """Iterate over every image of the project, requesting pages lazily.

        The end is taken from ``meta`` (``next_page``, else ``total_count``);
        an image seen on an earlier page (the listing shifted while iterating)
        is not yielded twice.
        """

        async def fetch(page: int, size: int) -> Page[R]:
            result = await self.list(page=page, per_page=size)
            return Page(result.images, total=result.meta.total_count, has_more=result.meta.has_next)

        return iter_pages(fetch, per_page=_count("per_page", per_page), key=_page_key)

    def create_many(
        self,
        items: Iterable[str | Mapping[str, object]] | AsyncIterable[str | Mapping[str, object]],
        *,
        fields: Mapping[str, object] | None = None,
        concurrency: int = 16,
        on_progress: Callable[[Progress], object] | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
    ) -> BulkRun[str | Mapping[str, object], R]:
        """Submit many images, ``concurrency`` at a time; one Outcome per item.

        Each item is an image URL, or a mapping of this product's create
        fields (``data`` plus e.g. ``instruction`` or ``custom_id``);
        ``fields`` are sent with every item (e.g. ``{"instruction": "Which?",
        "categories": ["cat", "dog"]}``), a field given both ways must agree.
        Every image carries a ``custom_id``: the item's own, else
        :func:`~labelkit.datawow.url_custom_id` of its URL (so one URL is one
        image per job; give an item its own ``custom_id`` to submit a URL twice).

        A create is not idempotent, so a create whose answer was lost is
        looked up by ``find_id(custom_id=...)`` instead of being sent again:
        found, it is OK; not found, it stays AMBIGUOUS.

        ``journal`` (a :class:`~labelkit.Journal` or a path) makes the job
        resumable: items done by an earlier run are not sent again, and one a
        crash left unknown is looked up by its ``custom_id`` first. Each item
        is journaled as ``datawow:{product}:{custom_id}`` (``product`` as the
        client's attribute, e.g. ``choice``: the key ``labelkit upload
        datawow`` uses, so either resumes the other's job).
        """
        shared = _merge(None, fields)
        for name in ("data", "custom_id"):
            if name in shared:
                raise ValidationError(f"fields[{name!r}]", "is per item; put it in the items")

        def custom_id(item: str | Mapping[str, object]) -> str:
            if isinstance(item, str):
                return url_custom_id(_text("data", item))
            if not isinstance(item, Mapping):
                raise ValidationError(
                    "items", f"expected a URL or a mapping, got {type(item).__name__}"
                )
            own = item.get("custom_id")
            if own is not None:
                return _text("custom_id", own)
            return url_custom_id(_text("data", item.get("data")))

        async def create(item: str | Mapping[str, object]) -> R:
            return await self.create(item, params={**shared, "custom_id": custom_id(item)})

        async def find(item: str | Mapping[str, object]) -> R | None:
            try:
                return await self.find_id(custom_id=custom_id(item))
            except NotFoundError:
                return None

        return self._client.bulk(
            create,
            items,
            concurrency=concurrency,
            on_progress=on_progress,
            journal=journal,
            key=lambda item: f"datawow:{self._product}:{custom_id(item)}",
            resolve=find,
            remote_id=lambda image: image.id,
        )

    async def _send(
        self,
        fields: _Form,
        form: _Form,
        options: CreateOptions | PredictionOptions,
        staff_id: int | None,
    ) -> R:
        """Create: ``form`` (the product's fields) with the fields every product shares."""
        form.update(
            _common(
                fields,
                options["postback_url"],
                options["postback_method"],
                options["custom_id"],
                staff_id,
            )
        )
        return await self._client._create(
            self._path,
            form,
            self._model,
            timeout=options["timeout"],
            max_retries=options["max_retries"],
        )


class AsyncChoices(
    _AsyncImages[ChoiceImage], product="choice", path="images/choices", model=ChoiceImage
):
    """Choice: a moderator picks among your ``categories`` (about 30 minutes)."""

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        categories: Sequence[str] | str | None = None,
        multiple: bool | None = None,
        allow_empty: bool | None = None,
        **options: Unpack[CreateOptions],
    ) -> ChoiceImage:
        """Submit an image (``data``, its URL) with a question and its answer choices.

        ``categories`` is a list of single-word choices, or one string of them
        separated by spaces: the server splits on whitespace, so a category
        containing a space is rejected. ``multiple`` allows several answers,
        ``allow_empty`` none (both default to false on the server).
        ``postback_url``/``postback_method`` ask Datawow to call you when the
        image is processed; ``custom_id`` is your own searchable id.

        The SDK's form, ``create(params={"data": ..., "instruction": ...})``
        (or the dict as the first argument), is accepted too; a field given
        both ways must agree. Fields labelkit does not know are sent as given.

        A create is not idempotent: after a failure that may have reached the
        server, :class:`~labelkit.AmbiguousResultError` is raised instead of
        re-sending; with a ``custom_id`` you can check with
        ``find_id(custom_id=...)`` before creating again.
        """
        options = with_defaults(options, CreateOptions, "create")
        f = _merge(
            data,
            options["params"],
            instruction=instruction,
            categories=categories,
            multiple=multiple,
            allow_empty=allow_empty,
        )
        form = _data_form(f, instruction_required=True)
        form.update(
            categories=_categories(f.pop("categories", None)),
            multiple=_flag("multiple", f.pop("multiple", None)),
            allow_empty=_flag("allow_empty", f.pop("allow_empty", None)),
        )
        return await self._send(f, form, options, options["staff_id"])


class _AsyncInstructed(_AsyncImages[R]):
    """A product whose create takes only an ``instruction`` besides the common fields."""

    #: Whether a create must carry an ``instruction`` (else it is sent only when given).
    _instruction_required: typing.ClassVar[bool] = True

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        **options: Unpack[CreateOptions],
    ) -> R:
        """Submit an image (``data``, its URL) with an ``instruction`` for the moderator.

        A closed question's ``instruction`` is optional (the SDK docstring
        lists it, the API table does not) and sent only when given.
        Other arguments as in :meth:`AsyncChoices.create`.
        """
        options = with_defaults(options, CreateOptions, "create")
        f = _merge(data, options["params"], instruction=instruction)
        form = _data_form(f, instruction_required=self._instruction_required)
        return await self._send(f, form, options, options["staff_id"])


class AsyncClosedQuestions(
    _AsyncInstructed[ClosedQuestionImage],
    product="closed_question",
    path="images/closed_questions",
    model=ClosedQuestionImage,
):
    """ClosedQuestion ("standard criteria"): approved, declined or ban (about 5 minutes)."""

    _instruction_required = False


class AsyncMessages(
    _AsyncInstructed[MessageImage], product="message", path="images/messages", model=MessageImage
):
    """Message: a moderator answers your ``instruction`` with free text."""


class AsyncPhotoTags(
    _AsyncInstructed[PhotoTagImage],
    product="photo_tag",
    path="images/photo_tags",
    model=PhotoTagImage,
):
    """PhotoTag: a moderator draws the areas matching your ``instruction``."""


class AsyncPredictions(
    _AsyncImages[PredictionImage],
    product="prediction",
    path="prime/predictions",
    model=PredictionImage,
):
    """Prediction ("Images (AI Beta)"): AI moderation; starts in ``processing``."""

    async def create(
        self,
        data: str | Mapping[str, object] | None = None,
        *,
        instruction: str | None = None,
        **options: Unpack[PredictionOptions],
    ) -> PredictionImage:
        """Submit an image (``data``, its URL) to the project's AI model.

        ``instruction`` is not documented for predictions; it is sent only when
        given (the README's example sends one). There is no ``staff_id``.
        Other arguments as in :meth:`AsyncChoices.create`.
        """
        options = with_defaults(options, PredictionOptions, "create")
        f = _merge(data, options["params"], instruction=instruction)
        return await self._send(f, _data_form(f, instruction_required=False), options, None)
