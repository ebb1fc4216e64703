"""Session.merge(): copy an object's state onto the session's object of the same identity.

The order follows SQLAlchemy's ``Session.merge``. With ``load=True`` the
session autoflushes once, before anything is merged; the merge itself then
runs with autoflush suspended, so the objects it creates stay pending until
the next flush. For each object of the graph (along relationships whose
cascade includes ``merge``) the session's copy is found in the identity map,
else loaded by primary key, else created as a new pending object; expired
attributes of a persistent copy are loaded before anything is compared, so
only the values that differ are written and the primary key never is.

With ``load=False`` nothing is read from or written to the database: the
values are stamped on the session's copy as they are, and the copy is left
clean (persistent, no pending change), which is why the given objects must
have been persisted and must hold no unflushed change themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from corral import exc
from corral.orm.base import NO_VALUE, STATE_ATTR, ObjectStatus
from corral.orm.mapping.instance_state import IdentityKey, InstanceState, new_state, state_of
from corral.orm.mapping.mapper import Mapper

if TYPE_CHECKING:
    from corral.engine.result import FrozenResult
    from corral.orm.relationships.relationship import Relationship
    from corral.orm.session.session import Session

T = TypeVar("T")


def merge_frozen_result(
    session: Session, statement: Any, frozen_result: FrozenResult, load: bool = True
) -> FrozenResult:
    """The rows of ``frozen_result`` (an ORM result's ``freeze()``, possibly from another
    session) with each mapped object replaced by its merge into ``session``; call the
    returned FrozenResult for a Result. ``statement`` is the one that produced the rows."""
    if load:
        session._autoflush()
    merged: list[tuple[Any, ...]] = []
    with session.no_autoflush:
        for row in frozen_result.data:
            merged.append(
                tuple(
                    merge(session, value, load=load)
                    if STATE_ATTR in getattr(value, "__dict__", ())
                    else value
                    for value in row
                )
            )
    return frozen_result.with_new_rows(merged)


def merge(session: Session, obj: T, *, load: bool = True) -> T:
    """Copy ``obj``'s state onto the session's object with the same identity, and return it."""
    with session._guard:
        state_of(obj)  # refuses an unmapped object before anything happens
        if load:
            session._autoflush()
        with session.no_autoflush:
            return _Merge(session, load).merge(obj)


class _Merge:
    """One call of ``merge()``: what was merged already, so each object is merged once."""

    def __init__(self, session: Session, load: bool) -> None:
        self.session = session
        self.load = load
        #: id(source object) -> the session's copy.
        self.merged: dict[int, Any] = {}
        #: identity key -> the session's copy, for two sources of one identity in one graph.
        self.by_key: dict[IdentityKey, Any] = {}
        #: (id(source object), id(relationship)) pairs reached along that relationship.
        self.reached_along: set[tuple[int, int]] = set()

    def merge(self, obj: T) -> T:
        if id(obj) in self.merged:
            return cast(T, self.merged[id(obj)])
        state = state_of(obj)
        mapper = state.mapper
        key = self._identity_key(obj, state, mapper)
        target = self._existing_copy(obj, state, mapper, key)
        if target is None:
            target = mapper.new_instance()
            state_of(target)
            self.session._add(target)
        self.merged[id(obj)] = target
        if key is not None:
            self.by_key[key] = target
        if target is not obj:
            self._copy(obj, mapper, target)
        return cast(T, target)

    def _identity_key(
        self, obj: object, state: InstanceState, mapper: Mapper
    ) -> IdentityKey | None:
        if state.key is not None:  # persistent or detached: the identity it was loaded with
            return state.key
        if not self.load:
            raise exc.InvalidRequestError(
                f"merge(load=False) cannot merge {obj!r}: it is {state.status.value}, never "
                "persisted, and load=False copies only rows that exist. Flush it first, or "
                "merge it with load=True"
            )
        return mapper.identity_key_of(obj)  # None when a primary key value is missing

    def _existing_copy(
        self, obj: object, state: InstanceState, mapper: Mapper, key: IdentityKey | None
    ) -> Any:
        """The session's object for ``key``: in memory, else loaded (None: create one)."""
        if key is None:
            return None
        session = self.session
        target = session.identity_map.get(key)
        if target is None:
            target = self.by_key.get(key)
        if target is not None:
            return target
        if not self.load:
            return self._attach_copy(obj, state, mapper, key)
        return session.get(mapper.class_, key[1])

    def _attach_copy(
        self, obj: object, state: InstanceState, mapper: Mapper, key: IdentityKey
    ) -> Any:
        """merge(load=False) of an identity the session does not hold: a persistent copy."""
        if state.modified:
            changed = ", ".join(sorted(state.committed_state))
            raise exc.InvalidRequestError(
                f"merge(load=False) cannot merge {obj!r}: it has changes not flushed "
                f"({changed}), and load=False copies values as the database's own. Flush "
                "them first, or merge with load=True"
            )
        session = self.session
        if session._transaction is None:
            session._autobegin()
        target = mapper.new_instance()
        target.__dict__[STATE_ATTR] = new_state(
            target, mapper, ObjectStatus.PERSISTENT, key, session
        )
        session.identity_map.add(key, target)
        return target

    def _copy(self, obj: object, mapper: Mapper, target: Any) -> None:
        """Columns, then relationships with the merge cascade, from ``obj`` onto ``target``."""
        source = obj.__dict__
        target_state = state_of(target)
        d = target.__dict__
        persistent = target_state.status is ObjectStatus.PERSISTENT
        if self.load and persistent and any(k not in d for k in mapper.loaded_keys):
            self.session._load_unloaded(target, target_state)
        _check_version(obj, mapper, target)
        for name in mapper.column_keys:
            value = source.get(name, NO_VALUE)
            if value is NO_VALUE:
                continue
            if not self.load:
                d[name] = value
            elif d.get(name, NO_VALUE) != value:
                setattr(target, name, value)
        for rel in mapper.relationships.values():
            self._copy_relationship(obj, rel, target)
        if not self.load:  # the copy holds the database's values: nothing to flush
            target_state.commit_all()
            if target_state.expired:
                target_state.expired = frozenset(k for k in target_state.expired if k not in d)
            self.session._modified.pop(id(target), None)

    def _copy_relationship(self, obj: object, rel: Relationship, target: Any) -> None:
        reverse = rel.reverse
        if self.load and reverse is not None and (id(obj), id(reverse)) in self.reached_along:
            return  # ``obj`` was reached from its owner: the owner's side sets this one
        value = obj.__dict__.get(rel.key, NO_VALUE)
        if not rel.cascade.merge or value is NO_VALUE or rel.lazy == "write_only":
            return
        if rel.uselist:
            if self.load:
                getattr(target, rel.key)  # the current members, so that history is right
            members = []
            for item in value:
                self.reached_along.add((id(item), id(rel)))
                members.append(self.merge(item))
            if self.load:
                setattr(target, rel.key, members)
            else:
                target.__dict__[rel.key] = rel.new_collection(target, members)
            return
        merged = None
        if value is not None:
            self.reached_along.add((id(value), id(rel)))
            merged = self.merge(value)
        if not self.load:
            target.__dict__[rel.key] = merged
        elif target.__dict__.get(rel.key, NO_VALUE) is not merged:
            setattr(target, rel.key, merged)


def _check_version(obj: object, mapper: Mapper, target: object) -> None:
    """A versioned object merges only onto the version it was read at (as in SQLAlchemy)."""
    key = mapper.version_id_key
    if key is None:
        return
    given = obj.__dict__.get(key, NO_VALUE)
    current = target.__dict__.get(key, NO_VALUE)
    if given is NO_VALUE or current is NO_VALUE or given == current:
        return
    raise exc.StaleDataError(
        f"merge() of {obj!r}: its version {given!r} is not the version {current!r} of "
        f"{type(obj).__name__} {state_of(target).key}; the row changed since it was read. "
        "Merge it without the version attribute set to update the latest version, or "
        "reload it and apply the change again"
    )
