"""Finding the mapper of a class or object, and un-mapping every class (``clear_mappers``)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from corral import exc
from corral.orm.mapping.properties import PENDING

if TYPE_CHECKING:
    from corral.orm.mapping.declarative import registry
    from corral.orm.mapping.mapper import Mapper

#: Every declarative registry alive, so that ``clear_mappers()`` can reach their classes.
REGISTRIES: weakref.WeakSet[registry] = weakref.WeakSet()


def class_mapper(class_: type, configure: bool = True) -> Mapper:
    """The mapper of a mapped class; ``UnmappedClassError`` for any other class."""
    mapper: Mapper | None = class_.__dict__.get("__mapper__") if isinstance(class_, type) else None
    if mapper is None and isinstance(class_, type):
        mapper = getattr(class_, "__mapper__", None)
    if mapper is None:
        name = getattr(class_, "__name__", repr(class_))
        raise exc.UnmappedClassError(
            f"Class {name!r} is not mapped; subclass your DeclarativeBase with a "
            "__tablename__ to map it"
        )
    if configure:
        from corral.orm.mapping.properties import configure_mappers

        configure_mappers()
    return mapper


def object_mapper(instance: object) -> Mapper:
    """The mapper of a mapped object's class; ``UnmappedInstanceError`` for any other object."""
    mapper: Mapper | None = getattr(type(instance), "__mapper__", None)
    if mapper is None:
        raise exc.UnmappedInstanceError(
            f"Class {type(instance).__name__!r} is not mapped, so {instance!r} has no mapper"
        )
    return mapper


def clear_mappers() -> None:
    """Un-map every mapped class of every registry (for tests that map classes again).

    Each class loses its mapper and its instrumented attributes; its ``Table`` stays in
    its ``MetaData``. Objects of the classes are no longer tracked by any Session.
    """
    for found in list(REGISTRIES):
        dispose(found)


def dispose(owner: registry) -> None:
    """Un-map every class of one registry (``registry.dispose()``)."""
    for class_, mapper in list(owner.mappers.items()):
        for key in (*mapper.columns_by_key, *mapper.relationships, *mapper.query_expressions):
            if key in class_.__dict__:
                delattr(class_, key)
        for name in ("__mapper__",):
            if name in class_.__dict__:
                delattr(class_, name)
    doomed = {id(m) for m in owner.mappers.values()}
    PENDING[:] = [p for p in PENDING if id(getattr(p, "parent", None)) not in doomed]
    owner.mappers.clear()
    owner.classes_by_name.clear()


__all__ = ["REGISTRIES", "class_mapper", "clear_mappers", "dispose", "object_mapper"]
