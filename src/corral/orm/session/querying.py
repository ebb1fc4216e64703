"""Reading through a Session: get() by primary key, loading unloaded attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from corral import exc
from corral.engine.result import Result
from corral.orm.base import ObjectStatus
from corral.orm.loading import batches, polymorphic, query_plan
from corral.orm.loading import eager as eager_loading
from corral.orm.loading import entities as loading
from corral.orm.mapping import properties
from corral.orm.mapping.events import fire_refresh
from corral.orm.mapping.instance_state import InstanceState, state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.relationships.unloaded import LOADER_ATTR
from corral.orm.session.large_sessions import check_size
from corral.sql.conditions import and_
from corral.sql.elements import bindparam
from corral.sql.selectable import Select, select
from corral.util.gc_pause import PAUSE_AT

if TYPE_CHECKING:
    from corral.orm.session.session import Session
    from corral.sql.from_statement import FromStatement

T = TypeVar("T")


def get(
    session: Session,
    entity: type[T],
    ident: Any,
    with_for_update: bool | Mapping[str, Any] | None,
    populate_existing: bool,
    options: Sequence[Any] = (),
) -> T | None:
    """Session.get() past the identity-map fast path: normalise the key, then one SELECT."""
    obj, load = plan_get(session, entity, ident, with_for_update, populate_existing, options)
    if load is None:
        return cast(T, obj)
    if load.plain:
        session._autoflush()
        transaction = session._active_transaction()
        if session._routes:  # the bind Session._execute would choose for the SELECT
            bind = session._bind_for(load.statement, None)
            connection = session._connection_for_transaction(transaction, None, bind)
        else:
            connection = session._connection_for_transaction(transaction)
        rows = connection._execute_rows(load.statement, load.params)
        found: T | None = load_plain_row(session, load.mapper, rows, load.overwrite)
    else:
        result = session._execute(
            load.statement, load.params, {"populate_existing": load.overwrite}
        )
        found = result.scalars().first()
    if found is None and load.cached is not None:
        vanished(session, load.cached)
    return found  # (no cast(): a Python call on every get)


@dataclass(slots=True)
class GetLoad:
    """The SELECT a get() needs (``plan_get``)."""

    mapper: Mapper
    statement: Select
    params: dict[str, Any]
    overwrite: bool
    #: The object of that key in the identity map (expired, or to reload), if any.
    cached: object | None
    #: Without a load plan (``load_plain_row``), else through ``Session._execute``.
    plain: bool


def plan_get(
    session: Session,
    entity: type[T],
    ident: Any,
    with_for_update: bool | Mapping[str, Any] | None,
    populate_existing: bool,
    options: Sequence[Any] = (),
) -> tuple[T | None, GetLoad | None]:
    """The object from the identity map, or the SELECT to run for it (no I/O); loader
    ``options`` apply when it is loaded (an object already in the map is returned as is)."""
    mapper = _mapper_of(entity)
    pk = _primary_key_tuple(mapper, ident)
    key = mapper.identity_key(pk)
    obj = session.identity_map.get(key)
    if obj is not None and mapper.inheritance is not None and not isinstance(obj, entity):
        return None, None  # the row is another class of the hierarchy
    if obj is not None and not populate_existing and not with_for_update:
        state = state_of(obj)
        if not state.expired:
            return cast(T, obj), None
    statement, params = _by_primary_key(mapper, pk)
    if with_for_update:
        statement = statement.with_for_update(**_lock_arguments(with_for_update))
    if options:
        statement = statement.options(*options)
    overwrite = populate_existing or bool(with_for_update)
    # Options, deferred columns, eager loads, a hierarchy, listeners, several binds: the
    # full way.
    plain = not (
        options
        or properties.PENDING
        or mapper.needs_plan
        or mapper.inheritance is not None
        or session.dispatch.do_orm_execute
        or (session._routes and not session._routes_plain_get)
        or mapper.dispatch.load  # the plain path fires no load events
        or session.dispatch.loaded_as_persistent
    )
    return None, GetLoad(mapper, statement, params, overwrite, obj, plain)


def load_plain_row(session: Session, mapper: Mapper, rows: list[Any], overwrite: bool) -> Any:
    """The object of get()'s SELECT of a mapper without a load plan: what
    ``execute_orm_select`` would make of it, without the steps such a statement skips
    (no options to check or merge, one entity, no eager loads, at most one row)."""
    if not rows:
        return None
    row = rows[0]  # mapper.column_keys in order (get_statement, or it FOR UPDATE)
    key = (mapper.class_, tuple([row[i] for i in mapper.get_key_positions]))
    obj = loading.load_object(
        session, mapper, key, zip(mapper.column_keys, row, strict=True), overwrite
    )
    session.stats.objects_loaded += 1
    check_size(session)
    if overwrite:  # reloaded without options: the last query's no longer apply
        obj.__dict__.pop(LOADER_ATTR, None)
    return obj


def _by_primary_key(mapper: Mapper, pk: tuple[Any, ...]) -> tuple[Select, dict[str, Any]]:
    """The mapper's SELECT by primary key (built once) and the parameters for ``pk``."""
    statement: Select | None = mapper.get_statement
    if statement is None:
        names = [f"corral_pk_{i}" for i in range(len(pk))]
        pairs = zip(mapper.primary_key, names, strict=True)
        condition = and_(*(column == bindparam(n, type_=column.type) for column, n in pairs))
        statement = select(mapper.class_).where(condition).freeze()
        keys = mapper.column_keys
        mapper.get_key_positions = tuple(keys.index(k) for k in mapper.primary_key_attrs)
        mapper.get_statement = statement
    columns = mapper.primary_key
    if len(pk) == 1:  # the usual case, without the loops
        value = pk[0]
        if value is not None and not columns[0].type.accepts(value):
            _bad_key(mapper, columns[0], value)
        return statement, {"corral_pk_0": value}
    for column, value in zip(columns, pk, strict=True):
        if value is not None and not column.type.accepts(value):
            _bad_key(mapper, column, value)
    return statement, {f"corral_pk_{i}": value for i, value in enumerate(pk)}


