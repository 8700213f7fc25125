"""The Scale emulator's behaviour, through plain httpx (in-process ASGI and loopback)."""

from __future__ import annotations

import base64
import typing
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from labelkit._config import RateLimit
from labelkit._emulator import EmulatorConfig, available_emulators, create_emulator, serving
from labelkit._emulator.scale import (
    DEFAULT_CALLBACK_AUTH_KEY,
    DEFAULT_LIVE_KEY,
    DEFAULT_TEST_KEY,
    ScaleEmulator,
)
from labelkit._emulator.scale._state import TASK_TYPES

IMAGE = "https://cdn.example.com/cat.jpg"
Json = dict[str, typing.Any]


@pytest.fixture
def emulator() -> Iterator[ScaleEmulator]:
    """An emulator whose simulated clock only moves with ``clock.advance``."""
    app = ScaleEmulator(config=EmulatorConfig(time_scale=0.0), callback_backoff=0.5)
    yield app
    app.close()


def connect(app: ScaleEmulator, key: str = DEFAULT_LIVE_KEY) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://scale.test/v1", auth=(key, "")
    )


async def create(api: httpx.AsyncClient, kind: str = "categorization", **body: typing.Any) -> Json:
    body.setdefault("attachment", IMAGE)
    if kind == "categorization":
        body.setdefault("categories", ["cat", "dog"])
    response = await api.post(f"/task/{kind}", json=body)
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


def minimal_body(kind: str) -> Json:
    body: Json = {"attachment": IMAGE, "attachment_type": "image"}
    if kind in ("categorization", "categorize"):
        body["categories"] = ["a", "b"]
    if kind == "comparison":
        body = {"attachments": [IMAGE, IMAGE + "?2"], "choices": ["same", "different"]}
    if kind == "phonecall":
        body["phone_number"] = "+15550100"
    if kind in ("chat", "chatexperimental", "chatlite", "multichat", "multistage"):
        body = {"instruction": "talk"}
    if kind == "textcollection":
        body = {"fields": {"title": "A title"}}
    return body


# -- auth, errors, modes ----------------------------------------------------------------


@pytest.mark.anyio
async def test_basic_auth_with_the_key_as_user_and_an_empty_password(
    emulator: ScaleEmulator,
) -> None:
    transport = httpx.ASGITransport(app=emulator)
    async with httpx.AsyncClient(transport=transport, base_url="http://scale.test/v1") as api:
        ok = await api.get("/tasks", auth=(DEFAULT_LIVE_KEY, ""))
        anonymous = await api.get("/tasks")
        unknown = await api.get("/tasks", auth=("live_nope", ""))
        with_password = await api.get("/tasks", auth=(DEFAULT_LIVE_KEY, "secret"))
        token = base64.b64encode(DEFAULT_LIVE_KEY.encode()).decode()
        bearer = await api.get("/tasks", headers={"authorization": f"Bearer {DEFAULT_LIVE_KEY}"})
        no_colon = await api.get("/tasks", headers={"authorization": f"Basic {token}"})
    assert ok.status_code == 200
    for response in (anonymous, unknown, with_password, bearer):
        assert response.status_code == 401
        assert response.json() == {"status_code": 401, "error": "missing or invalid credentials"}
        assert response.headers["www-authenticate"].startswith("Basic")
    assert no_colon.status_code == 200  # "key" without ":" is a key with no password


def test_keys_must_name_their_mode() -> None:
    with pytest.raises(ValueError, match="live_"):
        ScaleEmulator(api_keys=["sk_123"])


