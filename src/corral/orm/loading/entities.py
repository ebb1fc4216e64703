"""Turns result rows into objects through the session's identity map.

Many rows go through a loop generated once per row shape (``row_loops.py``): one
identity-map lookup per row, and for a new object one ``__new__``, its values stored
straight from the row and one state — no closures per row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.result import BufferedRows, Result
from corral.engine.row import keyed_row_class
from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.loading import polymorphic
from corral.orm.loading.bundle import Bundle
from corral.orm.loading.loader_criteria import LoaderCriteriaOption
from corral.orm.loading.row_loops import row_loop
from corral.orm.loading.user_options import UserDefinedOption
from corral.orm.mapping.events import fire_load, fire_refresh
from corral.orm.mapping.instance_state import (
    NO_CHANGES,
    NOT_EXPIRED,
    IdentityKey,
    InstanceState,
    new_state,
)
from corral.orm.mapping.mapper import Mapper
from corral.util.gc_pause import PAUSE_AT, collector_pause

if TYPE_CHECKING:
    from corral.orm.loading.query_plan import QueryPlan
    from corral.orm.session.session import Session
    from corral.sql.selectable import Select

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_PERSISTENT = ObjectStatus.PERSISTENT


class _ObjectRows(BufferedRows):
    """Rows of one object each, made into 1-tuples only if asked for as rows:
    ``scalars().all()`` takes the objects as they are."""

    __slots__ = ()

    def fetchall(self) -> list[Any]:
        objects = super().fetchall()
        pause = collector_pause if len(objects) >= PAUSE_AT else contextlib.nullcontext()
        with pause:
            return [(obj,) for obj in objects]

    def fetchmany(self, size: int) -> list[Any]:
        return [(obj,) for obj in super().fetchmany(size)]

    def fetchall_first_column(self) -> list[Any]:
        return super().fetchall()


def result_from_rows(
    rows: list[Any], keys: Sequence[str], selected: tuple[Any, ...] | None = None
) -> Result:
    """A Result over rows already in memory; ``selected``: the entity or column selected at
    each position, which the rows are also looked up by (``row._mapping[User]``)."""
    if selected is None:
        return Result(BufferedRows(rows), keys)
    return Result(BufferedRows(rows), keys, row_type=keyed_row_class(tuple(keys), selected))


def mapped_entities(statement: Select) -> list[Mapper | None]:
    """For each selected entity, its Mapper when it is a mapped class, else None.

    Loader options on a statement that selects no mapped class are refused:
    they would have nothing to load.
    """
    mappers = [getattr(entity, "__mapper__", None) for entity in statement._entities]
    events_only = (UserDefinedOption, LoaderCriteriaOption)  # options for listeners
    if (
        statement._with_options
        and not any(mappers)
        and any(not isinstance(o, events_only) for o in statement._with_options)
    ):
        raise exc.ArgumentError(
            f"Loader options {', '.join(map(repr, statement._with_options))} cannot apply: "
            "the statement selects only columns and expressions. Select the class "
            "(select(User)) or drop the options"
        )
    return mappers


def _entity_key(entity: Any, mapper: Mapper) -> str:
    """An entity's name in result rows: an aliased class's name when it has one."""
    name = getattr(entity, "_name", None) if not isinstance(entity, type) else None
    return name if isinstance(name, str) else mapper.class_.__name__


def loads_entities(statement: Select, mappers: list[Mapper | None]) -> bool:
    """Whether rows need the ORM: a mapped class or a ``Bundle`` is selected."""
    return any(mappers) or any(isinstance(e, Bundle) for e in statement._entities)


class EntityLoader:
    """Builds objects of one mapper from a slice of each row."""

    __slots__ = (
        "keys",
        "mapper",
        "pk_positions",
        "populate_existing",
        "session",
        "start",
        "stop",
        "token",
    )

    def __init__(
        self,
        session: Session,
        mapper: Mapper,
        start: int,
        populate_existing: bool,
        keys: tuple[str, ...] | None = None,
    ) -> None:
        self.session = session
        self.mapper = mapper
        #: The column attributes in the row, in order (fewer than all when some are deferred).
        self.keys = mapper.column_keys if keys is None else keys
        self.start = start
        self.stop = start + len(self.keys)
        positions = {key: start + i for i, key in enumerate(self.keys)}
        self.pk_positions = tuple(positions[k] for k in mapper.primary_key_attrs)
        self.populate_existing = populate_existing
        #: The identity token of the objects (a sharded session's shard), else None.
        self.token = session._load_token

    def load(self, row: Sequence[Any]) -> Any:
        pk = tuple([row[i] for i in self.pk_positions])
        if None in pk:
            return None  # no row on this side of an outer join
        mapper = self.mapper
        if mapper.inheritance is not None:
            return polymorphic.load_rows(self, [row])[0]
        key: IdentityKey = (
            (mapper.class_, pk) if self.token is None else (mapper.class_, pk, self.token)
        )
        session = self.session
        obj = session.identity_map.get(key)
        values = zip(self.keys, row[self.start : self.stop], strict=True)
        if obj is None:
            obj = mapper.new_instance()
            d = obj.__dict__
            d.update(values)
            d[STATE_ATTR] = new_state(obj, mapper, _PERSISTENT, key, session)
            session.identity_map.add(key, obj)
            if mapper.dispatch.load:
                fire_load(session, obj)
            if session.dispatch.loaded_as_persistent:
                fire_loaded(session, obj)
            return obj
        refresh_into(obj, values, self.populate_existing)
        return obj

    def load_all(self, rows: list[Any], *, sweep: bool = True) -> list[Any]:
        """``load`` for many rows: through the loop compiled for this row shape
        (row_loops.py) unless listeners or an inheritance hierarchy need the general path.
        ``sweep=False``: the weak identity map does not sweep its dead references first."""
        mapper, session = self.mapper, self.session
        if mapper.inheritance is not None:
            return polymorphic.load_rows(self, rows)
        if mapper.dispatch.load or session.dispatch.loaded_as_persistent:
            return [self.load(row) for row in rows]
        if not rows:
            return []
        identity_map = session.identity_map
        loop = row_loop(
            mapper,
            self.keys,
            self.start,
            self.pk_positions,
            whole_row=self.start == 0 and len(rows[0]) == self.stop,
            weak=identity_map.weak,
            tokened=self.token is not None,
        )
        if sweep:
            identity_map.adding()
        return loop(
            rows, identity_map.entries, session, self.token, self.populate_existing, refresh_into
        )


def load_object(session: Session, mapper: Mapper, key: Any, values: Any, overwrite: bool) -> object:
    """The object of identity ``key``, from the identity map (``values`` refreshing it) or
    new with ``values`` (``(attribute, value)`` pairs): one row of a get() by primary key."""
    identity_map = session.identity_map
    obj = identity_map.get(key)
    if obj is None:
        obj = mapper.new_instance()
        d = obj.__dict__
        d.update(values)
        d[STATE_ATTR] = new_state(obj, mapper, _PERSISTENT, key, session)
        identity_map.add(key, obj)
    else:
        refresh_into(obj, values, overwrite)
    return obj


def fire_loaded(session: Session, obj: object) -> None:
    """Run the session's ``loaded_as_persistent`` listeners for an object made from a row."""
    for listener in session.dispatch.loaded_as_persistent:
        listener(session, obj)


