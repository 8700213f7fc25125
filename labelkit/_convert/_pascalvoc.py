"""FastLabel ⇄ Pascal VOC XML (boxes). XML is parsed with defusedxml."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._annotations import iter_annotations
from ._common import clean_number, coerce_tasks, iter_files, relative_key, require, task_size
from ._geometry import shape_rings
from ._paths import checked_output_folder, output_relative

__all__ = ["convert_pascalvoc_to_fastlabel", "export_pascalvoc", "to_pascalvoc"]

VOC_TYPES = ("bbox", "polygon", "segmentation")
FLAGS = ("truncated", "occluded", "difficult")


def _text(value: float) -> str:
    return str(clean_number(float(value)))


def _flag(annotation: Mapping[str, Any], key: str) -> int:
    for attribute in annotation.get("attributes") or []:
        if isinstance(attribute, Mapping) and attribute.get("key") == key:
            try:
                return int(attribute.get("value") or 0)
            except (TypeError, ValueError):
                return 0
    return 0


def _sub(parent: ElementTree.Element, tag: str, text: object = None) -> ElementTree.Element:
    child = ElementTree.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def to_pascalvoc(tasks: Iterable[object]) -> dict[str, ElementTree.Element]:
    """``{task name: <annotation> element}``: one ``<object>`` per bbox/polygon/segmentation.

    The box is the axis-aligned box of the shape (a rotated bbox: of its
    corners), written as given (whole numbers as integers, no flooring).
    ``truncated``/``occluded``/``difficult`` come from attributes with those keys.
    """
    documents: dict[str, ElementTree.Element] = {}
    for index, task in enumerate(coerce_tasks(tasks)):
        where = f"tasks[{index}]"
        width, height = task_size(task, where)
        root = ElementTree.Element("annotation")
        _sub(root, "filename", task["name"].replace("\\", "/").rsplit("/", 1)[-1])
        size = _sub(root, "size")
        _sub(size, "width", width)
        _sub(size, "height", height)
        _sub(size, "depth", 3)
        _sub(root, "segmented", 0)
        for at, kind, annotation in iter_annotations(task, where):
            if kind not in VOC_TYPES or not annotation.get("points"):
                continue
            regions = shape_rings(annotation, at) or []
            outer = [v for rings in regions for v in rings[0]]
            obj = _sub(root, "object")
            _sub(obj, "name", annotation["value"])
            _sub(obj, "pose", "Unspecified")
            for flag in FLAGS:
                _sub(obj, flag, _flag(annotation, flag))
            box = _sub(obj, "bndbox")
            xs, ys = outer[0::2], outer[1::2]
            for tag, value in zip(
                ("xmin", "ymin", "xmax", "ymax"),
                (min(xs), min(ys), max(xs), max(ys)),
                strict=True,
            ):
                _sub(box, tag, _text(value))
        documents[task["name"]] = root
    return documents


def export_pascalvoc(tasks: Iterable[object], output_dir: str | Path = "output/pascalvoc") -> Path:
    """Write ``annotations/<name without extension>.xml`` per task; returns ``output_dir``."""
    documents = to_pascalvoc(tasks)
    paths = {
        name: "annotations" / output_relative(name, suffix=".xml", field=f"task {name!r}")
        for name in documents
    }
    folder = checked_output_folder(output_dir, paths.values())
    for name, root in documents.items():
        ElementTree.indent(root, space="    ")
        folder.write_bytes(paths[name], ElementTree.tostring(root, encoding="utf-8") + b"\n")
    return Path(output_dir)


def _number(obj: ElementTree.Element, tag: str, where: str) -> float:
    text = obj.findtext(f"bndbox/{tag}")
    if text is None:
        return float("nan")
    try:
        return float(text.strip())
    except ValueError:
        raise ValidationError(where, f"<{tag}> is not a number: {text!r}") from None


def convert_pascalvoc_to_fastlabel(folder_path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read every ``.xml`` under ``folder_path`` into ``{image key: [bbox annotation, ...]}``.

    The key is the XML path relative to the folder with ``.xml`` replaced by
    the extension of ``<filename>``. Box corners are read by tag name (any
    element order) and may be decimal. Parsing goes through defusedxml:
    DTDs, entities and external references are refused.
    """
    defused = require("defusedxml.ElementTree")
    common = require("defusedxml")
    folder = Path(folder_path)
    result: dict[str, list[dict[str, Any]]] = {}
    for path in iter_files(folder, {".xml"}):
        try:
            root = defused.parse(str(path), forbid_dtd=True).getroot()
        except (ElementTree.ParseError, common.DefusedXmlException) as exc:
            raise ValidationError(str(path), f"not a safe, well-formed XML file: {exc}") from None
        except OSError as exc:
            raise ValidationError(str(path), f"cannot read the file: {exc}") from None
        if root.tag != "annotation":
            raise ValidationError(str(path), f"expected an <annotation> root, got <{root.tag}>")
        filename = (root.findtext("filename") or "").strip()
        extension = Path(filename).suffix
        key = relative_key(path, folder)
        key = key[: -len(".xml")] + extension if extension else key
        annotations: list[dict[str, Any]] = []
        for index, obj in enumerate(root.findall("object")):
            where = f"{path}: object[{index}]"
            name = (obj.findtext("name") or "").strip()
            if not name:
                raise ValidationError(where, "an <object> needs a <name>")
            box = [_number(obj, tag, where) for tag in ("xmin", "ymin", "xmax", "ymax")]
            if any(v != v for v in box):  # NaN: a missing corner
                raise ValidationError(where, "<bndbox> needs xmin, ymin, xmax and ymax")
            if box[2] < box[0] or box[3] < box[1]:
                raise ValidationError(where, "xmax/ymax must not be smaller than xmin/ymin")
            annotations.append(
                {
                    "type": "bbox",
                    "value": name,
                    "points": [clean_number(v) for v in box],
                    "attributes": [],
                }
            )
        result[key] = annotations
    return result
