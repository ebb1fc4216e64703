"""FROM clauses: tables, aliases and subqueries, CTEs, joins, and their column collections."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, overload

from corral import exc
from corral.sql.columns import ColumnClause, NamedColumn
from corral.sql.conditions import and_
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ColumnElement,
    next_serial,
)
from corral.sql.wrappers import Label

if TYPE_CHECKING:
    from corral.sql.dml import DMLStatement
    from corral.sql.schema import Column
    from corral.sql.selectable import Select, SelectBase


class ColumnCollection:
    """The ``.c`` of a table or subquery: columns by key, in order."""

    __slots__ = ("_columns", "_owner")

    def __init__(self, owner: str) -> None:
        self._columns: dict[str, ColumnElement[Any]] = {}
        self._owner = owner

    def add(self, key: str, column: ColumnElement[Any]) -> None:
        self._columns[key] = column

    def __getattr__(self, key: str) -> ColumnElement[Any]:
        if key.startswith("__"):
            raise AttributeError(key)
        return self[key]

    @overload
    def __getitem__(self, key: str | int) -> ColumnElement[Any]: ...

    @overload
    def __getitem__(self, key: tuple[str, ...] | slice) -> ColumnCollection: ...

    def __getitem__(
        self, key: str | int | tuple[str, ...] | slice
    ) -> ColumnElement[Any] | ColumnCollection:
        if isinstance(key, tuple):  # c["a", "b"]: a collection of just those columns
            subset = ColumnCollection(self._owner)
            for name in key:
                subset.add(name, self[name])
            return subset
        if isinstance(key, int | slice):
            return self._by_position(key)
        try:
            return self._columns[key]
        except KeyError:
            found = self._by_declared_name(key)
            if found is not None:
                return found
            raise exc.NoSuchColumnError(
                f"{self._owner} has no column {key!r}; its columns are "
                f"{', '.join(self._columns) or '(none)'}"
            ) from None

    def _by_position(self, key: int | slice) -> ColumnElement[Any] | ColumnCollection:
        """``c[2]``: the third column (where two share a name); ``c[1:3]``: a collection."""
        items = list(self._columns.items())
        if isinstance(key, slice):
            subset = ColumnCollection(self._owner)
            for name, column in items[key]:
                subset.add(name, column)
            return subset
        try:
            return items[key][1]
        except IndexError:  # IndexError, as SQLAlchemy raises for a position
            raise IndexError(
                f"{self._owner} has {len(items)} column(s), so no column at position {key}; "
                "count from 0 (or from -1 backwards)"
            ) from None

    @property
    def _all_columns(self) -> list[ColumnElement[Any]]:
        """Every column in order (SQLAlchemy's name, which programs use to spread them)."""
        return list(self._columns.values())

    def get(self, key: str, default: ColumnElement[Any] | None = None) -> ColumnElement[Any] | None:
        found = self._columns.get(key)
        if found is None:
            found = self._by_declared_name(key)
        return default if found is None else found

    def key_for(self, name: str) -> str:
        """The key of the column ``name`` names: ``name`` itself, or the key of a declarative
        column by that name (see ``_by_declared_name``)."""
        if name in self._columns:
            return name
        found = self._by_declared_name(name)
        return name if found is None else found.key

    def _by_declared_name(self, name: object) -> NamedColumn[Any] | None:
        """A column a declarative class keyed by its attribute (``left = Column("lft")``),
        found by its name: SQLAlchemy's key for it, so ``table.c.lft`` works as there."""
        for column in self._columns.values():
            if (
                isinstance(column, NamedColumn)
                and column.keyed_by_attribute
                and column.name == name
            ):
                return column
        return None

    def __iter__(self) -> Iterator[ColumnElement[Any]]:
        return iter(self._columns.values())

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, key: object) -> bool:
        return key in self._columns or self._by_declared_name(key) is not None

    def keys(self) -> list[str]:
        return list(self._columns)

    def values(self) -> list[ColumnElement[Any]]:
        return list(self._columns.values())

    def items(self) -> list[tuple[str, ColumnElement[Any]]]:
        return list(self._columns.items())

    def __repr__(self) -> str:
        return f"<ColumnCollection {', '.join(self._columns)}>"


