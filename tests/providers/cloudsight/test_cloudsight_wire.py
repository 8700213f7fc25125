"""CloudSight on the wire: one respx test per operation, errors, validation and waiting."""

from __future__ import annotations

import inspect
import io
import itertools
import json
import pathlib
import typing
from urllib.parse import parse_qsl

import anyio
import httpx
import pytest
import respx
from trio.testing import MockClock

import labelkit
from labelkit._files import CHUNK_SIZE
from labelkit._ratelimit import AnyioClock, Limiter, _reset_shared_limiters
from labelkit.cloudsight import (
    STATUS_NOT_COMPLETED,
    AsyncCloudSight,
    CloudSightAPIError,
    ImageJob,
    JobStatus,
    SkipReason,
)

BASE = "https://api.cloudsightapi.com"
KEY = "cs-key-0123456789abcdef"

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)

SUBMITTED = {"token": "tok123", "url": "https://cdn.example/cat.jpg", "ttl": 54.0}
SUBMITTED["status"] = "not completed"


def job(status: str, **fields: object) -> httpx.Response:
    return httpx.Response(200, json={"token": "tok123", "status": status, **fields})


def multipart_parts(request: httpx.Request) -> list[tuple[bytes, bytes]]:
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1].encode()
    raw = request.content.split(b"--" + boundary)
    assert raw[0] == b"" and raw[-1] == b"--\r\n"
    parts = []
    for chunk in raw[1:-1]:
        head, body = chunk[2:].split(b"\r\n\r\n", 1)
        assert body.endswith(b"\r\n")
        parts.append((head, body[:-2]))
    return parts


Call = typing.Callable[[AsyncCloudSight], typing.Awaitable[object]]


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    _reset_shared_limiters()


@pytest.fixture
def client() -> AsyncCloudSight:
    return AsyncCloudSight(KEY, max_retries=0)


# -- requests --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_remote_image_request(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        submitted = await client.remote_image_request("https://example.com/cat.jpg")
    request = route.calls.last.request
    assert request.method == "POST" and request.url == f"{BASE}/image_requests"
    assert request.url.query == b""
    assert request.headers["authorization"] == f"CloudSight {KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.content == (
        b"image_request%5Blocale%5D=en-US"
        b"&image_request%5Bremote_image_url%5D=https%3A%2F%2Fexample.com%2Fcat.jpg"
    )
    assert isinstance(submitted, ImageJob)
    assert submitted.token == "tok123" and submitted.status is JobStatus.NOT_COMPLETED
    assert submitted.url == "https://cdn.example/cat.jpg" and submitted.extra == {"ttl": 54.0}
    # Code written against the official SDK's dicts keeps working.
    assert submitted["token"] == "tok123" and submitted["status"] == STATUS_NOT_COMPLETED
    assert submitted.get("name", "-") == "-"


@pytest.mark.anyio
async def test_a_submission_answer_needs_only_a_token(client: AsyncCloudSight) -> None:
    # Spec 3.1: the answer "contains at least token"; a new job starts "not completed".
    with respx.mock:
        respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json={"token": "tok9"})
        )
        by_url = await client.remote_image_request("http://www.example.com/image.jpg")
        by_file = await client.image_request(io.BytesIO(b"\xff\xd8"), "your-file.jpg")
    for submitted in (by_url, by_file):
        assert submitted["token"] == "tok9" and submitted.token == "tok9"
        assert submitted.status is JobStatus.NOT_COMPLETED
        assert submitted.to_dict() == {"token": "tok9"} and "status" not in submitted


