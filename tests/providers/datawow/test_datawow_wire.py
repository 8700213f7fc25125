"""Datawow k-sequencing on the wire: one respx test per operation, plus validation and waits."""

from __future__ import annotations

import typing
from urllib.parse import parse_qsl, unquote

import anyio
import httpx
import pytest
import respx
from trio.testing import MockClock

import labelkit
from labelkit.datawow import (
    DEFAULT_POLL,
    AsyncDatawow,
    ChoiceImage,
    ClosedQuestionAnswer,
    ClosedQuestionImage,
    Demographic,
    Image,
    ImageStatus,
    MessageImage,
    PhotoTagImage,
    Postback,
    PredictionImage,
)

BASE = "https://k-sequencing.datawow.io/api"
KEY = "c2VjcmV0LXByb2plY3Qta2V5LTQy"
IMAGE_URL = "https://cdn.example.com/cat.jpg"

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)


def record(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "5a56c56f60f4f17a353d3113",
        "custom_id": None,
        "data": IMAGE_URL,
        "answer": None,
        "credit_charged": 0,
        "postback_url": "",
        "processed_at": None,
        "project_id": 82,
        "status": "unprocess",
    }
    return {**base, **fields}


def envelope(data: object, **meta: object) -> httpx.Response:
    return httpx.Response(
        200, json={"data": data, "meta": {"code": 200, "message": "success", **meta}}
    )


def form_of(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode(), keep_blank_values=True)


@pytest.fixture
def client() -> AsyncDatawow:
    return AsyncDatawow(KEY, max_retries=0)


def assert_common_headers(request: httpx.Request) -> None:
    assert request.headers["authorization"] == KEY  # raw, no scheme
    assert request.headers["accept"] == "application/json"


# -- create -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_choice_create_request(client: AsyncDatawow) -> None:
    created = record(categories=["cat", "dog"], multiple=True, allow_empty=False, answer=[])
    with respx.mock:
        route = respx.post(f"{BASE}/images/choices").mock(return_value=envelope(created))
        image = await client.choice.create(
            IMAGE_URL,
            instruction="Which animal?",
            categories=["cat", "dog"],
            multiple=True,
            allow_empty=False,
            postback_url="https://hooks.example.com/dw?x=1",
            postback_method="put",
            custom_id="order-42",
            staff_id=7,
        )
    request = route.calls.last.request
    assert_common_headers(request)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.url.query == b""
    assert request.content == (
        b"data=https%3A%2F%2Fcdn.example.com%2Fcat.jpg&instruction=Which+animal%3F"
        b"&categories=cat+dog&multiple=true&allow_empty=false"
        b"&postback_url=https%3A%2F%2Fhooks.example.com%2Fdw%3Fx%3D1&postback_method=put"
        b"&custom_id=order-42&staff_id=7"
    )
    assert isinstance(image, ChoiceImage)
    assert image.status is ImageStatus.UNPROCESS and not image.processed
    assert image.categories == ["cat", "dog"] and image.answer == []


@pytest.mark.anyio
async def test_choice_categories_string_and_omitted_options(client: AsyncDatawow) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/images/choices").mock(return_value=envelope(record()))
        await client.choice.create(IMAGE_URL, instruction="face", categories="  cat1 cat2\tcat3 ")
    assert form_of(route.calls.last.request) == [
        ("data", IMAGE_URL),
        ("instruction", "face"),
        ("categories", "cat1 cat2 cat3"),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("resource", "path", "kwargs", "expected"),
    [
        (
            "closed_question",
            "images/closed_questions",
            {"custom_id": "c1"},
            [("data", IMAGE_URL), ("custom_id", "c1")],
        ),
        (
            "closed_question",
            "images/closed_questions",
            {"instruction": "nudity?", "staff_id": 0},
            [("data", IMAGE_URL), ("instruction", "nudity?"), ("staff_id", "0")],
        ),
        (
            "message",
            "images/messages",
            {"instruction": "Describe it", "postback_url": "http://127.0.0.1:9/cb"},
            [
                ("data", IMAGE_URL),
                ("instruction", "Describe it"),
                ("postback_url", "http://127.0.0.1:9/cb"),
            ],
        ),
        (
            "photo_tag",
            "images/photo_tags",
            {"instruction": "faces", "staff_id": 3},
            [("data", IMAGE_URL), ("instruction", "faces"), ("staff_id", "3")],
        ),
        (
            "prediction",
            "prime/predictions",
            {"postback_url": "https://h.example/p", "postback_method": "GET"},
            [
                ("data", IMAGE_URL),
                ("postback_url", "https://h.example/p"),
                ("postback_method", "GET"),
            ],
        ),
    ],
)
async def test_create_request_per_product(
    client: AsyncDatawow,
    resource: str,
    path: str,
    kwargs: dict[str, object],
    expected: list[tuple[str, str]],
) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/{path}").mock(return_value=envelope(record()))
        await getattr(client, resource).create(IMAGE_URL, **kwargs)
    request = route.calls.last.request
    assert request.method == "POST"
    assert_common_headers(request)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == expected


