"""Reflection without a database: type names read back as corral types, the inspect()
registry, and the errors of reflection's arguments."""

from __future__ import annotations

import pytest

import corral
from corral import MetaData, Table, create_engine, exc, inspection
from corral.dialects.mysql import reflection as mysql
from corral.dialects.postgresql import ENUM, JSONB
from corral.dialects.postgresql import reflection as postgresql
from corral.dialects.sqlite import reflection as sqlite
from corral.engine.reflection import Inspector
from corral.sql.type_api import NullType, TypeEngine
from corral.types import (
    BIGINT,
    BLOB,
    BOOLEAN,
    CHAR,
    DATETIME,
    DOUBLE_PRECISION,
    INTEGER,
    NUMERIC,
    REAL,
    TEXT,
    TIMESTAMP,
    VARCHAR,
    Enum,
)


def _same(found: TypeEngine, expected: TypeEngine) -> None:
    assert type(found) is type(expected)
    assert repr(found) == repr(expected)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", INTEGER()),
        ("int", INTEGER()),
        ("VARCHAR(30)", VARCHAR(30)),
        ("varchar", VARCHAR()),
        ("CHAR(32)", CHAR(32)),
        ("NUMERIC(10, 2)", NUMERIC(10, 2)),
        ("DATETIME", DATETIME()),
        ("BLOB", BLOB()),
        ("BOOLEAN", BOOLEAN()),
        ("UNSIGNED BIG INT", INTEGER()),  # SQLite's affinity rules for unknown names
        ("NATIVE CHARACTER(70)", TEXT()),
        ("FLOAT8", REAL()),
        ("MONEY", NUMERIC()),
    ],
)
def test_sqlite_type_names_read_as_corral_types(declared: str, expected: TypeEngine) -> None:
    """A declared SQLite type maps to its corral type, or to its affinity's."""
    _same(sqlite.column_type(declared), expected)


def test_sqlite_column_without_a_type_is_nulltype() -> None:
    """A column declared with no type reads as NullType."""
    assert isinstance(sqlite.column_type(""), NullType)


@pytest.mark.parametrize(
    ("formatted", "expected"),
    [
        ("integer", INTEGER()),
        ("bigint", BIGINT()),
        ("character varying(30)", VARCHAR(30)),
        ("character(32)", CHAR(32)),
        ("numeric(10,2)", NUMERIC(10, 2)),
        ("double precision", DOUBLE_PRECISION()),
        ("timestamp without time zone", TIMESTAMP()),
        ("timestamp with time zone", TIMESTAMP(timezone=True)),
        ("jsonb", JSONB()),
    ],
)
def test_postgresql_type_names_read_as_corral_types(formatted: str, expected: TypeEngine) -> None:
    """format_type() text maps to the corral type that creates it again."""
    _same(postgresql.column_type(formatted, None, ""), expected)


def test_postgresql_enum_and_array_types() -> None:
    """An enum type reads as ENUM with its name and labels; ``integer[]`` as an ARRAY."""
    status = postgresql.column_type("status", ["a", "b"], "status")
    assert isinstance(status, ENUM)
    assert (status.name, list(status.enums)) == ("status", ["a", "b"])
    array = postgresql.column_type("integer[]", None, "_int4")
    assert repr(array) == "ARRAY(INTEGER())"
    assert isinstance(postgresql.column_type("tsvector", None, "tsvector"), NullType)


@pytest.mark.parametrize(
    ("column_type", "expected"),
    [
        ("int(11)", INTEGER()),
        ("tinyint(1)", BOOLEAN()),
        ("varchar(30)", VARCHAR(30)),
        ("decimal(10,2)", corral.DECIMAL(10, 2)),
        ("datetime(6)", DATETIME()),
    ],
)
def test_mysql_column_types_read_as_corral_types(column_type: str, expected: TypeEngine) -> None:
    """COLUMN_TYPE text maps to the corral type that creates it again."""
    _same(mysql.column_type(column_type), expected)


def test_mysql_enum_keeps_its_values() -> None:
    """``enum('a','it''s')`` reads as an Enum of those strings."""
    found = mysql.column_type("enum('a','it''s')")
    assert isinstance(found, Enum) and list(found.enums) == ["a", "it's"]


def test_uppercase_types_create_the_generic_ddl() -> None:
    """INTEGER, VARCHAR(n), CHAR(n) and TIMESTAMP create the DDL their names say."""
    dialect = create_engine("sqlite://").dialect
    assert dialect.type_ddl(INTEGER()) == "INTEGER"
    assert dialect.type_ddl(VARCHAR(5)) == "VARCHAR(5)"
    assert dialect.type_ddl(CHAR(5)) == "CHAR(5)"
    assert repr(INTEGER()) == "INTEGER()"


def test_inspect_engine_and_connection_give_an_inspector() -> None:
    """corral.inspect and corral.inspection.inspect give an Inspector for an Engine or a
    Connection; anything unmapped raises (or gives None with raiseerr=False)."""
    engine = create_engine("sqlite://")
    assert isinstance(corral.inspect(engine), Inspector)
    assert isinstance(inspection.inspect(engine), Inspector)
    with engine.connect() as connection:
        assert corral.inspect(connection).bind is connection
    with pytest.raises(exc.UnmappedInstanceError, match="int is not a mapped class"):
        inspection.inspect(3)
    assert inspection.inspect(3, raiseerr=False) is None
    assert corral.inspect(object(), raiseerr=False) is None
    with pytest.raises(exc.ArgumentError, match=r"Inspector.get_columns\(\) does not take"):
        corral.inspect(engine).get_columns("t", info_cache={})


def test_metadata_reflect_refuses_what_it_cannot_do() -> None:
    """autoload_replace=False and dialect keywords raise naming them."""
    engine = create_engine("sqlite://")
    with pytest.raises(exc.ArgumentError, match="autoload_replace=False"):
        MetaData().reflect(engine, autoload_replace=False)
    with pytest.raises(exc.ArgumentError, match="does not take sqlite_x"):
        MetaData().reflect(engine, sqlite_x=1)
    with pytest.raises(exc.ArgumentError, match=r"reflect\(only=\) takes a list"):
        MetaData().reflect(engine, only="users")


def test_autoload_on_a_table_the_metadata_has_returns_it() -> None:
    """Table(name, metadata, autoload_with=) returns the table the MetaData already has,
    without reading the database."""
    metadata = MetaData()
    users = Table("users", metadata, corral.Column("id", corral.Integer, primary_key=True))
    assert Table("users", metadata, autoload_with=create_engine("sqlite://")) is users


def test_str_of_a_type_is_its_generic_ddl() -> None:
    """str() of a type (as programs print a reflected column's type) is its DDL spelling;
    compile(dialect) gives a dialect's."""
    assert str(VARCHAR(30)) == "VARCHAR(30)"
    assert str(INTEGER()) == "INTEGER"
    assert str(NUMERIC(10, 2)) == "NUMERIC(10, 2)"
    assert corral.Float().compile(create_engine("sqlite://").dialect) == "FLOAT"
    assert str(NullType()) == "NULL"
