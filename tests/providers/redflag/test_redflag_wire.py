"""RedFlag on the wire: one respx test per operation, plus validation before sending."""

from __future__ import annotations

import json
import pathlib

import httpx
import pytest
import respx
from trio.testing import MockClock

import labelkit
from labelkit.redflag import AnalysisType, AsyncRedFlag, ContentType, Operation, OperationStatus

BASE = "https://product-api.redflagai.co/api/v2/products/api"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.test-jwt.signature"

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)

DONE = {
    "status": "done",
    "query": {
        "type": "text",
        "analyses": ["spam-detection", "topic", "intention"],
        "contents": ["Lorem ipsum"],
    },
    "data": {
        "contents": [
            {
                "type": "text",
                "content": "Lorem ipsum",
                "analyses": [
                    {
                        "data": {"prob": 0.6, "value": "spam"},
                        "type": "spam-detection",
                        "source": "content",
                        "dimension": "textual",
                    },
                    {
                        "data": [{"value": "thesis", "sub_type": None, "topic_type": "noun-chunk"}],
                        "type": "topic",
                        "source": "content",
                        "dimension": "textual",
                    },
                    {
                        "data": {"prob1": 0.88, "prob2": 0.74, "prob3": 0.78, "value": "palinode"},
                        "type": "intention",
                        "source": "content",
                        "dimension": "textual",
                    },
                ],
                "dimensions": ["textual"],
                "analysis_type": ["spam-detection", "topic", "intention"],
            }
        ],
        "contents_count": 1,
    },
}


def status(value: str) -> httpx.Response:
    body = {"status": value, "query": DONE["query"], "data": None}
    return httpx.Response(200, json=DONE if value == "done" else body)


@pytest.fixture
def client() -> AsyncRedFlag:
    return AsyncRedFlag(TOKEN, max_retries=0)


@pytest.mark.anyio
async def test_create_operation_request(client: AsyncRedFlag) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/operations").mock(
            return_value=httpx.Response(201, json={"id": 42})
        )
        op_id = await client.create_operation(
            "text", ["spam-detection", AnalysisType.SENTIMENT_REAL, "topic"], ["Lorem", "Praesent"]
        )
    assert op_id == 42
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert json.loads(request.content) == {
        "type": "text",
        "analyses": ["spam-detection", "sentiment-real", "topic"],
        "contents": ["Lorem", "Praesent"],
    }


@pytest.mark.anyio
async def test_create_operation_with_groups_and_file_ids(client: AsyncRedFlag) -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/operations").mock(
            return_value=httpx.Response(200, json={"id": 1})
        )
        await client.create_operation(
            "text", ["personality-mb"], ["a", "b", "c", "d", "e", "f"], [[1, 2, 3], [0, 4, 5]]
        )
        await client.create_operation(ContentType.FILE, ["face-id"], [11, 12])
        await client.create_operation(
            "file", ["caption"], ["https://bucket.s3.amazonaws.com/a.png"]
        )
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies[0]["contents_groups"] == ["1,2,3", "0,4,5"]
    assert bodies[1] == {"type": "file", "analyses": ["face-id"], "contents": [11, 12]}
    assert bodies[2]["contents"] == ["https://bucket.s3.amazonaws.com/a.png"]


@pytest.mark.anyio
async def test_contents_groups_are_sent_with_any_analyses(client: AsyncRedFlag) -> None:
    # The seed: contents_groups "Only works on analysis type personality-mb", which
    # says where they have an effect, not that the API refuses them elsewhere.
    with respx.mock:
        route = respx.post(f"{BASE}/operations").mock(
            return_value=httpx.Response(200, json={"id": 3})
        )
        created = await client.create_operation(
            "text", ["topic", "sentiment-real"], ["a", "b", "c"], ["0,1", "2"]
        )
    assert created == 3
    assert json.loads(route.calls.last.request.content) == {
        "type": "text",
        "analyses": ["topic", "sentiment-real"],
        "contents": ["a", "b", "c"],
        "contents_groups": ["0,1", "2"],
    }


