"""Exact SQL of the dialects' insert() upserts and types, and their refusals, per dialect."""

from __future__ import annotations

import pytest

from corral import Column, Index, Integer, MetaData, String, Table, exc, func, select
from corral.dialects import mysql, postgresql, sqlite
from corral.sql.ddl import CreateTable
from tests.unit.compile_helpers import compile_dialect, sql

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30), unique=True),
    Column("count", Integer),
)


def test_postgresql_on_conflict_do_nothing_targets() -> None:
    """DO NOTHING without a target, with index_elements (+ index_where) and with a constraint."""
    stmt = postgresql.insert(users).values(id=1, name="a")
    head = "INSERT INTO users (id, name) VALUES (%s, %s) ON CONFLICT"
    assert sql(stmt.on_conflict_do_nothing(), "postgresql") == f"{head} DO NOTHING"
    assert (
        sql(
            stmt.on_conflict_do_nothing(index_elements=["name"], index_where=users.c.count > 0),
            "postgresql",
        )
        == f"{head} (name) WHERE count > %s DO NOTHING"
    )
    assert (
        sql(stmt.on_conflict_do_nothing(constraint="users_name_key"), "postgresql")
        == f"{head} ON CONSTRAINT users_name_key DO NOTHING"
    )
    index = Index("ix_users_name", users.c.name)
    assert (
        sql(stmt.on_conflict_do_nothing(constraint=index), "postgresql")
        == f"{head} ON CONSTRAINT ix_users_name DO NOTHING"
    )


def test_postgresql_on_conflict_do_update_sql() -> None:
    """DO UPDATE writes SET in table order with excluded columns, WHERE and RETURNING after."""
    stmt = postgresql.insert(users).values(id=1, name="a", count=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[users.c.name],
        set_={users.c.count: users.c.count + stmt.excluded.count, "name": "b"},
        where=users.c.count < 10,
    ).returning(users.c.id)
    assert sql(upsert, "postgresql") == (
        "INSERT INTO users (id, name, count) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
        "SET name = %s, count = users.count + excluded.count WHERE users.count < %s RETURNING id"
    )
    assert str(upsert).startswith(
        "INSERT INTO users (id, name, count) VALUES (%(id)s, %(name)s, %(count)s)"
    )


def test_sqlite_on_conflict_sql_and_multi_values() -> None:
    """SQLite's insert() spells ON CONFLICT after a multi-row VALUES, with a target or none."""
    stmt = sqlite.insert(users).values([{"name": "a"}, {"name": "b"}])
    assert sql(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"count": stmt.excluded.count}),
        "sqlite",
    ) == (
        "INSERT INTO users (name) VALUES (?), (?) ON CONFLICT (name) "
        "DO UPDATE SET count = excluded.count"
    )
    assert sql(stmt.on_conflict_do_nothing(), "sqlite") == (
        "INSERT INTO users (name) VALUES (?), (?) ON CONFLICT DO NOTHING"
    )


def test_mysql_on_duplicate_key_update_sql() -> None:
    """ON DUPLICATE KEY UPDATE: keywords in table order, pairs in their order, VALUES(col)."""
    stmt = mysql.insert(users).values(name="a")
    assert sql(stmt.on_duplicate_key_update(count=stmt.inserted.count + 1, name="x"), "mysql") == (
        "INSERT INTO users (name) VALUES (%s) ON DUPLICATE KEY UPDATE name = %s, "
        "count = VALUES(count) + %s"
    )
    assert sql(stmt.on_duplicate_key_update([("count", 2), ("name", "x")]), "mysql") == (
        "INSERT INTO users (name) VALUES (%s) ON DUPLICATE KEY UPDATE count = %s, name = %s"
    )


@pytest.mark.parametrize(
    ("make", "other"),
    [
        (lambda: postgresql.insert(users).on_conflict_do_nothing(), "mysql"),
        (lambda: postgresql.insert(users).on_conflict_do_nothing(), "sqlite"),
        (lambda: sqlite.insert(users).on_conflict_do_nothing(), "postgresql"),
        (lambda: mysql.insert(users).on_duplicate_key_update(count=1), "postgresql"),
        (lambda: mysql.insert(users).on_duplicate_key_update(count=1), "sqlite"),
    ],
)
def test_upsert_refused_on_another_dialect(make: object, other: str) -> None:
    """One dialect's upsert compiled for another raises, naming the insert() to use there."""
    with pytest.raises(exc.UnsupportedCompilationError, match=f"corral.dialects.{other}"):
        sql(make(), other)  # type: ignore[operator]


def test_upsert_argument_refusals() -> None:
    """Wrong upsert arguments raise naming the mistake."""
    stmt = postgresql.insert(users)
    with pytest.raises(exc.ArgumentError, match=r"index_elements= .* or constraint="):
        stmt.on_conflict_do_update(set_={"count": 1})
    with pytest.raises(exc.ArgumentError, match="not both"):
        stmt.on_conflict_do_nothing(constraint="c", index_elements=["name"])
    with pytest.raises(exc.NoSuchColumnError, match="nope"):
        stmt.on_conflict_do_update(index_elements=["name"], set_={"nope": 1})
    with pytest.raises(exc.ArgumentError, match="sets nothing"):
        stmt.on_conflict_do_update(index_elements=["name"], set_={})
    with pytest.raises(exc.InvalidRequestError, match="already"):
        stmt.on_conflict_do_nothing().on_conflict_do_nothing()
    with pytest.raises(TypeError, match="SQLite names no constraint"):
        sqlite.insert(users).on_conflict_do_nothing(constraint="c")
    with pytest.raises(exc.ArgumentError, match="not both"):
        mysql.insert(users).on_duplicate_key_update({"count": 1}, name="x")
    with pytest.raises(exc.ArgumentError, match="at least one"):
        mysql.insert(users).on_duplicate_key_update()
    with pytest.raises(AttributeError, match="no column 'nope'"):
        _ = postgresql.insert(users).excluded.nope


