"""Scale on the wire: one respx test per operation, errors, idempotency, paging, validation."""

from __future__ import annotations

import base64
import datetime as dt
import json
import typing
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from trio.testing import MockClock

import labelkit
from labelkit.scale import (
    AsyncScale,
    Batch,
    Batchlist,
    BatchStatus,
    BatchStatusReport,
    File,
    NotEnabledError,
    Project,
    QualityTask,
    Scale,
    StudioBatch,
    StudioProjectGroup,
    Task,
    Tasklist,
    TaskStatus,
    TaskTemplate,
    TaskType,
    TeamMember,
    TeamRole,
)

HOST = "https://api.scale.com"
BASE = f"{HOST}/v1"
KEY = "live_0123456789abcdef0123456789abcdef"
AUTH = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
TID = "5f127f6f26831d0010e985e5"
FAST = labelkit.RetryPolicy(wait_initial=0, wait_max=0, jitter=0)

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)


def task(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "task_id": TID,
        "type": "imageannotation",
        "status": "pending",
        "project": "kittens",
        "params": {"attachment": "https://example.com/cat.jpg"},
        "metadata": {},
        "created_at": "2024-01-01T00:00:00.000Z",
        "callback_succeeded": False,
        "is_test": False,
    }
    return {**base, **fields}


def page(*docs: dict[str, object], has_more: bool = False, next_token: str | None = None) -> dict:
    return {
        "docs": list(docs),
        "total": 42,
        "limit": 100,
        "offset": 0,
        "has_more": has_more,
        "next_token": next_token,
    }


BATCH = {
    "name": "b 1/x",
    "project": "kittens",
    "status": "staging",
    "created_at": "t",
    "metadata": {},
}
PROJECT = {"name": "kittens", "type": "imageannotation", "param_history": [{"version": 0}]}
FILE = {"id": "f1", "attachment_url": "scaledata://1/f1", "mime_type": "image/png", "size": 3}
GROUP = {"id": "g1", "name": "grp", "numWorkers": 1, "isSingleton": False, "workers": None}
SBATCH = {"id": "s1", "name": "b", "projectId": "p", "total": 2, "completed": 1, "groups": []}
MEMBER = {"email": "a@example.com", "role": "labeler", "firstName": "A", "isStudioLabeler": True}


@pytest.fixture
def client() -> AsyncScale:
    return AsyncScale(KEY, max_retries=0)


