"""The identity maps without a database: the weak one (the default) lets go of objects nobody
references and sweeps their dead entries; the strong one holds everything (the control)."""

from __future__ import annotations

import gc

from corral.orm.base import STATE_ATTR
from corral.orm.mapping.identity_map import SWEEP_AT_LEAST, IdentityMap, WeakIdentityMap
from corral.orm.mapping.instance_state import InstanceState


class Thing:
    """Stands in for a mapped object: the maps need only identity and a state."""

    def __init__(self) -> None:
        self.__dict__[STATE_ATTR] = InstanceState(self)  # fields unset: the maps never read them


def key(n: int) -> tuple[type, tuple[int]]:
    return (Thing, (n,))


def test_weak_map_forgets_a_dropped_object() -> None:
    """A referenced object is found; once its last reference goes, get(), `in`, len() and
    iteration no longer see it (no gc.collect() needed: nothing holds it in a cycle)."""
    identity = WeakIdentityMap()
    kept, dropped = Thing(), Thing()
    identity.add(key(1), kept)
    identity.add(key(2), dropped)
    del dropped
    assert identity.get(key(1)) is kept
    assert identity.get(key(2)) is None
    assert key(1) in identity and key(2) not in identity
    assert identity.keys() == [key(1)]
    assert identity.values() == [kept] and identity.items() == [(key(1), kept)]
    assert len(identity.entries) == 2  # the dead entry waits for a sweep...
    assert len(identity) == 1
    assert list(identity.entries) == [key(1)]  # ...which len() ran
    assert list(identity) == [key(1)]


def test_strong_map_keeps_a_dropped_object() -> None:
    """Control: the strong map still returns the object after the program dropped it."""
    identity = IdentityMap()
    identity.add(key(1), Thing())
    gc.collect()
    assert isinstance(identity.get(key(1)), Thing)
    assert len(identity) == 1 and not identity.weak


def test_a_dead_entry_is_replaced_by_a_new_object() -> None:
    """Adding an object under the key of a freed one replaces the dead entry."""
    identity = WeakIdentityMap()
    identity.add(key(1), Thing())
    fresh = Thing()
    identity.add(key(1), fresh)
    assert identity.get(key(1)) is fresh and len(identity) == 1


def test_dead_entries_are_swept_as_the_map_grows() -> None:
    """Adding 10,000 objects that are dropped at once never lets the dict grow past the sweep
    threshold; the live ones all survive every sweep."""
    identity = WeakIdentityMap()
    live = []
    largest = 0
    for n in range(10_000):
        obj = Thing()
        identity.add(key(n), obj)
        if n % 100 == 0:
            live.append(obj)
        largest = max(largest, len(identity.entries))
    del obj
    assert largest <= SWEEP_AT_LEAST + 1
    assert len(identity) == len(live) == 100
    assert all(identity.get(key(n)) is live[n // 100] for n in range(0, 10_000, 100))


def test_the_threshold_follows_the_live_objects() -> None:
    """With every object alive, a sweep finds nothing to drop and the next one waits until the
    map has doubled: the sweeps stay linear in what was added."""
    identity = WeakIdentityMap()
    live = [Thing() for _ in range(5_000)]
    for n, obj in enumerate(live):
        identity.add(key(n), obj)
    assert len(identity.entries) == 5_000
    assert identity.sweep_at >= 2 * SWEEP_AT_LEAST
    identity.sweep()
    assert identity.sweep_at == 10_000


def test_adding_sweeps_before_direct_writes() -> None:
    """Loaders call adding(), then write ``entries`` directly: at the threshold it sweeps."""
    identity = WeakIdentityMap()
    for n in range(SWEEP_AT_LEAST + 1):
        identity.entries[key(n)] = Thing().__dict__[STATE_ATTR]
    identity.adding()
    assert identity.entries == {}


def test_discard_object_leaves_another_object_of_the_key() -> None:
    """discard_object() of a stale object keeps the object now held under its key."""
    for identity in (IdentityMap(), WeakIdentityMap()):
        old, current = Thing(), Thing()
        identity.add(key(1), current)
        identity.discard_object(key(1), old)
        assert identity.get(key(1)) is current
        identity.discard_object(key(1), current)
        assert identity.get(key(1)) is None
        identity.discard_object(None, current)  # a transient object's key: nothing to do


def test_the_state_is_a_weak_reference_to_its_object() -> None:
    """The weak map's entry is the object's state: calling it gives the object, and it keeps
    the object alive no other way; states compare and hash as themselves."""
    identity = WeakIdentityMap()
    thing = Thing()
    identity.add(key(1), thing)
    state = identity.entries[key(1)]
    assert state is thing.__dict__[STATE_ATTR] and state() is thing
    twin = InstanceState(thing)  # a weakref to the same object: equal, were it a plain one
    assert state != twin and hash(state) != hash(twin)
    del thing
    assert state() is None and identity.get(key(1)) is None
