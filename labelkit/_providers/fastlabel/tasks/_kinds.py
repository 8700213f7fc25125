"""The task types of FastLabel, as data: one :class:`TaskKind` per type.

Every per-type method (``create_video_task``, ``get_pcd_tasks``...) is a thin
entry that hands its arguments and its kind to the one mechanism in
:mod:`._mechanism`; what differs between types (path, page sizes, file rules,
where annotation ``content`` comes from) is in this table, nowhere else.
"""

from __future__ import annotations

import typing

import attrs

from .._upload import MIB
from ._models import (
    AudioTask,
    ClassificationTask,
    DicomTask,
    ImageTask,
    MultiImageClassificationTask,
    MultiModalVideoAudioTask,
    PcdTask,
    RoboticsTask,
    SequentialImageTask,
    SequentialPcdTask,
    Task,
    TextTask,
    VideoTask,
)

__all__ = [
    "AUDIO",
    "AUDIO_CLASSIFICATION",
    "DICOM",
    "IMAGE",
    "IMAGE_CLASSIFICATION",
    "INTEGRATED_IMAGE",
    "INTEGRATED_IMAGE_CLASSIFICATION",
    "KINDS",
    "MULTI_IMAGE_CLASSIFICATION",
    "MULTI_MODAL_VIDEO_AUDIO",
    "PCD",
    "ROBOTICS",
    "SEQUENTIAL_IMAGE",
    "SEQUENTIAL_PCD",
    "TEXT",
    "TEXT_CLASSIFICATION",
    "VIDEO",
    "VIDEO_CLASSIFICATION",
    "TaskKind",
    "kind_of",
]

M = typing.TypeVar("M", bound=Task)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


@attrs.frozen
class TaskKind(typing.Generic[M]):
    """How one task type is sent and received.

    ``source`` is how its create sends content: ``"file"`` (``file_path``,
    base64 in ``file``), ``"contents"`` (``folder_path``, base64 files in
    ``contents``), ``"zip"`` (signed-URL upload, ``fileKey``), ``"storage"``
    (``file_path`` inside the project's bucket, sent as ``filePath``) or
    ``None`` (no content). ``create_content`` / ``update_content`` say what
    each sent annotation's ``content`` is set to: ``"name"``, ``"file_path"``,
    a literal string, or ``None`` (left as the caller set it).
    """

    key: str
    path: str
    model: type[M]
    page_size: int = 100
    max_page_size: int = 1000
    #: Whether a larger ``limit`` is refused before sending, as by the SDK. The
    #: classification types' maximum is only documented: the SDK sends any limit.
    enforce_max: bool = True
    #: robotics sends offset and limit even when 0.
    always_page: bool = False
    source: str | None = "file"
    extensions: tuple[str, ...] | None = None
    max_bytes: int | None = None
    max_files: int | None = None
    video: bool = False
    create_content: str | None = None
    update_content: str | None = None
    #: robotics updates send ``annotations`` when not None, so ``[]`` clears them.
    annotations_if_not_none: bool = False

    @property
    def title(self) -> str:
        """Human name used in messages (``sequential PCD``)."""
        words = {"pcd": "PCD", "dicom": "DICOM"}
        return " ".join(words.get(w, w) for w in self.key.split("_"))


def _k(key: str, path: str, model: type[M], **kw: typing.Any) -> TaskKind[M]:
    return TaskKind(key, path, model, **kw)


_IMAGE = dict(extensions=IMAGE_EXTENSIONS, max_bytes=20 * MIB)
_VIDEO = dict(extensions=(".mp4",), max_bytes=250 * MIB, video=True)
_TEXT = dict(extensions=(".txt",), max_bytes=2 * MIB)
_AUDIO = dict(extensions=(".mp3", ".wav", ".m4a"), max_bytes=120 * MIB)
_PCD = dict(extensions=(".pcd",), max_bytes=100 * MIB)
_NAMED = dict(create_content="name", update_content="")
#: Types whose tasks are large: pages of 10.
_TENS = dict(page_size=10, max_page_size=10)
#: Classification types: the SDK checks no page size (1000 is only documented).
_CLASSIFICATION = dict(enforce_max=False)
#: A sequence of frames: up to 250 files of ``folder_path``, pages of 10.
_FRAMES = dict(_TENS, source="contents", max_files=250)

