"""Shared helpers of the converters: task coercion, errors, lazy imports, JSON I/O."""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .._errors import ValidationError

__all__ = [
    "EXTRA_HINT",
    "IMAGE_EXTENSIONS",
    "clean_number",
    "coerce_task",
    "coerce_tasks",
    "distinct_values",
    "flat_points",
    "iter_files",
    "json_text",
    "load_json",
    "numbers",
    "relative_key",
    "require",
    "task_size",
    "write_json",
]

EXTRA_HINT = "install the converter extra: pip install 'labelkit[convert]'"
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


def require(module: str) -> Any:
    """Import ``module`` (numpy, PIL.Image, defusedxml...) or explain which extra is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"labelkit converters need {module!r}: {EXTRA_HINT}") from exc


def coerce_task(task: object, where: str) -> dict[str, Any]:
    """A task as a plain dict: a mapping, an object with ``.raw``, or with ``to_dict()``."""
    if isinstance(task, Mapping):
        return dict(task)
    raw = getattr(task, "raw", None)
    if isinstance(raw, Mapping):
        return dict(raw)
    to_dict = getattr(task, "to_dict", None)
    if callable(to_dict):
        value = to_dict()
        if isinstance(value, Mapping):
            return dict(value)
    raise ValidationError(where, f"expected a task dict, got {type(task).__name__}")


def coerce_tasks(tasks: Iterable[object], field: str = "tasks") -> list[dict[str, Any]]:
    """Every task as a dict with a string ``name`` and a list of ``annotations``."""
    if isinstance(tasks, (str, bytes, Mapping)):
        raise ValidationError(field, "expected a list of tasks")
    result = []
    for index, task in enumerate(tasks):
        where = f"{field}[{index}]"
        data = coerce_task(task, where)
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ValidationError(f"{where}.name", "every task needs a non-empty string name")
        annotations = data.get("annotations") or []
        if not isinstance(annotations, list) or not all(
            isinstance(a, Mapping) for a in annotations
        ):
            raise ValidationError(
                f"{where}.annotations", f"task {name!r}: expected a list of dicts"
            )
        data["annotations"] = annotations
        result.append(data)
    return result


def distinct_values(tasks: Iterable[Mapping[str, Any]], types: Collection[str]) -> list[str]:
    """The sorted distinct string values of the tasks' annotations of ``types``: default classes."""
    return sorted(
        {
            a["value"]
            for t in tasks
            for a in t["annotations"]
            if a.get("type") in types and isinstance(a.get("value"), str)
        }
    )


def task_size(task: Mapping[str, Any], where: str) -> tuple[int, int]:
    """The task's positive integer ``(width, height)``."""
    width, height = task.get("width"), task.get("height")
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (width, height))
    if not ok or width <= 0 or height <= 0:  # type: ignore[operator]
        raise ValidationError(
            f"{where}.width/height",
            f"task {task.get('name')!r} needs a positive width and height,"
            f" got {width!r}x{height!r}",
        )
    return int(width), int(height)  # type: ignore[arg-type]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def numbers(value: object, where: str) -> list[float]:
    """A flat list of finite numbers."""
    if not isinstance(value, (list, tuple)) or not all(_is_number(v) for v in value):
        raise ValidationError(where, "expected a flat list of numbers")
    return [float(v) for v in value]


def flat_points(value: object, where: str, *, minimum: int = 2) -> list[float]:
    """A flat, even-length list of finite numbers with at least ``minimum`` numbers."""
    value = numbers(value, where)
    if len(value) % 2 or len(value) < minimum:
        raise ValidationError(
            where, f"expected an even number of coordinates (at least {minimum}), got {len(value)}"
        )
    return [float(v) for v in value]


def clean_number(value: float) -> int | float:
    """Whole floats as ints (``3.0`` → ``3``), so JSON stays tidy; others unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def load_json(path: Path) -> Any:
    """Parse a JSON file, reporting the file on any failure."""
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise ValidationError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(str(path), f"not a readable JSON file: {exc}") from None


def json_text(data: object, *, indent: int | None = 4) -> str:
    """``data`` as the JSON text the converters write (UTF-8 kept, final newline)."""
    return json.dumps(data, ensure_ascii=False, indent=indent) + "\n"


def write_json(path: Path, data: object, *, indent: int | None = 4) -> None:
    """Write one JSON file at a path the user named (exports into a folder use ConfinedFolder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json_text(data, indent=indent))


def iter_files(folder: Path, suffixes: Iterable[str]) -> Iterator[Path]:
    """Files under ``folder`` (recursively, sorted) whose suffix matches, case-insensitively."""
    if not folder.is_dir():
        raise ValidationError(str(folder), "not a directory")
    wanted = {s.lower() for s in suffixes}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in wanted:
            yield path


def relative_key(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` with ``/`` separators (the task-name convention)."""
    return path.relative_to(folder).as_posix()
