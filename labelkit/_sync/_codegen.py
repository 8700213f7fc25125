"""Generate the typed sync clients from the async ones.

Run ``python -m labelkit._sync._codegen`` after changing an async client to
rewrite every sync module listed in :data:`TARGETS`; ``--check`` writes
nothing, prints a diff and exits 1 if a checked-in module is stale (for CI).

For each public method of the async class, and of its bases defined in
labelkit or in the source module's own package, the sync class gets a real,
typed method with the same parameters and docstring whose body calls into
:mod:`labelkit._sync._portal`:

* ``async def m(...) -> R`` becomes ``def m(...) -> R`` running ``call()``;
  a plain ``def m(...) -> R`` runs on the loop thread through ``run_sync()``.
* async generators, and methods returning a type listed in
  :data:`ITERATOR_RETURNS`, become ``def m(...) -> Iterator[...]`` through
  ``iterate_call()`` (a bulk run becomes an iterator of its outcomes).
* ``def m(...) -> Awaitable[R]`` (or ``Coroutine[..., ..., R]``) becomes ``-> R``.
* a method returning the async class (or ``Self``), or another async class of
  :data:`TARGETS`, returns the sync client around the result.
* properties are forwarded read-only; ``aclose``, ``__aenter__`` and other
  private names are skipped (:class:`~labelkit._sync._base.SyncClient`
  provides ``close()`` and ``with``); class attributes are not copied.

The output is emitted already formatted (ruff format and isort order), so
``--check`` does not depend on which ruff is installed.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import difflib
import importlib
import importlib.util
import inspect
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, TextIO

__all__ = [
    "ITERATOR_RETURNS",
    "TARGETS",
    "CodegenError",
    "IteratorReturn",
    "Target",
    "check",
    "generate",
    "main",
    "output_path",
    "render",
    "write",
]


class Target(NamedTuple):
    """One generated sync class."""

    source_module: str
    async_class: str
    sync_class: str
    output_module: str


#: Every sync class of labelkit. Add a provider here, then run the generator.
TARGETS: list[Target] = [
    Target(
        "labelkit._providers.redflag._client",
        "AsyncRedFlag",
        "RedFlag",
        "labelkit._providers.redflag._sync",
    ),
    Target(
        "labelkit._providers.cloudsight._client",
        "AsyncCloudSight",
        "CloudSight",
        "labelkit._providers.cloudsight._sync",
    ),
    Target(
        "labelkit._providers.datawow._client",
        "AsyncDatawow",
        "Datawow",
        "labelkit._providers.datawow._sync",
    ),
]


class IteratorReturn(NamedTuple):
    """How a returned async iterable ``Name[A, B]`` appears in the sync signature.

    ``template`` is the sync annotation: ``{args}`` is the whole subscript
    (``A, B``), ``{0}``, ``{1}``... single arguments. ``imports`` lists
    ``(module, name)`` for names the template adds (``Iterator`` is implied).
    """

    template: str
    imports: tuple[tuple[str, str], ...] = ()


#: Return types bridged to a sync ``Iterator``, by (unqualified) name.
ITERATOR_RETURNS: dict[str, IteratorReturn] = {
    "AsyncIterator": IteratorReturn("Iterator[{0}]"),
    "AsyncIterable": IteratorReturn("Iterator[{0}]"),
    "AsyncGenerator": IteratorReturn("Iterator[{0}]"),
    "BulkRun": IteratorReturn("Iterator[Outcome[{args}]]", (("labelkit._bulk", "Outcome"),)),
}

# Return types whose result is awaited: name -> index of the result argument.
_AWAITABLE_RETURNS = {"Awaitable": 0, "Coroutine": 2}
_LINE = 100
_FIRST_PARTY = frozenset({"labelkit"})
_PROJECT = Path(__file__).resolve().parents[2]
_BUILTINS = frozenset(dir(builtins))


class CodegenError(Exception):
    """The async class uses something the generator cannot translate faithfully."""


# -- imports ---------------------------------------------------------------------


class _Import(NamedTuple):
    module: str
    name: str | None  # None: ``import module [as alias]``
    alias: str | None
    type_checking: bool

    @property
    def bound(self) -> str:
        return self.alias or self.name or self.module.split(".")[0]


class _Module:
    """A module's source text, syntax tree and what each top-level name is bound to."""

    def __init__(self, name: str) -> None:
        module = importlib.import_module(name)
        self.name, self.package = name, module.__package__ or ""
        self.text = inspect.getsource(module)
        self.tree = ast.parse(self.text)
        self.bindings: dict[str, _Import] = {}
        self._visit(self.tree.body, False)

    def _visit(self, body: list[ast.stmt], type_checking: bool) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                base = importlib.util.resolve_name(base, self.package)
                for a in node.names:
                    alias = a.asname if a.asname != a.name else None
                    self._bind(_Import(base, a.name, alias, type_checking))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self._bind(_Import(a.name, None, a.asname, type_checking))
            elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                self._bind(_Import(self.name, node.name, None, False))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for name in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                    self._bind(_Import(self.name, name.id, None, False))
            elif isinstance(node, ast.If):
                guard = ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                self._visit(node.body, type_checking or guard)
                self._visit(node.orelse, type_checking)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                    self._visit(part, type_checking)

    def _bind(self, imp: _Import) -> None:
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
        first = node.body[0]
        assert isinstance(first, ast.Expr)
        lines = (ast.get_source_segment(self.text, first.value) or "").splitlines()
        return [" " * first.col_offset + lines[0], *lines[1:]]


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


