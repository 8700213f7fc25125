"""Drop-in calls: the official ``scaleapi`` 2.x methods (wire spec, section 5 tables) with their
own argument forms, through the sync client against the in-process emulator. The Studio calls
are left out: the emulator has no Studio routes (tests/test_scale_wire.py covers their wire)."""

from __future__ import annotations

import pathlib
import typing

import pytest

import labelkit
from labelkit._emulator.scale import DEFAULT_LIVE_KEY, ScaleEmulator
from labelkit.emulators import EmulatorConfig, EmulatorServer
from labelkit.scale import BatchStatus, TaskReviewStatus, TaskStatus, TaskType, TeamRole

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
