"""CloudSight authentication: the OAuth 1.0 test vector, what gets signed, and secrecy."""

from __future__ import annotations

import re
import sys
import time
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

import labelkit
from labelkit._providers.cloudsight import _auth
from labelkit._providers.cloudsight._auth import (
    OAuth1Signer,
    signature_base_string,
    verify_authorization,
)
from labelkit._ratelimit import _reset_shared_limiters
from labelkit.cloudsight import AsyncCloudSight

BASE = "https://api.cloudsightapi.com"
KEY, SECRET = "my-key", "my-secret"
STAMP, NONCE = 1700000000, "1b390cd54a0c0d4f27fa7adf23e3c45536e9f37c"
VECTOR_PARAMS = [
    ("image_request[locale]", "en-US"),
    ("image_request[remote_image_url]", "https://example.com/cat.jpg"),
]
VECTOR_BASE = (
    "POST&https%3A%2F%2Fapi.cloudsightapi.com%2Fimage_requests&"
    "image_request%255Blocale%255D%3Den-US%26image_request%255Bremote_image_url%255D%3D"
    "https%253A%252F%252Fexample.com%252Fcat.jpg%26oauth_consumer_key%3Dmy-key%26"
    "oauth_nonce%3D1b390cd54a0c0d4f27fa7adf23e3c45536e9f37c%26oauth_signature_method%3D"
    "HMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0"
)


def vector_header(signature: str) -> str:
    return (
        f'OAuth oauth_consumer_key="my-key", oauth_nonce="{NONCE}", '
        f'oauth_signature="{signature}", oauth_signature_method="HMAC-SHA1", '
        f'oauth_timestamp="{STAMP}", oauth_version="1.0"'
    )


POST_VECTOR = vector_header("w1qKKumzVjmPfnyWCTcGlGh0sgQ%3D")
GET_VECTOR = vector_header("JwjnhuX7k5ca1Vc0QsYLqkjgyII%3D")


def secret_for(key: str) -> str | None:
    return SECRET if key == KEY else None


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    _reset_shared_limiters()


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the timestamp and nonce to the test vector's."""
    monkeypatch.setattr(f"{_auth.__name__}.time.time", lambda: STAMP + 0.75)
    monkeypatch.setattr(f"{_auth.__name__}.secrets.token_hex", lambda n: NONCE)


# -- the signer ------------------------------------------------------------------------


def test_signature_base_string_matches_the_vector() -> None:
    oauth = [
        ("oauth_consumer_key", KEY),
        ("oauth_nonce", NONCE),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(STAMP)),
        ("oauth_version", "1.0"),
    ]
    url = f"{BASE}/image_requests"
    assert signature_base_string("post", url, [*VECTOR_PARAMS, *oauth]) == VECTOR_BASE


def test_header_matches_the_vector() -> None:
    signer = OAuth1Signer(KEY, SECRET)
    url = f"{BASE}/image_requests"
    assert signer.authorization("POST", url, VECTOR_PARAMS, timestamp=STAMP, nonce=NONCE) == (
        POST_VECTOR
    )
    get = signer.authorization(
        "GET", f"{BASE}/image_responses/abc123", timestamp=STAMP, nonce=NONCE
    )
    assert get == GET_VECTOR


def test_nonce_is_fresh_hex_and_timestamp_is_now() -> None:
    signer = OAuth1Signer(KEY, SECRET)
    headers = [signer.authorization("GET", f"{BASE}/image_responses/x") for _ in range(3)]
    nonces = [re.search(r'oauth_nonce="([0-9a-f]{40})"', h) for h in headers]
    assert all(nonces) and len({m.group(1) for m in nonces if m}) == 3
    stamp = re.search(r'oauth_timestamp="(\d+)"', headers[0])
    assert stamp is not None
    assert abs(int(stamp.group(1)) - time.time()) < 5
    assert KEY not in repr(signer).replace("OAuth1Signer", "") and SECRET not in repr(signer)


def test_verify_authorization_accepts_and_rejects() -> None:
    url = f"{BASE}/image_requests"

    def check(
        header: str, params: list[tuple[str, str]] = VECTOR_PARAMS, now: int = STAMP
    ) -> str | None:
        return verify_authorization(header, "POST", url, params, secret_for, now=now)

    assert check(POST_VECTOR) is None
    assert check(POST_VECTOR, VECTOR_PARAMS[:1]) == "invalid signature"
    assert check(POST_VECTOR, now=STAMP + 301) == "oauth_timestamp outside the accepted window"
    assert check(POST_VECTOR.replace('"my-key"', '"other"')) == "unknown consumer key"
    assert check(POST_VECTOR.replace("HMAC-SHA1", "PLAINTEXT")) == (
        "unsupported oauth_signature_method"
    )
    assert check("CloudSight my-key") == "malformed OAuth Authorization header"
    wrong = OAuth1Signer(KEY, "not-the-secret").authorization(
        "POST", url, VECTOR_PARAMS, timestamp=STAMP, nonce=NONCE
    )
    assert check(wrong) == "invalid signature"


# -- the client ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_remote_image_request_is_signed_like_the_sdk(frozen: None) -> None:
    client = AsyncCloudSight(KEY, SECRET, max_retries=0)
    assert client.uses_oauth
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json={"token": "t", "status": "not completed"})
        )
        await client.remote_image_request("https://example.com/cat.jpg")
    request = route.calls.last.request
    assert request.headers["authorization"] == POST_VECTOR
    assert parse_qsl(request.content.decode()) == VECTOR_PARAMS


