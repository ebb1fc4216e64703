"""Keeping both sides of a relationship in step in memory, and cascading ``save-update``.

Every change to a relationship attribute arrives here: a collection's append or
removal, or a scalar assignment. The change is remembered for the flush (the
collection's members, or the scalar's value, before the first change), the
other side of ``back_populates`` / ``backref`` is updated without firing back,
and a new member joins the owner's session when the relationship cascades
``save-update``. As in SQLAlchemy 2.0, an object reached only through the
other side's update is not cascaded into the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, STATE_ATTR, ObjectStatus
from corral.orm.mapping.attribute_events import fire_collection, fire_set
from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships import parents

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship

#: Statuses whose relationship changes are remembered for the flush (new objects flush whole).
_TRACKED = (ObjectStatus.PERSISTENT, ObjectStatus.DETACHED)
_NEW = (ObjectStatus.TRANSIENT, ObjectStatus.PENDING)


def check_member(rel: Relationship, item: Any) -> None:
    if not isinstance(item, rel.mapper.class_):
        target = rel.mapper.class_.__name__
        raise exc.ArgumentError(
            f"{rel.describe()} holds {target} objects; got {type(item).__name__} {item!r}. "
            f"Give it a {target}, or put the {type(item).__name__} in a relationship that "
            "holds that class"
        )


def validated(owner: Any, rel: Relationship, item: Any, *, joining: bool = True) -> Any:
    """``item`` checked as a member, through the relationship's ``@validates`` method if any;
    ``joining`` a collection, it may not have another parent along a ``single_parent`` one."""
    check_member(rel, item)
    validator = rel.parent.validators.get(rel.key)
    if validator is not None:
        item = validator(owner, rel.key, item)
    if joining and rel.single_parent:
        parents.check_single_parent(rel, owner, item)
    return item


def before_collection_change(owner: Any, rel: Relationship, collection: Any) -> None:
    """Remember the collection's members before its first change since the last flush."""
    state = state_of(owner)
    if state.status in _TRACKED and rel.key not in state.committed_state:
        state.record_change(owner, rel.key, tuple(collection))


def _record_scalar(obj: Any, key: str, old: Any) -> None:
    state = state_of(obj)
    if state.status in _TRACKED:
        state.record_change(obj, key, old)


def _validate_other_side(item: Any, reverse: Relationship, owner: Any) -> None:
    """The other side's ``@validates`` method sees ``owner`` arrive (include_backrefs)."""
    validator = reverse.parent.validators.get(reverse.key)
    if validator is not None and getattr(validator, "include_backrefs", True):
        validator(item, reverse.key, owner)


def appended(owner: Any, rel: Relationship, item: Any) -> None:
    """``item`` joined ``owner``'s collection ``rel``."""
    if rel.dispatch.append or rel.dispatch.modified:
        fire_collection(rel.dispatch, getattr(type(owner), rel.key), "append", owner, item)
    parents.attached(item, rel, owner)
    reverse = rel.reverse
    if reverse is not None:
        _validate_other_side(item, reverse, owner)
        if reverse.uselist:
            parents.attached(owner, reverse, item)
            other = collection_for_update(item, reverse)
            if other is not None:
                other._quiet_append(owner)
                if reverse.dispatch.listening:
                    _backref_event(item, reverse, "append", owner)
        else:
            _set_quietly(item, reverse, owner, rel)
    cascade_save(owner, rel, item)


def removed(owner: Any, rel: Relationship, item: Any) -> None:
    """``item`` left ``owner``'s collection ``rel``."""
    if rel.dispatch.remove or rel.dispatch.modified:
        fire_collection(rel.dispatch, getattr(type(owner), rel.key), "remove", owner, item)
    _left(item, rel, owner, from_collection=True)
    reverse = rel.reverse
    if reverse is None:
        return
    if reverse.uselist:
        _left(owner, reverse, item, from_collection=True)
        other = loaded_collection(item, reverse)
        if other is not None:
            other._quiet_remove(owner)
        return
    current = item.__dict__.get(reverse.key, NO_VALUE)
    if (
        current is owner or current is NO_VALUE
    ):  # unloaded: it pointed at owner, whose member it was
        _record_scalar(item, reverse.key, owner)
        item.__dict__[reverse.key] = None
        _left(owner, reverse, item, from_collection=False)


