"""An object's standing outside the Session's own operations: which session holds it, whether
it has changes to flush, and moving it by hand between transient and detached
(``make_transient``, ``make_transient_to_detached``), as SQLAlchemy's functions of the names do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, STATE_ATTR, ObjectStatus
from corral.orm.mapping.instance_state import NO_CHANGES, NOT_EXPIRED, state_of
from corral.orm.relationships.write_only import WriteOnlyCollection
from corral.orm.session.events import fire_object

if TYPE_CHECKING:
    from corral.orm.session.session import Session

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_DETACHED = ObjectStatus.DETACHED
_TRANSIENT = ObjectStatus.TRANSIENT

_NEW = (ObjectStatus.TRANSIENT, ObjectStatus.PENDING)


def object_session(instance: object) -> Session | None:
    """The Session ``instance`` belongs to, or None (``UnmappedInstanceError`` if not mapped)."""
    return state_of(instance).session


def make_transient(instance: object) -> None:
    """Make ``instance`` transient: out of its session, without its identity, as if new.

    Its loaded values stay; attributes that were expired or never loaded are simply absent
    (they read as None). Adding it to a session then INSERTs it as a new row. Nothing is
    cascaded to related objects.
    """
    state = state_of(instance)
    session = state.session
    if session is not None:
        session._expunge(instance, state)
    state.key = None
    state.expired = NOT_EXPIRED
    # The change history stays (as in SQLAlchemy): get_history() still tells what changed,
    # e.g. to copy a row into a new version; an INSERT writes the current values anyway.
    if state.status is not _TRANSIENT:
        state.move(_TRANSIENT)


def make_transient_to_detached(instance: object) -> None:
    """Make a transient ``instance`` detached: it gets the identity of its primary key values,
    its values count as loaded, and attributes it lacks load when read once it is attached
    again (``session.add()``); a flush then UPDATEs only what changes after that."""
    state = state_of(instance)
    if state.session is not None or state.key is not None or state.status is not _NEW[0]:
        raise exc.InvalidRequestError(
            f"make_transient_to_detached() needs a transient object; {instance!r} is "
            f"{state.status.value}. Call make_transient(obj) first, or merge() it instead"
        )
    mapper = state.mapper
    key = mapper.identity_key_of(instance)
    if key is None:
        missing = [k for k in mapper.primary_key_attrs if instance.__dict__.get(k) is None]
        raise exc.InvalidRequestError(
            f"make_transient_to_detached() needs the primary key of {instance!r}; set "
            f"{', '.join(missing)} first"
        )
    state.key = key
    state.committed_state = NO_CHANGES
    absent = frozenset(k for k in mapper.column_keys if k not in instance.__dict__)
    state.expired = absent & mapper.loaded_key_set if absent else NOT_EXPIRED
    state.move(_DETACHED)


def is_modified(instance: object, include_collections: bool = True) -> bool:
    """Whether ``instance`` has attribute changes a flush would write (Session.is_modified)."""
    state = state_of(instance)
    d = instance.__dict__
    relationships = state.mapper.relationships
    if state.status in _NEW:
        for key, value in d.items():
            rel = relationships.get(key)
            if rel is None:
                if key in state.mapper.column_key_set:
                    return True
            elif rel.uselist:
                if include_collections and _collection_members(value):
                    return True
            elif value is not None:
                return True
        return False
    for key, original in state.committed_state.items():
        rel = relationships.get(key)
        if rel is None:
            if state.history(instance, key).has_changes():
                return True
        elif rel.uselist:
            if include_collections and _collection_changed(original, d.get(key, NO_VALUE)):
                return True
        elif d.get(key, NO_VALUE) is not original:
            return True
    return False


def _collection_members(value: Any) -> list[Any]:
    if isinstance(value, WriteOnlyCollection):
        return [*value.pending_added, *value.pending_removed]
    return list(value)


def _collection_changed(original: Any, current: Any) -> bool:
    """Whether a collection gained or lost a member (order alone is no change)."""
    if isinstance(current, WriteOnlyCollection):
        return bool(current.pending_added or current.pending_removed)
    if current is NO_VALUE:
        return bool(original)
    before = {id(item) for item in original or ()}
    return before != {id(item) for item in current}


def detach_all(session: Session) -> None:
    """Detach every object of ``session`` at once (its bookkeeping goes with the dicts)."""
    detached, transient = _DETACHED, _TRANSIENT
    dispatch = session.dispatch
    if dispatch.persistent_to_detached or dispatch.pending_to_transient:
        leaving = session.identity_map.values(), [*session._new.values()]
    else:
        leaving = None
    for state in session.identity_map.states():
        state._session = None
        if state.status is not transient:
            state.status = detached
    session.identity_map.clear()
    if session._new:
        for obj in session._new.values():
            state = obj.__dict__[STATE_ATTR]
            state._session = None
            state.status = transient
        session._new.clear()
    if session._deleted or session._modified:  # (what a read-only session never has)
        session._deleted.clear()
        session._modified.clear()
    if leaving is not None:
        for obj in leaving[0]:
            if obj.__dict__[STATE_ATTR].status is detached:
                fire_object(session, "persistent_to_detached", obj)
        for obj in leaving[1]:
            fire_object(session, "pending_to_transient", obj)


def forget_collected(session: Session) -> None:
    """The objects of a session garbage collected without ``close()`` are left as close()
    would leave them, without events (the program let the session go): detached, or
    transient when their INSERT was in the transaction the lost connection's clean-up
    rolls back (``checkout_guard.py``), or when they were never flushed."""
    inserted: dict[int, object] = {}
    deleted: dict[int, object] = {}
    transaction = session._transaction
    while transaction is not None:
        inserted.update(transaction.inserted)
        deleted.update(transaction.deleted)
        transaction = transaction.parent
    # Deleted in that transaction: out of the map, and their DELETE is rolled back too.
    states = [obj.__dict__[STATE_ATTR] for obj in deleted.values()]
    states += session.identity_map.states()
    for state in states:
        state._session = None
        if state.status is _TRANSIENT:
            continue
        if id(state()) in inserted:  # its row goes with the rolled-back transaction
            state.key = None
            state.committed_state = NO_CHANGES
            state.status = _TRANSIENT
        else:
            state.status = _DETACHED
    for obj in session._new.values():
        state = obj.__dict__[STATE_ATTR]
        state._session = None
        state.status = _TRANSIENT