@pytest.mark.anyio
async def test_typed_parameters_become_form_fields(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.remote_image_request(
            "http://example.com/a b.png",
            {"image_request[custom]": "x", "image_request[language]": "de"},
            locale="de-DE",
            language="de",
            device_id="3b1f-uuid",
            latitude=37.7749295,
            longitude=-122,
            altitude=10.5,
            ttl="max",
            focus=(120, 80.5),
        )
    assert parse_qsl(route.calls.last.request.content.decode()) == [
        ("image_request[locale]", "de-DE"),
        ("image_request[custom]", "x"),
        ("image_request[language]", "de"),
        ("image_request[device_id]", "3b1f-uuid"),
        ("image_request[latitude]", "37.7749295"),
        ("image_request[longitude]", "-122"),
        ("image_request[altitude]", "10.5"),
        ("image_request[ttl]", "max"),
        ("focus[x]", "120"),
        ("focus[y]", "80.5"),
        ("image_request[remote_image_url]", "http://example.com/a b.png"),
    ]


@pytest.mark.anyio
async def test_params_mapping_as_in_the_official_sdk(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.remote_image_request(
            "https://example.com/cat.jpg",
            {"image_request[locale]": "fr-FR", "image_request[ttl]": 60, "unused": None},
        )
    assert parse_qsl(route.calls.last.request.content.decode()) == [
        ("image_request[locale]", "fr-FR"),
        ("image_request[ttl]", "60"),
        ("image_request[remote_image_url]", "https://example.com/cat.jpg"),
    ]


@pytest.mark.anyio
async def test_params_booleans_are_sent_as_the_sdk_sent_them(client: AsyncCloudSight) -> None:
    # Spec 3.5: the SDK passes params "straight through as form fields" (str() of each).
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.remote_image_request("https://example.com/cat.jpg", {"a": True, "b": False})
        await client.image_request(b"\xff\xd8", "cat.jpg", {"a": True})
    first, second = (call.request for call in route.calls)
    assert parse_qsl(first.content.decode()) == [
        ("image_request[locale]", "en-US"),
        ("a", "True"),
        ("b", "False"),
        ("image_request[remote_image_url]", "https://example.com/cat.jpg"),
    ]
    assert (b'Content-Disposition: form-data; name="a"', b"True") in multipart_parts(second)


@pytest.mark.anyio
async def test_image_request_streams_a_multipart_upload(
    client: AsyncCloudSight, tmp_path: pathlib.Path
) -> None:
    image = tmp_path / "cat.JPG"
    image.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 5000)
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        submitted = await client.image_request(image, ttl=30, locale="en-GB")
    assert submitted.token == "tok123"
    request = route.calls.last.request
    assert request.method == "POST" and request.url == f"{BASE}/image_requests"
    assert request.headers["authorization"] == f"CloudSight {KEY}"
    assert int(request.headers["content-length"]) == len(request.content)
    assert multipart_parts(request) == [
        (b'Content-Disposition: form-data; name="image_request[locale]"', b"en-GB"),
        (b'Content-Disposition: form-data; name="image_request[ttl]"', b"30"),
        (
            b'Content-Disposition: form-data; name="image_request[image]"; filename="cat.JPG"\r\n'
            b"Content-Type: image/jpeg",
            image.read_bytes(),
        ),
    ]


class ReadRecorder(io.BytesIO):
    """A binary file that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.name = "upload.png"
        self.reads: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


@pytest.mark.anyio
async def test_image_request_from_file_object_and_bytes(client: AsyncCloudSight) -> None:
    data = b"\x89PNG" + b"\x01" * (3 * CHUNK_SIZE)
    handle = ReadRecorder(data)
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.image_request(handle)
        await client.image_request(b"GIF89a", "anim.gif")
        await client.image_request(b"\x00\x01", "photo.heic-raw")
    # Read in chunks, never whole.
    assert handle.reads and all(0 < size <= CHUNK_SIZE for size in handle.reads)
    first, second, third = (multipart_parts(call.request) for call in route.calls)
    assert first[-1] == (
        b'Content-Disposition: form-data; name="image_request[image]"; filename="upload.png"\r\n'
        b"Content-Type: image/png",
        data,
    )
    assert second[0][1] == b"en-US" and b"Content-Type: image/gif" in second[-1][0]
    assert b"Content-Type: application/octet-stream" in third[-1][0]


@pytest.mark.anyio
async def test_image_response_request_and_model(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/image_responses/tok123").mock(
            return_value=job("completed", name="red and white nike shoe", categories=["shoes"])
        )
        result = await client.image_response("tok123")
    request = route.calls.last.request
    assert request.method == "GET" and request.content == b""
    assert request.headers["authorization"] == f"CloudSight {KEY}"
    assert "content-type" not in request.headers
    assert result.completed and result.name == "red and white nike shoe"
    assert result.categories == ["shoes"] and result.reason is None


@pytest.mark.anyio
async def test_token_is_escaped_in_the_path(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.get(url__regex=r".*").mock(return_value=job("not completed"))
        await client.image_response("a/b c?d")
    assert route.calls.last.request.url.raw_path == b"/image_responses/a%2Fb%20c%3Fd"


@pytest.mark.anyio
async def test_skipped_reason_and_unknown_values(client: AsyncCloudSight) -> None:
    with respx.mock:
        respx.get(f"{BASE}/image_responses/s").mock(
            side_effect=[job("skipped", reason="blurry"), job("archived", reason="too-small")]
        )
        skipped = await client.image_response("s")
        odd = await client.image_response("s")
    assert skipped.status is JobStatus.SKIPPED and skipped.reason is SkipReason.BLURRY
    assert not skipped.completed
    assert odd.status.value == "archived" and not odd.status.is_terminal
    assert odd.reason is not None and odd.reason.value == "too-small"


@pytest.mark.anyio
@pytest.mark.parametrize("status", [200, 404])
async def test_unknown_token_is_a_not_found_job(client: AsyncCloudSight, status: int) -> None:
    with respx.mock:
        respx.get(f"{BASE}/image_responses/nope").mock(
            return_value=httpx.Response(status, json={"status": "not found"})
        )
        result = await client.image_response("nope")
    assert result.status is JobStatus.NOT_FOUND and result.token == "nope"


@pytest.mark.anyio
async def test_repost_request(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests/tok123/repost").mock(
            return_value=httpx.Response(200)
        )
        await client.repost("tok123")
    request = route.calls.last.request
    assert request.method == "POST" and request.content == b""
    assert request.headers["authorization"] == f"CloudSight {KEY}"
    assert "content-type" not in request.headers


# -- errors ----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (
            httpx.Response(200, json={"error": "Image could not be fetched"}),
            CloudSightAPIError,
            "Image could not be fetched",
        ),
        (
            httpx.Response(401, json={"error": "Invalid API key"}),
            labelkit.AuthenticationError,
            "Invalid API key",
        ),
        (
            httpx.Response(422, json={"error": {"image": ["can't be blank"], "locale": "bad"}}),
            labelkit.UnprocessableEntityError,
            "image: can't be blank; locale: bad",
        ),
        (
            httpx.Response(400, json={"error": {"message": "bad focus", "code": "focus"}}),
            labelkit.BadRequestError,
            "bad focus",
        ),
        (
            httpx.Response(502, text="<html><h1>502 Bad Gateway</h1></html>"),
            labelkit.InternalServerError,
            "Bad Gateway: <html><h1>502 Bad Gateway</h1></html>",
        ),
        (httpx.Response(404, text="Not here"), labelkit.NotFoundError, "Not Found: Not here"),
    ],
)
async def test_errors_are_typed(
    client: AsyncCloudSight, response: httpx.Response, error: type[Exception], message: str
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/image_requests").mock(return_value=response)
        respx.get(f"{BASE}/image_responses/t").mock(return_value=response)
        # A 5xx on a submission may have created the job: ambiguous, never a silent re-send.
        submit_error = labelkit.AmbiguousResultError if response.status_code >= 500 else error
        with pytest.raises(submit_error) as submit:
            await client.remote_image_request("https://example.com/cat.jpg")
        with pytest.raises(error) as poll:
            await client.image_response("t")
    submitted = submit.value
    if isinstance(submitted, labelkit.AmbiguousResultError):
        submitted = submitted.error  # type: ignore[assignment]
    for exc in (submitted, poll.value):
        assert isinstance(exc, error) and isinstance(exc, labelkit.APIStatusError)
        assert exc.status == response.status_code and exc.message == message
        assert KEY not in str(exc)


@pytest.mark.anyio
async def test_error_on_repost_and_non_json_success(client: AsyncCloudSight) -> None:
    with respx.mock:
        respx.post(f"{BASE}/image_requests/t/repost").mock(
            return_value=httpx.Response(200, json={"error": "not in timeout state"})
        )
        respx.get(f"{BASE}/image_responses/t").mock(
            return_value=httpx.Response(200, text="<html>maintenance</html>")
        )
        with pytest.raises(CloudSightAPIError, match="not in timeout state"):
            await client.repost("t")
        with pytest.raises(labelkit.ResponseValidationError, match="expected a JSON body"):
            await client.image_response("t")


@pytest.mark.anyio
async def test_submit_that_fails_ambiguously_is_not_resent() -> None:
    client = AsyncCloudSight(KEY)  # default max_retries=2
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(labelkit.AmbiguousResultError):
            await client.remote_image_request("https://example.com/cat.jpg")
    assert route.call_count == 1


# -- validation ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_values_are_sent_as_the_sdk_sends_them(client: AsyncCloudSight) -> None:
    # The spec documents no server limit for these fields: the SDK sent params
    # straight through (a list as the repeated field), so labelkit does too, and
    # the keywords, which fill the same fields, are no stricter than params.
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.remote_image_request(
            "ftp://example.com/a.jpg",
            {"image_request[language]": ["de", "fr"], "focus[x]": -1},
            locale="",
            latitude=91,
            longitude=-180.5,
            altitude=float("nan"),
            ttl=0,
        )
        await client.remote_image_request("example.com/a.jpg", ttl="forever", focus=(-1, 2))
    first, second = (
        parse_qsl(c.request.content.decode(), keep_blank_values=True) for c in route.calls
    )
    assert first == [
        ("image_request[locale]", ""),
        ("image_request[language]", "de"),
        ("image_request[language]", "fr"),
        ("focus[x]", "-1"),
        ("image_request[latitude]", "91"),
        ("image_request[longitude]", "-180.5"),
        ("image_request[altitude]", "nan"),
        ("image_request[ttl]", "0"),
        ("image_request[remote_image_url]", "ftp://example.com/a.jpg"),
    ]
    assert second == [
        ("image_request[locale]", "en-US"),
        ("image_request[ttl]", "forever"),
        ("focus[x]", "-1"),
        ("focus[y]", "2"),
        ("image_request[remote_image_url]", "example.com/a.jpg"),
    ]


@pytest.mark.anyio
async def test_multipart_repeats_a_list_param(client: AsyncCloudSight) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json=SUBMITTED)
        )
        await client.image_request(b"x", "a.jpg", {"image_request[language]": ["de", "fr"]})
    content = route.calls.last.request.content
    assert content.count(b'name="image_request[language]"') == 2
    assert b"\r\n\r\nde\r\n" in content and b"\r\n\r\nfr\r\n" in content


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"status": "not completed"}, None),
        (
            202,
            {"status": "not completed", "ttl": 60},
            {"token": "tok", "status": "not completed", "ttl": 60},
        ),
        (
            201,
            {"token": "tok2", "status": "completed", "name": "cat"},
            {"token": "tok2", "status": "completed", "name": "cat"},
        ),
        (204, None, None),
    ],
)
async def test_repost_returns_what_the_sdk_returned(
    client: AsyncCloudSight, status: int, body: object, expected: object
) -> None:
    # SDK: a 200 returns None; any other status returns the parsed JSON body.
    response = httpx.Response(status) if body is None else httpx.Response(status, json=body)
    with respx.mock:
        respx.post(f"{BASE}/image_requests/tok/repost").mock(return_value=response)
        job = await client.repost("tok")
    if expected is None:
        assert job is None
    else:
        assert isinstance(job, ImageJob) and job.to_dict() == expected


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.remote_image_request(b"https://x/y"), "image_url"),
        (lambda c: c.remote_image_request("https://x/y", latitude=True), "latitude"),
        (lambda c: c.remote_image_request("https://x/y", altitude="10"), "altitude"),
        (lambda c: c.remote_image_request("https://x/y", focus=(1,)), "focus"),
        (lambda c: c.remote_image_request("https://x/y", {"a": [{}]}), "params['a']"),
        (lambda c: c.remote_image_request("https://x/y", device_id=7), "device_id"),
        (
            lambda c: c.remote_image_request(
                "https://x/y", {"image_request[locale]": "de"}, locale="fr"
            ),
            "locale",
        ),
        (
            lambda c: c.remote_image_request(
                "https://x/y", {"image_request[remote_image_url]": "https://z"}
            ),
            "params",
        ),
        (
            lambda c: c.image_request(
                b"x", "a.jpg", {"image_request[remote_image_url]": "https://z"}
            ),
            "params",
        ),
        (lambda c: c.image_request(b"data"), "image"),
        (lambda c: c.image_request("/nonexistent/cat.jpg"), "image"),
        (lambda c: c.image_response(""), "token"),
        (lambda c: c.image_response(12), "token"),
        (lambda c: c.repost(None), "token"),
        (lambda c: c.wait(""), "token"),
    ],
)
async def test_bad_input_is_rejected_before_sending(
    client: AsyncCloudSight, call: Call, field: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        catch_all = mock.route().mock(return_value=httpx.Response(200, json=SUBMITTED))
        with pytest.raises(labelkit.ValidationError) as info:
            await call(client)
    assert info.value.field == field
    assert catch_all.call_count == 0


def test_key_from_environment_and_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDSIGHT_API_KEY", raising=False)
    monkeypatch.delenv("CLOUDSIGHT_API_SECRET", raising=False)
    with pytest.raises(labelkit.ValidationError, match="api_key"):
        AsyncCloudSight()
    monkeypatch.setenv("CLOUDSIGHT_API_KEY", KEY)
    monkeypatch.setenv("CLOUDSIGHT_BASE_URL", "http://127.0.0.1:9999")
    client = AsyncCloudSight()
    assert client.base_url == "http://127.0.0.1:9999/" and not client.uses_oauth
    assert KEY not in repr(client)
    monkeypatch.setenv("CLOUDSIGHT_API_SECRET", "env-secret")
    assert AsyncCloudSight().uses_oauth
    # An explicit key never picks up a secret from the environment.
    assert not AsyncCloudSight("explicit-key").uses_oauth


# -- waiting ---------------------------------------------------------------------------


@pytest.mark.anyio
@virtual_time
async def test_wait_follows_the_documented_cadence() -> None:
    client = AsyncCloudSight(KEY)
    seen: list[float] = []
    statuses = iter(["not completed"] * 5 + ["completed"])

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(anyio.current_time())
        return job(next(statuses), name="a cat")

    with respx.mock:
        respx.get(f"{BASE}/image_responses/tok123").mock(side_effect=answer)
        start = anyio.current_time()
        result = await client.wait("tok123", 30)
    assert result.completed and result.name == "a cat"
    offsets = [t - start for t in seen]
    assert len(offsets) == 6
    assert 3.6 <= offsets[0] <= 4.4  # 4 s, jittered by at most 10 %
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    assert all(0.9 <= gap <= 1.1 for gap in gaps)


@pytest.mark.anyio
@virtual_time
@pytest.mark.parametrize(
    ("final", "reason"), [("skipped", SkipReason.OFFENSIVE), ("timeout", None)]
)
async def test_skipped_and_timeout_end_the_wait_as_results(
    final: str, reason: SkipReason | None
) -> None:
    client = AsyncCloudSight(KEY)
    fields = {"reason": reason.value} if reason else {}
    with respx.mock:
        respx.get(f"{BASE}/image_responses/tok123").mock(
            side_effect=[job("not completed"), job(final, **fields)]
        )
        result = await client.wait("tok123")
    assert result.status == final and result.reason is reason and not result.completed


@pytest.mark.anyio
@virtual_time
async def test_wait_on_an_unknown_token_raises_job_failed() -> None:
    client = AsyncCloudSight(KEY)
    with respx.mock:
        respx.get(f"{BASE}/image_responses/gone").mock(
            return_value=httpx.Response(404, json={"status": "not found"})
        )
        with pytest.raises(labelkit.JobFailedError) as info:
            await client.wait("gone")
    assert isinstance(info.value.job, ImageJob) and info.value.job.status is JobStatus.NOT_FOUND


@pytest.mark.anyio
@virtual_time
@pytest.mark.parametrize("limit", [0, 10])
async def test_wait_deadline_raises_instead_of_returning_unfinished(limit: int) -> None:
    client = AsyncCloudSight(KEY)
    with respx.mock:
        route = respx.get(f"{BASE}/image_responses/tok123").mock(
            side_effect=lambda request: job("not completed")
        )
        start = anyio.current_time()
        with pytest.raises(labelkit.PollTimeoutError) as info:
            await client.wait("tok123", timeout=limit)
    assert anyio.current_time() - start <= limit + 1.0
    assert route.call_count >= 1  # even timeout=0 asks once, as the official SDK did
    last = info.value.last_state
    assert isinstance(last, ImageJob) and last.status is JobStatus.NOT_COMPLETED


class Streamed(httpx.AsyncByteStream):
    # The core reads response.elapsed, which httpx sets only for streamed bodies.
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        yield self.data


@pytest.mark.anyio
@virtual_time
@pytest.mark.parametrize(("calls", "binding"), [(1500, False), (250, True)])
async def test_wait_many_respects_the_rate_limit(calls: int, binding: bool) -> None:
    """1,000 waits: never more polls per second than allowed, done soon after the slowest."""
    rate = labelkit.RateLimit(calls, 1.0, margin=0)
    tokens = [f"t{i}" for i in range(1000)]
    ready_at = {token: 5.0 + i % 8 for i, token in enumerate(tokens)}  # slowest: 12 s
    polls: list[float] = []
    start = anyio.current_time()

    def answer(request: httpx.Request) -> httpx.Response:
        now = anyio.current_time()
        polls.append(now)
        token = request.url.path.rsplit("/", 1)[1]
        done = now - start >= ready_at[token]
        body = {"token": token, "status": "completed" if done else "not completed"}
        return httpx.Response(200, stream=Streamed(json.dumps(body).encode()))

    # A bare mock transport: respx's per-call overhead would dominate 7,000 polls.
    client = AsyncCloudSight(KEY, rate_limit=rate, transport=httpx.MockTransport(answer))
    client._limiter = Limiter(rate, clock=AnyioClock())  # the virtual clock
    async with client.wait_many(tokens, timeout=120) as run:
        finished = {o.item: o async for o in run}
    elapsed = anyio.current_time() - start
    assert len(finished) == 1000 and all(o.ok for o in finished.values())
    assert all(o.unwrap().completed for o in finished.values())
    # No sliding one-second window ever holds more polls than the limit.
    j = 0
    for i, t in enumerate(polls):
        while polls[j] <= t - 1.0:
            j += 1
        assert i - j + 1 <= calls
    if not binding:
        assert elapsed <= 12.0 + 1.1 + 0.05
    else:
        assert len(polls) / elapsed <= calls * 1.01


def test_wait_many_default_concurrency_covers_a_thousand_waits() -> None:
    default = inspect.signature(AsyncCloudSight.wait_many).parameters["concurrency"].default
    assert default >= 1000
