"""FastLabel streamed uploads: the streamed JSON is exactly ``json.dumps`` of the materialised
body, its length is known in advance, and memory does not grow with the file size."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import typing

import httpx
import pytest

import labelkit
from labelkit._providers.fastlabel._upload import (
    Base64File,
    JsonStream,
    b64_length,
    check_file,
    holds_files,
    json_body,
)
from labelkit.fastlabel import AsyncFastLabel
from tests._support import REPO

from ._fastlabel_files import sparse

pytestmark = pytest.mark.anyio

CHUNK = 3 * 256 * 1024


def materialised(body: object) -> bytes:
    def walk(value: object) -> object:
        if isinstance(value, Base64File):
            return base64.b64encode(value.path.read_bytes()).decode()
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(body), separators=(",", ":"), ensure_ascii=False).encode()


async def streamed(stream: JsonStream) -> bytes:
    return b"".join([chunk async for chunk in stream.stream()])


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 2])
async def test_stream_equals_json_dumps(tmp_path: pathlib.Path, size: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(size))
    other = tmp_path / "g.bin"
    other.write_bytes(b"\xff" * 7)
    body = {
        "project": "p",
        "name": 'ünï "quoted" \\ name',
        "file": Base64File(path),
        "contents": [
            {"name": "g", "file": Base64File(other)},
            {"name": "f", "file": Base64File(path)},
        ],
        "priority": 0,
        "n": None,
        "tags": ["a"],
    }
    stream = await json_body(body)
    assert isinstance(stream, JsonStream)
    data = await streamed(stream)
    assert data == materialised(body)
    assert stream.length == len(data)
    assert await streamed(stream) == data  # a fresh stream per attempt (retries)


async def test_large_body_is_streamed_in_chunks_with_the_same_bytes(tmp_path: pathlib.Path) -> None:
    # Above 768 KiB the body is read and encoded chunk by chunk (not in one piece).
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(3 * 256 * 1024 * 2 + 5))
    body = {"project": "p", "file": Base64File(path), "tail": "é"}
    stream = await json_body(body)
    assert isinstance(stream, JsonStream)
    pieces = [piece async for piece in stream.stream()]
    assert len(pieces) > 3
    assert b"".join(pieces) == materialised(body)
    assert stream.length == sum(len(piece) for piece in pieces)


async def test_body_without_files_is_plain_json() -> None:
    assert await json_body({"a": [1, "é"]}) == b'{"a":[1,"\xc3\xa9"]}'


def test_b64_length() -> None:
    for n in range(50):
        assert b64_length(n) == len(base64.b64encode(b"x" * n))


async def test_file_shrinking_during_upload_is_an_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    stream = await json_body({"file": Base64File(path, size=200)})
    assert isinstance(stream, JsonStream)
    with pytest.raises(labelkit.ValidationError, match="shrank"):
        await streamed(stream)


async def test_file_growing_during_upload_is_an_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    stream = await json_body({"file": Base64File(path, size=50)})
    assert isinstance(stream, JsonStream)
    with pytest.raises(labelkit.ValidationError, match="grew"):
        await streamed(stream)


async def test_body_above_the_server_limit_is_rejected(tmp_path: pathlib.Path) -> None:
    path = sparse(tmp_path / "huge.bin", 403 * 1024 * 1024)  # base64 above 536,870,888
    with pytest.raises(labelkit.ValidationError, match="536870888"):
        await json_body({"file": Base64File(path)})


async def test_check_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a.PNG"
    path.write_bytes(b"x" * 10)
    checked = await check_file(path, field="f", extensions=(".png",), max_bytes=10)
    assert checked == path
    with pytest.raises(labelkit.ValidationError, match="at most 9 bytes"):
        await check_file(path, field="f", extensions=None, max_bytes=9)
    with pytest.raises(labelkit.ValidationError, match="not found"):
        await check_file(tmp_path / "nope.png", field="f", extensions=None, max_bytes=None)
    with pytest.raises(labelkit.ValidationError, match="not a regular file"):
        await check_file(tmp_path, field="f", extensions=None, max_bytes=None)


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, socket, sys, threading
    import anyio
    sys.path.insert(0, sys.argv[1])
    from tests.providers.fastlabel._fastlabel_files import write_mp4
    from labelkit.fastlabel import AsyncFastLabel

    received = {}

    def status(key):
        with open("/proc/self/status") as f:
            return int(next(l for l in f if l.startswith(key)).split()[1])

    def rss_kib(reset_peak):
        # Linux: reset the peak (VmHWM) to the current RSS, so the peak measures the upload only.
        try:
            if reset_peak:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            return status("VmRSS:")
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def peak_kib():
        try:
            return status("VmHWM:")
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def serve(listener):
        conn, _ = listener.accept()
        with conn:
            head = b""
            while b"\\r\\n\\r\\n" not in head:
                head += conn.recv(65536)
            head, _, rest = head.partition(b"\\r\\n\\r\\n")
            lines = head.decode().split("\\r\\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            length = int(headers["Content-Length"])
            count, first, last = len(rest), rest[:60], rest[-40:]
            while count < length:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    break
                count += len(chunk)
                first = first if len(first) >= 60 else (first + chunk)[:60]
                last = (last + chunk)[-40:]
            received.update(length=length, count=count, first=first, last=last, line=lines[0])
            conn.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n'
                         b'Content-Length: 4\\r\\nConnection: close\\r\\n\\r\\n"t1"')

    async def main(path):
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}/v1/"
        async with AsyncFastLabel("token", base_url=base, rate_limit=None) as client:
            await anyio.sleep(0)
            before = rss_kib(reset_peak=True)
            task_id = await client.create_video_task("proj", "big.mp4", path)
            after = peak_kib()
        thread.join()
        print(task_id, (after - before) * 1024, received["length"], received["count"],
              received["first"].decode(), received["last"].decode(), received["line"], sep="|")

    path = write_mp4(__import__("pathlib").Path(sys.argv[2]), mdat_size=200 * 1000 * 1000)
    anyio.run(main, path)
    """
)


