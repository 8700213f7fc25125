"""FastLabel end to end: the client against its emulator over real loopback sockets.

Async on asyncio and trio, plus the sync facade: projects, tasks of every
file-carrying type created from real small files, find / list / iterate /
update / delete, tags and counts, annotation classes, comments, datasets and
their objects (download included), the DICOM signed-URL import and its
history, model jobs, workspace users, and the error mapping.
"""

from __future__ import annotations

import copy
import pathlib
import struct
import typing
import zipfile
from collections.abc import Iterator

import pytest

import labelkit
from labelkit import PollPolicy, RateLimit, RetryPolicy
from labelkit.emulators import EmulatorConfig, EmulatorServer, FastLabelEmulator
from labelkit.fastlabel import AsyncFastLabel, FastLabel, Priority

from ._fastlabel_files import write_mp4

TOKEN = "test-token"
FAST_POLL = PollPolicy(
    initial_delay=0.05, interval=0.05, backoff=1.0, max_interval=0.05, timeout=10
)
FAST_RETRY = RetryPolicy(wait_initial=0.01, wait_max=0.05)


@pytest.fixture
def emulator() -> FastLabelEmulator:
    # Jobs and imports finish 0.2 s (real time) after they start.
    return FastLabelEmulator(config=EmulatorConfig(processing_time=0.2, seed=1))


@pytest.fixture
def server(emulator: FastLabelEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


def client(server: EmulatorServer, **options: typing.Any) -> AsyncFastLabel:
    options.setdefault("retry", FAST_RETRY)
    return AsyncFastLabel(TOKEN, base_url=server.url + "/v1/", **options)


# -- small real files ------------------------------------------------------------------


def png(path: pathlib.Path, width: int = 64, height: int = 48) -> pathlib.Path:
    ihdr = b"\0\0\0\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\0\0\0"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + b"\0" * 16)
    return path


def folder_of_pngs(path: pathlib.Path, names: list[str]) -> pathlib.Path:
    path.mkdir()
    for i, name in enumerate(names):
        png(path / name, 10 + i, 20 + i)
    return path


def pcd(path: pathlib.Path) -> pathlib.Path:
    header = "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\n"
    points = "WIDTH 2\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 2\nDATA ascii\n0 0 0\n1 1 1\n"
    path.write_text(header + points)
    return path


def wav(path: pathlib.Path) -> pathlib.Path:
    samples = b"\0\0" * 800
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, 8000, 16000, 2, 16)
    data = struct.pack("<4sI", b"data", len(samples)) + samples
    path.write_bytes(struct.pack("<4sI4s", b"RIFF", 4 + len(fmt) + len(data), b"WAVE") + fmt + data)
    return path


def make_zip(path: pathlib.Path, entries: dict[str, bytes]) -> pathlib.Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


