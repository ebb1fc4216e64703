"""Mapping a class against a join of tables (SQLAlchemy's "Mapping a Class against Multiple
Tables").

``__table__ = join(user_table, address_table)`` maps every column of both tables as an
attribute named after the column's key. Columns that hold the same value (the join's
``user.id`` and ``address.user_id``) are mapped as one attribute with
``id = column_property(user_table.c.id, address_table.c.user_id)``; another column is
mapped under a name of one's choice by assigning it (``address_id = address_table.c.id``).
Two columns of the same key not mapped explicitly are refused, as SQLAlchemy refuses them.

The class selects from the join; its primary key is the primary key columns of its tables,
less those the join makes equal to one already counted (a foreign key or the ON clause).
A flush writes one row per table through the same per-table views joined inheritance uses
(``Mapper.flush_views``): INSERTs in foreign-key order, the first table's generated key
going into the next table's column that shares its attribute; UPDATEs only of the tables
whose columns changed; DELETEs in reverse order. A table whose columns are mapped under
other names than their keys is written through a private copy keyed by attribute, so the
statements' parameters are the attributes' names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard, cast

from corral import exc
from corral.orm.mapping.attribute_join import AttributeJoin
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.inherit_sync import equalities
from corral.orm.mapping.inheritance import local_view
from corral.orm.mapping.mapper_args import rekey_columns
from corral.sql.from_clause import Join
from corral.sql.schema import Column, MetaData, Table
from corral.sql.table_copy import copy_table

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper


class JoinedColumns:
    """What ``column_property(a.c.x, b.c.y)`` returns: columns of several tables holding
    one value, mapped as one attribute of a class mapped against their join."""

    __slots__ = ("columns",)

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns

    def __repr__(self) -> str:
        return f"column_property({', '.join(_qualified(c) for c in self.columns)})"


def joined_columns(given: tuple[Any, ...]) -> JoinedColumns:
    """``column_property(a, b, ...)`` of table columns (or mapped attributes of them)."""
    columns: list[Column] = []
    for item in given:
        found = item.column if isinstance(item, InstrumentedAttribute) else item
        element = getattr(found, "__clause_element__", None)
        found = element() if element is not None else found
        if not isinstance(found, Column) or not isinstance(found.table, Table):
            raise exc.ArgumentError(
                f"column_property() of several columns takes columns of tables (or mapped "
                f"attributes of them), to map against a join of those tables; got {item!r}"
            )
        columns.append(found)
    return JoinedColumns(tuple(columns))


class MappedJoin(AttributeJoin):
    """The join a class is mapped against, its columns keyed by attribute; ``given`` is
    the join as the class named it (``inspect(cls).local_table``)."""

    def __init__(
        self,
        given: Join,
        columns: dict[str, Column],
        joined: dict[str, tuple[Column, ...]],
        tables: list[Table],
    ) -> None:
        super().__init__(
            given.left, given.right, given.onclause, columns, isouter=given.isouter, full=given.full
        )
        self.given = given
        self.tables = tables
        #: Attributes mapping several columns -> those columns, as given.
        self.joined = joined
        self.name = "_".join(table.name for table in tables)
        self._primary_key = _reduced_key(tables, given.onclause)

    @property
    def primary_key(self) -> JoinPrimaryKey:
        return JoinPrimaryKey(self._primary_key)

    @property
    def metadata(self) -> MetaData:
        return self.tables[0].metadata


class JoinPrimaryKey:
    """The primary key of a mapped join: its tables' key columns, reduced."""

    __slots__ = ("columns",)

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns

    def __iter__(self) -> Any:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


def is_mappable_join(given: object) -> TypeGuard[Join]:
    """Whether ``__table__`` is a join this module maps (not an inheritance join)."""
    return isinstance(given, Join) and not isinstance(given, AttributeJoin)


def map_join(cls: type, given: Join, parent: Mapper | None) -> MappedJoin:
    """The join ``cls`` maps, with its attributes: column keys, or the names the class body
    gives columns (``address_id = address.c.id``, ``id = column_property(a, b)``)."""
    if parent is not None:
        raise exc.MappingError(
            f"{cls.__name__} maps a join of tables and derives from the mapped class "
            f"{parent.class_.__name__}; corral maps a class against a join only at the "
            "root of a hierarchy (derive it from the declarative base)"
        )
    tables = _tables(cls, given)
    named: dict[int, str] = {}
    joined: dict[str, tuple[Column, ...]] = {}
    for name, value in cls.__dict__.items():
        if isinstance(value, JoinedColumns):
            columns = value.columns
        elif isinstance(value, InstrumentedAttribute):
            columns = (value.column,)
        elif isinstance(value, Column):
            columns = (value,)
        else:
            continue
        for column in columns:
            if all(column.table is not table for table in tables):
                raise exc.MappingError(
                    f"{cls.__name__}.{name}: {_qualified(column)} is not a column of the "
                    f"tables it is mapped against ({', '.join(t.name for t in tables)}); a "
                    "class mapped against a join maps the columns of the join's tables: add "
                    "the column to one of those Tables"
                )
            named[id(column)] = name
        if len(columns) > 1:
            if len({id(column.table) for column in columns}) < len(columns):
                raise exc.MappingError(
                    f"{cls.__name__}.{name} = {value!r} maps two columns of one table; "
                    "column_property() of several columns takes one column per table"
                )
            joined[name] = columns
    mapped: dict[str, Column] = {}
    for table in tables:
        for column in [c for c in table.columns if isinstance(c, Column)]:
            key = named.get(id(column), column.key)
            if key in mapped:
                if key in joined:
                    continue
                raise exc.InvalidRequestError(
                    f"{cls.__name__}: implicitly combining column {_qualified(mapped[key])} "
                    f"with column {_qualified(column)} under attribute {key!r}; configure "
                    "the same-named columns explicitly: map both as one attribute with "
                    f"{key} = column_property({_qualified(mapped[key])}, "
                    f"{_qualified(column)}), or one of them under another name "
                    f"(other_{key} = {_qualified(column)})"
                )
            mapped[key] = joined[key][0] if key in joined else column
    return MappedJoin(given, mapped, joined, tables)


