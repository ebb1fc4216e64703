"""INSERT, UPDATE, DELETE and DDL compilation on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from typing import Any

import pytest

from corral import exc
from corral.sql.ddl import (
    AddConstraint,
    CreateIndex,
    CreateTable,
    DropIndex,
    DropTable,
    sort_tables,
)
from corral.sql.dml import delete, insert, update
from corral.sql.elements import bindparam
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    MetaData,
    Table,
    UniqueConstraint,
)
from corral.sql.selectable import select
from corral.sql.text import text
from corral.sql.types import BigInteger, Integer, String
from tests.unit.compile_helpers import DIALECT_NAMES, compile_dialect, compiled, sql, translate

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("status", String(10), default="new"),
    Column("version", Integer, onupdate=lambda: 99),
)
archive = Table(
    "archive", metadata, Column("id", Integer, primary_key=True), Column("name", String(50))
)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_single_row_values(dialect: str) -> None:
    """insert().values() binds each value and fills the Python-side default."""
    c = compiled(insert(users).values(name="ann"), dialect)
    expected = "INSERT INTO users (name, status) VALUES (?, ?)"
    returning = " RETURNING id" if dialect == "postgresql" else ""
    assert c.sql == translate(expected, dialect) + returning
    assert c.construct_params(
        insert(users).values(name="bob")._compile_for(compile_dialect(dialect))[1]
    ) == ("bob", "new")


def test_implicit_returning_follows_the_lastrowid_feature() -> None:
    """Only a dialect without lastrowid fetches the generated key with RETURNING."""
    for dialect in DIALECT_NAMES:
        c = compiled(insert(users).values(name="x"), dialect)
        assert c.implicit_returning is (not compile_dialect(dialect).features.lastrowid)
        assert [col.name for col in c.primary_key] == ["id"]


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_columns_from_execute_parameters(dialect: str) -> None:
    """Without values(), the parameter keys choose the columns; executemany shares one SQL."""
    c, binds = insert(users)._compile_for(compile_dialect(dialect), ("id", "name"))
    assert c.sql.startswith(
        translate("INSERT INTO users (id, name, status) VALUES (?, ?, ?)", dialect)
    )
    rows = c.construct_params_many(binds, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    assert rows == [(1, "a", "new"), (2, "b", "new")]


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_executemany_parameters_checked_per_value(dialect: str) -> None:
    """An executemany's sets are converted column by column: None passes, every value is
    checked, and a refused value raises for the first set holding one, naming its values."""
    c, binds = insert(archive)._compile_for(compile_dialect(dialect), ("id", "name"))
    sets: list[dict[str, Any]] = [{"id": 1, "name": None}, {"id": 2, "name": "b"}]
    sets.append({"id": 3, "name": "c"})
    assert c.construct_params_many(binds, sets) == [(1, None), (2, "b"), (3, "c")]
    with pytest.raises(exc.ArgumentError, match=r"Bad value for archive\.name.*got int 5"):
        c.construct_params_many(binds, [sets[0], {"id": 2, "name": 5}, {"id": "x", "name": "c"}])
    with pytest.raises(exc.DataError, match="nothing was sent") as raised:
        c.construct_params_many(binds, [sets[0], {"id": 2**64, "name": "b"}, sets[2]])
    assert raised.value.params == {"id": 2**64, "name": "b"}
    # A column of str values skips the per-value call where its check is by class alone
    # (Integer refuses bool: its processor runs on every value).
    allows_nul = compile_dialect(dialect).features.text_allows_nul
    assert [slot.unchanged for slot in c.slots] == [None, (str,) if allows_nul else None]


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_many_rows_in_one_statement(dialect: str) -> None:
    """values([...]) writes one multi-row VALUES clause."""
    statement = insert(archive).values([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    assert sql(statement, dialect) == translate(
        "INSERT INTO archive (id, name) VALUES (?, ?), (?, ?)", dialect
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_from_select(dialect: str) -> None:
    """from_select() writes INSERT ... SELECT."""
    statement = insert(archive).from_select(
        ["id", "name"], select(users.c.id, users.c.name).where(users.c.status == "old")
    )
    assert sql(statement, dialect) == translate(
        "INSERT INTO archive (id, name) SELECT users.id, users.name FROM users "
        "WHERE users.status = ?",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_returning(dialect: str) -> None:
    """returning() on INSERT names the returned columns as result keys."""
    c = compiled(insert(archive).values(name="a").returning(archive.c.id), dialect)
    assert c.sql == translate("INSERT INTO archive (name) VALUES (?) RETURNING id", dialect)
    assert c.result_keys == ("id",)


def test_insert_default_values() -> None:
    """An INSERT with no columns uses each database's spelling of 'all defaults'."""
    empty = Table("empty", MetaData(), Column("id", Integer, primary_key=True))
    assert sql(insert(empty), "sqlite") == "INSERT INTO empty DEFAULT VALUES"
    assert sql(insert(empty), "postgresql") == "INSERT INTO empty DEFAULT VALUES RETURNING id"
    assert sql(insert(empty), "mysql") == "INSERT INTO empty () VALUES ()"


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_update_with_where_and_onupdate(dialect: str) -> None:
    """update() sets the given values plus onupdate defaults, then filters."""
    statement = update(users).where(users.c.id == 3).values(name="z")
    c, binds = statement._compile_for(compile_dialect(dialect))
    assert c.sql == translate("UPDATE users SET name=?, version=? WHERE users.id = ?", dialect)
    assert c.construct_params(binds) == ("z", 99, 3)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_update_values_from_execute_with_named_where(dialect: str) -> None:
    """Execute keys that name columns are SET; keys naming bindparams feed the WHERE."""
    statement = update(users).where(users.c.id == bindparam("target"))
    c, binds = statement._compile_for(compile_dialect(dialect), ("name", "target"))
    assert c.sql == translate("UPDATE users SET name=?, version=? WHERE users.id = ?", dialect)
    assert c.construct_params(binds, {"name": "q", "target": 4}) == ("q", 99, 4)


