"""The FastLabel emulator through plain httpx, in-process and over loopback sockets."""

from __future__ import annotations

import base64
import io
import struct
import typing
import zipfile
from collections.abc import AsyncIterator

import httpx
import pytest

from labelkit._config import RateLimit
from labelkit._emulator import (
    DropConnection,
    EmulatorConfig,
    available_emulators,
    create_emulator,
    serving,
)
from labelkit._emulator.fastlabel import DEFAULT_RATE_LIMIT, FastLabelEmulator
from labelkit.emulators import FastLabelEmulator as PublicFastLabelEmulator

AUTH = {"Authorization": "Bearer test-token"}


def png(width: int = 64, height: int = 32, extra: bytes = b"pixels") -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", width, height) + extra


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def frozen(**options: typing.Any) -> FastLabelEmulator:
    """An emulator whose simulated clock only moves with ``clock.advance``."""
    config = options.pop("config", None) or EmulatorConfig(time_scale=0.0)
    return FastLabelEmulator(config=config, **options)


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def in_process(emulator: FastLabelEmulator, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator),
        base_url="http://emulator/v1/",
        headers={**AUTH, **headers},
    )


@pytest.fixture
async def api() -> AsyncIterator[tuple[FastLabelEmulator, httpx.AsyncClient]]:
    emulator = frozen()
    async with in_process(emulator) as client:
        yield emulator, client
    emulator.close()


async def new_project(client: httpx.AsyncClient, slug: str, kind: str = "image_bbox") -> str:
    body = {"type": kind, "name": slug.title(), "slug": slug, "workflow": "two_step"}
    response = await client.post("projects", json={**body, "externalWorkflow": "two_step"})
    assert response.status_code == 200, response.text
    project_id: str = response.json()
    return project_id


async def new_task(client: httpx.AsyncClient, project: str, name: str, **fields: typing.Any) -> str:
    body = {"project": project, "name": name, "file": b64(png()), **fields}
    response = await client.post("tasks/image", json=body)
    assert response.status_code == 200, response.text
    task_id: str = response.json()
    return task_id


# -- registry, auth, errors -------------------------------------------------------------


def test_registered_and_exported() -> None:
    assert "fastlabel" in available_emulators()
    assert isinstance(create_emulator("fastlabel"), FastLabelEmulator)
    assert PublicFastLabelEmulator is FastLabelEmulator
    assert FastLabelEmulator().config.rate_limit == DEFAULT_RATE_LIMIT


@pytest.mark.anyio
async def test_auth_errors_json_and_text() -> None:
    emulator = frozen()
    async with in_process(emulator, Authorization="Bearer wrong") as client:
        wrong = await client.get("projects")
        missing = await client.get("projects", headers={"Authorization": ""})
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}
    assert wrong.headers["www-authenticate"] == "Bearer"
    text = frozen(unauthorized_as_text=True)
    async with in_process(text, Authorization="test-token") as client:  # no "Bearer "
        response = await client.get("projects")
    assert response.status_code == 401 and response.text == "Unauthorized"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.anyio
