"""Scale files, teams and Studio (v1)."""

from __future__ import annotations

import mimetypes
import typing
from collections.abc import Iterable

import attrs

from ..._errors import ValidationError
from ..._files import FileInput, multipart_body, prepare_upload
from ..._models import ResponseValidationError
from ..._paths import segment
from ._base import _body, _ScaleBase, _string, _strings
from ._models import (
    File,
    StudioBatch,
    StudioLabelerAssignment,
    StudioProjectGroup,
    TeamMember,
    TeamRole,
)

__all__: list[str] = []


class _AccountMixin(_ScaleBase):
    """Files, teammates and Studio (part of :class:`~labelkit.scale.AsyncScale`)."""

    async def upload_file(
        self, file: FileInput, *, filename: str | None = None, **fields: str | int | float | bool
    ) -> File:
        """Upload a local file to Scale storage (``POST /v1/files/upload``, multipart).

        ``file`` is a path, bytes (with ``filename=``) or a binary file opened
        ``"rb"``; it is streamed, never read into memory whole. ``fields`` are
        plain form fields such as ``project_name="my project"`` (scalars only).
        Use the returned ``attachment_url`` as a task ``attachment``. An
        upload is not retried after it may have reached Scale
        (:class:`~labelkit.AmbiguousResultError`).
        """
        form: list[tuple[str, str]] = []
        for name, value in fields.items():
            if isinstance(value, bool):
                form.append((name, "true" if value else "false"))
            elif isinstance(value, (str, int, float)):
                form.append((name, str(value)))
            else:
                raise ValidationError(name, "form fields must be scalars (str, int, float, bool)")
        upload = await prepare_upload(file, filename=filename)
        guessed = mimetypes.guess_type(upload.filename)[0]
        if guessed:
            upload = attrs.evolve(upload, content_type=guessed)
        body = multipart_body(form, [("file", upload)])
        return await self._request_json(
            "POST",
            "v1/files/upload",
            multipart=body,
            parse=lambda raw: self._parse(raw, File, "POST /v1/files/upload"),
        )

    async def import_file(self, file_url: str, **params: typing.Any) -> File:
        """Import a file from a URL into Scale storage (``POST /v1/files/import``).

        ``params`` go in the JSON body with ``file_url``, e.g. ``project_name``.
        """
        body = _body("params", {"file_url": _string("file_url", file_url), **params})
        return await self._v1(
            "POST",
            "files/import",
            json=body,
            parse=lambda raw: self._parse(raw, File, "POST /v1/files/import"),
        )

    # -- teams ---------------------------------------------------------------------------

    async def list_teammates(self) -> list[TeamMember]:
        """Everyone on the team."""
        return self._parse_list(await self._v1("GET", "teams"), TeamMember, "GET /v1/teams")

    async def invite_teammates(
        self, emails: Iterable[str], role: TeamRole | str
    ) -> list[TeamMember]:
        """Invite people by e-mail with ``role`` (labeler, member, manager, admin)."""
        # Not re-sent after it may have arrived: a second invite e-mails the person again.
        return await self._post_team("teams/invite", emails, role, idempotent=None)

    async def update_teammates_role(
        self, emails: Iterable[str], role: TeamRole | str
    ) -> list[TeamMember]:
        """Change the role of teammates."""
        return await self._post_team("teams/set_role", emails, role, idempotent=True)

    async def _post_team(
        self, path: str, emails: Iterable[str], role: TeamRole | str, *, idempotent: bool | None
    ) -> list[TeamMember]:
        body = {"emails": _strings("emails", emails), "team_role": str(role)}
        return await self._v1(
            "POST",
            path,
            json=body,
            idempotent=idempotent,
            parse=lambda raw: self._parse_list(raw, TeamMember, f"POST /v1/{path}"),
        )

    # -- studio --------------------------------------------------------------------------

    async def list_studio_assignments(self) -> dict[str, StudioLabelerAssignment]:
        """Studio assignments: ``{email: [project names]}``, each list a
        :class:`StudioLabelerAssignment` (``.assigned_projects``, ``.email``)."""
        return _assignments(await self._v1("GET", "studio/assignments"))

    async def add_studio_assignments(
        self, emails: Iterable[str], projects: Iterable[str]
    ) -> dict[str, StudioLabelerAssignment]:
        """Assign teammates to Studio projects; returns every assignment."""
        return await self._assign("add", emails, projects)

    async def remove_studio_assignments(
        self, emails: Iterable[str], projects: Iterable[str]
    ) -> dict[str, StudioLabelerAssignment]:
        """Remove teammates from Studio projects; returns every assignment."""
        return await self._assign("remove", emails, projects)

    async def _assign(
        self, verb: str, emails: Iterable[str], projects: Iterable[str]
    ) -> dict[str, StudioLabelerAssignment]:
        body = {"emails": _strings("emails", emails), "projects": _strings("projects", projects)}
        raw = await self._v1("POST", f"studio/assignments/{verb}", json=body, idempotent=True)
        return _assignments(raw)

    async def list_project_groups(self, project: str) -> list[StudioProjectGroup]:
        """The project groups of a Studio project."""
        path = f"studio/projects/{segment(project, field='project')}/groups"
        return self._parse_list(await self._v1("GET", path), StudioProjectGroup, "GET /v1/" + path)

    async def create_project_group(
        self, project: str, emails: Iterable[str], project_group: str
    ) -> StudioProjectGroup:
        """Create a project group named ``project_group`` with these teammates."""
        path = f"studio/projects/{segment(project, field='project')}/groups"
        body = {
            "emails": _strings("emails", emails),
            "name": _string("project_group", project_group),
        }
        return await self._v1(
            "POST",
            path,
            json=body,
            parse=lambda raw: self._parse(
                raw, StudioProjectGroup, "POST /v1/studio/projects/groups"
            ),
        )

    async def update_project_group(
        self,
        project: str,
        project_group: str,
        add_emails: Iterable[str],
        remove_emails: Iterable[str],
    ) -> StudioProjectGroup:
        """Add and remove teammates of a project group (``PUT``)."""
        path = (
            f"studio/projects/{segment(project, field='project')}"
            f"/groups/{segment(project_group, field='project_group')}"
        )
        body = {
            "add_emails": _strings("add_emails", add_emails),
            "remove_emails": _strings("remove_emails", remove_emails),
        }
        raw = await self._v1("PUT", path, json=body)
        return self._parse(raw, StudioProjectGroup, "PUT /v1/studio/projects/groups")

    async def list_studio_batches(self) -> list[StudioBatch]:
        """Studio batches with their progress."""
        raw = await self._v1("GET", "studio/batches")
        return self._parse_list(raw, StudioBatch, "GET /v1/studio/batches")

    async def assign_studio_batches(
        self, batch_name: str, project_groups: Iterable[str]
    ) -> StudioBatch:
        """Assign a Studio batch to project groups (``PUT``)."""
        path = f"studio/batches/{segment(batch_name, field='batch_name')}"
        raw = await self._v1(
            "PUT", path, json={"groups": _strings("project_groups", project_groups)}
        )
        return self._parse(raw, StudioBatch, "PUT /v1/studio/batches")

    async def set_studio_batches_priorities(self, batch_names: Iterable[str]) -> list[StudioBatch]:
        """Order Studio batches: the first name gets the highest priority."""
        body = {"batches": [{"name": n} for n in _strings("batch_names", batch_names)]}
        return await self._v1(
            "POST",
            "studio/batches/set_priorities",
            json=body,
            idempotent=True,
            parse=lambda raw: self._parse_list(
                raw, StudioBatch, "POST /v1/studio/batches/set_priorities"
            ),
        )

    async def reset_studio_batches_priorities(self) -> list[StudioBatch]:
        """Reset the Studio batch priorities to the default order."""
        return await self._v1(
            "POST",
            "studio/batches/reset_priorities",
            idempotent=True,
            parse=lambda raw: self._parse_list(
                raw, StudioBatch, "POST /v1/studio/batches/reset_priorities"
            ),
        )


def _assignments(raw: object) -> dict[str, StudioLabelerAssignment]:
    if isinstance(raw, dict) and all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in raw.values()
    ):
        return {str(k): StudioLabelerAssignment(v, email=str(k)) for k, v in raw.items()}
    raise ResponseValidationError(
        "expected {email: [project, ...]}", path="studio assignments", body=raw
    )
