"""DDL statements and creating or dropping a MetaData's tables in foreign-key order."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from corral import exc
from corral.sql.elements import BindParameter, ClauseElement
from corral.sql.schema import Column, ForeignKeyConstraint, Index, MetaData, Table
from corral.sql.schema_names import foreign_key_target
from corral.sql.text import text
from corral.util import topological

#: An Engine or a Connection: anything with ``execute`` (a Connection) or ``begin`` (an Engine).
Bind = Any


class DDLElement(ClauseElement):
    """A DDL statement; compiled by the dialect's DDL compiler, never cached by values."""

    is_ddl = True

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (type(self).__name__,)


class CreateTable(DDLElement):
    """``CREATE TABLE``; foreign keys in ``skip_foreign_keys`` are added later by ALTER."""

    visit_name = "create_table"

    def __init__(
        self, table: Table, *, skip_foreign_keys: tuple[ForeignKeyConstraint, ...] = ()
    ) -> None:
        self.table = table
        self.skip_foreign_keys = skip_foreign_keys


class DropTable(DDLElement):
    visit_name = "drop_table"

    def __init__(self, table: Table, *, if_exists: bool = False) -> None:
        self.table = table
        self.if_exists = if_exists


class CreateIndex(DDLElement):
    visit_name = "create_index"

    def __init__(self, index: Index) -> None:
        self.index = index


class DropIndex(DDLElement):
    visit_name = "drop_index"

    def __init__(self, index: Index) -> None:
        self.index = index


class CommentOn(DDLElement):
    """``COMMENT ON TABLE`` / ``COMMENT ON COLUMN``, where comments are separate statements."""

    visit_name = "comment_on"

    def __init__(self, table: Table, column: Column | None = None) -> None:
        self.table = table
        self.column = column


def comment_statements(table: Table) -> list[CommentOn]:
    """The COMMENT ON statements for a table's comment and its columns' comments."""
    statements = [CommentOn(table)] if table.comment is not None else []
    statements.extend(
        CommentOn(table, column)
        for column in table.columns
        if isinstance(column, Column) and column.comment is not None
    )
    return statements


class AddConstraint(DDLElement):
    """``ALTER TABLE ... ADD CONSTRAINT`` for a foreign key (breaks creation cycles)."""

    visit_name = "add_constraint"

    def __init__(self, constraint: ForeignKeyConstraint) -> None:
        self.constraint = constraint


class DropConstraint(DDLElement):
    """``ALTER TABLE ... DROP CONSTRAINT`` for a foreign key (breaks drop cycles)."""

    visit_name = "drop_constraint"

    def __init__(self, constraint: ForeignKeyConstraint) -> None:
        self.constraint = constraint


def _referred_key(table: Table, constraint: ForeignKeyConstraint) -> str:
    """The MetaData key of the table ``constraint`` refers to ('schema.name' or 'name')."""
    target = constraint.elements[0].target
    if target.count(".") not in (1, 2):
        return ""  # malformed: ForeignKey.column says so when it is resolved
    return foreign_key_target(target, getattr(table.metadata, "schema", None))[0]


def sort_tables(tables: list[Table]) -> tuple[list[Table], list[ForeignKeyConstraint]]:
    """Tables with referred ones first, and the foreign keys that close a cycle."""
    names = {t.fullname: t for t in tables}

    def edges(skip: set[int]) -> list[tuple[str, str]]:
        return [
            (target, table.fullname)
            for table in tables
            for fkc in table.foreign_key_constraints
            if id(fkc) not in skip and (target := _referred_key(table, fkc)) in names
        ]

    cyclic_fks: list[ForeignKeyConstraint] = [
        fkc for t in tables for fkc in t.foreign_key_constraints if fkc.use_alter
    ]
    ordered, cyclic = topological.sort(list(names), edges({id(f) for f in cyclic_fks}))
    if cyclic:
        on_cycle = set(topological.cycle_members(list(names), edges({id(f) for f in cyclic_fks})))
        for name in cyclic:
            for fkc in names[name].foreign_key_constraints:
                target = _referred_key(names[name], fkc)
                if name in on_cycle and target in on_cycle and fkc not in cyclic_fks:
                    cyclic_fks.append(fkc)
        ordered, _ = topological.sort(list(names), edges({id(f) for f in cyclic_fks}))
    return [names[n] for n in ordered], cyclic_fks


@contextmanager
def _connection(bind: Bind) -> Iterator[Any]:
    if hasattr(bind, "execute"):
        yield bind
    else:
        with bind.begin() as connection:
            yield connection


