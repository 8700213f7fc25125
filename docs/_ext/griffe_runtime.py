"""A griffe extension: document declared methods and keyword blocks as Python shows them.

griffe reads the source, where some public methods are not written out:

- a *declared* method is one line in its class body
  (``create_image_task = create_task(IMAGE, CreateImageTask.__call__)``) that
  becomes a real function with the shape's signature and a filled docstring
  when the class is created;
- a keyword block is ``**wait: Unpack[WaitOptions]``, which the function's
  ``__signature__`` lists one keyword at a time, with its default.

Read statically, the first is a class attribute without signature or docstring
and the second one opaque parameter. Once the package is loaded, this extension
imports each such object and takes the signature (``inspect.signature``) and the
docstring from the running code, as ``help()`` and IDEs do.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import griffe


def _markdown() -> Any:
    # The sibling extension's reST-to-Markdown rewrite (extensions load by path).
    spec = importlib.util.spec_from_file_location(
        "_griffe_rst", Path(__file__).with_name("griffe_rst.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.markdown


def _runtime(obj: griffe.Object) -> Any:
    """The running object at ``obj``'s path, or None."""
    module = importlib.import_module(obj.module.path)
    target: Any = module
    for name in obj.path[len(obj.module.path) + 1 :].split("."):
        target = inspect.getattr_static(target, name, None)
        if isinstance(target, (staticmethod, classmethod)):
            target = target.__func__
        if target is None:
            return None
    return target


def _annotation(value: object) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _parameters(signature: inspect.Signature) -> griffe.Parameters:
    return griffe.Parameters(
        *(
            griffe.Parameter(
                p.name,
                annotation=_annotation(p.annotation),
                kind=griffe.ParameterKind(p.kind.description),
                default=None if p.default is p.empty else repr(p.default),
            )
            for p in signature.parameters.values()
        )
    )


def _is_keyword_block(func: griffe.Function) -> bool:
    return any(
        p.kind is griffe.ParameterKind.var_keyword and "Unpack[" in str(p.annotation)
        for p in func.parameters
    )


class RuntimeSignatures(griffe.Extension):
    """Replace declared methods and keyword blocks by what the running code shows."""

    def __init__(self) -> None:
        self._markdown = _markdown()

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._visit(pkg)

    def _visit(self, obj: griffe.Object) -> None:
        for name, member in list(obj.members.items()):
            if member.is_alias:
                continue
            if member.is_module or member.is_class:
                self._visit(member)  # type: ignore[arg-type]
            elif member.is_function and _is_keyword_block(member):  # type: ignore[arg-type]
                runtime = _runtime(member)  # type: ignore[arg-type]
                if callable(runtime):
                    member.parameters = _parameters(inspect.signature(runtime))  # type: ignore[union-attr]
            elif member.is_attribute and obj.is_class:
                runtime = _runtime(member)  # type: ignore[arg-type]
                if inspect.isfunction(runtime) and hasattr(runtime, "__labelkit_declaration__"):
                    obj.set_member(name, self._function(member, runtime))  # type: ignore[arg-type]

    def _function(self, attribute: griffe.Attribute, runtime: Any) -> griffe.Function:
        signature = inspect.signature(runtime)
        function = griffe.Function(
            attribute.name,
            parameters=_parameters(signature),
            returns=_annotation(signature.return_annotation),
            lineno=attribute.lineno,
            endlineno=attribute.endlineno,
        )
        if inspect.iscoroutinefunction(runtime):
            function.labels.add("async")
        if runtime.__doc__:
            text = self._markdown(inspect.cleandoc(runtime.__doc__))
            function.docstring = griffe.Docstring(text, parent=function)
        return function
