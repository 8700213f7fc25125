"""FastLabel non-task areas on the wire: one respx case per method, validation, paging, waits.

Covers appendix, annotation classes, metadata, comments, projects, tags,
datasets, dataset objects, model jobs and workspace users (sections 6.3-6.12).
"""

from __future__ import annotations

import base64
import datetime
import json
import pathlib
import typing

import attrs
import httpx
import pytest
import respx
from trio.testing import MockClock

from labelkit import JobFailedError, ValidationError
from labelkit._config import PollPolicy
from labelkit._providers.fastlabel._annotations import AnnotationClassesMixin
from labelkit._providers.fastlabel._appendix import AppendixDataMixin
from labelkit._providers.fastlabel._comments import CommentsMixin
from labelkit._providers.fastlabel._dataset_models import Dataset, DatasetObject
from labelkit._providers.fastlabel._datasets import DatasetsMixin
from labelkit._providers.fastlabel._job_models import (
    AutoAnnotationJob,
    EndpointResult,
    EvaluationJob,
    TrainingJob,
)
from labelkit._providers.fastlabel._jobs import IgnoredArgumentWarning, ModelJobsMixin
from labelkit._providers.fastlabel._project_models import (
    AnnotationClass,
    AppendixData,
    Comment,
    CommentThread,
    MetadataDefinition,
    Project,
    Tag,
    WorkspaceUser,
)
from labelkit._providers.fastlabel._projects import ProjectsMixin
from labelkit._providers.fastlabel._workspace import WorkspaceMixin

BASE = "https://api.fastlabel.ai/v1/"
TOKEN = "fl-secret-token-0123456789"

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)


class _Client(
    AppendixDataMixin,
    AnnotationClassesMixin,
    CommentsMixin,
    ProjectsMixin,
    DatasetsMixin,
    ModelJobsMixin,
    WorkspaceMixin,
):
    """The areas of this file without the task mixins (AsyncFastLabel has them all)."""


@pytest.fixture
def client() -> _Client:
    return _Client(TOKEN, rate_limit=None, max_retries=0)


