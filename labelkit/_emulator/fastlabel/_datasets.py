"""Datasets (v2), dataset objects and the emulator's own "cloud storage".

``GET files`` hands out a signed upload URL on the emulator itself
(``PUT /storage/upload/<token>``, no auth, multipart part ``file`` or a raw
body); the bytes are streamed to a temporary file. Task contents and dataset
objects are served at ``GET /storage/download/<token>/<name>`` (no auth).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import typing
import urllib.parse
import zipfile
from typing import TYPE_CHECKING, Any

from ..._emulator import HTTPError, Request, Response, json_response, route
from ..._providers.fastlabel._dataset_models import DATASET_OBJECT_TYPES as SPLITS
from ..._providers.fastlabel._dataset_models import DATASET_VISIBILITIES as VISIBILITIES
from ._data import Invalid, decode_file, field_error, found
from ._group import RouteGroup
from ._state import Blob, Dataset, DatasetObject, Upload, ZipEntry, sha256_hex

if TYPE_CHECKING:
    pass

__all__ = ["OBJECT", "DatasetRoutes", "StorageRoutes"]

_DATASET_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
OBJECT_MAX_SIZE = 250 << 20

#: The path of one object of a dataset.
OBJECT = "dataset-revision-objects/datasets/{id}/objects/{name:path}"


class DatasetRoutes(RouteGroup):
    """Handlers for ``datasets-v2``, ``dataset-revision-objects``, ``files`` and storage."""

    # -- datasets -----------------------------------------------------------------------

    def render_dataset(self, dataset: Dataset) -> dict[str, Any]:
        return {
            "id": dataset.id,
            "name": dataset.name,
            "tags": list(dataset.tags),
            "visibility": dataset.visibility,
            "license": dataset.license,
            "revisionId": dataset.revision_id,
            "createdAt": self.store.iso(dataset.created_at),
            "updatedAt": self.store.iso(dataset.updated_at),
        }

    def dataset(self, dataset_id: str) -> Dataset:
        return found(self.store.datasets, dataset_id, "Dataset")

    def dataset_named(self, name: str) -> Dataset:
        for dataset in self.store.datasets.values():
            if dataset.name == name:
                return dataset
        raise Invalid(404, f"Dataset not found: {name}")

    def _check_name(self, name: str, dataset: Dataset | None = None) -> None:
        if not _DATASET_NAME.fullmatch(name):
            raise field_error(
                "name must contain only lowercase alphanumeric characters and hyphens"
            )
        for other in self.store.datasets.values():
            if other.name == name and other is not dataset:
                raise Invalid(409, f"Dataset name '{name}' is already in use")

    @route("POST", "datasets-v2")
    async def create_dataset(self, request: Request) -> Response:
        body = await self.emu.body(request)
        name = body.req_str("name")
        tags = body.opt_list("tags", str, max_items=5) or []
        visibility = body.opt_str("visibility", VISIBILITIES) or "workspace"
        self._check_name(name)
        now = self.emu.clock.now()
        dataset = Dataset(
            self.store.new_id(), name, tags, visibility, "", self.store.new_id(), now, now
        )
        self.store.datasets[dataset.id] = dataset
        return json_response(self.render_dataset(dataset))

    @route("GET", "datasets-v2/{id}")
    async def find_dataset(self, request: Request) -> Response:
        return json_response(self.render_dataset(self.dataset(request.path_params["id"])))

    @route("GET", "datasets-v2")
    async def list_datasets(self, request: Request) -> Response:
        query = request.query
        keyword = query.get("keyword") or ""
        tags = set(query.get_list("tags"))
        license_, visibility = query.get("license"), query.get("visibility")
        chosen = [
            d
            for d in self.store.datasets.values()
            if keyword in d.name
            and (not tags or not tags.isdisjoint(d.tags))
            and (not license_ or d.license == license_)
            and (not visibility or d.visibility == visibility)
        ]
        return json_response([self.render_dataset(d) for d in chosen[:1000]])

    @route("PUT", "datasets-v2/{id}")
    async def update_dataset(self, request: Request) -> Response:
        dataset = self.dataset(request.path_params["id"])
        body = await self.emu.body(request)
        name = body.opt_str("name")
        tags = body.opt_list("tags", str, max_items=5)
        if name is not None:
            self._check_name(name, dataset)
            dataset.name = name
        if tags is not None:
            dataset.tags = tags
        dataset.updated_at = self.emu.clock.now()
        return json_response(self.render_dataset(dataset))

    @route("DELETE", "datasets-v2/{id}")
    async def delete_dataset(self, request: Request) -> Response:
        dataset = self.dataset(request.path_params["id"])
        del self.store.datasets[dataset.id]
        return Response(200)

    # -- objects ------------------------------------------------------------------------

    def render_object(self, obj: DatasetObject) -> dict[str, Any]:
        return {
            "name": obj.name,
            "datasetId": obj.dataset.id,
            "revisionId": obj.dataset.revision_id,
            "type": obj.split,
            "contentType": obj.blob.content_type,
            "size": obj.blob.size,
            "width": obj.blob.width,
            "height": obj.blob.height,
            "hash": obj.blob.sha256,
            "tags": list(obj.tags),
            "licenses": list(obj.licenses),
            "annotations": obj.annotations,
            "customMetadata": obj.custom_metadata,
            "createdAt": self.store.iso(obj.created_at),
            "updatedAt": self.store.iso(obj.updated_at),
        }

    def _revision(self, request: Request, dataset: Dataset) -> None:
        revision, version = request.query.get("revisionId"), request.query.get("version")
        if revision and version:
            raise Invalid(400, "Only specify one of revisionId or version")
        if revision and revision != dataset.revision_id:
            raise Invalid(404, f"Dataset revision not found: {revision}")
        if version and version != "latest":
            raise Invalid(404, f"Dataset version not found: {version}")

    def _object_path(self, request: Request) -> tuple[Dataset, DatasetObject]:
        dataset = self.dataset(request.path_params["id"])
        raw = request.raw_path.split(b"/objects/", 1)[1].decode("latin-1")
        name = urllib.parse.unquote(raw)
        return dataset, found(dataset.objects, name, "Dataset object")

    def _selected(self, request: Request) -> list[DatasetObject]:
        query = self.query(request)
        dataset = self.dataset_named(query.required("datasetName"))
        self._revision(request, dataset)
        window = query.page(1000, 1000)
        params = query.params
        tags, licenses = set(params.get_list("tags")), set(params.get_list("licenses"))
        types = set(params.get_list("types"))
        if not types.issubset(SPLITS):
            raise field_error(f"each value in types must be one of: {', '.join(SPLITS)}")
        chosen = [
            o
            for o in dataset.objects.values()
            if (not tags or not tags.isdisjoint(o.tags))
            and (not licenses or not licenses.isdisjoint(o.licenses))
            and (not types or o.split in types)
        ]
        return list(window.of(chosen))

    @route("POST", "dataset-revision-objects")
    async def create_object(self, request: Request) -> Response:
        body = await self.emu.body(request)
        dataset = self.dataset_named(body.req_str("datasetName"))
        name = body.req_str("objectName")
        tags = body.opt_list("tags", str, max_items=5) or []
        licenses = body.opt_list("licenses", str, max_items=10) or []
        annotations = body.opt_list("annotations", dict) or []
        custom = body.opt_dict("customMetadata") or {}
        if name in dataset.objects:
            raise Invalid(409, f"Dataset object '{name}' already exists")
        blob = decode_file(
            body.get("filePath"), "filePath", max_size=OBJECT_MAX_SIZE, keep=self.emu.retain_size
        )
        self.emu.publish(blob)
        now = self.emu.clock.now()
        obj = DatasetObject(name, dataset, blob, tags, licenses, annotations, custom, now, now)
        dataset.objects[name] = obj
        return json_response(self.render_object(obj))

    @route("PUT", "dataset-revision-objects")
    async def update_object(self, request: Request) -> Response:
        body = await self.emu.body(request)
        dataset = self.dataset(body.req_str("datasetId"))
        obj = found(dataset.objects, body.req_str("objectName"), "Dataset object")
        tags = body.opt_list("tags", str, max_items=5)
        licenses = body.opt_list("licenses", str, max_items=10)
        annotations = body.opt_list("annotations", dict)
        custom = body.opt_dict("customMetadata")
        obj.tags = obj.tags if tags is None else tags
        obj.licenses = obj.licenses if licenses is None else licenses
        obj.annotations = obj.annotations if annotations is None else annotations
        obj.custom_metadata = obj.custom_metadata if custom is None else custom
        obj.split = body.opt_str("type", SPLITS) or obj.split
        obj.updated_at = self.emu.clock.now()
        return json_response(self.render_object(obj))

    @route("GET", OBJECT)
    async def find_object(self, request: Request) -> Response:
        dataset, obj = self._object_path(request)
        self._revision(request, dataset)
        return json_response(self.render_object(obj))

    @route("DELETE", OBJECT)
    async def delete_object(self, request: Request) -> Response:
        dataset, obj = self._object_path(request)
        del dataset.objects[obj.name]
        return Response(200)

    @route("GET", "dataset-revision-objects")
    async def list_objects(self, request: Request) -> Response:
        return json_response([self.render_object(o) for o in self._selected(request)])

    @route("GET", "dataset-revision-objects/signed-urls")
    async def signed_urls(self, request: Request) -> Response:
        base = self.emu.base(request)
        return json_response(
            [
                {**self.render_object(o), "signedUrl": self.emu.download_url(base, o.blob, o.name)}
                for o in self._selected(request)
            ]
        )

    # -- storage ------------------------------------------------------------------------

    @route("GET", "files")
    async def signed_upload(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        file_name = query.required("fileName")
        file_type = query.get("fileType") or "application/octet-stream"
        token = sha256_hex(self.store.new_id().encode())[:32]
        key = f"{project.id}/uploads/{token[:12]}/{file_name}"
        upload = Upload(token, key, project, file_name, file_type, self.emu.clock.now())
        self.store.uploads[token] = upload
        self.store.file_keys[key] = upload
        url = f"{self.emu.base(request)}/storage/upload/{token}?X-Expires=3600"
        return json_response({"url": url, "name": key})


class StorageRoutes(RouteGroup):
    """The unauthenticated ``/storage`` routes the signed URLs point at."""

    @route("PUT", "/storage/upload/{token}")
    async def storage_put(self, request: Request) -> Response:
        """``PUT /storage/upload/<token>``: store a multipart part ``file`` or the raw body."""
        upload = self.store.uploads.get(request.path_params["token"])
        if upload is None:
            raise HTTPError(403, "The signed URL is invalid or has expired")
        media_type = request.content_type.partition(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            form = await request.multipart()  # streamed; big parts spool to disk
            part = form.file("file")
            if part is None:
                raise HTTPError(400, "multipart body without a part named 'file'")
            blob = self._keep(part.file, part.size, part.sha256, upload.file_type)
        else:
            with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spooled:
                hasher, size = hashlib.sha256(), 0
                async for chunk in request.stream():
                    spooled.write(chunk)
                    hasher.update(chunk)
                    size += len(chunk)
                blob = self._keep(spooled, size, hasher.hexdigest(), upload.file_type)
        upload.blob = blob
        return Response(200)

    def _keep(self, file: typing.IO[bytes], size: int, digest: str, content_type: str) -> Blob:
        """A blob of an upload still on disk: bytes if small, zip members if a zip."""
        file.seek(0)
        data = file.read() if size <= self.emu.retain_size else None
        blob = Blob(size, digest, data=data, content_type=content_type)
        blob.entries = _zip_entries(file, self.emu.retain_size)
        return blob

    @route("GET", "/storage/download/{token}/{name:path}")
    async def storage_get(self, request: Request) -> Response:
        """``GET /storage/download/<token>/<name>``: the stored bytes."""
        blob = self.store.downloads.get(request.path_params["token"])
        if blob is None:
            raise HTTPError(404, "NoSuchKey")
        if not blob.retained:
            raise HTTPError(410, "content larger than the emulator's retain_size is not kept")
        assert blob.data is not None
        return Response(200, blob.data, [("content-type", blob.content_type)])


def _zip_entries(file: typing.IO[bytes], budget: int) -> list[ZipEntry] | None:
    """The members of a zip (bytes of small ones, within ``budget`` in total), else None."""
    if not hasattr(file, "seekable"):
        # SpooledTemporaryFile before 3.11 lacks seekable(), which zipfile needs.
        file = typing.cast("typing.IO[bytes]", getattr(file, "_file", file))
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            entries: list[ZipEntry] = []
            for info in archive.infolist():
                data = None
                if not info.is_dir() and info.file_size <= min(budget, 1 << 20):
                    data = archive.read(info)
                    budget -= len(data)
                entries.append((info.filename, info.file_size, data))
            return entries
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
