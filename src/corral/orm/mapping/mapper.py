"""The Mapper: how one class maps to one table."""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING, Any, cast

from corral import exc
from corral.orm.mapping import events
from corral.orm.mapping.attribute_events import attribute_instrumented
from corral.orm.mapping.attribute_join import AttributeJoin
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.instance_state import IdentityKey
from corral.orm.mapping.properties import PENDING, MapperProperty
from corral.sql.elements import ColumnElement
from corral.sql.from_clause import ColumnCollection, FromClause
from corral.sql.schema import Column, Table

if TYPE_CHECKING:
    from corral.orm.mapping.inheritance import Inheritance
    from corral.orm.relationships.relationship import Relationship


class Mapper:
    """Columns by attribute, primary key and version column of a mapped class."""

    #: A joined subclass's own table's view: (parent attribute, own attribute) pairs the
    #: flush copies before writing its row (mapping/inherit_sync.py).
    inherit_sync: tuple[tuple[str, str], ...] = ()
    #: What ``select(cls)`` reads when its queries load subclasses in the same SELECT
    #: (``with_polymorphic`` in ``__mapper_args__``, ``polymorphic_load="inline"``), and
    #: the column attributes loaded from it; None / empty otherwise.
    polymorphic_selectable: Any = None
    polymorphic_keys: tuple[str, ...] = ()
    #: Mapped against a join of tables (mapping/multi_table.py): one flush view per table.
    multi_table = False
    #: Column (by id) -> the attribute holding its value, made on first use (attribute_of).
    _attributes_by_column: dict[int, str] | None = None

    def __init__(
        self,
        class_: type[Any],
        table: Table,
        columns: dict[str, Column],
        *,
        version_id_col: Column | None = None,
        version_id_generator: Callable[[Any], Any] | bool | None = None,
        check_read_values: bool = False,
        deferred: dict[str, str | None] | None = None,
        deferred_raiseload: frozenset[str] = frozenset(),
    ) -> None:
        self.class_ = class_
        self.table = table
        self.local_table = table
        #: Attribute name -> Column, in table order.
        self.columns_by_key = columns
        self.column_keys: tuple[str, ...] = tuple(columns)
        #: The same names as a set, shared by every object whose columns all expire.
        self.column_key_set: frozenset[str] = frozenset(columns)
        self.primary_key: tuple[Column, ...] = tuple(table.primary_key.columns)
        if not self.primary_key:
            raise exc.MappingError(
                f"{class_.__name__} cannot be mapped: table {table.name!r} has no primary key. "
                "Mark a column with primary_key=True"
            )
        key_of = {id(col): key for key, col in columns.items()}
        self.primary_key_attrs: tuple[str, ...] = tuple(key_of[id(c)] for c in self.primary_key)
        self.version_id_generator = version_id_generator
        self._version_id_col: Column | None = None
        self.version_id_key: str | None = None
        self.version_id_col = version_id_col
        #: UPDATEs also check that each changed column still holds the value read.
        self.check_read_values = check_read_values
        #: False: each object's before_insert/update/delete fires right before its SQL.
        self.batch = True
        #: An object is an orphan only when every ``delete-orphan`` parent lacks it (not any).
        self.legacy_is_orphan = False
        #: The ``delete-orphan`` relationships whose members are objects of this class.
        self.delete_orphan_parents: list[Relationship] = []
        #: Deferred column attributes -> their group (None: loads alone).
        self.deferred: dict[str, str | None] = dict(deferred or {})
        #: Deferred columns that raise when read instead of loading.
        self.deferred_raiseload = deferred_raiseload
        #: The column attributes a query loads (all but the deferred), and as a set.
        self.loaded_keys: tuple[str, ...] = tuple(k for k in columns if k not in self.deferred)
        self.loaded_key_set: frozenset[str] = frozenset(self.loaded_keys)
        for key in self.deferred:
            if key in self.primary_key_attrs:
                raise exc.MappingError(
                    f"{class_.__name__}.{key} is part of the primary key and cannot be deferred"
                )
        #: Relationships loaded with their parents by default (lazy="selectin"/"joined"/...).
        self.eager_relationships: tuple[str, ...] = ()
        #: Whether a query of this class needs a load plan (deferred columns, eager loads).
        self.needs_plan = bool(self.deferred)
        #: Relationship name -> Relationship (configured on first use; see mapping/properties.py).
        self.relationships: dict[str, Relationship] = {}
        #: What expiring every attribute drops: the columns and the relationships.
        self.expire_keys: tuple[str, ...] = self.column_keys
        #: ``select(cls)`` by primary key with bound parameters, built on the first get().
        self.get_statement: Any = None
        #: Where the primary key sits in a row of ``get_statement`` (set with it).
        self.get_key_positions: tuple[int, ...] = ()
        #: The flush's INSERT into ``table``, with the columns and table it was built from
        #: (unit_of_work/plan.py, on the first flush).
        self.insert_statement: Any = None
        #: ``query_expression()`` attributes -> their default SQL expression (or None).
        self.query_expressions: dict[str, Any] = {}
        #: Inheritance mapping (see mapping/inheritance.py); None for a class mapped alone.
        self.inheritance: Inheritance | None = None
        #: The class identity keys name: the hierarchy's base class (one key per row).
        self.identity_class: type[Any] = class_
        #: What a flush writes per table for this class: itself, or one view per table.
        self.flush_views: tuple[Mapper, ...] = (self,)
        #: Attributes an UPDATE of the row makes stale (``column_property`` expressions).
        self.expire_on_flush: frozenset[str] = frozenset()
        #: ``@validates`` methods by the attribute they validate.
        self.validators: dict[str, Callable[[Any, str, Any], Any]] = {}
        #: Column attributes the constructor stores directly (the others go through their
        #: descriptor: validated or mutable-tracked values).
        self.direct_set_keys: frozenset[str] = self.column_key_set
        #: Whether the constructor has listeners to run: ``init``, or an attribute's (it then
        #: sets every value through the attribute). One check for the default constructor
        #: (an instance attribute: a class-level default would make each read slower).
        self.constructor_events = False
        #: Listeners of MapperEvents and InstanceEvents for this class (mapping/events.py).
        self.dispatch = events.mapper_dispatch(self)
        self._column_properties: dict[str, ColumnProperty] = {}
        #: A class mapped against a join: attributes mapping several columns -> those
        #: columns, in the order given (``column_property(a.c.id, b.c.a_id)``).
        self.joined_columns: dict[str, tuple[Column, ...]] = {}
        #: The compiled per-row loops of plain loads, by row shape (loading/row_loops.py).
        self.row_loops: dict[tuple[Any, ...], Callable[..., list[Any]]] = {}

    def __repr__(self) -> str:
        return f"<Mapper {self.class_.__name__} -> {self.table.name}>"

    @property
    def version_id_col(self) -> Column | None:
        """The column whose value UPDATEs and DELETEs check (None: no version counter)."""
        return self._version_id_col

    @version_id_col.setter
    def version_id_col(self, column: Column | None) -> None:
        key = None
        if column is not None:
            key = next((k for k, c in self.columns_by_key.items() if c is column), None)
            if key is None:
                raise exc.MappingError(
                    f"{self.class_.__name__}: version_id_col {column!r} is not one of its "
                    "mapped columns; map it first (mapper.add_property(key, column))"
                )
            if self.version_id_generator is None:
                self.version_id_generator = _next_version
        self._version_id_col = column
        self.version_id_key = key

    @property
    def columns(self) -> ColumnCollection:
        """The mapped columns keyed by attribute name (``mapper.columns.name``); iterating
        gives the columns."""
        collection = MapperColumns(f"the columns of {self.class_.__name__}")
        for key, column in self.columns_by_key.items():
            collection.add(key, column)
        if self.multi_table:  # every column of the join, under its attribute (as SQLAlchemy)
            collection.entries = [
                (key, self.columns_by_key[key])
                for table in self.tables
                for each in table.columns
                if (key := self.attribute_of(cast(Column, each))) in self.columns_by_key
            ]
        return collection

    @property
    def persist_selectable(self) -> Table:
        """The table rows are written to (the base table, for single-table inheritance;
        the join given, for a class mapped against several tables)."""
        return self.local_table if self.multi_table else self.table

    @property
    def mapped_table(self) -> Table:
        """SQLAlchemy 1.x's name for ``persist_selectable``."""
        return self.persist_selectable

    @property
    def tables(self) -> list[Table]:
        """The tables the class's rows are stored in, referred tables first."""
        given = getattr(self.table, "tables", None)
        if isinstance(given, list):  # a class mapped against a join: its tables
            return list(given)
        return [view.table for view in self.flush_views]

    @property
    def c(self) -> ColumnCollection:
        """The same as ``columns``."""
        return self.columns

    @property
    def column_attrs(self) -> ReadOnlyProperties:
        """A ``ColumnProperty`` per mapped column, by attribute name (the same object each
        time, so a flag set on one, such as ``active_history``, stays)."""
        found = self._column_properties
        for key, col in self.columns_by_key.items():
            prop = found.get(key)
            if prop is None or prop.parent is not self or prop.expression is not col:
                found[key] = ColumnProperty(self, key, col, self._columns_of(key, col))
        return ReadOnlyProperties({key: found[key] for key in self.columns_by_key})

    def _columns_of(self, key: str, column: Column) -> list[Column]:
        """Every column attribute ``key`` maps: a joined subclass's own table's column of an
        inherited attribute first, then the inherited one (as SQLAlchemy lists them); for a
        class mapped against a join, the columns as ``column_property()`` named them."""
        if self.multi_table:
            return list(self.joined_columns.get(key, (column,)))
        found: list[Column] = []
        for view in reversed(self.flush_views):
            mapped = view.columns_by_key.get(key)
            if mapped is not None and all(mapped is not c for c in found):
                found.append(mapped)
        if all(column is not c for c in found):
            found.append(column)
        return found

    def attribute_of(self, column: Column) -> str:
        """The attribute holding ``column``'s value: the one mapping it (every column of a
        multi-column attribute, a joined subclass's own key column, a column mapped under
        another name), else the column's key."""
        found = self._attributes_by_column
        if found is None:
            found = {}
            for key, mapped in self.columns_by_key.items():
                found.setdefault(id(mapped), key)
                for each in self._columns_of(key, mapped):
                    found.setdefault(id(each), key)
            self._attributes_by_column = found
        return found.get(id(column), column.key)

    def selected_key(self, column: Column) -> str:
        """The key of ``column`` in the class's table and its aliases: the attribute in a
        join of tables (keyed by attribute), the column's key in a table."""
        return self.attribute_of(column) if isinstance(self.table, AttributeJoin) else column.key

    def selected_column(self, selectable: FromClause, column: Column) -> ColumnElement[Any]:
        """``selectable``'s column for ``column`` of this class's tables, ``selectable``
        being the class's table or an alias of it (keyed as the table: ``selected_key``)."""
        return selectable.columns[self.selected_key(column)]

    @property
    def attrs(self) -> ReadOnlyProperties:
        """Every mapped attribute's property by name: relationships, then columns."""
        from corral.orm.mapping.properties import configure_mappers

        configure_mappers()
        found: dict[str, Any] = dict(self.relationships)
        found.update(self.column_attrs.items())
        return ReadOnlyProperties(found)

    @property
    def all_orm_descriptors(self) -> ReadOnlyProperties:
        """Every attribute the ORM put on the class or its bases, by name: columns,
        relationships, ``column_property`` / ``query_expression``, synonyms, composites,
        hybrids and association proxies (the class-level descriptors themselves)."""
        found: dict[str, Any] = {}
        for klass in reversed(self.class_.__mro__):
            for name, value in vars(klass).items():
                if _is_orm_descriptor(value):
                    found[name] = value
        return ReadOnlyProperties(found)

    def add_relationship(self, prop: MapperProperty, *, configured: bool = True) -> None:
        """Attach a relationship to this class under its key; ``configured=False`` queues it
        for ``configure_mappers()``."""
        rel = cast("Relationship", prop)  # relationships are the only such properties
        rel.parent = self
        self._take_relationship(rel)
        if self.inheritance is not None:  # subclasses inherit it
            for sub in self.inheritance.inheriting_descendants():
                sub._take_relationship(rel)
        setattr(self.class_, rel.key, rel.class_attribute())
        attribute_instrumented(self.class_, rel.key, self.class_.__dict__[rel.key])
        if not configured:
            PENDING.append(rel)

    def _take_relationship(self, rel: Relationship) -> None:
        self.relationships[rel.key] = rel
        self.expire_keys = (*self.column_keys, *self.relationships, *self.query_expressions)
        eager = ("selectin", "joined", "subquery", "immediate")
        self.eager_relationships = tuple(
            key for key, r in self.relationships.items() if r.lazy in eager
        )
        self.needs_plan = bool(
            self.deferred
            or self.eager_relationships
            or self._default_exprs()
            or (self.inheritance is not None and self.inheritance.needs_plan)
        )

    def add_property(self, key: str, prop: Any) -> None:
        """Map one more attribute on the already-mapped class: a ``Column`` of its table (or
        a ``ColumnProperty`` of one), or a relationship (configured on next use)."""
        if isinstance(prop, MapperProperty):
            prop.key = key
            prop.annotation = None
            self.add_relationship(prop, configured=False)
            return
        column = prop.columns[0] if isinstance(prop, ColumnProperty) else prop
        column = getattr(column, "__clause_element__", lambda: column)()
        if self.multi_table:
            raise exc.ArgumentError(
                f"{self.class_.__name__}: add_property({key!r}, ...) of a column is not "
                "supported on a class mapped against a join; name the column in the class "
                "body (or map a relationship)"
            )
        if not isinstance(column, Column) or column.table is not self.local_table:
            raise exc.ArgumentError(
                f"{self.class_.__name__}: add_property({key!r}, {prop!r}) takes a Column of "
                f"table {self.local_table.name!r} or a relationship()"
            )
        if key in self.relationships:
            raise exc.ArgumentError(
                f"{self.class_.__name__}.{key} is a relationship; map the column under another name"
            )
        mappers = [self]
        if self.inheritance is not None:
            mappers += self.inheritance.inheriting_descendants()
        for mapper in mappers:
            mapper._take_column(key, column)

    def _take_column(self, key: str, column: Column) -> None:
        """Map ``column`` as ``key``: every per-mapper list of columns is made again, and
        the statement built for ``get()`` is dropped so the next one selects it."""
        self.columns_by_key[key] = column
        self.column_keys = tuple(self.columns_by_key)
        self.column_key_set = frozenset(self.column_keys)
        self.loaded_keys = tuple(k for k in self.column_keys if k not in self.deferred)
        self.loaded_key_set = frozenset(self.loaded_keys)
        self.expire_keys = (*self.column_keys, *self.relationships, *self.query_expressions)
        self.direct_set_keys = self.direct_set_keys | {key}
        key_of = {id(col): k for k, col in self.columns_by_key.items()}
        self.primary_key_attrs = tuple(key_of[id(c)] for c in self.primary_key)
        self.get_statement = None
        self.get_key_positions = ()
        self.insert_statement = None
        self._column_properties.pop(key, None)
        self._attributes_by_column = None
        for view in self.flush_views:
            if view is not self and view.table is column.table:
                view.columns_by_key[key] = column
                view.column_keys = tuple(view.columns_by_key)
                view.insert_statement = None
        attribute: InstrumentedAttribute[Any] = InstrumentedAttribute(self.class_, key, column)
        setattr(self.class_, key, attribute)
        attribute_instrumented(self.class_, key, attribute)

    def add_query_expression(self, key: str, default_expr: Any) -> None:
        """Map a ``query_expression()`` attribute (loaded by ``with_expression()``)."""
        self.query_expressions[key] = default_expr
        self.expire_keys = (*self.column_keys, *self.relationships, *self.query_expressions)
        if default_expr is not None:
            self.needs_plan = True

    def _default_exprs(self) -> bool:
        return any(e is not None for e in self.query_expressions.values())

    # -- the hierarchy and the properties, under SQLAlchemy's inspection names --------------

    @property
    def inherits(self) -> Mapper | None:
        """The mapper of the mapped class this class derives from (None for a root class)."""
        return self.inheritance.parent if self.inheritance is not None else None

    @property
    def base_mapper(self) -> Mapper:
        """The mapper of the hierarchy's root class (this one when it is the root)."""
        return self.inheritance.base if self.inheritance is not None else self

    @property
    def single(self) -> bool:
        """Whether this class shares its parent class's table (single-table inheritance)."""
        inheritance = self.inheritance
        return (
            inheritance is not None
            and inheritance.parent is not None
            and (inheritance.parent.table is self.table)
        )

    @property
    def polymorphic_on(self) -> Column | None:
        """The hierarchy's discriminator column (None when it has none)."""
        inheritance = self.inheritance
        if inheritance is None or inheritance.polymorphic_on is None:
            return None
        return self.columns_by_key.get(inheritance.polymorphic_on)

    @property
    def polymorphic_identity(self) -> Any:
        """This class's discriminator value (None when it has none)."""
        return self.inheritance.identity if self.inheritance is not None else None

    def iterate_to_root(self) -> Iterator[Mapper]:
        """This mapper, then each mapper it inherits from, up to the root."""
        mapper: Mapper | None = self
        while mapper is not None:
            yield mapper
            mapper = mapper.inherits

    @property
    def iterate_properties(self) -> Iterator[Any]:
        """Every mapped property: relationships, then column attributes."""
        return iter(self.attrs)

    def get_property_by_column(self, column: Any) -> ColumnProperty:
        """The column attribute mapping ``column``; UnmappedColumnError when none does."""
        for prop in self.column_attrs.values():
            if any(mapped is column for mapped in prop.columns):
                return cast(ColumnProperty, prop)
        table = getattr(column, "table", None)
        where = f"{table.name}.{column.name}" if isinstance(table, Table) else column.name
        raise exc.UnmappedColumnError(
            f"{self.class_.__name__} maps no attribute to column {where}; its mapped columns "
            "are in inspect(cls).columns"
        )

    def new_instance(self) -> Any:
        """An uninitialised instance of the class (``__init__`` is not run), for loading."""
        cls: Any = self.class_
        return cls.__new__(cls)

    def identity_key(self, primary_key: tuple[Any, ...]) -> IdentityKey:
        return (self.identity_class, primary_key)

    def identity_key_of(self, obj: object) -> IdentityKey | None:
        """The identity key from the object's primary key values (None if one is missing)."""
        d = obj.__dict__
        values = tuple(d.get(k) for k in self.primary_key_attrs)
        if any(v is None for v in values):
            return None
        return (self.identity_class, values)