def test_200_mb_video_upload_keeps_memory_flat(tmp_path: pathlib.Path) -> None:
    root = REPO
    video = tmp_path / "big.mp4"
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(root), str(video)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    task_id, growth, length, count, first, last, line = result.stdout.strip().split("|")
    size = video.stat().st_size
    assert task_id == "t1" and line == "POST /v1/tasks/video HTTP/1.1"
    assert (
        int(count)
        == int(length)
        == len('{"project":"proj","name":"big.mp4","file":""}') + (b64_length(size))
    )
    assert first.startswith('{"project":"proj","name":"big.mp4","file":"AAAA')
    assert last.endswith('"}')
    print(f"peak RSS growth {int(growth) / 2**20:.1f} MiB")
    assert int(growth) < 32 * 1024 * 1024, f"peak RSS grew by {int(growth) / 2**20:.1f} MiB"


def test_holds_files_looks_everywhere_json_body_does(tmp_path: pathlib.Path) -> None:
    file = Base64File(tmp_path / "a.png", size=1)
    assert holds_files(file)
    assert holds_files({"a": [{"b": (1, file)}]})
    assert not holds_files({"a": [{"b": (1, "x")}], "f": str(file.path)})
    assert not holds_files(None)


async def test_a_body_without_files_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, content=b'{"id": "p1"}')

    encodings: list[object] = []
    real_dumps = json.dumps

    def counting_dumps(value: object, **options: typing.Any) -> str:
        if isinstance(value, dict) and "slug" in value:  # the body (not, e.g., a log record's)
            encodings.append(value)
        return real_dumps(value, **options)

    monkeypatch.setattr(json, "dumps", counting_dumps)
    client = AsyncFastLabel(
        "t", base_url="https://fl.test/v1/", transport=httpx.MockTransport(answer)
    )
    async with client:
        await client.create_project(type="image_bbox", name="P é", slug="p")
    assert len(encodings) == 1
    assert sent == [real_dumps(encodings[0], separators=(",", ":"), ensure_ascii=False).encode()]
