"""FastLabel ``import_lerobot``: checks before anything is sent, and a LeRobot v3
dataset imported end to end into the in-process emulator (needs ``labelkit[robotics]``)."""

from __future__ import annotations

import json
import pathlib
import sys
import typing
import zipfile

import httpx
import pytest
import respx

from labelkit import ConflictError, PollPolicy, ValidationError
from labelkit.emulators import EmulatorConfig, FastLabelEmulator
from labelkit.fastlabel import AsyncFastLabel, FastLabel

BASE = "https://fl.test/v1/"
TOKEN = "test-token"
STATE = ["j1", "j2", "j3"]
ACTION = ["a1", "a2"]
CAMERA = "observation.images.front"
FAST_POLL = PollPolicy(
    initial_delay=0.05, interval=0.05, backoff=1.0, max_interval=0.05, timeout=10
)


def info(**changes: typing.Any) -> dict[str, typing.Any]:
    features: dict[str, typing.Any] = {
        "observation.state": {"dtype": "float32", "shape": [3], "names": STATE},
        "action": {"dtype": "float32", "shape": [2], "names": ACTION},
        CAMERA: {"dtype": "video", "shape": [16, 32, 3]},
        "frame_index": {"dtype": "int64"},
        "timestamp": {"dtype": "float32"},
        "episode_index": {"dtype": "int64"},
    }
    base: dict[str, typing.Any] = {"codebase_version": "v3.0", "fps": 10, "features": features}
    base.update(changes)
    return base


def layout(root: pathlib.Path, meta: object = None, *, data: str = "file-000") -> pathlib.Path:
    """Folders and file names of a dataset (empty parquet placeholders: enough for the checks)."""
    (root / "data" / "chunk-000").mkdir(parents=True)
    (root / "data" / "chunk-000" / f"{data}.parquet").write_bytes(b"")
    (root / "meta" / "episodes" / "chunk-000").mkdir(parents=True)
    if meta is not None:
        (root / "meta" / "info.json").write_text(json.dumps(meta))
    return root


# -- checks before anything is sent (no optional dependency needed) -------------------


def without(key: str) -> dict[str, typing.Any]:
    meta = info()
    del meta["features"][key]["names"]
    return meta


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing", "is not a directory"),
        ("v2", "LeRobot v2 layout"),
        ("no-data", "no data/ folder"),
        ("no-info", "meta/info.json is missing"),
        ("bad-json", "not valid JSON"),
        ("no-state-names", r'features\["observation.state"\].names'),
        ("no-action-names", r'features\["action"\].names'),
        ("no-fps", "fps: must be a positive number"),
    ],
)
async def test_invalid_datasets_are_rejected_before_sending(
    tmp_path: pathlib.Path, case: str, match: str
) -> None:
    root = tmp_path / "ds"
    if case == "v2":
        layout(root, info(codebase_version="v2.1"), data="episode_000000")
    elif case == "no-data":
        root.mkdir()
    elif case == "no-info":
        layout(root)
    elif case == "bad-json":
        layout(root)
        (root / "meta" / "info.json").write_text("{nope")
    elif case == "no-state-names":
        layout(root, without("observation.state"))
    elif case == "no-action-names":
        layout(root, without("action"))
    elif case == "no-fps":
        meta = info()
        del meta["fps"]
        layout(root, meta)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().mock(return_value=httpx.Response(500))
        client = AsyncFastLabel(TOKEN, base_url=BASE, rate_limit=None, max_retries=0)
        async with client:
            with pytest.raises(ValidationError, match=match):
                await client.import_lerobot("arm", root)
        assert route.call_count == 0


@pytest.mark.anyio
async def test_converter_names_must_exist_and_project_is_required(tmp_path: pathlib.Path) -> None:
    from labelkit._providers.fastlabel._lerobot import LeRobotConverter

    class Picky(LeRobotConverter):
        ACTION_NAMES = ("a1", "gripper")

    root = layout(tmp_path / "ds", info())
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().mock(return_value=httpx.Response(500))
        async with AsyncFastLabel(TOKEN, base_url=BASE, rate_limit=None) as client:
            with pytest.raises(ValidationError, match=r"not in the dataset: \['gripper'\]"):
                await client.import_lerobot("arm", root, converter=Picky)
            with pytest.raises(ValidationError, match="project"):
                await client.import_lerobot("", root)
        assert route.call_count == 0


# -- end to end (pyarrow + OpenCV) -----------------------------------------------------


FRAMES = {0: 4, 1: 3, 2: 5}  # episode -> frames, all in one data file and one video file