class FromClause(ClauseElement):
    """Something a SELECT can select FROM."""

    name: str | None = None

    @property
    def c(self) -> ColumnCollection:
        return self.columns

    @property
    def columns(self) -> ColumnCollection:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name or type(self).__name__.lower()

    @property
    def description(self) -> str | None:
        return self.name

    def _from_objects(self) -> list[FromClause]:
        return [self]

    def _underlying(self) -> FromClause:
        """The table an alias stands for (itself for a table)."""
        return self

    def _covers(self) -> list[FromClause]:
        """This FROM and the FROMs inside it (both sides of a join)."""
        return [self]

    def join(
        self,
        right: FromClause,
        onclause: ColumnElement[Any] | None = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Join:
        return Join(self, right, onclause, isouter=isouter, full=full)

    def outerjoin(
        self, right: FromClause, onclause: ColumnElement[Any] | None = None, *, full: bool = False
    ) -> Join:
        return Join(self, right, onclause, isouter=True, full=full)

    def alias(self, name: str | None = None) -> Alias:
        return Alias(self, name)

    def select(self) -> Select:
        from corral.sql.selectable import Select

        return Select([self])


class TableClause(FromClause):
    """A named table with columns; ``schema.Table`` adds constraints and metadata."""

    visit_name = "table"
    name: str
    #: The schema (PostgreSQL), database (MariaDB) or attached database (SQLite) the
    #: table is in; None: the connection's default.
    schema: str | None = None

    def __init__(self, name: str, *columns: NamedColumn[Any], schema: str | None = None) -> None:
        self.name = name
        self.schema = schema
        self._columns = ColumnCollection(f"Table {name!r}")
        self._serial = next_serial()
        for col in columns:
            col.table = self
            self._columns.add(col.key or col.name, col)

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    @property
    def fullname(self) -> str:
        """``schema.name``, or the name alone for a table in the default schema."""
        return f"{self.schema}.{self.name}" if self.schema is not None else self.name

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("table", self._serial)

    def insert(self) -> Any:
        from corral.sql.dml import Insert

        return Insert(self)

    def update(self) -> Any:
        from corral.sql.dml import Update

        return Update(self)

    def delete(self) -> Any:
        from corral.sql.dml import Delete

        return Delete(self)


def table(name: str, *columns: NamedColumn[Any], schema: str | None = None) -> TableClause:
    """A lightweight table: a name and columns (in ``schema``), no metadata."""
    return TableClause(name, *columns, schema=schema)


def _exported_name(column: ColumnElement[Any], position: int) -> str:
    if column.key:
        return column.key
    if isinstance(column, NamedColumn):
        return column.name
    return f"anon_{position + 1}"


def written_name(key: str, column: ColumnElement[Any]) -> str:
    """The name a SELECT's column has in its SQL as a subquery: a label's own, a free-standing
    or literal column's (SQLAlchemy never labels those), else ``key``, which labels it."""
    if isinstance(column, NamedColumn) and (column.table is None or column.is_literal):
        return column.name
    if isinstance(column, Label) and column.name is not None:
        return column.name
    return key


def is_free_standing(column: ColumnElement[Any]) -> bool:
    """A ``column("x")`` of no table: written bare in a SELECT list, never labelled."""
    return isinstance(column, NamedColumn) and column.table is None and not column.is_literal


class Alias(FromClause):
    """A FROM under another name: ``table AS name`` or ``(SELECT ...) AS name``."""

    visit_name = "alias"
    #: Its columns are named as the SELECT writes them (a recursive CTE renames them all).
    _names_as_written = True

    def __init__(self, element: FromClause | SelectBase | DMLStatement, name: str | None) -> None:
        self.element = element
        self.name = name
        self._shape: Hashable | None = None
        owner = f"{type(self).__name__} {name or '(anonymous)'}"
        self._columns = ColumnCollection(owner)
        #: Each column's source in the aliased element, to trace it back to a table column.
        self._origins: dict[str, ColumnElement[Any]] = {}
        for key, col in _element_columns(element):
            # A table's column keeps its name under the alias (``Column("lft", key="left")``
            # is ``alias.lft`` in SQL), and its key. (A join's columns are named by key.)
            of_table = isinstance(element, FromClause) and not isinstance(element, Join)
            named = col if isinstance(col, NamedColumn) and of_table else None
            sql_name = named.name if named is not None else key
            if not isinstance(element, FromClause) and self._names_as_written:
                sql_name = written_name(key, col)
            column: ColumnClause[Any] = ColumnClause(sql_name, col.type, table=self)
            column.key = key
            column.keyed_by_attribute = named is not None and named.keyed_by_attribute
            self._columns.add(key, column)
            self._origins[key] = col

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    @property
    def description(self) -> str | None:
        if self.name is not None:
            return self.name
        if isinstance(self.element, FromClause):
            return f"Anonymous alias of {self.element.description}"
        return "anon_1"  # as SQLAlchemy names any unnamed subquery here

    def _underlying(self) -> FromClause:
        return self.element._underlying() if isinstance(self.element, FromClause) else self

    def _for_display(self) -> ClauseElement:
        """``str(subquery)`` shows the SELECT it names."""
        if isinstance(self.element, FromClause):
            return self
        return self.element._for_display()

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        # Two unnamed aliases of one table would otherwise have one key, and a statement
        # using both could be given another statement's SQL from the cache: an unnamed
        # alias is only ever equal to itself. Name an alias to share compiled SQL.
        name: Hashable = self.name if self.name is not None else ("anonymous", id(self))
        return (type(self).__name__, name, self.element._key(binds))

    def shape(self) -> Hashable:
        """The alias's key without collecting values: how its columns name it in cache keys."""
        if self._shape is None:
            self._shape = self._key([])
        return self._shape


class Subquery(Alias):
    """A SELECT used as a FROM."""

    visit_name = "alias"


class CTE(Alias):
    """A common table expression: ``WITH name AS (SELECT ...)``."""

    visit_name = "cte"

    def __init__(
        self, element: SelectBase | DMLStatement, name: str | None, recursive: bool = False
    ) -> None:
        self.recursive = recursive
        self._names_as_written = not recursive  # WITH name(a, b, ...) names them by key
        super().__init__(element, name)

    def _for_display(self) -> ClauseElement:
        return self

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("cte", self.name, self.recursive, self.element._key(binds))


def _element_columns(
    element: FromClause | SelectBase | DMLStatement,
) -> list[tuple[str, ColumnElement[Any]]]:
    if isinstance(element, FromClause):
        return [(key, col) for key, col in element.columns.items()]
    return element._exported_columns()


class Join(FromClause):
    """``left [LEFT OUTER | FULL OUTER] JOIN right ON condition``."""

    visit_name = "join"
    #: The mapped class (or aliased class) the right side was named by, when a join was
    #: given one (``select(Company).join(Engineer, ...)``, a relationship's target).
    _right_entity: Any = None
    #: Set by ``corral.orm``: the criteria ``_right_entity`` brings to the ON clause (a
    #: single-table subclass's ``type IN (...)``), as a selected class brings them to WHERE.
    _entity_criteria: ClassVar[Callable[[Join], list[ColumnElement[Any]]] | None] = None

    def __init__(
        self,
        left: FromClause,
        right: FromClause,
        onclause: ColumnElement[Any] | None,
        *,
        isouter: bool = False,
        full: bool = False,
        entity: Any = None,
    ) -> None:
        self.left = left
        self.right = right
        self.isouter = isouter or full
        self.full = full
        self.onclause = onclause if onclause is not None else infer_join_condition(left, right)
        if entity is not None:
            self._right_entity = entity
        self._columns = ColumnCollection("join")
        for side in (left, right):
            for key, col in side.columns.items():
                self._columns.add(f"{side.describe()}_{key}", col)

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def describe(self) -> str:
        return f"{self.left.describe()} JOIN {self.right.describe()}"

    def _covers(self) -> list[FromClause]:
        return [self, *self.left._covers(), *self.right._covers()]

    def _compiled_onclause(self) -> ColumnElement[Any]:
        """The ON clause compiled: the join's, and the right side's class's criteria."""
        # Kept: the cache key and the compiled SQL must hold the same bind parameters. Kept
        # with the ON clause it extends, so a copy given another one does not reuse it.
        kept: tuple[ColumnElement[Any], ColumnElement[Any]] | None = self.__dict__.get("_entity_on")
        if kept is not None and kept[0] is self.onclause:
            return kept[1]
        hook = Join._entity_criteria
        extra = [] if hook is None or self._right_entity is None else hook(self)
        found = and_(self.onclause, *extra) if extra else self.onclause
        self.__dict__["_entity_on"] = (self.onclause, found)
        return found

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "join",
            self.isouter,
            self.full,
            self.left._key(binds),
            self.right._key(binds),
            self._compiled_onclause()._key(binds),
        )