@pytest.fixture
def image(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "dog.png"
    path.write_bytes(b"\x89PNG fake image bytes \x00\x01\x02")
    return path


@pytest.fixture
def config_yaml(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"lr: 0.01\nepochs: 3\n")
    return path


def b64(path: pathlib.Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


@attrs.frozen
class Case:
    """One call and what it must put on the wire."""

    call: str
    args: tuple[typing.Any, ...]
    kwargs: dict[str, typing.Any]
    method: str
    path: str
    query: list[tuple[str, str]] = attrs.field(factory=list)
    body: typing.Any = None  # None: no body at all
    response: typing.Any = None  # None: empty 200
    expect: typing.Any = None  # a type the result must be, or an exact value


PROJECT = {"id": "p1", "type": "image_bbox", "slug": "dogs", "name": "Dogs", "jobSize": 10}
ANNOTATION = {"id": "a1", "type": "bbox", "value": "cat", "title": "Cat", "attributes": []}
COMMENT = {"id": "c1", "taskId": "t1", "text": "hi", "threads": [{"id": "th1", "text": "hi"}]}
THREAD = {"id": "th1", "text": "hi", "comment": {"id": "c1", "taskId": "t1"}}
DATASET = {"id": "d1", "name": "dogs", "tags": ["a"], "visibility": "workspace"}
OBJECT = {"name": "a/b c.jpg", "size": 3, "tags": [], "annotations": [], "customMetadata": {}}
TRAINING = {"trainingJobId": "tj1", "status": "in_progress", "epoch": 3}
EVALUATION = {"id": "ev1", "status": "in_progress", "mAP": 0.5}
AUTO = {"id": "aa1", "status": "in_progress", "modelName": "m"}
USER = {"id": "u1", "userEmail": "a@example.com", "role": "member"}
APPENDIX = {"id": "x1", "url": "https://s/x.png", "format": "yml", "calibration": {"fx": 1}}

CASES = [
    # -- appendix --------------------------------------------------------------------
    Case(
        "get_appendix_data",
        ("proj",),
        dict(
            status="completed",
            external_status="approved",
            tags=["a", "b c"],
            task_name="t",
            offset=5,
            limit=200,
        ),
        "GET",
        "/v1/contents/export/appendix",
        [
            ("project", "proj"),
            ("status", "completed"),
            ("externalStatus", "approved"),
            ("tags", "a"),
            ("tags", "b c"),
            ("taskName", "t"),
            ("offset", "5"),
            ("limit", "200"),
        ],
        response=[APPENDIX],
        expect=AppendixData,
    ),
    Case(
        "get_appendix_data",
        ("proj",),
        dict(tags=[], offset=0),
        "GET",
        "/v1/contents/export/appendix",
        [("project", "proj"), ("limit", "10000")],
        response=[],
        expect=[],
    ),
    Case(
        "get_task_appendix_data",
        ("proj",),
        dict(task_name="t", offset=0, limit=10),
        "GET",
        "/v1/tasks/appendix",
        [("project", "proj"), ("taskName", "t"), ("limit", "10")],
        response=[APPENDIX],
        expect=AppendixData,
    ),
    # -- annotation classes ----------------------------------------------------------
    Case(
        "find_annotation",
        ("a/1",),
        {},
        "GET",
        "/v1/annotations/a%2F1",
        response=ANNOTATION,
        expect=AnnotationClass,
    ),
    Case(
        "get_annotations",
        ("proj",),
        dict(value="cat", offset=10, limit=1000),
        "GET",
        "/v1/annotations",
        [("project", "proj"), ("value", "cat"), ("offset", "10"), ("limit", "1000")],
        response=[ANNOTATION],
        expect=AnnotationClass,
    ),
    Case(
        "get_annotations",
        ("proj",),
        {},
        "GET",
        "/v1/annotations",
        [("project", "proj"), ("limit", "10")],
        response=[],
        expect=[],
    ),
    Case(
        "create_annotation",
        ("proj", "bbox", "cat", "Cat"),
        {},
        "POST",
        "/v1/annotations",
        body={"project": "proj", "type": "bbox", "value": "cat", "title": "Cat"},
        response="a1",
        expect="a1",
    ),
    Case(
        "create_annotation",
        ("proj", "bbox", "cat", "Cat"),
        dict(
            color="#FF0000", order=0, attributes=[{"type": "text", "key": "k"}], max_area_count=None
        ),
        "POST",
        "/v1/annotations",
        body={
            "project": "proj",
            "type": "bbox",
            "value": "cat",
            "title": "Cat",
            "color": "#FF0000",
            "attributes": [{"type": "text", "key": "k"}],
            "maxAreaCount": None,
        },
        response={"id": "a1"},
        expect="a1",
    ),
    Case(
        "create_annotation",
        ("proj", "bbox", "cat", "Cat"),
        dict(order=2, max_area_count=5),
        "POST",
        "/v1/annotations",
        body={
            "project": "proj",
            "type": "bbox",
            "value": "cat",
            "title": "Cat",
            "order": 2,
            "maxAreaCount": 5,
        },
        response="a1",
        expect="a1",
    ),
    Case(
        "create_classification_annotation",
        ("proj", [{"type": "radio", "key": "k", "options": []}]),
        {},
        "POST",
        "/v1/annotations/classification",
        body={"project": "proj", "attributes": [{"type": "radio", "key": "k", "options": []}]},
        response="a2",
        expect="a2",
    ),
    Case(
        "update_annotation",
        ("a1",),
        dict(title="Cat2", order=0),
        "PUT",
        "/v1/annotations/a1",
        body={"title": "Cat2"},
        response="a1",
        expect="a1",
    ),
    Case(
        "update_annotation",
        ("a1",),
        dict(max_area_count=None),
        "PUT",
        "/v1/annotations/a1",
        body={"maxAreaCount": None},
        response="a1",
        expect="a1",
    ),
    Case(
        "update_classification_annotation",
        ("a2",),
        dict(attributes=[{"id": "x", "type": "radio"}]),
        "PUT",
        "/v1/annotations/classification/a2",
        body={"attributes": [{"id": "x", "type": "radio"}]},
        response="a2",
        expect="a2",
    ),
    Case("delete_annotation", ("a1",), {}, "DELETE", "/v1/annotations/a1"),
    # -- metadata --------------------------------------------------------------------
    Case(
        "get_metadatas",
        (),
        {},
        "GET",
        "/v1/metadatas",
        [("limit", "100")],
        response=[{"id": "m1", "key": "k", "type": "text", "isRequired": True}],
        expect=MetadataDefinition,
    ),
    Case(
        "get_metadatas",
        ("proj",),
        dict(offset=3, limit=7),
        "GET",
        "/v1/metadatas",
        [("project", "proj"), ("offset", "3"), ("limit", "7")],
        response=[],
        expect=[],
    ),
    # -- comments --------------------------------------------------------------------
    Case(
        "get_task_comments",
        ("proj", "t1"),
        dict(offset=0),
        "GET",
        "/v1/comments",
        [("project", "proj"), ("taskId", "t1"), ("offset", "0"), ("limit", "100")],
        response=[COMMENT],
        expect=Comment,
    ),
    Case(
        "get_project_comments",
        ("proj",),
        dict(
            status="completed",
            external_status="approved",
            tags=["a", "b"],
            issue_category_id="ic",
            offset=0,
            limit=50,
        ),
        "GET",
        "/v1/comments/threads",
        [
            ("project", "proj"),
            ("taskStatus", "completed"),
            ("taskExternalStatus", "approved"),
            ("taskTags", "a"),
            ("taskTags", "b"),
            ("issueCategoryId", "ic"),
            ("offset", "0"),
            ("limit", "50"),
        ],
        response=[THREAD],
        expect=CommentThread,
    ),
    Case(
        "create_task_comment",
        (),
        dict(
            task_id="t1",
            points=[1, 2],
            text="look",
            content_name="c1.jpg",
            priority=20,
            color="#00FF00",
        ),
        "POST",
        "/v1/comments",
        body={
            "taskId": "t1",
            "points": [1, 2],
            "text": "look",
            "type": "text",
            "isResolved": False,
            "scale": 0,
            "frame": 0,
            "contentName": "c1.jpg",
            "priority": 20,
            "color": "#00FF00",
        },
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "create_task_comment",
        (),
        dict(task_id="t1", text="none", priority=0),
        "POST",
        "/v1/comments",
        body={
            "taskId": "t1",
            "points": None,
            "text": "none",
            "type": "text",
            "isResolved": False,
            "scale": 0,
            "frame": 0,
            "priority": 0,  # sent when not None, as the SDK: 0 is "none"
        },
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "create_task_comment",
        (),
        dict(task_id="t1", text=None, is_resolved=True, frame=3),
        "POST",
        "/v1/comments",
        body={
            "taskId": "t1",
            "points": None,
            "text": None,
            "type": "text",
            "isResolved": True,
            "scale": 0,
            "frame": 3,
        },
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "create_task_comment",
        (),
        dict(comment_id="c/1", text="reply", task_id="ignored"),
        "POST",
        "/v1/comments/c%2F1/threads",
        body={"text": "reply"},
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "update_task_comment",
        ("th1", "edited"),
        {},
        "PUT",
        "/v1/comments/threads/th1",
        body={"text": "edited"},
        response=COMMENT,
        expect=Comment,
    ),
    Case("delete_task_comment", ("th1",), {}, "DELETE", "/v1/comments/threads/th1"),
    # -- projects --------------------------------------------------------------------
    Case("find_project", ("p1",), {}, "GET", "/v1/projects/p1", response=PROJECT, expect=Project),
    Case(
        "get_projects",
        (),
        dict(slug="dogs", offset=100, limit=1000),
        "GET",
        "/v1/projects",
        [("slug", "dogs"), ("offset", "100"), ("limit", "1000")],
        response=[PROJECT],
        expect=Project,
    ),
    Case(
        "get_project_id_slug_map",
        (),
        dict(offset=0),
        "GET",
        "/v1/projects/map/id-slug",
        [("limit", "1000")],
        response={"p1": "dogs"},
        expect={"p1": "dogs"},
    ),
    Case(
        "create_project",
        ("image_bbox", "Dogs", "dogs"),
        {},
        "POST",
        "/v1/projects",
        body={
            "type": "image_bbox",
            "name": "Dogs",
            "slug": "dogs",
            "workflow": "two_step",
            "externalWorkflow": "two_step",
            "jobSize": 10,
        },
        response="p1",
        expect="p1",
    ),
    Case(
        "create_project",
        ("image_bbox", "Dogs", "dogs"),
        dict(is_pixel=True, job_size=0, workflow="three_step"),
        "POST",
        "/v1/projects",
        body={
            "type": "image_bbox",
            "name": "Dogs",
            "slug": "dogs",
            "workflow": "three_step",
            "externalWorkflow": "two_step",
            "isPixel": True,
        },
        response="p1",
        expect="p1",
    ),
    Case(
        "update_project",
        ("p1",),
        dict(name="New", job_size=20, slug=""),
        "PUT",
        "/v1/projects/p1",
        body={"name": "New", "jobSize": 20},
        response="p1",
        expect="p1",
    ),
    Case("delete_project", ("p1",), {}, "DELETE", "/v1/projects/p1"),
    Case(
        "copy_project",
        ("p1",),
        {},
        "POST",
        "/v1/projects/copy",
        body={"id": "p1"},
        response="p2",
        expect="p2",
    ),
    Case(
        "copy_project",
        ("p1", "Copy", "copy"),
        {},
        "POST",
        "/v1/projects/copy",
        body={"id": "p1", "name": "Copy", "slug": "copy"},
        response="p2",
        expect="p2",
    ),
    Case(
        "update_project_metadata",
        ("p1",),
        dict(external_code_1="A"),
        "PUT",
        "/v1/projects/p1/metadata",
        body={"externalCode1": "A", "externalCode2": None, "externalCode3": None},
        response="p1",
        expect="p1",
    ),
    Case(
        "update_project_user_permission",
        ("dogs", "a@example.com", "reviewer"),
        {},
        "PUT",
        "/v1/projects-users",
        body={"project": "dogs", "email": "a@example.com", "role": "reviewer"},
        response={"ok": True},
        expect={"ok": True},
    ),
    # -- tags ------------------------------------------------------------------------
    Case(
        "get_tags",
        ("proj",),
        dict(keyword="dog", offset=2000, limit=1000),
        "GET",
        "/v1/tags",
        [("project", "proj"), ("keyword", "dog"), ("offset", "2000"), ("limit", "1000")],
        response=[{"id": "tag1", "name": "dog", "order": 1}],
        expect=Tag,
    ),
    Case(
        "delete_tags",
        (["tag1", "tag2"],),
        {},
        "POST",
        "/v1/tags/delete/multi",
        body={"tagIds": ["tag1", "tag2"]},
        response={"deleted": 2},
        expect=None,
    ),
    # -- datasets --------------------------------------------------------------------
    Case(
        "find_dataset", ("d1",), {}, "GET", "/v1/datasets-v2/d1", response=DATASET, expect=Dataset
    ),
    Case(
        "get_datasets",
        (),
        dict(keyword="dog", tags=["a", "b"], license="MIT", visibility="public"),
        "GET",
        "/v1/datasets-v2",
        [
            ("keyword", "dog"),
            ("tags", "a"),
            ("tags", "b"),
            ("license", "MIT"),
            ("visibility", "public"),
        ],
        response=[DATASET],
        expect=Dataset,
    ),
    Case("get_datasets", (), {}, "GET", "/v1/datasets-v2", response=[], expect=[]),
    Case(
        "create_dataset",
        ("dogs-1",),
        dict(tags=["a"], visibility="workspace"),
        "POST",
        "/v1/datasets-v2",
        body={"name": "dogs-1", "tags": ["a"], "visibility": "workspace"},
        response=DATASET,
        expect=Dataset,
    ),
    Case(
        "update_dataset",
        ("d1",),
        dict(tags=[]),
        "PUT",
        "/v1/datasets-v2/d1",
        body={"tags": []},
        response=DATASET,
        expect=Dataset,
    ),
    Case(
        "update_dataset",
        ("d1", "renamed"),
        {},
        "PUT",
        "/v1/datasets-v2/d1",
        body={"name": "renamed"},
        response=DATASET,
        expect=Dataset,
    ),
    Case("delete_dataset", ("d1",), {}, "DELETE", "/v1/datasets-v2/d1"),
    # -- dataset objects -------------------------------------------------------------
    Case(
        "find_dataset_object",
        ("d1", "a/b c.jpg"),
        dict(version="v1"),
        "GET",
        "/v1/dataset-revision-objects/datasets/d1/objects/a%2Fb%20c.jpg",
        [("version", "v1")],
        response=OBJECT,
        expect=DatasetObject,
    ),
    Case(
        "find_dataset_object",
        ("d1", "x.jpg"),
        dict(revision_id="rev12345"),
        "GET",
        "/v1/dataset-revision-objects/datasets/d1/objects/x.jpg",
        [("revisionId", "rev12345")],
        response=OBJECT,
        expect=DatasetObject,
    ),
    Case(
        "get_dataset_objects",
        ("dogs",),
        {},
        "GET",
        "/v1/dataset-revision-objects",
        [("datasetName", "dogs"), ("offset", "0"), ("limit", "1000")],
        response=[OBJECT],
        expect=DatasetObject,
    ),
    Case(
        "get_dataset_objects",
        ("dogs",),
        dict(
            tags=["a", "b"],
            licenses=["MIT"],
            revision_id="rev12345",
            types=["train", "valid"],
            offset=10,
            limit=5,
        ),
        "GET",
        "/v1/dataset-revision-objects",
        [
            ("datasetName", "dogs"),
            ("revisionId", "rev12345"),
            ("tags", "a"),
            ("tags", "b"),
            ("licenses", "MIT"),
            ("types", "train"),
            ("types", "valid"),
            ("offset", "10"),
            ("limit", "5"),
        ],
        response=[],
        expect=[],
    ),
    Case(
        "update_dataset_object",
        ("d1", "a/b c.jpg"),
        dict(tags=[], custom_metadata={}),
        "PUT",
        "/v1/dataset-revision-objects",
        body={"datasetId": "d1", "objectName": "a/b c.jpg", "tags": [], "customMetadata": {}},
        response=OBJECT,
        expect=DatasetObject,
    ),
    Case(
        "update_dataset_object",
        ("d1", "x.jpg"),
        dict(licenses=["MIT"], annotations=[{"type": "bbox", "value": "dog", "points": [0]}]),
        "PUT",
        "/v1/dataset-revision-objects",
        body={
            "datasetId": "d1",
            "objectName": "x.jpg",
            "licenses": ["MIT"],
            "annotations": [{"type": "bbox", "value": "dog", "points": [0]}],
        },
        response=OBJECT,
        expect=DatasetObject,
    ),
    Case(
        "delete_dataset_object",
        ("d1", "a/b c.jpg"),
        {},
        "DELETE",
        "/v1/dataset-revision-objects/datasets/d1/objects/a%2Fb%20c.jpg",
    ),
    # -- model jobs ------------------------------------------------------------------
    Case(
        "get_training_jobs",
        (),
        dict(offset=0),
        "GET",
        "/v1/trainings",
        [("limit", "100")],
        response=[TRAINING],
        expect=TrainingJob,
    ),
    Case(
        "find_training_job",
        ("tj1",),
        {},
        "GET",
        "/v1/trainings/tj1",
        response=TRAINING,
        expect=TrainingJob,
    ),
    Case(
        "execute_training_job",
        ("dogs", "fastlabel_object_detection_light", 300),
        {},
        "POST",
        "/v1/trainings",
        body={
            "datasetName": "dogs",
            "baseModelName": "fastlabel_object_detection_light",
            "epoch": 300,
            "useDatasetTrainVal": False,
            "instanceType": "ml.p3.2xlarge",
        },
        response=TRAINING,
        expect=TrainingJob,
    ),
    Case(
        "get_evaluation_jobs",
        (),
        {},
        "GET",
        "/v1/evaluations",
        [("limit", "1000")],
        response=[EVALUATION],
        expect=EvaluationJob,
    ),
    Case(
        "find_evaluation_job",
        ("ev1",),
        {},
        "GET",
        "/v1/evaluations/ev1",
        response=EVALUATION,
        expect=EvaluationJob,
    ),
    Case(
        "execute_evaluation_job",
        ("dogs", "fastlabel_object_detection_light"),
        dict(use_dataset_test=True, dataset_revision_id="rev12345"),
        "POST",
        "/v1/evaluations",
        body={
            "modelName": "fastlabel_object_detection_light",
            "datasetName": "dogs",
            "iouThreshold": 0.5,
            "confidenceThreshold": 0.4,
            "useDatasetTest": True,
            "datasetRevisionId": "rev12345",
        },
        response=EVALUATION,
        expect=EvaluationJob,
    ),
    Case(
        "get_auto_annotation_jobs",
        ("proj",),
        dict(offset=5),
        "GET",
        "/v1/auto-annotations",
        [("project", "proj"), ("offset", "5"), ("limit", "1000")],
        response=[AUTO],
        expect=AutoAnnotationJob,
    ),
    Case(
        "execute_auto_annotation_job",
        ("proj", "Computer Vision - 汎用"),
        {},
        "POST",
        "/v1/auto-annotations",
        body={
            "project": "proj",
            "modelName": "Computer Vision - 汎用",
            "updateExisting": False,
            "confidenceThreshold": 0.4,
            "useTTA": False,
            "useFlip": False,
            "processingSpeed": "low",
            "autoCreation": True,
        },
        response=AUTO,
        expect=AutoAnnotationJob,
    ),
    Case(
        "execute_auto_annotation_job",
        ("proj", "m"),
        dict(algorithm_type="ocr", use_tta=True, processing_speed="high", auto_creation=False),
        "POST",
        "/v1/auto-annotations",
        body={
            "project": "proj",
            "modelName": "m",
            "updateExisting": False,
            "confidenceThreshold": 0.4,
            "useTTA": True,
            "useFlip": False,
            "processingSpeed": "high",
            "autoCreation": False,
            "algorithmType": "ocr",
        },
        response=AUTO,
        expect=AutoAnnotationJob,
    ),
    Case(
        "create_model_monitoring_request_results",
        ("mon",),
        dict(
            results=[
                {
                    "status": "success",
                    "result": [{"value": "person", "confidenceScore": 0.92}],
                    "requestAt": "2023-05-08T12:10:53+09:00",
                }
            ]
        ),
        "POST",
        "/v1/model-monitorings/create",
        body={
            "name": "mon",
            "results": [
                {
                    "status": "success",
                    "result": [{"value": "person", "confidenceScore": 0.92}],
                    "requestAt": "2023-05-08T12:10:53+09:00",
                }
            ],
        },
        response={"count": 1},
        expect={"count": 1},
    ),
    # -- workspace -------------------------------------------------------------------
    Case(
        "get_workspace_users",
        (),
        {},
        "GET",
        "/v1/workspaces-users",
        [("limit", "20")],
        response=[USER],
        expect=WorkspaceUser,
    ),
    Case(
        "get_workspace_users",
        (),
        dict(keyword="", offset=0, limit=5),
        "GET",
        "/v1/workspaces-users",
        [("offset", "0"), ("limit", "5")],
        response=[],
        expect=[],
    ),
    Case(
        "create_workspace_user",
        ("Ann", "a@example.com", "ja", "member"),
        {},
        "POST",
        "/v1/workspaces-users/internal-users",
        body={"name": "Ann", "email": "a@example.com", "language": "ja", "role": "member"},
        response=USER,
        expect=WorkspaceUser,
    ),
    Case(
        "update_workspace_user",
        ("a@example.com", "owner"),
        {},
        "PUT",
        "/v1/workspaces-users/internal-users",
        body={"email": "a@example.com", "role": "owner"},
        response=USER,
        expect=WorkspaceUser,
    ),
    Case(
        "delete_workspace_user",
        ("a@example.com",),
        {},
        "PUT",
        "/v1/workspaces-users/internal-users",
        body={"email": "a@example.com", "role": "none"},
        response=USER,
        expect=None,
    ),
]


def _id(case: Case) -> str:
    return case.call


def assert_request(request: httpx.Request, case: Case) -> None:
    assert request.method == case.method
    assert request.url.raw_path.split(b"?")[0].decode() == case.path
    assert sorted(request.url.params.multi_items()) == sorted(case.query)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    if case.body is None:
        assert request.content == b""
    else:
        assert json.loads(request.content) == case.body


def assert_result(result: object, case: Case) -> None:
    if isinstance(case.expect, type):
        if isinstance(case.response, list):
            assert isinstance(result, list) and len(result) == len(case.response)
            assert all(isinstance(item, case.expect) for item in result)
            assert result[0].raw == case.response[0]  # type: ignore[attr-defined]
        else:
            assert isinstance(result, case.expect)
            assert result.raw == case.response  # type: ignore[attr-defined]
    else:
        assert result == case.expect


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=_id)
async def test_wire(client: _Client, case: Case) -> None:
    response = (
        httpx.Response(200) if case.response is None else httpx.Response(200, json=case.response)
    )
    with respx.mock(base_url=BASE) as mock:
        route = mock.route().mock(return_value=response)
        result = await getattr(client, case.call)(*case.args, **case.kwargs)
    assert route.call_count == 1
    assert_request(route.calls.last.request, case)
    assert_result(result, case)


# -- lookups built on lists ------------------------------------------------------------


@pytest.mark.anyio
async def test_find_annotation_by_value_prefers_exact_match(client: _Client) -> None:
    items = [{**ANNOTATION, "id": "a0", "value": "cat-big"}, ANNOTATION]
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("annotations").respond(json=items)
        found = await client.find_annotation_by_value("proj", "cat")
        assert found is not None and found.id == "a1"
        route.respond(json=[])
        assert await client.find_annotation_by_value("proj", "dog") is None
    assert sorted(route.calls[0].request.url.params.multi_items()) == [
        ("limit", "10"),
        ("project", "proj"),
        ("value", "cat"),
    ]


@pytest.mark.anyio
async def test_find_project_by_slug(client: _Client) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("projects").respond(json=[PROJECT])
        found = await client.find_project_by_slug("dogs")
        assert isinstance(found, Project) and found["jobSize"] == 10
        route.respond(json=[])
        assert await client.find_project_by_slug("cats") is None
    assert sorted(route.calls[0].request.url.params.multi_items()) == [
        ("limit", "100"),
        ("slug", "dogs"),
    ]


# -- bodies carrying files ---------------------------------------------------------------


@pytest.mark.anyio
async def test_create_dataset_object_streams_base64(client: _Client, image: pathlib.Path) -> None:
    metadata = {"key": "value"}
    annotations = [{"type": "bbox", "value": "dog", "points": [1, 2, 3, 4]}]
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("dataset-revision-objects").respond(json=OBJECT)
        result = await client.create_dataset_object(
            "dogs",
            "a/b c.jpg",
            image,
            tags=["dog"],
            licenses=["MIT"],
            annotations=annotations,
            custom_metadata=metadata,
        )
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert int(request.headers["content-length"]) == len(request.content)
    assert json.loads(request.content) == {
        "datasetName": "dogs",
        "objectName": "a/b c.jpg",
        "filePath": b64(image),
        "tags": ["dog"],
        "licenses": ["MIT"],
        "annotations": annotations,
        "customMetadata": metadata,
    }
    assert isinstance(result, DatasetObject) and result.name == "a/b c.jpg"


@pytest.mark.anyio
async def test_create_dataset_object_omits_empty_optionals(
    client: _Client, image: pathlib.Path
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("dataset-revision-objects").respond(json=OBJECT)
        await client.create_dataset_object("dogs", "x.png", str(image), tags=[], custom_metadata={})
    assert json.loads(route.calls.last.request.content) == {
        "datasetName": "dogs",
        "objectName": "x.png",
        "filePath": b64(image),
    }


@pytest.mark.anyio
async def test_execute_endpoint(client: _Client, image: pathlib.Path) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("model-endpoints/execute").respond(
            json={"json": {"boxes": []}, "file": "data:image/png;base64,AAAA"}
        )
        result = await client.execute_endpoint("my-endpoint", image)
    assert json.loads(route.calls.last.request.content) == {
        "modelEndpointName": "my-endpoint",
        "file": b64(image),
    }
    assert isinstance(result, EndpointResult) and result.json == {"boxes": []}


@pytest.mark.anyio
async def test_execute_training_job_all_options(client: _Client, config_yaml: pathlib.Path) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("trainings").respond(json=TRAINING)
        job = await client.execute_training_job(
            "dogs",
            "fastlabel_keypoint_rcnn",
            10,
            dataset_revision_id="rev12345",
            use_dataset_train_val=True,
            instance_type="ml.g4dn.xlarge",
            batch_size=8,
            learning_rate=0.001,
            resize_option="fixed",
            resize_dimension=1024,
            annotation_value="person",
            config_file_path=config_yaml,
        )
    assert json.loads(route.calls.last.request.content) == {
        "datasetName": "dogs",
        "baseModelName": "fastlabel_keypoint_rcnn",
        "epoch": 10,
        "useDatasetTrainVal": True,
        "instanceType": "ml.g4dn.xlarge",
        "datasetRevisionId": "rev12345",
        "batchSize": 8,
        "learningRate": 0.001,
        "resizeOption": "fixed",
        "resizeDimension": 1024,
        "configFile": b64(config_yaml),
        "annotationValue": "person",
    }
    assert job.id == "tj1"


@pytest.mark.anyio
async def test_training_config_may_have_any_file_name(
    client: _Client, tmp_path: pathlib.Path
) -> None:
    config = tmp_path / "train.cfg"  # the SDK and the API take any name
    config.write_bytes(b"epochs: 3\n")
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("trainings").respond(json=TRAINING)
        await client.execute_training_job("dogs", "m", 1, config_file_path=config)
    assert json.loads(route.calls.last.request.content)["configFile"] == b64(config)


# -- calls that make several requests ----------------------------------------------------


@pytest.mark.anyio
async def test_create_module_permissions_one_post_per_module(client: _Client) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method="POST").respond(json={"ok": True})
        result = await client.create_workspace_user_module_permissions(
            "a@example.com", ["annotation", "modelDev", "annotation"]
        )
    paths = [call.request.url.path for call in route.calls]
    assert paths == [
        "/v1/function-resource-permissions/annotation/internal-users",
        "/v1/function-resource-permissions/model-dev/internal-users",
    ]
    assert all(json.loads(c.request.content) == {"email": "a@example.com"} for c in route.calls)
    assert result == [{"ok": True}, {"ok": True}]


@pytest.mark.anyio
async def test_delete_module_permissions_sends_delete_with_json_body(client: _Client) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.delete("function-resource-permissions").respond(204)
        result = await client.delete_workspace_user_module_permissions(
            "a@example.com", ["dataset", "modelDev"]
        )
    assert result is None
    for call, resource in zip(route.calls, ["dataset", "modelDev"], strict=True):
        assert call.request.method == "DELETE"
        assert call.request.headers["content-type"] == "application/json"
        assert json.loads(call.request.content) == {"email": "a@example.com", "resource": resource}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "call", ["create_workspace_user_module_permissions", "delete_workspace_user_module_permissions"]
)
async def test_module_names_checked_before_anything_is_sent(client: _Client, call: str) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(json={})
        with pytest.raises(ValidationError) as info:
            await getattr(client, call)("a@example.com", ["annotation", "model-dev"])
    assert info.value.field == "modules[1]" and "modelDev" in str(info.value)
    assert route.call_count == 0


