"""INSERT, UPDATE and DELETE statements."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from corral import exc
from corral.sql.columns import NamedColumn
from corral.sql.conditions import _condition
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement
from corral.sql.execution_options import HasExecutionOptions
from corral.sql.from_clause import CTE, ColumnCollection, FromClause, TableClause
from corral.sql.selectable import SelectBase, _column_or_from
from corral.sql.text import TextClause

if TYPE_CHECKING:
    from corral.sql.upsert import UpsertClause


def _check_table(table: object, statement: str) -> TableClause:
    if not isinstance(table, TableClause):
        target = getattr(table, "__table__", None)  # a mapped class
        if isinstance(target, TableClause):
            return target
        # A joined-inheritance subclass selects from a join; its statements write its own table.
        local = getattr(target, "local_table", None)
        if isinstance(local, TableClause):
            return local
        raise exc.ArgumentError(f"{statement}() takes a Table, got {type(table).__name__}")
    return table


class DMLStatement(ClauseElement, HasExecutionOptions):
    """What INSERT, UPDATE and DELETE share: a table, RETURNING and value binding."""

    kind = "dml"

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        self.table = table
        #: The mapped class the statement was made from (``update(User)``), else None.
        self._entity = entity
        self._returning: list[ColumnElement[Any]] = []
        #: The items given to returning(), as given (for returning_column_descriptions).
        self._returning_given: list[Any] = []
        #: (mapped class, first, stop) for each class in returning(): its columns' positions.
        self._returning_entities: list[tuple[Any, int, int]] = []
        self._values: dict[str, BindParameter[Any] | ColumnElement[Any]] = {}
        #: Whether values() (or ordered_values()) was called, even with nothing.
        self._values_given = False
        #: RETURNING rows of an executemany come back in parameter order (asked for).
        self._sort_by_parameter_order = False

    def _clone(self) -> Any:
        clone = type(self).__new__(type(self))
        clone.__dict__ = {
            key: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for key, v in self.__dict__.items()
            if key != "_frozen_key"  # a changed copy has its own key
        }
        return clone

    def freeze(self) -> Self:
        """Compute the cache key once, for a statement executed again and again unchanged
        (the INSERT a flush runs for a mapper); its changed copies compute their own."""
        binds: list[BindParameter[Any]] = []
        self.__dict__["_frozen_key"] = (self._key(binds), binds)
        return self

    def returning(self, *columns: Any, sort_by_parameter_order: bool = False) -> Any:
        """Columns (or mapped classes) the statement returns. ``sort_by_parameter_order``:
        with several parameter sets, rows come back in the order of the sets; corral's
        executemany with RETURNING always keeps that order (see engine/returning_many.py)."""
        clone = self._clone()
        clone._sort_by_parameter_order = clone._sort_by_parameter_order or bool(
            sort_by_parameter_order
        )
        clone._returning_given.extend(columns)
        for col in columns:
            entity = _column_or_from(col)
            if isinstance(entity, ColumnElement):
                clone._returning.append(entity)
            else:
                first = len(clone._returning)
                clone._returning.extend(entity.columns)
                if hasattr(col, "__mapper__"):
                    clone._returning_entities.append((col, first, len(clone._returning)))
        return clone

    def cte(self, name: str | None = None, recursive: bool = False) -> CTE:
        """The statement as a common table expression, ``WITH name AS (UPDATE ...
        RETURNING ...)``, whose columns are its RETURNING columns (PostgreSQL runs such
        data-modifying CTEs; SQLite and MariaDB have none)."""
        if recursive:
            raise exc.ArgumentError(
                f"{type(self).__name__.lower()}().cte(recursive=True): a data-modifying CTE "
                "cannot refer to itself; leave recursive out"
            )
        return CTE(self, name)

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        """The RETURNING columns, as a CTE of this statement names them."""
        return [
            (column.key or f"anon_{position + 1}", column)
            for position, column in enumerate(self._returning)
        ]

    #: Set by ``corral.orm``: ``entity_description`` / ``returning_column_descriptions``.
    _describe_entity: ClassVar[Callable[[DMLStatement], dict[str, Any]] | None] = None
    _describe_returning: ClassVar[Callable[[DMLStatement], list[dict[str, Any]]] | None] = None

    @property
    def entity_description(self) -> dict[str, Any]:
        """The statement's target: ``name`` and ``table`` (and for a mapped class,
        ``entity``, ``expr`` and ``type``)."""
        describe = DMLStatement._describe_entity
        if describe is None:  # pragma: no cover - corral.orm is imported with corral
            raise NotImplementedError("entity_description needs corral.orm")
        return describe(self)

    @property
    def returning_column_descriptions(self) -> list[dict[str, Any]]:
        """One dict per item of ``returning()``, as ``Select.column_descriptions``."""
        describe = DMLStatement._describe_returning
        if describe is None:  # pragma: no cover - corral.orm is imported with corral
            raise NotImplementedError("returning_column_descriptions needs corral.orm")
        return describe(self)

    def _column_key(self, key: object) -> str:
        """The table's key for a column named by key, by Column or by mapped attribute."""
        if isinstance(key, str):
            return self.table.columns.key_for(key)  # a declarative column also by its name
        column = key.__clause_element__() if isinstance(key, ColumnElement) else None
        table = getattr(column, "table", None)
        if column is not None and column.key is not None and table is not None:
            if table is self.table or table._underlying() is self.table:
                return column.key
            raise exc.ArgumentError(
                f"{type(self).__name__.lower()}() on table {self.table.name!r} got a value for "
                f"{column.describe()} of {table.describe()}, another table; name columns of "
                f"{self.table.name!r} only"
            )
        raise exc.ArgumentError(
            f"{type(self).__name__.lower()}().values() takes column names, columns or mapped "
            f"attributes as keys, got {key!r}"
        )

    def _value_element(self, key: str, value: object) -> BindParameter[Any] | ColumnElement[Any]:
        column = self.table.columns.get(key)
        if column is None:
            raise exc.NoSuchColumnError(
                f"{type(self).__name__.lower()}() on table {self.table.name!r} got a value for "
                f"{key!r}, which is not one of its columns: {', '.join(self.table.columns.keys())}"
            )
        if isinstance(value, ColumnElement):
            return value.__clause_element__()
        if isinstance(value, SelectBase):
            return value.scalar_subquery()
        if value is not None and not column.type.accepts(value):
            raise exc.ArgumentError(
                f"Bad value for {column.describe()}: {column.type.rejection(value)}"
            )
        return BindParameter(key, value, column.type, origin=column.describe())

    def _set_values(self, values: Mapping[Any, Any]) -> None:
        self._values_given = True
        for given, value in values.items():
            key = self._column_key(given)
            self._values[key] = self._value_element(key, value)

    def _display_keys(self) -> tuple[str, ...] | None:
        # Printed without values(), a statement shows every column as a parameter
        # (executed without parameters, it sets only the columns with defaults).
        return None if self._values_given else tuple(self.table.columns.keys())

    @property
    def exported_columns(self) -> ColumnCollection:
        collection = ColumnCollection("returning")
        for col in self._returning:
            collection.add(col.key or "", col)
        return collection

    def _base_key(self, binds: list[BindParameter[Any]]) -> tuple[Hashable, ...]:
        return (
            type(self).__name__,
            self.table._key(binds),
            tuple((k, v._key(binds)) for k, v in self._values.items()),
            tuple(r._key(binds) for r in self._returning),
            self._values_given,
        )


