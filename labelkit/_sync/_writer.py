"""Writes a module of sync classes from async ones; see :mod:`labelkit._sync._codegen`."""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import re
from collections.abc import Mapping
from typing import NamedTuple

from ._annotations import AnnotationWriter, Source
from ._source import (
    CodegenError,
    Import,
    Module,
    bracketed,
    decorators,
    import_lines,
    last_name,
    member_key,
    subscript_parts,
    yields,
)

__all__ = ["IteratorReturn", "ModuleWriter", "Twin"]


class IteratorReturn(NamedTuple):
    """How a returned async iterable ``Name[A, B]`` appears in the sync signature.

    ``template`` is the sync annotation: ``{args}`` is the whole subscript
    (``A, B``), ``{0}``, ``{1}``... single arguments. ``imports`` lists
    ``(module, name)`` for names the template adds (``Iterator`` is implied).
    """

    template: str
    imports: tuple[tuple[str, str], ...] = ()


class Twin(NamedTuple):
    """The sync class generated for an async class."""

    source_module: str
    sync_class: str
    output_module: str | None


# Return types whose result is awaited: name -> index of the result argument.
_AWAITABLE_RETURNS = {"Awaitable": 0, "Coroutine": 2}
# The first line of the class docstring: "Async client for X" -> "Sync client for X".
_DOC_FIRST_LINE = (
    (r"\b([Aa])n async\b", r"\1 sync"),
    (r"\bAsync\b", "Sync"),
    (r"\basync\b", "sync"),
)
_Function = ast.FunctionDef | ast.AsyncFunctionDef


class _Return(NamedTuple):
    annotation: str
    mode: str  # "result", "wrap", "iterate" or "call_iterate"
    awaited: bool
    twin: str | None = None