@pytest.mark.anyio
async def test_no_modules_sends_nothing(client: _Client) -> None:
    # Section 6.12: one request per module; with none the SDK sends nothing and fails not.
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(json={})
        granted = await client.create_workspace_user_module_permissions("a@example.com", [])
        revoked = await client.delete_workspace_user_module_permissions("a@example.com", [])
    assert granted == [] and revoked is None
    assert route.call_count == 0


# -- caller data is never mutated, odd inputs are normalised ------------------------------


@pytest.mark.anyio
async def test_arguments_not_mutated(client: _Client) -> None:
    attributes = [{"type": "select", "key": "k", "options": [{"title": "A", "value": "a"}]}]
    snapshot = json.dumps(attributes)
    when = datetime.datetime(2023, 5, 8, 12, 10, 53, tzinfo=datetime.timezone.utc)
    results = [{"status": "failed", "result": [], "requestAt": when}]
    with respx.mock(base_url=BASE) as mock:
        mock.post("annotations").respond(json="a1")
        route = mock.post("model-monitorings/create").respond(json={})
        await client.create_annotation("p", "bbox", "cat", "Cat", attributes=attributes)
        await client.create_model_monitoring_request_results("mon", results)
    assert json.dumps(attributes) == snapshot
    assert results[0]["requestAt"] is when
    sent = json.loads(route.calls.last.request.content)
    assert sent["results"][0]["requestAt"] == "2023-05-08T12:10:53+00:00"


