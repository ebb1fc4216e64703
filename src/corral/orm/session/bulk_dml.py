"""ORM-enabled INSERT and UPDATE of a mapped class executed through a Session.

``session.execute(update(User), [{"id": 1, "name": "A"}, ...])`` is a bulk
UPDATE by primary key: the primary-key attributes of each parameter set go in
the WHERE clause and the other attributes in the SET clause; consecutive sets
that change the same attributes share one executemany. Every set is checked
before any SQL is sent. ``.where()`` criteria are added to each row's WHERE;
``.values()`` are set in every row. Objects of those keys in the identity map
take the new values (``synchronize_session`` ``"auto"`` / ``"evaluate"``).

``session.execute(insert(User), [...])`` inserts the sets in runs of the same
keys (attribute names), and ``insert(User).returning(User)`` returns ``User``
objects, persistent in the session, built from the rows RETURNING gives back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.result import Result
from corral.orm.base import STATE_ATTR
from corral.orm.loading.entities import EntityLoader, result_from_rows
from corral.orm.mapping.mapper import Mapper
from corral.sql.dml import DMLStatement, Insert, Update
from corral.sql.elements import BindParameter, bindparam

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.orm.session.session import Session

#: Prefix of the bind names that carry each row's primary key and expected version.
KEY_BIND = "corral_bulk_pk_"
VERSION_BIND = "corral_bulk_version"


def bulk_update(
    session: Session,
    connection: Connection,
    statement: Update,
    params: Sequence[Any],
    mode: Any,
) -> Result:
    """UPDATE each row by the primary key in its parameter set (see the module docstring)."""
    mapper: Mapper = statement._entity.__mapper__
    name = mapper.class_.__name__
    if statement._returning:
        raise exc.InvalidRequestError(
            f"update({name}).returning(...) with a list of parameter sets is a bulk UPDATE by "
            "primary key, which returns no rows; execute one update per row to use RETURNING"
        )
    if mode == "fetch":
        raise exc.InvalidRequestError(
            f"synchronize_session='fetch' does not apply to a bulk UPDATE of {name} by primary "
            "key (a list of parameter sets); use 'auto', 'evaluate' or False"
        )
    if mode in ("auto", "evaluate") and statement._where:
        raise exc.InvalidRequestError(
            f"A bulk UPDATE of {name} by primary key with extra .where() criteria cannot tell "
            "which objects in the session it changed; pass execution_options="
            "{'synchronize_session': False} (and expire or refresh the objects yourself)"
        )
    rows = [_update_row(mapper, statement, index, given) for index, given in enumerate(params)]
    total = executed = 0
    counted = True  # whether the driver reported every rowcount
    for batch_statement, batch in _update_batches(mapper, statement, rows):
        result = connection.execute(batch_statement, batch)
        counted = counted and result.rowcount >= 0
        total += max(result.rowcount, 0)
        executed += len(batch)
    if counted and not statement._where and total != executed:
        raise exc.StaleDataError(
            f"Bulk UPDATE of {name} on table {mapper.table.name!r} expected to match "
            f"{executed} row(s) by primary key{' and version' if mapper.version_id_key else ''}"
            f" but matched {total}: some rows do not exist (or hold another version). "
            "Check the keys, or reload the rows and try again."
        )
    if mode in ("auto", "evaluate"):
        _synchronize(session, mapper, statement, params, rows)
    return Result(None, (), rowcount=total)


def _update_row(
    mapper: Mapper, statement: Update, index: int, given: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(SET values by column key, WHERE values by bind name) of one parameter set, checked."""
    name = mapper.class_.__name__
    if not isinstance(given, Mapping):
        raise exc.ArgumentError(
            f"Bulk UPDATE of {name}: parameter set {index} is a {type(given).__name__}, not a "
            "dict of attribute names to values"
        )
    missing = [key for key in mapper.primary_key_attrs if given.get(key) is None]
    if missing:
        raise exc.InvalidRequestError(
            f"Bulk UPDATE of {name} by primary key: parameter set {index} has no value for "
            f"the primary key attribute(s) {', '.join(missing)}. Each dict must hold the full "
            f"primary key ({', '.join(mapper.primary_key_attrs)}), which selects its row; to "
            "update rows by other criteria, use update(...).where(...).values(...) instead"
        )
    columns = mapper.columns_by_key
    unknown = [key for key in given if key not in columns]
    if unknown:
        by_name = {column.name: key for key, column in columns.items()}
        hints = [f"{k!r} (the column of attribute {by_name[k]!r})" for k in unknown if k in by_name]
        raise exc.ArgumentError(
            f"Bulk UPDATE of {name}: parameter set {index} names {', '.join(map(repr, unknown))}"
            f", which {'is not a' if len(unknown) == 1 else 'are not'} mapped attribute(s) of "
            f"{name}; use the attribute names ({', '.join(columns)})"
            + (f". Column names are not accepted: {', '.join(hints)}" if hints else "")
        )
    doubled = [key for key in given if columns[key].key in statement._values]
    if doubled:
        raise exc.ArgumentError(
            f"Bulk UPDATE of {name}: parameter set {index} sets {', '.join(doubled)}, which "
            "the statement's .values() already sets; give each value in one place"
        )
    version_key = mapper.version_id_key
    where = {KEY_BIND + key: given[key] for key in mapper.primary_key_attrs}
    values = {columns[k].key: v for k, v in given.items() if k not in mapper.primary_key_attrs}
    if version_key is not None:
        if version_key not in given:
            raise exc.InvalidRequestError(
                f"Bulk UPDATE of {name}: parameter set {index} has no {version_key!r}; {name} "
                f"is versioned, so each set must give the version it expects the row to have"
            )
        expected = given[version_key]
        where[VERSION_BIND] = expected
        generator = mapper.version_id_generator
        column_key = columns[version_key].key
        values[column_key] = generator(expected) if callable(generator) else expected
    return values, where


