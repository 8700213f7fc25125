"""Wrong argument types are rejected, naming the parameter, before anything is sent.

The walk feeds every annotated parameter of every public method of every
client (async and sync, Datawow's product resources included) values its
annotation does not admit. What "admits" means is worked out here from the
annotations independently of labelkit's own checker.
"""

from __future__ import annotations

import collections.abc as cabc
import contextlib
import enum
import inspect
import io
import os
import pathlib
import types
import typing
from unittest import mock

import httpx
import pytest

import labelkit

NAMES = ["FastLabel", "Scale", "CloudSight", "Datawow", "RedFlag"]
SKIP = object()  # the annotation does not say enough to build or judge a value
WRONG_CANDIDATES: list[object] = ["x", {"k": "v"}, 7, 2.5, True, None, b"x"]
SEQUENCES = {cabc.Sequence, cabc.MutableSequence, list, tuple, cabc.Collection}
ITERABLES = {cabc.Iterable, cabc.Iterator, cabc.Set, set, frozenset}


class Counter:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # Not retried: a method that fails to reject its arguments fails fast.
        return httpx.Response(400, json={})


def make(client: str, counter: Counter) -> typing.Any:
    return getattr(labelkit, client)("key", max_retries=0, transport=httpx.MockTransport(counter))


def _unknown(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    return (
        annotation is typing.Any
        or annotation is object
        or isinstance(annotation, typing.TypeVar)
        or origin is cabc.Callable
        or annotation is cabc.Callable
        or getattr(annotation, "_is_protocol", False)
    )


def admits(annotation: object, value: object) -> object:
    """True/False, or SKIP when the annotation cannot judge ``value``."""
    if _unknown(annotation):
        return SKIP
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        verdicts = [admits(a, value) for a in args]
        if any(v is True for v in verdicts):
            return True
        return SKIP if any(v is SKIP for v in verdicts) else False
    if annotation is None or annotation is type(None):
        return value is None
    if origin is typing.Literal:
        return value in args and all(type(value) is type(a) for a in args if a == value)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin in SEQUENCES or origin in ITERABLES or annotation in SEQUENCES | ITERABLES:
        item = args[0] if args else typing.Any
        if isinstance(item, typing.TypeVar):
            return SKIP  # Iterable[ItemT] may legitimately be a string
        if not isinstance(value, (list, tuple)):
            return False
        verdicts = [admits(item, v) for v in value]
        return SKIP if SKIP in verdicts else all(verdicts)
    if origin is cabc.AsyncIterable:
        return hasattr(value, "__aiter__")
    if origin in (cabc.Mapping, cabc.MutableMapping, dict) or annotation in (cabc.Mapping, dict):
        return isinstance(value, dict)
    if origin is os.PathLike or annotation in (os.PathLike, pathlib.Path):
        return isinstance(value, os.PathLike)
    if annotation in (typing.IO, typing.BinaryIO):
        return isinstance(value, io.IOBase)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return SKIP


def sample(annotation: object) -> object:
    """A value ``annotation`` admits."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if _unknown(annotation):
        return (lambda *a, **k: None) if "Callable" in repr(annotation) else "x"
    if origin is typing.Union or origin is types.UnionType:
        for arg in args:
            if arg is not type(None) and arg is not labelkit.NotGiven:
                value = sample(arg)
                if value is not SKIP:
                    return value
        return None
    if origin is typing.Literal:
        return args[0]
    simple = {str: "x", int: 1, float: 1.0, bool: True}
    if annotation in simple:
        return simple[typing.cast("type", annotation)]
    if origin is tuple and args and args[-1] is not Ellipsis:
        return tuple(sample(a) for a in args)
    if origin in SEQUENCES or origin in ITERABLES:
        return [sample(args[0] if args else str)]
    if origin in (cabc.Mapping, cabc.MutableMapping, dict):
        return {"k": "v"}
    if origin is os.PathLike or annotation is pathlib.Path:
        return pathlib.Path("x")
    if annotation in (typing.IO, typing.BinaryIO):
        return io.BytesIO(b"x")
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return next(iter(annotation))
    if isinstance(annotation, type):
        return mock.Mock(spec=annotation)
    return SKIP


def public_methods(target: object) -> list[tuple[str, typing.Any]]:
    methods = []
    for name in dir(type(target)):
        if name.startswith("_"):
            continue
        if inspect.isfunction(inspect.getattr_static(type(target), name)):
            methods.append((name, getattr(target, name)))
    return methods


def targets(client: object) -> list[object]:
    """The client and its resources (``client.choice`` ...)."""
    resources = [
        value
        for name, value in vars(client).items()
        if not name.startswith("_") and public_methods(value)
    ]
    return [client, *resources]


def cases(
    method: typing.Any, failures: list[str], where: str
) -> typing.Iterator[tuple[str, list[object], dict[str, object]]]:
    """(parameter, args, kwargs) with exactly one argument of a wrong type."""
    try:
        hints = typing.get_type_hints(method)
    except NameError as exc:
        failures.append(f"{where}: the annotations do not resolve: {exc}")
        return
    params = [
        p
        for p in inspect.signature(method).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    required = {
        p.name: sample(hints.get(p.name, typing.Any)) for p in params if p.default is p.empty
    }
    for param in params:
        annotation = hints.get(param.name, typing.Any)
        for wrong in WRONG_CANDIDATES:
            if admits(annotation, wrong) is not False:
                continue
            values = {**required, param.name: wrong}
            args = [
                values.pop(p.name)
                for p in params
                if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty
            ]
            if param.default is not param.empty:
                values[param.name] = wrong
            yield param.name, args, values


def first_step(coroutine: typing.Any) -> None:
    """Run ``coroutine`` up to its first await: a wrong argument must be rejected by then.

    Not awaiting it further keeps a method that does not check (a regression)
    from sending, retrying or polling: it fails here instead.
    """
    try:
        coroutine.send(None)
    finally:
        with contextlib.suppress(BaseException):
            coroutine.close()


@pytest.mark.anyio
async def test_every_async_method_rejects_wrong_argument_types() -> None:
    counter = Counter()
    failures: list[str] = []
    checked = 0
    for name in NAMES:
        client = make("Async" + name, counter)
        async with client:
            for target in targets(client):
                for method_name, method in public_methods(target):
                    where = f"{type(target).__name__}.{method_name}"
                    for field, args, kwargs in cases(method, failures, where):
                        checked += 1
                        try:
                            result = method(*args, **kwargs)
                            if inspect.iscoroutine(result):
                                first_step(result)
                        except labelkit.ValidationError as exc:
                            if exc.field != field:
                                failures.append(f"{where}({field}): field {exc.field!r}: {exc}")
                        except Exception as exc:
                            failures.append(f"{where}({field}): {type(exc).__name__}: {exc}")
                        else:
                            failures.append(
                                f"{where}({field}): nothing raised ({type(result).__name__})"
                            )
    assert failures == [], "\n".join(failures)
    assert counter.requests == []
    # Hundreds of methods, thousands of wrong arguments: the walk did walk.
    assert checked > 3000


def test_every_sync_method_rejects_wrong_argument_types() -> None:
    counter = Counter()
    failures: list[str] = []
    checked = 0
    for name in NAMES:
        with make(name, counter) as client:
            for target in targets(client):
                for method_name, method in public_methods(target):
                    where = f"{type(target).__name__}.{method_name}"
                    for field, args, kwargs in cases(method, failures, where):
                        checked += 1
                        try:
                            result = method(*args, **kwargs)
                        except labelkit.ValidationError as exc:
                            if exc.field != field:
                                failures.append(f"{where}({field}): field {exc.field!r}: {exc}")
                        except Exception as exc:
                            failures.append(f"{where}({field}): {type(exc).__name__}: {exc}")
                        else:
                            failures.append(
                                f"{where}({field}): nothing raised ({type(result).__name__})"
                            )
    assert failures == [], "\n".join(failures)
    assert counter.requests == []
    assert checked > 3000


@pytest.mark.anyio
async def test_fastlabel_metadatas_as_a_string_is_not_sent() -> None:
    counter = Counter()
    async with make("AsyncFastLabel", counter) as client:
        with pytest.raises(labelkit.ValidationError) as info:
            await client.create_image_task("p", "a.jpg", "a.jpg", metadatas="x")  # type: ignore[arg-type]
    assert info.value.field == "metadatas"
    assert "expected a list of mappings or None, got str" in str(info.value)
    assert counter.requests == []


@pytest.mark.anyio
async def test_fastlabel_bulk_create_items_as_a_string_is_rejected_up_front() -> None:
    counter = Counter()
    async with make("AsyncFastLabel", counter) as client:
        with pytest.raises(labelkit.ValidationError) as info:
            client.bulk_create("image", "p", "a.jpg")  # type: ignore[arg-type]
        assert info.value.field == "items"
        assert str(info.value).endswith("got str")
        with pytest.raises(labelkit.ValidationError) as info:
            client.bulk_create("image", "p", ["a.jpg"])  # type: ignore[list-item]
        assert info.value.field == "items[0]"
    assert counter.requests == []


def test_sync_bulk_create_items_as_a_string_is_rejected_up_front() -> None:
    counter = Counter()
    with make("FastLabel", counter) as client:
        with pytest.raises(labelkit.ValidationError) as info:
            client.bulk_create("image", "p", "a.jpg")  # type: ignore[arg-type]
    assert info.value.field == "items"
    assert counter.requests == []


@pytest.mark.anyio
async def test_list_items_of_a_wrong_type_are_named_by_index() -> None:
    counter = Counter()
    async with make("AsyncFastLabel", counter) as client:
        with pytest.raises(labelkit.ValidationError) as info:
            await client.create_image_task("p", "a.jpg", "a.jpg", tags=["a", 1])  # type: ignore[list-item]
    assert info.value.field == "tags[1]"
    assert "expected str, got int" in str(info.value)
    assert counter.requests == []
