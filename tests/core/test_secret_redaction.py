"""A server that echoes the credential back never makes labelkit leak it.

Some servers put the ``Authorization`` header into their error bodies. A small
fake server on 127.0.0.1 (independent of the emulators) answers every request
with an error that echoes the header it received and every encoding of the
client's secrets this test derives on its own: raw, base64 of ``secret``,
``secret:`` and ``:secret`` (HTTP Basic), percent-encoded, and a JWT's
signature. Then no form may appear in anything labelkit raises, logs or
writes: the exception's str, repr, args, code, message, body, url; the log
lines and call records; and for the CLI its stdout and stderr, the --output
file and the journal's rows.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import sqlite3
import threading
import typing
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

import labelkit
from tests.cli.test_cli_jobs import _png, labelkit_cli

JWT_SIGNATURE = "c2lnbmF0dXJlLXNlY3JldC0wMTIzNDU2Nzg5"
JWT = f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYWJlbGtpdCJ9.{JWT_SIGNATURE}"


class Provider(typing.NamedTuple):
    name: str
    secrets: tuple[str, ...]  # what the client is given
    call: typing.Callable[[typing.Any], typing.Awaitable[object]]
    prefix: str  # the API root under the server's URL


PROVIDERS = [
    Provider("FastLabel", ("fl/Secret+Token=Alpha0123",), lambda c: c.get_projects(), "/v1/"),
    Provider("Scale", ("live_Secret/Scale+Key0123",), lambda c: c.get_task("t1"), ""),
    Provider("Datawow", ("dw/Secret+Key=0123456",), lambda c: c.choice.find_id("i1"), "/api"),
    Provider(
        "CloudSight",
        ("cs/Secret+Key0123", "cs/Consumer+Secret=0123"),  # OAuth: key and secret
        lambda c: c.image_response("tok1"),
        "",
    ),
    Provider("RedFlag", (JWT,), lambda c: c.get_operation(7), "/api/v2/products/api"),
]


def forms_of(secrets: typing.Iterable[str]) -> set[str]:
    """Every encoding a server may echo: derived here, independently of labelkit."""
    forms: set[str] = set()
    for secret in secrets:
        forms |= {secret, quote(secret, safe=""), quote_plus(secret)}
        for raw in (secret, secret + ":", ":" + secret):
            forms.add(base64.b64encode(raw.encode()).decode())
        if secret == JWT:
            forms.add(JWT_SIGNATURE)
    return forms


class EchoServer:
    """Answers every request with ``status`` and a body echoing Authorization and ``forms``."""

    def __init__(self) -> None:
        self.status = 401
        self.kind = "json"
        self.forms: list[str] = []
        self.requests = 0
        self.authorizations: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                auth = self.headers.get("Authorization", "")
                outer.requests += 1
                outer.authorizations.append(auth)
                status, content_type, body = outer.respond(auth)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def respond(self, auth: str) -> tuple[int, str, bytes]:
        echo = " | ".join([f"Authorization: {auth}", *self.forms])
        if self.kind == "text":
            return self.status, "text/plain", f"denied for {echo}".encode()
        if self.kind == "envelope":  # an error inside a 200 (Datawow's meta, CloudSight's error)
            body: dict[str, object] = {
                "data": None,
                "meta": {"code": 401, "message": f"invalid key {echo}"},
                "error": f"invalid key {echo}",
            }
        else:
            body = {
                "statusCode": self.status,
                "error": f"Unauthorized {echo}",
                "message": f"invalid token {echo}",
                "code": echo,
                "meta": {"code": self.status, "message": f"invalid key {echo}"},
                "echo": {"authorization": auth, "forms": self.forms, echo: [echo]},
            }
        return self.status, "application/json", json.dumps(body).encode()

    def __enter__(self) -> EchoServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[EchoServer]:
    with EchoServer() as echo:
        yield echo


def _texts(exc: BaseException) -> list[str]:
    """Everything an exception (and its causes) shows or carries."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen), json.dumps(seen.args, default=str)]
        for attr in ("code", "message", "body", "url", "path", "request_id", "error"):
            texts.append(json.dumps(getattr(seen, attr, None), default=str))
        seen = seen.__cause__ or seen.__context__
    return texts


