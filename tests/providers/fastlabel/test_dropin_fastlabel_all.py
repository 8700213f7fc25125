"""Drop-in calls: every one of the official ``fastlabel`` SDK's 159 methods, through the sync
client against the in-process emulator, with the argument forms of the official tables
(required arguments positional, options by keyword, and the all-keyword form for some).

Each call must succeed, or end in the typed labelkit error the emulator answers with
(``EXPECTED_ERRORS``); an ``AttributeError`` or ``TypeError`` always fails."""

from __future__ import annotations

import json
import types
import typing

import pytest

import labelkit
from labelkit.emulators import EmulatorConfig, FastLabelEmulator
from labelkit.fastlabel import FastLabel

from ._fastlabel_files import write_mp4
from .test_fastlabel_integration import folder_of_pngs, make_zip, pcd, png, wav
from .test_fastlabel_surface import OFFICIAL

Call = typing.Callable[[FastLabel, types.SimpleNamespace], object]
ATTRS = [{"key": "kind", "value": "a"}]
BOX = [{"type": "bbox", "value": "cat", "points": [1, 2, 3, 4], "attributes": []}]
META = [{"key": "k", "value": "v"}]
#: project slug -> project type
PROJECTS = {
    "img": "image_bbox",
    "img-cls": "image_classification",
    "video": "video_bbox",
    "video-cls": "video_classification",
    "text": "text_ner",
    "text-cls": "text_classification",
    "audio": "audio_segmentation",
    "audio-cls": "audio_classification",
    "pcd": "pcd_cuboid",
    "seq-img": "sequential_image_bbox",
    "seq-pcd": "sequential_pcd_cuboid",
    "multi-cls": "multi_image_classification",
    "dicom": "dicom_segmentation",
    "robot": "robotics",
    "mmva": "multi_modal_video_audio",
}


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> typing.Iterator[tuple[FastLabel, types.SimpleNamespace]]:
    d = tmp_path_factory.mktemp("dropin")
    c = types.SimpleNamespace(dir=d)
    c.png = png(d / "a.png")
    c.video = write_mp4(d / "clip.mp4")
    c.text = d / "doc.txt"
    c.text.write_text("FastLabel text\n")
    c.wav = wav(d / "voice.wav")
    c.pcd = pcd(d / "scan.pcd")
    c.frames = folder_of_pngs(d / "frames", ["f1.png", "f2.png"])
    c.views = folder_of_pngs(d / "views", ["a.png", "b.png"])
    c.sweeps = d / "sweeps"
    c.sweeps.mkdir()
    pcd(c.sweeps / "s1.pcd")
    c.dicom = make_zip(d / "study.zip", {"s1/1.dcm": b"DICM-a"})
    c.appendix = make_zip(d / "calib.zip", {"scan/scan.pcd/0.yaml": b"k: 1"})
    c.episode = make_zip(d / "episode.zip", {"ep1.json": b"{}"})
    c.coco = d / "coco.json"
    c.coco.write_text(json.dumps({"images": [], "annotations": [], "categories": []}))
    c.empty = d / "empty"
    c.empty.mkdir()
    c.classes = d / "classes.txt"
    c.classes.write_text("cat\n")
    c.mask = d / "mask.png"
    from PIL import Image

    mask = Image.new("L", (8, 8), 0)
    mask.paste(255, (2, 2, 6, 6))
    mask.save(c.mask)
    emulator = FastLabelEmulator(
        config=EmulatorConfig(processing_time=0.0, seed=1), s3_objects={"bucket": ["a.jpg"]}
    )
    with FastLabel(
        "test-token", base_url=emulator.base_url, transport=emulator.transport(), max_retries=0
    ) as fl:
        for slug, kind in PROJECTS.items():
            fl.create_project(kind, slug, slug)
        c.project_id = fl.find_project_by_slug("img").id
        fl.update_aws_s3_storage("img", "bucket", "ap-northeast-1")
        c.image = fl.create_image_task("img", "a.png", c.png, annotations=BOX, tags=["t"])
        c.image_cls = fl.create_image_classification_task(
            "img-cls", "a.png", c.png, attributes=ATTRS
        )
        c.video_id = fl.create_video_task("video", "clip.mp4", c.video)
        c.video_cls = fl.create_video_classification_task("video-cls", "clip.mp4", c.video)
        c.text_id = fl.create_text_task("text", "doc.txt", c.text)
        c.text_cls = fl.create_text_classification_task("text-cls", "doc.txt", c.text)
        c.audio_id = fl.create_audio_task("audio", "voice.wav", c.wav)
        c.audio_cls = fl.create_audio_classification_task("audio-cls", "voice.wav", c.wav)
        c.pcd_id = fl.create_pcd_task("pcd", "scan.pcd", c.pcd)
        c.seq_img = fl.create_sequential_image_task("seq-img", "walk", c.frames)
        c.seq_pcd = fl.create_sequential_pcd_task("seq-pcd", "drive", c.sweeps)
        c.multi_cls = fl.create_multi_image_classification_task("multi-cls", "pair", c.views)
        c.robot = fl.create_robotics_task("robot", "ep1", operator="op")
        history = fl.create_dicom_task("dicom", c.dicom)
        fl.wait_history(history.id)
        c.dicom_id = fl.get_dicom_tasks("dicom")[0].id
        c.history = history.id
        c.bbox = fl.create_annotation("img", "bbox", "cat", "Cat")
        c.dataset = fl.create_dataset("ds", ["a"])
        fl.create_dataset_object("ds", "o.png", c.png, tags=["x"])
        c.thread = fl.create_task_comment(c.image, points=[1, 2], text="hi")
        c.training = fl.execute_training_job("ds", "fastlabel_object_detection-light", 1)
        c.evaluation = fl.execute_evaluation_job("ds", "model")
        yield fl, c


