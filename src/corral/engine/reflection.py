"""``Inspector``: what the database says about its schemas, tables, columns and constraints.

``corral.inspect(engine)`` (or a Connection) gives one. Its ``get_*`` methods ask
the dialect's catalog queries (``dialects/<db>/reflection.py``) and answer with the
dictionaries SQLAlchemy's Inspector gives (``corral.engine.reflected``), each answer
kept for the Inspector's life (``clear_cache()`` forgets them). ``reflect_table``
fills a ``Table`` from those answers: ``Table(name, metadata, autoload_with=engine)``
and ``MetaData.reflect()`` come here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from corral import exc, inspection
from corral.engine.base import Connection
from corral.engine.engine import Engine
from corral.engine.reflect_table import fill_table
from corral.engine.reflected import (
    DialectReflection,
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedEnum,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
    ReflectedUniqueConstraint,
)

if TYPE_CHECKING:
    from corral.sql.schema import Table

__all__ = ["Inspector"]

_T = TypeVar("_T")


def _refuse_keywords(kw: dict[str, Any], method: str) -> None:
    if kw:
        raise exc.ArgumentError(
            f"Inspector.{method}() does not take {', '.join(sorted(kw))}; corral's catalog "
            "queries have no dialect-specific options, so leave them out"
        )


class Inspector:
    """Reads the database's catalog through an Engine (a connection per question) or a
    Connection (in its transaction)."""

    def __init__(self, bind: Engine | Connection) -> None:
        if not isinstance(bind, Engine | Connection):
            raise exc.ArgumentError(
                f"Inspector() takes an Engine or a Connection, got {type(bind).__name__}"
            )
        self.bind = bind
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        self.dialect = self.engine.dialect
        self.info_cache: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def from_engine(cls, bind: Engine | Connection) -> Inspector:
        """The same as ``Inspector(bind)`` (SQLAlchemy's older spelling)."""
        return cls(bind)

    def __repr__(self) -> str:
        return f"<Inspector of {self.engine.url.render_as_string()}>"

    @property
    def _reflection(self) -> DialectReflection:
        return self.dialect.reflection

    @contextmanager
    def _operation(self) -> Iterator[Connection]:
        if isinstance(self.bind, Connection):
            yield self.bind
        else:
            with self.bind.connect() as connection:
                yield connection

    def _cached(self, key: tuple[Any, ...], ask: Callable[[Connection], _T]) -> _T:
        if key in self.info_cache:
            result: _T = self.info_cache[key]
            return result
        with self._operation() as connection:
            result = ask(connection)
        self.info_cache[key] = result
        return result

    def clear_cache(self) -> None:
        """Forget every answer, so that the next questions query the database again."""
        self.info_cache.clear()

    # -- schemas and tables -------------------------------------------------------------

    @property
    def default_schema_name(self) -> str | None:
        """The schema a name without ``schema=`` means (None on SQLite)."""
        return self._cached(("default_schema",), self._reflection.default_schema_name)

    def get_schema_names(self, **kw: Any) -> list[str]:
        _refuse_keywords(kw, "get_schema_names")
        return list(self._cached(("schemas",), self._reflection.schema_names))

    def has_schema(self, schema_name: str, **kw: Any) -> bool:
        _refuse_keywords(kw, "has_schema")
        return schema_name in self.get_schema_names()

    def get_table_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        """The names of the tables (not views), sorted."""
        _refuse_keywords(kw, "get_table_names")
        ask = self._reflection.table_names
        return list(self._cached(("tables", schema), lambda c: ask(c, schema)))

    def get_view_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        _refuse_keywords(kw, "get_view_names")
        ask = self._reflection.view_names
        return list(self._cached(("views", schema), lambda c: ask(c, schema)))

    def get_view_definition(self, view_name: str, schema: str | None = None, **kw: Any) -> str:
        _refuse_keywords(kw, "get_view_definition")
        ask = self._reflection.view_definition
        return self._cached(("view", view_name, schema), lambda c: ask(c, view_name, schema))

    def has_table(self, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        """Whether a table or view of that name exists (asked afresh, never cached)."""
        _refuse_keywords(kw, "has_table")
        with self._operation() as connection:
            return self._reflection.has_table(connection, table_name, schema)

    def has_index(
        self, table_name: str, index_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        _refuse_keywords(kw, "has_index")
        return any(ix["name"] == index_name for ix in self.get_indexes(table_name, schema))

    def get_enums(self, schema: str | None = None, **kw: Any) -> list[ReflectedEnum]:
        """The named enum types of ``schema`` (``"*"``: of every schema), on a database
        that has them (PostgreSQL), as SQLAlchemy's PostgreSQL Inspector lists them."""
        _refuse_keywords(kw, "get_enums")
        if self.dialect.features.native_enum != "named":
            raise exc.InvalidRequestError(
                f"Inspector.get_enums(): {self.dialect.name} has no named enum types (an "
                "Enum column's values are in its type, see get_columns())"
            )
        ask = self._reflection.enums
        return list(self._cached(("enums", schema), lambda c: ask(c, schema)))

    # -- one table ----------------------------------------------------------------------

    def _table(
        self,
        what: str,
        table_name: str,
        schema: str | None,
        kw: dict[str, Any],
        ask: Callable[[Connection, str, str | None], _T],
    ) -> _T:
        _refuse_keywords(kw, f"get_{what}")

        def checked(connection: Connection) -> _T:
            self._reflection.require_table(connection, table_name, schema)
            return ask(connection, table_name, schema)

        return self._cached((what, table_name, schema), checked)

    def get_columns(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        """The table's columns in order, as dictionaries with ``name``, ``type``,
        ``nullable``, ``default``, ``autoincrement`` and ``comment``."""
        return self._table("columns", table_name, schema, kw, self._reflection.columns)

    def get_pk_constraint(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        return self._table("pk_constraint", table_name, schema, kw, self._reflection.pk_constraint)

    def get_foreign_keys(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedForeignKeyConstraint]:
        return self._table("foreign_keys", table_name, schema, kw, self._reflection.foreign_keys)

    def get_indexes(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedIndex]:
        """The table's indexes other than its primary key's; one a UNIQUE constraint made
        is marked ``duplicates_constraint`` (PostgreSQL, MariaDB)."""
        return self._table("indexes", table_name, schema, kw, self._reflection.indexes)

    def get_unique_constraints(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedUniqueConstraint]:
        ask = self._reflection.unique_constraints
        return self._table("unique_constraints", table_name, schema, kw, ask)

    def get_check_constraints(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedCheckConstraint]:
        ask = self._reflection.check_constraints
        return self._table("check_constraints", table_name, schema, kw, ask)

    def get_table_comment(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        ask = self._reflection.table_comment
        return self._table("table_comment", table_name, schema, kw, ask)

    # -- filling a Table ----------------------------------------------------------------

    def reflect_table(
        self,
        table: Table,
        include_columns: Collection[str] | None = None,
        exclude_columns: Collection[str] = (),
        resolve_fks: bool = True,
        **kw: Any,
    ) -> None:
        """Add to ``table`` the columns, primary key, foreign keys, indexes, constraints
        and comment the database has for it, keeping the columns it already has."""
        _refuse_keywords(kw, "reflect_table")
        if isinstance(self.bind, Connection):
            fill_table(self, table, include_columns, exclude_columns, resolve_fks)
            return
        with self.engine.connect() as connection:  # one connection for every question
            inspector = Inspector(connection)
            fill_table(inspector, table, include_columns, exclude_columns, resolve_fks)


@inspection.inspects(Engine, Connection)
def _inspector(bind: Engine | Connection) -> Inspector:
    return Inspector(bind)
