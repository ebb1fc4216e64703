"""Declarative mapping: ``class User(Base)`` with ``Mapped[...]`` annotations becomes a table."""

from __future__ import annotations

import datetime
import decimal
import enum
import inspect
import sys
import typing
import uuid
from typing import Annotated, Any, ClassVar, cast, dataclass_transform, get_args, get_origin

from corral import exc
from corral.orm.base import STATE_ATTR, Mapped
from corral.orm.mapping import abstract_concrete, events, inheritance, multi_table
from corral.orm.mapping import mapper_args as mapper_arguments
from corral.orm.mapping.annotated import merged, split_annotated
from corral.orm.mapping.attribute_events import attribute_instrumented
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.composite import expand_composites
from corral.orm.mapping.dataclass_fields import refuse_outside_dataclass
from corral.orm.mapping.declare_hooks import install_declare_hooks
from corral.orm.mapping.declared_attr import resolve_declared_attrs
from corral.orm.mapping.declared_column import copy_mixin_column, plain_column
from corral.orm.mapping.inherit_sync import set_inherit_sync
from corral.orm.mapping.instance_state import new_state
from corral.orm.mapping.instrumentation_hooks import after_mapped
from corral.orm.mapping.late_attributes import DeclarativeAttributeIntercept
from corral.orm.mapping.mapped_column import MappedColumn, mapped_column
from corral.orm.mapping.mapper import Mapper
from corral.orm.mapping.mapper_lookup import REGISTRIES, dispose
from corral.orm.mapping.properties import (
    PENDING,
    MapperProperty,
    configure_mappers,
    is_mapped,
    try_configure,
)
from corral.orm.mapping.query_expression import QueryExpression
from corral.orm.mapping.validates import install_validators
from corral.orm.mapping.with_polymorphic import refresh_polymorphic
from corral.sql import types as sqltypes
from corral.sql.schema import Column, Constraint, ForeignKey, Index, MetaData, Table
from corral.sql.type_api import NullType, TypeEngine

_ABSENT: Any = object()

#: Python annotation -> SQL type, when the registry's map has no entry.
DEFAULT_TYPE_MAP: dict[Any, TypeEngine | type[TypeEngine]] = {
    int: sqltypes.Integer,
    str: sqltypes.String,
    bool: sqltypes.Boolean,
    float: sqltypes.Float,
    decimal.Decimal: sqltypes.Numeric,
    datetime.datetime: sqltypes.DateTime,
    datetime.date: sqltypes.Date,
    datetime.time: sqltypes.Time,
    datetime.timedelta: sqltypes.Interval,
    bytes: sqltypes.LargeBinary,
    uuid.UUID: sqltypes.Uuid,
    dict: sqltypes.JSON,
    list: sqltypes.JSON,
}


class registry:
    """The mappers of one declarative base, its MetaData and its annotation-to-type map."""

    def __init__(
        self,
        *,
        metadata: MetaData | None = None,
        type_annotation_map: dict[Any, TypeEngine | type[TypeEngine]] | None = None,
    ) -> None:
        self.metadata = metadata if metadata is not None else MetaData()
        self.type_annotation_map = dict(type_annotation_map or {})
        self.mappers: dict[type, Mapper] = {}
        #: Mapped classes by name, for relationship("Address") and string conditions.
        self.classes_by_name: dict[str, type] = {}
        REGISTRIES.add(self)

    def dispose(self) -> None:
        """Un-map every class mapped by this registry."""
        dispose(self)

    def configure(self, cascade: bool = False) -> None:
        """Configure the mappers now: relationships resolved, abstract concrete bases
        mapped. corral configures every registry's mappers together, which covers what
        ``cascade`` asks for either way."""
        del cascade
        configure_mappers()

    def sql_type_for(self, python_type: Any, owner: str) -> TypeEngine:
        if _names_a_class(python_type):
            raise exc.MappingError(
                f"{owner}: Mapped[{python_type!r}] names a class, which is a relationship, "
                "not a column; declare it with relationship()"
            )
        for mapping in (self.type_annotation_map, DEFAULT_TYPE_MAP):
            found = mapping.get(python_type)
            if found is None and get_origin(python_type) is not None:
                found = mapping.get(get_origin(python_type))
            if found is not None:
                return found() if isinstance(found, type) else found
        if get_origin(python_type) is Annotated:  # not a key itself: its base type may be
            return self.sql_type_for(get_args(python_type)[0], owner)
        if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
            return sqltypes.Enum(python_type)
        raise exc.MappingError(
            f"{owner}: no SQL type for the annotation {python_type!r}; give one "
            "(mapped_column(String(50))) or add it to type_annotation_map"
        )


