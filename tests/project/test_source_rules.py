"""Rules of the source itself, checked on every module of the package."""

from __future__ import annotations

import ast
import pathlib

import labelkit

PACKAGE = pathlib.Path(labelkit.__file__).parent


def _calls_to(name: str) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == name
            ):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_no_arguments_are_carried_by_locals() -> None:
    # A method whose wire fields come from locals() silently drops a field when a
    # parameter is renamed; every mapping from parameter to wire field is written out.
    assert _calls_to("locals") == []
