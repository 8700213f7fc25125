"""Annotation and default text for the sync twins, with the imports it needs.

:class:`AnnotationWriter` is the base of :class:`~labelkit._sync._writer.ModuleWriter`:
it renders an async class's annotations and defaults as source text, records
every name they use as an import of the generated module, and substitutes a
generic base's type parameters by its subclass's arguments.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Mapping
from typing import NamedTuple

from ._source import CodegenError, Import, Module, double_quotes, last_name

__all__ = ["AnnotationWriter", "Source"]

_BUILTINS = frozenset(dir(builtins))


class Source(NamedTuple):
    """A class of the async class's MRO, and the type arguments its subclass gives it."""

    module: Module
    node: ast.ClassDef
    types: Mapping[str, tuple[ast.expr, Source]]


class AnnotationWriter:
    """Renders annotations and defaults, collecting the imports they need."""

    twins: Mapping[str, object]  # a name here is only supported as a whole return type
    imports: dict[str, Import]

    # names and imports

    def add(self, imp: Import) -> None:
        previous = self.imports.get(imp.bound)
        if previous is not None:
            if previous._replace(type_checking=False) != imp._replace(type_checking=False):
                raise CodegenError(f"{imp.bound!r} is bound to both {previous} and {imp}")
            if not previous.type_checking:
                return
        self.imports[imp.bound] = imp

    def use(self, name: str, source: Source, runtime: bool, where: str, strict: bool) -> None:
        if name in self.twins:
            raise CodegenError(f"{where}: {name} is only supported as the whole return type")
        imp = source.module.bindings.get(name)
        if imp is not None:
            self.add(imp._replace(type_checking=imp.type_checking and not runtime))
        elif strict and name not in _BUILTINS:
            raise CodegenError(f"{where}: {name!r} is not bound at the top of {source.module.name}")

    def expr(
        self, node: ast.expr, source: Source, where: str, *, runtime: bool, strict: bool = True
    ) -> str:
        """Source text of an annotation or default; records the names it needs."""
        done: set[int] = set()
        if source.types:  # a generic base: its type parameters become the subclass's arguments
            node = _Substitute(self, source, where, runtime, done).visit(copy.deepcopy(node))
        todo: list[ast.AST] = [node]
        while todo:
            item = todo.pop()
            if id(item) in done:
                continue
            if isinstance(item, ast.Name):
                self.use(item.id, source, runtime, where, strict)
            elif isinstance(item, ast.Constant) and isinstance(item.value, str) and not runtime:
                try:  # a quoted forward reference, or some string in Annotated[...]
                    ref = ast.parse(item.value.strip(), mode="eval").body
                except SyntaxError:
                    continue
                self.expr(ref, source, where, runtime=False, strict=False)
            elif isinstance(item, ast.Subscript) and last_name(item.value) == "Literal":
                todo.append(item.value)  # Literal["x"] holds values, not forward references
            else:
                todo.extend(ast.iter_child_nodes(item))
        return double_quotes(ast.unparse(node))


class _Substitute(ast.NodeTransformer):
    """Replaces a generic base's type parameters by the subclass's type arguments."""

    def __init__(
        self, writer: AnnotationWriter, source: Source, where: str, runtime: bool, done: set[int]
    ) -> None:
        self.writer = writer
        self.source = source
        self.where = where
        self.runtime = runtime
        self.done = done  # the replacements, already resolved in their own module

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.source.types:
            return node
        arg, arg_source = self.source.types[node.id]
        text = self.writer.expr(arg, arg_source, self.where, runtime=self.runtime)
        rendered = ast.Name(id=text)  # unparse() writes the id as it is
        self.done.add(id(rendered))
        return rendered
