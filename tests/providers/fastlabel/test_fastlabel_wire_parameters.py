"""Every official parameter of every FastLabel task create/update reaches the wire.

Walks :data:`fastlabel_task_parameters.OFFICIAL_TASK_PARAMETERS` (from the wire reference):
each method is called with every parameter given a sendable value, and the JSON key the
reference names for it (sections 5 and 6.1) must be in the request body. A parameter
renamed or dropped on the way to the mechanism fails here."""

from __future__ import annotations

import pathlib
import typing

import pytest
import respx

from labelkit.fastlabel import KINDS, AsyncFastLabel

from .fastlabel_task_parameters import OFFICIAL_TASK_PARAMETERS
from .test_fastlabel_wire_tasks import api, body_of, client, make_file  # noqa: F401

pytestmark = pytest.mark.anyio

ASSIGNEE_KEYS = {
    "assignee": "assignee",
    "reviewer": "reviewer",
    "approver": "approver",
    "external_assignee": "externalAssignee",
    "external_reviewer": "externalReviewer",
    "external_approver": "externalApprover",
    **{f"workflow_{n}_user": f"workflow{n}User" for n in range(1, 7)},
}
#: Section 5 / 6.1: official parameter -> JSON body key (content parameters per kind below).
WIRE = {
    "project": "project",
    "name": "name",
    "storage_type": "storageType",
    "status": "status",
    "external_status": "externalStatus",
    "custom_task_status": "customTaskStatus",
    "priority": "priority",
    "annotations": "annotations",
    "relations": "relations",
    "attributes": "attributes",
    "tags": "tags",
    "metadatas": "metadatas",
    "is_delete_exif": "isDeleteExif",
    "operator": "operator",
}
VALUES: dict[str, object] = {
    "project": "proj",
    "storage_type": "gcp",
    "status": "registered",
    "external_status": "approved",
    "custom_task_status": "pending",
    "priority": 3,
    "annotations": [{"type": "bbox", "value": "cat", "points": [1, 2, 3, 4]}],
    "relations": [{"startIndex": 0, "endIndex": 0}],
    "attributes": [{"key": "k", "value": "v"}],
    "tags": ["t"],
    "metadatas": [{"key": "m", "value": "v"}],
    "is_delete_exif": True,
    "operator": "op",
}


def _kind(method: str) -> str:
    return method.split("_", 1)[1].removesuffix("_task")


def _arguments(method: str, tmp_path: pathlib.Path) -> tuple[dict[str, object], dict[str, str]]:
    kind = KINDS.get(_kind(method))
    suffix = (kind.extensions or (".zip",))[0] if kind else ".jpg"
    args: dict[str, object] = {}
    expected: dict[str, str] = {}
    for param in OFFICIAL_TASK_PARAMETERS[method]:
        if param == "**assignees":
            args.update({name: f"user-{name}" for name in ASSIGNEE_KEYS})
            expected.update({name: key for name, key in ASSIGNEE_KEYS.items()})
        elif param == "task_id":
            args[param] = "t1"  # in the path, checked by the wire tests
        elif param == "name":
            args[param], expected[param] = f"n{suffix}", "name"
        elif param == "file_path":
            assert kind is not None
            if kind.source == "storage":
                args[param], expected[param] = f"dir/a{suffix}", "filePath"
            else:
                path = tmp_path / f"a{suffix}"
                make_file(path, 1)
                args[param] = str(path)
                expected[param] = "fileKey" if kind.source == "zip" else "file"
        elif param == "folder_path":
            assert kind is not None
            for index in range(2):
                make_file(tmp_path / f"{index}{suffix}", index)
            args[param], expected[param] = str(tmp_path), "contents"
        else:
            args[param], expected[param] = VALUES[param], WIRE[param]
    return args, expected


def test_the_table_covers_every_task_create_and_update() -> None:
    names = {
        name
        for name in dir(AsyncFastLabel)
        if name.endswith("_task") and name.split("_", 1)[0] in ("create", "update")
    }
    assert names == set(OFFICIAL_TASK_PARAMETERS)


@pytest.mark.parametrize("method", sorted(OFFICIAL_TASK_PARAMETERS))
async def test_every_official_parameter_reaches_the_wire(
    client: AsyncFastLabel,  # noqa: F811
    api: respx.MockRouter,  # noqa: F811
    tmp_path: pathlib.Path,
    method: str,
) -> None:
    args, expected = _arguments(method, tmp_path)
    await getattr(client, method)(**args)
    bodies = [
        body_of(call.request)
        for call in api.calls
        if call.request.method in ("POST", "PUT") and call.request.url.host != "storage.test"
    ]
    assert len(bodies) == 1, [(c.request.method, str(c.request.url)) for c in api.calls]
    body: dict[str, typing.Any] = bodies[0]
    missing = {param: key for param, key in expected.items() if key not in body}
    assert not missing, f"{method}: not sent: {missing}"