@pytest.mark.anyio
async def test_evaluation_ignored_arguments_warn_and_are_not_sent(client: _Client) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("evaluations").respond(json=EVALUATION)
        with pytest.warns(IgnoredArgumentWarning, match="instance_type, batch_size"):
            await client.execute_evaluation_job("dogs", "m", instance_type="x", batch_size=4)
    body = json.loads(route.calls.last.request.content)
    assert not {"instanceType", "batchSize", "learningRate"} & set(body)


# -- validation before sending --------------------------------------------------------------


async def _file_of(tmp_path: pathlib.Path, name: str, size: int) -> pathlib.Path:
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: no real disk use
    return path


LIMITS = [
    ("get_appendix_data", ("p",), 10_000),
    ("get_task_appendix_data", ("p",), 10_000),
    ("get_annotations", ("p",), 1000),
    ("get_metadatas", (), 1000),
    ("get_task_comments", ("p", "t"), 1000),
    ("get_project_comments", ("p",), 1000),
    ("get_projects", (), 1000),
    ("get_project_id_slug_map", (), 1000),
    ("get_tags", ("p",), 1000),
    ("get_dataset_objects", ("d",), 1000),
    ("download_dataset_objects", ("d", "out"), 1000),
    ("get_training_jobs", (), 1000),
    ("get_evaluation_jobs", (), 1000),
    ("get_auto_annotation_jobs", ("p",), 1000),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("call", "args", "maximum"), LIMITS, ids=[c[0] for c in LIMITS])