def query_of(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


def body_of(request: httpx.Request) -> object:
    return json.loads(request.content) if request.content else None


# -- one test per operation: method, path, query, auth, body ------------------------------

Call = typing.Callable[[AsyncScale], typing.Awaitable[object]]
OPERATIONS: list[tuple[str, Call, str, str, list[tuple[str, str]], object, object, type]] = [
    (
        "create_task",
        lambda c: c.create_task(
            TaskType.IMAGEANNOTATION,
            project="kittens",
            attachment="https://example.com/cat.jpg",
            geometries={"box": {"objects_to_annotate": ["cat"]}},
            metadata={"row": 1},
            tags=["a"],
        ),
        "POST",
        "/v1/task/imageannotation",
        [],
        {
            "project": "kittens",
            "attachment": "https://example.com/cat.jpg",
            "geometries": {"box": {"objects_to_annotate": ["cat"]}},
            "metadata": {"row": 1},
            "tags": ["a"],
        },
        task(),
        Task,
    ),
    ("get_task", lambda c: c.get_task(TID), "GET", f"/v1/task/{TID}", [], None, task(), Task),
    ("fetch_task", lambda c: c.fetch_task(TID), "GET", f"/v1/task/{TID}", [], None, task(), Task),
    (
        "cancel_task",
        lambda c: c.cancel_task(TID),
        "POST",
        f"/v1/task/{TID}/cancel",
        [],
        None,
        task(status="canceled"),
        Task,
    ),
    (
        "cancel_task_clear_unique_id",
        lambda c: c.cancel_task(TID, clear_unique_id=True),
        "POST",
        f"/v1/task/{TID}/cancel",
        [("clear_unique_id", "true")],
        None,
        task(status="canceled"),
        Task,
    ),
    (
        "audit_task",
        lambda c: c.audit_task(TID, False, "redo the boxes"),
        "POST",
        f"/v1/task/{TID}/audit",
        [],
        {"accepted": False, "comments": "redo the boxes"},
        "OK",
        type(None),
    ),
    (
        "update_task_unique_id",
        lambda c: c.update_task_unique_id(TID, "u-2"),
        "POST",
        f"/v1/task/{TID}/unique_id",
        [],
        {"unique_id": "u-2"},
        task(unique_id="u-2"),
        Task,
    ),
    (
        "clear_task_unique_id",
        lambda c: c.clear_task_unique_id(TID),
        "DELETE",
        f"/v1/task/{TID}/unique_id",
        [],
        None,
        task(),
        Task,
    ),
    (
        "set_task_metadata_empty",
        lambda c: c.set_task_metadata(TID, {}),
        "POST",
        f"/v1/task/{TID}/setMetadata",
        [],
        {},
        task(),
        Task,
    ),
    (
        "set_task_tags_empty",
        lambda c: c.set_task_tags(TID, []),
        "POST",
        f"/v1/task/{TID}/tags",
        [],
        [],
        task(),
        Task,
    ),
    (
        "add_task_tags",
        lambda c: c.add_task_tags(TID, ["x", "y"]),
        "PUT",
        f"/v1/task/{TID}/tags",
        [],
        ["x", "y"],
        task(tags=["x", "y"]),
        Task,
    ),
    (
        "delete_task_tags",
        lambda c: c.delete_task_tags(TID, ["x"]),
        "DELETE",
        f"/v1/task/{TID}/tags",
        [],
        ["x"],
        task(tags=None),
        Task,
    ),
    (
        "create_evaluation_task",
        lambda c: c.create_evaluation_task("textcollection", project="p", expected_response={}),
        "POST",
        "/v1/evaluation_tasks/textcollection",
        [],
        {"project": "p", "expected_response": {}},
        {"id": "e1", "expected_response": {}, "initial_response": {"a": 1}},
        QualityTask,
    ),
    (
        "create_training_task",
        lambda c: c.create_training_task(TaskType.TEXTCOLLECTION, expected_response={"a": 1}),
        "POST",
        "/v1/training_tasks/textcollection",
        [],
        {"expected_response": {"a": 1}},
        {"id": "t1", "expected_response": {"a": 1}},
        QualityTask,
    ),
    (
        "create_batch",
        lambda c: c.create_batch("kittens", "b 1/x", callback="https://h.example/cb"),
        "POST",
        "/v1/batches",
        [],
        {
            "project": "kittens",
            "name": "b 1/x",
            "calibration_batch": False,
            "self_label_batch": False,
            "callback": "https://h.example/cb",
            "metadata": {},
        },
        BATCH,
        Batch,
    ),
    (
        "finalize_batch",
        lambda c: c.finalize_batch("b 1/x"),
        "POST",
        "/v1/batches/b%201%2Fx/finalize",
        [],
        None,
        {**BATCH, "status": "in_progress"},
        Batch,
    ),
    (
        "batch_status",
        lambda c: c.batch_status("b 1/x"),
        "GET",
        "/v1/batches/b%201%2Fx/status",
        [],
        None,
        {"status": "in_progress", "pending": 2},
        BatchStatusReport,
    ),
    (
        "get_batch",
        lambda c: c.get_batch("b 1/x"),
        "GET",
        "/v1/batches/b%201%2Fx",
        [],
        None,
        BATCH,
        Batch,
    ),
    (
        "set_batch_metadata",
        lambda c: c.set_batch_metadata("b 1/x", {"k": "v"}),
        "POST",
        "/v1/batches/b%201%2Fx/setMetadata",
        [],
        {"k": "v"},
        BATCH,
        Batch,
    ),
    (
        "batches",
        lambda c: c.batches(
            project="kittens",
            status=BatchStatus.COMPLETED,
            exclude_archived=True,
            limit=5,
            offset=10,
        ),
        "GET",
        "/v1/batches",
        [
            ("exclude_archived", "true"),
            ("status", "completed"),
            ("project", "kittens"),
            ("limit", "5"),
            ("offset", "10"),
        ],
        None,
        {"docs": [BATCH], "totalDocs": 11, "limit": 5, "offset": 10, "has_more": False},
        Batchlist,
    ),
    (
        "create_project",
        lambda c: c.create_project("kittens", TaskType.IMAGEANNOTATION, {"instruction": "x"}),
        "POST",
        "/v1/projects",
        [],
        {
            "type": "imageannotation",
            "name": "kittens",
            "params": {"instruction": "x"},
            "rapid": False,
            "studio": False,
            "datasetId": None,
        },
        PROJECT,
        Project,
    ),
    (
        "get_project",
        lambda c: c.get_project("a/b"),
        "GET",
        "/v1/projects/a%2Fb",
        [],
        None,
        PROJECT,
        Project,
    ),
    ("projects", lambda c: c.projects(), "GET", "/v1/projects", [], None, [PROJECT], list),
    ("get_projects", lambda c: c.get_projects(), "GET", "/v1/projects", [], None, [PROJECT], list),
    (
        "update_project",
        lambda c: c.update_project("kittens", patch=True, instruction="new"),
        "POST",
        "/v1/projects/kittens/setParams",
        [],
        {"patch": True, "instruction": "new"},
        PROJECT,
        Project,
    ),
    (
        "get_project_template",
        lambda c: c.get_project_template("kittens"),
        "GET",
        "/v1/projects/kittens/taskTemplates",
        [],
        None,
        {"id": "tt", "version": 2, "template_variables": {"a": 1}},
        TaskTemplate,
    ),
    (
        "import_file",
        lambda c: c.import_file("https://example.com/a.png", project_name="kittens"),
        "POST",
        "/v1/files/import",
        [],
        {"file_url": "https://example.com/a.png", "project_name": "kittens"},
        FILE,
        File,
    ),
    ("list_teammates", lambda c: c.list_teammates(), "GET", "/v1/teams", [], None, [MEMBER], list),
    (
        "invite_teammates",
        lambda c: c.invite_teammates(["a@example.com"], TeamRole.LABELER),
        "POST",
        "/v1/teams/invite",
        [],
        {"emails": ["a@example.com"], "team_role": "labeler"},
        [MEMBER],
        list,
    ),
    (
        "update_teammates_role",
        lambda c: c.update_teammates_role(["a@example.com"], "manager"),
        "POST",
        "/v1/teams/set_role",
        [],
        {"emails": ["a@example.com"], "team_role": "manager"},
        [MEMBER],
        list,
    ),
    (
        "list_studio_assignments",
        lambda c: c.list_studio_assignments(),
        "GET",
        "/v1/studio/assignments",
        [],
        None,
        {"a@example.com": ["kittens"]},
        dict,
    ),
    (
        "add_studio_assignments",
        lambda c: c.add_studio_assignments(["a@example.com"], ["kittens"]),
        "POST",
        "/v1/studio/assignments/add",
        [],
        {"emails": ["a@example.com"], "projects": ["kittens"]},
        {"a@example.com": ["kittens"]},
        dict,
    ),
    (
        "remove_studio_assignments",
        lambda c: c.remove_studio_assignments(["a@example.com"], ["kittens"]),
        "POST",
        "/v1/studio/assignments/remove",
        [],
        {"emails": ["a@example.com"], "projects": ["kittens"]},
        {},
        dict,
    ),
    (
        "list_project_groups",
        lambda c: c.list_project_groups("kittens"),
        "GET",
        "/v1/studio/projects/kittens/groups",
        [],
        None,
        [GROUP],
        list,
    ),
    (
        "create_project_group",
        lambda c: c.create_project_group("kittens", ["a@example.com"], "grp"),
        "POST",
        "/v1/studio/projects/kittens/groups",
        [],
        {"emails": ["a@example.com"], "name": "grp"},
        GROUP,
        StudioProjectGroup,
    ),
    (
        "update_project_group",
        lambda c: c.update_project_group("kittens", "g r", ["a@example.com"], []),
        "PUT",
        "/v1/studio/projects/kittens/groups/g%20r",
        [],
        {"add_emails": ["a@example.com"], "remove_emails": []},
        GROUP,
        StudioProjectGroup,
    ),
    (
        "list_studio_batches",
        lambda c: c.list_studio_batches(),
        "GET",
        "/v1/studio/batches",
        [],
        None,
        [SBATCH],
        list,
    ),
    (
        "assign_studio_batches",
        lambda c: c.assign_studio_batches("b", ["grp"]),
        "PUT",
        "/v1/studio/batches/b",
        [],
        {"groups": ["grp"]},
        SBATCH,
        StudioBatch,
    ),
    (
        "set_studio_batches_priorities",
        lambda c: c.set_studio_batches_priorities(["b2", "b1"]),
        "POST",
        "/v1/studio/batches/set_priorities",
        [],
        {"batches": [{"name": "b2"}, {"name": "b1"}]},
        [SBATCH],
        list,
    ),
    (
        "reset_studio_batches_priorities",
        lambda c: c.reset_studio_batches_priorities(),
        "POST",
        "/v1/studio/batches/reset_priorities",
        [],
        None,
        [SBATCH],
        list,
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "answer", "result"),
    [pytest.param(*op[1:], id=op[0]) for op in OPERATIONS],
)
async def test_operation_on_the_wire(
    client: AsyncScale,
    call: Call,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: object,
    answer: object,
    result: type,
) -> None:
    content = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
    with respx.mock:
        route = respx.route(method=method, url__startswith=HOST).mock(
            return_value=httpx.Response(200, content=content)
        )
        value = await call(client)
    request = route.calls.last.request
    assert request.headers["authorization"] == AUTH
    assert request.url.raw_path.split(b"?")[0].decode() == path
    assert query_of(request) == query
    assert body_of(request) == body
    if body is not None:
        assert request.headers["content-type"] == "application/json"
    assert isinstance(value, result)


@pytest.mark.anyio
async def test_models_keep_types_and_unknown_fields(client: AsyncScale) -> None:
    with respx.mock:
        respx.get(f"{BASE}/task/{TID}").mock(
            return_value=httpx.Response(
                200, json=task(status="completed", response={"annotations": []}, audits=[1])
            )
        )
        respx.get(f"{BASE}/teams").mock(return_value=httpx.Response(200, json=[MEMBER]))
        got = await client.get_task(TID)
        members = await client.list_teammates()
    assert got.status is TaskStatus.COMPLETED and got.done and got.id == TID
    assert got.type is TaskType.IMAGEANNOTATION is TaskType.ImageAnnotation
    assert got.response == {"annotations": []}
    assert got.extra == {"audits": [1]} and got.as_dict()["audits"] == [1]
    assert isinstance(members[0], TeamMember) and members[0].first_name == "A"
    assert members[0].role is TeamRole.LABELER


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "kind"),
    [
        ("create_categorization_task", "categorization"),
        ("create_transcription_task", "transcription"),
        ("create_comparison_task", "comparison"),
        ("create_annotation_task", "annotation"),
        ("create_datacollection_task", "datacollection"),
        ("create_audiotranscription_task", "audiotranscription"),
        ("create_polygonannotation_task", "polygonannotation"),
        ("create_segmentannotation_task", "segmentannotation"),
        ("create_videoplaybackannotation_task", "videoplaybackannotation"),
    ],
)
async def test_seed_era_create_helpers_post_their_type(
    client: AsyncScale, method: str, kind: str
) -> None:
    params = {
        "callback_url": "http://www.example.com/callback",
        "instruction": "Is this company public or private?",
        "attachment_type": "website",
        "attachment": "http://www.google.com/",
        "categories": ["public", "private"],
        "verbatim": False,
    }
    with respx.mock:
        route = respx.post(f"{BASE}/task/{kind}").mock(
            return_value=httpx.Response(200, json=task(type=kind))
        )
        created = await getattr(client, method)(**params)
    assert body_of(route.calls.last.request) == params
    assert created.type == kind


