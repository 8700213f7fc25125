"""Unit tests of labelkit._errors: the exception tree, status mapping, messages, redaction."""

from __future__ import annotations

import base64
import gc
import typing
from urllib.parse import quote, quote_plus

import pytest

import labelkit
from labelkit._errors import (
    AmbiguousResultError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    JobFailedError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    UnprocessableEntityError,
    UnsafePathError,
    ValidationError,
    status_error_class,
)
from labelkit.scale import AsyncScale

# --- the tree ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (ValidationError, LabelkitError),
        (ValidationError, ValueError),
        (UnsafePathError, ValidationError),
        (APIError, LabelkitError),
        (APIConnectionError, APIError),
        (APITimeoutError, APIConnectionError),
        (APIStatusError, APIError),
        (BadRequestError, APIStatusError),
        (AuthenticationError, APIStatusError),
        (PermissionDeniedError, APIStatusError),
        (NotFoundError, APIStatusError),
        (ConflictError, APIStatusError),
        (UnprocessableEntityError, APIStatusError),
        (RateLimitError, APIStatusError),
        (InternalServerError, APIStatusError),
        (AmbiguousResultError, LabelkitError),
        (PollTimeoutError, LabelkitError),
        (PollTimeoutError, TimeoutError),
        (JobFailedError, LabelkitError),
    ],
)
def test_subclass_relations(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


@pytest.mark.parametrize(
    ("cls", "not_a"),
    [
        (APIStatusError, APIConnectionError),
        (APIConnectionError, APIStatusError),
        (AmbiguousResultError, APIError),
        (ValidationError, APIError),
        (APIError, ValueError),
        (APITimeoutError, TimeoutError),  # only the poll deadline is a TimeoutError
        (LabelkitError, ValueError),
        (JobFailedError, APIError),
        (PollTimeoutError, APIError),
    ],
)
def test_unrelated_branches_stay_apart(cls: type[Exception], not_a: type[Exception]) -> None:
    assert not issubclass(cls, not_a)


def test_the_public_package_exports_the_same_classes() -> None:
    for cls in (LabelkitError, APIStatusError, RateLimitError, AmbiguousResultError):
        assert getattr(labelkit, cls.__name__) is cls


# --- status mapping ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
        (402, APIStatusError),
        (405, APIStatusError),
        (410, APIStatusError),
        (418, APIStatusError),
        (499, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_error_class(status: int, cls: type[APIStatusError]) -> None:
    assert status_error_class(status) is cls


def test_every_mapped_class_is_constructible_like_the_base() -> None:
    for status in (400, 401, 403, 404, 409, 422, 429, 500, 418):
        error = status_error_class(status)("nope", status=status, method="GET", url="u")
        assert isinstance(error, APIStatusError)
        assert error.status == status
    assert RateLimitError("slow", status=429).retry_after is None


# --- ValidationError -----------------------------------------------------------------


def test_validation_error_message_names_the_field() -> None:
    error = ValidationError("items[2].name", "must not be empty")
    assert str(error) == "items[2].name: must not be empty"
    assert error.field == "items[2].name"
    assert error.limit is None


def test_validation_error_message_states_the_limit() -> None:
    error = ValidationError("file", "'a.png' is 11 bytes", limit="at most 10 bytes")
    assert str(error) == "file: 'a.png' is 11 bytes (limit: at most 10 bytes)"
    assert error.limit == "at most 10 bytes"
    with pytest.raises(ValueError, match=r"^file: "):
        raise error


def test_unsafe_path_error() -> None:
    error = UnsafePathError("out/../x", "'..' leaves the folder")
    assert error.path == "out/../x"
    assert error.reason == "'..' leaves the folder"
    assert error.field == "out/../x"
    assert str(error) == "out/../x: refusing to write: '..' leaves the folder"


# --- APIStatusError and friends ------------------------------------------------------


def test_api_status_error_attributes_and_str() -> None:
    body = {"error": {"code": "not_found", "message": "no such task"}}
    error = NotFoundError(
        "no such task",
        status=404,
        code="not_found",
        request_id="req-1",
        body=body,
        method="GET",
        url="https://api.example/v1/tasks/t1",
        retries_taken=2,
    )
    assert error.status == 404
    assert error.code == "not_found"
    assert error.message == "no such task"
    assert error.request_id == "req-1"
    assert error.body == body
    assert (error.method, error.url, error.retries_taken) == (
        "GET",
        "https://api.example/v1/tasks/t1",
        2,
    )
    assert str(error) == (
        "HTTP 404 [not_found] no such task (GET https://api.example/v1/tasks/t1) request_id=req-1"
    )


def test_api_status_error_str_leaves_out_what_is_unknown() -> None:
    assert str(APIStatusError("Bad Gateway", status=502)) == "HTTP 502 Bad Gateway"
    # A URL without a method (or the reverse) is not shown half.
    assert str(APIStatusError("x", status=418, url="https://h/")) == "HTTP 418 x"
    assert str(APIStatusError("x", status=418, code="")) == "HTTP 418 x"


def test_rate_limit_error_keeps_retry_after() -> None:
    error = RateLimitError("slow down", status=429, retry_after=2.5, code="rate")
    assert error.retry_after == 2.5
    assert error.code == "rate"
    assert str(error).startswith("HTTP 429 [rate] slow down")


def test_connection_errors() -> None:
    error = APIConnectionError(method="POST", url="https://h/x", sent=False)
    assert str(error) == "Connection error."
    assert error.sent is False
    assert APIConnectionError().sent is True
    timeout = APITimeoutError(retries_taken=3)
    assert str(timeout) == "Request timed out."
    assert timeout.sent is True and timeout.retries_taken == 3


def test_ambiguous_result_error_keeps_the_underlying_error() -> None:
    cause = APITimeoutError(retries_taken=1)
    error = AmbiguousResultError("create may have happened", error=cause, method="POST", url="u")
    assert error.error is cause
    assert (error.method, error.url) == ("POST", "u")
    assert error.retries_taken == 1
    assert str(error) == "create may have happened"
    plain = AmbiguousResultError("m", error=OSError("reset"), method="POST", url="u")
    assert plain.retries_taken == 0


def test_poll_and_job_errors_keep_their_object() -> None:
    assert PollTimeoutError("late").last_state is None
    assert PollTimeoutError("late", last_state={"s": 1}).last_state == {"s": 1}
    assert JobFailedError("failed", job={"s": "error"}).job == {"s": "error"}


# --- no secrets in messages ----------------------------------------------------------


SECRET = "live_Unit+Errors/Secret0123"


def _leaks(error: BaseException, forms: typing.Iterable[str]) -> list[str]:
    seen = [str(error), repr(error), repr(error.args)]
    for name in ("message", "code", "url", "request_id", "body", "path"):
        seen.append(repr(getattr(error, name, None)))
    return [form for form in forms if any(form in text for text in seen)]


def _forms(secret: str) -> set[str]:
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    plain = base64.b64encode(secret.encode()).decode()
    return {secret, basic, plain, quote(secret, safe=""), quote_plus(secret)}


@pytest.mark.anyio
async def test_errors_redact_the_secrets_of_a_live_client() -> None:
    forms = _forms(SECRET)
    async with AsyncScale(api_key=SECRET, base_url="http://127.0.0.1:9/v1/"):
        for form in forms:
            errors: list[BaseException] = [
                APIStatusError(
                    f"echo {form}",
                    status=401,
                    code=f"c-{form}",
                    request_id=f"r-{form}",
                    body={"auth": [f"Basic {form}"], form: (form,)},
                    method="GET",
                    url=f"https://h/x?x={form}",
                ),
                AuthenticationError(f"bad key {form}", status=401),
                RateLimitError(f"{form}", status=429, body=f"<p>{form}</p>"),
                APIConnectionError(f"reset by {form}", url=f"https://{form}@h/"),
                APITimeoutError(f"timed out {form}"),
                AmbiguousResultError(f"maybe {form}", error=OSError(), method="POST", url="u"),
            ]
            for error in errors:
                assert _leaks(error, forms) == [], type(error).__name__
                assert "[redacted]" in str(error) + repr(getattr(error, "body", None))


def test_other_text_is_left_as_it_is() -> None:
    error = APIStatusError("plain message", status=400, code="E1", body={"k": "v"})
    assert error.message == "plain message"
    assert error.code == "E1"
    assert error.body == {"k": "v"}


@pytest.mark.anyio
async def test_a_closed_and_collected_client_is_forgotten() -> None:
    secret = "live_Forgotten+Secret0123"
    client = AsyncScale(api_key=secret, base_url="http://127.0.0.1:9/v1/")
    assert secret not in str(APIStatusError(secret, status=400))
    await client.aclose()
    del client
    gc.collect()
    # Not a secret of any live client any more: ordinary text is not rewritten forever.
    assert str(APIStatusError(secret, status=400)) == f"HTTP 400 {secret}"
