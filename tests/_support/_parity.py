"""``assert_sync_parity``: a generated sync class mirrors its async class.

Reused for every provider::

    assert_sync_parity(AsyncRedFlag, RedFlag)
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import typing
from collections.abc import Mapping
from typing import Any

__all__ = ["assert_sync_parity"]

# Handled by SyncClient: aclose -> close, async with -> with.
_ASYNC_ONLY = {"aclose"}
_SYNC_ONLY = {"close"}


def _text(annotation: object) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    return ast.unparse(ast.parse(text, mode="eval"))


def _head(text: str) -> str:
    return text.split("[", 1)[0].rsplit(".", 1)[-1]


def _public(cls: type) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):  # annotated attributes (resources such as client.images)
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_") and _head(_text(annotation)) not in ("ClassVar", "Final"):
                found[name] = _Attribute(_text(annotation))
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, staticmethod | classmethod):
            attr = attr.__func__
        if inspect.isfunction(attr) or isinstance(attr, property | functools.cached_property):
            found[name] = attr
    return found


class _Attribute(str):
    """An annotated attribute of an async class (its annotation)."""


def _parameters(fn: Any, types: Mapping[str, str]) -> list[tuple[str, object, object, str]]:
    params = list(inspect.signature(fn).parameters.values())
    # The annotation of self/cls is not copied (it may be a TypeVar of the async class).
    return [
        (
            p.name,
            p.kind,
            p.default,
            "" if i == 0 and p.name in ("self", "cls") else _substitute(_text(p.annotation), types),
        )
        for i, p in enumerate(params)
    ]


def _return_matches(
    async_fn: Any, async_ret: str, sync_ret: str, renames: Mapping[str, str]
) -> bool:
    if sync_ret in (async_ret, renames.get(async_ret, async_ret.removeprefix("Async"))):
        return True
    if _head(async_ret) == "Self" and sync_ret in renames.values():
        return True
    if _head(async_ret) in ("Awaitable", "Coroutine"):
        inner = async_ret[async_ret.index("[") + 1 : -1]
        return sync_ret in (inner, inner.rsplit(", ", 1)[-1])
    # Async generators and async iterables (bulk runs) become sync iterators.
    iterates = inspect.isasyncgenfunction(async_fn) or _head(async_ret) != "Iterator"
    return iterates and _head(sync_ret) == "Iterator"


def _static(cls: type, name: str) -> Any:
    return inspect.getattr_static(cls, name)


def _type_arguments(cls: type) -> dict[str, str]:
    """Type parameters of generic bases -> the arguments subclasses give them."""
    found: dict[str, str] = {}
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            params = getattr(typing.get_origin(base), "__parameters__", ())
            for param, arg in zip(params, typing.get_args(base), strict=False):
                found.setdefault(param.__name__, getattr(arg, "__name__", str(arg)))
    return found


def _substitute(text: str, types: Mapping[str, str]) -> str:
    return re.sub(r"\b\w+\b", lambda m: types.get(m.group(), m.group()), text) if text else text


def assert_sync_parity(
    async_cls: type, sync_cls: type, *, renames: Mapping[str, str] | None = None
) -> None:
    """Every public method and property of ``async_cls`` exists on ``sync_cls``
    with the same parameters (names, kinds, defaults, annotations) and docstring,
    and a matching return annotation. ``renames`` maps other async class names
    to their sync twins when that is not just dropping the ``Async`` prefix."""
    names = {async_cls.__name__: sync_cls.__name__, **(renames or {})}
    types = _type_arguments(async_cls)
    async_members, sync_members = _public(async_cls), _public(sync_cls)
    missing = set(async_members) - set(sync_members) - _ASYNC_ONLY
    extra = set(sync_members) - set(async_members) - _SYNC_ONLY
    assert not missing, f"{sync_cls.__name__} lacks {sorted(missing)}"
    assert not extra, f"{sync_cls.__name__} has extra {sorted(extra)}"
    # A sync resource (no close) is built by its client, not by users.
    pairs = (
        [("__init__", _static(async_cls, "__init__"), _static(sync_cls, "__init__"))]
        if _SYNC_ONLY <= set(sync_members)
        else []
    )
    pairs += [(n, async_members[n], sync_members[n]) for n in async_members if n not in _ASYNC_ONLY]
    for name, a, s in pairs:
        where = f"{sync_cls.__name__}.{name}"
        if isinstance(a, _Attribute):
            assert isinstance(s, property | functools.cached_property), f"{where}: not a property"
            s_get: Any = s.fget if isinstance(s, property) else s.func
            s_ret = _text(inspect.signature(s_get).return_annotation)
            twin = names.get(a, a.removeprefix("Async"))
            assert s_ret in (a, twin), f"{where}: {s_ret} for an attribute of type {a}"
            continue
        if isinstance(a, property | functools.cached_property):
            assert isinstance(s, property), f"{where} is not a property"
            a_get: Any = a.fget if isinstance(a, property) else a.func
            assert s.__doc__ == a.__doc__, f"{where}: docstring differs"
            a_ret = _text(inspect.signature(a_get).return_annotation)
            s_fget: Any = s.fget
            assert _text(inspect.signature(s_fget).return_annotation) == a_ret, where
            continue
        if name != "__init__":
            assert s.__doc__ == a.__doc__, f"{where}: docstring differs"
            assert isinstance(
                inspect.getattr_static(sync_cls, name),
                type(inspect.getattr_static(async_cls, name)),
            ), f"{where}: static/class method kind differs"
        assert _parameters(s, {}) == _parameters(a, types), f"{where}: parameters differ"
        a_ret = _substitute(_text(inspect.signature(a).return_annotation), types)
        s_ret = _text(inspect.signature(s).return_annotation)
        assert name == "__init__" or _return_matches(a, a_ret, s_ret, names), (
            f"{where}: returns {s_ret}, async returns {a_ret}"
        )
