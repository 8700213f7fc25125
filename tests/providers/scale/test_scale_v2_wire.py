"""Scale v2 on the wire: one respx test per operation (method, path, query multiset, headers,
body), the official call forms, datetimes, the 302 of response_url, errors and paging."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import typing
from collections import Counter
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

import labelkit
from labelkit.scale import (
    AsyncScale,
    BatchOperationRequest,
    CreateBatchRequest,
    CreateChatTaskRequest,
    Scale,
    SetBatchMetadataRequest,
    SetTaskMetadataRequest,
    V2Annotation,
    V2Batch,
    V2BatchOperationResult,
    V2BatchPage,
    V2BatchStatus,
    V2DatasetDeliveryList,
    V2DatasetDeliveryPage,
    V2DatasetList,
    V2DatasetTask,
    V2DatasetTaskPage,
    V2DeliveryList,
    V2DeliveryPage,
    V2DeliveryTaskPage,
    V2Project,
    V2ProjectList,
    V2SchemaResponse,
    V2Task,
    V2TaskPage,
    V2TaskStatus,
)

HOST = "https://api.scale.com"
KEY = "live_0123456789abcdef0123456789abcdef"
BEARER = f"Bearer {KEY}"
JST = dt.timezone(dt.timedelta(hours=9))
WHEN = dt.datetime(2021, 2, 1, 12, 30, 15, 123456, tzinfo=JST)
WHEN_WIRE = "2021-02-01T12:30:15.123456+0900"

TASK = {
    "task_id": "t1",
    "project": "p1",
    "batch": "b1",
    "status": "pending",
    "created_at": "2024-01-01T00:00:00Z",
    "metadata": {"k": 1},
    "threads": [],
}
BATCH = {"id": "b1", "name": "batch one", "project": "p1", "status": "in_progress", "metadata": {}}
PROJECT = {"id": "p1", "name": "kittens", "created_at": "2024-01-01T00:00:00Z"}
DELIVERY = {"id": "d1", "name": "first", "task_count": 1, "delivered_at": "x", "project": "p1"}
DTASK = {"task_id": "dt1", "dataset": "ds1", "delivery": "dd1", "response": {"a": 1}}
DDELIVERY = {"id": "dd1", "name": "dd", "delivered_at": "x", "task_count": 1, "dataset": "ds1"}


@pytest.fixture
def client() -> AsyncScale:
    return AsyncScale(KEY, max_retries=0)


def query_of(request: httpx.Request) -> Counter[tuple[str, str]]:
    return Counter(parse_qsl(request.url.query.decode(), keep_blank_values=True))


Call = typing.Callable[[AsyncScale], typing.Awaitable[object]]
Q = list[tuple[str, str]]
OPERATIONS: list[tuple[str, Call, str, str, Q, object, object, type]] = [
    (
        "get_task",
        lambda c: c.v2.get_task(
            task_id="t1", expand=["project", "batch"], opts=["annotation_details", "submissions"]
        ),
        "GET",
        "/v2/task",
        [
            ("task_id", "t1"),
            ("expand", "project"),
            ("expand", "batch"),
            ("opts", "annotation_details"),
            ("opts", "submissions"),
        ],
        None,
        TASK,
        V2Task,
    ),
    (
        "get_tasks",
        lambda c: c.v2.get_tasks(
            project_id="p1",
            project_name="kittens",
            batch_id="b1",
            batch_name="batch one",
            status=V2TaskStatus.COMPLETED,
            completed_after=WHEN,
            completed_before="2022-01-01T00:00:00Z",
            limit=50,
            next_token="tok",
            expand=["project"],
            opts=["submissions"],
        ),
        "GET",
        "/v2/tasks",
        [
            ("project_id", "p1"),
            ("project_name", "kittens"),
            ("batch_id", "b1"),
            ("batch_name", "batch one"),
            ("status", "completed"),
            ("completed_after", WHEN_WIRE),
            ("completed_before", "2022-01-01T00:00:00Z"),
            ("limit", "50"),
            ("next_token", "tok"),
            ("expand", "project"),
            ("opts", "submissions"),
        ],
        None,
        {"tasks": [TASK], "next_token": None},
        V2TaskPage,
    ),
    (
        "create_chat_task",
        lambda c: c.v2.create_chat_task(
            create_chat_task_request={
                "project_name": "kittens",
                "batch_name": "batch one",
                "template_variables": {"prompt": "hi"},
                "metadata": {"m": 1},
                "callback_url": "https://example.com/cb",
            }
        ),
        "POST",
        "/v2/task/chat",
        [],
        {
            "project_name": "kittens",
            "batch_name": "batch one",
            "template_variables": {"prompt": "hi"},
            "metadata": {"m": 1},
            "callback_url": "https://example.com/cb",
        },
        TASK,
        V2Task,
    ),
    (
        "set_task_metadata",
        lambda c: c.v2.set_task_metadata(
            set_task_metadata_request=SetTaskMetadataRequest(task_id="t1", metadata={"a": 1})
        ),
        "POST",
        "/v2/task/metadata",
        [],
        {"task_id": "t1", "metadata": {"a": 1}, "merge": False},
        TASK,
        V2Task,
    ),
    (
        "get_batch",
        lambda c: c.v2.get_batch(batch_name="batch one", expand=["project"]),
        "GET",
        "/v2/batch",
        [("batch_name", "batch one"), ("expand", "project")],
        None,
        BATCH,
        V2Batch,
    ),
    (
        "get_batches",
        lambda c: c.v2.get_batches(
            project_id="p1",
            project_name="kittens",
            status="paused",
            created_after=WHEN,
            created_before=WHEN,
            completed_after=WHEN,
            completed_before=WHEN,
            limit=1,
            next_token="n",
            expand="project",
        ),
        "GET",
        "/v2/batches",
        [
            ("project_id", "p1"),
            ("project_name", "kittens"),
            ("status", "paused"),
            ("created_after", WHEN_WIRE),
            ("created_before", WHEN_WIRE),
            ("completed_after", WHEN_WIRE),
            ("completed_before", WHEN_WIRE),
            ("limit", "1"),
            ("next_token", "n"),
            ("expand", "project"),
        ],
        None,
        {"batches": [BATCH], "next_token": "z"},
        V2BatchPage,
    ),
    (
        "create_batch",
        lambda c: c.v2.create_batch(
            create_batch_request=CreateBatchRequest(name="batch one", project_name="kittens")
        ),
        "POST",
        "/v2/batch",
        [],
        {"name": "batch one", "project_name": "kittens", "staging_batch": False},
        BATCH,
        V2Batch,
    ),
    (
        "finalize_batch",
        lambda c: c.v2.finalize_batch(batch_operation_request={"batch_id": "b1"}),
        "POST",
        "/v2/batch/finalize",
        [],
        {"batch_id": "b1"},
        BATCH,
        V2Batch,
    ),
    (
        "pause_batch",
        lambda c: c.v2.pause_batch(batch_operation_request=BatchOperationRequest(batch_id="b1")),
        "POST",
        "/v2/batch/pause",
        [],
        {"batch_id": "b1"},
        {"batch": BATCH, "message": "paused"},
        V2BatchOperationResult,
    ),
    (
        "resume_batch",
        lambda c: c.v2.resume_batch(batch_operation_request={"batch_name": "batch one"}),
        "POST",
        "/v2/batch/resume",
        [],
        {"batch_name": "batch one"},
        {"batch": BATCH},
        V2BatchOperationResult,
    ),
    (
        "cancel_batch",
        lambda c: c.v2.cancel_batch(batch_operation_request={"batch_id": "b1"}),
        "POST",
        "/v2/batch/cancel",
        [],
        {"batch_id": "b1"},
        {"message": "cancelled"},
        V2BatchOperationResult,
    ),
    (
        "set_batch_metadata",
        lambda c: c.v2.set_batch_metadata(
            set_batch_metadata_request={"batch_id": "b1", "metadata": {"x": 2}, "merge": True}
        ),
        "POST",
        "/v2/batch/metadata",
        [],
        {"batch_id": "b1", "metadata": {"x": 2}, "merge": True},
        BATCH,
        V2Batch,
    ),
    (
        "get_project",
        lambda c: c.v2.get_project(project_id="p1"),
        "GET",
        "/v2/project",
        [("project_id", "p1")],
        None,
        PROJECT,
        V2Project,
    ),
    (
        "get_projects",
        lambda c: c.v2.get_projects(created_after=WHEN, created_before="2030-01-01"),
        "GET",
        "/v2/projects",
        [("created_after", WHEN_WIRE), ("created_before", "2030-01-01")],
        None,
        {"projects": [PROJECT]},
        V2ProjectList,
    ),
    (
        "get_deliveries",
        lambda c: c.v2.get_deliveries(
            project_id="p1",
            project_name="kittens",
            delivered_after=WHEN,
            delivered_before=WHEN,
            expand=["project"],
        ),
        "GET",
        "/v2/deliveries",
        [
            ("project_id", "p1"),
            ("project_name", "kittens"),
            ("delivered_after", WHEN_WIRE),
            ("delivered_before", WHEN_WIRE),
            ("expand", "project"),
        ],
        None,
        {"deliveries": [DELIVERY]},
        V2DeliveryList,
    ),
    (
        "get_delivery",
        lambda c: c.v2.get_delivery(
            delivery_id="d1",
            delivery_name="first",
            project_id="p1",
            project_name="kittens",
            limit=10,
            next_token="n",
            expand=["project", "batch", "delivery"],
            opts=["submissions"],
        ),
        "GET",
        "/v2/delivery",
        [
            ("delivery_id", "d1"),
            ("delivery_name", "first"),
            ("project_id", "p1"),
            ("project_name", "kittens"),
            ("limit", "10"),
            ("next_token", "n"),
            ("expand", "project"),
            ("expand", "batch"),
            ("expand", "delivery"),
            ("opts", "submissions"),
        ],
        None,
        {"delivery": DELIVERY, "tasks": [TASK], "next_token": None},
        V2DeliveryPage,
    ),
    (
        "get_delivery_tasks",
        lambda c: c.v2.get_delivery_tasks(
            delivery_id="d1",
            project_id="p1",
            project_name="kittens",
            status="completed",
            completed_after=WHEN,
            completed_before=WHEN,
            limit=5,
            next_token="n",
        ),
        "GET",
        "/v2/delivery/tasks",
        [
            ("delivery_id", "d1"),
            ("project_id", "p1"),
            ("project_name", "kittens"),
            ("status", "completed"),
            ("completed_after", WHEN_WIRE),
            ("completed_before", WHEN_WIRE),
            ("limit", "5"),
            ("next_token", "n"),
        ],
        None,
        {"docs": [{"task_id": "t1", "delivery_id": "d1", "response": {}}], "total": 1},
        V2DeliveryTaskPage,
    ),
    (
        "get_annotation",
        lambda c: c.v2.get_annotation(annotation_id="a1"),
        "GET",
        "/v2/annotation",
        [("annotation_id", "a1")],
        None,
        {"id": "a1", "key": "k", "type": "integer", "value": 3},
        V2Annotation,
    ),
    (
        "get_schema",
        lambda c: c.v2.get_schema(schema_id="s1"),
        "GET",
        "/v2/schema",
        [("schema_id", "s1")],
        None,
        {"schema": {"id": "s1", "json": {"type": "object"}}},
        V2SchemaResponse,
    ),
    (
        "get_datasets",
        lambda c: c.v2.get_datasets(),
        "GET",
        "/v2/datasets",
        [],
        None,
        {"datasets": [{"id": "ds1", "name": "set"}]},
        V2DatasetList,
    ),
    (
        "get_dataset_deliveries",
        lambda c: c.v2.get_dataset_deliveries(
            dataset_id="ds1", delivered_after=WHEN, delivered_before=WHEN, expand=["dataset"]
        ),
        "GET",
        "/v2/datasets/deliveries",
        [
            ("dataset_id", "ds1"),
            ("delivered_after", WHEN_WIRE),
            ("delivered_before", WHEN_WIRE),
            ("expand", "dataset"),
        ],
        None,
        {"deliveries": [DDELIVERY]},
        V2DatasetDeliveryList,
    ),
    (
        "get_dataset_delivery",
        lambda c: c.v2.get_dataset_delivery(
            delivery_id="dd1", limit=2, next_token="n", expand=["dataset", "delivery"]
        ),
        "GET",
        "/v2/datasets/delivery",
        [
            ("delivery_id", "dd1"),
            ("limit", "2"),
            ("next_token", "n"),
            ("expand", "dataset"),
            ("expand", "delivery"),
        ],
        None,
        {"delivery": DDELIVERY, "tasks": [DTASK], "next_token": None},
        V2DatasetDeliveryPage,
    ),
    (
        "get_dataset_tasks",
        lambda c: c.v2.get_dataset_tasks(
            dataset_id="ds1",
            delivery_id="dd1",
            delivered_after=WHEN,
            delivered_before=WHEN,
            limit=3,
            next_token="n",
            expand=["dataset"],
        ),
        "GET",
        "/v2/datasets/tasks",
        [
            ("dataset_id", "ds1"),
            ("delivery_id", "dd1"),
            ("delivered_after", WHEN_WIRE),
            ("delivered_before", WHEN_WIRE),
            ("limit", "3"),
            ("next_token", "n"),
            ("expand", "dataset"),
        ],
        None,
        {"tasks": [DTASK], "next_token": None},
        V2DatasetTaskPage,
    ),
    (
        "get_dataset_task",
        lambda c: c.v2.get_dataset_task(task_id="dt1", expand=["dataset", "delivery"]),
        "GET",
        "/v2/datasets/task",
        [("task_id", "dt1"), ("expand", "dataset"), ("expand", "delivery")],
        None,
        DTASK,
        V2DatasetTask,
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
    query: Q,
    body: object,
    answer: object,
    result: type,
) -> None:
    with respx.mock:
        route = respx.route(method=method, url__startswith=HOST).mock(
            return_value=httpx.Response(200, json=answer)
        )
        value = await call(client)
    request = route.calls.last.request
    assert request.headers["authorization"] == BEARER
    assert request.headers["accept"] == "application/json"
    assert request.url.raw_path.split(b"?")[0].decode() == path
    assert query_of(request) == Counter(query)
    assert (json.loads(request.content) if request.content else None) == body
    if body is not None:
        assert request.headers["content-type"] == "application/json"
    assert isinstance(value, result)
    assert value.to_dict() == answer  # type: ignore[attr-defined]


def test_every_official_operation_is_covered() -> None:
    official = {
        "get_task", "get_tasks", "create_chat_task", "set_task_metadata", "get_batch",
        "get_batches", "create_batch", "finalize_batch", "pause_batch", "resume_batch",
        "cancel_batch", "set_batch_metadata", "get_project", "get_projects", "get_deliveries",
        "get_delivery", "get_delivery_tasks", "get_annotation", "get_schema", "get_datasets",
        "get_dataset_deliveries", "get_dataset_delivery", "get_dataset_tasks",
        "get_dataset_task", "get_dataset_task_response_url",
    }  # fmt: skip
    assert len(official) == 25
    covered = {op[0] for op in OPERATIONS} | {"get_dataset_task_response_url"}
    assert covered == official
    for name in official:
        assert callable(getattr(AsyncScale("live_x").v2, name))
        assert callable(getattr(Scale("live_x").v2, name))


@pytest.mark.anyio
async def test_datetime_plus_is_percent_encoded_and_naive_is_refused(client: AsyncScale) -> None:
    with respx.mock:
        route = respx.get(f"{HOST}/v2/projects").mock(
            return_value=httpx.Response(200, json={"projects": []})
        )
        await client.v2.get_projects(created_after=WHEN)
        naive = dt.datetime(2021, 2, 1, 12, 30)
        with pytest.raises(labelkit.ValidationError, match="naive"):
            await client.v2.get_projects(created_after=naive)
    assert route.call_count == 1
    assert (
        b"created_after=2021-02-01T12%3A30%3A15.123456%2B0900" in route.calls[0].request.url.query
    )


@pytest.mark.anyio
async def test_response_url_returns_the_location_and_download_sends_no_key(
    client: AsyncScale,
) -> None:
    with respx.mock:
        api = respx.get(f"{HOST}/v2/datasets/task/dataset%20task%2F1/response_url/a%2F1").mock(
            return_value=httpx.Response(302, headers={"Location": "https://files.example/x?sig=1"})
        )
        files = respx.get("https://files.example/x").mock(
            return_value=httpx.Response(200, content=b"payload")
        )
        url = await client.v2.get_dataset_task_response_url(
            task_id="dataset task/1", attachment_id="a/1"
        )
        data = await client.v2.download_dataset_task_response("dataset task/1", "a/1")
    assert url == "https://files.example/x?sig=1"
    assert data == b"payload"
    assert api.calls.last.request.headers["authorization"] == BEARER
    sent = files.calls.last.request.headers
    assert "authorization" not in sent
    assert KEY not in json.dumps(dict(sent))


@pytest.mark.anyio
async def test_response_url_relative_location_is_resolved(client: AsyncScale) -> None:
    with respx.mock:
        respx.get(url__startswith=f"{HOST}/v2/datasets/task/").mock(
            return_value=httpx.Response(302, headers={"Location": "/files/t1/a1"})
        )
        url = await client.v2.get_dataset_task_response_url("t1", "a1")
    assert url == f"{HOST}/files/t1/a1"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, labelkit.BadRequestError),
        (401, labelkit.AuthenticationError),
        (403, labelkit.PermissionDeniedError),
        (404, labelkit.NotFoundError),
        (409, labelkit.ConflictError),
        (422, labelkit.UnprocessableEntityError),
        (500, labelkit.InternalServerError),
    ],
)
async def test_v2_error_bodies_become_typed_errors(
    client: AsyncScale, status: int, error: type[labelkit.APIStatusError]
) -> None:
    with respx.mock:
        respx.get(f"{HOST}/v2/task").mock(
            return_value=httpx.Response(
                status, json={"status_code": status, "error": f"nope {KEY}"}
            )
        )
        with pytest.raises(error) as raised:
            await client.v2.get_task("t1")
    assert raised.value.status == status
    assert raised.value.message.startswith("nope")
    assert KEY not in str(raised.value) and KEY not in json.dumps(raised.value.body)


@pytest.mark.anyio
async def test_v2_get_tasks_repeats_filters_and_stops_at_the_last_page(
    client: AsyncScale,
) -> None:
    pages = [
        {"tasks": [{**TASK, "task_id": "a"}, {**TASK, "task_id": "b"}], "next_token": "n1"},
        {"tasks": [{**TASK, "task_id": "c"}], "next_token": "n2"},
        {"tasks": [{**TASK, "task_id": "d"}], "next_token": None},
    ]
    with respx.mock:
        route = respx.get(f"{HOST}/v2/tasks").mock(
            side_effect=[httpx.Response(200, json=p) for p in pages]
        )
        seen = [
            t.task_id
            async for t in client.v2_get_tasks(
                project_name="kittens", status="completed", limit=2, expand=["project"]
            )
        ]
    assert seen == ["a", "b", "c", "d"]
    assert route.call_count == 3
    base = [("project_name", "kittens"), ("status", "completed"), ("limit", "2")]
    expected = [None, "n1", "n2"]
    for call, token in zip(route.calls, expected, strict=True):
        want = [*base, ("expand", "project")] + ([("next_token", token)] if token else [])
        assert query_of(call.request) == Counter(want)


def test_v2_get_tasks_sync_is_a_lazy_iterator() -> None:
    with respx.mock:
        route = respx.get(f"{HOST}/v2/tasks").mock(
            side_effect=[
                httpx.Response(200, json={"tasks": [TASK], "next_token": "n"}),
                httpx.Response(200, json={"tasks": [], "next_token": None}),
            ]
        )
        with Scale(KEY, max_retries=0) as scale:
            tasks = scale.v2_get_tasks(batch_id="b1")
            assert route.call_count == 0
            assert [t.task_id for t in tasks] == ["t1"]
    assert route.call_count == 2


class OfficialLike:
    """Stands in for the official client's pydantic request model (it has ``to_dict``)."""

    def to_dict(self) -> dict[str, object]:
        return {"name": "n", "project_id": "p1", "callback": None, "staging_batch": True}


