"""Drop-in calls: official ``fastlabel`` SDK calls with the argument forms of its tables, through
the sync client against the in-process emulator. Values the SDK sends without checking are sent;
where the server refuses one, the typed error names the server's message."""

from __future__ import annotations

import typing

import pytest

import labelkit
from labelkit._emulator import EmulatorConfig, EmulatorServer
from labelkit._emulator.fastlabel import DEFAULT_TOKEN, FastLabelEmulator
from labelkit.fastlabel import FastLabel


@pytest.fixture(scope="module")
def fl() -> typing.Iterator[FastLabel]:
    emulator = FastLabelEmulator(config=EmulatorConfig(processing_time=0.0, seed=1))
    with EmulatorServer(emulator) as server:
        with FastLabel(DEFAULT_TOKEN, base_url=server.url + "/v1/", max_retries=0) as client:
            client.create_project("image_bbox", "Auto", "auto")
            client.create_dataset("dropin")
            yield client


def test_projects_with_the_values_the_sdk_sends(fl: FastLabel) -> None:
    # create_project(type, name, slug, is_pixel=False, job_size=10, workflow, external_workflow)
    one = fl.create_project("image_bbox", "One step", "one-step", False, 10, "one_step")
    kw = fl.create_project(
        type="image_bbox", name="Kw", slug="kw", workflow="three_step", external_workflow="one_step"
    )
    fl.update_project(one, "One", None, 20, "two_step", "one_step")
    fl.update_project(project_id=kw, workflow="one_step")
    assert fl.find_project(one).workflow == "two_step"  # type: ignore[attr-defined]
    assert fl.find_project(kw).workflow == "one_step"  # type: ignore[attr-defined]
    assert fl.find_project_by_slug("kw").id == kw
    assert {p.slug for p in fl.get_projects()} >= {"one-step", "kw"}
    fl.update_project_metadata(one, "a", None, "c")
    fl.create_workspace_user("Ann", "ann@example.com", "ja", "member")
    fl.update_project_user_permission("kw", "ann@example.com", "reviewer")
    fl.update_project_user_permission(project="kw", email="ann@example.com", role="none")
    fl.update_workspace_user("ann@example.com", "owner")
    fl.update_workspace_user(email="ann@example.com", role="member")
    fl.create_workspace_user_module_permissions("ann@example.com", ["annotation", "modelDev"])
    fl.delete_workspace_user_module_permissions(email="ann@example.com", modules=["dataset"])
    fl.delete_workspace_user("ann@example.com")
    copied = fl.copy_project(one, "Copy", "copy")
    fl.delete_project(copied)


def test_datasets_and_jobs_with_the_values_the_sdk_sends(fl: FastLabel) -> None:
    fl.create_dataset("dropin-org", ["a"], "organization")
    fl.create_dataset(name="dropin-kw", tags=None, visibility="public")
    assert [d.name for d in fl.get_datasets(visibility="public")] == ["dropin-kw"]
    # execute_training_job(dataset_name, base_model_name, epoch, ..., resize_dimension): 640 is
    # the YOLO input size the SDK sends; it used to be refused ("512 or 1024").
    job = fl.execute_training_job("dropin", "fastlabel_object_detection-light", 1)
    job_kw = fl.execute_training_job(
        dataset_name="dropin",
        base_model_name="fastlabel_object_detection-light",
        epoch=2,
        resize_option="fixed",
        resize_dimension=640,
    )
    assert job.id and job_kw.id  # type: ignore[attr-defined]
    assert fl.get_training_jobs()
    fl.execute_auto_annotation_job("auto", "model", "ocr", processing_speed="medium")
    fl.execute_auto_annotation_job(project="auto", model_name="m", algorithm_type=None)
    assert fl.get_auto_annotation_jobs("auto")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda fl: fl.create_project("image_bbox", "X", "x", workflow="four_step"),
            "workflow must be one of the following values",
        ),
        (
            lambda fl: fl.update_project_user_permission("auto", "owner@example.com", "admin"),
            "role must be one of the following values",
        ),
        (
            lambda fl: fl.create_dataset("private-one", visibility="private"),
            "visibility must be one of the following values",
        ),
        (
            lambda fl: fl.execute_training_job("dropin", "m", 1, resize_option="crop"),
            "resizeOption must be one of the following values",
        ),
        (
            lambda fl: fl.execute_training_job("dropin", "m", 1, resize_dimension=0),
            "resizeDimension must not be less than 1",
        ),
        (
            lambda fl: fl.execute_auto_annotation_job("auto", "m", processing_speed="max"),
            "processingSpeed must be one of the following values",
        ),
        (
            lambda fl: fl.execute_auto_annotation_job("auto", "m", algorithm_type="seg"),
            "algorithmType must be one of the following values",
        ),
        (
            lambda fl: fl.create_workspace_user("B", "b@example.com", "fr", "member"),
            "language must be one of the following values",
        ),
        (
            lambda fl: fl.update_workspace_user("owner@example.com", "admin"),
            "role must be one of the following values",
        ),
        (
            lambda fl: fl.create_model_monitoring_request_results(
                "m", [{"status": "ok", "result": [], "requestAt": "2024-01-01T00:00:00Z"}]
            ),
            "results.0.status must be one of",
        ),
    ],
)
def test_values_outside_the_documented_sets_are_judged_by_the_server(
    fl: FastLabel, call: typing.Callable[[FastLabel], object], message: str
) -> None:
    with pytest.raises(labelkit.BadRequestError) as info:
        call(fl)
    assert message in info.value.message
