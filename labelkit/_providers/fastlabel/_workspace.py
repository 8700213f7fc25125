"""FastLabel: workspace users and their module permissions (section 6.12)."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Sequence

from ..._models import structure
from ._area import AreaBase, Listing, check_choice, string_list, truthy
from ._project_models import WorkspaceUser

__all__ = ["MODULES", "WorkspaceMixin"]

#: Module names of the permission calls, with their path segment.
MODULES: dict[str, str] = {
    "annotation": "annotation",
    "dataset": "dataset",
    "modelDev": "model-dev",
}
# The listing has no documented maximum page size; its default is the one size
# known to be served in full, so iteration never mistakes a capped page for the last.
_PAGE = 20
_USERS = Listing("workspaces-users", WorkspaceUser, None, _PAGE, keep_zero=True)


def _modules(modules: Sequence[str]) -> list[str]:
    # Every name is checked before the first request: the SDK failed mid-loop,
    # after granting the modules listed before the bad one.
    # An empty list sends nothing, as with the SDK (its loop has nothing to do).
    names = string_list(modules, "modules") or []
    for index, name in enumerate(names):
        check_choice(name, MODULES, f"modules[{index}]")
    return list(dict.fromkeys(names))


class WorkspaceMixin(AreaBase):
    """Workspace users and module permissions (section 6.12)."""

    async def get_workspace_users(
        self, keyword: str | None = None, offset: int | None = None, limit: int | None = 20
    ) -> list[WorkspaceUser]:
        """One page of workspace members, optionally matching ``keyword``.

        ``offset`` and ``limit`` are sent whenever given (``0`` included). See
        :meth:`iter_workspace_users`.
        """
        return await self._page(_USERS, truthy(keyword=keyword), offset, limit)

    def iter_workspace_users(self, keyword: str | None = None) -> AsyncIterator[WorkspaceUser]:
        """Every workspace member, fetched lazily 20 at a time."""
        return self._every(_USERS, truthy(keyword=keyword))

    async def create_workspace_user(
        self, name: str, email: str, language: str, role: str
    ) -> WorkspaceUser:
        """Invite a member: ``language`` ``en``/``ja``, ``role`` ``member``/``owner``."""
        body = {"name": name, "email": email, "language": language, "role": role}
        return await self._post_model("workspaces-users/internal-users", body, WorkspaceUser)

    async def update_workspace_user(self, email: str, role: str) -> WorkspaceUser:
        """Change a member's role: ``member``, ``owner`` or ``none`` (removes them)."""
        body = {"email": email, "role": role}
        data = await self._call("PUT", "workspaces-users/internal-users", body=body)
        return structure(data, WorkspaceUser)

    async def delete_workspace_user(self, email: str) -> None:
        """Remove a member from the workspace (the API does this as role ``none``)."""
        body = {"email": email, "role": "none"}
        await self._call("PUT", "workspaces-users/internal-users", body=body)

    async def create_workspace_user_module_permissions(
        self, email: str, modules: Sequence[str]
    ) -> list[typing.Any]:
        """Grant a member modules (``annotation``, ``dataset``, ``modelDev``): one call each.

        All names are validated before anything is sent; the calls are not
        atomic, so after a failure the modules before it stay granted.
        Returns each call's response, in order.
        """
        results = []
        for module in _modules(modules):
            path = f"function-resource-permissions/{MODULES[module]}/internal-users"
            # Granting twice is harmless, so a lost answer may be retried.
            results.append(await self._call("POST", path, body={"email": email}, idempotent=True))
        return results

    async def delete_workspace_user_module_permissions(
        self, email: str, modules: Sequence[str]
    ) -> None:
        """Revoke modules from a member: one ``DELETE`` (with a JSON body) per module.

        All names are validated before anything is sent.
        """
        for module in _modules(modules):
            body = {"email": email, "resource": module}
            await self._call("DELETE", "function-resource-permissions", body=body)