class Status(enum.Enum):
    COMPLETED = "completed"


@pytest.mark.anyio
async def test_request_forms_and_validation(client: AsyncScale) -> None:
    with respx.mock:
        route = respx.post(f"{HOST}/v2/batch").mock(return_value=httpx.Response(200, json=BATCH))
        tasks = respx.get(f"{HOST}/v2/tasks").mock(
            return_value=httpx.Response(200, json={"tasks": []})
        )
        await client.v2.create_batch(OfficialLike())
        assert json.loads(route.calls.last.request.content) == {
            "name": "n",
            "project_id": "p1",
            "staging_batch": True,
        }
        await client.v2.get_tasks(status=Status.COMPLETED)
        assert query_of(tasks.calls.last.request) == Counter([("status", "completed")])
        bad: list[Call] = [
            lambda c: c.v2.create_batch({"name": "n", "project": "p"}),  # unknown field
            lambda c: c.v2.create_batch(["n"]),
            lambda c: c.v2.set_task_metadata({"task_id": "t", "metadata": {}, "merge": "yes"}),
            lambda c: c.v2.get_tasks(limit=101),  # the official model refuses it (le=100)
            lambda c: c.v2.create_chat_task(CreateChatTaskRequest(metadata=[1])),  # type: ignore[arg-type]
            lambda c: c.v2.set_batch_metadata(
                SetBatchMetadataRequest(batch_id="b", metadata={"x": object()})
            ),
        ]  # fmt: skip
        for call in bad:
            with pytest.raises(labelkit.ValidationError):
                await call(client)
    assert route.call_count == 1 and tasks.call_count == 1