IMAGE: TaskKind[ImageTask] = _k("image", "tasks/image", ImageTask, **_IMAGE, **_NAMED)
INTEGRATED_IMAGE: TaskKind[ImageTask] = _k(
    "integrated_image",
    "tasks/integrated-image",
    ImageTask,
    source="storage",
    extensions=IMAGE_EXTENSIONS,
    create_content="file_path",
)
IMAGE_CLASSIFICATION: TaskKind[ClassificationTask] = _k(
    "image_classification",
    "tasks/image/classification",
    ClassificationTask,
    **_IMAGE,
    **_CLASSIFICATION,
)
INTEGRATED_IMAGE_CLASSIFICATION: TaskKind[ClassificationTask] = _k(
    "integrated_image_classification",
    "tasks/integrated-image/classification",
    ClassificationTask,
    source="storage",
)
MULTI_IMAGE_CLASSIFICATION: TaskKind[MultiImageClassificationTask] = _k(
    "multi_image_classification",
    "tasks/multi-image/classification",
    MultiImageClassificationTask,
    source="contents",
    extensions=(*IMAGE_EXTENSIONS, ".gif"),
    max_bytes=20 * MIB,
    max_files=6,
    **_CLASSIFICATION,
)
SEQUENTIAL_IMAGE: TaskKind[SequentialImageTask] = _k(
    "sequential_image",
    "tasks/sequential-image",
    SequentialImageTask,
    **_FRAMES,
    **_IMAGE,
)
VIDEO: TaskKind[VideoTask] = _k("video", "tasks/video", VideoTask, **_TENS, **_VIDEO, **_NAMED)
VIDEO_CLASSIFICATION: TaskKind[ClassificationTask] = _k(
    "video_classification",
    "tasks/video/classification",
    ClassificationTask,
    **_VIDEO,
    **_CLASSIFICATION,
)
TEXT: TaskKind[TextTask] = _k("text", "tasks/text", TextTask, **_TEXT, **_NAMED)
TEXT_CLASSIFICATION: TaskKind[ClassificationTask] = _k(
    "text_classification",
    "tasks/text/classification",
    ClassificationTask,
    **_TEXT,
    **_CLASSIFICATION,
)
AUDIO: TaskKind[AudioTask] = _k("audio", "tasks/audio", AudioTask, **_AUDIO, **_NAMED)
AUDIO_CLASSIFICATION: TaskKind[ClassificationTask] = _k(
    "audio_classification",
    "tasks/audio/classification",
    ClassificationTask,
    **_AUDIO,
    **_CLASSIFICATION,
)
MULTI_MODAL_VIDEO_AUDIO: TaskKind[MultiModalVideoAudioTask] = _k(
    "multi_modal_video_audio",
    "tasks/multi-modal-video-audio",
    MultiModalVideoAudioTask,
    source=None,
    **_TENS,
)
PCD: TaskKind[PcdTask] = _k("pcd", "tasks/pcd", PcdTask, **_PCD, **_NAMED)
SEQUENTIAL_PCD: TaskKind[SequentialPcdTask] = _k(
    "sequential_pcd",
    "tasks/sequential-pcd",
    SequentialPcdTask,
    update_content="",
    **_FRAMES,
    **_PCD,
)
DICOM: TaskKind[DicomTask] = _k(
    "dicom",
    "tasks/dicom",
    DicomTask,
    source="zip",
    extensions=(".zip",),
    max_bytes=2000 * MIB,
)
ROBOTICS: TaskKind[RoboticsTask] = _k(
    "robotics",
    "tasks/robotics",
    RoboticsTask,
    max_page_size=100,
    always_page=True,
    source=None,
    annotations_if_not_none=True,
)

KINDS: dict[str, TaskKind[typing.Any]] = {
    kind.key: kind
    for kind in (
        IMAGE,
        INTEGRATED_IMAGE,
        IMAGE_CLASSIFICATION,
        INTEGRATED_IMAGE_CLASSIFICATION,
        MULTI_IMAGE_CLASSIFICATION,
        SEQUENTIAL_IMAGE,
        VIDEO,
        VIDEO_CLASSIFICATION,
        TEXT,
        TEXT_CLASSIFICATION,
        AUDIO,
        AUDIO_CLASSIFICATION,
        MULTI_MODAL_VIDEO_AUDIO,
        PCD,
        SEQUENTIAL_PCD,
        DICOM,
        ROBOTICS,
    )
}


def kind_of(kind: str | TaskKind[typing.Any]) -> TaskKind[typing.Any]:
    """The :class:`TaskKind` for a key such as ``"image"`` or ``"sequential_pcd"``."""
    if isinstance(kind, TaskKind):
        return kind
    try:
        return KINDS[kind]
    except (KeyError, TypeError):
        from ...._errors import ValidationError

        raise ValidationError(
            "kind", f"unknown task kind {kind!r}", limit=f"one of {sorted(KINDS)}"
        ) from None