def _assert_clean(texts: typing.Iterable[str], forms: set[str]) -> None:
    for text in texts:
        leaked = sorted(form for form in forms if form in text)
        assert not leaked, f"{leaked} in {text!r}"


# (status, body kind): status errors, one retried to the end, and errors in a 2xx.
SCENARIOS = [(401, "json"), (400, "text"), (500, "json"), (500, "text"), (200, "text")]


# Only Datawow (meta.code) and CloudSight (error) report errors inside a 2xx.
CLIENT_CASES = [(p, status, kind) for p in PROVIDERS for status, kind in SCENARIOS] + [
    (p, 200, "envelope") for p in PROVIDERS if p.name in ("Datawow", "CloudSight")
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("provider", "status", "kind"),
    CLIENT_CASES,
    ids=[f"{p.name}-{status}-{kind}" for p, status, kind in CLIENT_CASES],
)
async def test_an_echoed_secret_never_leaks_from_a_client(
    provider: Provider,
    status: int,
    kind: str,
    server: EchoServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    forms = forms_of(provider.secrets)
    server.status, server.kind, server.forms = status, kind, sorted(forms)
    server.requests = 0
    server.authorizations.clear()
    cls = getattr(labelkit, f"Async{provider.name}")
    client = cls(
        *provider.secrets,
        base_url=server.url + provider.prefix,
        max_retries=2,
        retry=labelkit.RetryPolicy(max_retries=2, wait_initial=0, jitter=0),
        rate_limit=None,
    )
    caplog.set_level(logging.DEBUG, logger="labelkit")
    async with client:
        with labelkit.record_calls() as calls, pytest.raises(labelkit.LabelkitError) as info:
            await provider.call(client)

    exc = info.value
    # The server did receive the credential, and did echo it into what labelkit got.
    assert any(form in auth for auth in server.authorizations for form in forms)
    assert server.requests == (3 if status == 500 else 1)
    if status >= 400:
        assert isinstance(exc, labelkit.APIStatusError) and exc.status == status
        assert exc.retries_taken == (2 if status == 500 else 0)
    elif kind == "envelope":
        assert isinstance(exc, labelkit.APIError)
    else:
        assert isinstance(exc, labelkit.ResponseValidationError)
    assert "[redacted]" in json.dumps(getattr(exc, "body", None))
    _assert_clean(_texts(exc), forms)
    _assert_clean([record.getMessage() for record in caplog.records], forms)
    _assert_clean([repr(call) for call in calls], forms)


def test_the_core_derives_the_encodings_of_a_registered_secret() -> None:
    from labelkit._logging import SecretRedactor

    redactor = SecretRedactor(["ab/c+d=e:f"])
    text = " ".join(sorted(forms_of(["ab/c+d=e:f"]))) + " ab%2fc%2bd%3de%3af"
    assert redactor.text(text) == " ".join(["[redacted]"] * text.count(" ")) + " [redacted]"
    nested = {"ab/c+d=e:f": ["x ab/c+d=e:f", ("ab/c+d=e:f",)], "n": 3}
    assert redactor.value(nested) == {"[redacted]": ["x [redacted]", ("[redacted]",)], "n": 3}
    assert SecretRedactor(["abc"]).text("abc") == "abc"  # too short to be a credential


# -- the CLI ---------------------------------------------------------------------------


class Command(typing.NamedTuple):
    provider: str
    env: str
    secret: str
    args: typing.Callable[[Path], list[str]]
    prefix: str  # the API root under the server's URL


def _image_dir(tmp_path: Path) -> str:
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(2):
        (folder / f"img{i}.png").write_bytes(_png(i))
    return str(folder)


def _scale_tasks(tmp_path: Path) -> str:
    task = {"instruction": "cat?", "attachment": "https://example.com/a.jpg", "categories": ["a"]}
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(task) + "\n" + json.dumps({**task, "unique_id": "u2"}) + "\n")
    return str(path)


def _urls(tmp_path: Path) -> str:
    path = tmp_path / "urls.txt"
    path.write_text("https://example.com/a.jpg\nhttps://example.com/b.jpg\n")
    return str(path)


