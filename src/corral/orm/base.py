"""ORM building blocks shared by every module: ``Mapped``, object status, markers."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from corral.orm.mapping.attributes import InstrumentedAttribute
    from corral.sql.elements import ColumnElement

T = TypeVar("T")


class Mapped(Generic[T]):
    """Annotation for a mapped attribute: ``name: Mapped[str]``.

    At class level the attribute is an ``InstrumentedAttribute`` usable in SQL
    expressions; on an instance it is the value. Never instantiated.
    """

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[T]: ...

        @overload
        def __get__(self, instance: object, owner: Any) -> T: ...

        def __get__(self, instance: object | None, owner: Any) -> Any: ...

        def __set__(self, instance: Any, value: T) -> None: ...

        # In the class body, SQL built from the columns declared above it:
        # ``fullname: Mapped[str] = column_property(first + " " + last)``.
        def __add__(self, other: Any) -> ColumnElement[Any]: ...

        def __radd__(self, other: Any) -> ColumnElement[Any]: ...

        def __sub__(self, other: Any) -> ColumnElement[Any]: ...

        def __mul__(self, other: Any) -> ColumnElement[Any]: ...

        def __truediv__(self, other: Any) -> ColumnElement[Any]: ...


class ObjectStatus(enum.Enum):
    """Where an object stands with respect to a session and the database."""

    TRANSIENT = "transient"  # not in a session, no row
    PENDING = "pending"  # added to a session, not yet flushed
    PERSISTENT = "persistent"  # in a session, has a row
    DELETED = "deleted"  # its DELETE was flushed; the transaction has not ended
    DETACHED = "detached"  # has (had) a row, belongs to no session

    # Members are singletons compared by identity: hash them the same way, in C,
    # instead of Enum's Python-level __hash__ (status checks run once per object).
    __hash__ = object.__hash__


#: Allowed status changes; anything else is a bug in corral, caught by ``InstanceState``.
TRANSITIONS: dict[ObjectStatus, frozenset[ObjectStatus]] = {
    ObjectStatus.TRANSIENT: frozenset(
        {ObjectStatus.PENDING, ObjectStatus.PERSISTENT, ObjectStatus.DETACHED}
    ),  # add; load; make_transient_to_detached
    ObjectStatus.PENDING: frozenset(
        {ObjectStatus.PERSISTENT, ObjectStatus.TRANSIENT}  # flush; expunge or rollback
    ),
    ObjectStatus.PERSISTENT: frozenset(
        {ObjectStatus.DELETED, ObjectStatus.DETACHED, ObjectStatus.PERSISTENT}
    ),
    ObjectStatus.DELETED: frozenset(
        {ObjectStatus.DETACHED, ObjectStatus.PERSISTENT}  # commit; rollback restores
    ),
    ObjectStatus.DETACHED: frozenset(
        {ObjectStatus.PERSISTENT, ObjectStatus.TRANSIENT}  # add / merge; make_transient
    ),
}


class _NoValue:
    """Marks an attribute that has no value loaded (distinct from a loaded ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False


NO_VALUE: Any = _NoValue()

#: Name of the instance dictionary entry that holds an object's ``InstanceState``: SQLAlchemy's
#: name, since programs read ``obj._sa_instance_state`` and print ``obj.__dict__``.
STATE_ATTR = "_sa_instance_state"