class Insert(DMLStatement):
    """``INSERT INTO table (columns) VALUES (...)``, many rows, or ``... SELECT``."""

    visit_name = "insert"
    #: What the INSERT does on a key collision (a dialect's ``insert()`` sets it).
    _upsert: UpsertClause | None = None

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        super().__init__(table, entity)
        self._multi_values: list[dict[str, BindParameter[Any] | ColumnElement[Any]]] = []
        self._from_select: tuple[list[str], SelectBase] | None = None

    def values(self, *args: Any, **kwargs: Any) -> Self:
        """Values for one row (a dict or keywords) or many rows (a list of dicts)."""
        clone: Self = self._clone()
        clone._values_given = True
        if args and isinstance(args[0], list | tuple) and len(args) == 1:
            rows = args[0]
            if not rows or not all(isinstance(r, Mapping) for r in rows):
                raise exc.ArgumentError("insert().values([...]) takes a non-empty list of dicts")
            for row in rows:
                keys = [clone._column_key(k) for k in row]
                clone._multi_values.append(
                    {k: clone._value_element(k, v) for k, v in zip(keys, row.values(), strict=True)}
                )
            return clone
        if args:
            if len(args) != 1 or not isinstance(args[0], Mapping):
                raise exc.ArgumentError(
                    "insert().values() takes one dict, a list of dicts or keywords"
                )
            clone._set_values(args[0])
        clone._set_values(kwargs)
        return clone

    def from_select(self, names: Sequence[str], select: SelectBase) -> Self:
        """``INSERT INTO table (names) SELECT ...``."""
        clone: Self = self._clone()
        for name in names:
            if name not in self.table.columns:
                raise exc.NoSuchColumnError(
                    f"from_select(): table {self.table.name!r} has no column {name!r}"
                )
        clone._from_select = (list(names), select)
        clone._values_given = True
        return clone

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        multi = tuple(
            tuple((k, v._key(binds)) for k, v in row.items()) for row in self._multi_values
        )
        from_select = (
            (tuple(self._from_select[0]), self._from_select[1]._key(binds))
            if self._from_select
            else None
        )
        upsert = self._upsert._key(binds) if self._upsert is not None else None
        return (*self._base_key(binds), multi, from_select, upsert)


