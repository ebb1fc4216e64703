"""``AsyncAttrs``: ``await obj.awaitable_attrs.name`` loads an unloaded attribute.

The read runs in a worker thread, where the sync session's lazy loader may
do its I/O (awaited on the loop); the loop never blocks.
"""

from __future__ import annotations

from typing import Any

from corral.ext.asyncio.runner import run_in_worker


class _AwaitableAttrs:
    __slots__ = ("_obj",)

    def __init__(self, obj: object) -> None:
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        return run_in_worker(getattr, self._obj, name)


class AsyncAttrs:
    """Mixin for mapped classes: ``await obj.awaitable_attrs.children``."""

    __slots__ = ()

    @property
    def awaitable_attrs(self) -> Any:
        """An object whose attributes are awaitables of this object's attributes."""
        return _AwaitableAttrs(self)
