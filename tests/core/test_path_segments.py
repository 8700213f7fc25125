"""Ids in request paths: one encoder for every provider, and no id reaches another resource.

Each method that puts a caller's id into a URL path is fed ids that could
escape their segment (``..``, ``.``, ``%2e%2e``, ``a/b``, ``""``). A refused id
raises :class:`~labelkit.ValidationError` before any request; an accepted one
is sent as exactly one percent-encoded segment of the method's own path.
"""

from __future__ import annotations

import typing

import httpx
import pytest
import respx

import labelkit
from labelkit._paths import segment
from labelkit.cloudsight import AsyncCloudSight
from labelkit.datawow import AsyncDatawow
from labelkit.fastlabel import AsyncFastLabel
from labelkit.redflag import AsyncRedFlag
from labelkit.scale import AsyncScale

Call = typing.Callable[[typing.Any, str], typing.Awaitable[object]]

#: Client factories with explicit base URLs, so that no environment variable moves them.
CLIENTS: dict[str, typing.Callable[[], typing.Any]] = {
    "fastlabel": lambda: AsyncFastLabel(
        "fl-token", base_url="https://fl.test/v1/", max_retries=0, rate_limit=None
    ),
    "scale": lambda: AsyncScale(
        "live_key", base_url="https://scale.test", max_retries=0, rate_limit=None
    ),
    "cloudsight": lambda: AsyncCloudSight(
        "cs-key", base_url="https://cs.test", max_retries=0, rate_limit=None
    ),
    "datawow": lambda: AsyncDatawow(
        "dw-key", base_url="https://dw.test/api", max_retries=0, rate_limit=None
    ),
    "redflag": lambda: AsyncRedFlag(
        "rf-token", base_url="https://rf.test/api", max_retries=0, rate_limit=None
    ),
}