def _victim_project(fl: FastLabel) -> str:
    return fl.create_project("image_bbox", "victim", "victim-p")


CALLS: dict[str, Call] = {
    "add_task_tags": lambda fl, c: fl.add_task_tags("img", [c.image], ["x"]),
    "remove_task_tags": lambda fl, c: fl.remove_task_tags(
        project="img", task_ids=[c.image], tags=["x"]
    ),
    "convert_coco_to_fastlabel": lambda fl, c: fl.convert_coco_to_fastlabel(str(c.coco), "bbox"),
    "convert_labelme_to_fastlabel": lambda fl, c: fl.convert_labelme_to_fastlabel(str(c.empty)),
    "convert_pascalvoc_to_fastlabel": lambda fl, c: fl.convert_pascalvoc_to_fastlabel(
        folder_path=str(c.empty)
    ),
    "convert_yolo_to_fastlabel": lambda fl, c: fl.convert_yolo_to_fastlabel(
        str(c.classes), str(c.empty), "bbox"
    ),
    "mask_to_fastlabel_segmentation_points": lambda fl, c: fl.mask_to_fastlabel_segmentation_points(
        str(c.mask)
    ),
    "copy_project": lambda fl, c: fl.copy_project(c.project_id, "Copied", "copied"),
    "count_tasks": lambda fl, c: fl.count_tasks(
        "img", status="registered", external_status=None, tags=["t"]
    ),
    "create_annotation": lambda fl, c: fl.create_annotation(
        "img", "bbox", "dog", "Dog", "#ff0000", 2, []
    ),
    "create_classification_annotation": lambda fl, c: fl.create_classification_annotation(
        "img-cls", [{"type": "text", "name": "Note", "key": "note"}]
    ),
    "create_dataset": lambda fl, c: fl.create_dataset("ds-2", ["a"], "organization"),
    "create_dataset_object": lambda fl, c: fl.create_dataset_object(
        "ds", "b.png", str(c.png), ["t"], None, None, None
    ),
    "create_image_task": lambda fl, c: fl.create_image_task(
        "img", "b.png", str(c.png), "registered", "registered", None, 10, BOX, ["t"], META, False
    ),
    "create_image_classification_task": lambda fl, c: fl.create_image_classification_task(
        project="img-cls", name="b.png", file_path=str(c.png), attributes=ATTRS, is_delete_exif=True
    ),
    "create_integrated_image_task": lambda fl, c: fl.create_integrated_image_task(
        "img", "aws-s3", "a.jpg"
    ),
    "create_integrated_image_classification_task": lambda fl, c: (
        fl.create_integrated_image_classification_task("img-cls", "a.jpg", "aws-s3")
    ),
    "create_video_task": lambda fl, c: fl.create_video_task(
        "video", "b.mp4", str(c.video), tags=["v"]
    ),
    "create_video_classification_task": lambda fl, c: fl.create_video_classification_task(
        "video-cls", "b.mp4", c.video, attributes=ATTRS
    ),
    "create_text_task": lambda fl, c: fl.create_text_task("text", "b.txt", c.text, metadatas=META),
    "create_text_classification_task": lambda fl, c: fl.create_text_classification_task(
        "text-cls", "b.txt", c.text
    ),
    "create_audio_task": lambda fl, c: fl.create_audio_task("audio", "b.wav", c.wav, priority=20),
    "create_audio_classification_task": lambda fl, c: fl.create_audio_classification_task(
        "audio-cls", "b.wav", c.wav, tags=["a"]
    ),
    "create_pcd_task": lambda fl, c: fl.create_pcd_task("pcd", "b.pcd", c.pcd, "registered"),
    "create_sequential_image_task": lambda fl, c: fl.create_sequential_image_task(
        "seq-img", "walk-2", str(c.frames)
    ),
    "create_sequential_pcd_task": lambda fl, c: fl.create_sequential_pcd_task(
        "seq-pcd", "drive-2", str(c.sweeps)
    ),
    "create_multi_image_classification_task": lambda fl, c: (
        fl.create_multi_image_classification_task(
            "multi-cls", "pair-2", str(c.views), attributes=ATTRS
        )
    ),
    "create_dicom_task": lambda fl, c: fl.create_dicom_task("dicom", str(c.dicom), tags=["d"]),
    "create_robotics_task": lambda fl, c: fl.create_robotics_task("robot", "ep2", operator="op"),
    "create_model_monitoring_request_results": lambda fl, c: (
        fl.create_model_monitoring_request_results(
            "m", [{"status": "success", "result": [], "requestAt": "2024-01-01T00:00:00Z"}]
        )
    ),
    "create_project": lambda fl, c: fl.create_project(
        "image_bbox", "New", "new", False, 10, "two_step"
    ),
    "create_task_comment": lambda fl, c: fl.create_task_comment(
        task_id=c.image, points=[3, 4], text="x"
    ),
    "create_task_from_aws_s3": lambda fl, c: fl.create_task_from_aws_s3(
        "img", "registered", ["s3"], 0
    ),
    "create_workspace_user": lambda fl, c: fl.create_workspace_user(
        "Bo", "bo@example.com", "en", "member"
    ),
    "create_workspace_user_module_permissions": lambda fl, c: (
        fl.create_workspace_user_module_permissions("owner@example.com", ["dataset"])
    ),
    "delete_annotation": lambda fl, c: fl.delete_annotation(
        fl.create_annotation("img", "bbox", "gone", "Gone")
    ),
    "delete_dataset": lambda fl, c: fl.delete_dataset(fl.create_dataset("gone").id),
    "delete_dataset_object": lambda fl, c: fl.delete_dataset_object(
        c.dataset.id, fl.create_dataset_object("ds", "gone.png", c.png).name
    ),
    "delete_project": lambda fl, c: fl.delete_project(_victim_project(fl)),
    "delete_tags": lambda fl, c: fl.delete_tags([t.id for t in fl.get_tags("img")][:1]),
    "delete_task": lambda fl, c: fl.delete_task(fl.create_image_task("img", "gone.png", c.png)),
    "delete_task_annotations": lambda fl, c: fl.delete_task_annotations(c.image),
    "delete_task_comment": lambda fl, c: fl.delete_task_comment(
        fl.create_task_comment(c.image, points=[1, 1], text="bye").threads[0]["id"]
    ),
    "delete_workspace_user": lambda fl, c: fl.delete_workspace_user(
        fl.create_workspace_user("Cy", "cy@example.com", "ja", "member").user_email
    ),
    "delete_workspace_user_module_permissions": lambda fl, c: (
        fl.delete_workspace_user_module_permissions("owner@example.com", ["dataset"])
    ),
    "download_dataset_objects": lambda fl, c: fl.download_dataset_objects(
        "ds", str(c.dir / "dl"), tags=["x"]
    ),
    "execute_auto_annotation_job": lambda fl, c: fl.execute_auto_annotation_job(
        "img", "General", "object_detection"
    ),
    "execute_endpoint": lambda fl, c: fl.execute_endpoint("endpoint", str(c.png)),
    "execute_evaluation_job": lambda fl, c: fl.execute_evaluation_job(
        "ds", "model", iou_threshold=0.5
    ),
    "execute_training_job": lambda fl, c: fl.execute_training_job(
        dataset_name="ds", base_model_name="fastlabel_object_detection-light", epoch=1
    ),
    "export_coco": lambda fl, c: fl.export_coco(
        "img", fl.get_image_tasks("img", tags=["t"]), fl.get_annotations("img"), str(c.dir / "coco")
    ),
    "export_yolo": lambda fl, c: fl.export_yolo(
        "img", fl.get_image_tasks("img", tags=["t"]), None, str(c.dir / "yolo")
    ),
    "export_pascalvoc": lambda fl, c: fl.export_pascalvoc(
        "img", fl.get_image_tasks("img", tags=["t"]), str(c.dir / "voc")
    ),
    "export_labelme": lambda fl, c: fl.export_labelme(
        fl.get_image_tasks("img", tags=["t"]), output_dir=str(c.dir / "lm")
    ),
    "export_instance_segmentation": lambda fl, c: fl.export_instance_segmentation(
        fl.get_image_tasks("img", tags=["t"]), str(c.dir / "is"), None, 1
    ),
    "export_semantic_segmentation": lambda fl, c: fl.export_semantic_segmentation(
        tasks=fl.get_image_tasks("img", tags=["t"]), output_dir=str(c.dir / "ss")
    ),
    "export_image_with_annotations": lambda fl, c: fl.export_image_with_annotations(
        [], str(c.dir), str(c.dir / "with")
    ),
    "find_annotation": lambda fl, c: fl.find_annotation(c.bbox),
    "find_annotation_by_value": lambda fl, c: fl.find_annotation_by_value("img", "cat"),
    "find_dataset": lambda fl, c: fl.find_dataset(c.dataset.id),
    "find_dataset_object": lambda fl, c: fl.find_dataset_object(c.dataset.id, "o.png"),
    "find_evaluation_job": lambda fl, c: fl.find_evaluation_job(c.evaluation.id),
    "find_training_job": lambda fl, c: fl.find_training_job(c.training.training_job_id),
    "find_history": lambda fl, c: fl.find_history(c.history),
    "find_project": lambda fl, c: fl.find_project(c.project_id),
    "find_project_by_slug": lambda fl, c: fl.find_project_by_slug(slug="img"),
    "find_integrated_image_task_by_prefix": lambda fl, c: fl.find_integrated_image_task_by_prefix(
        "img", "a"
    ),
    "find_integrated_video_task_by_prefix": lambda fl, c: fl.find_integrated_video_task_by_prefix(
        "video", "c"
    ),
    "find_integrated_audio_task_by_prefix": lambda fl, c: fl.find_integrated_audio_task_by_prefix(
        "audio", "v"
    ),
    "find_multi_modal_video_audio_task": lambda fl, c: fl.find_multi_modal_video_audio_task(
        c.image
    ),
    "get_annotations": lambda fl, c: fl.get_annotations("img", value="cat", offset=0, limit=10),
    "get_appendix_data": lambda fl, c: fl.get_appendix_data("pcd", task_name="scan.pcd"),
    "get_task_appendix_data": lambda fl, c: fl.get_task_appendix_data("pcd", "scan.pcd"),
    "get_auto_annotation_jobs": lambda fl, c: fl.get_auto_annotation_jobs("img", 0, 10),
    "get_aws_s3_import_status_by_project": lambda fl, c: fl.get_aws_s3_import_status_by_project(
        "img"
    ),
    "get_dataset_objects": lambda fl, c: fl.get_dataset_objects("ds", tags=["x"], limit=10),
    "get_datasets": lambda fl, c: fl.get_datasets(keyword="ds"),
    "get_evaluation_jobs": lambda fl, c: fl.get_evaluation_jobs(0, 10),
    "get_training_jobs": lambda fl, c: fl.get_training_jobs(offset=0, limit=10),
    "get_histories": lambda fl, c: fl.get_histories("dicom"),
    "get_metadatas": lambda fl, c: fl.get_metadatas("img"),
    "get_project_comments": lambda fl, c: fl.get_project_comments("img", limit=10),
    "get_task_comments": lambda fl, c: fl.get_task_comments("img", c.image),
    "get_project_id_slug_map": lambda fl, c: fl.get_project_id_slug_map(),
    "get_projects": lambda fl, c: fl.get_projects(slug="img"),
    "get_tags": lambda fl, c: fl.get_tags("img", keyword="t"),
    "get_task_id_name_map": lambda fl, c: fl.get_task_id_name_map("img", 0, 100),
    "get_workspace_users": lambda fl, c: fl.get_workspace_users(keyword="owner"),
    "import_appendix_file": lambda fl, c: fl.import_appendix_file("pcd", str(c.appendix)),
    "import_robotics_contents_file": lambda fl, c: fl.import_robotics_contents_file(
        "robot", str(c.episode)
    ),
    "import_lerobot": lambda fl, c: fl.import_lerobot("robot", str(c.empty)),
    "update_annotation": lambda fl, c: fl.update_annotation(c.bbox, title="Kitty", color="#00ff00"),
    "update_classification_annotation": lambda fl, c: fl.update_classification_annotation(
        fl.get_annotations("img-cls")[0].id,
        [{"type": "text", "name": "Note 2", "key": "note"}],
    ),
    "update_aws_s3_storage": lambda fl, c: fl.update_aws_s3_storage(
        "img", "bucket", "ap-northeast-1", prefix=""
    ),
    "update_dataset": lambda fl, c: fl.update_dataset(c.dataset.id, "ds", ["b"]),
    "update_dataset_object": lambda fl, c: fl.update_dataset_object(
        c.dataset.id, "o.png", tags=["y"]
    ),
    "update_project": lambda fl, c: fl.update_project(c.project_id, job_size=5),
    "update_project_metadata": lambda fl, c: fl.update_project_metadata(
        c.project_id, "a", "b", "c"
    ),
    "update_project_user_permission": lambda fl, c: fl.update_project_user_permission(
        "img", "owner@example.com", "reviewer"
    ),
    "update_task": lambda fl, c: fl.update_task(c.image, "completed", tags=["t"], metadatas=META),
    "update_task_comment": lambda fl, c: fl.update_task_comment(
        c.thread.threads[0]["id"], "edited"
    ),
    "update_workspace_user": lambda fl, c: fl.update_workspace_user("owner@example.com", "owner"),
    "update_image_task": lambda fl, c: fl.update_image_task(
        c.image, "registered", None, None, 10, ["t"], BOX, [], META
    ),
    "update_image_classification_task": lambda fl, c: fl.update_image_classification_task(
        c.image_cls, attributes=ATTRS
    ),
    "update_video_task": lambda fl, c: fl.update_video_task(c.video_id, status="completed"),
    "update_video_classification_task": lambda fl, c: fl.update_video_classification_task(
        c.video_cls, tags=["v"]
    ),
    "update_text_task": lambda fl, c: fl.update_text_task(c.text_id, priority=30),
    "update_text_classification_task": lambda fl, c: fl.update_text_classification_task(
        c.text_cls, attributes=[]
    ),
    "update_audio_task": lambda fl, c: fl.update_audio_task(task_id=c.audio_id, metadatas=META),
    "update_audio_classification_task": lambda fl, c: fl.update_audio_classification_task(
        c.audio_cls, "completed"
    ),
    "update_pcd_task": lambda fl, c: fl.update_pcd_task(c.pcd_id, annotations=[]),
    "update_sequential_image_task": lambda fl, c: fl.update_sequential_image_task(
        c.seq_img, tags=["s"]
    ),
    "update_sequential_pcd_task": lambda fl, c: fl.update_sequential_pcd_task(
        c.seq_pcd, tags=["s"]
    ),
    "update_multi_image_classification_task": lambda fl, c: (
        fl.update_multi_image_classification_task(c.multi_cls, attributes=ATTRS)
    ),
    "update_dicom_task": lambda fl, c: fl.update_dicom_task(c.dicom_id, tags=["d"]),
    "update_robotics_task": lambda fl, c: fl.update_robotics_task(c.robot, operator="op-2"),
}

