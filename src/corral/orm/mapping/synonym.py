"""``synonym()``: a second name for a mapped attribute, on objects and in SQL.

``job_status = synonym("status")`` reads and writes ``status`` on objects, and
``Job.job_status`` is ``Job.status`` in ``select()`` / ``where()``. With
``descriptor=`` (a ``property``), objects use the descriptor while the class
attribute still stands for the mapped one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral import exc


class Synonym:
    """The descriptor ``synonym(name)`` puts on the class."""

    def __init__(self, name: str, descriptor: Any = None, doc: str | None = None) -> None:
        self.name = name
        self.descriptor = descriptor
        self.key = name
        self.__doc__ = doc if doc is not None else getattr(descriptor, "__doc__", None)

    def __set_name__(self, owner: type, key: str) -> None:
        self.key = key
        if key == self.name:
            raise exc.ArgumentError(
                f"{owner.__name__}.{key} = synonym({self.name!r}) names itself; a synonym "
                "gives another attribute a second name"
            )

    def __repr__(self) -> str:
        return f"<Synonym {self.key} -> {self.name}>"

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return getattr(owner, self.name)
        if self.descriptor is not None:
            return self.descriptor.__get__(instance, owner)
        return getattr(instance, self.name)

    def __set__(self, instance: object, value: Any) -> None:
        if self.descriptor is not None:
            self.descriptor.__set__(instance, value)
        else:
            setattr(instance, self.name, value)

    def __delete__(self, instance: object) -> None:
        if self.descriptor is not None:
            self.descriptor.__delete__(instance)
        else:
            delattr(instance, self.name)


def synonym(
    name: str,
    *,
    map_column: bool | None = None,
    descriptor: Any = None,
    comparator_factory: Any = None,
    doc: str | None = None,
    info: Any = None,
) -> Any:
    """Another name for the mapped attribute ``name`` (``descriptor=`` for objects)."""
    if map_column:
        raise exc.ArgumentError(
            f"synonym({name!r}, map_column=True) is not supported; map the column under "
            f"{name!r} with mapped_column() and point the synonym at it"
        )
    if comparator_factory is not None:
        raise exc.ArgumentError(
            f"synonym({name!r}, comparator_factory=...) is not supported; use a "
            "hybrid_property with .comparator (corral.ext.hybrid) instead"
        )
    return Synonym(name, descriptor, doc)


def synonym_for(name: str, map_column: bool = False) -> Callable[[Callable[[Any], Any]], Any]:
    """Decorate a getter: ``synonym(name, descriptor=property(getter))``."""

    def make(getter: Callable[[Any], Any]) -> Any:
        return synonym(name, map_column=map_column, descriptor=property(getter))

    return make


__all__ = ["Synonym", "synonym", "synonym_for"]
