"""The Datawow client against its emulator over loopback sockets (asyncio and trio)."""

from __future__ import annotations

import typing

import anyio
import httpx
import pytest

import labelkit
from labelkit._emulator import (
    EmulatorConfig,
    EmulatorServer,
    available_emulators,
    create_emulator,
    serving,
)
from labelkit._emulator.datawow import DEFAULT_PROJECTS, DatawowEmulator
from labelkit.datawow import (
    AsyncDatawow,
    ChoiceImage,
    ClosedQuestionAnswer,
    ClosedQuestionImage,
    Datawow,
    Image,
    ImageStatus,
    MessageImage,
    PhotoTagImage,
    PredictionImage,
    parse_postback,
)
from tests._support._parity import assert_sync_parity

IMAGE_URL = "https://cdn.example.com/cat.jpg"
FAST_POLL = labelkit.PollPolicy(initial_delay=0.02, interval=0.02, max_interval=0.05, timeout=10)
FAST_RETRY = labelkit.RetryPolicy(wait_initial=0.001, wait_max=0.002)


def frozen(**options: typing.Any) -> DatawowEmulator:
    """An emulator whose simulated clock only moves with ``clock.advance``."""
    return DatawowEmulator(config=EmulatorConfig(time_scale=0.0), **options)


def client(url: str, key: str, **options: typing.Any) -> AsyncDatawow:
    return AsyncDatawow(key, base_url=url + "/api", retry=FAST_RETRY, **options)


def in_process(emulator: DatawowEmulator, key: str) -> AsyncDatawow:
    return AsyncDatawow(
        key, base_url=emulator.base_url, transport=emulator.transport(), retry=FAST_RETRY
    )


@pytest.mark.anyio
async def test_every_endpoint_over_loopback() -> None:
    emulator = frozen()
    async with serving(emulator) as url:
        async with client(url, "test-choice") as datawow:
            choice = await datawow.choice.create(
                IMAGE_URL, instruction="Which?", categories="cat dog", multiple=True
            )
            assert [i.id for i in await datawow.choice.list()] == [choice.id]
            assert (await datawow.choice.find_id(choice.id)).categories == ["cat", "dog"]
        async with client(url, "test-closed-question") as datawow:
            closed = await datawow.closed_question.create(IMAGE_URL, staff_id=5)
            assert [i.id for i in await datawow.closed_question.list()] == [closed.id]
            assert isinstance(await datawow.closed_question.find_id(closed.id), ClosedQuestionImage)
        async with client(url, "test-message") as datawow:
            message = await datawow.message.create(IMAGE_URL, instruction="Describe")
            assert [i.id for i in await datawow.message.list()] == [message.id]
            assert (await datawow.message.find_id(message.id)).instruction == "Describe"
        async with client(url, "test-photo-tag") as datawow:
            tag = await datawow.photo_tag.create(IMAGE_URL, instruction="faces")
            assert [i.id for i in await datawow.photo_tag.list()] == [tag.id]
            assert (await datawow.photo_tag.find_id(tag.id)).answer == []
        async with client(url, "test-prediction") as datawow:
            prediction = await datawow.prediction.create(IMAGE_URL)
            assert [i.id for i in await datawow.prediction.list()] == [prediction.id]
            assert (await datawow.find_id(prediction.id)).status is ImageStatus.PROCESSING
    assert closed.staff_id == 5 and choice.multiple is True
    assert len(emulator.images) == 5
    assert {route.split()[0] for route in emulator.stats.routes} == {"GET", "POST"}
    assert len(emulator.stats.routes) == 11


@pytest.mark.anyio
async def test_status_moves_on_the_simulated_clock() -> None:
    emulator = frozen()  # processing time 1.5 s: unprocess 0.5, processing 1.0
    async with in_process(emulator, "test-choice") as datawow:
        image = await datawow.choice.create(IMAGE_URL, instruction="q", categories=["a", "b"])
        seen = []
        for step in (0.0, 0.5, 0.99, 0.01):
            emulator.clock.advance(step)
            seen.append(await datawow.choice.find_id(image.id))
    assert [i.status.value for i in seen] == ["unprocess", "processing", "processing", "processed"]
    assert seen[0].answer == [] and seen[0].credit_charged == 0 and seen[0].processed_at is None
    done = seen[-1]
    assert done.answer in (["a"], ["b"]) and done.credit_charged == 1
    assert done.processed_at == "2018-01-11T09:00:01.500+07:00"
    prediction_emulator = frozen(durations=(0.0, 3.0))
    async with in_process(prediction_emulator, "test-prediction") as datawow:
        prediction = await datawow.prediction.create(IMAGE_URL)
        assert prediction.status is ImageStatus.PROCESSING
        prediction_emulator.clock.advance(3.0)
        assert (await datawow.prediction.find_id(prediction.id)).processed


