"""``pipeline.dollar_placeholders``: psycopg's format paramstyle as PostgreSQL's own
``$n`` placeholders, the form psycopg's RawCursor sends without parsing and the form
asyncpg prepares."""

from __future__ import annotations

from corral.dialects.postgresql.pipeline import dollar_placeholders


def test_positional_placeholders_are_numbered_in_order() -> None:
    sql = "INSERT INTO t (a, b) VALUES (%s, %s), (%s, %s)"
    assert dollar_placeholders(sql) == "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
    sql = "SELECT a FROM t WHERE a = %s AND b LIKE 'x%%' AND c = %s"
    assert dollar_placeholders(sql) == "SELECT a FROM t WHERE a = $1 AND b LIKE 'x%' AND c = $2"


def test_a_doubled_percent_is_a_literal_percent() -> None:
    """``%%`` is one literal ``%`` (also right before an ``s``), never a placeholder."""
    assert dollar_placeholders("SELECT '5%%' || %s") == "SELECT '5%' || $1"
    assert dollar_placeholders("SELECT '%%s', %s, '%%%%'") == "SELECT '%s', $1, '%%'"


def test_sql_without_placeholders_is_unchanged() -> None:
    assert dollar_placeholders("INSERT INTO t DEFAULT VALUES") == "INSERT INTO t DEFAULT VALUES"
