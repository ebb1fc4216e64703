"""Mapped properties configured after their class: declared before the classes they name exist.

A relationship names its target by class (``relationship("Address")``) before that
class may be mapped, so a mapper records such a property as pending, and
``configure_mappers()`` configures every pending property once the classes it names
exist. The kinds of property live in the layers above (relationships); this module
only knows the protocol they follow, so the mapping layer needs nothing above it.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, cast

from corral import exc

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper


class MapperProperty(ABC):
    """A mapped attribute that is configured once every class it names is mapped."""

    key: str
    parent: Mapper
    annotation: Any
    configured: bool

    @abstractmethod
    def class_attribute(self) -> Any:
        """The descriptor set on the mapped class under ``key``."""

    @abstractmethod
    def configure(self, classes: dict[str, type]) -> None:
        """Resolve what the property names; ``classes`` are the registry's classes by name."""

    @abstractmethod
    def link(self, classes: dict[str, type]) -> None:
        """After ``configure()``: connect to other properties (a relationship's other side)."""

    # A property assigned to a class already mapped (``User.addresses = relationship(...)``)
    # sits in the class as itself until configuration (``_adopt_late_assignments``) or the
    # first use of the attribute, here, maps it. (Hidden from the type checker, for which
    # an attribute typed as a property stays the property.)
    if not TYPE_CHECKING:

        def __get__(self, instance: object, owner: type | None = None) -> Any:
            attribute = _adopt(self, owner if owner is not None else type(instance))
            return self if attribute is None else attribute.__get__(instance, owner)

        def __set__(self, instance: object, value: Any) -> None:
            attribute = _adopt(self, type(instance))
            if attribute is None:
                raise AttributeError(
                    f"{type(instance).__name__}: a relationship() is not mapped before its "
                    "class is; assign the attribute once the class is declared"
                )
            attribute.__set__(instance, value)


#: Properties declared but not configured yet, across registries.
PENDING: list[MapperProperty] = []


def configure_mappers() -> None:
    """Configure every relationship declared so far; errors name the relationship and the fix.

    Runs by itself on first use (creating an object, a query, a flush, reading a
    relationship); call it directly to check the mappings at start-up.
    """
    if PENDING:
        _configure_pending(strict=True)


def try_configure() -> None:
    """Configure what can be configured now (after each class is mapped); errors wait."""
    if PENDING:
        _configure_pending(strict=False)


def _configure_pending(strict: bool) -> None:
    _adopt_late_assignments()
    progress = True
    while PENDING and progress:
        progress = False
        for prop in list(PENDING):
            # The configure events (mapping/events.py) wait for every other property.
            if getattr(prop, "last", False) and (not strict or len(PENDING) > 1):
                continue
            # An abstract concrete base waits for a configure of every mapper: its
            # subclasses are mapped one by one until then.
            if getattr(prop, "strict_only", False) and not strict:
                continue
            classes = prop.parent.class_.registry.classes_by_name
            try:
                prop.configure(classes)
                prop.link(classes)
            except (exc.ArgumentError, exc.InvalidRequestError):
                # Not yet: a class or table it names may be declared further down.
                if strict:
                    raise
                continue
            PENDING.remove(prop)
            progress = True


def _adopt(prop: MapperProperty, owner: type) -> Any:
    """The class attribute ``prop`` becomes once mapped onto the mapped class whose dict
    holds it; None while that class is not mapped (still being declared)."""
    if is_mapped(prop):
        return None
    for klass in owner.__mro__:
        for key, value in vars(klass).items():
            if value is prop:
                if "__mapper__" not in vars(klass):
                    return None
                map_late(klass, key, prop)
                configure_mappers()
                return vars(klass)[key]
    return None


def is_mapped(prop: MapperProperty) -> bool:
    """Whether ``prop`` was attached to its class's mapper (its ``parent`` is None until)."""
    return cast("Mapper | None", prop.parent) is not None


def map_late(cls: type, key: str, prop: MapperProperty) -> None:
    """Add ``prop``, assigned to the mapped ``cls`` as ``key``, to its mapper (configured on
    next use); the declarative metaclass calls it at the assignment, otherwise
    configuration or the attribute's first use does."""
    prop.key = key
    prop.annotation = inspect.get_annotations(cls).get(key)
    vars(cls)["__mapper__"].add_relationship(prop, configured=False)


def _adopt_late_assignments() -> None:
    """Map the relationships assigned to a mapped class after its declaration
    (``User.addresses = relationship(...)`` once ``Address`` exists, as SQLAlchemy's
    declarative allows): the class holds the bare property until configuration finds it."""
    registries = {id(r): r for r in (prop.parent.class_.registry for prop in PENDING)}
    for registry in registries.values():
        for cls in list(registry.classes_by_name.values()):
            for key, value in list(vars(cls).items()):
                if isinstance(value, MapperProperty) and not is_mapped(value):
                    map_late(cls, key, value)


__all__ = [
    "PENDING",
    "MapperProperty",
    "configure_mappers",
    "is_mapped",
    "map_late",
    "try_configure",
]
