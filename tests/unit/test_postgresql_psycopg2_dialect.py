"""The psycopg2 dialect without a server: its URL, connect arguments, SQL and bind values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from corral import Column, Integer, MetaData, Numeric, Table, exc, insert, select
from corral.dialects.postgresql import psycopg2 as psycopg2_dialect
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.engine import create_engine, make_url


def test_url_names_the_psycopg2_dialect_and_plain_postgresql_stays_psycopg() -> None:
    assert create_engine("postgresql+psycopg2://u@h/d").dialect.driver == "psycopg2"
    assert create_engine("postgresql://u@h/d").dialect.driver == "psycopg"
    assert psycopg2_dialect.dialect is psycopg2_dialect.Psycopg2Dialect


def test_connect_args_are_libpq_options_without_autocommit() -> None:
    """psycopg2.connect() has no autocommit keyword: the connection is switched after."""
    url = make_url("postgresql+psycopg2://u:pw@h1:5432,h2:5433/d?sslmode=require")
    args = psycopg2_dialect.Psycopg2Dialect().create_connect_args(url)
    assert "autocommit" not in args
    assert (args["host"], args["port"], args["dbname"], args["user"]) == (
        "h1,h2",
        "5432,5433",
        "d",
        "u",
    )
    assert (args["password"], args["sslmode"], args["connect_timeout"]) == ("pw", "require", 10)


def test_unknown_option_and_autocommit_are_refused_before_connecting() -> None:
    pytest.importorskip("psycopg2")
    with pytest.raises(exc.ArgumentError, match='invalid connection option "colour"'):
        create_engine("postgresql+psycopg2://u@h/d?colour=blue")
    with pytest.raises(exc.ArgumentError, match="takes no autocommit argument"):
        create_engine("postgresql+psycopg2://u@h/d", connect_args={"autocommit": False})


def test_statements_compile_as_on_the_psycopg_dialect() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("n", Numeric))
    for statement in (insert(table).values(n=1), select(table).where(table.c.id > 5)):
        assert str(statement.compile(dialect=psycopg2_dialect.Psycopg2Dialect())) == str(
            statement.compile(dialect=PostgreSQLDialect())
        )


def test_decimal_infinities_bind_as_numeric_literals() -> None:
    """psycopg2's own Decimal adapter sends an infinity as NaN; the dialect's processor
    sends PostgreSQL's numeric infinities and leaves other values alone."""
    pytest.importorskip("psycopg2")
    dialect = psycopg2_dialect.Psycopg2Dialect()
    bind = Numeric().bind_processor(dialect)
    assert bind is not None
    assert str(bind(Decimal("Infinity"))) == "'Infinity'::numeric"
    assert str(bind(Decimal("-Infinity"))) == "'-Infinity'::numeric"
    assert bind(Decimal("1.5")) == Decimal("1.5")
    assert Numeric().bind_processor(PostgreSQLDialect()) is None
