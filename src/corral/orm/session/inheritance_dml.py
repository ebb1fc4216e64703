"""ORM INSERT and bulk UPDATE of a joined-inheritance class: one statement per table.

``session.execute(insert(Manager), [...])`` inserts each row into the base
table first (one statement per row, so each generated key is known), then the
other tables' rows with that key, one executemany per table;
``.returning(Manager)`` gives the new objects, loaded by key. A bulk
``update(Manager)`` by primary key updates each table that has columns to set.
An UPDATE or DELETE with criteria (``update(Manager).where(...)``) writes the
class's own table only, as SQLAlchemy's does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.result import Result
from corral.orm.loading.entities import result_from_rows
from corral.orm.mapping.inheritance import stamp_identity
from corral.orm.mapping.mapper import Mapper
from corral.orm.session import bulk_dml
from corral.sql.dml import Insert, Update, insert, update
from corral.sql.selectable import select

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.orm.session.session import Session


def writes_several_tables(statement: Any) -> bool:
    """Whether an ORM statement's class spans tables (joined inheritance)."""
    mapper = getattr(statement._entity, "__mapper__", None)
    return isinstance(mapper, Mapper) and len(mapper.flush_views) > 1


def for_single_table(statement: Any, params: Any) -> tuple[Any, Any]:
    """A single-table subclass's ORM INSERT: its rows get the class's discriminator (an
    UPDATE or DELETE compiles with the class's criteria: ``column_entities.target_criteria``)."""
    mapper = getattr(statement._entity, "__mapper__", None)
    if not isinstance(mapper, Mapper) or not isinstance(statement, Insert):
        return statement, params
    info = mapper.inheritance
    if info is None or info.polymorphic_on is None:
        return statement, params
    key, identity = info.polymorphic_on, info.identity
    if identity is None or key not in mapper.columns_by_key:
        return statement, params

    def stamped(given: Any) -> Any:
        if isinstance(given, Mapping) and given.get(key) is None:
            return {**given, key: identity}
        return given

    if isinstance(params, list):
        return statement, [stamped(p) for p in params]
    return statement, stamped(params if params is not None else {})


def joined_insert(
    session: Session, connection: Connection, statement: Insert, params: Any
) -> Result:
    """INSERT rows of a joined class: the base table's row first, then each other table's."""
    mapper: Mapper = statement._entity.__mapper__
    name = mapper.class_.__name__
    given_sets = params if isinstance(params, list) else [params or {}]
    if statement._values or (statement._returning and len(statement._returning_entities) != 1):
        raise exc.InvalidRequestError(
            f"insert({name}) writes several tables; corral takes its rows as parameter sets "
            f"and returning({name}) only (not .values() or returning(columns))"
        )
    sets = []
    for index, given in enumerate(given_sets):
        if not isinstance(given, Mapping):
            raise exc.ArgumentError(
                f"insert({name}): parameter set {index} is a {type(given).__name__}, not a dict "
                "of attribute names to values"
            )
        unknown = [k for k in given if k not in mapper.columns_by_key]
        if unknown:
            raise exc.ArgumentError(
                f"insert({name}): parameter set {index} names {', '.join(map(repr, unknown))}, "
                f"not mapped attributes of {name} ({', '.join(mapper.columns_by_key)})"
            )
        values = {k: v for k, v in given.items() if v is not None}
        holder = SimpleNamespace(**values)
        stamp_identity(mapper, holder)  # the discriminator, as a new object gets it
        sets.append(dict(vars(holder)))
    first, *others = mapper.flush_views
    for values in sets:
        row = _row(first, values)
        result = connection.execute(insert(first.table), row)
        for key, value in zip(first.primary_key_attrs, result.inserted_primary_key, strict=True):
            values.setdefault(key, value)
    for view in others:
        rows = [_row(view, values) for values in sets]
        connection.execute(insert(view.table), rows[0] if len(rows) == 1 else rows)
    if not statement._returning_entities:
        return Result(None, (), rowcount=len(sets))
    keys = [tuple(values[k] for k in mapper.primary_key_attrs) for values in sets]
    return _objects_by_key(session, mapper, keys)


def _row(view: Mapper, values: Mapping[str, Any]) -> dict[str, Any]:
    return {column.key: values[k] for k, column in view.columns_by_key.items() if k in values}


def _objects_by_key(session: Session, mapper: Mapper, keys: list[tuple[Any, ...]]) -> Result:
    """The objects of ``keys``, in that order, loaded (or found) through the session."""
    objects = []
    for key in keys:
        obj = session.identity_map.get(mapper.identity_key(key))
        if obj is None:
            condition = [c == v for c, v in zip(mapper.primary_key, key, strict=True)]
            obj = session.execute(select(mapper.class_).where(*condition)).scalars().one()
        objects.append((obj,))
    return result_from_rows(objects, [mapper.class_.__name__])


def joined_bulk_update(
    session: Session,
    connection: Connection,
    statement: Update,
    params: Sequence[Any],
    mode: Any,
) -> Result:
    """Bulk UPDATE by primary key of a joined class: each table with values to set."""
    mapper: Mapper = statement._entity.__mapper__
    name = mapper.class_.__name__
    if statement._where or statement._values or statement._returning:
        raise exc.InvalidRequestError(
            f"A bulk UPDATE of {name} by primary key writes several tables; corral takes "
            "only parameter sets here (no .where(), .values() or .returning())"
        )
    total = 0
    pk = set(mapper.primary_key_attrs)
    for view in mapper.flush_views:
        own = [
            {k: v for k, v in given.items() if k in pk or k in view.columns_by_key}
            for given in params
            if isinstance(given, Mapping)
        ]
        if not any(set(row) - pk for row in own):
            continue
        own = [row for row in own if set(row) - pk]
        view_statement = update(view.table)
        view_statement._entity = SimpleNamespace(__mapper__=view)
        result = bulk_dml.bulk_update(session, connection, view_statement, own, mode)
        total = max(total, result.rowcount)
    return Result(None, (), rowcount=total)


__all__ = ["for_single_table", "joined_bulk_update", "joined_insert", "writes_several_tables"]
