"""``AbstractConcreteBase``: the base of a concrete hierarchy that has no table of its own.

Its subclasses (``"concrete": True``) each map a complete table as they are declared;
the base is mapped only when the mappers are configured (``registry.configure()``,
``configure_mappers()`` or first use), once every subclass is known, onto the UNION ALL
of their tables (``pjoin``). Until then the base is not mapped: columns declared on it
are copied into each subclass, as a mixin's are. Querying the base returns objects of
the subclasses; the base itself cannot be instantiated.

With ``strict_attrs = True`` on the base, only the attributes declared on it become
attributes of the base class (``Employee.name``); otherwise every column of the UNION
does. Either way a query of the base loads every column of the UNION.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.mapping import events, properties
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.concrete import (
    CONCRETE,
    CONCRETE_DISCRIMINATOR,
    AbstractConcreteBase,
    rebuild_union,
    select_order,
)
from corral.orm.mapping.inheritance import BASE, Inheritance, is_concrete
from corral.orm.mapping.mapper import Mapper
from corral.sql.schema import Column, MetaData, Table


def declares(cls: type) -> bool:
    """Whether ``cls`` is itself an abstract concrete base (``AbstractConcreteBase`` among
    its own bases), not a class derived from one."""
    return AbstractConcreteBase in cls.__bases__ and "__mapper__" not in cls.__dict__


def abstract_base_of(cls: type) -> type | None:
    """The abstract concrete base ``cls`` derives from, while it waits to be mapped."""
    for klass in cls.__mro__[1:]:
        if klass.__dict__.get("__corral_abstract_pending__"):
            return klass
    return None


def defer(cls: Any) -> None:
    """Record the abstract base ``cls``; it is mapped when the mappers are configured."""
    if cls.__dict__.get("__tablename__") or cls.__dict__.get("__table__") is not None:
        raise exc.MappingError(
            f"{cls.__name__} derives from AbstractConcreteBase, which has no table: remove its "
            "__tablename__ (or derive from ConcreteBase to map a base class with a table)"
        )
    cls.__corral_abstract_pending__ = True
    properties.PENDING.append(_Deferred(cls))


class _Parent:
    """What the pending list reads of a property's parent: the class (for its registry)."""

    def __init__(self, cls: type) -> None:
        self.class_ = cls


class _Deferred(properties.MapperProperty):
    """The mapping of an abstract concrete base, waiting in the pending properties; it is
    made only by a configure of every mapper (not after each class is mapped)."""

    strict_only = True
    key = "<abstract concrete base>"
    annotation = None
    configured = False

    def __init__(self, cls: type) -> None:
        self.abstract_class = cls
        self.parent = _Parent(cls)  # type: ignore[assignment]

    def class_attribute(self) -> Any:
        raise AssertionError("not an attribute")

    def configure(self, classes: dict[str, type]) -> None:
        map_abstract(self.abstract_class)

    def link(self, classes: dict[str, type]) -> None:
        return None


def map_abstract(cls: Any) -> Mapper:
    """Map the abstract base ``cls`` onto the UNION of its concrete subclasses' tables."""
    registry: Any = cls.registry
    members: list[Mapper] = [
        mapper
        for klass, mapper in registry.mappers.items()
        if issubclass(klass, cls) and klass is not cls
    ]
    _check_members(cls, members)
    columns: dict[str, Column] = {}
    for member in members:
        for key, column in member.columns_by_key.items():
            if key not in columns:
                columns[key] = Column(
                    column.name, column.type, primary_key=column.primary_key, key=key
                )
    # A table of the UNION's columns that no MetaData creates: the base's attributes read
    # its columns, and statements have them read the UNION instead.
    table = Table(f"{cls.__name__.lower()}_pjoin", MetaData(), *columns.values())
    mapper = Mapper(cls, table, dict(columns))
    info = Inheritance(mapper, None, BASE)
    info.concrete_base = True
    info.abstract = True  # only the subclasses are instantiated
    info.polymorphic_on = CONCRETE_DISCRIMINATOR
    mapper.inheritance = info
    for member in members:
        _attach(member, mapper)
    del cls.__corral_abstract_pending__
    cls.__mapper__ = mapper
    registry.mappers[cls] = mapper
    registry.classes_by_name.setdefault(cls.__name__, cls)
    rebuild_union(mapper, include_base=False)
    strict = bool(getattr(cls, "strict_attrs", False))
    declared = set(getattr(cls, "__annotations__", {})) | set(cls.__dict__)
    # The base's own columns: its key and the attributes declared on it.
    own = [k for k in columns if k in mapper.primary_key_attrs]
    own += [k for k in columns if k in declared and k not in own]
    info.union_keys = select_order(own, members)
    for key, column in columns.items():
        if not strict or key in declared:
            setattr(cls, key, InstrumentedAttribute(cls, key, column))
    events.mapper_constructed(mapper)  # the class is instrumented: listeners may extend it
    return mapper


def _check_members(cls: type, members: list[Mapper]) -> None:
    if not members:
        raise exc.MappingError(
            f"{cls.__name__} derives from AbstractConcreteBase but no mapped class derives from "
            'it; declare its subclasses (each with __tablename__ and "concrete": True in '
            "__mapper_args__) before configuring the mappers"
        )
    for member in members:
        name = member.class_.__name__
        if not is_concrete(member.class_):
            raise exc.MappingError(
                f"{name} derives from the AbstractConcreteBase {cls.__name__}, so it must be "
                'mapped concrete: add "concrete": True to its __mapper_args__'
            )
        info = member.inheritance
        if info is not None and (info.children or info.parent is not None):
            raise exc.MappingError(
                f"{name}: a class mapped under a concrete subclass of the AbstractConcreteBase "
                f"{cls.__name__} is not supported by corral yet; derive each class from "
                f"{cls.__name__} directly"
            )


def _attach(member: Mapper, base: Mapper) -> None:
    """A concrete subclass, mapped alone so far, joins the hierarchy of ``base``."""
    before = member.inheritance
    info = Inheritance(member, base, CONCRETE)
    if before is not None:
        info.identity = before.identity
        info.abstract = before.abstract
        info.load = before.load
    if info.identity is not None:
        taken = info.identities.get(info.identity)
        if taken is not None:
            raise exc.MappingError(
                f"{member.class_.__name__}: polymorphic_identity {info.identity!r} is already "
                f"{taken.class_.__name__}'s; give each class its own value"
            )
        info.identities[info.identity] = member
    member.inheritance = info
    assert base.inheritance is not None
    base.inheritance.children.append(member)


__all__ = ["abstract_base_of", "declares", "defer", "map_abstract"]
