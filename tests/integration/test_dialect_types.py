"""The dialects' own types round-trip through Core and the ORM on their database, and are
refused clearly (when the table is created) on the others."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from corral import (
    Column,
    DeclarativeBase,
    Engine,
    Integer,
    Mapped,
    MetaData,
    Session,
    String,
    Table,
    exc,
    func,
    mapped_column,
    select,
)
from corral.dialects import mysql, postgresql, sqlite
from tests.integration.orm_models import dml, recorded_sql


def _table(name: str, *columns: Column) -> Table:
    return Table(name, MetaData(), Column("id", Integer, primary_key=True), *columns)


def _refused(engine: Engine, table: Table, type_name: str) -> None:
    with pytest.raises(exc.CompileError, match=type_name):
        table.metadata.create_all(engine)


class TypesBase(DeclarativeBase):
    pass


class Tagged(TypesBase):
    __tablename__ = "dialect_tagged"

    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[list[str]] = mapped_column(postgresql.ARRAY(String(20)))
    doc: Mapped[dict[str, Any]] = mapped_column(postgresql.JSONB)


def test_postgresql_array_core(engine: Engine) -> None:
    """ARRAY(Integer) stores lists and reads them back; col[i], any() and contains() filter
    on PostgreSQL; the other databases refuse the type."""
    table = _table("dialect_arrays", Column("nums", postgresql.ARRAY(Integer)))
    if engine.dialect.name != "postgresql":
        _refused(engine, table, "ARRAY")
        return
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, "nums": [1, 2, 3]}, {"id": 2, "nums": [7]}])
        with recorded_sql() as sql:
            second = conn.scalars(select(table.c.nums[2]).where(table.c.id == 1)).one()
            has_seven = conn.scalars(select(table.c.id).where(table.c.nums.any(7))).all()
            superset = conn.scalars(select(table.c.id).where(table.c.nums.contains([1, 3]))).all()
        everything = [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
    assert dml(sql) == [
        "SELECT dialect_arrays.nums[?] FROM dialect_arrays WHERE dialect_arrays.id = ?",
        "SELECT dialect_arrays.id FROM dialect_arrays WHERE ? = ANY (dialect_arrays.nums)",
        "SELECT dialect_arrays.id FROM dialect_arrays "
        "WHERE dialect_arrays.nums @> CAST(? AS INTEGER[])",
    ]
    assert (second, has_seven, superset) == (2, [2], [1])
    assert everything == [(1, [1, 2, 3]), (2, [7])]


def test_postgresql_array_cast_unnest(engine: Engine) -> None:
    """CAST(... AS INTEGER[]) and unnest() of it, as the materialized-paths example uses them."""
    if engine.dialect.name != "postgresql":
        with pytest.raises(exc.CompileError, match="ARRAY"), engine.connect() as conn:
            conn.execute(select(func.cast_probe().cast(postgresql.ARRAY(Integer))))
        return
    from corral import cast

    expr = func.unnest(cast(func.string_to_array("1.2.3", "."), postgresql.ARRAY(Integer)))
    with engine.connect() as conn:
        assert conn.scalars(select(expr)).all() == [1, 2, 3]


def test_postgresql_array_and_jsonb_orm(engine: Engine) -> None:
    """ARRAY and JSONB attributes round-trip through the ORM; JSONB indexes like JSON and
    contains() / contained_by() compare documents (@> / <@)."""
    if engine.dialect.name != "postgresql":
        _refused(engine, TypesBase.metadata.tables["dialect_tagged"], "ARRAY")
        return
    TypesBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Tagged(tags=["a", "b"], doc={"k": "v", "n": [1, 2]}))
        session.commit()
    with Session(engine) as session:
        tagged = session.scalars(select(Tagged)).one()
        assert (tagged.tags, tagged.doc) == (["a", "b"], {"k": "v", "n": [1, 2]})
        assert session.scalars(select(Tagged.doc["k"].as_string())).one() == "v"
        assert session.scalars(select(Tagged.id).where(Tagged.tags.any("b"))).all() == [tagged.id]


def test_postgresql_network_uuid_enum(engine: Engine) -> None:
    """INET, CIDR, UUID and a named ENUM round-trip on PostgreSQL; INET is refused elsewhere."""
    table = _table(
        "dialect_hosts",
        Column("addr", postgresql.INET),
        Column("net", postgresql.CIDR),
        Column("key", postgresql.UUID),
        Column("mood", postgresql.ENUM("happy", "sad", name="dialect_mood")),
    )
    if engine.dialect.name != "postgresql":
        _refused(engine, table, "INET")
        return
    key = uuid.uuid4()
    table.metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                table.insert(),
                {"id": 1, "addr": "192.168.0.1", "net": "10.0.0.0/8", "key": key, "mood": "sad"},
            )
            row = conn.execute(select(table.c.addr, table.c.net, table.c.key, table.c.mood)).one()
            enum_type = conn.scalar(select(func.pg_typeof(table.c.mood).cast(String)))
    finally:
        table.metadata.drop_all(engine)
    assert tuple(row) == ("192.168.0.1", "10.0.0.0/8", key, "sad")
    assert enum_type == "dialect_mood"


def test_mysql_types(engine: Engine) -> None:
    """MySQL's LONGTEXT, MEDIUMTEXT, TINYTEXT, LONGBLOB, MEDIUMBLOB, TINYINT, DOUBLE,
    VARCHAR(charset=, collation=) and SET round-trip on MariaDB; the others refuse them."""
    table = _table(
        "dialect_mysql_types",
        Column("long", mysql.LONGTEXT),
        Column("medium", mysql.MEDIUMTEXT),
        Column("tiny", mysql.TINYTEXT),
        Column("blob", mysql.LONGBLOB),
        Column("mblob", mysql.MEDIUMBLOB),
        Column("small", mysql.TINYINT),
        Column("real", mysql.DOUBLE),
        Column("code", mysql.VARCHAR(10, charset="utf8mb4", collation="utf8mb4_bin")),
        Column("flags", mysql.SET("red", "green", "blue")),
    )
    if engine.dialect.name != "mysql":
        _refused(engine, table, "LONGTEXT")
        return
    table.metadata.create_all(engine)
    values = {
        "id": 1,
        "long": "x" * 70000,
        "medium": "m",
        "tiny": "t",
        "blob": b"\x00\x01",
        "mblob": b"b",
        "small": -5,
        "real": 1.5,
        "code": "Ab",
        "flags": {"blue", "red"},
    }
    with engine.begin() as conn:
        conn.execute(table.insert(), values)
        row = conn.execute(select(table)).one()
        collation = conn.scalar(select(func.collation(table.c.code)))
    assert row._asdict() == {**values, "real": Decimal("1.5")}
    assert collation == "utf8mb4_bin"
    with pytest.raises(exc.DataError, match="8-bit"), engine.begin() as conn:
        conn.execute(table.insert(), {"id": 2, "small": 300})


def test_sqlite_json(engine: Engine) -> None:
    """sqlite.JSON is the JSON type: documents round-trip and index (on every database)."""
    table = _table("dialect_sqlite_json", Column("doc", sqlite.JSON))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"id": 1, "doc": {"a": [1, {"b": "c"}]}})
        assert conn.scalar(select(table.c.doc)) == {"a": [1, {"b": "c"}]}
        assert conn.scalar(select(table.c.doc[("a", 1, "b")].as_string())) == "c"


def test_postgresql_enum_create_type_false(engine: Engine) -> None:
    """ENUM(create_type=False) uses an existing type: drop_all leaves it in place (and the
    enum is a VARCHAR on databases without named enum types)."""
    mood = postgresql.ENUM("up", "down", name="dialect_kept_mood", create_type=False)
    table = _table("dialect_kept", Column("mood", mood))
    if engine.dialect.name != "postgresql":
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), {"id": 1, "mood": "up"})
            assert conn.scalar(select(table.c.mood)) == "up"
        return
    from corral import text

    with engine.begin() as conn:
        conn.execute(text("CREATE TYPE dialect_kept_mood AS ENUM ('up', 'down')"))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"id": 1, "mood": "down"})
        assert conn.scalar(select(table.c.mood)) == "down"
    table.metadata.drop_all(engine)
    with engine.connect() as conn:
        kept = conn.scalar(text("SELECT count(*) FROM pg_type WHERE typname = 'dialect_kept_mood'"))
    assert kept == 1
