"""The per-type FastLabel task methods are declarations (``tasks/_per_kind.py``): they must
be real methods at run time and precisely typed for a type checker."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest

from labelkit._providers.fastlabel.tasks._declared import fill
from labelkit._providers.fastlabel.tasks._models import AudioTask, VideoTask
from labelkit.fastlabel import AsyncFastLabel, FastLabel
from tests._support._mypy import assert_mypy_strict_passes

SNIPPET = """
from labelkit import AsyncFastLabel, FastLabel
from labelkit.fastlabel import AudioTask, History, PcdTask, VideoTask


async def typed(client: AsyncFastLabel, sync: FastLabel) -> None:
    task: AudioTask = await client.find_audio_task("t")
    named: AudioTask | None = await client.find_audio_task_by_name("p", "n")
    page: list[VideoTask] = await client.get_video_tasks("p", tags=["a"], limit=5)
    new_id: str = await client.create_audio_task("p", "n", "a.mp3", assignee="u")
    history: History = await client.create_dicom_task("p", "a.zip")
    async for pcd in client.iter_pcd_tasks("p", status="registered"):
        one: PcdTask = pcd
    synced: AudioTask = sync.find_audio_task("t")
    wrong: VideoTask = await client.find_audio_task("t")  # type: ignore[assignment]
    await client.create_audio_task("p", "n", "a.mp3", assigne="u")  # type: ignore[call-arg]
    await client.get_audio_tasks("p", limit="5")  # type: ignore[arg-type]
"""


def test_fill_indents_multi_line_values_and_drops_empty_lines() -> None:
    template = "First {a}.\n\n    {b}\n    {c}\n    {{literal}}"
    assert fill(template, {"a": "x", "b": "one\n\ntwo", "c": ""}) == (
        "First x.\n\n    one\n\n    two\n    {literal}"
    )


def test_a_declared_method_is_a_plain_documented_function() -> None:
    method = inspect.getattr_static(AsyncFastLabel, "find_audio_task")
    assert inspect.iscoroutinefunction(method)
    assert method.__name__ == "find_audio_task"
    assert method.__qualname__ == "PerKindTasksMixin.find_audio_task"
    assert method.__doc__ == "Find a single audio task by id."
    assert typing.get_type_hints(method) == {"task_id": str, "return": AudioTask}
    hints = typing.get_type_hints(AsyncFastLabel.get_video_tasks)
    assert hints["return"] == list[VideoTask]
    limit = inspect.signature(AsyncFastLabel.get_video_tasks).parameters["limit"]
    assert limit.default == 10  # the kind's page size, not the shape's 100
    assert not inspect.iscoroutinefunction(AsyncFastLabel.iter_video_tasks)
    assert FastLabel.get_video_tasks.__doc__ == AsyncFastLabel.get_video_tasks.__doc__


@pytest.mark.slow
def test_call_sites_are_typed(tmp_path: Path) -> None:
    assert_mypy_strict_passes(SNIPPET, tmp_path)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("wait_training_job", "WaitJob"),
        ("wait_evaluation_job", "WaitJob"),
        ("update_task", "UpdateAnyTask"),
    ],
)
def test_methods_sharing_a_signature_are_declared_from_one_shape(name: str, shape: str) -> None:
    method = inspect.getattr_static(AsyncFastLabel, name)
    assert method.__labelkit_declaration__.shape.__qualname__ == f"{shape}.__call__"
    assert inspect.iscoroutinefunction(method)
    assert method.__qualname__.endswith(f".{name}")
    sync = getattr(FastLabel, name)
    assert inspect.signature(sync).parameters.keys() == inspect.signature(method).parameters.keys()
    assert sync.__doc__ == method.__doc__


def _declared_methods() -> list[tuple[str, typing.Callable[..., object]]]:
    return [
        (name, fn)
        for name, fn in vars(AsyncFastLabel).items()
        if hasattr(fn, "__labelkit_declaration__")
    ] + [
        (name, fn)
        for cls in AsyncFastLabel.__mro__[1:]
        for name, fn in vars(cls).items()
        if hasattr(fn, "__labelkit_declaration__")
    ]


def _reference(signature: inspect.Signature, args: tuple[object, ...], kwargs: dict[str, object]):
    """What the binder must return: Signature.bind + apply_defaults, self dropped, **kw inlined."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    del arguments[next(iter(signature.parameters))]
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            arguments.update(arguments.pop(param.name))
    return arguments


def test_the_compiled_binder_binds_as_signature_bind_for_every_declared_method() -> None:
    from labelkit._providers.fastlabel.tasks._declared import _binder

    methods = _declared_methods()
    assert len(methods) > 50
    for name, fn in methods:
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        bind = _binder(signature, f"AsyncFastLabel.{name}")
        required = [p for p in params[1:] if p.default is p.empty and p.kind <= p.KEYWORD_ONLY]
        positional = tuple(f"v-{p.name}" for p in required if p.kind is not p.KEYWORD_ONLY)
        keywords = {p.name: f"k-{p.name}" for p in required if p.kind is p.KEYWORD_ONLY}
        self = object()
        # Only what is required, then every parameter by keyword where it may be.
        calls = [((self, *positional), keywords)]
        by_name = {
            p.name: f"n-{p.name}"
            for p in params[1:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
        calls.append(((self,), by_name))
        for args, kwargs in calls:
            got = bind(*args, **kwargs)
            assert got == _reference(signature, args, kwargs), name
            assert list(got) == list(_reference(signature, args, kwargs)), name
        with pytest.raises(TypeError, match=name):
            bind(self, *positional, no_such_keyword=1)