# -- tasks -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_image_task_lifecycle(
    server: EmulatorServer, emulator: FastLabelEmulator, tmp_path: pathlib.Path
) -> None:
    cat = png(tmp_path / "cat.png", 640, 480)
    annotations = [{"type": "bbox", "value": "cat", "points": [1, 2, 30, 40]}]
    sent = copy.deepcopy(annotations)
    async with client(server) as fastlabel:
        project_id = await fastlabel.create_project("image_bbox", "Cats", "cats")
        project = await fastlabel.find_project(project_id)
        assert (project.slug, project.type, project["name"]) == ("cats", "image_bbox", "Cats")
        assert (await fastlabel.find_project_by_slug("cats")) == project

        task_id = await fastlabel.create_image_task(
            "cats",
            "cat.png",
            cat,
            status="registered",
            priority=Priority.HIGH,
            annotations=annotations,
            tags=["cute"],
            metadatas=[{"key": "camera", "value": "a"}],
        )
        second = await fastlabel.create_image_task("cats", "dog.png", png(tmp_path / "dog.png"))
        task = await fastlabel.find_image_task(task_id)
        assert (task.id, task.name, task.width, task.height) == (task_id, "cat.png", 640, 480)
        assert task.tags == ["cute"] and task["id"] == task_id and task.priority == 30
        assert [(a.value, a.points, a.content) for a in task.annotations] == [
            ("cat", [1, 2, 30, 40], "cat.png")
        ]
        assert annotations == sent  # the caller's objects were not touched
        assert (await fastlabel.find_image_task_by_name("cats", "dog.png")).id == second  # type: ignore[union-attr]
        assert await fastlabel.find_image_task_by_name("cats", "nope.png") is None
        listed = await fastlabel.get_image_tasks("cats", tags=["cute"])
        assert [t.id for t in listed] == [task_id]
        assert [t.id async for t in fastlabel.iter_image_tasks("cats")] == [task_id, second]
        assert await fastlabel.get_task_id_name_map("cats") == {
            task_id: "cat.png",
            second: "dog.png",
        }

        assert await fastlabel.update_image_task(task_id, status="completed", tags=["done"]) == (
            task_id
        )
        updated = await fastlabel.find_image_task(task_id)
        assert (updated.status, updated.tags) == ("completed", ["done"])
        assert await fastlabel.count_tasks("cats", status="completed") == 1

        assert await fastlabel.add_task_tags("cats", [task_id, second, task_id], ["batch"]) == 2
        assert await fastlabel.add_task_tags("cats", [task_id], ["batch"]) == 0
        assert await fastlabel.count_tasks("cats", tags=["batch"]) == 2
        assert await fastlabel.remove_task_tags("cats", [second], ["batch"]) == 1
        assert await fastlabel.count_tasks("cats", tags=["batch"]) == 1
        tags = await fastlabel.get_tags("cats")
        assert {"cute", "done", "batch"} <= {t.name for t in tags}

        await fastlabel.delete_task_annotations(task_id)
        assert (await fastlabel.find_image_task(task_id)).annotations == []
        await fastlabel.delete_task(second)
        with pytest.raises(labelkit.NotFoundError):
            await fastlabel.find_image_task(second)
        assert await fastlabel.count_tasks("cats") == 1
    assert len(emulator.tasks) == 1