@pytest.mark.anyio
async def test_tasks_query_encoding_and_tasklist(client: AsyncScale) -> None:
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with respx.mock:
        route = respx.get(f"{BASE}/tasks").mock(
            return_value=httpx.Response(200, json=page(task(), has_more=True, next_token="n2"))
        )
        tasks = await client.tasks(
            start_time="2015-10-13T22:38:42Z",
            end_time=when,
            type="categorization",
            status=TaskStatus.COMPLETED,
            limit=100,
            offset=200,
            tags=["a", "b"],
            unique_id=["u1", "u2"],
            include_attachment_url=True,
            limited_response=False,
        )
    assert query_of(route.calls.last.request) == [
        ("start_time", "2015-10-13T22:38:42Z"),
        ("end_time", "2024-05-01T10:00:00Z"),
        ("status", "completed"),
        ("type", "categorization"),
        ("limit", "100"),
        ("offset", "200"),
        ("tags", "a"),
        ("tags", "b"),
        ("unique_id", "u1"),
        ("unique_id", "u2"),
        ("include_attachment_url", "true"),
        ("limited_response", "false"),
    ]
    assert isinstance(tasks, Tasklist) and len(tasks) == 1
    assert (tasks.total, tasks.limit, tasks.offset, tasks.has_more) == (42, 100, 0, True)
    assert tasks.next_token == "n2"