def has_table(connection: Any, table: Table | str) -> bool:
    """Whether the database behind ``connection`` has ``table`` (a Table: in the schema the
    connection's ``schema_translate_map`` puts it in; a name: in the default schema)."""
    name = table if isinstance(table, str) else table.name
    schema = None if isinstance(table, str) else connection.schema_for_object(table)
    if schema is not None:
        return bool(connection.dialect.reflection.has_table(connection, name, schema))
    query = text(connection.dialect.ddl_compiler.has_table_sql).bindparams(name=name)
    return connection.execute(query).first() is not None


def has_enum_type(connection: Any, name: str) -> bool:
    """Whether the database behind ``connection`` has a named enum type ``name`` (in the
    schema the connection's ``schema_translate_map`` gives types, which name none)."""
    compiler = connection.dialect.ddl_compiler
    schema = connection.schema_for_object(None)  # where a thing naming no schema is
    if schema is not None:
        query = text(compiler.has_enum_type_in_schema_sql).bindparams(name=name, schema=schema)
    else:
        query = text(compiler.has_enum_type_sql).bindparams(name=name)
    return connection.execute(query).first() is not None


def index_ddl(bind: Bind, index: Index, action: str, checkfirst: bool) -> None:
    """``Index.create()`` / ``.drop()``: one CREATE INDEX or DROP INDEX, at once."""
    if checkfirst:
        raise exc.ArgumentError(
            f"Index({index.name!r}).{action}(checkfirst=True) is not supported: corral does "
            "not look indexes up in the database; call it without checkfirst"
        )
    if index.table is None:
        raise exc.InvalidRequestError(
            f"Index({index.name!r}) belongs to no table yet; give it a table's columns"
        )
    with _connection(bind) as connection:
        connection.execute(CreateIndex(index) if action == "create" else DropIndex(index))


def _chosen(metadata: MetaData, tables: Sequence[Table] | None) -> list[Table]:
    """The MetaData's tables, or those of ``tables`` (which must belong to it)."""
    if tables is None:
        return list(metadata.tables.values())
    for table in tables:
        if metadata.tables.get(table.fullname) is not table:
            raise exc.ArgumentError(
                f"tables= holds {table!r}, which is not a table of this MetaData; pass "
                "tables of the MetaData whose create_all/drop_all you call"
            )
    return list(tables)


def create_all(
    metadata: MetaData,
    bind: Bind,
    *,
    tables: Sequence[Table] | None = None,
    checkfirst: bool = True,
) -> None:
    tables, cycle_fks = sort_tables(_chosen(metadata, tables))
    with _connection(bind) as connection:
        can_alter = connection.dialect.features.alter_add_foreign_key
        deferred = tuple(cycle_fks) if can_alter else ()
        from corral.sql.enum_ddl import create_enum_types

        created: set[str] = set()
        tables = [t for t in tables if not checkfirst or not has_table(connection, t)]
        create_enum_types(connection, tables)
        for table in tables:
            own = tuple(f for f in deferred if f.table is table)
            connection.execute(CreateTable(table, skip_foreign_keys=own))
            if connection.dialect.ddl_compiler.comments == "statement":
                for comment in comment_statements(table):
                    connection.execute(comment)
            for index in table.indexes:
                connection.execute(CreateIndex(index))
            created.add(table.name)
        for fkc in deferred:
            if fkc.table is not None and fkc.table.name in created:
                connection.execute(AddConstraint(fkc))


def drop_all(
    metadata: MetaData,
    bind: Bind,
    *,
    tables: Sequence[Table] | None = None,
    checkfirst: bool = True,
) -> None:
    tables, cycle_fks = sort_tables(_chosen(metadata, tables))
    with _connection(bind) as connection:
        present = [t for t in tables if not checkfirst or has_table(connection, t)]
        names = {t.name for t in present}
        if connection.dialect.features.alter_add_foreign_key:
            for fkc in cycle_fks:
                if fkc.table is not None and fkc.table.name in names:
                    connection.execute(DropConstraint(fkc))
        elif cycle_fks and connection.dialect.ddl_compiler.defer_foreign_keys_sql:
            connection.execute(text(connection.dialect.ddl_compiler.defer_foreign_keys_sql))
        for table in reversed(present):
            connection.execute(DropTable(table))
        from corral.sql.enum_ddl import drop_enum_types

        drop_enum_types(connection, present)