@pytest.mark.anyio
async def test_every_file_task_type_from_real_files(
    server: EmulatorServer, emulator: FastLabelEmulator, tmp_path: pathlib.Path
) -> None:
    video = write_mp4(tmp_path / "clip.mp4")
    hevc = write_mp4(tmp_path / "hevc.mp4", b"hvc1")
    text = tmp_path / "doc.txt"
    text.write_text("FastLabel テキスト\n")
    audio = wav(tmp_path / "voice.wav")
    cloud = pcd(tmp_path / "scan.pcd")
    frames = folder_of_pngs(tmp_path / "frames", ["f2.png", "f1.png", "f3.png"])
    views = folder_of_pngs(tmp_path / "views", ["b.jpg", "a.png"])
    sweeps = tmp_path / "sweeps"
    sweeps.mkdir()
    for name in ("s1.pcd", "s2.pcd"):
        pcd(sweeps / name)
    async with client(server) as fl:
        for kind in (
            "video_bbox",
            "video_classification",
            "text_ner",
            "text_classification",
            "audio_segmentation",
            "audio_classification",
            "pcd_cuboid",
            "sequential_image_bbox",
            "multi_image_classification",
            "sequential_pcd_cuboid",
        ):
            await fl.create_project(kind, kind, kind.replace("_", "-"))
        attributes = [{"key": "kind", "value": "a"}]

        video_id = await fl.create_video_task("video-bbox", "clip.mp4", video, tags=["v"])
        assert (await fl.find_video_task(video_id)).name == "clip.mp4"
        await fl.update_video_task(video_id, status="completed", tags=["v", "checked"])
        checked = await fl.find_video_task_by_name("video-bbox", "clip.mp4")
        assert checked is not None and (checked.status, checked.tags) == (
            "completed",
            ["v", "checked"],
        )
        video_cls = await fl.create_video_classification_task(
            "video-classification", "clip.mp4", video, attributes=attributes
        )
        found_cls = await fl.find_video_classification_task(video_cls)
        assert [a["key"] for a in found_cls.attributes] == ["kind"]
        posts_before = emulator.stats.routes["POST /v1/tasks/video"]
        with pytest.raises(labelkit.ValidationError, match="codec"):
            await fl.create_video_task("video-bbox", "hevc.mp4", hevc)
        assert emulator.stats.routes["POST /v1/tasks/video"] == posts_before  # nothing was sent

        text_id = await fl.create_text_task("text-ner", "doc.txt", text)
        assert (await fl.find_text_task(text_id)).name == "doc.txt"
        text_cls = await fl.create_text_classification_task("text-classification", "doc.txt", text)
        assert (await fl.find_text_classification_task(text_cls)).id == text_cls

        audio_id = await fl.create_audio_task("audio-segmentation", "voice.wav", audio)
        assert (await fl.find_audio_task(audio_id)).name == "voice.wav"
        audio_cls = await fl.create_audio_classification_task(
            "audio-classification", "voice.wav", audio, attributes=attributes
        )
        assert (await fl.find_audio_classification_task(audio_cls)).id == audio_cls

        pcd_id = await fl.create_pcd_task("pcd-cuboid", "scan.pcd", cloud)
        assert (await fl.find_pcd_task(pcd_id)).name == "scan.pcd"

        seq_id = await fl.create_sequential_image_task("sequential-image-bbox", "walk", frames)
        seq = await fl.find_sequential_image_task(seq_id)
        assert [c.name for c in seq.contents] == ["f1.png", "f2.png", "f3.png"]
        assert [(c.width, c.height) for c in seq.contents] == [(11, 21), (10, 20), (12, 22)]

        multi_id = await fl.create_multi_image_classification_task(
            "multi-image-classification", "pair", views, attributes=attributes
        )
        multi = await fl.find_multi_image_classification_task(multi_id)
        assert [c.name for c in multi.contents] == ["a.png", "b.jpg"]

        sweep_id = await fl.create_sequential_pcd_task("sequential-pcd-cuboid", "drive", sweeps)
        sweep = await fl.find_sequential_pcd_task(sweep_id)
        assert [c.name for c in sweep.contents] == ["s1.pcd", "s2.pcd"]
        assert (
            await fl.find_sequential_pcd_task_by_name("sequential-pcd-cuboid", "drive")
        ) == sweep

    # The bytes that arrived are the bytes of the files.
    stored_video = emulator.tasks[video_id].blob
    assert stored_video is not None and stored_video.size == video.stat().st_size
    stored_audio = emulator.tasks[audio_id].blob
    assert stored_audio is not None and stored_audio.data == audio.read_bytes()


@pytest.mark.anyio
async def test_bulk_create_and_rerun_without_duplicates(
    server: EmulatorServer, emulator: FastLabelEmulator, tmp_path: pathlib.Path
) -> None:
    emulator.add_project("shots", type="image_bbox")
    items = [
        {"name": f"{i}.png", "file_path": png(tmp_path / f"{i}.png"), "tags": ["bulk"]}
        for i in range(12)
    ]
    async with client(server) as fl:
        first = await fl.bulk_create("image", "shots", items, concurrency=4).collect()
        again = await fl.bulk_create("image", "shots", items, if_exists="return").collect()
        strict = await fl.bulk_create("image", "shots", items[:2]).collect()
    assert [o.ok for o in first] == [True] * 12
    ids = [emulator.task_by_name("shots", str(item["name"])).id for item in items]  # type: ignore[union-attr]
    assert [o.value for o in first] == ids
    assert [o.value for o in again] == ids  # a re-run returns the existing tasks
    assert [type(o.error) for o in strict] == [labelkit.ConflictError] * 2
    assert len(emulator.tasks) == 12


