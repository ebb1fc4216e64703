"""``composite()``: several columns read and written as one value object.

``start: Mapped[Point] = composite(mapped_column("x1"), mapped_column("y1"))``
maps columns ``x1`` and ``y1`` (as attributes of those names too, typed from
``Point``'s annotations when not given) and makes ``vertex.start`` a
``Point(x1, y1)``; setting it sets both columns. ``composite(Point, "x1",
"y1")`` uses columns mapped elsewhere in the class. The value object is built
with ``Point(*values)`` and taken apart with ``__composite_values__()`` (or, for
a dataclass, its fields). On the class, ``Vertex.start == Point(1, 2)`` compares
every column, and ``select(Vertex.start)`` returns ``Point`` objects.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

from corral import exc
from corral.orm.base import Mapped
from corral.orm.mapping.dataclass_fields import take_dataclass_options
from corral.orm.mapping.mapped_column import MappedColumn
from corral.sql.conditions import and_, or_
from corral.sql.schema import Column

#: Builds what ``select(Vertex.start)`` selects (a Bundle making value objects); set by
#: the loading layer, which this one cannot import.
SELECTABLE_FACTORY: list[Callable[[CompositeAttribute], Any]] = []


class CompositeDeclaration:
    """What ``composite()`` returns in the class body."""

    def __init__(self, class_: type | None, elements: tuple[Any, ...], options: dict[str, Any]):
        self.class_ = class_
        self.elements = elements
        self.dataclass_options = options


def composite(class_: Any = None, *attrs: Any, **kwargs: Any) -> Any:
    """Map columns (``mapped_column()``\\ s, or names of mapped columns) as one value object
    of ``class_`` (else the class in ``Mapped[...]``)."""
    options = take_dataclass_options(kwargs, with_default=True)
    for name in ("deferred", "group", "comparator_factory", "active_history", "info", "doc"):
        if kwargs.pop(name, None):
            raise exc.ArgumentError(f"composite() does not support {name}=; remove it")
    if kwargs:
        raise exc.ArgumentError(
            f"composite() got unknown options: {', '.join(sorted(kwargs))}; it takes the "
            "class, its columns and the dataclass options"
        )
    if class_ is not None and not isinstance(class_, type):
        attrs = (class_, *attrs)  # no class given: the annotation names it
        class_ = None
    if not attrs:
        raise exc.ArgumentError("composite() needs the columns it maps")
    return CompositeDeclaration(class_, attrs, options)


def expand_composites(cls: type, sql_type_for: Callable[[Any, str], Any]) -> None:
    """Before ``cls`` is mapped: map each composite's columns as attributes of the class and
    put its descriptor in place of the declaration."""
    found = False
    annotations = inspect.get_annotations(cls)
    for name, value in list(cls.__dict__.items()):
        if not isinstance(value, CompositeDeclaration):
            if found and (name in annotations or isinstance(value, MappedColumn | Column)):
                # Set again so that it comes after the composite's columns, as declared.
                type.__delattr__(cls, name)
                type.__setattr__(cls, name, value)
            continue
        found = True
        owner = f"{cls.__name__}.{name}"
        class_ = value.class_ or _class_from_annotation(cls, name)
        field_types = _field_types(class_)
        keys: list[str] = []
        for position, element in enumerate(value.elements):
            keys.append(_column_key(cls, owner, element, position, field_types, sql_type_for))
        type.__setattr__(cls, name, CompositeAttribute(cls, name, class_, tuple(keys)))


def _column_key(
    cls: type,
    owner: str,
    element: Any,
    position: int,
    field_types: list[Any],
    sql_type_for: Callable[[Any, str], Any],
) -> str:
    if isinstance(element, str):
        return element
    key = getattr(element, "key", None)
    if isinstance(element, MappedColumn):
        if element.name is None:
            raise exc.MappingError(
                f"{owner}: give each mapped_column() of a composite its column name "
                '(composite(mapped_column("x1"), ...)), or map the columns as attributes '
                'and name them (composite(Point, "x1", "y1"))'
            )
        if element.type is None and position < len(field_types):
            element.type = sql_type_for(field_types[position], owner)
        type.__setattr__(cls, element.name, element)
        return element.name
    if isinstance(element, Column):
        key = element.key or element.name
        type.__setattr__(cls, key, element)
        return str(key)
    if isinstance(key, str):  # Vertex.x1 given as an attribute
        return key
    raise exc.MappingError(
        f"{owner}: composite() takes mapped_column()s, Columns or attribute names; got {element!r}"
    )


def _class_from_annotation(cls: type, name: str) -> type:
    annotation = inspect.get_annotations(cls).get(name)
    if isinstance(annotation, str):
        module = sys.modules.get(cls.__module__)
        scope = {"Mapped": Mapped, **(vars(module) if module is not None else {})}
        try:
            annotation = eval(annotation, scope, dict(vars(cls)))
        except Exception:  # explained below
            annotation = None
    if get_origin(annotation) is Mapped:
        (annotation,) = get_args(annotation)
    if not isinstance(annotation, type):
        raise exc.MappingError(
            f"{cls.__name__}.{name}: composite() needs its class, as its first argument or "
            "from a Mapped[Point] annotation"
        )
    return annotation


def _field_types(class_: type) -> list[Any]:
    """The Python types of the value object's parts, in order, where its annotations say."""
    if dataclasses.is_dataclass(class_):
        hints = typing.get_type_hints(class_)
        return [hints.get(f.name) for f in dataclasses.fields(class_)]
    try:
        hints = typing.get_type_hints(vars(class_).get("__init__"))
    except Exception:  # an __init__ whose annotations do not resolve: types must be given
        return []
    return [v for k, v in hints.items() if k != "return"]