def holding_from(froms: list[FromClause], start: FromClause) -> tuple[int | None, FromClause]:
    """The FROM in ``froms`` that already includes ``start`` (a join of it), to join onto as
    SQLAlchemy extends it (``join_from(User, a1).join_from(User, a2)`` is one chain), with its
    index; else ``start`` itself, to add."""
    for index in reversed(range(len(froms))):
        if any(f is start for f in froms[index]._covers()):
            return index, froms[index]
    return None, start


def named_entity(target: Any) -> Any:
    """The mapped class (or aliased class) a join target names; None for a table, alias or
    subquery."""
    return None if isinstance(target, FromClause) else target


def path_entity(path: Any, target: Any) -> Any:
    """The class a join along a relationship reaches: the target given with it, else the
    relationship's (``_join_entity``, duck-typed as ``_join_steps``)."""
    given = named_entity(target)
    return given if given is not None else path._join_entity()


def chain_joins(
    joined: FromClause,
    steps: list[tuple[FromClause, ColumnElement[Any]]],
    entity: Any,
    isouter: bool,
    full: bool,
) -> FromClause:
    """``joined`` joined to each step's FROM in turn; the last step's is ``entity``'s."""
    last = len(steps) - 1
    for i, (step, on) in enumerate(steps):
        named = entity if i == last else None
        joined = Join(joined, step, on, isouter=isouter, full=full, entity=named)
    return joined


