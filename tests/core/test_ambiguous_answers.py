"""A create answered 2xx with a body that cannot be read is ambiguous, never failed.

Against a small independent HTTP server on 127.0.0.1 (not the emulators) that
commits every create and then answers 200 with an HTML page from a "proxy" or
a truncated JSON body. Where the provider has a lookup (FastLabel by task
name, Scale by unique_id, Datawow by custom_id) the outcome is ``ok`` with the
id of the one object the server holds, and re-running the same journaled job
creates nothing; where it has none (CloudSight, RedFlag) the outcome is
``ambiguous`` and nothing is sent twice.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

import labelkit
from labelkit import Journal, OutcomeStatus, bulk
from labelkit._cli import main
from labelkit.cloudsight import AsyncCloudSight
from labelkit.datawow import AsyncDatawow
from labelkit.fastlabel import AsyncFastLabel
from labelkit.redflag import AsyncRedFlag
from labelkit.scale import AsyncScale
from tests._support._fake_http import Answer, FakeServer, Request, unreadable
from tests._support._fake_services import CountingFake, DatawowFake, FastLabelFake, ScaleFake

pytestmark = pytest.mark.anyio

KINDS = ["html", "truncated"]
TOKEN = "test-token"


def _assert_lost_answer(error: BaseException | None) -> None:
    assert isinstance(error, labelkit.AmbiguousResultError)
    assert isinstance(error.error, labelkit.ResponseValidationError)
    assert error.__cause__ is error.error


# -- the core: which requests an unreadable 2xx makes ambiguous -----------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_fastlabel_create_with_unreadable_answer_is_ambiguous(
    kind: str, tmp_path: Path
) -> None:
    fake = FastLabelFake(kind)
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with FakeServer(fake) as server:
        async with AsyncFastLabel(
            TOKEN, base_url=server.url + "/v1/", rate_limit=None, max_retries=0
        ) as client:
            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.create_image_task("p", "a.jpg", photo)
    _assert_lost_answer(info.value)
    assert fake.creates == 1


async def test_unreadable_answer_to_a_read_stays_a_validation_error() -> None:
    def handle(request: Request) -> Answer:
        return unreadable("html", b"")

    with FakeServer(handle) as server:
        async with AsyncFastLabel(TOKEN, base_url=server.url + "/v1/", rate_limit=None) as client:
            with pytest.raises(labelkit.ResponseValidationError):
                await client.find_image_task("t1")


# -- (a) providers with a lookup: ok with the right id, one object, a re-run sends nothing --


@pytest.mark.parametrize("kind", KINDS)
async def test_fastlabel_bulk_create_resolves_unreadable_answers(kind: str, tmp_path: Path) -> None:
    fake = FastLabelFake(kind)
    items = []
    for i in range(3):
        photo = tmp_path / f"img-{i}.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 jpeg %d" % i)
        items.append({"name": photo.name, "file_path": photo})
    journal = tmp_path / "job.journal"
    with FakeServer(fake) as server:
        async with AsyncFastLabel(
            TOKEN, base_url=server.url + "/v1/", rate_limit=None, max_retries=0
        ) as client:
            first = await client.bulk_create("image", "p", items, journal=journal).collect()
            again = await client.bulk_create("image", "p", items, journal=journal).collect()
    ids = {t["name"]: t["id"] for t in fake.tasks}
    assert fake.creates == 3 and len(fake.tasks) == 3  # one task per item, none twice
    assert [o.status for o in first] == [OutcomeStatus.OK] * 3
    assert [o.value for o in first] == [ids[f"img-{i}.jpg"] for i in range(3)]
    assert [o.status for o in again] == [OutcomeStatus.OK] * 3
    assert all(o.resumed for o in again)


@pytest.mark.parametrize("kind", KINDS)
async def test_scale_create_with_unique_id_resolves_unreadable_answers(
    kind: str, tmp_path: Path
) -> None:
    fake = ScaleFake(kind)
    items = [{"unique_id": f"u-{i}", "project": "p", "attachment": f"a{i}"} for i in range(3)]
    journal = tmp_path / "job.journal"
    with FakeServer(fake) as server:
        async with AsyncScale(TOKEN, base_url=server.url, rate_limit=None) as client:
            single = await client.create_task("imageannotation", **items[0])

            def run() -> labelkit.BulkRun[dict[str, typing.Any], typing.Any]:
                return bulk(
                    lambda item: client.create_task("imageannotation", **item),
                    items[1:],
                    journal=journal,
                    key=lambda item: str(item["unique_id"]),
                    resolve=lambda item: client.find_task_by_unique_id(
                        item["unique_id"], project="p"
                    ),
                    remote_id=lambda task: task.task_id,
                )

            first = await run().collect()
            again = await run().collect()
    by_uid = {t["unique_id"]: t["task_id"] for t in fake.tasks}
    assert single.task_id == by_uid["u-0"]
    assert fake.creates == 3 and len(fake.tasks) == 3
    assert [(o.status, o.remote_id) for o in first] == [
        (OutcomeStatus.OK, by_uid["u-1"]),
        (OutcomeStatus.OK, by_uid["u-2"]),
    ]
    assert [(o.status, o.resumed) for o in again] == [(OutcomeStatus.OK, True)] * 2


@pytest.mark.parametrize("kind", KINDS)
async def test_scale_create_without_unique_id_is_ambiguous_and_not_resent(kind: str) -> None:
    fake = ScaleFake(kind)
    with FakeServer(fake) as server:
        async with AsyncScale(TOKEN, base_url=server.url, rate_limit=None) as client:
            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.create_task("imageannotation", project="p")
    _assert_lost_answer(info.value)
    assert fake.creates == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_datawow_create_with_custom_id_resolves_unreadable_answers(
    kind: str, tmp_path: Path
) -> None:
    fake = DatawowFake(kind)
    urls = [f"https://example.com/{i}.jpg" for i in range(3)]
    journal = tmp_path / "job.journal"
    with FakeServer(fake) as server:
        async with AsyncDatawow(TOKEN, base_url=server.url + "/api", rate_limit=None) as client:

            async def create(url: str) -> typing.Any:
                return await client.choice.create(
                    url, instruction="Which?", categories=["cat", "dog"], custom_id="c-" + url
                )

            async def find(url: str) -> typing.Any:
                try:
                    return await client.choice.find_id(custom_id="c-" + url)
                except labelkit.NotFoundError:
                    return None

            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.choice.create(
                    "https://example.com/x.jpg", instruction="?", categories="a b"
                )
            first = await bulk(create, urls, journal=journal, resolve=find).collect()
            again = await bulk(create, urls, journal=journal, resolve=find).collect()
    _assert_lost_answer(info.value)
    by_custom_id = {i["custom_id"]: i["id"] for i in fake.images}
    assert fake.creates == 4 and len(fake.images) == 4
    assert [(o.status, o.remote_id) for o in first] == [
        (OutcomeStatus.OK, by_custom_id["c-" + url]) for url in urls
    ]
    assert [(o.status, o.resumed) for o in again] == [(OutcomeStatus.OK, True)] * 3


@pytest.mark.parametrize("kind", KINDS)
def test_datawow_cli_upload_resolves_and_a_rerun_sends_nothing(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = DatawowFake(kind)
    source = tmp_path / "urls.txt"
    source.write_text("".join(f"https://example.com/{i}.jpg\n" for i in range(3)))
    with FakeServer(fake) as server:
        args = ["upload", "datawow", "--product", "choice", "--instruction", "Which?"]
        args += ["--categories", "cat dog", str(source), "--journal", str(tmp_path / "j")]
        args += ["--base-url", server.url + "/api", "--token", TOKEN]
        first = main([*args, "--output", str(tmp_path / "1.jsonl")])
        again = main([*args, "--output", str(tmp_path / "2.jsonl")])
    assert (first, again) == (0, 0), capsys.readouterr().out
    assert fake.creates == 3 and len(fake.images) == 3
    ids = {i["data"]: i["id"] for i in fake.images}
    for name in ("1.jsonl", "2.jsonl"):
        records = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        assert sorted((r["key"], r["status"], r["remote_id"]) for r in records) == sorted(
            (url, "ok", image_id) for url, image_id in ids.items()
        )


# -- (b) providers without a lookup: ambiguous, never failed, never re-sent ----------------


@pytest.mark.parametrize("kind", KINDS)
async def test_cloudsight_submission_with_unreadable_answer_is_ambiguous(
    kind: str, tmp_path: Path
) -> None:
    fake = CountingFake(kind, "/image_requests", {"token": "tok", "status": "not completed"})
    journal = tmp_path / "job.journal"
    with FakeServer(fake) as server:
        async with AsyncCloudSight(TOKEN, base_url=server.url, rate_limit=None) as client:

            async def submit(name: str) -> typing.Any:
                return await client.image_request(b"\x89PNG fake", filename=name)

            first = await bulk(submit, ["a.png"], journal=journal).collect()
            again = await bulk(submit, ["a.png"], journal=journal).collect()
    assert [o.status for o in first] == [OutcomeStatus.AMBIGUOUS]
    _assert_lost_answer(first[0].error)
    assert [o.status for o in again] == [OutcomeStatus.AMBIGUOUS]
    assert fake.creates == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_redflag_create_with_unreadable_answer_is_ambiguous(
    kind: str, tmp_path: Path
) -> None:
    fake = CountingFake(kind, "/operations", {"id": 7})
    journal = Journal(tmp_path / "job.journal")
    with FakeServer(fake) as server:
        async with AsyncRedFlag(TOKEN, base_url=server.url, rate_limit=None) as client:

            async def create(text: str) -> int:
                return await client.create_operation("text", ["topic"], [text])

            async with journal:
                first = await bulk(create, ["hello"], journal=journal).collect()
                again = await bulk(create, ["hello"], journal=journal).collect()
                entry = await journal.get("hello")
    assert [o.status for o in first] == [OutcomeStatus.AMBIGUOUS]
    _assert_lost_answer(first[0].error)
    assert [o.status for o in again] == [OutcomeStatus.AMBIGUOUS]
    assert entry is not None and entry.state is labelkit.JournalState.AMBIGUOUS
    assert fake.creates == 1