#: (provider, method, call with the id, the expected raw path with ``{}`` for the id).
SENDING: list[tuple[str, str, Call, str]] = [
    # FastLabel
    ("fastlabel", "find_project", lambda c, x: c.find_project(x), "/v1/projects/{}"),
    ("fastlabel", "update_project", lambda c, x: c.update_project(x, name="n"), "/v1/projects/{}"),
    ("fastlabel", "delete_project", lambda c, x: c.delete_project(x), "/v1/projects/{}"),
    (
        "fastlabel",
        "update_project_metadata",
        lambda c, x: c.update_project_metadata(x, external_code_1="a"),
        "/v1/projects/{}/metadata",
    ),
    ("fastlabel", "find_dataset", lambda c, x: c.find_dataset(x), "/v1/datasets-v2/{}"),
    (
        "fastlabel",
        "update_dataset",
        lambda c, x: c.update_dataset(x, name="ds"),
        "/v1/datasets-v2/{}",
    ),
    ("fastlabel", "delete_dataset", lambda c, x: c.delete_dataset(x), "/v1/datasets-v2/{}"),
    (
        "fastlabel",
        "find_dataset_object(dataset_id)",
        lambda c, x: c.find_dataset_object(x, "cat.jpg"),
        "/v1/dataset-revision-objects/datasets/{}/objects/cat.jpg",
    ),
    (
        "fastlabel",
        "delete_dataset_object(object_name)",
        lambda c, x: c.delete_dataset_object("ds1", x),
        "/v1/dataset-revision-objects/datasets/ds1/objects/{}",
    ),
    (
        "fastlabel",
        "create_task_comment(comment_id)",
        lambda c, x: c.create_task_comment(comment_id=x, text="reply"),
        "/v1/comments/{}/threads",
    ),
    (
        "fastlabel",
        "update_task_comment",
        lambda c, x: c.update_task_comment(x, "text"),
        "/v1/comments/threads/{}",
    ),
    (
        "fastlabel",
        "delete_task_comment",
        lambda c, x: c.delete_task_comment(x),
        "/v1/comments/threads/{}",
    ),
    ("fastlabel", "find_image_task", lambda c, x: c.find_image_task(x), "/v1/tasks/image/{}"),
    (
        "fastlabel",
        "update_image_task",
        lambda c, x: c.update_image_task(x, status="completed"),
        "/v1/tasks/image/{}",
    ),
    ("fastlabel", "find_pcd_task", lambda c, x: c.find_pcd_task(x), "/v1/tasks/pcd/{}"),
    (
        "fastlabel",
        "update_task",
        lambda c, x: c.update_task(x, status="completed"),
        "/v1/tasks/{}",
    ),
    ("fastlabel", "delete_task", lambda c, x: c.delete_task(x), "/v1/tasks/{}"),
    (
        "fastlabel",
        "delete_task_annotations",
        lambda c, x: c.delete_task_annotations(x),
        "/v1/tasks/{}/task-annotations",
    ),
    (
        "fastlabel",
        "find_history",
        lambda c, x: c.find_history(x),
        "/v1/tasks/import/histories/{}",
    ),
    (
        "fastlabel",
        "update_aws_s3_storage",
        lambda c, x: c.update_aws_s3_storage(x, "bucket", "us-east-1"),
        "/v1/storages/aws-s3/{}",
    ),
    (
        "fastlabel",
        "get_aws_s3_import_status_by_project",
        lambda c, x: c.get_aws_s3_import_status_by_project(x),
        "/v1/tasks/import/status/aws-s3/{}",
    ),
    ("fastlabel", "find_training_job", lambda c, x: c.find_training_job(x), "/v1/trainings/{}"),
    (
        "fastlabel",
        "find_evaluation_job",
        lambda c, x: c.find_evaluation_job(x),
        "/v1/evaluations/{}",
    ),
    ("fastlabel", "find_annotation", lambda c, x: c.find_annotation(x), "/v1/annotations/{}"),
    (
        "fastlabel",
        "update_annotation",
        lambda c, x: c.update_annotation(x, title="t"),
        "/v1/annotations/{}",
    ),
    (
        "fastlabel",
        "update_classification_annotation",
        lambda c, x: c.update_classification_annotation(x, []),
        "/v1/annotations/classification/{}",
    ),
    ("fastlabel", "delete_annotation", lambda c, x: c.delete_annotation(x), "/v1/annotations/{}"),
    # Scale
    ("scale", "get_task", lambda c, x: c.get_task(x), "/v1/task/{}"),
    ("scale", "cancel_task", lambda c, x: c.cancel_task(x), "/v1/task/{}/cancel"),
    ("scale", "audit_task", lambda c, x: c.audit_task(x, True), "/v1/task/{}/audit"),
    (
        "scale",
        "update_task_unique_id",
        lambda c, x: c.update_task_unique_id(x, "u-1"),
        "/v1/task/{}/unique_id",
    ),
    (
        "scale",
        "clear_task_unique_id",
        lambda c, x: c.clear_task_unique_id(x),
        "/v1/task/{}/unique_id",
    ),
    (
        "scale",
        "set_task_metadata",
        lambda c, x: c.set_task_metadata(x, {}),
        "/v1/task/{}/setMetadata",
    ),
    ("scale", "set_task_tags", lambda c, x: c.set_task_tags(x, ["t"]), "/v1/task/{}/tags"),
    ("scale", "add_task_tags", lambda c, x: c.add_task_tags(x, ["t"]), "/v1/task/{}/tags"),
    ("scale", "delete_task_tags", lambda c, x: c.delete_task_tags(x, ["t"]), "/v1/task/{}/tags"),
    ("scale", "get_batch", lambda c, x: c.get_batch(x), "/v1/batches/{}"),
    ("scale", "batch_status", lambda c, x: c.batch_status(x), "/v1/batches/{}/status"),
    ("scale", "finalize_batch", lambda c, x: c.finalize_batch(x), "/v1/batches/{}/finalize"),
    (
        "scale",
        "set_batch_metadata",
        lambda c, x: c.set_batch_metadata(x, {}),
        "/v1/batches/{}/setMetadata",
    ),
    ("scale", "get_project", lambda c, x: c.get_project(x), "/v1/projects/{}"),
    (
        "scale",
        "update_project",
        lambda c, x: c.update_project(x, patch=True),
        "/v1/projects/{}/setParams",
    ),
    (
        "scale",
        "get_project_template",
        lambda c, x: c.get_project_template(x),
        "/v1/projects/{}/taskTemplates",
    ),
    (
        "scale",
        "list_project_groups",
        lambda c, x: c.list_project_groups(x),
        "/v1/studio/projects/{}/groups",
    ),
    (
        "scale",
        "create_project_group",
        lambda c, x: c.create_project_group(x, ["a@example.com"], "group"),
        "/v1/studio/projects/{}/groups",
    ),
    (
        "scale",
        "update_project_group(project)",
        lambda c, x: c.update_project_group(x, "group", [], []),
        "/v1/studio/projects/{}/groups/group",
    ),
    (
        "scale",
        "update_project_group(project_group)",
        lambda c, x: c.update_project_group("kittens", x, [], []),
        "/v1/studio/projects/kittens/groups/{}",
    ),
    (
        "scale",
        "assign_studio_batches",
        lambda c, x: c.assign_studio_batches(x, ["group"]),
        "/v1/studio/batches/{}",
    ),
    # CloudSight
    ("cloudsight", "image_response", lambda c, x: c.image_response(x), "/image_responses/{}"),
    ("cloudsight", "repost", lambda c, x: c.repost(x), "/image_requests/{}/repost"),
    # Datawow
    ("datawow", "find_id", lambda c, x: c.find_id(x), "/api/projects/images/{}"),
    (
        "datawow",
        "find_id(custom_id)",
        lambda c, x: c.find_id(custom_id=x),
        "/api/projects/images/{}",
    ),
    ("datawow", "choice.find_id", lambda c, x: c.choice.find_id(x), "/api/projects/images/{}"),
    (
        "datawow",
        "photo_tag.find_id(custom_id)",
        lambda c, x: c.photo_tag.find_id(custom_id=x),
        "/api/projects/images/{}",
    ),
]

