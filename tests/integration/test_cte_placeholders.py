"""Values in a CTE and in the statement around it reach their placeholders: the WITH clause
is written first, so its values come first. A CTE's body was compiled where the statement
first named it, and its values were sent after those of the columns written before that (a
SELECT of the CTE found no rows). And INSERT, UPDATE, DELETE ... RETURNING as a CTE
(``update(...).returning(...).cte()``), which PostgreSQL runs and the others refuse."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from corral import (
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    exc,
    exists,
    insert,
    literal,
    select,
    update,
)
from corral.sql.schema import Column

metadata = MetaData()
orders = Table(
    "ctep_orders",
    metadata,
    Column("region", String(20)),
    Column("amount", Numeric(10, 2)),
    Column("quantity", Integer),
)
archive = Table(
    "ctep_archive",
    metadata,
    Column("region", String(20)),
    Column("amount", Numeric(10, 2)),
    Column("quantity", Integer),
)


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


def test_values_in_a_cte_and_around_it(db: Engine) -> None:
    inner = select(literal(1).label("a"), literal("x").label("b")).where(literal(2) == 2)
    cte = inner.cte("c")
    stmt = select(literal(10).label("ten"), cte.c.a, cte.c.b).where(cte.c.a == literal(1))
    with db.connect() as connection:
        assert connection.execute(stmt).all() == [(10, 1, "x")]


def test_expanding_in_inside_and_outside_a_cte(db: Engine) -> None:
    with db.begin() as connection:
        connection.execute(
            insert(orders),
            [{"region": r, "amount": 1, "quantity": q} for r, q in [("a", 1), ("b", 2), ("c", 3)]],
        )
    cte = select(orders.c.region, orders.c.quantity).where(orders.c.quantity.in_([1, 2])).cte("few")
    stmt = (
        select(literal(7).label("seven"), cte.c.region)
        .where(cte.c.region.in_(["b", "c"]))
        .order_by(cte.c.region)
    )
    with db.connect() as connection:
        assert connection.execute(stmt).all() == [(7, "b")]


def test_data_modifying_ctes(db: Engine) -> None:
    upsert = (
        update(orders)
        .where(orders.c.region == "r1")
        .values(amount=1, quantity=1)
        .returning(*orders.c)
        .cte("upsert")
    )
    add_if_missing = insert(orders).from_select(
        ["region", "amount", "quantity"],
        select(literal("r1"), literal(1), literal(1)).where(~exists(upsert.select())),
    )
    if db.dialect.name != "postgresql":
        with pytest.raises(exc.CompileError, match="no data-modifying CTEs"), db.begin() as c:
            c.execute(add_if_missing)
        return
    with db.begin() as connection:
        connection.execute(add_if_missing)  # no r1 row to update: inserted
        connection.execute(add_if_missing)  # updated, not inserted again
        assert connection.execute(select(orders.c.region, orders.c.amount)).all() == [
            ("r1", Decimal("1.00"))
        ]
        connection.execute(insert(orders), [{"region": "r2", "amount": 5, "quantity": 3}])
        moved = delete(orders).where(orders.c.region == "r2").returning(*orders.c).cte("moved")
        connection.execute(insert(archive).from_select(list(archive.c.keys()), select(moved)))
        assert connection.execute(select(orders.c.region)).all() == [("r1",)]
        assert connection.execute(select(archive.c.region, archive.c.quantity)).all() == [("r2", 3)]
        bumped = (
            update(orders)
            .values(quantity=orders.c.quantity + 1)
            .returning(orders.c.region, orders.c.quantity)
            .cte("bumped")
        )
        result = connection.execute(select(bumped.c.region, bumped.c.quantity))
        assert list(result.keys()) == ["region", "quantity"]
        assert result.all() == [("r1", 2)]


def test_a_recursive_data_modifying_cte_is_refused() -> None:
    with pytest.raises(exc.ArgumentError, match="cannot refer to itself"):
        update(orders).values(quantity=1).returning(orders.c.region).cte("u", recursive=True)
