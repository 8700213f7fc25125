"""Scale calls as the official scaleapi 2.18.4 client makes them, checked on the wire: the
official positional forms, the keys it leaves out, the values it lets through and its headers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

import labelkit
import labelkit.scale as scale_names
from labelkit.scale import (
    AsyncScale,
    CreateBatchRequest,
    Scale,
    TaskReviewStatus,
    TaskStatus,
    TaskType,
)

HOST = "https://api.scale.com"
BASE = f"{HOST}/v1"
KEY = "live_0123456789abcdef0123456789abcdef"
TID = "5f127f6f26831d0010e985e5"
TASK = {"task_id": TID, "type": "imageannotation", "status": "pending", "project": "p"}
PAGE = {"docs": [TASK], "total": 7, "limit": 1, "offset": 0, "has_more": False}
BATCH = {"name": "b", "project": "p", "status": "staging", "metadata": {}}


@pytest.fixture
def client() -> AsyncScale:
    return AsyncScale(KEY, max_retries=0)


def query_of(request: httpx.Request) -> list[tuple[str, str]]:
    return sorted(parse_qsl(request.url.query.decode(), keep_blank_values=True))


@pytest.mark.anyio
async def test_get_tasks_and_count_take_the_official_positional_arguments(
    client: AsyncScale,
) -> None:
    # scaleapi: get_tasks(project_name, batch_name, task_type, status, review_status,
    # unique_id, ...) and get_tasks_count(...) accept every argument positionally.
    with respx.mock:
        route = respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=PAGE))
        listed = client.get_tasks(
            "p", None, TaskType.ImageAnnotation, TaskStatus.Completed, TaskReviewStatus.Accepted
        )
        assert [t.task_id async for t in listed] == [TID]
        count = await client.get_tasks_count(
            None, "b", None, TaskStatus.Pending, None, ["u1", "u2"], include_attachment_url=False
        )
    assert count == 7
    assert query_of(route.calls[0].request) == [
        ("customer_review_status", "accepted"),
        ("include_attachment_url", "true"),
        ("project", "p"),
        ("status", "completed"),
        ("type", "imageannotation"),
    ]
    assert query_of(route.calls[1].request) == [
        ("batch", "b"),
        ("include_attachment_url", "false"),
        ("limit", "1"),
        ("status", "pending"),
        ("unique_id", "u1"),
        ("unique_id", "u2"),
    ]


def test_sync_get_tasks_takes_positional_filters() -> None:
    with respx.mock, Scale(KEY, max_retries=0) as scale:
        route = respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=PAGE))
        assert [t.task_id for t in scale.get_tasks("p", "b", "imageannotation")] == [TID]
        assert scale.get_tasks_count("p", None, None, "completed") == 7
    assert ("type", "imageannotation") in query_of(route.calls[0].request)
    assert ("status", "completed") in query_of(route.calls[1].request)


@pytest.mark.anyio
async def test_get_tasks_leaves_out_the_empty_filters_the_official_sdk_leaves_out(
    client: AsyncScale,
) -> None:
    # The official client sends status / type / customer_review_status /
    # limited_response / limit only when truthy: limited_response=False and limit=0
    # are not sent (nor refused), review_status=[] sends no empty value.
    with respx.mock:
        route = respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=PAGE))
        listed = client.get_tasks(
            "p", task_type="", status=None, review_status=[], limited_response=False, limit=0
        )
        assert [t.task_id async for t in listed] == [TID]
        await client.get_tasks_count("p", review_status=[])
    assert query_of(route.calls[0].request) == [
        ("include_attachment_url", "true"),
        ("project", "p"),
    ]
    assert query_of(route.calls[1].request) == [
        ("include_attachment_url", "true"),
        ("limit", "1"),
        ("project", "p"),
    ]


@pytest.mark.anyio
async def test_v1_requests_send_json_content_type_even_without_a_body(client: AsyncScale) -> None:
    # The official client sends Content-Type: application/json on every v1 request.
    with respx.mock:
        respx.get(f"{BASE}/task/{TID}").mock(return_value=httpx.Response(200, json=TASK))
        respx.post(f"{BASE}/task/{TID}/cancel").mock(return_value=httpx.Response(200, json=TASK))
        respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=PAGE))
        respx.post(f"{BASE}/batches/b/finalize").mock(return_value=httpx.Response(200, json=BATCH))
        respx.post(f"{BASE}/studio/batches/reset_priorities").mock(
            return_value=httpx.Response(200, json=[])
        )
        await client.get_task(TID)
        await client.cancel_task(TID)
        await client.tasks(project="p")
        await client.finalize_batch("b")
        await client.reset_studio_batches_priorities()
        sent = [call.request for call in respx.calls]
    assert len(sent) == 5
    assert [r.headers.get("content-type") for r in sent] == ["application/json"] * 5
    assert [r.content for r in sent] == [b""] * 5


@pytest.mark.anyio
async def test_none_metadata_and_callback_go_out_as_null(client: AsyncScale) -> None:
    # scaleapi sends create_task(metadata=None) and create_batch(callback=None) as JSON null.
    with respx.mock:
        created = respx.post(f"{BASE}/task/imageannotation").mock(
            return_value=httpx.Response(200, json=TASK)
        )
        batch = respx.post(f"{BASE}/batches").mock(return_value=httpx.Response(200, json=BATCH))
        await client.create_task(TaskType.ImageAnnotation, project="p", metadata=None)
        await client.create_batch("p", "b", None)
    assert json.loads(created.calls.last.request.content) == {"project": "p", "metadata": None}
    assert json.loads(batch.calls.last.request.content) == {
        "project": "p",
        "name": "b",
        "calibration_batch": False,
        "self_label_batch": False,
        "callback": None,
        "metadata": {},
    }
    # create_task's fields go out as given (the server validates them; scaleapi 0.2.16
    # dropped its client-side whitelist): a metadata that is no object, a tags string.
    with respx.mock:
        bad = respx.post(f"{BASE}/task/imageannotation").mock(
            return_value=httpx.Response(400, json={"error": "metadata must be an object"})
        )
        with pytest.raises(labelkit.BadRequestError, match="metadata must be an object"):
            await client.create_task("imageannotation", metadata="x", tags="a")
    assert json.loads(bad.calls.last.request.content) == {"metadata": "x", "tags": "a"}


@pytest.mark.anyio
async def test_v2_body_strings_may_be_empty_as_in_the_official_models(client: AsyncScale) -> None:
    # The official request models' fields are StrictStr: "" is sent, a non-string refused.
    with respx.mock:
        route = respx.post(f"{HOST}/v2/batch").mock(
            return_value=httpx.Response(
                200,
                json={"id": "b1", "name": "b", "project": "p1", "status": "staging"},
            )
        )
        await client.v2.create_batch(CreateBatchRequest(name="b", project_name="p", callback=""))
    assert json.loads(route.calls.last.request.content) == {
        "name": "b",
        "project_name": "p",
        "callback": "",
        "staging_batch": False,
    }
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(labelkit.ValidationError, match="callback"):
            await client.v2.create_batch({"name": "b", "project_name": "p", "callback": 1})
    assert not mock.calls


@pytest.mark.anyio
async def test_results_have_the_official_accessors(client: AsyncScale) -> None:
    # What the official objects offer and ported code reads: Tasklist/Batchlist.docs,
    # Project.version/.instruction, TaskTemplate's getters, the official class names.
    project = {"name": "p", "type": "chat", "param_history": [{"version": 3, "instruction": "x"}]}
    template = {"id": "tt", "version": 1, "template_variables": {"a": 1}, "response_schema": None}
    batches = {"docs": [BATCH], "totalDocs": 1, "limit": 1, "offset": 0, "has_more": False}
    with respx.mock:
        respx.get(f"{BASE}/tasks").mock(return_value=httpx.Response(200, json=PAGE))
        respx.get(f"{BASE}/batches").mock(return_value=httpx.Response(200, json=batches))
        respx.get(f"{BASE}/projects/p").mock(return_value=httpx.Response(200, json=project))
        respx.get(f"{BASE}/projects/p/taskTemplates").mock(
            return_value=httpx.Response(200, json=template)
        )
        tasks = await client.tasks()
        listed = await client.batches()
        got = await client.get_project("p")
        tmpl = await client.get_project_template("p")
    assert [t.id for t in tasks.docs] == [TID] and isinstance(tasks.docs, list)
    assert [b.name for b in listed.docs] == ["b"]
    assert (got.version, got.instruction) == (3, "x")
    assert tmpl.get_template_variables() == {"a": 1}
    assert tmpl.is_auto_onboardable() is False and tmpl.get_response_schema() is None
    assert scale_names.TeammateRole.Labeler == "labeler"
    assert scale_names.Teammate is scale_names.TeamMember
    assert scale_names.EvaluationTask is scale_names.TrainingTask is scale_names.QualityTask


def test_official_constructor_source_and_proxies() -> None:
    # ScaleClient(api_key, source=..., proxies={"https"/"http": url}): the source ends the
    # User-Agent and the requests go through the proxy (here a local server that answers).
    seen: list[tuple[str, str | None]] = []

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("User-Agent")))
            out = json.dumps(TASK).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proxies = {"http": f"http://127.0.0.1:{server.server_address[1]}"}
        with Scale(
            KEY, base_url="http://scale.invalid", source="my-app/2", proxies=proxies, max_retries=0
        ) as scale:
            assert scale.get_task(TID).task_id == TID
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert len(seen) == 1
    assert seen[0][0] == f"http://scale.invalid/v1/task/{TID}"
    assert seen[0][1] is not None and seen[0][1].endswith(" my-app/2")
    with pytest.raises(labelkit.ValidationError, match="proxies"):
        AsyncScale(KEY, proxy="http://127.0.0.1:9", proxies={"https": "http://127.0.0.1:8"})


@pytest.mark.anyio
async def test_get_batches_leaves_out_an_empty_status(client: AsyncScale) -> None:
    batches = {"docs": [BATCH], "totalDocs": 1, "limit": 1, "offset": 0, "has_more": False}
    with respx.mock:
        route = respx.get(f"{BASE}/batches").mock(return_value=httpx.Response(200, json=batches))
        assert [b.name async for b in client.get_batches("p", "")] == ["b"]
    assert query_of(route.calls.last.request) == [
        ("exclude_archived", "false"),
        ("offset", "0"),
        ("project", "p"),
    ]


@pytest.mark.anyio
async def test_studio_assignments_are_the_official_assignment_objects(client: AsyncScale) -> None:
    with respx.mock:
        respx.get(f"{BASE}/studio/assignments").mock(
            return_value=httpx.Response(200, json={"a@b.c": ["p1", "p2"]})
        )
        assignments = await client.list_studio_assignments()
    one = assignments["a@b.c"]
    assert isinstance(one, scale_names.StudioLabelerAssignment)
    assert (one.email, one.assigned_projects, one.as_dict()) == (
        "a@b.c",
        ["p1", "p2"],
        ["p1", "p2"],
    )
    assert assignments == {"a@b.c": ["p1", "p2"]}  # still the lists it always was


@pytest.mark.anyio
async def test_any_task_key_reads_as_an_attribute(client: AsyncScale) -> None:
    # The official Task falls back to its JSON for any attribute (task.audits ...).
    body = {**TASK, "audits": [{"accepted": True}], "customer_review_status": "accepted"}
    with respx.mock:
        respx.get(f"{BASE}/task/{TID}").mock(return_value=httpx.Response(200, json=body))
        task = await client.get_task(TID)
    assert task.audits == [{"accepted": True}]
    assert task.customer_review_status == "accepted"
    with pytest.raises(AttributeError, match="no_such_key"):
        task.no_such_key  # noqa: B018


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:`verify=<str>` is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:`cert=...` is deprecated:DeprecationWarning")
async def test_constructor_takes_the_official_arguments_positionally() -> None:
    # scaleapi 2.18.4: ScaleClient(api_key, source, api_instance_url, verify, proxies, cert).
    with respx.mock:
        route = respx.get(f"http://127.0.0.1:9/v1/task/{TID}").mock(
            return_value=httpx.Response(200, json=TASK)
        )
        async with AsyncScale(KEY, "my-app/2", "http://127.0.0.1:9/v1", None, None, None) as c:
            await c.get_task(TID)
    assert route.calls.last.request.headers["User-Agent"].endswith(" my-app/2")
    with pytest.raises(FileNotFoundError):  # verify, 4th: a CA bundle that is not there
        AsyncScale(KEY, None, None, "/nonexistent/ca.pem")
    with pytest.raises(FileNotFoundError):  # cert, 6th: a client certificate that is not there
        AsyncScale(KEY, None, None, None, None, "/nonexistent/client.pem")
    with pytest.raises(labelkit.ValidationError, match="proxies"):  # proxies, 5th
        AsyncScale(KEY, None, None, None, {"https": "http://127.0.0.1:8"}, proxy="http://x:1")


def test_sync_constructor_takes_the_official_arguments_positionally() -> None:
    with respx.mock:
        route = respx.get(f"http://127.0.0.1:9/v1/task/{TID}").mock(
            return_value=httpx.Response(200, json=TASK)
        )
        with Scale(KEY, "my-app/2", "http://127.0.0.1:9/v1", False, None, None) as scale:
            assert scale.get_task(TID).task_id == TID
    assert route.calls.last.request.headers["User-Agent"].endswith(" my-app/2")
