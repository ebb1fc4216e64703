"""What relationships add to a flush: cascades, orphans, foreign-key copying, association rows.

Before anything is written (``presort``): ``save-update`` brings related new
objects into the flush; ``delete-orphan`` turns children removed from their
parent into deletions; deleting a parent deletes its children (``delete``
cascade) or empties their foreign key. While tables are written in foreign-key
order (``sync_foreign_keys``), each row takes the key values of the objects it
points at, which by then have their (possibly just generated) primary keys.
After every table is written, ``post_update`` foreign keys are set, and
many-to-many association rows are deleted and inserted (``association_rows``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import is_
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, STATE_ATTR, ObjectStatus
from corral.orm.mapping.inheritance import flush_table_names
from corral.orm.mapping.instance_state import InstanceState, state_of
from corral.orm.relationships import parents
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.in_memory import cascade_saves, holding_related, related_objects
from corral.orm.relationships.relationship import Relationship
from corral.sql.schema import Column

if TYPE_CHECKING:
    from corral.orm.session.session import Session


@dataclass(slots=True)
class CollectionChange:
    """Members that joined and left one object's collection since the last flush."""

    owner: object
    rel: Relationship
    added: list[object]
    removed: list[object]


@dataclass(slots=True)
class FlushWork:
    """The objects of one flush and the relationship changes among them."""

    new: list[object]
    dirty: list[object]
    deleted: list[object]
    #: One-to-many (and one-to-one) collection changes, by the child table's name.
    children: dict[str, list[CollectionChange]] = field(default_factory=dict)
    #: Many-to-many collection changes.
    associations: list[CollectionChange] = field(default_factory=list)
    #: Objects whose association rows all go (deleted owners of many-to-many collections).
    association_owners: list[tuple[object, Relationship]] = field(default_factory=list)
    deleted_ids: set[int] = field(default_factory=set)
    #: The new and changed objects that hold a relationship value (``holding_related``):
    #: the only ones whose own relationships the flush has anything to do for.
    related: list[object] = field(default_factory=list)


def history(obj: object, state: InstanceState, rel: Relationship) -> tuple[list[Any], list[Any]]:
    """(added, removed) of a relationship since the last flush; a new object's is all added."""
    d = obj.__dict__
    current = d.get(rel.key, NO_VALUE)
    if hasattr(current, "pending_added"):  # write-only: only what was added or removed
        return list(current.pending_added), list(current.pending_removed)
    now = (
        []
        if current is NO_VALUE or current is None
        else list(current)
        if rel.uselist
        else [current]
    )
    if state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING):
        return now, []
    before = state.committed_state.get(rel.key, NO_VALUE)
    if before is NO_VALUE or current is NO_VALUE:
        if rel.key not in state.committed_state:
            return [], []
        return now, []
    was = list(before) if rel.uselist else ([] if before is None else [before])
    was_ids = {id(o) for o in was}
    now_ids = {id(o) for o in now}
    return [o for o in now if id(o) not in was_ids], [o for o in was if id(o) not in now_ids]


def presort(
    session: Session, new: list[object], dirty: list[object], deleted: list[object]
) -> FlushWork:
    """Cascades and orphans, then the collection changes the writing phase needs.

    Objects that hold no relationship value (``holding_related``) are passed over: they
    have nothing to cascade, orphan or record."""
    modified = len(session._modified)
    related_new, related_dirty = holding_related(new), holding_related(dirty)
    _cascade_saves(session, [*related_new, *related_dirty])
    pending = list(session._new.values())
    if len(pending) != len(new) or not all(map(is_, pending, new)):
        new, related_new = pending, holding_related(pending)  # the cascade joined objects
    # (an object with parent bookkeeping holds "related": the others cannot be forgotten)
    if _forget_pending_orphans(session, related_new):
        new = list(session._new.values())
        related_new = holding_related(new)
    orphans = _find_orphans(session, [*related_new, *related_dirty])
    for obj in orphans:
        session._delete(obj)
    deleted = list(session._deleted.values())
    changed = dirty
    # ``dirty`` is every changed object unless it was chosen among them (flush(objects))
    # or a cascade re-attached or deleted some: then they are counted again.
    if orphans or len(dirty) != modified or len(session._modified) != modified:
        changed = session.dirty
        related_dirty = holding_related(changed)
    work = FlushWork(new, changed, deleted)
    work.deleted_ids = {id(o) for o in deleted}
    for obj in deleted:
        _release_children(session, work, obj)
    seen: set[int] = set()
    for obj in [*related_new, *related_dirty]:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        work.related.append(obj)
        state = state_of(obj)
        for rel in state.mapper.relationships.values():
            if rel.viewonly or rel.direction is Direction.MANYTOONE:
                continue
            added, removed = history(obj, state, rel)
            if removed and rel.direction is Direction.ONETOMANY:
                removed = _in_session(session, rel, removed)
            if not (added or removed):
                continue
            change = CollectionChange(obj, rel, added, removed)
            if rel.direction is Direction.MANYTOMANY:
                work.associations.append(change)
            else:
                for name in flush_table_names(rel.mapper):
                    work.children.setdefault(name, []).append(change)
    for obj in deleted:
        for rel in state_of(obj).mapper.relationships.values():
            if rel.direction is Direction.MANYTOMANY and not (rel.viewonly or rel.passive_deletes):
                work.association_owners.append((obj, rel))
    return work


