"""Dictionary collections: ``user.notes["draft"]``, keyed by an attribute of each member.

``relationship(collection_class=attribute_keyed_dict("keyword"))`` holds the
related objects in a dict keyed by their ``keyword``. Underneath, the
relationship keeps its members in its usual instrumented list (which the flush,
cascades and the other side of the relationship read); the dict the attribute
returns is a view of that list, made by the collection factory (a
``KeyFuncDict`` or a subclass of yours) and refilled from the list on each
access. Changing the dict changes the list, with the usual events.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from corral import exc

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import Relationship

K = TypeVar("K")
V = TypeVar("V")

#: Where an object keeps the dict view of each of its keyed relationships.
_VIEW_PREFIX = "_corral_keyed_"


class KeyFuncDict(dict[K, V]):
    """A dict of related objects, each stored under ``keyfunc(member)``.

    While attached to an object's relationship, setting and deleting keys adds
    and removes the members of that relationship."""

    def __init__(self, keyfunc: Callable[[Any], K], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keyfunc = keyfunc
        #: The instrumented list this dict is a view of (None: a plain dict).
        self._members: Any = None

    def set(self, value: V) -> None:
        """Add ``value`` under its own key."""
        self[self.keyfunc(value)] = value

    def remove(self, value: V) -> None:
        """Remove ``value`` (stored under its own key)."""
        key = self.keyfunc(value)
        if dict.get(self, key) is not value:
            raise exc.InvalidRequestError(
                f"cannot remove {value!r}: the collection holds another object under its key "
                f"{key!r}"
            )
        del self[key]

    def __setitem__(self, key: K, value: V) -> None:
        members = self._members
        if members is not None:
            old = dict.get(self, key)
            if old is not None and old is not value:
                members.remove(old)
            if not any(m is value for m in members):
                members.append(value)
        super().__setitem__(key, value)

    def __delitem__(self, key: K) -> None:
        value = self[key]
        if self._members is not None:  # first: a refused change leaves the view as it was
            self._members.remove(value)
        super().__delitem__(key)

    def pop(self, key: K, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[K, V]:
        if not self:
            raise KeyError("popitem(): the collection is empty")
        key = next(reversed(list(self)))
        value = self[key]
        del self[key]
        return key, value

    def setdefault(self, key: K, default: Any = None) -> Any:
        if key in self:
            return self[key]
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def _refill(self, members: Any) -> None:
        """Hold exactly the members of ``members`` (the relationship's list), no events."""
        self._members = None
        dict.clear(self)
        for member in members:
            dict.__setitem__(self, self.keyfunc(member), member)
        self._members = members

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles are plain dicts
        return (dict, (dict(self),))


def keyfunc_mapping(keyfunc: Callable[[Any], Any]) -> Callable[[], KeyFuncDict[Any, Any]]:
    """A dict collection keyed by ``keyfunc(member)``."""

    def factory() -> KeyFuncDict[Any, Any]:
        return KeyFuncDict(keyfunc)

    return factory


def attribute_keyed_dict(
    attr_name: str, *, ignore_unpopulated_attribute: bool = False
) -> Callable[[], KeyFuncDict[Any, Any]]:
    """A dict collection keyed by each member's ``attr_name``."""
    _refuse_ignore(ignore_unpopulated_attribute, "attribute_keyed_dict")
    return keyfunc_mapping(operator.attrgetter(attr_name))


def column_keyed_dict(
    mapping_spec: Any, *, ignore_unpopulated_attribute: bool = False
) -> Callable[[], KeyFuncDict[Any, Any]]:
    """A dict collection keyed by each member's value of a mapped column (``Note.keyword``)
    or of several (a tuple key)."""
    _refuse_ignore(ignore_unpopulated_attribute, "column_keyed_dict")
    specs = mapping_spec if isinstance(mapping_spec, list | tuple) else [mapping_spec]
    keys = [_attribute_key(spec) for spec in specs]
    if len(keys) == 1:
        return keyfunc_mapping(operator.attrgetter(keys[0]))
    return keyfunc_mapping(lambda member: tuple(getattr(member, k) for k in keys))


def _attribute_key(spec: Any) -> str:
    key = getattr(spec, "key", None)
    if not isinstance(key, str):
        raise exc.ArgumentError(
            f"column_keyed_dict() takes mapped column attributes (Note.keyword), got {spec!r}"
        )
    return key


def _refuse_ignore(flag: bool, name: str) -> None:
    if flag:
        raise exc.ArgumentError(
            f"{name}(ignore_unpopulated_attribute=True) is not supported; set the key "
            "attribute of each object before adding it"
        )


#: SQLAlchemy 1.x names of the same things.
MappedCollection = KeyFuncDict
attribute_mapped_collection = attribute_keyed_dict
column_mapped_collection = column_keyed_dict
mapped_collection = keyfunc_mapping


def dict_factory(collection_class: Any) -> Callable[[], KeyFuncDict[Any, Any]] | None:
    """The factory of dict views when ``collection_class`` makes a ``KeyFuncDict``; None
    for list and set; an error for anything else."""
    if collection_class is None:
        return None
    if isinstance(collection_class, type) and issubclass(collection_class, list | set):
        return None  # list, set or a subclass: instrumented as such
    try:
        probe = collection_class()
    except TypeError:
        probe = None
    if not isinstance(probe, KeyFuncDict):
        raise exc.ArgumentError(
            "collection_class must be list, set (or a subclass) or a dict collection "
            "(attribute_keyed_dict(), column_keyed_dict(), keyfunc_mapping() or a KeyFuncDict "
            f"factory); got {collection_class!r}"
        )
    factory: Callable[[], KeyFuncDict[Any, Any]] = collection_class
    return factory


def dict_view(owner: Any, rel: Relationship, members: Any) -> KeyFuncDict[Any, Any]:
    """The dict ``owner.<rel>`` returns over the relationship's list ``members``."""
    name = _VIEW_PREFIX + rel.key
    view: KeyFuncDict[Any, Any] | None = owner.__dict__.get(name)
    if view is None:
        factory = rel.dict_factory
        assert factory is not None
        view = factory()
        owner.__dict__[name] = view
    view._refill(members)
    return view


def members_of(rel: Relationship, value: Any) -> Iterable[Any]:
    """The objects a value assigned to a dict relationship holds (a dict's values)."""
    if isinstance(value, dict):
        return list(value.values())
    raise exc.ArgumentError(
        f"{rel.describe()} is a dict collection; assign a dict of "
        f"{rel.mapper.class_.__name__} objects, got {type(value).__name__}"
    )


__all__ = [
    "KeyFuncDict",
    "MappedCollection",
    "attribute_keyed_dict",
    "attribute_mapped_collection",
    "column_keyed_dict",
    "column_mapped_collection",
    "dict_factory",
    "dict_view",
    "keyfunc_mapping",
    "mapped_collection",
    "members_of",
]
