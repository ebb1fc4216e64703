"""``is_distinct_from()`` / ``is_not_distinct_from()``: each dialect's spelling, as
SQLAlchemy's (SQLite's null-safe IS, MySQL's <=>, the standard elsewhere)."""

from __future__ import annotations

import pytest

from corral import column
from tests.unit.compile_helpers import compile_dialect


@pytest.mark.parametrize(
    ("dialect", "distinct", "not_distinct"),
    [
        ("sqlite", "x IS NOT y", "x IS y"),
        ("postgresql", "x IS DISTINCT FROM y", "x IS NOT DISTINCT FROM y"),
        ("mysql", "NOT (x <=> y)", "x <=> y"),
    ],
)
def test_each_dialect_spells_it(dialect: str, distinct: str, not_distinct: str) -> None:
    x, y = column("x"), column("y")
    compiled = compile_dialect(dialect)
    assert str(x.is_distinct_from(y).compile(dialect=compiled)) == distinct
    assert str(x.is_not_distinct_from(y).compile(dialect=compiled)) == not_distinct
    assert str(x.isnot_distinct_from(y).compile(dialect=compiled)) == not_distinct
    assert str((~x.is_distinct_from(y)).compile(dialect=compiled)) == not_distinct


def test_printed_without_a_dialect() -> None:
    assert str(column("x").is_distinct_from(None)) == "x IS DISTINCT FROM NULL"
    assert str(column("x").isnot_distinct_from(False)) == "x IS NOT DISTINCT FROM false"
