"""Round trips: what a provider returned goes back in unchanged.

Each test fetches real results from the provider's emulator (in-process, its transport), passes
labelkit's model objects back to the methods that take that data, and asserts that the call
succeeds and sends exactly the request the same data as plain dicts (``to_dict()``) sends.
"""

from __future__ import annotations

import json
import pathlib
import typing

import pytest

import labelkit
from labelkit._emulator import EmulatorTransport
from labelkit._models import Model
from labelkit.datawow import Datawow, parse_postback
from labelkit.emulators import (
    DatawowEmulator,
    EmulatorConfig,
    FastLabelEmulator,
    RedFlagEmulator,
    ScaleEmulator,
)
from labelkit.fastlabel import FastLabel

Scope = dict[str, typing.Any]
Message = dict[str, typing.Any]


class Recorder:
    """An ASGI wrapper that keeps (method, path, JSON body) of every request it passes on."""

    def __init__(self, app: typing.Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str, object]] = []

    async def __call__(
        self,
        scope: Scope,
        receive: typing.Callable[[], typing.Awaitable[Message]],
        send: typing.Callable[[Message], typing.Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        is_json = dict(scope["headers"]).get(b"content-type", b"").startswith(b"application/json")
        self.requests.append(
            (scope["method"], scope["path"], json.loads(body) if is_json and body else body)
        )
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def last(self, method: str, path_part: str) -> object:
        """The body of the latest ``method`` request whose path contains ``path_part``."""
        for verb, path, body in reversed(self.requests):
            if verb == method and path_part in path:
                return body
        raise AssertionError(f"no {method} request to *{path_part}* was sent")


def plain(value: object) -> object:
    """``value`` with every labelkit model replaced by its ``to_dict()``, recursively."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def has_model(value: object) -> bool:
    if isinstance(value, Model):
        return True
    if isinstance(value, dict):
        return any(has_model(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_model(item) for item in value)
    return False


def png(path: pathlib.Path, width: int = 16, height: int = 12) -> str:
    from PIL import Image

    Image.new("RGB", (width, height), (200, 10, 10)).save(path)
    return str(path)


# -- FastLabel ------------------------------------------------------------------------------


@pytest.fixture
def fastlabel(tmp_path: pathlib.Path) -> typing.Iterator[tuple[FastLabel, Recorder]]:
    recorder = Recorder(FastLabelEmulator(config=EmulatorConfig(processing_time=0.0, seed=1)))
    with FastLabel(
        "test-token",
        base_url=recorder.app.base_url,
        transport=EmulatorTransport(recorder),
        max_retries=0,
    ) as client:
        yield client, recorder


BOX = {
    "type": "bbox",
    "value": "cat",
    "points": [1, 2, 10, 11],
    "attributes": [{"key": "note", "value": "x"}],
}
CAT_ATTRIBUTES = [{"type": "text", "name": "Note", "key": "note"}]
KIND = {"type": "radio", "name": "Kind", "key": "kind", "options": [{"title": "A", "value": "a"}]}


def test_fastlabel_image_task_results_go_back_into_creates_and_updates(
    fastlabel: tuple[FastLabel, Recorder], tmp_path: pathlib.Path
) -> None:
    fl, recorder = fastlabel
    for slug in ("src", "dst-model", "dst-dict"):
        fl.create_project("image_bbox", slug, slug)
        fl.create_annotation(slug, "bbox", "cat", "Cat", attributes=CAT_ATTRIBUTES)
    image = png(tmp_path / "a.png")
    fl.create_image_task(
        "src", "a.png", image, annotations=[BOX], tags=["t"], metadatas=[{"key": "k", "value": "v"}]
    )
    [task] = fl.get_image_tasks("src")
    assert has_model(task.annotations)
    for slug, convert in (("dst-model", lambda v: v), ("dst-dict", plain)):
        fl.create_image_task(
            slug,
            "a.png",
            image,
            annotations=convert(task.annotations),
            tags=convert(task.tags),
            metadatas=convert(task.metadatas),
        )
    sent = [recorder.last("POST", "tasks/image")]  # dst-dict
    copied = [t for t in fl.get_image_tasks("dst-model")]
    assert [a["points"] for a in copied[0].annotations] == [[1, 2, 10, 11]]
    bodies = [
        body
        for verb, path, body in recorder.requests
        if verb == "POST" and path.endswith("tasks/image")
    ]
    model_body, dict_body = (dict(b) for b in bodies[-2:])  # type: ignore[call-overload]
    assert dict_body == sent[0]
    assert {**model_body, "project": "x"} == {**dict_body, "project": "x"}

    kwargs = {"annotations": task.annotations, "relations": task.relations, "tags": task.tags}
    fl.update_image_task(task.id, metadatas=task.metadatas, **kwargs)
    from_models = recorder.last("PUT", f"tasks/image/{task.id}")
    fl.update_image_task(task.id, metadatas=plain(task.metadatas), **plain(kwargs))  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", f"tasks/image/{task.id}")
    [again] = fl.get_image_tasks("src")
    unsaved = [{k: v for k, v in a.items() if k != "id"} for a in again.annotations]
    assert unsaved == [{k: v for k, v in a.items() if k != "id"} for a in task.annotations]


def test_fastlabel_annotation_classes_go_back_into_create_and_update(
    fastlabel: tuple[FastLabel, Recorder],
) -> None:
    fl, recorder = fastlabel
    fl.create_project("image_bbox", "classes", "classes")
    fl.create_project("image_bbox", "classes-2", "classes-2")
    fl.create_annotation("classes", "bbox", "cat", "Cat", "#ff0000", 1, [*CAT_ATTRIBUTES, KIND])
    [cat] = fl.get_annotations("classes")
    assert has_model(cat.attributes) or isinstance(cat.attributes[0], dict)
    fl.update_annotation(cat.id, attributes=cat.attributes)
    from_models = recorder.last("PUT", f"annotations/{cat.id}")
    fl.update_annotation(cat.id, attributes=plain(cat.attributes))  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", f"annotations/{cat.id}")
    fl.create_annotation(
        "classes-2", cat.type, cat.value, cat.title, cat.color, cat.order, cat.attributes
    )
    from_models = recorder.last("POST", "annotations")
    fl.create_annotation(
        "classes-2", cat.type, "cat-2", cat.title, cat.color, cat.order, plain(cat.attributes)
    )  # type: ignore[arg-type]
    from_dicts = typing.cast("dict[str, object]", recorder.last("POST", "annotations"))
    assert from_models == {**from_dicts, "value": "cat"}
    [copy, _] = fl.get_annotations("classes-2")
    assert [a["key"] for a in copy.attributes] == ["note", "kind"]


def test_fastlabel_classification_attributes_go_back(
    fastlabel: tuple[FastLabel, Recorder], tmp_path: pathlib.Path
) -> None:
    fl, recorder = fastlabel
    fl.create_project("image_classification", "cls", "cls")
    fl.create_classification_annotation("cls", [KIND])
    [classification] = fl.get_annotations("cls")
    fl.update_classification_annotation(classification.id, classification.attributes)
    from_models = recorder.last("PUT", classification.id)
    fl.update_classification_annotation(classification.id, plain(classification.attributes))  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", classification.id)
    image = png(tmp_path / "c.png")
    fl.create_image_classification_task(
        "cls", "c.png", image, attributes=[{"key": "kind", "value": "a"}]
    )
    [task] = fl.get_image_classification_tasks("cls")
    fl.update_image_classification_task(task.id, attributes=task.attributes, tags=task.tags)
    from_models = recorder.last("PUT", task.id)
    fl.update_image_classification_task(task.id, attributes=plain(task.attributes), tags=task.tags)  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", task.id)
    assert [a["value"] for a in fl.find_image_classification_task(task.id).attributes] == ["a"]


def test_fastlabel_exports_take_fetched_tasks_and_classes(
    fastlabel: tuple[FastLabel, Recorder], tmp_path: pathlib.Path
) -> None:
    fl, _ = fastlabel
    fl.create_project("image_bbox", "exp", "exp")
    fl.create_annotation("exp", "bbox", "cat", "Cat", attributes=CAT_ATTRIBUTES)
    fl.create_image_task("exp", "e.png", png(tmp_path / "e.png"), annotations=[BOX])
    tasks, classes = fl.get_image_tasks("exp"), fl.get_annotations("exp")
    for name, convert in (("models", lambda v: v), ("dicts", plain)):
        out = tmp_path / name
        fl.export_coco("exp", convert(tasks), annotations=convert(classes), output_dir=str(out))
        fl.export_yolo("exp", convert(tasks), output_dir=str(out / "yolo"))
        fl.export_pascalvoc("exp", convert(tasks), output_dir=str(out / "voc"))
        fl.export_labelme(convert(tasks), output_dir=str(out / "labelme"))
        fl.export_instance_segmentation(convert(tasks), output_dir=str(out / "is"))
        fl.export_semantic_segmentation(convert(tasks), output_dir=str(out / "ss"))
    for produced in sorted((tmp_path / "dicts").rglob("*")):
        twin = tmp_path / "models" / produced.relative_to(tmp_path / "dicts")
        assert twin.exists(), twin
        if produced.is_file():
            assert twin.read_bytes() == produced.read_bytes(), produced
    coco = json.loads((tmp_path / "models" / "annotations.json").read_text())
    assert [c["name"] for c in coco["categories"]] == ["cat"]
    assert len(coco["annotations"]) == 1


def test_fastlabel_dataset_objects_go_back(
    fastlabel: tuple[FastLabel, Recorder], tmp_path: pathlib.Path
) -> None:
    fl, recorder = fastlabel
    dataset = fl.create_dataset("rt", ["a"])
    annotations = [{"type": "bbox", "value": "cat", "points": [1, 2, 3, 4]}]
    fl.create_dataset_object(
        dataset.name, "o.png", png(tmp_path / "o.png"), tags=["x"], annotations=annotations
    )
    [obj] = fl.get_dataset_objects(dataset.name)
    fields = {"tags": obj.tags, "licenses": obj.licenses, "annotations": obj.annotations}
    fl.update_dataset_object(dataset.id, obj.name, **fields)
    from_models = recorder.last("PUT", "dataset-revision-objects")
    fl.update_dataset_object(dataset.id, obj.name, **plain(fields))  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", "dataset-revision-objects")
    found = fl.find_dataset(dataset.id)
    fl.update_dataset(found.id, found.name, found.tags)
    from_models = recorder.last("PUT", dataset.id)
    fl.update_dataset(found.id, found.name, plain(found.tags))  # type: ignore[arg-type]
    assert from_models == recorder.last("PUT", dataset.id)


# -- Scale ----------------------------------------------------------------------------------


@pytest.fixture
def scale() -> typing.Iterator[tuple[labelkit.Scale, Recorder]]:
    emulator = ScaleEmulator(config=EmulatorConfig(processing_time=0.0, seed=3))
    recorder = Recorder(emulator)
    with labelkit.Scale(
        "live_emulator_0000000000000000",
        base_url=recorder.app.base_url,
        transport=EmulatorTransport(recorder),
        max_retries=0,
    ) as client:
        yield client, recorder
    emulator.close()


GEOMETRIES = {"box": {"objects_to_annotate": ["cat", {"choice": "dog", "subchoices": ["a"]}]}}


def test_scale_fetched_task_params_recreate_the_task(
    scale: tuple[labelkit.Scale, Recorder],
) -> None:
    client, recorder = scale
    client.create_project("rt", "imageannotation", {"instruction": "Box", "geometries": GEOMETRIES})
    client.create_batch("rt", "b1", metadata={"round": [1]})
    created = client.create_task(
        "imageannotation",
        project="rt",
        batch="b1",
        attachment="https://cdn.example.com/a.jpg",
        geometries=GEOMETRIES,
        metadata={"row": {"n": 1}},
    )
    task = client.get_task(created.task_id)
    first = recorder.last("POST", "task/imageannotation")
    client.create_task(
        task.type, project=task.project, batch=task.batch, metadata=task.metadata, **task.params
    )
    assert recorder.last("POST", "task/imageannotation") == first
    client.create_task(
        task["type"],
        project=task["project"],
        batch=task["batch"],
        metadata=task["metadata"],
        **task["params"],
    )
    assert recorder.last("POST", "task/imageannotation") == first
    client.set_task_metadata(task.task_id, task.metadata)
    assert recorder.last("POST", "setMetadata") == {"row": {"n": 1}}
    batch = client.get_batch("b1")
    client.create_batch("rt", "b2", metadata=batch.metadata)
    assert typing.cast("dict[str, object]", recorder.last("POST", "batches"))["metadata"] == {
        "round": [1]
    }
    project = client.get_project("rt")
    # Like the SDK's Project.params: the latest param_history entry (with its version).
    client.create_project("rt-copy", project.type, project.params)
    copied = recorder.last("POST", "projects")
    client.create_project("rt-copy-2", project["type"], project["param_history"][-1])
    assert {
        **typing.cast("dict[str, object]", recorder.last("POST", "projects")),
        "name": "rt-copy",
    } == copied
    assert typing.cast("dict[str, typing.Any]", copied)["params"]["geometries"] == GEOMETRIES
    v2_task = client.v2.get_task(task_id=task.task_id)
    client.v2.set_task_metadata(
        set_task_metadata_request={"task_id": v2_task.task_id, "metadata": v2_task.metadata}
    )
    assert typing.cast("dict[str, object]", recorder.last("POST", "v2/task/metadata"))[
        "metadata"
    ] == {"row": {"n": 1}}


# -- Datawow, RedFlag -----------------------------------------------------------------------


def test_datawow_records_go_back_as_postbacks_and_creates() -> None:
    recorder = Recorder(DatawowEmulator(config=EmulatorConfig(time_scale=0.0)))
    with Datawow(
        "test-choice",
        base_url=recorder.app.base_url,
        transport=EmulatorTransport(recorder),
        max_retries=0,
    ) as datawow:
        image = datawow.choice.create(
            "https://cdn.example.com/a.jpg",
            instruction="Which?",
            categories="cat dog",
            custom_id="c1",
        )
        for body in (image.to_json(), json.dumps({"data": image.to_dict()})):
            postback = parse_postback(body=body.encode(), content_type="application/json")
            assert datawow.choice.verify_postback(postback).id == image.id
            assert datawow.verify_postback(postback).id == image.id
        again = datawow.choice.create(
            image.data, instruction=image.instruction, categories=image.categories
        )
        assert again.categories == image.categories
        assert datawow.choice.find_id(again.id).categories == ["cat", "dog"]


def test_redflag_operation_query_goes_back_into_create() -> None:
    recorder = Recorder(RedFlagEmulator(config=EmulatorConfig(processing_time=0.0)))
    with labelkit.RedFlag(
        "test-token",
        base_url=recorder.app.base_url,
        transport=EmulatorTransport(recorder),
        max_retries=0,
    ) as redflag:
        first = redflag.create_operation("text", ["topic", "sentiment-simple"], ["hello"])
        sent = recorder.last("POST", "operations")
        query = redflag.get_operation(first).query
        redflag.create_operation(query.type, query.analyses, query.contents)
        assert recorder.last("POST", "operations") == sent
        redflag.create_operation(**query)
        assert recorder.last("POST", "operations") == sent
