"""``corral.inspect``: the state of an object, or the mapper of a class."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, overload

from corral import exc, inspection
from corral.engine import Connection, Engine
from corral.engine.reflection import Inspector
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import History, InstanceState, state_of
from corral.orm.mapping.mapper import Mapper
from corral.sql.from_clause import FromClause


class AttributeState:
    """``inspect(obj).attrs.name``: the value and change history of one attribute."""

    def __init__(self, obj: object, state: InstanceState, key: str) -> None:
        self._obj = obj
        self._state = state
        self.key = key

    @property
    def value(self) -> Any:
        return getattr(self._obj, self.key)

    @property
    def loaded_value(self) -> Any:
        from corral.orm.base import NO_VALUE

        return self._obj.__dict__.get(self.key, NO_VALUE)

    @property
    def history(self) -> History:
        return self._state.history(self._obj, self.key)


class _Attributes(Mapping[str, AttributeState]):
    def __init__(self, obj: object, state: InstanceState) -> None:
        self._obj = obj
        self._state = state

    def __getitem__(self, key: str) -> AttributeState:
        if key not in self._state.mapper.columns_by_key:
            raise KeyError(key)
        return AttributeState(self._obj, self._state, key)

    def __getattr__(self, key: str) -> AttributeState:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._state.mapper.column_keys)

    def __len__(self) -> int:
        return len(self._state.mapper.column_keys)


class InstanceInspection:
    """What ``corral.inspect(obj)`` tells: status, session, identity and attribute history."""

    def __init__(self, obj: object, state: InstanceState) -> None:
        self.object = obj
        self._state = state

    @property
    def status(self) -> ObjectStatus:
        return self._state.status

    @property
    def transient(self) -> bool:
        return self._state.status is ObjectStatus.TRANSIENT

    @property
    def pending(self) -> bool:
        return self._state.status is ObjectStatus.PENDING

    @property
    def persistent(self) -> bool:
        return self._state.status is ObjectStatus.PERSISTENT

    @property
    def deleted(self) -> bool:
        return self._state.status is ObjectStatus.DELETED

    @property
    def detached(self) -> bool:
        return self._state.status is ObjectStatus.DETACHED

    @property
    def has_identity(self) -> bool:
        return self._state.key is not None

    @property
    def identity(self) -> tuple[Any, ...] | None:
        return self._state.key[1] if self._state.key is not None else None

    @property
    def identity_key(self) -> Any:
        """``(class, primary key tuple, identity token)`` as SQLAlchemy's; the token is the
        shard the object came from in a ShardedSession, else None."""
        key = self._state.key
        if key is None:
            return None
        return key if len(key) > 2 else (key[0], key[1], None)

    @property
    def identity_token(self) -> Any:
        """The shard a ShardedSession's object came from (None outside sharding)."""
        key = self._state.key
        return key[2] if key is not None and len(key) > 2 else None

    @property
    def key(self) -> Any:
        """The same as ``identity_key``."""
        return self.identity_key

    @property
    def session(self) -> Any:
        return self._state.session

    @property
    def mapper(self) -> Mapper:
        return self._state.mapper

    @property
    def expired_attributes(self) -> set[str]:
        return set(self._state.expired)

    @property
    def unloaded(self) -> set[str]:
        return self._state.unloaded(self.object)

    @property
    def modified(self) -> bool:
        return self._state.modified

    @property
    def dict(self) -> dict[str, Any]:
        """The object's ``__dict__``: the attribute values it holds (an unloaded or expired
        attribute is absent)."""
        found: dict[str, Any] = self.object.__dict__
        return found

    @property
    def attrs(self) -> _Attributes:
        return _Attributes(self.object, self._state)


@inspection.inspects(object)
def _inspect_mapped(subject: Any) -> Any:
    """The Mapper of a mapped class, or the inspection of a mapped object."""
    if isinstance(subject, type):
        mapper = subject.__dict__.get("__mapper__")
        if not isinstance(mapper, Mapper):
            raise exc.UnmappedClassError(f"{subject.__name__} is not a mapped class")
        return mapper
    if isinstance(subject, Mapper | FromClause):  # a table or other FROM inspects as itself
        return subject
    return InstanceInspection(subject, state_of(subject))


@overload
def inspect(subject: Engine | Connection, raiseerr: bool = True) -> Inspector: ...  # type: ignore[overload-overlap]


@overload
def inspect(subject: type, raiseerr: bool = True) -> Mapper: ...  # type: ignore[overload-overlap]


@overload
def inspect(subject: FromClause, raiseerr: bool = True) -> FromClause: ...  # type: ignore[overload-overlap]


@overload
def inspect(subject: object, raiseerr: bool = True) -> InstanceInspection: ...


def inspect(subject: Any, raiseerr: bool = True) -> Any:
    """``corral.inspect``: an ``Inspector`` of the database behind an Engine or Connection,
    the Mapper of a mapped class, or the inspection of a mapped object (see
    ``corral.inspection``). With ``raiseerr=False`` an unmapped subject gives None."""
    try:
        if not isinstance(subject, _NOT_INSTANCES):  # the common case first: an object
            return InstanceInspection(subject, state_of(subject))
        if isinstance(subject, Engine | Connection):
            return Inspector(subject)
        return _inspect_mapped(subject)
    except exc.UnmappedError:
        if raiseerr:
            raise
        return None


#: What ``inspect()`` does not take for a mapped object.
_NOT_INSTANCES = (type, Mapper, Engine, Connection, FromClause)
