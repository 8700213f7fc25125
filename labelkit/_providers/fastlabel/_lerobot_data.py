"""Reading a LeRobot v3 dataset and packing one episode as a robotics-contents zip.

Everything here is blocking (parquet, OpenCV, zip) and runs in a worker
thread. The layout checks need no third-party package; reading parquet needs
pyarrow and cutting videos needs OpenCV, both from ``labelkit[robotics]``,
imported only when used.
"""

from __future__ import annotations

import importlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..._errors import ValidationError

__all__ = [
    "Camera",
    "EpisodeInfo",
    "build_episode_zip",
    "check_fps",
    "check_layout",
    "find_cameras",
    "read_episode_map",
    "require",
]

EXTRA_HINT = "install the robotics extra: pip install 'labelkit[robotics]'"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
_FIELD = "lerobot_data_path"


class Camera(NamedTuple):
    """One camera of the dataset.

    ``path`` is its video folder (``videos/observation.images.X``), ``key`` its
    feature key in ``meta/info.json`` and ``content_name`` the mp4 name (without
    extension) inside the episode zip (``images_X``).
    """

    path: Path
    key: str
    content_name: str


class EpisodeInfo(NamedTuple):
    """Where one episode lives: its data file, frame count and video segments."""

    episode_index: int
    data_file: Path
    length: int
    #: camera key -> (video file, first frame in that file)
    videos: dict[str, tuple[Path, float]]


def require(module: str) -> Any:
    """Import ``module`` (pyarrow.parquet, cv2) or explain which extra is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"import_lerobot needs {module!r}: {EXTRA_HINT}") from exc


def check_layout(root: Path) -> dict[str, Any]:
    """Check a v3 layout and ``meta/info.json``; return the parsed info.

    Only names and JSON are read here, so every problem is reported before
    anything is sent and without the optional dependencies.
    """
    if not root.is_dir():
        raise ValidationError(_FIELD, f"{str(root)!r} is not a directory")
    data_dir = root / "data"
    if not data_dir.is_dir():
        raise ValidationError(_FIELD, "no data/ folder: not a LeRobot dataset")
    version = None
    for chunk in sorted(p for p in data_dir.iterdir() if p.name.startswith("chunk-")):
        stems = [p.stem for p in chunk.glob("*.parquet")]
        if any(n.startswith("episode_") for n in stems):
            version = "v2"
            break
        if any(n.startswith("file-") for n in stems):
            version = "v3"
    if version == "v2":
        raise ValidationError(
            _FIELD,
            "LeRobot v2 layout (data/chunk-*/episode_*.parquet) is not supported",
            limit="LeRobot v3: data/chunk-NNN/file-NNN.parquet",
        )
    if version is None:
        raise ValidationError(
            _FIELD,
            "no data/chunk-NNN/file-NNN.parquet found",
            limit="LeRobot v3 layout",
        )
    info_path = root / "meta" / "info.json"
    if not info_path.is_file():
        raise ValidationError(_FIELD, "meta/info.json is missing")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_FIELD, f"meta/info.json is not valid JSON: {exc}") from None
    if not isinstance(info, dict):
        raise ValidationError(_FIELD, "meta/info.json must hold a JSON object")
    features = info.get("features")
    if not isinstance(features, dict):
        raise ValidationError("meta/info.json features", "missing or not an object")
    for key in ("observation.state", "action"):
        feature = features.get(key)
        names = feature.get("names") if isinstance(feature, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValidationError(
                f'meta/info.json features["{key}"].names', "missing or not a list of strings"
            )
    if not (root / "meta" / "episodes").is_dir():
        raise ValidationError(_FIELD, "meta/episodes/ is missing")
    return info


def find_cameras(root: Path, info: Mapping[str, Any]) -> list[Camera]:
    """The video features of the dataset (``dtype == "video"``) and the folders in ``videos/``."""
    keys = {
        key
        for key, feature in info["features"].items()
        if isinstance(feature, dict) and feature.get("dtype") == "video"
    }
    videos = root / "videos"
    if videos.is_dir():
        keys.update(p.name for p in videos.iterdir() if p.is_dir())
    cameras = []
    for key in sorted(keys):
        content = key.removeprefix("observation.").replace(".", "_").replace("/", "_")
        cameras.append(Camera(videos / key, key, content))
    return cameras


def check_fps(info: Mapping[str, Any]) -> float:
    fps = info.get("fps")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValidationError("meta/info.json fps", "must be a positive number when videos exist")
    return float(fps)


def _inside(root: Path, template: str, **fields: object) -> Path:
    try:
        relative = template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(_FIELD, f"bad path template {template!r}: {exc}") from None
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValidationError(_FIELD, f"path template {template!r} leaves the dataset")
    return path


def read_episode_map(
    root: Path, info: Mapping[str, Any], cameras: Sequence[Camera]
) -> dict[int, EpisodeInfo]:
    """Every episode of ``meta/episodes/chunk-*/file-*.parquet``, by index."""
    pq = require("pyarrow.parquet")
    data_template = str(info.get("data_path") or DATA_PATH)
    video_template = str(info.get("video_path") or VIDEO_PATH)
    episodes: dict[int, EpisodeInfo] = {}
    for file in sorted((root / "meta" / "episodes").glob("chunk-*/file-*.parquet")):
        wanted = [
            name
            for name in pq.read_schema(file).names
            if name in ("episode_index", "length")
            or name.startswith("data/")
            or (name.startswith("videos/") and not name.endswith("/stats"))
        ]
        for row in pq.read_table(file, columns=wanted).to_pylist():
            try:
                index = int(row["episode_index"])
                length = int(row["length"])
                data_file = _inside(
                    root,
                    data_template,
                    chunk_index=int(row["data/chunk_index"]),
                    file_index=int(row["data/file_index"]),
                )
            except (KeyError, TypeError) as exc:
                raise ValidationError(
                    _FIELD, f"meta/episodes file {file.name} lacks column {exc}"
                ) from None
            videos: dict[str, tuple[Path, float]] = {}
            for camera in cameras:
                prefix = f"videos/{camera.key}/"
                values = [row.get(prefix + c) for c in ("chunk_index", "file_index")]
                start = row.get(prefix + "from_timestamp")
                if None in values or start is None:
                    continue
                video = _inside(
                    root,
                    video_template,
                    video_key=camera.key,
                    chunk_index=int(values[0]),
                    file_index=int(values[1]),
                )
                videos[camera.key] = (video, float(start))
            episodes[index] = EpisodeInfo(index, data_file, length, videos)
    if not episodes:
        raise ValidationError(_FIELD, "meta/episodes lists no episode")
    return episodes


def read_frames(episode: EpisodeInfo) -> list[dict[str, Any]]:
    """The episode's rows, read with a predicate on ``episode_index``, in frame order."""
    pq = require("pyarrow.parquet")
    table = pq.read_table(
        episode.data_file, filters=[("episode_index", "=", episode.episode_index)]
    )
    rows: list[dict[str, Any]] = table.to_pylist()
    if rows and "frame_index" in rows[0]:
        rows.sort(key=lambda r: r["frame_index"])
    return rows


