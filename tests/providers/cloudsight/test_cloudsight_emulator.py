"""CloudSight client against its emulator over loopback sockets, async (asyncio, trio) and sync."""

from __future__ import annotations

import contextlib
import pathlib
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

import labelkit
from labelkit._emulator import (
    EmulatorConfig,
    EmulatorServer,
    available_emulators,
    create_emulator,
    serving,
)
from labelkit._emulator.cloudsight import (
    DEFAULT_KEY,
    DEFAULT_SECRET,
    CloudSightEmulator,
)
from labelkit._ratelimit import _reset_shared_limiters
from labelkit.cloudsight import AsyncCloudSight, CloudSight, ImageJob, JobStatus, SkipReason
from tests._support._parity import assert_sync_parity

PROCESSING = 0.3
FAST = labelkit.PollPolicy(initial_delay=0.05, interval=0.05, backoff=1.0, jitter=0, timeout=10)
IMAGE_URL = "https://images.example/cat.jpg"


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    _reset_shared_limiters()


def emulator_with(**config: Any) -> CloudSightEmulator:
    return CloudSightEmulator(config=EmulatorConfig(**{"processing_time": PROCESSING, **config}))


@contextlib.asynccontextmanager
async def running(
    emulator: CloudSightEmulator | None = None, *, oauth: bool = False, **options: Any
) -> AsyncIterator[tuple[CloudSightEmulator, AsyncCloudSight]]:
    emulator = emulator or emulator_with()
    secret = DEFAULT_SECRET if oauth else None
    options = {"poll": FAST, "max_retries": 0, **options}
    async with serving(emulator) as url:
        assert url.startswith("http://127.0.0.1:")
        async with AsyncCloudSight(DEFAULT_KEY, secret, base_url=url, **options) as client:
            yield emulator, client


# -- submit and wait, both auth schemes --------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("oauth", [False, True], ids=["simple", "oauth"])
async def test_url_submission_completes_after_the_processing_delay(oauth: bool) -> None:
    async with running(oauth=oauth) as (emulator, client):
        assert client.uses_oauth is oauth
        started = anyio.current_time()
        submitted = await client.remote_image_request(IMAGE_URL, language="en", ttl="max")
        assert submitted.status is JobStatus.NOT_COMPLETED and submitted.url == IMAGE_URL
        stored = emulator.jobs[submitted.token]
        assert stored.fields["image_request[locale]"] == "en-US"
        assert stored.fields["image_request[language]"] == "en"
        job = await client.wait(submitted.token)
    assert anyio.current_time() - started >= PROCESSING
    assert job.completed and job.token == submitted.token
    assert job.name and job.categories and job.reason is None


@pytest.mark.anyio
@pytest.mark.parametrize("oauth", [False, True], ids=["simple", "oauth"])
async def test_file_submission_is_streamed_over_the_socket(
    oauth: bool, tmp_path: pathlib.Path
) -> None:
    image = tmp_path / "big photo.png"
    image.write_bytes(b"\x89PNG" + bytes(range(256)) * 4096)  # 1 MiB
    async with running(oauth=oauth) as (emulator, client):
        submitted = await client.image_request(image, latitude=48.85, longitude=2.35, ttl=60)
        stored = emulator.jobs[submitted.token]
        job = await client.wait(submitted.token)
        again = await client.image_request(image.read_bytes(), "copy.png")
        second = await client.wait(again.token)
    assert stored.source == "big photo.png"
    assert stored.fields["image_request[latitude]"] == "48.85"
    assert job.completed and job.url is not None and job.url.endswith("/big%20photo.png")
    assert second.name == job.name  # derived from the image bytes


@pytest.mark.anyio
async def test_bad_credentials_give_401() -> None:
    async with running() as (_, good):
        url = good.base_url
        async with AsyncCloudSight("wrong-key", base_url=url, max_retries=0) as client:
            with pytest.raises(labelkit.AuthenticationError):
                await client.remote_image_request(IMAGE_URL)
        bad_secret = AsyncCloudSight(DEFAULT_KEY, "wrong-secret", base_url=url, max_retries=0)
        async with bad_secret as client:
            with pytest.raises(labelkit.AuthenticationError, match="invalid signature"):
                await client.remote_image_request(IMAGE_URL)
            with pytest.raises(labelkit.AuthenticationError, match="invalid signature"):
                await client.image_response("anything")
            with pytest.raises(labelkit.AuthenticationError, match="invalid signature"):
                await client.image_request(b"\xff\xd8", "a.jpg")
        # The client must sign what the server verifies: here the text fields of an upload.
        unsigned = AsyncCloudSight(
            DEFAULT_KEY,
            DEFAULT_SECRET,
            base_url=url,
            max_retries=0,
            oauth_sign_multipart_fields=False,
        )
        async with unsigned as client:
            with pytest.raises(labelkit.AuthenticationError, match="invalid signature"):
                await client.image_request(b"\xff\xd8", "a.jpg")
            assert (await client.remote_image_request(IMAGE_URL)).token


