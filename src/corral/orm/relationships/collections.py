"""Collections of related objects that report their changes: ``user.addresses``.

A relationship collection is a ``list`` (or ``set``) subclass. Each change that
adds or removes a member calls back into ``in_memory``, which keeps
the other side of the relationship in step, cascades the new member into the
owner's session, and remembers what the collection held before its first change
(the flush compares the two). The owner is held by weak reference, so a loaded
object and its collection form no reference cycle; a collection changed after its
owner was freed raises ``ObjectDereferencedError``, as in SQLAlchemy.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self, SupportsIndex

from corral import exc
from corral.orm.relationships import in_memory as events

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship


class _Collection:
    """What the list and set variants share: their owner and relationship."""

    __slots__ = ()
    _owner_ref: weakref.ref[Any]
    _rel: Relationship

    def _owner(self) -> Any:
        owner = self._owner_ref()
        if owner is None:  # the collection outlived its object: SQLAlchemy raises the same
            rel = self._rel
            raise exc.ObjectDereferencedError(
                f"Cannot change {rel.describe()}: Python freed the "
                f"{rel.parent.class_.__name__} object that owns this collection (nothing "
                "referenced it, and the session holds unchanged objects weakly, as "
                "SQLAlchemy's does). Keep a reference to the object while you change its "
                f"collection (obj = session.get({rel.parent.class_.__name__}, ...), then "
                f"change obj.{rel.key}), or use Session(weak_identity_map=False), which "
                "holds every loaded object until the session closes"
            )
        return owner

    def _before_change(self, *, quiet: bool = False) -> Any:
        """The owner, after remembering the members; a viewonly collection refuses changes.

        ``quiet`` changes come from the other side of a relationship, not the user.
        """
        rel = self._rel
        if rel.viewonly and not quiet:
            raise exc.InvalidRequestError(
                f"{rel.describe()} is viewonly=True: it is read from the database but never "
                "written, so it cannot be changed. Change the relationship that owns the "
                "foreign key instead"
            )
        owner = self._owner()
        events.before_collection_change(owner, rel, self)
        return owner


class InstrumentedList(list[Any], _Collection):
    """A list of related objects; appends and removals keep both sides in step."""

    __slots__ = ("_owner_ref", "_rel")

    def __init__(self, owner: Any, rel: Relationship, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._owner_ref = weakref.ref(owner)
        self._rel = rel

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:  # copies and pickles are plain
        return (list, (list(self),))

    def append(self, item: Any) -> None:
        owner = self._before_change()
        item = events.validated(owner, self._rel, item)
        super().append(item)
        events.appended(owner, self._rel, item)

    def extend(self, items: Iterable[Any]) -> None:
        for item in list(items):
            self.append(item)

    def __iadd__(self, items: Iterable[Any]) -> Self:  # type: ignore[misc]
        self.extend(items)
        return self

    def insert(self, index: SupportsIndex, item: Any) -> None:
        owner = self._before_change()
        item = events.validated(owner, self._rel, item)
        super().insert(index, item)
        events.appended(owner, self._rel, item)

    def remove(self, item: Any) -> None:
        owner = self._before_change()
        super().remove(item)
        self._after_removal(owner, item)

    def pop(self, index: SupportsIndex = -1) -> Any:
        owner = self._before_change()
        item = super().pop(index)
        self._after_removal(owner, item)
        return item

    def clear(self) -> None:
        owner = self._before_change()
        items = list(self)
        super().clear()
        for item in items:
            events.removed(owner, self._rel, item)

    def __setitem__(self, index: Any, value: Any) -> None:
        owner = self._before_change()
        old = self[index]
        new = list(value) if isinstance(index, slice) else [value]
        for item in new:
            events.check_member(self._rel, item)
        super().__setitem__(index, value)
        for item in old if isinstance(index, slice) else [old]:
            self._after_removal(owner, item)
        for item in new:
            events.appended(owner, self._rel, item)

    def __delitem__(self, index: Any) -> None:
        owner = self._before_change()
        old = self[index]
        super().__delitem__(index)
        for item in old if isinstance(index, slice) else [old]:
            self._after_removal(owner, item)

    def _after_removal(self, owner: Any, item: Any) -> None:
        if not any(member is item for member in self):  # still a member through a duplicate
            events.removed(owner, self._rel, item)

    # -- used by the other side of a relationship: no events back -----------------------

    def _quiet_append(self, item: Any) -> None:
        if not any(member is item for member in self):
            self._before_change(quiet=True)
            super().append(item)

    def _quiet_remove(self, item: Any) -> None:
        for position, member in enumerate(self):
            if member is item:
                self._before_change(quiet=True)
                super().__delitem__(position)
                return


class InstrumentedSet(set[Any], _Collection):
    """A set of related objects; adds and discards keep both sides in step."""

    __slots__ = ("_owner_ref", "_rel")

    def __init__(self, owner: Any, rel: Relationship, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._owner_ref = weakref.ref(owner)
        self._rel = rel

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (set, (set(self),))

    def add(self, item: Any) -> None:
        if item in self:
            return
        owner = self._before_change()
        item = events.validated(owner, self._rel, item)
        super().add(item)
        events.appended(owner, self._rel, item)

    def update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for item in list(other):
                self.add(item)

    def discard(self, item: Any) -> None:
        if item in self:
            self.remove(item)

    def remove(self, item: Any) -> None:
        owner = self._before_change()
        super().remove(item)
        events.removed(owner, self._rel, item)

    def pop(self) -> Any:
        owner = self._before_change()
        item = super().pop()
        events.removed(owner, self._rel, item)
        return item

    def clear(self) -> None:
        owner = self._before_change()
        items = list(self)
        super().clear()
        for item in items:
            events.removed(owner, self._rel, item)

    def difference_update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for item in list(other):
                self.discard(item)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        keep = set(self).intersection(*others)
        for item in [i for i in self if i not in keep]:
            self.remove(item)

    def symmetric_difference_update(self, other: Iterable[Any]) -> None:
        for item in list(other):
            if item in self:
                self.remove(item)
            else:
                self.add(item)

    def __ior__(self, other: Any) -> Self:  # type: ignore[misc]
        self.update(other)
        return self

    def __isub__(self, other: Any) -> Self:  # type: ignore[misc]
        self.difference_update(other)
        return self

    def __iand__(self, other: Any) -> Self:  # type: ignore[misc]
        self.intersection_update(other)
        return self

    def __ixor__(self, other: Any) -> Self:  # type: ignore[misc]
        self.symmetric_difference_update(other)
        return self

    def _quiet_append(self, item: Any) -> None:
        if item not in self:
            self._before_change(quiet=True)
            super().add(item)

    def _quiet_remove(self, item: Any) -> None:
        if item in self:
            self._before_change(quiet=True)
            super().remove(item)


#: ``collection_class=MyList``: the instrumented collection class made for each.
_SUBCLASSES: dict[type, type] = {}


def instrumented_subclass(user_class: type) -> type:
    """An instrumented collection that is also a ``user_class`` (a list or set subclass):
    its own methods are there, and the list/set changes are instrumented."""
    made = _SUBCLASSES.get(user_class)
    if made is None:
        base = InstrumentedSet if issubclass(user_class, set) else InstrumentedList
        made = type(f"Instrumented{user_class.__name__}", (base, user_class), {"__slots__": ()})
        _SUBCLASSES[user_class] = made
    return made