def _member_key(name: str) -> tuple[int, str, str]:
    # ruff's isort "order-by-type": CONSTANTS, then Classes, then everything else.
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def _import_lines(imports: Iterable[_Import], indent: str = "") -> list[str]:
    sections: dict[int, list[_Import]] = {}
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
            key=lambda kv: (kv[0][0].lower(), _member_key(min(kv[1], key=_member_key))),
        ):
            members = [aliased] if aliased else sorted(set(names), key=_member_key)
            lines += _bracketed(f"{indent}from {module} import ", members, "", parens=False)
    return lines


# -- formatting ------------------------------------------------------------------


def _bracketed(head: str, items: list[str], tail: str, parens: bool = True) -> list[str]:
    """``head(items)tail`` laid out the way ruff format (and isort) would."""
    indent = head[: len(head) - len(head.lstrip())]
    joined = ", ".join(items)
    one = f"{head}({joined}){tail}" if parens else f"{head}{joined}{tail}"
    if len(one) <= _LINE or not items:
        return [one]
    opening, closing = f"{head}(", f"{indent}){tail}"
    if parens and len(f"{indent}    {joined}") <= _LINE:
        return [opening, f"{indent}    {joined}", closing]
    return [opening, *(f"{indent}    {item}," for item in items), closing]


def _double_quotes(code: str) -> str:
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


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _head(node: ast.expr) -> tuple[str | None, list[ast.expr]]:
    """``Name[A, B]`` -> ``("Name", [A, B])``."""
    if isinstance(node, ast.Subscript):
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return _last_name(node.value), list(args)
    return _last_name(node), []


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {name for d in node.decorator_list if (name := _last_name(d)) is not None}


def _yields(node: ast.AsyncFunctionDef) -> bool:
    todo: list[ast.AST] = list(node.body)
    while todo:
        item = todo.pop()
        if isinstance(item, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(item))
    return False


# -- reading the async class -----------------------------------------------------


class _Source(NamedTuple):
    """One class of the async class's MRO and the module that defines it."""

    module: _Module
    node: ast.ClassDef


_Function = ast.FunctionDef | ast.AsyncFunctionDef


class _Return(NamedTuple):
    annotation: str
    mode: str  # "result", "wrap", "iterate" or "call_iterate"
    awaited: bool
    twin: str | None = None


def _forward_call(head: str, target: str, args: list[str]) -> list[str]:
    return _bracketed(head, [target, *args], "")