@pytest.mark.anyio
async def test_iter_walks_every_page_exactly_once(
    server: EmulatorServer, emulator: FastLabelEmulator
) -> None:
    emulator.add_project("clips", type="video_bbox")
    names = [f"clip-{i:02d}" for i in range(23)]
    for name in names:
        emulator.add_task("clips", "video", name, tags=["odd"] if name[-1] in "13579" else [])
    async with client(server) as fl:
        walked = [t.name async for t in fl.iter_video_tasks("clips")]
        pages = emulator.stats.routes["GET /v1/tasks/video"]
        first_page = await fl.get_video_tasks("clips")
        second_page = await fl.get_video_tasks("clips", offset=10)
        odd = [t.name async for t in fl.iter_video_tasks("clips", tags=["odd"])]
        with pytest.raises(labelkit.ValidationError, match="limit"):
            await fl.get_video_tasks("clips", limit=11)
    assert walked == names
    assert pages == 3  # 10 + 10 + 3, at the endpoint's maximum page size
    assert [t.name for t in first_page + second_page] == names[:20]
    assert odd == [n for n in names if n[-1] in "13579"]


@pytest.mark.anyio
async def test_annotation_classes_and_comments(
    server: EmulatorServer, tmp_path: pathlib.Path
) -> None:
    async with client(server) as fl:
        await fl.create_project("image_bbox", "Street", "street")
        cls_id = await fl.create_annotation(
            "street", "bbox", "car", "Car", color="#ff0000", max_area_count=None
        )
        await fl.create_annotation("street", "bbox", "person", "Person")
        car = await fl.find_annotation(cls_id)
        assert (car.value, car.title, car.color, car.type) == ("car", "Car", "#ff0000", "bbox")
        assert (await fl.find_annotation_by_value("street", "person")).title == "Person"  # type: ignore[union-attr]
        assert await fl.find_annotation_by_value("street", "bus") is None
        assert [a.value async for a in fl.iter_annotations("street")] == ["car", "person"]
        assert await fl.update_annotation(cls_id, title="Automobile") == cls_id
        assert (await fl.find_annotation(cls_id)).title == "Automobile"
        await fl.delete_annotation(cls_id)
        with pytest.raises(labelkit.NotFoundError):
            await fl.find_annotation(cls_id)
        assert [a.value for a in await fl.get_annotations("street")] == ["person"]

        task_id = await fl.create_image_task("street", "s.png", png(tmp_path / "s.png"))
        comment = await fl.create_task_comment(task_id, points=[10, 20], text="blurry?")
        assert comment.task_id == task_id and [t["text"] for t in comment.threads] == ["blurry?"]
        replied = await fl.create_task_comment(comment_id=comment.id, text="no, fine")
        assert [t["text"] for t in replied.threads] == ["blurry?", "no, fine"]
        reply_id = replied.threads[1]["id"]
        edited = await fl.update_task_comment(reply_id, "fine")
        assert [t["text"] for t in edited.threads] == ["blurry?", "fine"]
        listed = await fl.get_task_comments("street", task_id)
        assert [c.id for c in listed] == [comment.id]
        threads = [t async for t in fl.iter_project_comments("street")]
        assert [t.text for t in threads] == ["blurry?", "fine"]
        for thread in threads:
            await fl.delete_task_comment(thread.id)
        assert await fl.get_task_comments("street", task_id) == []


