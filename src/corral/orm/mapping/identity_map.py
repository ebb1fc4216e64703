"""The identity map: one object per primary key per session.

By default the map is weak (``WeakIdentityMap``), as SQLAlchemy 2.0's is: an unchanged
object your program no longer references leaves it when Python frees the object.
``Session(weak_identity_map=False)`` keeps the strong map (``IdentityMap``), a plain dict
that holds every object until the session lets go of it (close, expunge).

Objects with unflushed changes stay alive in either map, because the session holds them
strongly in its ``_new``, ``_deleted`` and ``_modified`` dicts (every change goes through
``InstanceState.record_change``, which registers the object there) until the flush that
writes them, and flushed objects until the transaction ends (a rollback must expire them).

The weak map is a plain dict of key -> the object's ``InstanceState``, which is a
``weakref.ref`` to the object (mapping/instance_state.py) without a callback: calling it
runs in C, and holding an object weakly makes no object besides the state it has anyway.
(A ``WeakValueDictionary`` runs Python code on every get, set and death, and a separate
``weakref.ref`` per object costs an allocation: loading was 53 %, then 7 %, slower.) A dead
reference stays in the dict until its key is loaded again, discarded, or swept: a sweep
runs, before adding, once the dict has doubled since the last one, and on ``len()``.
Loading reads and writes ``entries`` directly on its per-row path, branching on ``weak``;
everything else goes through the methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from itertools import compress
from operator import call, is_, is_not
from typing import Any

from corral.orm.base import STATE_ATTR
from corral.orm.mapping.instance_state import IdentityKey

#: The weak map sweeps dead references when it holds more entries than this, or than twice
#: the live ones it kept at its last sweep: sweeping stays linear in what was added.
SWEEP_AT_LEAST = 1024

# The weak map's walks call every reference and test the result in C (map, compress,
# filter), not in a Python loop: closing a session walks its whole map.
_is_none = partial(is_, None)
_is_not_none = partial(is_not, None)


class IdentityMap:
    """Persistent objects of one session by identity key ``(class, primary key tuple)``,
    held strongly: ``Session(weak_identity_map=False)``."""

    __slots__ = ("entries", "weak")

    def __init__(self) -> None:
        #: Key -> object (strong) or key -> the object's state, a weak reference (weak).
        self.entries: dict[IdentityKey, Any] = {}
        #: Whether ``entries`` holds states, weak references (call one for its object).
        self.weak = False

    def get(self, key: IdentityKey) -> Any:
        return self.entries.get(key)

    def add(self, key: IdentityKey, obj: object) -> None:
        self.entries[key] = obj

    def adding(self) -> None:
        """Before a batch of direct writes to ``entries``: the weak map may sweep (before,
        not after: the objects just added are surely alive)."""

    def discard(self, key: IdentityKey | None) -> None:
        if key is not None:
            self.entries.pop(key, None)

    def discard_object(self, key: IdentityKey | None, obj: object) -> None:
        """Forget ``obj`` under ``key`` only if it is the object held there.

        A rolled-back or expunged object must not evict another object that was
        loaded for the same row meanwhile.
        """
        if key is not None and self.get(key) is obj:
            del self.entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[IdentityKey]:
        return iter(self.keys())

    def keys(self) -> list[IdentityKey]:
        return list(self.entries)

    def values(self) -> list[Any]:
        return list(self.entries.values())

    def items(self) -> list[tuple[IdentityKey, Any]]:
        return list(self.entries.items())

    def states(self) -> list[Any]:
        """The ``InstanceState`` of each entry (of a weak map: also those whose object is
        gone, which nothing else refers to)."""
        return [obj.__dict__[STATE_ATTR] for obj in self.entries.values()]

    def clear(self) -> None:
        self.entries.clear()


class WeakIdentityMap(IdentityMap):
    """The map of ``Session()``: unchanged objects nobody references leave it."""

    __slots__ = ("sweep_at",)

    def __init__(self) -> None:
        self.entries = {}  # (not through super(): a session makes one each time)
        self.weak = True
        #: Sweep dead references once ``entries`` holds more than this.
        self.sweep_at = SWEEP_AT_LEAST

    def get(self, key: IdentityKey) -> Any:
        found = self.entries.get(key)
        return None if found is None else found()

    def add(self, key: IdentityKey, obj: object) -> None:
        if len(self.entries) >= self.sweep_at:
            self.sweep()
        self.entries[key] = obj.__dict__[STATE_ATTR]  # its state: a weak reference to it

    def adding(self) -> None:
        if len(self.entries) >= self.sweep_at:
            self.sweep()

    def sweep(self) -> None:
        """Drop the entries of objects that were freed (in place: loaders hold ``entries``)."""
        entries = self.entries
        for key in list(compress(entries, map(_is_none, map(call, entries.values())))):
            del entries[key]
        self.sweep_at = max(SWEEP_AT_LEAST, 2 * len(entries))

    def __contains__(self, key: object) -> bool:
        found = self.entries.get(key) if isinstance(key, tuple) else None
        return found is not None and found() is not None

    def __len__(self) -> int:
        self.sweep()
        return len(self.entries)

    def keys(self) -> list[IdentityKey]:
        entries = self.entries
        return list(compress(entries, map(_is_not_none, map(call, entries.values()))))

    def values(self) -> list[Any]:
        return list(filter(_is_not_none, map(call, self.entries.values())))

    def items(self) -> list[tuple[IdentityKey, Any]]:
        return [(key, obj) for key, found in self.entries.items() if (obj := found()) is not None]

    def states(self) -> list[Any]:
        return list(self.entries.values())