#: Waits check the id before their first poll; they are only fed refused ids.
WAITING: list[tuple[str, str, Call]] = [
    ("scale", "wait_task", lambda c, x: c.wait_task(x)),
    ("cloudsight", "wait", lambda c, x: c.wait(x)),
    ("datawow", "wait", lambda c, x: c.wait(x)),
    ("datawow", "message.wait(custom_id)", lambda c, x: c.message.wait(custom_id=x)),
]

#: Ids that cannot be one segment of the method's path: refused before sending.
REFUSED = ["..", ".", "", " "]

#: Ids that are sent, and the bytes of their one segment.
ENCODED = {
    "a/b": "a%2Fb",
    "%2e%2e": "%252e%252e",
    "%2E": "%252E",
    "..%2f": "..%252f",
    "...": "...",
    "a b?c#d": "a%20b%3Fc%23d",
    "photo.jpg": "photo.jpg",
}


def _ids(cases: typing.Sequence[tuple[typing.Any, ...]]) -> list[str]:
    return [f"{case[0]}.{case[1]}" for case in cases]


class Recorder:
    """One client against a mock that answers every request with ``200 {}``."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    async def __aenter__(self) -> Recorder:
        self.router = respx.mock(assert_all_called=False)
        self.router.__enter__()
        self.router.route().mock(return_value=httpx.Response(200, json={}))
        self.client = CLIENTS[self.provider]()
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__(None, None, None)
        self.router.__exit__(None, None, None)

    async def send(self, call: Call, value: typing.Any) -> tuple[list[httpx.Request], Exception]:
        """The requests ``call`` sent with ``value``, and the error it raised."""
        before = len(self.router.calls)
        error: Exception = AssertionError("no error")
        try:
            await call(self.client, value)
        except labelkit.LabelkitError as exc:
            error = exc
        return [request for request, _ in self.router.calls[before:]], error


@pytest.mark.anyio
@pytest.mark.parametrize(("provider", "method", "call", "template"), SENDING, ids=_ids(SENDING))
async def test_dot_and_empty_ids_are_refused_before_sending(
    provider: str, method: str, call: Call, template: str
) -> None:
    async with Recorder(provider) as recorder:
        for value in REFUSED:
            requests, error = await recorder.send(call, value)
            assert isinstance(error, labelkit.ValidationError), (value, error)
            assert requests == [], value


@pytest.mark.anyio
@pytest.mark.parametrize(("provider", "method", "call", "template"), SENDING, ids=_ids(SENDING))
async def test_other_ids_are_sent_as_exactly_one_segment(
    provider: str, method: str, call: Call, template: str
) -> None:
    async with Recorder(provider) as recorder:
        for value, encoded in ENCODED.items():
            requests, _ = await recorder.send(call, value)
            assert len(requests) == 1, value
            path = requests[0].url.raw_path.split(b"?", 1)[0]
            assert path == template.format(encoded).encode()
            assert path.count(b"/") == template.count("/")


@pytest.mark.anyio
@pytest.mark.parametrize(("provider", "method", "call"), WAITING, ids=_ids(WAITING))
async def test_waits_refuse_dot_and_empty_ids_before_polling(
    provider: str, method: str, call: Call
) -> None:
    async with Recorder(provider) as recorder:
        for value in REFUSED:
            requests, error = await recorder.send(call, value)
            assert isinstance(error, labelkit.ValidationError), (value, error)
            assert requests == [], value


@pytest.mark.anyio
async def test_redflag_operation_ids_are_one_segment() -> None:
    class Sneaky(int):
        def __str__(self) -> str:
            return ".."

        __repr__ = __str__

    # The API documents no rule for ids beyond the path: any int or string is sent
    # as exactly one segment (the server answers for an unknown one).
    sent = {7: b"7", "7": b"7", -1: b"-1", "%2e%2e": b"%252e%252e", "a/b": b"a%2Fb"}
    async with Recorder("redflag") as recorder:
        for value, encoded in sent.items():
            requests, _ = await recorder.send(lambda c, x: c.get_operation(x), value)
            assert [r.url.raw_path for r in requests] == [b"/api/operations/" + encoded]
        for value in ["..", ".", "", Sneaky(3), True]:
            requests, error = await recorder.send(lambda c, x: c.get_operation(x), value)
            assert isinstance(error, labelkit.ValidationError), (value, error)
            assert requests == [], value


# -- the function -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5f127f6f26831d0010e985e5", "5f127f6f26831d0010e985e5"),
        ("photo.jpg", "photo.jpg"),
        ("a-b_c.d~e", "a-b_c.d~e"),
        ("...", "..."),
        (".hidden", ".hidden"),
        ("a/b", "a%2Fb"),
        ("a\\b", "a%5Cb"),
        ("%2e%2e", "%252e%252e"),
        ("%2F", "%252F"),
        ("a?b#c;d", "a%3Fb%23c%3Bd"),
        ("ü-1", "%C3%BC-1"),
        (" x ", "%20x%20"),
    ],
)
def test_segment_encodes_everything_outside_the_unreserved_set(value: str, expected: str) -> None:
    assert segment(value, field="task_id") == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        (".", "dot segment"),
        ("..", "dot segment"),
        (None, "must be a string"),
        (12, "must be a string"),
        (b"abc", "must be a string"),
        ("\ud800", "not valid Unicode"),
    ],
)
def test_segment_refuses(value: object, reason: str) -> None:
    with pytest.raises(labelkit.ValidationError, match=reason) as caught:
        segment(value, field="task_id")
    assert caught.value.field == "task_id"