# -- pagination -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_tasks_pages_lazily_and_yields_each_task_once(client: AsyncScale) -> None:
    pages = {
        None: page(task(task_id="a"), task(task_id="b"), has_more=True, next_token="t2"),
        "t2": page(task(task_id="b"), task(task_id="c"), has_more=True, next_token="t3"),
        "t3": page(task(task_id="d"), has_more=False, next_token=None),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        token = dict(query_of(request)).get("next_token")
        return httpx.Response(200, json=pages[token])

    with respx.mock:
        route = respx.get(f"{BASE}/tasks").mock(side_effect=answer)
        iterator = client.get_tasks(
            "kittens", review_status=["accepted", "fixed"], created_after="2024-01-01", limit=2
        )
        assert route.call_count == 0  # nothing is fetched before iterating
        first = await iterator.__anext__()
        assert first.task_id == "a" and route.call_count == 1
        rest = [t.task_id async for t in iterator]
    assert rest == ["b", "c", "d"]
    assert route.call_count == 3
    queries = [dict(query_of(call.request)) for call in route.calls]
    assert queries[0] == {
        "project": "kittens",
        "customer_review_status": "accepted,fixed",
        "start_time": "2024-01-01",
        "include_attachment_url": "true",
        "limit": "2",
    }
    assert [q.get("next_token") for q in queries] == [None, "t2", "t3"]


@pytest.mark.anyio
async def test_get_tasks_count_and_batches_offset_paging(client: AsyncScale) -> None:
    # The server picks the page size (50 here): get_batches sends no limit and
    # moves the offset by the limit the page reports, as the official client does.
    def batches(request: httpx.Request) -> httpx.Response:
        offset = int(dict(query_of(request))["offset"])
        docs = [{**BATCH, "name": f"b{offset + i}"} for i in range(50 if offset == 0 else 1)]
        return httpx.Response(
            200, json={"docs": docs, "totalDocs": 51, "limit": 50, "has_more": offset == 0}
        )

    with respx.mock:
        count = respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=page()))
        route = respx.get(f"{BASE}/batches").mock(side_effect=batches)
        assert await client.get_tasks_count(batch_name="b1", status="pending") == 42
        names = [b.name async for b in client.get_batches("kittens", BatchStatus.STAGING)]
    assert dict(query_of(count.calls.last.request)) == {
        "status": "pending",
        "batch": "b1",
        "include_attachment_url": "true",
        "limit": "1",
    }
    assert len(names) == 51 and route.call_count == 2
    first, last = (dict(query_of(call.request)) for call in route.calls)
    assert first == {
        "exclude_archived": "false",
        "status": "staging",
        "project": "kittens",
        "offset": "0",
    }
    assert last == {**first, "offset": "50"}