def set_up(mapper: Mapper, join: MappedJoin) -> None:
    """Give ``mapper`` its per-table flush views and its multi-column attributes."""
    mapper.multi_table = True
    mapper.joined_columns = dict(join.joined)
    mapper.local_table = cast(Any, join.given)  # SQLAlchemy's local_table: the join given
    by_table: dict[int, dict[str, Column]] = {id(table): {} for table in join.tables}
    for key, column in mapper.columns_by_key.items():
        for each in join.joined.get(key, (column,)):
            by_table[id(each.table)][key] = each
    views = []
    for table in join.tables:
        written, own = table, by_table[id(table)]
        if any(column.key != key for key, column in own.items()):
            written, own = _keyed_copy(table, own)
        views.append(local_view(mapper, written, own))
    mapper.flush_views = tuple(views)


def not_a_table(cls: type, given: object) -> str:
    """Why ``__table__ = given`` (a subquery, a select) cannot be mapped, and what to do."""
    return (
        f"{cls.__name__}.__table__ is {given!r}; corral maps a class to a Table or a join "
        "of Tables (join(a, b)), and mapping a class against a select (SQLAlchemy's "
        "'Mapping a Class against Arbitrary Subqueries') is not supported. Map the tables "
        "and query the select with select(...).from_statement() or aliased(cls, subquery)"
    )


def refuse_outside_join(cls: type) -> None:
    """A ``column_property()`` of several table columns on a class not mapped to a join."""
    for name, value in cls.__dict__.items():
        if isinstance(value, JoinedColumns):
            raise exc.MappingError(
                f"{cls.__name__}.{name} = {value!r} maps columns of several tables as one "
                "attribute, which a class mapped against the join of those tables does; "
                f"give {cls.__name__} __table__ = join(<tables>)"
            )


def _tables(cls: type, given: Join) -> list[Table]:
    """The tables of a join, left to right; a join of anything else is refused."""
    tables: list[Table] = []
    for part in given._covers():
        if isinstance(part, Table):
            tables.append(part)
        elif not isinstance(part, Join):
            raise exc.MappingError(
                f"{cls.__name__}.__table__ joins {part.describe()}, which is not a Table; "
                "corral maps a class against a join of Tables (not of subqueries or aliases)"
            )
    return tables


def _reduced_key(tables: list[Table], onclause: Any) -> tuple[Column, ...]:
    """The join's primary key: each table's key columns, less those that refer to (foreign
    key) or are equated by the ON clause with a key column already counted."""
    equated = [(id(a), id(b)) for a, b in equalities(onclause)]
    kept: list[Column] = []
    for table in tables:
        for column in table.primary_key.columns:
            if not any(_same_value(column, other, equated) for other in kept):
                kept.append(column)
    return tuple(kept)


def _same_value(column: Column, other: Column, equated: list[tuple[int, int]]) -> bool:
    if (id(column), id(other)) in equated or (id(other), id(column)) in equated:
        return True
    return any(fk.target == _qualified(other) for fk in column.foreign_keys)


def _keyed_copy(table: Table, own: dict[str, Column]) -> tuple[Table, dict[str, Column]]:
    """A private copy of ``table`` (in a MetaData of its own, never created) whose columns
    are keyed by the attributes they are mapped under, for the flush's statements."""
    copy = copy_table(table, MetaData())
    originals = {id(column): index for index, column in enumerate(table.columns)}
    copies = list(copy.columns)
    attribute = {id(column): key for key, column in own.items()}
    keyed: dict[str, Column] = {}
    for column in table.columns:
        key = attribute.get(id(column))
        if key is not None:
            found = copies[originals[id(column)]]
            assert isinstance(found, Column)
            keyed[key] = found
    rekey_columns(copy, {id(column): key for key, column in keyed.items()})
    return copy, keyed


def _qualified(column: Column) -> str:
    table_name = getattr(column.table, "name", None)
    return f"{table_name}.{column.name}" if table_name is not None else column.name


__all__ = [
    "JoinedColumns",
    "MappedJoin",
    "is_mappable_join",
    "joined_columns",
    "map_join",
    "not_a_table",
    "refuse_outside_join",
    "set_up",
]