@pytest.mark.anyio
async def test_server_that_signs_no_multipart_fields() -> None:
    emulator = CloudSightEmulator(
        config=EmulatorConfig(processing_time=0), sign_multipart_fields=False
    )
    async with running(emulator, oauth=True, oauth_sign_multipart_fields=False) as (_, client):
        submitted = await client.image_request(b"\xff\xd8", "a.jpg", locale="de-DE")
        assert (await client.wait(submitted.token)).completed


# -- outcomes --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_skipped_with_reason_is_a_result() -> None:
    async with running() as (_, client):
        submitted = await client.remote_image_request("https://images.example/__skip_blurry__.jpg")
        plain = await client.remote_image_request("https://images.example/__skip__.jpg")
        job = await client.wait(submitted.token)
        unsure = await client.wait(plain.token)
    assert job.status is JobStatus.SKIPPED and job.reason is SkipReason.BLURRY
    assert unsure.reason is SkipReason.UNSURE and unsure.name is None


@pytest.mark.anyio
async def test_ttl_timeout_then_repost_completes() -> None:
    async with running() as (emulator, client):
        submitted = await client.remote_image_request(IMAGE_URL, ttl=0.1)
        job = await client.wait(submitted.token)
        assert job.status is JobStatus.TIMEOUT and not job.completed
        await client.repost(submitted.token)
        assert (await client.image_response(submitted.token)).status is JobStatus.NOT_COMPLETED
        revived = await client.wait(submitted.token)
        assert revived.completed and emulator.jobs[submitted.token].reposts == 1
        with pytest.raises(labelkit.UnprocessableEntityError, match="only a job in timeout"):
            await client.repost(submitted.token)
        marked = await client.remote_image_request("https://images.example/__timeout__.png")
        assert (await client.wait(marked.token)).status is JobStatus.TIMEOUT


@pytest.mark.anyio
async def test_unknown_token_and_deadline() -> None:
    async with running() as (emulator, client):
        missing = await client.image_response("no-such-token")
        assert missing.status is JobStatus.NOT_FOUND and missing.token == "no-such-token"
        with pytest.raises(labelkit.JobFailedError) as failed:
            await client.wait("no-such-token")
        assert isinstance(failed.value.job, ImageJob)
        with pytest.raises(labelkit.NotFoundError):
            await client.repost("no-such-token")
        submitted = await client.remote_image_request(IMAGE_URL)
        emulator.force_status(submitted.token, "not completed")
        # A poll still running ``interval`` after the deadline is abandoned: 5 s, not
        # FAST's 50 ms, so a loaded machine cannot abandon every poll (no last state).
        patient = labelkit.PollPolicy(initial_delay=0.05, interval=5, backoff=1.0, jitter=0)
        with pytest.raises(labelkit.PollTimeoutError) as timed_out:
            await client.wait(submitted.token, timeout=0.2, poll=patient)
    last = timed_out.value.last_state
    assert isinstance(last, ImageJob) and last.status is JobStatus.NOT_COMPLETED


@pytest.mark.anyio
async def test_server_side_validation_over_the_socket() -> None:
    emulator = emulator_with()
    headers = {"Authorization": f"CloudSight {DEFAULT_KEY}"}
    async with serving(emulator) as url, httpx.AsyncClient(base_url=url, headers=headers) as http:
        neither = await http.post("/image_requests", data={"image_request[locale]": "en"})
        no_locale = await http.post(
            "/image_requests", data={"image_request[remote_image_url]": IMAGE_URL}
        )
        both = await http.post(
            "/image_requests",
            data={"image_request[locale]": "en", "image_request[remote_image_url]": IMAGE_URL},
            files={"image_request[image]": ("a.jpg", b"x")},
        )
        bad_ttl = await http.post(
            "/image_requests",
            data={
                "image_request[locale]": "en",
                "image_request[remote_image_url]": IMAGE_URL,
                "image_request[ttl]": "soon",
            },
        )
        anonymous = await http.get("/image_responses/x", headers={"Authorization": ""})
    for response in (neither, no_locale, both, bad_ttl):
        assert response.status_code == 422 and isinstance(response.json()["error"], str)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "CloudSight"


