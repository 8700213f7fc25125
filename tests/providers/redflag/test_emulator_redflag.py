"""The RedFlag emulator: endpoints, validation, status progression and result shapes."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from labelkit._config import RateLimit
from labelkit._emulator import EmulatorConfig, serving
from labelkit._emulator.redflag import PREFIX, RedFlagEmulator

AUTH = {"Authorization": "Bearer test-token"}
SENTIMENTS = set(
    "acceptance_self acceptance anger annoyance anxiety calmness contentment disgust_self "
    "disgust dislike_self dislike eagerness fear joy melancholy pleasantness_self pleasantness "
    "responsiveness sadness serenity".split()
)
TEXT_ANALYSES = [
    "sentiment-simple",
    "sentiment-real",
    "topic",
    "spam-detection",
    "personality-mb",
    "intention",
]


def frozen(**options: Any) -> RedFlagEmulator:
    """An emulator whose simulated clock only moves with ``clock.advance``."""
    return RedFlagEmulator(config=EmulatorConfig(time_scale=0.0, **options))


def client_for(emulator: RedFlagEmulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator), base_url="http://redflag", headers=AUTH
    )


async def create(client: httpx.AsyncClient, **payload: Any) -> int:
    response = await client.post(PREFIX, json=payload)
    assert response.status_code == 200, response.text
    operation_id = response.json()["id"]
    assert isinstance(operation_id, int)
    return operation_id


async def upload(
    client: httpx.AsyncClient, name: str, content: bytes = b"data", mime: str | None = None
) -> httpx.Response:
    part = (name, content) if mime is None else (name, content, mime)
    return await client.post(PREFIX + "/upload", files={"file": part})


def is_prob(value: object) -> bool:
    return isinstance(value, float) and 0.0 < value < 1.0


@pytest.mark.anyio
async def test_status_progression_on_the_simulated_clock() -> None:
    emulator = frozen()  # default processing time 1.5 s: ready 0.25, pending 0.5, running 0.75
    async with client_for(emulator) as client:
        op = await create(client, type="text", analyses=["sentiment-real"], contents=["Hi there"])
        assert op == 1
        assert await create(client, type="text", analyses=["topic"], contents=["x"]) == 2
        seen = []
        for step in (0.0, 0.25, 0.5, 0.74, 0.01):
            emulator.clock.advance(step)
            body = (await client.get(f"{PREFIX}/{op}")).json()
            seen.append(body["status"])
            if body["status"] != "done":
                assert body["data"] is None
        assert seen == ["ready", "pending", "running", "running", "done"]
        assert body["query"] == {
            "type": "text",
            "analyses": ["sentiment-real"],
            "contents": ["Hi there"],
        }
        assert body["data"]["contents_count"] == 1


@pytest.mark.anyio
async def test_processing_time_zero_is_instant_and_durations_are_configurable() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with client_for(emulator) as client:
        op = await create(client, type="text", analyses=["topic"], contents=["x"])
        assert (await client.get(f"{PREFIX}/{op}")).json()["status"] == "done"
    emulator = RedFlagEmulator(config=EmulatorConfig(time_scale=0), durations=(0, 10, 0))
    async with client_for(emulator) as client:
        op = await create(client, type="text", analyses=["topic"], contents=["x"])
        assert emulator.status(op) == "pending"
        emulator.clock.advance(10)
        assert emulator.status(op) == "done"


@pytest.mark.anyio
async def test_real_time_scale_finishes_jobs() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(time_scale=1000))
    async with client_for(emulator) as client:
        op = await create(client, type="text", analyses=["topic"], contents=["x"])
        await anyio.sleep(0.01)  # 10 simulated seconds
        assert (await client.get(f"{PREFIX}/{op}")).json()["status"] == "done"


@pytest.mark.anyio
async def test_text_result_shapes() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    analyses = [*TEXT_ANALYSES, "face-id"]  # face-id does not apply to text
    contents = ["Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Praesent eget purus"]
    async with client_for(emulator) as client:
        op = await create(client, type="text", analyses=analyses, contents=contents)
        body = (await client.get(f"{PREFIX}/{op}")).json()
    assert body["status"] == "done"
    data = body["data"]
    assert data["contents_count"] == 2
    for content, item in zip(contents, data["contents"], strict=True):
        assert item["type"] == "text"
        assert item["content"] == content
        assert item["dimensions"] == ["textual"]
        assert item["analysis_types"] == TEXT_ANALYSES
        by_type = {a["type"]: a for a in item["analyses"]}
        assert set(by_type) == set(TEXT_ANALYSES)
        for analysis in item["analyses"]:
            assert analysis["source"] == "content"
            assert analysis["dimension"] == "textual"
            assert "group_index" not in analysis  # no contents_groups given
        for name in ("sentiment-simple", "sentiment-real"):
            result = by_type[name]["data"]
            assert result["value"] in SENTIMENTS and is_prob(result["prob"])
        spam = by_type["spam-detection"]["data"]
        assert set(spam) == {"prob", "value"} and is_prob(spam["prob"])
        assert spam["value"] == ("spam" if spam["prob"] >= 0.5 else "not_spam")
        topics = by_type["topic"]["data"]
        assert 1 <= len(topics) <= 3
        for topic in topics:
            assert topic["sub_type"] is None and topic["topic_type"] == "noun-chunk"
            assert topic["value"] in content.lower()
        intention = by_type["intention"]["data"]
        assert set(intention) == {"prob1", "prob2", "prob3", "value"}
        assert all(is_prob(intention[k]) for k in ("prob1", "prob2", "prob3"))
        personality = by_type["personality-mb"]["data"]
        assert len(personality["value"]) == 4 and is_prob(personality["prob"])


@pytest.mark.anyio
async def test_results_are_deterministic() -> None:
    bodies = []
    for _ in range(2):
        emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
        async with client_for(emulator) as client:
            op = await create(client, type="text", analyses=TEXT_ANALYSES, contents=["same text"])
            bodies.append((await client.get(f"{PREFIX}/{op}")).json())
    assert bodies[0] == bodies[1]


@pytest.mark.anyio
async def test_contents_groups_give_personality_per_group() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with client_for(emulator) as client:
        op = await create(
            client,
            type="text",
            analyses=["personality-mb", "topic"],
            contents=["first post", "second post", "third post"],
            contents_groups=["1,2", "0,2"],
        )
        body = (await client.get(f"{PREFIX}/{op}")).json()
    assert body["query"]["contents_groups"] == ["1,2", "0,2"]
    groups = [
        [a.get("group_index") for a in item["analyses"] if a["type"] == "personality-mb"]
        for item in body["data"]["contents"]
    ]
    assert groups == [[1], [0], [0, 1]]
    # Members of one group share the group's profile.
    first = body["data"]["contents"]
    profile = [a["data"] for a in first[1]["analyses"] if a.get("group_index") == 0]
    assert profile == [a["data"] for a in first[2]["analyses"] if a.get("group_index") == 0]


@pytest.mark.anyio
async def test_failure_markers_and_forced_statuses() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with client_for(emulator) as client:
        failed = await create(
            client, type="text", analyses=["topic"], contents=["ok", "x __fail__"]
        )
        invalid = await create(client, type="text", analyses=["topic"], contents=["__invalid__"])
        visual_only = await create(client, type="text", analyses=["face-id"], contents=["text"])
        fine = await create(client, type="text", analyses=["topic"], contents=["text"])
        statuses = [
            (await client.get(f"{PREFIX}/{op}")).json() for op in (failed, invalid, visual_only)
        ]
        assert [(s["status"], s["data"]) for s in statuses] == [
            ("failed", None),
            ("invalid", None),
            ("invalid", None),
        ]
        emulator.force_status(fine, "failed")
        assert (await client.get(f"{PREFIX}/{fine}")).json()["status"] == "failed"
        emulator.force_status(fine, "running")
        assert (await client.get(f"{PREFIX}/{fine}")).json()["status"] == "running"
        emulator.force_status(fine, None)
        assert (await client.get(f"{PREFIX}/{fine}")).json()["status"] == "done"
    with pytest.raises(ValueError):
        emulator.force_status(fine, "exploded")


def _file(*contents: object) -> dict[str, object]:
    return {"type": "file", "analyses": ["caption"], "contents": list(contents)}


def _groups(groups: object) -> dict[str, object]:
    return {
        "type": "text",
        "analyses": ["personality-mb"],
        "contents": ["a", "b"],
        "contents_groups": groups,
    }


BAD_CREATES: list[tuple[object, int, str]] = [
    ([], 400, "invalid_request"),
    ({"analyses": ["topic"], "contents": ["x"]}, 400, "missing_field"),
    ({"type": "video", "analyses": ["topic"], "contents": ["x"]}, 422, "invalid_type"),
    ({"type": 3, "analyses": ["topic"], "contents": ["x"]}, 400, "invalid_field"),
    ({"type": "text", "contents": ["x"]}, 400, "missing_field"),
    ({"type": "text", "analyses": "topic", "contents": ["x"]}, 400, "invalid_field"),
    ({"type": "text", "analyses": [], "contents": ["x"]}, 400, "invalid_field"),
    ({"type": "text", "analyses": ["topic", "mood"], "contents": ["x"]}, 422, "invalid_analysis"),
    ({"type": "text", "analyses": ["topic"]}, 400, "missing_field"),
    ({"type": "text", "analyses": ["topic"], "contents": []}, 400, "invalid_field"),
    ({"type": "text", "analyses": ["topic"], "contents": [1]}, 422, "invalid_contents"),
    (_file(1, "https://s3.amazonaws.com/b/x.png"), 422, "mixed_contents"),
    (_file(999), 422, "unknown_file"),
    (_file("ftp://x/y.png"), 422, "invalid_contents"),
    (_file(True), 422, "mixed_contents"),
    (_groups("0,1"), 400, "invalid_field"),
    (_groups([]), 400, "invalid_field"),
    (_groups([[0, 1]]), 400, "invalid_field"),
    (_groups(["0, 1"]), 422, "invalid_contents_groups"),
    (_groups(["0,2"]), 422, "invalid_contents_groups"),
    (_groups(["0,"]), 422, "invalid_contents_groups"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("payload", "status", "code"), BAD_CREATES)
async def test_create_validation(payload: object, status: int, code: str) -> None:
    emulator = frozen()
    async with client_for(emulator) as client:
        response = await client.post(PREFIX, json=payload)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert emulator.operations == {}


@pytest.mark.anyio
async def test_create_needs_json() -> None:
    emulator = frozen()
    async with client_for(emulator) as client:
        response = await client.post(
            PREFIX, content=b"{", headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_json")
        response = await client.post(PREFIX, data={"type": "text"})
        assert response.status_code == 415


@pytest.mark.anyio
async def test_upload_and_file_operations() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with client_for(emulator) as client:
        ids = []
        for name in ("photo.PNG", "song.mp3", "clip.mp4", "pic.jpeg"):
            response = await upload(client, name, name.encode() * 10)
            assert response.status_code == 200, response.text
            ids.append(response.json()["id"])
        assert ids == [1, 2, 3, 4]
        assert (await upload(client, "noext", b"x", "image/jpeg")).json() == {"id": 5}
        stored = emulator.uploads[1]
        assert (stored.filename, stored.size, stored.kind) == ("photo.PNG", 90, "image")
        assert stored.content_type == "image/png"
        assert len(stored.sha256) == 64

        op = await create(
            client, type="file", analyses=["face-id", "sentiment-real"], contents=ids[:3]
        )
        body = (await client.get(f"{PREFIX}/{op}")).json()
    image, audio, video = body["data"]["contents"]
    assert (image["content"], image["type"]) == (1, "file")
    assert image["dimensions"] == ["visual-image"]
    assert image["analysis_types"] == ["face-id"]
    faces = image["analyses"][0]["data"]
    assert isinstance(faces, list) and faces
    assert all(set(face) == {"value", "prob"} and is_prob(face["prob"]) for face in faces)
    assert image["analyses"][0]["dimension"] == "visual-image"
    assert audio["dimensions"] == ["audial"]
    assert [(a["type"], a["dimension"]) for a in audio["analyses"]] == [
        ("sentiment-real", "audial")
    ]
    assert video["dimensions"] == ["visual-video", "audial"]
    assert [(a["type"], a["dimension"]) for a in video["analyses"]] == [
        ("face-id", "visual-video"),
        ("sentiment-real", "audial"),
    ]


@pytest.mark.anyio
async def test_file_operations_with_urls() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with client_for(emulator) as client:
        urls = [
            "https://bucket.s3.amazonaws.com/a.jpg",
            "https://bucket.s3.amazonaws.com/b.gif",
            "s3://bucket/c.png",
        ]
        op = await create(client, type="file", analyses=["object-id", "caption"], contents=urls)
        body = (await client.get(f"{PREFIX}/{op}")).json()
    first, second, third = body["data"]["contents"]
    assert first["dimensions"] == ["visual-image"] and second["dimensions"] == ["visual-gif"]
    assert third["content"] == "s3://bucket/c.png" and third["dimensions"] == ["visual-image"]
    caption = next(a for a in first["analyses"] if a["type"] == "caption")["data"]
    assert isinstance(caption["value"], str) and is_prob(caption["prob"])


@pytest.mark.anyio
async def test_upload_rejections() -> None:
    emulator = RedFlagEmulator(max_upload_size=100)
    async with client_for(emulator) as client:
        for name, content, mime, status, code in [
            ("anim.gif", b"GIF89a", None, 422, "unsupported_file_type"),
            ("doc.pdf", b"%PDF", "application/pdf", 422, "unsupported_file_type"),
            ("photo.png", b"png", "text/plain", 422, "unsupported_file_type"),
            ("noext", b"x", "application/octet-stream", 422, "unsupported_file_type"),
            ("empty.png", b"", None, 422, "empty_file"),
            ("big.png", b"x" * 101, None, 413, "file_too_large"),
        ]:
            response = await upload(client, name, content, mime)
            assert (response.status_code, response.json()["error"]["code"]) == (status, code), name
        two_files = {"file": ("a.png", b"1")}
        response = await client.post(PREFIX + "/upload", files=two_files, data={"extra": "x"})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_upload")
        response = await client.post(PREFIX + "/upload", files={"image": ("a.png", b"1")})
        assert response.status_code == 400
        response = await client.post(PREFIX + "/upload", json={"file": "a.png"})
        assert (response.status_code, response.json()["error"]["code"]) == (
            400,
            "invalid_multipart",
        )
    assert emulator.uploads == {}


@pytest.mark.anyio
async def test_auth_not_found_and_methods() -> None:
    emulator = RedFlagEmulator(tokens={"alpha", "beta"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator), base_url="http://redflag"
    ) as client:
        for headers in ({}, {"Authorization": "Bearer test-token"}, {"Authorization": "alpha"}):
            response = await client.get(PREFIX + "/1", headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"]["code"] == "unauthorized"
        headers = {"Authorization": "Bearer beta"}
        response = await client.get(PREFIX + "/1", headers=headers)
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "operation 1 not found"}
        }
        assert (await client.get(PREFIX + "/upload", headers=headers)).status_code == 405
        assert (await client.post(PREFIX + "/1", headers=headers)).status_code == 405
        assert (await client.get(PREFIX + "/abc", headers=headers)).status_code == 404


@pytest.mark.anyio
async def test_rate_limit_uses_the_redflag_error_body() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(rate_limit=RateLimit(2, 60)))
    async with client_for(emulator) as client:
        assert [(await client.get(PREFIX + "/1")).status_code for _ in range(2)] == [404, 404]
        response = await client.get(PREFIX + "/1")
    assert response.status_code == 429
    assert response.headers["retry-after"] in {"59", "60"}
    assert response.json()["error"]["code"] == "rate_limited"


@pytest.mark.anyio
async def test_over_a_real_socket() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    async with serving(emulator) as url, httpx.AsyncClient(base_url=url, headers=AUTH) as client:
        file_id = (
            await client.post(PREFIX + "/upload", files={"file": ("a.jpg", b"jpeg")})
        ).json()["id"]
        response = await client.post(
            PREFIX, json={"type": "file", "analyses": ["logo-id"], "contents": [file_id]}
        )
        op = response.json()["id"]
        body = (await client.get(f"{PREFIX}/{op}")).json()
    assert body["status"] == "done"
    assert body["data"]["contents"][0]["analyses"][0]["type"] == "logo-id"
