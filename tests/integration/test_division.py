"""``/`` divides integers exactly and ``//`` rounds down, on every database (SQLAlchemy 2.0)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Column, Engine, Float, Integer, MetaData, Table, insert, select

metadata = MetaData()
numbers = Table(
    "div_numbers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("x", Integer),
    Column("f", Float),
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(numbers), [{"id": 1, "x": 7, "f": -7.5}])
    yield engine
    metadata.drop_all(engine)


def test_integer_true_division_keeps_the_fraction(schema_engine: Engine) -> None:
    """7 / 2 is 3.5, not 3 (PostgreSQL and SQLite would round down a bare ``/``)."""
    with schema_engine.connect() as connection:
        value = connection.execute(select(numbers.c.x / 2)).scalar()
    assert float(value) == 3.5


def test_floor_division_rounds_down(schema_engine: Engine) -> None:
    """7 // 2 is 3 and -7.5 // 2 is -4, as Python computes them."""
    with schema_engine.connect() as connection:
        row = connection.execute(select(numbers.c.x // 2, numbers.c.f // 2)).one()
    assert (int(row[0]), int(row[1])) == (7 // 2, int(-7.5 // 2))


def test_modulo_runs_where_percent_marks_parameters(schema_engine: Engine) -> None:
    """x % 3 is 1 on every database: ``%`` is written ``%%`` where the driver takes ``%s``."""
    with schema_engine.connect() as connection:
        value = connection.execute(select(numbers.c.x % 3).where(numbers.c.x > 2)).scalar()
    assert value == 1