def _left(item: Any, rel: Relationship, parent: Any, *, from_collection: bool) -> None:
    """``item`` is no longer held by ``parent`` along ``rel``.

    A new object this leaves with no ``delete-orphan`` parent is forgotten at once if it is
    new in the parent's session (it was only there to be that parent's member); removed
    from a collection of a parent outside that session, it is marked so the flush forgets it.
    """
    parents.detached(item, rel, parent)
    if not rel.cascade.delete_orphan or not parents.is_orphan(item):
        return
    session = state_of(parent).session
    if session is not None and parents.is_new_in_session(item, session):
        session.expunge(item)
    elif from_collection:
        parents.orphaned_outside_session(item)


def set_scalar(obj: Any, rel: Relationship, value: Any) -> None:
    """``obj.<rel> = value`` for a relationship holding one object."""
    if value is not None:
        value = validated(obj, rel, value, joining=False)
    d = obj.__dict__
    loaded = rel.key in d
    old = d.get(rel.key, NO_VALUE) if loaded else present_value(obj, rel)
    if old is value and (loaded or value is not None):
        # An unloaded many-to-one not in memory reads as None; set to None it must
        # still be recorded, so the flush empties its foreign key.
        return
    if rel.single_parent:
        parents.check_single_parent(rel, obj, value, old)
    _record_scalar(obj, rel.key, old)
    d[rel.key] = value
    known_old = old is not None and old is not NO_VALUE
    if known_old:
        _left(old, rel, obj, from_collection=False)
    if value is not None:
        parents.attached(value, rel, obj)
    reverse = rel.reverse
    if reverse is not None:
        if known_old:
            if reverse.uselist:
                _left(obj, reverse, old, from_collection=True)
                previous = loaded_collection(old, reverse)
                if previous is not None:
                    previous._quiet_remove(obj)
            elif old.__dict__.get(reverse.key, obj) is obj:  # unloaded: it pointed at obj
                _record_scalar(old, reverse.key, obj)
                old.__dict__[reverse.key] = None
                _left(obj, reverse, old, from_collection=False)
        if value is not None:
            _validate_other_side(value, reverse, obj)
            if reverse.uselist:
                parents.attached(obj, reverse, value)
                other = collection_for_update(value, reverse)
                if other is not None:
                    other._quiet_append(obj)
                    if reverse.dispatch.listening:
                        _backref_event(value, reverse, "append", obj)
            else:
                _set_quietly(value, reverse, obj, rel)
    if value is not None:
        cascade_save(obj, rel, value)


def _set_quietly(item: Any, reverse: Relationship, owner: Any, rel: Relationship) -> None:
    """Point ``item``'s scalar ``reverse`` at ``owner``; ``item`` leaves its previous owner."""
    d = item.__dict__
    if reverse.dispatch.listening:
        _backref_event(item, reverse, "set", owner, d.get(reverse.key, NO_VALUE))
    previous = d[reverse.key] if reverse.key in d else present_value(item, reverse)
    parents.attached(owner, reverse, item)
    if previous is owner:
        d[reverse.key] = owner
        return
    _record_scalar(item, reverse.key, previous)
    d[reverse.key] = owner
    if previous is None or previous is NO_VALUE:
        return
    _left(previous, reverse, item, from_collection=False)
    if rel.uselist:
        _left(item, rel, previous, from_collection=True)
        collection = loaded_collection(previous, rel)
        if collection is not None:
            collection._quiet_remove(item)
    elif previous.__dict__.get(rel.key, item) is item:  # unloaded: it pointed at item
        _record_scalar(previous, rel.key, item)
        previous.__dict__[rel.key] = None
        _left(item, rel, previous, from_collection=False)


def _backref_event(target: Any, rel: Relationship, event: str, value: Any, old: Any = None) -> None:
    """The other side of a relationship changed with this one: its listeners hear it."""
    attribute = getattr(type(target), rel.key)
    if event == "set":
        fire_set(attribute, target, value, old)
    else:
        fire_collection(rel.dispatch, attribute, event, target, value)


def present_value(obj: Any, rel: Relationship) -> Any:
    """The value of ``obj``'s unloaded scalar ``rel`` that a change replaces, or NO_VALUE.

    Only a persistent object has one. A many-to-one comes from the identity map
    (no SQL); a one-to-one seen from its parent loads, without flushing the
    change half made, since the replaced child's foreign key must change too.
    """
    state = state_of(obj)
    if state.status is not ObjectStatus.PERSISTENT or state.session is None:
        return NO_VALUE
    from corral.orm.relationships.unloaded import current_value

    with state.session.no_autoflush:
        return current_value(obj, rel)