async def test_nestjs_error_shapes(api: tuple[FastLabelEmulator, httpx.AsyncClient]) -> None:
    _, client = api
    missing = await client.get("projects/nope")
    assert missing.json() == {
        "statusCode": 404,
        "message": "Project not found: nope",
        "error": "Not Found",
    }
    await new_project(client, "p")
    bad = await client.post("tasks/image", json={"project": "p", "name": "a", "status": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "Bad Request"
    assert bad.json()["message"] == ["file should not be empty"]
    not_json = await client.post("projects", content=b"{", headers={"content-type": "text/plain"})
    malformed = await client.post(
        "projects", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == malformed.status_code == 400
    unknown = await client.get("no-such-route")
    assert unknown.status_code == 404 and unknown.json()["statusCode"] == 404


# -- projects ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_project_crud_copy_metadata_and_slug_uniqueness(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    emulator, client = api
    first = await new_project(client, "cats")
    second = await new_project(client, "dogs", "video_bbox")
    duplicate = await client.post(
        "projects", json={"type": "image_bbox", "name": "x", "slug": "cats", "workflow": "two_step"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "Conflict"
    found = (await client.get(f"projects/{first}")).json()
    assert found["slug"] == "cats" and found["type"] == "image_bbox" and found["jobSize"] == 10
    by_slug = (await client.get("projects", params={"slug": "dogs"})).json()
    assert [p["id"] for p in by_slug] == [second]
    assert (await client.get("projects/map/id-slug")).json() == {first: "cats", second: "dogs"}
    paged = (await client.get("projects", params={"offset": 1, "limit": 1})).json()
    assert [p["slug"] for p in paged] == ["dogs"]
    taken = await client.put(f"projects/{first}", json={"slug": "dogs"})
    assert taken.status_code == 409
    updated = await client.put(f"projects/{first}", json={"slug": "kittens", "jobSize": 20})
    assert updated.json() == first and emulator.store.project_by_slug("kittens") is not None
    meta = await client.put(
        f"projects/{first}/metadata",
        json={"externalCode1": "A", "externalCode2": None, "externalCode3": "C"},
    )
    assert meta.json() == first
    found = (await client.get(f"projects/{first}")).json()
    assert (found["externalCode1"], found["externalCode3"], found["jobSize"]) == ("A", "C", 20)
    await client.post(
        "annotations",
        json={"project": "kittens", "type": "bbox", "value": "cat", "title": "Cat"},
    )
    copy_id = (await client.post("projects/copy", json={"id": first})).json()
    copy = (await client.get(f"projects/{copy_id}")).json()
    assert copy["slug"] == "kittens-copy" and copy["name"] == "Cats copy"
    classes = (await client.get("annotations", params={"project": "kittens-copy"})).json()
    assert [c["value"] for c in classes] == ["cat"]
    role = await client.put(
        "projects-users",
        json={"project": "kittens", "email": "owner@example.com", "role": "reviewer"},
    )
    assert role.json()["role"] == "reviewer"
    stranger = {"project": "kittens", "email": "x@example.com", "role": "reviewer"}
    assert (await client.put("projects-users", json=stranger)).status_code == 404
    await new_task(client, "kittens", "a.png")
    assert (await client.delete(f"projects/{first}")).status_code == 200
    assert (await client.get(f"projects/{first}")).status_code == 404
    assert emulator.tasks == {}


# -- tasks ------------------------------------------------------------------------------

FILE_TYPES = [
    ("image", "image_bbox", "annotations"),
    ("image/classification", "image_classification", "attributes"),
    ("video", "video_bbox", "annotations"),
    ("video/classification", "video_single_classification", "attributes"),
    ("text", "text_ner", "annotations"),
    ("text/classification", "text_classification", "attributes"),
    ("audio", "audio_segmentation", "annotations"),
    ("audio/classification", "audio_classification", "attributes"),
    ("pcd", "pcd_cuboid", "annotations"),
]
CONTENT_TYPES = [
    ("multi-image/classification", "multi_image_classification", "attributes"),
    ("sequential-image", "sequential_image_bbox", "annotations"),
    ("sequential-pcd", "sequential_pcd_cuboid", "annotations"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("kind, project_type, labels", FILE_TYPES + CONTENT_TYPES)
async def test_task_type_lifecycle(
    api: tuple[FastLabelEmulator, httpx.AsyncClient], kind: str, project_type: str, labels: str
) -> None:
    emulator, client = api
    await new_project(client, "p", project_type)
    content: dict[str, typing.Any] = {"file": b64(png())}
    if (kind, project_type, labels) in CONTENT_TYPES:
        content = {"contents": [{"name": f"{n}.png", "file": b64(png(n + 1, 2))} for n in range(3)]}
    label = [{"key": "kind", "value": "x"}] if labels == "attributes" else []
    if labels == "annotations":
        label = [{"type": "bbox", "value": "cat", "points": [1, 2, 3, 4], "content": "0.png"}]
    body = {"project": "p", "name": "t1", **content, "status": "registered", "priority": 10}
    created = await client.post(f"tasks/{kind}", json={**body, labels: label, "tags": ["a"]})
    assert created.status_code == 200, created.text
    task_id = created.json()
    assert isinstance(task_id, str)
    task = (await client.get(f"tasks/{kind}/{task_id}")).json()
    assert (task["name"], task["status"], task["priority"], task["tags"]) == (
        "t1",
        "registered",
        10,
        ["a"],
    )
    assert [item.get("value") for item in task[labels]] == [label[0]["value"]]
    if "contents" in content:
        assert [c["width"] for c in task["contents"]] == [1, 2, 3]
        download = await client.get(task["contents"][2]["url"])
        assert download.content == png(3, 2)
    else:
        assert (await client.get(task["url"])).content == png()
    again = await client.post(f"tasks/{kind}", json=body)
    assert again.status_code == 409
    update = {"status": "approved", "externalStatus": "customer_declined", "assignee": "u1"}
    assert (await client.put(f"tasks/{kind}/{task_id}", json=update)).json() == task_id
    listed = (await client.get(f"tasks/{kind}", params={"project": "p"})).json()
    assert [(t["id"], t["status"], t["assignee"]) for t in listed] == [(task_id, "approved", "u1")]
    assert (await client.get(f"tasks/{kind}/{task_id}x")).status_code == 404
    other = "tasks/pcd" if kind != "pcd" else "tasks/image"
    assert (await client.get(f"{other}/{task_id}")).status_code == 404  # wrong family
    assert (await client.delete(f"tasks/{task_id}")).status_code == 200
    assert emulator.tasks == {}


@pytest.mark.anyio
async def test_task_validation(api: tuple[FastLabelEmulator, httpx.AsyncClient]) -> None:
    _, client = api
    await new_project(client, "p")
    base = {"project": "p", "name": "a.png", "file": b64(png())}

    async def status_of(path: str, **changes: typing.Any) -> tuple[int, typing.Any]:
        response = await client.post(path, json={**base, **changes})
        return response.status_code, response.json()[
            "message"
        ] if response.status_code >= 400 else None

    assert await status_of("tasks/image", status="bogus") == (
        400,
        [
            "status must be one of the following values: registered, pending, completed, skipped, "
            "reviewed, sent_back, approved, declined"
        ],
    )
    assert (await status_of("tasks/image", priority=5))[0] == 400
    assert (await status_of("tasks/image", file="not base64!"))[0] == 400
    assert (await status_of("tasks/image", file="QUJD="))[0] == 400  # bad length
    assert (await status_of("tasks/image", project="missing"))[0] == 404
    assert (await status_of("tasks/video"))[0] == 400  # image project
    too_big = b64(b"x" * (20 * 1024 * 1024 + 3))
    status, message = await status_of("tasks/image", file=too_big)
    assert status == 400 and "too large" in message
    many = [{"name": f"{n}.png", "file": b64(png())} for n in range(7)]
    await new_project(client, "multi", "multi_image_classification")
    response = await client.post(
        "tasks/multi-image/classification", json={"project": "multi", "name": "m", "contents": many}
    )
    assert response.status_code == 400


@pytest.mark.anyio
async def test_other_task_families(api: tuple[FastLabelEmulator, httpx.AsyncClient]) -> None:
    emulator, client = api
    await new_project(client, "robots", "robotics")
    robot = (
        await client.post(
            "tasks/robotics", json={"project": "robots", "name": "ep", "operator": "op"}
        )
    ).json()
    await client.put(f"tasks/robotics/{robot}", json={"annotations": []})
    found = (await client.get(f"tasks/robotics/{robot}")).json()
    assert found["roboticsOperator"] == "op" and found["annotations"] == []
    limited = await client.get("tasks/robotics", params={"project": "robots", "limit": 101})
    assert limited.status_code == 400
    await new_project(client, "img")
    integrated = await client.post(
        "tasks/integrated-image",
        json={"project": "img", "filePath": "dir/a.jpg", "storageType": "gcp"},
    )
    task = (await client.get(f"tasks/image/{integrated.json()}")).json()
    assert (task["name"], task["filePath"], task["storageType"]) == (
        "dir/a.jpg",
        "dir/a.jpg",
        "gcp",
    )
    await client.post(
        "tasks/integrated-image/classification",
        json={"project": "img", "filePath": "dir/b.jpg", "storageType": "gcp"},
    )
    assert (
        len((await client.get("tasks/image/classification", params={"project": "img"})).json()) == 1
    )
    await new_task(
        client,
        "img",
        "dir/c.jpg",
        annotations=[{"type": "bbox", "value": "cat", "points": [1, 2, 3, 4]}],
    )
    merged = (
        await client.get("tasks/integrate/images", params={"project": "img", "prefix": "dir/"})
    ).json()
    assert merged["name"] == "dir/" and [a["value"] for a in merged["annotations"]] == ["cat"]
    await new_project(client, "mm", "multi_modal_video_audio")
    emulator.add_task("mm", "multi-modal-video-audio", "clip", status="completed")
    listed = (await client.get("tasks/multi-modal-video-audio", params={"project": "mm"})).json()
    assert [(t["name"], t["status"]) for t in listed] == [("clip", "completed")]
    annotations = await client.delete(f"tasks/{integrated.json()}/task-annotations")
    assert annotations.status_code == 200


@pytest.mark.anyio
async def test_list_filters_pagination_count_map_and_tags(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    emulator, client = api
    await new_project(client, "p")
    ids = [
        await new_task(
            client, "p", f"t{n}", status="approved" if n % 2 else "registered", tags=[f"g{n % 3}"]
        )
        for n in range(7)
    ]

    async def names(**params: typing.Any) -> list[str]:
        response = await client.get("tasks/image", params={"project": "p", **params})
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()]

    assert await names() == [f"t{n}" for n in range(7)]
    assert await names(offset=2, limit=3) == ["t2", "t3", "t4"]
    assert await names(offset=7) == []
    assert await names(status="approved") == ["t1", "t3", "t5"]
    assert await names(tags=["g0", "g2"]) == ["t0", "t2", "t3", "t5", "t6"]
    assert await names(taskName="t4") == ["t4"] and await names(taskName="t") == []
    assert (
        await client.get("tasks/image", params={"project": "p", "limit": 1001})
    ).status_code == 400
    assert (await client.get("tasks/image")).status_code == 400  # project is required
    count = await client.get(
        "tasks/count", params={"project": "p", "status": "approved", "tags": "g0"}
    )
    assert count.json() == 1
    mapping = (await client.get("tasks/map/id-name", params={"project": "p", "limit": 2})).json()
    assert mapping == {ids[0]: "t0", ids[1]: "t1"}
    add = await client.post(
        "tasks/tags/add", json={"project": "p", "taskIds": ids[:3] + ids[:1], "tags": ["new"]}
    )
    assert add.json() == {"updatedTaskCount": 3}
    again = await client.post(
        "tasks/tags/add", json={"project": "p", "taskIds": ids[:3], "tags": ["new"]}
    )
    assert again.json() == {"updatedTaskCount": 0}
    remove = await client.post(
        "tasks/tags/remove", json={"project": "p", "taskIds": ids, "tags": ["new"]}
    )
    assert remove.json() == {"updatedTaskCount": 3}
    empty = await client.post("tasks/tags/add", json={"project": "p", "taskIds": [], "tags": ["x"]})
    assert empty.status_code == 400
    tags = (await client.get("tags", params={"project": "p", "keyword": "g"})).json()
    assert [t["name"] for t in tags] == ["g0", "g1", "g2"]
    await client.post("tags/delete/multi", json={"tagIds": [tags[0]["id"]]})
    assert await names(tags="g0") == []
    update = await client.put(
        f"tasks/{ids[0]}", json={"priority": 30, "metadatas": [{"key": "k", "value": "v"}]}
    )
    assert update.json() == ids[0]
    task = emulator.task_by_name("p", "t0")
    assert task is not None and task.fields["priority"] == 30
    metas = (await client.get("metadatas", params={"project": "p"})).json()
    assert [m["key"] for m in metas] == ["k"]


# -- annotation classes and comments ----------------------------------------------------


@pytest.mark.anyio
async def test_annotation_classes_and_comments(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    _, client = api
    await new_project(client, "p")
    body = {"project": "p", "type": "bbox", "value": "cat", "title": "Cat", "color": "#ff0000"}
    class_id = (await client.post("annotations", json={**body, "maxAreaCount": None})).json()
    assert (await client.post("annotations", json=body)).status_code == 409
    found = (await client.get(f"annotations/{class_id}")).json()
    assert (found["title"], found["color"], found["maxAreaCount"]) == ("Cat", "#ff0000", None)
    await client.put(f"annotations/{class_id}", json={"title": "Kitty", "maxAreaCount": 3})
    by_value = (await client.get("annotations", params={"project": "p", "value": "cat"})).json()
    assert [(c["title"], c["maxAreaCount"]) for c in by_value] == [("Kitty", 3)]
    classification = (
        await client.post(
            "annotations/classification",
            json={"project": "p", "attributes": [{"key": "k", "type": "text", "name": "K"}]},
        )
    ).json()
    await client.put(f"annotations/classification/{classification}", json={"attributes": []})
    assert (await client.get(f"annotations/{classification}")).json()["value"] == "classification"
    assert (await client.delete(f"annotations/{classification}")).status_code == 200
    task_id = await new_task(
        client, "p", "a.png", annotations=[{"type": "bbox", "value": "cat", "points": [0, 0, 1, 1]}]
    )
    task = (await client.get(f"tasks/image/{task_id}")).json()
    assert (
        task["annotations"][0]["title"] == "Kitty" and task["annotations"][0]["color"] == "#ff0000"
    )

    new = {
        "taskId": task_id,
        "points": [1, 2],
        "text": "fix",
        "type": "text",
        "isResolved": False,
        "scale": 0,
        "frame": 0,
    }
    comment = (await client.post("comments", json=new)).json()
    both = {**new, "contentName": "a", "contentId": "b"}
    assert (await client.post("comments", json=both)).status_code == 400
    reply = (await client.post(f"comments/{comment['id']}/threads", json={"text": "ok"})).json()
    first, second = (t["id"] for t in reply["threads"])
    edited = (await client.put(f"comments/threads/{second}", json={"text": "done"})).json()
    assert [t["text"] for t in edited["threads"]] == ["fix", "done"]
    listed = (await client.get("comments", params={"project": "p", "taskId": task_id})).json()
    assert [c["id"] for c in listed] == [comment["id"]]
    threads = (
        await client.get("comments/threads", params={"project": "p", "taskStatus": "registered"})
    ).json()
    assert [t["comment"]["id"] for t in threads] == [comment["id"]] * 2
    await client.delete(f"comments/threads/{first}")
    await client.delete(f"comments/threads/{second}")
    assert (await client.get("comments", params={"project": "p", "taskId": task_id})).json() == []


# -- datasets ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_datasets_and_objects_over_loopback() -> None:
    emulator = frozen()
    async with (
        serving(emulator) as url,
        httpx.AsyncClient(base_url=url + "/v1/", headers=AUTH) as client,
    ):
        created = (
            await client.post(
                "datasets-v2", json={"name": "animals", "tags": ["a"], "visibility": "workspace"}
            )
        ).json()
        dataset_id = created["id"]
        assert (await client.post("datasets-v2", json={"name": "animals"})).status_code == 409
        assert (await client.post("datasets-v2", json={"name": "Bad_Name"})).status_code == 400
        await client.post("datasets-v2", json={"name": "other"})
        listed = (await client.get("datasets-v2", params={"keyword": "ani"})).json()
        assert [d["id"] for d in listed] == [dataset_id]
        renamed = (
            await client.put(f"datasets-v2/{dataset_id}", json={"name": None, "tags": []})
        ).json()
        assert renamed["name"] == "animals" and renamed["tags"] == []

        content = png(10, 20)
        body = {
            "datasetName": "animals",
            "objectName": "a/b c.png",
            "filePath": b64(content),
            "tags": ["dog"],
            "customMetadata": {"k": "v"},
        }
        obj = (await client.post("dataset-revision-objects", json=body)).json()
        assert (obj["size"], obj["width"], obj["height"], obj["type"]) == (
            len(content),
            10,
            20,
            "none",
        )
        assert (await client.post("dataset-revision-objects", json=body)).status_code == 409
        await client.post(
            "dataset-revision-objects", json={**body, "objectName": "plain.png", "tags": []}
        )
        path = f"dataset-revision-objects/datasets/{dataset_id}/objects/a%2Fb%20c.png"
        assert (await client.get(path)).json()["customMetadata"] == {"k": "v"}
        revision = obj["revisionId"]
        assert (await client.get(path, params={"revisionId": revision})).status_code == 200
        assert (
            await client.get(path, params={"revisionId": revision, "version": "latest"})
        ).status_code == 400
        assert (await client.get(path, params={"version": "v9"})).status_code == 404
        query = {"datasetName": "animals", "offset": 0, "limit": 1000, "tags": "dog"}
        assert [
            o["name"] for o in (await client.get("dataset-revision-objects", params=query)).json()
        ] == ["a/b c.png"]
        signed = (
            await client.get("dataset-revision-objects/signed-urls", params={**query, "tags": []})
        ).json()
        assert len(signed) == 2 and signed[0]["signedUrl"].startswith(url + "/storage/download/")
        async with httpx.AsyncClient() as storage:  # no auth on signed URLs
            assert (await storage.get(signed[0]["signedUrl"])).content == content
        update = {
            "datasetId": dataset_id,
            "objectName": "a/b c.png",
            "tags": [],
            "customMetadata": {},
        }
        updated = (await client.put("dataset-revision-objects", json=update)).json()
        assert updated["tags"] == [] and updated["customMetadata"] == {}
        assert (await client.delete(path)).status_code == 200
        assert (await client.get(path)).status_code == 404
        assert (await client.delete(f"datasets-v2/{dataset_id}")).status_code == 200
        assert (await client.get(f"datasets-v2/{dataset_id}")).status_code == 404


@pytest.mark.anyio
async def test_big_content_is_hashed_not_kept(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    emulator, client = api
    emulator.retain_size = 1024
    await client.post("datasets-v2", json={"name": "big"})
    data = bytes(range(256)) * 40_000  # ~10 MB: decoded in chunks
    body = {"datasetName": "big", "objectName": "blob.bin", "filePath": b64(data)}
    obj = (await client.post("dataset-revision-objects", json=body)).json()
    import hashlib

    assert obj["size"] == len(data) and obj["hash"] == hashlib.sha256(data).hexdigest()
    signed = (
        await client.get("dataset-revision-objects/signed-urls", params={"datasetName": "big"})
    ).json()
    assert signed[0]["signedUrl"] is None


@pytest.mark.anyio
async def test_body_size_limit() -> None:
    emulator = frozen(max_body_size=2000)
    async with in_process(emulator) as client:
        await new_project(client, "p")
        response = await client.post(
            "tasks/image", json={"project": "p", "name": "a", "file": b64(b"x" * 3000)}
        )
    assert response.status_code == 413 and response.json()["error"] == "Payload Too Large"
    assert emulator.tasks == {}


# -- signed-URL uploads and import histories --------------------------------------------


async def upload(client: httpx.AsyncClient, project: str, name: str, data: bytes) -> str:
    signed = (
        await client.get(
            "files", params={"project": project, "fileName": name, "fileType": "application/zip"}
        )
    ).json()
    async with httpx.AsyncClient(transport=client._transport) as storage:  # no auth header
        put = await storage.put(signed["url"], files={"file": (name, data)})
    assert put.status_code == 200, put.text
    key: str = signed["name"]
    return key


@pytest.mark.anyio
async def test_signed_url_dicom_import_completes_on_the_clock() -> None:
    emulator = frozen()
    async with (
        serving(emulator) as url,
        httpx.AsyncClient(base_url=url + "/v1/", headers=AUTH) as client,
    ):
        await new_project(client, "ct", "dicom_segmentation")
        study = make_zip({"s1/1.dcm": b"a", "s1/2.dcm": b"b", "s2/1.dcm": b"c"})
        key = await upload(client, "ct", "study.zip", study)
        upload_record = emulator.store.file_keys[key]
        assert upload_record.blob is not None and upload_record.blob.size == len(study)
        unknown = await client.post("tasks/dicom", json={"project": "ct", "fileKey": "nope"})
        assert unknown.status_code == 400
        history = (
            await client.post("tasks/dicom", json={"project": "ct", "fileKey": key, "tags": ["x"]})
        ).json()
        assert (history["status"], history["storageType"]) == ("running", "zip")
        assert (await client.get("tasks/dicom", params={"project": "ct"})).json() == []
        emulator.clock.advance(emulator.config.processing_time)
        done = (await client.get(f"tasks/import/histories/{history['id']}")).json()
        assert done["status"] == "completed" and done["completedAt"] is not None
        tasks = (await client.get("tasks/dicom", params={"project": "ct"})).json()
        assert [(t["name"], len(t["contents"]), t["tags"]) for t in tasks] == [
            ("s1", 2, ["x"]),
            ("s2", 1, ["x"]),
        ]
        histories = (await client.get("tasks/import/histories", params={"project": "ct"})).json()
        assert [h["id"] for h in histories] == [history["id"]]

        broken = await upload(client, "ct", "broken.zip", b"not a zip")
        failed = (
            await client.post("tasks/dicom", json={"project": "ct", "fileKey": broken})
        ).json()
        emulator.clock.advance(10)
        assert (await client.get(f"tasks/import/histories/{failed['id']}")).json()[
            "status"
        ] == "failed"
        pending = (await client.get("files", params={"project": "ct", "fileName": "x.zip"})).json()
        not_uploaded = await client.post(
            "tasks/dicom", json={"project": "ct", "fileKey": pending["name"]}
        )
        assert not_uploaded.status_code == 400


@pytest.mark.anyio
async def test_appendix_and_robotics_imports(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    emulator, client = api
    await new_project(client, "lidar", "pcd_cuboid")
    await client.post("tasks/pcd", json={"project": "lidar", "name": "scene", "file": b64(b"pcd")})
    archive = make_zip(
        {"scene/c.pcd/000001.png": png(), "scene/c.pcd/000001.yaml": b"k: 1", "other/x/1.png": b""}
    )
    key = await upload(client, "lidar", "appendix.zip", archive)
    await client.post("contents/imports/appendix/batch", json={"project": "lidar", "fileKey": key})
    emulator.clock.advance(5)
    rows = (await client.get("contents/export/appendix", params={"project": "lidar"})).json()
    assert len(rows) == 1 and rows[0]["format"] == "yml" and rows[0]["calibration"] == "k: 1"
    assert rows[0]["imageFileName"] == "scene/c.pcd/000001.png"
    assert (await client.get(rows[0]["url"])).content == png()
    by_task = (
        await client.get("tasks/appendix", params={"project": "lidar", "taskName": "scene"})
    ).json()
    assert by_task[0]["name"] == "scene/c.pcd/000001.png"

    await new_project(client, "robots", "robotics")
    await client.post("tasks/robotics", json={"project": "robots", "name": "episode_000000"})
    key = await upload(
        client,
        "robots",
        "episode_000000.zip",
        make_zip({"episode_000000.json": b"[]", "images_top.mp4": b"v"}),
    )
    history = (
        await client.post(
            "contents/imports/robotics-contents/batch", json={"project": "robots", "fileKey": key}
        )
    ).json()
    emulator.clock.advance(5)
    assert (await client.get(f"tasks/import/histories/{history['id']}")).json()[
        "status"
    ] == "completed"
    task = emulator.task_by_name("robots", "episode_000000")
    assert task is not None and [name for name, _ in task.contents] == [
        "episode_000000.json",
        "images_top.mp4",
    ]


@pytest.mark.anyio
async def test_aws_s3_import() -> None:
    emulator = frozen(s3_objects={"bucket": ["in/a.jpg", "in/b.jpg", "out/c.jpg"]})
    async with in_process(emulator) as client:
        await new_project(client, "p")
        body = {"project": "p", "status": "registered", "tags": ["s3"], "priority": 0}
        assert (await client.post("tasks/aws-s3", json=body)).status_code == 400  # not configured
        assert (await client.get("tasks/import/status/aws-s3/p")).status_code == 404
        storage = {"bucketName": "bucket", "bucketRegion": "ap-northeast-1", "prefix": "in/"}
        assert (await client.put("storages/aws-s3/p", json=storage)).status_code == 200
        history = (await client.post("tasks/aws-s3", json=body)).json()
        assert history["storageType"] == "aws-s3" and history["status"] == "running"
        emulator.clock.advance(5)
        status = (await client.get("tasks/import/status/aws-s3/p")).json()
        assert status["id"] == history["id"] and status["status"] == "completed"
        tasks = (await client.get("tasks/image", params={"project": "p"})).json()
        assert [(t["name"], t["tags"]) for t in tasks] == [
            ("in/a.jpg", ["s3"]),
            ("in/b.jpg", ["s3"]),
        ]


# -- model jobs, workspace, endpoints ---------------------------------------------------


@pytest.mark.anyio
async def test_model_jobs_complete_on_the_clock(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    emulator, client = api
    await client.post("datasets-v2", json={"name": "ds"})
    await new_project(client, "p")
    train = {
        "datasetName": "ds",
        "baseModelName": "fastlabel_object_detection_light",
        "epoch": 3,
        "useDatasetTrainVal": False,
        "instanceType": "ml.p3.2xlarge",
    }
    training = (await client.post("trainings", json=train)).json()
    assert training["status"] == "in_progress" and training["completedAt"] is None
    failing = (await client.post("trainings", json={**train, "baseModelName": "x__fail__"})).json()
    assert (
        await client.post("trainings", json={**train, "datasetName": "nope"})
    ).status_code == 404
    evaluation = (
        await client.post(
            "evaluations",
            json={
                "modelName": "m",
                "datasetName": "ds",
                "iouThreshold": 0.5,
                "confidenceThreshold": 0.4,
                "useDatasetTest": True,
            },
        )
    ).json()
    auto = {
        "project": "p",
        "modelName": "General",
        "updateExisting": False,
        "confidenceThreshold": 0.4,
        "useTTA": False,
        "useFlip": False,
        "processingSpeed": "low",
        "autoCreation": True,
    }
    annotation_job = (await client.post("auto-annotations", json=auto)).json()
    assert (
        await client.post("auto-annotations", json={**auto, "processingSpeed": "warp"})
    ).status_code == 400
    emulator.clock.advance(emulator.config.processing_time)
    found = (await client.get(f"trainings/{training['trainingJobId']}")).json()
    assert found["status"] == "completed" and found["customModel"]["modelId"]
    assert (await client.get(f"trainings/{failing['trainingJobId']}")).json()["status"] == "failed"
    assert [
        j["trainingJobId"] for j in (await client.get("trainings", params={"limit": 1})).json()
    ] == [training["trainingJobId"]]
    assert (await client.get(f"evaluations/{evaluation['id']}")).json()["status"] == "completed"
    assert len((await client.get("evaluations")).json()) == 1
    jobs = (await client.get("auto-annotations", params={"project": "p"})).json()
    assert [(j["id"], j["status"]) for j in jobs] == [(annotation_job["id"], "completed")]
    assert (await client.get("auto-annotations")).status_code == 400
    emulator.force_job_status(evaluation["id"], "failed")
    assert (await client.get(f"evaluations/{evaluation['id']}")).json()["status"] == "failed"


@pytest.mark.anyio
async def test_workspace_users_permissions_endpoints_monitoring(
    api: tuple[FastLabelEmulator, httpx.AsyncClient],
) -> None:
    _, client = api
    user = {"name": "Ann", "email": "ann@example.com", "language": "ja", "role": "member"}
    created = (await client.post("workspaces-users/internal-users", json=user)).json()
    assert created["userEmail"] == "ann@example.com" and created["role"] == "member"
    assert (await client.post("workspaces-users/internal-users", json=user)).status_code == 409
    users = (await client.get("workspaces-users", params={"keyword": "ann"})).json()
    assert [u["userName"] for u in users] == ["Ann"]
    granted = (
        await client.post(
            "function-resource-permissions/model-dev/internal-users",
            json={"email": "ann@example.com"},
        )
    ).json()
    assert granted["functionResourcePermissions"]["modelDev"] is True
    revoke = await client.request(
        "DELETE",
        "function-resource-permissions",
        json={"email": "ann@example.com", "resource": "modelDev"},
    )
    assert revoke.status_code == 200
    users = (await client.get("workspaces-users", params={"keyword": "ann"})).json()
    assert users[0]["functionResourcePermissions"]["modelDev"] is False
    promoted = (
        await client.put(
            "workspaces-users/internal-users", json={"email": "ann@example.com", "role": "owner"}
        )
    ).json()
    assert promoted["role"] == "owner"
    await client.put(
        "workspaces-users/internal-users", json={"email": "ann@example.com", "role": "none"}
    )
    assert (await client.get("workspaces-users", params={"keyword": "ann"})).json() == []

    image = b64(png())
    result = (
        await client.post(
            "model-endpoints/execute", json={"modelEndpointName": "ep", "file": image}
        )
    ).json()
    again = (
        await client.post(
            "model-endpoints/execute", json={"modelEndpointName": "ep", "file": image}
        )
    ).json()
    assert result == again and result["file"] == f"data:image/png;base64,{image}"
    big = b64(b"x" * (6 * 1024 * 1024 + 1))
    assert (
        await client.post("model-endpoints/execute", json={"modelEndpointName": "ep", "file": big})
    ).status_code == 400
    results = [
        {
            "status": "success",
            "result": [{"value": "person", "confidenceScore": 0.9}],
            "requestAt": "2023-05-08T12:10:53+09:00",
        }
    ]
    ok = await client.post("model-monitorings/create", json={"name": "mon", "results": results})
    assert ok.json() == {"name": "mon", "createdCount": 1}
    bad = [{**results[0], "result": [{"value": "p", "confidenceScore": 2}]}]
    assert (
        await client.post("model-monitorings/create", json={"name": "mon", "results": bad})
    ).status_code == 400


# -- rate limit and faults --------------------------------------------------------------


@pytest.mark.anyio
async def test_rate_limit_answers_429_with_retry_after() -> None:
    emulator = frozen(config=EmulatorConfig(time_scale=0.0, rate_limit=RateLimit(3, 60.0)))
    async with in_process(emulator) as client:
        statuses = [(await client.get("projects")).status_code for _ in range(3)]
        limited = await client.get("projects")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["statusCode"] == 429 and limited.json()["error"] == "Too Many Requests"
    assert "3 requests per 60 s" in limited.json()["message"]
    assert emulator.stats.rate_limited == 1


@pytest.mark.anyio
async def test_faults_error_rate_drop_after_commit_and_latency() -> None:
    emulator = frozen(
        config=EmulatorConfig(time_scale=0.0, error_rate=1.0, error_status=503, seed=1)
    )
    async with in_process(emulator) as client:
        failed = await client.post(
            "projects", json={"type": "image_bbox", "name": "p", "slug": "p"}
        )
    assert failed.status_code == 503 and failed.json()["error"] == "Service Unavailable"
    assert emulator.projects == {}  # nothing committed

    dropping = frozen(config=EmulatorConfig(time_scale=0.0, drop_rate=1.0, latency=0.01, seed=1))
    async with in_process(dropping) as client:
        with pytest.raises(DropConnection):
            await client.post("projects", json={"type": "image_bbox", "name": "p", "slug": "p"})
    assert len(dropping.projects) == 1  # committed before the drop
    dropping.config.drop_rate = 0.0
    async with (
        serving(dropping) as url,
        httpx.AsyncClient(base_url=url + "/v1/", headers=AUTH) as client,
    ):
        body = {"project": "p", "name": "a", "file": b64(png())}
        dropping.drop_next()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("tasks/image", json=body)
        retried = await client.post("tasks/image", json=body)
    assert retried.status_code == 409  # the dropped create was committed
    assert dropping.task_by_name("p", "a") is not None and len(dropping.tasks) == 1


@pytest.mark.anyio
async def test_big_multipart_and_raw_uploads_over_loopback() -> None:
    emulator = frozen(retain_size=1 << 20, check_project_types=False)
    payload = bytes(range(256)) * 12_000  # ~3 MB member: spooled to disk while parsed
    archive = make_zip({"big/a.dcm": payload, "big/b.dcm": b"small"})
    async with (
        serving(emulator) as url,
        httpx.AsyncClient(base_url=url + "/v1/", headers=AUTH) as client,
    ):
        await new_project(client, "p", "image_bbox")
        key = await upload(client, "p", "big.zip", archive)
        blob = emulator.store.file_keys[key].blob
        assert (
            blob is not None and blob.size == len(archive) and blob.data is None
        )  # over retain_size
        assert blob.entries is not None and [(n, s) for n, s, _ in blob.entries] == [
            ("big/a.dcm", len(payload)),
            ("big/b.dcm", 5),
        ]
        signed = (await client.get("files", params={"project": "p", "fileName": "raw.zip"})).json()
        async with httpx.AsyncClient() as storage:
            raw = await storage.put(
                signed["url"], content=archive, headers={"content-type": "application/zip"}
            )
            forged = await storage.put(url + "/storage/upload/nope", content=b"x")
        assert raw.status_code == 200 and forged.status_code == 403
        history = (
            await client.post("tasks/dicom", json={"project": "p", "fileKey": signed["name"]})
        ).json()
        emulator.clock.advance(emulator.config.processing_time)
        assert (await client.get(f"tasks/import/histories/{history['id']}")).json()[
            "status"
        ] == "completed"
        assert emulator.task_by_name("p", "big") is not None  # project type not checked