def test_task_type_has_every_sdk_2x_member_name() -> None:
    sdk_names = (
        "Annotation Categorization Comparison CuboidAnnotation DataCollection DocumentModel "
        "DocumentTranscription ImageAnnotation LaneAnnotation LidarAnnotation LidarLinking "
        "LidarSegmentation LidarTopdown LineAnnotation NamedEntityRecognition PointAnnotation "
        "PolygonAnnotation SegmentAnnotation Transcription TextCollection VideoAnnotation "
        "VideoBoxAnnotation VideoPlaybackAnnotation VideoCuboidAnnotation SensorFusion Chat "
        "ChatExperimental ChatLite MultiChat MultiStage Federal2dVideoAnnotation"
    ).split()
    missing = [name for name in sdk_names if not hasattr(TaskType, name)]
    assert missing == []
    assert TaskType.LidarTopdown is TaskType.LidarTopDown is TaskType("lidartopdown")


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "content", "error", "message"),
    [
        (
            400,
            b'{"status_code": 400, "error": "missing attachment"}',
            labelkit.BadRequestError,
            "missing attachment",
        ),
        (401, b'{"error": "bad key"}', labelkit.AuthenticationError, "bad key"),
        (402, b'{"error": "not enabled"}', NotEnabledError, "not enabled"),
        (403, b'{"error": "forbidden"}', labelkit.PermissionDeniedError, "forbidden"),
        (404, b'{"error": "no such task"}', labelkit.NotFoundError, "no such task"),
        (405, b"", labelkit.APIStatusError, "Method Not Allowed"),
        (409, b"", labelkit.ConflictError, "Conflict"),
        (422, b'{"error": "bad"}', labelkit.UnprocessableEntityError, "bad"),
        (500, b"<html>oops</html>", labelkit.InternalServerError, "oops"),
        (503, b'{"error": "down"}', labelkit.InternalServerError, "down"),
        (504, b"", labelkit.InternalServerError, "Gateway Timeout"),
    ],
)
async def test_error_mapping(
    client: AsyncScale, status: int, content: bytes, error: type, message: str
) -> None:
    with respx.mock:
        respx.get(f"{BASE}/task/{TID}").mock(return_value=httpx.Response(status, content=content))
        with pytest.raises(error) as caught:
            await client.get_task(TID)
    assert type(caught.value) is error
    assert caught.value.status == status and message in str(caught.value)
    assert KEY not in str(caught.value) and AUTH.split()[1] not in str(caught.value)


@pytest.mark.anyio
async def test_bodiless_409_on_cancel_and_429_retry_after(client: AsyncScale) -> None:
    with respx.mock:
        respx.post(f"{BASE}/task/{TID}/cancel").mock(return_value=httpx.Response(409))
        respx.get(f"{BASE}/task/{TID}").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "slow"})
        )
        with pytest.raises(labelkit.ConflictError) as conflict:
            await client.cancel_task(TID)
        with pytest.raises(labelkit.RateLimitError) as limited:
            await client.get_task(TID)
    assert conflict.value.body is None
    assert limited.value.retry_after == 7


@pytest.mark.anyio
async def test_429_is_retried_after_its_retry_after() -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        route = respx.get(f"{BASE}/task/{TID}").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "0"}),
                httpx.Response(200, json=task()),
            ]
        )
        assert (await client.get_task(TID)).task_id == TID
    assert route.call_count == 2


# -- idempotency -----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("reset"),
    ],
    ids=["500", "503", "timeout", "dropped"],
)
async def test_create_with_unique_id_is_retried(failure: object) -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        route = respx.post(f"{BASE}/task/imageannotation").mock(
            side_effect=[failure, httpx.Response(200, json=task(unique_id="u1"))]
        )
        created = await client.create_task("imageannotation", project="kittens", unique_id="u1")
    assert created.unique_id == "u1" and route.call_count == 2
    assert [body_of(c.request) for c in route.calls] == [
        {"project": "kittens", "unique_id": "u1"}
    ] * 2


@pytest.mark.anyio
async def test_409_after_a_failed_attempt_resolves_to_the_existing_task() -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        create = respx.post(f"{BASE}/task/imageannotation").mock(
            side_effect=[httpx.Response(500), httpx.Response(409)]
        )
        lookup = respx.get(f"{BASE}/tasks").mock(
            return_value=httpx.Response(200, json=page(task(unique_id="u1")))
        )
        created = await client.create_task(
            TaskType.IMAGEANNOTATION, project="kittens", unique_id="u1"
        )
    assert created.task_id == TID and create.call_count == 2
    assert query_of(lookup.calls.last.request) == [("unique_id", "u1"), ("project", "kittens")]


