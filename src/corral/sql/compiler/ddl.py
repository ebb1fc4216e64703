"""Compiles CREATE / DROP / ALTER statements.

DDL takes no parameters, so values (server defaults, CHECK conditions) are
written into the text as literals, escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from corral import exc
from corral.sql.compiler.compiled import Compiled
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.dialect_options import option_value
from corral.sql.elements import BindParameter, ClauseElement
from corral.sql.schema import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.text import TextClause

if TYPE_CHECKING:
    from corral.sql.ddl import (
        AddConstraint,
        CommentOn,
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
    #: The same for a named enum type (where ``features.native_enum == "named"``).
    has_enum_type_sql: ClassVar[str] = ""
    #: The same in the schema named by a ``:schema`` parameter (under schema_translate_map).
    has_enum_type_in_schema_sql: ClassVar[str] = ""
    #: Where foreign keys cannot be dropped: SQL that defers their checks to COMMIT,
    #: so that tables referring to each other can be dropped in one transaction.
    defer_foreign_keys_sql: ClassVar[str | None] = None
    #: Keyword prefixes of the dialect options this DDL applies (``mysql``, ``mariadb``).
    option_prefixes: ClassVar[tuple[str, ...]] = ()
    #: Where table and column comments go: inside CREATE TABLE, in COMMENT ON statements
    #: run after it, or nowhere (the database keeps none; they stay in the MetaData).
    comments: ClassVar[Literal["inline", "statement", "none"]] = "none"
    #: Kinds of constraint the database can defer (DEFERRABLE / INITIALLY).
    deferrable_kinds: ClassVar[frozenset[str]] = frozenset()
    #: The database enforces a foreign key's MATCH FULL / PARTIAL / SIMPLE.
    foreign_key_match: ClassVar[bool] = False

    #: Written to be printed (``str()`` / ``compile()``), laid out as SQLAlchemy shows DDL;
    #: what runs stays on one line.
    shown = False

    def compile(
        self,
        statement: ClauseElement,
        binds: list[BindParameter[Any]],
        keys: tuple[str, ...] | None = None,
    ) -> Compiled:
        sql = self.process(statement)
        return Compiled(sql, (), dialect_name=self.dialect.name, kind="ddl")

    def option(self, item: Any, name: str) -> Any:
        """The value of this dialect's option ``name`` on a schema item, or None."""
        return option_value(item.dialect_options, self.option_prefixes, name)

    def visit_create_table(self, create: CreateTable, **kw: Any) -> str:
        table = create.table
        parts = [self.column_spec(col) for col in table.columns if isinstance(col, Column)]
        if table.primary_key.columns and not self.primary_key_inline(table):
            parts.append(self.primary_key_spec(table.primary_key))
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                parts.append(self._named(constraint.name) + self.unique_spec(constraint))
            elif isinstance(constraint, CheckConstraint):
                parts.append(self._named(constraint.name) + self.check_spec(constraint))
            elif (
                isinstance(constraint, ForeignKeyConstraint)
                and constraint not in create.skip_foreign_keys
            ):
                parts.append(self._named(constraint.name) + self.foreign_key_spec(constraint))
        parts.extend(self.enum_checks(table))
        prefixes = "".join(f"{p.upper()} " for p in table.prefixes)
        sql = (
            f"CREATE {prefixes}TABLE {self.table_name(table)} {self.table_body(parts)}"
            + self.table_options(table)
        )
        return f"\n{sql}\n\n" if self.shown else sql

    def table_body(self, parts: list[str]) -> str:
        """The parenthesised column and constraint list: one line to run; printed, a line
        and a tab each, the closing parenthesis on its own line, as SQLAlchemy shows it."""
        if not self.shown:
            return f"({', '.join(parts)})"
        return "(\n\t" + ", \n\t".join(parts) + "\n)" if parts else "(\n)"

    def table_options(self, table: Table) -> str:
        return ""

    def enum_checks(self, table: Table) -> list[str]:
        """``CHECK (column IN (...))`` for each ``Enum(create_constraint=True)`` column that
        is not of a native enum type here."""
        from corral.sql.enum_ddl import column_enum

        checks = []
        for column in table.columns:
            if not isinstance(column, Column):
                continue
            enum = column_enum(column, self.dialect)
            if enum is None or not enum.create_constraint:
                continue
            if enum.native_enum and self.features.native_enum is not None:
                continue  # the type itself holds only its strings
            strings = ", ".join(self.render_literal(text) for text in enum.enums)
            checks.append(
                self._named(enum.name) + f"CHECK ({self.quote(column.name)} IN ({strings}))"
            )
        return checks

    def visit_create_enum_type(self, create: Any, **kw: Any) -> str:
        type_compiler = self.dialect.type_compiler(self.dialect)
        strings = ", ".join(self.render_literal(text) for text in create.type.enums)
        name = self._in_schema(type_compiler.enum_type_name(create.type))
        return f"CREATE TYPE {name} AS ENUM ({strings})"

    def visit_drop_enum_type(self, drop: Any, **kw: Any) -> str:
        type_compiler = self.dialect.type_compiler(self.dialect)
        return f"DROP TYPE {self._in_schema(type_compiler.enum_type_name(drop.type))}"

    def _in_schema(self, name: str) -> str:
        """A named type's quoted name in the schema ``schema_translate_map`` gives it (a
        type names no schema of its own in corral)."""
        schema = self.schema_map.get(None) if self.schema_map else None
        return f"{self.quote(schema)}.{name}" if schema else name

    def column_type(self, column: Column) -> str:
        """The column's type in CREATE TABLE: a named enum type in the map's schema."""
        spec = self.dialect.type_ddl(column.type)
        if not self.schema_map or self.dialect.features.native_enum != "named":
            return spec
        from corral.sql.enum_ddl import column_enum

        enum = column_enum(column, self.dialect)
        return self._in_schema(spec) if enum is not None and enum.native_enum else spec

    def primary_key_inline(self, table: Table) -> bool:
        """Whether a column's spec carries the primary key (no table-level constraint)."""
        return False

    def unique_spec(self, constraint: UniqueConstraint) -> str:
        return f"UNIQUE ({self._names(constraint.columns)})" + self.constraint_suffix(constraint)

    def check_spec(self, constraint: CheckConstraint) -> str:
        return f"CHECK ({self._check(constraint)})" + self.constraint_suffix(constraint)

    def constraint_suffix(self, constraint: Constraint) -> str:
        """``DEFERRABLE`` / ``INITIALLY`` after a constraint, where the database has them."""
        if constraint.deferrable is None and constraint.initially is None:
            return ""
        if constraint.kind not in self.deferrable_kinds:
            kind = constraint.kind.replace("_", " ")
            raise exc.CompileError(
                f"{self.dialect.name} cannot defer a {kind} constraint (deferrable=/"
                f"initially= on {type(constraint).__name__} of table "
                f"{getattr(constraint.table, 'name', '?')!r}); leave them out for this database"
            )
        sql = ""
        if constraint.deferrable is not None:
            sql += " DEFERRABLE" if constraint.deferrable else " NOT DEFERRABLE"
        if constraint.initially is not None:
            sql += f" INITIALLY {constraint.initially}"
        return sql

    def condition(self, condition: Any) -> str:
        """A condition written into DDL (an index's WHERE): text as is, values as literals."""
        if isinstance(condition, str):
            return self._escape_text(condition)
        return self.process(condition, literal_binds=True, include_table=False)

    def table_column(self, table: Table | None, ref: Any, what: str) -> Column:
        """A column of ``table`` named by an option (by name, key or as the Column)."""
        column = ref.__clause_element__() if hasattr(ref, "__clause_element__") else None
        if column is None and table is not None:
            column = next(
                (c for c in table.columns if isinstance(c, Column) and ref in (c.name, c.key)),
                None,
            )
        if not isinstance(column, Column) or column.table is not table:
            names = ", ".join(table.columns.keys()) if table is not None else ""
            raise exc.CompileError(
                f"{what} names {ref!r}, which is not a column of table "
                f"{getattr(table, 'name', '?')!r} (its columns: {names})"
            )
        return column

    def index_columns(self, index: Index) -> str:
        return ", ".join(self.index_column(index, column) for column in index.columns)

    def index_column(self, index: Index, column: Column) -> str:
        return self.quote(column.name)

    def _named(self, name: str | None) -> str:
        return f"CONSTRAINT {self.quote(name)} " if name else ""

    def _names(self, columns: list[Column]) -> str:
        return ", ".join(self.quote(c.name) for c in columns)

    def _check(self, constraint: CheckConstraint) -> str:
        if isinstance(constraint.sqltext, str):
            return self._escape_text(constraint.sqltext)
        return self.process(constraint.sqltext, literal_binds=True, include_table=False)

    def column_spec(self, column: Column) -> str:
        if column.is_autoincrement or column.identity is not None:
            return self.autoincrement_spec(column) + self.column_suffix(column)
        spec = f"{self.quote(column.name)} {self.column_type(column)}"
        default = self.server_default(column)
        if default is not None:
            spec += f" DEFAULT {default}"
        if not column.nullable:
            spec += " NOT NULL" + self.not_null_suffix(column)
        return spec + self.column_suffix(column)

    def not_null_suffix(self, column: Column) -> str:
        return ""

    def column_suffix(self, column: Column) -> str:
        """What follows a column's spec (an inline comment, where the database has them)."""
        if self.comments == "inline" and column.comment is not None:
            return f" COMMENT {self.render_literal(column.comment)}"
        return ""

    def autoincrement_spec(self, column: Column) -> str:
        self.plain_identity_only(column, "numbers the integer primary key itself")
        return f"{self.quote(column.name)} {self.column_type(column)} NOT NULL"

    def plain_identity_only(self, column: Column, numbering: str) -> None:
        """Refuse an ``Identity`` this dialect cannot honour: one with options, ``always``,
        or on a column other than the table's one generated integer key."""
        identity = column.identity
        if identity is None:
            return
        where = f"{self.dialect.name} has no identity columns (it {numbering})"
        if not column.is_autoincrement:
            raise exc.CompileError(
                f"Identity() on {column.describe()}: {where}, so only the table's single "
                "integer primary key can be numbered; remove Identity() from this column"
            )
        if identity.always or identity.options():
            raise exc.CompileError(
                f"{identity!r} on {column.describe()}: {where}, so its options cannot be "
                "honoured; write Identity() without options, or leave it out"
            )

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
        return (
            self._named(constraint.name)
            + f"PRIMARY KEY ({self._names(constraint.columns)})"
            + self.primary_key_options(constraint)
            + self.constraint_suffix(constraint)
        )

    def primary_key_options(self, constraint: PrimaryKeyConstraint) -> str:
        """What a dialect's options add after ``PRIMARY KEY (columns)``."""
        return ""

    def foreign_key_spec(self, constraint: ForeignKeyConstraint) -> str:
        referred = constraint.referred_table
        targets = ", ".join(self.quote(fk.column.name) for fk in constraint.elements)
        spec = (
            f"FOREIGN KEY({self._names(constraint.columns)}) "
            f"REFERENCES {self.referred_name(referred)} ({targets})"
        )
        if constraint.ondelete:
            spec += f" ON DELETE {_action(constraint.ondelete)}"
        if constraint.onupdate:
            spec += f" ON UPDATE {_action(constraint.onupdate)}"
        if constraint.match is not None:
            if not self.foreign_key_match:
                raise exc.CompileError(
                    f"{self.dialect.name} does not enforce MATCH {constraint.match} on foreign "
                    f"keys (match= on a foreign key of table "
                    f"{getattr(constraint.table, 'name', '?')!r}); leave match= out"
                )
            spec += f" MATCH {constraint.match}"
        return spec + self.constraint_suffix(constraint)

    def visit_drop_table(self, drop: DropTable, **kw: Any) -> str:
        exists = "IF EXISTS " if drop.if_exists else ""
        sql = f"DROP TABLE {exists}{self.table_name(drop.table)}"
        return f"\n{sql}" if self.shown else sql

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        index = create.index
        unique = "UNIQUE " if index.unique else ""
        return (
            f"CREATE {unique}INDEX {self.created_index_name(index)} ON {self.index_table(index)} "
            f"({self.index_columns(index)})"
        )

    def index_table(self, index: Index) -> str:
        """The table an index is on, as CREATE INDEX ... ON names it."""
        return self.table_name(index.table) if index.table is not None else self.quote("")

    def created_index_name(self, index: Index) -> str:
        """The index as CREATE INDEX names it (SQLite puts the schema here, not on the table)."""
        return self.quote(index.name)

    def index_name(self, index: Index) -> str:
        """The index as DROP INDEX names it: in its table's schema."""
        schema = self.schema_of(index.table) if index.table is not None else None
        name = self.quote(index.name)
        return f"{self.quote(schema)}.{name}" if schema else name

    def referred_name(self, table: Table) -> str:
        """The table a foreign key refers to, as REFERENCES names it."""
        return self.table_name(table)

    def visit_comment_on(self, comment: CommentOn, **kw: Any) -> str:
        target = self.table_name(comment.table)
        text = comment.table.comment
        if comment.column is not None:
            target += f".{self.quote(comment.column.name)}"
            text = comment.column.comment
        return f"COMMENT ON {'COLUMN' if comment.column is not None else 'TABLE'} {target} IS " + (
            self.render_literal(text)
        )

    def visit_drop_index(self, drop: DropIndex, **kw: Any) -> str:
        return f"DROP INDEX {self.index_name(drop.index)}"

    def visit_add_constraint(self, add: AddConstraint, **kw: Any) -> str:
        constraint = add.constraint
        table = self.table_name(constraint.table) if constraint.table is not None else ""
        return (
            f"ALTER TABLE {table} ADD CONSTRAINT "
            f"{self.quote(foreign_key_name(constraint))} {self.foreign_key_spec(constraint)}"
        )

    def visit_drop_constraint(self, drop: DropConstraint, **kw: Any) -> str:
        constraint = drop.constraint
        table = self.table_name(constraint.table) if constraint.table is not None else ""
        return (
            f"ALTER TABLE {table} "
            f"{self.drop_foreign_key_keyword()} {self.quote(foreign_key_name(constraint))}"
        )

    def drop_foreign_key_keyword(self) -> str:
        return "DROP CONSTRAINT"


_ACTIONS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})


def _action(value: str) -> str:
    action = value.upper()
    if action not in _ACTIONS:
        raise exc.ArgumentError(
            f"Unknown foreign key action {value!r}; use one of {', '.join(sorted(_ACTIONS))}"
        )
    return action
