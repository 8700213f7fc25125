"""The twelve assignee keywords of every task create and update (section 5.2), defined once.

Methods take them as ``**assignees: Unpack[Assignees]``; :class:`~._mechanism.TasksBase`
lists them in each method's ``__signature__`` (``help()``, ``inspect.signature``), and
the sync twins do the same.
"""

from __future__ import annotations

import typing

from ...._types import NotGiven

__all__ = ["ASSIGNEES", "Assignees"]


class Assignees(typing.TypedDict, total=False):
    """User slugs to assign; a keyword not passed is not sent, ``None`` is sent as ``null``."""

    assignee: str | NotGiven | None
    reviewer: str | NotGiven | None
    approver: str | NotGiven | None
    external_assignee: str | NotGiven | None
    external_reviewer: str | NotGiven | None
    external_approver: str | NotGiven | None
    workflow_1_user: str | NotGiven | None
    workflow_2_user: str | NotGiven | None
    workflow_3_user: str | NotGiven | None
    workflow_4_user: str | NotGiven | None
    workflow_5_user: str | NotGiven | None
    workflow_6_user: str | NotGiven | None


#: Official keyword -> JSON key.
ASSIGNEES: dict[str, str] = {
    "assignee": "assignee",
    "reviewer": "reviewer",
    "approver": "approver",
    "external_assignee": "externalAssignee",
    "external_reviewer": "externalReviewer",
    "external_approver": "externalApprover",
    **{f"workflow_{n}_user": f"workflow{n}User" for n in range(1, 7)},
}