def refresh_into(obj: object, values: Any, overwrite: bool) -> None:
    """Put loaded values into an object already in the identity map.

    Unflushed changes win unless ``overwrite`` (populate_existing); attributes
    that were expired or never loaded take the loaded value.
    """
    d = obj.__dict__
    state: InstanceState = d[STATE_ATTR]
    if overwrite:
        d.update(values)
        state.committed_state = NO_CHANGES
        state.expired = NOT_EXPIRED
        if state.session is not None:  # its unflushed changes are gone: no longer dirty
            state.session._modified.pop(id(obj), None)
        if state.mapper.dispatch.refresh:
            fire_refresh(state.session, obj, None)
        return
    changed = state.committed_state
    if state.mapper.dispatch.refresh:
        _refresh_announced(obj, state, values)
        return
    for key, value in values:
        if key not in d and key not in changed:
            d[key] = value
    if state.expired:
        state.expired = frozenset(k for k in state.expired if k not in d)


def _refresh_announced(obj: object, state: InstanceState, values: Any) -> None:
    """``refresh_into`` when ``refresh`` listeners wait: they learn which attributes the
    row filled (and are not called when it filled none)."""
    d, changed = obj.__dict__, state.committed_state
    filled = set()
    for key, value in values:
        if key not in d and key not in changed:
            d[key] = value
            filled.add(key)
    if state.expired:
        state.expired = frozenset(k for k in state.expired if k not in d)
    if filled:
        fire_refresh(state.session, obj, filled)