def loaded_collection(obj: Any, rel: Relationship) -> Any:
    """``obj``'s collection for ``rel`` if it is in memory, else None (never loads)."""
    value = obj.__dict__.get(rel.key)
    return value if hasattr(value, "_quiet_append") else None


def collection_for_update(obj: Any, rel: Relationship) -> Any:
    """The collection a backref change goes into: loaded, or new (empty) on a new object.

    A persistent object's unloaded collection is left alone: it loads from the
    database (after the flush that writes this change) when it is read.
    """
    collection = loaded_collection(obj, rel)
    if collection is not None or rel.lazy == "write_only":
        return collection
    state = state_of(obj)
    if state.status in _NEW:
        collection = rel.new_collection(obj)
        obj.__dict__[rel.key] = collection
        return collection
    return None


def cascade_save(owner: Any, rel: Relationship, item: Any) -> None:
    """``save-update``: a related object joins the session its owner is in (one its flush
    deleted is refused, as session.add() refuses it)."""
    if not rel.cascade.save_update:
        return
    owner_state = owner.__dict__.get(STATE_ATTR)
    session = owner_state.session if owner_state is not None else None
    if session is not None:
        item_state = state_of(item)
        deleted_here = item_state.status is ObjectStatus.DELETED
        if deleted_here and item_state.session is not None and item_state.session is session:
            item_state.session._add(item)  # raises: it was deleted in this transaction
        join_session(session, item)


def join_session(session: Any, item: Any) -> None:
    """``item`` joins ``session`` unless it belongs to one (it is new, or detached)."""
    state = state_of(item)
    if state.session is None and state.status in (ObjectStatus.TRANSIENT, ObjectStatus.DETACHED):
        session._add(item)  # which cascades on from the item


def cascade_saves(session: Any, obj: Any) -> None:
    """``save-update`` from ``obj``: the objects it holds in memory join its session."""
    for rel in state_of(obj).mapper.relationships.values():
        if rel.cascade.save_update:
            for item in related_objects(obj, rel):
                join_session(session, item)


def cascade_add(session: Any, obj: Any) -> None:
    """``session.add(obj)``: what it holds joins the session, and what it held before its
    unflushed changes too (the flush decides their fate: a ``delete-orphan`` one is deleted)."""
    d = obj.__dict__
    state = state_of(obj)
    committed = state.committed_state
    for rel in state.mapper.relationships.values():
        key = rel.key
        if key not in d and key not in committed:
            continue  # neither holds nor held anything in memory (a new object's usual case)
        if rel.cascade.save_update:
            for item in [*related_objects(obj, rel), *removed_objects(obj, rel)]:
                join_session(session, item)


def holds_related(obj: Any) -> bool:
    """Whether a flush's relationship work can concern ``obj``: it holds a relationship
    value in memory (loaded, assigned or appended to), a change history of one, or parent
    bookkeeping (relationships/parents.py). The others (objects whose relationships were
    never touched: a bulk insert, a rename) have no cascade, orphan or collection change to
    find, and no many-to-one key to copy."""
    d = obj.__dict__
    state = d[STATE_ATTR]
    keys = state.mapper.relationships.keys()
    return (
        state.parents is not None
        or not keys.isdisjoint(d)
        or bool(state.committed_state and not keys.isdisjoint(state.committed_state))
    )


def holding_related(objects: Iterable[Any]) -> list[Any]:
    """The ``objects`` that ``holds_related``."""
    return list(filter(holds_related, objects))


def removed_objects(obj: Any, rel: Relationship) -> list[Any]:
    """The objects ``obj`` held through ``rel`` before its unflushed changes, and no longer."""
    value = obj.__dict__.get(rel.key, NO_VALUE)
    if hasattr(value, "pending_removed"):  # a write-only collection
        return list(value.pending_removed)
    before = state_of(obj).committed_state.get(rel.key, NO_VALUE)
    if before is NO_VALUE or before is None:
        return []
    held = related_objects(obj, rel)
    was = list(before) if rel.uselist else [before]
    return [o for o in was if not any(o is h for h in held)]


def related_objects(obj: Any, rel: Relationship) -> list[Any]:
    """The objects ``obj`` holds in memory through ``rel`` (nothing is loaded)."""
    value = obj.__dict__.get(rel.key, NO_VALUE)
    if value is NO_VALUE or value is None:
        return []
    if rel.uselist:
        if hasattr(value, "pending_added"):  # a write-only collection
            return list(value.pending_added)
        return list(value)
    return [value]
