"""``declarative_base()``: the classic way to make a declarative base class."""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.mapping.declarative import DeclarativeBase
from corral.sql.schema import MetaData
from corral.sql.type_api import TypeEngine

#: SQLAlchemy's declarative_base() keywords corral does not implement, with what to do instead.
UNSUPPORTED_OPTIONS = {
    "mapper": "corral has one Mapper class; remove it",
    "class_registry": "corral keeps the classes by name in the base's registry; remove it",
    "constructor": "corral's base gives every mapped class a keyword constructor; define "
    "__init__ on your classes to change it",
    "metaclass": "corral's base has its own metaclass (which maps relationships assigned "
    "to a mapped class); remove it",
}


def declarative_base(
    *,
    metadata: MetaData | None = None,
    cls: type = object,
    name: str = "Base",
    type_annotation_map: dict[Any, TypeEngine | type[TypeEngine]] | None = None,
    **unsupported: Any,
) -> Any:
    """A new base class for declarative mapping, as ``class Base(DeclarativeBase)`` makes.

    ``metadata`` is the MetaData its tables go into (a new one by default),
    ``cls`` a class the base also derives from (its methods reach every mapped
    class), ``name`` the base class's name.
    """
    for key in unsupported:
        advice = UNSUPPORTED_OPTIONS.get(key)
        if advice is None:
            raise TypeError(
                f"declarative_base() got an unexpected keyword argument {key!r}; it takes "
                "metadata=, cls=, name= and type_annotation_map="
            )
        raise exc.ArgumentError(f"declarative_base({key}=...) is not supported: {advice}")
    if metadata is not None and not isinstance(metadata, MetaData):
        raise exc.ArgumentError(
            f"declarative_base(metadata=...) takes a MetaData, got {type(metadata).__name__}"
        )
    if not isinstance(cls, type):
        raise exc.ArgumentError(f"declarative_base(cls=...) takes a class, got {cls!r}")
    namespace: dict[str, Any] = {"__doc__": getattr(cls, "__doc__", None)}
    if metadata is not None:
        namespace["metadata"] = metadata
    if type_annotation_map is not None:
        namespace["type_annotation_map"] = type_annotation_map
    bases = (DeclarativeBase,) if cls is object else (cls, DeclarativeBase)
    return type(name, bases, namespace)
