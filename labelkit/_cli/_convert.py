"""``labelkit convert``: FastLabel ⇄ COCO / YOLO / Pascal VOC / labelme from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._convert._common import (
    IMAGE_EXTENSIONS,
    iter_files,
    load_json,
    relative_key,
    require,
    write_json,
)
from .._errors import ValidationError
from ._options import Command

__all__ = ["CONVERT", "run_convert"]

FORMATS = ("fastlabel", "coco", "yolo", "pascalvoc", "labelme")
TARGETS = (*FORMATS, "instance-segmentation", "semantic-segmentation")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", choices=FORMATS, required=True)
    parser.add_argument("--to", dest="target", choices=TARGETS, required=True)
    parser.add_argument(
        "input",
        help="coco: the JSON file; yolo, pascalvoc, labelme: the dataset folder; "
        "fastlabel: the tasks JSON file",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="--to fastlabel / coco: the JSON file to write; otherwise the output folder",
    )
    parser.add_argument(
        "--annotation-type",
        default="bbox",
        help="importing COCO (bbox, polygon, segmentation, pose_estimation) or YOLO "
        "(bbox, polygon, segmentation); default bbox",
    )
    parser.add_argument(
        "--classes",
        metavar="FILE",
        help="class names, one per line: the YOLO classes file (default INPUT/classes.txt "
        "when importing), or the class order for YOLO / semantic-segmentation exports",
    )
    parser.add_argument(
        "--annotation-classes",
        metavar="FILE",
        help="COCO export: JSON list of the project's annotation classes (order, colours, "
        "keypoints)",
    )
    parser.add_argument(
        "--image-dir",
        metavar="DIR",
        help="read image sizes here when the FastLabel input has no width/height",
    )
    parser.add_argument(
        "--project-type", help="FastLabel project type, e.g. image_segmentation (YOLO export)"
    )


def _read_classes(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(path, f"cannot read the classes file: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _load_tasks(path: Path, image_dir: str | None) -> list[dict[str, Any]]:
    data = load_json(path)
    if isinstance(data, Mapping) and isinstance(data.get("tasks"), list):
        data = data["tasks"]
    if isinstance(data, Mapping):
        tasks = [{"name": name, "annotations": anns} for name, anns in data.items()]
    elif isinstance(data, list):
        tasks = [dict(t) if isinstance(t, Mapping) else t for t in data]
    else:
        raise ValidationError(str(path), "expected a list of tasks or {file name: annotations}")
    if image_dir is not None:
        image_module = require("PIL.Image")
        folder = Path(image_dir)
        sizes = {}
        for image_path in iter_files(folder, IMAGE_EXTENSIONS):
            try:
                with image_module.open(image_path) as image:
                    sizes[relative_key(image_path, folder)] = image.size
            except OSError as exc:
                raise ValidationError(str(image_path), f"cannot read the image: {exc}") from None
        for task in tasks:
            if isinstance(task, dict) and task.get("name") in sizes and not task.get("width"):
                task["width"], task["height"] = sizes[task["name"]]
    return tasks


def _convert(args: argparse.Namespace) -> str:
    from ..convert import (
        convert_coco_to_fastlabel,
        convert_labelme_to_fastlabel,
        convert_pascalvoc_to_fastlabel,
        convert_yolo_to_fastlabel,
        export_coco,
        export_instance_segmentation,
        export_labelme,
        export_pascalvoc,
        export_semantic_segmentation,
        export_yolo,
    )

    source, output = Path(args.input), Path(args.output)
    if args.target == "fastlabel":
        if args.source == "coco":
            result = convert_coco_to_fastlabel(source, args.annotation_type)
        elif args.source == "yolo":
            classes = args.classes or str(source / "classes.txt")
            result = convert_yolo_to_fastlabel(classes, source, args.annotation_type)
        elif args.source == "pascalvoc":
            result = convert_pascalvoc_to_fastlabel(source)
        else:
            result = convert_labelme_to_fastlabel(source)
        write_json(output, result, indent=2)
        return f"wrote annotations for {len(result)} images to {output}"
    tasks = _load_tasks(source, args.image_dir)
    classes = _read_classes(args.classes) if args.classes else None
    if args.target == "coco":
        classes_json = load_json(Path(args.annotation_classes)) if args.annotation_classes else None
        name = output.name if output.suffix == ".json" else "annotations.json"
        folder = output.parent if output.suffix == ".json" else output
        written = export_coco(tasks, classes_json, folder, name, project_type=args.project_type)
    elif args.target == "yolo":
        written = export_yolo(tasks, classes, output, project_type=args.project_type)
    elif args.target == "pascalvoc":
        written = export_pascalvoc(tasks, output)
    elif args.target == "labelme":
        written = export_labelme(tasks, output)
    elif args.target == "instance-segmentation":
        written = export_instance_segmentation(tasks, output)
    else:
        written = export_semantic_segmentation(tasks, output, classes=classes)
    return f"wrote {len(tasks)} tasks as {args.target} to {written}"


def run_convert(args: argparse.Namespace) -> int:
    """Handler of ``labelkit convert``; returns the exit status."""
    if (args.source == "fastlabel") == (args.target == "fastlabel"):
        print("labelkit convert: exactly one of --from/--to must be fastlabel", file=sys.stderr)
        return 2
    try:
        message = _convert(args)
    except (ValidationError, ImportError) as exc:
        print(f"labelkit convert: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


CONVERT = Command(
    name="convert",
    help="convert annotations between FastLabel and COCO, YOLO, Pascal VOC or labelme",
    description=(
        "Convert annotations locally (needs labelkit[convert]). One side is FastLabel: "
        "a JSON file that is either a list of tasks (name, width, height, annotations) "
        "or {file name: [annotation, ...]} as written by --to fastlabel."
    ),
    arguments=_arguments,
    handler=run_convert,
)
