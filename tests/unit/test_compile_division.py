"""``/`` divides exactly and ``//`` rounds down on every dialect, as in SQLAlchemy 2.0."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from corral.sql.schema import Column, MetaData, Table
from corral.sql.selectable import select
from corral.sql.types import Float, Integer, Numeric
from tests.unit.compile_helpers import sql

metadata = MetaData()
t = Table("t", metadata, Column("x", Integer), Column("f", Float))

CASES: dict[str, tuple[Callable[[], Any], dict[str, str]]] = {
    "int_div": (
        lambda: select(t.c.x / 2),
        {
            "sqlite": "SELECT t.x / (? + 0.0) FROM t",
            "postgresql": "SELECT t.x / CAST(%s AS NUMERIC) FROM t",
            "mysql": "SELECT t.x / %s FROM t",
        },
    ),
    "int_floordiv": (
        lambda: select(t.c.x // 2),
        {
            "sqlite": "SELECT t.x / ? FROM t",
            "postgresql": "SELECT t.x / %s FROM t",
            "mysql": "SELECT FLOOR(t.x / %s) FROM t",
        },
    ),
    "float_floordiv": (
        lambda: select(t.c.f // 2),
        {
            "sqlite": "SELECT FLOOR(t.f / ?) FROM t",
            "postgresql": "SELECT FLOOR(t.f / %s) FROM t",
            "mysql": "SELECT FLOOR(t.f / %s) FROM t",
        },
    ),
    "by_a_float_column": (
        lambda: select(t.c.x / t.c.f),
        {
            "sqlite": "SELECT t.x / t.f FROM t",
            "postgresql": "SELECT t.x / t.f FROM t",
            "mysql": "SELECT t.x / t.f FROM t",
        },
    ),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_division_sql(case: str, dialect: str) -> None:
    """Each dialect is written so that integers divide exactly with ``/``."""
    build, expected = CASES[case]
    assert sql(build(), dialect) == expected[dialect]


def test_integer_division_is_typed_numeric() -> None:
    """``int / int`` is a Numeric expression; ``int // int`` stays Integer."""
    assert isinstance((t.c.x / 2).type, Numeric)
    assert isinstance((t.c.x // 2).type, Integer)
