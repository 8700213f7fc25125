"""FastLabel tasks on the wire: one respx case per task method (tables over the task kinds),
error mapping, and the checks that reject a request before anything is sent."""

from __future__ import annotations

import base64
import copy
import json
import pathlib
import ssl
import typing

import httpx
import pytest
import respx

import labelkit
from labelkit.fastlabel import (
    KINDS,
    AsyncFastLabel,
    ClassificationTask,
    History,
    ImageTask,
    IntegratedTask,
    Priority,
    Task,
)

from ._fastlabel_files import sparse, write_mp4

BASE = "https://fl.test/v1/"
TOKEN = "fl-secret-token-0123456789"
MIB = 1024 * 1024

pytestmark = pytest.mark.anyio


# Loading the CA bundle once keeps the hundreds of client fixtures cheap.
TLS = ssl.create_default_context()


@pytest.fixture
def client() -> AsyncFastLabel:
    return AsyncFastLabel(TOKEN, base_url=BASE, max_retries=0, rate_limit=None, verify=TLS)


def task_json(**fields: object) -> dict[str, object]:
    return {"id": "t1", "name": "a.jpg", "status": "registered", "tags": [], **fields}


def answer(request: httpx.Request) -> httpx.Response:
    if request.method == "GET" and request.url.path.endswith("/files"):
        return httpx.Response(
            200, json={"url": "https://storage.test/up/tok?sig=1", "name": "k/a.zip"}
        )
    if request.method == "PUT" and request.url.host == "storage.test":
        return httpx.Response(200)
    if request.method == "GET" and request.url.path.endswith("/histories"):
        return httpx.Response(200, json=[{"id": "h1", "status": "completed"}])
    if (
        request.method == "GET" and "/histories" in request.url.path
    ) or "/aws-s3" in request.url.path:
        return httpx.Response(200, json={"id": "h1", "status": "running"})
    if request.method == "GET" and request.url.path.endswith("/count"):
        return httpx.Response(200, json=3)
    if request.method == "GET" and "/map/" in request.url.path:
        return httpx.Response(200, json={"t1": "a.jpg"})
    if request.method == "GET" and "integrate/" in request.url.path:
        return httpx.Response(200, json={"name": "image/cat.jpg", "annotations": []})
    if request.method == "GET":
        one = request.url.raw_path.split(b"?")[0].endswith(b"/t%2F1")
        return httpx.Response(200, json=task_json() if one else [task_json()])
    if request.method == "POST" and "/tags/" in request.url.path:
        return httpx.Response(
            200, json={"updatedTaskCount": len(json.loads(request.content)["taskIds"])}
        )
    if request.method == "POST" and request.url.path.endswith(("/dicom", "/batch", "/aws-s3")):
        return httpx.Response(200, json={"id": "h1", "status": "running"})
    if request.method == "DELETE":
        return httpx.Response(204)
    return httpx.Response(200, json="t-new")


@pytest.fixture
def api() -> typing.Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=answer)
        yield router


def only_call(api: respx.MockRouter) -> httpx.Request:
    assert len(api.calls) == 1, [c.request.url for c in api.calls]
    return api.calls[0].request


def check_request(request: httpx.Request, method: str, path: str) -> None:
    assert request.method == method
    assert request.url.raw_path.split(b"?")[0].decode() == "/v1/" + path
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"


def body_of(request: httpx.Request) -> dict[str, typing.Any]:
    data = json.loads(request.content)
    assert isinstance(data, dict)
    return data


