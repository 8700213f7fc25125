"""Drop-in calls: every method of the official ``cloudsight`` SDK, with its own argument forms,
through the sync client against the in-process emulator (wire spec, operation table)."""

from __future__ import annotations

import io
import pathlib

import pytest

import labelkit
from labelkit import cloudsight
from labelkit._emulator import EmulatorConfig, EmulatorServer
from labelkit._emulator.cloudsight import DEFAULT_KEY, CloudSightEmulator
from labelkit._ratelimit import _reset_shared_limiters
from labelkit.cloudsight import CloudSight

FAST = labelkit.PollPolicy(initial_delay=0.0, interval=0.01, backoff=1.0, jitter=0, timeout=10)
IMAGE_URL = "https://images.example/cat.jpg"


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    _reset_shared_limiters()


def test_every_official_call_form(tmp_path: pathlib.Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    emulator = CloudSightEmulator(config=EmulatorConfig(processing_time=0.0))
    with EmulatorServer(emulator) as server:
        with CloudSight(DEFAULT_KEY, base_url=server.url, poll=FAST) as api:
            # api.image_request(file, filename, params) -- positional, as the SDK README.
            with photo.open("rb") as f:
                by_file = api.image_request(f, "photo.jpg", {"image_request[locale]": "en-US"})
            by_keywords = api.image_request(
                image=io.BytesIO(photo.read_bytes()),
                filename="photo.jpg",
                params={"image_request[locale]": "en-US"},
            )
            by_url = api.remote_image_request(IMAGE_URL, {"image_request[locale]": "en-US"})
            by_url_kw = api.remote_image_request(
                image_url=IMAGE_URL, params={"image_request[ttl]": "max"}
            )
            polled = api.image_response(by_url.token)
            done = api.wait(by_url.token, timeout=30)
            done_kw = api.wait(token=by_url_kw.token, timeout=30)
            assert api.wait(by_file.token).completed and api.wait(by_keywords.token).completed
            timed_out = api.remote_image_request(IMAGE_URL + "?__timeout__", {})
            assert api.wait(timed_out.token).status is cloudsight.JobStatus.TIMEOUT
            api.repost(timed_out.token)
            assert api.wait(timed_out.token).completed  # requeued without the marker
            timed_out = api.remote_image_request(IMAGE_URL + "?__timeout__", {})
            assert api.wait(timed_out.token).status is cloudsight.JobStatus.TIMEOUT
            api.repost(token=timed_out.token)
            assert api.wait(timed_out.token).completed
    assert polled.token == by_url.token and polled["token"] == by_url.token
    assert done.completed and done.status == cloudsight.STATUS_COMPLETED
    assert done_kw.completed


def test_sdk_except_clause_catches_api_errors() -> None:
    # Written for the SDK: ``except cloudsight.APIError``. It used to be an AttributeError
    # raised while handling the real error, hiding it.
    with EmulatorServer(CloudSightEmulator()) as server:
        with CloudSight("wrong-key", base_url=server.url, max_retries=0) as api:
            with pytest.raises(cloudsight.APIError) as info:
                api.image_response("some-token")
    assert isinstance(info.value, labelkit.AuthenticationError)
    assert issubclass(cloudsight.CloudSightAPIError, cloudsight.APIError)
    assert cloudsight.APIError is labelkit.APIError


def test_wait_on_an_unknown_token_says_not_found() -> None:
    with EmulatorServer(CloudSightEmulator()) as server:
        with CloudSight(DEFAULT_KEY, base_url=server.url, poll=FAST) as api:
            with pytest.raises(labelkit.JobFailedError, match="'nope' was not found") as info:
                api.wait("nope")
            [outcome] = list(api.wait_many(["nope"]))
    assert info.value.job.status is cloudsight.JobStatus.NOT_FOUND  # type: ignore[attr-defined]
    assert "not found" in str(outcome.error)
