"""FastLabel: datasets and dataset objects (sections 6.9, 6.10).

Mind the identifiers: creating, listing and downloading objects take the
dataset *name*; finding, updating and deleting them take the dataset *id*.
"""

from __future__ import annotations

import copy
import os
import pathlib
from collections.abc import AsyncIterator, Mapping, Sequence

from ..._errors import ValidationError
from ..._models import structure
from ..._paths import segment
from ._area import (
    AreaBase,
    Listing,
    check_choices,
    not_none,
    string_list,
    truthy,
)
from ._dataset_models import (
    DATASET_OBJECT_TYPES,
    Dataset,
    DatasetDownload,
    DatasetObject,
)
from ._download import DEFAULT_CONCURRENCY, download_objects
from ._upload import MIB, PathInput, inspect_file

__all__ = ["MAX_DATASET_OBJECT_BYTES", "DatasetsMixin"]

_MAX = 1000
#: Largest file ``create_dataset_object`` accepts (250 MiB).
MAX_DATASET_OBJECT_BYTES = 250 * MIB
_OBJECTS = Listing("dataset-revision-objects", DatasetObject, _MAX, _MAX, keep_zero=True)
_SIGNED_OBJECTS = Listing(
    "dataset-revision-objects/signed-urls", DatasetObject, _MAX, _MAX, keep_zero=True
)


def _revision_query(version: str | None, revision_id: str | None) -> dict[str, object]:
    if version and revision_id:
        raise ValidationError(
            "revision_id", "give revision_id or version, not both", limit="one of them"
        )
    return truthy(revisionId=revision_id, version=version)


def _objects_query(
    dataset: str,
    version: str | None,
    tags: Sequence[str] | None,
    licenses: Sequence[str] | None,
    revision_id: str | None,
    types: Sequence[str] | None,
) -> dict[str, object]:
    type_list = string_list(types, "types")
    check_choices(type_list, DATASET_OBJECT_TYPES, "types")
    return {
        "datasetName": dataset,
        **_revision_query(version, revision_id),
        **truthy(
            tags=string_list(tags, "tags"),
            licenses=string_list(licenses, "licenses"),
            types=type_list,
        ),
    }


def _object_fields(
    tags: Sequence[str] | None,
    licenses: Sequence[str] | None,
    annotations: Sequence[Mapping[str, object]] | None,
    custom_metadata: Mapping[str, object] | None,
) -> dict[str, object]:
    tag_list = string_list(tags, "tags")
    license_list = string_list(licenses, "licenses")
    if custom_metadata is not None and not isinstance(custom_metadata, Mapping):
        raise ValidationError("custom_metadata", "must be a dict of strings")
    return {
        "tags": tag_list,
        "licenses": license_list,
        "annotations": copy.deepcopy(list(annotations)) if annotations is not None else None,
        "customMetadata": dict(custom_metadata) if custom_metadata is not None else None,
    }