@pytest.mark.anyio
async def test_create_returns_typed_records(client: AsyncDatawow) -> None:
    with respx.mock:
        respx.post(f"{BASE}/images/closed_questions").mock(return_value=envelope(record()))
        respx.post(f"{BASE}/images/messages").mock(
            return_value=envelope(record(instruction="x", staff_id=4))
        )
        respx.post(f"{BASE}/images/photo_tags").mock(
            return_value=envelope({"image": record(answer=None)})  # answer null -> []
        )
        respx.post(f"{BASE}/prime/predictions").mock(
            return_value=envelope(record(status="processing", deadline_at="2018-01-12"))
        )
        closed = await client.closed_question.create(IMAGE_URL)
        message = await client.message.create(IMAGE_URL, instruction="x")
        tag = await client.photo_tag.create(IMAGE_URL, instruction="x")
        prediction = await client.prediction.create(IMAGE_URL)
    assert isinstance(closed, ClosedQuestionImage) and closed.answer is None
    assert isinstance(message, MessageImage) and message.staff_id == 4
    assert isinstance(tag, PhotoTagImage) and tag.answer == []
    assert isinstance(prediction, PredictionImage)
    assert prediction.status is ImageStatus.PROCESSING
    assert prediction.extra == {"deadline_at": "2018-01-12"}


@pytest.mark.anyio
async def test_create_that_fails_ambiguously_is_not_resent() -> None:
    client = AsyncDatawow(KEY)  # default max_retries=2
    with respx.mock:
        route = respx.post(f"{BASE}/images/messages").mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(labelkit.AmbiguousResultError):
            await client.message.create(IMAGE_URL, instruction="x", custom_id="m-1")
    assert route.call_count == 1


# -- list ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ("choice", "images/choices"),
        ("closed_question", "images/closed_questions"),
        ("message", "images/messages"),
        ("photo_tag", "images/photo_tags"),
        ("prediction", "prime/predictions"),
    ],
)
async def test_list_request_per_product(client: AsyncDatawow, resource: str, path: str) -> None:
    meta = {"current_page": 2, "next_page": -1, "prev_page": 1, "total_count": 3, "total_pages": 2}
    with respx.mock:
        route = respx.get(f"{BASE}/{path}").mock(
            return_value=envelope({"images": [record(id="a"), record(id="b")]}, **meta)
        )
        page = await getattr(client, resource).list(page=2, per_page=2)
    request = route.calls.last.request
    assert request.method == "GET"
    assert_common_headers(request)
    assert request.url.path == f"/api/{path}"
    assert request.url.query == b"page=2&per_page=2"
    assert request.content == b"" and "content-type" not in request.headers
    assert [image.id for image in page] == ["a", "b"] and len(page) == 2
    assert page.meta.current_page == 2 and page.meta.total_count == 3
    assert page.meta.next_page == -1 and page.meta.has_next is False


@pytest.mark.anyio
async def test_list_accepts_the_seed_shapes(client: AsyncDatawow) -> None:
    with respx.mock:
        respx.get(f"{BASE}/images/choices").mock(
            side_effect=[
                envelope({"image": record(id="only")}),  # the seed's Choice list example
                envelope({"images": []}, current_page=1, next_page=-1),
                envelope({}),
            ]
        )
        assert [i.id for i in await client.choice.list()] == ["only"]
        assert (await client.choice.list()).images == []
        assert (await client.choice.list()).meta.has_next is None


@pytest.mark.anyio
async def test_list_params_as_body_compatibility_switch() -> None:
    client = AsyncDatawow(KEY, list_params_as_body=True)
    with respx.mock:
        route = respx.get(f"{BASE}/images/choices").mock(return_value=envelope({"images": []}))
        await client.choice.list(params={"page": 2, "per_page": 20})
        await client.choice.list()
    request = route.calls[0].request
    assert request.url.query == b""
    assert request.content == b"page=2&per_page=20"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    # As the SDK: list() with no arguments sends no parameters at all.
    bare = route.calls[1].request
    assert (bare.url.query, bare.content) == (b"", b"")


