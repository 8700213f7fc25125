"""Drop-in calls: the official ``scaleapi`` 2.x methods (wire spec, section 5 tables) with their
own argument forms, through the sync client against the emulator: every v1 method of section
5 (Studio included) and every v2 operation of section 6 (``client.v2``, official request
objects or dicts)."""

from __future__ import annotations

import pathlib
import typing

import pytest

import labelkit
from labelkit._emulator.scale import DEFAULT_LIVE_KEY, ScaleEmulator
from labelkit.emulators import EmulatorConfig, EmulatorServer
from labelkit.scale import (
    BatchOperationRequest,
    BatchStatus,
    CreateBatchRequest,
    CreateChatTaskRequest,
    SetBatchMetadataRequest,
    SetTaskMetadataRequest,
    TaskReviewStatus,
    TaskStatus,
    TaskType,
    TeamRole,
)

IMAGE = "https://cdn.example.com/cat.jpg"
FAST_POLL = labelkit.PollPolicy(initial_delay=0.0, interval=0.01, backoff=1.0, timeout=10)


@pytest.fixture(scope="module")
def scale() -> typing.Iterator[labelkit.Scale]:
    emulator = ScaleEmulator(config=EmulatorConfig(processing_time=0.0, seed=3))
    with EmulatorServer(emulator) as server:
        with labelkit.Scale(
            DEFAULT_LIVE_KEY, base_url=server.url, max_retries=0, poll=FAST_POLL
        ) as client:
            yield client
    emulator.close()


def test_projects_batches_and_tasks(scale: labelkit.Scale) -> None:
    # create_project(project_name, task_type, params=None, rapid=False, studio=False, ...)
    scale.create_project("dropin", TaskType.ImageAnnotation, {"instruction": "Box cats"})
    scale.create_project(project_name="dropin-kw", task_type="categorization", params=None)
    assert scale.get_project("dropin").name == "dropin"
    assert {"dropin", "dropin-kw"} <= {p.name for p in scale.projects()}
    assert {"dropin", "dropin-kw"} <= {p.name for p in scale.get_projects()}
    scale.update_project("dropin", patch=True, instruction="Box every cat")
    with pytest.raises(labelkit.BadRequestError, match="no task template"):
        scale.get_project_template("dropin")  # sent; the emulated project has none
    # create_batch(project, batch_name, callback="", calibration_batch=False, ...)
    scale.create_batch("dropin", "b1")
    scale.create_batch(project="dropin", batch_name="b2", callback="", metadata={"k": 1})
    scale.set_batch_metadata("b1", {"round": 1})
    task = scale.create_task(
        TaskType.ImageAnnotation,
        project="dropin",
        batch="b1",
        attachment=IMAGE,
        geometries={"box": {"objects_to_annotate": ["cat"]}},
        unique_id="u-1",
    )
    other = scale.create_task(
        task_type="imageannotation",
        project="dropin",
        batch="b2",
        attachment=IMAGE,
        geometries={"box": {"objects_to_annotate": ["cat"]}},
    )
    assert scale.get_task(task.task_id).task_id == task.task_id
    scale.update_task_unique_id(task.task_id, "u-2")
    scale.clear_task_unique_id(task.task_id)
    scale.set_task_metadata(task.task_id, {"row": 1})
    scale.set_task_tags(task.task_id, ["a"])
    scale.add_task_tags(task.task_id, ["b"])
    scale.delete_task_tags(task.task_id, ["a"])
    assert scale.get_task(task.task_id).tags == ["b"]
    scale.finalize_batch("b1")
    assert scale.batch_status("b1").status is not None
    assert scale.get_batch("b1").name == "b1"
    assert {b.name for b in scale.batches(project="dropin")} == {"b1", "b2"}
    assert {b.name for b in scale.list_batches(project="dropin")} == {"b1", "b2"}
    # get_batches(project_name, batch_status, created_after, created_before, exclude_archived)
    assert {b.name for b in scale.get_batches("dropin")} == {"b1", "b2"}
    assert [b.name for b in scale.get_batches(project_name="dropin", batch_status=None)]
    assert len(scale.tasks(project="dropin")) == 2
    # get_tasks / get_tasks_count: the friendly names, positional project and batch.
    assert {t.task_id for t in scale.get_tasks("dropin")} == {task.task_id, other.task_id}
    assert [t.task_id for t in scale.get_tasks(None, "b2")] == [other.task_id]
    assert scale.get_tasks_count("dropin") == 2
    assert scale.get_tasks_count(project_name="dropin", status=TaskStatus.Pending) >= 0
    assert scale.get_tasks_count("dropin", review_status=[TaskReviewStatus.Accepted]) >= 0
    scale.cancel_task(other.task_id, clear_unique_id=False)
    done = scale.wait_task(task.task_id)  # processing_time=0: completed at the next poll
    scale.audit_task(done.task_id, True)
    scale.audit_task(task_id=done.task_id, accepted=False, comments="redo")
    assert TaskType.LidarTopdown is TaskType.LidarTopDown
    assert BatchStatus.InProgress.value == "in_progress"