def cut_video(source: Path, start_frame: int, frames: int, fps: float, target: Path) -> None:
    """Re-encode ``frames`` frames from ``start_frame`` as MPEG-4 Part 2 (``mp4v``)."""
    cv2 = require("cv2")
    capture = cv2.VideoCapture(str(source))
    if not capture.isOpened():
        capture.release()
        raise ValidationError(_FIELD, f"cannot open video {source.name!r}")
    try:
        size = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        try:
            capture.set(cv2.CAP_PROP_POS_FRAMES, start_frame)
            for _ in range(frames):
                ok, image = capture.read()
                if not ok:
                    break
                writer.write(image)
        finally:
            writer.release()
    finally:
        capture.release()


def build_episode_zip(
    episode: EpisodeInfo,
    name: str,
    cameras: Sequence[Camera],
    converter: Any,
    fps: float | None,
    workdir: Path,
) -> tuple[Path, dict[str, Any]]:
    """Write ``<workdir>/<name>.zip`` (mp4 per camera + ``<name>.json`` at the root).

    Returns the zip and the ``create_robotics_task`` keyword arguments the
    converter supplies for this episode.
    """
    frames = read_frames(episode)
    telemetry = [converter.build_telemetry_frame(frame) for frame in frames]
    kwargs = converter.build_task_kwargs(
        episode_index=episode.episode_index, episode_name=name, frames=frames
    )
    if not isinstance(kwargs, Mapping):
        raise ValidationError("converter", "build_task_kwargs must return a mapping")
    archive = workdir / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for camera in cameras:
            found = episode.videos.get(camera.key)
            if found is None or not found[0].is_file() or fps is None:
                continue
            video, start = found
            clip = workdir / f"{camera.content_name}.mp4"
            cut_video(video, round(start * fps), episode.length, fps, clip)
            zf.write(clip, clip.name, compress_type=zipfile.ZIP_STORED)
            clip.unlink()
        payload = json.dumps(telemetry, ensure_ascii=False)
        zf.writestr(f"{name}.json", payload, compress_type=zipfile.ZIP_DEFLATED)
    return archive, dict(kwargs)
