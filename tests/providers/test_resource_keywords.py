"""Resources (``client.choice`` ...) declare keyword blocks once (``**kw: Unpack[TD]``) like
clients do: their signatures list each keyword, async and sync, and calls still check them."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest
from typing_extensions import Unpack

import labelkit
from labelkit._poll import WaitOptions
from labelkit._providers.datawow import _resources as resources
from labelkit._providers.datawow import _sync as sync
from labelkit._sync._base import SyncResource
from labelkit._types import NOT_GIVEN
from labelkit._validate import ArgumentChecked
from labelkit.datawow import AsyncDatawow, Datawow
from tests._support._mypy import assert_mypy_strict_passes

BASE_URL = "http://127.0.0.1:9/"  # nothing listens: any request would fail differently

SHARED = ["postback_url", "postback_method", "custom_id", "staff_id", "params"]
SHARED_DEFAULTS = [*[(name, None) for name in SHARED], ("timeout", NOT_GIVEN)]
SHARED_DEFAULTS += [("max_retries", NOT_GIVEN)]
OWN = {
    "choice": ["instruction", "categories", "multiple", "allow_empty"],
    "closed_question": ["instruction"],
    "message": ["instruction"],
    "photo_tag": ["instruction"],
}
PRODUCTS = [*OWN, "prediction"]


class Block(typing.TypedDict, total=False):
    size: int
    name: str | None


def _keywords(method: object) -> list[tuple[str, object]]:
    params = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    assert all(p.kind is not p.VAR_KEYWORD for p in params)
    return [(p.name, p.default) for p in params if p.kind is p.KEYWORD_ONLY]


def test_an_async_resource_lists_the_keywords_of_its_unpacked_block() -> None:
    class Resource(ArgumentChecked):
        async def fetch(self, id: str, **block: Unpack[Block]) -> str:
            return id

    assert _keywords(Resource.fetch) == [("size", NOT_GIVEN), ("name", NOT_GIVEN)]
    assert _keywords(Resource().fetch) == [("size", NOT_GIVEN), ("name", NOT_GIVEN)]


def test_a_sync_resource_lists_the_keywords_of_its_unpacked_block() -> None:
    class Resource(SyncResource[object]):
        def fetch(self, id: str, **block: Unpack[Block]) -> str:
            return id

    assert _keywords(Resource.fetch) == [("size", NOT_GIVEN), ("name", NOT_GIVEN)]


def _product_classes(product: str) -> list[type]:
    client = AsyncDatawow("key", base_url=BASE_URL)
    async_cls = type(getattr(client, product))
    sync_cls = next(
        cls
        for cls in vars(sync).values()
        if isinstance(cls, type)
        and issubclass(cls, SyncResource)
        and async_cls in typing.get_args(cls.__orig_bases__[0])
    )
    return [async_cls, sync_cls]


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_products_create_lists_its_fields_then_the_shared_keywords(product: str) -> None:
    own = [(name, None) for name in OWN.get(product, ["instruction"])]
    shared = [kw for kw in SHARED_DEFAULTS if product != "prediction" or kw[0] != "staff_id"]
    block = resources.PredictionOptions if product == "prediction" else resources.CreateOptions
    for cls in _product_classes(product):
        assert _keywords(cls.create) == [*own, *shared], cls
        assert typing.get_type_hints(cls.create)["options"] == Unpack[block]


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_products_wait_lists_timeout_and_poll_from_wait_options(product: str) -> None:
    for cls in [AsyncDatawow, Datawow, *_product_classes(product)]:
        params = list(inspect.signature(cls.wait).parameters.values())[1:]
        assert [(p.name, p.kind.name, p.default) for p in params] == [
            ("id", "POSITIONAL_OR_KEYWORD", None),
            ("custom_id", "KEYWORD_ONLY", None),
            ("timeout", "KEYWORD_ONLY", NOT_GIVEN),
            ("poll", "KEYWORD_ONLY", None),
        ], cls
        assert typing.get_type_hints(cls.wait)["wait"] == Unpack[WaitOptions]


@pytest.mark.anyio
async def test_an_unknown_resource_keyword_is_a_type_error_naming_the_method() -> None:
    async with AsyncDatawow("key", base_url=BASE_URL) as client:
        for product in PRODUCTS:
            create = getattr(client, product).create
            with pytest.raises(TypeError, match=r"create\(\) got an unexpected keyword .*'tags'"):
                await create("https://x/y.jpg", instruction="?", tags=["a"])
        with pytest.raises(TypeError, match=r"create\(\) got an unexpected keyword .*'staff_id'"):
            await client.prediction.create("https://x/y.jpg", staff_id=3)  # type: ignore[call-arg]
        for lookups in (client, client.choice):
            with pytest.raises(TypeError, match=r"wait\(\) got an unexpected keyword .*'every'"):
                await lookups.wait("id", every=3)  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_a_declared_resource_keyword_is_type_checked_before_any_request() -> None:
    async with AsyncDatawow("key", base_url=BASE_URL) as client:
        with pytest.raises(labelkit.ValidationError, match="custom_id"):
            await client.choice.create("u", instruction="?", custom_id=5.0)  # type: ignore[arg-type]
        with pytest.raises(labelkit.ValidationError, match="staff_id"):
            await client.message.create("u", instruction="?", staff_id="7")  # type: ignore[arg-type]
        with pytest.raises(labelkit.ValidationError, match="max_retries"):
            await client.prediction.create("u", max_retries="2")  # type: ignore[arg-type]
        with pytest.raises(labelkit.ValidationError, match="timeout"):
            await client.photo_tag.wait("id", timeout="soon")  # type: ignore[arg-type]
        with pytest.raises(labelkit.ValidationError, match="poll"):
            await client.wait("id", poll=5)  # type: ignore[arg-type]


def test_a_sync_resource_checks_and_names_its_keywords() -> None:
    with Datawow("key", base_url=BASE_URL) as client:
        with pytest.raises(labelkit.ValidationError, match="custom_id"):
            client.closed_question.create("u", custom_id=5.0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"wait\(\) got an unexpected keyword .*'every'"):
            client.choice.wait("id", every=3)  # type: ignore[call-arg]


SNIPPET = """
from labelkit import PollPolicy
from labelkit.datawow import AsyncDatawow, Datawow


async def main(client: AsyncDatawow, blocking: Datawow) -> None:
    await client.choice.create("u", instruction="?", custom_id="c", staff_id=1, max_retries=2)
    await client.prediction.create("u", postback_url="https://x", timeout=3.0)
    await client.choice.wait("id", timeout=5, poll=PollPolicy())
    blocking.message.create("u", instruction="?", params={"a": 1})
    blocking.photo_tag.wait(custom_id="c", timeout=None)
    # Each of these is an error: strict mode's unused-ignore check fails if one is not.
    await client.choice.create("u", custom_id=5.0)  # type: ignore[arg-type]
    await client.prediction.create("u", staff_id=1)  # type: ignore[call-arg]
    await client.message.wait("id", timeout="soon")  # type: ignore[arg-type]
    blocking.choice.create("u", max_retries="2")  # type: ignore[arg-type]
    blocking.closed_question.wait("id", poll=5)  # type: ignore[arg-type]
"""


def test_mypy_checks_the_declared_keywords_at_call_sites(tmp_path: Path) -> None:
    assert_mypy_strict_passes(SNIPPET, tmp_path)