#: task kind -> (project slug, context attribute of a task id, its name)
KINDS = {
    "image": ("img", "image", "a.png"),
    "image_classification": ("img-cls", "image_cls", "a.png"),
    "video": ("video", "video_id", "clip.mp4"),
    "video_classification": ("video-cls", "video_cls", "clip.mp4"),
    "text": ("text", "text_id", "doc.txt"),
    "text_classification": ("text-cls", "text_cls", "doc.txt"),
    "audio": ("audio", "audio_id", "voice.wav"),
    "audio_classification": ("audio-cls", "audio_cls", "voice.wav"),
    "pcd": ("pcd", "pcd_id", "scan.pcd"),
    "sequential_image": ("seq-img", "seq_img", "walk"),
    "sequential_pcd": ("seq-pcd", "seq_pcd", "drive"),
    "multi_image_classification": ("multi-cls", "multi_cls", "pair"),
    "dicom": ("dicom", "dicom_id", "s1"),
    "robotics": ("robot", "robot", "ep1"),
}


def _kind_calls(kind: str, slug: str, attribute: str, name: str) -> dict[str, Call]:
    def find(fl: FastLabel, c: types.SimpleNamespace) -> object:
        found = getattr(fl, f"find_{kind}_task")(getattr(c, attribute))
        assert found.id == getattr(c, attribute)
        return found

    def find_by_name(fl: FastLabel, c: types.SimpleNamespace) -> object:
        found = getattr(fl, f"find_{kind}_task_by_name")(slug, name)
        assert found is not None and found.id == getattr(c, attribute)
        return found

    def get(fl: FastLabel, c: types.SimpleNamespace) -> object:
        tasks = getattr(fl, f"get_{kind}_tasks")(slug, None, None, None, name, 0, 10)
        keyword = getattr(fl, f"get_{kind}_tasks")(project=slug, limit=10)
        assert getattr(c, attribute) in [t.id for t in tasks] and keyword
        return tasks

    return {
        f"find_{kind}_task": find,
        f"find_{kind}_task_by_name": find_by_name,
        f"get_{kind}_tasks": get,
    }


