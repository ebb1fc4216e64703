"""FROM clauses and SELECT: tables, joins, subqueries, CTEs, select() and UNION."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql import operators as ops
from corral.sql.columns import ColumnClause, NamedColumn
from corral.sql.elements import (
    BindParameter,
    ClauseElement,
    ColumnElement,
    Label,
    _condition,
    and_,
    next_serial,
)
from corral.sql.type_api import TypeEngine

if TYPE_CHECKING:
    from corral.sql.schema import Column


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

    def __getitem__(self, key: str) -> ColumnElement[Any]:
        try:
            return self._columns[key]
        except KeyError:
            raise exc.NoSuchColumnError(
                f"{self._owner} has no column {key!r}; its columns are "
                f"{', '.join(self._columns) or '(none)'}"
            ) from None

    def get(self, key: str) -> ColumnElement[Any] | None:
        return self._columns.get(key)

    def __iter__(self) -> Iterator[ColumnElement[Any]]:
        return iter(self._columns.values())

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, key: object) -> bool:
        return key in self._columns

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
        return Select([self])


class TableClause(FromClause):
    """A named table with columns; ``schema.Table`` adds constraints and metadata."""

    visit_name = "table"
    name: str

    def __init__(self, name: str, *columns: NamedColumn[Any]) -> None:
        self.name = name
        self._columns = ColumnCollection(f"Table {name!r}")
        self._serial = next_serial()
        for col in columns:
            col.table = self
            self._columns.add(col.key or col.name, col)

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

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


def table(name: str, *columns: NamedColumn[Any]) -> TableClause:
    """A lightweight table: a name and columns, no metadata."""
    return TableClause(name, *columns)


def _exported_name(column: ColumnElement[Any], position: int) -> str:
    if column.key:
        return column.key
    if isinstance(column, NamedColumn):
        return column.name
    return f"anon_{position + 1}"


class Alias(FromClause):
    """A FROM under another name: ``table AS name`` or ``(SELECT ...) AS name``."""

    visit_name = "alias"

    def __init__(self, element: FromClause | Select | CompoundSelect, name: str | None) -> None:
        self.element = element
        self.name = name
        self._shape: Hashable | None = None
        owner = f"{type(self).__name__} {name or '(anonymous)'}"
        self._columns = ColumnCollection(owner)
        for key, col in _element_columns(element):
            proxy: ColumnClause[Any] = ColumnClause(key, col.type, table=self)
            proxy.proxied = col  # type: ignore[attr-defined]
            self._columns.add(key, proxy)

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def _underlying(self) -> FromClause:
        return self.element._underlying() if isinstance(self.element, FromClause) else self

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (type(self).__name__, self.name, self.element._key(binds))

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
        self, element: Select | CompoundSelect, name: str | None, recursive: bool = False
    ) -> None:
        super().__init__(element, name)
        self.recursive = recursive

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("cte", self.name, self.recursive, self.element._key(binds))


def _element_columns(
    element: FromClause | Select | CompoundSelect,
) -> list[tuple[str, ColumnElement[Any]]]:
    if isinstance(element, Select | CompoundSelect):
        return element._exported_columns()
    return [(key, col) for key, col in element.columns.items()]


class Join(FromClause):
    """``left [LEFT OUTER | FULL OUTER] JOIN right ON condition``."""

    visit_name = "join"

    def __init__(
        self,
        left: FromClause,
        right: FromClause,
        onclause: ColumnElement[Any] | None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> None:
        self.left = left
        self.right = right
        self.isouter = isouter or full
        self.full = full
        self.onclause = onclause if onclause is not None else infer_join_condition(left, right)
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

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "join",
            self.isouter,
            self.full,
            self.left._key(binds),
            self.right._key(binds),
            self.onclause._key(binds),
        )


def infer_join_condition(left: FromClause, right: FromClause) -> ColumnElement[bool]:
    """The ON clause from the one foreign key between ``left`` and ``right``."""
    pairs = _foreign_key_pairs(left, right) + _foreign_key_pairs(right, left)
    if len(pairs) == 1:
        a, b = pairs[0]
        return a == b
    what = "no foreign key" if not pairs else f"{len(pairs)} foreign keys"
    raise exc.ArgumentError(
        f"Cannot infer the join condition between {left.describe()} and {right.describe()}: "
        f"there is {what} between them. Pass the ON clause, e.g. "
        f".join({right.describe()}, {left.describe()}.c.x == {right.describe()}.c.y)"
    )


def _foreign_key_pairs(
    referring: FromClause, referred: FromClause
) -> list[tuple[ColumnElement[Any], ColumnElement[Any]]]:
    """(referring column, referred column) pairs for foreign keys from one FROM to another."""
    pairs: list[tuple[ColumnElement[Any], ColumnElement[Any]]] = []
    targets = {id(t._underlying()): t for t in referred._covers() if not isinstance(t, Join)}
    for source in referring._covers():
        if isinstance(source, Join):
            continue
        base = source._underlying()
        for key, col in base.columns.items():
            for fk in getattr(col, "foreign_keys", ()):
                target_col: Column = fk.column
                holder = targets.get(id(target_col.table))
                if holder is not None:
                    referred_col = holder.columns[target_col.key]
                    pairs.append((source.columns[key], referred_col))
    return pairs


@dataclass(frozen=True, slots=True)
class ForUpdate:
    """The locking clause of a SELECT."""

    nowait: bool = False
    read: bool = False
    skip_locked: bool = False
    of: tuple[ClauseElement, ...] = ()


class SelectBase(ClauseElement):
    """What SELECT and UNION share: naming as subquery, CTE, scalar, EXISTS."""

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        raise NotImplementedError

    @property
    def selected_columns(self) -> ColumnCollection:
        collection = ColumnCollection("select")
        for key, col in self._exported_columns():
            collection.add(key, col)
        return collection

    def subquery(self, name: str | None = None) -> Subquery:
        return Subquery(self, name)  # type: ignore[arg-type]

    def alias(self, name: str | None = None) -> Subquery:
        return self.subquery(name)

    def cte(self, name: str | None = None, recursive: bool = False) -> CTE:
        return CTE(self, name, recursive)  # type: ignore[arg-type]

    def scalar_subquery(self) -> ScalarSelect:
        return ScalarSelect(self)

    def exists(self) -> Exists:
        return Exists(self)

    def label(self, name: str) -> Label[Any]:
        return self.scalar_subquery().label(name)


def _as_from(entity: Any) -> FromClause:
    """A FROM clause from a table, alias, join or mapped class."""
    if isinstance(entity, FromClause):
        return entity
    mapped_table = getattr(entity, "__table__", None)
    if isinstance(mapped_table, FromClause):
        return mapped_table
    raise exc.ArgumentError(
        f"Expected a table, alias, subquery or mapped class to select from, got {entity!r}"
    )


def _order_element(value: object) -> ColumnElement[Any]:
    if isinstance(value, ColumnElement):
        return value.__clause_element__()
    if isinstance(value, str):
        raise exc.ArgumentError(
            f"order_by/group_by got the string {value!r}; pass a column (table.c.{value}) or text()"
        )
    raise exc.ArgumentError(f"Expected a column expression, got {type(value).__name__}")


def _limit_bind(value: int | None, what: str) -> BindParameter[Any] | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise exc.ArgumentError(f"{what}() takes a non-negative int, got {value!r}")
    from corral.sql.types import Integer

    return BindParameter(f"param_{what}", value, Integer())


class Select(SelectBase):
    """``SELECT columns FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT``."""

    visit_name = "select"

    def __init__(self, columns: Sequence[Any]) -> None:
        #: What the caller selected, as given (the ORM reads mapped classes from here).
        self._entities: list[Any] = list(columns)
        self._raw_columns: list[ColumnElement[Any] | FromClause] = [
            _column_or_from(entity) for entity in columns
        ]
        self._where: list[ColumnElement[Any]] = []
        self._having: list[ColumnElement[Any]] = []
        self._group_by: list[ColumnElement[Any]] = []
        self._order_by: list[ColumnElement[Any]] = []
        self._from_obj: list[FromClause] = []
        self._limit: BindParameter[Any] | None = None
        self._offset: BindParameter[Any] | None = None
        self._distinct = False
        self._for_update: ForUpdate | None = None

    def _clone(self) -> Select:
        clone = Select.__new__(Select)
        clone.__dict__ = {
            key: list(value) if isinstance(value, list) else value
            for key, value in self.__dict__.items()
        }
        return clone

    # -- generative builders -------------------------------------------------------------

    def where(self, *conditions: ColumnElement[Any] | bool) -> Select:
        clone = self._clone()
        clone._where.extend(_condition(c, "where()") for c in conditions)
        return clone

    filter = where

    def filter_by(self, **values: Any) -> Select:
        """Equality conditions by column name on the last FROM joined (or the first selected)."""
        target = self._filter_by_target()
        return self.where(*(target.columns[name] == value for name, value in values.items()))

    def _filter_by_target(self) -> FromClause:
        if self._from_obj:
            last = self._from_obj[-1]
            while isinstance(last, Join):
                last = last.right
            return last
        froms = self._froms()
        if not froms:
            raise exc.InvalidRequestError("filter_by() needs a select() with a table to filter")
        return froms[0]

    def having(self, *conditions: ColumnElement[Any] | bool) -> Select:
        clone = self._clone()
        clone._having.extend(_condition(c, "having()") for c in conditions)
        return clone

    def group_by(self, *columns: Any) -> Select:
        clone = self._clone()
        clone._group_by.extend(_order_element(c) for c in columns)
        return clone

    def order_by(self, *columns: Any) -> Select:
        clone = self._clone()
        if len(columns) == 1 and columns[0] is None:
            clone._order_by = []
        else:
            clone._order_by.extend(_order_element(c) for c in columns)
        return clone

    def limit(self, limit: int | None) -> Select:
        clone = self._clone()
        clone._limit = _limit_bind(limit, "limit")
        return clone

    def offset(self, offset: int | None) -> Select:
        clone = self._clone()
        clone._offset = _limit_bind(offset, "offset")
        return clone

    def distinct(self) -> Select:
        clone = self._clone()
        clone._distinct = True
        return clone

    def select_from(self, *froms: Any) -> Select:
        clone = self._clone()
        clone._from_obj.extend(_as_from(f) for f in froms)
        return clone

    def join(
        self,
        target: Any,
        onclause: ColumnElement[Any] | None = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Select:
        target = _as_from(target)
        clone = self._clone()
        left = clone._from_obj.pop() if clone._from_obj else clone._join_left_side(target, onclause)
        clone._from_obj.append(Join(left, target, onclause, isouter=isouter, full=full))
        return clone

    def _join_left_side(
        self, target: FromClause, onclause: ColumnElement[Any] | None
    ) -> FromClause:
        """The FROM a join() attaches to: not the target itself, and one the ON clause names."""
        candidates = [f for f in self._froms() if f is not target]
        if onclause is not None:
            named = {id(f) for f in onclause._from_objects()}
            preferred = [f for f in candidates if id(f) in named]
            candidates = preferred or candidates
        if not candidates:
            raise exc.InvalidRequestError(
                f"join({target.describe()}) needs something to join from: select a column of "
                "another table, or use join_from(left, right)"
            )
        return candidates[0]

    def outerjoin(
        self, target: Any, onclause: ColumnElement[Any] | None = None, *, full: bool = False
    ) -> Select:
        return self.join(target, onclause, isouter=True, full=full)

    def join_from(
        self,
        left: Any,
        right: Any,
        onclause: ColumnElement[Any] | None = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Select:
        clone = self._clone()
        join = Join(_as_from(left), _as_from(right), onclause, isouter=isouter, full=full)
        clone._from_obj.append(join)
        return clone

    def with_for_update(
        self,
        *,
        nowait: bool = False,
        read: bool = False,
        skip_locked: bool = False,
        of: Any = None,
    ) -> Select:
        if nowait and skip_locked:
            raise exc.ArgumentError("with_for_update() takes nowait or skip_locked, not both")
        targets: tuple[ClauseElement, ...] = ()
        if of is not None:
            targets = tuple(of) if isinstance(of, list | tuple) else (of,)
        clone = self._clone()
        clone._for_update = ForUpdate(nowait, read, skip_locked, targets)
        return clone

    def add_columns(self, *columns: Any) -> Select:
        clone = self._clone()
        clone._entities.extend(columns)
        clone._raw_columns.extend(_column_or_from(c) for c in columns)
        return clone

    def with_only_columns(self, *columns: Any) -> Select:
        clone = self._clone()
        clone._entities = list(columns)
        clone._raw_columns = [_column_or_from(c) for c in columns]
        return clone

    def union(self, *others: SelectBase) -> CompoundSelect:
        return CompoundSelect("UNION", [self, *others])

    def union_all(self, *others: SelectBase) -> CompoundSelect:
        return CompoundSelect("UNION ALL", [self, *others])

    # -- introspection -------------------------------------------------------------------

    def _columns_plus_names(self) -> list[tuple[str, ColumnElement[Any]]]:
        out: list[tuple[str, ColumnElement[Any]]] = []
        for raw in self._raw_columns:
            if isinstance(raw, FromClause):
                out.extend(raw.columns.items())
            else:
                out.append((_exported_name(raw, len(out)), raw))
        return out

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        return self._columns_plus_names()

    def _froms(self, correlate: frozenset[int] = frozenset()) -> list[FromClause]:
        """The FROM list: explicit FROMs and joins, then tables the columns and WHERE mention."""
        froms: list[FromClause] = []
        covered: set[int] = set()
        for f in self._from_obj:
            froms.append(f)
            covered.update(id(x) for x in f._covers())
        implicit: list[FromClause] = []
        for raw in self._raw_columns:
            implicit.extend(raw._from_objects())
        for condition in self._where:
            implicit.extend(condition._from_objects())
        dropped = False
        for f in implicit:
            if id(f) in covered:
                continue
            covered.add(id(f))
            if id(f) in correlate:
                dropped = True
                continue
            froms.append(f)
        if dropped and not froms:
            # Correlating every table away would leave no FROM; keep them (as SQLAlchemy does).
            return self._froms()
        return froms

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        f = self._for_update
        return (
            "select",
            tuple(c._key(binds) for c in self._raw_columns),
            # Every FROM, also those reached only through a column (a subquery, a CTE):
            # their bodies carry bind parameters of their own.
            tuple(f._key(binds) for f in self._froms()),
            tuple(w._key(binds) for w in self._where),
            tuple(g._key(binds) for g in self._group_by),
            tuple(h._key(binds) for h in self._having),
            tuple(o._key(binds) for o in self._order_by),
            self._limit._key(binds) if self._limit is not None else None,
            self._offset._key(binds) if self._offset is not None else None,
            self._distinct,
            None
            if f is None
            else (f.nowait, f.read, f.skip_locked, tuple(t._key(binds) for t in f.of)),
        )


def _column_or_from(entity: Any) -> ColumnElement[Any] | FromClause:
    if isinstance(entity, ColumnElement):
        return entity.__clause_element__()
    if isinstance(entity, FromClause):
        return entity
    mapped_table = getattr(entity, "__table__", None)  # a mapped class selects its table
    if isinstance(mapped_table, FromClause):
        return mapped_table
    if isinstance(entity, SelectBase):
        return entity.scalar_subquery()
    if isinstance(entity, str):
        raise exc.ArgumentError(
            f"select() got the string {entity!r}; pass table.c.{entity}, "
            f"column({entity!r}) or literal_column({entity!r})"
        )
    raise exc.ArgumentError(f"select() cannot select {type(entity).__name__} {entity!r}")


def select(*entities: Any) -> Select:
    """A SELECT of columns, tables or expressions."""
    if len(entities) == 1 and isinstance(entities[0], list | tuple):
        entities = tuple(entities[0])
    return Select(entities)


class CompoundSelect(SelectBase):
    """``SELECT ... UNION [ALL] SELECT ...`` with its own ORDER BY and LIMIT."""

    visit_name = "compound_select"

    def __init__(self, keyword: str, selects: Sequence[SelectBase]) -> None:
        self.keyword = keyword
        self.selects = list(selects)
        self._order_by: list[ColumnElement[Any]] = []
        self._limit: BindParameter[Any] | None = None
        self._offset: BindParameter[Any] | None = None

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        return self.selects[0]._exported_columns()

    def _clone(self) -> CompoundSelect:
        clone = CompoundSelect(self.keyword, self.selects)
        clone._order_by = list(self._order_by)
        clone._limit, clone._offset = self._limit, self._offset
        return clone

    def order_by(self, *columns: Any) -> CompoundSelect:
        clone = self._clone()
        clone._order_by.extend(_order_element(c) for c in columns)
        return clone

    def limit(self, limit: int | None) -> CompoundSelect:
        clone = self._clone()
        clone._limit = _limit_bind(limit, "limit")
        return clone

    def offset(self, offset: int | None) -> CompoundSelect:
        clone = self._clone()
        clone._offset = _limit_bind(offset, "offset")
        return clone

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "compound",
            self.keyword,
            tuple(s._key(binds) for s in self.selects),
            tuple(o._key(binds) for o in self._order_by),
            self._limit._key(binds) if self._limit is not None else None,
            self._offset._key(binds) if self._offset is not None else None,
        )


def union(*selects: SelectBase) -> CompoundSelect:
    return CompoundSelect("UNION", selects)


def union_all(*selects: SelectBase) -> CompoundSelect:
    return CompoundSelect("UNION ALL", selects)


class ScalarSelect(ColumnElement[Any]):
    """A one-column SELECT used as a value: ``(SELECT ...)``."""

    visit_name = "scalar_select"

    def __init__(self, element: SelectBase) -> None:
        self.element = element
        columns = element._exported_columns()
        if len(columns) != 1:
            raise exc.ArgumentError(
                f"scalar_subquery() needs a select() of exactly one column, got {len(columns)}"
            )
        self.type: TypeEngine = columns[0][1].type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("scalar", self.element._key(binds))


class Exists(ColumnElement[bool]):
    """``EXISTS (SELECT ...)``."""

    visit_name = "exists"
    precedence = ops.ATOM

    def __init__(self, element: SelectBase | None = None) -> None:
        if element is None:
            from corral.sql.columns import literal_column

            element = Select([literal_column("*")])
        self.element = element

    def where(self, *conditions: ColumnElement[Any] | bool) -> Exists:
        if not isinstance(self.element, Select):
            raise exc.InvalidRequestError("where() on exists() needs a plain select()")
        return Exists(self.element.where(*conditions))

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("exists", self.element._key(binds))


def exists(element: SelectBase | None = None) -> Exists:
    """``EXISTS`` of a select, or of ``SELECT *`` refined with ``.where()``."""
    return Exists(element)


def where_all(conditions: Sequence[ColumnElement[Any]]) -> ColumnElement[Any] | None:
    """One condition from several (None when there are none)."""
    if not conditions:
        return None
    return and_(*conditions)
