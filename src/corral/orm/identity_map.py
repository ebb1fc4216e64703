"""The identity map: one object per primary key per session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from corral.orm.instance_state import IdentityKey


class IdentityMap:
    """Persistent objects of one session by identity key ``(class, primary key tuple)``."""

    __slots__ = ("_objects",)

    def __init__(self) -> None:
        self._objects: dict[IdentityKey, Any] = {}

    def get(self, key: IdentityKey) -> Any:
        return self._objects.get(key)

    def add(self, key: IdentityKey, obj: object) -> None:
        self._objects[key] = obj

    def discard(self, key: IdentityKey | None) -> None:
        if key is not None:
            self._objects.pop(key, None)

    def discard_object(self, key: IdentityKey | None, obj: object) -> None:
        """Forget ``obj`` under ``key`` only if it is the object held there.

        A rolled-back or expunged object must not evict another object that was
        loaded for the same row meanwhile.
        """
        if key is not None and self._objects.get(key) is obj:
            del self._objects[key]

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[IdentityKey]:
        return iter(self._objects)

    def keys(self) -> list[IdentityKey]:
        return list(self._objects)

    def values(self) -> list[Any]:
        return list(self._objects.values())

    def items(self) -> list[tuple[IdentityKey, Any]]:
        return list(self._objects.items())

    def clear(self) -> None:
        self._objects.clear()