@pytest.mark.anyio
async def test_iter_images_walks_every_page_once(client: AsyncDatawow) -> None:
    pages = {
        "1": ({"images": [record(id="a"), record(id="b")]}, 2),
        "2": ({"images": [record(id="b"), record(id="c")]}, 3),  # "b" shifted: not repeated
        "3": ({"images": [record(id="d")]}, -1),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        data, next_page = pages[request.url.params["page"]]
        return envelope(data, current_page=int(request.url.params["page"]), next_page=next_page)

    with respx.mock:
        route = respx.get(f"{BASE}/prime/predictions").mock(side_effect=answer)
        ids = [image.id async for image in client.prediction.iter_images(per_page=2)]
    assert ids == ["a", "b", "c", "d"]
    assert [c.request.url.query for c in route.calls] == [
        b"page=1&per_page=2",
        b"page=2&per_page=2",
        b"page=3&per_page=2",
    ]


@pytest.mark.anyio
async def test_iter_images_stops_on_total_count_without_an_extra_request(
    client: AsyncDatawow,
) -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/images/messages").mock(
            return_value=envelope({"images": [record(id="a"), record(id="b")]}, total_count=2)
        )
        assert [i.id async for i in client.message.iter_images(per_page=2)] == ["a", "b"]
    assert route.call_count == 1


# -- find_id ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_find_id_request_and_escaping(client: AsyncDatawow) -> None:
    with respx.mock:
        # A custom_id lookup only accepts a record carrying exactly that custom_id.
        route = respx.get(url__startswith=f"{BASE}/projects/images/").mock(
            side_effect=lambda request: envelope(
                {"image": record(custom_id=unquote(request.url.raw_path.decode().rsplit("/")[-1]))}
            )
        )
        await client.find_id("5a56c56f60f4f17a353d3113")
        await client.choice.find_id("a/b c?d#e")
        await client.message.find_id(custom_id="ü-1")
        # A dot segment could address the parent resource even when encoded as %2E%2E.
        with pytest.raises(labelkit.ValidationError, match="custom_id"):
            await client.photo_tag.find_id(custom_id="..")
    paths = [c.request.url.raw_path for c in route.calls]
    assert paths == [
        b"/api/projects/images/5a56c56f60f4f17a353d3113",
        b"/api/projects/images/a%2Fb%20c%3Fd%23e",
        b"/api/projects/images/%C3%BC-1",
    ]
    for call in route.calls:
        assert call.request.method == "GET"
        assert_common_headers(call.request)
        assert call.request.content == b""


@pytest.mark.anyio
async def test_find_id_accepts_the_seed_shapes(client: AsyncDatawow) -> None:
    wanted = "5a546e4160f4f17a353d3106"
    with respx.mock:
        respx.get(f"{BASE}/projects/images/{wanted}").mock(
            side_effect=[
                envelope({"images": [record(id="other"), record(id=wanted), record(id="x")]}),
                envelope(record(id=wanted)),  # record directly in data
                envelope({"images": [record(id="a"), record(id="b")]}),  # ambiguous
            ]
        )
        assert (await client.find_id(wanted)).id == wanted
        assert (await client.find_id(wanted)).id == wanted
        with pytest.raises(labelkit.ResponseValidationError, match="one image record"):
            await client.find_id(wanted)


