"""The identity map: one object per primary key per session.

By default the map is a plain dict and holds every object until the session lets go
of it (close, expunge). ``Session(weak_identity_map=True)`` makes it a
``weakref.WeakValueDictionary`` instead: an object nobody else references leaves the
map when it is collected. Objects with unflushed changes stay alive regardless,
because the session holds them strongly in its ``_new``, ``_deleted`` and
``_modified`` dicts (every change goes through ``InstanceState.record_change``,
which registers the object there) until the flush that writes them, and flushed
objects until the transaction ends (a rollback must expire them).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, MutableMapping
from typing import Any

from corral.orm.mapping.instance_state import IdentityKey


class IdentityMap:
    """Persistent objects of one session by identity key ``(class, primary key tuple)``."""

    __slots__ = ("objects",)

    def __init__(self, weak: bool = False) -> None:
        #: The map itself; loading reads and writes it directly on its per-row path (a
        #: dict, or a WeakValueDictionary: both take the same get / [key] = obj / pop).
        self.objects: MutableMapping[IdentityKey, Any] = (
            weakref.WeakValueDictionary() if weak else {}
        )

    @property
    def weak(self) -> bool:
        """Whether unreferenced unchanged objects leave the map (weak_identity_map=True)."""
        return type(self.objects) is not dict

    def get(self, key: IdentityKey) -> Any:
        return self.objects.get(key)

    def add(self, key: IdentityKey, obj: object) -> None:
        self.objects[key] = obj

    def discard(self, key: IdentityKey | None) -> None:
        if key is not None:
            self.objects.pop(key, None)

    def discard_object(self, key: IdentityKey | None, obj: object) -> None:
        """Forget ``obj`` under ``key`` only if it is the object held there.

        A rolled-back or expunged object must not evict another object that was
        loaded for the same row meanwhile.
        """
        if key is not None and self.objects.get(key) is obj:
            del self.objects[key]

    def __contains__(self, key: object) -> bool:
        return key in self.objects

    def __len__(self) -> int:
        return len(self.objects)

    def __iter__(self) -> Iterator[IdentityKey]:
        return iter(self.objects)

    def keys(self) -> list[IdentityKey]:
        return list(self.objects)

    def values(self) -> list[Any]:
        return list(self.objects.values())

    def items(self) -> list[tuple[IdentityKey, Any]]:
        return list(self.objects.items())

    def clear(self) -> None:
        self.objects.clear()
