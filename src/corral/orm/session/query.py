"""``Query``: SQLAlchemy's 1.x-style ``session.query(User).filter(...).all()``, kept by 2.0.

A Query is a thin generative wrapper around one ``select()`` (or, after
``from_statement()``, one ``FromStatement``) and the Session that runs it: each
method returns a new Query whose statement is the old one with a clause added,
and the fetch methods (``all``, ``first``, ``one``, iteration, ...) run that
statement through ``Session.execute()``. There is no second query engine. As in
SQLAlchemy, a Query of one mapped class yields objects; any other yields rows;
a joined eager load of a collection makes the rows unique by itself.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from corral import exc
from corral.engine.result import Result
from corral.engine.row import Row
from corral.orm.session import compound_query
from corral.sql.columns import literal_column
from corral.sql.dml import delete, update
from corral.sql.elements import ColumnElement
from corral.sql.from_clause import CTE, Subquery
from corral.sql.from_statement import FromStatement
from corral.sql.functions import func
from corral.sql.label_style import (
    LABEL_STYLE_LEGACY_ORM,
    LABEL_STYLE_TABLENAME_PLUS_COL,
    SelectLabelStyle,
)
from corral.sql.select_values import Exists
from corral.sql.selectable import CompoundSelect, Select, select

if TYPE_CHECKING:
    from corral.orm.session.session import Session

T = TypeVar("T")

_SynchronizeSession = Literal["auto", "evaluate", "fetch", False]


_is_entity = compound_query.is_entity


class Query(Generic[T]):
    """A SELECT built step by step and run by its Session (``session.query(User)``)."""

    #: Populated per instance; listed for readers of the class.
    session: Session | None

    def __init__(self, entities: Any, session: Session | None = None) -> None:
        given = list(entities) if isinstance(entities, list | tuple) else [entities]
        self.session = session
        self._statement: Select = select(*given)
        self._statement._legacy_names = True
        self._statement._label_style = LABEL_STYLE_LEGACY_ORM
        self._from_statement: FromStatement | None = None
        self._params: dict[str, Any] = {}
        self._execution_options: dict[str, Any] = {}
        self._assertions = True
        #: A Query over a UNION/subquery: criteria on the classes are moved onto it.
        self._adapt: list[tuple[Any, Any]] = []
        self._single = len(given) == 1 and _is_entity(given[0])

    # -- building -------------------------------------------------------------------------

    def _clone(self) -> Query[T]:
        clone = Query.__new__(Query)
        clone.__dict__.update(self.__dict__)
        return clone

    def _with(self, statement: Select) -> Query[T]:
        if self._from_statement is not None:
            raise exc.InvalidRequestError(
                "This Query runs the statement given to from_statement(); it cannot take "
                "criteria, joins or ordering. Put them in that statement instead"
            )
        clone = self._clone()
        clone._statement = statement
        return clone

    def _adapted(self, items: Sequence[Any]) -> tuple[Any, ...]:
        """Criteria written against the classes, moved onto the subquery a union reads."""
        if not self._adapt:
            return tuple(items)
        return tuple(compound_query.adapt(item, self._adapt) for item in items)

    def filter(self, *criterion: Any) -> Query[T]:
        """Add WHERE criteria (joined by AND)."""
        return self._with(self._statement.where(*self._adapted(criterion)))

    where = filter

    def filter_by(self, **values: Any) -> Query[T]:
        """Equality criteria by attribute name on the last joined (else the first) entity."""
        target = self._filter_by_entity()
        if target is None:
            return self._with(self._statement.filter_by(**values))
        conditions = []
        for name, value in values.items():
            attribute = getattr(target, name, None)
            if attribute is None:
                raise exc.InvalidRequestError(
                    f"filter_by({name}=...): {getattr(target, '__name__', target)!r} has no "
                    f"attribute {name!r}"
                )
            conditions.append(attribute == value)
        return self.filter(*conditions)

    def _filter_by_entity(self) -> Any:
        joined = self.__dict__.get("_last_joined")
        if joined is not None:
            return joined
        for entity in self._statement._entities:
            if _is_entity(entity):
                return entity
        return None

    def join(
        self, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False
    ) -> Query[T]:
        """JOIN a class, an alias or a table (ON inferred, given, or a relationship's)."""
        query = self._with(self._statement.join(target, onclause, isouter=isouter, full=full))
        query.__dict__["_last_joined"] = _joined_entity(target)
        return query

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Query[T]:
        """LEFT OUTER JOIN (see ``join()``)."""
        return self.join(target, onclause, isouter=True, full=full)

    def select_from(self, *froms: Any) -> Query[T]:
        """Set the FROM the query starts from (joins then continue from it)."""
        return self._with(self._statement.select_from(*froms))

    def options(self, *options: Any) -> Query[T]:
        """Loader options: ``selectinload(User.addresses)``, ``defer(User.bio)``, ..."""
        if self._from_statement is not None:
            clone = self._clone()
            clone._from_statement = FromStatement(
                list(self._statement._entities),
                self._from_statement.element,
                (*self._from_statement._with_options, *options),
            )
            return clone
        return self._with(self._statement.options(*options))

    def order_by(self, *clauses: Any) -> Query[T]:
        """Add ORDER BY terms; ``order_by(None)`` removes those given so far."""
        return self._with(self._statement.order_by(*self._adapted(clauses)))

    def group_by(self, *clauses: Any) -> Query[T]:
        """Add GROUP BY terms; ``group_by(None)`` removes those given so far."""
        if len(clauses) == 1 and clauses[0] is None:
            statement = self._statement._clone()
            statement._group_by = []
            return self._with(statement)
        return self._with(self._statement.group_by(*self._adapted(clauses)))

    def having(self, *criterion: Any) -> Query[T]:
        """Add HAVING criteria (after ``group_by()``)."""
        return self._with(self._statement.having(*self._adapted(criterion)))

    def limit(self, limit: int | None) -> Query[T]:
        return self._with(self._statement.limit(limit))

    def offset(self, offset: int | None) -> Query[T]:
        return self._with(self._statement.offset(offset))

    def slice(self, start: int | None, stop: int | None) -> Query[T]:
        """Rows ``start`` to ``stop`` of what the query returns (OFFSET and LIMIT, combined
        with those already set)."""
        offset = _bound_value(self._statement._offset) or 0
        limit = _bound_value(self._statement._limit)
        start = start or 0
        new_offset = offset + start
        new_limit = None if stop is None else max(stop - start, 0)
        if limit is not None:
            remaining = max(limit - start, 0)
            new_limit = remaining if new_limit is None else min(new_limit, remaining)
        return self._with(
            self._statement.offset(new_offset or None if start == 0 else new_offset).limit(
                new_limit
            )
        )

    def distinct(self, *expr: Any) -> Query[T]:
        """SELECT DISTINCT (DISTINCT ON expressions are not supported)."""
        if expr:
            raise exc.ArgumentError(
                "Query.distinct() with expressions (PostgreSQL's DISTINCT ON) is not supported "
                "by corral; call distinct() with no arguments or group_by() the expressions"
            )
        return self._with(self._statement.distinct())

    def correlate(self, *froms: Any) -> Query[T]:
        """Leave these FROMs out when the query is a subquery of one that has them."""
        return self._with(self._statement.correlate(*froms))

    def with_for_update(
        self,
        *,
        read: bool = False,
        nowait: bool = False,
        of: Any = None,
        skip_locked: bool = False,
        key_share: bool = False,
    ) -> Query[T]:
        """SELECT ... FOR UPDATE (``read``: FOR SHARE); the rows' values refresh the objects."""
        if key_share:
            raise exc.ArgumentError(
                "with_for_update(key_share=True) is not supported by corral; leave it out "
                "(FOR UPDATE locks more strongly than FOR NO KEY UPDATE / FOR KEY SHARE)"
            )
        return self._with(
            self._statement.with_for_update(
                read=read, nowait=nowait, of=of, skip_locked=skip_locked
            )
        )

    def add_columns(self, *columns: Any) -> Query[Any]:
        """Also select these columns: the query then yields rows."""
        query = self._with(self._statement.add_columns(*columns))
        query._single = False
        return query

    def with_entities(self, *entities: Any) -> Query[Any]:
        """Select these instead (FROM, WHERE and the rest stay)."""
        query = self._with(self._statement.with_only_columns(*entities))
        query._single = len(entities) == 1 and _is_entity(entities[0])
        return query

    def params(self, __params: Mapping[str, Any] | None = None, **kw: Any) -> Query[T]:
        """Values for ``bindparam()``\\ s in the criteria, sent when the query runs."""
        clone = self._clone()
        clone._params = {**self._params, **(__params or {}), **kw}
        return clone

    def execution_options(self, **options: Any) -> Query[T]:
        """Execution options for the query's statement (``yield_per``, ``populate_existing``,
        ``autoflush``, ``stream_results``, ...)."""
        clone = self._clone()
        clone._execution_options = {**self._execution_options, **options}
        return clone

    def yield_per(self, count: int) -> Query[T]:
        """Build objects ``count`` rows at a time while iterating (for large results)."""
        return self.execution_options(yield_per=count)

    def populate_existing(self) -> Query[T]:
        """Overwrite objects already in the session with the values the rows bring."""
        return self.execution_options(populate_existing=True)

    def autoflush(self, setting: bool) -> Query[T]:
        """Whether running this query flushes the session first (default: the session's)."""
        return self.execution_options(autoflush=setting)

    def enable_assertions(self, value: bool) -> Query[T]:
        """With False, ``get()`` no longer refuses a query that already has criteria."""
        clone = self._clone()
        clone._assertions = value
        return clone

    def from_statement(self, statement: Any) -> Query[T]:
        """Load the query's entities from the rows of ``statement`` (``text()`` or a select),
        its columns matched to theirs by name."""
        clone = self._clone()
        clone._from_statement = self._statement.from_statement(statement)
        return clone

    def with_session(self, session: Session) -> Query[T]:
        """This query, run by ``session``."""
        clone = self._clone()
        clone.session = session
        return clone

    # -- as SQL ---------------------------------------------------------------------------

    @property
    def statement(self) -> Any:
        """The ``select()`` (or ``from_statement()`` construct) this query runs."""
        statement: Any = self._from_statement or self._statement
        if self._execution_options:
            statement = statement.execution_options(**self._execution_options)
        return statement

    @property
    def get_label_style(self) -> SelectLabelStyle:
        """How the query names its columns (a property, as on SQLAlchemy's Query):
        ``LABEL_STYLE_LEGACY_ORM`` unless ``set_label_style()`` said otherwise."""
        return self._statement._label_style

    def set_label_style(self, style: SelectLabelStyle) -> Query[T]:
        """The query with its statement's columns named by ``style`` (see
        ``Select.set_label_style``); its rows keep each column's own name."""
        return self._with(self._statement.set_label_style(style))

    @property
    def whereclause(self) -> ColumnElement[Any] | None:
        """The WHERE criteria joined by AND, or None."""
        from corral.sql.conditions import and_

        where = self._statement._where
        if not where:
            return None
        return where[0] if len(where) == 1 else and_(*where)

    @property
    def column_descriptions(self) -> list[dict[str, Any]]:
        """One dict per selected item: ``name``, ``type``, ``expr``, ``entity``, ``aliased``."""
        return self._statement.column_descriptions

    def _plain_select(self) -> Select:
        """The statement without loader options, for use inside another statement."""
        if self._from_statement is not None:
            raise exc.InvalidRequestError(
                "A from_statement() Query cannot be counted or used inside another statement "
                "(count(), subquery(), cte(), exists(), union()); use the statement given to "
                "from_statement() itself"
            )
        statement = self._statement
        if statement._with_options:
            statement = statement._clone()
            statement._with_options = ()
        return statement

    def subquery(
        self, name: str | None = None, with_labels: bool = False, reduce_columns: bool = False
    ) -> Subquery:
        """The query as a subquery to select from (``.c`` holds its columns)."""
        if reduce_columns:
            raise exc.ArgumentError(
                "Query.subquery(reduce_columns=True) is not supported by corral; select the "
                "columns the subquery should have instead"
            )
        statement = self._plain_select()
        if with_labels:
            statement = statement.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
        return statement.subquery(name)

    def cte(self, name: str | None = None, recursive: bool = False, nesting: bool = False) -> CTE:
        """The query as a common table expression (WITH ...)."""
        if nesting:
            raise exc.ArgumentError("Query.cte(nesting=True) is not supported by corral")
        return self._plain_select().cte(name, recursive=recursive)

    def label(self, name: str) -> Any:
        """The query as a scalar subquery with a label, for use as a column."""
        return self._plain_select().label(name)

    def scalar_subquery(self) -> Any:
        """The query as a scalar subquery, for use as a column or in criteria."""
        return self._plain_select().scalar_subquery()

    as_scalar = scalar_subquery

    def exists(self) -> Exists:
        """``EXISTS (SELECT 1 FROM ... WHERE ...)``: for criteria, or selected on its own."""
        statement = self._plain_select()
        froms = statement._froms()
        inner = statement.with_only_columns(literal_column("1"))
        inner._from_obj = [
            *statement._from_obj,
            *(f for f in froms if f not in statement._from_obj),
        ]
        return inner.exists()

    def union(self, *queries: Query[Any]) -> Query[T]:
        """``SELECT ... FROM (this UNION the others)``: filter and order it further."""
        return self._compound("union", queries)

    def union_all(self, *queries: Query[Any]) -> Query[T]:
        """As ``union()`` with UNION ALL (duplicates kept)."""
        return self._compound("union_all", queries)

    def _compound(self, keyword: str, queries: Sequence[Query[Any]]) -> Query[T]:
        compound: CompoundSelect = getattr(self._plain_select(), keyword)(
            *(q._plain_select() for q in queries)
        )
        entities, pairs = compound_query.entities_over(self._statement, compound.subquery())
        query: Query[T] = Query(entities, self.session)
        query._single = self._single
        query._execution_options = dict(self._execution_options)
        query._params = {**self._params, **{k: v for q in queries for k, v in q._params.items()}}
        query._adapt = pairs
        return query

    def _printed_statement(self) -> Any:
        """The statement as ``str(query)`` prints it: each table column labelled
        ``<table>_<column>``, as SQLAlchemy prints a legacy Query (``query.statement``
        prints as ``select()`` does)."""
        statement = self.statement
        if isinstance(statement, Select) and statement._label_style is LABEL_STYLE_LEGACY_ORM:
            statement = statement._clone()
            statement._tablename_labels = True
        return statement

    def __str__(self) -> str:
        statement = self._printed_statement()
        return str(statement.compile(self._printing_bind(statement)))

    def _printing_bind(self, statement: Any) -> Any:
        """The Engine the session would run ``statement`` on, whose dialect ``str(query)``
        writes in (as SQLAlchemy prints a Query); None without a session or a bind."""
        if self.session is None:
            return None
        try:
            return self.session._bind_for(statement, None)
        except exc.UnboundExecutionError:
            return None

    def __repr__(self) -> str:
        return f"<Query {self._statement._entities!r}>"

    # -- running --------------------------------------------------------------------------

    def _session(self) -> Session:
        if self.session is None:
            raise exc.InvalidRequestError(
                "This Query has no Session to run it; create it with session.query(...) or "
                "give it one with query.with_session(session)"
            )
        return self.session

    def _run(self, statement: Any = None) -> Result:
        session = self._session()
        statement = self.statement if statement is None else statement
        result = session.execute(statement, self._params or None)
        if result._source.unique_required:  # a joined collection: rows repeat their parent
            result = result.unique()
        return result

    def _fetch(self, statement: Any = None) -> Any:
        """The result, as objects for a query of one class, else as rows."""
        result = self._run(statement)
        return result.scalars() if self._single else result

    def __iter__(self) -> Iterator[T]:
        return iter(self._fetch())

    def all(self) -> list[T]:
        """Every object (or row) the query returns."""
        return list(self._fetch().all())

    def first(self) -> T | None:
        """The first object (or row), with LIMIT 1 added; None when there is none."""
        if self._from_statement is not None:
            return self._fetch().first()  # type: ignore[no-any-return]
        return self.limit(1)._fetch().first()  # type: ignore[no-any-return]

    def one(self) -> T:
        """The only object (or row); raises NoResultFound or MultipleResultsFound."""
        return self._fetch().one()  # type: ignore[no-any-return]

    def one_or_none(self) -> T | None:
        """The only object (or row), or None; raises MultipleResultsFound for several."""
        return self._fetch().one_or_none()  # type: ignore[no-any-return]

    def scalar(self) -> Any:
        """The first column of the only row (the object for a query of one class), or None
        when there is no row; raises MultipleResultsFound for several."""
        try:
            found = self.one()
        except exc.NoResultFound:
            return None
        return found[0] if isinstance(found, Row) else found

    def __getitem__(self, item: int | builtins.slice) -> Any:
        """``query[2]``: one object by position; ``query[10:20]``: a list (OFFSET/LIMIT)."""
        if isinstance(item, builtins.slice):
            start, stop, step = item.start, item.stop, item.step
            if isinstance(start, int) and isinstance(stop, int) and stop - start <= 0:
                return []
            if (isinstance(start, int) and start < 0) or (isinstance(stop, int) and stop < 0):
                raise IndexError("A Query takes no negative index or slice bound (SQL has none)")
            found = list(self.slice(start, stop))
            return found if step is None else found[::step]
        if item < 0:
            raise IndexError("A Query takes no negative index or slice bound (SQL has none)")
        found = list(self.slice(item, item + 1))
        if not found:
            raise IndexError(f"The query returns fewer than {item + 1} rows")
        return found[0]

    def count(self) -> int:
        """``SELECT count(*) FROM (the query)``: how many rows it returns."""
        counted = select(func.count()).select_from(self._plain_select().subquery())
        if self._execution_options:  # do_orm_execute listeners see the query's options
            counted = counted.execution_options(**self._execution_options)
        return int(self._session().execute(counted, self._params or None).scalar() or 0)

    def get(self, ident: Any) -> T | None:
        """Legacy: the object of the query's class with this primary key (use Session.get)."""
        warnings.warn(
            "Query.get() is legacy (as in SQLAlchemy 2.0); use session.get(Class, key)",
            exc.LegacyAPIWarning,
            stacklevel=2,
        )
        entity = self._statement._entities[0]
        if not self._single:
            raise exc.InvalidRequestError(
                "Query.get() needs a query of one mapped class, as session.query(User)"
            )
        statement = self._statement
        if self._assertions and (
            statement._where
            or statement._from_obj
            or statement._order_by
            or statement._limit is not None
            or statement._offset is not None
            or statement._distinct
            or statement._group_by
        ):
            raise exc.InvalidRequestError(
                "Query.get() being called on a Query with existing criterion; call it on "
                "session.query(Class) alone (or use enable_assertions(False))"
            )
        options = self._execution_options
        for_update: Any = None
        if statement._for_update is not None:
            lock = statement._for_update
            for_update = {"read": lock.read, "nowait": lock.nowait, "skip_locked": lock.skip_locked}
        return self._session().get(
            entity,
            ident,
            populate_existing=bool(options.get("populate_existing")),
            with_for_update=for_update,
        )

    def update(
        self,
        values: Mapping[Any, Any],
        synchronize_session: _SynchronizeSession = "auto",
        update_args: Mapping[str, Any] | None = None,
    ) -> int:
        """UPDATE the rows the query's criteria match; returns how many matched.

        Objects in the session are updated too (``synchronize_session``: ``"auto"``,
        ``"evaluate"``, ``"fetch"`` or False).
        """
        target = self._dml_target("update", update_args)
        statement = update(target).where(*self._statement._where).values(dict(values))
        return self._run_dml(statement, synchronize_session)

    def delete(
        self,
        synchronize_session: _SynchronizeSession = "auto",
        delete_args: Mapping[str, Any] | None = None,
    ) -> int:
        """DELETE the rows the query's criteria match; returns how many matched."""
        target = self._dml_target("delete", delete_args)
        statement = delete(target).where(*self._statement._where)
        return self._run_dml(statement, synchronize_session)

    def _dml_target(self, what: str, args: Mapping[str, Any] | None) -> Any:
        if args:
            raise exc.ArgumentError(
                f"Query.{what}({what}_args=...) is not supported by corral; build the statement "
                f"with {what}(Class).where(...) and run it with session.execute()"
            )
        statement = self._statement
        entity = statement._entities[0] if statement._entities else None
        extra = [
            name
            for name, present in (
                ("join()/select_from()", statement._from_obj),
                ("order_by()", statement._order_by),
                ("limit()", statement._limit is not None),
                ("offset()", statement._offset is not None),
                ("group_by()", statement._group_by),
                ("distinct()", statement._distinct),
            )
            if present
        ]
        if not _is_entity(entity) or extra or self._from_statement is not None:
            raise exc.InvalidRequestError(
                f"Query.{what}() runs on a query of one mapped class with filter() criteria "
                f"only{'; this one has ' + ', '.join(extra) if extra else ''}; build the "
                f"statement with {what}(Class).where(...) and session.execute() it instead"
            )
        return entity

    def _run_dml(self, statement: Any, synchronize_session: _SynchronizeSession) -> int:
        statement = statement.execution_options(synchronize_session=synchronize_session)
        result = self._session().execute(statement, self._params or None)
        return int(result.rowcount)


def _bound_value(bind: Any) -> int | None:
    return None if bind is None else int(bind.value)


def _joined_entity(target: Any) -> Any:
    """What ``filter_by()`` reads after a join: the joined class (of a relationship too)."""
    if _is_entity(target):
        return target
    entity = getattr(target, "target_entity", None)  # a path: .of_type(alias), .and_(...)
    if entity is not None and _is_entity(entity):
        return entity
    mapper = getattr(getattr(target, "property", None), "mapper", None)
    return getattr(mapper, "class_", None)