def load_chunks(
    session: Session,
    statement: Select,
    mapper: Mapper,
    chunks: Iterator[list[Any]],
    populate_existing: bool,
) -> tuple[Result, list[list[Any]]]:
    """``load_rows`` of a select of one class whose rows serve nothing after (no eager
    loads): the objects of each chunk of rows are built before the next chunk is read,
    so only one chunk of raw rows is held at a time (for 50,000 objects, a tenth less
    peak memory). Listeners hear of the objects in row order, as with ``load_rows``."""
    loader = EntityLoader(session, mapper, 0, populate_existing)
    objects: list[Any] = []
    first = next(chunks, [])
    # Paused, as load_rows pauses, for more rows than a chunk of PAUSE_AT holds.
    pause = collector_pause if len(first) >= PAUSE_AT else contextlib.nullcontext()
    with pause:
        objects = loader.load_all(first)
        del first
        for rows in chunks:
            # No sweep of the weak map between chunks: it would scan every object built
            # so far, all alive in ``objects``, to free only what was dead before the
            # load (the next load or add sweeps that).
            objects += loader.load_all(rows, sweep=False)
    entity = statement._entities[0]
    entity_keys = (_entity_key(entity, mapper),)
    row_type = keyed_row_class(entity_keys, (entity,))
    return Result(_ObjectRows(objects), entity_keys, row_type=row_type), [objects]


def load_rows(
    session: Session,
    statement: Select,
    mappers: list[Mapper | None],
    rows: list[Any],
    keys: Sequence[str],
    populate_existing: bool,
    plan: QueryPlan | None = None,
) -> tuple[Result, list[list[Any]]]:
    """Rows of an ORM select, with each mapped entity's columns replaced by its object.

    ``mappers`` are the statement's ``mapped_entities``. Also returns, per selected
    entity, the objects built in row order (empty for a column entity), for the
    eager loaders to finish.
    """
    if len(mappers) == 1:  # one class selected: the common case, kept short
        (mapper,) = mappers
        if mapper is not None:
            loaded = plan.layout[0][0] if plan is not None else None
            single = EntityLoader(session, mapper, 0, populate_existing, loaded)
            pause = collector_pause if len(rows) >= PAUSE_AT else contextlib.nullcontext()
            with pause:
                objects = single.load_all(rows)
            entity = statement._entities[0]
            entity_keys = (_entity_key(entity, mapper),)
            row_type = keyed_row_class(entity_keys, (entity,))
            return Result(_ObjectRows(objects), entity_keys, row_type=row_type), [objects]
    steps: list[tuple[str, Any]] = []
    entity_steps: list[int | None] = []  # per entity: the step of its object, if mapped
    out_keys: list[str] = []
    selected: list[Any] = []  # what each position of the rows is looked up by
    position = 0
    for index, (mapper, raw) in enumerate(zip(mappers, statement._raw_columns, strict=True)):
        if mapper is not None:
            loaded = plan.layout[index][0] if plan is not None else None
            loader = EntityLoader(session, mapper, position, populate_existing, loaded)
            entity_steps.append(len(steps))
            steps.append(("object", loader))
            out_keys.append(_entity_key(statement._entities[index], mapper))
            selected.append(statement._entities[index])
            position = loader.stop
        elif isinstance(raw, Bundle):
            entity_steps.append(None)
            steps.append(("value", raw._row_processor(statement, position)))
            out_keys.append(raw.name or "")
            selected.append(raw)
            position += len(raw.columns)
        else:
            entity_steps.append(None)
            if hasattr(raw, "columns") and not hasattr(raw, "type"):  # a table or subquery
                selected.extend(raw.columns)
                width = len(raw.columns)
            else:
                selected.append(statement._entities[index])
                width = 1
            for offset in range(width):
                steps.append(("column", position + offset))
                out_keys.append(keys[position + offset] if position + offset < len(keys) else "")
            position += width
    pause = collector_pause if len(rows) >= PAUSE_AT else contextlib.nullcontext()
    with pause:
        built = []
        for row in rows:
            built.append(
                tuple(
                    item.load(row)
                    if kind == "object"
                    else item(row)
                    if kind == "value"
                    else row[item]
                    for kind, item in steps
                )
            )
        per_entity = [[] if i is None else [row[i] for row in built] for i in entity_steps]
        return result_from_rows(built, out_keys, tuple(selected)), per_entity