@pytest.mark.anyio
async def test_409_for_a_unique_id_returns_the_task_unless_it_is_another_one(
    client: AsyncScale,
) -> None:
    with respx.mock:
        respx.post(f"{BASE}/task/imageannotation").mock(
            return_value=httpx.Response(409, json={"error": "unique_id in use"})
        )
        lookup = respx.get(f"{BASE}/tasks").mock(
            side_effect=[
                httpx.Response(200, json=page(task(unique_id="u1"))),
                httpx.Response(200, json=page(task(unique_id="u1", type="categorization"))),
                httpx.Response(200, json=page()),
            ]
        )
        again = await client.create_task("imageannotation", unique_id="u1")
        assert again.task_id == TID
        for _ in range(2):  # held by a task of another type; then not found at all
            with pytest.raises(labelkit.ConflictError, match="unique_id in use"):
                await client.create_task("imageannotation", unique_id="u1")
    assert lookup.call_count == 3


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure", [httpx.Response(500), httpx.ReadTimeout("slow")], ids=["500", "timeout"]
)
async def test_create_without_unique_id_is_ambiguous_not_resent(failure: object) -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        route = respx.post(f"{BASE}/task/categorization").mock(side_effect=[failure])
        with pytest.raises(labelkit.AmbiguousResultError):
            await client.create_categorization_task(attachment="https://example.com")
    assert route.call_count == 1


@pytest.mark.anyio
async def test_auto_unique_id_makes_creates_retry_safe() -> None:
    client = AsyncScale(KEY, retry=FAST, auto_unique_id=True)
    with respx.mock:
        route = respx.post(f"{BASE}/task/comparison").mock(
            side_effect=[httpx.Response(502), httpx.Response(200, json=task())]
        )
        await client.create_comparison_task(attachments=["a", "b"])
    first, second = (body_of(c.request) for c in route.calls)
    assert first == second and first["unique_id"].startswith("labelkit-")  # type: ignore[index]


@pytest.mark.anyio
async def test_batch_create_conflict_after_retry_returns_the_batch() -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        respx.post(f"{BASE}/batches").mock(
            side_effect=[httpx.ReadTimeout("t"), httpx.Response(409)]
        )
        respx.get(f"{BASE}/batches/b%201%2Fx").mock(return_value=httpx.Response(200, json=BATCH))
        batch = await client.create_batch("kittens", "b 1/x")
        assert batch.name == "b 1/x"
        respx.post(f"{BASE}/batches").mock(return_value=httpx.Response(409))
        with pytest.raises(labelkit.ConflictError):  # a name taken before this call
            await client.create_batch("kittens", "b 1/x")


@pytest.mark.anyio
async def test_project_create_conflict_after_retry_returns_the_project_of_that_type() -> None:
    client = AsyncScale(KEY, retry=FAST)
    with respx.mock:
        create = respx.post(f"{BASE}/projects").mock(
            side_effect=[httpx.Response(502), httpx.Response(409)] * 2
        )
        respx.get(f"{BASE}/projects/kittens").mock(return_value=httpx.Response(200, json=PROJECT))
        project = await client.create_project("kittens", TaskType.IMAGEANNOTATION)
        assert project.name == "kittens" and create.call_count == 2
        with pytest.raises(labelkit.ConflictError):  # the name is held by another type
            await client.create_project("kittens", TaskType.CATEGORIZATION)
    assert create.call_count == 4


@pytest.mark.anyio
async def test_create_tasks_gives_every_item_a_unique_id(client: AsyncScale) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        assert isinstance(body, dict)
        return httpx.Response(
            200, json=task(task_id=body["unique_id"], unique_id=body["unique_id"])
        )

    items = [{"attachment": "a"}, {"attachment": "b", "unique_id": "mine"}]
    with respx.mock:
        respx.post(f"{BASE}/task/imageannotation").mock(side_effect=echo)
        random = await client.create_tasks("imageannotation", items).collect()
        content = await client.create_tasks(
            "imageannotation", items, unique_ids="content"
        ).collect()
        again = await client.create_tasks("imageannotation", items, unique_ids="content").collect()
        keyed = await client.create_tasks(
            "imageannotation", items, unique_ids=lambda item: "row-" + item["attachment"]
        ).collect()
    ids = [[o.unwrap().unique_id for o in run] for run in (random, content, again, keyed)]
    assert ids[0][0].startswith("labelkit-") and ids[0][1] == "mine"  # type: ignore[union-attr]
    assert ids[1] == ids[2] and ids[1][1] == "mine"
    assert ids[3] == ["row-a", "mine"]


# -- validation before sending ---------------------------------------------------------------

