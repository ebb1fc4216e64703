"""PostgreSQL's spelling of statements and DDL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from corral import exc
from corral.sql import operators as ops
from corral.sql.array_type import ArrayIndex, ArrayOperation
from corral.sql.compiler import flags
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.reserved import SQL_RESERVED_WORDS
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.compiler.upsert import OnConflictCompiler
from corral.sql.ddl import CreateIndex
from corral.sql.elements import BindParameter
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)

#: Words PostgreSQL reserves (quoted with double quotes when used as names): standard SQL's,
#: less five it lets through as names, and its own.
RESERVED_WORDS = (SQL_RESERVED_WORDS - {"between", "new", "off", "old", "set"}) | frozenset(
    """
    collation concurrently current_catalog current_schema fetch lateral returning
    system_user tablesample variadic window with
    """.split()  # noqa: SIM905 - a word list reads best as text
)


class PostgreSQLStatementCompiler(OnConflictCompiler, StatementCompiler):
    """Statements as PostgreSQL writes them."""

    reserved_words = RESERVED_WORDS
    shown_as: ClassVar[Mapping[str, object]] = {"limit_break": " \n "}
    #: psycopg sends a str untyped; ``concat(%s, %s)`` would leave PostgreSQL guessing.
    function_string_cast = "VARCHAR"

    def visit_array_index(self, element: ArrayIndex, **kw: Any) -> str:
        array = self.process(element.array, **flags.plain(kw))
        if element.array.precedence < ops.ATOM:
            array = f"({array})"
        index = self.process(element.index, **flags.plain(kw))
        if element.upper is not None:
            index += ":" + self.process(element.upper, **flags.plain(kw))
        return f"{array}[{index}]"

    def visit_array_operation(self, element: ArrayOperation, **kw: Any) -> str:
        left = self.process(element.left, **flags.plain(kw))
        right = self.process(element.right, **flags.plain(kw))
        if isinstance(element.right, BindParameter):
            # psycopg types a list by its values (smallint[] for small ints): name the type.
            target = element.right.type if element.operator != "any" else None
            if target is not None:
                right = f"CAST({right} AS {self.cast_type(target)})"
        if element.operator == "any":
            return f"{right} = ANY ({left})"
        return f"{left} {element.operator} {right}"

    #: ``count`` new keys from a column's sequence (for ``sequence_prefetch``). The table
    #: name is written into the SQL, as in every other statement on the table, so a
    #: ``before_cursor_execute`` listener rewriting table names reaches it too.
    sequence_prefetch_sql = (
        "SELECT nextval(pg_get_serial_sequence('{table}', :column)) FROM generate_series(1, :count)"
    )


class PostgreSQLDDLCompiler(PostgreSQLStatementCompiler, DDLCompiler):
    """DDL as PostgreSQL writes it, with the ``postgresql_`` options of schema objects."""

    has_table_sql = (
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = :name AND c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
    )
    has_enum_type_sql = (
        "SELECT t.typname FROM pg_catalog.pg_type t "
        "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = :name AND t.typtype = 'e' AND n.nspname = current_schema()"
    )
    has_enum_type_in_schema_sql = (
        "SELECT t.typname FROM pg_catalog.pg_type t "
        "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = :name AND t.typtype = 'e' AND n.nspname = :schema"
    )
    option_prefixes = ("postgresql",)
    comments = "statement"
    deferrable_kinds = frozenset({"foreign_key", "unique", "primary_key"})
    foreign_key_match = True

    def autoincrement_spec(self, column: Column) -> str:
        identity = column.identity
        spec = (
            f"{self.quote(column.name)} {self.dialect.type_ddl(column.type)} "
            f"GENERATED {'ALWAYS' if identity and identity.always else 'BY DEFAULT'} AS IDENTITY"
        )
        options = identity.options() if identity else []
        return spec + (f" ({' '.join(options)})" if options else "")

    def table_options(self, table: Table) -> str:
        sql = ""
        inherits = self.option(table, "inherits")
        if inherits:
            sql += f" INHERITS ({', '.join(self.quote(name) for name in inherits)})"
        partition_by = self.option(table, "partition_by")
        if partition_by is not None:
            sql += f" PARTITION BY {self._escape_text(partition_by)}"
        using = self.option(table, "using")
        if using is not None:
            sql += f" USING {using}"
        with_oids = self.option(table, "with_oids")
        if with_oids is not None:
            sql += " WITH OIDS" if with_oids else " WITHOUT OIDS"
        on_commit = self.option(table, "on_commit")
        if on_commit is not None:
            sql += f" ON COMMIT {on_commit}"
        tablespace = self.option(table, "tablespace")
        if tablespace is not None:
            sql += f" TABLESPACE {self.quote(tablespace)}"
        return sql

    def _include(self, item: Any, table: Table | None, what: str) -> str:
        include = self.option(item, "include")
        if not include:
            return ""
        columns = [self.table_column(table, ref, what) for ref in include]
        return f" INCLUDE ({self._names(columns)})"

    def primary_key_options(self, constraint: PrimaryKeyConstraint) -> str:
        return self._include(constraint, constraint.table, "postgresql_include")

    def unique_spec(self, constraint: UniqueConstraint) -> str:
        nulls = " NULLS NOT DISTINCT" if self.option(constraint, "nulls_not_distinct") else ""
        include = self._include(constraint, constraint.table, "postgresql_include")
        return (
            f"UNIQUE{nulls} ({self._names(constraint.columns)}){include}"
            + self.constraint_suffix(constraint)
        )

    def check_spec(self, constraint: CheckConstraint) -> str:
        return super().check_spec(constraint) + self._not_valid(constraint)

    def foreign_key_spec(self, constraint: ForeignKeyConstraint) -> str:
        return super().foreign_key_spec(constraint) + self._not_valid(constraint)

    def _not_valid(self, constraint: CheckConstraint | ForeignKeyConstraint) -> str:
        return " NOT VALID" if self.option(constraint, "not_valid") else ""

    def index_column(self, index: Index, column: Column) -> str:
        ops = self.option(index, "ops") or {}
        operator_class = ops.get(column.key) or ops.get(column.name)
        name = self.quote(column.name)
        return f"{name} {operator_class}" if operator_class else name

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        index = create.index
        ops = self.option(index, "ops") or {}
        known = {name for c in index.columns for name in (c.name, c.key)}
        for name in ops:
            if name not in known:
                raise exc.CompileError(
                    f"postgresql_ops of Index {index.name!r} names {name!r}, which is not one "
                    f"of its columns ({', '.join(c.name for c in index.columns)})"
                )
        sql = "CREATE UNIQUE INDEX " if index.unique else "CREATE INDEX "
        if self.option(index, "concurrently"):
            sql += "CONCURRENTLY "
        sql += f"{self.quote(index.name)} ON {self.index_table(index)} "
        using = self.option(index, "using")
        if using is not None:
            sql += f"USING {using} "
        sql += f"({self.index_columns(index)})"
        sql += self._include(index, index.table, f"postgresql_include of Index {index.name!r}")
        if self.option(index, "nulls_not_distinct"):
            sql += " NULLS NOT DISTINCT"
        storage = self.option(index, "with")
        if storage:
            pairs = ", ".join(f"{k} = {self._storage_value(v)}" for k, v in storage.items())
            sql += f" WITH ({pairs})"
        tablespace = self.option(index, "tablespace")
        if tablespace is not None:
            sql += f" TABLESPACE {self.quote(tablespace)}"
        where = self.option(index, "where")
        if where is not None:
            sql += f" WHERE {self.condition(where)}"
        return sql

    def _storage_value(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
