"""Instrumented attributes: class-level SQL expressions and instance-level tracked values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

from corral.event.dispatch import Dispatch
from corral.orm.base import NO_VALUE, STATE_ATTR, ObjectStatus
from corral.orm.mapping.attribute_events import (
    NO_LISTENERS,
    fire_init_scalar,
    fire_remove,
    fire_set,
)
from corral.orm.mapping.instance_state import NO_CHANGES, state_of
from corral.sql.elements import ColumnElement

if TYPE_CHECKING:
    from corral.sql.schema import Column

T = TypeVar("T")

#: Statuses in which a change is recorded for the next flush's UPDATE.
_TRACKED = (ObjectStatus.PERSISTENT, ObjectStatus.DETACHED)


class InstrumentedAttribute(ColumnElement[T]):
    """``User.name``: compares and orders like its column; on an object, the tracked value."""

    key: str
    #: AttributeEvents listeners (attribute_events.py); this attribute's own once listened to.
    dispatch: Dispatch = NO_LISTENERS
    #: Load the old value before replacing an unloaded one (``ColumnProperty.active_history``).
    active_history = False

    def __init__(self, class_: type, key: str, column: Column) -> None:
        self.class_ = class_
        self.key = key
        self.column = column
        self.type = column.type
        self._selected_through = class_
        #: Whether any listener was added to ``dispatch`` (one check in ``__set__``).
        self.has_listeners = False

    def __clause_element__(self) -> ColumnElement[T]:
        return self.column

    def describe(self) -> str:
        return f"{self.class_.__name__}.{self.key}"

    def __str__(self) -> str:  # as SQLAlchemy's: the attribute's name, not its SQL
        return self.describe()

    @property
    def expressions(self) -> list[ColumnElement[Any]]:
        """Every column the attribute maps: one, or several for ``column_property(a.c.id,
        b.c.a_id)`` over a join (``group_by(*AddressUser.id.expressions)``)."""
        mapped_class: Any = self.class_  # a mapped class: its __mapper__ is set
        return list(mapped_class.__mapper__.column_attrs[self.key].columns)

    # repr: the default object repr, as SQLAlchemy's (programs print column_descriptions).

    @overload
    def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.key]
        except KeyError:
            if self.has_listeners and self.dispatch.init_scalar and _is_new(instance):
                return fire_init_scalar(self, instance)
            return _load_missing(instance, self.key)

    def __set__(self, instance: object, value: T) -> None:
        d = instance.__dict__
        state = d.get(STATE_ATTR)
        if state is None:
            state = state_of(instance)
        if self.active_history and self.key not in d and state.status is ObjectStatus.PERSISTENT:
            _load_missing(instance, self.key)  # the old value, for the attribute's history
        if self.has_listeners:
            value = fire_set(self, instance, value, d.get(self.key, NO_VALUE))
        if state.status in _TRACKED:
            # InstanceState.record_change, inline: this runs for every attribute set.
            key = self.key
            committed = state.committed_state
            if key not in committed:
                ref = state._session
                session = None if ref is None else ref()
                if session is not None:
                    session._note_modified(instance)
                if committed is NO_CHANGES:
                    state.committed_state = {key: d.get(key, NO_VALUE)}
                else:
                    committed[key] = d.get(key, NO_VALUE)
        d[self.key] = value

    def __delete__(self, instance: object) -> None:
        """``del obj.attr``: the value becomes None (listeners hear ``remove``, not ``set``)."""
        d = instance.__dict__
        if self.has_listeners:
            fire_remove(self, instance, d.get(self.key))
        state = d.get(STATE_ATTR)
        if state is None:
            state = state_of(instance)
        if state.status in _TRACKED:
            state.record_change(instance, self.key, d.get(self.key, NO_VALUE))
        d[self.key] = None

    # Relationship operations. ``Mapped[...]`` gives every class attribute this type for
    # type checkers, so relationships' methods are declared here; a column explains.

    def any(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        if self.type.affinity == "array" and not kwargs:  # ARRAY's ``value = ANY (col)``
            return super().any(criterion)
        raise self._not_a_relationship("any()")

    def has(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        raise self._not_a_relationship("has()")

    def of_type(self, target: Any) -> Any:
        raise self._not_a_relationship("of_type()")

    def and_(self, *criteria: Any) -> Any:
        raise self._not_a_relationship("and_()")

    def _not_a_relationship(self, what: str) -> Exception:
        from corral import exc

        return exc.ArgumentError(
            f"{what} is for relationships; {self.describe()} is a column. Compare it "
            f"directly ({self.describe()} == value) or use the relationship that holds it"
        )


def _is_new(instance: object) -> bool:
    return state_of(instance).status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING)


def _load_missing(instance: object, key: str) -> Any:
    """The value of an attribute the object does not hold: None if new, else loaded."""
    state = state_of(instance)
    if state.status in (ObjectStatus.TRANSIENT, ObjectStatus.PENDING):
        return None
    session = state.session
    if session is None:
        from corral import exc

        name = type(instance).__name__
        raise exc.DetachedInstanceError(
            f"{name}.{key} is not loaded and the {name} object belongs to no session, so it "
            "cannot be loaded. Keep values after commit with Session(expire_on_commit=False), "
            f"call session.refresh(obj) before the session closes, or attach it again with "
            "session.merge(obj) / session.add(obj)."
        )
    session._load_unloaded(instance, state, key)
    return instance.__dict__[key]
