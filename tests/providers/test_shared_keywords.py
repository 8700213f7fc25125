"""Methods that declare an official keyword block once (``**kw: Unpack[TD]``) still list,
default and check each keyword as if it were written out, async and sync alike."""

from __future__ import annotations

import inspect

import pytest

import labelkit
from labelkit._providers.datawow._lookups import _ImageLookups
from labelkit._providers.datawow._models import Image
from labelkit._types import NOT_GIVEN
from labelkit.cloudsight import AsyncCloudSight, CloudSight
from labelkit.redflag import AsyncRedFlag, RedFlag
from labelkit.scale import AsyncScale, Scale

FILTERS = [
    "task_type",
    "status",
    "review_status",
    "unique_id",
    "completed_after",
    "completed_before",
    "updated_after",
    "updated_before",
    "created_after",
    "created_before",
    "tags",
]
IMAGE_OPTIONS = ["locale", "language", "device_id", "latitude", "longitude", "altitude", "ttl"]
IMAGE_OPTIONS += ["focus", "timeout", "max_retries"]


def _keywords(method: object) -> list[tuple[str, object]]:
    params = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    assert all(p.kind is not p.VAR_KEYWORD for p in params)
    return [(p.name, p.default) for p in params if p.kind is p.KEYWORD_ONLY]


def _sent_as_given(names: list[str], **defaults: object) -> list[tuple[str, object]]:
    return [(name, defaults.get(name)) for name in names]


@pytest.mark.parametrize("cls", [AsyncScale, Scale])
def test_scale_get_tasks_and_count_list_the_official_arguments(cls: type) -> None:
    # scaleapi 2.18.4 takes all of them positionally or by keyword, in this order;
    # get_tasks_count has get_tasks' filters and include_attachment_url, no page options.
    def arguments(method: object) -> list[tuple[str, object]]:
        params = list(inspect.signature(method).parameters.values())[1:]  # type: ignore[arg-type]
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
        return [(p.name, p.default) for p in params]

    filters = _sent_as_given(["project_name", "batch_name", *FILTERS, "include_attachment_url"])
    filters[-1] = ("include_attachment_url", True)
    assert arguments(cls.get_tasks) == [*filters, ("limited_response", None), ("limit", None)]
    assert arguments(cls.get_tasks_count) == filters


@pytest.mark.parametrize("cls", [AsyncCloudSight, CloudSight])
def test_cloudsight_submissions_list_the_official_keywords(cls: type) -> None:
    expected = _sent_as_given(IMAGE_OPTIONS, timeout=NOT_GIVEN, max_retries=NOT_GIVEN)
    assert _keywords(cls.image_request) == expected
    assert _keywords(cls.remote_image_request) == expected


@pytest.mark.anyio
async def test_an_unknown_keyword_is_a_type_error_before_any_request() -> None:
    async with AsyncScale("key", base_url="http://127.0.0.1:9/") as scale:
        with pytest.raises(TypeError, match="unexpected keyword argument 'review'"):
            scale.get_tasks("p", review="x")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="unexpected keyword argument 'limit'"):
            await scale.get_tasks_count("p", limit=3)  # type: ignore[call-arg]
    async with AsyncCloudSight("key", base_url="http://127.0.0.1:9/") as cloudsight:
        with pytest.raises(TypeError, match="unexpected keyword argument 'lang'"):
            await cloudsight.remote_image_request("https://x/y.jpg", lang="de")  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_a_declared_keyword_is_type_checked_like_a_written_one() -> None:
    async with AsyncScale("key", base_url="http://127.0.0.1:9/") as scale:
        with pytest.raises(labelkit.ValidationError, match="include_attachment_url"):
            scale.get_tasks("p", include_attachment_url="yes")  # type: ignore[arg-type]
        with pytest.raises(labelkit.ValidationError, match="created_after"):
            await scale.get_tasks_count("p", created_after=5)  # type: ignore[arg-type]
    async with AsyncCloudSight("key", base_url="http://127.0.0.1:9/") as cloudsight:
        with pytest.raises(labelkit.ValidationError, match="device_id"):
            await cloudsight.image_request(b"x", "a.jpg", device_id=5)  # type: ignore[arg-type]


def test_image_lookups_need_the_client_hook() -> None:
    assert _ImageLookups.__abstractmethods__ == frozenset({"_datawow"})

    class Lookups(_ImageLookups[Image]):
        pass

    with pytest.raises(TypeError, match="_datawow"):
        Lookups()  # type: ignore[abstract]


# The per-call keywords declared once (``**call: Unpack[CallOptions]``).

CALLS = [
    *[(cls, "image_response") for cls in (AsyncCloudSight, CloudSight)],
    *[(cls, "repost") for cls in (AsyncCloudSight, CloudSight)],
    *[(cls, name) for cls in (AsyncRedFlag, RedFlag) for name in ("get_operation", "upload_file")],
    *[(cls, "create_operation") for cls in (AsyncRedFlag, RedFlag)],
]


@pytest.mark.parametrize(("cls", "name"), CALLS, ids=[f"{c.__name__}.{n}" for c, n in CALLS])
def test_the_per_call_keywords_come_last_with_their_defaults(cls: type, name: str) -> None:
    expected = [("timeout", NOT_GIVEN), ("max_retries", NOT_GIVEN)]
    assert _keywords(getattr(cls, name))[-2:] == expected


@pytest.mark.anyio
async def test_a_per_call_keyword_is_named_checked_and_rejected_before_sending() -> None:
    async with AsyncRedFlag("token", base_url="http://127.0.0.1:9/") as client:
        with pytest.raises(TypeError, match="get_operation"):
            await client.get_operation(1, timeout_s=3)  # type: ignore[call-arg]
        with pytest.raises(labelkit.ValidationError, match="max_retries"):
            await client.get_operation(1, max_retries="3")  # type: ignore[arg-type]
