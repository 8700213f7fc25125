"""Plausible ``response`` objects of completed Scale tasks, per task type.

Derived from a SHA-256 of the task id and params, so every run gives the same
answers. The shapes follow Scale's public docs closely enough for client code
to exercise its parsing; the values are made up.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from typing import Any

__all__ = ["task_response"]

_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
_Builder = Callable[[random.Random, dict[str, Any]], dict[str, Any]]


def task_response(task_id: str, task_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The ``response`` of a completed task of ``task_type`` created with ``params``."""
    seed = hashlib.sha256(
        f"{task_id}\x1f{task_type}\x1f{json.dumps(params, sort_keys=True, default=str)}".encode()
    ).digest()
    rng = random.Random(seed)
    return _BUILDERS.get(task_type, _generic)(rng, params)


def _labels(params: dict[str, Any]) -> list[str]:
    """The object labels a task asks for, wherever the type keeps them."""
    for key in ("objects_to_annotate", "labels", "categories"):
        value = params.get(key)
        if isinstance(value, list) and value:
            return [
                item if isinstance(item, str) else str(item.get("choice", item)) for item in value
            ]
    geometries = params.get("geometries")
    if isinstance(geometries, dict):
        for geometry in geometries.values():
            if isinstance(geometry, dict) and geometry.get("objects_to_annotate"):
                return [str(label) for label in geometry["objects_to_annotate"]]
    return ["object"]


def _uuid(rng: random.Random) -> str:
    a, b, c, d, e = (rng.getrandbits(n) for n in (32, 16, 12, 12, 48))
    return f"{a:08x}-{b:04x}-4{c:03x}-a{d:03x}-{e:012x}"


def _text(rng: random.Random, words: int = 4) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _fields(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("fields")
    names = list(fields) if isinstance(fields, dict) else []
    return {name: _text(rng, 2) for name in names}


def _categorization(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    categories = _labels(params)
    if params.get("allow_multiple"):
        picked = rng.sample(categories, rng.randint(1, len(categories)))
        return {"category": sorted(picked, key=categories.index)}
    return {"category": rng.choice(categories)}


def _boxes(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    annotations = [
        {
            "uuid": _uuid(rng),
            "type": "box",
            "label": rng.choice(_labels(params)),
            "left": rng.randint(0, 400),
            "top": rng.randint(0, 400),
            "width": rng.randint(10, 200),
            "height": rng.randint(10, 200),
        }
        for _ in range(rng.randint(1, 3))
    ]
    return {"annotations": annotations, "global_attributes": {}}


def _vertices(rng: random.Random, count: int) -> list[dict[str, float]]:
    return [{"x": rng.randint(0, 640), "y": rng.randint(0, 480)} for _ in range(count)]


def _shapes(kind: str, vertex_count: tuple[int, int]) -> _Builder:
    def build(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
        annotations = [
            {
                "uuid": _uuid(rng),
                "type": kind,
                "label": rng.choice(_labels(params)),
                "vertices": _vertices(rng, rng.randint(*vertex_count)),
            }
            for _ in range(rng.randint(1, 3))
        ]
        return {"annotations": annotations}

    return build


def _points(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotations": [
            {"uuid": _uuid(rng), "type": "point", "label": rng.choice(_labels(params)), **point}
            for point in _vertices(rng, rng.randint(1, 4))
        ]
    }


def _cuboids(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotations": [
            {
                "uuid": _uuid(rng),
                "type": "cuboid",
                "label": rng.choice(_labels(params)),
                "points": _vertices(rng, 8),
            }
        ]
    }


def _segmentation(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    labels = _labels(params)
    return {
        "annotations": {
            "unlabeled": None,
            "labeled": {
                label: [f"https://emulator.invalid/masks/{_uuid(rng)}.png"] for label in labels
            },
            "combined": {"image": f"https://emulator.invalid/masks/{_uuid(rng)}.png"},
        },
        "labelMapping": {
            label: {"color": f"#{rng.getrandbits(24):06x}", "index": i + 1}
            for i, label in enumerate(labels)
        },
    }


def _transcription(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"fields": _fields(rng, params)}
    rows = params.get("repeatable_fields") or params.get("row_fields")
    if isinstance(rows, dict):
        response["repeatable_fields"] = [
            {name: _text(rng, 2) for name in rows} for _ in range(rng.randint(1, 3))
        ]
    return response


def _comparison(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    choices = params.get("choices")
    response: dict[str, Any] = {"fields": _fields(rng, params)}
    if isinstance(choices, list) and choices:
        response["choice"] = rng.choice(choices)
    return response


def _audio(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 8))]
    start, alignment = 0.0, []
    for word in words:
        end = round(start + rng.uniform(0.2, 0.6), 2)
        alignment.append({"word": word, "start": start, "end": end})
        start = end
    return {"transcript": " ".join(words), "alignment": alignment}


def _entities(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    text = str(params.get("text") or params.get("attachment") or "")
    length = max(len(text), 1)
    start = rng.randrange(length)
    end = min(length, start + rng.randint(1, 12))
    return {"annotations": [{"label": rng.choice(_labels(params)), "start": start, "end": end}]}


def _video(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotations": {"url": f"https://emulator.invalid/annotations/{_uuid(rng)}.json"},
        "events": [],
    }


def _chat(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "responses": [
            [
                {"role": "user", "content": _text(rng, 6)},
                {"role": "assistant", "content": _text(rng, 8)},
            ]
        ]
    }


def _generic(rng: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    return {"annotations": [], "fields": _fields(rng, params)}


_BUILDERS: dict[str, _Builder] = {
    "categorization": _categorization,
    "annotation": _boxes,
    "imageannotation": _boxes,
    "polygonannotation": _shapes("polygon", (3, 6)),
    "lineannotation": _shapes("line", (2, 5)),
    "laneannotation": _shapes("line", (2, 5)),
    "pointannotation": _points,
    "cuboidannotation": _cuboids,
    "segmentannotation": _segmentation,
    "lidarsegmentation": _segmentation,
    "transcription": _transcription,
    "documenttranscription": _transcription,
    "datacollection": _transcription,
    "textcollection": _transcription,
    "phonecall": _transcription,
    "comparison": _comparison,
    "audiotranscription": _audio,
    "namedentityrecognition": _entities,
    "videoannotation": _video,
    "videoboxannotation": _video,
    "videocuboidannotation": _video,
    "videoplaybackannotation": _video,
    "federal2dvideoannotation": _video,
    "lidarannotation": _video,
    "lidartopdown": _video,
    "lidarlinking": _video,
    "sensorfusion": _video,
    "chat": _chat,
    "chatexperimental": _chat,
    "chatlite": _chat,
    "multichat": _chat,
}
