"""Engine features SQLAlchemy's performance suite uses, on every database: the
query_cache_size and compiled_cache options, raw_connection(), pool._creator as the driver's
connect, and an engine's pool replaced by assignment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Column, Engine, Integer, MetaData, String, Table, exc, insert, select
from corral.engine import create_engine
from corral.pool import StaticPool

metadata = MetaData()
items = Table(
    "sa_prog_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(20)),
)


@pytest.fixture
def table(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(items), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    yield engine


def by_id(value: int) -> Any:
    return select(items.c.name).where(items.c.id == value)


def test_query_cache_size_zero_compiles_every_time(
    make_engine: Callable[..., Engine], table: Engine
) -> None:
    """create_engine(query_cache_size=0) keeps no compiled statement: each run compiles."""
    engine = make_engine(query_cache_size=0)
    with engine.connect() as connection:
        before = engine.dialect.compile_count
        for value in (1, 2, 1):
            connection.execute(by_id(value)).all()
        assert engine.dialect.compile_count == before + 3
        assert len(engine.dialect.compiled_cache) == 0


def test_default_cache_compiles_a_shape_once(table: Engine) -> None:
    """Without query_cache_size the same shape compiles once (the control for the above)."""
    with table.connect() as connection:
        before = table.dialect.compile_count
        for value in (1, 2, 1):
            connection.execute(by_id(value)).all()
        assert table.dialect.compile_count <= before + 1


def test_compiled_cache_option_keeps_compiled_statements_in_the_dict(table: Engine) -> None:
    """execution_options(compiled_cache=dict) stores compiled statements there and reuses
    them; compiled_cache=None compiles each time."""
    cache: dict[Any, Any] = {}
    with table.connect().execution_options(compiled_cache=cache) as connection:
        before = table.dialect.compile_count
        assert [connection.execute(by_id(v)).scalar() for v in (1, 2, 1)] == ["a", "b", "a"]
        assert len(cache) == 1
        assert table.dialect.compile_count == before + 1
    with table.execution_options(compiled_cache=None).connect() as connection:
        before = table.dialect.compile_count
        connection.execute(by_id(1)).all()
        connection.execute(by_id(1)).all()
        assert table.dialect.compile_count == before + 2


def test_compiled_cache_must_be_a_dict(table: Engine) -> None:
    """A compiled_cache that is not a mapping raises, saying what it takes."""
    with pytest.raises(exc.ArgumentError, match="compiled_cache must be a dict"):
        table.execution_options(compiled_cache=[])


def test_compiled_cache_on_a_statement_is_refused(table: Engine) -> None:
    """compiled_cache belongs to the connection; on a statement it raises, saying where."""
    with pytest.raises(exc.ArgumentError, match="set it on the connection or engine"):
        by_id(1).execution_options(compiled_cache={})


def test_raw_connection_is_a_pooled_driver_connection(table: Engine) -> None:
    """raw_connection() gives a pooled DB-API connection: cursor(), commit(), close()."""
    connection = table.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM sa_prog_items")
        assert cursor.fetchone()[0] == 2
        connection.commit()
    finally:
        connection.close()


def test_pool_creator_gives_a_connection_in_the_drivers_own_mode(table: Engine) -> None:
    """pool._creator() returns a connection the driver made, not one in corral's autocommit
    mode: rows inserted on it are only visible once it commits."""
    raw = table.pool._creator()
    try:
        cursor = raw.cursor()
        placeholder = "?" if table.dialect.name == "sqlite" else "%s"
        cursor.execute(f"INSERT INTO sa_prog_items (id, name) VALUES (3, {placeholder})", ("c",))
        with table.connect() as other:
            if table.dialect.name != "sqlite":  # SQLite's writer lock would make it wait
                assert other.execute(by_id(3)).scalar() is None
        raw.commit()
        with table.connect() as other:
            assert other.execute(by_id(3)).scalar() == "c"
    finally:
        raw.close()


def test_assigning_a_pool_prepares_its_connections(table: Engine) -> None:
    """engine.pool = StaticPool(creator=engine.pool._creator) works: the engine prepares
    the new pool's connections as its own (transactions, commit, rollback)."""
    engine = table
    old = engine.pool
    engine.pool = StaticPool(creator=engine.pool._creator)
    old.dispose()
    with engine.begin() as connection:
        connection.execute(insert(items), {"id": 4, "name": "d"})
    with engine.connect() as connection:
        connection.execute(insert(items), {"id": 5, "name": "e"})
        connection.rollback()
        names = connection.execute(select(items.c.name).order_by(items.c.id)).scalars().all()
    assert names == ["a", "b", "d"]
    engine.dispose()


def test_query_cache_size_must_be_a_non_negative_int() -> None:
    """query_cache_size=-1 raises, naming the option."""
    with pytest.raises(exc.ArgumentError, match="query_cache_size"):
        create_engine("sqlite://", query_cache_size=-1)