class DatasetsMixin(AreaBase):
    """Datasets and dataset objects (sections 6.9, 6.10)."""

    async def find_dataset(self, dataset_id: str) -> Dataset:
        """One dataset (its latest version) by id."""
        return await self._get_model(
            f"datasets-v2/{segment(dataset_id, field='dataset_id')}", Dataset
        )

    async def get_datasets(
        self,
        keyword: str | None = None,
        tags: Sequence[str] | None = None,
        license: str | None = None,
        visibility: str | None = None,
    ) -> list[Dataset]:
        """The workspace's datasets (up to 1,000; this endpoint has no paging).

        ``tags`` matches datasets having any of them; ``visibility`` is
        ``workspace``, ``public`` or ``organization``.
        """
        query = truthy(
            keyword=keyword,
            tags=string_list(tags, "tags"),
            license=license,
            visibility=visibility,
        )
        return await self._get_models("datasets-v2", query, Dataset)

    async def create_dataset(
        self,
        name: str,
        tags: Sequence[str] | None = None,
        visibility: str | None = None,
    ) -> Dataset:
        """Create a dataset.

        The API documents ``name`` as lowercase letters, digits and ``-`` and
        at most 5 ``tags``; as with the SDK, the server judges both.
        """
        tag_list = string_list(tags, "tags")
        body = {"name": name, **truthy(tags=tag_list, visibility=visibility)}
        return await self._post_model("datasets-v2", body, Dataset)

    async def update_dataset(
        self,
        dataset_id: str,
        name: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> Dataset:
        """Rename a dataset and/or replace its tags (``tags=[]`` clears them).

        Unlike the SDK, an omitted ``name`` is left out of the request rather
        than sent as ``null``.
        """
        tag_list = string_list(tags, "tags")
        body = not_none(name=name, tags=tag_list)
        path = f"datasets-v2/{segment(dataset_id, field='dataset_id')}"
        return structure(await self._call("PUT", path, body=body), Dataset)

    async def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset, with its objects and the tasks made from them."""
        await self._call("DELETE", f"datasets-v2/{segment(dataset_id, field='dataset_id')}")

    async def create_dataset_object(
        self,
        dataset: str,
        name: str,
        file_path: PathInput,
        tags: Sequence[str] | None = None,
        licenses: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, object]] | None = None,
        custom_metadata: Mapping[str, object] | None = None,
    ) -> DatasetObject:
        """Upload a file (any type, at most 250 MiB) as object ``name`` of ``dataset`` (a name).

        It lands in the ``latest`` version. The API documents at most 5
        ``tags`` and 10 ``licenses`` (the server judges them, as with the SDK);
        ``annotations`` are sent as given (not sanitised);
        ``custom_metadata`` is a string map. The file is streamed base64-encoded.
        """
        fields = truthy(**_object_fields(tags, licenses, annotations, custom_metadata))
        checked = await inspect_file(
            file_path, field="file_path", extensions=None, max_bytes=MAX_DATASET_OBJECT_BYTES
        )
        body = {
            "datasetName": dataset,
            "objectName": name,
            "filePath": checked.base64("file_path"),
            **fields,
        }
        return await self._post_model("dataset-revision-objects", body, DatasetObject)

    async def find_dataset_object(
        self,
        dataset_id: str,
        object_name: str,
        version: str | None = None,
        revision_id: str | None = None,
    ) -> DatasetObject:
        """One object of a dataset (by id), in ``version`` or ``revision_id`` (not both)."""
        query = _revision_query(version, revision_id)
        data = await self._get_json(self._object_path(dataset_id, object_name), query)
        return structure(data, DatasetObject)

    async def get_dataset_objects(
        self,
        dataset: str,
        version: str | None = None,
        tags: Sequence[str] | None = None,
        licenses: Sequence[str] | None = None,
        revision_id: str | None = None,
        types: Sequence[str] | None = None,
        offset: int | None = 0,
        limit: int | None = 1000,
    ) -> list[DatasetObject]:
        """One page of the objects of ``dataset`` (a name), at most 1,000.

        ``types`` filters on the split: ``none``, ``train``, ``valid``,
        ``test``. See :meth:`iter_dataset_objects`.
        """
        query = _objects_query(dataset, version, tags, licenses, revision_id, types)
        return await self._page(_OBJECTS, query, offset, limit)

    def iter_dataset_objects(
        self,
        dataset: str,
        version: str | None = None,
        tags: Sequence[str] | None = None,
        licenses: Sequence[str] | None = None,
        revision_id: str | None = None,
        types: Sequence[str] | None = None,
    ) -> AsyncIterator[DatasetObject]:
        """Every object of ``dataset`` matching the filters, fetched lazily 1,000 at a time."""
        query = _objects_query(dataset, version, tags, licenses, revision_id, types)
        return self._every(_OBJECTS, query)

    async def download_dataset_objects(
        self,
        dataset: str,
        path: PathInput,
        version: str | None = None,
        revision_id: str | None = None,
        tags: Sequence[str] | None = None,
        licenses: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        offset: int | None = 0,
        limit: int | None = 1000,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> DatasetDownload:
        """Download one page of objects to ``path/<type>/<object name>``.

        Each type folder also gets ``annotations.json`` (``[{name,
        annotations, customMetadata, tags, object_type}]``), rewritten, not
        appended to, on every run. With ``types``, only objects of those
        splits are written. Names that would leave ``path`` (``..``, absolute
        ...) are skipped and listed in the result's ``skipped``; a symbolic
        link below ``path`` (a sub-folder or a file such as
        ``annotations.json``) raises :class:`~labelkit.UnsafePathError`
        before anything is fetched or created. Files are
        streamed ``concurrency`` at a time from signed storage URLs (which
        never receive the API token); a failed download raises.
        Returns the objects written.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValidationError("concurrency", "must be an int >= 1")
        if not isinstance(path, (str, os.PathLike)):
            raise ValidationError("path", f"expected a folder path, got {type(path).__name__}")
        query = _objects_query(dataset, version, tags, licenses, revision_id, types)
        objects = await self._page(_SIGNED_OBJECTS, query, offset, limit)
        if types:
            wanted = set(types)
            objects = [obj for obj in objects if (obj.type or "none") in wanted]
        return await download_objects(self, objects, pathlib.Path(path), concurrency=concurrency)

    async def update_dataset_object(
        self,
        dataset_id: str,
        object_name: str,
        tags: Sequence[str] | None = None,
        licenses: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, object]] | None = None,
        custom_metadata: Mapping[str, object] | None = None,
    ) -> DatasetObject:
        """Replace the given fields of an object (``None`` = unchanged, ``[]``/``{}`` = clear)."""
        body = {
            "datasetId": dataset_id,
            "objectName": object_name,
            **not_none(**_object_fields(tags, licenses, annotations, custom_metadata)),
        }
        data = await self._call("PUT", "dataset-revision-objects", body=body)
        return structure(data, DatasetObject)

    async def delete_dataset_object(self, dataset_id: str, object_name: str) -> None:
        """Delete one object of a dataset (by id)."""
        await self._call("DELETE", self._object_path(dataset_id, object_name))

    @staticmethod
    def _object_path(dataset_id: str, object_name: str) -> str:
        return (
            f"dataset-revision-objects/datasets/{segment(dataset_id, field='dataset_id')}"
            f"/objects/{segment(object_name, field='object_name')}"
        )
