"""The FastLabel surface: every method of the official SDK (the operation table of the wire
reference, section 10) exists on AsyncFastLabel (async) and FastLabel (sync), with the official
parameters in the official order and equivalent defaults, so migrating is adding ``await``."""

from __future__ import annotations

import inspect
import typing

import pytest

from labelkit.fastlabel import AsyncFastLabel, FastLabel
from tests._support._parity import assert_sync_parity

LIST = object()  # the SDK's mutable ``[]`` default: ours is None (same request)
ANY = object()  # a sentinel default in the SDK: not compared


#: Deliberate differences from the SDK's defaults: (method, parameter) -> why.
DEVIATIONS = {
    # Accepted but never sent by the SDK; None tells "not given" from "given and ignored".
    ("execute_evaluation_job", "instance_type"): "never sent by the SDK",
    # Sending no results at all is an error on the server; the SDK's [] default only hid it.
    ("create_model_monitoring_request_results", "results"): "required",
    # The SDK's default palette object; ours is looked up when None.
    ("export_instance_segmentation", "pallete"): "palette looked up lazily",
    ("export_semantic_segmentation", "pallete"): "palette looked up lazily",
}

#: method -> official parameters: a name, or (name, default). 159 methods.
OFFICIAL: dict[str, tuple[typing.Any, ...]] = {
    "add_task_tags": ("project", "task_ids", "tags"),
    "convert_coco_to_fastlabel": ("file_path", "annotation_type"),
    "convert_labelme_to_fastlabel": ("folder_path",),
    "convert_pascalvoc_to_fastlabel": ("folder_path",),
    "convert_yolo_to_fastlabel": ("classes_file_path", "dataset_folder_path", "project_type"),
    "copy_project": ("project_id", ("project_name", None), ("project_slug", None)),
    "count_tasks": ("project", ("status", None), ("external_status", None), ("tags", None)),
    "create_annotation": (
        "project",
        "type",
        "value",
        "title",
        ("color", None),
        ("order", None),
        ("attributes", LIST),
        ("max_area_count", ANY),
    ),
    "create_audio_classification_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "create_audio_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_classification_annotation": ("project", "attributes"),
    "create_dataset": ("name", ("tags", LIST), ("visibility", None)),
    "create_dataset_object": (
        "dataset",
        "name",
        "file_path",
        ("tags", None),
        ("licenses", None),
        ("annotations", None),
        ("custom_metadata", None),
    ),
    "create_dicom_task": (
        "project",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_image_classification_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
        ("is_delete_exif", False),
    ),  # **kwargs: assignees
    "create_image_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("custom_task_status", ""),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
        ("is_delete_exif", False),
    ),  # **kwargs: assignees
    "create_integrated_image_classification_task": (
        "project",
        "file_path",
        "storage_type",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", None),
        ("tags", None),
    ),  # **kwargs: assignees
    "create_integrated_image_task": (
        "project",
        "storage_type",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("annotations", None),
        ("tags", None),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_model_monitoring_request_results": ("name", ("results", LIST)),
    "create_multi_image_classification_task": (
        "project",
        "name",
        "folder_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
        ("is_delete_exif", False),
    ),  # **kwargs: assignees
    "create_pcd_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_project": (
        "type",
        "name",
        "slug",
        ("is_pixel", False),
        ("job_size", 10),
        ("workflow", "two_step"),
        ("external_workflow", "two_step"),
    ),
    "create_robotics_task": (
        "project",
        "name",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", None),
        ("operator", None),
        ("metadatas", None),
    ),  # **kwargs: assignees
    "create_sequential_image_task": (
        "project",
        "name",
        "folder_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
        ("is_delete_exif", False),
    ),  # **kwargs: assignees
    "create_sequential_pcd_task": (
        "project",
        "name",
        "folder_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_task_comment": (
        ("task_id", None),
        ("points", None),
        ("text", None),
        ("content_name", None),
        ("content_id", None),
        ("type", "text"),
        ("scale", 0),
        ("frame", 0),
        ("status", None),
        ("priority", None),
        ("is_resolved", False),
        ("task_annotation_id", None),
        ("color", None),
        ("comment_id", None),
    ),
    "create_task_from_aws_s3": (
        "project",
        ("status", "registered"),
        ("tags", LIST),
        ("priority", 0),
    ),
    "create_text_classification_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "create_text_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_video_classification_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "create_video_task": (
        "project",
        "name",
        "file_path",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("annotations", LIST),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "create_workspace_user": ("name", "email", "language", "role"),
    "create_workspace_user_module_permissions": ("email", "modules"),
    "delete_annotation": ("annotation_id",),
    "delete_dataset": ("dataset_id",),
    "delete_dataset_object": ("dataset_id", "object_name"),
    "delete_project": ("project_id",),
    "delete_tags": ("tag_ids",),
    "delete_task": ("task_id",),
    "delete_task_annotations": ("task_id",),
    "delete_task_comment": ("thread_id",),
    "delete_workspace_user": ("email",),
    "delete_workspace_user_module_permissions": ("email", "modules"),
    "download_dataset_objects": (
        "dataset",
        "path",
        ("version", ""),
        ("revision_id", ""),
        ("tags", None),
        ("licenses", None),
        ("types", None),
        ("offset", 0),
        ("limit", 1000),
    ),
    "execute_auto_annotation_job": (
        "project",
        "model_name",
        ("algorithm_type", None),
        ("update_existing", False),
        ("confidence_threshold", 0.4),
        ("use_tta", False),
        ("use_flip", False),
        ("processing_speed", "low"),
        ("auto_creation", True),
    ),
    "execute_endpoint": ("endpoint_name", "file_path"),
    "execute_evaluation_job": (
        "dataset_name",
        "model_name",
        ("iou_threshold", 0.5),
        ("confidence_threshold", 0.4),
        ("dataset_revision_id", None),
        ("use_dataset_test", False),
        ("instance_type", "ml.p3.2xlarge"),
        ("batch_size", None),
        ("learning_rate", None),
    ),
    "execute_training_job": (
        "dataset_name",
        "base_model_name",
        "epoch",
        ("dataset_revision_id", None),
        ("use_dataset_train_val", False),
        ("instance_type", "ml.p3.2xlarge"),
        ("batch_size", None),
        ("learning_rate", None),
        ("resize_option", None),
        ("resize_dimension", None),
        ("annotation_value", ""),
        ("config_file_path", None),
    ),
    "export_coco": (
        "project",
        "tasks",
        ("annotations", LIST),
        ("output_dir", ANY),
        ("output_file_name", "annotations.json"),
    ),
    "export_image_with_annotations": ("tasks", "image_dir", ("output_dir", ANY)),
    "export_instance_segmentation": (
        "tasks",
        ("output_dir", ANY),
        ("pallete", ANY),
        ("start_index", 1),
    ),
    "export_labelme": ("tasks", ("output_dir", ANY)),
    "export_pascalvoc": ("project", "tasks", ("output_dir", ANY)),
    "export_semantic_segmentation": (
        "tasks",
        ("output_dir", ANY),
        ("pallete", ANY),
        ("classes", LIST),
        ("start_index", 1),
    ),
    "export_yolo": ("project", "tasks", ("classes", LIST), ("output_dir", ANY)),
    "find_annotation": ("annotation_id",),
    "find_annotation_by_value": ("project", "value"),
    "find_audio_classification_task": ("task_id",),
    "find_audio_classification_task_by_name": ("project", "task_name"),
    "find_audio_task": ("task_id",),
    "find_audio_task_by_name": ("project", "task_name"),
    "find_dataset": ("dataset_id",),
    "find_dataset_object": ("dataset_id", "object_name", ("version", None), ("revision_id", None)),
    "find_dicom_task": ("task_id",),
    "find_dicom_task_by_name": ("project", "task_name"),
    "find_evaluation_job": ("id",),
    "find_history": ("history_id",),
    "find_image_classification_task": ("task_id",),
    "find_image_classification_task_by_name": ("project", "task_name"),
    "find_image_task": ("task_id",),
    "find_image_task_by_name": ("project", "task_name"),
    "find_integrated_audio_task_by_prefix": ("project", "prefix"),
    "find_integrated_image_task_by_prefix": ("project", "prefix"),
    "find_integrated_video_task_by_prefix": ("project", "prefix"),
    "find_multi_image_classification_task": ("task_id",),
    "find_multi_image_classification_task_by_name": ("project", "task_name"),
    "find_multi_modal_video_audio_task": ("task_id",),
    "find_pcd_task": ("task_id",),
    "find_pcd_task_by_name": ("project", "task_name"),
    "find_project": ("project_id",),
    "find_project_by_slug": ("slug",),
    "find_robotics_task": ("task_id",),
    "find_robotics_task_by_name": ("project", "task_name"),
    "find_sequential_image_task": ("task_id",),
    "find_sequential_image_task_by_name": ("project", "task_name"),
    "find_sequential_pcd_task": ("task_id",),
    "find_sequential_pcd_task_by_name": ("project", "task_name"),
    "find_text_classification_task": ("task_id",),
    "find_text_classification_task_by_name": ("project", "task_name"),
    "find_text_task": ("task_id",),
    "find_text_task_by_name": ("project", "task_name"),
    "find_training_job": ("id",),
    "find_video_classification_task": ("task_id",),
    "find_video_classification_task_by_name": ("project", "task_name"),
    "find_video_task": ("task_id",),
    "find_video_task_by_name": ("project", "task_name"),
    "get_annotations": ("project", ("value", None), ("offset", None), ("limit", 10)),
    "get_appendix_data": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", None),
        ("task_name", None),
        ("offset", None),
        ("limit", 10000),
    ),
    "get_audio_classification_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_audio_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_auto_annotation_jobs": ("project", ("offset", None), ("limit", 1000)),
    "get_aws_s3_import_status_by_project": ("project",),
    "get_dataset_objects": (
        "dataset",
        ("version", None),
        ("tags", None),
        ("licenses", None),
        ("revision_id", None),
        ("types", None),
        ("offset", 0),
        ("limit", 1000),
    ),
    "get_datasets": (("keyword", None), ("tags", LIST), ("license", None), ("visibility", None)),
    "get_dicom_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_evaluation_jobs": (("offset", None), ("limit", 1000)),
    "get_histories": ("project", ("offset", None), ("limit", 100)),
    "get_image_classification_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_image_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_metadatas": (("project", None), ("offset", None), ("limit", 100)),
    "get_multi_image_classification_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_multi_modal_video_audio_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 10),
    ),
    "get_pcd_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_project_comments": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", None),
        ("issue_category_id", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_project_id_slug_map": (("offset", None), ("limit", 1000)),
    "get_projects": (("slug", None), ("offset", None), ("limit", 100)),
    "get_robotics_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", None),
        ("task_name", None),
        ("offset", 0),
        ("limit", 100),
    ),
    "get_sequential_image_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 10),
    ),
    "get_sequential_pcd_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", None),
        ("task_name", None),
        ("offset", None),
        ("limit", 10),
    ),
    "get_tags": ("project", ("keyword", None), ("offset", None), ("limit", 100)),
    "get_task_appendix_data": ("project", ("task_name", None), ("offset", None), ("limit", 10000)),
    "get_task_comments": ("project", "task_id", ("offset", None), ("limit", 100)),
    "get_task_id_name_map": ("project", ("offset", None), ("limit", 1000)),
    "get_text_classification_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_text_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_training_jobs": (("offset", None), ("limit", 100)),
    "get_video_classification_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 100),
    ),
    "get_video_tasks": (
        "project",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("task_name", None),
        ("offset", None),
        ("limit", 10),
    ),
    "get_workspace_users": (("keyword", None), ("offset", None), ("limit", 20)),
    "import_appendix_file": ("project", "file_path"),
    "import_lerobot": (
        "project",
        "lerobot_data_path",
        ("episode_indices", None),
        ("converter", ANY),
    ),
    "import_robotics_contents_file": ("project", "file_path"),
    "mask_to_fastlabel_segmentation_points": ("mask_image",),
    "remove_task_tags": ("project", "task_ids", "tags"),
    "update_annotation": (
        "annotation_id",
        ("value", None),
        ("title", None),
        ("color", None),
        ("order", None),
        ("attributes", LIST),
        ("max_area_count", ANY),
    ),
    "update_audio_classification_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "update_audio_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_aws_s3_storage": ("project", "bucket_name", "bucket_region", ("prefix", None)),
    "update_classification_annotation": ("annotation_id", "attributes"),
    "update_dataset": ("dataset_id", ("name", None), ("tags", None)),
    "update_dataset_object": (
        "dataset_id",
        "object_name",
        ("tags", None),
        ("licenses", None),
        ("annotations", None),
        ("custom_metadata", None),
    ),
    "update_dicom_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_image_classification_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "update_image_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("custom_task_status", ""),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("relations", None),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_multi_image_classification_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "update_pcd_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_project": (
        "project_id",
        ("name", None),
        ("slug", None),
        ("job_size", None),
        ("workflow", None),
        ("external_workflow", None),
    ),
    "update_project_metadata": (
        "project_id",
        "external_code_1",
        "external_code_2",
        "external_code_3",
    ),
    "update_project_user_permission": ("project", "email", "role"),
    "update_robotics_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", None),
        ("operator", None),
        ("annotations", None),
        ("metadatas", None),
    ),  # **kwargs: assignees
    "update_sequential_image_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_sequential_pcd_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_task_comment": ("thread_id", "text"),
    "update_text_classification_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "update_text_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_video_classification_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("attributes", LIST),
        ("tags", LIST),
    ),  # **kwargs: assignees
    "update_video_task": (
        "task_id",
        ("status", None),
        ("external_status", None),
        ("priority", None),
        ("tags", LIST),
        ("annotations", LIST),
        ("metadatas", LIST),
    ),  # **kwargs: assignees
    "update_workspace_user": ("email", "role"),
}