# -- datasets --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_datasets_objects_and_download(
    server: EmulatorServer, tmp_path: pathlib.Path
) -> None:
    files = {
        name: png(tmp_path / f"src-{i}.png", 8 + i, 8)
        for i, name in enumerate(["a.png", "b.png", "night/c.png"])
    }
    target = tmp_path / "out"
    async with client(server) as fl:
        dataset = await fl.create_dataset("street-cars", tags=["cars"], visibility="workspace")
        assert (await fl.find_dataset(dataset.id)).name == "street-cars"
        assert [d.id for d in await fl.get_datasets(keyword="street")] == [dataset.id]
        renamed = await fl.update_dataset(dataset.id, tags=["cars", "city"])
        assert renamed.tags == ["cars", "city"]

        for name, path in files.items():
            created = await fl.create_dataset_object(
                "street-cars", name, path, tags=["raw"], custom_metadata={"camera": "front"}
            )
            assert (created.name, created.size) == (name, path.stat().st_size)
        # A server-supplied name that would escape the target folder.
        await fl.create_dataset_object("street-cars", "../escape.png", files["a.png"])

        found = await fl.find_dataset_object(dataset.id, "a.png")
        assert (found.width, found.height, found.tags) == (8, 8, ["raw"])
        nested = await fl.find_dataset_object(dataset.id, "night/c.png")  # "/" is encoded
        assert (nested.name, nested.width) == ("night/c.png", 10)
        updated = await fl.update_dataset_object(dataset.id, "b.png", tags=["checked"])
        assert updated.tags == ["checked"]
        names = [o.name for o in await fl.get_dataset_objects("street-cars")]
        assert names == ["a.png", "b.png", "night/c.png", "../escape.png"]
        assert len([o async for o in fl.iter_dataset_objects("street-cars", tags=["raw"])]) == 2

        download = await fl.download_dataset_objects("street-cars", target)
        assert sorted(o.name for o in download) == ["a.png", "b.png", "night/c.png"]
        assert [s.name for s in download.skipped] == ["../escape.png"]
        for name, source in files.items():
            written = pathlib.Path(download.path_of[name]).resolve()
            assert written.is_relative_to(target.resolve())
            assert written.read_bytes() == source.read_bytes()
        assert not (tmp_path / "escape.png").exists()
        assert all(p.resolve().is_relative_to(target.resolve()) for p in target.rglob("*"))

        await fl.delete_dataset_object(dataset.id, "a.png")
        with pytest.raises(labelkit.NotFoundError):
            await fl.find_dataset_object(dataset.id, "a.png")
        await fl.delete_dataset(dataset.id)
        with pytest.raises(labelkit.NotFoundError):
            await fl.find_dataset(dataset.id)


# -- imports and jobs ------------------------------------------------------------------


@pytest.mark.anyio
async def test_dicom_zip_import_through_signed_url_then_wait_history(
    server: EmulatorServer, emulator: FastLabelEmulator, tmp_path: pathlib.Path
) -> None:
    study = make_zip(
        tmp_path / "study.zip",
        {"s1/1.dcm": b"DICM-a", "s1/2.dcm": b"DICM-b", "s2/1.dcm": b"DICM-c"},
    )
    broken = make_zip(tmp_path / "broken__fail__.zip", {"x/1.dcm": b"DICM"})
    async with client(server) as fl:
        await fl.create_project("dicom_segmentation", "CT", "ct")
        history = await fl.create_dicom_task("ct", study, tags=["ct"])
        assert history.status == "running"
        done = await fl.wait_history(history.id, poll=FAST_POLL)
        assert (done.id, done.status) == (history.id, "completed")
        tasks = [t async for t in fl.iter_dicom_tasks("ct")]
        assert [(t.name, len(t.contents), t.tags) for t in tasks] == [
            ("s1", 2, ["ct"]),
            ("s2", 1, ["ct"]),
        ]
        assert [h.id for h in await fl.get_histories("ct")] == [history.id]

        failing = await fl.create_dicom_task("ct", broken)
        with pytest.raises(labelkit.JobFailedError):
            await fl.wait_history(failing.id, poll=FAST_POLL)
        with pytest.raises(labelkit.ValidationError):
            await fl.create_dicom_task("ct", png(tmp_path / "not-a-zip.png"))
    # The zip went to the signed URL intact, without the API token.
    [upload] = [u for u in emulator.store.file_keys.values() if u.file_name == "study.zip"]
    assert upload.blob is not None and upload.blob.size >= study.stat().st_size