def write_dataset(root: pathlib.Path) -> pathlib.Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")
    layout(root, info())
    rows: list[dict[str, typing.Any]] = []
    episodes: list[dict[str, typing.Any]] = []
    start = 0
    for episode, count in FRAMES.items():
        episodes.append(
            {
                "episode_index": episode,
                "length": count,
                "data/chunk_index": 0,
                "data/file_index": 0,
                f"videos/{CAMERA}/chunk_index": 0,
                f"videos/{CAMERA}/file_index": 0,
                f"videos/{CAMERA}/from_timestamp": start / 10,
                f"videos/{CAMERA}/to_timestamp": (start + count) / 10,
            }
        )
        for frame in range(count):
            rows.append(
                {
                    "observation.state": [episode + 0.5, frame + 0.25, 1.0],
                    "action": [float(frame), -1.0],
                    "timestamp": frame / 10,
                    "frame_index": frame,
                    "episode_index": episode,
                    "index": start + frame,
                }
            )
        start += count
    pq.write_table(pa.Table.from_pylist(rows), root / "data" / "chunk-000" / "file-000.parquet")
    meta_file = root / "meta" / "episodes" / "chunk-000" / "file-000.parquet"
    pq.write_table(pa.Table.from_pylist(episodes), meta_file)
    video_dir = root / "videos" / CAMERA / "chunk-000"
    video_dir.mkdir(parents=True)
    writer = cv2.VideoWriter(
        str(video_dir / "file-000.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10, (32, 16)
    )
    for i in range(start):
        writer.write(np.full((16, 32, 3), i * 20, dtype=np.uint8))
    writer.release()
    return root


@pytest.mark.anyio
async def test_episodes_become_robotics_tasks_with_contents(tmp_path: pathlib.Path) -> None:
    from labelkit._providers.fastlabel._lerobot import LeRobotConverter

    root = write_dataset(tmp_path / "ds")

    class Tagged(LeRobotConverter):
        OBSERVATION_STATE_NAMES = ("j2",)

        def build_task_kwargs(
            self, *, episode_index: int, episode_name: str, frames: list[typing.Any]
        ) -> dict[str, typing.Any]:
            return {"tags": [f"frames-{len(frames)}"]}

    emulator = FastLabelEmulator(config=EmulatorConfig(processing_time=0.05))
    emulator.add_project("arm", type="robotics")
    async with AsyncFastLabel(
        TOKEN, base_url=emulator.base_url, transport=emulator.transport()
    ) as client:
        await client.create_robotics_task("arm", "episode_000002")  # makes episode 2 fail
        results = await client.import_lerobot("arm", root, converter=Tagged)
        assert [(r["episode"], r["success"]) for r in results] == [
            ("episode_000000", True),
            ("episode_000001", True),
            ("episode_000002", False),
        ]
        assert isinstance(results[2]["result"], ConflictError)
        for done in results[:2]:
            await client.wait_history(done["result"]["id"], poll=FAST_POLL)
        task = await client.find_robotics_task_by_name("arm", "episode_000001")
        assert task is not None and task.tags == ["frames-3"]
    assert [name for name, _ in emulator.tasks[task.id].contents] == [
        "images_front.mp4",
        "episode_000001.json",
    ]


def test_zip_contents_and_sync_twin(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cv2 = pytest.importorskip("cv2")
    root = write_dataset(tmp_path / "ds")
    from labelkit._providers.fastlabel import _lerobot_data

    kept: dict[str, bytes] = {}
    build = _lerobot_data.build_episode_zip

    def keep(*args: typing.Any) -> tuple[pathlib.Path, dict[str, typing.Any]]:
        archive, kwargs = build(*args)
        kept[archive.name] = archive.read_bytes()
        return archive, kwargs

    monkeypatch.setattr("labelkit._providers.fastlabel._lerobot.build_episode_zip", keep)
    emulator = FastLabelEmulator()
    emulator.add_project("arm", type="robotics")
    with FastLabel(TOKEN, base_url=emulator.base_url, transport=emulator.transport()) as client:
        results = client.import_lerobot("arm", root, episode_indices=[2])
    assert [(r["episode_index"], r["success"]) for r in results] == [(2, True)]
    archive = tmp_path / "ep.zip"
    archive.write_bytes(kept["episode_000002.zip"])
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["episode_000002.json", "images_front.mp4"]
        telemetry = json.loads(zf.read("episode_000002.json"))
        (tmp_path / "clip.mp4").write_bytes(zf.read("images_front.mp4"))
    assert telemetry[1] == {
        "observation.state": [2.5, 1.25, 1.0],
        "action": [1.0, -1.0],
        "frame_index": 1,
        "timestamp": 0.1,
    }
    assert len(telemetry) == FRAMES[2]
    clip = cv2.VideoCapture(str(tmp_path / "clip.mp4"))
    try:
        assert int(clip.get(cv2.CAP_PROP_FRAME_COUNT)) == FRAMES[2]
        ok, first = clip.read()
        assert ok and abs(int(first.mean()) - 7 * 20) <= 8  # frame 7 of the source video
    finally:
        clip.release()


@pytest.mark.anyio
async def test_unknown_episode_index_is_rejected_before_sending(tmp_path: pathlib.Path) -> None:
    root = write_dataset(tmp_path / "ds")
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().mock(return_value=httpx.Response(500))
        async with AsyncFastLabel(TOKEN, base_url=BASE, rate_limit=None) as client:
            with pytest.raises(ValidationError, match="episode 9 is not in the dataset"):
                await client.import_lerobot("arm", root, episode_indices=[0, 9])
        assert route.call_count == 0


@pytest.mark.anyio
@pytest.mark.parametrize("module", ["pyarrow.parquet", "cv2"])
async def test_missing_extra_names_labelkit_robotics(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    root = layout(tmp_path / "ds", info())
    monkeypatch.setitem(sys.modules, module, None)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().mock(return_value=httpx.Response(500))
        async with AsyncFastLabel(TOKEN, base_url=BASE, rate_limit=None) as client:
            with pytest.raises(ImportError, match=r"labelkit\[robotics\]"):
                await client.import_lerobot("arm", root)
        assert route.call_count == 0
