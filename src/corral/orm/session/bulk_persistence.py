"""The legacy bulk methods: ``bulk_save_objects``, ``bulk_insert_mappings``,
``bulk_update_mappings`` (SQLAlchemy 2.0 keeps them for 1.x code).

They skip the unit of work's bookkeeping (no cascades, no relationships, no
identity map) but not its batching: INSERTs are planned as the flush plans them
(consecutive rows with the same columns share one executemany) and run by the
flush's executor; UPDATEs go through the ORM bulk UPDATE by primary key
(``session.execute(update(User), [...])``). Objects given to
``bulk_save_objects`` are not added to the session; with ``return_defaults``
they receive their new primary keys (and become detached: they have an
identity but no session).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.mapping import properties
from corral.orm.mapping.instance_state import InstanceState, state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.unit_of_work.execute import execute_step
from corral.orm.unit_of_work.plan import Step, StepKind, changed_values
from corral.orm.unit_of_work.plan import _insert_steps as insert_steps
from corral.sql.dml import insert, update

if TYPE_CHECKING:
    from corral.orm.session.session import Session


def _mapper(entity: Any, what: str) -> Mapper:
    mapper = entity if isinstance(entity, Mapper) else getattr(entity, "__mapper__", None)
    if not isinstance(mapper, Mapper):
        raise exc.ArgumentError(
            f"{what}() takes a mapped class (or its Mapper) first, got {entity!r}"
        )
    if properties.PENDING:
        properties.configure_mappers()
    return mapper


def bulk_insert_mappings(
    session: Session,
    entity: Any,
    mappings: Iterable[Mapping[str, Any]],
    return_defaults: bool,
    render_nulls: bool,
) -> None:
    """INSERT one row per dict (keys: attribute names), batched by the keys each gives.

    A key whose value is None is left out of its row (so the column's default
    applies) unless ``render_nulls``. With ``return_defaults`` the generated
    primary key is written back into each dict.
    """
    mapper = _mapper(entity, "bulk_insert_mappings")
    given = list(mappings)
    if not given:
        return
    columns = mapper.columns_by_key
    rows: list[dict[str, Any]] = []
    for index, mapping in enumerate(given):
        if not isinstance(mapping, Mapping):
            raise exc.ArgumentError(
                f"bulk_insert_mappings({mapper.class_.__name__}, ...): item {index} is a "
                f"{type(mapping).__name__}, not a dict of attribute names to values"
            )
        rows.append(
            {
                key: value
                for key, value in mapping.items()
                if key in columns and (render_nulls or value is not None)
            }
        )
    connection = session._connection_for_transaction(session._active_transaction())
    statement = insert(mapper.table)
    for shape, run in itertools.groupby(range(len(rows)), key=lambda i: tuple(rows[i])):
        indexes = list(run)
        generated: tuple[str, ...] = ()
        if return_defaults:
            generated = tuple(k for k in mapper.primary_key_attrs if k not in shape)
        step = Step(
            StepKind.INSERT,
            mapper,
            statement,
            [rows[i] for i in indexes],
            [None] * len(indexes),
            generated,
            generated,
        )
        execute_step(connection, step)
        if generated:
            for i in indexes:
                target = given[i]
                if isinstance(target, dict):
                    target.update({k: rows[i][k] for k in generated})


def bulk_update_mappings(
    session: Session, entity: Any, mappings: Iterable[Mapping[str, Any]]
) -> None:
    """UPDATE one row per dict by the primary key it holds; its other keys are SET.

    Objects in the session are not touched (as in SQLAlchemy).
    """
    mapper = _mapper(entity, "bulk_update_mappings")
    given = [dict(m) for m in mappings]
    if given:
        session._execute(update(mapper.class_), given, {"synchronize_session": False})


def bulk_save_objects(
    session: Session,
    objects: Iterable[object],
    return_defaults: bool,
    update_changed_only: bool,
    preserve_order: bool,
) -> None:
    """INSERT the objects without an identity, UPDATE those with one, in batches."""
    items = list(objects)
    if properties.PENDING:
        properties.configure_mappers()
    states = [state_of(obj) for obj in items]

    def group(i: int) -> tuple[int, bool]:
        return id(states[i].mapper), states[i].key is not None

    order = list(range(len(items)))
    if not preserve_order:
        first_seen: dict[tuple[int, bool], int] = {}
        for i in order:
            first_seen.setdefault(group(i), i)
        order.sort(key=lambda i: first_seen[group(i)])
    connection = None
    for (_, is_update), run in itertools.groupby(order, key=group):
        indexes = list(run)
        mapper = states[indexes[0]].mapper
        chosen = [items[i] for i in indexes]
        if is_update:
            _update_objects(session, mapper, chosen, update_changed_only)
            continue
        if connection is None:
            connection = session._connection_for_transaction(session._active_transaction())
        for step in insert_steps(mapper, chosen):
            if not return_defaults:
                step.generated_keys = ()
                step.server_generated = ()
            execute_step(connection, step)
            if return_defaults:
                _take_keys(mapper, step)


def _take_keys(mapper: Mapper, step: Step) -> None:
    """Objects just inserted get their generated keys and an identity (no session)."""
    for obj, params in zip(step.objects, step.params, strict=True):
        d = obj.__dict__
        for key in step.generated_keys:
            d[key] = params[key]
        state: InstanceState = d[STATE_ATTR]
        pk = tuple(d.get(k) for k in mapper.primary_key_attrs)
        if state.status is ObjectStatus.TRANSIENT and None not in pk:
            state.key = mapper.identity_key(pk)
            state.move(ObjectStatus.DETACHED)
            state.commit_all()


def _update_objects(
    session: Session, mapper: Mapper, objects: Sequence[object], changed_only: bool
) -> None:
    rows: list[dict[str, Any]] = []
    updated: list[object] = []
    for obj in objects:
        state = state_of(obj)
        assert state.key is not None
        values = (
            changed_values(mapper, obj, state)
            if changed_only
            else {k: obj.__dict__[k] for k in mapper.column_keys if k in obj.__dict__}
        )
        if mapper.version_id_key is not None:
            values.pop(mapper.version_id_key, None)
            values[mapper.version_id_key] = obj.__dict__.get(mapper.version_id_key)
        for key, value in zip(mapper.primary_key_attrs, state.key[1], strict=True):
            values[key] = value
        if len(values) > len(mapper.primary_key_attrs) + (mapper.version_id_key is not None):
            rows.append(values)
            updated.append(obj)
    if rows:
        session._execute(update(mapper.class_), rows, {"synchronize_session": False})
    for obj in updated:
        state_of(obj).commit_all()
