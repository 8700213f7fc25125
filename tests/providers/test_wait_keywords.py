"""The keyword-only waits declare ``timeout``/``poll`` once (``**wait: Unpack[WaitOptions]``)
and still list, default and check them as if written out, async and sync alike."""

from __future__ import annotations

import inspect
import typing

import pytest
from typing_extensions import Unpack

import labelkit
from labelkit._poll import WaitOptions
from labelkit._types import NOT_GIVEN
from labelkit.cloudsight import AsyncCloudSight, CloudSight
from labelkit.fastlabel import AsyncFastLabel, FastLabel
from labelkit.redflag import AsyncRedFlag, RedFlag
from labelkit.scale import AsyncScale, Scale

BASE_URL = "http://127.0.0.1:9/"  # nothing listens: any request would fail differently

# (class, method, its positional parameters after self)
WAITS = [
    *[(cls, "wait_task", ["task_id"]) for cls in (AsyncScale, Scale)],
    *[(cls, "wait_operation", ["id"]) for cls in (AsyncRedFlag, RedFlag)],
    *[(cls, "wait_history", ["history_id"]) for cls in (AsyncFastLabel, FastLabel)],
    *[(cls, "wait_training_job", ["id"]) for cls in (AsyncFastLabel, FastLabel)],
    *[(cls, "wait_evaluation_job", ["id"]) for cls in (AsyncFastLabel, FastLabel)],
    *[
        (cls, "wait_auto_annotation_job", ["project", "job_id"])
        for cls in (AsyncFastLabel, FastLabel)
    ],
]


@pytest.mark.parametrize(
    ("cls", "name", "positional"), WAITS, ids=[f"{c.__name__}.{n}" for c, n, _ in WAITS]
)
def test_each_wait_lists_timeout_and_poll_from_the_one_declaration(
    cls: type, name: str, positional: list[str]
) -> None:
    method = getattr(cls, name)
    params = list(inspect.signature(method).parameters.values())[1:]
    assert [(p.name, p.kind) for p in params] == [
        *[(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in positional],
        ("timeout", inspect.Parameter.KEYWORD_ONLY),
        ("poll", inspect.Parameter.KEYWORD_ONLY),
    ]
    assert [p.default for p in params[-2:]] == [NOT_GIVEN, None]
    assert typing.get_type_hints(method)["wait"] == Unpack[WaitOptions]
    assert "timeout" in (method.__doc__ or "")


def _clients() -> tuple[AsyncScale, AsyncRedFlag, AsyncFastLabel]:
    return (
        AsyncScale("key", base_url=BASE_URL),
        AsyncRedFlag("key", base_url=BASE_URL),
        AsyncFastLabel("key", base_url=BASE_URL),
    )


@pytest.mark.anyio
async def test_an_unknown_wait_keyword_is_a_type_error_naming_the_method() -> None:
    scale, redflag, fastlabel = _clients()
    calls = {
        "wait_task": lambda **kw: scale.wait_task("t", **kw),
        "wait_operation": lambda **kw: redflag.wait_operation(1, **kw),
        "wait_history": lambda **kw: fastlabel.wait_history("h", **kw),
        "wait_training_job": lambda **kw: fastlabel.wait_training_job("j", **kw),
        "wait_evaluation_job": lambda **kw: fastlabel.wait_evaluation_job("j", **kw),
        "wait_auto_annotation_job": lambda **kw: fastlabel.wait_auto_annotation_job("p", "j", **kw),
    }
    for name, call in calls.items():
        with pytest.raises(
            TypeError, match=rf"{name}\(\) got an unexpected keyword argument 'poll_every'"
        ):
            await call(poll_every=3)
    for client in (scale, redflag, fastlabel):
        await client.aclose()


@pytest.mark.anyio
async def test_a_wait_keyword_of_the_wrong_type_is_rejected_before_any_request() -> None:
    scale, redflag, fastlabel = _clients()
    with pytest.raises(labelkit.ValidationError, match="timeout"):
        await scale.wait_task("t", timeout="soon")  # type: ignore[arg-type]
    with pytest.raises(labelkit.ValidationError, match="poll"):
        await redflag.wait_operation(1, poll=5)  # type: ignore[arg-type]
    with pytest.raises(labelkit.ValidationError, match="timeout"):
        await fastlabel.wait_training_job("j", timeout="soon")  # type: ignore[arg-type]
    with pytest.raises(labelkit.ValidationError, match="poll"):
        await fastlabel.wait_history("h", poll="fast")  # type: ignore[arg-type]
    for client in (scale, redflag, fastlabel):
        await client.aclose()


@pytest.mark.anyio
async def test_a_negative_timeout_reaches_the_poller_through_the_declared_keywords() -> None:
    scale, redflag, fastlabel = _clients()
    for wait in (
        scale.wait_task("t", timeout=-1),
        redflag.wait_operation(1, timeout=-1),
        fastlabel.wait_training_job("j", timeout=-1),
        fastlabel.wait_history("h", timeout=-1),
        fastlabel.wait_auto_annotation_job("p", "j", timeout=-1),
    ):
        with pytest.raises(labelkit.ValidationError, match="timeout"):
            await wait
    for client in (scale, redflag, fastlabel):
        await client.aclose()


# The waits for many jobs: ``concurrency`` (their own default) then the declared block.
MANY = [
    *[(cls, "wait_tasks", 64) for cls in (AsyncScale, Scale)],
    *[(cls, "wait_operations", 256) for cls in (AsyncRedFlag, RedFlag)],
    *[(cls, "wait_many", 1000) for cls in (AsyncCloudSight, CloudSight)],
]


@pytest.mark.parametrize(
    ("cls", "name", "concurrency"), MANY, ids=[f"{c.__name__}.{n}" for c, n, _ in MANY]
)
def test_each_wait_for_many_takes_concurrency_then_the_declared_block(
    cls: type, name: str, concurrency: int
) -> None:
    method = getattr(cls, name)
    params = list(inspect.signature(method).parameters.values())[2:]
    assert [(p.name, p.default) for p in params] == [
        ("concurrency", concurrency),
        ("timeout", NOT_GIVEN),
        ("poll", None),
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)


@pytest.mark.anyio
async def test_an_unknown_keyword_of_a_wait_for_many_is_a_type_error_naming_it() -> None:
    async with AsyncCloudSight("key", "secret", base_url=BASE_URL) as client:
        with pytest.raises(TypeError, match="wait_many"):
            client.wait_many(["t"], pol=None)  # type: ignore[call-arg]