def test_postgresql_types_ddl() -> None:
    """ARRAY, JSONB, UUID, INET, CIDR and ENUM as PostgreSQL creates them."""
    table = Table(
        "pg_types",
        MetaData(),
        Column("nums", postgresql.ARRAY(Integer)),
        Column("grid", postgresql.ARRAY(String(5), dimensions=2)),
        Column("doc", postgresql.JSONB),
        Column("key", postgresql.UUID),
        Column("addr", postgresql.INET),
        Column("net", postgresql.CIDR),
        Column("mood", postgresql.ENUM("a", "b", name="mood")),
    )
    ddl = CreateTable(table)._compile_for(compile_dialect("postgresql"))[0].sql
    assert ddl == (
        "CREATE TABLE pg_types (nums INTEGER[], grid VARCHAR(5)[][], doc JSONB, key UUID, "
        "addr INET, net CIDR, mood mood)"
    )


def test_postgresql_array_expressions() -> None:
    """col[i], col[i:j] (shifted with zero_indexes), any(), contains(), contained_by(),
    overlap(), and CAST to an ARRAY."""
    table = Table(
        "arr",
        MetaData(),
        Column("nums", postgresql.ARRAY(Integer)),
        Column("zero", postgresql.ARRAY(Integer, zero_indexes=True)),
    )
    nums = table.c.nums
    query = select(nums[1], nums[2:3], table.c.zero[0]).where(
        nums.any(5), nums.contains([1]), nums.contained_by([1, 2]), nums.overlap([3])
    )
    assert sql(query, "postgresql") == (
        "SELECT arr.nums[%s], arr.nums[%s:%s], arr.zero[%s] FROM arr WHERE %s = ANY (arr.nums) "
        "AND arr.nums @> CAST(%s AS INTEGER[]) AND arr.nums <@ CAST(%s AS INTEGER[]) "
        "AND arr.nums && CAST(%s AS INTEGER[])"
    )
    cast_sql = sql(select(func.unnest(func.f().cast(postgresql.ARRAY(Integer)))), "postgresql")
    assert cast_sql == "SELECT unnest(CAST(f() AS INTEGER[]))"


def test_array_refused_off_postgresql() -> None:
    """SQLite and MySQL refuse ARRAY's DDL and its operators, naming them."""
    table = Table("arr2", MetaData(), Column("nums", postgresql.ARRAY(Integer)))
    for dialect in ("sqlite", "mysql"):
        with pytest.raises(exc.CompileError, match="ARRAY"):
            CreateTable(table)._compile_for(compile_dialect(dialect))
        with pytest.raises(exc.UnsupportedCompilationError, match="arrays"):
            sql(select(table.c.nums[1]), dialect)
    with pytest.raises(exc.ArgumentError, match="not an ARRAY"):
        users.c.name.any("x")
    with pytest.raises(exc.ArgumentError, match="int"):
        table.c.nums["a"]


def test_mysql_types_ddl() -> None:
    """MySQL's own types as MariaDB creates them; other dialects refuse them."""
    table = Table(
        "my_types",
        MetaData(),
        Column("a", mysql.LONGTEXT),
        Column("b", mysql.MEDIUMTEXT(charset="utf8mb4")),
        Column("c", mysql.TINYTEXT),
        Column("d", mysql.LONGBLOB),
        Column("e", mysql.MEDIUMBLOB),
        Column("f", mysql.TINYINT(unsigned=True)),
        Column("g", mysql.DOUBLE),
        Column("h", mysql.VARCHAR(10, charset="latin1", collation="latin1_bin")),
        Column("i", mysql.SET("a", "b")),
    )
    ddl = CreateTable(table)._compile_for(compile_dialect("mysql"))[0].sql
    assert ddl == (
        "CREATE TABLE my_types (a LONGTEXT, b MEDIUMTEXT CHARACTER SET utf8mb4, c TINYTEXT, "
        "d LONGBLOB, e MEDIUMBLOB, f TINYINT UNSIGNED, g DOUBLE, "
        "h VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin, i SET('a','b')) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )
    with pytest.raises(exc.CompileError, match="LONGTEXT"):
        CreateTable(table)._compile_for(compile_dialect("postgresql"))
    with pytest.raises(exc.ArgumentError, match="national"):
        mysql.LONGTEXT(national=True)
    with pytest.raises(exc.ArgumentError, match="Numeric"):
        mysql.DOUBLE(10, 2)
    with pytest.raises(exc.ArgumentError, match="without commas"):
        mysql.SET("a,b")
    assert not mysql.SET("a", "b").accepts({"c"})
