"""Rules of the source itself, checked on every module of the package."""

from __future__ import annotations

import ast
import pathlib

import labelkit

PACKAGE = pathlib.Path(labelkit.__file__).parent


def _calls_to(name: str, under: pathlib.Path = PACKAGE) -> list[str]:
    """Where ``name(...)`` or ``anything.name(...)`` is called in the modules under ``under``."""
    found = []
    for path in sorted(under.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == name:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_no_arguments_are_carried_by_locals() -> None:
    # A method whose wire fields come from locals() silently drops a field when a
    # parameter is renamed; every mapping from parameter to wire field is written out.
    assert _calls_to("locals") == []


def test_the_fastlabel_task_surface_needs_no_casts() -> None:
    # TaskKind is generic in its model: a task kind's methods return that model as typed.
    assert _calls_to("cast", PACKAGE / "_providers" / "fastlabel" / "tasks") == []