class ModuleWriter(AnnotationWriter):
    """Collects sync classes (:meth:`add_class`) and their imports, then writes the module."""

    twins: Mapping[str, Twin]

    def __init__(
        self,
        output_module: str | None,
        twins: Mapping[str, Twin],
        iterator_returns: Mapping[str, IteratorReturn],
    ) -> None:
        self.output_module = output_module
        self.twins = twins
        self.iterator_returns = iterator_returns
        self.imports: dict[str, Import] = {}
        self.modules: dict[str, Module] = {}
        self.written: list[tuple[str, str, str, list[str]]] = []  # source, async, sync, lines
        self.uses_portal = False
        self.add(Import("labelkit._sync", "_portal", None, False))

    # names and imports

    def module_named(self, name: str) -> Module:
        if name not in self.modules:
            self.modules[name] = Module(name)
        return self.modules[name]

    def is_resource(self, async_class: str) -> bool:
        """Whether a twin is a resource (an object owned by a client: no ``aclose``)."""
        twin = self.twins[async_class]
        return not hasattr(
            getattr(importlib.import_module(twin.source_module), async_class), "aclose"
        )

    # reading the async class

    def classes(self) -> list[Source]:
        """The async class and its bases defined in scope, in MRO order."""
        found: dict[type, Source] = {}
        todo: list[tuple[type, str, Mapping[str, tuple[ast.expr, Source]]]] = []
        todo.append((self.cls, self.source_module, {}))
        while todo:
            klass, home, types = todo.pop()
            module = self.module_named(home)
            found[klass] = source = Source(module, module.classdef(klass.__name__), types)
            for base in source.node.bases:
                name, args = subscript_parts(base)
                defined = self.defining_module(name, home) if name else None
                if defined is not None and defined[0] not in found:
                    params = [p.__name__ for p in getattr(defined[0], "__parameters__", ())]
                    arguments = {p: (a, source) for p, a in zip(params, args, strict=False)}
                    todo.append((*defined, arguments))
        return [found[k] for k in inspect.getmro(self.cls) if k in found]

    def defining_module(self, name: str, home: str) -> tuple[type, str] | None:
        """The class ``name`` seen from ``home``, and its module, if in scope.

        Follows imports and re-exports: ``__module__`` may have been rewritten to
        a public path.
        """
        roots = {self.source_module.split(".")[0], "labelkit"}
        for _ in range(10):
            if home.split(".")[0] not in roots:
                return None
            imp = self.module_named(home).bindings.get(name)
            if imp is None or imp.name is None:
                return None
            if imp.module == home:
                cls = getattr(importlib.import_module(home), name)
                return (cls, home) if isinstance(cls, type) else None
            home, name = imp.module, imp.name
        return None

    def members(self, classes: list[Source]) -> tuple[
        tuple[Source, _Function] | None,
        list[tuple[Source, ast.AnnAssign, list[str]]],
        list[tuple[Source, list[_Function], list[str] | None]],
    ]:  # fmt: skip
        """``__init__``, annotated attributes and public methods; a subclass's win.

        A method is a ``def`` or a declaration (:meth:`declared`), which comes with
        its docstring.
        """
        seen: set[str] = set()
        init: tuple[Source, _Function] | None = None
        attributes: list[tuple[Source, ast.AnnAssign, list[str]]] = []
        methods: list[tuple[Source, list[_Function], list[str] | None]] = []
        for source in classes:
            groups: dict[str, list[_Function]] = {}
            body = source.node.body
            for i, node in enumerate(body):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    groups.setdefault(node.name, []).append(node)
                elif isinstance(node, ast.Assign) and (declared := self.declared(source, node)):
                    shape, func, doc = declared
                    if func.name not in seen and not func.name.startswith("_"):
                        methods.append((shape, [func], doc))
                    seen.add(func.name)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    name = node.target.id
                    classvar = subscript_parts(node.annotation)[0] in ("ClassVar", "Final")
                    if name not in seen and not name.startswith("_") and not classvar:
                        doc = source.module.literal(body[i + 1]) if i + 1 < len(body) else []
                        attributes.append((source, node, doc))
                    seen.add(name)
            for name, nodes in groups.items():
                if name in seen:
                    continue
                seen.add(name)
                if name == "__init__":
                    init = (source, nodes[-1])
                elif not name.startswith("_") and name != "aclose":
                    methods.append((source, nodes, None))
        return init, attributes, methods

    def declared(
        self, source: Source, node: ast.Assign
    ) -> tuple[Source, _Function, list[str]] | None:
        """``name = <declaration>`` in a class body: the method it stands for, if any.

        At run time such a name is a function carrying ``__labelkit_declaration__``
        (a shape, the shape's type arguments and defaults, a docstring filler; see
        :mod:`labelkit._providers.fastlabel.tasks._declared`). Returned: the source of
        the shape (a Protocol's ``__call__``) with its type parameters bound, the
        shape renamed with the declaration's defaults, and the filled docstring.
        """
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return None
        name = node.targets[0].id
        owner = getattr(importlib.import_module(source.module.name), source.node.name)
        declaration = getattr(vars(owner).get(name), "__labelkit_declaration__", None)
        if declaration is None:
            return None
        shape = declaration.shape
        module = self.module_named(shape.__module__)
        class_name, _, attr = shape.__qualname__.rpartition(".")
        classdef = module.classdef(class_name)
        original = next(n for n in classdef.body if isinstance(n, _Function) and n.name == attr)
        func = copy.deepcopy(original)
        func.name = name
        positional = [*func.args.posonlyargs, *func.args.args]
        first = len(positional) - len(func.args.defaults)
        for i, arg in enumerate(positional[first:]):
            if arg.arg in declaration.defaults:
                func.args.defaults[i] = ast.Constant(declaration.defaults[arg.arg])
        types = {
            param: (ast.Name(arg.__name__), self.class_source(arg))
            for param, arg in declaration.types.items()
        }
        template = "\n".join(module.docstring(original))
        doc = declaration.document(template).split("\n") if template else []
        return Source(module, classdef, types), func, doc

    def class_source(self, cls: type) -> Source:
        """The source of a class, to resolve its name in its own module."""
        module = self.module_named(cls.__module__)
        return Source(module, module.classdef(cls.__name__), {})

    # signatures

    def params(self, func: _Function, source: Source, skip_first: bool) -> list[str]:
        """The parameter list as written, minus the annotation of ``self``/``cls``."""
        a, where = func.args, f"{source.node.name}.{func.name}"
        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults

        def one(arg: ast.arg, default: ast.expr | None, first: bool = False) -> str:
            text, annotated = arg.arg, arg.annotation is not None and not first
            if arg.annotation is not None and annotated:
                text += ": " + self.expr(arg.annotation, source, where, runtime=False)
            if default is not None:
                value = self.expr(default, source, where, runtime=True)
                text += f" = {value}" if annotated else f"={value}"
            return text

        pairs = enumerate(zip(positional, defaults, strict=True))
        items = [one(arg, d, skip_first and i == 0) for i, (arg, d) in pairs]
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
        positional = [arg.arg for arg in (*a.posonlyargs, *a.args)][int(skip_first) :]
        posonly = len(a.posonlyargs) - int(skip_first and bool(a.posonlyargs))
        by_position = len(positional) if a.vararg else posonly
        out = positional[:by_position] + [f"{name}={name}" for name in positional[by_position:]]
        if a.vararg is not None:
            out.append(f"*{a.vararg.arg}")
        out += [f"{arg.arg}={arg.arg}" for arg in a.kwonlyargs]
        if a.kwarg is not None:
            out.append(f"**{a.kwarg.arg}")
        return out

    def returns(self, func: _Function, source: Source, awaited: bool, generator: bool) -> _Return:
        """The sync return annotation, and how the body bridges the result."""
        where = f"{source.node.name}.{func.name}"
        node = func.returns
        if node is None:
            raise CodegenError(f"{where}: a return annotation is required")
        name, args = subscript_parts(node)
        if not awaited and name in _AWAITABLE_RETURNS and len(args) > _AWAITABLE_RETURNS[name]:
            node, awaited = args[_AWAITABLE_RETURNS[name]], True
            name, args = subscript_parts(node)
        if name is not None and name in self.iterator_returns and args:
            mapping = self.iterator_returns[name]
            texts = [self.expr(arg, source, where, runtime=False) for arg in args]
            self.add(Import("collections.abc", "Iterator", None, False))
            for module, imported in mapping.imports:
                self.add(Import(module, imported, None, False))
            mode = "call_iterate" if awaited and not generator else "iterate"
            return _Return(mapping.template.format(*texts, args=", ".join(texts)), mode, awaited)
        if generator:
            raise CodegenError(f"{where}: annotate an async generator as AsyncIterator[...]")
        twin = self.twins.get(name or "") if isinstance(node, ast.Name | ast.Attribute) else None
        if name == "Self" and not args:
            twin = self.twins[self.async_class]
        if twin is None:
            self.reject_async_class(node, source, where)
            return _Return(self.expr(node, source, where, runtime=False), "result", awaited)
        if self.resource or self.is_resource(self.async_class if name == "Self" else name or ""):
            raise CodegenError(f"{where}: returning a client from a resource, or a resource")
        if twin.output_module != self.output_module and twin.output_module is not None:
            self.add(Import(twin.output_module, twin.sync_class, None, False))
        return _Return(twin.sync_class, "wrap", awaited, twin.sync_class)

    # members

    def reject_async_class(self, node: ast.expr, source: Source, where: str) -> None:
        """Sync users must never be handed an object with coroutine methods."""
        name = node.id if isinstance(node, ast.Name) else None
        found = self.defining_module(name, source.module.name) if name else None
        if found is not None and any(
            inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f)
            for attr, f in inspect.getmembers(found[0])
            if not attr.startswith("_")
        ):
            raise CodegenError(f"{where}: {name} has async methods: add a Target for it")

    def attribute(self, source: Source, node: ast.AnnAssign, doc: list[str]) -> list[str]:
        """An annotated attribute: a resource becomes a sync resource, anything else a property."""
        assert isinstance(node.target, ast.Name)
        name, annotation = node.target.id, node.annotation
        if doc and not doc[0].startswith(" " * 8):  # an attribute docstring, indented for a class
            doc = [f"    {line}" if line else line for line in doc]
        if isinstance(annotation, ast.Name) and annotation.id in self.twins:
            if not self.is_resource(annotation.id):
                raise CodegenError(
                    f"{self.async_class}.{name}: a client attribute is not supported"
                )
            sync = self.twins[annotation.id].sync_class
            self.add(Import("functools", None, None, False))
            return [
                "    @functools.cached_property",
                f"    def {name}(self) -> {sync}:",
                *doc,
                f"        return {sync}(self._async.{name}, self)",
            ]
        where = f"{source.node.name}.{name}"
        self.reject_async_class(annotation, source, where)
        ann = self.expr(annotation, source, where, runtime=False)
        return [
            "    @property",
            f"    def {name}(self) -> {ann}:",
            *doc,
            f"        return self._async.{name}",
        ]

    def member(
        self, source: Source, nodes: list[_Function], doc: list[str] | None = None
    ) -> list[str]:
        name, where = nodes[0].name, f"{source.node.name}.{nodes[0].name}"
        if name == "close":
            raise CodegenError(f"{where}: clashes with SyncClient.close()")
        getter = next((n for n in nodes if decorators(n) & {"property", "cached_property"}), None)
        if getter is not None:
            if getter.returns is None:
                raise CodegenError(f"{where}: a return annotation is required")
            target = ast.AnnAssign(ast.Name(name), getter.returns, None, 1)
            return self.attribute(source, target, source.module.docstring(getter))
        stubs = [n for n in nodes if "overload" in decorators(n)]
        impl = [n for n in nodes if "overload" not in decorators(n)][-1]
        kind = next((k for k in ("classmethod", "staticmethod") if k in decorators(impl)), "")
        awaited = isinstance(impl, ast.AsyncFunctionDef)
        generator = isinstance(impl, ast.AsyncFunctionDef) and yields(impl)
        bound = kind != "staticmethod"
        lines: list[str] = []
        for stub in stubs:
            ann = self.returns(stub, source, awaited, generator).annotation
            keep = [d for d in stub.decorator_list if last_name(d) in {"overload", kind}]
            lines += [f"    @{self.expr(d, source, where, runtime=True)}" for d in keep]
            lines += bracketed(
                f"    def {name}", self.params(stub, source, bound), f" -> {ann}: ..."
            )
            lines.append("")
        ret = self.returns(impl, source, awaited, generator)
        lines += [f"    @{kind}"] if kind else []
        lines += bracketed(
            f"    def {name}", self.params(impl, source, bound), f" -> {ret.annotation}:"
        )
        lines += source.module.docstring(impl) if doc is None else doc
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
        if ret.mode == "result" and kind and not ret.awaited:
            return bracketed(f"{indent}{keep}{target}", args, "")
        self.uses_portal = True
        if overloaded:
            # mypy joins the overloads' results of a callable passed on (int | str
            # becomes object), but types a call: create the coroutine here.
            if not isinstance(func, ast.AsyncFunctionDef) or kind or ret.mode != "result":
                raise CodegenError(f"{func.name}: only overloaded coroutine methods are supported")
            self.add(Import("collections.abc", "Awaitable", None, False))
            call = bracketed(f"{indent}{var}: Awaitable[{ret.annotation}] = {target}", args, "")
            return [*call, f"{indent}{keep}_portal.wait({var})"]
        runner = "call" if ret.awaited else "run_sync"
        if ret.mode == "iterate":
            return bracketed(f"{indent}return _portal.iterate_call", [target, *args], "")
        if ret.mode == "call_iterate":
            call = bracketed(f"{indent}{var} = _portal.call", [target, *args], "")
            return [*call, f"{indent}return _portal.iterate({var})"]
        if ret.mode == "wrap":
            wrapper = f"{ret.twin}._from_async"
            if ret.twin == self.sync_class and kind != "staticmethod":
                wrapper = f"{first}._from_async" if kind else f"{first}._wrap"
            call = bracketed(f"{indent}{var} = _portal.{runner}", [target, *args], "")
            return [*call, f"{indent}return {wrapper}({var})"]
        return bracketed(f"{indent}{keep}_portal.{runner}", [target, *args], "")

    def init(self, init: tuple[Source, _Function] | None) -> list[str]:
        params, args, doc = ["self"], [self.async_class], []
        if init is not None:
            source, func = init
            params = self.params(func, source, True)
            args += self.forward(func, True)
            doc = source.module.docstring(func)
            if any(arg.split("=")[0].lstrip("*") == self.async_class for arg in args[1:]):
                raise CodegenError("__init__: a parameter name clashes with the generated body")
        elif next(k for k in self.cls.__mro__ if "__init__" in vars(k)) is not object:
            raise CodegenError(f"{self.async_class}.__init__ is defined outside labelkit")
        return [
            *bracketed("    def __init__", params, " -> None:"),
            *doc,
            *bracketed("        super().__init__", args, ""),
        ]

    # writing

    def add_class(self, source_module: str, async_class: str, sync_class: str) -> None:
        """Write the sync twin of ``source_module.async_class``."""
        self.source_module, self.async_class, self.sync_class = (
            source_module,
            async_class,
            sync_class,
        )
        self.cls: type = getattr(importlib.import_module(source_module), async_class)
        self.resource = not hasattr(self.cls, "aclose")
        base = "SyncResource" if self.resource else "SyncClient"
        self.add(Import("labelkit._sync._base", base, None, False))
        self.add(Import(source_module, async_class, None, False))
        classes = self.classes()
        init, attributes, methods = self.members(classes)
        lines = [f"class {sync_class}({base}[{async_class}]):"]
        doc = classes[0].module.docstring(classes[0].node)
        if doc:
            for async_name, twin in self.twins.items():
                doc[0] = re.sub(rf"\b{async_name}\b", twin.sync_class, doc[0])
            for pattern, replacement in _DOC_FIRST_LINE:
                doc[0] = re.sub(pattern, replacement, doc[0])
            lines += [*doc, ""]
        parts = [] if self.resource else [self.init(init)]
        parts += [self.attribute(*attribute) for attribute in attributes]
        parts += [self.member(*method) for method in methods]
        for part in parts:
            lines += [*part, ""]
        if lines[-1] == "":
            lines.pop()
        if len(lines) == 1:
            lines.append("    pass")
        self.written.append((source_module, async_class, sync_class, lines))

    def module(self) -> str:
        """The source of the module."""
        sources = list(dict.fromkeys(source for source, *_ in self.written))
        names = sorted((sync for _, _, sync, _ in self.written), key=member_key)
        for name in names:
            if name in self.imports:
                raise CodegenError(f"{name!r} is also imported by the generated module")
        if not self.uses_portal:
            del self.imports["_portal"]
        if any(i.type_checking for i in self.imports.values()):
            self.add(Import("typing", "TYPE_CHECKING", None, False))
        if len(sources) == 1:
            header = [f"# Generated by labelkit._sync._codegen from {sources[0]}. Do not edit."]
        else:
            header = ["# Generated by labelkit._sync._codegen. Do not edit."]
        twins = [f":class:`{source}.{name}`" for source, name, _, _ in self.written]
        if len(twins) == 1:
            header.append(f'"""The sync twin of {twins[0]}."""')
        else:
            header += ['"""Sync twins generated from:', "", *(f"* {t}" for t in twins), '"""']
        lines = [*header, "", "from __future__ import annotations", ""]
        lines += import_lines(i for i in self.imports.values() if not i.type_checking)
        checking = [i for i in self.imports.values() if i.type_checking]
        if checking:
            lines += ["", "if TYPE_CHECKING:", *import_lines(checking, "    ")]
        lines += ["", *bracketed("__all__ = ", [f'"{n}"' for n in names], "", brackets="[]")]
        for *_, class_lines in self.written:
            lines += ["", "", *class_lines]
        return "\n".join(lines) + "\n"
