"""Lookups that resolve lost creates are exact and read every page.

The fake servers' filters match substrings (the provider docs do not promise
exact matching) and page their answers, so more than a page of near names
comes before the exact one, or there is no exact one at all. The lookup must
find the exact object wherever it is, say "absent" only after reading every
page, and never take a near match: either mistake sends a lost create again.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

import labelkit
from labelkit import OutcomeStatus, bulk
from labelkit.datawow import AsyncDatawow
from labelkit.fastlabel import AsyncFastLabel
from labelkit.scale import AsyncScale
from tests._support._fake_http import FakeServer
from tests._support._fake_services import DatawowFake, FastLabelFake, ScaleFake

pytestmark = pytest.mark.anyio

TOKEN = "test-token"


def _fastlabel(server: FakeServer) -> AsyncFastLabel:
    return AsyncFastLabel(TOKEN, base_url=server.url + "/v1/", rate_limit=None, max_retries=0)


# -- FastLabel: the taskName filter, 1,000 a page for images, 10 for videos -------------------


@pytest.mark.parametrize("exact_at", [1100, None])
async def test_fastlabel_image_lookup_reads_every_page(exact_at: int | None) -> None:
    fake = FastLabelFake(None)
    fake.tasks = [{"id": f"near-{i}", "name": f"img-1-x{i}"} for i in range(1200)]
    if exact_at is not None:
        fake.tasks.insert(exact_at, {"id": "exact", "name": "img-1"})
    with FakeServer(fake) as server:
        async with _fastlabel(server) as client:
            found = await client.find_task_by_name("image", "p", "img-1")
    assert (found.id if found is not None else None) == ("exact" if exact_at else None)
    assert fake.lists == 2  # 1,000 + the rest: every page read, then stop


@pytest.mark.parametrize("exact_at", [12, None])
async def test_fastlabel_video_lookup_reads_every_page_of_ten(exact_at: int | None) -> None:
    fake = FastLabelFake(None, path="/v1/tasks/video")
    fake.tasks = [{"id": f"near-{i}", "name": f"old{i}/clip-1.mp4"} for i in range(14)]
    fake.tasks.insert(exact_at or 0, {"id": "other", "name": "clip-1.mp4.bak"})
    if exact_at is not None:
        fake.tasks.insert(exact_at, {"id": "exact", "name": "clip-1.mp4"})
    with FakeServer(fake) as server:
        async with _fastlabel(server) as client:
            found = await client.find_task_by_name("video", "p", "clip-1.mp4")
    assert (found.id if found is not None else None) == ("exact" if exact_at else None)
    assert fake.lists == 2


@pytest.mark.parametrize("kind", ["html", "truncated"])
async def test_fastlabel_lost_create_behind_a_page_of_near_names_is_not_resent(
    kind: str, tmp_path: Path
) -> None:
    fake = FastLabelFake(kind)
    fake.tasks = [{"id": f"near-{i}", "name": f"old{i}/img-1.jpg"} for i in range(1200)]
    photo = tmp_path / "img-1.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with FakeServer(fake) as server:
        async with _fastlabel(server) as client:
            outcomes = await client.bulk_create(
                "image", "p", [{"name": "img-1.jpg", "file_path": photo}]
            ).collect()
    exact = [t for t in fake.tasks if t["name"] == "img-1.jpg"]
    assert fake.creates == 1 and len(exact) == 1  # found on page 2: never sent twice
    assert [(o.status, o.value) for o in outcomes] == [(OutcomeStatus.OK, exact[0]["id"])]


# -- Scale: GET /v1/tasks?unique_id=, paged by next_token ---------------------------------


@pytest.mark.parametrize("exact_at", [23, None])
async def test_scale_unique_id_lookup_is_exact_and_complete(exact_at: int | None) -> None:
    fake = ScaleFake(None, substring=True, page=10)

    def task(task_id: str, unique_id: str | None) -> dict[str, typing.Any]:
        return {"task_id": task_id, "unique_id": unique_id, "type": "imageannotation"}

    fake.tasks = [task(f"near-{i}", f"u-1-{i}") for i in range(25)]
    fake.tasks.insert(0, task("no-unique-id", None))  # never taken for a match
    if exact_at is not None:
        fake.tasks.insert(exact_at, task("exact", "u-1"))
    with FakeServer(fake) as server:
        async with AsyncScale(TOKEN, base_url=server.url, rate_limit=None) as client:
            found = await client.find_task_by_unique_id("u-1", project="p")
    assert (found.task_id if found is not None else None) == ("exact" if exact_at else None)
    assert fake.lists == 3


async def test_scale_lost_keyed_create_found_behind_near_matches() -> None:
    fake = ScaleFake("html", substring=True, page=10)
    fake.tasks = [
        {"task_id": f"near-{i}", "unique_id": f"u-1-{i}", "type": "imageannotation"}
        for i in range(25)
    ]
    with FakeServer(fake) as server:
        async with AsyncScale(TOKEN, base_url=server.url, rate_limit=None) as client:
            created = await client.create_task("imageannotation", unique_id="u-1", project="p")
    assert fake.creates == 1
    assert created.task_id == next(t["task_id"] for t in fake.tasks if t["unique_id"] == "u-1")


# -- Datawow: GET projects/images/{custom_id} -----------------------------------------------


async def test_datawow_near_custom_id_is_not_an_answer(tmp_path: Path) -> None:
    fake = DatawowFake(None, substring=True)
    with FakeServer(fake) as server:
        async with AsyncDatawow(TOKEN, base_url=server.url + "/api", rate_limit=None) as client:
            await client.choice.create(
                "https://example.com/10.jpg", instruction="?", categories="a b", custom_id="c-10"
            )
            with pytest.raises(labelkit.ResponseValidationError, match="custom_id 'c-1'"):
                await client.choice.find_id(custom_id="c-1")

            # A lost create whose lookup only finds a near match stays ambiguous and
            # is not sent again, now or by a re-run of the journaled job.
            fake.answer = "html"

            async def create(url: str) -> typing.Any:
                return await client.choice.create(
                    url, instruction="?", categories="a b", custom_id="c-1"
                )

            async def find(url: str) -> typing.Any:
                try:
                    return await client.choice.find_id(custom_id="c-1")
                except labelkit.NotFoundError:
                    return None

            journal = tmp_path / "job.journal"
            urls = ["https://example.com/1.jpg"]
            first = await bulk(create, urls, journal=journal, resolve=find).collect()
            again = await bulk(create, urls, journal=journal, resolve=find).collect()
    assert [o.status for o in first] == [OutcomeStatus.AMBIGUOUS]
    assert [o.status for o in again] == [OutcomeStatus.AMBIGUOUS]
    assert fake.creates == 2  # the near one, and the lost one exactly once
