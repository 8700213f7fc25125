"""What a forked child resets, registered in one place.

A child of ``os.fork()`` inherits the parent's memory but only the forking
thread: a lock another thread held stays held forever, and objects tied to the
parent's threads or event loop (a loop thread, a sender thread, waiters, a
connection pool) must be forgotten, not used. Modules register a function
with :func:`in_child`; objects with an ``_after_fork_in_child`` method
register themselves with :func:`reset_in_child`. Both are no-ops where the
platform has no ``fork``.
"""

from __future__ import annotations

import os
import typing
import weakref

__all__ = ["ForkAware", "in_child", "reset_in_child"]

F = typing.TypeVar("F", bound=typing.Callable[[], None])


class ForkAware(typing.Protocol):
    def _after_fork_in_child(self) -> None:
        """Forget what belongs to the parent's threads or event loop."""


def in_child(callback: F) -> F:
    """Run ``callback`` in every forked child, before anything else runs there."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=callback)
    return callback


# Weak: an object dropped by the program is not kept alive for a fork.
_objects: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def reset_in_child(obj: ForkAware) -> None:
    """Call ``obj._after_fork_in_child()`` in every forked child while ``obj`` lives."""
    _objects.add(obj)


@in_child
def _reset_objects() -> None:
    for obj in list(_objects):
        obj._after_fork_in_child()
