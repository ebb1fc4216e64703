"""Attributes assigned to a class after it is mapped: ``Customer.addresses = relationship(...)``.

SQLAlchemy's declarative base notices such an assignment (its classes have a metaclass that
watches ``setattr``) and adds the relationship to the class's mapper, so a
``mapper_configured`` listener may give a class a relationship built from what it learns
about the class. The declarative base here has the same metaclass. Only relationships (and
other mapper properties) are taken this way; any other value is set as Python sets it.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.mapping.properties import MapperProperty, map_late


class DeclarativeAttributeIntercept(type):
    """The declarative base's metaclass: a relationship assigned to a mapped class joins its
    mapper, to be configured with the others on next use."""

    def __setattr__(cls, key: str, value: Any) -> None:
        mapper = cls.__dict__.get("__mapper__")
        if mapper is None or not isinstance(value, MapperProperty):
            super().__setattr__(key, value)
            return
        existing = mapper.relationships.get(key)
        if existing is not None and existing is not value:
            raise exc.ArgumentError(
                f"{cls.__name__}.{key} is already the relationship {existing.describe()}; "
                "a mapped class's relationship is not replaced: choose another name"
            )
        map_late(cls, key, value)  # configured on next use


__all__ = ["DeclarativeAttributeIntercept"]