@pytest.mark.anyio
async def test_base_url_override_points_v2_at_the_same_host() -> None:
    scale = AsyncScale(KEY, api_instance_url="http://127.0.0.1:9/v1", max_retries=0)
    with respx.mock:
        route = respx.get("http://127.0.0.1:9/v2/datasets").mock(
            return_value=httpx.Response(200, json={"datasets": []})
        )
        assert (await scale.v2.get_datasets()).datasets == []
    assert route.called
    copy = scale.with_options(timeout=5)
    assert copy.v2._client is copy


@pytest.mark.anyio
async def test_models_keep_unknown_fields_and_read_expanded_refs(client: AsyncScale) -> None:
    expanded = {**TASK, "project": PROJECT, "batch": BATCH, "new_field": [1]}
    with respx.mock:
        respx.get(f"{HOST}/v2/task").mock(return_value=httpx.Response(200, json=expanded))
        respx.get(f"{HOST}/v2/batch").mock(
            return_value=httpx.Response(200, json={**BATCH, "status": "cancelled"})
        )
        task = await client.v2.get_task("t1", expand=["project", "batch"])
        batch = await client.v2.get_batch(batch_id="b1")
    assert task.project_id == "p1" and task.batch_id == "b1"
    assert task["new_field"] == [1] and task.to_dict() == expanded
    assert task.status is V2TaskStatus.PENDING
    assert batch.status is V2BatchStatus.CANCELLED and batch.project_id == "p1"