async def test_page_size_above_maximum_rejected(
    client: _Client, call: str, args: tuple[str, ...], maximum: int, tmp_path: pathlib.Path
) -> None:
    args = tuple(str(tmp_path / "out") if a == "out" else a for a in args)
    with respx.mock(base_url=BASE) as mock:
        route = mock.route().respond(json={} if call == "get_project_id_slug_map" else [])
        with pytest.raises(ValidationError) as info:
            await getattr(client, call)(*args, limit=maximum + 1)
        await getattr(client, call)(*args, limit=maximum)
    assert info.value.field == "limit" and info.value.limit == f"<= {maximum}"
    assert route.call_count == 1


INVALID: list[tuple[str, tuple[typing.Any, ...], dict[str, typing.Any], str]] = [
    ("find_dataset_object", ("d", "o"), dict(version="v", revision_id="rev12345"), "revision_id"),
    ("get_dataset_objects", ("d",), dict(version="v", revision_id="rev12345"), "revision_id"),
    ("get_dataset_objects", ("d",), dict(types=["train", "validation"]), "types[1]"),
    ("iter_dataset_objects", ("d",), dict(types=["bogus"]), "types[0]"),
    ("get_dataset_objects", ("d",), dict(tags="dog"), "tags"),
    (
        "create_task_comment",
        (),
        dict(task_id="t", content_name="a", content_id="b"),
        "content_name",
    ),
    ("create_task_comment", (), dict(task_id="t", priority="high"), "priority"),
    ("update_annotation", ("a",), dict(max_area_count=True), "max_area_count"),
    ("update_annotation", ("a",), dict(max_area_count="5"), "max_area_count"),
    ("execute_training_job", ("d", "m", 1), dict(config_file_path="nope.yaml"), "config_file_path"),
    ("get_auto_annotation_jobs", ("",), {}, "project"),
    ("find_project", ("",), {}, "project_id"),
    ("delete_dataset_object", ("d", ""), {}, "object_name"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "args", "kwargs", "field"), INVALID, ids=[f"{c[0]}-{c[3]}" for c in INVALID]
)
async def test_invalid_arguments_rejected_before_sending(
    client: _Client,
    call: str,
    args: tuple[typing.Any, ...],
    kwargs: dict[str, typing.Any],
    field: str,
) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(json=[])
        with pytest.raises(ValidationError) as info:
            result = getattr(client, call)(*args, **kwargs)
            if hasattr(result, "__anext__"):
                await result.__anext__()
            else:
                await result
    assert info.value.field == field
    assert route.call_count == 0


