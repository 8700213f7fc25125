"""Project-level routes of the FastLabel emulator: projects, annotation classes, tags,
metadata definitions and task comments."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..._emulator import Request, Response, json_response, route
from ..._providers.fastlabel._project_models import PROJECT_ROLES, WORKFLOWS
from ._data import Fields, Invalid, field_error, found
from ._group import RouteGroup
from ._state import Project

if TYPE_CHECKING:
    pass

__all__ = ["ProjectRoutes"]

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CLASS_KEYS = ("type", "value", "title", "color", "order", "attributes", "maxAreaCount")


class ProjectRoutes(RouteGroup):
    """Handlers for ``projects``, ``annotations``, ``tags``, ``metadatas`` and ``comments``."""

    # -- projects -----------------------------------------------------------------------

    def render_project(self, project: Project) -> dict[str, Any]:
        """A project object as the API returns it."""
        codes = project.external_codes
        return {
            "id": project.id,
            "type": project.type,
            "slug": project.slug,
            "name": project.name,
            "isPixel": project.is_pixel,
            "jobSize": project.job_size,
            "workflow": project.workflow,
            "externalWorkflow": project.external_workflow,
            "status": "active",
            "externalCode1": codes[0],
            "externalCode2": codes[1],
            "externalCode3": codes[2],
            "createdAt": self.store.iso(project.created_at),
            "updatedAt": self.store.iso(project.updated_at),
        }

    def project_by_id(self, project_id: str) -> Project:
        return found(self.store.projects, project_id, "Project")

    def check_slug(self, slug: str, project: Project | None = None) -> None:
        if not _SLUG.fullmatch(slug):
            raise field_error("slug must contain only letters, digits, hyphens and underscores")
        owner = self.store.slugs.get(slug)
        if owner is not None and (project is None or owner != project.id):
            raise Invalid(409, f"Project slug '{slug}' is already in use")

    @route("POST", "projects")
    async def create_project(self, request: Request) -> Response:
        body = await self.emu.body(request)
        slug = body.req_str("slug")
        kind, name = body.req_str("type"), body.req_str("name")
        workflow = body.opt_str("workflow", WORKFLOWS) or "two_step"
        external = body.opt_str("externalWorkflow", WORKFLOWS) or "two_step"
        is_pixel = body.opt_bool("isPixel") or False
        job_size = body.opt_int("jobSize", minimum=1, maximum=1000) or 10
        self.check_slug(slug)
        project = self.emu.add_project(slug, name=name, type=kind, workflow=workflow)
        project.external_workflow, project.is_pixel, project.job_size = external, is_pixel, job_size
        return json_response(project.id)

    @route("GET", "projects/{id}")
    async def find_project(self, request: Request) -> Response:
        return json_response(self.render_project(self.project_by_id(request.path_params["id"])))

    @route("GET", "projects")
    async def list_projects(self, request: Request) -> Response:
        query = self.query(request)
        window = query.page(100, 1000)
        slug = query.get("slug")
        chosen = [p for p in self.store.projects.values() if not slug or p.slug == slug]
        return json_response([self.render_project(p) for p in window.of(chosen)])

    @route("GET", "projects/map/id-slug")
    async def id_slug_map(self, request: Request) -> Response:
        window = self.query(request).page(1000, 1000)
        chosen = window.of(list(self.store.projects.values()))
        return json_response({p.id: p.slug for p in chosen})

    @route("PUT", "projects/{id}")
    async def update_project(self, request: Request) -> Response:
        project = self.project_by_id(request.path_params["id"])
        body = await self.emu.body(request)
        name, slug = body.opt_str("name"), body.opt_str("slug")
        job_size = body.opt_int("jobSize", minimum=1, maximum=1000)
        workflow = body.opt_str("workflow", WORKFLOWS)
        external = body.opt_str("externalWorkflow", WORKFLOWS)
        if slug is not None:
            self.check_slug(slug, project)
            del self.store.slugs[project.slug]
            project.slug = slug
            self.store.slugs[slug] = project.id
        project.name = name or project.name
        project.job_size = job_size or project.job_size
        project.workflow = workflow or project.workflow
        project.external_workflow = external or project.external_workflow
        project.updated_at = self.emu.clock.now()
        return json_response(project.id)

    @route("DELETE", "projects/{id}")
    async def delete_project(self, request: Request) -> Response:
        self.store.remove_project(self.project_by_id(request.path_params["id"]))
        return Response(200)

    @route("POST", "projects/copy")
    async def copy_project(self, request: Request) -> Response:
        body = await self.emu.body(request)
        source = self.project_by_id(body.req_str("id"))
        slug = body.opt_str("slug") or self._free_slug(source.slug + "-copy")
        self.check_slug(slug)
        name = body.opt_str("name") or f"{source.name} copy"
        copy = self.emu.add_project(slug, name=name, type=source.type, workflow=source.workflow)
        copy.external_workflow, copy.is_pixel = source.external_workflow, source.is_pixel
        copy.job_size = source.job_size
        for item in list(self.store.annotation_classes.values()):
            if item["_project"] is source:
                new_id = self.store.new_id()
                self.store.annotation_classes[new_id] = {**item, "id": new_id, "_project": copy}
        return json_response(copy.id)

    def _free_slug(self, slug: str) -> str:
        candidate, number = slug, 1
        while candidate in self.store.slugs:
            number += 1
            candidate = f"{slug}-{number}"
        return candidate

    @route("PUT", "projects/{id}/metadata")
    async def project_metadata(self, request: Request) -> Response:
        project = self.project_by_id(request.path_params["id"])
        body = await self.emu.body(request)
        project.external_codes = [body.opt_str(f"externalCode{n}") for n in (1, 2, 3)]
        project.updated_at = self.emu.clock.now()
        return json_response(project.id)

    @route("PUT", "projects-users")
    async def project_user(self, request: Request) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        email = body.req_str("email")
        role = body.opt_str("role", PROJECT_ROLES) or body.req_str("role")
        if email not in self.store.users:
            raise Invalid(404, f"User not found: {email}")
        if role == "none":
            project.members.pop(email, None)
        else:
            project.members[email] = role
        return json_response({"project": project.slug, "email": email, "role": role})

    # -- annotation classes -------------------------------------------------------------

    def render_class(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    def class_by_id(self, class_id: str) -> dict[str, Any]:
        return found(self.store.annotation_classes, class_id, "Annotation")

    def _class_fields(self, body: Fields, item: dict[str, Any]) -> None:
        for key in ("type", "value", "title", "color"):
            value = body.opt_str(key)
            if value is not None:
                item[key] = value
        order = body.opt_int("order")
        if order is not None:
            item["order"] = order
        attributes = body.opt_list("attributes", dict)
        if attributes is not None:
            item["attributes"] = [
                {"id": a.get("id") or self.store.new_id(), **a} for a in attributes
            ]
        if "maxAreaCount" in body:
            item["maxAreaCount"] = body.opt_int("maxAreaCount", minimum=1, maximum=1000)
        item["updatedAt"] = self.store.iso()

    def _new_class(self, project: Project, value: str) -> dict[str, Any]:
        if self.emu.annotation_class(project, value) is not None:
            raise Invalid(409, f"Annotation value '{value}' already exists in the project")
        now = self.store.iso()
        order = 1 + sum(
            1 for c in self.store.annotation_classes.values() if c["_project"] is project
        )
        return {
            "id": self.store.new_id(),
            "_project": project,
            "type": "classification",
            "value": value,
            "title": value,
            "color": "#000000",
            "order": order,
            "attributes": [],
            "maxAreaCount": 1,
            "createdAt": now,
            "updatedAt": now,
        }

    @route("POST", "annotations")
    async def create_class(self, request: Request) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        body.req_str("type"), body.req_str("title")
        item = self._new_class(project, body.req_str("value"))
        self._class_fields(body, item)
        self.store.annotation_classes[item["id"]] = item
        return json_response(item["id"])

    @route("POST", "annotations/classification")
    async def create_classification(self, request: Request) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        item = self._new_class(project, "classification")
        self._class_fields(Fields(attributes=body.get("attributes") or []), item)
        self.store.annotation_classes[item["id"]] = item
        return json_response(item["id"])

    @route("PUT", "annotations/{id}")
    async def update_class(self, request: Request) -> Response:
        item = self.class_by_id(request.path_params["id"])
        body = await self.emu.body(request)
        value = body.opt_str("value")
        if value is not None and value != item["value"]:
            other = self.emu.annotation_class(item["_project"], value)
            if other is not None:
                raise Invalid(409, f"Annotation value '{value}' already exists in the project")
        self._class_fields(Fields({k: v for k, v in body.items() if k in _CLASS_KEYS}), item)
        return json_response(item["id"])

    @route("PUT", "annotations/classification/{id}")
    async def update_classification(self, request: Request) -> Response:
        item = self.class_by_id(request.path_params["id"])
        body = await self.emu.body(request)
        self._class_fields(Fields(attributes=body.get("attributes") or []), item)
        return json_response(item["id"])

    @route("GET", "annotations/{id}")
    async def find_class(self, request: Request) -> Response:
        return json_response(self.render_class(self.class_by_id(request.path_params["id"])))

    @route("GET", "annotations")
    async def list_classes(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        window = query.page(10, 1000)
        value = query.get("value")
        chosen = [
            c
            for c in self.store.annotation_classes.values()
            if c["_project"] is project and (not value or c["value"] == value)
        ]
        return json_response([self.render_class(c) for c in window.of(chosen)])

    @route("DELETE", "annotations/{id}")
    async def delete_class(self, request: Request) -> Response:
        item = self.class_by_id(request.path_params["id"])
        del self.store.annotation_classes[item["id"]]
        return Response(200)
