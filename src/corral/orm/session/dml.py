"""Keeping the session's objects in step with a bulk UPDATE or DELETE (``synchronize_session``).

``"evaluate"`` runs the WHERE clause in Python against the objects in the
identity map; ``"fetch"`` asks the database which rows match (before the
statement runs); ``"auto"`` evaluates and falls back to fetching when the
clause is beyond the evaluator; ``False`` leaves the objects alone.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.base import Connection
from corral.engine.result import Result
from corral.orm.base import NO_VALUE, ObjectStatus
from corral.orm.mapping.instance_state import state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.session import bulk_dml, inheritance_dml
from corral.sql import operators as ops
from corral.sql.columns import NamedColumn
from corral.sql.conditions import BooleanClauseList, and_
from corral.sql.dml import Delete, DMLStatement, Insert, Update
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ClauseList,
    False_,
    Null,
    True_,
    UnaryExpression,
)
from corral.sql.selectable import select
from corral.sql.wrappers import Grouping

if TYPE_CHECKING:
    from corral.orm.session.session import Session

Predicate = Callable[[dict[str, Any]], Any]
#: None, as in SQLAlchemy, means the same as False.
MODES = ("auto", "evaluate", "fetch", False, None)


class Unevaluatable(Exception):
    """The clause uses something the Python evaluator does not handle."""


_COMPARE: dict[ops.Operator, Callable[[Any, Any], Any]] = {
    ops.EQ: operator.eq,
    ops.NE: operator.ne,
    ops.LT: operator.lt,
    ops.LE: operator.le,
    ops.GT: operator.gt,
    ops.GE: operator.ge,
}


def evaluator(clause: ClauseElement, mapper: Mapper) -> Predicate:
    """A Python function of an object's ``__dict__`` that answers the clause (None = unknown)."""
    if isinstance(clause, BooleanClauseList):
        parts = [evaluator(c, mapper) for c in clause.clauses]
        if clause.operator is ops.AND:
            return lambda d: all(p(d) for p in parts)
        return lambda d: any(p(d) for p in parts)
    if isinstance(clause, UnaryExpression) and clause.operator == "NOT":
        negated = evaluator(clause.element, mapper)
        return lambda d: not negated(d)
    if isinstance(clause, True_):
        return lambda d: True
    if isinstance(clause, False_):
        return lambda d: False
    if isinstance(clause, BinaryExpression):
        left = _value(clause.left, mapper)
        op = clause.operator
        if op in (ops.IN, ops.NOT_IN):
            inner = clause.right.element if isinstance(clause.right, Grouping) else None
            if not isinstance(inner, ClauseList):
                raise Unevaluatable(op.name)
            choices = [_value(c, mapper) for c in inner.clauses]
            negate = op is ops.NOT_IN
            return lambda d: (left(d) in [c(d) for c in choices]) != negate
        right = _value(clause.right, mapper)
        if op is ops.IS:
            return lambda d: left(d) is right(d)
        if op is ops.IS_NOT:
            return lambda d: left(d) is not right(d)
        compare = _COMPARE.get(op)
        if compare is None:
            raise Unevaluatable(op.name)

        def check(d: dict[str, Any]) -> Any:
            a, b = left(d), right(d)
            if a is None or b is None:
                return False
            return compare(a, b)

        return check
    raise Unevaluatable(type(clause).__name__)


def _value(element: ClauseElement, mapper: Mapper) -> Callable[[dict[str, Any]], Any]:
    if isinstance(element, BindParameter) and element.has_value():
        value = element.effective_value
        return lambda d: value
    if isinstance(element, Null):
        return lambda d: None
    if isinstance(element, True_ | False_):
        constant = isinstance(element, True_)
        return lambda d: constant
    if isinstance(element, NamedColumn) and element.table is mapper.table:
        key = element.key or element.name

        def attribute(d: dict[str, Any]) -> Any:
            value = d.get(key, NO_VALUE)
            if value is NO_VALUE:
                raise Unevaluatable(f"{key} is not loaded")
            return value

        return attribute
    raise Unevaluatable(type(element).__name__)


def _mapper_for(session: Session, statement: DMLStatement) -> Mapper | None:
    entity_mapper = getattr(statement._entity, "__mapper__", None)
    if isinstance(entity_mapper, Mapper) and entity_mapper.inheritance is not None:
        return entity_mapper
    for obj in session.identity_map.values():
        mapper: Mapper = type(obj).__mapper__
        if mapper.table is statement.table:
            return mapper
    return None