def test_the_table_is_complete() -> None:
    assert len(OFFICIAL) == 159


@pytest.mark.parametrize("name", sorted(OFFICIAL))
@pytest.mark.parametrize("cls", [AsyncFastLabel, FastLabel])
def test_method_exists_with_official_parameters(cls: type, name: str) -> None:
    method = getattr(cls, name, None)
    assert method is not None, f"{cls.__name__}.{name} is missing"
    is_async = inspect.iscoroutinefunction(method)
    assert is_async == (cls is AsyncFastLabel), f"{cls.__name__}.{name}: async is {is_async}"
    params = list(inspect.signature(method).parameters.values())[1:]
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    official = [p if isinstance(p, tuple) else (p, inspect.Parameter.empty) for p in OFFICIAL[name]]
    assert [p.name for p in positional[: len(official)]] == [n for n, _ in official]
    assert len(positional) == len(official), "extra arguments must be keyword-only"
    for param, (pname, default) in zip(positional, official, strict=True):
        if default is ANY or default is inspect.Parameter.empty or (name, pname) in DEVIATIONS:
            continue  # a default where the SDK requires the argument only relaxes
        if default is LIST or default == "":
            assert param.default in (None, "", ()), f"{name}({pname}=...)"
        else:
            assert param.default == default, f"{name}({pname}={param.default!r}), SDK {default!r}"
    assert not any(p.kind is p.VAR_KEYWORD for p in params), "unknown keywords must be rejected"


def test_sync_parity() -> None:
    assert_sync_parity(AsyncFastLabel, FastLabel)
