"""The official parameters of every FastLabel task create/update method.

Derived from /work/shared/providers/fastlabel.md (``../shared/providers/fastlabel.md``),
section 6.1, the method column of the per-type tables (line numbers below); ``**assignees``
there stands for the twelve assignee keywords of section 5.2. Rows the section abbreviates
(``(...)``) take the parameters of its section 10 operation table, as
``test_fastlabel_surface.OFFICIAL`` does. Checked in, not read at test time: a change of the
reference must be carried over here by hand."""

OFFICIAL_TASK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "create_image_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "custom_task_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "is_delete_exif",
        "**assignees",
    ),  # line 386
    "update_image_task": (
        "task_id",
        "status",
        "external_status",
        "custom_task_status",
        "priority",
        "tags",
        "annotations",
        "relations",
        "metadatas",
        "**assignees",
    ),  # line 387
    "create_integrated_image_task": (
        "project",
        "storage_type",
        "file_path",
        "status",
        "external_status",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 388
    "create_image_classification_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "is_delete_exif",
        "**assignees",
    ),  # line 398
    "create_integrated_image_classification_task": (
        "project",
        "file_path",
        "storage_type",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 399
    "update_image_classification_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 400
    "create_multi_image_classification_task": (
        "project",
        "name",
        "folder_path",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "is_delete_exif",
        "**assignees",
    ),  # line 409
    "update_multi_image_classification_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 410, "(...)" there: section 10 table
    "create_sequential_image_task": (
        "project",
        "name",
        "folder_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "is_delete_exif",
        "**assignees",
    ),  # line 419
    "update_sequential_image_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 420
    "create_video_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 429
    "update_video_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 430, "(...)" there: section 10 table
    "create_video_classification_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 440
    "update_video_classification_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 441, "(...)" there: section 10 table
    "create_text_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 450, "..." there: section 10 table
    "update_text_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 451, "(...)" there: section 10 table
    "create_text_classification_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 460, "(...)" there: section 10 table
    "update_text_classification_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 461, "(...)" there: section 10 table
    "create_audio_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 470, "(...)" there: section 10 table
    "update_audio_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 471, "(...)" there: section 10 table
    "create_audio_classification_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 481, "(...)" there: section 10 table
    "update_audio_classification_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "attributes",
        "tags",
        "**assignees",
    ),  # line 482, "(...)" there: section 10 table
    "create_pcd_task": (
        "project",
        "name",
        "file_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 498, "(...)" there: section 10 table
    "update_pcd_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 499, "(...)" there: section 10 table
    "create_sequential_pcd_task": (
        "project",
        "name",
        "folder_path",
        "status",
        "external_status",
        "priority",
        "annotations",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 503, "..." there: section 10 table
    "update_sequential_pcd_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 504, "(...)" there: section 10 table
    "update_dicom_task": (
        "task_id",
        "status",
        "external_status",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 514
    "create_robotics_task": (
        "project",
        "name",
        "status",
        "external_status",
        "priority",
        "tags",
        "operator",
        "metadatas",
        "**assignees",
    ),  # line 520
    "update_robotics_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "operator",
        "annotations",
        "metadatas",
        "**assignees",
    ),  # line 524
    "update_task": (
        "task_id",
        "status",
        "external_status",
        "priority",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 532
    "create_dicom_task": (
        "project",
        "file_path",
        "status",
        "external_status",
        "tags",
        "metadatas",
        "**assignees",
    ),  # line 513
}
