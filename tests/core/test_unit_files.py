"""Unit tests of labelkit._files: file inputs, validation, and streamed multipart bodies."""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import pathlib
import typing
from collections.abc import AsyncIterator

import httpx
import pytest

from labelkit._config import Timeout
from labelkit._errors import ValidationError
from labelkit._files import (
    CHUNK_SIZE,
    MultipartBody,
    UploadFile,
    multipart_body,
    prepare_upload,
)
from labelkit._http import HttpRequest, HttpSession

pytestmark = pytest.mark.anyio

IMAGES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


def parse(body: MultipartBody, data: bytes) -> list[email.message.EmailMessage]:
    """The parts of a multipart body, by the standard library's MIME parser."""
    head = f"Content-Type: {body.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    assert isinstance(message, email.message.EmailMessage)
    assert message.is_multipart()
    assert not message.defects
    return [typing.cast(email.message.EmailMessage, part) for part in message.iter_parts()]


@pytest.fixture
def png_file(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "Photo.PNG"
    path.write_bytes(PNG)
    return path


# --- the forms of a FileInput --------------------------------------------------------


async def test_a_path(png_file: pathlib.Path) -> None:
    upload = await prepare_upload(png_file, allowed=IMAGES)
    assert upload.filename == "Photo.PNG"
    assert upload.content_type == "image/png"  # the extension, case-insensitively
    assert upload.size == len(PNG)
    assert upload.replayable
    assert await collect(upload.chunks()) == PNG


async def test_a_str_path(png_file: pathlib.Path) -> None:
    upload = await prepare_upload(str(png_file), allowed=IMAGES)
    assert (upload.filename, upload.content_type, upload.size) == (
        "Photo.PNG",
        "image/png",
        len(PNG),
    )
    assert await collect(upload.chunks()) == PNG


async def test_a_filename_overrides_the_path_name(png_file: pathlib.Path) -> None:
    upload = await prepare_upload(png_file, filename="other.jpg", allowed=IMAGES)
    assert (upload.filename, upload.content_type) == ("other.jpg", "image/jpeg")


async def test_bytes_need_a_filename() -> None:
    with pytest.raises(ValidationError, match=r"^image: bytes need a filename=") as info:
        await prepare_upload(PNG, field="image")
    assert info.value.field == "image"
    upload = await prepare_upload(PNG, filename="a.jpeg", allowed=IMAGES)
    assert (upload.filename, upload.content_type, upload.size) == ("a.jpeg", "image/jpeg", len(PNG))
    assert upload.replayable
    assert await collect(upload.chunks()) == PNG


async def test_a_bytearray_is_copied() -> None:
    data = bytearray(b"abc")
    upload = await prepare_upload(data, filename="x.bin")
    data[0] = ord("z")
    assert await collect(upload.chunks()) == b"abc"


async def test_a_named_file_object(png_file: pathlib.Path) -> None:
    with open(png_file, "rb") as handle:
        upload = await prepare_upload(handle, allowed=IMAGES)
        assert (upload.filename, upload.content_type, upload.size) == (
            "Photo.PNG",
            "image/png",
            len(PNG),
        )
        assert upload.replayable
        assert await collect(upload.chunks()) == PNG


async def test_a_file_object_is_read_from_its_position() -> None:
    handle = io.BytesIO(b"HEADERpayload")
    handle.seek(6)
    upload = await prepare_upload(handle, filename="p.txt")
    assert (upload.size, upload.start) == (7, 6)
    assert handle.tell() == 6  # sizing it did not move it
    assert await collect(upload.chunks()) == b"payload"
    # A retry re-reads from the same position, not from where the last read stopped.
    assert await collect(upload.chunks()) == b"payload"


async def test_a_file_object_without_a_name_needs_a_filename() -> None:
    with pytest.raises(ValidationError, match="pass filename="):
        await prepare_upload(io.BytesIO(b"x"), field="doc")
    upload = await prepare_upload(io.BytesIO(b"x"), filename="d.pdf")
    assert upload.content_type == "application/octet-stream"


class Unseekable(io.RawIOBase):
    name = "stream.png"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: typing.Any) -> int:
        return 0