def execute_dml(
    session: Session,
    connection: Connection,
    statement: DMLStatement,
    params: Any,
    options: Mapping[str, Any],
) -> Result:
    """Execute INSERT/UPDATE/DELETE, then bring matching objects in the session up to date."""
    mode = options.get("synchronize_session", "auto")
    if mode not in MODES:
        raise exc.ArgumentError(
            f"synchronize_session={mode!r}; use one of 'auto', 'evaluate', 'fetch' or False"
        )
    if statement._entity is not None and statement._entity.__mapper__.inheritance is not None:
        statement, params = inheritance_dml.for_single_table(statement, params)
    if statement._entity is not None and inheritance_dml.writes_several_tables(statement):
        if isinstance(statement, Update) and isinstance(params, list) and params:
            return inheritance_dml.joined_bulk_update(session, connection, statement, params, mode)
        if isinstance(statement, Insert):
            return inheritance_dml.joined_insert(session, connection, statement, params)
    if statement._entity is not None:  # update(User), insert(User): ORM-enabled
        if isinstance(statement, Update) and isinstance(params, list) and params:
            return bulk_dml.bulk_update(session, connection, statement, params, mode)
        if isinstance(statement, Insert):
            return bulk_dml.orm_insert(session, connection, statement, params, options)
    mapper = _mapper_for(session, statement)
    if not mode or mapper is None or not isinstance(statement, Update | Delete):
        return _returned_objects(session, statement, connection.execute(statement, params), options)
    if isinstance(params, list):
        raise exc.InvalidRequestError(
            "An ORM bulk UPDATE/DELETE with a list of parameter sets cannot synchronize the "
            "session; pass execution_options={'synchronize_session': False}"
        )
    matching = _matching_objects(session, connection, statement, mapper, mode, params)
    result = connection.execute(statement, params)
    if isinstance(statement, Update):
        _apply_update(session, statement, matching)
    else:
        _apply_delete(session, matching)
    return _returned_objects(session, statement, result, options)


def prepare_on_loop(
    session: Session, statement: DMLStatement, params: Any, options: Mapping[str, Any]
) -> Callable[[Result], Result] | None:
    """For the asyncio executor: when ``execute_dml`` would run just ``statement`` (an
    UPDATE or DELETE whose matching objects are found by evaluating its WHERE in Python,
    or that synchronizes nothing), what to do with its Result; None for anything else
    (``execute_dml`` then runs in a worker thread). No I/O, nothing changed yet."""
    mode = options.get("synchronize_session", "auto")
    if (
        mode not in MODES
        or mode == "fetch"
        or not isinstance(statement, Update | Delete)
        or isinstance(params, list)
        or statement._returning_entities
    ):
        return None
    entity = statement._entity
    if entity is not None and entity.__mapper__.inheritance is not None:
        return None
    mapper = _mapper_for(session, statement)
    if not mode or mapper is None:
        return lambda result: result
    try:
        matching = _evaluated(session, statement, mapper)
    except Unevaluatable:
        return None  # 'auto' fetches the keys first; 'evaluate' raises (the sync path says)

    def after(result: Result) -> Result:
        if isinstance(statement, Update):
            _apply_update(session, statement, matching)
        else:
            _apply_delete(session, matching)
        return result

    return after


def _returned_objects(
    session: Session, statement: DMLStatement, result: Result, options: Mapping[str, Any]
) -> Result:
    """``update(User)...returning(User)``: the RETURNING rows as objects (through the
    identity map), as for an INSERT."""
    if not statement._returning_entities or not result.returns_rows:
        return result
    return bulk_dml.returned_objects(
        session, statement, result, bool(options.get("populate_existing"))
    )


def _matching_objects(
    session: Session,
    connection: Connection,
    statement: Update | Delete,
    mapper: Mapper,
    mode: str,
    params: Any,
) -> list[object]:
    if mode in ("auto", "evaluate"):
        try:
            return _evaluated(session, statement, mapper)
        except Unevaluatable as why:
            if mode == "evaluate":
                raise exc.InvalidRequestError(
                    f"synchronize_session='evaluate' cannot evaluate this WHERE clause in Python "
                    f"({why}); use synchronize_session='fetch'"
                ) from None
    candidates = _candidates(session, mapper)
    # From the class's tables joined (a joined subclass's WHERE names its own table).
    query = select(*mapper.primary_key).select_from(mapper.persist_selectable)
    where = statement._compiled_where()  # a single-table subclass's criteria too
    if where:
        query = query.where(*where)
    keys = {tuple(row) for row in connection.execute(query, params)}
    matching = []
    for candidate in candidates:
        key = state_of(candidate).key
        if key is not None and key[1] in keys:
            matching.append(candidate)
    return matching


def _candidates(session: Session, mapper: Mapper) -> list[object]:
    return [o for o in session.identity_map.values() if type(o).__mapper__ is mapper]


def _evaluated(session: Session, statement: Update | Delete, mapper: Mapper) -> list[object]:
    """The session's objects the WHERE matches, evaluated in Python (``Unevaluatable``
    when it cannot be)."""
    candidates = _candidates(session, mapper)
    where = statement._compiled_where()
    predicate = evaluator(and_(*where), mapper) if where else None
    return [o for o in candidates if predicate is None or predicate(o.__dict__)]


def _apply_update(session: Session, statement: Update, objects: list[object]) -> None:
    transaction = session._transaction
    for obj in objects:
        state = state_of(obj)
        d = obj.__dict__
        if transaction is not None:
            # Its row changed in this transaction: a SAVEPOINT rollback must expire it
            # (SQLAlchemy registers these objects as altered too).
            transaction.touched[id(obj)] = obj
        for key, element in statement._values.items():
            if isinstance(element, BindParameter) and element.has_value():
                d[key] = element.effective_value
                state.committed_state.pop(key, None)
            else:
                state.expire(obj, {key})


def _apply_delete(session: Session, objects: list[object]) -> None:
    transaction = session._transaction
    for obj in objects:
        state = state_of(obj)
        if state.status is not ObjectStatus.PERSISTENT:
            continue
        state.move(ObjectStatus.DELETED)
        session.identity_map.discard(state.key)
        session._deleted.pop(id(obj), None)
        session._modified.pop(id(obj), None)
        if transaction is not None:
            transaction.deleted[id(obj)] = obj
