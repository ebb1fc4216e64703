"""The bookkeeping corral keeps for each mapped object, stored in the object's ``__dict__``.

The state is a weak reference to its object (``state()`` is the object, or None once it
was freed) and holds it no other way, so loading an object creates no reference cycle:
the session reaches objects through its identity map and collections, and each object
reaches its state. The weak identity map (mapping/identity_map.py) holds states, so
holding an object weakly costs no object besides the state it has anyway. A state refers
to its session weakly too: an object outliving a session the program forgot does not keep
that session (its connection, its transaction) alive.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, STATE_ATTR, TRANSITIONS, ObjectStatus

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.session import Session

#: ``(class, primary key)``, or ``(class, primary key, identity token)`` in a ShardedSession.
IdentityKey = tuple[Any, tuple[Any, ...]] | tuple[Any, tuple[Any, ...], Any]

#: Shared by every state with no recorded change (replaced, never mutated, on the first
#: change): loading an object then allocates no containers for its bookkeeping, which
#: keeps the cyclic garbage collector from rescanning every loaded object.
NO_CHANGES: dict[str, Any] = {}
NOT_EXPIRED: frozenset[str] = frozenset()
#: Runs an iterator to its end, keeping nothing (a loop in C).
_consume: Callable[[Iterable[Any]], None] = deque[Any](maxlen=0).extend


class ParentLinks:
    """Which parent an object was last attached to, or detached from, along the relationships
    that need to know (``delete-orphan``, ``single_parent``): SQLAlchemy's "has parent" flags.

    A relationship with no entry has seen no change in memory: a loaded object then counts
    as having its parent (the database says so), a new one as having none.
    """

    __slots__ = ("by_relationship", "orphaned_outside_session")

    def __init__(self) -> None:
        #: Relationship -> the parent's state, or False once it was removed from that parent.
        self.by_relationship: dict[object, InstanceState | bool] = {}
        #: Removed from a ``delete-orphan`` parent outside its session since it was last added:
        #: a new object then is not inserted by the flush (it is expunged).
        self.orphaned_outside_session = False


class InstanceState(weakref.ref[Any]):
    """Status, identity, session and change history of one mapped object, and a weak
    reference to it. Made by ``new_state`` (the loaders' per-row path sets the same
    fields inline: a Python call per row would cost as much as the rest of the row)."""

    __slots__ = ("_session", "committed_state", "expired", "key", "mapper", "parents", "status")

    mapper: Mapper
    status: ObjectStatus
    key: IdentityKey | None
    #: A weak reference to the session holding the object (``session``), or None.
    _session: weakref.ref[Session] | None
    #: Values as loaded from the database, for the attributes changed since.
    committed_state: dict[str, Any]
    #: Attributes whose values were dropped and reload on next access.
    expired: frozenset[str]
    #: Parent bookkeeping, made on an object's first attach or detach along a relationship
    #: that tracks its parents (None for nearly every object); reset when all is expired.
    parents: ParentLinks | None

    # A state is compared, hashed and shown as itself, not as its object (a weakref's way).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__
    __repr__ = object.__repr__

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its object (``pickle.dumps(obj)``): the object comes back detached
        (or transient, if it had no identity), with its loaded values and change history,
        and belongs to no session until it is added or merged into one."""
        obj = self()
        if obj is None:
            raise exc.InvalidRequestError(
                "this instance state's object was freed; pickle the object, not its state"
            )
        return (_unpickled_state, (obj, self.key, dict(self.committed_state), self.expired))

    @property
    def session(self) -> Session | None:
        """The session holding the object; None when it belongs to none, or its session
        was garbage collected.

        Held weakly, as SQLAlchemy holds it: an object the program keeps does not keep a
        session it forgot to close alive, with its connection and transaction. That session
        is collected like any other, its connection given back (``checkout_guard.py``),
        and the object is left detached.
        """
        ref = self._session
        return None if ref is None else ref()

    @session.setter
    def session(self, session: Session | None) -> None:
        self._session = None if session is None else weakref.ref(session)

    def move(self, status: ObjectStatus) -> None:
        """Change status along a declared transition."""
        if status is not self.status and status not in TRANSITIONS[self.status]:
            raise exc.InvalidRequestError(
                f"{self.mapper.class_.__name__} cannot go from {self.status.value} to "
                f"{status.value}"
            )
        self.status = status

    @property
    def modified(self) -> bool:
        return bool(self.committed_state)

    def record_change(self, obj: object, key: str, old: Any) -> None:
        """Remember the loaded value of ``key`` before its first change since the last flush."""
        committed = self.committed_state
        if key not in committed:
            ref = self._session
            session = None if ref is None else ref()
            if session is not None:
                # First: the session may begin its transaction here, or refuse the change.
                session._note_modified(obj)
            if committed is NO_CHANGES:
                self.committed_state = {key: old}
            else:
                committed[key] = old

    def commit_all(self) -> None:
        """The current values are now the database's: forget the change history."""
        self.committed_state = NO_CHANGES

    def expire(self, obj: object, keys: set[str] | None = None, *, announce: bool = True) -> None:
        """Drop loaded values (all column attributes, or ``keys``) so they reload on access;
        ``expire`` listeners hear of it unless ``announce`` is False (expired again)."""
        d = obj.__dict__
        mapper = self.mapper
        names = mapper.expire_keys if keys is None else keys
        for key in names:
            d.pop(key, None)
        if keys is None:
            self.parents = None  # the collections that said so are gone too
        if self.committed_state:
            self.committed_state = {
                k: v for k, v in self.committed_state.items() if k not in names
            } or NO_CHANGES
        # Only columns count as expired (they reload together); relationships reload
        # through their own loader when read.
        # Deferred columns are not expired either: they load when read, as before.
        if keys is None and not self.expired:
            self.expired = mapper.loaded_key_set  # shared: expiring all is common
        elif keys is None:
            self.expired = self.expired.union(mapper.loaded_key_set)
        else:
            self.expired = self.expired.union(k for k in names if k in mapper.column_key_set)
        if announce and mapper.dispatch.expire:
            for listener in mapper.dispatch.expire:
                listener(obj, keys)

    def unloaded(self, obj: object) -> set[str]:
        """Column attributes with no value in the object."""
        d = obj.__dict__
        return {k for k in self.mapper.column_keys if k not in d}

    def history(self, obj: object, key: str) -> History:
        d = obj.__dict__
        current = d.get(key, NO_VALUE)
        if key in self.committed_state:
            original = self.committed_state[key]
            added = () if current is NO_VALUE else (current,)
            deleted = () if original is NO_VALUE else (original,)
            if added == deleted:
                return History((), added, ())
            return History(added, (), deleted)
        if current is NO_VALUE:
            return History((), (), ())
        if self.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING):
            return History((current,), (), ())
        return History((), (current,), ())