def infer_join_condition(left: FromClause, right: FromClause) -> ColumnElement[bool]:
    """The ON clause from the one foreign key between ``left`` and ``right``."""
    pairs = _foreign_key_pairs(left, right) + _foreign_key_pairs(right, left)
    if len(pairs) == 1:
        a, b = pairs[0]
        condition = a == b
        if isinstance(condition, BinaryExpression):
            condition.shown_reversed = True  # str(): referred = referring, as SQLAlchemy shows it
        return condition
    what = "no foreign key" if not pairs else f"{len(pairs)} foreign keys"
    raise exc.ArgumentError(
        f"Cannot infer the join condition between {left.describe()} and {right.describe()}: "
        f"there is {what} between them. Pass the ON clause, e.g. "
        f".join({right.describe()}, {left.describe()}.c.x == {right.describe()}.c.y)"
    )


def _foreign_key_pairs(
    referring: FromClause, referred: FromClause
) -> list[tuple[ColumnElement[Any], ColumnElement[Any]]]:
    """(referring column, referred column) pairs for foreign keys from one FROM to another.

    Columns of aliases, subqueries and CTEs count as the table columns they select, so
    ``select(User).join(subquery_of_addresses)`` finds its ON clause as SQLAlchemy does.
    """
    pairs: list[tuple[ColumnElement[Any], ColumnElement[Any]]] = []
    seen: set[tuple[int, int]] = set()
    targets = [t for t in referred._covers() if not isinstance(t, Join)]
    for source in referring._covers():
        if isinstance(source, Join):
            continue
        for col in source.columns:
            origin = origin_column(col)
            for fk in getattr(origin, "foreign_keys", ()):
                target_col: Column = fk.column
                for holder in targets:
                    referred_col = corresponding_column(holder, target_col)
                    if referred_col is not None:
                        if (id(col), id(referred_col)) not in seen:
                            seen.add((id(col), id(referred_col)))
                            pairs.append((col, referred_col))
                        break
    return pairs


def origin_column(column: ColumnElement[Any]) -> ColumnElement[Any] | None:
    """The table column that ``column`` (of a table, alias, subquery or CTE) selects."""
    from corral.sql.wrappers import Label

    for _ in range(64):  # nested subqueries, each one step
        column = column.__clause_element__()
        if isinstance(column, Label):
            column = column.element
            continue
        table = getattr(column, "table", None)
        if isinstance(table, Alias):
            origin = table._origins.get(column.key or "")
            if origin is None:
                return None
            column = origin
            continue
        return column if isinstance(table, TableClause) else None
    return None


def corresponding_column(
    from_: FromClause, table_column: ColumnElement[Any]
) -> ColumnElement[Any] | None:
    """The column of ``from_`` that selects ``table_column``, if one does."""
    for column in from_.columns:
        if column is table_column or origin_column(column) is table_column:
            return column
    return None


def _as_from(entity: Any) -> FromClause:
    """A FROM clause from a table, alias, join or mapped class."""
    if isinstance(entity, FromClause):
        return entity
    # A class whose mapping selects its subclasses' tables with it: that outer join.
    wide = getattr(getattr(entity, "__mapper__", None), "polymorphic_selectable", None)
    if isinstance(wide, FromClause) and isinstance(entity, type):
        return wide
    mapped_table = getattr(entity, "__table__", None)
    if isinstance(mapped_table, FromClause):
        return mapped_table
    raise exc.ArgumentError(
        f"Expected a table, alias, subquery or mapped class to select from, got {entity!r}"
    )


def join(
    left: Any,
    right: Any,
    onclause: ColumnElement[Any] | None = None,
    isouter: bool = False,
    full: bool = False,
) -> Join:
    """``join(a, b, onclause)``: the same as ``a.join(b, onclause)``; tables, aliases,
    subqueries and mapped classes are accepted on either side."""
    return Join(_as_from(left), _as_from(right), onclause, isouter=isouter, full=full)


def outerjoin(
    left: Any, right: Any, onclause: ColumnElement[Any] | None = None, full: bool = False
) -> Join:
    """``outerjoin(a, b, onclause)``: ``a LEFT OUTER JOIN b`` (``full=True``: FULL OUTER)."""
    return Join(_as_from(left), _as_from(right), onclause, isouter=True, full=full)