class ColumnProperty:
    """``inspect(User).attrs.name``: a mapped column attribute, as the mapper describes it."""

    def __init__(
        self, parent: Mapper, key: str, column: Column, columns: list[Column] | None = None
    ) -> None:
        self.parent = parent
        self.key = key
        self.columns = columns or [column]
        self.expression = column

    @property
    def class_attribute(self) -> Any:
        return getattr(self.parent.class_, self.key)

    @property
    def active_history(self) -> bool:
        """Whether setting the attribute on an object that has not loaded it loads the
        old value first, so the attribute's history has it (``get_history()``)."""
        return bool(getattr(self.class_attribute, "active_history", False))

    @active_history.setter
    def active_history(self, value: bool) -> None:
        self.class_attribute.active_history = bool(value)

    def __repr__(self) -> str:  # as SQLAlchemy's
        return f"<ColumnProperty at {id(self):#x}; {self.key}>"


class MapperColumns(ColumnCollection):
    """``mapper.columns``: the mapped columns by attribute; for a class mapped against a
    join, iterating lists one entry per column of its tables, an attribute mapping several
    columns once per column (with its first column), as SQLAlchemy lists them."""

    __slots__ = ("entries",)

    def __init__(self, owner: str) -> None:
        super().__init__(owner)
        self.entries: list[tuple[str, ColumnElement[Any]]] | None = None

    def __iter__(self) -> Iterator[ColumnElement[Any]]:
        return iter(self.values())

    def __len__(self) -> int:
        return len(self.entries) if self.entries is not None else super().__len__()

    def keys(self) -> list[str]:
        return [k for k, _ in self.entries] if self.entries is not None else super().keys()

    def values(self) -> list[ColumnElement[Any]]:
        return [c for _, c in self.entries] if self.entries is not None else super().values()

    def items(self) -> list[tuple[str, ColumnElement[Any]]]:
        return list(self.entries) if self.entries is not None else super().items()


class ReadOnlyProperties(Mapping[str, Any]):
    """Properties by name, also as attributes (``mapper.attrs.name``); iterating gives the
    properties, as SQLAlchemy's collection does."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._data.values()))

    def __len__(self) -> int:
        return len(self._data)

    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def values(self) -> ValuesView[Any]:
        return self._data.values()

    def items(self) -> ItemsView[str, Any]:
        return self._data.items()


def _is_orm_descriptor(value: Any) -> bool:
    """Whether a class attribute is one the ORM or its extensions made."""
    from corral.orm.mapping.attributes import InstrumentedAttribute
    from corral.orm.mapping.composite import CompositeAttribute
    from corral.orm.mapping.query_expression import QueryExpressionAttribute
    from corral.orm.mapping.synonym import Synonym

    if isinstance(value, InstrumentedAttribute | QueryExpressionAttribute | Synonym):
        return True
    if isinstance(value, CompositeAttribute):
        return True
    # Relationships (a layer above) and extensions (hybrids, association proxies) say so.
    return bool(getattr(type(value), "is_attribute", False))


def _next_version(current: Any) -> int:
    return 1 if current is None else int(current) + 1