async def test_an_unseekable_file_object_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be seekable"):
        await prepare_upload(typing.cast(typing.BinaryIO, Unseekable()))


async def test_an_unseekable_file_object_error_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        await prepare_upload(typing.cast(typing.BinaryIO, Unseekable()), field="image")
    assert info.value.field == "image"


@pytest.mark.parametrize("bad", [123, None, 1.5, ["a.png"]])
async def test_anything_else_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"^upload: expected a path, bytes or a binary file"):
        await prepare_upload(typing.cast(typing.Any, bad), field="upload")


# --- validation ----------------------------------------------------------------------


async def test_a_missing_file(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nope.png"
    with pytest.raises(ValidationError, match="file not found") as info:
        await prepare_upload(missing, field="image")
    assert info.value.field == "image"
    assert str(missing) in str(info.value)


async def test_a_directory_is_not_a_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValidationError, match="not a regular file"):
        await prepare_upload(tmp_path)


async def test_an_extension_not_allowed(png_file: pathlib.Path) -> None:
    with pytest.raises(ValidationError) as info:
        await prepare_upload(png_file, field="image", allowed={"jpg": "image/jpeg"})
    assert str(info.value) == "image: 'Photo.PNG' has an unsupported file type (limit: one of jpg)"
    assert info.value.limit == "one of jpg"
    with pytest.raises(ValidationError, match="one of jpeg, jpg, png"):
        await prepare_upload(b"x", filename="noext", allowed=IMAGES)


async def test_the_size_limit(png_file: pathlib.Path) -> None:
    assert (await prepare_upload(png_file, max_size=len(PNG))).size == len(PNG)
    with pytest.raises(ValidationError) as info:
        await prepare_upload(png_file, field="image", max_size=len(PNG) - 1)
    assert info.value.limit == f"at most {len(PNG) - 1} bytes"
    assert str(info.value).startswith(f"image: 'Photo.PNG' is {len(PNG)} bytes")
    handle = io.BytesIO(b"0123456789")
    handle.seek(5)
    # Only what is left of a file object counts.
    assert (await prepare_upload(handle, filename="f", max_size=5)).size == 5


async def test_a_large_file_is_streamed_in_bounded_chunks(tmp_path: pathlib.Path) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 17)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    for source in (path, data):
        upload = await prepare_upload(source, filename="big.bin")
        chunks = [chunk async for chunk in upload.chunks()]
        assert b"".join(chunks) == data
        assert len(chunks) >= 3
        assert max(map(len, chunks)) <= CHUNK_SIZE


# --- multipart bodies ----------------------------------------------------------------


async def test_a_multipart_body_has_its_exact_length_and_parses(png_file: pathlib.Path) -> None:
    upload = await prepare_upload(png_file, allowed=IMAGES)
    body = multipart_body(
        fields=[("projectId", "p-1"), ("note", "é ü")],
        files=[("file", upload), ("copy", await prepare_upload(b"hi", filename="h.txt"))],
    )
    assert body.content_type.startswith("multipart/form-data; boundary=")
    data = await collect(body.stream())
    assert len(data) == body.length
    parts = parse(body, data)
    assert [p.get_param("name", header="content-disposition") for p in parts] == [
        "projectId",
        "note",
        "file",
        "copy",
    ]
    assert parts[0].get_content() == "p-1"
    assert parts[1].get_payload(decode=True) == "é ü".encode()
    assert parts[2].get_filename() == "Photo.PNG"
    assert parts[2].get_content_type() == "image/png"
    assert parts[2].get_payload(decode=True) == PNG
    assert parts[3].get_filename() == "h.txt"
    assert parts[3].get_content_type() == "application/octet-stream"
    assert parts[3].get_payload(decode=True) == b"hi"