def _bad_key(mapper: Mapper, column: Any, value: Any) -> None:
    raise exc.ArgumentError(
        f"get({mapper.class_.__name__}, ...): bad primary key value for "
        f"{column.describe()}: {column.type.rejection(value)}"
    )


def execute_orm_select(
    session: Session,
    connection: Any,
    statement: Select,
    params: Any,
    options: dict[str, Any],
    mappers: list[Mapper | None],
) -> Result:
    """Execute a select of mapped classes: rows become objects, eager loads follow.

    ``corral_load_node`` (set by a selectin/subquery load) gives the load tree
    of the first entity; that caller finishes its objects itself.
    """
    select = prepare_orm_select(statement, options, mappers)
    result = connection.execute(select.executed, params)
    return load_orm_select(session, select, result, params)


@dataclass(slots=True)
class OrmSelect:
    """An ORM select ready to execute (``prepare_orm_select``)."""

    statement: Select
    mappers: list[Mapper | None]
    options: dict[str, Any]
    plan: query_plan.QueryPlan | None
    #: The statement sent: ``statement`` rewritten for the plan's joined loads.
    executed: Select


def prepare_orm_select(
    statement: Select, options: dict[str, Any], mappers: list[Mapper | None]
) -> OrmSelect:
    """The load plan and the statement to send (no I/O)."""
    if properties.PENDING:
        properties.configure_mappers()
    node = options.get("corral_load_node")
    if statement._from_obj:
        statement = polymorphic.adapt_to_unions(statement)
    plan = query_plan.prepare(statement, mappers, node)
    executed = statement if plan is None else query_plan.rewrite(plan)
    yield_per = options.get("yield_per")
    if yield_per is not None and node is None:
        batches.check_yield_per(yield_per)
        batches.refuse_buffering_loads(plan)
    return OrmSelect(statement, mappers, options, plan, executed)


def loads_more(select: OrmSelect) -> bool:
    """Whether loading the rows runs further statements (eager loads by SELECT)."""
    plan = select.plan
    return (
        plan is not None
        and select.options.get("corral_load_node") is None
        and any(node is not None for node in plan.nodes)
    )


