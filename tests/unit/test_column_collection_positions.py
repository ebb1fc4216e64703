"""A ColumnCollection is indexed by position too, and lists every column as ``_all_columns``."""

from __future__ import annotations

import pytest

from corral import column, select, table


def test_selected_columns_by_position_reach_a_repeated_name() -> None:
    """``selected_columns[2]`` is the third column even where names repeat (SQLAlchemy 1.4+)."""
    c1, c2, c3, c4 = column("c1"), column("c2"), column("c3"), column("c4")
    label = c3.label("c2")
    selected = select(c1, c2, label, c2, c4).selected_columns
    assert selected[2] is label
    assert selected[3] is c2
    assert selected[-1] is c4
    assert selected.keys() == ["c1", "c2", "c2_1", "c2_2", "c4"]


def test_a_slice_is_a_collection_of_those_columns() -> None:
    """``c[1:3]`` keeps the keys and columns of those positions."""
    t = table("t", column("a"), column("b"), column("c"))
    part = t.c[1:3]
    assert part.keys() == ["b", "c"]
    assert list(part) == [t.c.b, t.c.c]


def test_a_position_past_the_end_raises_index_error() -> None:
    """A position beyond the columns raises IndexError, naming how many there are."""
    t = table("t", column("a"))
    with pytest.raises(IndexError, match="has 1 column"):
        t.c[1]


def test_all_columns_lists_every_column_in_order() -> None:
    """``c._all_columns`` is a list of the columns (``returning(*t.c._all_columns)``)."""
    t = table("orders", column("region"), column("amount"))
    assert t.c._all_columns == [t.c.region, t.c.amount]
    returning = t.update().values(amount=1).returning(*t.c._all_columns)
    assert str(returning).endswith("RETURNING orders.region, orders.amount")
