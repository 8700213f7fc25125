"""Reading async source code, and writing code the way ruff formats it.

Helpers of :mod:`labelkit._sync._codegen`.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import io
import sys
import tokenize
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "LINE",
    "CodegenError",
    "Import",
    "Module",
    "bracketed",
    "decorators",
    "double_quotes",
    "import_lines",
    "last_name",
    "member_key",
    "subscript_parts",
    "yields",
]

LINE = 100
_FIRST_PARTY = frozenset({"labelkit"})
_PROJECT = Path(__file__).resolve().parents[2]


class CodegenError(Exception):
    """The async class uses something the generator cannot translate faithfully."""


class Import(NamedTuple):
    """One import statement of a generated module (``name=None``: ``import module``)."""

    module: str
    name: str | None  # None: ``import module [as alias]``
    alias: str | None
    type_checking: bool

    @property
    def bound(self) -> str:
        return self.alias or self.name or self.module.split(".")[0]


class Module:
    """A module's source text, syntax tree and what each top-level name is bound to."""

    def __init__(self, name: str) -> None:
        module = importlib.import_module(name)
        self.name, self.package = name, module.__package__ or ""
        self.text = inspect.getsource(module)
        self.tree = ast.parse(self.text)
        self.bindings: dict[str, Import] = {}
        self._visit(self.tree.body, False)

    def _visit(self, body: list[ast.stmt], type_checking: bool) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                base = importlib.util.resolve_name(base, self.package)
                for a in node.names:
                    alias = a.asname if a.asname != a.name else None
                    self._bind(Import(base, a.name, alias, type_checking))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self._bind(Import(a.name, None, a.asname, type_checking))
            elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                self._bind(Import(self.name, node.name, None, False))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for name in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                    self._bind(Import(self.name, name.id, None, False))
            elif isinstance(node, ast.If):
                guard = ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                self._visit(node.body, type_checking or guard)
                self._visit(node.orelse, type_checking)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                    self._visit(part, type_checking)

    def _bind(self, imp: Import) -> None:
        self.bindings[imp.bound] = imp

    def classdef(self, name: str) -> ast.ClassDef:
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return node
        raise CodegenError(f"class {name} is not defined at the top level of {self.name}")

    def docstring(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
        """The docstring literal exactly as written (the output indents it the same)."""
        if ast.get_docstring(node, clean=False) is None:
            return []
        return self.literal(node.body[0])

    def literal(self, statement: ast.stmt) -> list[str]:
        """The lines of a string-literal statement (a docstring), or ``[]``."""
        if not (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            return []
        lines = (ast.get_source_segment(self.text, statement.value) or "").splitlines()
        return [" " * statement.col_offset + lines[0], *lines[1:]]


def _section(module: str) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    # As ruff decides "first-party": a package or module in the project root.
    first = top in _FIRST_PARTY or (
        (_PROJECT / "pyproject.toml").is_file()
        and ((_PROJECT / top).is_dir() or (_PROJECT / f"{top}.py").is_file())
    )
    return 3 if first else 2


def member_key(name: str) -> tuple[int, str, str]:
    # ruff's isort "order-by-type": CONSTANTS, then Classes, then everything else.
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def import_lines(imports: Iterable[Import], indent: str = "") -> list[str]:
    sections: dict[int, list[Import]] = {}
    for imp in imports:
        sections.setdefault(_section(imp.module), []).append(imp)
    lines: list[str] = []
    for _, group in sorted(sections.items()):
        if lines:
            lines.append("")
        for imp in sorted((i for i in group if i.name is None), key=lambda i: i.module.lower()):
            lines.append(f"{indent}import {imp.module}" + (f" as {imp.alias}" if imp.alias else ""))
        statements: dict[tuple[str, str | None], list[str]] = {}
        for imp in (i for i in group if i.name is not None):
            assert imp.name is not None
            key = (imp.module, f"{imp.name} as {imp.alias}" if imp.alias else None)
            statements.setdefault(key, []).append(imp.name)
        for (module, aliased), names in sorted(
            statements.items(),
            key=lambda kv: (kv[0][0].lower(), member_key(min(kv[1], key=member_key))),
        ):
            members = [aliased] if aliased else sorted(set(names), key=member_key)
            lines += bracketed(f"{indent}from {module} import ", members, "", parens=False)
    return lines


# -- formatting ------------------------------------------------------------------


def bracketed(
    opening: str, items: list[str], closing: str, parens: bool = True, brackets: str = "()"
) -> list[str]:
    """``opening(items)closing`` laid out the way ruff format (and isort) would."""
    indent = opening[: len(opening) - len(opening.lstrip())]
    left, right = (brackets[0], brackets[1]) if parens else ("", "")
    joined = ", ".join(items)
    one = f"{opening}{left}{joined}{right}{closing}"
    if len(one) <= LINE or not items:
        return [one]
    first, last = f"{opening}{brackets[0]}", f"{indent}{brackets[1]}{closing}"
    if parens and len(f"{indent}    {joined}") <= LINE:
        return [first, f"{indent}    {joined}", last]
    return [first, *(f"{indent}    {item}," for item in items), last]


def double_quotes(code: str) -> str:
    # ast.unparse() writes 'x'; ruff format wants "x" unless that needs escapes.
    out, last = [], 0
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return code
    for tok in tokens:
        text = tok.string
        prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
        body = text[len(prefix) :]
        if tok.type != tokenize.STRING or tok.start[0] != 1 or not body.startswith("'"):
            continue
        inner = body[1:-1]
        if body.startswith("'''") or '"' in inner or "\\'" in inner:
            continue
        out.append(code[last : tok.start[1]] + prefix + f'"{inner}"')
        last = tok.end[1]
    return "".join(out) + code[last:]


def last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def subscript_parts(node: ast.expr) -> tuple[str | None, list[ast.expr]]:
    """``Name[A, B]`` -> ``("Name", [A, B])``."""
    if isinstance(node, ast.Subscript):
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return last_name(node.value), list(args)
    return last_name(node), []


def decorators(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {name for d in node.decorator_list if (name := last_name(d)) is not None}


def yields(node: ast.AsyncFunctionDef) -> bool:
    todo: list[ast.AST] = list(node.body)
    while todo:
        item = todo.pop()
        if isinstance(item, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(item))
    return False
