"""Compiles CREATE / DROP / ALTER statements.

DDL takes no parameters, so values (server defaults, CHECK conditions) are
written into the text as literals, escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from corral.sql.compiler.compiled import Compiled
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.elements import BindParameter, ClauseElement
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.text import TextClause

if TYPE_CHECKING:
    from corral.sql.ddl import (
        AddConstraint,
        CreateIndex,
        CreateTable,
        DropConstraint,
        DropIndex,
        DropTable,
    )


def foreign_key_name(constraint: ForeignKeyConstraint) -> str:
    """The constraint's name, or the one corral gives it when it must be named (ALTER)."""
    if constraint.name:
        return constraint.name
    table = constraint.table.name if constraint.table is not None else "table"
    columns = "_".join(c.name for c in constraint.columns)
    return f"fk_{table}_{columns}_{constraint.referred_table.name}"


class DDLCompiler(StatementCompiler):
    """Writes DDL for tables, indexes and constraints."""

    #: A query with a ``:name`` parameter returning a row when that table exists.
    has_table_sql: ClassVar[str] = ""
    #: Where foreign keys cannot be dropped: SQL that defers their checks to COMMIT,
    #: so that tables referring to each other can be dropped in one transaction.
    defer_foreign_keys_sql: ClassVar[str | None] = None

    def compile(
        self,
        statement: ClauseElement,
        binds: list[BindParameter[Any]],
        keys: tuple[str, ...] | None = None,
    ) -> Compiled:
        sql = self.process(statement)
        return Compiled(sql, (), dialect_name=self.dialect.name, kind="ddl")

    def visit_create_table(self, create: CreateTable, **kw: Any) -> str:
        table = create.table
        parts = [self.column_spec(col) for col in table.columns if isinstance(col, Column)]
        if table.primary_key.columns:
            parts.append(self.primary_key_spec(table.primary_key))
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                parts.append(
                    self._named(constraint.name)
                    + "UNIQUE ("
                    + self._names(constraint.columns)
                    + ")"
                )
            elif isinstance(constraint, CheckConstraint):
                parts.append(self._named(constraint.name) + f"CHECK ({self._check(constraint)})")
            elif (
                isinstance(constraint, ForeignKeyConstraint)
                and constraint not in create.skip_foreign_keys
            ):
                parts.append(self._named(constraint.name) + self.foreign_key_spec(constraint))
        return (
            f"CREATE TABLE {self.quote(table.name or '')} ({', '.join(parts)})"
            + self.table_options(table)
        )

    def table_options(self, table: Table) -> str:
        return ""

    def _named(self, name: str | None) -> str:
        return f"CONSTRAINT {self.quote(name)} " if name else ""

    def _names(self, columns: list[Column]) -> str:
        return ", ".join(self.quote(c.name) for c in columns)

    def _check(self, constraint: CheckConstraint) -> str:
        if isinstance(constraint.sqltext, str):
            return self._escape_text(constraint.sqltext)
        return self.process(constraint.sqltext, literal_binds=True, include_table=False)

    def column_spec(self, column: Column) -> str:
        if column.is_autoincrement:
            return self.autoincrement_spec(column)
        spec = f"{self.quote(column.name)} {self.dialect.type_ddl(column.type)}"
        default = self.server_default(column)
        if default is not None:
            spec += f" DEFAULT {default}"
        if not column.nullable:
            spec += " NOT NULL"
        return spec

    def autoincrement_spec(self, column: Column) -> str:
        return f"{self.quote(column.name)} {self.dialect.type_ddl(column.type)} NOT NULL"

    def server_default(self, column: Column) -> str | None:
        default = column.server_default
        if default is None:
            return None
        if isinstance(default, TextClause):
            return self._escape_text(default.text)
        if isinstance(default, ClauseElement):
            return self.process(default, literal_binds=True, include_table=False)
        return self.render_literal(default)

    def primary_key_spec(self, constraint: PrimaryKeyConstraint) -> str:
        return self._named(constraint.name) + f"PRIMARY KEY ({self._names(constraint.columns)})"

    def foreign_key_spec(self, constraint: ForeignKeyConstraint) -> str:
        referred = constraint.referred_table
        targets = ", ".join(self.quote(fk.column.name) for fk in constraint.elements)
        spec = (
            f"FOREIGN KEY({self._names(constraint.columns)}) "
            f"REFERENCES {self.quote(referred.name or '')} ({targets})"
        )
        if constraint.ondelete:
            spec += f" ON DELETE {_action(constraint.ondelete)}"
        if constraint.onupdate:
            spec += f" ON UPDATE {_action(constraint.onupdate)}"
        return spec

    def visit_drop_table(self, drop: DropTable, **kw: Any) -> str:
        exists = "IF EXISTS " if drop.if_exists else ""
        return f"DROP TABLE {exists}{self.quote(drop.table.name or '')}"

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        index = create.index
        unique = "UNIQUE " if index.unique else ""
        table = index.table.name if index.table is not None else ""
        return (
            f"CREATE {unique}INDEX {self.quote(index.name)} ON {self.quote(table or '')} "
            f"({self._names(index.columns)})"
        )

    def visit_drop_index(self, drop: DropIndex, **kw: Any) -> str:
        return f"DROP INDEX {self.quote(drop.index.name)}"

    def visit_add_constraint(self, add: AddConstraint, **kw: Any) -> str:
        constraint = add.constraint
        table = constraint.table.name if constraint.table is not None else ""
        return (
            f"ALTER TABLE {self.quote(table or '')} ADD CONSTRAINT "
            f"{self.quote(foreign_key_name(constraint))} {self.foreign_key_spec(constraint)}"
        )

    def visit_drop_constraint(self, drop: DropConstraint, **kw: Any) -> str:
        constraint = drop.constraint
        table = constraint.table.name if constraint.table is not None else ""
        return (
            f"ALTER TABLE {self.quote(table or '')} "
            f"{self.drop_foreign_key_keyword()} {self.quote(foreign_key_name(constraint))}"
        )

    def drop_foreign_key_keyword(self) -> str:
        return "DROP CONSTRAINT"


_ACTIONS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})


def _action(value: str) -> str:
    action = value.upper()
    if action not in _ACTIONS:
        from corral import exc

        raise exc.ArgumentError(
            f"Unknown foreign key action {value!r}; use one of {', '.join(sorted(_ACTIONS))}"
        )
    return action
