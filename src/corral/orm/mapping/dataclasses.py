"""``MappedAsDataclass``: mapped classes that are also dataclasses (PEP 681).

``class Base(MappedAsDataclass, DeclarativeBase)`` makes each class mapped
from it a ``dataclasses.dataclass``: its ``__init__``, ``__repr__`` and
``__eq__`` come from its ``Mapped[...]`` attributes, in class-body order.
``mapped_column()`` / ``relationship()`` take the field options ``init=``,
``repr=``, ``default=``, ``default_factory=``, ``kw_only=``, ``compare=``,
``hash=``; the class statement takes the dataclass options (``init=``,
``repr=``, ``eq=``, ``order=``, ``unsafe_hash=``, ``match_args=``,
``kw_only=``, ``dataclass_callable=``). The dataclass is made from the class
body before the class is mapped; mapping then puts the instrumented
attributes in place, so the generated ``__init__`` sets them as any code would.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import TYPE_CHECKING, Any, dataclass_transform

from corral.orm.mapping.column_property import column_property
from corral.orm.mapping.dataclass_fields import DATACLASS_MARKER
from corral.orm.mapping.mapped_column import MappedColumn, deferred, mapped_column
from corral.orm.mapping.query_expression import QueryExpression, query_expression
from corral.orm.mapping.synonym import Synonym, synonym

if TYPE_CHECKING:
    from corral.orm.relationships.relationship import relationship
else:
    # The relationships layer sits above this one; only type checkers read the specifiers.
    relationship = None

#: The class keywords of ``MappedAsDataclass`` subclasses, and their defaults.
CLASS_OPTIONS: dict[str, Any] = {
    "init": True,
    "repr": True,
    "eq": True,
    "order": False,
    "unsafe_hash": False,
    "match_args": True,
    "kw_only": False,
    "dataclass_callable": None,
}

_MISSING: Any = dataclasses.MISSING


@dataclass_transform(
    field_specifiers=(
        mapped_column,
        MappedColumn,
        relationship,
        column_property,
        query_expression,
        deferred,
        synonym,
    )
)
class MappedAsDataclass:
    """Mix into the declarative base: each mapped class becomes a dataclass."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        given = {k: kwargs.pop(k) for k in list(kwargs) if k in CLASS_OPTIONS}
        inherited = getattr(cls, DATACLASS_MARKER, None) or CLASS_OPTIONS
        options = {**inherited, **given}
        type.__setattr__(cls, DATACLASS_MARKER, options)
        if not _is_declarative_base(cls):
            make_dataclass(cls, options)
        super().__init_subclass__(**kwargs)


def _is_declarative_base(cls: type) -> bool:
    from corral.orm.mapping.declarative import DeclarativeBase

    return DeclarativeBase in cls.__bases__


def make_dataclass(cls: type, options: dict[str, Any]) -> None:
    """Make ``cls`` a dataclass from its annotated attributes, leaving them in place."""
    annotations = inspect.get_annotations(cls)
    originals: dict[str, Any] = {}
    for name in annotations:
        value = cls.__dict__.get(name, _MISSING)
        field = _field_for(value)
        if field is None:
            continue
        originals[name] = value
        type.__setattr__(cls, name, field)
    decorate = options["dataclass_callable"] or dataclasses.dataclass
    flags = {k: v for k, v in options.items() if k != "dataclass_callable"}
    try:
        decorate(cls, **flags)
    finally:
        for name, value in originals.items():
            if value is _MISSING:
                if name in cls.__dict__:
                    type.__delattr__(cls, name)
            else:
                type.__setattr__(cls, name, value)


def _field_for(value: Any) -> Any:
    """The ``dataclasses.field()`` standing for a mapped attribute's value in the class body
    (None: leave the value as the dataclass's default)."""
    if value is _MISSING:
        return dataclasses.field()
    options = getattr(value, "dataclass_options", None)
    if isinstance(value, MappedColumn):
        return _field(options or {}, value.options.get("default", _MISSING))
    if isinstance(value, QueryExpression):  # query_expression(), column_property()
        given = value.dataclass_options  # as SQLAlchemy: write init=False to leave it out
        return _field(given, given.get("default", _MISSING))
    if options is not None:  # a relationship
        return _field(options, options.get("default", _MISSING))
    if isinstance(value, Synonym):
        return dataclasses.field(init=False, repr=False, compare=False)
    return None


def _field(options: dict[str, Any], default: Any) -> Any:
    keywords: dict[str, Any] = {
        key: options[key]
        for key in ("init", "repr", "compare", "kw_only", "hash")
        if key in options
    }
    if "dataclass_metadata" in options:
        keywords["metadata"] = options["dataclass_metadata"]
    if "default_factory" in options:
        keywords["default_factory"] = options["default_factory"]
    elif default is not _MISSING:
        keywords["default"] = default
    return dataclasses.field(**keywords)


__all__ = ["MappedAsDataclass", "make_dataclass"]