@pytest.mark.anyio
async def test_find_id_answer_shapes_per_product(client: AsyncDatawow) -> None:
    demographic = {
        "result": [
            {
                "age": 25,
                "age_prob": 0.0868,
                "gender": "male",
                "gender_prob": 0.9268,
                "positions": {"h": 268.2, "w": 248.8, "x": 0, "y": 11.6},
            }
        ]
    }
    done = {"status": "processed", "processed_at": "2018-01-11T11:53:15.197+07:00"}
    with respx.mock:
        respx.get(f"{BASE}/projects/images/1").mock(
            return_value=envelope({"image": record(answer=["face"], **done)})
        )
        respx.get(f"{BASE}/projects/images/2").mock(
            return_value=envelope({"image": record(answer="ban", **done)})
        )
        respx.get(f"{BASE}/projects/images/3").mock(
            return_value=envelope({"image": record(answer={"sexual": 0.00035}, **done)})
        )
        respx.get(f"{BASE}/projects/images/4").mock(
            return_value=envelope(record(answer=demographic, **done))
        )
        respx.get(f"{BASE}/projects/images/5").mock(
            return_value=envelope({"image": record(answer=[{"x": 1, "y": 2}], **done)})
        )
        choice = await client.choice.find_id("1")
        closed = await client.closed_question.find_id("2")
        nudity = await client.prediction.find_id("3")
        faces = await client.prediction.find_id("4")
        tags = await client.photo_tag.find_id("5")
        generic = await client.find_id("2")
    assert choice.answer == ["face"] and choice.processed
    assert closed.answer is ClosedQuestionAnswer.BAN
    assert nudity.sexual == pytest.approx(0.00035) and nudity.label is None
    assert faces.demographics == [
        Demographic(
            age=25,
            age_prob=0.0868,
            gender="male",
            gender_prob=0.9268,
            positions={"h": 268.2, "w": 248.8, "x": 0.0, "y": 11.6},
        )
    ]
    assert tags.answer == [{"x": 1, "y": 2}]
    assert type(generic) is Image and generic.answer == "ban"
    assert generic.processed_at == "2018-01-11T11:53:15.197+07:00"


@pytest.mark.anyio
async def test_unknown_status_and_answer_values_are_kept(client: AsyncDatawow) -> None:
    with respx.mock:
        respx.get(f"{BASE}/projects/images/9").mock(
            return_value=envelope({"image": record(status="nanameue", answer="escalated")})
        )
        image = await client.closed_question.find_id("9")
    assert image.status.value == "nanameue" and not image.status.is_terminal
    assert image.answer is not None and image.answer.value == "escalated"


@pytest.mark.anyio
async def test_malformed_record_is_rejected(client: AsyncDatawow) -> None:
    with respx.mock:
        respx.get(f"{BASE}/projects/images/9").mock(
            return_value=envelope({"image": record(answer="face")})
        )
        with pytest.raises(labelkit.ResponseValidationError, match=r"ChoiceImage\.answer"):
            await client.choice.find_id("9")


# -- errors -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_error_envelope_becomes_typed_errors(client: AsyncDatawow) -> None:
    unauthorized = {"meta": {"code": 401, "message": "Not authenticated"}}
    with respx.mock:
        respx.get(f"{BASE}/projects/images/1").mock(
            return_value=httpx.Response(401, json=unauthorized)
        )
        respx.get(f"{BASE}/projects/images/2").mock(
            return_value=httpx.Response(200, json={"meta": {"code": 404, "message": "not found"}})
        )
        respx.get(f"{BASE}/projects/images/3").mock(return_value=httpx.Response(200, json=[1, 2]))
        with pytest.raises(labelkit.AuthenticationError) as auth:
            await client.find_id("1")
        with pytest.raises(labelkit.NotFoundError) as missing:
            await client.find_id("2")
        with pytest.raises(labelkit.ResponseValidationError):
            await client.find_id("3")
    assert auth.value.status == 401 and auth.value.message == "Not authenticated"
    assert auth.value.body == unauthorized
    assert missing.value.status == 404 and missing.value.message == "not found"
    assert missing.value.url == f"{BASE}/projects/images/2"
    for error in (auth.value, missing.value):
        assert KEY not in str(error) and KEY not in repr(error)


@pytest.mark.anyio
async def test_reads_are_retried_on_server_errors() -> None:
    client = AsyncDatawow(KEY, retry=labelkit.RetryPolicy(wait_initial=0.001, wait_max=0.002))
    with respx.mock:
        route = respx.get(f"{BASE}/images/choices").mock(
            side_effect=[httpx.Response(503), envelope({"images": []})]
        )
        await client.choice.list()
    assert route.call_count == 2


@pytest.mark.anyio
async def test_an_error_envelope_goes_through_the_retry_policy() -> None:
    """meta.code 503 inside a 200 is retried like a 503 for a read, and raised like one."""
    client = AsyncDatawow(KEY, retry=labelkit.RetryPolicy(wait_initial=0.001, wait_max=0.002))
    busy = httpx.Response(200, json={"meta": {"code": 503, "message": "busy"}})
    with respx.mock:
        route = respx.get(f"{BASE}/images/choices").mock(
            side_effect=[busy, envelope({"images": []})]
        )
        await client.choice.list()
        assert route.call_count == 2
        route.side_effect = None
        route.return_value = busy
        with pytest.raises(labelkit.InternalServerError) as info:
            await client.choice.list()
    assert route.call_count == 2 + 3  # the first call, then 1 + max_retries attempts
    assert info.value.status == 503 and info.value.retries_taken == 2
    assert info.value.message == "busy"