# -- many waits, the rate limit, faults ------------------------------------------------


@pytest.mark.anyio
async def test_wait_many_stays_within_the_servers_rate_limit() -> None:
    emulator = emulator_with(processing_time=0.2, rate_limit=labelkit.RateLimit(40, 0.5))
    # The margin absorbs loopback send jitter, which matters in a window this short.
    rate = labelkit.RateLimit(40, 0.5, margin=0.2)
    async with running(emulator, rate_limit=rate) as (_, client):
        tokens = []
        for i in range(30):
            tokens.append((await client.remote_image_request(f"{IMAGE_URL}?n={i}")).token)
        tokens.append("no-such-token")
        async with client.wait_many(tokens) as run:
            outcomes = {outcome.item: outcome async for outcome in run}
    assert emulator.stats.rate_limited == 0
    assert emulator.stats.max_in_window(0.5) <= 40
    assert all(outcomes[t].ok and outcomes[t].unwrap().completed for t in tokens[:-1])
    assert isinstance(outcomes["no-such-token"].error, labelkit.JobFailedError)


@pytest.mark.anyio
async def test_polls_are_retried_and_submissions_are_not() -> None:
    retry = labelkit.RetryPolicy(wait_initial=0.01, wait_max=0.02)
    async with running(max_retries=2, retry=retry) as (emulator, client):
        submitted = await client.remote_image_request(IMAGE_URL)
        emulator.fail_next(1, status=503, method="GET")
        assert (await client.image_response(submitted.token)).token == submitted.token
        emulator.drop_next(1, method="POST")
        with pytest.raises(labelkit.AmbiguousResultError):
            await client.remote_image_request(IMAGE_URL)
    assert len(emulator.jobs) == 2  # the dropped submission did create a job, once


# -- sync facade, registry -------------------------------------------------------------


def test_sync_client_over_a_background_server(tmp_path: pathlib.Path) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"\xff\xd8\xff" + b"\x00" * 1000)
    emulator = emulator_with()
    with EmulatorServer(emulator) as server:
        for secret in (None, DEFAULT_SECRET):
            with CloudSight(DEFAULT_KEY, secret, base_url=server.url, poll=FAST) as client:
                started = time.monotonic()
                by_url = client.remote_image_request(IMAGE_URL)
                by_file = client.image_request(image)
                done = client.wait(by_url.token)
                assert done.completed and time.monotonic() - started >= PROCESSING
                outcomes = list(client.wait_many([by_url.token, by_file.token]))
                assert sorted(o.item for o in outcomes) == sorted([by_url.token, by_file.token])
                assert all(o.ok and o.unwrap().completed for o in outcomes)
                with pytest.raises(labelkit.UnprocessableEntityError):
                    client.repost(by_url.token)
        with CloudSight("nope", base_url=server.url, max_retries=0) as client:
            with pytest.raises(labelkit.AuthenticationError):
                client.image_response("x")


def test_sync_twin_mirrors_the_async_client() -> None:
    assert_sync_parity(AsyncCloudSight, CloudSight)


def test_registered_for_the_cli() -> None:
    assert "cloudsight" in available_emulators()
    emulator = create_emulator("cloudsight", config=EmulatorConfig(processing_time=1))
    assert isinstance(emulator, CloudSightEmulator) and emulator.config.processing_time == 1


@pytest.mark.anyio
async def test_processing_time_spread_gives_each_job_its_own_seeded_delay() -> None:
    def extras(seed: int) -> list[float]:
        emulator = CloudSightEmulator(
            config=EmulatorConfig(seed=seed, processing_time=4.0), processing_time_spread=8.0
        )
        return [emulator._spread_rng.random() * emulator.processing_time_spread for _ in range(50)]

    assert extras(3) == extras(3)  # reproducible per seed
    spread = extras(3)
    assert all(0.0 <= extra < 8.0 for extra in spread) and max(spread) - min(spread) > 4.0
    emulator = CloudSightEmulator(
        config=EmulatorConfig(seed=3, processing_time=0.05), processing_time_spread=0.3
    )
    async with running(emulator) as (_, client):
        tokens = [(await client.remote_image_request(f"{IMAGE_URL}?{i}")).token for i in range(6)]
        jobs = [emulator.jobs[token] for token in tokens]
        assert len({job.extra_time for job in jobs}) == 6
        assert all(0.0 <= job.extra_time < 0.3 for job in jobs)
