"""Writing a flush whose objects have relationships: one table at a time.

A table's rows are planned only when every table they refer to has been
written, so the primary keys they copy into their foreign keys exist (even
those the database just generated). Rows of a self-referential table go in
waves, parents first. Then ``post_update`` foreign keys, association rows, and
the deletes, referring rows first.

The writing is a generator (``writes``) that yields ``(connection, statement,
parameters)`` and is sent each statement's Result, as the steps of
``unit_of_work.execute`` are: ``write`` drives it on a sync connection, the
asyncio executor awaits the same statements on the loop
(``corral.ext.asyncio.native_session``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from corral.orm.base import NO_VALUE, STATE_ATTR
from corral.orm.mapping import inheritance
from corral.orm.mapping.inherit_sync import copy_inherited_values
from corral.orm.mapping.inheritance import view_for
from corral.orm.mapping.instance_state import state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.relationships.direction import Direction
from corral.orm.unit_of_work import dependencies
from corral.orm.unit_of_work.dependencies import FlushWork
from corral.orm.unit_of_work.execute import step_statements
from corral.orm.unit_of_work.plan import (
    KEY_PARAM,
    FlushPlan,
    Step,
    StepKind,
    _delete_steps,
    _insert_steps,
    _key_where,
    _update_steps,
    plan_flush,
    table_order,
)
from corral.sql.conditions import and_
from corral.sql.dml import delete, insert, update
from corral.sql.elements import bindparam
from corral.sql.schema import Column

# Read as a module global: on Python 3.11 ``Enum.MEMBER`` runs EnumType's slow hook.
_MANYTOONE = Direction.MANYTOONE

#: The flush's statements: yields ``(connection, statement, parameters)``, is sent each
#: one's Result, returns the persistent objects whose rows were (or may be) updated.
Writes = Generator[tuple[Any, Any, Any], Any, list[object]]
#: One part of them (a table's INSERTs, the post-updates ...): returns nothing.
Part = Generator[tuple[Any, Any, Any], Any, None]


def write(
    connection: Any, work: FlushWork, executed: FlushPlan, assigned: list[tuple[object, str]]
) -> list[object]:
    """Emit the flush; returns the persistent objects whose rows were (or may be) updated."""
    statements = writes(connection, work, executed, assigned)
    result = None
    while True:
        try:
            target, statement, params = statements.send(result)
        except StopIteration as done:
            updated: list[object] = done.value
            return updated
        result = target.execute(statement, params)


def writes(
    connection: Any, work: FlushWork, executed: FlushPlan, assigned: list[tuple[object, str]]
) -> Writes:
    """The flush's statements on ``connection`` (a router when the session routes: each
    step's statements name the connection they go to), in the order they must run."""
    if inserts_alone(work):
        for step in plan_flush(work.new, (), ()).steps:
            yield from _run(connection, step, executed)
        return []
    mappers: dict[str, Mapper] = {}
    new_by_table: dict[str, list[object]] = {}
    dirty_by_table: dict[str, list[object]] = {}
    for objects, grouped in ((work.new, new_by_table), (work.dirty, dirty_by_table)):
        last: Mapper | None = None
        lists: list[list[object]] = []
        for obj in objects:
            mapper = obj.__dict__[STATE_ATTR].mapper
            if mapper is not last:  # objects of one class come in runs: look up once per run
                last, lists = mapper, []
                # One view per table the object's row spans (itself unless it inherits).
                for view in mapper.flush_views:
                    mappers.setdefault(view.table.name, view)
                    lists.append(grouped.setdefault(view.table.name, []))
            for grouped_list in lists:
                grouped_list.append(obj)
            if grouped is new_by_table and mapper.inheritance is not None:
                inheritance.stamp_identity(mapper, obj)
    for obj in work.deleted:
        for view in state_of(obj).mapper.flush_views:
            mappers.setdefault(view.table.name, view)
    for table_name in work.children:  # children may change without being in the flush
        for change in work.children[table_name]:
            mappers.setdefault(table_name, change.rel.mapper)
    order = table_order(mappers.values(), _post_update_columns(mappers.values()))
    # (``skip`` restricts collection changes, to the rows already written: none, no set)
    new_ids = {id(o) for o in work.new} if work.children else set()
    updated: dict[int, object] = dict(zip(map(id, work.dirty), work.dirty, strict=True))
    # Only these may point at another object whose key they copy (``holding_related``).
    related_ids = {id(o) for o in work.related}
    for table in order:
        name = table.name
        mapper = mappers[name]

        # As SQLAlchemy does, a table's UPDATEs go before its INSERTs: a child handed
        # over to a new row (one-to-one with a unique key) lets go of its key first. Rows
        # that may point at new rows of their own table wait for those INSERTs.
        if _refers_to_itself(mapper):
            yield from _table_inserts(
                connection, work, mapper, new_by_table.get(name, []), executed, assigned
            )
        dirty = dirty_by_table.get(name, [])
        pointing = [o for o in dirty if id(o) in related_ids] if related_ids else []
        changed = dependencies.sync_foreign_keys(work, name, pointing, skip=new_ids)
        for obj in changed:
            if id(obj) not in updated:
                updated[id(obj)] = obj
                dirty = [*dirty, obj]
        for view, objects in _by_view(dirty, name):
            for step in _update_steps(view, objects):
                yield from _run(connection, step, executed)
        if not _refers_to_itself(mapper):
            yield from _table_inserts(
                connection, work, mapper, new_by_table.get(name, []), executed, assigned
            )
    yield from _post_updates(connection, dependencies.post_update_rows(work))
    deletes, inserts = dependencies.association_rows(work)
    yield from _association_writes(connection, work, deletes, inserts)
    yield from _post_updates(connection, dependencies.pre_delete_post_updates(work))
    deleted_by_table: dict[str, list[object]] = {}
    for obj in work.deleted:
        for view in state_of(obj).mapper.flush_views:
            deleted_by_table.setdefault(view.table.name, []).append(obj)
    for table in reversed(order):
        for wave in dependencies.delete_waves(deleted_by_table.get(table.name, []), table.name):
            for view, objects in _by_view(wave, table.name):
                for step in _delete_steps(view, objects):
                    yield from _run(connection, step, executed)
    return list(updated.values())