@pytest.mark.anyio
async def test_an_error_envelope_on_a_create_is_ambiguous_or_rejected() -> None:
    """Inside a 2xx as outside: a create's 503 may have taken effect, a 400 is just rejected."""
    client = AsyncDatawow(KEY, retry=labelkit.RetryPolicy(wait_initial=0.001, wait_max=0.002))
    with respx.mock:
        route = respx.post(f"{BASE}/images/choices").mock(
            side_effect=[
                httpx.Response(200, json={"meta": {"code": 503, "message": "busy"}}),
                httpx.Response(200, json={"meta": {"code": 400, "message": "bad instruction"}}),
            ]
        )
        with pytest.raises(labelkit.AmbiguousResultError) as ambiguous:
            await client.choice.create(IMAGE_URL, instruction="x", categories=["cat"])
        with pytest.raises(labelkit.BadRequestError) as rejected:
            await client.choice.create(IMAGE_URL, instruction="x", categories=["cat"])
    assert route.call_count == 2
    assert isinstance(ambiguous.value.error, labelkit.InternalServerError)
    assert rejected.value.status == 400 and rejected.value.message == "bad instruction"


# -- validation ---------------------------------------------------------------------------

Call = typing.Callable[[AsyncDatawow], typing.Awaitable[object]]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.choice.create("", instruction="q", categories=["a"]), "data"),
        (lambda c: c.choice.create(None, instruction="q", categories=["a"]), "data"),
        (lambda c: c.choice.create(IMAGE_URL, instruction=" ", categories=["a"]), "instruction"),
        (lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=[]), "categories"),
        (lambda c: c.choice.create(IMAGE_URL, instruction="q", categories="  "), "categories"),
        (lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=None), "categories"),
        (
            lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=["a", "red car"]),
            "categories[1]",
        ),
        (
            lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=["a", 3]),
            "categories[1]",
        ),
        (
            lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=["a"], multiple="yes"),
            "multiple",
        ),
        (
            lambda c: c.choice.create(IMAGE_URL, instruction="q", categories=["a"], allow_empty=1),
            "allow_empty",
        ),
        (lambda c: c.message.create(IMAGE_URL, instruction=""), "instruction"),
        (lambda c: c.photo_tag.create("  ", instruction="x"), "data"),
        (lambda c: c.message.create(IMAGE_URL, instruction="x", staff_id=True), "staff_id"),
        (lambda c: c.choice.list(per_page=True), "per_page"),
        (
            lambda c: c.choice.create(
                IMAGE_URL, instruction="q", categories=["a"], params={"multiple": [1]}
            ),
            "multiple",
        ),
        (lambda c: c.find_id(), "id"),
        (lambda c: c.find_id("a", custom_id="b"), "id"),
        (lambda c: c.find_id(""), "id"),
        (lambda c: c.choice.find_id(custom_id=" "), "custom_id"),
        (lambda c: c.wait(), "id"),
    ],
)
async def test_bad_input_is_rejected_before_sending(
    client: AsyncDatawow, call: Call, field: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        catch_all = mock.route().mock(return_value=envelope(record()))
        with pytest.raises(labelkit.ValidationError) as info:
            await call(client)
    assert info.value.field == field
    assert catch_all.call_count == 0


def test_iter_images_rejects_a_bad_page_size(client: AsyncDatawow) -> None:
    with pytest.raises(labelkit.ValidationError, match="per_page"):
        client.choice.iter_images(per_page=0)


# -- waiting ------------------------------------------------------------------------------


def test_default_poll_policy_is_slow_and_capped() -> None:
    assert (DEFAULT_POLL.initial_delay, DEFAULT_POLL.interval) == (5.0, 5.0)
    assert (DEFAULT_POLL.backoff, DEFAULT_POLL.max_interval) == (1.5, 60.0)
    assert DEFAULT_POLL.timeout is not None and DEFAULT_POLL.timeout >= 3600


@pytest.mark.anyio
@virtual_time
async def test_wait_polls_with_a_long_capped_backoff() -> None:
    client = AsyncDatawow(KEY)
    start = anyio.current_time()
    times: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        times.append(anyio.current_time() - start)
        status = (
            "processed" if len(times) == 12 else "processing" if times[-1] > 60 else "unprocess"
        )
        return envelope(
            {"image": record(status=status, answer=["cat"] if status == "processed" else [])}
        )

    with respx.mock:
        respx.get(f"{BASE}/projects/images/abc").mock(side_effect=answer)
        image = await client.choice.wait("abc")
    assert image.status is ImageStatus.PROCESSED and image.answer == ["cat"]
    assert len(times) == 12
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    expected = [5.0, 5.0, 7.5, 11.25, 16.875, 25.3125, 37.96875, 56.953125, 60, 60, 60, 60]
    for gap, want in zip(gaps, expected, strict=True):
        assert want * 0.9 - 0.01 <= gap <= want * 1.1 + 0.01


@pytest.mark.anyio
@virtual_time
async def test_wait_by_custom_id_and_timeout_with_last_state() -> None:
    client = AsyncDatawow(KEY)
    with respx.mock:
        route = respx.get(f"{BASE}/projects/images/order-1").mock(
            side_effect=lambda request: envelope({"image": record(custom_id="order-1")})
        )
        with pytest.raises(labelkit.PollTimeoutError) as info:
            await client.wait(custom_id="order-1", timeout=120)
    last = info.value.last_state
    assert isinstance(last, Image) and last.status is ImageStatus.UNPROCESS
    assert 3 <= route.call_count <= 8


@pytest.mark.anyio
@virtual_time
async def test_wait_many_yields_each_image_when_processed() -> None:
    client = AsyncDatawow(KEY)
    polls: dict[str, int] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        image_id = request.url.path.rsplit("/", 1)[1]
        polls[image_id] = polls.get(image_id, 0) + 1
        done = polls[image_id] >= (2 if image_id == "a" else 4)
        status = "processed" if done else "processing"
        return envelope(
            {"image": record(id=image_id, status=status, answer="ok" if done else None)}
        )

    with respx.mock:
        respx.get(url__startswith=f"{BASE}/projects/images/").mock(side_effect=answer)
        outcomes = [o async for o in client.message.wait_many(["a", "b"])]
    assert [o.item for o in outcomes] == ["a", "b"]
    assert all(o.ok and isinstance(o.value, MessageImage) for o in outcomes)
    assert outcomes[1].unwrap().answer == "ok"


# -- postback verification, construction ---------------------------------------------------


@pytest.mark.anyio
async def test_verify_postback_refetches_by_id_then_custom_id(client: AsyncDatawow) -> None:
    with respx.mock:
        route = respx.get(url__startswith=f"{BASE}/projects/images/").mock(
            return_value=envelope(
                {"image": record(id="real", custom_id="c", status="processed", answer=["a"])}
            )
        )
        forged = Postback(method="POST", id="real", custom_id="c", payload={"answer": ["b"]})
        image = await client.choice.verify_postback(forged)
        await client.verify_postback(Postback(method="GET", id=None, custom_id="c"))
    assert image.answer == ["a"]  # what the API says, not what the postback claimed
    assert [c.request.url.path for c in route.calls] == [
        "/api/projects/images/real",
        "/api/projects/images/c",
    ]


def test_project_key_from_environment_and_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAWOW_PROJECT_KEY", raising=False)
    monkeypatch.setenv("PROJECT_KEY", "the-sdk-variable-is-not-read")
    with pytest.raises(labelkit.ValidationError, match="project_key"):
        AsyncDatawow()
    monkeypatch.setenv("DATAWOW_PROJECT_KEY", KEY)
    monkeypatch.setenv("DATAWOW_BASE_URL", "http://127.0.0.1:9999/api")
    client = AsyncDatawow()
    assert client.base_url == "http://127.0.0.1:9999/api/"
    assert KEY not in repr(client)
    assert repr(client.choice) == "AsyncChoices(path='images/choices')"


@pytest.mark.anyio
async def test_list_per_page_as_a_string_of_digits_as_the_sdk_documents(
    client: AsyncDatawow,
) -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/images/choices").mock(return_value=envelope({"images": []}))
        await client.choice.list(per_page="50")
    assert route.calls.last.request.url.query == b"per_page=50"
    with pytest.raises(labelkit.ValidationError) as info:
        await client.choice.list(page="2")  # type: ignore[arg-type]
    assert info.value.field == "page"


@pytest.mark.anyio
async def test_list_page_zero_the_sdk_documented_default_is_sent(client: AsyncDatawow) -> None:
    # The SDK README's list table: "page | interger | No | default 0".
    with respx.mock:
        choices = respx.get(f"{BASE}/images/choices").mock(
            return_value=envelope({"images": []}, current_page=1)
        )
        tags = respx.get(f"{BASE}/images/photo_tags").mock(
            return_value=envelope({"images": []}, current_page=1)
        )
        await client.choice.list(params={"page": 0, "per_page": "20"})
        await client.photo_tag.list(page=0)
    assert choices.calls.last.request.url.query == b"page=0&per_page=20"
    assert tags.calls.last.request.url.query == b"page=0"


@pytest.mark.anyio
async def test_list_page_carries_the_sdk_code_and_message(client: AsyncDatawow) -> None:
    with respx.mock:
        respx.get(f"{BASE}/prime/predictions").mock(
            return_value=envelope({"images": [record()]}, current_page=1, next_page=-1)
        )
        page = await client.prediction.list()
    # The SDK's result.code / result.message on a list call, as on create and find_id.
    assert (page.code, page.message) == (200, "success")
    assert page.meta.current_page == 1 and len(page) == 1


@pytest.mark.anyio
async def test_create_sends_an_empty_postback_url_and_a_digit_staff_id_as_given(
    client: AsyncDatawow,
) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/images/messages").mock(return_value=envelope(record()))
        await client.message.create(
            params={"data": IMAGE_URL, "instruction": "x", "postback_url": "", "staff_id": "7"}
        )
    assert form_of(route.calls.last.request) == [
        ("data", IMAGE_URL),
        ("instruction", "x"),
        ("postback_url", ""),
        ("staff_id", "7"),
    ]


@pytest.mark.anyio
async def test_values_the_sdk_sends_unchecked_are_sent_as_given(client: AsyncDatawow) -> None:
    # The spec documents no server rule for these: the SDK form-encoded them as given.
    with respx.mock:
        create = respx.post(f"{BASE}/images/choices").mock(return_value=envelope(record()))
        closed = respx.post(f"{BASE}/images/closed_questions").mock(return_value=envelope(record()))
        listing = respx.get(f"{BASE}/images/choices").mock(return_value=envelope({"images": []}))
        predicted = respx.post(f"{BASE}/prime/predictions").mock(return_value=envelope(record()))
        await client.choice.create(
            IMAGE_URL,
            instruction="q",
            categories=["a"],
            custom_id=7,
            params={"multiple": "true", "allow_empty": "1"},
        )
        await client.closed_question.create(
            IMAGE_URL, custom_id="", postback_url="ftp://x/y", staff_id=-1
        )
        await client.prediction.create(IMAGE_URL, postback_url="/relative")
        await client.choice.list(page=-1, per_page=0)
        await client.choice.list(params={"per_page": "fifty"})
    assert form_of(create.calls.last.request) == [
        ("data", IMAGE_URL),
        ("instruction", "q"),
        ("categories", "a"),
        ("multiple", "true"),
        ("allow_empty", "1"),
        ("custom_id", "7"),
    ]
    assert form_of(closed.calls.last.request) == [
        ("data", IMAGE_URL),
        ("postback_url", "ftp://x/y"),
        ("custom_id", ""),
        ("staff_id", "-1"),
    ]
    assert form_of(predicted.calls.last.request) == [
        ("data", IMAGE_URL),
        ("postback_url", "/relative"),
    ]
    first, second = (call.request.url.query for call in listing.calls)
    assert (first, second) == (b"page=-1&per_page=0", b"per_page=fifty")


@pytest.mark.anyio
async def test_a_listed_record_without_an_id_is_kept(client: AsyncDatawow) -> None:
    # The seed's ClosedQuestion list example: records with no "id" key.
    seed = {key: value for key, value in record().items() if key != "id"}
    with respx.mock:
        respx.get(f"{BASE}/images/closed_questions").mock(
            return_value=envelope({"images": [seed, record(id="b")]})
        )
        page = await client.closed_question.list()
        ids = [image.id async for image in client.closed_question.iter_images()]
    assert [image.id for image in page.images] == [None, "b"]
    assert page.images[0].project_id == 82 and page.images[0].status.value == "unprocess"
    assert ids == [None, "b"]
