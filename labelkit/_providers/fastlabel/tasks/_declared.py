"""Methods declared by a shape instead of written out, one line per method.

A *shape* is the ``__call__`` of a Protocol: its parameters, return type and a
docstring template. ``name = Method(shape, call, ...)`` in a class body becomes,
when the class is created, a real function under that name: the shape's
signature (``help()``, ``inspect.signature``), resolvable annotations (type
parameters such as ``M`` replaced by the declaration's ``types``), the
docstring filled from ``values``, and a body that binds the arguments by name
and hands them to ``call``. For type checkers :meth:`Method.__get__` types the
bound attribute as the shape itself.

The sync generator (:mod:`labelkit._sync._codegen`) writes an explicit twin for
each: it reads the function's ``__labelkit_declaration__``.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping

__all__ = ["Declaration", "Method", "fill"]

P = typing.TypeVar("P")

_FIELD = re.compile(r"\{\w+\}")


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{field}`` replaced (``{{`` and ``}}`` are braces).

    A multi-line value continues at the indentation of its line, and a line
    holding nothing but a field whose value is empty is dropped: the template
    is a docstring, indented as written.
    """
    out: list[str] = []
    for line in template.split("\n"):
        if _FIELD.fullmatch(line.strip()) and not str(values[line.strip()[1:-1]]):
            continue
        indent = line[: len(line) - len(line.lstrip())]
        first, *rest = line.format_map(values).split("\n")
        out += [first, *(indent + part if part else part for part in rest)]
    return "\n".join(out)


class Declaration(typing.NamedTuple):
    """What a declared method was made from (read by the sync generator)."""

    #: The Protocol's ``__call__``: signature and docstring template.
    shape: Callable[..., object]
    #: Type parameter name -> its argument (``{"M": AudioTask}``).
    types: Mapping[str, type]
    #: Parameter -> default, where it differs from the shape's.
    defaults: Mapping[str, object]
    #: The docstring template's fields.
    values: Mapping[str, object]

    def document(self, template: str) -> str:
        """The filled docstring (also applied by the generator to the template's source)."""
        return fill(template, self.values)


@functools.cache
def _shape(
    shape: Callable[..., object],
) -> tuple[inspect.Signature, dict[str, typing.Any], tuple[inspect.Parameter, ...]]:
    """A shape's signature, resolved hints and parameters, worked out once per shape
    rather than per declared method: this is most of what declaring costs at import.

    ``**kw: Unpack[TD]`` is resolved here: the keywords are listed one by one
    (expand_unpacked_kwargs), which needs the TypedDict, not its name.
    """
    signature = inspect.signature(shape)
    hints = typing.get_type_hints(shape, include_extras=True)
    params = tuple(
        p.replace(annotation=hints[p.name]) if p.kind is p.VAR_KEYWORD else p
        for p in signature.parameters.values()
    )
    return signature, hints, params


def _substitute(hint: object, types: Mapping[str, type]) -> object:
    if isinstance(hint, typing.TypeVar):
        return types.get(hint.__name__, hint)
    params = [p for p in getattr(hint, "__parameters__", ()) if isinstance(p, typing.TypeVar)]
    if params and all(p.__name__ in types for p in params):
        return hint[tuple(types[p.__name__] for p in params)]  # type: ignore[index]
    return hint


def _text(annotation: object, types: Mapping[str, type]) -> object:
    if not isinstance(annotation, str) or not any(name in annotation for name in types):
        return annotation
    for name, arg in types.items():
        annotation = re.sub(rf"\b{name}\b", arg.__name__, annotation)
    return annotation


