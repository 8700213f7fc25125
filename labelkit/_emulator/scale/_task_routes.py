"""Task routes of the Scale emulator (``/v1/task...`` and ``/v1/tasks``) and task callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._emulator import HTTPError, Request, Response, RouteGroupBase, json_response, route
from ._callbacks import AUTH_HEADER
from ._responses import task_response
from ._state import StoredTask, task_json
from ._tasks import list_tasks, new_task_fields, read_json

if TYPE_CHECKING:
    from ._app import ScaleEmulator  # noqa: F401 - the type argument of the base below

__all__ = ["TaskRoutes"]


class TaskRoutes(RouteGroupBase["ScaleEmulator"]):
    """Create, read, cancel, audit, unique ids, metadata, tags and listing of tasks."""

    def _task_response(self, task: StoredTask) -> Response:
        return json_response(task_json(task, self.emu.clock.now(), self.emu.timeline))

    def _task(self, request: Request) -> StoredTask:
        task = self.emu.tasks.get(request.path_params["id"])
        if task is None or task.mode != self.emu.account(request).mode:
            raise HTTPError(404, f"No task found with id {request.path_params['id']!r}")
        return task

    @route("POST", "/task/{type}")
    async def create_task(self, request: Request) -> Response:
        account, now = self.emu.account(request), self.emu.clock.now()
        task_type = self.emu.rules.task_type(request.path_params["type"])
        body = await read_json(request, dict)
        fields = new_task_fields(self.emu.rules, account, task_type, body)
        unique_id = fields["unique_id"]
        if unique_id is not None and unique_id in account.unique_ids:
            raise HTTPError(409, _conflict(unique_id, account.unique_ids[unique_id]))
        seq = self.emu.next_seq()
        task = StoredTask(
            id=f"64e{seq:021x}",
            seq=seq,
            type=task_type,
            mode=account.mode,
            created_at=now,
            updated_at=now,
            duration=self.emu.config.processing_time,
            start_at=None if fields.pop("waits") else now,
            **fields,
        )
        task.response = task_response(task.id, task_type, task.params)
        self.emu.tasks[task.id] = task
        account.task_ids.append(task.id)
        if unique_id is not None:
            account.unique_ids[unique_id] = task.id
        if task.batch is not None:
            account.batches[task.batch].task_ids.append(task.id)
        if task.callback_url:
            task.callback_succeeded = False
            self._schedule_callback(task)
        return self._task_response(task)

    @route("GET", "/task/{id}")
    async def get_task(self, request: Request) -> Response:
        return self._task_response(self._task(request))

    @route("POST", "/task/{id}/cancel")
    async def cancel_task(self, request: Request) -> Response:
        task, now = self._task(request), self.emu.clock.now()
        status = task.status(now)
        if status == "canceled":
            raise HTTPError(409, f"Task {task.id} has already been canceled")
        if status != "pending":
            raise HTTPError(500, f"Task {task.id} is already {status} and cannot be canceled")
        task.canceled_at = now
        task.touch(now)
        if _flag(request.query.get("clear_unique_id")):
            self._drop_unique_id(task)
        return self._task_response(task)

    @route("POST", "/task/{id}/audit")
    async def audit_task(self, request: Request) -> Response:
        task, now = self._task(request), self.emu.clock.now()
        body = await read_json(request, dict)
        accepted = body.get("accepted")
        if not isinstance(accepted, bool):
            raise HTTPError(400, "accepted must be true or false")
        comments = body.get("comments")
        if comments is not None and not isinstance(comments, str):
            raise HTTPError(400, "comments must be a string")
        if task.status(now) != "completed":
            raise HTTPError(400, f"Task {task.id} is not completed and cannot be audited")
        audit = {
            "audited_by": "customer",
            "audited_at": self.emu.timeline.iso(now),
            "audit_time_secs": 0,
            "accepted": accepted,
            "comments": comments,
            "source": "customer",
        }
        task.audits.append(audit)
        task.review_status = "accepted" if accepted else "rejected"
        task.touch(now)
        return self._task_response(task)

    @route("POST", "/task/{id}/unique_id")
    async def set_unique_id(self, request: Request) -> Response:
        task, account = self._task(request), self.emu.account(request)
        unique_id = (await read_json(request, dict)).get("unique_id")
        if not isinstance(unique_id, str) or not unique_id:
            raise HTTPError(400, "unique_id must be a non-empty string")
        owner = account.unique_ids.get(unique_id)
        if owner is not None and owner != task.id:
            raise HTTPError(409, _conflict(unique_id, owner))
        self._drop_unique_id(task)
        task.unique_id = unique_id
        account.unique_ids[unique_id] = task.id
        task.touch(self.emu.clock.now())
        return self._task_response(task)

    @route("DELETE", "/task/{id}/unique_id")
    async def clear_unique_id(self, request: Request) -> Response:
        task = self._task(request)
        self._drop_unique_id(task)
        task.touch(self.emu.clock.now())
        return self._task_response(task)

    def _drop_unique_id(self, task: StoredTask) -> None:
        if task.unique_id is not None:
            self.emu.accounts[task.mode].unique_ids.pop(task.unique_id, None)
            task.unique_id = None

    @route("POST", "/task/{id}/setMetadata")
    async def set_metadata(self, request: Request) -> Response:
        task = self._task(request)
        task.metadata = await read_json(request, dict)
        task.touch(self.emu.clock.now())
        return self._task_response(task)

    @route("POST", "/task/{id}/tags")
    @route("PUT", "/task/{id}/tags")
    @route("DELETE", "/task/{id}/tags")
    async def change_tags(self, request: Request) -> Response:
        task = self._task(request)
        tags = await read_json(request, list)
        if not all(isinstance(tag, str) and tag for tag in tags):
            raise HTTPError(400, "tags must be an array of non-empty strings")
        if request.method == "POST":
            task.tags = list(dict.fromkeys(tags))
        elif request.method == "PUT":
            task.tags = list(dict.fromkeys([*task.tags, *tags]))
        else:
            task.tags = [tag for tag in task.tags if tag not in tags]
        task.touch(self.emu.clock.now())
        return self._task_response(task)

    @route("GET", "/tasks")
    async def list_tasks(self, request: Request) -> Response:
        account, now = self.emu.account(request), self.emu.clock.now()
        candidates = [self.emu.tasks[task_id] for task_id in reversed(account.task_ids)]
        return json_response(list_tasks(candidates, request.query, now, self.emu.timeline))

    def _schedule_callback(self, task: StoredTask) -> None:
        assert task.callback_url is not None

        def ready(now: float) -> bool | None:
            status = task.status(now)
            if status in ("canceled", "error"):
                return None  # never called back
            return status == "completed"

        def payload() -> object:
            record = task_json(task, self.emu.clock.now(), self.emu.timeline)
            return {"task": record, "response": record.get("response"), "task_id": task.id}

        def on_result(ok: bool) -> None:
            task.callback_succeeded = task.callback_succeeded or ok

        self.emu.deliverer.schedule(
            "task",
            task.id,
            task.callback_url,
            ready=ready,
            payload=payload,
            on_result=on_result,
            headers={AUTH_HEADER: self.emu.callback_auth_keys[task.mode]},
        )


def _conflict(unique_id: str, task_id: str) -> str:
    return f"The unique_id ({unique_id!r}) is already used for a different task ({task_id})."


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")