def decoded(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


# -- find / find by name / list ---------------------------------------------------------

READ_KINDS = [k for k in KINDS if k not in ("integrated_image", "integrated_image_classification")]


@pytest.mark.parametrize("kind", READ_KINDS)
async def test_find_task(client: AsyncFastLabel, api: respx.MockRouter, kind: str) -> None:
    task = await getattr(client, f"find_{kind}_task")("t/1")
    request = only_call(api)
    check_request(request, "GET", f"{KINDS[kind].path}/t%2F1")  # ids are path-encoded
    assert request.url.query == b""
    assert (
        isinstance(task, KINDS[kind].model) and task.id == "t1" and task["status"] == "registered"
    )


@pytest.mark.parametrize("kind", [k for k in READ_KINDS if k != "multi_modal_video_audio"])
async def test_find_task_by_name(client: AsyncFastLabel, api: respx.MockRouter, kind: str) -> None:
    task = await getattr(client, f"find_{kind}_task_by_name")("proj", "a b.jpg")
    request = only_call(api)
    check_request(request, "GET", KINDS[kind].path)
    expected = [("project", "proj"), ("taskName", "a b.jpg"), ("limit", str(KINDS[kind].page_size))]
    if KINDS[kind].always_page:
        expected.insert(2, ("offset", "0"))
    assert sorted(request.url.params.multi_items()) == sorted(expected)
    assert task is not None and task.name == "a.jpg"


@pytest.mark.parametrize("kind", READ_KINDS)
async def test_get_tasks_filters(client: AsyncFastLabel, api: respx.MockRouter, kind: str) -> None:
    spec = KINDS[kind]
    tasks = await getattr(client, f"get_{kind}_tasks")(
        "proj", "approved", "customer_declined", ["t1", "t 2"], "a.jpg", 20, spec.max_page_size
    )
    request = only_call(api)
    check_request(request, "GET", spec.path)
    assert request.url.params.multi_items() == [
        ("project", "proj"),
        ("status", "approved"),
        ("externalStatus", "customer_declined"),
        ("tags", "t1"),
        ("tags", "t 2"),
        ("taskName", "a.jpg"),
        ("offset", "20"),
        ("limit", str(spec.max_page_size)),
    ]
    assert b"tags=t+2" in request.url.query or b"tags=t%202" in request.url.query
    assert [type(t) for t in tasks] == [spec.model]


@pytest.mark.parametrize("kind", READ_KINDS)
async def test_get_tasks_defaults(client: AsyncFastLabel, api: respx.MockRouter, kind: str) -> None:
    spec = KINDS[kind]
    await getattr(client, f"get_{kind}_tasks")(project="proj")
    params = only_call(api).url.params.multi_items()
    if spec.always_page:  # robotics sends offset and limit always
        assert params == [("project", "proj"), ("offset", "0"), ("limit", "100")]
    else:  # offset 0 is omitted, as by the SDK
        assert params == [("project", "proj"), ("limit", str(spec.page_size))]


#: Section 4: the SDK checks the page size of these types; the classification types'
#: maximum is only documented ("Client max: none [doc 1000]").
ENFORCED_KINDS = [k for k in READ_KINDS if "classification" not in k]
UNCHECKED_KINDS = [k for k in READ_KINDS if "classification" in k]


@pytest.mark.parametrize("kind", ENFORCED_KINDS)
async def test_limit_above_maximum_is_rejected_before_sending(
    client: AsyncFastLabel, api: respx.MockRouter, kind: str
) -> None:
    with pytest.raises(labelkit.ValidationError) as info:
        await getattr(client, f"get_{kind}_tasks")("proj", limit=KINDS[kind].max_page_size + 1)
    assert info.value.field == "limit" and str(KINDS[kind].max_page_size) in str(info.value)
    assert not api.calls


@pytest.mark.parametrize("kind", UNCHECKED_KINDS)
async def test_classification_limit_goes_to_the_server(
    client: AsyncFastLabel, api: respx.MockRouter, kind: str
) -> None:
    await getattr(client, f"get_{kind}_tasks")("proj", limit=5000)
    params = only_call(api).url.params.multi_items()
    assert params == [("project", "proj"), ("limit", "5000")]


@pytest.mark.parametrize("kind", READ_KINDS)
async def test_limit_and_offset_none_are_left_out(
    client: AsyncFastLabel, api: respx.MockRouter, kind: str
) -> None:
    # Section 1.5: the SDK's query builder drops None (robotics' always-sent pair too).
    await getattr(client, f"get_{kind}_tasks")("proj", offset=None, limit=None)
    assert only_call(api).url.params.multi_items() == [("project", "proj")]


async def test_iter_tasks_walks_pages_with_the_maximum_page_size(client: AsyncFastLabel) -> None:
    pages = [[task_json(id=f"t{i}") for i in range(1000)], [task_json(id="last")]]
    with respx.mock() as router:
        route = router.get(BASE + "tasks/image").mock(
            side_effect=[httpx.Response(200, json=p) for p in pages]
        )
        ids = [t.id async for t in client.iter_image_tasks("proj", tags=["x"])]
    assert len(ids) == 1001 and ids[-1] == "last"
    offsets = [r.request.url.params.get("offset") for r in route.calls]
    assert offsets == [None, "1000"]
    assert {r.request.url.params["limit"] for r in route.calls} == {"1000"}


async def test_find_integrated_by_prefix(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    for media in ("image", "video", "audio"):
        merged = await getattr(client, f"find_integrated_{media}_task_by_prefix")(
            "proj", "image/cat"
        )
        assert isinstance(merged, IntegratedTask) and merged.name == "image/cat.jpg"
    for call, media in zip(api.calls, ("images", "videos", "audios"), strict=True):
        check_request(call.request, "GET", f"tasks/integrate/{media}")
        assert call.request.url.params.multi_items() == [
            ("project", "proj"),
            ("prefix", "image/cat"),
        ]


# -- create ------------------------------------------------------------------------------

ANNOTATION = {
    "id": "a1",
    "title": "Cat",
    "color": "#ff0000",
    "type": "bbox",
    "value": "cat",
    "points": [1, 2, 3, 4],
    "attributes": [{"key": "k", "value": "v", "name": "K", "type": "text", "title": "T"}],
    "keypoints": [{"key": "head", "value": [1, 2, 1], "edges": ["neck"], "name": "Head"}],
}
SENT_ANNOTATION = {
    "type": "bbox",
    "value": "cat",
    "points": [1, 2, 3, 4],
    "attributes": [{"key": "k", "value": "v"}],
    "keypoints": [{"key": "head", "value": [1, 2, 1]}],
}
ATTRIBUTE = {"key": "color", "value": "red", "name": "Color", "type": "select", "title": "C"}
ASSIGNEES = {"assignee": "alice", "workflow_3_user": None, "external_reviewer": "bob"}
SENT_ASSIGNEES = {"assignee": "alice", "workflow3User": None, "externalReviewer": "bob"}
COMMON = {"status": "registered", "external_status": "approved", "priority": Priority.HIGH}
SENT_COMMON = {"status": "registered", "externalStatus": "approved", "priority": 30}
META = [{"key": "k", "value": "v"}]

# kind -> (file suffixes, uses annotations (else attributes), extra args, extra body, content)
Args = dict[str, typing.Any]
EXIF: tuple[Args, Args] = ({"is_delete_exif": True}, {"isDeleteExif": True})
CUSTOM: tuple[Args, Args] = (
    {"custom_task_status": "workflow_1_completed", "is_delete_exif": True},
    {"customTaskStatus": "workflow_1_completed", "isDeleteExif": True},
)
CREATES: dict[str, tuple[tuple[str, ...], bool, Args, Args, str | None]] = {
    "image": ((".JPG",), True, *CUSTOM, "n.jpg"),
    "image_classification": ((".png",), False, *EXIF, None),
    "multi_image_classification": ((".gif", ".jpg"), False, *EXIF, None),
    "sequential_image": ((".png", ".png", ".jpeg"), True, *EXIF, None),
    "video": ((".mp4",), True, {}, {}, "n.jpg"),
    "video_classification": ((".mp4",), False, {}, {}, None),
    "text": ((".txt",), True, {}, {}, "n.jpg"),
    "text_classification": ((".txt",), False, {}, {}, None),
    "audio": ((".wav",), True, {}, {}, "n.jpg"),
    "audio_classification": ((".m4a",), False, {}, {}, None),
    "pcd": ((".pcd",), True, {}, {}, "n.jpg"),
    "sequential_pcd": ((".pcd", ".pcd"), True, {}, {}, None),
}  # fmt: skip


def make_file(path: pathlib.Path, index: int) -> bytes:
    if path.suffix == ".mp4":
        write_mp4(path)
    else:
        path.write_bytes(bytes([index]) * (1000 + index))  # not a multiple of 3: padding
    return path.read_bytes()


@pytest.mark.parametrize("kind", sorted(CREATES))
async def test_create_task(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, kind: str
) -> None:
    suffixes, annotated, extra_args, extra_body, content = CREATES[kind]
    spec = KINDS[kind]
    names = [f"{chr(ord('c') - i)}{suffix}" for i, suffix in enumerate(suffixes)]  # c, b, a
    files = {name: make_file(tmp_path / name, i) for i, name in enumerate(names)}
    source = (
        {"folder_path": tmp_path}
        if spec.source == "contents"
        else {"file_path": tmp_path / names[0]}
    )
    given = [copy.deepcopy(ANNOTATION)] if annotated else [copy.deepcopy(ATTRIBUTE)]
    labels = {"annotations": given, "metadatas": META} if annotated else {"attributes": given}
    task_id = await getattr(client, f"create_{kind}_task")(
        project="proj",
        name="n.jpg",
        **source,
        **COMMON,
        **labels,
        tags=["t"],
        **extra_args,
        **ASSIGNEES,
    )
    assert task_id == "t-new"
    request = only_call(api)
    check_request(request, "POST", spec.path)
    assert int(request.headers["content-length"]) == len(request.content)
    body = body_of(request)
    if spec.source == "contents":  # sorted by name, each base64-encoded
        contents = body.pop("contents")
        assert [c["name"] for c in contents] == sorted(names)
        assert [decoded(c["file"]) for c in contents] == [files[n] for n in sorted(names)]
    else:
        assert decoded(body.pop("file")) == files[names[0]]
    if annotated:
        sent = dict(SENT_ANNOTATION, **({"content": content} if content else {}))
        expected_labels: dict[str, typing.Any] = {"annotations": [sent], "metadatas": META}
    else:
        expected_labels = {"attributes": [{"key": "color", "value": "red"}]}
    assert body == {
        "project": "proj", "name": "n.jpg", **SENT_COMMON, **expected_labels, "tags": ["t"],
        **extra_body, **SENT_ASSIGNEES,
    }  # fmt: skip
    assert given == [ANNOTATION if annotated else ATTRIBUTE]  # the caller's dicts are untouched


async def test_create_minimal_sends_only_required_fields(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "a.png").write_bytes(b"x" * 10)
    await client.create_image_task("proj", "a.png", tmp_path / "a.png", priority=0)
    assert body_of(only_call(api)) == {
        "project": "proj", "name": "a.png", "priority": 0,
        "file": base64.b64encode(b"x" * 10).decode(),
    }  # fmt: skip


async def test_create_robotics_task(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    task_id = await client.create_robotics_task(
        "proj", "ep_0", **COMMON, tags=["t"], operator="op", metadatas=META, **ASSIGNEES
    )
    request = only_call(api)
    check_request(request, "POST", "tasks/robotics")
    assert task_id == "t-new"
    assert body_of(request) == {
        "project": "proj", "name": "ep_0", **SENT_COMMON, "tags": ["t"], "operator": "op",
        "metadatas": META, **SENT_ASSIGNEES,
    }  # fmt: skip


async def test_create_integrated_tasks(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    await client.create_integrated_image_task(
        "proj", "gcp", "dir/a.jpg", "registered", "approved", [ANNOTATION], ["t"], META, **ASSIGNEES
    )
    await client.create_integrated_image_classification_task(
        "proj", "dir/b.png", "aws", priority=10, attributes=[ATTRIBUTE]
    )
    first, second = (call.request for call in api.calls)
    check_request(first, "POST", "tasks/integrated-image")
    assert body_of(first) == {
        "project": "proj", "filePath": "dir/a.jpg", "storageType": "gcp", "status": "registered",
        "externalStatus": "approved", "annotations": [dict(SENT_ANNOTATION, content="dir/a.jpg")],
        "tags": ["t"], "metadatas": META, **SENT_ASSIGNEES,
    }  # fmt: skip
    check_request(second, "POST", "tasks/integrated-image/classification")
    assert body_of(second) == {
        "project": "proj", "filePath": "dir/b.png", "storageType": "aws", "priority": 10,
        "attributes": [{"key": "color", "value": "red"}],
    }  # fmt: skip


async def test_integrated_classification_sends_an_empty_file_path(
    client: AsyncFastLabel, api: respx.MockRouter
) -> None:
    # The SDK checks nothing for this create: "" goes out and the server judges it.
    await client.create_integrated_image_classification_task("proj", "", "aws")
    request = only_call(api)
    check_request(request, "POST", "tasks/integrated-image/classification")
    assert body_of(request) == {"project": "proj", "filePath": "", "storageType": "aws"}


async def test_create_dicom_task_signed_url_flow(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path
) -> None:
    archive = tmp_path / "scan.zip"
    archive.write_bytes(b"PK\x03\x04" + b"z" * 100)
    history = await client.create_dicom_task("proj", archive, tags=["t"], **ASSIGNEES)
    assert isinstance(history, History) and history.id == "h1"
    signed, put, post = (call.request for call in api.calls)
    check_request(signed, "GET", "files")
    assert signed.url.params.multi_items() == [
        ("project", "proj"), ("fileName", "scan.zip"), ("fileType", "application/zip")
    ]  # fmt: skip
    assert put.method == "PUT" and str(put.url) == "https://storage.test/up/tok?sig=1"
    assert "authorization" not in put.headers  # the signed URL carries its own credentials
    assert put.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="scan.zip"\r\n\r\nPK\x03\x04' + b"z" * 100 in put.content
    assert b"Content-Type" not in put.content  # no per-part Content-Type, as the SDK
    check_request(post, "POST", "tasks/dicom")
    assert body_of(post) == {
        "project": "proj",
        "tags": ["t"],
        **SENT_ASSIGNEES,
        "fileKey": "k/a.zip",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("import_appendix_file", "contents/imports/appendix/batch"),
        ("import_robotics_contents_file", "contents/imports/robotics-contents/batch"),
    ],
)
async def test_zip_imports(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, method: str, path: str
) -> None:
    archive = tmp_path / "data.ZIP"
    archive.write_bytes(b"PK" * 10)
    result = await getattr(client, method)("proj", archive)
    assert isinstance(result, History)
    assert [c.request.method for c in api.calls] == ["GET", "PUT", "POST"]
    check_request(api.calls[2].request, "POST", path)
    assert body_of(api.calls[2].request) == {"project": "proj", "fileKey": "k/a.zip"}


async def test_failed_signed_upload_is_not_registered(
    client: AsyncFastLabel, tmp_path: pathlib.Path
) -> None:
    archive = tmp_path / "scan.zip"
    archive.write_bytes(b"PK")
    with respx.mock(assert_all_called=False) as router:
        router.get(BASE + "files").respond(200, json={"url": "https://storage.test/u", "name": "k"})
        router.put("https://storage.test/u").respond(403, text="<Error>expired</Error>")
        post = router.post(BASE + "tasks/dicom")
        with pytest.raises(labelkit.PermissionDeniedError):
            await client.create_dicom_task("proj", archive)
    assert not post.called


# -- update ------------------------------------------------------------------------------

UPD_ANN = ["sequential_image", "video", "text", "audio", "pcd", "sequential_pcd"]
UPD_ATTR = ["image_classification", "multi_image_classification", "video_classification",
            "text_classification", "audio_classification"]  # fmt: skip


@pytest.mark.parametrize("kind", ["image", *UPD_ANN, *UPD_ATTR, "dicom", "robotics"])
async def test_update_task(client: AsyncFastLabel, api: respx.MockRouter, kind: str) -> None:
    args: dict[str, typing.Any] = {
        "status": "completed",
        "external_status": "approved",
        "tags": ["t"],
    }
    sent: dict[str, typing.Any] = {
        "status": "completed",
        "externalStatus": "approved",
        "tags": ["t"],
    }
    if kind != "dicom":
        args["priority"], sent["priority"] = 20, 20
    if kind in UPD_ATTR:
        args["attributes"], sent["attributes"] = [ATTRIBUTE], [{"key": "color", "value": "red"}]
    else:
        args["metadatas"], sent["metadatas"] = META, META
    if kind in ("image", *UPD_ANN):
        content = None if kind == "sequential_image" else ""
        args["annotations"] = [ANNOTATION]
        sent["annotations"] = [
            dict(SENT_ANNOTATION, **({} if content is None else {"content": ""}))
        ]
    if kind == "image":
        args.update(custom_task_status="pending", relations=[{"startIndex": 1, "endIndex": 0}])
        sent.update(customTaskStatus="pending", relations=[{"startIndex": 1, "endIndex": 0}])
    if kind == "robotics":  # annotations sent when not None: [] clears them
        args.update(operator="op", annotations=[])
        sent.update(operator="op", annotations=[])
    result = await getattr(client, f"update_{kind}_task")("t/1", **args, **ASSIGNEES)
    assert result == "t-new"
    request = only_call(api)
    check_request(request, "PUT", f"{KINDS[kind].path}/t%2F1")
    assert body_of(request) == {**sent, **SENT_ASSIGNEES}


async def test_update_with_nothing_sends_an_empty_body(
    client: AsyncFastLabel, api: respx.MockRouter
) -> None:
    await client.update_video_task("t1", tags=[], annotations=[])
    assert body_of(only_call(api)) == {}


async def test_unknown_keyword_is_a_type_error(client: AsyncFastLabel) -> None:
    with pytest.raises(TypeError):
        await client.update_image_task("t1", asignee="typo")  # type: ignore[call-arg]


# -- common task operations --------------------------------------------------------------


async def test_update_task_any_type(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    await client.update_task("t/1", "approved", None, 0, ["t"], META, reviewer="r")
    request = only_call(api)
    check_request(request, "PUT", "tasks/t%2F1")
    assert body_of(request) == {
        "status": "approved", "priority": 0, "tags": ["t"], "metadatas": META, "reviewer": "r"
    }  # fmt: skip


async def test_delete_task_and_annotations(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    assert await client.delete_task("t/1") is None
    assert await client.delete_task_annotations("t1") is None
    first, second = (c.request for c in api.calls)
    check_request(first, "DELETE", "tasks/t%2F1")
    check_request(second, "DELETE", "tasks/t1/task-annotations")


@pytest.mark.parametrize("action", ["add", "remove"])
async def test_task_tags_in_batches_of_5000(
    client: AsyncFastLabel, api: respx.MockRouter, action: str
) -> None:
    ids = [f"t{i}" for i in range(12_000)] + ["t0", "t1"]  # duplicates dropped, order kept
    count = await getattr(client, f"{action}_task_tags")("proj", ids, ["a", "b"])
    assert count == 12_000
    bodies = [body_of(c.request) for c in api.calls]
    for call in api.calls:
        check_request(call.request, "POST", f"tasks/tags/{action}")
    assert [len(b["taskIds"]) for b in bodies] == [5000, 5000, 2000]
    assert bodies[0]["taskIds"][:2] == ["t0", "t1"] and bodies[2]["taskIds"][-1] == "t11999"
    assert {(b["project"], tuple(b["tags"])) for b in bodies} == {("proj", ("a", "b"))}


@pytest.mark.parametrize(
    ("task_ids", "tags", "field"),
    [
        ([], ["a"], "task_ids"),
        (["t"], [], "tags"),
    ],
)
async def test_task_tags_validation(
    client: AsyncFastLabel, api: respx.MockRouter, task_ids: list[str], tags: list[str], field: str
) -> None:
    with pytest.raises(labelkit.ValidationError) as info:
        await client.add_task_tags("proj", task_ids, tags)
    assert info.value.field == field and not api.calls


@pytest.mark.parametrize("tags", [["x"] * 21, ["x" * 141], [""]])
async def test_task_tags_beyond_the_readme_limits_are_sent(
    client: AsyncFastLabel, api: respx.MockRouter, tags: list[str]
) -> None:
    # The README's 20 tags of <= 140 characters are not checked by the SDK: the server judges.
    await client.remove_task_tags("proj", ["t"], tags)
    request = only_call(api)
    check_request(request, "POST", "tasks/tags/remove")
    assert body_of(request) == {"project": "proj", "taskIds": ["t"], "tags": tags}


async def test_id_name_map_and_count(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    assert await client.get_task_id_name_map("proj", offset=1000) == {"t1": "a.jpg"}
    assert await client.count_tasks("proj", "approved", tags=["a", "b"]) == 3
    mapping, count = (c.request for c in api.calls)
    check_request(mapping, "GET", "tasks/map/id-name")
    assert mapping.url.params.multi_items() == [
        ("project", "proj"),
        ("offset", "1000"),
        ("limit", "1000"),
    ]
    check_request(count, "GET", "tasks/count")
    assert count.url.params.multi_items() == [
        ("project", "proj"), ("status", "approved"), ("tags", "a"), ("tags", "b")
    ]  # fmt: skip


async def test_histories(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    history = await client.find_history("h/1")
    assert history.status is labelkit.fastlabel.HistoryStatus.RUNNING
    await client.get_histories("proj", limit=1000)
    find, listing = (c.request for c in api.calls)
    check_request(find, "GET", "tasks/import/histories/h%2F1")
    check_request(listing, "GET", "tasks/import/histories")
    assert listing.url.params.multi_items() == [("project", "proj"), ("limit", "1000")]
    with pytest.raises(labelkit.ValidationError):
        await client.get_histories("proj", limit=1001)


async def test_aws_s3(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    await client.update_aws_s3_storage("proj", "bucket", "ap-northeast-1", "in/")
    started = await client.create_task_from_aws_s3("proj")
    status = await client.get_aws_s3_import_status_by_project("proj")
    storage, create, get = (c.request for c in api.calls)
    check_request(storage, "PUT", "storages/aws-s3/proj")
    assert body_of(storage) == {
        "bucketName": "bucket",
        "bucketRegion": "ap-northeast-1",
        "prefix": "in/",
    }
    check_request(create, "POST", "tasks/aws-s3")  # all four always sent
    assert body_of(create) == {"project": "proj", "status": "registered", "tags": [], "priority": 0}
    check_request(get, "GET", "tasks/import/status/aws-s3/proj")
    assert started.id == status.id == "h1"


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payload", "error", "message"),
    [
        (400, {"statusCode": 400, "message": "bad name", "error": "Bad Request"},
         labelkit.BadRequestError, "bad name"),
        (422, {"message": ["name too long", "tags too many"]},
         labelkit.UnprocessableEntityError, "name too long; tags too many"),
        (404, {"statusCode": 404, "error": "Not Found"}, labelkit.NotFoundError, "Not Found"),
        (409, {"foo": 1}, labelkit.ConflictError, "Conflict"),
        (429, {"message": "Too many requests"}, labelkit.RateLimitError, "Too many requests"),
        (500, "Internal error", labelkit.InternalServerError, "Internal error"),
        (401, "Unauthorized", labelkit.AuthenticationError, "Unauthorized"),
    ],
)  # fmt: skip
async def test_error_mapping(
    client: AsyncFastLabel, status: int, payload: object, error: type[Exception], message: str
) -> None:
    kwargs = {"json": payload} if isinstance(payload, dict) else {"text": payload}
    with respx.mock() as router:
        router.get(BASE + "tasks/image/t1").respond(status, **kwargs)
        with pytest.raises(error) as info:
            await client.find_image_task("t1")
    assert message in str(info.value) and TOKEN not in str(info.value)
    assert getattr(info.value, "status", None) == status


async def test_rate_limit_is_not_a_validation_error(client: AsyncFastLabel) -> None:
    with respx.mock() as router:
        router.get(BASE + "tasks/image/t1").respond(429, json={"message": "slow down"})
        with pytest.raises(labelkit.RateLimitError) as info:
            await client.find_image_task("t1")
    assert not isinstance(info.value, labelkit.ValidationError)


async def test_empty_200(client: AsyncFastLabel) -> None:
    with respx.mock() as router:
        router.get(BASE + "tasks/image/t1").respond(200, content=b"")
        router.put(BASE + "tasks/image/t1").respond(200, content=b"")
        with pytest.raises(labelkit.ResponseValidationError):
            await client.find_image_task("t1")
        assert await client.update_image_task("t1", status="completed") == "t1"


async def test_any_2xx_is_success(client: AsyncFastLabel, tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    with respx.mock() as router:
        router.post(BASE + "tasks/text").respond(201, json={"id": "t9"})
        assert await client.create_text_task("proj", "a.txt", tmp_path / "a.txt") == "t9"


# -- validation before sending -----------------------------------------------------------

FILE_KINDS = [k for k, s in KINDS.items() if s.source == "file"]


@pytest.mark.parametrize("kind", FILE_KINDS)
async def test_wrong_extension(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, kind: str
) -> None:
    path = tmp_path / "a.bmp"
    path.write_bytes(b"x")
    with pytest.raises(labelkit.ValidationError) as info:
        await getattr(client, f"create_{kind}_task")("proj", "a", path)
    assert info.value.field == "file_path" and "a.bmp" in str(info.value)
    assert not api.calls


@pytest.mark.parametrize("kind", [*FILE_KINDS, "dicom"])
async def test_file_too_big(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, kind: str
) -> None:
    spec = KINDS[kind]
    assert spec.extensions is not None and spec.max_bytes is not None
    path = sparse(tmp_path / f"big{spec.extensions[0]}", spec.max_bytes + 1)
    args = ("proj", path) if kind == "dicom" else ("proj", "big", path)
    with pytest.raises(labelkit.ValidationError) as info:
        await getattr(client, f"create_{kind}_task")(*args)
    assert info.value.field == "file_path" and str(spec.max_bytes) in str(info.value)
    assert not api.calls


async def test_exactly_the_limit_is_accepted(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path
) -> None:
    path = sparse(tmp_path / "edge.txt", 2 * MIB)
    assert await client.create_text_task("proj", "edge.txt", path) == "t-new"


@pytest.mark.parametrize(
    ("kind", "count", "suffix"),
    [("multi_image_classification", 7, ".jpg"), ("sequential_image", 251, ".png")],
)
async def test_too_many_files(
    client: AsyncFastLabel,
    api: respx.MockRouter,
    tmp_path: pathlib.Path,
    kind: str,
    count: int,
    suffix: str,
) -> None:
    for i in range(count):
        (tmp_path / f"{i:03}{suffix}").write_bytes(b"x")
    with pytest.raises(labelkit.ValidationError) as info:
        await getattr(client, f"create_{kind}_task")("proj", "n", tmp_path)
    assert info.value.field == "folder_path" and str(count - 1) in str(info.value)
    assert not api.calls


async def test_contents_total_json_limit(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path
) -> None:
    for i in range(5):  # 5 x 90 MiB: each within 100 MiB, the base64 total above 536,870,000
        sparse(tmp_path / f"{i}.pcd", 90 * MIB)
    with pytest.raises(labelkit.ValidationError) as info:
        await client.create_sequential_pcd_task("proj", "n", tmp_path)
    assert "536870000" in str(info.value) and not api.calls


@pytest.mark.parametrize("problem", ["missing", "empty", "subfolder"])
async def test_folder_problems(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, problem: str
) -> None:
    folder = tmp_path / "frames"
    if problem != "missing":
        folder.mkdir()
    if problem == "subfolder":
        (folder / "sub.png").mkdir()
    with pytest.raises(labelkit.ValidationError) as info:
        await client.create_sequential_image_task("proj", "n", folder)
    assert info.value.field == "folder_path" and not api.calls


@pytest.mark.parametrize(("codec", "moov"), [(b"mp4v", True), (b"H264", True), (b"avc1", False)])
async def test_video_codec_must_be_h264(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, codec: bytes, moov: bool
) -> None:
    path = write_mp4(tmp_path / "v.mp4", codec, moov=moov)
    with pytest.raises(labelkit.ValidationError) as info:
        await client.create_video_task("proj", "v.mp4", path)
    assert info.value.field == "file_path" and "H.264" in str(info.value)
    assert not api.calls


@pytest.mark.parametrize("codec", [b"avc1", b"h264"])
async def test_video_codec_accepted(
    client: AsyncFastLabel, api: respx.MockRouter, tmp_path: pathlib.Path, codec: bytes
) -> None:
    path = write_mp4(tmp_path / "v.mp4", codec)
    assert await client.create_video_classification_task("proj", "v.mp4", path) == "t-new"


@pytest.mark.parametrize(
    ("args", "field"),
    [({"project": ""}, "project"), ({"name": ""}, "name"), ({"priority": "high"}, "priority"),
     ({"file_path": 3}, "file_path")],
)  # fmt: skip
async def test_argument_validation(
    client: AsyncFastLabel,
    api: respx.MockRouter,
    tmp_path: pathlib.Path,
    args: dict[str, object],
    field: str,
) -> None:
    (tmp_path / "a.png").write_bytes(b"x")
    call = {"project": "proj", "name": "a.png", "file_path": tmp_path / "a.png", **args}
    with pytest.raises(labelkit.ValidationError) as info:
        await client.create_image_task(**call)  # type: ignore[arg-type]
    assert info.value.field == field and not api.calls


def test_models_read_like_the_sdk_dicts() -> None:
    task = labelkit._models.structure(task_json(width=10, extraField=[1]), ImageTask)
    assert task["extraField"] == [1] and task.extra == {"extraField": [1]}
    assert task.raw == task_json(width=10, extraField=[1])
    assert isinstance(task, Task) and not isinstance(task, ClassificationTask)


# -- bulk --------------------------------------------------------------------------------


async def test_bulk_create_resolves_lost_answers_by_name(
    client: AsyncFastLabel, tmp_path: pathlib.Path
) -> None:
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(b"x")
    posts: list[str] = []
    # a.png: the answer is lost after the server committed -> found by name, never re-sent.
    # b.png: lost before commit -> not found, re-sent once. c.png: created normally.
    existing: dict[str, str] = {}

    def create(request: httpx.Request) -> httpx.Response:
        name = json.loads(request.content)["name"]
        posts.append(name)
        if name in existing:
            return httpx.Response(409, json={"message": "duplicate name"})
        if name == "b.png" and posts.count("b.png") == 1:
            raise httpx.RemoteProtocolError("connection dropped", request=request)
        existing[name] = f"id-{name}"
        if name == "a.png":
            raise httpx.RemoteProtocolError("connection dropped", request=request)
        return httpx.Response(200, json=existing[name])

    def lookup(request: httpx.Request) -> httpx.Response:
        name = request.url.params["taskName"]
        found = [task_json(id=existing[name], name=name)] if name in existing else []
        # the server's filter may also match other names: only the exact one counts
        return httpx.Response(200, json=[task_json(id="other", name="x" + name), *found])

    progress: list[int] = []
    with respx.mock() as router:
        router.post(BASE + "tasks/image").mock(side_effect=create)
        router.get(BASE + "tasks/image").mock(side_effect=lookup)
        items = [{"name": n, "file_path": tmp_path / n} for n in ("a.png", "b.png", "c.png")]
        run = client.bulk_create(
            "image", "proj", items, on_progress=lambda p: progress.append(p.done)
        )
        outcomes = await run.collect()
    assert [o.value for o in outcomes] == ["id-a.png", "id-b.png", "id-c.png"]
    assert sorted(posts) == ["a.png", "b.png", "b.png", "c.png"]
    assert progress[-1] == 3


async def test_find_task_by_name_is_exact(client: AsyncFastLabel, api: respx.MockRouter) -> None:
    assert await client.find_task_by_name("video", "proj", "a.jpg") is not None
    assert await client.find_task_by_name("video", "proj", "a") is None
    request = api.calls[0].request
    check_request(request, "GET", "tasks/video")
    assert request.url.params["limit"] == "10"
    with pytest.raises(labelkit.ValidationError):
        await client.find_task_by_name("nope", "proj", "a")


@pytest.mark.anyio
async def test_a_lone_string_of_tags_is_rejected_before_sending(tmp_path: pathlib.Path) -> None:
    # Else "night" would go out as tags=n&tags=i&tags=g... (or as a JSON string).
    async with labelkit.AsyncFastLabel("tok", base_url="https://api.fastlabel.ai/v1/") as client:
        with respx.mock(assert_all_called=False) as router:
            route = router.route()
            with pytest.raises(labelkit.ValidationError, match="tags"):
                await client.get_image_tasks("p", tags="night")  # type: ignore[arg-type]
            with pytest.raises(labelkit.ValidationError, match="tags"):
                await client.count_tasks("p", tags="night")  # type: ignore[arg-type]
            with pytest.raises(labelkit.ValidationError, match="tags"):
                await client.update_task("t", tags="night")  # type: ignore[arg-type]
            assert route.call_count == 0
