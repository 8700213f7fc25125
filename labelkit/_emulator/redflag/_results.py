"""Deterministic fake analysis results for the RedFlag emulator.

Every result is drawn from a random generator seeded with a SHA-256 of the
analysis name and the content (text, file digest or URL), so the same
operation gives the same results on every run. Shapes follow the seed:
sentiment ``{value, prob}``, spam-detection ``{prob, value}`` (``"spam"`` or
``"not_spam"``), topic ``[{value, sub_type, topic_type}]``, intention
``{prob1, prob2, prob3, value}``, the ``*-id`` analyses ``[{value, prob}]``;
the undocumented ``personality-mb`` and ``caption`` give ``{value, prob}``.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from typing import Any

__all__ = ["ANALYSES", "DIMENSIONS", "applies", "operation_data"]

TEXTUAL = (
    "sentiment-simple",
    "sentiment-real",
    "topic",
    "spam-detection",
    "personality-mb",
    "intention",
)
VISUAL = ("face-id", "object-id", "activity-id", "logo-id", "caption")
ANALYSES = TEXTUAL + VISUAL

#: Dimensions of each content kind (``text``, ``image``, ``gif``, ``audio``, ``video``).
DIMENSIONS = {
    "text": ["textual"],
    "image": ["visual-image"],
    "gif": ["visual-gif"],
    "audio": ["audial"],
    "video": ["visual-video", "audial"],
}

_SENTIMENTS = (
    "acceptance_self acceptance anger annoyance anxiety calmness contentment disgust_self "
    "disgust dislike_self dislike eagerness fear joy melancholy pleasantness_self pleasantness "
    "responsiveness sadness serenity"
).split()
_INTENTIONS = ("inform", "request", "complain", "praise", "question", "palinode")
_LABELS = {
    "face-id": ("person_a", "person_b", "person_c", "unknown_face"),
    "object-id": ("person", "car", "dog", "cat", "tree", "phone", "laptop", "bottle"),
    "activity-id": ("walking", "running", "talking", "eating", "dancing", "sitting"),
    "logo-id": ("redflag", "acme", "globex", "initech", "umbrella"),
}
_CAPTIONS = ("a person smiling", "a dog on a beach", "a city street at night", "a plate of food")
_TOPICS = ("thesis", "media", "people", "product", "event")
_MBTI = [a + b + c + d for a, b, c, d in itertools.product("EI", "SN", "TF", "JP")]


def applies(analysis: str, kind: str) -> bool:
    """Whether ``analysis`` can run on a content of ``kind`` (speech counts as text)."""
    if analysis in VISUAL:
        return kind in ("image", "gif", "video")
    return kind in ("text", "audio", "video")


def operation_data(query: dict[str, Any], kinds: list[str], keys: list[str]) -> dict[str, Any]:
    """The ``data`` object of a done operation.

    ``kinds[i]`` and ``keys[i]`` are the kind and the hashing key of
    ``query["contents"][i]``. Analyses that do not apply to a content are left
    out; ``personality-mb`` gives one result per group containing the content
    (``group_index`` set only when ``contents_groups`` was sent).
    """
    contents: list[str | int] = query["contents"]
    groups = [[int(i) for i in g.split(",")] for g in query.get("contents_groups", [])]
    explicit_groups = bool(groups)
    if not explicit_groups:
        groups = [list(range(len(contents)))]
    objects = []
    for index, (content, kind, key) in enumerate(zip(contents, kinds, keys, strict=True)):
        analyses: list[dict[str, Any]] = []
        for analysis in query["analyses"]:
            if not applies(analysis, kind):
                continue
            dimension = _dimension(analysis, kind)
            if analysis != "personality-mb":
                analyses.append(_entry(analysis, dimension, _result(analysis, key, kind)))
                continue
            for group_index, members in enumerate(groups):
                if index in members:
                    group_key = "\x1e".join(keys[i] for i in members)
                    entry = _entry(analysis, dimension, _result(analysis, group_key, kind))
                    if explicit_groups:
                        entry["group_index"] = group_index
                    analyses.append(entry)
        objects.append(
            {
                "type": query["type"],
                "content": content,
                "dimensions": DIMENSIONS[kind],
                "analysis_types": list(dict.fromkeys(a["type"] for a in analyses)),
                "analyses": analyses,
            }
        )
    return {"contents_count": len(contents), "contents": objects}


def _dimension(analysis: str, kind: str) -> str:
    if kind == "video":
        return "visual-video" if analysis in VISUAL else "audial"
    return DIMENSIONS[kind][0]


def _entry(analysis: str, dimension: str, data: object) -> dict[str, Any]:
    return {"data": data, "type": analysis, "source": "content", "dimension": dimension}


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _prob(rng: random.Random) -> float:
    return round(rng.uniform(0.05, 0.99), 2)


def _result(analysis: str, key: str, kind: str) -> object:
    rng = _rng(analysis, key)
    if analysis in ("sentiment-simple", "sentiment-real"):
        return {"value": rng.choice(_SENTIMENTS), "prob": _prob(rng)}
    if analysis == "spam-detection":
        prob = _prob(rng)
        return {"prob": prob, "value": "spam" if prob >= 0.5 else "not_spam"}
    if analysis == "topic":
        words = sorted({w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", key)})
        pool = words if kind == "text" and words else list(_TOPICS)
        chosen = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        return [{"value": w, "sub_type": None, "topic_type": "noun-chunk"} for w in chosen]
    if analysis == "intention":
        probs = {f"prob{i}": _prob(rng) for i in (1, 2, 3)}
        return {**probs, "value": rng.choice(_INTENTIONS)}
    if analysis in ("personality-mb", "caption"):
        values = _MBTI if analysis == "personality-mb" else _CAPTIONS
        return {"value": rng.choice(values), "prob": _prob(rng)}
    labels = _LABELS[analysis]
    chosen = rng.sample(labels, rng.randint(1, min(3, len(labels))))
    return [{"value": label, "prob": _prob(rng)} for label in chosen]
