"""Whether a flush would read the database between its writes.

The flush of related objects reads values it copies (primary keys into foreign keys,
a version to match) from the objects; a value that was expired or never loaded is
loaded on the spot, and deleting a parent loads its unloaded collections. The sync
Session does that through its connection. The asyncio executor drives the flush's
statements on the event loop, where such a load cannot run: it asks these questions
first and hands the flush (or its writing) to a worker thread when one says yes; so
does a column default that may query (``defaults_may_query``).

Both answer conservatively from memory, with no I/O: a yes may be a load the flush
would not have needed after all; a no is always safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.in_memory import related_objects
from corral.orm.unit_of_work.dependencies import FlushWork, find_orphans

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.session.session import Session


def presort_reads(
    session: Session, new: list[object], dirty: list[object], deleted: list[object]
) -> bool:
    """Whether ``dependencies.presort`` of these objects may load something: an unloaded
    one-to-many collection of a deleted object, or of an orphan it would delete (the
    orphans are found from memory, as presort finds them)."""
    if any(_unloaded_members(obj) for obj in deleted):
        return True
    return any(_unloaded_members(obj) for obj in find_orphans(session, [*new, *dirty]))


def delete_reads(obj: object) -> bool:
    """Whether ``Session.delete(obj)`` may load something: a collection or reference
    along a ``delete`` cascade (from ``obj`` or what the cascade reaches) not in memory."""
    seen: set[int] = set()
    todo = [obj]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        d = current.__dict__
        for rel in state_of(current).mapper.relationships.values():
            if not rel.cascade.delete:
                continue
            # passive_deletes: only the members in memory are reached
            if not rel.passive_deletes and (rel.key not in d or rel.lazy == "write_only"):
                return True
            todo.extend(related_objects(current, rel))
    return False


def _unloaded_members(obj: object) -> bool:
    d = obj.__dict__
    for rel in state_of(obj).mapper.relationships.values():
        if rel.direction is not Direction.ONETOMANY or rel.viewonly or rel.cascade.delete:
            continue
        if rel.passive_deletes:
            continue
        if rel.key not in d or rel.lazy == "write_only":
            return True
    return False


def versions_read(objects: Iterable[object]) -> bool:
    """Whether a versioned object among ``objects`` (updated or deleted) has no version
    loaded: the flush loads it first, to match the row it was read as."""
    for obj in objects:
        state = state_of(obj)
        key = state.mapper.version_id_key
        if key is not None and key not in obj.__dict__ and key not in state.committed_state:
            return True
    return False


def defaults_may_query(mappers: Iterable[Mapper]) -> bool:
    """Whether writing rows of these mappers may run a Python column default (or onupdate)
    that takes the execution context: such a default may query, through
    ``context.connection`` or an engine of its own (a key generator, as in SQLAlchemy's
    sharding examples), which cannot happen on the event loop."""
    for mapper in mappers:
        for column in mapper.columns_by_key.values():
            for default in (column.default, column.onupdate):
                if default is not None and default.takes_context:
                    return True
    return False


def writes_read(work: FlushWork) -> bool:
    """Whether writing ``work`` may load a value: a persistent object it reads (those in
    the flush, the members of changed collections and what they refer to in memory)
    lacks its primary key, a column a relationship copies, or its version."""
    touched: dict[int, object] = {}
    for obj in (*work.new, *work.dirty, *work.deleted):
        touched[id(obj)] = obj
    changes = [*work.associations]
    for table_changes in work.children.values():
        changes.extend(table_changes)
    for change in changes:
        for obj in (change.owner, *change.added, *change.removed):
            touched[id(obj)] = obj
    for obj, _rel in work.association_owners:
        touched[id(obj)] = obj
    for obj in list(touched.values()):
        for rel in state_of(obj).mapper.relationships.values():
            for other in related_objects(obj, rel):
                touched[id(other)] = other
    copied = _copied_columns(touched.values())
    for obj in touched.values():
        state = state_of(obj)
        if state.status is not ObjectStatus.PERSISTENT:
            continue
        mapper = state.mapper
        d = obj.__dict__
        if any(k not in d for k in mapper.primary_key_attrs):
            return True
        if versions_read((obj,)):
            return True
        for key, column in mapper.columns_by_key.items():
            if key not in d and id(column) in copied:
                return True
    return False


def _copied_columns(objects: Iterable[object]) -> set[int]:
    """The columns (by id) the relationships of these objects' classes copy or match."""
    copied: set[int] = set()
    seen: set[int] = set()
    for obj in objects:
        mapper = state_of(obj).mapper
        if id(mapper) in seen:
            continue
        seen.add(id(mapper))
        for rel in mapper.relationships.values():
            for source, target in (*rel.synchronize_pairs, *rel.secondary_pairs, *rel.target_pairs):
                copied.add(id(source))
                copied.add(id(target))
    return copied
