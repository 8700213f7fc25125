"""The journaled bulk job of the crash test.

``python -m tests.core._journal_worker URL JOURNAL N C BACKEND``:
submits ``N`` Datawow closed-question images with ``custom_id`` ``item-<i>`` to
the emulator at ``URL`` with concurrency ``C`` through ``bulk(journal=...)``,
resolving unknown items by ``custom_id``. Prints one JSON line per resolve
(``{"resolved": key, "found": bool}``), then a summary line when it finishes.
The test kills it with SIGKILL at random moments and runs it again.
"""

from __future__ import annotations

import json
import sys

import anyio

from labelkit import Journal, NotFoundError, RetryPolicy, bulk
from labelkit.datawow import AsyncDatawow, Image


def _say(payload: object) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def main(url: str, journal_path: str, n: int, concurrency: int) -> int:
    retry = RetryPolicy(wait_initial=0.01, wait_max=0.05)
    async with (
        AsyncDatawow("test-closed-question", base_url=url + "/api", retry=retry) as datawow,
        Journal(journal_path) as journal,
    ):

        async def create(key: str) -> Image:
            return await datawow.closed_question.create(
                f"https://cdn.example.com/{key}.jpg", custom_id=key
            )

        async def resolve(key: str) -> Image | None:
            try:
                image: Image | None = await datawow.find_id(custom_id=key)
            except NotFoundError:
                image = None
            _say({"resolved": key, "found": image is not None})
            return image

        items = (f"item-{i}" for i in range(n))
        run = bulk(create, items, journal=journal, resolve=resolve, concurrency=concurrency)
        async with run:
            async for outcome in run:
                if not outcome.ok:
                    _say({"error": outcome.item, "message": str(outcome.error)})
        s = run.summary
        _say({"ok": s.ok, "failed": s.failed, "ambiguous": s.ambiguous, "resumed": s.resumed})
        return 0 if s.ok == n else 1


if __name__ == "__main__":
    url, journal_path, n, concurrency, backend = sys.argv[1:6]
    sys.exit(anyio.run(main, url, journal_path, int(n), int(concurrency), backend=backend))