COMMANDS = [
    Command(
        "FastLabel",
        "FASTLABEL_ACCESS_TOKEN",
        "fl/Secret+Token=Alpha0123",
        lambda tmp: ["upload", "fastlabel", _image_dir(tmp), "--project", "p", "--type", "image"],
        "/v1/",
    ),
    Command(
        "Scale",
        "SCALE_API_KEY",
        "live_Secret/Scale+Key0123",
        lambda tmp: ["upload", "scale", "--type", "categorization", _scale_tasks(tmp)],
        "",
    ),
    Command(
        "Datawow",
        "DATAWOW_PROJECT_KEY",
        "dw/Secret+Key=0123456",
        lambda tmp: [
            *("upload", "datawow", "--product", "choice", "--instruction", "x"),
            *("--categories", "a b", _urls(tmp)),
        ],
        "/api",
    ),
    Command(
        "CloudSight",
        "CLOUDSIGHT_API_KEY",
        "cs/Secret+Key0123",
        lambda tmp: ["recognize", "cloudsight", _image_dir(tmp)],
        "",
    ),
    Command(
        "RedFlag",
        "REDFLAG_TOKEN",
        JWT,
        lambda tmp: ["analyze", "redflag", *sorted(map(str, Path(_image_dir(tmp)).iterdir()))],
        "/api/v2/products/api",
    ),
]


@pytest.mark.parametrize(("status", "kind"), [(400, "json"), (401, "text")])
@pytest.mark.parametrize("command", COMMANDS, ids=[c.provider for c in COMMANDS])
def test_an_echoed_secret_never_leaks_from_the_cli(
    command: Command, status: int, kind: str, server: EchoServer, tmp_path: Path
) -> None:
    forms = forms_of([command.secret])
    server.status, server.kind, server.forms = status, kind, sorted(forms)
    server.requests = 0
    journal, output = tmp_path / "job.journal", tmp_path / "out.jsonl"
    argv = [*command.args(tmp_path), "--base-url", server.url + command.prefix]
    result = labelkit_cli(
        *argv, "--journal", str(journal), "--output", str(output), **{command.env: command.secret}
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert server.requests >= 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "[redacted]" in result.stdout  # the echo did reach the printed errors
    lines = output.read_text().splitlines()
    assert any('"failed"' in line and "[redacted]" in line for line in lines), lines
    # sqlite3's own context manager commits but never closes (3.13 warns at collection).
    with contextlib.closing(sqlite3.connect(journal)) as db:
        rows = [json.dumps(row) for row in db.execute("SELECT * FROM items")]
    assert any("[redacted]" in row for row in rows), rows
    _assert_clean([result.stdout, result.stderr, *lines, *rows], forms)


@pytest.mark.anyio
async def test_the_journal_and_cli_writers_redact_what_any_live_client_knows(
    tmp_path: Path,
) -> None:
    """The last line of defence: text that never went through a client's own redaction."""
    import argparse
    import io

    from labelkit._cli._common import describe_error
    from labelkit._cli._job import JobContext

    token = "rf/Last+Line=Token0123"
    forms = forms_of([token])
    echo = " ".join(sorted(forms))
    client = labelkit.AsyncRedFlag(token, base_url="http://127.0.0.1:9/")
    async with labelkit.Journal(tmp_path / "j.journal") as journal:
        await journal.mark_failed("a", f"boom {echo}")
        await journal.mark_ambiguous("b", f"lost {echo}")
        errors = [entry.error or "" for entry in await journal.entries()]
    out = io.StringIO()
    args = argparse.Namespace(
        concurrency=1, dry_run=False, journal=None, output=str(tmp_path / "out.jsonl")
    )
    ctx = JobContext("analyze redflag", args, out, provider="RedFlag", rate_limit=None)
    ctx.open()
    ctx.say(f"said {echo}")
    ctx.write_result("k", "failed", error=f"err {echo}", answer={"raw": echo})
    await ctx.aclose()
    described = describe_error(RuntimeError(f"not labelkit's {echo}"))
    texts = [*errors, out.getvalue(), (tmp_path / "out.jsonl").read_text(), described]
    assert all("[redacted]" in text for text in texts), texts
    _assert_clean(texts, forms)
    await client.aclose()
