"""Association proxies: an attribute of the objects a relationship holds, seen from the parent.

``keywords = association_proxy("user_keywords", "keyword")`` on ``User`` makes
``user.keywords`` the ``keyword`` of each object in ``user.user_keywords``: a
live list (or set, or dict) view. Adding a value creates the intermediate
object with ``creator(value)`` (``creator(key, value)`` for a dict; default: the
target class, called so, which therefore needs an ``__init__`` taking them). On a
relationship holding one object, the proxy reads and writes that object's
attribute, creating the object on first write. On the class, ``User.keywords``
builds SQL: ``.any()``, ``.has()``, ``.contains()``, ``==``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, MutableMapping, MutableSequence
from collections.abc import MutableSet as MutableSetABC
from typing import Any, Generic, TypeVar, overload

from corral import exc

T = TypeVar("T")


class AssociationProxyExtensionType(enum.Enum):
    """What ``inspect(cls).all_orm_descriptors`` calls a proxy (SQLAlchemy's name)."""

    ASSOCIATION_PROXY = "ASSOCIATION_PROXY"


ASSOCIATION_PROXY = AssociationProxyExtensionType.ASSOCIATION_PROXY


class AssociationProxy(Generic[T]):
    """The descriptor ``association_proxy()`` returns."""

    is_attribute = True
    extension_type = ASSOCIATION_PROXY

    def __init__(
        self,
        target_collection: str,
        attr: str,
        *,
        creator: Callable[..., Any] | None = None,
        getset_factory: Any = None,
        proxy_factory: Any = None,
        proxy_bulk_set: Any = None,
        info: dict[Any, Any] | None = None,
        cascade_scalar_deletes: bool = False,
        create_on_none_assignment: bool = False,
    ) -> None:
        unsupported = [
            name
            for name, value in (
                ("getset_factory", getset_factory),
                ("proxy_factory", proxy_factory),
                ("proxy_bulk_set", proxy_bulk_set),
            )
            if value is not None
        ]
        if unsupported:
            raise exc.ArgumentError(
                f"association_proxy() does not support {', '.join(unsupported)}; give "
                "creator= to build the intermediate objects, or write a property instead"
            )
        self.target_collection = target_collection
        self.value_attr = attr
        self.creator = creator
        self.info = dict(info or {})
        self.cascade_scalar_deletes = cascade_scalar_deletes
        self.create_on_none_assignment = create_on_none_assignment
        self.key = f"_{type(self).__name__}_{target_collection}_{id(self)}"

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    @overload
    def __get__(self, instance: None, owner: Any) -> AssociationProxyInstance: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return AssociationProxyInstance(self, owner)
        target = getattr(instance, self.target_collection)
        if target is None:
            return None
        if isinstance(target, list | set | dict):
            return self._view(instance, target)
        return getattr(target, self.value_attr)

    def __set__(self, instance: object, value: Any) -> None:
        target = getattr(instance, self.target_collection)
        if target is None or not isinstance(target, list | set | dict):
            self._set_scalar(instance, target, value)
            return
        if isinstance(value, _AssociationCollection) and value._target is target:
            return  # ``obj.proxy += [...]`` assigns back the view it changed
        self._view(instance, target).replace(value)

    def __delete__(self, instance: object) -> None:
        target = getattr(instance, self.target_collection)
        if target is None or not isinstance(target, list | set | dict):
            setattr(instance, self.target_collection, None)
            return
        self._view(instance, target).replace([] if not isinstance(target, dict) else {})

    def _set_scalar(self, instance: object, target: Any, value: Any) -> None:
        if target is None:
            if value is None and not self.create_on_none_assignment:
                return
            setattr(instance, self.target_collection, self.create(type(instance), value))
        elif value is None and self.cascade_scalar_deletes:
            setattr(instance, self.target_collection, None)
        else:
            setattr(target, self.value_attr, value)

    def _view(self, instance: object, target: Any) -> Any:
        owner = type(instance)
        if isinstance(target, dict):
            return _AssociationDict(self, owner, target)
        if isinstance(target, set):
            return _AssociationSet(self, owner, target)
        return _AssociationList(self, owner, target)

    def target_class(self, owner: type) -> type:
        """The class the proxied relationship holds."""
        attribute = getattr(owner, self.target_collection)
        prop = getattr(attribute, "prop", None)
        mapper = getattr(prop, "mapper", None)
        if mapper is None:
            raise exc.InvalidRequestError(
                f"association_proxy({self.target_collection!r}, {self.value_attr!r}) on "
                f"{owner.__name__}: {self.target_collection!r} is not a relationship"
            )
        target: type = mapper.class_
        return target

    def create(self, owner: type, *values: Any) -> Any:
        """A new intermediate object holding ``values`` (through ``creator`` if given)."""
        if self.creator is not None:
            return self.creator(*values)
        return self.target_class(owner)(*values)  # its constructor takes them positionally


def association_proxy(target_collection: str, attr: str, **kwargs: Any) -> AssociationProxy[Any]:
    """The ``attr`` of each object in relationship ``target_collection``, as an attribute."""
    return AssociationProxy(target_collection, attr, **kwargs)


class AssociationProxyInstance:
    """``User.keywords``: the proxy on one class, building SQL through the relationship."""

    def __init__(self, parent: AssociationProxy[Any], owner: type) -> None:
        self.parent = parent
        self.owner_class = owner
        self.target_collection = parent.target_collection
        self.value_attr = parent.value_attr
        self.info = parent.info

    def __repr__(self) -> str:
        return f"<AssociationProxyInstance {self.owner_class.__name__}.{self.parent.key}>"

    @property
    def _relationship(self) -> Any:
        return getattr(self.owner_class, self.target_collection)

    @property
    def target_class(self) -> type:
        return self.parent.target_class(self.owner_class)

    @property
    def remote_attr(self) -> Any:
        return getattr(self.target_class, self.value_attr)

    @property
    def local_attr(self) -> Any:
        return self._relationship

    @property
    def attr(self) -> tuple[Any, Any]:
        return (self.local_attr, self.remote_attr)

    @property
    def scalar(self) -> bool:
        """Whether the proxied relationship holds one object."""
        return not bool(self._relationship.prop.uselist)

    def _outer(self, criterion: Any) -> Any:
        """``criterion`` on the intermediate objects, as a condition on the parent."""
        if self.scalar:
            return self._relationship.has(criterion)
        return self._relationship.any(criterion)

    def _inner_is_relationship(self) -> bool:
        return hasattr(self.remote_attr, "prop") and hasattr(self.remote_attr.prop, "uselist")

    def any(self, criterion: Any = None, **kwargs: Any) -> Any:
        """Parents with an intermediate object matching (its proxied relationship's
        ``any()``/``has()`` when the proxied attribute is a relationship)."""
        inner = self.remote_attr
        if isinstance(inner, AssociationProxyInstance):  # a proxy of a proxy
            return self._outer(inner.any(criterion, **kwargs))
        if self._inner_is_relationship():
            target = inner.any if inner.prop.uselist else inner.has
            return self._outer(target(criterion, **kwargs))
        if self.scalar:
            return self._relationship.has(criterion, **kwargs)
        return self._relationship.any(criterion, **kwargs)

    def has(self, criterion: Any = None, **kwargs: Any) -> Any:
        """The same as ``any()``, for proxies of one object."""
        return self.any(criterion, **kwargs)

    def contains(self, other: Any) -> Any:
        """Parents whose proxied collection holds ``other``."""
        if isinstance(self.remote_attr, AssociationProxyInstance):
            return self._outer(self.remote_attr.contains(other))
        if self._inner_is_relationship() and self.remote_attr.prop.uselist:
            return self._outer(self.remote_attr.contains(other))
        return self._outer(self.remote_attr == other)

    def __eq__(self, other: object) -> Any:
        if other is None and self.scalar:
            return self._relationship.has(self.remote_attr.is_(None)) | (
                self._relationship == None  # noqa: E711 - SQL, not a Python test
            )
        return self._outer(self.remote_attr == other)

    def __ne__(self, other: object) -> Any:
        return self._outer(self.remote_attr != other)

    __hash__ = object.__hash__

    def like(self, other: Any, **kwargs: Any) -> Any:
        return self._outer(self.remote_attr.like(other, **kwargs))

    def ilike(self, other: Any, **kwargs: Any) -> Any:
        return self._outer(self.remote_attr.ilike(other, **kwargs))

    def in_(self, values: Any) -> Any:
        return self._outer(self.remote_attr.in_(values))


class _AssociationCollection:
    """What the list, set and dict views share."""

    def __init__(self, proxy: AssociationProxy[Any], owner: type, target: Any) -> None:
        self._proxy = proxy
        self._owner = owner
        self._target = target

    def _get(self, member: Any) -> Any:
        return getattr(member, self._proxy.value_attr)

    def _create(self, *values: Any) -> Any:
        return self._proxy.create(self._owner, *values)

    def __len__(self) -> int:
        return len(self._target)

    def __bool__(self) -> bool:
        return bool(self._target)


class _AssociationList(_AssociationCollection, MutableSequence[Any]):
    """``user.keywords`` over a list relationship."""

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._get(m) for m in self._target[index]]
        return self._get(self._target[index])

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            self._target[index] = [self._create(v) for v in value]
        else:
            setattr(self._target[index], self._proxy.value_attr, value)

    def __delitem__(self, index: Any) -> None:
        del self._target[index]

    def insert(self, index: int, value: Any) -> None:
        self._target.insert(index, self._create(value))

    def append(self, value: Any) -> None:
        self._target.append(self._create(value))

    def remove(self, value: Any) -> None:
        for member in self._target:
            if self._get(member) == value:
                self._target.remove(member)
                return
        raise ValueError(f"{value!r} is not in the list")

    def replace(self, values: Iterable[Any]) -> None:
        values = list(values)
        del self._target[:]
        self.extend(values)

    def __iter__(self) -> Iterator[Any]:
        return (self._get(m) for m in list(self._target))

    def __contains__(self, value: object) -> bool:
        return any(self._get(m) == value for m in self._target)

    def __eq__(self, other: object) -> bool:
        return list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class _AssociationSet(_AssociationCollection, MutableSetABC[Any]):
    """``user.keywords`` over a set relationship."""

    def __iter__(self) -> Iterator[Any]:
        return (self._get(m) for m in list(self._target))

    def __contains__(self, value: object) -> bool:
        return any(self._get(m) == value for m in self._target)

    def add(self, value: Any) -> None:
        if value not in self:
            self._target.add(self._create(value))

    def discard(self, value: Any) -> None:
        for member in list(self._target):
            if self._get(member) == value:
                self._target.discard(member)
                return

    def update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for value in other:
                self.add(value)

    def difference_update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for value in other:
                self.discard(value)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        keep = set(self).intersection(*others)
        for value in set(self) - keep:
            self.discard(value)

    def symmetric_difference_update(self, other: Iterable[Any]) -> None:
        for value in set(other):
            if value in self:
                self.discard(value)
            else:
                self.add(value)

    def copy(self) -> set[Any]:
        return set(self)

    def replace(self, values: Iterable[Any]) -> None:
        values = list(values)
        self._target.clear()
        for value in values:
            self.add(value)

    def __eq__(self, other: object) -> bool:
        return set(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(set(self))


class _AssociationDict(_AssociationCollection, MutableMapping[Any, Any]):
    """``user.keywords`` over a dict relationship (``attribute_keyed_dict``)."""

    def __getitem__(self, key: Any) -> Any:
        return self._get(self._target[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self._target:
            setattr(self._target[key], self._proxy.value_attr, value)
        else:
            self._target[key] = self._create(key, value)

    def __delitem__(self, key: Any) -> None:
        del self._target[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._target))

    def __contains__(self, key: object) -> bool:
        return key in self._target

    def replace(self, values: Any) -> None:
        values = dict(values)
        self._target.clear()
        self.update(values)

    def __eq__(self, other: object) -> bool:
        return dict(self.items()) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self.items()))


__all__ = [
    "ASSOCIATION_PROXY",
    "AssociationProxy",
    "AssociationProxyExtensionType",
    "AssociationProxyInstance",
    "association_proxy",
]