@pytest.mark.anyio
async def test_pagination_meta_and_iteration_over_loopback() -> None:
    emulator = frozen()
    async with serving(emulator) as url, client(url, "test-message") as datawow:
        ids = [
            (await datawow.message.create(f"{IMAGE_URL}?{n}", instruction="x")).id for n in range(5)
        ]
        pages = [await datawow.message.list(page=n, per_page=2) for n in (1, 2, 3)]
        walked = [image.id async for image in datawow.message.iter_images(per_page=2)]
    newest_first = ids[::-1]
    assert [[i.id for i in p] for p in pages] == [newest_first[0:2], newest_first[2:4], ids[:1]]
    metas = [(p.meta.current_page, p.meta.next_page, p.meta.prev_page) for p in pages]
    assert metas == [(1, 2, -1), (2, 3, 1), (3, -1, 2)]
    assert {(p.meta.total_count, p.meta.total_pages) for p in pages} == {(5, 3)}
    assert walked == newest_first
    assert emulator.stats.routes["GET /api/images/messages"] == 3 + 3


@pytest.mark.anyio
async def test_list_params_sent_as_a_get_body_are_understood() -> None:
    emulator = frozen()
    async with serving(emulator) as url:
        async with client(url, "test-photo-tag", list_params_as_body=True) as datawow:
            for n in range(3):
                await datawow.photo_tag.create(f"{IMAGE_URL}?{n}", instruction="x")
            page = await datawow.photo_tag.list(page=2, per_page=2)
    assert page.meta.current_page == 2 and len(page) == 1


@pytest.mark.anyio
async def test_wrong_key_wrong_product_and_bad_fields() -> None:
    emulator = frozen()
    async with serving(emulator) as url:
        async with client(url, "not-a-project-key", max_retries=0) as datawow:
            with pytest.raises(labelkit.AuthenticationError) as unauthorized:
                await datawow.find_id("5a5000000000000000000001")
        async with client(url, "test-message", max_retries=0) as datawow:
            with pytest.raises(labelkit.UnprocessableEntityError, match="message project"):
                await datawow.choice.create(IMAGE_URL, instruction="q", categories=["a"])
        async with httpx.AsyncClient(base_url=url + "/api") as raw:
            headers = {"Authorization": "test-choice"}
            missing = await raw.post(
                "/images/choices", data={"data": "u", "instruction": "q"}, headers=headers
            )
            bad_flag = await raw.post(
                "/images/choices",
                data={"data": "u", "instruction": "q", "categories": "a", "multiple": "maybe"},
                headers=headers,
            )
            as_json = await raw.post(
                "/images/choices",
                json={"data": "u", "instruction": "q", "categories": ["a", "b"], "multiple": True},
                headers=headers,
            )
            sdk_style = await raw.post(
                "/images/choices",
                data={"data": "u", "instruction": "q", "categories": "a b", "allow_empty": "True"},
                headers=headers,
            )
    assert unauthorized.value.status == 401
    assert unauthorized.value.message == "Not authenticated"
    assert missing.status_code == 400
    assert missing.json() == {"meta": {"code": 400, "message": "categories is required"}}
    assert bad_flag.status_code == 400
    assert as_json.json()["data"]["categories"] == ["a", "b"]
    assert as_json.json()["data"]["multiple"] is True
    assert sdk_style.json()["data"]["allow_empty"] is True


@pytest.mark.anyio
async def test_answers_per_product() -> None:
    emulator = frozen()
    async with serving(emulator) as url:
        answers: dict[str, typing.Any] = {}
        for key, product in DEFAULT_PROJECTS.items():
            async with client(url, key) as datawow:
                resource = getattr(datawow, product)
                kwargs: dict[str, typing.Any] = {}
                if product == "choice":
                    kwargs = {"categories": ["a", "b", "c", "d"], "multiple": True}
                if product != "closed_question" and product != "prediction":
                    kwargs["instruction"] = "tag faces"
                image = await resource.create(IMAGE_URL, **kwargs)
                emulator.force_status(image.id, "processed")
                answers[product] = await resource.find_id(image.id)
    assert isinstance(answers["choice"], ChoiceImage)
    assert 1 <= len(answers["choice"].answer) <= 4
    assert set(answers["choice"].answer) <= {"a", "b", "c", "d"}
    assert isinstance(answers["closed_question"].answer, ClosedQuestionAnswer)
    assert answers["closed_question"].answer in list(ClosedQuestionAnswer)
    assert isinstance(answers["message"], MessageImage) and answers["message"].answer
    tags = answers["photo_tag"]
    assert isinstance(tags, PhotoTagImage) and tags.answer
    assert all({"x", "y", "w", "h"} <= set(area) for area in tags.answer)
    prediction = answers["prediction"]
    assert isinstance(prediction, PredictionImage) and prediction.label in ("approved", "declined")


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["nudity", "demographic"])
async def test_prediction_project_types(kind: str) -> None:
    emulator = frozen(prediction_type=kind)
    async with in_process(emulator, "test-prediction") as datawow:
        image = await datawow.prediction.create(IMAGE_URL)
        emulator.force_status(image.id, "processed")
        done = await datawow.prediction.find_id(image.id)
    if kind == "nudity":
        assert done.sexual is not None and 0 < done.sexual < 1 and done.demographics == []
    else:
        face = done.demographics[0]
        assert face.gender in ("male", "female") and set(face.positions) == {"x", "y", "w", "h"}
        assert done.sexual is None


