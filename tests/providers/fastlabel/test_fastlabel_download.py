"""download_dataset_objects: safe paths, bounded concurrency, status checks, no token to storage."""

from __future__ import annotations

import json
import pathlib
import typing
from urllib.parse import quote

import anyio
import httpx
import pytest

from labelkit import (
    APIConnectionError,
    APIStatusError,
    UnsafePathError,
    ValidationError,
)
from labelkit._providers.fastlabel._dataset_models import DatasetObject
from labelkit._providers.fastlabel._datasets import DatasetsMixin

TOKEN = "fl-secret-token-0123456789"
SIGNATURE = "X-Amz-Signature=deadbeefsecret"
STORAGE = "https://storage.example.com/bucket/"


class _Client(DatasetsMixin):
    """Just the dataset area."""


def obj(name: str, type: str = "train", **fields: object) -> dict[str, object]:
    return {
        "name": name,
        "type": type,
        "size": 3,
        "tags": ["t"],
        "annotations": [{"type": "bbox", "value": name}],
        "customMetadata": {"k": "v"},
        "signedUrl": f"{STORAGE}{quote(name, safe='')}?{SIGNATURE}",
        **fields,
    }


def content_of(name: str) -> bytes:
    return f"content of {name}".encode() * 100


def _streamed(status: int, content: bytes) -> httpx.Response:
    # As a network transport answers: the body is a stream, read by the client.
    return httpx.Response(status, stream=httpx.ByteStream(content))