def load_orm_select(session: Session, select: OrmSelect, result: Result, params: Any) -> Result:
    """The objects of an ORM select's rows, with their eager loads."""
    statement, mappers, options, plan = (
        select.statement,
        select.mappers,
        select.options,
        select.plan,
    )
    node = options.get("corral_load_node")
    yield_per = options.get("yield_per")
    keys = result._key_names
    # A locking read returns the locked row's values: objects already in the
    # identity map take them, or the caller would act on stale state under a lock.
    overwrite = bool(options.get("populate_existing")) or statement._for_update is not None
    if yield_per is not None and node is None:
        return _in_batches(session, statement, mappers, plan, result, overwrite, yield_per)
    if plan is None and len(mappers) == 1 and mappers[0] is not None:
        # One class, nothing loaded after: rows are read and made objects chunk by chunk
        # (and not kept: only a plan's eager loads read them again).
        chunks = result.raw_row_chunks(PAUSE_AT)
        try:
            loaded, objects = loading.load_chunks(session, statement, mappers[0], chunks, overwrite)
        except BaseException:
            result.close()  # a listener's error leaves no open cursor behind
            raise
        rows: list[Any] = []
    else:
        rows = result.raw_rows()
        loaded, objects = loading.load_rows(
            session, statement, mappers, rows, keys, overwrite, plan
        )
    session.stats.objects_loaded += len(objects[0]) if len(objects) == 1 else sum(map(len, objects))
    check_size(session)
    if plan is None:
        if overwrite:  # reloaded without options: the last query's no longer apply
            for entity_objects in objects:
                for obj in entity_objects:
                    if obj is not None:
                        obj.__dict__.pop(LOADER_ATTR, None)
        return loaded
    if node is None:
        eager_loading.finish(session, plan, rows, objects, overwrite, params)
        if plan.unique_required and rows:  # as SQLAlchemy: refused once there is a row
            loaded.require_unique(
                "this result holds one row per member of a collection loaded by joinedload(), "
                "so each parent appears once per member; call .unique() on the result "
                "(session.execute(stmt).unique() or session.scalars(stmt).unique()) before "
                "fetching"
            )
    else:
        eager_loading.finish_joined(session, plan, rows, overwrite)
    return loaded


def load_orm_select_in_batches(
    session: Session, select: OrmSelect, result: Result, size: int
) -> Result:
    """The objects of an ORM select's rows, built ``size`` rows at a time as the returned
    Result is read (``yield_per``; a streamed result's rows)."""
    statement = select.statement
    overwrite = bool(select.options.get("populate_existing")) or statement._for_update is not None
    return _in_batches(session, statement, select.mappers, select.plan, result, overwrite, size)


def _in_batches(
    session: Session,
    statement: Select,
    mappers: list[Mapper | None],
    plan: query_plan.QueryPlan | None,
    result: Result,
    overwrite: bool,
    size: int,
) -> Result:
    """``yield_per``: a Result building its objects ``size`` rows at a time."""
    keys = result._key_names

    def build(rows: list[Any]) -> list[Any]:
        with session._guard:
            loaded, objects = loading.load_rows(
                session, statement, mappers, rows, keys, overwrite, plan
            )
            if plan is not None:
                eager_loading.finish(session, plan, rows, objects, overwrite)
            return loaded.raw_rows()

    empty = loading.load_rows(session, statement, mappers, [], keys, overwrite, plan)[0]
    batched = Result(
        batches.BatchedRows(result, size, build), empty._key_names, row_type=empty._row_type
    )
    batched.refuse_unique(batches.NO_UNIQUE)
    batched.yield_per(size)
    return batched


