"""Flush planning: what to emit, in which order, in which batches. No I/O.

The pipeline: collect the new, changed and deleted objects; order their tables
by foreign keys (referred tables first); cut each table's rows into batches of
one statement shape (same columns), keeping the order the objects were added;
put deletes last, referring tables first. Within a table, UPDATEs and DELETEs
go in primary-key order so two sessions take row locks in the same order.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from corral.orm.base import NO_VALUE, STATE_ATTR
from corral.orm.mapping.instance_state import InstanceState
from corral.orm.mapping.mapper import Mapper
from corral.sql.conditions import and_
from corral.sql.dml import Insert, delete, insert, update
from corral.sql.elements import ClauseElement, bindparam
from corral.sql.schema import Table
from corral.util import topological

#: Prefix of the bind names that carry the old primary key and version in UPDATE/DELETE.
KEY_PARAM = "corral_pk_"
VERSION_PARAM = "corral_version"
#: Prefix of the bind names that carry a value as read, for ``check_read_values``.
READ_PARAM = "corral_read_"


class StepKind(enum.Enum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_DELETE = StepKind.DELETE
_INSERT = StepKind.INSERT
_UPDATE = StepKind.UPDATE


@dataclass(slots=True)
class Step:
    """One statement executed with one or many parameter sets."""

    kind: StepKind
    mapper: Mapper
    statement: ClauseElement
    params: list[dict[str, Any]]
    objects: list[object]
    #: Primary-key attributes the database generates for these rows (fetched after).
    generated_keys: tuple[str, ...] = ()
    #: Attributes whose values the database decides (server defaults): expired after.
    server_generated: tuple[str, ...] = ()
    #: Whether the rowcount must equal the number of parameter sets (version checks).
    check_rowcount: bool = False
    #: Per object, the attributes the flush set itself (defaults, onupdate values, a new
    #: version id); filled only while ``refresh_flush`` listeners wait, else empty.
    defaulted: list[tuple[str, ...]] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.kind.value} {self.mapper.table.name} x{len(self.params)}"


@dataclass(slots=True)
class FlushPlan:
    steps: list[Step] = field(default_factory=list)

    def __iter__(self) -> Any:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)


def table_order(mappers: Iterable[Mapper], skip: frozenset[int] = frozenset()) -> list[Table]:
    """Tables of the mappers with referred tables before referring ones.

    Foreign keys whose column's id is in ``skip`` (written by a later UPDATE,
    ``post_update``) do not order the tables. A relationship that copies a key into a
    column with no ForeignKey (``foreign()`` in its ``primaryjoin``) orders them as one
    would.
    """
    mappers = list(mappers)
    tables: dict[str, Table] = {}
    for mapper in mappers:
        tables.setdefault(mapper.table.name, mapper.table)
    if len(tables) == 1:  # one table (referring to itself or not) has one order
        return list(tables.values())
    edges = [
        (fk.target.rpartition(".")[0], table.name)
        for table in tables.values()
        for fk in table.foreign_keys
        if id(fk.parent) not in skip
    ]
    edges += [
        (source.table.name, target.table.name)
        for mapper in mappers
        for rel in mapper.relationships.values()
        if not rel.viewonly and not rel.post_update
        for source, target in rel.synchronize_pairs
        if not target.foreign_keys
        and isinstance(source.table, Table)
        and isinstance(target.table, Table)
    ]
    ordered, cyclic = topological.sort(list(tables), edges)
    return [tables[name] for name in ordered + cyclic]


def plan_flush(
    new: Sequence[object], dirty: Sequence[object], deleted: Sequence[object]
) -> FlushPlan:
    """The ordered steps that write ``new``, ``dirty`` and ``deleted`` objects."""
    # Per table name: its mapper, and the objects to insert, update and delete.
    by_table: dict[str, tuple[Mapper, list[list[object]]]] = {}
    for kind, objects in enumerate((new, dirty, deleted)):
        last: Mapper | None = None
        bucket: list[object] = []
        for obj in objects:
            mapper = obj.__dict__[STATE_ATTR].mapper
            if mapper is not last:  # (objects of one class come in runs: look up once per run)
                last = mapper
                entry = by_table.get(mapper.table.name)
                if entry is None:
                    entry = by_table[mapper.table.name] = (mapper, [[], [], []])
                bucket = entry[1][kind]
            bucket.append(obj)
    order = table_order(mapper for mapper, _ in by_table.values())
    plan = FlushPlan()
    for table in order:
        mapper, (inserts, updates, _) = by_table[table.name]
        # A table's UPDATEs before its INSERTs, as SQLAlchemy orders them: a row renamed
        # lets go of a unique value that a new row takes in the same flush.
        if updates:
            plan.steps.extend(_update_steps(mapper, updates))
        if inserts:
            plan.steps.extend(_insert_steps(mapper, inserts))
    for table in reversed(order):
        mapper, (_, _, deletes) = by_table[table.name]
        if deletes:
            plan.steps.extend(_delete_steps(mapper, deletes))
    return plan


#: Per column of an INSERT: attribute, Python default, whether the database may decide
#: the value when none is given (server default or generated key), primary key or not.
_ColumnSpec = tuple[str, Any, bool, bool]


def _insert_statement(mapper: Mapper) -> Insert:
    """The INSERT of ``mapper``'s table: built once per mapper (again when its columns or
    table change), its cache key computed once. (The columns' specs are read at each flush:
    a column's default may be replaced after mapping.)"""
    cached = mapper.insert_statement
    if cached is not None and cached[0] is mapper.columns_by_key and cached[1] is mapper.table:
        statement: Insert = cached[2]
        return statement
    statement = insert(mapper.table).freeze()
    mapper.insert_statement = (mapper.columns_by_key, mapper.table, statement)
    return statement


def _insert_specs(mapper: Mapper) -> list[_ColumnSpec]:
    specs: list[_ColumnSpec] = []
    for key, column in mapper.columns_by_key.items():
        default = column.default
        # A SQL expression default is evaluated by the database in the INSERT.
        in_sql = default is not None and default.is_clause_element
        database_decides = (
            in_sql
            or column.server_default is not None
            or column.identity is not None
            or column.primary_key
        )
        specs.append((key, None if in_sql else default, database_decides, column.primary_key))
    return specs


def _insert_row(
    mapper: Mapper,
    obj: object,
    specs: list[_ColumnSpec] | None = None,
    defaulted: list[str] | None = None,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The INSERT parameters of one object, filling Python-side defaults into the object
    (and naming them in ``defaulted`` when given)."""
    d = obj.__dict__
    params: dict[str, Any] = {}
    server_generated: list[str] = []
    for key, default, database_decides, primary_key in specs or _insert_specs(mapper):
        if key in d:
            value = d[key]
            if value is not None or not primary_key:  # (the usual case: a value to write)
                params[key] = value
                continue
        # No value (or a None primary key): a Python default, the database's, or None.
        if default is not None:
            value = default.value(params)
            d[key] = value
            if defaulted is not None and not primary_key:
                defaulted.append(key)
        elif database_decides:
            server_generated.append(key)
            continue
        else:
            d[key] = None
            value = None
        params[key] = value
    if mapper.version_id_key is not None and params.get(mapper.version_id_key) is None:
        generator = mapper.version_id_generator
        if callable(generator):
            value = generator(None)
            params[mapper.version_id_key] = value
            d[mapper.version_id_key] = value
            if defaulted is not None:
                defaulted.append(mapper.version_id_key)
    return params, tuple(server_generated)


def _insert_steps(mapper: Mapper, objects: list[object]) -> list[Step]:
    """Consecutive rows with the same columns share one executemany, in the order added."""
    steps: list[Step] = []
    statement = _insert_statement(mapper)
    specs = _insert_specs(mapper)
    last_shape: tuple[object, ...] | None = None
    step: Step | None = None
    announce = bool(mapper.dispatch.refresh_flush)
    defaulted: list[str] | None = None
    for obj in objects:
        if announce:
            defaulted = []
        params, server_generated = _insert_row(mapper, obj, specs, defaulted)
        shape = (*params, None, *server_generated)
        if step is not None and shape == last_shape:
            step.params.append(params)
            step.objects.append(obj)
        else:
            generated = tuple(k for k in server_generated if k in mapper.primary_key_attrs)
            step = Step(_INSERT, mapper, statement, [params], [obj], generated, server_generated)
            steps.append(step)
            last_shape = shape
        if defaulted is not None:
            step.defaulted.append(tuple(defaulted))
    return steps


def _key_where(mapper: Mapper) -> list[Any]:
    return [
        col == bindparam(KEY_PARAM + key)
        for key, col in zip(mapper.primary_key_attrs, mapper.primary_key, strict=True)
    ]


def _identity_params(mapper: Mapper, obj: object, state: InstanceState) -> dict[str, Any]:
    values = _key_values(mapper, obj, state)
    return {KEY_PARAM + k: v for k, v in zip(mapper.primary_key_attrs, values, strict=True)}


def _key_values(mapper: Mapper, obj: object, state: InstanceState) -> tuple[Any, ...]:
    """The row's primary key as loaded, for ``mapper``'s table: the identity, or (one
    table of a class mapped against several) the identity's values of that table's key
    attributes, a key the identity lacks as loaded."""
    assert state.key is not None
    identity = state.mapper.primary_key_attrs
    if identity is mapper.primary_key_attrs or identity == mapper.primary_key_attrs:
        return tuple(state.key[1])
    loaded = dict(zip(identity, state.key[1], strict=True))
    d = obj.__dict__
    return tuple(
        loaded[k] if k in loaded else state.committed_state.get(k, d.get(k))
        for k in mapper.primary_key_attrs
    )


def _state(obj: object) -> InstanceState:
    state: InstanceState = obj.__dict__[STATE_ATTR]  # every flushed object has one
    return state


def _pk_order(objects: list[object]) -> list[object]:
    """Objects in primary-key order (by plain comparison; mixed types sort by type first)."""
    values = [key[1] if (key := obj.__dict__[STATE_ATTR].key) else () for obj in objects]
    order = range(len(objects))
    try:
        ranked = sorted(order, key=values.__getitem__)
    except TypeError:  # None among values, or values of types that do not compare

        def tolerant(i: int) -> tuple[Any, ...]:
            return tuple((v is None, str(type(v)), v) for v in values[i])

        try:
            ranked = sorted(order, key=tolerant)
        except TypeError:
            return objects
    return list(map(objects.__getitem__, ranked))


def changed_values(mapper: Mapper, obj: object, state: InstanceState) -> dict[str, Any]:
    """The columns whose values differ from the loaded ones."""
    d = obj.__dict__
    columns = mapper.columns_by_key
    changes: dict[str, Any] = {}
    for key, original in state.committed_state.items():
        if key not in columns:
            continue
        current = d.get(key, NO_VALUE)
        if current is NO_VALUE or current is original:
            continue
        if original is not NO_VALUE:
            try:  # (inline: this runs per changed attribute of every flushed object)
                if current == original and type(current) is type(original):
                    continue
            except Exception:  # a value whose == raises or gives no truth value: changed
                pass
        changes[key] = current
    return changes


def _update_steps(mapper: Mapper, objects: list[object]) -> list[Step]:
    """UPDATEs in primary-key order; consecutive rows of the same shape share a step.

    Rows are never regrouped out of key order: two sessions updating the same rows
    then lock them in the same order, whatever columns each one changed.
    """
    steps: list[Step] = []
    last_shape: tuple[object, ...] | None = None
    version_key = mapper.version_id_key
    on_update = [(k, c.onupdate) for k, c in mapper.columns_by_key.items() if c.onupdate]
    # SQL expression onupdates are written into the UPDATE; their values reload when read.
    in_sql = tuple(k for k, default in on_update if default.is_clause_element)
    on_update = [(k, default) for k, default in on_update if not default.is_clause_element]
    key_names = [KEY_PARAM + k for k in mapper.primary_key_attrs]
    announce = bool(mapper.dispatch.refresh_flush)
    # Without versions, read checks or onupdate defaults (the common case) the changes
    # dict itself becomes the row's parameters: no copy, no per-row extras.
    extras = bool(on_update or in_sql or version_key is not None or mapper.check_read_values)
    if not (extras or announce):
        return _plain_update_steps(mapper, objects, key_names)
    read_checks: list[tuple[str, Any]] = []
    defaulted: list[str] = []
    for obj in _pk_order(objects):
        state: InstanceState = obj.__dict__[STATE_ATTR]
        changes = changed_values(mapper, obj, state)
        if not changes:
            continue
        if extras:
            read_checks = _read_checks(mapper, state, changes)
            defaulted = []
            for key, default in on_update:
                if key not in changes:
                    value = default.value(changes)
                    changes[key] = value
                    obj.__dict__[key] = value
                    defaulted.append(key)
        shape: tuple[object, ...] = tuple(changes) if len(changes) == 1 else tuple(sorted(changes))
        if read_checks:
            shape += tuple(key for key, _ in read_checks)
            shape += tuple(read is None for _, read in read_checks)
        params = dict(changes) if extras else changes
        assert state.key is not None
        # The identity holds the row's key as loaded, unless the class spans several tables.
        loaded_key = state.key[1] if state.mapper is mapper else _key_values(mapper, obj, state)
        params.update(zip(key_names, loaded_key, strict=True))
        if version_key is not None:
            old_version = _loaded_version(obj, state, version_key)
            generator = mapper.version_id_generator
            if callable(generator) and version_key not in changes:
                new_version = generator(old_version)
                params[version_key] = new_version
                obj.__dict__[version_key] = new_version
                defaulted.append(version_key)
            params[VERSION_PARAM] = old_version
        for key, read in read_checks:
            if read is not None:
                params[READ_PARAM + key] = read
        step = steps[-1] if steps and shape == last_shape else None
        if step is None:
            where = _key_where(mapper)
            if version_key is not None:
                where.append(mapper.columns_by_key[version_key] == bindparam(VERSION_PARAM))
            for key, read in read_checks:
                column = mapper.columns_by_key[key]
                where.append(
                    column.is_(None) if read is None else column == bindparam(READ_PARAM + key)
                )
            # A version the database sets itself (version_id_generator=False) reloads after.
            server_side = version_key is not None and mapper.version_id_generator is False
            server_version: tuple[str, ...] = (version_key,) if server_side and version_key else ()
            server_version += tuple(k for k in in_sql if k not in changes)
            step = Step(
                _UPDATE,
                mapper,
                update(mapper.table).where(and_(*where)),
                [],
                [],
                server_generated=server_version,
                check_rowcount=True,
            )
            steps.append(step)
            last_shape = shape
        step.params.append(params)
        step.objects.append(obj)
        if announce:
            step.defaulted.append(tuple(defaulted))
    return steps


def _plain_update_steps(mapper: Mapper, objects: list[object], key_names: list[str]) -> list[Step]:
    """``_update_steps`` of a mapper with nothing to add to the changed columns (no
    version, onupdate default, read check or ``refresh_flush`` listener): each row's
    parameters are its changes and its primary key as loaded."""
    steps: list[Step] = []
    # Rows of one shape set the same columns: their parameters have the same keys.
    last_shape: Any = None
    single_key = key_names[0] if len(key_names) == 1 else None
    add_params: Any = None
    add_object: Any = None
    for obj in _pk_order(objects):
        state: InstanceState = obj.__dict__[STATE_ATTR]
        params = changed_values(mapper, obj, state)
        if not params:
            continue
        identity: Any = state.key  # (persistent: set)
        # The identity holds the row's key as loaded, unless the class spans several tables.
        if state.mapper is not mapper:
            params.update(zip(key_names, _key_values(mapper, obj, state), strict=True))
        elif single_key is not None:
            params[single_key] = identity[1][0]
        else:
            params.update(zip(key_names, identity[1], strict=True))
        shape = params.keys()
        if shape != last_shape:
            statement = update(mapper.table).where(and_(*_key_where(mapper)))
            step = Step(_UPDATE, mapper, statement, [], [], check_rowcount=True)
            steps.append(step)
            add_params, add_object = step.params.append, step.objects.append
            last_shape = shape
        add_params(params)
        add_object(obj)
    return steps


def _read_checks(
    mapper: Mapper, state: InstanceState, changes: dict[str, Any]
) -> list[tuple[str, Any]]:
    """(column, value as read) for each changed column, when the mapper checks reads.

    With ``check_read_values`` the UPDATE only matches a row whose changed columns
    still hold what this session read: a concurrent change to any of them makes it
    match nothing, which raises ``StaleDataError`` instead of overwriting it.
    """
    if not mapper.check_read_values:
        return []
    checks = []
    for key in sorted(changes):
        read = state.committed_state.get(key, NO_VALUE)
        if read is not NO_VALUE:  # never loaded: there is nothing to compare with
            checks.append((key, read))
    return checks


def _loaded_version(obj: object, state: InstanceState, key: str) -> Any:
    if key in state.committed_state:
        return state.committed_state[key]
    return obj.__dict__.get(key)


def _delete_steps(mapper: Mapper, objects: list[object]) -> list[Step]:
    where = _key_where(mapper)
    version_key = mapper.version_id_key
    if version_key is not None:
        where.append(mapper.columns_by_key[version_key] == bindparam(VERSION_PARAM))
    params = []
    ordered = _pk_order(objects)
    for obj in ordered:
        state = _state(obj)
        row = _identity_params(mapper, obj, state)
        if version_key is not None:
            row[VERSION_PARAM] = _loaded_version(obj, state, version_key)
        params.append(row)
    statement = delete(mapper.table).where(and_(*where))
    # Like SQLAlchemy, a vanished row is an error for versioned rows only.
    versioned = version_key is not None
    return [Step(_DELETE, mapper, statement, params, ordered, check_rowcount=versioned)]


__all__ = ["KEY_PARAM", "VERSION_PARAM", "FlushPlan", "Step", "StepKind", "plan_flush"]