@pytest.mark.anyio
async def test_s3_appendix_and_robotics_imports(
    server: EmulatorServer, emulator: FastLabelEmulator, tmp_path: pathlib.Path
) -> None:
    emulator.s3_objects["cams"] = ["day/a.jpg", "day/b.jpg", "night/c.jpg"]
    calibration = make_zip(
        tmp_path / "calib.zip",
        {
            "scan/scan.pcd/0.png": png(tmp_path / "c.png").read_bytes(),
            "scan/scan.pcd/0.yaml": b"k: 1",
        },
    )
    episode = make_zip(tmp_path / "episode.zip", {"ep1.json": b"{}", "ep1/cam.mp4": b"mp4"})
    async with client(server) as fl:
        await fl.create_project("image_bbox", "Cams", "cams")
        await fl.update_aws_s3_storage("cams", "cams", "ap-northeast-1", prefix="day/")
        history = await fl.create_task_from_aws_s3("cams", tags=["s3"])
        assert (await fl.wait_history(history.id, poll=FAST_POLL)).status == "completed"
        assert (await fl.get_aws_s3_import_status_by_project("cams")).id == history.id
        imported_tasks = await fl.get_image_tasks("cams", tags=["s3"])
        assert {t.name for t in imported_tasks} == {"day/a.jpg", "day/b.jpg"}

        await fl.create_project("pcd_cuboid", "Lidar", "lidar")
        await fl.create_pcd_task("lidar", "scan", pcd(tmp_path / "scan.pcd"))
        imported = await fl.import_appendix_file("lidar", calibration)
        await fl.wait_history(imported["id"], poll=FAST_POLL)
        [appendix] = await fl.get_task_appendix_data("lidar", task_name="scan")
        assert (appendix.format, appendix.calibration) == ("yml", "k: 1")

        await fl.create_project("robotics", "Arm", "arm")
        robot_id = await fl.create_robotics_task("arm", "ep1", operator="alice")
        robotics = await fl.import_robotics_contents_file("arm", episode)
        await fl.wait_history(robotics["id"], poll=FAST_POLL)
        robot = await fl.find_robotics_task(robot_id)
        assert robot.robotics_operator == "alice"
        assert (await fl.find_robotics_task_by_name("arm", "ep1")) == robot
    assert [name for name, _ in emulator.tasks[robot_id].contents] == ["ep1.json", "ep1/cam.mp4"]


@pytest.mark.anyio
async def test_model_jobs_and_waits(server: EmulatorServer) -> None:
    async with client(server) as fl:
        await fl.create_project("image_bbox", "Detect", "detect")
        await fl.create_dataset("train-set")
        training = await fl.execute_training_job(
            "train-set", "fastlabel_object_detection_light", epoch=3
        )
        assert training.status == "in_progress"
        trained = await fl.wait_training_job(training.training_job_id, poll=FAST_POLL)
        assert trained.status == "completed" and trained.custom_model is not None
        assert [j.training_job_id async for j in fl.iter_training_jobs()] == [
            training.training_job_id
        ]

        evaluation = await fl.execute_evaluation_job("train-set", "my-model", use_dataset_test=True)
        evaluated = await fl.wait_evaluation_job(evaluation.id, poll=FAST_POLL)
        assert evaluated.status == "completed" and evaluated.m_ap is not None
        assert (await fl.find_evaluation_job(evaluation.id)).id == evaluation.id

        auto = await fl.execute_auto_annotation_job("detect", "General")
        annotated = await fl.wait_auto_annotation_job("detect", auto.id, poll=FAST_POLL)
        assert annotated.status == "completed"
        assert [j.id for j in await fl.get_auto_annotation_jobs("detect")] == [auto.id]

        failing = await fl.execute_training_job("train-set", "broken__fail__", epoch=1)
        with pytest.raises(labelkit.JobFailedError):
            await fl.wait_training_job(failing.training_job_id, poll=FAST_POLL)


@pytest.mark.anyio
async def test_workspace_users_and_module_permissions(server: EmulatorServer) -> None:
    async with client(server) as fl:
        ann = await fl.create_workspace_user("Ann", "ann@example.com", "ja", "member")
        assert (ann.user_email, ann.role) == ("ann@example.com", "member")
        with pytest.raises(labelkit.ConflictError):
            await fl.create_workspace_user("Ann", "ann@example.com", "ja", "member")
        await fl.create_workspace_user_module_permissions(
            "ann@example.com", ["modelDev", "dataset"]
        )
        [listed] = await fl.get_workspace_users(keyword="ann")
        perms = listed.function_resource_permissions
        assert perms is not None and perms["modelDev"] is True and perms["dataset"] is True
        await fl.delete_workspace_user_module_permissions("ann@example.com", ["modelDev"])
        [listed] = await fl.get_workspace_users(keyword="ann")
        assert listed.function_resource_permissions["modelDev"] is False  # type: ignore[index]
        assert (await fl.update_workspace_user("ann@example.com", "owner")).role == "owner"
        emails = {u.user_email async for u in fl.iter_workspace_users()}
        assert emails == {"owner@example.com", "ann@example.com"}
        await fl.delete_workspace_user("ann@example.com")
        assert await fl.get_workspace_users(keyword="ann") == []


