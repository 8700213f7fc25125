"""FastLabel: ``import_lerobot`` (7.9), LeRobot v3 episodes as robotics tasks.

The local half (reading parquet, cutting videos, zipping) is in
:mod:`._lerobot_data` and runs in a worker thread; the API half is
:meth:`create_robotics_task` and :meth:`import_robotics_contents_file`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio.to_thread

from ..._errors import AmbiguousResultError, APIError, ValidationError
from ._lerobot_data import (
    Camera,
    EpisodeInfo,
    build_episode_zip,
    check_fps,
    check_layout,
    find_cameras,
    read_episode_map,
    require,
)
from .tasks._any import CommonTasksMixin
from .tasks._per_kind import PerKindTasksMixin

__all__ = ["Camera", "LeRobotConverter", "LeRobotMixin"]


class LeRobotConverter:
    """Hooks that shape :meth:`~AsyncFastLabel.import_lerobot`, as in the official SDK.

    Pass the class (or a factory taking ``meta``) as ``converter=``; it is
    built once with the parsed ``meta/info.json``. Override what you need:
    ``OBSERVATION_STATE_NAMES`` / ``ACTION_NAMES`` (or the ``select_*_names``
    methods) keep some values by name, ``CAMERA_KEYS`` / ``select_cameras``
    pick cameras, ``build_telemetry_frame`` shapes one JSON frame,
    ``build_task_kwargs`` adds ``create_robotics_task`` arguments (tags,
    metadatas...), ``select_episodes`` and ``build_episode_name`` choose and
    name the episodes.
    """

    OBSERVATION_STATE_NAMES: typing.ClassVar[tuple[str, ...] | None] = None
    ACTION_NAMES: typing.ClassVar[tuple[str, ...] | None] = None
    CAMERA_KEYS: typing.ClassVar[tuple[str, ...] | None] = None

    def __init__(self, meta: Mapping[str, typing.Any] | None = None) -> None:
        self.meta: dict[str, typing.Any] = dict(meta or {})
        self._state_index = self._positions(
            "observation.state", self.select_observation_state_names
        )
        self._action_index = self._positions("action", self.select_action_names)

    def select_observation_state_names(self, names: list[str]) -> list[str]:
        """The ``observation.state`` names to keep (default: all)."""
        chosen = self.OBSERVATION_STATE_NAMES
        return list(chosen) if chosen else names

    def select_action_names(self, names: list[str]) -> list[str]:
        """The ``action`` names to keep (default: all)."""
        return list(self.ACTION_NAMES) if self.ACTION_NAMES else names

    def _positions(self, key: str, select: typing.Callable[[list[str]], list[str]]) -> list[int]:
        field = f'meta/info.json features["{key}"].names'
        try:
            names = list(self.meta["features"][key]["names"])
        except (KeyError, TypeError):
            raise ValidationError(field, "missing") from None
        position = {name: i for i, name in enumerate(names)}
        unknown = [n for n in select(names) if n not in position]
        if unknown:
            raise ValidationError(field, f"selected names not in the dataset: {unknown}")
        return [position[n] for n in select(names)]

    def _pick(self, frame: Mapping[str, typing.Any], key: str, index: list[int]) -> list[object]:
        if key not in frame:
            raise KeyError(f"{key!r} is declared in meta/info.json but missing from the data")
        values = frame[key]
        if index and max(index) >= len(values):
            raise IndexError(f"{key!r} has {len(values)} values, meta/info.json names more")
        return [values[i] for i in index]

    def build_observation_state(self, frame: Mapping[str, typing.Any]) -> list[object]:
        """The kept ``observation.state`` values of one row."""
        return self._pick(frame, "observation.state", self._state_index)

    def build_action(self, frame: Mapping[str, typing.Any]) -> list[object]:
        """The kept ``action`` values of one row."""
        return self._pick(frame, "action", self._action_index)

    def build_telemetry_frame(self, frame: Mapping[str, typing.Any]) -> dict[str, typing.Any]:
        """One frame of the episode JSON; override and extend ``super()``'s result to add items."""
        return {
            "observation.state": self.build_observation_state(frame),
            "action": self.build_action(frame),
            "frame_index": int(frame["frame_index"]),
            "timestamp": float(frame["timestamp"]),
        }

    def select_cameras(self, cameras: list[Camera]) -> list[Camera]:
        """The cameras to include (default: all; ``CAMERA_KEYS`` matches the key's last part)."""
        if self.CAMERA_KEYS is None:
            return cameras
        return [c for c in cameras if c.key.split(".")[-1] in self.CAMERA_KEYS]

    def build_task_kwargs(
        self,
        *,
        episode_index: int,
        episode_name: str,
        frames: list[dict[str, typing.Any]],
    ) -> dict[str, typing.Any]:
        """Extra ``create_robotics_task`` arguments, e.g. ``{"tags": [...]}`` (default: none)."""
        return {}

    def select_episodes(self, episode_lengths: dict[int, int]) -> list[int]:
        """The episodes to import when none are given (default: all, sorted)."""
        return sorted(episode_lengths)

    def build_episode_name(self, episode_index: int) -> str:
        """Task, JSON and zip name of an episode (default ``episode_000001``)."""
        return f"episode_{episode_index:06d}"


