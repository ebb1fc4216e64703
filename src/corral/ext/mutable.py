"""Mutable values: a dict, list or set column whose in-place changes a flush writes.

``data: Mapped[dict] = mapped_column(MutableDict.as_mutable(JSON))`` makes
``obj.data["k"] = 1`` mark ``obj.data`` changed, so the next flush writes it
(a plain dict changed in place is the same object, and looks unchanged). A
value set on the attribute, or loaded, is turned into a ``MutableDict`` by
``MutableDict.coerce()``; the value remembers the objects holding it and
``changed()`` flags each. ``Mutable.associate_with(JSON)`` does the same for
every column of a type; subclass ``Mutable`` (overriding ``coerce``) for types
of your own.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any, SupportsIndex, TypeVar

from corral import exc
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.instrumentation_hooks import AFTER_MAPPED
from corral.orm.mapping.mapper import Mapper
from corral.orm.mapping.modified_flags import flag_modified
from corral.sql.type_api import TypeEngine

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

#: (Mutable subclass, type instance) pairs from ``as_mutable()``: columns of that very type.
_BY_TYPE: list[tuple[type[Mutable], TypeEngine]] = []
#: (Mutable subclass, type class) pairs from ``associate_with()``: columns of any such type.
_BY_TYPE_CLASS: list[tuple[type[Mutable], type[TypeEngine]]] = []


class Mutable:
    """Base for values that report their in-place changes to the objects holding them."""

    @property
    def _parents(self) -> weakref.WeakKeyDictionary[Any, str]:
        """Objects holding this value -> the attribute holding it."""
        found: weakref.WeakKeyDictionary[Any, str] | None = self.__dict__.get("_corral_parents")
        if found is None:
            found = weakref.WeakKeyDictionary()
            self.__dict__["_corral_parents"] = found
        return found

    def changed(self) -> None:
        """Mark the attribute of every object holding this value as changed."""
        for parent, key in list(self._parents.items()):
            flag_modified(parent, key)

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        """The value to hold when ``value`` is set or loaded; subclasses convert plain
        values (a dict into a MutableDict). ``ValueError`` if it cannot be held."""
        if value is None or isinstance(value, cls):
            return value
        raise ValueError(
            f"attribute {key!r} holds {cls.__name__} values; cannot hold {type(value).__name__}"
        )

    @classmethod
    def as_mutable(cls, sqltype: TypeEngine | type[TypeEngine]) -> TypeEngine:
        """``sqltype`` (instantiated if a class), tracked as ``cls`` in every column given it."""
        instance = sqltype() if isinstance(sqltype, type) else sqltype
        _BY_TYPE.append((cls, instance))
        return instance

    @classmethod
    def associate_with(cls, sqltype: type[TypeEngine]) -> None:
        """Track as ``cls`` every column (mapped from now on) whose type is a ``sqltype``."""
        _BY_TYPE_CLASS.append((cls, sqltype))

    @classmethod
    def associate_with_attribute(cls, attribute: Any) -> None:
        """Track one mapped column attribute (``User.data``) as ``cls``."""
        if not isinstance(attribute, InstrumentedAttribute):
            raise exc.ArgumentError(
                f"associate_with_attribute() takes a mapped column attribute, got {attribute!r}"
            )
        owner: Any = attribute.class_
        _track(owner, owner.__mapper__, attribute.key, cls)


class MutableAttribute(InstrumentedAttribute[Any]):
    """A column attribute whose values are coerced to a ``Mutable`` that knows its holder."""

    def __init__(self, plain: InstrumentedAttribute[Any], mutable: type[Mutable]) -> None:
        super().__init__(plain.class_, plain.key, plain.column)
        self.plain = plain
        self.mutable = mutable

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        value = self.plain.__get__(instance, owner)
        if value is not None and not isinstance(value, self.mutable):
            value = self.mutable.coerce(self.key, value)  # a loaded plain value
            instance.__dict__[self.key] = value
        if isinstance(value, Mutable):
            value._parents[instance] = self.key
        return value

    def __set__(self, instance: object, value: Any) -> None:
        value = self.mutable.coerce(self.key, value)
        self.plain.__set__(instance, value)
        if isinstance(value, Mutable):
            value._parents[instance] = self.key


def _track(cls: type, mapper: Mapper, key: str, mutable: type[Mutable]) -> None:
    plain = cls.__dict__.get(key)
    if not isinstance(plain, InstrumentedAttribute) or isinstance(plain, MutableAttribute):
        return
    setattr(cls, key, MutableAttribute(plain, mutable))
    mapper.direct_set_keys = mapper.direct_set_keys - {key}


def _instrument(cls: type, mapper: Mapper) -> None:
    """After a class is mapped: track its columns of the types given to the mutables."""
    if not _BY_TYPE and not _BY_TYPE_CLASS:
        return
    for key, column in mapper.columns_by_key.items():
        for mutable, sqltype in _BY_TYPE:
            if column.type is sqltype:
                _track(cls, mapper, key, mutable)
                break
        else:
            for mutable, type_class in _BY_TYPE_CLASS:
                if isinstance(column.type, type_class):
                    _track(cls, mapper, key, mutable)
                    break


AFTER_MAPPED.append(_instrument)


class MutableDict(Mutable, dict[K, V]):
    """A dict that reports changes: setting, deleting, ``update()``, ``pop()``..."""

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(value)
        return super().coerce(key, value)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self.changed()

    def setdefault(self, key: K, default: Any = None) -> Any:
        result = super().setdefault(key, default)
        self.changed()
        return result

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.changed()

    def pop(self, key: K, *default: Any) -> Any:
        result = super().pop(key, *default)
        self.changed()
        return result

    def popitem(self) -> tuple[K, V]:
        result = super().popitem()
        self.changed()
        return result

    def clear(self) -> None:
        super().clear()
        self.changed()

    def __getstate__(self) -> dict[K, V]:
        return dict(self)

    def __setstate__(self, state: dict[K, V]) -> None:
        self.update(state)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (self.__class__, (dict(self),))


class MutableList(Mutable, list[T]):
    """A list that reports changes: ``append()``, item assignment, ``sort()``..."""

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, list):
            return cls(value)
        return super().coerce(key, value)

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self.changed()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self.changed()

    def __iadd__(self, other: Iterable[T]) -> MutableList[T]:  # type: ignore[override,misc]
        self.extend(other)
        return self

    def append(self, item: T) -> None:
        super().append(item)
        self.changed()

    def extend(self, items: Iterable[T]) -> None:
        super().extend(items)
        self.changed()

    def insert(self, index: SupportsIndex, item: T) -> None:
        super().insert(index, item)
        self.changed()

    def pop(self, *index: SupportsIndex) -> T:
        result = super().pop(*index)
        self.changed()
        return result

    def remove(self, item: T) -> None:
        super().remove(item)
        self.changed()

    def clear(self) -> None:
        super().clear()
        self.changed()

    def sort(self, **kwargs: Any) -> None:
        super().sort(**kwargs)
        self.changed()

    def reverse(self) -> None:
        super().reverse()
        self.changed()

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (self.__class__, (list(self),))


class MutableSet(Mutable, set[T]):
    """A set that reports changes: ``add()``, ``discard()``, ``update()``..."""

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, set):
            return cls(value)
        return super().coerce(key, value)

    def add(self, item: T) -> None:
        super().add(item)
        self.changed()

    def discard(self, item: object) -> None:
        super().discard(item)
        self.changed()

    def remove(self, item: T) -> None:
        super().remove(item)
        self.changed()

    def pop(self) -> T:
        result = super().pop()
        self.changed()
        return result

    def clear(self) -> None:
        super().clear()
        self.changed()

    def update(self, *others: Iterable[T]) -> None:
        super().update(*others)
        self.changed()

    def difference_update(self, *others: Iterable[Any]) -> None:
        super().difference_update(*others)
        self.changed()

    def intersection_update(self, *others: Iterable[Any]) -> None:
        super().intersection_update(*others)
        self.changed()

    def symmetric_difference_update(self, other: Iterable[T]) -> None:
        super().symmetric_difference_update(other)
        self.changed()

    def __ior__(self, other: Any) -> MutableSet[T]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __isub__(self, other: Any) -> MutableSet[T]:  # type: ignore[misc]
        self.difference_update(other)
        return self

    def __iand__(self, other: Any) -> MutableSet[T]:  # type: ignore[misc]
        self.intersection_update(other)
        return self

    def __ixor__(self, other: Any) -> MutableSet[T]:  # type: ignore[override,misc]
        self.symmetric_difference_update(other)
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        return (self.__class__, (set(self),))


__all__ = ["Mutable", "MutableDict", "MutableList", "MutableSet"]
