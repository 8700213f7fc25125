"""FastLabel: the per-type task methods (6.1), one declaration each.

Every line pairs a method's shape (:mod:`._shapes`, :mod:`._write_shapes`) with its
:class:`~._kinds.TaskKind`; the method it becomes hands its arguments, by name, to
the one mechanism in :mod:`._mechanism`, which maps each official parameter to its
wire field.
"""

from __future__ import annotations

from ._kinds import (
    AUDIO,
    AUDIO_CLASSIFICATION,
    DICOM,
    IMAGE,
    IMAGE_CLASSIFICATION,
    INTEGRATED_IMAGE,
    INTEGRATED_IMAGE_CLASSIFICATION,
    MULTI_IMAGE_CLASSIFICATION,
    MULTI_MODAL_VIDEO_AUDIO,
    PCD,
    ROBOTICS,
    SEQUENTIAL_IMAGE,
    SEQUENTIAL_PCD,
    TEXT,
    TEXT_CLASSIFICATION,
    VIDEO,
    VIDEO_CLASSIFICATION,
)
from ._mechanism import TasksBase
from ._shapes import (
    create_task,
    find_integrated,
    find_task,
    find_task_by_name,
    get_tasks,
    get_tasks_from_zero,
    iter_tasks,
    update_task,
)
from ._write_shapes import (
    CreateClassificationTask,
    CreateDicomTask,
    CreateImageClassificationTask,
    CreateImageTask,
    CreateIntegratedImageClassificationTask,
    CreateIntegratedImageTask,
    CreateMultiImageClassificationTask,
    CreateRoboticsTask,
    CreateSequentialImageTask,
    CreateSequentialPcdTask,
    CreateTask,
    UpdateClassificationTask,
    UpdateDicomTask,
    UpdateImageTask,
    UpdateRoboticsTask,
    UpdateTask,
)

__all__ = ["PerKindTasksMixin"]