def _names_a_class(python_type: Any) -> bool:
    """Whether an annotation's type is, or collects, a mapped class (or a forward name)."""
    origin = get_origin(python_type)
    if origin is typing.Literal:
        return False
    if origin is typing.Annotated:
        return _names_a_class(get_args(python_type)[0])
    if origin is not None:
        return any(_names_a_class(arg) for arg in get_args(python_type))
    if isinstance(python_type, str | typing.ForwardRef):
        return True
    return isinstance(python_type, type) and issubclass(python_type, DeclarativeBase)


@dataclass_transform(kw_only_default=True)
class DeclarativeBase(metaclass=DeclarativeAttributeIntercept):
    """Subclass once for your models' base; each subclass with ``__tablename__`` is mapped."""

    registry: ClassVar[registry]
    metadata: ClassVar[MetaData]
    __table__: ClassVar[Table]
    __mapper__: ClassVar[Mapper]
    type_annotation_map: ClassVar[dict[Any, TypeEngine | type[TypeEngine]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if DeclarativeBase in cls.__bases__:
            _set_up_base(cls)
        elif not cls.__dict__.get("__abstract__", False):
            _map_class(cls)

    def __init__(self, **kwargs: Any) -> None:
        cls = type(self)
        mapper: Mapper | None = getattr(cls, "__mapper__", None)
        if mapper is None:
            raise exc.UnmappedClassError(
                f"{cls.__name__} is not mapped; give it a __tablename__ (or __table__)"
            )
        if PENDING:
            configure_mappers()
        d = self.__dict__
        d[STATE_ATTR] = new_state(self, mapper)  # transient: no history to record yet
        direct = mapper.direct_set_keys
        if mapper.constructor_events:  # init listeners may change kwargs (mapping/events.py)
            events.fire_init(mapper, self, kwargs)
            direct = frozenset()  # every value through setattr, for attribute listeners
        for key, value in kwargs.items():
            if key in direct:
                d[key] = value
            elif hasattr(cls, key):  # a relationship, property or plain class attribute
                setattr(self, key, value)
            else:
                names = [*mapper.columns_by_key, *mapper.relationships]
                raise TypeError(
                    f"{key!r} is not an attribute of {cls.__name__}; its mapped attributes are "
                    f"{', '.join(names)}"
                )
        if mapper.inheritance is not None:
            inheritance.stamp_identity(mapper, self)


def _set_up_base(base: type[DeclarativeBase]) -> None:
    own = base.__dict__
    metadata = own.get("metadata")
    type_map = own.get("type_annotation_map")
    base.registry = own.get("registry") or registry(metadata=metadata, type_annotation_map=type_map)
    base.metadata = base.registry.metadata


def _resolve_annotation(cls: type, name: str, annotation: Any) -> Any:
    if not isinstance(annotation, str):
        return annotation
    module = sys.modules.get(cls.__module__)
    namespace = dict(vars(module)) if module is not None else {}
    namespace.setdefault("Mapped", Mapped)
    namespace.setdefault("Optional", typing.Optional)
    namespace.setdefault("ClassVar", ClassVar)
    try:
        return eval(annotation, namespace, dict(vars(cls)))
    except Exception as error:
        raise exc.MappingError(
            f"{cls.__name__}.{name}: cannot resolve the annotation {annotation!r} ({error}); "
            "import the names it uses at module level"
        ) from None


def _unwrap_mapped(
    cls: type, name: str, annotation: Any
) -> tuple[Any, MappedColumn | None, bool] | None:
    """(inner Python type, the mapped_column() inside an ``Annotated``, nullable) for
    ``Mapped[T]``; None for annotations that are not mapped."""
    if get_origin(annotation) is not Mapped:
        return None
    (inner,) = get_args(annotation)
    return split_annotated(f"{cls.__name__}.{name}", inner)


def _single_table(cls: type) -> object:
    """The table a class without a table of its own shares with its mapped parent."""
    if cls.__dict__.get("__tablename__") or cls.__dict__.get("__table__") is not None:
        return None
    return getattr(cls, "__table__", None)


def _declared_columns(
    cls: type,
    base_registry: registry,
    deferred: dict[str, tuple[str | None, bool]],
    active_history: set[str],
) -> dict[str, Column]:
    """Columns from the class's (and its mixins') annotations, ``mapped_column()``\\ s and
    plain ``Column``\\ s; an annotation that maps nothing is refused."""
    columns: dict[str, Column] = {}
    allow_unmapped = bool(getattr(cls, "__allow_unmapped__", False))
    sources = [k for k in reversed(cls.__mro__) if k is cls or not hasattr(k, "__mapper__")]
    if _single_table(cls) is not None:
        # The mixins (and base) of the mapped parent gave their columns to the shared table.
        parent = next(k for k in cls.__mro__[1:] if hasattr(k, "__mapper__"))
        sources = [k for k in sources if k is cls or k not in parent.__mro__]
    for klass in sources:
        if klass is object or klass is DeclarativeBase:
            continue
        annotations = inspect.get_annotations(klass)
        for name in _declaration_order(klass, annotations):
            value = klass.__dict__.get(name, _ABSENT)
            if name.startswith("__"):
                continue
            owner = f"{cls.__name__}.{name}"
            if isinstance(value, MappedColumn) and value.plain is not None:
                deferred[name] = value.deferred or (None, False)  # deferred(Column(...))
                value = value.plain
            if isinstance(value, Column):
                column = value if klass is cls else copy_mixin_column(value, owner)
                columns[name] = plain_column(column, name, owner, columns, _single_table(cls))
                continue
            if value is not _ABSENT and not isinstance(value, MappedColumn):
                continue  # a plain class attribute, a relationship, a method...
            unwrapped = None
            if name in annotations:
                annotation = _resolve_annotation(klass, name, annotations[name])
                if _is_class_var(annotation):
                    continue
                unwrapped = _unwrap_mapped(cls, name, annotation)
                if unwrapped is None and not allow_unmapped:
                    raise exc.MappingError(
                        f"{owner}: the annotation {annotations[name]!r} is not Mapped[...], so "
                        "corral cannot tell whether to map it. Write Mapped[...] to map a "
                        "column, ClassVar[...] for a class variable, or set "
                        "__allow_unmapped__ = True on the class to leave such annotations alone"
                    )
            if not isinstance(value, MappedColumn):
                if unwrapped is None:
                    continue  # __allow_unmapped__: a plain annotation maps nothing
                value = None
            template = unwrapped[1] if unwrapped is not None else None
            if template is not None:
                value = merged(template, value)
            declared = value if value is not None else mapped_column()
            nullable: bool | None = None
            type_ = declared.type
            if unwrapped is not None:
                python_type, _, nullable = unwrapped
                if type_ is None:
                    type_ = base_registry.sql_type_for(python_type, owner)
            if type_ is None and any(isinstance(k, ForeignKey) for k in declared.foreign_keys):
                type_ = NullType()  # takes the referred column's type once both are known
            if type_ is None:
                raise exc.MappingError(
                    f"{owner}: give mapped_column() a type or annotate Mapped[...]"
                )
            columns[name] = declared.make_column(name, type_, nullable)
            if declared.deferred is not None:
                deferred[name] = declared.deferred
            if declared.active_history:
                active_history.add(name)
    return _class_first(columns, sources)


def _class_first(columns: dict[str, Column], sources: list[type]) -> dict[str, Column]:
    """The columns in SQLAlchemy's table order: the class's own (in body order), then each
    mixin's in MRO order (the base class last)."""
    order: dict[str, None] = {}
    for klass in reversed(sources):
        for name in _declaration_order(klass, inspect.get_annotations(klass)):
            if name in columns:
                order.setdefault(name)
    if list(order) == list(columns) or len(order) != len(columns):
        return columns
    return {name: columns[name] for name in order}


def _declaration_order(klass: type, annotations: dict[str, Any]) -> list[str]:
    """Annotated names and column-valued names, as near the class body's order as can be told.

    ``__dict__`` lacks the annotation-only names and ``__annotations__`` the unannotated
    ones; the two orders are interleaved the way SQLAlchemy does it, so that columns come
    out in the same order (``name: Mapped[str]`` before a later ``x = mapped_column()``).
    """
    valued = [
        name
        for name, value in klass.__dict__.items()
        if name in annotations or isinstance(value, MappedColumn | Column)
    ]
    return _interleave(valued, list(annotations))


def _interleave(first: list[str], second: list[str]) -> list[str]:
    """Walk one list; on a name both share, carry on in the other list from where it stood
    (the shared name is written when that list reaches it); when the walked list ends,
    the rest of the other follows."""
    unseen_shared = set(first) & set(second)
    walkers = [iter(first), iter(second)]
    side = 0
    merged: list[str] = []
    while True:
        for name in walkers[side]:
            if name in unseen_shared:
                unseen_shared.discard(name)
                side = 1 - side
                break
            merged.append(name)
        else:
            merged.extend(walkers[1 - side])
            return merged


def _is_class_var(annotation: Any) -> bool:
    return annotation is ClassVar or get_origin(annotation) is ClassVar


def _table_args(cls: type) -> tuple[list[Any], dict[str, Any]]:
    args = getattr(cls, "__table_args__", None)
    if args is None:
        return [], {}
    if isinstance(args, dict):
        return [], dict(args)
    if not isinstance(args, tuple):
        raise exc.MappingError(
            f"{cls.__name__}.__table_args__ must be a tuple (constraints, indexes, columns and "
            f"an optional dict of Table options last), a dict or None; got {args!r}"
        )
    items = list(args)
    options = items.pop() if items and isinstance(items[-1], dict) else {}
    for item in items:
        if not isinstance(item, Constraint | Index | Column):
            raise exc.MappingError(
                f"{cls.__name__}.__table_args__ holds {item!r}; it takes constraints, indexes, "
                "columns and an optional dict of Table options last"
            )
    return items, options


def _check_explicit_table(cls: type, table: Table | multi_table.MappedJoin) -> None:
    """Refuse what a class mapping ``__table__`` declares besides that table (a class
    mapped against a join may name the join's columns: ``map_join`` checked them)."""
    keys = set(table.columns.keys())
    own = cls.__dict__
    renames = isinstance(table, multi_table.MappedJoin)
    extra = [
        n
        for n, v in own.items()
        if isinstance(v, MappedColumn) or (isinstance(v, Column) and not renames)
    ]
    if "__table_args__" in own:
        extra.append("__table_args__")
    for name, annotation in inspect.get_annotations(cls).items():
        if name.startswith("__") or name in own or name in keys or name in extra:
            continue
        resolved = _resolve_annotation(cls, name, annotation)
        if not _is_class_var(resolved) and (
            get_origin(resolved) is Mapped or not getattr(cls, "__allow_unmapped__", False)
        ):
            extra.append(name)
    if extra:
        raise exc.MappingError(
            f"{cls.__name__} maps the table {table.name!r} given as __table__, which has no "
            f"{', '.join(extra)}: with __table__ every column and Table option belongs in that "
            "Table (annotate only its columns, or use ClassVar[...] for class variables)"
        )


#: ``__mapper_args__`` keys corral understands.
MAPPER_ARGS = (
    "batch",
    "check_read_values",
    "eager_defaults",
    "inherits",
    "legacy_is_orphan",
    "properties",
    "version_id_col",
    "version_id_generator",
    *inheritance.INHERITANCE_ARGS,
)

#: Declarative hooks SQLAlchemy reads that corral has no equivalent for, with what to do instead.
UNSUPPORTED_HOOKS = {
    "__mapper_cls__": "corral has one Mapper class; remove it",
    "__table_cls__": "corral builds a corral Table; remove it and pass Table options in "
    "__table_args__",
}


def _refuse_what_would_be_ignored(cls: type) -> None:
    for klass in cls.__mro__:
        for name, advice in UNSUPPORTED_HOOKS.items():
            if name in klass.__dict__:
                raise exc.MappingError(
                    f"{klass.__name__}.{name} is not supported by corral's declarative mapping "
                    f"(it would be ignored); {advice}"
                )
        if klass is cls:
            continue
        for name, value in klass.__dict__.items():
            if isinstance(value, MapperProperty):
                raise exc.MappingError(
                    f"{klass.__name__}.{name}: a relationship() on a mixin or base class is not "
                    f"mapped onto {cls.__name__}; make it a @declared_attr method returning the "
                    "relationship() (each mapped class gets its own), or declare it on each "
                    "mapped class"
                )


def _map_class(cls: type[DeclarativeBase]) -> None:
    if "__mapper__" in cls.__dict__:
        return
    if abstract_concrete.declares(cls):  # mapped later, onto its subclasses' tables
        abstract_concrete.defer(cls)
        return
    parent = inheritance.mapped_parent(cls)
    resolve_declared_attrs(cls, _not_a_mixin)
    refuse_outside_dataclass(cls)
    expand_composites(cls, cls.registry.sql_type_for)
    _refuse_what_would_be_ignored(cls)
    install_declare_hooks(cls)
    base_registry = cls.registry
    explicit = cls.__dict__.get("__table__")
    if multi_table.is_mappable_join(explicit):
        explicit = mapped_join = multi_table.map_join(cls, explicit, parent)
    else:
        mapped_join = None
        multi_table.refuse_outside_join(cls)
    if explicit is not None and not isinstance(explicit, Table | multi_table.MappedJoin):
        raise exc.MappingError(multi_table.not_a_table(cls, explicit))
    deferred: dict[str, tuple[str | None, bool]] = {}
    active_history: set[str] = set()  # mapped_column(active_history=True) attributes
    own: dict[str, Column] = {}
    if parent is not None and not explicit and not cls.__dict__.get("__tablename__"):
        # Single-table inheritance: the subclass's columns go into its parent's table.
        own = _declared_columns(cls, base_registry, deferred, active_history)
        table = parent.local_table
        inheritance.add_to_table(table, own, cls.__name__)
        columns = {**parent.columns_by_key, **own}
    elif isinstance(explicit, Table | multi_table.MappedJoin):
        _check_explicit_table(cls, explicit)
        table = cast(Any, explicit)  # a MappedJoin is selected and named like a Table
        columns = {key: col for key, col in table.columns.items() if isinstance(col, Column)}
    else:
        tablename = cls.__dict__.get("__tablename__")
        if not tablename:
            raise exc.MappingError(
                f"{cls.__name__} needs __tablename__ (or __table__) to be mapped; mark "
                "base or mixin classes with __abstract__ = True"
            )
        columns = _declared_columns(cls, base_registry, deferred, active_history)
        extra, options = _table_args(cls)
        for item in extra:
            if isinstance(item, Column):  # a column given in __table_args__ is mapped too
                columns[item.key or item.name] = item
        extra = [item for item in extra if not isinstance(item, Column)]
        table = Table(tablename, base_registry.metadata, *columns.values(), *extra, **options)
    mapper_args = dict(getattr(cls, "__mapper_args__", {}))
    mapper_arguments.check_inherits(cls, mapper_args, parent)
    explicit = mapper_arguments.apply_properties(cls, mapper_args, columns, parent)
    explicit |= mapper_arguments.check_inherited_columns(cls, columns, parent)
    if parent is not None and table is not parent.local_table:  # joined-table inheritance
        own = columns
        if not inheritance.is_concrete(cls):  # a concrete class maps its own table alone
            columns = inheritance.joined_columns(parent, table, own, explicit)
    inherited = inheritance.take_mapper_args(cls, mapper_args)
    version = mapper_args.pop("version_id_col", None)
    version_column = _find_version_column(cls, version, columns)
    generator = mapper_args.pop("version_id_generator", None)
    check_read_values = bool(mapper_args.pop("check_read_values", False))
    batch = mapper_args.pop("batch", True)
    if not isinstance(batch, bool):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['batch'] takes True or False, got {batch!r}"
        )
    _check_eager_defaults(cls, mapper_args.pop("eager_defaults", "auto"))
    legacy_is_orphan = mapper_args.pop("legacy_is_orphan", False)
    if not isinstance(legacy_is_orphan, bool):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['legacy_is_orphan'] takes True or False, "
            f"got {legacy_is_orphan!r}"
        )
    if mapper_args:
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__ has keys corral does not support: "
            f"{', '.join(sorted(mapper_args))}; it takes {', '.join(MAPPER_ARGS)}"
        )
    mapper = Mapper(
        cls,
        table if parent is None or own is columns else inheritance.base_table(parent),
        columns,
        version_id_col=version_column,
        version_id_generator=generator,
        check_read_values=check_read_values,
        deferred={key: group for key, (group, _) in deferred.items()},
        deferred_raiseload=frozenset(key for key, (_, r) in deferred.items() if r),
    )
    mapper.batch = batch
    mapper.legacy_is_orphan = legacy_is_orphan
    if mapped_join is not None:
        multi_table.set_up(mapper, mapped_join)
    if parent is not None or inherited or getattr(cls, "__corral_concrete_base__", False):
        inheritance.set_up(mapper, parent, table, own, inherited)
        set_inherit_sync(mapper, mapper.table)
    cls.__table__ = mapper.table if parent is not None else table
    cls.__mapper__ = mapper
    if mapper.inheritance is not None:
        refresh_polymorphic(mapper)
    base_registry.mappers[cls] = mapper
    for key, column in columns.items():
        attribute: InstrumentedAttribute[Any] = InstrumentedAttribute(cls, key, column)
        parent_attribute = parent.class_.__dict__.get(key) if parent is not None else None
        attribute.active_history = key in active_history or bool(
            getattr(parent_attribute, "active_history", False)
        )
        setattr(cls, key, attribute)
        attribute_instrumented(cls, key, attribute)  # InstrumentationEvents
    for key, column in inheritance.own_expressions(mapper, own).items():
        setattr(cls, key, InstrumentedAttribute(cls, key, column))
        attribute_instrumented(cls, key, cls.__dict__[key])
    for klass in reversed(cls.__mro__):
        for key, value in list(klass.__dict__.items()):
            if isinstance(value, QueryExpression):
                mapper.add_query_expression(key, value.default_expr)
                setattr(cls, key, value.attribute(cls, key))
    base_registry.classes_by_name[cls.__name__] = cls
    annotations = inspect.get_annotations(cls)
    for key, value in list(cls.__dict__.items()):
        if isinstance(value, MapperProperty) and not is_mapped(value):  # not mapped on use
            value.key = key
            value.annotation = annotations.get(key)
            mapper.add_relationship(value, configured=False)
    events.mapper_constructed(mapper)  # the class is instrumented: listeners may extend it
    install_validators(cls, mapper)
    after_mapped(cls, mapper)
    try_configure()


def _not_a_mixin(klass: type) -> bool:
    """Whether a class of the MRO is corral's base or a mapped class (not a mixin)."""
    return klass is object or klass is DeclarativeBase or "__mapper__" in klass.__dict__


def _check_eager_defaults(cls: type, value: Any) -> None:
    """``eager_defaults``: corral always reads server-decided values back with the INSERT
    where the database has RETURNING (SQLAlchemy's "auto"), else on first access; True and
    False change only when that SELECT happens, so they are accepted."""
    if value not in (True, False, "auto"):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['eager_defaults'] takes True, False or 'auto', "
            f"got {value!r}"
        )


def _find_version_column(cls: type, version: Any, columns: dict[str, Column]) -> Column | None:
    if version is None:
        return None
    for key, column in columns.items():
        declared = cls.__dict__.get(key)
        if (
            version is declared
            or version is column
            or (isinstance(version, InstrumentedAttribute) and version.column is column)
        ):
            return column
    raise exc.MappingError(
        f"{cls.__name__}.__mapper_args__['version_id_col'] is not one of its mapped columns"
    )


__all__ = ["STATE_ATTR", "DeclarativeBase", "registry"]