class _FilteredDML(DMLStatement):
    #: Set by ``corral.orm``: the criteria writing a mapped class's rows adds to the WHERE
    #: (``update(Engineer)``: a single-table subclass's ``type IN (...)``), compiled with it.
    _entity_criteria: ClassVar[Callable[[_FilteredDML], list[ColumnElement[Any]]] | None] = None
    #: False for the UPDATE a bulk UPDATE by primary key runs, which SQLAlchemy writes
    #: without the class's criteria (the keys name the rows).
    _adds_entity_criteria = True

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        super().__init__(table, entity)
        self._where: list[ColumnElement[Any]] = []

    def where(self, *conditions: ColumnElement[Any] | TextClause | bool) -> Any:
        clone = self._clone()
        clone._where.extend(_condition(c, "where()") for c in conditions)
        return clone

    filter = where

    def filter_by(self, **values: Any) -> Any:
        return self.where(*(self.table.columns[k] == v for k, v in values.items()))

    def _compiled_where(self) -> list[ColumnElement[Any]]:
        """The WHERE conditions compiled: the statement's, then its class's criteria."""
        if self._entity is None or not self._adds_entity_criteria:
            return self._where
        hook = type(self)._entity_criteria
        cached: tuple[Any, list[ColumnElement[Any]]] | None = self.__dict__.get("_entity_where")
        if cached is None or cached[0] is not self._entity:
            # Kept (clones share it): the cache key and the SQL must hold the same binds.
            cached = self.__dict__["_entity_where"] = (
                self._entity,
                [] if hook is None else hook(self),
            )
        return [*self._where, *cached[1]] if cached[1] else self._where

    def _extra_froms(self) -> list[FromClause]:
        """The FROMs other than the target table that the WHERE names: ``UPDATE ... FROM``
        / multi-table ``DELETE``, as SQLAlchemy writes them."""
        covered = {id(f) for f in self.table._covers()}
        extra: list[FromClause] = []
        for condition in self._compiled_where():
            for from_ in condition._from_objects():
                if id(from_) not in covered:
                    covered.update(id(f) for f in from_._covers())
                    extra.append(from_)
        return extra

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        # The extra FROMs come first: their values are written before the WHERE's.
        return (
            *self._base_key(binds),
            tuple(f._key(binds) for f in self._extra_froms()),
            tuple(w._key(binds) for w in self._compiled_where()),
        )