INVALID: list[tuple[str, Call, str]] = [
    # "" would make the path GET /v1/task/, a different endpoint than /v1/task/{id}.
    ("empty_task_id", lambda c: c.get_task(""), "task_id"),
    ("bad_type", lambda c: c.create_task("image/annotation"), "task_type"),
    ("metadata", lambda c: c.set_task_metadata(TID, ["x"]), "metadata"),  # type: ignore[arg-type]
    ("flag", lambda c: c.create_batch("p", "b", calibration_batch=1), "calibration_batch"),  # type: ignore[arg-type]
    ("json", lambda c: c.create_task("annotation", when=dt.date.today()), "params"),
    ("form", lambda c: c.upload_file(b"x", filename="a.txt", meta={"a": 1}), "meta"),  # type: ignore[arg-type]
    ("file", lambda c: c.upload_file("/nonexistent/file.png"), "file"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("call", "field"), [pytest.param(c, f, id=i) for i, c, f in INVALID])
async def test_bad_arguments_fail_before_sending(
    client: AsyncScale, call: Call, field: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(labelkit.ValidationError) as caught:
            await call(client)
    assert caught.value.field == field and not mock.calls


def test_iterators_validate_when_created(client: AsyncScale) -> None:
    with pytest.raises(labelkit.ValidationError, match="project_name or batch_name"):
        client.get_tasks()
    with pytest.raises(labelkit.ValidationError, match="unique_ids"):
        client.create_tasks("annotation", [], unique_ids="sequential")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_what_the_official_client_sends_goes_to_the_server(client: AsyncScale) -> None:
    # scaleapi 2.18.4 checks none of these values; the spec names no server rule for them,
    # so they go out as the official client sends them and the server's answer decides.
    naive = dt.datetime(2024, 1, 1, 9, 30)
    with respx.mock:
        listed = respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=page()))
        batches = respx.get(f"{BASE}/batches").mock(
            return_value=httpx.Response(
                200, json={"docs": [], "totalDocs": 0, "limit": 100, "has_more": False}
            )
        )
        created = respx.post(f"{BASE}/task/annotation").mock(
            return_value=httpx.Response(400, json={"error": "unique_id must not be empty"})
        )
        audit = respx.post(f"{BASE}/task/{TID}/audit").mock(return_value=httpx.Response(200))
        tags = respx.post(f"{BASE}/task/{TID}/tags").mock(
            return_value=httpx.Response(200, json=task())
        )
        renamed = respx.post(f"{BASE}/task/{TID}/unique_id").mock(
            return_value=httpx.Response(200, json=task())
        )
        batch = respx.post(f"{BASE}/batches").mock(return_value=httpx.Response(200, json=BATCH))
        training = respx.post(f"{BASE}/training_tasks/textcollection").mock(
            return_value=httpx.Response(400, json={"error": "expected_response is required"})
        )
        await client.tasks(start_time=naive, project="", limit=101, offset=-1, unique_id="")
        await client.batches(end_time=naive, limit=0, offset=-1)
        gen = client.get_tasks("p", created_before=naive, limit=500)
        assert [t async for t in gen] == []
        with pytest.raises(labelkit.BadRequestError, match="unique_id must not be empty"):
            await client.create_task("annotation", unique_id="")
        await client.audit_task(TID, "yes")
        await client.set_task_tags(TID, ["ok", ""])
        await client.update_task_unique_id(TID, "")
        await client.create_batch("", "b")
        with pytest.raises(labelkit.BadRequestError, match="expected_response"):
            await client.create_training_task("textcollection", attachment="a")
        imported = respx.post(f"{BASE}/files/import").mock(
            return_value=httpx.Response(400, json={"error": "file_url is required"})
        )
        with pytest.raises(labelkit.BadRequestError, match="file_url"):
            await client.import_file("")
        group = respx.post(f"{BASE}/studio/projects/p/groups").mock(
            return_value=httpx.Response(200, json={"id": "g", "name": ""})
        )
        await client.create_project_group("p", ["a@b.c"], "")
    queries = [
        parse_qsl(c.request.url.query.decode(), keep_blank_values=True) for c in listed.calls
    ]
    assert queries == [
        [
            ("start_time", "2024-01-01 09:30:00"),
            ("project", ""),
            ("limit", "101"),
            ("offset", "-1"),
            ("unique_id", ""),
        ],
        [
            ("end_time", "2024-01-01 09:30:00"),
            ("project", "p"),
            ("limit", "500"),
            ("include_attachment_url", "true"),
        ],
    ]
    assert parse_qsl(batches.calls.last.request.url.query.decode()) == [
        ("end_time", "2024-01-01 09:30:00"),
        ("limit", "0"),
        ("offset", "-1"),
    ]
    assert created.call_count == 1  # "" is no idempotency key: the create is not re-sent
    assert json.loads(created.calls.last.request.content) == {"unique_id": ""}
    assert json.loads(audit.calls.last.request.content) == {"accepted": "yes", "comments": None}
    assert json.loads(tags.calls.last.request.content) == ["ok", ""]
    assert json.loads(renamed.calls.last.request.content) == {"unique_id": ""}
    assert json.loads(batch.calls.last.request.content)["project"] == ""
    assert json.loads(training.calls.last.request.content) == {"attachment": "a"}
    assert json.loads(imported.calls.last.request.content) == {"file_url": ""}
    assert json.loads(group.calls.last.request.content) == {"emails": ["a@b.c"], "name": ""}


# -- client construction, upload, waits, sync -------------------------------------------------


@pytest.mark.anyio
async def test_key_and_base_url_from_constructor_or_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCALE_API_KEY", raising=False)
    with pytest.raises(labelkit.ValidationError, match="SCALE_API_KEY"):
        AsyncScale()
    monkeypatch.setenv("SCALE_API_KEY", KEY)
    monkeypatch.setenv("SCALE_BASE_URL", "http://127.0.0.1:9/scale/v1/")
    assert AsyncScale().base_url == "http://127.0.0.1:9/scale/"
    sdk_style = AsyncScale("test_k", base_url="https://proxy.example/v1")
    assert sdk_style.base_url == "https://proxy.example/"
    assert "test_k" not in repr(sdk_style) and KEY not in repr(AsyncScale())
    with respx.mock:
        route = respx.get(f"https://proxy.example/v1/task/{TID}").mock(
            return_value=httpx.Response(200, json=task())
        )
        await sdk_style.get_task(TID)
    token = base64.b64encode(b"test_k:").decode()
    assert route.calls.last.request.headers["authorization"] == f"Basic {token}"


