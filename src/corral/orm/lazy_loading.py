"""Loading a relationship when it is first read, and noticing N+1 loading.

A relationship not loaded with its object loads on first access according to
its strategy (``lazy=`` on the relationship, or a loader option of the query
that loaded the object): ``select`` emits one SELECT (a many-to-one whose target
is already in the identity map emits none), ``raise`` / ``raise_on_sql`` refuse,
``noload`` gives an empty value.

Each lazy load that reaches the database is counted per relationship in the
session; past the session's threshold, ``Session(n_plus_one="warn" | "raise")``
warns or raises, naming the relationship, the count, the call site and the
loader option that loads it with its parents.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import NO_VALUE, ObjectStatus
from corral.orm.instance_state import state_of
from corral.orm.relationships import Direction, Relationship
from corral.sql.conditions import and_
from corral.sql.elements import bindparam
from corral.sql.selectable import Select, select

if TYPE_CHECKING:
    from corral.orm.session.session import Session

#: Entry of an object's ``__dict__`` holding the query's load node, when its options say
#: how relationships load on access (raiseload, noload, or options further along a path).
LOADER_ATTR = "_corral_loaders"

_CORRAL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The default of ``Session(n_plus_one=...)``: ``CORRAL_N_PLUS_ONE=raise`` (or ``warn``) in
#: the environment turns detection on for every session a program makes, e.g. in its tests.
N_PLUS_ONE_DEFAULT = os.environ.get("CORRAL_N_PLUS_ONE") or None


def load_on_access(obj: Any, rel: Relationship) -> Any:
    """The value of ``obj.<rel>`` when it is not in memory: load it, or say why not."""
    state = state_of(obj)
    if rel.lazy == "write_only":
        from corral.orm.write_only import WriteOnlyCollection

        write_only: WriteOnlyCollection[Any] = WriteOnlyCollection(obj, rel)
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
    session._count_lazy_load(rel, obj)
    node = obj.__dict__.get(LOADER_ATTR)
    child = node.children.get(rel.key) if node is not None else None
    options = None if child is None else {"corral_load_node": child}
    with session._guard:
        rows = session._execute(lazy_statement(rel), params, options).scalars().all()
        value = set_loaded(obj, rel, rows)
        if child is not None:  # options set further along this path apply to these objects
            from corral.orm.eager_loading import finish_node

            finish_node(session, child, rows, False)
    return value


def strategy_for(obj: Any, rel: Relationship) -> str:
    """The loader strategy for reading ``obj.<rel>``: the query's option, else the mapping's."""
    node = obj.__dict__.get(LOADER_ATTR)
    if node is not None:
        chosen: str | None = node.explicit.get(rel.key)
        if chosen is not None and chosen != "default":
            return chosen
    return rel.lazy


def set_loaded(obj: Any, rel: Relationship, rows: list[Any]) -> Any:
    """Store loaded related objects as ``obj``'s committed value of ``rel`` (no history)."""
    if rel.uselist:
        from corral.orm.collections import new_collection

        value: Any = new_collection(obj, rel, rows)
    else:
        value = rows[0] if rows else None
    obj.__dict__[rel.key] = value
    return value


def _empty(obj: Any, rel: Relationship, *, store: bool) -> Any:
    if not rel.uselist:
        if store:
            obj.__dict__[rel.key] = None
        return None
    from corral.orm.collections import new_collection

    collection = new_collection(obj, rel)
    if store:
        obj.__dict__[rel.key] = collection
    return collection


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
    if rel.direction is not Direction.MANYTOONE or rel.extra_criteria:
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
    value = obj.__dict__.get(column.key, NO_VALUE)
    if value is NO_VALUE:
        value = getattr(obj, column.key)  # expired: loads the columns
    return value


def _local_values(obj: Any, rel: Relationship) -> dict[str, Any] | None:
    params = {}
    for i, column in enumerate(rel.local_columns()):
        value = _column_value(obj, column)
        if value is None:
            return None
        params[f"corral_lazy_{i}"] = value
    return params


def lazy_statement(rel: Relationship) -> Select:
    """``SELECT target WHERE <remote columns> = :corral_lazy_N``, built once per relationship."""
    cached: Select | None = rel.lazy_select
    if cached is not None:
        return cached
    statement = select(rel.mapper.class_)
    if rel.direction is Direction.MANYTOMANY:
        assert rel.secondary is not None
        on = and_(*(target == secondary for target, secondary in rel.target_pairs))
        statement = statement.join(rel.secondary, on)
    conditions = [
        column == bindparam(f"corral_lazy_{i}", type_=column.type)
        for i, column in enumerate(rel.remote_columns())
    ]
    statement = statement.where(and_(*conditions, *rel.extra_criteria))
    if rel.order_by:
        statement = statement.order_by(*rel.order_by)
    rel.lazy_select = statement.freeze()
    return statement


def _raise_error(obj: Any, rel: Relationship, strategy: str) -> exc.RaiseLoadError:
    name = type(obj).__name__
    why = "would emit SQL" if strategy == "raise_on_sql" else "is not loaded"
    return exc.RaiseLoadError(
        f"{rel.describe()} {why} and its loader strategy is {strategy!r}, which forbids "
        f"lazy loading. Load it with the query that loads the {name} objects: "
        f".options({rel.loader_option_hint()})"
    )


def call_site() -> tuple[str, int]:
    """``file:line in function`` of the innermost caller outside corral, and its stack level
    as ``warnings.warn`` counts it from here (so a warning is attributed to that line)."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_CORRAL_DIR):
        frame = frame.f_back
        level += 1
    if frame is None:  # pragma: no cover - corral calling itself with no user frame
        return "an unknown place", 1
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}", level


class LazyLoadCounter:
    """Lazy loads per relationship in one session, and the N+1 verdict."""

    __slots__ = ("counts", "mode", "threshold", "warned")

    def __init__(self, mode: str | None, threshold: int) -> None:
        if mode not in (None, "warn", "raise"):
            raise exc.ArgumentError(
                f'n_plus_one={mode!r}: choose "warn", "raise" or None (no detection); '
                "CORRAL_N_PLUS_ONE in the environment sets the default"
            )
        if threshold < 1:
            raise exc.ArgumentError(f"n_plus_one_threshold must be at least 1, got {threshold}")
        self.mode = mode
        self.threshold = threshold
        self.counts: dict[int, int] = {}
        self.warned: set[int] = set()

    def count(self, rel: Relationship, obj: Any) -> None:
        if self.mode is None:
            return
        key = id(rel)
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        if count <= self.threshold:
            return
        site, level = call_site()
        message = (
            f"N+1 loading: {rel.describe()} has been lazy-loaded for {count} "
            f"{type(obj).__name__} objects in this session, one SELECT each (threshold "
            f"{self.threshold}); the latest at {site}. Load it together with its parents: "
            f"add .options({rel.loader_option_hint()}) to the query that loads them"
        )
        if self.mode == "raise":
            raise exc.NPlusOneError(message)
        if key not in self.warned:
            self.warned.add(key)
            # stacklevel counts from warn()'s caller, this method: one more than call_site's.
            warnings.warn(message, exc.NPlusOneWarning, stacklevel=level)

    def reset(self) -> None:
        self.counts.clear()
        self.warned.clear()