class Update(_FilteredDML):
    """``UPDATE table SET ... WHERE ...``."""

    visit_name = "update"

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        super().__init__(table, entity)
        #: SET lists the values in the order given (ordered_values()), not the table's.
        self._ordered = False
        #: Values for columns of other tables: MariaDB/MySQL's multi-table UPDATE sets them.
        self._other_values: list[tuple[NamedColumn[Any], ColumnElement[Any]]] = []

    def values(self, *args: Mapping[Any, Any], **kwargs: Any) -> Update:
        """The SET values: a dict keyed by column name, column or attribute, or keywords."""
        if self._ordered:
            raise exc.ArgumentError(
                "update(): this statement's SET order comes from ordered_values(); give every "
                "value there instead of adding some with values()"
            )
        clone: Update = self._clone()
        for mapping in args:
            if not isinstance(mapping, Mapping):
                raise exc.ArgumentError(
                    f"update().values() takes dicts or keywords, got {type(mapping).__name__}; "
                    "for SET in a given order use ordered_values((column, value), ...)"
                )
            own = {}
            for key, value in mapping.items():
                expand = getattr(key, "_update_pairs", None)
                if expand is not None:  # a hybrid property with an update_expression
                    own.update(expand(value))
                    continue
                column = key.__clause_element__() if isinstance(key, ColumnElement) else None
                table = getattr(column, "table", None)
                if (
                    isinstance(column, NamedColumn)
                    and table is not None
                    and (table is not self.table and table._underlying() is not self.table)
                ):
                    clone._other_values.append((column, clone._other_value(column, value)))
                else:
                    own[key] = value
            clone._set_values(own)
        clone._set_values(kwargs)
        return clone

    def _other_value(self, column: NamedColumn[Any], value: object) -> ColumnElement[Any]:
        if isinstance(value, ColumnElement):
            return value.__clause_element__()
        if isinstance(value, SelectBase):
            return value.scalar_subquery()
        return BindParameter(None, value, column.type, origin=column.describe())

    def ordered_values(self, *pairs: tuple[Any, Any]) -> Update:
        """SET values as ``(column, value)`` pairs, written in this order."""
        if self._values:
            raise exc.ArgumentError(
                "update(): ordered_values() cannot follow values(); give every value in "
                "ordered_values() so the SET order is yours"
            )
        clone: Update = self._clone()
        for pair in pairs:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise exc.ArgumentError(
                    f"ordered_values() takes (column, value) pairs, got {pair!r}"
                )
        clone._set_values(dict(pairs))
        clone._ordered = True
        return clone

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        others = tuple((c._key(binds), v._key(binds)) for c, v in self._other_values)
        return (super()._key(binds), self._ordered, others)


class Delete(_FilteredDML):
    """``DELETE FROM table WHERE ...``."""

    visit_name = "delete"

    def _display_keys(self) -> tuple[str, ...] | None:
        return None


def _entity(table: Any) -> Any:
    """The mapped class a statement is made from, or None for a Table."""
    return table if hasattr(table, "__mapper__") else None


def insert(table: Any) -> Insert:
    return Insert(_check_table(table, "insert"), _entity(table))


def update(table: Any) -> Update:
    return Update(_check_table(table, "update"), _entity(table))


def delete(table: Any) -> Delete:
    return Delete(_check_table(table, "delete"), _entity(table))