class _Generator:
    def __init__(
        self,
        source_module: str,
        async_class: str,
        sync_class: str,
        twins: Mapping[str, tuple[str, str | None]],
        iterator_returns: Mapping[str, IteratorReturn],
        output_module: str | None,
    ) -> None:
        self.output_module = output_module
        self.source_module, self.async_class, self.sync_class = (
            source_module,
            async_class,
            sync_class,
        )
        self.twins, self.iterator_returns = twins, iterator_returns
        self.cls: type = getattr(importlib.import_module(source_module), async_class)
        self.imports: dict[str, _Import] = {}
        self.modules: dict[str, _Module] = {}
        self.add(_Import("labelkit._sync", "_portal", None, False))
        self.add(_Import("labelkit._sync._base", "SyncClient", None, False))
        self.add(_Import(source_module, async_class, None, False))

    # names and imports

    def add(self, imp: _Import) -> None:
        previous = self.imports.get(imp.bound)
        if previous is not None:
            if previous._replace(type_checking=False) != imp._replace(type_checking=False):
                raise CodegenError(f"{imp.bound!r} is bound to both {previous} and {imp}")
            if not previous.type_checking:
                return
        self.imports[imp.bound] = imp

    def use(self, name: str, source: _Source, runtime: bool, where: str, strict: bool) -> None:
        if name in self.twins:
            raise CodegenError(f"{where}: {name} is only supported as the whole return type")
        imp = source.module.bindings.get(name)
        if imp is not None:
            self.add(imp._replace(type_checking=imp.type_checking and not runtime))
        elif strict and name not in _BUILTINS:
            raise CodegenError(f"{where}: {name!r} is not bound at the top of {source.module.name}")

    def expr(
        self, node: ast.expr, source: _Source, where: str, *, runtime: bool, strict: bool = True
    ) -> str:
        """Source text of an annotation or default; records the names it needs."""
        todo: list[ast.AST] = [node]
        while todo:
            item = todo.pop()
            if isinstance(item, ast.Name):
                self.use(item.id, source, runtime, where, strict)
            elif isinstance(item, ast.Constant) and isinstance(item.value, str) and not runtime:
                try:  # a quoted forward reference, or some string in Annotated[...]
                    ref = ast.parse(item.value.strip(), mode="eval").body
                except SyntaxError:
                    continue
                self.expr(ref, source, where, runtime=False, strict=False)
            elif isinstance(item, ast.Subscript) and _last_name(item.value) == "Literal":
                todo.append(item.value)  # Literal["x"] holds values, not forward references
            else:
                todo.extend(ast.iter_child_nodes(item))
        return _double_quotes(ast.unparse(node))

    # members

    def module_named(self, name: str) -> _Module:
        if name not in self.modules:
            self.modules[name] = _Module(name)
        return self.modules[name]

    def classes(self) -> list[_Source]:
        """The async class and its bases defined in scope, in MRO order.

        Bases are found by following the import statements of the module that
        names them: ``__module__`` may be rewritten to a public path.
        """
        roots = {self.source_module.split(".")[0], *_FIRST_PARTY}
        found: dict[type, _Source] = {}
        todo: list[tuple[type, str]] = [(self.cls, self.source_module)]
        while todo:
            klass, home = todo.pop()
            module = self.module_named(home)
            found[klass] = source = _Source(module, module.classdef(klass.__name__))
            for base in source.node.bases:
                node = base.value if isinstance(base, ast.Subscript) else base
                name, where = ast.unparse(node).split(".")[-1], home
                for _ in range(10):  # follow re-exports to the defining module
                    if where.split(".")[0] not in roots:
                        break
                    imp = self.module_named(where).bindings.get(name)
                    if imp is None or imp.name is None:
                        break
                    if imp.module == where:
                        cls = getattr(importlib.import_module(where), name)
                        if isinstance(cls, type) and cls not in found:
                            todo.append((cls, where))
                        break
                    where, name = imp.module, imp.name
        return [found[k] for k in inspect.getmro(self.cls) if k in found]

    def members(
        self, classes: list[_Source]
    ) -> tuple[tuple[_Source, _Function] | None, list[tuple[_Source, list[_Function]]]]:
        """``__init__`` and the public methods, the subclass's definition winning."""
        seen: set[str] = set()
        init: tuple[_Source, _Function] | None = None
        found: list[tuple[_Source, list[_Function]]] = []
        for source in classes:
            groups: dict[str, list[_Function]] = {}
            for node in source.node.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    groups.setdefault(node.name, []).append(node)
            for name, nodes in groups.items():
                if name in seen:
                    continue
                seen.add(name)
                if name == "__init__":
                    init = (source, nodes[-1])
                elif not name.startswith("_") and name != "aclose":
                    found.append((source, nodes))
        return init, found

    def params(self, func: _Function, source: _Source, skip_first: bool) -> list[str]:
        """The parameter list as written, minus the annotation of ``self``/``cls``."""
        a, where = func.args, f"{source.node.name}.{func.name}"
        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults

        def one(arg: ast.arg, default: ast.expr | None, first: bool = False) -> str:
            annotated = arg.annotation is not None and not first
            text = arg.arg
            if arg.annotation is not None and annotated:
                text += ": " + self.expr(arg.annotation, source, where, runtime=False)
            if default is not None:
                value = self.expr(default, source, where, runtime=True)
                text += f" = {value}" if annotated else f"={value}"
            return text

        items = [
            one(arg, d, skip_first and i == 0)
            for i, (arg, d) in enumerate(zip(positional, defaults, strict=True))
        ]
        if a.posonlyargs:
            items.insert(len(a.posonlyargs), "/")
        if a.vararg is not None:
            items.append("*" + one(a.vararg, None))
        elif a.kwonlyargs:
            items.append("*")
        items += [one(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
        if a.kwarg is not None:
            items.append("**" + one(a.kwarg, None))
        return items

    @staticmethod
    def forward(func: _Function, skip_first: bool) -> list[str]:
        """Arguments passing each parameter on: positional-only by position, others by name."""
        a = func.args
        positional = [arg.arg for arg in (*a.posonlyargs, *a.args)][1 if skip_first else 0 :]
        by_position = (
            len(positional)
            if a.vararg
            else len(a.posonlyargs) - int(skip_first and bool(a.posonlyargs))
        )
        out = positional[:by_position] + [f"{name}={name}" for name in positional[by_position:]]
        if a.vararg is not None:
            out.append(f"*{a.vararg.arg}")
        out += [f"{arg.arg}={arg.arg}" for arg in a.kwonlyargs]
        if a.kwarg is not None:
            out.append(f"**{a.kwarg.arg}")
        return out

    def returns(self, func: _Function, source: _Source, awaited: bool, generator: bool) -> _Return:
        """The sync return annotation and how the body bridges the result."""
        where = f"{source.node.name}.{func.name}"
        node = func.returns
        if node is None:
            raise CodegenError(f"{where}: a return annotation is required")
        head, args = _head(node)
        if not awaited and head in _AWAITABLE_RETURNS and len(args) > _AWAITABLE_RETURNS[head]:
            node, awaited = args[_AWAITABLE_RETURNS[head]], True
            head, args = _head(node)
        if head is not None and head in self.iterator_returns and args:
            mapping = self.iterator_returns[head]
            texts = [self.expr(arg, source, where, runtime=False) for arg in args]
            self.add(_Import("collections.abc", "Iterator", None, False))
            for module, name in mapping.imports:
                self.add(_Import(module, name, None, False))
            mode = "call_iterate" if awaited and not generator else "iterate"
            return _Return(mapping.template.format(*texts, args=", ".join(texts)), mode, awaited)
        if generator:
            raise CodegenError(f"{where}: annotate an async generator as AsyncIterator[...]")
        twin = self.twins.get(head or "") if isinstance(node, ast.Name | ast.Attribute) else None
        if head == "Self" and not args:
            twin = (self.sync_class, None)
        if twin is not None:
            sync_name, home = twin
            if home is not None and home != self.output_module:
                self.add(_Import(home, sync_name, None, False))
            return _Return(sync_name, "wrap", awaited, sync_name)
        return _Return(self.expr(node, source, where, runtime=False), "result", awaited)

    # members

    def member(self, source: _Source, nodes: list[_Function]) -> list[str]:
        name, where = nodes[0].name, f"{source.node.name}.{nodes[0].name}"
        if name == "close":
            raise CodegenError(f"{where}: clashes with SyncClient.close()")
        getter = next((n for n in nodes if _decorators(n) & {"property", "cached_property"}), None)
        if getter is not None:
            if getter.returns is None:
                raise CodegenError(f"{where}: a return annotation is required")
            ann = self.expr(getter.returns, source, where, runtime=False)
            first = getter.args.args[0].arg
            return [
                "    @property",
                f"    def {name}({first}) -> {ann}:",
                *source.module.docstring(getter),
                f"        return {first}._async.{name}",
            ]
        stubs = [n for n in nodes if "overload" in _decorators(n)]
        impl = [n for n in nodes if "overload" not in _decorators(n)][-1]
        decorators = _decorators(impl)
        kind = next((k for k in ("classmethod", "staticmethod") if k in decorators), "")
        awaited = isinstance(impl, ast.AsyncFunctionDef)
        generator = isinstance(impl, ast.AsyncFunctionDef) and _yields(impl)
        bound = kind != "staticmethod"
        lines: list[str] = []
        for stub in stubs:
            ann = self.returns(stub, source, awaited, generator).annotation
            keep = [d for d in stub.decorator_list if _last_name(d) in {"overload", kind}]
            lines += [f"    @{self.expr(d, source, where, runtime=True)}" for d in keep]
            lines += _bracketed(
                f"    def {name}", self.params(stub, source, bound), f" -> {ann}: ..."
            )
            lines.append("")
        ret = self.returns(impl, source, awaited, generator)
        lines += [f"    @{kind}"] if kind else []
        lines += _bracketed(
            f"    def {name}", self.params(impl, source, bound), f" -> {ret.annotation}:"
        )
        lines += source.module.docstring(impl)
        return lines + self.body(impl, kind, ret, overloaded=bool(stubs))

    def body(self, func: _Function, kind: str, ret: _Return, overloaded: bool) -> list[str]:
        a, indent = func.args, " " * 8
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
        names = {arg.arg for arg in params if arg is not None}
        if names & {"_portal", self.async_class, self.sync_class, ret.twin}:
            raise CodegenError(f"{func.name}: a parameter name clashes with the generated body")
        first = ([*a.posonlyargs, *a.args] or [ast.arg("")])[0].arg
        target = f"{self.async_class}.{func.name}" if kind else f"{first}._async.{func.name}"
        args = self.forward(func, kind != "staticmethod")
        var = "result"
        while var in names:
            var += "_"
        keep = "" if ret.annotation == "None" else "return "
        if overloaded:
            # mypy joins the overloads' results of a callable passed on (int | str
            # becomes object), but types a call: create the coroutine here.
            if not isinstance(func, ast.AsyncFunctionDef) or kind or ret.mode != "result":
                raise CodegenError(f"{func.name}: only overloaded coroutine methods are supported")
            self.uses_portal = True
            self.add(_Import("collections.abc", "Awaitable", None, False))
            call = _bracketed(f"{indent}{var}: Awaitable[{ret.annotation}] = {target}", args, "")
            return [*call, f"{indent}{keep}_portal.wait({var})"]
        if ret.mode == "result" and kind and not ret.awaited:
            return _bracketed(f"{indent}{keep}{target}", args, "")
        self.uses_portal = True
        runner = "call" if ret.awaited else "run_sync"
        if ret.mode == "iterate":
            return _forward_call(f"{indent}return _portal.iterate_call", target, args)
        if ret.mode == "call_iterate":
            lines = _forward_call(f"{indent}{var} = _portal.call", target, args)
            return [*lines, f"{indent}return _portal.iterate({var})"]
        if ret.mode == "wrap":
            wrapper = f"{ret.twin}._from_async"
            if ret.twin == self.sync_class and kind != "staticmethod":
                wrapper = f"{first}._from_async" if kind else f"{first}._wrap"
            lines = _forward_call(f"{indent}{var} = _portal.{runner}", target, args)
            return [*lines, f"{indent}return {wrapper}({var})"]
        return _forward_call(f"{indent}{keep}_portal.{runner}", target, args)

    # the module

    def init(self, init: tuple[_Source, _Function] | None) -> list[str]:
        params, args, doc = ["self"], [self.async_class], []
        if init is not None:
            source, func = init
            params = self.params(func, source, True)
            args += self.forward(func, True)
            doc = source.module.docstring(func)
            if {arg.split("=")[0].lstrip("*") for arg in args[1:]} & {self.async_class}:
                raise CodegenError("__init__: a parameter name clashes with the generated body")
        return [
            *_bracketed("    def __init__", params, " -> None:"),
            *doc,
            *_bracketed("        super().__init__", args, ""),
        ]

    def class_docstring(self, source: _Source) -> list[str]:
        lines = source.module.docstring(source.node)
        if lines:
            first = lines[0]
            for async_name, (sync_name, _) in self.twins.items():
                first = re.sub(rf"\b{async_name}\b", sync_name, first)
            for pattern, replacement in _DOC_FIRST_LINE:
                first = re.sub(pattern, replacement, first)
            lines[0] = first
        return lines

    def module(self) -> str:
        self.uses_portal = False
        classes = self.classes()
        init, members = self.members(classes)
        body = self.init(init)
        for source, nodes in members:
            body += ["", *self.member(source, nodes)]
        if self.sync_class in self.imports:
            raise CodegenError(f"{self.sync_class!r} is also imported by the generated module")
        if not self.uses_portal:
            del self.imports["_portal"]
        runtime = [i for i in self.imports.values() if not i.type_checking]
        checking = [i for i in self.imports.values() if i.type_checking]
        if checking:
            self.add(_Import("typing", "TYPE_CHECKING", None, False))
            runtime = [i for i in self.imports.values() if not i.type_checking]
        lines = [
            f"# Generated by labelkit._sync._codegen from {self.source_module}. Do not edit.",
            f'"""The sync twin of :class:`{self.source_module}.{self.async_class}`."""',
            "",
            "from __future__ import annotations",
            "",
            *_import_lines(runtime),
        ]
        if checking:
            lines += ["", "if TYPE_CHECKING:", *_import_lines(checking, "    ")]
        lines += ["", f'__all__ = ["{self.sync_class}"]', "", ""]
        lines.append(f"class {self.sync_class}(SyncClient[{self.async_class}]):")
        docstring = self.class_docstring(classes[0])
        lines += [*docstring, ""] if docstring else []
        lines += body
        return "\n".join(lines) + "\n"


# First line of the class docstring: "Async client for X" -> "Sync client for X".
_DOC_FIRST_LINE = (
    (r"\b([Aa])n async\b", r"\1 sync"),
    (r"\bAsync\b", "Sync"),
    (r"\basync\b", "sync"),
)


# -- entry points ----------------------------------------------------------------


def _twins(targets: Sequence[Target]) -> dict[str, tuple[str, str | None]]:
    return {t.async_class: (t.sync_class, t.output_module) for t in targets}


def generate(
    source_module: str,
    async_class: str,
    sync_class: str,
    *,
    output_module: str | None = None,
    targets: Sequence[Target] = (),
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> str:
    """The source of the sync module for ``source_module.async_class``.

    ``targets`` lists the other generated classes, so that a method returning
    one of their async classes returns its sync twin instead.
    """
    twins = {**_twins(targets), async_class: (sync_class, output_module)}
    returns = ITERATOR_RETURNS if iterator_returns is None else iterator_returns
    return _Generator(
        source_module, async_class, sync_class, twins, returns, output_module
    ).module()


def render(
    target: Target,
    *,
    targets: Sequence[Target] = TARGETS,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> str:
    """The source of ``target``'s sync module."""
    return generate(
        target.source_module,
        target.async_class,
        target.sync_class,
        output_module=target.output_module,
        targets=targets,
        iterator_returns=iterator_returns,
    )


def output_path(target: Target, root: Path | None = None) -> Path:
    """Where ``target``'s module lives: under ``root``, or next to its package."""
    parts = target.output_module.split(".")
    if root is not None:
        return root.joinpath(*parts[:-1], parts[-1] + ".py")
    spec = importlib.util.find_spec(".".join(parts[:-1]))
    if spec is None or not spec.submodule_search_locations:
        raise CodegenError(f"cannot locate the package of {target.output_module}")
    return Path(next(iter(spec.submodule_search_locations)), parts[-1] + ".py")


def write(
    targets: Sequence[Target] = TARGETS,
    *,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> list[Path]:
    """Regenerate every target; returns the files that changed."""
    changed = []
    for target in targets:
        path, text = (
            output_path(target, root),
            render(target, targets=targets, iterator_returns=iterator_returns),
        )
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check(
    targets: Sequence[Target] = TARGETS,
    *,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
    out: TextIO | None = None,
) -> bool:
    """Whether every target's file is up to date; prints a unified diff of each that is not."""
    out = sys.stdout if out is None else out
    fresh = True
    for target in targets:
        path, text = (
            output_path(target, root),
            render(target, targets=targets, iterator_returns=iterator_returns),
        )
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            fresh = False
            diff = difflib.unified_diff(
                old.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"{path} (on disk)",
                f"{path} (generated)",
            )
            out.writelines(diff)
    return fresh


def main(
    argv: Sequence[str] | None = None,
    *,
    targets: Sequence[Target] = TARGETS,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> int:
    """Command line: write the sync modules, or ``--check`` them (exit status 1 on drift)."""
    parser = argparse.ArgumentParser(
        prog="python -m labelkit._sync._codegen", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    options = parser.parse_args(argv)
    if options.check:
        if check(targets, root=root, iterator_returns=iterator_returns):
            return 0
        print("sync modules are stale: run python -m labelkit._sync._codegen", file=sys.stderr)
        return 1
    for path in write(targets, root=root, iterator_returns=iterator_returns):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