async def test_a_replayable_body_gives_the_same_bytes_twice(png_file: pathlib.Path) -> None:
    with open(png_file, "rb") as handle:
        uploads = [
            await prepare_upload(png_file),
            await prepare_upload(str(png_file)),
            await prepare_upload(PNG, filename="b.png"),
            await prepare_upload(handle),
        ]
        body = multipart_body(
            fields=[("a", "b")], files=[(f"f{i}", u) for i, u in enumerate(uploads)]
        )
        assert body.replayable
        first = await collect(body.stream())
        second = await collect(body.stream())
    assert first == second
    assert len(first) == body.length
    assert first.count(PNG) == 4


async def test_a_body_with_an_unseekable_source_is_not_replayable() -> None:
    upload = UploadFile(
        filename="s.bin",
        content_type="application/octet-stream",
        size=0,
        source=typing.cast(typing.BinaryIO, Unseekable()),
    )
    assert not upload.replayable
    assert not multipart_body(files=[("f", upload)]).replayable
    assert multipart_body(fields=[("only", "text")]).replayable


async def test_each_body_has_its_own_boundary() -> None:
    one, two = multipart_body(fields=[("a", "1")]), multipart_body(fields=[("a", "1")])
    assert one.content_type != two.content_type
    boundary = one.content_type.split("boundary=", 1)[1]
    data = await collect(one.stream())
    assert data.startswith(f"--{boundary}\r\n".encode())
    assert data.endswith(f"--{boundary}--\r\n".encode())


async def test_part_content_types_can_be_left_out() -> None:
    upload = await prepare_upload(PNG, filename="a.png", allowed=IMAGES)
    body = multipart_body(files=[("file", upload)], part_content_types=False)
    data = await collect(body.stream())
    assert len(data) == body.length
    assert b"Content-Type" not in data
    (part,) = parse(body, data)
    assert part.get_filename() == "a.png"
    assert part.get_payload(decode=True) == PNG


async def test_names_cannot_break_out_of_their_header() -> None:
    upload = await prepare_upload(b"x", filename='evil"\r\nX-Injected: 1.txt')
    body = multipart_body(fields=[('na"me\n', "v")], files=[("f\r", upload)])
    data = await collect(body.stream())
    assert len(data) == body.length
    assert b"\r\nX-Injected" not in data
    parts = parse(body, data)
    assert len(parts) == 2
    assert all(part.get("X-Injected") is None for part in parts)
    assert parts[1].get_payload(decode=True) == b"x"


async def test_an_empty_body_is_just_the_closing_boundary() -> None:
    body = multipart_body()
    data = await collect(body.stream())
    assert len(data) == body.length
    assert data.startswith(b"--") and data.endswith(b"--\r\n")


async def test_a_body_streams_over_a_session_with_its_length(png_file: pathlib.Path) -> None:
    received: list[tuple[httpx.Headers, bytes]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        received.append((request.headers, await request.aread()))
        return httpx.Response(200)

    body = multipart_body(fields=[("k", "v")], files=[("file", await prepare_upload(png_file))])
    session = HttpSession(
        base_url="http://127.0.0.1:8123/", headers={}, transport=httpx.MockTransport(handler)
    )
    request = HttpRequest(
        "POST",
        "upload",
        headers={"Content-Type": body.content_type, "Content-Length": str(body.length)},
        content=body.stream,
    )
    try:
        for _ in range(2):  # a retry sends the whole body again
            await session.send(request, Timeout.of(None), budget=None)
    finally:
        await session.aclose()
    assert len(received) == 2
    for headers, data in received:
        assert headers["Content-Length"] == str(body.length)
        assert "Transfer-Encoding" not in headers
        assert len(data) == body.length
        assert parse(body, data)[1].get_payload(decode=True) == PNG