@pytest.mark.anyio
async def test_contents_and_groups_are_sent_as_given(client: AsyncRedFlag) -> None:
    # The spec: file contents are ids or S3 URLs, never mixed (the only server rule);
    # whitespace and index ranges in contents_groups are unspecified: the server judges.
    with respx.mock:
        route = respx.post(f"{BASE}/operations").mock(
            return_value=httpx.Response(200, json={"id": 4})
        )
        await client.create_operation("file", ["caption"], ["s3://bucket/a.png"])
        await client.create_operation("text", ["personality-mb"], ["a", "b"], ["0, 1", "0;1"])
        await client.create_operation("text", ["personality-mb"], ["a", "b"], [[0, 2], [-1]])
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies[0] == {"type": "file", "analyses": ["caption"], "contents": ["s3://bucket/a.png"]}
    assert bodies[1]["contents_groups"] == ["0, 1", "0;1"]
    assert bodies[2]["contents_groups"] == ["0,2", "-1"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("given", "path", "kept"), [("1", "1", 1), (-1, "-1", -1), ("a b", "a%20b", None)]
)
async def test_get_operation_sends_any_id(
    client: AsyncRedFlag, given: int | str, path: str, kept: int | None
) -> None:
    with respx.mock:
        route = respx.get(url__startswith=f"{BASE}/operations/").mock(
            return_value=httpx.Response(200, json={"status": "running"})
        )
        op = await client.get_operation(given)
    assert route.calls.last.request.url.raw_path.decode().rsplit("/", 1)[1] == path
    assert op.id == kept


@pytest.mark.anyio
async def test_get_operation_request_and_model(client: AsyncRedFlag) -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/operations/7").mock(return_value=httpx.Response(200, json=DONE))
        op = await client.get_operation(7)
    assert route.calls.last.request.method == "GET"
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert isinstance(op, Operation)
    assert op.id == 7 and op.status is OperationStatus.DONE
    assert op.data is not None and op.data.contents_count == 1
    content = op.data.contents[0]
    assert content.analysis_types == [
        AnalysisType.SPAM_DETECTION,
        AnalysisType.TOPIC,
        AnalysisType.INTENTION,
    ]
    spam = content.analyses[0]
    assert (spam.label, spam.probability) == ("spam", 0.6)
    assert content.analyses[1].data[0]["topic_type"] == "noun-chunk"


@pytest.mark.anyio
async def test_get_operation_keeps_unknown_fields_and_statuses(client: AsyncRedFlag) -> None:
    with respx.mock:
        respx.get(f"{BASE}/operations/8").mock(
            return_value=httpx.Response(
                200, json={"status": "archived", "query": None, "data": None, "eta": 3}
            )
        )
        op = await client.get_operation(8)
    assert op.status.value == "archived" and op.status is not OperationStatus.DONE
    assert op.extra == {"eta": 3}


@pytest.mark.anyio
async def test_get_operation_rejects_a_malformed_body(client: AsyncRedFlag) -> None:
    with respx.mock:
        respx.get(f"{BASE}/operations/9").mock(return_value=httpx.Response(200, json={"status": 3}))
        with pytest.raises(labelkit.ResponseValidationError, match=r"Operation\.status"):
            await client.get_operation(9)


@pytest.mark.anyio
async def test_upload_file_request(client: AsyncRedFlag, tmp_path: pathlib.Path) -> None:
    image = tmp_path / "cat.PNG"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 1000)
    with respx.mock:
        route = respx.post(f"{BASE}/operations/upload").mock(
            return_value=httpx.Response(200, json={"id": 99})
        )
        assert await client.upload_file(image) == 99
    request = route.calls.last.request
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(request.content)
    boundary = content_type.split("boundary=")[1].encode()
    parts = [p for p in request.content.split(b"--" + boundary) if p.strip() not in (b"", b"--")]
    assert len(parts) == 1
    head, body = parts[0].split(b"\r\n\r\n", 1)
    assert b'Content-Disposition: form-data; name="file"; filename="cat.PNG"' in head
    assert b"Content-Type: image/png" in head
    assert body[:-2] == image.read_bytes()


