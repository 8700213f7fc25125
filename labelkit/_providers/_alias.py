"""A method's second official name: ``list_batches = alias(batches, doc)`` in a class body.

The official SDKs keep old names next to new ones (``list_batches`` and
``batches``, ``fetch_task`` and ``get_task``) with the same parameters. An alias
is that method under its other name and docstring: the same signature
(``inspect.signature`` follows ``__wrapped__``, type checkers see the same
callable), and a body that calls the method by name on ``self``, so an override
of the method serves both names.

The sync generator (:mod:`labelkit._sync._codegen`) writes an explicit twin for
an alias: it reads ``__labelkit_declaration__`` (the method's source is the
shape, the alias's docstring replaces the method's).
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping

__all__ = ["alias"]

F = typing.TypeVar("F", bound=Callable[..., typing.Any])

_NONE: Mapping[str, typing.Any] = types.MappingProxyType({})


class _Declaration(typing.NamedTuple):
    """What the sync generator reads: the renamed method (its shape) and the new docstring."""

    shape: Callable[..., object]
    doc: str
    types: Mapping[str, type] = _NONE
    defaults: Mapping[str, object] = _NONE

    def document(self, template: str) -> str:
        """The alias's docstring literal, indented like the method's (``template``)."""
        indent = template[: len(template) - len(template.lstrip())]
        return f'{indent}"""{self.doc}"""'


class _Alias:
    def __init__(self, method: Callable[..., typing.Any], doc: str) -> None:
        self.declaration = _Declaration(method, doc)

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, self.function(owner, name))

    def function(self, owner: type, name: str) -> Callable[..., typing.Any]:
        method, target = self.declaration.shape, self.declaration.shape.__name__
        renamed: Callable[..., typing.Any]
        if inspect.iscoroutinefunction(method):

            async def coroutine(self: object, *args: object, **kwargs: object) -> object:
                return await getattr(self, target)(*args, **kwargs)

            renamed = coroutine
        else:

            def plain(self: object, *args: object, **kwargs: object) -> object:
                return getattr(self, target)(*args, **kwargs)

            renamed = plain
        functools.update_wrapper(renamed, method)
        renamed.__name__, renamed.__qualname__ = name, f"{owner.__qualname__}.{name}"
        renamed.__doc__ = _as_docstring(self.declaration.doc)
        renamed.__labelkit_declaration__ = self.declaration  # type: ignore[attr-defined]
        return renamed


def _as_docstring(doc: str) -> str | None:
    """``doc`` as the compiler stores a docstring (since Python 3.13 it strips the
    indentation), so that it equals the generated sync twin's, which is a real one."""
    namespace: dict[str, typing.Any] = {}
    exec(compile(f"def f():\n    {doc!r}\n", "<docstring>", "exec"), namespace)
    doc_: str | None = namespace["f"].__doc__
    return doc_


def alias(method: F, doc: str) -> F:
    """``method`` under the name it is assigned to in a class body, documented by ``doc``."""
    return typing.cast(F, _Alias(method, doc))