def values_of(value: Any, class_: type, size: int) -> tuple[Any, ...]:
    """The column values of a value object."""
    if value is None:
        return (None,) * size
    method = getattr(value, "__composite_values__", None)
    if method is not None:
        return tuple(method())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.astuple(value)
    if isinstance(value, tuple):
        return value
    raise exc.ArgumentError(
        f"{type(value).__name__} has no __composite_values__() (and is not a dataclass), so "
        f"corral cannot read the columns of a composite of {class_.__name__} from it"
    )


class CompositeAttribute:
    """``Vertex.start``: on an object, the value object; on the class, SQL over its columns."""

    def __init__(self, owner: type, key: str, class_: type, keys: tuple[str, ...]) -> None:
        self.owner = owner
        self.key = key
        self.composite_class = class_
        self.attrs = keys

    def __repr__(self) -> str:
        return f"<CompositeAttribute {self.owner.__name__}.{self.key}>"

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            if SELECTABLE_FACTORY:
                return SELECTABLE_FACTORY[0](self.for_class(owner))
            return self.for_class(owner)
        values = [getattr(instance, key) for key in self.attrs]
        if all(v is None for v in values):
            return None
        return self.composite_class(*values)

    def __set__(self, instance: object, value: Any) -> None:
        parts = values_of(value, self.composite_class, len(self.attrs))
        if len(parts) != len(self.attrs):
            raise exc.ArgumentError(
                f"{self.owner.__name__}.{self.key} maps {len(self.attrs)} columns; the value "
                f"gives {len(parts)}"
            )
        for key, part in zip(self.attrs, parts, strict=True):
            setattr(instance, key, part)

    def for_class(self, owner: Any) -> CompositeAttribute:
        if owner is self.owner:
            return self
        return CompositeAttribute(owner, self.key, self.composite_class, self.attrs)

    @property
    def columns(self) -> list[Any]:
        """The class attributes of the columns, in order."""
        return [getattr(self.owner, key) for key in self.attrs]

    def compare(self, other: Any, negate: bool) -> Any:
        """``==`` / ``!=`` against a value object (or None)."""
        parts = values_of(other, self.composite_class, len(self.attrs))
        pairs = zip(self.columns, parts, strict=True)
        if negate:
            return or_(*(column != part for column, part in pairs))
        return and_(*(column == part for column, part in pairs))


__all__ = [
    "SELECTABLE_FACTORY",
    "CompositeAttribute",
    "CompositeDeclaration",
    "composite",
    "expand_composites",
]
