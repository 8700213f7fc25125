"""``None`` where the official SDK takes it: sent as the SDK sends it, never refused.

The SDK's query builder drops ``None`` values (wire reference 1.5: "Keys whose value is
``None`` are dropped"; section 4: ``offset`` and ``limit`` are omitted "when 0/None"), and
its bodies either drop ``None`` (training and auto-annotation jobs: "``None`` values
removed"; flags sent "only if true") or send it as ``null`` (keys sent "always"). A call
such as ``get_image_tasks(project, offset=offset, limit=None)`` therefore works with the
SDK and must work the same way here instead of failing the argument type check."""

from __future__ import annotations

import json
import pathlib
import typing

import pytest
import respx

from labelkit.fastlabel import AsyncFastLabel

BASE = "https://fl.test/v1/"

pytestmark = pytest.mark.anyio


@pytest.fixture
def client() -> AsyncFastLabel:
    return AsyncFastLabel("fl-token", base_url=BASE, max_retries=0, rate_limit=None)


#: Every non-task listing with ``offset``/``limit``: method, leading arguments, answer.
LISTINGS: list[tuple[str, tuple[str, ...], object]] = [
    ("get_appendix_data", ("p",), []),
    ("get_task_appendix_data", ("p",), []),
    ("get_annotations", ("p",), []),
    ("get_metadatas", (), []),
    ("get_task_comments", ("p", "t"), []),
    ("get_project_comments", ("p",), []),
    ("get_projects", (), []),
    ("get_project_id_slug_map", (), {}),
    ("get_tags", ("p",), []),
    ("get_dataset_objects", ("d",), []),
    ("get_training_jobs", (), []),
    ("get_evaluation_jobs", (), []),
    ("get_auto_annotation_jobs", ("p",), []),
    ("get_workspace_users", (), []),
    ("get_task_id_name_map", ("p",), {}),
    ("get_histories", ("p",), []),
]


@pytest.mark.parametrize(("call", "args", "answer"), LISTINGS, ids=[c[0] for c in LISTINGS])
async def test_listing_limit_and_offset_none_are_left_out(
    client: AsyncFastLabel, call: str, args: tuple[str, ...], answer: object
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route().respond(json=answer)
        await getattr(client, call)(*args, offset=None, limit=None)
    params = route.calls.last.request.url.params
    assert "offset" not in params and "limit" not in params


def _body(route: respx.Route) -> dict[str, typing.Any]:
    body: dict[str, typing.Any] = json.loads(route.calls.last.request.content)
    return body


async def test_create_project_none_options(client: AsyncFastLabel) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("projects").respond(json="p1")
        await client.create_project("image_bbox", "Dogs", "dogs", None, None, None, None)
    # isPixel / jobSize only when truthy; workflow and externalWorkflow always (null).
    assert _body(route) == {
        "type": "image_bbox",
        "name": "Dogs",
        "slug": "dogs",
        "workflow": None,
        "externalWorkflow": None,
    }


async def test_create_task_comment_none_defaults_are_sent_as_null(
    client: AsyncFastLabel,
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("comments").respond(json={"id": "c1"})
        await client.create_task_comment(
            "t1", [1, 2], "hi", type=None, scale=None, frame=None, is_resolved=None
        )
    assert _body(route) == {
        "taskId": "t1",
        "points": [1, 2],
        "text": "hi",
        "type": None,
        "isResolved": None,
        "scale": None,
        "frame": None,
    }


async def test_create_task_from_aws_s3_none_is_sent_as_null(client: AsyncFastLabel) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("tasks/aws-s3").respond(json={"id": "h1", "status": "running"})
        await client.create_task_from_aws_s3("proj", None, ["a"], None)
    assert _body(route) == {"project": "proj", "status": None, "tags": ["a"], "priority": None}


async def test_execute_training_job_drops_none(client: AsyncFastLabel) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("trainings").respond(json={"trainingJobId": "tj1"})
        await client.execute_training_job(
            "ds", "m", 3, use_dataset_train_val=None, instance_type=None, annotation_value=None
        )
    assert _body(route) == {"datasetName": "ds", "baseModelName": "m", "epoch": 3}


async def test_execute_auto_annotation_job_drops_none(client: AsyncFastLabel) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("auto-annotations").respond(json={"id": "aa1"})
        await client.execute_auto_annotation_job(
            "proj", "m", None, None, None, None, None, None, None
        )
    assert _body(route) == {"project": "proj", "modelName": "m"}


async def test_execute_evaluation_job_none_thresholds_go_to_the_server(
    client: AsyncFastLabel,
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("evaluations").respond(json={"id": "ev1"})
        await client.execute_evaluation_job("ds", "m", None, None, None, None)
    assert _body(route) == {
        "modelName": "m",
        "datasetName": "ds",
        "iouThreshold": None,
        "confidenceThreshold": None,
        "useDatasetTest": None,
    }


async def test_is_delete_exif_none_is_left_out(
    client: AsyncFastLabel, tmp_path: pathlib.Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG fake")
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("tasks/image").respond(json="t1")
        await client.create_image_task("proj", "a.png", image, is_delete_exif=None)
    assert "isDeleteExif" not in _body(route)


@pytest.mark.parametrize(
    ("call", "args", "path"),
    [
        ("get_image_tasks", ("p",), "tasks/image"),
        ("get_robotics_tasks", ("p",), "tasks/robotics"),
        ("get_projects", (), "projects"),
        ("get_dataset_objects", ("d",), "dataset-revision-objects"),
    ],
)
async def test_negative_paging_goes_to_the_server(
    client: AsyncFastLabel, call: str, args: tuple[str, ...], path: str
) -> None:
    # Section 4: the SDK checks only an upper bound; other values are the server's to judge.
    with respx.mock(base_url=BASE) as mock:
        route = mock.get(path).respond(json=[])
        await getattr(client, call)(*args, offset=-5, limit=-1)
    params = route.calls.last.request.url.params
    assert (params["offset"], params["limit"]) == ("-5", "-1")
