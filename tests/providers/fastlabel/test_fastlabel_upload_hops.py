"""Small FastLabel uploads are read and encoded while they are checked: at most one
worker-thread hop per create (none up to ``INLINE_READ`` bytes), the body sent as the
exact bytes ``json.dumps`` would give."""

from __future__ import annotations

import base64
import json
import os
import pathlib

import anyio.to_thread
import pytest

from labelkit._providers.fastlabel import _upload
from labelkit._providers.fastlabel._upload import (
    INLINE_READ,
    READ_AHEAD,
    JsonStream,
    inspect_file,
    json_body,
)

pytestmark = pytest.mark.anyio


async def _body(stream: JsonStream) -> bytes:
    return b"".join([chunk async for chunk in stream.stream()])


@pytest.mark.parametrize("size", [0, 1, 2, 3, 22 * 1024, INLINE_READ, INLINE_READ + 1, READ_AHEAD])
async def test_a_small_file_is_sent_as_read_at_check_time(
    tmp_path: pathlib.Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(size)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    hops: list[object] = []
    real = anyio.to_thread.run_sync

    async def counting(fn: object, *args: object, **kwargs: object) -> object:
        hops.append(fn)
        return await real(fn, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_upload.anyio.to_thread, "run_sync", counting)
    checked = await inspect_file(
        path, field="file_path", extensions=(".png",), max_bytes=None, read_up_to=READ_AHEAD
    )
    assert checked.size == size
    assert checked.encoded == base64.b64encode(data)
    body = await json_body({"project": "p", "file": checked.base64("file_path"), "n": "é"})
    assert isinstance(body, JsonStream)
    sent = await _body(body)
    # The check (on the loop for a file of INLINE_READ bytes or less); the body hops no more.
    assert len(hops) == (0 if size <= INLINE_READ else 1)
    expected = {"project": "p", "file": base64.b64encode(data).decode(), "n": "é"}
    assert sent == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode()
    assert body.length == len(sent)
    assert await _body(body) == sent  # replayable


async def test_a_larger_file_is_streamed(tmp_path: pathlib.Path) -> None:
    data = os.urandom(READ_AHEAD + 1)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    checked = await inspect_file(
        path, field="file_path", extensions=None, max_bytes=None, read_up_to=READ_AHEAD
    )
    assert checked.encoded is None
    body = await json_body({"file": checked.base64("file_path")})
    assert isinstance(body, JsonStream)
    assert len(body.parts) > 1
    assert (
        await _body(body)
        == json.dumps({"file": base64.b64encode(data).decode()}).replace(" ", "").encode()
    )


async def test_without_read_up_to_nothing_is_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(b"123")
    checked = await inspect_file(path, field="file_path", extensions=None, max_bytes=None)
    assert (checked.size, checked.encoded) == (3, None)
