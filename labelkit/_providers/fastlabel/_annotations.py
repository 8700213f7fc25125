"""FastLabel: annotation classes, the label definitions of a project (section 6.4)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence

from ..._errors import ValidationError
from ..._paths import segment
from ..._types import NOT_GIVEN, NotGiven
from ._area import AreaBase, Listing, returned_id, tri_state, truthy
from ._project_models import AnnotationClass

__all__ = ["MAX_AREA_COUNT", "AnnotationClassesMixin"]

_MAX = 1000
#: Upper bound of ``max_area_count`` (``None`` means unlimited).
MAX_AREA_COUNT = 1000

_CLASSES = Listing("annotations", AnnotationClass, _MAX, _MAX)

Attributes = Sequence[Mapping[str, object]]


def _attributes(attributes: Attributes | None) -> list[dict[str, object]] | None:
    # A deep copy: the caller's definitions are never touched, even by later edits of ours.
    if attributes is None:
        return None
    if isinstance(attributes, Mapping) or isinstance(attributes, (str, bytes)):
        raise ValidationError("attributes", "must be a list of attribute definitions")
    out = []
    for index, item in enumerate(attributes):
        if not isinstance(item, Mapping):
            raise ValidationError(f"attributes[{index}]", "must be a dict")
        out.append(copy.deepcopy(dict(item)))
    return out


def _max_area_count(value: int | NotGiven | None) -> dict[str, object]:
    # Any int is sent as the SDK sends it: the documented 1-1000 is the server's to judge.
    if isinstance(value, bool) or not isinstance(value, (int, NotGiven, type(None))):
        raise ValidationError(
            "max_area_count", f"must be an int or None, got {type(value).__name__}"
        )
    return tri_state("maxAreaCount", value)


class AnnotationClassesMixin(AreaBase):
    """Annotation classes of a project (section 6.4)."""

    async def find_annotation(self, annotation_id: str) -> AnnotationClass:
        """One annotation class by id."""
        path = f"annotations/{segment(annotation_id, field='annotation_id')}"
        return await self._get_model(path, AnnotationClass)

    async def find_annotation_by_value(self, project: str, value: str) -> AnnotationClass | None:
        """The annotation class of ``project`` with this ``value``, or ``None``.

        Classification projects have one class, whose value is ``"classification"``.
        An exact match is preferred when the server's filter returns several.
        """
        found = await self.get_annotations(project, value=value)
        exact = [item for item in found if item.value == value]
        if exact:
            return exact[0]
        return found[0] if found else None

    async def get_annotations(
        self,
        project: str,
        value: str | None = None,
        offset: int | None = None,
        limit: int | None = 10,
    ) -> list[AnnotationClass]:
        """One page of a project's annotation classes (default 10, at most 1,000).

        See :meth:`iter_annotations` for all of them.
        """
        query = {"project": project, **truthy(value=value)}
        return await self._page(_CLASSES, query, offset, limit)

    def iter_annotations(
        self, project: str, value: str | None = None
    ) -> AsyncIterator[AnnotationClass]:
        """Every annotation class of ``project``, fetched lazily 1,000 at a time."""
        return self._every(_CLASSES, {"project": project, **truthy(value=value)})

    async def create_annotation(
        self,
        project: str,
        type: str,
        value: str,
        title: str,
        color: str | None = None,
        order: int | None = None,
        attributes: Attributes | None = None,
        max_area_count: int | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Create an annotation class and return its id.

        ``color`` is a hex colour (``"#FF0000"``); ``order`` is sent only when
        non-zero, as the SDK does. ``max_area_count`` limits how many areas of
        this class a task may hold: leave it out for the server default (1),
        pass ``None`` for unlimited, or an int from 1 to 1,000.
        """
        body = {
            "project": project,
            "type": type,
            "value": value,
            "title": title,
            **truthy(color=color, order=order, attributes=_attributes(attributes)),
            **_max_area_count(max_area_count),
        }
        return await self._post_id("annotations", body, "create_annotation")

    async def create_classification_annotation(self, project: str, attributes: Attributes) -> str:
        """Create the classification class of a classification project; returns its id."""
        body = {"project": project, "attributes": _attributes(attributes)}
        return await self._post_id(
            "annotations/classification", body, "create_classification_annotation"
        )

    async def update_annotation(
        self,
        annotation_id: str,
        value: str | None = None,
        title: str | None = None,
        color: str | None = None,
        order: int | None = None,
        attributes: Attributes | None = None,
        max_area_count: int | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Update an annotation class; returns its id.

        Only the given (truthy) fields change. Attributes being kept need their
        ``id``. ``max_area_count``: left out = unchanged, ``None`` = unlimited,
        an int from 1 to 1,000 = that limit.
        """
        path = f"annotations/{segment(annotation_id, field='annotation_id')}"
        body = {
            **truthy(
                value=value,
                title=title,
                color=color,
                order=order,
                attributes=_attributes(attributes),
            ),
            **_max_area_count(max_area_count),
        }
        return returned_id(await self._call("PUT", path, body=body), "update_annotation")

    async def update_classification_annotation(
        self, annotation_id: str, attributes: Attributes
    ) -> str:
        """Replace the attributes of a classification class; returns its id."""
        path = f"annotations/classification/{segment(annotation_id, field='annotation_id')}"
        body = {"attributes": _attributes(attributes)}
        data = await self._call("PUT", path, body=body)
        return returned_id(data, "update_classification_annotation")

    async def delete_annotation(self, annotation_id: str) -> None:
        """Delete an annotation class."""
        await self._call("DELETE", f"annotations/{segment(annotation_id, field='annotation_id')}")