# -- errors ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_errors_map_to_typed_exceptions(
    server: EmulatorServer, tmp_path: pathlib.Path
) -> None:
    image = png(tmp_path / "a.png")
    async with client(server) as fl:
        await fl.create_project("image_bbox", "P", "p")
        with pytest.raises(labelkit.ConflictError) as project_conflict:
            await fl.create_project("image_bbox", "P again", "p")
        assert project_conflict.value.status == 409
        await fl.create_image_task("p", "a.png", image)
        with pytest.raises(labelkit.ConflictError, match="already exists"):
            await fl.create_image_task("p", "a.png", image)
        with pytest.raises(labelkit.NotFoundError) as missing:
            await fl.find_image_task("00000000-0000-4000-8000-00000000dead")
        assert missing.value.status == 404
        with pytest.raises(labelkit.NotFoundError):
            await fl.get_image_tasks("no-such-project")
        with pytest.raises(labelkit.ValidationError, match="limit"):
            await fl.get_image_tasks("p", limit=1001)
    async with AsyncFastLabel("wrong-token", base_url=server.url + "/v1/") as intruder:
        with pytest.raises(labelkit.AuthenticationError) as denied:
            await intruder.get_projects()
    assert "wrong-token" not in str(denied.value)


@pytest.mark.anyio
async def test_429_is_a_rate_limit_error_when_retries_are_off(tmp_path: pathlib.Path) -> None:
    emulator = FastLabelEmulator(config=EmulatorConfig(rate_limit=RateLimit(2, 60.0)))
    emulator.add_project("p")
    with EmulatorServer(emulator) as server:
        async with client(server, rate_limit=None, max_retries=0) as fl:
            await fl.get_projects()
            await fl.get_projects()
            with pytest.raises(labelkit.RateLimitError) as limited:
                await fl.get_projects()
            with pytest.raises(labelkit.RateLimitError):
                await fl.create_image_task("p", "a.png", png(tmp_path / "a.png"))
    assert limited.value.status == 429
    assert limited.value.retry_after is not None and limited.value.retry_after > 0
    assert emulator.stats.rate_limited == 2 and len(emulator.tasks) == 0


# -- sync facade -----------------------------------------------------------------------


def test_sync_facade_creates_finds_and_iterates(
    server: EmulatorServer, tmp_path: pathlib.Path
) -> None:
    with FastLabel(TOKEN, base_url=server.url + "/v1/", retry=FAST_RETRY) as fl:
        fl.create_project("image_bbox", "Sync", "sync")
        ids = [
            fl.create_image_task("sync", f"{i}.png", png(tmp_path / f"{i}.png")) for i in range(3)
        ]
        found = fl.find_image_task(ids[0])
        by_name = fl.find_image_task_by_name("sync", "2.png")
        walked = [t.id for t in fl.iter_image_tasks("sync")]
        assert fl.count_tasks("sync") == 3
        items = [{"name": f"b{i}.png", "file_path": png(tmp_path / f"b{i}.png")} for i in range(4)]
        outcomes = sorted(fl.bulk_create("image", "sync", items), key=lambda o: o.index)
        assert [o.value for o in outcomes] == [
            fl.find_image_task_by_name("sync", f"b{i}.png").id  # type: ignore[union-attr]
            for i in range(4)
        ]
        with pytest.raises(labelkit.NotFoundError):
            fl.find_image_task("missing")
    assert found.name == "0.png" and by_name is not None and by_name.id == ids[2]
    assert walked == ids