def inserts_alone(work: FlushWork) -> bool:
    """Whether the flush only inserts rows that relationships have nothing to do for: no
    collection changes, and only classes the plain plan writes (``writes_plainly``). The
    plain plan then writes it, with the statements the table-by-table writing would
    send, in the same order."""
    if work.dirty or work.deleted or work.children or work.associations:
        return False
    last = None
    for obj in work.new:
        mapper = state_of(obj).mapper
        if mapper is last:
            continue
        last = mapper
        if not writes_plainly(mapper):
            return False
    return True


def writes_plainly(mapper: Mapper) -> bool:
    """Whether the plain plan writes ``mapper``'s new rows, or its changed rows, as the
    table-by-table writing would, when the flush has no relationship work for them: no
    many-to-one, ``post_update`` or write-only relationship, no inheritance, one table.
    (New and changed rows together are not: a table that refers to itself gets its
    INSERTs before its UPDATEs here, after them in the plain plan.)"""
    if mapper.inheritance is not None or mapper.multi_table or len(mapper.flush_views) > 1:
        return False
    return not any(
        not rel.viewonly
        and (rel.direction is _MANYTOONE or rel.post_update or rel.lazy == "write_only")
        for rel in mapper.relationships.values()
    )


def _table_inserts(
    connection: Any,
    work: FlushWork,
    mapper: Mapper,
    objects: list[object],
    executed: FlushPlan,
    assigned: list[tuple[object, str]],
) -> Part:
    """INSERT a table's new rows, in waves of parents before children, keys copied in."""
    name = mapper.table.name
    for wave in dependencies.depth_order(objects, name):
        # (``only`` restricts the collection changes of this table: none, no set to build)
        only = {id(o) for o in wave} if name in work.children else None
        dependencies.sync_foreign_keys(work, name, wave, only=only)
        for view, run in _by_view(wave, name):
            if view.inherit_sync:
                copy_inherited_values(view, run)
            for step in _insert_steps(view, run):
                yield from _run(connection, step, executed)
                _assign_keys(step, assigned)


def _by_view(objects: list[object], table_name: str) -> list[tuple[Mapper, list[object]]]:
    """Consecutive runs of objects written through the same view of one table (classes of
    a single-table hierarchy share the table but not their columns)."""
    runs: list[tuple[Mapper, list[object]]] = []
    last: Mapper | None = None
    run: list[object] = []
    for obj in objects:
        mapper = obj.__dict__[STATE_ATTR].mapper
        if mapper is not last:
            last = mapper
            views = mapper.flush_views
            view = views[0] if len(views) == 1 else view_for(mapper, table_name)
            assert view is not None
            if not runs or runs[-1][0] is not view:
                run = []
                runs.append((view, run))
        run.append(obj)
    return runs


def _refers_to_itself(mapper: Mapper) -> bool:
    return any(rel.mapper is mapper for rel in mapper.relationships.values())


