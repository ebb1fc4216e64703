"""What reading a relationship that is not in memory gives, short of running SQL.

A new object's relationship is empty; a ``noload`` one is empty too; ``raise``
refuses; a many-to-one whose target is already in the identity map needs no SQL;
anything else is loaded through the object's session (``Session._lazy_load``, which
runs ``lazy_statement(rel)`` and counts the load for N+1 detection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, ObjectStatus
from corral.orm.mapping.instance_state import state_of
from corral.orm.relationships.direction import Direction

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship
    from corral.orm.session.session import Session

#: Entry of an object's ``__dict__`` holding the query's load node, when its options say
#: how relationships load on access (raiseload, noload, or options further along a path).
LOADER_ATTR = "_corral_loaders"


def load_on_access(obj: Any, rel: Relationship) -> Any:
    """The value of ``obj.<rel>`` when it is not in memory: load it, or say why not."""
    state = state_of(obj)
    if rel.lazy == "write_only":
        write_only = rel.write_only_collection(obj)
        obj.__dict__[rel.key] = write_only
        return write_only
    if state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING):
        return _empty(obj, rel, store=rel.uselist)
    strategy = strategy_for(obj, rel)
    if strategy == "noload":
        return _empty(obj, rel, store=True)
    if strategy == "raise":
        raise _raise_error(obj, rel, strategy)
    session = state.session
    if session is None or state.status is not ObjectStatus.PERSISTENT:
        name = type(obj).__name__
        raise exc.DetachedInstanceError(
            f"{name}.{rel.key} is not loaded and the {name} object belongs to no session, so "
            f"it cannot be lazy-loaded. Load it with its parent while the session is open "
            f"(select({name}).options({rel.loader_option_hint()})), or attach the object "
            "again with session.add(obj) / session.merge(obj)"
        )
    found = _identity_map_target(session, obj, rel)
    if found is not NO_VALUE:
        obj.__dict__[rel.key] = found
        return found
    if strategy == "raise_on_sql":
        raise _raise_error(obj, rel, strategy)
    params = _local_values(obj, rel)
    if params is None:  # a NULL foreign key: nothing to load
        return _empty(obj, rel, store=True)
    return session._lazy_load(obj, rel, params)


def strategy_for(obj: Any, rel: Relationship) -> str:
    """The loader strategy for reading ``obj.<rel>``: the query's option, else the mapping's."""
    node = obj.__dict__.get(LOADER_ATTR)
    if node is not None:
        chosen: str | None = node.explicit.get(rel.key)
        if chosen is None or chosen == "default":
            chosen = node.wildcard  # raiseload("*") / lazyload("*") / noload("*")
        if chosen is not None and chosen != "default":
            return chosen
    return rel.lazy


def set_loaded(obj: Any, rel: Relationship, rows: list[Any]) -> Any:
    """Store loaded related objects as ``obj``'s committed value of ``rel`` (no history)."""
    if rel.uselist:
        value: Any = rel.new_collection(obj, rows)
    else:
        value = rows[0] if rows else None
    obj.__dict__[rel.key] = value
    return value


def _empty(obj: Any, rel: Relationship, *, store: bool) -> Any:
    if not rel.uselist:
        if store:
            obj.__dict__[rel.key] = None
        return None
    collection = rel.new_collection(obj)
    if store:
        obj.__dict__[rel.key] = collection
    return collection


def lazy_params(session: Session, obj: Any, rel: Relationship) -> dict[str, Any] | None:
    """The key values of ``obj.<rel>``'s lazy SELECT; None when it needs none (the identity
    map holds the many-to-one target, or the key is NULL), the value then stored."""
    found = _identity_map_target(session, obj, rel)
    if found is not NO_VALUE:
        obj.__dict__[rel.key] = found
        return None
    params = _local_values(obj, rel)
    if params is None:
        _empty(obj, rel, store=True)
    return params


def current_value(obj: Any, rel: Relationship) -> Any:
    """The present value of a persistent object's unloaded scalar ``rel``, for a reassignment.

    A many-to-one is looked up in the identity map only (no SQL: if its target is
    not in memory, no in-memory collection needs updating); a one-to-one seen from
    the parent loads, since its current child's foreign key must change at flush.
    """
    state = state_of(obj)
    if state.session is None:
        return NO_VALUE
    if rel.direction is Direction.MANYTOONE:
        found = _identity_map_target(state.session, obj, rel)
        return None if found is NO_VALUE else found
    return load_on_access(obj, rel)


def _identity_map_target(session: Session, obj: Any, rel: Relationship) -> Any:
    """A many-to-one's target straight from the identity map, or NO_VALUE to query it."""
    if rel.direction is not Direction.MANYTOONE or rel.extra_criteria or rel.custom_join:
        return NO_VALUE
    target = rel.mapper
    by_source = {id(src): fk for src, fk in rel.synchronize_pairs}
    if set(by_source) != {id(c) for c in target.primary_key}:
        return NO_VALUE
    values = []
    for column in target.primary_key:
        value = _column_value(obj, by_source[id(column)])
        if value is None:
            return None
        values.append(value)
    found = session.identity_map.get((target.class_, tuple(values)))
    if found is None or state_of(found).status is not ObjectStatus.PERSISTENT:
        return NO_VALUE
    return found


def _column_value(obj: Any, column: Any) -> Any:
    key = state_of(obj).mapper.attribute_of(column)
    value = obj.__dict__.get(key, NO_VALUE)
    if value is NO_VALUE:
        value = getattr(obj, key)  # expired: loads the columns
    return value


def _local_values(obj: Any, rel: Relationship) -> dict[str, Any] | None:
    params = {}
    for i, column in enumerate(rel.local_columns):
        value = _column_value(obj, column)
        if value is None:
            return None
        params[f"corral_lazy_{i}"] = value
    return params


def _raise_error(obj: Any, rel: Relationship, strategy: str) -> exc.RaiseLoadError:
    name = type(obj).__name__
    why = "would emit SQL" if strategy == "raise_on_sql" else "is not loaded"
    return exc.RaiseLoadError(
        f"{rel.describe()} {why} and its loader strategy is {strategy!r}, which forbids "
        f"lazy loading. Load it with the query that loads the {name} objects: "
        f".options({rel.loader_option_hint()})"
    )