def _update_batches(
    mapper: Mapper, statement: Update, rows: list[tuple[dict[str, Any], dict[str, Any]]]
) -> list[tuple[Update, list[dict[str, Any]]]]:
    """Consecutive rows setting the same columns share one statement (parameter order kept)."""
    conditions: list[Any] = [
        column == bindparam(KEY_BIND + key, type_=column.type)
        for key, column in zip(mapper.primary_key_attrs, mapper.primary_key, strict=True)
    ]
    if mapper.version_id_key is not None:
        column = mapper.columns_by_key[mapper.version_id_key]
        conditions.append(column == bindparam(VERSION_BIND, type_=column.type))
    by_primary_key: Update = statement.where(*conditions)
    by_primary_key._adds_entity_criteria = False  # the keys name the rows, as in SQLAlchemy
    batches: list[tuple[Update, list[dict[str, Any]]]] = []
    last_shape: frozenset[str] | None = None
    for values, where in rows:
        if not values and not statement._values:
            continue  # nothing to set in this row
        shape = frozenset(values)
        if shape != last_shape:
            batches.append((by_primary_key, []))
            last_shape = shape
        batches[-1][1].append({**values, **where})
    return batches


def _synchronize(
    session: Session,
    mapper: Mapper,
    statement: Update,
    params: Sequence[Mapping[str, Any]],
    rows: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    """Objects of the updated keys take the values written; changed attributes expire."""
    transaction = session._transaction
    key_of = {column.key: key for key, column in mapper.columns_by_key.items()}
    constant: dict[str, Any] = {}
    computed: set[str] = set()
    for column_key, element in statement._values.items():
        if isinstance(element, BindParameter) and element.has_value():
            constant[key_of.get(column_key, column_key)] = element.effective_value
        else:
            computed.add(key_of.get(column_key, column_key))
    for given, (values, _) in zip(params, rows, strict=True):
        pk = tuple(given[key] for key in mapper.primary_key_attrs)
        obj = session.identity_map.get(mapper.identity_key(pk))
        if obj is None:
            continue
        state = obj.__dict__[STATE_ATTR]
        written = {key_of.get(k, k): v for k, v in values.items()}
        written.update(constant)
        d = obj.__dict__
        stale = set(computed)
        for key, value in written.items():
            if key in state.committed_state:
                stale.add(key)  # changed in memory and not flushed: the row now differs
            elif key in d:  # an unloaded attribute loads the new value when read
                d[key] = value
        if stale:
            state.expire(obj, stale)
        if transaction is not None:
            transaction.touched[id(obj)] = obj  # a rollback must expire it


def orm_insert(
    session: Session,
    connection: Connection,
    statement: Insert,
    params: Any,
    options: Mapping[str, Any],
) -> Result:
    """INSERT of a mapped class: keys are attribute names; RETURNING a class gives objects."""
    mapper: Mapper = statement._entity.__mapper__
    as_given = mapper.version_id_key is None and all(
        column.key == key for key, column in mapper.columns_by_key.items()
    )
    # As SQLAlchemy's ORM INSERT: a None value leaves its column out of that row, so the
    # column's default applies (rows then run in batches of the same columns);
    # execution_options(render_nulls=True) sends NULL instead.
    strip = not options.get("render_nulls")
    if isinstance(params, list) and len(params) > 1:
        runs = _parameter_runs(mapper, params, strip)
        if not as_given:
            runs = [[_insert_params(mapper, p) for p in run] for run in runs]
        result = _insert_runs(connection, statement, runs)
    else:
        if isinstance(params, list):
            params = params[0] if params else None
        if strip and isinstance(params, Mapping):
            params = _without_nones(params)
        given = params if params is None or as_given else _insert_params(mapper, params)
        result = connection.execute(statement, given)
    if not statement._returning_entities:
        return result
    return returned_objects(session, statement, result, bool(options.get("populate_existing")))


def _without_nones(given: Mapping[str, Any]) -> Mapping[str, Any]:
    """A parameter set without its keys whose value is None."""
    for value in given.values():
        if value is None:
            return {k: v for k, v in given.items() if v is not None}
    return given


def _parameter_runs(mapper: Mapper, params: list[Any], strip: bool) -> list[list[Any]]:
    """The parameter sets in runs of consecutive sets with the same keys (each run one
    executemany), in the order given; with ``strip``, each set without its None values
    first. Every set is checked to be a mapping before any SQL is sent.

    One pass, at C speed for plain dicts: a set's keys are compared with the run's as a
    keys view, and a set with no None value is passed on as it is."""
    runs: list[list[Any]] = []
    run: list[Any] = []
    keys: Any = None  # the keys of the sets in ``run``
    for position, given in enumerate(params):
        if not isinstance(given, dict) and not isinstance(given, Mapping):
            raise exc.ArgumentError(
                f"insert({mapper.class_.__name__}) got a list of parameter sets whose item "
                f"{position} is a {type(given).__name__}, not a dict; pass each row as a "
                "dict of attribute names to values"
            )
        one = given
        if strip:  # _without_nones, written inline: this loop runs once per row
            for value in given.values():
                if value is None:
                    one = {k: v for k, v in given.items() if v is not None}
                    break
        if keys is not None and one.keys() == keys:
            run.append(one)
            continue
        keys = one.keys()
        run = [one]
        runs.append(run)
    return runs


def _insert_params(mapper: Mapper, given: Any) -> Any:
    """A parameter set by column key (attribute names translated), the version filled in."""
    if not isinstance(given, Mapping):
        return given  # the engine names what is wrong with it
    columns = mapper.columns_by_key
    out = {columns[k].key if k in columns else k: v for k, v in given.items()}
    version_key = mapper.version_id_key
    generator = mapper.version_id_generator
    if version_key is not None and callable(generator):
        column_key = columns[version_key].key
        if out.get(column_key) is None:
            out[column_key] = generator(None)
    return out


def _insert_runs(connection: Connection, statement: Insert, runs: list[list[Any]]) -> Result:
    """Each run of parameter sets (``_parameter_runs``) as one executemany, in order."""
    if len(runs) == 1:
        return connection.execute(statement, runs[0])
    rows: list[Any] = []
    rowcount = 0
    keys: Sequence[str] = ()
    for run in runs:
        result = connection.execute(statement, run)
        rowcount += max(result.rowcount, 0)
        if result.returns_rows:
            keys = result._key_names
            rows.extend(result.raw_rows())
    if not statement._returning:
        return Result(None, (), rowcount=rowcount)
    result = result_from_rows(rows, keys)
    result.rowcount = rowcount
    return result


def returned_objects(
    session: Session, statement: DMLStatement, result: Result, overwrite: bool
) -> Result:
    """The RETURNING rows with each mapped class's columns replaced by its object."""
    keys = result._key_names
    rows = result.raw_rows()
    spans = {first: (entity, stop) for entity, first, stop in statement._returning_entities}
    out_keys: list[str] = []
    steps: list[tuple[EntityLoader | None, int]] = []
    position = 0
    while position < len(keys):
        if position in spans:
            entity, stop = spans[position]
            loader = _loader(session, entity.__mapper__, statement, position, stop, overwrite)
            steps.append((loader, position))
            out_keys.append(entity.__name__)
            position = stop
        else:
            steps.append((None, position))
            out_keys.append(keys[position])
            position += 1
    built = [
        tuple(row[i] if loader is None else loader.load(row) for loader, i in steps) for row in rows
    ]
    loaded = result_from_rows(built, out_keys)
    loaded.rowcount = result.rowcount
    return loaded


def _loader(
    session: Session,
    mapper: Mapper,
    statement: DMLStatement,
    first: int,
    stop: int,
    overwrite: bool,
) -> EntityLoader:
    """An EntityLoader for the columns RETURNING gives at ``first:stop``."""
    key_of = {id(column): key for key, column in mapper.columns_by_key.items()}
    attributes = []
    for column in statement._returning[first:stop]:
        key = key_of.get(id(column))
        if key is None:
            raise exc.InvalidRequestError(
                f"returning({mapper.class_.__name__}): column {column.key!r} of table "
                f"{mapper.table.name!r} is not mapped by {mapper.class_.__name__}, so its "
                "objects cannot be built from these rows; return the mapped columns instead"
            )
        attributes.append(key)
    return EntityLoader(session, mapper, first, overwrite, tuple(attributes))