def _cascade_saves(session: Session, objects: Iterable[object]) -> None:
    """Related objects not yet in the session join it along ``save-update`` relationships."""
    for obj in objects:
        cascade_saves(session, obj)


def find_orphans(session: Session, objects: Iterable[object]) -> list[object]:
    """The persistent objects a flush deletes as orphans (see relationships/parents.py).

    Among ``objects``, those memory saw taken from a ``delete-orphan`` parent they need;
    and the members removed from their ``delete-orphan`` relationships and put in no other
    parent along it (a removed member outside the session is left alone).
    """
    return _find_orphans(session, holding_related(objects))


def _find_orphans(session: Session, objects: list[object]) -> list[object]:
    """``find_orphans`` of objects already filtered by ``holding_related``."""
    orphans: dict[int, object] = {}
    for obj in objects:
        state = state_of(obj)
        if state.status is ObjectStatus.PERSISTENT and (
            parents.is_orphan(obj) or parents.was_removed(obj)
        ):
            orphans[id(obj)] = obj
        for rel in state.mapper.relationships.values():
            if not rel.cascade.delete_orphan:
                continue
            for child in history(obj, state, rel)[1]:
                if child is None or parents.has_parent(child, rel, optimistic=False):
                    continue
                child_state = state_of(child)
                if child_state.session is session and child_state.status is ObjectStatus.PERSISTENT:
                    orphans[id(child)] = child
    return list(orphans.values())


def _forget_pending_orphans(session: Session, candidates: list[object]) -> bool:
    """New objects a parent outside the session orphaned are not inserted (expunged);
    True when there were some. ``candidates`` holds every new object with parent records."""
    forgotten = False
    for obj in candidates:
        state: InstanceState = obj.__dict__[STATE_ATTR]
        links = state.parents
        if links is not None and links.orphaned_outside_session and parents.is_orphan(obj):
            session._expunge(obj, state)
            forgotten = True
    return forgotten


def _in_session(session: Session, rel: Relationship, removed: list[object]) -> list[object]:
    """The removed members the flush can write: one outside the session is left alone."""
    kept = []
    for child in removed:
        if state_of(child).session is session:
            kept.append(child)
        else:
            warnings.warn(
                f"{child!r} was removed from {rel.describe()} but is not in this session, so "
                "the flush neither deletes it nor empties its foreign key; add it to the "
                "session (session.add) before flushing to have that done",
                exc.SAWarning,
                stacklevel=4,
            )
    return kept


def _release_children(session: Session, work: FlushWork, parent: object) -> None:
    """A deleted parent's children: their foreign key empties, unless the database does it."""
    for rel in state_of(parent).mapper.relationships.values():
        if rel.direction is not Direction.ONETOMANY or rel.viewonly or rel.cascade.delete:
            continue
        with session.no_autoflush:  # flushing already: no flush may start inside it
            children = members_for_delete(session, parent, rel)
        removed = [c for c in children if id(c) not in work.deleted_ids]
        if removed:
            change = CollectionChange(parent, rel, [], removed)
            for name in flush_table_names(rel.mapper):
                work.children.setdefault(name, []).append(change)


