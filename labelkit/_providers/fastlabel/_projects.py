"""FastLabel: projects, project members and tags (sections 6.7, 6.8)."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Sequence

from ..._models import ResponseValidationError
from ..._pagination import Page, iter_offset
from ..._paths import segment
from ._area import AreaBase, Listing, returned_id, string_list, truthy
from ._project_models import PROJECT_ROLES, WORKFLOWS, Project, Tag

__all__ = ["PROJECT_ROLES", "WORKFLOWS", "ProjectsMixin"]

_MAX = 1000
_PROJECTS = Listing("projects", Project, _MAX, _MAX)
_TAGS = Listing("tags", Tag, _MAX, _MAX)


class ProjectsMixin(AreaBase):
    """Projects and tags (sections 6.7, 6.8)."""

    async def find_project(self, project_id: str) -> Project:
        """One project by id."""
        return await self._get_model(f"projects/{segment(project_id, field='project_id')}", Project)

    async def find_project_by_slug(self, slug: str) -> Project | None:
        """The project with this slug, or ``None``."""
        found = await self.get_projects(slug=slug)
        exact = [project for project in found if project.slug == slug]
        if exact:
            return exact[0]
        return found[0] if found else None

    async def get_projects(
        self, slug: str | None = None, offset: int | None = None, limit: int | None = 100
    ) -> list[Project]:
        """One page of the workspace's projects (at most 1,000); see :meth:`iter_projects`."""
        return await self._page(_PROJECTS, truthy(slug=slug), offset, limit)

    def iter_projects(self, slug: str | None = None) -> AsyncIterator[Project]:
        """Every project, fetched lazily 1,000 at a time."""
        return self._every(_PROJECTS, truthy(slug=slug))

    async def get_project_id_slug_map(
        self, offset: int | None = None, limit: int | None = 1000
    ) -> dict[str, str]:
        """One page of ``{project id: slug}`` (at most 1,000 entries)."""
        data = await self._get_json("projects/map/id-slug", self._paging(offset, limit, _MAX))
        if not isinstance(data, dict):
            raise ResponseValidationError(
                f"expected an object, got {type(data).__name__}",
                path="GET projects/map/id-slug",
                body=data,
            )
        return {str(key): str(value) for key, value in data.items()}

    def iter_project_id_slug_map(self) -> AsyncIterator[tuple[str, str]]:
        """Every ``(project id, slug)`` pair, fetched lazily 1,000 at a time."""

        async def fetch(offset: int, limit: int) -> Page[tuple[str, str]]:
            page = await self.get_project_id_slug_map(offset=offset or None, limit=limit)
            return Page(list(page.items()))

        return iter_offset(fetch, limit=_MAX)

    async def create_project(
        self,
        type: str,
        name: str,
        slug: str,
        is_pixel: bool | None = False,
        job_size: int | None = 10,
        workflow: str | None = "two_step",
        external_workflow: str | None = "two_step",
    ) -> str:
        """Create a project and return its id.

        ``type`` is e.g. ``image_bbox``, ``image_classification``, ``video_bbox``;
        ``workflow`` and ``external_workflow`` are e.g. ``two_step`` or
        ``three_step`` (see :data:`WORKFLOWS`); the server judges the value.
        """
        body = {
            "type": type,
            "name": name,
            "slug": slug,
            "workflow": workflow,
            "externalWorkflow": external_workflow,
            **truthy(isPixel=is_pixel, jobSize=job_size),
        }
        return await self._post_id("projects", body, "create_project")

    async def update_project(
        self,
        project_id: str,
        name: str | None = None,
        slug: str | None = None,
        job_size: int | None = None,
        workflow: str | None = None,
        external_workflow: str | None = None,
    ) -> str:
        """Change the given (truthy) settings of a project; returns its id."""
        body = truthy(
            name=name,
            slug=slug,
            jobSize=job_size,
            workflow=workflow,
            externalWorkflow=external_workflow,
        )
        path = f"projects/{segment(project_id, field='project_id')}"
        return returned_id(await self._call("PUT", path, body=body), "update_project")

    async def delete_project(self, project_id: str) -> None:
        """Delete a project with its tasks."""
        await self._call("DELETE", f"projects/{segment(project_id, field='project_id')}")

    async def copy_project(
        self, project_id: str, project_name: str | None = None, project_slug: str | None = None
    ) -> str:
        """Copy a project's settings into a new project; returns the new id."""
        body = {"id": project_id, **truthy(name=project_name, slug=project_slug)}
        return await self._post_id("projects/copy", body, "copy_project")

    async def update_project_metadata(
        self,
        project_id: str,
        external_code_1: str | None = None,
        external_code_2: str | None = None,
        external_code_3: str | None = None,
    ) -> str:
        """Set the three external codes of a project (``None`` clears one); returns its id."""
        body = {
            "externalCode1": external_code_1,
            "externalCode2": external_code_2,
            "externalCode3": external_code_3,
        }
        path = f"projects/{segment(project_id, field='project_id')}/metadata"
        return returned_id(await self._call("PUT", path, body=body), "update_project_metadata")

    async def update_project_user_permission(
        self, project: str, email: str, role: str
    ) -> typing.Any:
        """Give a workspace member a role in a project (``"none"`` removes them).

        Roles: see :data:`PROJECT_ROLES` (the server judges the value). The
        response is returned as sent.
        """
        body = {"project": project, "email": email, "role": role}
        return await self._call("PUT", "projects-users", body=body)

    async def get_tags(
        self,
        project: str,
        keyword: str | None = None,
        offset: int | None = None,
        limit: int | None = 100,
    ) -> list[Tag]:
        """One page of a project's tags, optionally matching ``keyword`` (at most 1,000).

        See :meth:`iter_tags`.
        """
        query = {"project": project, **truthy(keyword=keyword)}
        return await self._page(_TAGS, query, offset, limit)

    def iter_tags(self, project: str, keyword: str | None = None) -> AsyncIterator[Tag]:
        """Every tag of a project, fetched lazily 1,000 at a time."""
        return self._every(_TAGS, {"project": project, **truthy(keyword=keyword)})

    async def delete_tags(self, tag_ids: Sequence[str]) -> None:
        """Delete tags by id (removing them from their tasks); ``[]`` is sent as given."""
        ids = string_list(tag_ids, "tag_ids")
        # Deleting is idempotent, so a lost answer may be retried safely.
        await self._call("POST", "tags/delete/multi", body={"tagIds": ids}, idempotent=True)
