"""Workspace routes of the FastLabel emulator: users and their module permissions."""

from __future__ import annotations

from typing import Any

from ..._emulator import Request, Response, json_response, route, routes_of
from ._data import Invalid, field_error, found
from ._group import RouteGroup
from ._state import WorkspaceUser

__all__ = ["WorkspaceRoutes"]

MODULES = {"annotation": "annotation", "dataset": "dataset", "model-dev": "modelDev"}
ENDPOINT_MAX_SIZE = 6 << 20
_LABELS = ("person", "car", "dog", "cat", "bicycle")


class WorkspaceRoutes(RouteGroup):
    """Handlers for ``workspaces-users`` and ``function-resource-permissions``."""

    # -- users --------------------------------------------------------------------------

    def add_user(
        self, email: str, name: str, role: str = "member", language: str = "en"
    ) -> WorkspaceUser:
        """Create a workspace user (409 if the email is taken)."""
        if email in self.store.users:
            raise Invalid(409, f"User '{email}' is already a member of the workspace")
        now = self.emu.clock.now()
        slug = email.split("@", 1)[0].lower().replace(".", "-") or "user"
        user = WorkspaceUser(
            self.store.new_id(), self.store.new_id(), slug, name, email, role, language, now, now
        )
        self.store.users[email] = user
        return user

    def render_user(self, user: WorkspaceUser) -> dict[str, Any]:
        return {
            "id": user.id,
            "userId": user.user_id,
            "userSlug": user.slug,
            "userName": user.name,
            "userEmail": user.email,
            "role": user.role,
            "language": user.language,
            "isExternal": user.is_external,
            "functionResourcePermissions": dict(user.permissions),
            "createdAt": self.store.iso(user.created_at),
            "updatedAt": self.store.iso(user.updated_at),
        }

    def user(self, email: str) -> WorkspaceUser:
        return found(self.store.users, email, "User")

    @route("GET", "workspaces-users")
    async def list_users(self, request: Request) -> Response:
        query = self.query(request)
        window = query.page(20, None)
        keyword = (query.get("keyword") or "").lower()
        chosen = [
            u
            for u in self.store.users.values()
            if keyword in u.name.lower() or keyword in u.email.lower()
        ]
        return json_response([self.render_user(u) for u in window.of(chosen)])

    @route("POST", "workspaces-users/internal-users")
    async def create_user(self, request: Request) -> Response:
        body = await self.emu.body(request)
        name, email = body.req_str("name"), body.req_str("email")
        language = body.opt_str("language", ("en", "ja")) or body.req_str("language")
        role = body.opt_str("role", ("member", "owner")) or body.req_str("role")
        if "@" not in email:
            raise field_error("email must be an email")
        return json_response(self.render_user(self.add_user(email, name, role, language)))

    @route("PUT", "workspaces-users/internal-users")
    async def update_user(self, request: Request) -> Response:
        body = await self.emu.body(request)
        user = self.user(body.req_str("email"))
        role = body.opt_str("role", ("member", "owner", "none")) or body.req_str("role")
        user.role = role
        user.updated_at = self.emu.clock.now()
        record = self.render_user(user)
        if role == "none":
            del self.store.users[user.email]
            for project in self.store.projects.values():
                project.members.pop(user.email, None)
        return json_response(record)

    @routes_of(
        ("POST", f"function-resource-permissions/{segment}/internal-users", {"module": module})
        for segment, module in MODULES.items()
    )
    async def grant(self, request: Request, module: str) -> Response:
        user = self.user((await self.emu.body(request)).req_str("email"))
        user.permissions[module] = True
        return json_response(self.render_user(user))

    @route("DELETE", "function-resource-permissions")
    async def revoke(self, request: Request) -> Response:
        body = await self.emu.body(request)
        user = self.user(body.req_str("email"))
        resource = body.opt_str("resource", MODULES.values()) or body.req_str("resource")
        user.permissions[resource] = False
        return Response(200)