def test_basic_auth_stays_on_v1() -> None:
    # The v1 surface keeps Basic; the Bearer form is a registered secret too.
    token = base64.b64encode(f"{KEY}:".encode()).decode()
    with respx.mock:
        route = respx.get(url__startswith=f"{HOST}/v1/task/").mock(
            return_value=httpx.Response(404, json={"status_code": 404, "error": BEARER})
        )
        with Scale(KEY, max_retries=0) as scale, pytest.raises(labelkit.NotFoundError) as raised:
            scale.get_task("t1")
    assert route.calls.last.request.headers["authorization"] == f"Basic {token}"
    assert KEY not in str(raised.value)


@pytest.mark.anyio
async def test_what_the_official_client_sends_goes_to_the_server(client: AsyncScale) -> None:
    # scaleapi 2.18.4 sends these (StrictStr takes "", every id / name is Optional); the
    # spec gives no server rule for them, so the server's answer becomes the typed error.
    with respx.mock:
        task = respx.get(f"{HOST}/v2/task").mock(
            return_value=httpx.Response(400, json={"status_code": 400, "error": "bad task_id"})
        )
        batch = respx.get(f"{HOST}/v2/batch").mock(return_value=httpx.Response(200, json=BATCH))
        project = respx.get(f"{HOST}/v2/project").mock(
            return_value=httpx.Response(200, json=PROJECT)
        )
        tasks = respx.get(f"{HOST}/v2/tasks").mock(
            return_value=httpx.Response(200, json={"tasks": []})
        )
        posted = respx.post(url__regex=rf"{HOST}/v2/batch(/cancel|/metadata)?$").mock(
            return_value=httpx.Response(200, json=BATCH)
        )
        with pytest.raises(labelkit.BadRequestError, match="bad task_id"):
            await client.v2.get_task(task_id="")
        await client.v2.get_batch()
        await client.v2.get_project()
        await client.v2.get_tasks(project_name="", next_token="")
        await client.v2.create_batch({"name": "n"})
        await client.v2.cancel_batch({})
        await client.v2.set_batch_metadata({"metadata": {}})
    assert task.calls.last.request.url.query == b"task_id="
    assert batch.calls.last.request.url.query == b""
    assert project.calls.last.request.url.query == b""
    assert query_of(tasks.calls.last.request) == Counter([("project_name", ""), ("next_token", "")])
    assert [(c.request.url.path, json.loads(c.request.content)) for c in posted.calls] == [
        ("/v2/batch", {"name": "n", "staging_batch": False}),
        ("/v2/batch/cancel", {}),
        ("/v2/batch/metadata", {"metadata": {}, "merge": False}),
    ]
