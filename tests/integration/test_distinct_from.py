"""``is_distinct_from()`` / ``is_not_distinct_from()`` compare NULL as a value on every
database (the spellings: tests/unit/test_compile_distinct_from.py)."""

from __future__ import annotations

from corral import Column, Engine, Integer, MetaData, Table, select
from corral.sql.elements import ColumnElement

metadata = MetaData()
pairs = Table(
    "distinct_pairs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("a", Integer),
    Column("b", Integer),
)
ROWS = [(1, 1, 1), (2, 1, 2), (3, None, 1), (4, None, None)]


def test_null_is_a_value(engine: Engine) -> None:
    """Rows where a and b differ (NULL vs 1 does, NULL vs NULL does not); and the rest,
    which ``!=`` and ``==`` would both miss where a NULL is involved."""
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            pairs.insert(), [dict(zip(("id", "a", "b"), r, strict=True)) for r in ROWS]
        )
    with engine.connect() as connection:

        def ids(criterion: ColumnElement[bool]) -> list[int]:
            found = select(pairs.c.id).where(criterion).order_by(pairs.c.id)
            return list(connection.scalars(found))

        assert ids(pairs.c.a.is_distinct_from(pairs.c.b)) == [2, 3]
        assert ids(pairs.c.a.is_not_distinct_from(pairs.c.b)) == [1, 4]
        assert ids(pairs.c.a.is_not_distinct_from(None)) == [3, 4]
        assert ids(pairs.c.a.is_distinct_from(1)) == [3, 4]
        assert ids(pairs.c.a != pairs.c.b) == [2]  # the control: != drops the NULL rows