def test_files_teams_and_quality_tasks(scale: labelkit.Scale, tmp_path: pathlib.Path) -> None:
    scale.create_project("dropin-files", TaskType.TextCollection, {"instruction": "Write"})
    (tmp_path / "cat.png").write_bytes(b"\x89PNG\r\n")
    with (tmp_path / "cat.png").open("rb") as file:  # the SDK's upload_file(file, **kw)
        uploaded = scale.upload_file(file, project_name="dropin-files")
    imported = scale.import_file(IMAGE, project_name="dropin-files")
    assert uploaded.id and imported.id
    scale.list_teammates()
    scale.invite_teammates(["a@example.com"], TeamRole.Labeler)
    scale.update_teammates_role(["a@example.com"], "member")
    evaluation = scale.create_evaluation_task(
        TaskType.TextCollection,
        project="dropin-files",
        attachment=IMAGE,
        fields=[{"type": "text", "field_id": "f", "title": "T"}],
        expected_response={"f": "x"},
    )
    training = scale.create_training_task(
        "textcollection",
        project="dropin-files",
        attachment=IMAGE,
        fields=[{"type": "text", "field_id": "f", "title": "T"}],
        expected_response={"f": "x"},
    )
    assert evaluation.id and training.id


def test_studio(scale: labelkit.Scale) -> None:
    scale.create_project("studio", TaskType.ImageAnnotation, {"instruction": "Box"}, studio=True)
    scale.create_batch("studio", "s1")
    scale.create_batch("studio", "s2")
    scale.invite_teammates(["w1@example.com", "w2@example.com"], TeamRole.Labeler)
    assert scale.list_studio_assignments() == {}
    added = scale.add_studio_assignments(["w1@example.com", "w2@example.com"], ["studio"])
    assert added == {"w1@example.com": ["studio"], "w2@example.com": ["studio"]}
    removed = scale.remove_studio_assignments(emails=["w2@example.com"], projects=["studio"])
    assert removed["w2@example.com"] == [] and scale.list_studio_assignments() == removed
    group = scale.create_project_group("studio", ["w1@example.com"], "night")
    assert (group.name, group.num_workers) == ("night", 1)
    updated = scale.update_project_group(
        project="studio",
        project_group="night",
        add_emails=["w2@example.com"],
        remove_emails=["w1@example.com"],
    )
    assert [w["email"] for w in updated.workers] == ["w2@example.com"]
    assert [g.name for g in scale.list_project_groups("studio")] == ["night"]
    assigned = scale.assign_studio_batches("s1", ["night"])
    assert assigned.groups == ["night"] and assigned.project_name == "studio"
    ordered = scale.set_studio_batches_priorities(["s2", "s1"])
    assert {b.name: b.studio_priority for b in ordered if b.project_name == "studio"} == {
        "s2": 1,
        "s1": 2,
    }
    assert {b.name for b in scale.list_studio_batches()} >= {"s1", "s2"}
    reset = scale.reset_studio_batches_priorities()
    assert {b.name: b.studio_priority for b in reset if b.project_name == "studio"} == {
        "s1": sorted(b.name for b in reset).index("s1") + 1,
        "s2": sorted(b.name for b in reset).index("s2") + 1,
    }
    with pytest.raises(labelkit.NotFoundError):
        scale.assign_studio_batches("s1", ["no-such-group"])