def execute_from_statement(
    session: Session,
    connection: Any,
    statement: FromStatement,
    params: Any,
    options: dict[str, Any],
) -> Result:
    """``select(User).from_statement(stmt)``: run ``stmt``, read its columns by name."""
    if properties.PENDING:
        properties.configure_mappers()
    result = connection.execute(statement.element, params)
    keys = result._key_names
    rows = result.raw_rows()
    where: dict[str, int] = {}
    for position, key in enumerate(keys):
        where.setdefault(key, position)
    picked: list[int] = []
    loaders: list[tuple[loading.EntityLoader | None, int]] = []
    out_keys: list[str] = []
    overwrite = bool(options.get("populate_existing"))
    for entity in statement._entities:
        mapper = getattr(entity, "__mapper__", None)
        if not isinstance(mapper, Mapper):
            name = getattr(entity, "key", None) or getattr(entity, "name", None)
            if name not in where:
                raise exc.InvalidRequestError(
                    f"from_statement(): the statement's columns ({', '.join(keys)}) include "
                    f"none named {name!r} for the selected {entity!r}"
                )
            loaders.append((None, len(picked)))
            picked.append(where[str(name)])
            out_keys.append(str(name))
            continue
        attributes = []
        for attribute, column in mapper.columns_by_key.items():
            found = where.get(column.key, where.get(column.name))
            if found is not None:
                attributes.append(attribute)
                picked.append(found)
        for key, name in _expression_columns(statement, mapper):
            found = where.get(name)
            if found is None:
                raise exc.InvalidRequestError(
                    f"from_statement(): with_expression({mapper.class_.__name__}.{key}, ...) "
                    f"reads the statement's column {name!r}, which it does not have (its "
                    f"columns: {', '.join(keys)})"
                )
            attributes.append(key)
            picked.append(found)
        missing = [k for k in mapper.primary_key_attrs if k not in attributes]
        if missing:
            raise exc.InvalidRequestError(
                f"from_statement(): the statement's columns ({', '.join(keys)}) lack the "
                f"primary key {', '.join(missing)} of {mapper.class_.__name__}, which identifies "
                "each object; select it (by its column name)"
            )
        start = len(picked) - len(attributes)
        loader = loading.EntityLoader(session, mapper, start, overwrite, tuple(attributes))
        loaders.append((loader, start))
        out_keys.append(mapper.class_.__name__)
    built = []
    for row in rows:
        values = [row[p] for p in picked]
        built.append(
            tuple(values[i] if loader is None else loader.load(values) for loader, i in loaders)
        )
    loaded = loading.result_from_rows(built, out_keys)
    loaded.rowcount = result.rowcount
    check_size(session)
    return loaded


def _expression_columns(statement: FromStatement, mapper: Mapper) -> list[tuple[str, str]]:
    """``(attribute, column name)`` of each with_expression() option for ``mapper``'s class."""
    out = []
    for option in statement._with_options:
        for column_option in option.columns:
            (attribute,) = column_option.attributes
            if not issubclass(mapper.class_, attribute.class_):
                continue
            expression = column_option.expression
            name = getattr(expression, "key", None) or getattr(expression, "name", None)
            if not isinstance(name, str):
                raise exc.ArgumentError(
                    f"from_statement(): with_expression({attribute.describe()}, {expression!r}) "
                    "must name a column of the statement, e.g. stmt.selected_columns.total"
                )
            out.append((attribute.key, name))
    return out


def vanished(session: Session, obj: object) -> None:
    """The row behind a persistent object is gone: forget the object."""
    state = state_of(obj)
    session.identity_map.discard(state.key)
    session._modified.pop(id(obj), None)
    state._session = None
    state.status = ObjectStatus.DETACHED


def _lock_arguments(with_for_update: bool | Mapping[str, Any]) -> Mapping[str, Any]:
    """``with_for_update=`` of get() or refresh(): True, or the keywords of
    ``Select.with_for_update()`` (``{"nowait": True}``)."""
    return with_for_update if isinstance(with_for_update, Mapping) else {}


def load_unloaded(
    session: Session,
    obj: object,
    state: InstanceState,
    key: str | None = None,
    *,
    whole: bool = False,
    with_for_update: bool | Mapping[str, Any] | None = None,
) -> None:
    """Load an object's unloaded columns (one SELECT by primary key, ``FOR UPDATE`` with
    ``with_for_update``).

    The columns a query would load come back together; a deferred column loads
    only when it is ``key``, the one being read (with the rest of its group).
    Values changed and not flushed are kept. ``refresh`` listeners receive the
    names loaded, or None when ``whole`` (``Session.refresh()`` of every attribute).
    As in SQLAlchemy, the session autoflushes first (unless autoflush is off or
    suspended, or it is flushing), so the SELECT reads what the session holds.
    """
    with session._guard:
        session._autoflush()
        planned = plan_unloaded(obj, state, key)
        if planned is None:
            return
        statement, wanted = planned
        if with_for_update:
            statement = statement.with_for_update(**_lock_arguments(with_for_update))
        with session.no_autoflush:
            row = session.execute(statement).first()
        fill_unloaded(session, obj, state, wanted, row, whole=whole)


