"""One Datawow journal for the CLI and Python: ``labelkit upload datawow`` and
``create_many(journal=)`` resume each other's jobs; ``create_many`` itself (fields,
own custom ids, a lost answer looked up by custom_id, the sync twin)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
import pytest

import labelkit
from labelkit import Journal, OutcomeStatus
from labelkit.datawow import AsyncDatawow, Datawow, url_custom_id
from labelkit.emulators import DatawowEmulator, EmulatorServer
from tests._support._fake_http import FakeServer
from tests._support._fake_services import DatawowFake
from tests.cli.test_cli_jobs import _no_traceback, labelkit_cli

KEY = "test-choice"  # the emulator's default choice project
URLS = [f"https://example.com/{i}.jpg" for i in range(4)]
FIELDS = {"instruction": "Which animal?", "categories": ["cat", "dog"]}


def _cli(source: Path, url: str, journal: Path) -> subprocess.CompletedProcess[str]:
    result = labelkit_cli(
        "upload", "datawow", "--product", "choice", "--instruction", "Which animal?",
        "--categories", "cat dog", str(source), "--base-url", url, "--token", KEY,
        "--journal", str(journal),
    )  # fmt: skip
    _no_traceback(result)
    return result


def _python(url: str, journal: Path) -> list[bool]:
    async def run() -> list[bool]:
        async with AsyncDatawow(KEY, base_url=url) as client:
            outcomes = await client.choice.create_many(
                URLS, fields=FIELDS, journal=journal
            ).collect()
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        return [o.resumed for o in outcomes]

    return anyio.run(run)


@pytest.mark.parametrize("cli_first", [True, False], ids=["cli-then-python", "python-then-cli"])
def test_a_datawow_job_resumes_across_the_cli_and_python(tmp_path: Path, cli_first: bool) -> None:
    emulator = DatawowEmulator()
    source, journal = tmp_path / "urls.txt", tmp_path / "datawow.journal"
    source.write_text("".join(url + "\n" for url in URLS))
    with EmulatorServer(emulator) as server:
        url = server.url + "/api"
        if cli_first:
            assert _cli(source, url, journal).returncode == 0
            requests = emulator.stats.requests
            assert _python(url, journal) == [True] * 4
        else:
            assert _python(url, journal) == [False] * 4
            requests = emulator.stats.requests
            second = _cli(source, url, journal)
            assert second.returncode == 0, second.stdout
            assert "ok 4 (4 already done per the journal" in second.stdout
        assert emulator.stats.requests == requests  # nothing sent again
    stored = sorted(image.fields["custom_id"] for image in emulator.images.values())
    assert stored == sorted(url_custom_id(u) for u in URLS)


def test_the_journal_keys_are_the_cli_s(tmp_path: Path) -> None:
    journal = tmp_path / "j.journal"
    with EmulatorServer(DatawowEmulator()) as server:
        _python(server.url + "/api", journal)

    async def keys() -> list[str]:
        async with Journal(journal) as opened:
            return sorted(e.key for e in await opened.entries())

    assert anyio.run(keys) == sorted(f"datawow:choice:{url_custom_id(u)}" for u in URLS)
    assert url_custom_id(URLS[0]).startswith("labelkit-") and len(url_custom_id(URLS[0])) == 41


def test_create_many_items_may_carry_their_own_fields_and_custom_id() -> None:
    emulator = DatawowEmulator()
    items: list[str | dict[str, object]] = [
        URLS[0],
        {"data": URLS[1], "custom_id": "mine", "instruction": "Which animal?"},
    ]
    with EmulatorServer(emulator) as server, Datawow(KEY, base_url=server.url + "/api") as client:
        outcomes = list(client.choice.create_many(items, fields={"categories": "cat dog"}))
    by_item = {str(o.item) if isinstance(o.item, str) else "mine": o for o in outcomes}
    assert by_item[URLS[0]].status is OutcomeStatus.FAILED  # choice needs an instruction
    assert "instruction" in str(by_item[URLS[0]].error)
    assert by_item["mine"].ok and by_item["mine"].value is not None
    assert by_item["mine"].value.custom_id == "mine"
    assert [i.fields["custom_id"] for i in emulator.images.values()] == ["mine"]


def test_create_many_refuses_a_shared_custom_id() -> None:
    with Datawow(KEY, base_url="http://127.0.0.1:9/api") as client:
        with pytest.raises(labelkit.ValidationError, match="custom_id"):
            client.choice.create_many(URLS, fields={**FIELDS, "custom_id": "one"})


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["html", "truncated"])
async def test_a_lost_answer_is_looked_up_by_custom_id_without_a_journal(kind: str) -> None:
    fake = DatawowFake(kind)
    with FakeServer(fake) as server:
        async with AsyncDatawow("t", base_url=server.url + "/api", rate_limit=None) as client:
            outcomes = await client.choice.create_many(URLS[:2], fields=FIELDS).collect()
    ids = {i["custom_id"]: i["id"] for i in fake.images}
    assert fake.creates == 2
    assert [(o.status, o.remote_id) for o in outcomes] == [
        (OutcomeStatus.OK, ids[url_custom_id(u)]) for u in URLS[:2]
    ]