def members_for_delete(session: Session, parent: object, rel: Relationship) -> list[object]:
    """The members of ``parent``'s ``rel`` that deleting ``parent`` must reach.

    With ``passive_deletes`` only those in memory (the database's ON DELETE does
    the rest); otherwise all of them, loaded if needed. A write-only collection
    is queried whole, as in SQLAlchemy: give it ``passive_deletes=True`` to avoid that.
    """
    if rel.passive_deletes:
        return related_objects(parent, rel)
    getattr(parent, rel.key)  # loads it; the stored value is the members (a dict is a view)
    value: Any = parent.__dict__.get(rel.key)
    if rel.lazy == "write_only":
        pending = list(value.pending_added)
        if state_of(parent).key is None:
            return pending
        left = {id(o) for o in value.pending_removed} | {id(o) for o in pending}
        stored = [o for o in session.scalars(value.select()) if id(o) not in left]
        return [*stored, *pending]
    return [] if value is None else list(value) if rel.uselist else [value]


def cascade_delete(session: Session, obj: object) -> None:
    """``session.delete(parent)``: the children along ``delete`` relationships go too.

    Loading the children must not flush: the parent's DELETE would go first.
    """
    with session.no_autoflush:
        _cascade_delete(session, obj)


def _cascade_delete(session: Session, obj: object) -> None:
    for rel in state_of(obj).mapper.relationships.values():
        if not rel.cascade.delete:
            continue
        for child in members_for_delete(session, obj, rel):
            child_state = state_of(child)
            if child_state.status is ObjectStatus.PERSISTENT and id(child) not in session._deleted:
                session._delete(child)


# -- the writing phase -------------------------------------------------------------------


def _values_of(obj: object, columns: Iterable[Column]) -> list[Any] | None:
    d = obj.__dict__
    mapper = state_of(obj).mapper
    values = []
    for column in columns:
        key = mapper.attribute_of(column)
        value = d.get(key, NO_VALUE)
        if value is NO_VALUE:
            value = getattr(obj, key)
        values.append(value)
    return values


def _assign(obj: object, column: Column, value: Any) -> bool:
    """Set one foreign-key column; True when a persistent object's row must change."""
    d = obj.__dict__
    state = state_of(obj)
    key = state.mapper.attribute_of(column)
    if state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING):
        d[key] = value
        return False
    current = d.get(key, NO_VALUE)
    if current is NO_VALUE:
        current = getattr(obj, key)
    if current == value and type(current) is type(value):
        return False
    setattr(obj, key, value)
    return True


def _require_key(rel: Relationship, target: object, holder: object) -> list[Any]:
    source = [src for src, _ in rel.synchronize_pairs]
    values = _values_of(target, source)
    assert values is not None
    if any(v is None for v in values) and state_of(target).status is ObjectStatus.PENDING:
        raise exc.FlushError(
            f"Cannot flush {type(holder).__name__} along {rel.describe()}: the "
            f"{type(target).__name__} it refers to has no primary key yet, because the two "
            "tables refer to each other (a cycle). Set post_update=True on one of the two "
            "relationships so its foreign key is written by an UPDATE after both INSERTs"
        )
    return values


def sync_foreign_keys(
    work: FlushWork,
    table_name: str,
    objects: list[object],
    *,
    only: set[int] | None = None,
    skip: set[int] | None = None,
) -> list[object]:
    """Copy parents' keys into the foreign keys of rows of one table.

    ``objects`` take the keys of what their many-to-ones point at; children in
    their parents' collection changes (those in ``only``, or not in ``skip``)
    take their parent's. Returns persistent objects whose rows must now be
    updated (they may not have been in the flush before: a child appended to a
    new parent's collection).
    """
    changed: dict[int, object] = {}

    def wanted(child: object) -> bool:
        if id(child) in work.deleted_ids:
            return False
        if only is not None:
            return id(child) in only
        return skip is None or id(child) not in skip

    for change in work.children.get(table_name, ()):
        rel = change.rel
        if rel.post_update:
            continue
        removed = [c for c in change.removed if wanted(c)]
        added = [c for c in change.added if wanted(c)]
        if not (removed or added):
            continue
        parent_values = _values_of(change.owner, [src for src, _ in rel.synchronize_pairs])
        assert parent_values is not None
        for child in removed:
            fks = [fk for _, fk in rel.synchronize_pairs]
            if _values_of(child, fks) == parent_values:
                for column in fks:
                    if _assign(child, column, None):
                        changed[id(child)] = child
        if added:
            parent_values = _require_key(rel, change.owner, added[0])
        for child in added:
            for (_, fk), value in zip(rel.synchronize_pairs, parent_values, strict=True):
                if _assign(child, fk, value):
                    changed[id(child)] = child
    mapper = None
    many_to_ones: list[Relationship] = []
    for obj in holding_related(objects):
        state = obj.__dict__[STATE_ATTR]
        if state.mapper is not mapper:  # objects of one class come in runs
            mapper = state.mapper
            many_to_ones = [
                rel
                for rel in mapper.relationships.values()
                if rel.direction is Direction.MANYTOONE and not (rel.viewonly or rel.post_update)
            ]
        if not many_to_ones:
            continue
        several_tables = len(state.mapper.flush_views) > 1
        for rel in many_to_ones:
            if several_tables and not _written_to(rel, table_name):
                continue  # the row of another of its tables holds that foreign key
            if _assign_many_to_one(obj, state, rel):
                changed[id(obj)] = obj
    return list(changed.values())