@pytest.mark.anyio
async def test_upload_from_bytes_and_file_object(
    client: AsyncRedFlag, tmp_path: pathlib.Path
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 10)
    with respx.mock:
        route = respx.post(f"{BASE}/operations/upload").mock(
            return_value=httpx.Response(200, json={"id": 1})
        )
        await client.upload_file(b"ID3....", filename="song.mp3")
        with clip.open("rb") as handle:
            await client.upload_file(handle)
    assert b"Content-Type: audio/mpeg" in route.calls[0].request.content
    assert b'filename="clip.mp4"' in route.calls[1].request.content


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.create_operation("video", ["topic"], ["x"]), "type"),
        (lambda c: c.create_operation("text", [], ["x"]), "analyses"),
        (lambda c: c.create_operation("text", ["sentiment"], ["x"]), "analyses[0]"),
        (lambda c: c.create_operation("text", ["topic"], []), "contents"),
        (lambda c: c.create_operation("text", ["topic"], [1]), "contents[0]"),
        (
            lambda c: c.create_operation(
                "file", ["face-id"], [1, "https://s3.amazonaws.com/x.png"]
            ),
            "contents",
        ),
        (lambda c: c.create_operation("file", ["face-id"], [True]), "contents"),
        (lambda c: c.get_operation(True), "id"),
        (lambda c: c.get_operation(".."), "id"),
        (lambda c: c.create_operation("file", ["face-id"], [1, "s3://bucket/x.png"]), "contents"),
        (
            lambda c: c.create_operation("text", ["personality-mb"], ["a"], [[0, "1"]]),
            "contents_groups",
        ),
        (lambda c: c.upload_file(b"GIF89a", filename="a.gif"), "file"),
        (lambda c: c.upload_file(b"data"), "file"),
        (lambda c: c.upload_file("/nonexistent/picture.png"), "file"),
    ],
)
async def test_bad_input_is_rejected_before_sending(client: AsyncRedFlag, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with respx.mock(assert_all_called=False) as mock:
        catch_all = mock.route().mock(return_value=httpx.Response(200, json={"id": 1}))
        with pytest.raises(labelkit.ValidationError) as info:
            await call(client)
    assert info.value.field == field
    assert catch_all.call_count == 0


@pytest.mark.anyio
async def test_upload_error_names_the_allowed_types(client: AsyncRedFlag) -> None:
    with pytest.raises(labelkit.ValidationError) as info:
        await client.upload_file(b"x", filename="notes.txt")
    assert info.value.limit == "one of jpeg, jpg, mp3, mp4, png"


@pytest.mark.anyio
@virtual_time
async def test_wait_operation_polls_until_done() -> None:
    client = AsyncRedFlag(TOKEN)
    with respx.mock:
        route = respx.get(f"{BASE}/operations/3").mock(
            side_effect=[status("ready"), status("pending"), status("running"), status("done")]
        )
        op = await client.wait_operation(3)
    assert op.status is OperationStatus.DONE and route.call_count == 4


@pytest.mark.anyio
@virtual_time
@pytest.mark.parametrize("final", ["failed", "invalid"])
async def test_wait_operation_raises_on_failure(final: str) -> None:
    client = AsyncRedFlag(TOKEN)
    with respx.mock:
        respx.get(f"{BASE}/operations/3").mock(side_effect=[status("running"), status(final)])
        with pytest.raises(labelkit.JobFailedError) as info:
            await client.wait_operation(3)
    assert isinstance(info.value.job, Operation) and info.value.job.status.value == final


@pytest.mark.anyio
@virtual_time
async def test_wait_operation_deadline_raises_with_last_state() -> None:
    client = AsyncRedFlag(TOKEN)
    with respx.mock:
        respx.get(f"{BASE}/operations/3").mock(side_effect=lambda request: status("running"))
        with pytest.raises(labelkit.PollTimeoutError) as info:
            await client.wait_operation(3, timeout=30)
    assert info.value.last_state.status is OperationStatus.RUNNING  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_create_that_fails_ambiguously_is_not_resent() -> None:
    client = AsyncRedFlag(TOKEN)  # default max_retries=2
    with respx.mock:
        route = respx.post(f"{BASE}/operations").mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(labelkit.AmbiguousResultError):
            await client.create_operation("text", ["topic"], ["x"])
    assert route.call_count == 1


def test_token_from_environment_and_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDFLAG_TOKEN", raising=False)
    with pytest.raises(labelkit.ValidationError, match="token"):
        AsyncRedFlag()
    monkeypatch.setenv("REDFLAG_TOKEN", TOKEN)
    monkeypatch.setenv("REDFLAG_BASE_URL", "http://127.0.0.1:9999/api/v2/products/api")
    client = AsyncRedFlag()
    assert client.base_url == "http://127.0.0.1:9999/api/v2/products/api/"
    assert TOKEN not in repr(client)