class Fake(httpx.AsyncBaseTransport):
    """The API's signed-urls listing plus a storage host, counting downloads in flight."""

    def __init__(self, objects: list[dict[str, object]], *, fail: dict[str, int] | None = None):
        self.objects = objects
        self.fail = fail or {}
        self.api_requests: list[httpx.Request] = []
        self.storage_requests: list[httpx.Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.broken: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.fastlabel.ai":
            self.api_requests.append(request)
            return _streamed(200, json.dumps(self.objects).encode())
        self.storage_requests.append(request)
        name = request.url.path.removeprefix("/bucket/")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            for _ in range(3):
                await anyio.sleep(0)  # let the other downloads start
            if name in self.broken:
                raise httpx.ReadError("connection reset", request=request)
            if name in self.fail:
                return _streamed(self.fail[name], f"denied {request.url}".encode())
            return _streamed(200, content_of(name))
        finally:
            self.in_flight -= 1


def client_for(fake: Fake) -> _Client:
    return _Client(TOKEN, rate_limit=None, max_retries=0, transport=fake)


def files_under(root: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.anyio
async def test_download_writes_objects_and_annotations(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg"), obj("sub/dir/b c.jpg", "valid"), obj("c.jpg", "none")])
    out = tmp_path / "out"
    async with client_for(fake) as client:
        written = await client.download_dataset_objects(
            "dogs", out, version="latest", tags=["t"], types=["train", "valid", "none"]
        )
    api = fake.api_requests[0]
    assert api.url.path == "/v1/dataset-revision-objects/signed-urls"
    assert api.headers["authorization"] == f"Bearer {TOKEN}"
    assert sorted(api.url.params.multi_items()) == [
        ("datasetName", "dogs"),
        ("limit", "1000"),
        ("offset", "0"),
        ("tags", "t"),
        ("types", "none"),
        ("types", "train"),
        ("types", "valid"),
        ("version", "latest"),
    ]
    assert files_under(out) == [
        "none/annotations.json",
        "none/c.jpg",
        "train/a.jpg",
        "train/annotations.json",
        "valid/annotations.json",
        "valid/sub/dir/b c.jpg",
    ]
    assert (out / "valid/sub/dir/b c.jpg").read_bytes() == content_of("sub/dir/b c.jpg")
    assert [o.name for o in written] == ["a.jpg", "sub/dir/b c.jpg", "c.jpg"]
    assert all(isinstance(o, DatasetObject) for o in written) and written.skipped == []
    assert written.path_of["a.jpg"] == str(out / "train" / "a.jpg")
    assert json.loads((out / "train/annotations.json").read_text()) == [
        {
            "name": "a.jpg",
            "annotations": [{"type": "bbox", "value": "a.jpg"}],
            "customMetadata": {"k": "v"},
            "tags": ["t"],
            "object_type": "train",
        }
    ]


@pytest.mark.anyio
async def test_storage_requests_carry_no_api_token(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg"), obj("b.jpg")])
    async with client_for(fake) as client:
        await client.download_dataset_objects("dogs", tmp_path)
    assert len(fake.storage_requests) == 2
    for request in fake.storage_requests:
        assert "authorization" not in request.headers
        assert TOKEN not in str(request.headers)
        assert "content-type" not in request.headers
        assert request.url.query.decode() == SIGNATURE  # the signed URL is used exactly


@pytest.mark.anyio
async def test_unsafe_names_are_skipped_and_reported(tmp_path: pathlib.Path) -> None:
    unsafe = [
        "../evil.txt",
        "a/../../evil.txt",
        "/etc/evil.txt",
        "C:evil.txt",
        "..\\evil.txt",
        "",
        ".",
        "a//b.txt",
        "nul\x00.txt",
        "annotations.json",
    ]
    fake = Fake([obj(name) for name in unsafe] + [obj("ok.jpg"), obj("x.jpg", type="../up")])
    out = tmp_path / "root" / "out"
    async with client_for(fake) as client:
        written = await client.download_dataset_objects("dogs", out)
    assert [o.name for o in written] == ["ok.jpg"]
    assert sorted(s.name for s in written.skipped) == sorted([*unsafe, "x.jpg"])
    assert all(s.reason for s in written.skipped)
    assert files_under(tmp_path) == ["root/out/train/annotations.json", "root/out/train/ok.jpg"]
    assert len(fake.storage_requests) == 1  # nothing fetched for the skipped names


@pytest.mark.anyio
async def test_symlink_inside_target_cannot_redirect_writes(tmp_path: pathlib.Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    (out / "train").mkdir(parents=True)
    (out / "train" / "link").symlink_to(outside, target_is_directory=True)
    fake = Fake([obj("link/x.jpg")])
    async with client_for(fake) as client:
        with pytest.raises(UnsafePathError, match="symbolic link"):
            await client.download_dataset_objects("dogs", out)
    assert list(outside.iterdir()) == [] and fake.storage_requests == []


@pytest.mark.anyio
@pytest.mark.parametrize("concurrency", [8, 3])
async def test_concurrency_is_bounded(tmp_path: pathlib.Path, concurrency: int) -> None:
    fake = Fake([obj(f"{i}.jpg") for i in range(40)])
    async with client_for(fake) as client:
        kwargs: dict[str, typing.Any] = {} if concurrency == 8 else {"concurrency": concurrency}
        written = await client.download_dataset_objects("dogs", tmp_path, **kwargs)
    assert len(written) == 40 and len(fake.storage_requests) == 40
    assert 1 < fake.max_in_flight <= concurrency


@pytest.mark.anyio
async def test_error_status_raises_and_leaves_no_partial_files(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj(f"{i}.jpg") for i in range(20)], fail={"7.jpg": 403})
    async with client_for(fake) as client:
        with pytest.raises(APIStatusError) as info:
            await client.download_dataset_objects("dogs", tmp_path)
    assert info.value.status == 403
    assert "7.jpg" in str(info.value)
    assert "deadbeefsecret" not in str(info.value) and "deadbeefsecret" not in (
        info.value.url or ""
    )
    assert not (tmp_path / "train" / "7.jpg").exists()
    assert not (tmp_path / "train" / "annotations.json").exists()
    assert not [p for p in (tmp_path / "train").iterdir() if p.name.endswith(".part")]


@pytest.mark.anyio
async def test_broken_connection_raises(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg"), obj("b.jpg")])
    fake.broken.add("b.jpg")
    async with client_for(fake) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.download_dataset_objects("dogs", tmp_path)
    assert "deadbeefsecret" not in str(info.value)
    assert not [p for p in (tmp_path / "train").iterdir() if p.name.endswith(".part")]


@pytest.mark.anyio
async def test_rerun_rewrites_annotations_instead_of_appending(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg"), obj("b.jpg")])
    async with client_for(fake) as client:
        await client.download_dataset_objects("dogs", tmp_path)
        await client.download_dataset_objects("dogs", tmp_path)
    entries = json.loads((tmp_path / "train" / "annotations.json").read_text())
    assert [e["name"] for e in entries] == ["a.jpg", "b.jpg"]


@pytest.mark.anyio
async def test_types_filter_drops_other_splits(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg", "train"), obj("b.jpg", "test")])
    async with client_for(fake) as client:
        written = await client.download_dataset_objects("dogs", tmp_path, types=["train"])
    assert [o.name for o in written] == ["a.jpg"]
    assert files_under(tmp_path) == ["train/a.jpg", "train/annotations.json"]
    assert len(fake.storage_requests) == 1


@pytest.mark.anyio
async def test_arguments_checked_before_sending(tmp_path: pathlib.Path) -> None:
    fake = Fake([obj("a.jpg")])
    async with client_for(fake) as client:
        with pytest.raises(ValidationError, match="types"):
            await client.download_dataset_objects("dogs", tmp_path, types=["training"])
        with pytest.raises(ValidationError, match="concurrency"):
            await client.download_dataset_objects("dogs", tmp_path, concurrency=0)
        with pytest.raises(ValidationError, match="revision_id"):
            await client.download_dataset_objects(
                "dogs", tmp_path, version="v1", revision_id="rev12345"
            )
    assert fake.api_requests == []