@pytest.mark.anyio
async def test_live_and_test_objects_are_separate(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as live, connect(emulator, DEFAULT_TEST_KEY) as test:
        live_task = await create(live, unique_id="same")
        test_task = await create(test, unique_id="same")  # no conflict across modes
        assert (await test.get(f"/task/{live_task['task_id']}")).status_code == 404
        assert (await live.post("/projects", json={"type": "chat", "name": "p"})).status_code == 200
        assert (await test.get("/projects")).json() == []
        live_list = (await live.get("/tasks")).json()
    assert live_task["is_test"] is False and test_task["is_test"] is True
    assert [t["task_id"] for t in live_list["docs"]] == [live_task["task_id"]]


@pytest.mark.anyio
async def test_routing_errors_use_the_scale_error_body(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        missing = await api.get("/nothing-here")
        wrong_method = await api.put("/tasks")
        not_json = await api.post(
            "/task/categorization", content=b"{", headers={"content-type": "application/json"}
        )
        array = await api.post("/task/categorization", json=[1])
    assert missing.status_code == 404 and set(missing.json()) == {"status_code", "error"}
    assert wrong_method.status_code == 405 and wrong_method.json()["status_code"] == 405
    assert not_json.status_code == 400 and "malformed JSON" in not_json.json()["error"]
    assert array.status_code == 400 and array.json()["error"] == "the body must be a JSON object"


# -- tasks --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_every_task_type_completes_with_a_response(emulator: ScaleEmulator) -> None:
    kinds = [*TASK_TYPES, "categorize"]
    async with connect(emulator) as api:
        created = {kind: await create(api, kind, **minimal_body(kind)) for kind in kinds}
        assert {t["status"] for t in created.values()} == {"pending"}
        emulator.clock.advance(emulator.config.processing_time)
        done = {k: (await api.get(f"/task/{t['task_id']}")).json() for k, t in created.items()}
    assert created["categorize"]["type"] == "categorization"  # the seed-era endpoint
    for kind, task in done.items():
        assert task["status"] == "completed", kind
        assert isinstance(task["response"], dict) and task["response"], kind
        assert task["completed_at"] >= task["created_at"]
    assert done["categorization"]["response"]["category"] in ("a", "b")
    assert done["imageannotation"]["response"]["annotations"][0]["type"] == "box"
    assert "transcript" in done["audiotranscription"]["response"]
    assert done["comparison"]["response"]["choice"] in ("same", "different")


@pytest.mark.anyio
async def test_task_object_and_the_top_level_fields(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        task = await create(
            api,
            instruction="Is it a cat?",
            urgency="day",
            callback_url="mailto:ops@example.com",
            metadata={"row": 7},
            tags=["a", "a", "b"],
            unique_id="row-7",
            allow_multiple=True,
        )
        again = (await api.get(f"/task/{task['task_id']}")).json()
    assert len(task["task_id"]) == 24 and int(task["task_id"], 16) >= 0
    assert task["params"] == {
        "attachment": IMAGE,
        "categories": ["cat", "dog"],
        "allow_multiple": True,
    }
    assert task["instruction"] == "Is it a cat?" and task["urgency"] == "day"
    assert task["metadata"] == {"row": 7} and task["tags"] == ["a", "b"]
    assert task["unique_id"] == "row-7" and task["callback_succeeded"] is False
    assert task["created_at"].endswith("Z") and "response" not in task
    assert again == task


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("categorization", {"attachment": IMAGE}, "categories must be a non-empty array"),
        ("imageannotation", {"instruction": "x"}, "Missing required parameter: attachment"),
        ("comparison", {"attachments": [IMAGE]}, "attachments must be an array"),
        ("categorization", {"attachment": IMAGE, "categories": ["a"], "urgency": "now"}, "urgency"),
        ("categorization", {"attachment": IMAGE, "categories": ["a"], "tags": "a"}, "tags"),
        ("categorization", {"attachment": IMAGE, "categories": ["a"], "unique_id": ""}, "empty"),
        ("categorization", {"attachment": IMAGE, "categories": ["a"], "project": "x"}, "Project"),
        ("categorization", {"attachment": IMAGE, "categories": ["a"], "batch": "x"}, "Batch"),
        ("hotdogornot", {"attachment": IMAGE}, "Invalid task type"),
    ],
)
async def test_invalid_creates_answer_400(
    emulator: ScaleEmulator, kind: str, body: Json, message: str
) -> None:
    async with connect(emulator) as api:
        response = await api.post(f"/task/{kind}", json=body)
    assert response.status_code == 400
    assert response.json()["status_code"] == 400 and message in response.json()["error"]
    assert emulator.tasks == {}


@pytest.mark.anyio
async def test_disabled_types_answer_402_and_form_bodies_are_accepted() -> None:
    app = ScaleEmulator(disabled_types=["lidarannotation"])
    async with connect(app) as api:
        disabled = await api.post("/task/lidarannotation", json={"attachment": IMAGE})
        form = await api.post(
            "/task/categorize", data={"attachment": IMAGE, "categories": ["a", "b"]}
        )
    assert disabled.status_code == 402 and "not enabled" in disabled.json()["error"]
    assert form.status_code == 200 and form.json()["params"]["categories"] == ["a", "b"]


@pytest.mark.anyio
async def test_status_follows_the_clock_and_error_marker(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        task = await create(api)
        failing = await create(api, "imageannotation", attachment="https://x/__error__.png")
        emulator.clock.advance(1.0)
        halfway = (await api.get(f"/task/{task['task_id']}")).json()
        emulator.clock.advance(0.5)
        done = (await api.get(f"/task/{task['task_id']}")).json()
        errored = (await api.get(f"/task/{failing['task_id']}")).json()
        emulator.force_status(task["task_id"], "pending")
        parked = (await api.get(f"/task/{task['task_id']}")).json()
    assert halfway["status"] == "pending" and "completed_at" not in halfway
    assert done["status"] == "completed" and done["updated_at"] == done["completed_at"]
    assert errored["status"] == "error" and "response" not in errored and errored["error"]
    assert parked["status"] == "pending"
    with pytest.raises(ValueError, match="unknown status"):
        emulator.force_status(task["task_id"], "done")


@pytest.mark.anyio
async def test_unique_id_conflicts_lookup_rename_and_clear(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        first = await create(api, unique_id="u-1")
        second = await create(api, unique_id="u-2")
        duplicate = await api.post(
            "/task/categorization",
            json={"attachment": IMAGE, "categories": ["a"], "unique_id": "u-1"},
        )
        found = (
            await api.get("/tasks", params=[("unique_id", "u-1"), ("unique_id", "u-2")])
        ).json()
        taken = await api.post(f"/task/{second['task_id']}/unique_id", json={"unique_id": "u-1"})
        same = await api.post(f"/task/{first['task_id']}/unique_id", json={"unique_id": "u-1"})
        renamed = await api.post(f"/task/{first['task_id']}/unique_id", json={"unique_id": "u-3"})
        reused = await create(api, unique_id="u-1")  # freed by the rename
        cleared = await api.delete(f"/task/{second['task_id']}/unique_id")
        free = (await api.get("/tasks", params={"unique_id": "u-2"})).json()
    assert duplicate.status_code == 409
    taken_by = first["task_id"]
    assert duplicate.json() == {
        "status_code": 409,
        "error": f"The unique_id ('u-1') is already used for a different task ({taken_by}).",
    }
    assert {t["task_id"] for t in found["docs"]} == {first["task_id"], second["task_id"]}
    assert taken.status_code == 409 and same.status_code == 200
    assert renamed.json()["unique_id"] == "u-3" and reused["unique_id"] == "u-1"
    assert "unique_id" not in cleared.json() and free["total"] == 0


@pytest.mark.anyio
async def test_cancel_rules(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        pending = await create(api, unique_id="cancel-me")
        done = await create(api, unique_id="keep")
        emulator.force_status(done["task_id"], "completed")
        canceled = await api.post(f"/task/{pending['task_id']}/cancel?clear_unique_id=true")
        again = await api.post(f"/task/{pending['task_id']}/cancel")
        completed = await api.post(f"/task/{done['task_id']}/cancel")
        unknown = await api.post("/task/64e000000000000000000999/cancel")
        reuse = await create(api, unique_id="cancel-me")
        emulator.clock.advance(10)
        still = (await api.get(f"/task/{pending['task_id']}")).json()
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert "unique_id" not in canceled.json() and reuse["unique_id"] == "cancel-me"
    assert again.status_code == 409 and "already been canceled" in again.json()["error"]
    assert completed.status_code == 500 and "completed" in completed.json()["error"]
    assert unknown.status_code == 404
    assert still["status"] == "canceled"


@pytest.mark.anyio
async def test_audit_metadata_and_tags(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        task = await create(api, tags=["x"])
        path = f"/task/{task['task_id']}"
        early = await api.post(path + "/audit", json={"accepted": True})
        emulator.force_status(task["task_id"], "completed")
        bad = await api.post(path + "/audit", json={"accepted": "yes"})
        audited = (
            await api.post(path + "/audit", json={"accepted": False, "comments": "no"})
        ).json()
        meta = (await api.post(path + "/setMetadata", json={"k": "v"})).json()
        emptied = (await api.post(path + "/setMetadata")).json()  # the SDK sends no body for {}
        replaced = (await api.post(path + "/tags", json=["a", "b"])).json()
        added = (await api.put(path + "/tags", json=["b", "c"])).json()
        removed = (await api.request("DELETE", path + "/tags", json=["a"])).json()
        not_list = await api.post(path + "/tags", json={"a": 1})
        rejected = (await api.get("/tasks", params={"customer_review_status": "rejected"})).json()
    assert early.status_code == 400 and bad.status_code == 400
    assert audited["customer_review_status"] == "rejected"
    assert audited["audits"][0]["accepted"] is False and audited["audits"][0]["comments"] == "no"
    assert meta["metadata"] == {"k": "v"} and emptied["metadata"] == {}
    assert replaced["tags"] == ["a", "b"] and added["tags"] == ["a", "b", "c"]
    assert removed["tags"] == ["b", "c"] and not_list.status_code == 400
    assert [t["task_id"] for t in rejected["docs"]] == [task["task_id"]]


# -- listing ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_next_token_pages_are_stable_while_tasks_arrive(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        ids = [(await create(api, metadata={"n": n}))["task_id"] for n in range(7)]
        first = (await api.get("/tasks", params={"limit": 3})).json()
        await create(api)  # a new task must not shift the remaining pages
        second = (
            await api.get("/tasks", params={"limit": 3, "next_token": first["next_token"]})
        ).json()
        third = (
            await api.get("/tasks", params={"limit": 3, "next_token": second["next_token"]})
        ).json()
    walked = [t["task_id"] for page in (first, second, third) for t in page["docs"]]
    assert walked == ids[::-1]
    assert (first["total"], first["limit"], first["offset"], first["has_more"]) == (7, 3, 0, True)
    assert (second["total"], second["offset"], second["has_more"]) == (8, 4, True)
    assert third["has_more"] is False and third["next_token"] is None


@pytest.mark.anyio
async def test_seed_era_offset_paging_and_bad_parameters(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        ids = [(await create(api))["task_id"] for _ in range(5)]
        page = (await api.get("/tasks", params={"limit": 2, "offset": 2})).json()
        default = (await api.get("/tasks")).json()
        too_big = await api.get("/tasks", params={"limit": 101})
        zero = await api.get("/tasks", params={"limit": 0})
        token = await api.get("/tasks", params={"next_token": "garbage!"})
        illegal = await api.get("/tasks", params={"colour": "red"})
        status = await api.get("/tasks", params={"status": "done"})
    assert [t["task_id"] for t in page["docs"]] == ids[::-1][2:4]
    assert (page["total"], page["limit"], page["offset"], page["has_more"]) == (5, 2, 2, True)
    assert default["limit"] == 100 and default["next_token"] is None
    for response in (too_big, zero, token, illegal, status):
        assert response.status_code == 400, response.text
    assert "Illegal parameter" in illegal.json()["error"]


@pytest.mark.anyio
async def test_list_filters(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        await api.post("/projects", json={"type": "imageannotation", "name": "cats"})
        old = await create(api, tags=["t1", "t2"])
        emulator.clock.advance(100)
        boxes = await create(api, "imageannotation", project="cats", tags=["t1"])
        emulator.force_status(old["task_id"], "completed")
        created_at = boxes["created_at"]

        async def ids(**params: typing.Any) -> list[str]:
            response = await api.get("/tasks", params=params)
            assert response.status_code == 200, response.text
            return [t["task_id"] for t in response.json()["docs"]]

        by_type = await ids(type="imageannotation")
        by_project = await ids(project="cats")
        by_status = await ids(status="completed")
        by_tags = await ids(tags=["t1", "t2"])
        since = await ids(start_time=created_at)
        until = await ids(end_time=old["created_at"].replace("T", " ").rstrip("Z"))
        completed = await ids(completed_after=old["created_at"])
        limited = (await api.get("/tasks", params={"limited_response": "true"})).json()
        urls = (await api.get("/tasks", params={"include_attachment_url": "True"})).json()
        bad_date = await api.get("/tasks", params={"start_time": "yesterday"})
    assert by_type == by_project == since == [boxes["task_id"]]
    assert by_status == by_tags == until == completed == [old["task_id"]]
    assert set(limited["docs"][0]) == {"task_id", "status", "metadata", "project", "otherVersion"}
    assert "attachmentS3Downloads" in urls["docs"][0]
    assert bad_date.status_code == 400


# -- batches, projects, files, teams ------------------------------------------------------


@pytest.mark.anyio
async def test_batches_hold_tasks_until_finalized(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        project = await api.post(
            "/projects",
            json={"type": "imageannotation", "name": "p/1", "params": {"instruction": "Box it"}},
        )
        batch = await api.post("/batches", json={"project": "p/1", "name": "b 1/2"})
        dup = await api.post("/batches", json={"project": "p/1", "name": "b 1/2"})
        orphan = await api.post("/batches", json={"project": "nope", "name": "b"})
        task = await create(api, "imageannotation", batch="b 1/2")
        second = await create(api, "imageannotation", batch="b 1/2", project="p/1")
        emulator.clock.advance(60)
        staging = (await api.get("/batches/b%201%2F2/status")).json()
        waiting = (await api.get(f"/task/{task['task_id']}")).json()
        finalized = (await api.post("/batches/b%201%2F2/finalize")).json()
        late = await api.post("/task/imageannotation", json={"attachment": IMAGE, "batch": "b 1/2"})
        await api.post(f"/task/{second['task_id']}/cancel")
        emulator.clock.advance(emulator.config.processing_time)
        status = (await api.get("/batches/b%201%2F2/status")).json()
        fetched = (await api.get("/batches/b%201%2F2")).json()
        meta = (await api.post("/batches/b%201%2F2/setMetadata", json={"k": 1})).json()
        missing = await api.get("/batches/none/status")
    assert project.status_code == 200 and batch.json()["status"] == "staging"
    assert dup.status_code == 409 and orphan.status_code == 400
    assert task["project"] == "p/1" and task["instruction"] == "Box it"
    assert staging == {"status": "staging", "pending": 2} and waiting["work_started"] is False
    assert finalized["status"] == "in_progress"
    assert late.status_code == 400 and "finalized" in late.json()["error"]
    assert status == {"status": "completed", "completed": 1, "canceled": 1}
    assert fetched["status"] == "completed" and "completed_at" in fetched
    assert meta["metadata"] == {"k": 1} and missing.status_code == 404


@pytest.mark.anyio
async def test_batch_list_envelope_and_filters(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        for project in ("a", "b"):
            await api.post("/projects", json={"type": "categorization", "name": project})
        for n in range(3):
            await api.post("/batches", json={"project": "a", "name": f"a{n}"})
        await api.post("/batches", json={"project": "b", "name": "b0"})
        await api.post("/batches/a0/finalize")
        page = (await api.get("/batches", params={"project": "a", "limit": 2})).json()
        rest = (await api.get("/batches", params={"project": "a", "limit": 2, "offset": 2})).json()
        staging = (await api.get("/batches", params={"status": "staging"})).json()
        bad = await api.get("/batches", params={"status": "done"})
    assert [b["name"] for b in page["docs"]] == ["a2", "a1"]
    assert (page["totalDocs"], page["limit"], page["offset"], page["has_more"]) == (3, 2, 0, True)
    assert [b["name"] for b in rest["docs"]] == ["a0"] and rest["has_more"] is False
    assert [b["name"] for b in staging["docs"]] == ["b0", "a2", "a1"]
    assert bad.status_code == 400


@pytest.mark.anyio
async def test_projects(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        made = await api.post(
            "/projects",
            json={"type": "textcollection", "name": "T", "params": {"instruction": "v0"}},
        )
        dup = await api.post("/projects", json={"type": "textcollection", "name": "T"})
        bad_type = await api.post("/projects", json={"type": "nope", "name": "U"})
        patched = await api.post(
            "/projects/T/setParams", json={"patch": True, "template_variables": {"x": 1}}
        )
        replaced = await api.post("/projects/T/setParams", json={"instruction": "v2"})
        listed = (await api.get("/projects")).json()
        template = (await api.get("/projects/T/taskTemplates")).json()
        missing = await api.get("/projects/none")
    assert made.status_code == 200 and made.json()["param_history"][0]["version"] == 0
    assert dup.status_code == 409 and bad_type.status_code == 400
    history = replaced.json()["param_history"]
    assert patched.json()["param_history"][1]["instruction"] == "v0"
    assert [entry["version"] for entry in history] == [0, 1, 2]
    assert history[2]["instruction"] == "v2" and "template_variables" not in history[2]
    assert [p["name"] for p in listed] == ["T"]
    assert template["version"] == 2 and missing.status_code == 404


@pytest.mark.anyio
async def test_files_teams_and_quality_tasks(emulator: ScaleEmulator) -> None:
    async with connect(emulator) as api:
        uploaded = await api.post(
            "/files/upload",
            files={"file": ("cat.png", b"\x89PNG...", "image/png")},
            data={"project_name": "cats", "reference_id": "r1"},
        )
        no_file = await api.post("/files/upload", files={"other": ("x", b"x")})
        imported = await api.post(
            "/files/import", json={"file_url": "https://x.example/a.jpg", "project_name": "cats"}
        )
        bad_url = await api.post("/files/import", json={"file_url": "ftp://x"})
        invited = (
            await api.post("/teams/invite", json={"emails": ["a@x.io"], "team_role": "labeler"})
        ).json()
        promoted = await api.post(
            "/teams/set_role", json={"emails": ["a@x.io"], "team_role": "manager"}
        )
        stranger = await api.post(
            "/teams/set_role", json={"emails": ["b@x.io"], "team_role": "manager"}
        )
        bad_role = await api.post("/teams/invite", json={"emails": ["c@x.io"], "team_role": "boss"})
        await api.post("/projects", json={"type": "imageannotation", "name": "rapid"})
        evaluation = await api.post(
            "/evaluation_tasks/imageannotation",
            json={"project": "rapid", "attachment": IMAGE, "expected_response": {"a": 1}},
        )
        no_expected = await api.post(
            "/training_tasks/imageannotation", json={"project": "rapid", "attachment": IMAGE}
        )
    file = uploaded.json()
    assert file["attachment_url"].startswith("scaledata://") and file["size"] == 7
    assert file["mime_type"] == "image/png" and file["project_names"] == ["cats"]
    assert emulator.accounts["live"].files[file["id"]].fields["reference_id"] == "r1"
    assert no_file.status_code == 400 and bad_url.status_code == 400
    assert imported.json()["mime_type"] == "image/jpeg" and imported.json()["size"] is None
    assert {m["email"] for m in invited} == {"owner@example.com", "a@x.io"}
    assert {m["email"]: m["role"] for m in promoted.json()}["a@x.io"] == "manager"
    assert stranger.status_code == 404 and bad_role.status_code == 400
    assert evaluation.json()["expected_response"] == {"a": 1}
    assert no_expected.status_code == 400


# -- callbacks ----------------------------------------------------------------------------


class Receiver:
    """An ASGI callback receiver that answers with the given statuses, then 200."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], Json]] = []

    async def __call__(self, scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        import json

        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, json.loads(body)))
        status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def until(condition: typing.Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.01)


@pytest.fixture
async def hook() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver(500, 503)
    async with serving(receiver) as url:
        yield receiver, url + "/hook"


@pytest.mark.anyio
async def test_callback_is_posted_with_the_auth_header_and_redelivered(
    emulator: ScaleEmulator, hook: tuple[Receiver, str]
) -> None:
    receiver, url = hook
    async with connect(emulator) as api:
        task = await create(api, callback_url=url)
        await anyio.sleep(0.05)
        assert receiver.received == []  # not before it completes
        emulator.clock.advance(emulator.config.processing_time)
        await until(lambda: len(emulator.callbacks) == 1)
        emulator.clock.advance(0.5)  # first backoff
        await until(lambda: len(emulator.callbacks) == 2)
        emulator.clock.advance(0.9)  # the second backoff is 1.0: not yet
        await anyio.sleep(0.05)
        assert len(receiver.received) == 2
        emulator.clock.advance(0.1)
        await until(lambda: len(emulator.callbacks) == 3)
        await until(lambda: emulator.deliverer.pending == 0)
        final = (await api.get(f"/task/{task['task_id']}")).json()
    headers, body = receiver.received[-1]
    assert headers["scale-callback-auth"] == DEFAULT_CALLBACK_AUTH_KEY
    assert headers["content-type"] == "application/json"
    assert body["task_id"] == task["task_id"] and body["task"]["status"] == "completed"
    assert body["response"] == final["response"] == body["task"]["response"]
    assert [(a.attempt, a.status) for a in emulator.callbacks] == [(1, 500), (2, 503), (3, 200)]
    assert final["callback_succeeded"] is True


@pytest.mark.anyio
async def test_callbacks_skip_canceled_tasks_public_urls_and_test_keys_sign_differently(
    hook: tuple[Receiver, str],
) -> None:
    receiver, url = hook
    receiver.statuses.clear()
    app = ScaleEmulator(config=EmulatorConfig(time_scale=0.0), test_callback_auth_key="test-cb")
    try:
        async with connect(app) as live, connect(app, DEFAULT_TEST_KEY) as test:
            canceled = await create(live, callback_url=url)
            await live.post(f"/task/{canceled['task_id']}/cancel")
            await create(live, callback_url="https://hooks.example.com/scale")
            sandbox = await create(test, callback_url=url)
            app.clock.advance(app.config.processing_time)
            await until(lambda: len(receiver.received) == 1)
            await until(lambda: app.deliverer.pending == 0)
    finally:
        app.close()
    headers, body = receiver.received[0]
    assert body["task_id"] == sandbox["task_id"] and headers["scale-callback-auth"] == "test-cb"
    assert [(a.skipped, a.url) for a in app.callbacks] == [
        (True, "https://hooks.example.com/scale"),
        (False, url),
    ]


@pytest.mark.anyio
async def test_batch_callback_when_the_batch_completes(
    emulator: ScaleEmulator, hook: tuple[Receiver, str]
) -> None:
    receiver, url = hook
    receiver.statuses.clear()
    async with connect(emulator) as api:
        await api.post("/projects", json={"type": "categorization", "name": "p"})
        await api.post("/batches", json={"project": "p", "name": "b", "callback": url})
        await create(api, batch="b")
        await api.post("/batches/b/finalize")
        emulator.clock.advance(emulator.config.processing_time)
        await until(lambda: len(receiver.received) == 1)
    assert receiver.received[0][1]["batch"]["status"] == "completed"


# -- faults, loopback, registry ------------------------------------------------------------


@pytest.mark.anyio
async def test_faults_over_loopback(emulator: ScaleEmulator) -> None:
    body = {"attachment": IMAGE, "categories": ["a"], "unique_id": "dropped"}
    async with serving(emulator) as url:
        async with httpx.AsyncClient(base_url=url + "/v1", auth=(DEFAULT_LIVE_KEY, "")) as api:
            emulator.config.drop_rate = 1.0
            with pytest.raises(httpx.RemoteProtocolError):
                await api.post("/task/categorization", json=body)
            emulator.config.drop_rate = 0.0
            committed = await api.post("/task/categorization", json=body)
            emulator.config.error_rate = 1.0
            failed = await api.post("/task/categorization", json={**body, "unique_id": "e"})
            emulator.config.error_rate = 0.0
            emulator.config.rate_limit = RateLimit(calls=1, period=60)
            await api.get("/tasks")
            limited = await api.get("/tasks")
            emulator.config.rate_limit = None
            named = await api.get("/batches/a%2Fb/status")
    assert committed.status_code == 409  # the dropped create was committed
    assert failed.status_code == 500 and failed.json()["error"] == "injected fault"
    assert [t.unique_id for t in emulator.tasks.values()] == ["dropped"]
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert limited.json()["status_code"] == 429
    assert named.status_code == 404 and "'a/b'" in named.json()["error"]


def test_registered_for_the_cli() -> None:
    assert "scale" in available_emulators()
    app = create_emulator("scale", config=EmulatorConfig(latency=0.0))
    assert isinstance(app, ScaleEmulator)
