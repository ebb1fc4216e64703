"""``str(CreateTable(t))`` / ``compile()`` lay DDL out as SQLAlchemy prints it; what runs is
one line."""

from __future__ import annotations

import pytest

from corral import CheckConstraint, Column, Integer, MetaData, String, Table, UniqueConstraint
from corral.schema import CreateTable, DropTable
from tests.unit.compile_helpers import compile_dialect


def _orders() -> Table:
    return Table(
        "orders",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("note", String(20), nullable=False, server_default="hi ' there"),
        CheckConstraint("id > 0", name="ck_id"),
        UniqueConstraint("note"),
    )


def test_printed_create_table_puts_each_column_on_its_own_tabbed_line() -> None:
    """A newline and a tab before each column and constraint, ``)`` alone, a blank line."""
    assert str(CreateTable(_orders())) == (
        "\nCREATE TABLE orders (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tnote VARCHAR(20) DEFAULT 'hi '' there' NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tCONSTRAINT ck_id CHECK (id > 0), \n"
        "\tUNIQUE (note)\n"
        ")\n\n"
    )


def test_a_table_without_columns_prints_empty_parentheses_on_two_lines() -> None:
    """No columns: ``(`` and ``)`` on consecutive lines, as SQLAlchemy shows it."""
    assert str(CreateTable(Table("e", MetaData()))) == "\nCREATE TABLE e (\n)\n\n"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_a_dialect_compile_is_laid_out_the_same_way(dialect: str) -> None:
    """``compile(dialect=...)`` prints that dialect's DDL with the same layout."""
    table = Table("t", MetaData(), Column("x", String(5), server_default="a"))
    printed = str(CreateTable(table).compile(dialect=compile_dialect(dialect)))
    assert printed.startswith("\nCREATE TABLE t (\n\tx VARCHAR(5) DEFAULT 'a'\n)")
    assert printed.endswith("\n\n")


def test_the_executed_create_table_stays_on_one_line() -> None:
    """What the database is sent is unchanged: one line, no layout."""
    executed = CreateTable(_orders())._compile_for(compile_dialect("sqlite"))[0].sql
    assert executed.startswith("CREATE TABLE orders (id INTEGER NOT NULL, note VARCHAR(20)")
    assert "\n" not in executed and "\t" not in executed


def test_printed_drop_table_starts_on_a_new_line() -> None:
    """``str(DropTable(t))`` is ``\\nDROP TABLE t``; executed, it has no newline."""
    table = _orders()
    assert str(DropTable(table)) == "\nDROP TABLE orders"
    assert DropTable(table)._compile_for(compile_dialect("sqlite"))[0].sql == "DROP TABLE orders"
