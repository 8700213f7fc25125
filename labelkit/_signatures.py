"""Signatures that list the keywords of a ``**kwargs: Unpack[SomeTypedDict]`` one by one.

A method declares a recurring block of keywords once, as a TypedDict, and takes
``**kwargs: Unpack[TD]`` (PEP 692). Type checkers and IDEs read that directly;
:func:`expand_unpacked_kwargs` gives the method a ``__signature__`` in which the
TypedDict's keys are keyword-only parameters (default :data:`~labelkit._types.NOT_GIVEN`,
"not passed"), so ``help()`` and ``inspect.signature`` show each keyword by name.
A TypedDict registered with :func:`keyword_defaults` shows its own defaults instead
(a block of official keywords whose defaults are ``None``, ``True``...).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping

from ._types import NOT_GIVEN

__all__ = ["expand_signature", "expand_unpacked_kwargs", "keyword_defaults", "with_defaults"]

TD = typing.TypeVar("TD", bound=Mapping[str, object])

_UNPACK = ("Unpack[", "typing.Unpack[", "typing_extensions.Unpack[")

_DEFAULTS: dict[type, Mapping[str, object]] = {}


def keyword_defaults(td: type, defaults: Mapping[str, object]) -> None:
    """The defaults a signature shows for ``td``'s keywords (every key of ``td``).

    They win over :func:`expand_unpacked_kwargs`' ``defaults``: the method's body
    reads a keyword not passed as this default (:func:`with_defaults`).
    """
    missing = set(td.__annotations__) ^ set(defaults)
    if missing:
        raise TypeError(f"{td.__name__}: defaults do not match the keys {sorted(missing)}")
    _DEFAULTS[td] = dict(defaults)


def with_defaults(given: TD, td: type, where: str) -> TD:
    """``given`` (a method's ``**kwargs: Unpack[td]``) with ``td``'s :func:`keyword_defaults`
    for the keywords not passed; a keyword ``td`` does not have is a TypeError, as for
    a method that lists its keywords."""
    unknown = [name for name in given if name not in td.__annotations__]
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
    return typing.cast(TD, {**_DEFAULTS[td], **given})


def _typeddict(fn: typing.Callable[..., object], annotation: object) -> type | None:
    if not isinstance(annotation, str):
        args = typing.get_args(annotation)
        td = (typing.get_origin(args[0]) or args[0]) if args else None  # TD, or TD[T, U]
        return td if isinstance(td, type) else None
    prefix = next((p for p in _UNPACK if annotation.startswith(p)), None)
    if prefix is None or not annotation.endswith("]"):
        return None
    target: object = inspect.unwrap(fn).__globals__  # a checking wrapper has other globals
    name = annotation[len(prefix) : -1].partition("[")[0]  # a generic TD's name, not its arguments
    for part in name.split("."):
        target = target.get(part) if isinstance(target, dict) else getattr(target, part, None)
    return target if isinstance(target, type) and hasattr(target, "__optional_keys__") else None


def _text(hint: object) -> object:
    return hint.__forward_arg__ if isinstance(hint, typing.ForwardRef) else hint


def _var_keyword_annotation(fn: typing.Callable[..., object]) -> object:
    """The annotation of ``fn``'s ``**kwargs`` (None when it has none), read without
    building a signature: most methods have none, and this runs for every class."""
    declared = getattr(fn, "__signature__", None)
    if isinstance(declared, inspect.Signature):
        params = list(declared.parameters.values())
        last = params[-1] if params else None
        return last.annotation if last is not None and last.kind is last.VAR_KEYWORD else None
    inner = inspect.unwrap(fn)
    code = getattr(inner, "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARKEYWORDS:
        return None
    index = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS)
    return getattr(inner, "__annotations__", {}).get(code.co_varnames[index])


def expand_unpacked_kwargs(cls: type, defaults: Mapping[str, object] | None = None) -> None:
    """Set ``__signature__`` on each function of ``cls`` whose ``**kwargs`` is ``Unpack[TD]``.

    A keyword shows its default from the TypedDict's :func:`keyword_defaults`, else
    ``defaults``, else :data:`~labelkit._types.NOT_GIVEN`.
    """
    for fn in vars(cls).values():
        if inspect.isfunction(fn):
            expand_signature(fn, defaults)


def expand_signature(
    fn: typing.Callable[..., object], defaults: Mapping[str, object] | None = None
) -> None:
    """Set ``fn``'s ``__signature__`` as :func:`expand_unpacked_kwargs` does for a method;
    nothing when its ``**kwargs`` is not ``Unpack[TD]``."""
    annotation = _var_keyword_annotation(fn)
    td = None if annotation is None else _typeddict(fn, annotation)
    if td is None:
        return
    signature = inspect.signature(fn)
    own = _DEFAULTS.get(td, defaults or {})
    params = list(signature.parameters.values())
    keywords = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=own.get(name, NOT_GIVEN),
            annotation=_text(hint),
        )
        for name, hint in td.__annotations__.items()
    ]
    fn.__signature__ = signature.replace(parameters=[*params[:-1], *keywords])  # type: ignore[attr-defined]
