"""Where a single-row INSERT's values sit in its SQL, so an executemany can repeat them."""

from __future__ import annotations

import pytest

from corral.engine.returning_many import wants_rows_per_set
from corral.sql.dml import insert, update
from corral.sql.elements import literal
from corral.sql.schema import Column, MetaData, Table
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import DIALECT_NAMES, compiled

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("size", Integer, default=3),
)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_values_span_is_the_rows_group(dialect: str) -> None:
    """The span covers exactly the ``(...)`` of placeholders, defaults included."""
    result = compiled(insert(things).returning(things.c.id), dialect, ("name",))
    assert result.values_span is not None
    start, end = result.values_span
    group = result.sql[start:end]
    placeholder = "?" if dialect == "sqlite" else "%s"
    assert group == f"({placeholder}, {placeholder})"
    assert result.sql[:start].endswith("VALUES ") and result.sql[end:].startswith(" RETURNING")
    assert wants_rows_per_set(result)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_no_span_when_a_placeholder_is_outside_the_group(dialect: str) -> None:
    """A bound value in RETURNING cannot be repeated per row: no span, so no multi-row form."""
    statement = insert(things).returning(things.c.id, literal(5) + things.c.id)
    assert compiled(statement, dialect, ("name",)).values_span is None


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_no_span_for_statements_that_are_not_single_row_inserts(dialect: str) -> None:
    """Multi-row VALUES and UPDATE have no span; a plain INSERT keeps no rows per set."""
    multi = insert(things).values([{"name": "a"}, {"name": "b"}])
    assert compiled(multi, dialect).values_span is None
    assert compiled(update(things).values(name="x"), dialect).values_span is None
    assert not wants_rows_per_set(compiled(insert(things), dialect, ("id", "name")))
