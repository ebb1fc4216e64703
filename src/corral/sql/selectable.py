"""SELECT: select() with its clauses, UNION, scalar subqueries and EXISTS.

The FROM clauses a select reads from are in ``from_clause``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, overload
from typing import TypeVar as _TypeVar

from corral import exc
from corral.sql.conditions import _condition
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement, HashedShape
from corral.sql.execution_options import HasExecutionOptions
from corral.sql.from_clause import (
    CTE,
    ColumnCollection,
    FromClause,
    Join,
    Subquery,
    _as_from,
    _exported_name,
    chain_joins,
    holding_from,
    infer_join_condition,
    named_entity,
    path_entity,
)
from corral.sql.label_style import (
    LABEL_STYLE_DEFAULT,
    LABEL_STYLE_TABLENAME_PLUS_COL,
    SelectLabelStyle,
    checked,
    table_label,
)
from corral.sql.text import LabelReference, TextClause, TextColumn
from corral.sql.types import Integer
from corral.sql.wrappers import Label
from corral.util.row_typing import TP_co

_T = _TypeVar("_T")
_T1 = _TypeVar("_T1")
_T2 = _TypeVar("_T2")
_T3 = _TypeVar("_T3")
_T4 = _TypeVar("_T4")

if TYPE_CHECKING:
    from typing import Protocol

    from corral.sql.select_values import Exists, ScalarSelect
    from corral.sql.table_valued import Lateral

    class _TypedColumn(Protocol[_T]):
        """A column, attribute or expression whose values are ``_T``s."""

        def __clause_element__(self) -> ColumnElement[_T]: ...


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
        return Subquery(self, name)

    def alias(self, name: str | None = None) -> Subquery:
        return self.subquery(name)

    def cte(self, name: str | None = None, recursive: bool = False) -> CTE:
        return CTE(self, name, recursive)

    def lateral(self, name: str | None = None) -> Lateral:
        """This SELECT as a ``LATERAL`` subquery: it may refer to the FROMs before it."""
        from corral.sql.table_valued import Lateral

        return Lateral(self, name)

    def scalar_subquery(self) -> ScalarSelect:
        from corral.sql.select_values import ScalarSelect

        return ScalarSelect(self)

    def exists(self) -> Exists:
        from corral.sql.select_values import Exists

        return Exists(self)

    def label(self, name: str) -> Label[Any]:
        return self.scalar_subquery().label(name)


def _order_element(value: object) -> ColumnElement[Any]:
    if isinstance(value, ColumnElement):
        return value.__clause_element__()
    if isinstance(value, str):
        return LabelReference(value)  # a selected column's label or name, resolved at compile
    if isinstance(value, TextClause):
        return TextColumn(value)
    raise exc.ArgumentError(f"Expected a column expression, got {type(value).__name__}")


def _limit_bind(value: int | None, what: str) -> BindParameter[Any] | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise exc.ArgumentError(f"{what}() takes a non-negative int, got {value!r}")
    bind: BindParameter[Any] = BindParameter(f"param_{what}", value, Integer())
    bind.display_name = "param"  # str() numbers it as SQLAlchemy does: LIMIT :param_1
    return bind


#: Computed from a statement, not copied to its clones (which may select other things).
_NOT_CLONED = frozenset({"_frozen_key", "_entity_where", "_entity_parents", "_rows_plan"})


class Select(SelectBase, HasExecutionOptions, Generic[TP_co]):
    """``SELECT columns FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT``."""

    visit_name = "select"
    keeps_cache_key = True  # every builder returns a clone, which drops the key

    #: Set by ``corral.orm``: the statement an ORM select runs (its loader options and
    #: deferred columns applied), so ``str(select(User).options(...))`` shows that SQL.
    _orm_statement: ClassVar[Callable[[Select], Select] | None] = None
    #: Printed with a legacy ``Query``'s labels (``users.id AS users_id``): set only on the
    #: statement ``str(query)`` prints; what runs is compiled without it.
    _tablename_labels = False
    #: A legacy ``Query``'s statement: its rows keep each column's own key, repeated names
    #: included (``('id', 'id')``), as SQLAlchemy's Query rows do.
    _legacy_names = False
    #: How the columns are named (``set_label_style()``; see ``corral.sql.label_style``).
    _label_style: SelectLabelStyle = LABEL_STYLE_DEFAULT
    #: Set by ``corral.orm``: the FROMs that the classes of selected attributes select
    #: (``employee JOIN manager`` for ``select(Manager.name)``), used when the statement
    #: names none of its own, and the criteria its selected classes bring (a single-table
    #: subclass's ``type IN (...)``), compiled with its WHERE.
    _entity_froms: ClassVar[Callable[[Select], list[FromClause]] | None] = None
    _entity_criteria: ClassVar[Callable[[Select], list[ColumnElement[Any]]] | None] = None
    #: The mapped classes given to ``select_from()``, each with the FROM it stands for (in
    #: ``_from_obj``); an ``any()``/``has()`` subquery names its related class so.
    _from_entities: tuple[tuple[Any, FromClause], ...] = ()
    #: Where the classes' criteria go among the WHERE conditions: after this many of them
    #: (None: after all). ``any()``/``has()`` puts them after the relationship's condition.
    _entity_criteria_at: int | None = None
    #: Set by ``corral.orm``: ``column_descriptions`` (it knows mapped classes).
    _describe_columns: ClassVar[Callable[[Select], list[dict[str, Any]]] | None] = None

    @property
    def column_descriptions(self) -> list[dict[str, Any]]:
        """One dict per selected item: its ``name``, ``type`` and ``expr`` (and, when the
        select names mapped classes, ``entity`` and ``aliased``)."""
        describe = Select._describe_columns
        if describe is None:  # pragma: no cover - corral.orm is imported with corral
            raise NotImplementedError("column_descriptions needs corral.orm")
        return describe(self)

    def __init__(self, columns: Sequence[Any]) -> None:
        columns = _expand_collections(columns)
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
        #: Correlation: FROMs named by correlate() / correlate_except(), and whether the
        #: FROMs of the statement immediately enclosing this one are left out by themselves.
        self._correlate: tuple[FromClause, ...] = ()
        self._correlate_except: tuple[FromClause, ...] | None = None
        self._auto_correlate = True
        #: ORM loader options (``selectinload(...)``, ``defer(...)``); the ORM reads them.
        self._with_options: tuple[Any, ...] = ()

    def _clone(self) -> Select[TP_co]:
        clone = Select.__new__(Select)
        # (a copy of the dict, then its lists: cheaper than a comprehension over it, and
        # every generative method clones)
        d = self.__dict__.copy()
        for key, value in d.items():
            if type(value) is list:
                d[key] = value.copy()
        if not _NOT_CLONED.isdisjoint(d):
            for key in _NOT_CLONED.intersection(d):
                del d[key]
        clone.__dict__ = d
        return clone

    def freeze(self) -> Select[TP_co]:
        """Compute this statement's cache key once, for a statement executed again and again
        unchanged (its values given as parameters by name). Derived statements recompute."""
        binds: list[BindParameter[Any]] = []
        self.__dict__["_frozen_key"] = (HashedShape(self._key(binds)), binds)
        return self

    # -- generative builders -------------------------------------------------------------

    @property
    def whereclause(self) -> ColumnElement[Any] | None:
        """The WHERE conditions joined with AND (None when there are none)."""
        if not self._where:
            return None
        from corral.sql.conditions import and_

        return self._where[0] if len(self._where) == 1 else and_(*self._where)

    def where(self, *conditions: ColumnElement[Any] | TextClause | bool) -> Select[TP_co]:
        clone = self._clone()
        clone._where.extend(_condition(c, "where()") for c in conditions)
        return clone

    filter = where

    def filter_by(self, **values: Any) -> Select[TP_co]:
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

    def having(self, *conditions: ColumnElement[Any] | TextClause | bool) -> Select[TP_co]:
        clone = self._clone()
        clone._having.extend(_condition(c, "having()") for c in conditions)
        return clone

    def group_by(self, *columns: Any) -> Select[TP_co]:
        clone = self._clone()
        clone._group_by.extend(_order_element(c) for c in columns)
        return clone

    def order_by(self, *columns: Any) -> Select[TP_co]:
        clone = self._clone()
        if len(columns) == 1 and columns[0] is None:
            clone._order_by = []
        else:
            clone._order_by.extend(_order_element(c) for c in columns)
        return clone

    def limit(self, limit: int | None) -> Select[TP_co]:
        clone = self._clone()
        clone._limit = _limit_bind(limit, "limit")
        return clone

    def offset(self, offset: int | None) -> Select[TP_co]:
        clone = self._clone()
        clone._offset = _limit_bind(offset, "offset")
        return clone

    def distinct(self) -> Select[TP_co]:
        clone = self._clone()
        clone._distinct = True
        return clone

    def select_from(self, *froms: Any) -> Select[TP_co]:
        clone = self._clone()
        named = [(f, _as_from(f)) for f in froms]
        clone._from_obj.extend(from_ for _f, from_ in named)
        # A mapped class named here brings its criteria, as a selected one (``_entity_criteria``).
        clone._from_entities = (
            *self._from_entities,
            *((f, from_) for f, from_ in named if not isinstance(f, FromClause)),
        )
        return clone

    def join(
        self,
        target: Any,
        onclause: Any = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Select[TP_co]:
        path = _relationship_path(target, onclause)
        if path is not None:
            return self._join_along(path, None if path is target else target, isouter, full)
        entity = named_entity(target)
        target = _as_from(target)
        clone = self._clone()
        left = clone._from_obj.pop() if clone._from_obj else clone._join_left_side(target, onclause)
        clone._from_obj.append(
            Join(left, target, onclause, isouter=isouter, full=full, entity=entity)
        )
        return clone

    def _join_along(self, path: Any, target: Any, isouter: bool, full: bool) -> Select[TP_co]:
        """Join along a relationship, onto the FROM holding the relationship's parent."""
        parent: FromClause = path._join_parent()
        clone = self._clone()
        index = next(
            (
                i
                for i in reversed(range(len(clone._from_obj)))
                if any(f is parent for f in clone._from_obj[i]._covers())
            ),
            None,
        )
        joined = parent if index is None else clone._from_obj[index]
        if index is None:  # a selected join holding the parent's table (a class selected
            # with its subclasses' tables) is what the relationship joins onto
            joined = next(
                (
                    f
                    for raw in clone._raw_columns
                    for f in raw._from_objects()
                    if f is not parent and any(x is parent for x in f._covers())
                ),
                parent,
            )
        right = None if target is None else _as_from(target)
        steps = path._join_steps(joined, right)
        if index is None:
            # select(Address).select_from(User).join(Address.user): the join brings in
            # the FROM named by select_from(); listing it again would cross-join it.
            arriving = {id(step) for step, _ in steps}
            clone._from_obj = [f for f in clone._from_obj if id(f) not in arriving]
        joined = chain_joins(joined, steps, path_entity(path, target), isouter, full)
        if index is None:
            clone._from_obj.append(joined)
        else:
            clone._from_obj[index] = joined
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

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Select[TP_co]:
        return self.join(target, onclause, isouter=True, full=full)

    def join_from(
        self,
        left: Any,
        right: Any,
        onclause: Any = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Select[TP_co]:
        clone = self._clone()
        path = _relationship_path(right, onclause)
        if path is not None:
            start = _as_from(left)
            if path._join_parent() is not start:
                raise exc.ArgumentError(
                    f"join_from({start.describe()}, ...): the relationship {path.describe()} "
                    f"starts from {path._join_parent().describe()}; pass that as the left side"
                )
            target = None if path is right else _as_from(right)
            steps = path._join_steps(start, target)
            entity = path_entity(path, None if path is right else right)
        else:
            start, target = _as_from(left), _as_from(right)
            inferred = onclause is None
            steps = [(target, infer_join_condition(start, target) if inferred else onclause)]
            entity = named_entity(right)
        index, joined = holding_from(clone._from_obj, start)
        joined = chain_joins(joined, steps, entity, isouter, full)
        if index is None:
            clone._from_obj.append(joined)
        else:
            clone._from_obj[index] = joined
        return clone

    def with_for_update(
        self,
        *,
        nowait: bool = False,
        read: bool = False,
        skip_locked: bool = False,
        of: Any = None,
    ) -> Select[TP_co]:
        if nowait and skip_locked:
            raise exc.ArgumentError("with_for_update() takes nowait or skip_locked, not both")
        targets: tuple[ClauseElement, ...] = ()
        if of is not None:
            targets = tuple(of) if isinstance(of, list | tuple) else (of,)
        clone = self._clone()
        clone._for_update = ForUpdate(nowait, read, skip_locked, targets)
        return clone

    def correlate(self, *froms: Any) -> Select[TP_co]:
        """Leave these FROMs out when an enclosing statement has them; ``correlate(None)``
        turns correlation off. Either way the automatic correlation stops."""
        clone = self._clone()
        clone._auto_correlate = False
        if not froms or froms[0] is None or froms[0] is False:
            clone._correlate = ()
        else:
            clone._correlate = (*self._correlate, *(_as_from(f) for f in froms))
        return clone

    def correlate_except(self, *froms: Any) -> Select[TP_co]:
        """Leave out every FROM an enclosing statement has, except these;
        ``correlate_except(None)`` leaves out all of them."""
        clone = self._clone()
        clone._auto_correlate = False
        if not froms or froms[0] is None or froms[0] is False:
            clone._correlate_except = ()
        else:
            clone._correlate_except = (
                *(self._correlate_except or ()),
                *(_as_from(f) for f in froms),
            )
        return clone

    def options(self, *options: Any) -> Select[TP_co]:
        """ORM loader options: ``select(User).options(selectinload(User.addresses))``."""
        for option in options:
            if not hasattr(option, "path"):
                raise exc.ArgumentError(
                    f"options() takes loader options such as selectinload(User.addresses) or "
                    f"defer(User.bio), got {option!r}"
                )
        clone = self._clone()
        clone._with_options = (*self._with_options, *options)
        return clone

    def from_statement(self, statement: Any) -> Any:
        """The selected classes loaded from the rows of ``statement`` (``text()`` or
        ``select()``), its columns matched to theirs by name."""
        from corral.sql.from_statement import FromStatement

        return FromStatement(list(self._entities), statement, self._with_options)

    def add_columns(self, *columns: Any) -> Select:
        columns = _expand_collections(columns)
        clone = self._clone()
        clone._entities.extend(columns)
        clone._raw_columns.extend(_column_or_from(c) for c in columns)
        return clone

    def with_only_columns(self, *columns: Any) -> Select:
        columns = _expand_collections(columns)
        clone = self._clone()
        clone._entities = list(columns)
        clone._raw_columns = [_column_or_from(c) for c in columns]
        return clone

    def set_label_style(self, style: SelectLabelStyle) -> Select[TP_co]:
        """This select with its columns named by ``style``: ``LABEL_STYLE_TABLENAME_PLUS_COL``
        (``a.id AS a_id``), ``LABEL_STYLE_NONE`` (repeated names left alone) or
        ``LABEL_STYLE_DISAMBIGUATE_ONLY`` (the default)."""
        clone = self._clone()
        clone._label_style = checked(style)
        return clone

    def get_label_style(self) -> SelectLabelStyle:
        return self._label_style

    def union(self, *others: CompoundPart) -> CompoundSelect:
        return CompoundSelect("UNION", [self, *others])

    def union_all(self, *others: CompoundPart) -> CompoundSelect:
        return CompoundSelect("UNION ALL", [self, *others])

    # -- introspection -------------------------------------------------------------------

    def _for_display(self) -> ClauseElement:
        rewrite = Select._orm_statement
        return self if rewrite is None else rewrite(self)

    def _columns_plus_names(self) -> list[tuple[str, ColumnElement[Any]]]:
        """Each selected column with its name, as the label style names it."""
        out = self._columns_plus_own_names()
        if self._label_style is LABEL_STYLE_TABLENAME_PLUS_COL:
            return [(table_label(column) or name, column) for name, column in out]
        return out

    def _columns_plus_own_names(self) -> list[tuple[str, ColumnElement[Any]]]:
        """Each selected column with its own name (a table's columns spread out)."""
        out: list[tuple[str, ColumnElement[Any]]] = []
        for raw in self._raw_columns:
            if isinstance(raw, FromClause):
                out.extend(raw.columns.items())
            else:
                out.append((_exported_name(raw, len(out)), raw))
        return out

    def _exported_columns(self) -> list[tuple[str, ColumnElement[Any]]]:
        """The columns by the names a subquery of this select gives them: a name taken by
        an earlier column gets a suffix (``id``, ``id_1``), as in SQLAlchemy."""
        out: list[tuple[str, ColumnElement[Any]]] = []
        taken: set[str] = set()
        for name, column in self._columns_plus_names():
            unique, suffix = name, 0
            while unique in taken:
                suffix += 1
                unique = f"{name}_{suffix}"
            taken.add(unique)
            out.append((unique, column))
        return out

    def _compiled_where(self) -> list[ColumnElement[Any]]:
        """The WHERE conditions compiled: the statement's, and its classes' criteria (after
        them, or after the first ``_entity_criteria_at``)."""
        found: list[ColumnElement[Any]] | None = self.__dict__.get("_entity_where")
        if found is None:
            # Kept: the cache key and the compiled SQL must hold the same bind parameters.
            hook = Select._entity_criteria
            found = self.__dict__["_entity_where"] = [] if hook is None else hook(self)
        if not found:
            return self._where
        at = len(self._where) if self._entity_criteria_at is None else self._entity_criteria_at
        return [*self._where[:at], *found, *self._where[at:]]

    def _froms(
        self, correlate: frozenset[int] = frozenset(), enclosing: frozenset[int] = frozenset()
    ) -> list[FromClause]:
        """The FROM list: explicit FROMs and joins, then tables the columns and WHERE mention.

        ``correlate`` holds the FROMs of the statement immediately enclosing this one
        (left out automatically), ``enclosing`` those of every enclosing statement
        (left out only when named by ``correlate()`` / ``correlate_except()``).
        """
        froms: list[FromClause] = []
        covered: set[int] = set()
        # An explicit FROM that a join among the others includes is not listed again
        # (select_from(user).select_from(user.join(address)) reads FROM the join only).
        inside_joins = {id(x) for f in self._from_obj for x in f._covers() if x is not f}
        for f in self._from_obj:
            if id(f) in inside_joins:
                continue
            froms.append(f)
            covered.update(id(x) for x in f._covers())
        implicit: list[FromClause] = []
        if not self._from_obj and Select._entity_froms is not None:
            implicit.extend(Select._entity_froms(self))
        for raw in self._raw_columns:
            implicit.extend(raw._from_objects())
        for condition in self._where:
            implicit.extend(condition._from_objects())
        for f in implicit:
            if id(f) not in covered:
                covered.update(id(x) for x in f._covers())  # a join selected covers its tables
                froms.append(f)
        if self._correlate:
            named = {id(f) for f in self._correlate}
            froms = [f for f in froms if not (id(f) in enclosing and id(f) in named)]
        if self._correlate_except is not None:
            kept = {id(f) for f in self._correlate_except}
            froms = [f for f in froms if id(f) not in enclosing or id(f) in kept]
        if self._auto_correlate and correlate and len(froms) > 1:
            # A single FROM is never correlated away; several all correlated is ambiguous.
            remaining = [f for f in froms if id(f) not in correlate]
            if not remaining:
                raise exc.InvalidRequestError(
                    "A subquery reading from "
                    f"{', '.join(f.describe() for f in froms)} would have no FROM left: "
                    "every one of them is also in the enclosing statement, so all would be "
                    "correlated to it. Say which to correlate with .correlate(table), or "
                    "none with .correlate(None)"
                )
            froms = remaining
        return froms

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        f = self._for_update
        # (list comprehensions, and none for the clauses left empty: a statement's key is
        # computed at every execution unless it was frozen)
        group_by, having, order_by = self._group_by, self._having, self._order_by
        return (
            "select",
            tuple([c._key(binds) for c in self._raw_columns]),
            # Every FROM, also those reached only through a column (a subquery, a CTE):
            # their bodies carry bind parameters of their own.
            tuple([f._key(binds) for f in self._froms()]),
            tuple([w._key(binds) for w in self._compiled_where()]),
            tuple([g._key(binds) for g in group_by]) if group_by else (),
            tuple([h._key(binds) for h in having]) if having else (),
            tuple([o._key(binds) for o in order_by]) if order_by else (),
            self._limit._key(binds) if self._limit is not None else None,
            self._offset._key(binds) if self._offset is not None else None,
            self._distinct,
            self._auto_correlate,
            tuple([c._key(binds) for c in self._correlate]) if self._correlate else (),
            None
            if self._correlate_except is None
            else tuple([c._key(binds) for c in self._correlate_except]),
            None
            if f is None
            else (f.nowait, f.read, f.skip_locked, tuple([t._key(binds) for t in f.of])),
            self._legacy_names,
            self._label_style,
        )


def _relationship_path(target: Any, onclause: Any) -> Any:
    """The relationship a join goes along, if any: the ORM's attributes have ``_join_steps``.

    ``join(Customer.orders)`` names it as the target, ``join(Order, Customer.orders)``
    as the ON clause. Duck-typed so that the SQL layer never imports the ORM.
    """
    if hasattr(onclause, "_join_steps"):
        return onclause
    if hasattr(target, "_join_steps"):
        if onclause is not None:
            raise exc.ArgumentError(
                f"join({target.describe()}, <ON clause>): a relationship brings its own ON "
                "clause; pass the target class with the ON clause instead, e.g. "
                "join(Target, Parent.id == Target.parent_id)"
            )
        return target
    return None


def _expand_collections(entities: Sequence[Any]) -> tuple[Any, ...]:
    """``select(table.c)`` / ``select(table.c["a", "b"])``: a ``.c`` collection stands for
    each of its columns, in order."""
    expanded: list[Any] = []
    for entity in entities:
        if isinstance(entity, ColumnCollection):
            expanded.extend(entity)
        else:
            expanded.append(entity)
    return tuple(expanded)


def _column_or_from(entity: Any) -> ColumnElement[Any] | FromClause:
    if isinstance(entity, ColumnElement):
        return entity.__clause_element__()
    if isinstance(entity, FromClause):
        return entity
    # A mapped class selects its table, or the outer join of its subclasses' tables when
    # its mapping loads them with it (``with_polymorphic`` in its ``__mapper_args__``).
    wide = getattr(getattr(entity, "__mapper__", None), "polymorphic_selectable", None)
    if isinstance(wide, FromClause) and isinstance(entity, type):
        return wide
    mapped_table = getattr(entity, "__table__", None)
    if isinstance(mapped_table, FromClause):
        return mapped_table
    if isinstance(entity, SelectBase):
        return entity.scalar_subquery()
    if isinstance(entity, TextClause):
        return TextColumn(entity)
    if isinstance(entity, str):
        raise exc.ArgumentError(
            f"select() got the string {entity!r}; pass table.c.{entity}, "
            f"column({entity!r}) or literal_column({entity!r})"
        )
    raise exc.ArgumentError(f"select() cannot select {type(entity).__name__} {entity!r}")


@overload
def select(e1: _TypedColumn[_T1] | type[_T1], /) -> Select[tuple[_T1]]: ...
@overload
def select(
    e1: _TypedColumn[_T1] | type[_T1], e2: _TypedColumn[_T2] | type[_T2], /
) -> Select[tuple[_T1, _T2]]: ...
@overload
def select(
    e1: _TypedColumn[_T1] | type[_T1],
    e2: _TypedColumn[_T2] | type[_T2],
    e3: _TypedColumn[_T3] | type[_T3],
    /,
) -> Select[tuple[_T1, _T2, _T3]]: ...
@overload
def select(
    e1: _TypedColumn[_T1] | type[_T1],
    e2: _TypedColumn[_T2] | type[_T2],
    e3: _TypedColumn[_T3] | type[_T3],
    e4: _TypedColumn[_T4] | type[_T4],
    /,
) -> Select[tuple[_T1, _T2, _T3, _T4]]: ...
@overload
def select(*entities: Any) -> Select[tuple[Any, ...]]: ...
def select(*entities: Any) -> Select[Any]:
    """A SELECT of columns, tables or expressions (typed: ``select(User.id, User.name)`` is
    a ``Select[tuple[int, str]]``, ``select(User)`` a ``Select[tuple[User]]``)."""
    if len(entities) == 1 and isinstance(entities[0], list | tuple):
        entities = tuple(entities[0])
    return Select(entities)


#: What a UNION joins: SELECTs, other unions, and SQL text with declared columns
#: (``text(...).columns(...)``), as SQLAlchemy's TextualSelect.
CompoundPart = SelectBase | TextClause


class CompoundSelect(SelectBase):
    """``SELECT ... UNION [ALL] SELECT ...`` with its own ORDER BY and LIMIT."""

    visit_name = "compound_select"

    def __init__(self, keyword: str, selects: Sequence[CompoundPart]) -> None:
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

    def set_label_style(self, style: SelectLabelStyle) -> CompoundSelect:
        """The union with its first SELECT's columns, which name the union's, named by
        ``style``. As in SQLAlchemy, ``get_label_style()`` of the union itself stays the
        default."""
        style = checked(style)
        clone = self._clone()
        first = clone.selects[0]
        if not isinstance(first, Select | CompoundSelect):
            raise exc.ArgumentError(
                f"set_label_style(): the union's first part is a {type(first).__name__}, "
                "whose columns have the names its SQL gives them; label them there"
            )
        clone.selects = [first.set_label_style(style), *clone.selects[1:]]
        return clone

    def get_label_style(self) -> SelectLabelStyle:
        return LABEL_STYLE_DEFAULT

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


def union(*selects: CompoundPart) -> CompoundSelect:
    return CompoundSelect("UNION", selects)


def union_all(*selects: CompoundPart) -> CompoundSelect:
    return CompoundSelect("UNION ALL", selects)
