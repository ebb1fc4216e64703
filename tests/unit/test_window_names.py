"""``over(order_by="x")``: a string names a column, as in SQLAlchemy; frame counts print as
parameters."""

from __future__ import annotations

import pytest

from corral import column, exc, func, select, table
from tests.unit.compile_helpers import sql


def test_a_window_alone_writes_the_string_as_given() -> None:
    """Printed alone (no SELECT around it), the string is SQL text: ``ORDER BY x``."""
    printed = func.row_number().over(order_by="x", rows=(None, 0))
    assert (
        str(printed)
        == "row_number() OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )


def test_printed_frame_counts_are_parameters() -> None:
    """``range_=(-5, 10)`` prints ``:param_1 PRECEDING AND :param_2 FOLLOWING`` (5 and 10)."""
    window = func.row_number().over(order_by="x", range_=(-5, 10))
    compiled = window.compile()
    assert str(compiled) == (
        "row_number() OVER (ORDER BY x RANGE BETWEEN :param_1 PRECEDING AND :param_2 FOLLOWING)"
    )
    assert compiled.params == {"param_1": 5, "param_2": 10}
    half = func.row_number().over(order_by="x", range_=(-2, None))
    assert str(half).endswith("RANGE BETWEEN :param_1 PRECEDING AND UNBOUNDED FOLLOWING)")


def test_the_executed_frame_writes_the_counts() -> None:
    """What runs writes the numbers; frames differing only in them compile apart."""
    t = table("t", column("a"))
    two = select(func.sum(t.c.a).over(order_by=t.c.a, rows=(-2, 0)))
    three = select(func.sum(t.c.a).over(order_by=t.c.a, rows=(-3, 0)))
    assert "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW" in sql(two, "sqlite")
    assert "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW" in sql(three, "sqlite")


def test_in_a_select_list_the_string_names_a_column_of_the_from_tables() -> None:
    """In the columns clause the name is looked up among the FROM tables' columns."""
    t = table("t", column("a"), column("b"))
    stmt = select(t.c.a, func.row_number().over(partition_by="a", order_by="b"))
    assert sql(stmt, "sqlite") == (
        "SELECT t.a, row_number() OVER (PARTITION BY t.a ORDER BY t.b) FROM t"
    )


def test_in_order_by_a_selected_label_is_named() -> None:
    """In the SELECT's ORDER BY the string may name a selected label, written as the label."""
    t = table("t", column("a"))
    stmt = select(t.c.a.label("q")).order_by(func.row_number().over(order_by="q"))
    assert sql(stmt, "sqlite").endswith("ORDER BY row_number() OVER (ORDER BY q)")


def test_a_name_no_from_table_has_is_a_compile_error() -> None:
    """A string that names nothing in the FROM tables raises, saying what to pass."""
    t = table("t", column("a"))
    stmt = select(t.c.a, func.row_number().over(order_by="zz"))
    with pytest.raises(exc.CompileError, match="'zz', which names no column"):
        sql(stmt, "sqlite")