@pytest.mark.anyio
async def test_upload_file_streams_multipart(client: AsyncScale, tmp_path: typing.Any) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(b"\x89PNG-data")
    with respx.mock:
        route = respx.post(f"{BASE}/files/upload").mock(return_value=httpx.Response(200, json=FILE))
        uploaded = await client.upload_file(path, project_name="kittens", private=True)
    request = route.calls.last.request
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.headers["authorization"] == AUTH
    assert b'name="project_name"\r\n\r\nkittens\r\n' in request.content
    assert b'name="private"\r\n\r\ntrue\r\n' in request.content
    assert b'filename="cat.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG-data' in request.content
    assert uploaded.attachment_url == "scaledata://1/f1"


@pytest.mark.anyio
@virtual_time
async def test_wait_task_polls_until_completed_or_failed() -> None:
    client = AsyncScale(KEY, max_retries=0)
    with respx.mock:
        route = respx.get(f"{BASE}/task/{TID}").mock(
            side_effect=[
                httpx.Response(200, json=task()),
                httpx.Response(200, json=task(status="completed", response={"a": 1})),
                httpx.Response(200, json=task(status="canceled")),
            ]
        )
        done = await client.wait_task(TID)
        with pytest.raises(labelkit.JobFailedError) as failed:
            await client.wait_task(TID)
    assert done.response == {"a": 1} and route.call_count == 3
    assert isinstance(failed.value.job, Task) and failed.value.job.status is TaskStatus.CANCELED


@pytest.mark.anyio
@virtual_time
async def test_wait_tasks_gives_one_outcome_per_task() -> None:
    client = AsyncScale(KEY, max_retries=0)
    with respx.mock:
        respx.get(url__regex=rf"{BASE}/task/\w+$").mock(
            side_effect=lambda request: httpx.Response(
                200, json=task(task_id=request.url.path.rsplit("/", 1)[-1], status="completed")
            )
        )
        outcomes = await client.wait_tasks(["t1", "t2"]).collect()
    assert sorted(o.unwrap().task_id for o in outcomes) == ["t1", "t2"]


def test_sync_client_runs_the_same_calls() -> None:
    with respx.mock, Scale(KEY, max_retries=0) as scale:
        respx.get(f"{BASE}/task/{TID}").mock(return_value=httpx.Response(200, json=task()))
        respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=page(task())))
        assert scale.fetch_task(TID).task_id == TID
        assert [t.task_id for t in scale.get_tasks("kittens")] == [TID]
        assert scale.tasks(limit=1).total == 42


@pytest.mark.anyio
async def test_metadata_is_sent_exactly_as_given(client: AsyncScale) -> None:
    # Keys such as "tags" or "metadata" inside metadata have no meaning to the client.
    metadata = {"tags": "vip", "metadata": "x", "n": [1, 2]}
    with respx.mock:
        on_task = respx.post(f"{BASE}/task/{TID}/setMetadata").mock(
            return_value=httpx.Response(200, json=task())
        )
        on_batch = respx.post(f"{BASE}/batches/b1/setMetadata").mock(
            return_value=httpx.Response(200, json=BATCH)
        )
        await client.set_task_metadata(TID, metadata)
        await client.set_batch_metadata("b1", metadata)
    assert json.loads(on_task.calls.last.request.content) == metadata
    assert json.loads(on_batch.calls.last.request.content) == metadata


@pytest.mark.anyio
async def test_list_batches_is_the_seed_era_name_of_batches(client: AsyncScale) -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/batches").mock(
            return_value=httpx.Response(
                200, json={"docs": [BATCH], "totalDocs": 1, "limit": 10, "has_more": False}
            )
        )
        page = await client.list_batches(status="completed", project="p", limit=10)
    assert dict(query_of(route.calls.last.request)) == {
        "status": "completed",
        "project": "p",
        "limit": "10",
    }
    assert page.total == 1 and len(page) == 1


@pytest.mark.anyio
async def test_an_invite_is_not_re_sent_after_a_server_error() -> None:
    async with AsyncScale(KEY, max_retries=3) as client:
        with respx.mock:
            route = respx.post(f"{BASE}/teams/invite").mock(return_value=httpx.Response(503))
            with pytest.raises(labelkit.AmbiguousResultError):
                await client.invite_teammates(["a@example.com"], TeamRole.LABELER)
        assert route.call_count == 1


@pytest.mark.anyio
async def test_api_instance_url_is_the_official_name_of_base_url() -> None:
    async with AsyncScale(KEY, api_instance_url="https://proxy.example/scale/v1") as client:
        assert client.base_url == "https://proxy.example/scale/"
    with pytest.raises(labelkit.ValidationError, match="api_instance_url"):
        AsyncScale(KEY, base_url="https://a.example", api_instance_url="https://b.example/v1")