def test_update_with_expression_value() -> None:
    """A SET value may be an expression of the row's own columns."""
    statement = update(users).values(version=users.c.version + 1)
    assert sql(statement, "postgresql") == ("UPDATE users SET version=users.version + %s")


def test_update_returning_per_feature() -> None:
    """UPDATE ... RETURNING compiles where the dialect has it and is refused where not."""
    statement = update(users).values(name="a").returning(users.c.id)
    assert sql(statement, "postgresql").endswith(" RETURNING id")
    assert sql(statement, "sqlite").endswith(" RETURNING id")
    with pytest.raises(exc.UnsupportedCompilationError, match="RETURNING"):
        sql(statement, "mysql")


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_delete_with_where_and_returning(dialect: str) -> None:
    """delete() filters with WHERE and may return the deleted keys."""
    statement = delete(users).where(users.c.status == "old").returning(users.c.id)
    assert sql(statement, dialect) == translate(
        "DELETE FROM users WHERE users.status = ? RETURNING id", dialect
    )


ddl_metadata = MetaData()
parent = Table(
    "parent",
    ddl_metadata,
    Column("id", BigInteger, primary_key=True),
    Column("code", String(8), nullable=False, unique=True, server_default="x'y"),
    Column("qty", Integer, index=True),
    CheckConstraint("qty >= 0", name="qty_positive"),
)
child = Table(
    "child",
    ddl_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("parent_id", BigInteger, ForeignKey("parent.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("id", "parent_id", name="uq_child"),
)


def test_create_table_on_each_dialect() -> None:
    """CREATE TABLE writes types, NOT NULL, defaults, keys and constraints per dialect."""
    assert sql(CreateTable(parent), "sqlite") == (
        "CREATE TABLE parent (id INTEGER NOT NULL, code VARCHAR(8) DEFAULT 'x''y' NOT NULL, "
        "qty INTEGER, PRIMARY KEY (id), CONSTRAINT qty_positive CHECK (qty >= 0), UNIQUE (code))"
    )
    assert sql(CreateTable(parent), "postgresql") == (
        "CREATE TABLE parent (id BIGINT GENERATED BY DEFAULT AS IDENTITY, "
        "code VARCHAR(8) DEFAULT 'x''y' NOT NULL, qty INTEGER, PRIMARY KEY (id), "
        "CONSTRAINT qty_positive CHECK (qty >= 0), UNIQUE (code))"
    )
    assert sql(CreateTable(parent), "mysql") == (
        "CREATE TABLE parent (id BIGINT NOT NULL AUTO_INCREMENT, "
        "code VARCHAR(8) DEFAULT 'x''y' NOT NULL, qty INTEGER, PRIMARY KEY (id), "
        "CONSTRAINT qty_positive CHECK (qty >= 0), UNIQUE (code)) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_create_table_with_foreign_key(dialect: str) -> None:
    """A foreign key with ON DELETE and a named composite unique constraint."""
    expected = (
        "CREATE TABLE child (id INTEGER NOT NULL, parent_id BIGINT NOT NULL, "
        "PRIMARY KEY (id), CONSTRAINT uq_child UNIQUE (id, parent_id), "
        "FOREIGN KEY(parent_id) REFERENCES parent (id) ON DELETE CASCADE)"
    )
    suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" if dialect == "mysql" else ""
    assert sql(CreateTable(child), dialect) == expected + suffix


def test_index_and_drop_statements() -> None:
    """Indexes are created and dropped, MariaDB naming the table in DROP INDEX."""
    (index,) = parent.indexes  # Column(index=True) makes exactly one index
    assert index.name == "ix_parent_qty"
    assert sql(CreateIndex(index), "postgresql") == "CREATE INDEX ix_parent_qty ON parent (qty)"
    assert sql(DropIndex(index), "sqlite") == "DROP INDEX ix_parent_qty"
    assert sql(DropIndex(index), "mysql") == "DROP INDEX ix_parent_qty ON parent"
    assert sql(DropTable(parent), "postgresql") == "DROP TABLE parent"
    unique = Index("ux_code", parent.c.code, unique=True)
    assert sql(CreateIndex(unique), "sqlite") == "CREATE UNIQUE INDEX ux_code ON parent (code)"


def test_tables_sort_by_foreign_keys_and_cycles_use_alter() -> None:
    """sorted_tables puts referred tables first; a cycle's foreign key is added by ALTER."""
    md = MetaData()
    b = Table(
        "b",
        md,
        Column("id", Integer, primary_key=True),
        Column("a_id", Integer, ForeignKey("a.id")),
    )
    a = Table(
        "a",
        md,
        Column("id", Integer, primary_key=True),
        Column("b_id", Integer, ForeignKey("b.id")),
    )
    c = Table(
        "c",
        md,
        Column("id", Integer, primary_key=True),
        Column("a_id", Integer, ForeignKey("a.id")),
    )
    ordered, cyclic = sort_tables([c, b, a])
    assert len(cyclic) == 2
    assert set(ordered) == {a, b, c}
    assert ordered.index(a) < ordered.index(c)
    create_b = sql(CreateTable(b, skip_foreign_keys=tuple(cyclic)), "postgresql")
    assert "FOREIGN KEY" not in create_b
    fk = next(f for f in cyclic if f.table is b)
    assert sql(AddConstraint(fk), "postgresql") == (
        "ALTER TABLE b ADD CONSTRAINT fk_b_a_id_a FOREIGN KEY(a_id) REFERENCES a (id)"
    )
    assert md.sorted_tables.index(a) < md.sorted_tables.index(c)


def test_unknown_foreign_key_action_is_refused() -> None:
    """A misspelled ON DELETE action is an error, not SQL the database rejects later."""
    md = MetaData()
    Table("p", md, Column("id", Integer, primary_key=True))
    t = Table(
        "t",
        md,
        Column("id", Integer, primary_key=True),
        Column("p_id", Integer, ForeignKey("p.id", ondelete="CASCADES")),
    )
    with pytest.raises(exc.ArgumentError, match="CASCADES"):
        sql(CreateTable(t), "sqlite")


def test_text_result_columns_get_types() -> None:
    """text().columns() gives the result keys and types of a raw query."""
    c = compiled(text("SELECT id, name FROM users").columns(id=Integer, name=String), "sqlite")
    assert c.result_keys == ("id", "name")


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_values_out_of_table_order_bind_to_their_columns(dialect: str) -> None:
    """Values given in any order reach their own columns (placeholders follow table order)."""
    d = compile_dialect(dialect)
    c, binds = insert(users).values(status="s", name="n", id=7)._compile_for(d)
    columns = c.sql.split("(", 1)[1].split(")", 1)[0].replace("`", "").replace('"', "")
    assert columns == "id, name, status"
    assert c.construct_params(binds) == (7, "n", "s")
    c, binds = insert(users)._compile_for(d, ("status", "name", "id"))
    assert c.construct_params(binds, {"status": "s", "name": "n", "id": 7}) == (7, "n", "s")
    c, binds = update(users).values(version=3, name="n").where(users.c.id == 1)._compile_for(d)
    assert c.sql == translate("UPDATE users SET name=?, version=? WHERE users.id = ?", dialect)
    assert c.construct_params(binds) == ("n", 3, 1)
