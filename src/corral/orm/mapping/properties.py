"""Mapped properties configured after their class: declared before the classes they name exist.

A relationship names its target by class (``relationship("Address")``) before that
class may be mapped, so a mapper records such a property as pending, and
``configure_mappers()`` configures every pending property once the classes it names
exist. The kinds of property live in the layers above (relationships); this module
only knows the protocol they follow, so the mapping layer needs nothing above it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

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


__all__ = ["PENDING", "MapperProperty", "configure_mappers", "try_configure"]