def _make_converter(converter: object | None, meta: dict[str, typing.Any]) -> typing.Any:
    if converter is None:
        return LeRobotConverter(meta)
    if isinstance(converter, type) or not hasattr(converter, "build_telemetry_frame"):
        if not callable(converter):
            raise ValidationError("converter", "expected a converter class or factory")
        return converter(meta)
    return converter


def _episode_name(converter: typing.Any, index: int) -> str:
    name = converter.build_episode_name(index)
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or any(c in name for c in "/\\")
    ):
        raise ValidationError("converter", f"episode name {name!r} is not a safe file name")
    return name


def _check_indices(indices: Sequence[int], known: Mapping[int, EpisodeInfo]) -> list[int]:
    if isinstance(indices, (str, bytes)):
        raise ValidationError("episode_indices", "expected a sequence of ints")
    for i in indices:
        if isinstance(i, bool) or not isinstance(i, int):
            raise ValidationError("episode_indices", f"expected ints, got {type(i).__name__}")
        if i not in known:
            raise ValidationError("episode_indices", f"episode {i} is not in the dataset")
    return list(indices)


class LeRobotMixin(PerKindTasksMixin, CommonTasksMixin):
    """``import_lerobot`` of ``fastlabel.Client``."""

    async def import_lerobot(
        self,
        project: str,
        lerobot_data_path: str | os.PathLike[str],
        episode_indices: Sequence[int] | None = None,
        converter: object | None = None,
    ) -> list[dict[str, typing.Any]]:
        """Import episodes of a LeRobot v3 dataset, one robotics task per episode.

        Checks first, before anything is sent: a v3 layout
        (``data/chunk-NNN/file-NNN.parquet``; v2 is rejected), ``meta/info.json``
        with ``features["observation.state"].names`` and ``features["action"].names``
        (and ``fps`` when there are videos), the episode map in ``meta/episodes/``
        and ``episode_indices`` (default: every episode, sorted, via the converter's
        ``select_episodes``). Needs ``pip install 'labelkit[robotics]'`` (pyarrow;
        OpenCV when there are videos).

        Per episode, in a worker thread and a temporary folder: its rows become
        telemetry JSON, each camera's segment is re-encoded as ``mp4v``, both are
        zipped as ``<episode>.zip``. Then ``create_robotics_task`` (name
        ``episode_%06d`` plus the converter's ``build_task_kwargs``) and
        :meth:`import_robotics_contents_file`.

        ``converter``: a :class:`LeRobotConverter` subclass (or a factory called
        with the parsed ``info.json``); default :class:`LeRobotConverter`.

        Returns one ``{"episode_index", "episode", "success", "result"}`` per
        episode: ``result`` is the import's answer, or on an API error (which does
        not stop the loop, as in the SDK) the exception. Other errors raise. A
        failed import after the task was created leaves that task empty.
        """
        if not project:
            raise ValidationError("project", "must be a non-empty project slug")
        root = Path(os.fspath(lerobot_data_path))
        info = await anyio.to_thread.run_sync(check_layout, root)
        strategy = _make_converter(converter, info)
        cameras = list(strategy.select_cameras(find_cameras(root, info)))
        fps = check_fps(info) if cameras else None
        require("pyarrow.parquet")
        if cameras:
            require("cv2")
        episodes = await anyio.to_thread.run_sync(read_episode_map, root, info, cameras)
        if episode_indices is None:
            lengths = {i: e.length for i, e in episodes.items()}
            chosen = _check_indices(strategy.select_episodes(lengths), episodes)
        else:
            chosen = _check_indices(episode_indices, episodes)
        names = {i: _episode_name(strategy, i) for i in chosen}

        results: list[dict[str, typing.Any]] = []
        for index in chosen:
            name = names[index]
            workdir = Path(await anyio.to_thread.run_sync(tempfile.mkdtemp))
            try:
                archive, kwargs = await anyio.to_thread.run_sync(
                    build_episode_zip, episodes[index], name, cameras, strategy, fps, workdir
                )
                try:
                    await self.create_robotics_task(project, name, **kwargs)
                    result = await self.import_robotics_contents_file(project, archive)
                except (APIError, AmbiguousResultError) as exc:
                    results.append(
                        {"episode_index": index, "episode": name, "success": False, "result": exc}
                    )
                    continue
                results.append(
                    {"episode_index": index, "episode": name, "success": True, "result": result}
                )
            finally:
                await anyio.to_thread.run_sync(shutil.rmtree, workdir, True)
        return results
