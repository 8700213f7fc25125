"""Drop-in calls: every method of the official ``k-sequencing`` SDK (create, list, find_id of the
five products) with its own argument forms, through the sync client against the emulator."""

from __future__ import annotations

import typing

import pytest

import labelkit
from labelkit._emulator import EmulatorConfig, EmulatorServer
from labelkit._emulator.datawow import DatawowEmulator
from labelkit.datawow import Datawow

IMAGE_URL = "https://cdn.example.com/cat.jpg"
FAST_RETRY = labelkit.RetryPolicy(max_retries=0)

#: product attribute, project key, the SDK README's create params
PRODUCTS: list[tuple[str, str, dict[str, typing.Any]]] = [
    ("choice", "test-choice", {"instruction": "Which?", "categories": "cat dog"}),
    ("closed_question", "test-closed-question", {}),
    ("message", "test-message", {"instruction": "Describe it"}),
    ("photo_tag", "test-photo-tag", {"instruction": "Tag faces"}),
    ("prediction", "test-prediction", {}),
]


@pytest.fixture(scope="module")
def server_url() -> typing.Iterator[str]:
    emulator = DatawowEmulator(config=EmulatorConfig(time_scale=0.0))
    with EmulatorServer(emulator) as server:
        yield server.url + "/api"


@pytest.mark.parametrize(("product", "key", "fields"), PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_every_official_call_form(
    server_url: str, product: str, key: str, fields: dict[str, typing.Any]
) -> None:
    with Datawow(key, base_url=server_url, retry=FAST_RETRY) as datawow:
        resource = getattr(datawow, product)
        params = {"data": IMAGE_URL, **fields, "custom_id": f"{product}-1"}
        # ks.Choice(KEY).create(params={...}), and the dict positionally.
        created = resource.create(params=params)
        positional = resource.create({**params, "custom_id": f"{product}-2"})
        keywords = resource.create(IMAGE_URL, **{**fields, "custom_id": f"{product}-3"})
        # ks.Choice(KEY).list(), list(params={...}), and keywords.
        bare = resource.list()
        paged = resource.list(params={"page": 1, "per_page": 2})
        paged_positional = resource.list({"page": 2, "per_page": 2})
        paged_kw = resource.list(page=1, per_page=20)
        # ks.Choice(KEY).find_id("ID") and find_id(id=...).
        found = resource.find_id(created.id)
        found_kw = resource.find_id(id=positional.id)
    assert created.custom_id == f"{product}-1" and created.data == IMAGE_URL
    assert keywords.custom_id == f"{product}-3"
    assert {i.id for i in bare} == {created.id, positional.id, keywords.id}
    assert len(paged.images) == 2 and paged.meta.current_page == 1
    assert len(paged_positional.images) == 1 and paged_positional.meta.current_page == 2
    assert len(paged_kw.images) == 3
    assert found.id == created.id and found_kw.id == positional.id
    # The SDK's Responses wrapper: result.code / result.message / result.meta.
    for single in (created, found):
        assert (single.code, single.message) == (200, "success")
        assert single.meta.code == 200
    assert bare.meta.code == 200


def test_params_and_keywords_must_agree(server_url: str) -> None:
    with Datawow("test-choice", base_url=server_url) as datawow:
        with pytest.raises(labelkit.ValidationError) as info:
            datawow.choice.create(
                IMAGE_URL, params={"data": "https://other.example/x.jpg"}, instruction="q"
            )
    assert info.value.field == "data"


def test_unknown_postback_method_is_sent_and_the_server_message_named(server_url: str) -> None:
    # Not refused before sending any more (the SDK sends it): the server answers 400.
    with Datawow("test-message", base_url=server_url, retry=FAST_RETRY) as datawow:
        with pytest.raises(labelkit.BadRequestError) as info:
            datawow.message.create(
                IMAGE_URL,
                instruction="x",
                postback_url="https://hooks.example/x",
                postback_method="FETCH",
            )
    assert "postback_method 'FETCH' is not supported" in info.value.message