def test_v2_surface_with_the_official_request_objects() -> None:
    emulator = ScaleEmulator(config=EmulatorConfig(processing_time=3600, seed=4))
    with labelkit.Scale(
        DEFAULT_LIVE_KEY, base_url=emulator.base_url, transport=emulator.transport(), max_retries=0
    ) as scale:
        scale.create_project("chats", TaskType.Chat, {"instruction": "Talk"})
        v2 = scale.v2
        pid = v2.get_project(project_name="chats").id
        assert [p.id for p in v2.get_projects().projects] == [pid]
        batch = v2.create_batch(CreateBatchRequest(name="w1", project_name="chats"))
        task = v2.create_chat_task(CreateChatTaskRequest(project_id=pid, batch_name="w1"))
        assert v2.get_task(task_id=task.task_id, expand=["project"]).project["id"] == pid
        assert [t.task_id for t in v2.get_tasks(project_name="chats", limit=10).tasks] == [
            task.task_id
        ]
        assert [t.task_id for t in scale.v2_get_tasks(project_id=pid)] == [task.task_id]
        v2.set_task_metadata(SetTaskMetadataRequest(task_id=task.task_id, metadata={"a": 1}))
        v2.set_batch_metadata(SetBatchMetadataRequest(batch_id=batch.id, metadata={"b": 2}))
        assert v2.get_batch(batch_name="w1").metadata == {"b": 2}
        assert [b.id for b in v2.get_batches(project_id=pid).batches] == [batch.id]
        v2.finalize_batch(BatchOperationRequest(batch_name="w1"))
        assert v2.pause_batch(batch_operation_request={"batch_id": batch.id}).batch
        assert v2.resume_batch(BatchOperationRequest(batch_id=batch.id)).batch
        assert v2.cancel_batch(BatchOperationRequest(batch_id=batch.id)).batch
        emulator.v2.seed_delivery(
            "live", "d1", "first", "chats", [task.task_id], "2024-01-02T00:00:00Z"
        )
        emulator.v2.seed_annotation("live", {"id": "a1", "type": "integer", "value": 3})
        emulator.v2.seed_schema("live", "s1", {"type": "object"})
        emulator.v2.seed_dataset("live", "ds1", "set", {"dd1": ("d", "2024-01-02T00:00:00Z")})
        emulator.v2.seed_dataset_task("dt1", "dd1", {"ok": True}, {"att1": b"bytes"})
        assert [d.id for d in v2.get_deliveries(project_id=pid).deliveries] == ["d1"]
        assert v2.get_delivery(delivery_id="d1").delivery is not None
        assert [d.task_id for d in v2.get_delivery_tasks(delivery_id="d1").docs] == [task.task_id]
        assert v2.get_annotation(annotation_id="a1").value == 3
        assert v2.get_schema(schema_id="s1").schema is not None
        assert [d.id for d in v2.get_datasets().datasets] == ["ds1"]
        assert v2.get_dataset_deliveries(dataset_id="ds1").deliveries
        assert [t.task_id for t in v2.get_dataset_delivery(delivery_id="dd1").tasks] == ["dt1"]
        assert [t.task_id for t in v2.get_dataset_tasks(dataset_id="ds1").tasks] == ["dt1"]
        assert v2.get_dataset_task(task_id="dt1").response == {"ok": True}
        assert v2.get_dataset_task_response_url(task_id="dt1", attachment_id="att1")
    emulator.close()