class History:
    """An attribute's change since it was loaded: ``added``, ``unchanged``, ``deleted``."""

    __slots__ = ("added", "deleted", "unchanged")

    def __init__(
        self, added: tuple[Any, ...], unchanged: tuple[Any, ...], deleted: tuple[Any, ...]
    ) -> None:
        self.added = added
        self.unchanged = unchanged
        self.deleted = deleted

    def has_changes(self) -> bool:
        return bool(self.added or self.deleted)

    def empty(self) -> bool:
        """No value at all: nothing added, kept or deleted."""
        return not (self.added or self.unchanged or self.deleted)

    def non_deleted(self) -> tuple[Any, ...]:
        return self.added + self.unchanged

    def non_added(self) -> tuple[Any, ...]:
        return self.unchanged + self.deleted

    def sum(self) -> tuple[Any, ...]:
        return self.added + self.unchanged + self.deleted

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """``added, unchanged, deleted = history`` unpacks it like a tuple."""
        return iter((self.added, self.unchanged, self.deleted))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple):
            return (list(self.added), list(self.unchanged), list(self.deleted)) == tuple(
                list(x) for x in other
            )
        if isinstance(other, History):
            return (self.added, self.unchanged, self.deleted) == (
                other.added,
                other.unchanged,
                other.deleted,
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        added, unchanged, deleted = list(self.added), list(self.unchanged), list(self.deleted)
        return f"History(added={added}, unchanged={unchanged}, deleted={deleted})"


def new_state(
    obj: object,
    mapper: Mapper,
    status: ObjectStatus = ObjectStatus.TRANSIENT,
    key: IdentityKey | None = None,
    session: Session | None = None,
) -> InstanceState:
    """The state of ``obj``, with no recorded change and nothing expired."""
    state = InstanceState(obj)
    state.mapper = mapper
    state.status = status
    state.key = key
    state._session = None if session is None else weakref.ref(session)
    state.committed_state = NO_CHANGES
    state.expired = NOT_EXPIRED
    state.parents = None
    return state


def expire_objects(objects: Iterable[object]) -> None:
    """``state.expire(obj)`` of every attribute of many objects (a commit's, a rollback's):
    an object with no change history, nothing expired and no ``expire`` listener (nearly
    every one) is expired inline, without a method call."""
    for obj in objects:
        d = obj.__dict__
        state: InstanceState = d[STATE_ATTR]
        mapper = state.mapper
        if state.expired or state.committed_state or state.parents or mapper.dispatch.expire:
            state.expire(obj)
            continue
        _consume(map(d.pop, mapper.expire_keys, repeat(None)))  # d.pop(key, None), in C
        state.expired = mapper.loaded_key_set  # shared: expiring all is common


def _unpickled_state(
    obj: Any, key: IdentityKey | None, committed: dict[str, Any], expired: frozenset[str]
) -> InstanceState:
    """The state of an unpickled object: detached if it had an identity, else transient."""
    mapper = type(obj).__mapper__
    status = ObjectStatus.TRANSIENT if key is None else ObjectStatus.DETACHED
    state = new_state(obj, mapper, status, key)
    state.committed_state = committed or NO_CHANGES
    state.expired = expired
    return state


def state_of(obj: object) -> InstanceState:
    """The state of a mapped object (created, transient, on first need)."""
    try:
        state: InstanceState = obj.__dict__[STATE_ATTR]
        return state
    except (KeyError, AttributeError):
        pass
    mapper = getattr(type(obj), "__mapper__", None)
    if mapper is None:
        raise exc.UnmappedInstanceError(
            f"{type(obj).__name__} is not a mapped class; map it by subclassing your "
            "DeclarativeBase with a __tablename__"
        )
    state = new_state(obj, mapper)
    obj.__dict__[STATE_ATTR] = state
    return state