def plan_unloaded(
    obj: object, state: InstanceState, key: str | None = None
) -> tuple[Select, list[str]] | None:
    """``load_unloaded``'s SELECT and the attributes it loads, or None when nothing is
    unloaded (no I/O: the asyncio executor awaits the statement itself)."""
    if state.status is not ObjectStatus.PERSISTENT or state.key is None:
        raise exc.InvalidRequestError(f"{type(obj).__name__} object is not persistent")
    mapper = state.mapper
    d = obj.__dict__
    if key is not None and key not in d:
        node = d.get(LOADER_ATTR)
        if node is not None and key in node.raise_keys:
            name = mapper.class_.__name__
            raise exc.InvalidRequestError(
                f"{name}.{key} was left out by the query's raiseload=True option and "
                f"cannot be loaded now; load it with the query: "
                f".options(undefer({name}.{key}))"
            )
    wanted = [k for k in mapper.loaded_keys if k not in d]
    if key is not None and key in mapper.deferred and key not in d:
        if key in mapper.deferred_raiseload:
            raise exc.InvalidRequestError(
                f"{mapper.class_.__name__}.{key} is deferred with raiseload and was not "
                f"loaded; load it with the query: .options(undefer({mapper.class_.__name__}"
                f".{key}))"
            )
        group = mapper.deferred[key]
        wanted += [
            k
            for k, g in mapper.deferred.items()
            if (k == key or (group is not None and g == group)) and k not in d
        ]
    columns = [mapper.columns_by_key[k] for k in wanted]
    if not columns:
        return None
    condition = and_(*(c == v for c, v in zip(mapper.primary_key, state.key[1], strict=True)))
    statement = select(*columns).where(condition)
    if mapper.flush_views[0] is not mapper:  # joined inheritance: the tables joined
        statement = statement.select_from(mapper.table)
    return statement, wanted


def fill_unloaded(
    session: Session,
    obj: object,
    state: InstanceState,
    wanted: list[str],
    row: Any,
    *,
    whole: bool = False,
) -> None:
    """Put the row ``plan_unloaded``'s SELECT returned into the object (changes not
    flushed are kept); no row: the object's row is gone, it is detached."""
    if row is None:
        name = type(obj).__name__
        key = state.key[1] if state.key is not None else None
        vanished(session, obj)
        raise exc.ObjectDeletedError(
            f"The {name} row with primary key {key} was deleted, so its "
            "attributes cannot be loaded; the object is now detached"
        )
    d = obj.__dict__
    changed = state.committed_state
    for name, value in zip(wanted, row, strict=True):
        if name not in d and name not in changed:
            d[name] = value
    if state.expired:
        state.expired = frozenset(k for k in state.expired if k not in d)
    if state.mapper.dispatch.refresh:
        fire_refresh(session, obj, None if whole else set(wanted))


def _mapper_of(entity: Any) -> Mapper:
    mapper = getattr(entity, "__mapper__", None)
    if not isinstance(mapper, Mapper):
        raise exc.UnmappedClassError(
            f"{getattr(entity, '__name__', entity)!r} is not a mapped class"
        )
    return mapper


def _primary_key_tuple(mapper: Mapper, ident: Any) -> tuple[Any, ...]:
    names = mapper.primary_key_attrs
    if len(names) == 1 and (type(ident) is int or type(ident) is str):
        return (ident,)  # the usual key, before the checks of the other forms
    if isinstance(ident, Mapping):
        missing = [n for n in names if n not in ident]
        if missing:
            raise exc.InvalidRequestError(
                f"get({mapper.class_.__name__}, {{...}}) is missing {', '.join(missing)}"
            )
        return tuple(ident[n] for n in names)
    values = tuple(ident) if isinstance(ident, tuple | list) else (ident,)
    if len(values) != len(names):
        raise exc.InvalidRequestError(
            f"{mapper.class_.__name__} has a primary key of {len(names)} column(s) "
            f"({', '.join(names)}); get() was given {len(values)} value(s)"
        )
    return values