def _written_to(rel: Relationship, table_name: str) -> bool:
    """Whether a many-to-one's foreign key columns are in table ``table_name``."""
    return any(getattr(fk.table, "name", None) == table_name for _, fk in rel.synchronize_pairs)


def _assign_many_to_one(obj: object, state: InstanceState, rel: Relationship) -> bool:
    d = obj.__dict__
    if rel.key not in d:
        return False
    is_new = state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING)
    if not is_new and rel.key not in state.committed_state:
        return False
    target = d[rel.key]
    if target is None:
        if is_new:
            return False  # never pointed anywhere: keep a foreign key set by hand
        values: list[Any] = [None] * len(rel.synchronize_pairs)
    else:
        values = _require_key(rel, target, obj)
    touched = False
    for (_, fk), value in zip(rel.synchronize_pairs, values, strict=True):
        touched = _assign(obj, fk, value) or touched
    return touched


def post_update_rows(work: FlushWork) -> list[tuple[object, Column, Any]]:
    """(row holder, foreign-key column, value) for ``post_update`` relationships."""
    rows: list[tuple[object, Column, Any]] = []
    for obj in work.related:
        state = state_of(obj)
        for rel in state.mapper.relationships.values():
            if not rel.post_update or rel.viewonly:
                continue
            if rel.direction is Direction.MANYTOONE:
                d = obj.__dict__
                is_new = state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING)
                if rel.key not in d or (not is_new and rel.key not in state.committed_state):
                    continue
                target = d[rel.key]
                if target is None and is_new:
                    continue
                values = [None] * len(rel.synchronize_pairs)
                if target is not None:
                    values = _values_of(target, [s for s, _ in rel.synchronize_pairs]) or values
                rows.extend(
                    (obj, fk, v) for (_, fk), v in zip(rel.synchronize_pairs, values, strict=True)
                )
            elif rel.direction is Direction.ONETOMANY:
                added, removed = history(obj, state, rel)
                parent = _values_of(obj, [s for s, _ in rel.synchronize_pairs]) or []
                for child in removed:
                    rows.extend((child, fk, None) for _, fk in rel.synchronize_pairs)
                for child in added:
                    rows.extend(
                        (child, fk, v)
                        for (_, fk), v in zip(rel.synchronize_pairs, parent, strict=True)
                    )
    return rows


def pre_delete_post_updates(work: FlushWork) -> list[tuple[object, Column, Any]]:
    """Deleted rows holding a ``post_update`` foreign key: emptied before the DELETEs."""
    rows = []
    for obj in work.deleted:
        for rel in state_of(obj).mapper.relationships.values():
            if rel.post_update and rel.direction is Direction.MANYTOONE:
                for _, fk in rel.synchronize_pairs:
                    if obj.__dict__.get(rel.parent.attribute_of(fk)) is not None:
                        rows.append((obj, fk, None))
    return rows


