"""``User.addresses``: a relationship on the class (for joins and conditions) and on objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from corral import exc
from corral.event.dispatch import Dispatch
from corral.orm.base import NO_VALUE
from corral.orm.mapping.attribute_events import NO_LISTENERS, fire_collection, fire_set
from corral.orm.relationships import expressions
from corral.orm.relationships import in_memory as events

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship
    from corral.sql.elements import ColumnElement
    from corral.sql.from_clause import FromClause

T = TypeVar("T")


class RelationshipAttribute(Generic[T]):
    """The class attribute of a relationship.

    On an object it is the related object or collection, loaded on first access
    by the relationship's loader strategy. On the class it builds SQL:
    ``select(User).join(User.addresses)``, ``User.addresses.any(...)``,
    ``Address.user.has(...)``, ``User.addresses.contains(a)``, ``Address.user == u``.
    """

    #: AttributeEvents listeners (mapping/attribute_events.py), shared with ``rel``.
    dispatch: Dispatch = NO_LISTENERS
    #: An ORM attribute (``Mapper.all_orm_descriptors`` lists it).
    is_attribute = True

    def __init__(self, rel: Relationship) -> None:
        self.rel = rel
        self.key = rel.key
        self.class_ = rel.parent.class_

    @property
    def prop(self) -> Relationship:
        from corral.orm.mapping.properties import configure_mappers

        configure_mappers()
        return self.rel

    property = prop

    def describe(self) -> str:
        return f"{self.class_.__name__}.{self.key}"

    def __repr__(self) -> str:
        return f"<RelationshipAttribute {self.describe()}>"

    @overload
    def __get__(self, instance: None, owner: Any) -> RelationshipAttribute[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.key]
        except KeyError:
            pass
        from corral.orm.relationships.unloaded import load_on_access

        return load_on_access(instance, self.prop)

    def __set__(self, instance: object, value: Any) -> None:
        rel = self.prop
        if rel.viewonly:
            raise exc.InvalidRequestError(
                f"{rel.describe()} is viewonly=True: it is read from the database but never "
                "written. Change the relationship that owns the foreign key instead"
            )
        if rel.lazy == "write_only":
            _fill_write_only(instance, rel, value)
            return
        if rel.uselist:
            if self.dispatch.bulk_replace:
                value = list(value)
                fire_collection(self.dispatch, self, "bulk_replace", instance, value)
            set_collection(instance, rel, value)
        else:
            if (
                rel.active_history or rel.cascade.delete_orphan
            ) and self.key not in instance.__dict__:
                _load_old_value(self, instance)
            if self.dispatch.set or self.dispatch.modified:
                old = instance.__dict__.get(self.key, NO_VALUE)
                value = fire_set(self, instance, value, old)
            events.set_scalar(instance, rel, value)

    def __delete__(self, instance: object) -> None:
        self.__set__(instance, [] if self.prop.uselist else None)

    # -- SQL ---------------------------------------------------------------------------

    def __clause_element__(self) -> ColumnElement[bool]:
        return self.prop.join_condition()

    def __eq__(self, other: object) -> Any:
        return expressions.compare(self.prop, other, negate=False)

    def __ne__(self, other: object) -> Any:
        return expressions.compare(self.prop, other, negate=True)

    __hash__ = object.__hash__

    def any(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        return expressions.any_(self.prop, criterion, kwargs)

    def has(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        return expressions.has(self.prop, criterion, kwargs)

    def contains(self, other: Any) -> ColumnElement[bool]:
        return expressions.contains(self.prop, other)

    def of_type(self, target: Any) -> Any:
        return expressions.of_type(self.prop, target)

    def and_(self, *criteria: Any) -> Any:
        """This relationship with more conditions on the related rows, for a join or a
        loader option: ``select(User).join(User.addresses.and_(Address.email == e))``."""
        return expressions.path(self.prop).and_(*criteria)

    # The hook Select.join() / join_from() look for (the SQL layer never imports the ORM).

    def _join_parent(self) -> FromClause:
        return expressions.path(self.prop)._join_parent()

    def _join_steps(
        self, left: FromClause, target: FromClause | None = None
    ) -> list[tuple[FromClause, ColumnElement[bool]]]:
        return expressions.path(self.prop)._join_steps(left, target)

    def _join_entity(self) -> Any:
        return expressions.path(self.prop)._join_entity()


class KeyedRelationshipAttribute(RelationshipAttribute[T]):
    """The class attribute of a dict collection: on objects, a dict view of the members."""

    def __get__(self, instance: object | None, owner: Any) -> Any:
        members = super().__get__(instance, owner)
        if instance is None:
            return members
        from corral.orm.relationships.keyed_collections import dict_view

        return dict_view(instance, self.rel, members)

    def __set__(self, instance: object, value: Any) -> None:
        from corral.orm.relationships.keyed_collections import members_of

        super().__set__(instance, members_of(self.rel, value))


def _load_old_value(attribute: RelationshipAttribute[Any], instance: object) -> None:
    """``active_history`` (and ``delete-orphan``, whose flush must know what was replaced):
    load the related object about to be replaced (a persistent object's only)."""
    from corral.orm.base import ObjectStatus
    from corral.orm.mapping.instance_state import state_of

    state = state_of(instance)
    if state.status is ObjectStatus.PERSISTENT and state.session is not None:
        with state.session.no_autoflush:  # the change half made must not flush yet
            RelationshipAttribute.__get__(attribute, instance, type(instance))


def _fill_write_only(owner: Any, rel: Relationship, value: Any) -> None:
    """``Account(transactions=[...])``: a write-only (or dynamic) collection is assigned only
    before its owner has a row; it then holds those objects, added at the flush."""
    from corral.orm.mapping.instance_state import state_of

    if state_of(owner).key is not None:
        if rel.dynamic:
            raise exc.InvalidRequestError(
                f"{rel.describe()} is a dynamic collection; change it with "
                f"obj.{rel.key}.append(item) / .remove(item), not by assignment"
            )
        raise exc.InvalidRequestError(
            f"{rel.describe()} is a write-only collection; change it with "
            f"obj.{rel.key}.add(item) / .remove(item), never by assignment"
        )
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise exc.ArgumentError(
            f"{rel.describe()} is a collection; assign a list of "
            f"{rel.mapper.class_.__name__} objects, got {type(value).__name__}"
        )
    collection = rel.write_only_collection(owner)
    owner.__dict__[rel.key] = collection
    collection.add_all(list(value))


def set_collection(owner: Any, rel: Relationship, value: Any) -> None:
    """``user.addresses = [...]``: the members that left and joined fire their events."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise exc.ArgumentError(
            f"{rel.describe()} is a collection; assign a list or set of "
            f"{rel.mapper.class_.__name__} objects, got {type(value).__name__}"
        )
    items = [events.validated(owner, rel, item) for item in value]
    old = owner.__dict__.get(rel.key, NO_VALUE)
    if old is NO_VALUE:
        old = RelationshipAttribute.__get__(getattr(type(owner), rel.key), owner, type(owner))
    if old is value:
        return
    old_items = list(old) if old is not None else []
    if old is not None and hasattr(old, "_quiet_append"):
        events.before_collection_change(owner, rel, old)
    owner.__dict__[rel.key] = rel.new_collection(owner, items)
    for item in old_items:
        if not any(item is new for new in items):
            events.removed(owner, rel, item)
    for item in items:
        if not any(item is previous for previous in old_items):
            events.appended(owner, rel, item)
