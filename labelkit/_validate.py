"""Argument types of public client methods, checked against their annotations.

A wrong type (``metadatas="x"`` for a list, a dict for a string) is rejected
with a :class:`~labelkit.ValidationError` naming the parameter before anything
is sent, instead of being serialised as is or failing deep inside a request.

:class:`ArgumentChecked` wraps every public method a subclass defines. The
checks are built from the method's resolved annotations on its first call and
cached, so a call costs one dictionary look-up and an ``isinstance`` per
argument passed. Only what the annotation states plainly is checked: ``str``,
``int`` (not ``bool``), ``float``, ``bool``, ``None``, ``Literal``, unions,
sequences and iterables (never a ``str``, ``bytes`` or mapping), mappings,
paths, binary files and classes such as enums and attrs models. An
annotation it does not understand (``Any``, a callable, a type variable, a
protocol) leaves the argument unchecked rather than guessing.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import functools
import inspect
import itertools
import os
import pathlib
import types
import typing

from ._errors import ValidationError
from ._signatures import expand_unpacked_kwargs

__all__ = ["ArgumentChecked", "argument_checks"]

# A check raises ValidationError for a wrong value; ``field`` names the argument.
Check = typing.Callable[[object, str], None]
_Checks = tuple[tuple[typing.Optional[Check], ...], tuple[str, ...], dict[str, Check]]

_TEXT = (str, bytes, bytearray, memoryview)
_NONE_TYPE = type(None)
_SEQUENCES = frozenset({cabc.Sequence, cabc.MutableSequence, list, tuple, cabc.Collection})
_ITERABLES = frozenset({cabc.Iterable, cabc.Iterator, cabc.Set, set, frozenset, cabc.AsyncIterable})
_MAPPINGS = frozenset({cabc.Mapping, cabc.MutableMapping, dict})
_FILES = frozenset({typing.IO, typing.BinaryIO})


class _Spec(typing.NamedTuple):
    """One checkable annotation: a predicate and how to describe what it wants."""

    accepts: typing.Callable[[object], bool]
    wanted: str
    # For containers, the check of each item (reports the index of a bad item).
    items: Check | None = None
    # When set, ``accepts`` is exactly: an instance of ``simple`` (not a bool unless
    # ``bools``). Unions merge these into one ``isinstance`` call.
    simple: tuple[type, ...] = ()
    bools: bool = True
    # ``X | <simple classes>`` (e.g. ``Sequence[str] | None``): the one non-simple
    # member, checked directly once the cheap ``isinstance`` on the others fails.
    # Stored with the simple members' classes and whether they take a bool.
    other: tuple[_Spec, tuple[type, ...], bool] | None = None


def _simple(classes: tuple[type, ...], wanted: str, bools: bool = True) -> _Spec:
    if bools:
        return _Spec(lambda v: isinstance(v, classes), wanted, None, classes, bools)
    return _Spec(
        lambda v: v.__class__ is not bool and isinstance(v, classes), wanted, None, classes, bools
    )


def _name(value: object) -> str:
    return type(value).__name__


def _spec(annotation: object) -> _Spec | None:
    """The check of ``annotation``, or ``None`` when it cannot be judged."""
    if annotation is typing.Any or annotation is object:
        return None
    if annotation is None or annotation is _NONE_TYPE:
        return _simple((_NONE_TYPE,), "None")
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _union(args)
    if origin is typing.Literal:
        allowed = tuple(args)
        return _Spec(
            lambda v: any(isinstance(v, type(a)) and v == a for a in allowed),
            "one of " + ", ".join(repr(a) for a in allowed),
        )
    if origin in _SEQUENCES or origin in _ITERABLES:
        return _container(origin, args)
    if origin in _MAPPINGS or annotation in _MAPPINGS:
        return _simple((dict, cabc.Mapping), "a mapping")
    if origin is os.PathLike or annotation in (os.PathLike, pathlib.Path, pathlib.PurePath):
        return _simple((pathlib.PurePath, os.PathLike), "a path")
    if annotation in _FILES or origin in _FILES:
        return _Spec(lambda v: callable(getattr(v, "read", None)), "a binary file")
    if annotation in _SEQUENCES or annotation in _ITERABLES:
        return _container(typing.cast("type", annotation), ())
    if annotation is int:
        return _simple((int,), "int", bools=False)
    if annotation is float:
        return _simple((int, float), "float", bools=False)
    if annotation in (str, bool):
        return _simple((typing.cast("type", annotation),), typing.cast("type", annotation).__name__)
    if isinstance(annotation, type) and origin is None:
        if getattr(annotation, "_is_protocol", False) or annotation.__module__ == "typing":
            return None
        plain = issubclass(annotation, (enum.Enum, bytes))
        return _simple((annotation,), annotation.__name__ if plain else f"a {annotation.__name__}")
    return None


def _union(args: tuple[object, ...]) -> _Spec | None:
    members = [_spec(arg) for arg in args]
    if any(member is None for member in members):
        return None
    known = typing.cast("list[_Spec]", members)
    # NOT_GIVEN is how a default is spelled, not something to ask the caller for.
    wanted = " or ".join(m.wanted for m in known if m.wanted != "NotGiven")
    classes = tuple(c for m in known for c in m.simple)
    # A bool passes the merged isinstance only if one of the simple members takes it.
    bools = any(m.simple and m.accepts(True) for m in known)
    others = [m for m in known if not m.simple]
    containers = [m for m in others if m.items is not None]
    if not others:
        return _simple(classes, wanted, bools)
    if len(others) == 1:
        # The common ``Sequence[X] | None``: no need to find which member fits.
        other = others[0]
        other_accepts, other_items = other.accepts, other.items

        def accepts_one(value: object) -> bool:
            if isinstance(value, classes) and (bools or value.__class__ is not bool):
                return True
            return other_accepts(value)

        def items_one(value: object, field: str) -> None:
            if not isinstance(value, classes) or (not bools and value.__class__ is bool):
                typing.cast("Check", other_items)(value, field)

        one = items_one if other_items is not None else None
        return _Spec(accepts_one, wanted, one, other=(other, classes, bools))

    def accepts(value: object) -> bool:
        if isinstance(value, classes) and (bools or value.__class__ is not bool):
            return True
        return any(m.accepts(value) for m in others)

    def items(value: object, field: str) -> None:
        if isinstance(value, classes) and (bools or value.__class__ is not bool):
            return
        fitting = [m for m in others if m.accepts(value)]
        if any(m.items is None or _items_ok(m, value) for m in fitting):
            return
        if len(fitting) == 1:
            # One kind of list fits: name its first bad item.
            typing.cast("Check", fitting[0].items)(value, field)
        kinds = " and ".join(sorted({_name(item) for item in typing.cast("list[object]", value)}))
        raise ValidationError(field, f"expected {wanted}, got a list of {kinds}")

    return _Spec(accepts, wanted, items if containers else None)


def _container(origin: type, args: tuple[object, ...]) -> _Spec | None:
    is_async = origin is cabc.AsyncIterable
    # tuple[X, ...] and Sequence[X] check every item; tuple[X, Y] its length too.
    fixed = origin is tuple and bool(args) and args[-1] is not Ellipsis
    item_types = [a for a in args if a is not Ellipsis] or [typing.Any]
    if any(isinstance(t, typing.TypeVar) for t in item_types):
        # Iterable[ItemT] (e.g. bulk's items) may legitimately be a string.
        return None
    item_specs = [_spec(t) for t in item_types]
    kind = "an async iterable" if is_async else "a list"
    noun = kind if item_specs[0] is None else f"{kind} of {_plural(item_specs[0].wanted)}"
    if fixed:
        noun = f"a sequence of {len(args)}"
    sequence = origin in _SEQUENCES

    def accepts(value: object) -> bool:
        if is_async:
            return hasattr(value, "__aiter__")
        if value.__class__ is list or value.__class__ is tuple:
            return not fixed or len(typing.cast("tuple[object, ...]", value)) == len(args)
        if isinstance(value, _TEXT) or isinstance(value, cabc.Mapping):
            return False
        if sequence:
            return isinstance(value, cabc.Sequence) and (not fixed or len(value) == len(args))
        return isinstance(value, cabc.Iterable)

    first = item_specs[0]
    if not fixed and first is not None and first.simple:
        classes, bools, wanted = first.simple, first.bools, first.wanted

        def simple_items(value: object, field: str) -> None:
            # Only in-memory sequences are looked into: an iterator would be consumed.
            if not isinstance(value, (list, tuple)):
                return
            for index, item in enumerate(value):
                if not isinstance(item, classes) or (not bools and item.__class__ is bool):
                    raise ValidationError(
                        f"{field}[{index}]", f"expected {wanted}, got {_name(item)}"
                    )

        return _Spec(accepts, noun, simple_items if not is_async else None)

    def items(value: object, field: str) -> None:
        if not isinstance(value, (list, tuple)):
            return
        specs = item_specs if fixed else itertools.repeat(item_specs[0])
        for index, (item, spec) in enumerate(zip(value, specs, strict=False)):
            if spec is None:
                continue
            if not spec.accepts(item):
                raise ValidationError(
                    f"{field}[{index}]", f"expected {spec.wanted}, got {_name(item)}"
                )
            if spec.items is not None:
                spec.items(item, f"{field}[{index}]")

    has_items = not is_async and any(s is not None for s in item_specs)
    return _Spec(accepts, noun, items if has_items else None)


def _plural(wanted: str) -> str:
    """``a mapping`` -> ``mappings``, ``str or None`` -> ``(str or None)``."""
    if " or " in wanted:
        return f"({wanted})"
    for article in ("a ", "an "):
        if wanted.startswith(article):
            wanted = wanted[len(article) :]
            return wanted if " of " in wanted else wanted + "s"
    return wanted


def _items_ok(spec: _Spec, value: object) -> bool:
    if spec.items is None:
        return True
    try:
        spec.items(value, "")
    except ValidationError:
        return False
    return True


def _check(spec: _Spec) -> Check:
    accepts, wanted, items = spec.accepts, spec.wanted, spec.items
    if spec.other is not None:
        other, classes, bools = spec.other
        other_accepts, other_items = other.accepts, other.items

        def check_other(value: object, field: str) -> None:
            if isinstance(value, classes) and (bools or value.__class__ is not bool):
                return
            if not other_accepts(value):
                raise ValidationError(field, f"expected {wanted}, got {_name(value)}")
            if other_items is not None:
                other_items(value, field)

        return check_other

    if items is None:

        def check(value: object, field: str) -> None:
            if not accepts(value):
                raise ValidationError(field, f"expected {wanted}, got {_name(value)}")

        return check

    def check_items(value: object, field: str) -> None:
        if not accepts(value):
            raise ValidationError(field, f"expected {wanted}, got {_name(value)}")
        items(value, field)

    return check_items


def _unpacked_checks(hint: object) -> dict[str, Check]:
    """The checks of the keywords of a ``**kwargs: Unpack[TD]`` (none for other ``**kwargs``)."""
    args = typing.get_args(hint)
    td = args[0] if len(args) == 1 and hasattr(args[0], "__optional_keys__") else None
    if td is None:
        return {}
    specs = {name: _spec(key_hint) for name, key_hint in typing.get_type_hints(td).items()}
    checks = {name: _check(spec) for name, spec in specs.items() if spec is not None}
    return {name: check for name, check in checks.items() if check is not None}


def argument_checks(fn: typing.Callable[..., object]) -> _Checks:
    """The checks of ``fn``'s parameters: by position (after ``self``) and by name.

    Raises ``NameError`` when an annotation does not resolve.
    """
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())[1:]
    by_name: dict[str, Check] = {}
    positional: list[Check | None] = []
    names: list[str] = []
    for param in params:
        spec = _spec(hints[param.name]) if param.name in hints else None
        check = _check(spec) if spec is not None else None
        if check is not None and param.kind is not param.VAR_KEYWORD:
            by_name[param.name] = check
        if param.kind is param.VAR_KEYWORD and param.name in hints:
            by_name.update(_unpacked_checks(hints[param.name]))
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional.append(check)
            names.append(param.name)
    return tuple(positional), tuple(names), by_name


def _checked(fn: typing.Callable[..., typing.Any]) -> typing.Callable[..., typing.Any]:
    checks: _Checks | None = None

    def check_arguments(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
        nonlocal checks
        if checks is None:
            try:
                checks = argument_checks(fn)
            except NameError:
                # An annotation that does not resolve is a bug of ours (the test of
                # every method catches it); the call itself should still work.
                checks = ((), (), {})
        positional, names, by_name = checks
        if args:
            for check, name, value in zip(positional, names, args, strict=False):
                if check is not None:
                    check(value, name)
        for name, value in kwargs.items():
            check = by_name.get(name)
            if check is not None:
                check(value, name)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def checked_coroutine(self: object, *args: object, **kwargs: object) -> object:
            check_arguments(args, kwargs)
            return await fn(self, *args, **kwargs)

        wrapper: typing.Callable[..., typing.Any] = checked_coroutine
    else:

        @functools.wraps(fn)
        def checked(self: object, *args: object, **kwargs: object) -> object:
            check_arguments(args, kwargs)
            return fn(self, *args, **kwargs)

        wrapper = checked
    wrapper.__labelkit_checked__ = True  # type: ignore[attr-defined]
    return wrapper


class ArgumentChecked:
    """Base of the async clients and resources: their public methods check their
    arguments' types when called, and a method taking ``**kwargs: Unpack[TD]`` lists
    ``TD``'s keywords in its signature (:func:`~labelkit._signatures.expand_unpacked_kwargs`).
    """

    def __init_subclass__(cls, **kwargs: typing.Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if getattr(value, "__labelkit_checked__", False):
                continue
            setattr(cls, name, _checked(value))
        # After wrapping: the signature goes on the function the class holds.
        expand_unpacked_kwargs(cls, defaults=cls._option_defaults())

    @classmethod
    def _option_defaults(cls) -> cabc.Mapping[str, object] | None:
        """The defaults a signature shows for the keywords of a TypedDict that has no
        :func:`~labelkit._signatures.keyword_defaults` (none: ``NOT_GIVEN``)."""
        return None