def _binder(signature: inspect.Signature, qualname: str) -> Callable[..., dict[str, typing.Any]]:
    """A function with ``signature``'s parameters returning every argument by name.

    Defaults included, ``self`` left out and a ``**kwargs`` parameter's keywords
    inlined: ``Signature.bind`` + ``apply_defaults``, but Python binds the call
    itself, at a fraction of the cost (paid on every create of a bulk upload),
    and its errors name the method.
    """
    namespace: dict[str, typing.Any] = {}  # exec fills it: what it holds is untyped
    params: list[str] = []
    fields: list[str] = []
    star = False
    for i, param in enumerate(signature.parameters.values()):
        if param.kind is param.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        if param.kind is param.VAR_POSITIONAL:
            params.append(f"*{param.name}")
            star = True
        elif param.kind is param.VAR_KEYWORD:
            params.append(f"**{param.name}")
        elif param.default is param.empty:
            params.append(param.name)
        else:
            namespace[f"__default_{i}"] = param.default
            params.append(f"{param.name}=__default_{i}")
        if param.kind is param.POSITIONAL_ONLY and (
            i + 1 == len(signature.parameters)
            or list(signature.parameters.values())[i + 1].kind is not param.POSITIONAL_ONLY
        ):
            params.append("/")
        if i and param.kind is not param.VAR_KEYWORD:
            fields.append(f"{param.name!r}: {param.name}")
        elif param.kind is param.VAR_KEYWORD:
            fields.append(f"**{param.name}")
    name = qualname.rpartition(".")[2]
    source = f"def {name}({', '.join(params)}):\n    return {{{', '.join(fields)}}}\n"
    exec(compile(source, f"<labelkit binder {qualname}>", "exec"), namespace)
    binder: Callable[..., dict[str, typing.Any]] = namespace[name]
    binder.__qualname__ = qualname
    return binder


class _LazyBinder:
    """:func:`_binder`, compiled on the first call rather than when the class is created."""

    __slots__ = ("_bind", "_qualname", "_signature")

    def __init__(self, signature: inspect.Signature, qualname: str) -> None:
        self._signature = signature
        self._qualname = qualname
        self._bind: Callable[..., dict[str, typing.Any]] | None = None

    def __call__(
        self, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> dict[str, typing.Any]:
        bind = self._bind
        if bind is None:
            bind = self._bind = _binder(self._signature, self._qualname)
        return bind(*args, **kwargs)


class Method(typing.Generic[P]):
    """A method declared by ``shape`` whose body is ``call(self, arguments)``.

    ``P`` is the type of the bound method (the shape's Protocol, with its type
    arguments). Replaced by a plain function when its class is created.
    """

    def __init__(
        self,
        shape: Callable[..., object],
        call: Callable[[typing.Any, dict[str, typing.Any]], typing.Any],
        *,
        types: Mapping[str, type] | None = None,
        defaults: Mapping[str, object] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.call = call
        self.declaration = Declaration(shape, types or {}, defaults or {}, values or {})

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, self.function(owner, name))

    @typing.overload
    def __get__(self, obj: None, owner: type) -> Method[P]: ...
    @typing.overload
    def __get__(self, obj: object, owner: type | None = None) -> P: ...
    def __get__(self, obj: object, owner: type | None = None) -> Method[P] | P:
        # Only reached for a declaration outside a class body (no __set_name__).
        raise AttributeError("a declared method must be assigned in a class body")

    def signature(self) -> inspect.Signature:
        """The shape's signature: annotations as written, type parameters replaced."""
        shape, types, defaults, _ = self.declaration
        signature, _, base = _shape(shape)
        params = [
            p
            if p.name not in defaults and _text(p.annotation, types) is p.annotation
            else p.replace(
                annotation=_text(p.annotation, types), default=defaults.get(p.name, p.default)
            )
            for p in base
        ]
        return signature.replace(
            parameters=params, return_annotation=_text(signature.return_annotation, types)
        )

    def function(self, owner: type, name: str) -> Callable[..., typing.Any]:
        """The plain function that stands for this declaration in ``owner``."""
        declaration, call = self.declaration, self.call
        signature = self.signature()
        arguments = _LazyBinder(signature, f"{owner.__qualname__}.{name}")
        method: Callable[..., typing.Any]
        if inspect.iscoroutinefunction(declaration.shape):

            async def coroutine(*args: object, **kwargs: object) -> object:
                return await call(args[0], arguments(args, kwargs))

            method = coroutine
        else:

            def plain(*args: object, **kwargs: object) -> object:
                return call(args[0], arguments(args, kwargs))

            method = plain
        _, hints, _ = _shape(declaration.shape)
        method.__name__, method.__qualname__ = name, f"{owner.__qualname__}.{name}"
        method.__module__ = owner.__module__
        method.__doc__ = declaration.document(declaration.shape.__doc__ or "")
        method.__annotations__ = {k: _substitute(v, declaration.types) for k, v in hints.items()}
        method.__signature__ = signature  # type: ignore[attr-defined]
        method.__labelkit_declaration__ = declaration  # type: ignore[attr-defined]
        return method
