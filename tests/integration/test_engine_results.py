"""Results of corral statements: generated keys, converted values, rowcounts and logging."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from corral import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    insert,
    select,
    update,
)
from corral.sql.text import text

from .conftest import EngineFactory


@pytest.fixture
def things(engine: Engine) -> Table:
    """A ``things`` table with a generated integer key, created on the engine."""
    metadata = MetaData()
    table = Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(30), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("price", Numeric(10, 2)),
    )
    metadata.create_all(engine)
    return table


def test_inserted_primary_key_is_generated(engine: Engine, things: Table) -> None:
    """A single-row insert reports the key the database generated, row after row."""
    with engine.begin() as connection:
        first = connection.execute(insert(things).values(name="a", active=True))
        second = connection.execute(insert(things).values(name="b", active=False))
    assert second.inserted_primary_key.id == 2
    assert first.inserted_primary_key == (1,)
    assert second.inserted_primary_key == (2,)
    assert not first.returns_rows


def test_inserted_primary_key_when_given(engine: Engine, things: Table) -> None:
    """A key passed in the parameters is reported back as given."""
    with engine.begin() as connection:
        result = connection.execute(insert(things), {"id": 40, "name": "x", "active": True})
    assert result.inserted_primary_key == (40,)


def test_values_come_back_converted(engine: Engine, things: Table) -> None:
    """Booleans and decimals read back as Python bool and Decimal on every database."""
    with engine.begin() as connection:
        connection.execute(
            insert(things),
            [
                {"name": "on", "active": True, "price": Decimal("1.50")},
                {"name": "off", "active": False, "price": None},
            ],
        )
    with engine.connect() as connection:
        rows = connection.execute(
            select(things.c.name, things.c.active, things.c.price).order_by(things.c.id)
        ).all()
    assert rows == [("on", True, Decimal("1.50")), ("off", False, None)]
    assert type(rows[0].active) is bool


def test_update_rowcount(engine: Engine, things: Table) -> None:
    """An UPDATE reports how many rows it matched."""
    with engine.begin() as connection:
        connection.execute(
            insert(things), [{"name": f"n{i}", "active": i % 2 == 0} for i in range(10)]
        )
        result = connection.execute(
            update(things).where(things.c.active == True).values(name="even")  # noqa: E712
        )
    assert result.rowcount == 5


def test_scalar_and_mappings_from_select(engine: Engine, things: Table) -> None:
    """``scalars()``, ``mappings()`` and ``scalar_one()`` read a real SELECT."""
    with engine.begin() as connection:
        connection.execute(
            insert(things), [{"name": "a", "active": True}, {"name": "b", "active": True}]
        )
    with engine.connect() as connection:
        names = connection.execute(select(things.c.name).order_by(things.c.name)).scalars().all()
        mapping = (
            connection.execute(select(things.c.id, things.c.name).where(things.c.name == "b"))
            .mappings()
            .one()
        )
        count = connection.execute(text("SELECT count(*) FROM things")).scalar_one()
    assert names == ["a", "b"]
    assert dict(mapping) == {"id": 2, "name": "b"}
    assert count == 2


def test_echo_logs_statements_with_parameters(
    make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """``echo=True`` logs each statement and its parameters on ``corral.engine``."""
    logger = logging.getLogger("corral.engine")
    saved_level, saved_handlers = logger.level, list(logger.handlers)
    try:
        engine = make_engine(echo=True)
        with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
            connection.execute(text("SELECT :value"), {"value": 41})
    finally:
        logger.setLevel(saved_level)
        logger.handlers[:] = saved_handlers
    messages = [record.getMessage() for record in caplog.records]
    assert "[parameters: (41,)]" in messages
    assert any("SELECT" in message for message in messages)