ANNOTATION_BODY = {"project": "p", "type": "bbox", "value": "v", "title": "t"}
SIX, ELEVEN = list("abcdef"), [str(i) for i in range(11)]
MONITORED = [{"status": "success", "result": [{"value": "x", "confidenceScore": 2}]}]

# Values the SDK sends without a check of its own: the README's limits (dataset name
# [a-z0-9-]+, <= 5 tags, <= 10 licenses), the documented ranges (max_area_count 1-1000,
# thresholds and scores 0-1, epoch >= 1), an empty tag list and a comment's missing
# task id or reply text (sent as null) are the server's to judge, so they go out exactly
# as the SDK puts them on the wire.
SENT_AS_GIVEN = [
    Case(
        "create_annotation",
        ("p", "bbox", "v", "t"),
        dict(max_area_count=count),
        "POST",
        "/v1/annotations",
        body={**ANNOTATION_BODY, "maxAreaCount": count},
        response="a1",
        expect="a1",
    )
    for count in (0, 1001)
] + [
    Case("delete_tags", ([],), {}, "POST", "/v1/tags/delete/multi", body={"tagIds": []}),
    Case(
        "create_dataset",
        ("Dogs_1",),
        {},
        "POST",
        "/v1/datasets-v2",
        body={"name": "Dogs_1"},
        response=DATASET,
        expect=Dataset,
    ),
    Case(
        "create_dataset",
        ("dogs",),
        dict(tags=SIX),
        "POST",
        "/v1/datasets-v2",
        body={"name": "dogs", "tags": SIX},
        response=DATASET,
        expect=Dataset,
    ),
    Case(
        "update_dataset",
        ("d",),
        dict(tags=SIX),
        "PUT",
        "/v1/datasets-v2/d",
        body={"tags": SIX},
        response=DATASET,
        expect=Dataset,
    ),
    Case(
        "update_dataset_object",
        ("d", "o"),
        dict(licenses=ELEVEN),
        "PUT",
        "/v1/dataset-revision-objects",
        body={"datasetId": "d", "objectName": "o", "licenses": ELEVEN},
        response=OBJECT,
        expect=DatasetObject,
    ),
    Case(
        "execute_training_job",
        ("d", "m", 0),
        {},
        "POST",
        "/v1/trainings",
        body={
            "datasetName": "d",
            "baseModelName": "m",
            "epoch": 0,
            "useDatasetTrainVal": False,
            "instanceType": "ml.p3.2xlarge",
        },
        response=TRAINING,
        expect=TrainingJob,
    ),
    Case(
        "execute_evaluation_job",
        ("d", "m"),
        dict(iou_threshold=1.5, confidence_threshold=-0.1),
        "POST",
        "/v1/evaluations",
        body={
            "modelName": "m",
            "datasetName": "d",
            "iouThreshold": 1.5,
            "confidenceThreshold": -0.1,
            "useDatasetTest": False,
        },
        response=EVALUATION,
        expect=EvaluationJob,
    ),
    Case(
        "execute_auto_annotation_job",
        ("p", "m"),
        dict(confidence_threshold=2),
        "POST",
        "/v1/auto-annotations",
        body={
            "project": "p",
            "modelName": "m",
            "updateExisting": False,
            "confidenceThreshold": 2,
            "useTTA": False,
            "useFlip": False,
            "processingSpeed": "low",
            "autoCreation": True,
        },
        response=AUTO,
        expect=AutoAnnotationJob,
    ),
    Case(
        "create_task_comment",
        (),
        dict(text="orphan"),
        "POST",
        "/v1/comments",
        body={
            "taskId": None,
            "points": None,
            "text": "orphan",
            "type": "text",
            "isResolved": False,
            "scale": 0,
            "frame": 0,
        },
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "create_task_comment",
        (),
        dict(comment_id="c1"),
        "POST",
        "/v1/comments/c1/threads",
        body={"text": None},
        response=COMMENT,
        expect=Comment,
    ),
    Case(
        "create_model_monitoring_request_results",
        ("mon", MONITORED),
        {},
        "POST",
        "/v1/model-monitorings/create",
        body={"name": "mon", "results": MONITORED},
        response={"count": 1},
        expect={"count": 1},
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("case", SENT_AS_GIVEN, ids=_id)
async def test_sent_as_the_sdk_sends_it(client: _Client, case: Case) -> None:
    await test_wire(client, case)


@pytest.mark.anyio
async def test_file_checks_before_sending(client: _Client, tmp_path: pathlib.Path) -> None:
    big = await _file_of(tmp_path, "big.png", 6 * 1024 * 1024 + 1)
    gif = await _file_of(tmp_path, "x.gif", 10)
    huge = await _file_of(tmp_path, "huge.bin", 250 * 1024 * 1024 + 1)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(json={})
        with pytest.raises(ValidationError, match="6291456"):
            await client.execute_endpoint("ep", big)
        with pytest.raises(ValidationError, match=r"unsupported file type.*one of jpeg, jpg, png"):
            await client.execute_endpoint("ep", gif)
        with pytest.raises(ValidationError) as info:
            await client.create_dataset_object("dogs", "x", huge)
        with pytest.raises(ValidationError, match="not found"):
            await client.create_dataset_object("dogs", "x", tmp_path / "missing.jpg")
    assert info.value.field == "file_path" and "262144000" in str(info.value)
    assert route.call_count == 0


# -- iteration -----------------------------------------------------------------------------


def _pages(
    *sizes: int, make: typing.Callable[[int], dict[str, typing.Any]]
) -> list[httpx.Response]:
    start = 0
    responses = []
    for size in sizes:
        responses.append(httpx.Response(200, json=[make(start + i) for i in range(size)]))
        start += size
    return responses


@pytest.mark.anyio
async def test_iter_projects_walks_pages_lazily_and_exactly_once(client: _Client) -> None:
    def make(i: int) -> dict[str, typing.Any]:
        return {**PROJECT, "id": f"p{i}"}

    with respx.mock(base_url=BASE) as mock:
        route = mock.get("projects").mock(side_effect=_pages(1000, 1000, 3, make=make))
        iterator = client.iter_projects(slug="dogs")
        assert route.call_count == 0
        first = await iterator.__anext__()
        assert first.id == "p0" and route.call_count == 1
        rest = [project.id async for project in iterator]
    assert [first.id, *rest] == [f"p{i}" for i in range(2003)]
    queries = [sorted(c.request.url.params.multi_items()) for c in route.calls]
    assert queries == [
        [("limit", "1000"), ("slug", "dogs")],
        [("limit", "1000"), ("offset", "1000"), ("slug", "dogs")],
        [("limit", "1000"), ("offset", "2000"), ("slug", "dogs")],
    ]


ITERATORS = [
    ("iter_appendix_data", ("p",), "contents/export/appendix", 10_000, False, APPENDIX),
    ("iter_task_appendix_data", ("p",), "tasks/appendix", 10_000, False, APPENDIX),
    ("iter_annotations", ("p",), "annotations", 1000, False, ANNOTATION),
    ("iter_metadatas", (), "metadatas", 1000, False, {"id": "m"}),
    ("iter_task_comments", ("p", "t"), "comments", 1000, True, COMMENT),
    ("iter_project_comments", ("p",), "comments/threads", 1000, True, THREAD),
    ("iter_tags", ("p",), "tags", 1000, False, {"id": "t", "name": "n"}),
    ("iter_dataset_objects", ("d",), "dataset-revision-objects", 1000, True, OBJECT),
    ("iter_training_jobs", (), "trainings", 1000, False, TRAINING),
    ("iter_evaluation_jobs", (), "evaluations", 1000, False, EVALUATION),
    ("iter_auto_annotation_jobs", ("p",), "auto-annotations", 1000, False, AUTO),
    ("iter_workspace_users", (), "workspaces-users", 20, True, USER),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "args", "path", "size", "zero_offset", "item"),
    ITERATORS,
    ids=[c[0] for c in ITERATORS],
)
async def test_iterators_use_the_maximum_page_size(
    client: _Client,
    call: str,
    args: tuple[str, ...],
    path: str,
    size: int,
    zero_offset: bool,
    item: dict[str, typing.Any],
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get(path).mock(side_effect=_pages(size, 1, make=lambda i: item))
        items = [x async for x in getattr(client, call)(*args)]
    assert len(items) == size + 1 and route.call_count == 2
    first, second = (dict(c.request.url.params.multi_items()) for c in route.calls)
    assert first["limit"] == second["limit"] == str(size)
    assert first.get("offset") == ("0" if zero_offset else None)
    assert second["offset"] == str(size)


@pytest.mark.anyio
async def test_iter_project_id_slug_map(client: _Client) -> None:
    page = {f"p{i}": f"s{i}" for i in range(1000)}
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("projects/map/id-slug").mock(
            side_effect=[httpx.Response(200, json=page), httpx.Response(200, json={"px": "sx"})]
        )
        pairs = [pair async for pair in client.iter_project_id_slug_map()]
    assert len(pairs) == 1001 and pairs[-1] == ("px", "sx")
    assert dict(route.calls[1].request.url.params.multi_items()) == {
        "offset": "1000",
        "limit": "1000",
    }


# -- waits ---------------------------------------------------------------------------------

FAST = PollPolicy(initial_delay=1.0, interval=1.0, backoff=1.0, max_interval=1.0, jitter=0.0)


@pytest.mark.anyio
@virtual_time
async def test_wait_training_job(client: _Client) -> None:
    done = {**TRAINING, "status": "completed", "customModel": {"modelId": "m1", "modelURL": "u"}}
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("trainings/tj1").mock(
            side_effect=[httpx.Response(200, json=TRAINING)] * 2 + [httpx.Response(200, json=done)]
        )
        job = await client.wait_training_job("tj1", poll=FAST)
    assert route.call_count == 3
    assert job.custom_model is not None and job.custom_model.model_url == "u"


@pytest.mark.anyio
@virtual_time
async def test_wait_evaluation_job_failure(client: _Client) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("evaluations/ev1").respond(json={**EVALUATION, "status": "failed"})
        with pytest.raises(JobFailedError) as info:
            await client.wait_evaluation_job("ev1", poll=FAST)
    assert isinstance(info.value.job, EvaluationJob)


@pytest.mark.anyio
@virtual_time
async def test_wait_auto_annotation_job_scans_the_project_list(client: _Client) -> None:
    other = {**AUTO, "id": "aa0", "status": "completed"}
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("auto-annotations").mock(
            side_effect=[
                httpx.Response(200, json=[other, AUTO]),
                httpx.Response(200, json=[other, {**AUTO, "status": "completed"}]),
            ]
        )
        job = await client.wait_auto_annotation_job("proj", "aa1", poll=FAST)
    assert job.id == "aa1" and job.status == "completed"
    assert dict(route.calls[0].request.url.params.multi_items()) == {
        "project": "proj",
        "limit": "1000",
    }