for _kind, (_slug, _attribute, _name) in KINDS.items():
    CALLS.update(_kind_calls(_kind, _slug, _attribute, _name))
CALLS["get_multi_modal_video_audio_tasks"] = lambda fl, c: fl.get_multi_modal_video_audio_tasks(
    "mmva", limit=10
)

#: method -> the typed error the emulator answers the official call with, and why.
EXPECTED_ERRORS: dict[str, tuple[type[Exception], str]] = {
    # The SDK has no create for this type: there is no task to find.
    "find_multi_modal_video_audio_task": (labelkit.NotFoundError, "task not found"),
    # An empty folder is no LeRobot dataset: refused before anything is sent.
    "import_lerobot": (labelkit.ValidationError, "not a LeRobot dataset"),
}


def test_every_official_method_is_called() -> None:
    assert set(CALLS) == set(OFFICIAL)


@pytest.mark.parametrize("method", sorted(OFFICIAL))
def test_official_call(world: tuple[FastLabel, types.SimpleNamespace], method: str) -> None:
    fl, c = world
    call = CALLS[method]
    if method in EXPECTED_ERRORS:
        error, _why = EXPECTED_ERRORS[method]
        with pytest.raises(error) as info:
            call(fl, c)
        assert _why.lower() in str(info.value).lower()
    else:
        call(fl, c)