@pytest.mark.anyio
async def test_custom_id_lookup_and_escaped_ids() -> None:
    emulator = frozen()
    async with serving(emulator) as url:
        async with client(url, "test-choice") as datawow:
            first = await datawow.choice.create(
                IMAGE_URL, instruction="q", categories=["a"], custom_id="shop/42 #1"
            )
            found = await datawow.choice.find_id(custom_id="shop/42 #1")
            with pytest.raises(labelkit.NotFoundError):
                await datawow.find_id(custom_id="shop/43")
        async with client(url, "test-message") as other_project:
            with pytest.raises(labelkit.NotFoundError):
                await other_project.find_id(first.id)
    assert found.id == first.id and found.custom_id == "shop/42 #1"


@pytest.mark.anyio
async def test_wait_and_wait_many_against_the_emulator() -> None:
    emulator = DatawowEmulator(config=EmulatorConfig(processing_time=0.2))
    async with serving(emulator) as url, client(url, "test-prediction", poll=FAST_POLL) as datawow:
        images = [await datawow.prediction.create(f"{IMAGE_URL}?{n}") for n in range(3)]
        first = await datawow.prediction.wait(images[0].id)
        outcomes = [o async for o in datawow.wait_many([i.id for i in images[1:]])]
    assert first.processed and first.label in ("approved", "declined")
    assert sorted(o.item for o in outcomes) == sorted(i.id for i in images[1:])
    assert all(o.ok and o.unwrap().processed for o in outcomes)


@pytest.mark.anyio
async def test_reads_are_retried_and_a_dropped_create_is_found_by_custom_id() -> None:
    emulator = frozen()
    async with serving(emulator) as url, client(url, "test-closed-question") as datawow:
        emulator.fail_next(2, status=503, method="GET")
        assert (await datawow.closed_question.list()).images == []
        emulator.drop_next(1, method="POST")
        with pytest.raises(labelkit.AmbiguousResultError):
            await datawow.closed_question.create(IMAGE_URL, custom_id="batch-7")
        # The create was committed before the connection dropped: look before re-creating.
        found = await datawow.closed_question.find_id(custom_id="batch-7")
    assert len(emulator.images) == 1 and found.id in emulator.images
    assert emulator.stats.statuses[503] == 2 and emulator.stats.drops == 1


def test_registry_and_construction() -> None:
    assert "datawow" in available_emulators()
    emulator = create_emulator("datawow", config=EmulatorConfig(latency=0.0))
    assert isinstance(emulator, DatawowEmulator)
    assert set(emulator.projects) == set(DEFAULT_PROJECTS)
    custom = DatawowEmulator(projects={"k1": "choice", "k2": "choice"})
    assert [p.product for p in custom.projects.values()] == ["choice", "choice"]
    with pytest.raises(ValueError, match="unknown product"):
        DatawowEmulator(projects={"k": "video"})
    with pytest.raises(ValueError, match="prediction_type"):
        DatawowEmulator(prediction_type="celebrity")
    with pytest.raises(ValueError, match="unknown status"):
        emulator.force_status("x", "done")


@pytest.mark.anyio
async def test_real_time_scale_finishes_images() -> None:
    emulator = DatawowEmulator(config=EmulatorConfig(time_scale=1000))
    async with in_process(emulator, "test-message") as datawow:
        image = await datawow.message.create(IMAGE_URL, instruction="x")
        await anyio.sleep(0.01)  # 10 simulated seconds
        assert (await datawow.message.find_id(image.id)).processed


# -- the generated sync facade ----------------------------------------------------------------


def test_sync_parity() -> None:
    assert_sync_parity(AsyncDatawow, Datawow)


def test_sync_facade_over_loopback() -> None:
    emulator = frozen()
    with EmulatorServer(emulator) as server:
        url = server.url + "/api"
        with httpx.Client(base_url=url, headers={"Authorization": "test-choice"}) as raw:
            created = raw.post(
                "/images/choices", data={"data": IMAGE_URL, "instruction": "q", "categories": "a b"}
            ).json()["data"]
        with Datawow("test-choice", base_url=url, poll=FAST_POLL, retry=FAST_RETRY) as datawow:
            first = datawow.find_id(created["id"])
            emulator.clock.advance(1.5)
            done = datawow.wait(created["id"])
            outcomes = list(datawow.wait_many([created["id"]]))
            verified = datawow.verify_postback(parse_postback(method="GET", query=f"id={done.id}"))
            with pytest.raises(labelkit.NotFoundError):
                datawow.find_id(custom_id="nope")
    assert first.status is ImageStatus.UNPROCESS and type(first) is Image
    assert done.processed and done.answer in (["a"], ["b"])
    assert [o.unwrap().id for o in outcomes] == [created["id"]]
    assert verified.id == done.id and verified.answer == done.answer
