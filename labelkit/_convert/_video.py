"""Video tasks as one task per frame: how the SDK exports video projects to COCO, YOLO and VOC.

Every frame of a task's video is written as ``images/<stem>_<index>.jpg`` (index
from 0, zero-padded to the digit count of the frame count) and becomes an image
task of its own; frame ``k`` (1-based) carries the annotations whose frame-keyed
``points`` have an entry ``str(k)``, with that entry's ``value`` as points. The
image exporters then run on those tasks unchanged. Decoding needs OpenCV.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from .._confined import ConfinedFolder
from .._errors import ValidationError
from ._common import coerce_tasks

__all__ = ["IMAGES_FOLDER", "video_frame_tasks"]

#: Where the frames go, inside the export's output folder.
IMAGES_FOLDER = PurePosixPath("images")
_HINT = "exporting a video project decodes its videos with OpenCV: pip install 'labelkit[robotics]'"


def _cv2() -> Any:
    try:
        return importlib.import_module("cv2")
    except ImportError as exc:
        raise ImportError(_HINT) from exc


def _frame_annotations(
    annotations: Iterable[Mapping[str, Any]], frame: int
) -> list[dict[str, Any]]:
    out = []
    for annotation in annotations:
        points = annotation.get("points")
        entry = points.get(str(frame)) if isinstance(points, Mapping) else None
        if isinstance(entry, Mapping) and entry.get("value") is not None:
            out.append({**annotation, "points": entry["value"]})
    return out


@contextlib.contextmanager
def _opened(cv2: Any, video: Path, where: str) -> Iterator[Any]:
    capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            raise ValidationError(where, f"cannot decode the video {video.name!r}")
        yield capture
    finally:
        capture.release()


def video_frame_tasks(
    tasks: Iterable[object], videos: Sequence[Path], output_dir: str | Path
) -> list[dict[str, Any]]:
    """Write every frame of every video task under ``output_dir/images``; one task per frame.

    ``videos`` are the tasks' downloaded video files (``task["url"]``), in the
    order of ``tasks``. Frame ``n`` (from 0) is written as
    ``images/<stem>_<n>.jpg``, ``n`` zero-padded to the digits of the frame
    count, and its task carries the annotations whose frame-keyed ``points``
    have the entry ``str(n + 1)`` (that entry's ``value`` as points). Pass the
    result to :func:`export_coco`, :func:`export_yolo` or :func:`export_pascalvoc`,
    as the official SDK does for video projects. Needs OpenCV.
    """
    out: list[dict[str, Any]] = []
    for index, task in enumerate(coerce_tasks(tasks)):
        out += frame_tasks(task, videos[index], output_dir, f"tasks[{index}]")
    return out


def frame_tasks(
    task: Mapping[str, Any], video: Path, output_dir: str | Path, where: str
) -> list[dict[str, Any]]:
    """One task's frames, as :func:`video_frame_tasks` (``task`` as ``coerce_tasks``
    gives it); errors name ``where``. Decodes one video at a time."""
    cv2 = _cv2()
    folder = ConfinedFolder(output_dir)
    stem = PurePosixPath(task["name"].replace("\\", "/")).stem
    out: list[dict[str, Any]] = []
    with _opened(cv2, video, where) as capture:
        digits = len(str(max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 1)))
        number = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            name = f"{stem}_{number:0{digits}d}.jpg"
            encoded, jpeg = cv2.imencode(".jpg", frame)
            if not encoded:
                raise ValidationError(where, f"cannot encode frame {number} as JPEG")
            folder.write_bytes(IMAGES_FOLDER / name, jpeg.tobytes())
            height, width = frame.shape[:2]
            number += 1
            out.append(
                {
                    "name": name,
                    "width": task.get("width") or width,
                    "height": task.get("height") or height,
                    "annotations": _frame_annotations(task["annotations"], number),
                }
            )
    return out
