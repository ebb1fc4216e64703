"""What reflection reads about a table, and the queries each dialect answers it with.

The dictionaries have the keys SQLAlchemy's ``Inspector`` gives, so code that
reads them moves over unchanged. ``DialectReflection`` is the interface each
dialect's ``reflection`` module implements (``dialects/<db>/reflection.py``): plain
queries on a Connection, returning these dictionaries with corral types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from corral import exc
from corral.sql.text import text

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.sql.type_api import TypeEngine


class ReflectedColumn(TypedDict):
    """One column: ``name``, ``type`` (a corral type), ``nullable``, ``default`` (the
    server default as SQL text, or None), ``autoincrement`` and ``comment``."""

    name: str
    type: TypeEngine
    nullable: bool
    default: str | None
    autoincrement: bool
    comment: str | None


class ReflectedPrimaryKeyConstraint(TypedDict):
    constrained_columns: list[str]
    name: str | None


class ReflectedForeignKeyConstraint(TypedDict):
    name: str | None
    constrained_columns: list[str]
    referred_schema: str | None
    referred_table: str
    referred_columns: list[str]
    options: dict[str, Any]


class ReflectedIndex(TypedDict):
    name: str
    column_names: list[str]
    unique: bool
    dialect_options: dict[str, Any]
    #: The UNIQUE constraint this index was made for (or is, on MariaDB).
    duplicates_constraint: NotRequired[str]


class ReflectedUniqueConstraint(TypedDict):
    name: str | None
    column_names: list[str]
    #: The unique index this constraint is (MariaDB, where they are one thing).
    duplicates_index: NotRequired[str]


class ReflectedCheckConstraint(TypedDict):
    name: str | None
    sqltext: str


class ReflectedTableComment(TypedDict):
    text: str | None


class ReflectedEnum(TypedDict):
    """A named enum type (PostgreSQL): its name, schema, whether the search path finds
    it (``visible``) and its labels in order."""

    name: str
    schema: str
    visible: bool
    labels: list[str]


def foreign_key_options(ondelete: str | None, onupdate: str | None) -> dict[str, Any]:
    """The ``options`` of a reflected foreign key: the ON DELETE / ON UPDATE actions that
    are not the default (NO ACTION), upper case, as SQLAlchemy reports them."""
    options: dict[str, Any] = {}
    for key, action in (("ondelete", ondelete), ("onupdate", onupdate)):
        if action and action.upper() not in ("NO ACTION", "RESTRICT"):
            options[key] = action.upper()
    return options


class DialectReflection:
    """The catalog queries of one database. Subclasses answer every method; ``schema``
    None means the connection's default schema (PostgreSQL) or database (MariaDB)."""

    def rows(self, connection: Connection, sql: str, **params: Any) -> list[Any]:
        """The rows of a catalog query, with ``:name`` parameters."""
        return list(connection.execute(text(sql), params).all())

    def default_schema_name(self, connection: Connection) -> str | None:
        raise NotImplementedError

    def schema_names(self, connection: Connection) -> list[str]:
        raise NotImplementedError

    def table_names(self, connection: Connection, schema: str | None) -> list[str]:
        raise NotImplementedError

    def view_names(self, connection: Connection, schema: str | None) -> list[str]:
        raise NotImplementedError

    def view_definition(self, connection: Connection, view: str, schema: str | None) -> str:
        raise NotImplementedError

    def has_table(self, connection: Connection, table: str, schema: str | None) -> bool:
        """Whether a table or view of that name exists."""
        names = self.table_names(connection, schema) + self.view_names(connection, schema)
        return table in names

    def columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedColumn]:
        raise NotImplementedError

    def pk_constraint(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedPrimaryKeyConstraint:
        raise NotImplementedError

    def foreign_keys(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedForeignKeyConstraint]:
        raise NotImplementedError

    def indexes(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedIndex]:
        raise NotImplementedError

    def unique_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedUniqueConstraint]:
        raise NotImplementedError

    def check_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedCheckConstraint]:
        raise NotImplementedError

    def table_comment(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedTableComment:
        raise NotImplementedError

    def enums(self, connection: Connection, schema: str | None) -> list[ReflectedEnum]:
        """The named enum types; only dialects whose ``features.native_enum`` is "named"."""
        raise NotImplementedError

    def require_table(self, connection: Connection, table: str, schema: str | None) -> None:
        """Raise ``NoSuchTableError`` unless ``table`` exists."""
        if not self.has_table(connection, table, schema):
            where = f" in schema {schema!r}" if schema else ""
            raise exc.NoSuchTableError(
                f"The database has no table or view {table!r}{where}; check the name "
                "(inspect(engine).get_table_names() lists them)"
            )