def _run(connection: Any, step: Step, executed: FlushPlan) -> Part:
    """A step's statements, on the connection its mapper's rows go to."""
    route = getattr(connection, "route", None)  # a Session over several databases
    if route is not None:
        connection = route(step.mapper)
    statements = step_statements(connection, step)
    result = None
    while True:
        try:
            statement, params = statements.send(result)
        except StopIteration:
            break
        result = yield connection, statement, params
    executed.steps.append(step)


def _assign_keys(step: Step, assigned: list[tuple[object, str]]) -> None:
    """Generated primary keys go into the objects now: their children copy them next."""
    for obj, params in zip(step.objects, step.params, strict=True):
        d = obj.__dict__
        for key in step.generated_keys:
            if d.get(key) is None:
                d[key] = params[key]
                assigned.append((obj, key))


def _post_update_columns(mappers: Any) -> frozenset[int]:
    skip: set[int] = set()
    for mapper in mappers:
        for rel in mapper.relationships.values():
            if rel.post_update:
                skip.update(id(fk) for _, fk in rel.synchronize_pairs)
    return frozenset(skip)


def _post_updates(connection: Any, rows: list[tuple[object, Column, Any]]) -> Part:
    """``UPDATE t SET fk = ? WHERE pk = ?`` per (table, column), executemany."""
    grouped: dict[tuple[str, str], tuple[Mapper, list[dict[str, Any]]]] = {}
    for obj, column, value in rows:
        mapper = state_of(obj).mapper
        view, written = _view_writing(mapper, column)
        d = obj.__dict__
        params = {written.key: value}
        params.update({KEY_PARAM + k: d[k] for k in view.primary_key_attrs})
        d[mapper.attribute_of(column)] = value
        entry = grouped.setdefault((view.table.name, written.key), (view, []))
        entry[1].append(params)
    for view, params_list in grouped.values():
        statement = update(view.table).where(and_(*_key_where(view)))
        yield connection, statement, params_list[0] if len(params_list) == 1 else params_list


def _view_writing(mapper: Mapper, column: Column) -> tuple[Mapper, Column]:
    """The flush view of ``mapper`` whose table holds ``column``, and the column as that
    view writes it (a table's own, or its copy keyed by attribute: mapping/multi_table.py)."""
    for view in mapper.flush_views:
        for written in view.columns_by_key.values():
            if written is column or (
                written.name == column.name
                and view.table.name == getattr(column.table, "name", None)
            ):
                return view, written
    return mapper, column


def _association_writes(
    connection: Any,
    work: FlushWork,
    deletes: dict[str, list[dict[str, Any]]],
    inserts: dict[str, list[dict[str, Any]]],
) -> Part:
    tables = {}
    for change in work.associations:
        assert change.rel.secondary is not None
        tables[change.rel.secondary_table.name] = change.rel.secondary
    for _, rel in work.association_owners:
        assert rel.secondary is not None
        tables[rel.secondary_table.name] = rel.secondary
    for name, rows in deletes.items():
        table = tables[name]
        keys = sorted(rows[0])
        where = and_(*(table.c[k] == bindparam(f"corral_assoc_{k}") for k in keys))
        params = [{f"corral_assoc_{k}": row[k] for k in keys} for row in rows]
        yield connection, delete(table).where(where), params[0] if len(params) == 1 else params
    owners: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    for obj, rel in work.association_owners:
        assert rel.secondary is not None
        row = dependencies.owner_key_params(obj, rel)
        owners.setdefault((rel.secondary_table.name, tuple(sorted(row))), []).append(row)
    for (name, owner_keys), rows in owners.items():
        table = tables[name]
        where = and_(*(table.c[k] == bindparam(f"corral_assoc_{k}") for k in owner_keys))
        params = [{f"corral_assoc_{k}": row[k] for k in owner_keys} for row in rows]
        yield connection, delete(table).where(where), params[0] if len(params) == 1 else params
    for name, rows in inserts.items():
        yield connection, insert(tables[name]), rows[0] if len(rows) == 1 else rows


def settle_write_only(obj: object) -> None:
    """After a flush, a write-only collection's pending additions and removals are written."""
    for rel in state_of(obj).mapper.relationships.values():
        if rel.lazy == "write_only":
            collection = obj.__dict__.get(rel.key, NO_VALUE)
            if collection is not NO_VALUE:
                collection.pending_added.clear()
                collection.pending_removed.clear()


__all__ = ["StepKind", "Writes", "settle_write_only", "write", "writes"]
