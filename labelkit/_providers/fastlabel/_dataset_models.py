"""FastLabel models of datasets and dataset objects.

Unknown fields are kept in ``extra``; ``raw`` gives the object as received.
"""

from __future__ import annotations

import typing

import attrs

from ..._models import Timestamps, shared_fields_last
from .tasks._models import FastLabelModel

__all__ = [
    "DATASET_OBJECT_TYPES",
    "DATASET_VISIBILITIES",
    "Dataset",
    "DatasetDownload",
    "DatasetObject",
    "SkippedObject",
]


#: Split labels of dataset objects, as the ``types`` filters accept them.
DATASET_OBJECT_TYPES: tuple[str, ...] = ("none", "train", "valid", "test")
#: Who can see a dataset.
DATASET_VISIBILITIES: tuple[str, ...] = ("workspace", "public", "organization")


@attrs.define(field_transformer=shared_fields_last)
class Dataset(FastLabelModel, Timestamps):
    """A dataset (its latest version). Objects are addressed by the dataset ``name``."""

    id: str
    name: str
    tags: list[str] = attrs.field(factory=list)
    visibility: typing.Optional[str] = None
    license: typing.Optional[str] = None


@attrs.define(field_transformer=shared_fields_last)
class DatasetObject(FastLabelModel, Timestamps):
    """A file of a dataset, with its tags, licenses, annotations and metadata.

    ``type`` is the split (``none``/``train``/``valid``/``test``) when the
    server sends it; ``signed_url`` is set by the download listing only.
    """

    name: str
    size: typing.Optional[int] = None
    width: typing.Optional[int] = None
    height: typing.Optional[int] = None
    type: typing.Optional[str] = None
    tags: list[str] = attrs.field(factory=list)
    licenses: list[str] = attrs.field(factory=list)
    annotations: list[dict[str, typing.Any]] = attrs.field(factory=list)
    custom_metadata: dict[str, typing.Any] = attrs.field(factory=dict)
    signed_url: typing.Optional[str] = attrs.field(default=None, repr=False)


@attrs.frozen
class SkippedObject:
    """An object ``download_dataset_objects`` did not write, and why."""

    name: str
    reason: str


class DatasetDownload(list[DatasetObject]):
    """The objects ``download_dataset_objects`` wrote (a list, as the SDK returned).

    ``skipped`` lists the objects left out because their server-supplied name
    is not a safe relative path inside the target folder (``..``, absolute,
    empty segments ...); ``path_of`` maps each written object's name to its file.
    """

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[SkippedObject] = []
        self.path_of: dict[str, str] = {}