class PerKindTasksMixin(TasksBase):
    """The methods of every task type: find, find by name, one page, every page, create,
    update (6.1.1 to 6.1.14)."""

    # Image, image classification, integrated (bucket) image (6.1.1, 6.1.2)
    find_image_task = find_task(IMAGE)
    find_image_task_by_name = find_task_by_name(IMAGE)
    get_image_tasks = get_tasks(IMAGE)
    iter_image_tasks = iter_tasks(IMAGE)
    create_image_task = create_task(IMAGE, CreateImageTask.__call__)
    update_image_task = update_task(IMAGE, UpdateImageTask.__call__)
    create_integrated_image_task = create_task(INTEGRATED_IMAGE, CreateIntegratedImageTask.__call__)
    find_integrated_image_task_by_prefix = find_integrated(IMAGE, "images")
    find_image_classification_task = find_task(IMAGE_CLASSIFICATION)
    find_image_classification_task_by_name = find_task_by_name(IMAGE_CLASSIFICATION)
    get_image_classification_tasks = get_tasks(IMAGE_CLASSIFICATION)
    iter_image_classification_tasks = iter_tasks(IMAGE_CLASSIFICATION)
    create_image_classification_task = create_task(
        IMAGE_CLASSIFICATION, CreateImageClassificationTask.__call__
    )
    create_integrated_image_classification_task = create_task(
        INTEGRATED_IMAGE_CLASSIFICATION, CreateIntegratedImageClassificationTask.__call__
    )
    update_image_classification_task = update_task(
        IMAGE_CLASSIFICATION, UpdateClassificationTask.__call__
    )

    # Multi-image classification, sequential image (6.1.3, 6.1.4)
    find_multi_image_classification_task = find_task(MULTI_IMAGE_CLASSIFICATION)
    find_multi_image_classification_task_by_name = find_task_by_name(MULTI_IMAGE_CLASSIFICATION)
    get_multi_image_classification_tasks = get_tasks(MULTI_IMAGE_CLASSIFICATION)
    iter_multi_image_classification_tasks = iter_tasks(MULTI_IMAGE_CLASSIFICATION)
    create_multi_image_classification_task = create_task(
        MULTI_IMAGE_CLASSIFICATION, CreateMultiImageClassificationTask.__call__
    )
    update_multi_image_classification_task = update_task(
        MULTI_IMAGE_CLASSIFICATION, UpdateClassificationTask.__call__
    )
    find_sequential_image_task = find_task(SEQUENTIAL_IMAGE)
    find_sequential_image_task_by_name = find_task_by_name(SEQUENTIAL_IMAGE)
    get_sequential_image_tasks = get_tasks(SEQUENTIAL_IMAGE)
    iter_sequential_image_tasks = iter_tasks(SEQUENTIAL_IMAGE)
    create_sequential_image_task = create_task(SEQUENTIAL_IMAGE, CreateSequentialImageTask.__call__)
    update_sequential_image_task = update_task(
        SEQUENTIAL_IMAGE,
        UpdateTask.__call__,
        "``annotations`` are sent as copies, ``content`` as the caller set it.",
    )

    # Video, video classification, multi-modal video and audio (6.1.5, 6.1.6, 6.1.11)
    find_video_task = find_task(VIDEO)
    find_video_task_by_name = find_task_by_name(VIDEO)
    get_video_tasks = get_tasks(VIDEO)
    iter_video_tasks = iter_tasks(VIDEO)
    create_video_task = create_task(
        VIDEO, CreateTask.__call__, "Points are keyed by 1-based frame number."
    )
    update_video_task = update_task(VIDEO, UpdateTask.__call__)
    find_integrated_video_task_by_prefix = find_integrated(VIDEO, "videos")
    find_video_classification_task = find_task(VIDEO_CLASSIFICATION)
    find_video_classification_task_by_name = find_task_by_name(VIDEO_CLASSIFICATION)
    get_video_classification_tasks = get_tasks(VIDEO_CLASSIFICATION)
    iter_video_classification_tasks = iter_tasks(VIDEO_CLASSIFICATION)
    create_video_classification_task = create_task(
        VIDEO_CLASSIFICATION, CreateClassificationTask.__call__
    )
    update_video_classification_task = update_task(
        VIDEO_CLASSIFICATION, UpdateClassificationTask.__call__
    )
    find_multi_modal_video_audio_task = find_task(MULTI_MODAL_VIDEO_AUDIO)
    get_multi_modal_video_audio_tasks = get_tasks(MULTI_MODAL_VIDEO_AUDIO)
    iter_multi_modal_video_audio_tasks = iter_tasks(MULTI_MODAL_VIDEO_AUDIO)

    # Text, text classification (6.1.7, 6.1.8)
    find_text_task = find_task(TEXT)
    find_text_task_by_name = find_task_by_name(TEXT)
    get_text_tasks = get_tasks(TEXT)
    iter_text_tasks = iter_tasks(TEXT)
    create_text_task = create_task(
        TEXT, CreateTask.__call__, "NER annotations carry ``start``, ``end``, ``text``."
    )
    update_text_task = update_task(TEXT, UpdateTask.__call__)
    find_text_classification_task = find_task(TEXT_CLASSIFICATION)
    find_text_classification_task_by_name = find_task_by_name(TEXT_CLASSIFICATION)
    get_text_classification_tasks = get_tasks(TEXT_CLASSIFICATION)
    iter_text_classification_tasks = iter_tasks(TEXT_CLASSIFICATION)
    create_text_classification_task = create_task(
        TEXT_CLASSIFICATION, CreateClassificationTask.__call__
    )
    update_text_classification_task = update_task(
        TEXT_CLASSIFICATION, UpdateClassificationTask.__call__
    )

    # Audio, audio classification (6.1.9, 6.1.10)
    find_audio_task = find_task(AUDIO)
    find_audio_task_by_name = find_task_by_name(AUDIO)
    get_audio_tasks = get_tasks(AUDIO)
    iter_audio_tasks = iter_tasks(AUDIO)
    create_audio_task = create_task(
        AUDIO, CreateTask.__call__, "Segments carry ``start``/``end`` in seconds."
    )
    update_audio_task = update_task(AUDIO, UpdateTask.__call__)
    find_integrated_audio_task_by_prefix = find_integrated(AUDIO, "audios")
    find_audio_classification_task = find_task(AUDIO_CLASSIFICATION)
    find_audio_classification_task_by_name = find_task_by_name(AUDIO_CLASSIFICATION)
    get_audio_classification_tasks = get_tasks(AUDIO_CLASSIFICATION)
    iter_audio_classification_tasks = iter_tasks(AUDIO_CLASSIFICATION)
    create_audio_classification_task = create_task(
        AUDIO_CLASSIFICATION, CreateClassificationTask.__call__
    )
    update_audio_classification_task = update_task(
        AUDIO_CLASSIFICATION, UpdateClassificationTask.__call__
    )

    # PCD, sequential PCD (6.1.12)
    find_pcd_task = find_task(PCD)
    find_pcd_task_by_name = find_task_by_name(PCD)
    get_pcd_tasks = get_tasks(PCD)
    iter_pcd_tasks = iter_tasks(PCD)
    create_pcd_task = create_task(
        PCD, CreateTask.__call__, "Cuboid points: x, y, z, rotation x/y/z, size x/y/z."
    )
    update_pcd_task = update_task(PCD, UpdateTask.__call__)
    find_sequential_pcd_task = find_task(SEQUENTIAL_PCD)
    find_sequential_pcd_task_by_name = find_task_by_name(SEQUENTIAL_PCD)
    get_sequential_pcd_tasks = get_tasks(SEQUENTIAL_PCD)
    iter_sequential_pcd_tasks = iter_tasks(SEQUENTIAL_PCD)
    create_sequential_pcd_task = create_task(SEQUENTIAL_PCD, CreateSequentialPcdTask.__call__)
    update_sequential_pcd_task = update_task(SEQUENTIAL_PCD, UpdateTask.__call__)

    # DICOM, robotics (6.1.13, 6.1.14)
    find_dicom_task = find_task(DICOM)
    find_dicom_task_by_name = find_task_by_name(DICOM)
    get_dicom_tasks = get_tasks(DICOM)
    iter_dicom_tasks = iter_tasks(DICOM)
    create_dicom_task = create_task(DICOM, CreateDicomTask.__call__)
    update_dicom_task = update_task(DICOM, UpdateDicomTask.__call__)
    create_robotics_task = create_task(ROBOTICS, CreateRoboticsTask.__call__)
    find_robotics_task = find_task(ROBOTICS)
    find_robotics_task_by_name = find_task_by_name(ROBOTICS)
    get_robotics_tasks = get_tasks_from_zero(ROBOTICS)
    iter_robotics_tasks = iter_tasks(ROBOTICS)
    update_robotics_task = update_task(ROBOTICS, UpdateRoboticsTask.__call__)
