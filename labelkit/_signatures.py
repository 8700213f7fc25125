"""Signatures that list the keywords of a ``**kwargs: Unpack[SomeTypedDict]`` one by one.

A method declares a recurring block of keywords once, as a TypedDict, and takes
``**kwargs: Unpack[TD]`` (PEP 692). Type checkers and IDEs read that directly;
:func:`expand_unpacked_kwargs` gives the method a ``__signature__`` in which the
TypedDict's keys are keyword-only parameters (default :data:`~labelkit._types.NOT_GIVEN`,
"not passed"), so ``help()`` and ``inspect.signature`` show each keyword by name.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping

from ._types import NOT_GIVEN

__all__ = ["expand_unpacked_kwargs"]

_UNPACK = ("Unpack[", "typing.Unpack[", "typing_extensions.Unpack[")


def _typeddict(fn: typing.Callable[..., object], annotation: object) -> type | None:
    if not isinstance(annotation, str):
        args = typing.get_args(annotation)
        return args[0] if args and isinstance(args[0], type) else None
    prefix = next((p for p in _UNPACK if annotation.startswith(p)), None)
    if prefix is None or not annotation.endswith("]"):
        return None
    target: object = inspect.unwrap(fn).__globals__  # a checking wrapper has other globals
    for part in annotation[len(prefix) : -1].split("."):
        target = target.get(part) if isinstance(target, dict) else getattr(target, part, None)
    return target if isinstance(target, type) and hasattr(target, "__optional_keys__") else None


def _text(hint: object) -> object:
    return hint.__forward_arg__ if isinstance(hint, typing.ForwardRef) else hint


def expand_unpacked_kwargs(cls: type, defaults: Mapping[str, object] | None = None) -> None:
    """Set ``__signature__`` on each function of ``cls`` whose ``**kwargs`` is ``Unpack[TD]``.

    A keyword shows its default from ``defaults``, else :data:`~labelkit._types.NOT_GIVEN`.
    """
    defaults = defaults or {}
    for fn in vars(cls).values():
        if not inspect.isfunction(fn):
            continue
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        if not params or params[-1].kind is not inspect.Parameter.VAR_KEYWORD:
            continue
        td = _typeddict(fn, params[-1].annotation)
        if td is None:
            continue
        keywords = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=defaults.get(name, NOT_GIVEN),
                annotation=_text(hint),
            )
            for name, hint in td.__annotations__.items()
        ]
        fn.__signature__ = signature.replace(parameters=[*params[:-1], *keywords])  # type: ignore[attr-defined]