def association_rows(
    work: FlushWork,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Association rows to delete and to insert, by secondary table name, de-duplicated.

    Both sides of a ``back_populates`` many-to-many record the same change; a row
    appears once.
    """
    to_delete: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
    to_insert: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
    for change in work.associations:
        rel = change.rel
        assert rel.secondary is not None
        for members, out in ((change.removed, to_delete), (change.added, to_insert)):
            for member in members:
                if id(change.owner) in work.deleted_ids:
                    continue  # the owner's rows all go (association_owners)
                if out is to_insert and id(member) in work.deleted_ids:
                    continue
                row = _association_row(rel, change.owner, member)
                key = (rel.secondary_table.name, *sorted(row.items()))
                out[key] = (rel.secondary_table.name, row)
    for key in set(to_delete) & set(to_insert):  # removed and added back: no change
        del to_delete[key], to_insert[key]
    deletes: dict[str, list[dict[str, Any]]] = {}
    inserts: dict[str, list[dict[str, Any]]] = {}
    for name, row in to_delete.values():
        deletes.setdefault(name, []).append(row)
    for name, row in to_insert.values():
        inserts.setdefault(name, []).append(row)
    return deletes, inserts


def _association_row(rel: Relationship, owner: object, member: object) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for source, holder, pairs in (
        (owner, rel, rel.secondary_pairs),
        (member, rel, rel.target_pairs),
    ):
        del holder
        values = _values_of(source, [col for col, _ in pairs]) or []
        for (_, secondary_col), value in zip(pairs, values, strict=True):
            row[secondary_col.key] = value
    return row


def owner_key_params(obj: object, rel: Relationship) -> dict[str, Any]:
    """The secondary columns naming a deleted owner, with its values."""
    values = _values_of(obj, [col for col, _ in rel.secondary_pairs]) or []
    return {sec.key: v for (_, sec), v in zip(rel.secondary_pairs, values, strict=True)}


def depth_order(objects: list[object], table_name: str) -> list[list[object]]:
    """Objects of one table in waves, parents before children along self-referential links."""
    if len(objects) < 2:
        return [objects]
    mapper = state_of(objects[0]).mapper
    self_refs = [
        rel
        for rel in mapper.relationships.values()
        if rel.mapper.table.name == table_name
        and rel.direction is not Direction.MANYTOMANY
        and not rel.post_update
        and not rel.viewonly
    ]
    if not self_refs:
        return [objects]
    ids = {id(o) for o in objects}
    parents: dict[int, set[int]] = {id(o): set() for o in objects}
    for obj in objects:
        for rel in self_refs:
            for other in related_objects(obj, rel):
                if id(other) not in ids or other is obj:
                    continue
                if rel.direction is Direction.MANYTOONE:
                    parents[id(obj)].add(id(other))
                else:
                    parents[id(other)].add(id(obj))
    waves: list[list[object]] = []
    placed: set[int] = set()
    remaining = list(objects)
    while remaining:
        wave = [o for o in remaining if parents[id(o)] <= placed]
        if not wave:
            raise exc.FlushError(
                f"Cannot order the rows of {table_name!r}: the objects refer to each other in "
                "a cycle. Set post_update=True on the relationship that closes the cycle"
            )
        waves.append(wave)
        placed.update(id(o) for o in wave)
        remaining = [o for o in remaining if id(o) not in placed]
    return waves


def delete_waves(objects: list[object], table_name: str) -> list[list[object]]:
    """Deleted rows of one table, children before parents along self-referential keys."""
    if len(objects) < 2:
        return [objects]
    mapper = state_of(objects[0]).mapper
    links = [
        rel
        for rel in mapper.relationships.values()
        if rel.mapper.table.name == table_name and rel.direction is Direction.MANYTOONE
    ]
    if not links:
        return [objects]
    by_key = {state_of(o).key: o for o in objects}
    parent_of: dict[int, object] = {}
    for obj in objects:
        for rel in links:
            values = tuple(
                obj.__dict__.get(mapper.attribute_of(fk)) for _, fk in rel.synchronize_pairs
            )
            parent = by_key.get((mapper.class_, values))
            if parent is not None and parent is not obj:
                parent_of[id(obj)] = parent
    depth: dict[int, int] = {}

    def depth_of(obj: object, seen: int = 0) -> int:
        if id(obj) not in depth:
            parent = parent_of.get(id(obj))
            depth[id(obj)] = (
                0 if parent is None or seen > len(objects) else depth_of(parent, seen + 1) + 1
            )
        return depth[id(obj)]

    levels: dict[int, list[object]] = {}
    for obj in objects:
        levels.setdefault(depth_of(obj), []).append(obj)
    return [levels[d] for d in sorted(levels, reverse=True)]