@pytest.mark.anyio
async def test_image_response_and_repost_sign_no_parameters(frozen: None) -> None:
    client = AsyncCloudSight(KEY, SECRET, max_retries=0)
    with respx.mock:
        poll = respx.get(f"{BASE}/image_responses/abc123").mock(
            return_value=httpx.Response(200, json={"token": "abc123", "status": "completed"})
        )
        repost = respx.post(f"{BASE}/image_requests/abc123/repost").mock(
            return_value=httpx.Response(200)
        )
        await client.image_response("abc123")
        await client.repost("abc123")
    assert poll.calls.last.request.headers["authorization"] == GET_VECTOR
    header = repost.calls.last.request.headers["authorization"]
    url = f"{BASE}/image_requests/abc123/repost"
    assert verify_authorization(header, "POST", url, [], secret_for, now=STAMP) is None


@pytest.mark.anyio
@pytest.mark.parametrize("sign_fields", [True, False])
async def test_multipart_upload_signs_its_text_fields(sign_fields: bool) -> None:
    client = AsyncCloudSight(KEY, SECRET, max_retries=0, oauth_sign_multipart_fields=sign_fields)
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            return_value=httpx.Response(200, json={"token": "t", "status": "not completed"})
        )
        # A float is stringified before signing (the official SDK's signer crashed on it).
        await client.image_request(b"\xff\xd8", "cat.jpg", latitude=1.5, ttl=30)
    request = route.calls.last.request
    header = request.headers["authorization"]
    assert header.startswith("OAuth ") and "image_request" not in header
    fields = [
        ("image_request[locale]", "en-US"),
        ("image_request[latitude]", "1.5"),
        ("image_request[ttl]", "30"),
    ]
    for name, value in fields:
        assert f'name="{name}"\r\n\r\n{value}\r\n'.encode() in request.content
    url = f"{BASE}/image_requests"
    signed_with_fields = verify_authorization(header, "POST", url, fields, secret_for)
    signed_without = verify_authorization(header, "POST", url, [], secret_for)
    if sign_fields:
        assert signed_with_fields is None and signed_without == "invalid signature"
    else:
        assert signed_without is None and signed_with_fields == "invalid signature"


def _oauth_param(header: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]+)"', header)
    assert found is not None, header
    return found.group(1)


@pytest.mark.anyio
async def test_every_attempt_is_signed_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A retry is a new signed request: its own nonce and timestamp, never a replay."""
    clock = iter(range(STAMP, STAMP + 100, 7))
    monkeypatch.setattr(f"{_auth.__name__}.time.time", lambda: float(next(clock)))
    client = AsyncCloudSight(
        KEY, SECRET, retry=labelkit.RetryPolicy(wait_initial=0.01, wait_max=0.02)
    )
    with respx.mock:
        route = respx.get(f"{BASE}/image_responses/t").mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(503),
                httpx.Response(200, json={"token": "t", "status": "completed"}),
            ]
        )
        await client.image_response("t")
    headers = [call.request.headers["authorization"] for call in route.calls]
    assert len(headers) == 3
    assert len({_oauth_param(h, "oauth_nonce") for h in headers}) == 3
    stamps = [int(_oauth_param(h, "oauth_timestamp")) for h in headers]
    assert stamps[0] < stamps[1] < stamps[2]  # the clock moves on between attempts
    url = f"{BASE}/image_responses/t"
    assert all(
        verify_authorization(h, "GET", url, [], secret_for, now=stamp) is None
        for h, stamp in zip(headers, stamps, strict=True)
    )


@pytest.mark.anyio
async def test_a_resent_submission_signs_its_fields_again() -> None:
    """A 429 on a create is re-sent (never processed); the new attempt signs the same fields."""
    client = AsyncCloudSight(
        KEY, SECRET, retry=labelkit.RetryPolicy(wait_initial=0.01, wait_max=0.02)
    )
    with respx.mock:
        route = respx.post(f"{BASE}/image_requests").mock(
            side_effect=[
                httpx.Response(429),
                httpx.Response(200, json={"token": "t", "status": "not completed"}),
            ]
        )
        await client.remote_image_request("https://example.com/cat.jpg", locale="en-US")
    first, second = route.calls
    assert first.request.content == second.request.content
    headers = [c.request.headers["authorization"] for c in (first, second)]
    assert _oauth_param(headers[0], "oauth_nonce") != _oauth_param(headers[1], "oauth_nonce")
    fields = parse_qsl(first.request.content.decode())
    url = f"{BASE}/image_requests"
    assert all(verify_authorization(h, "POST", url, fields, secret_for) is None for h in headers)


@pytest.mark.anyio
async def test_secrets_stay_out_of_errors_and_reprs() -> None:
    client = AsyncCloudSight(KEY + "-long", SECRET + "-long", max_retries=0)
    with respx.mock:
        respx.get(f"{BASE}/image_responses/t").mock(
            return_value=httpx.Response(401, json={"error": f"bad signature for {SECRET}-long"})
        )
        with pytest.raises(labelkit.AuthenticationError) as info:
            await client.image_response("t")
    for text in (str(info.value), repr(info.value), repr(client)):
        assert f"{SECRET}-long" not in text and f"{KEY}-long" not in text


@pytest.mark.anyio
async def test_simple_key_header() -> None:
    client = AsyncCloudSight("plain-key", max_retries=0)
    with respx.mock:
        route = respx.get(f"{BASE}/image_responses/t").mock(
            return_value=httpx.Response(200, json={"token": "t", "status": "completed"})
        )
        await client.image_response("t")
    assert route.calls.last.request.headers["authorization"] == "CloudSight plain-key"


def test_missing_oauthlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "oauthlib.oauth1.rfc5849", None)
    with pytest.raises(ImportError, match=r'pip install "labelkit\[oauth\]"'):
        AsyncCloudSight(KEY, SECRET)
    assert not AsyncCloudSight(KEY).uses_oauth  # simple key auth needs no oauthlib
