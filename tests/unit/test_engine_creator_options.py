"""What ``create_engine(creator=...)`` and ``Engine.execution_options()`` refuse."""

from __future__ import annotations

import sqlite3

import pytest

from corral import create_engine, exc
from corral.engine import Engine


def test_creator_and_connect_args_together_are_refused() -> None:
    """connect_args would never reach a creator's connections: refused, saying where they go."""
    with pytest.raises(exc.ArgumentError, match="both creator= and connect_args="):
        create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(":memory:"), connect_args={"timeout": 1}
        )


def test_creator_must_be_callable() -> None:
    """A creator that is not a function is refused when the engine is made."""
    with pytest.raises(exc.ArgumentError, match=r"creator=\.\.\.\) must be a function"):
        create_engine("sqlite://", creator="sqlite3.connect")  # type: ignore[arg-type]


def test_engine_execution_options_refuses_what_corral_lacks() -> None:
    """Engine.execution_options() refuses an option corral does not implement, naming it."""
    engine = create_engine("sqlite://")
    with pytest.raises(exc.ArgumentError, match=r"Engine.execution_options\(\) .*logging_token"):
        engine.execution_options(logging_token="x")


def test_engine_execution_options_chain() -> None:
    """A copy of a copy holds both sets of options; the original holds none."""
    engine = create_engine("sqlite://")
    copy = engine.execution_options(a=1).execution_options(b=2)
    assert isinstance(copy, Engine) and copy.pool is engine.pool
    assert copy.get_execution_options() == {"a": 1, "b": 2}
    assert engine.get_execution_options() == {}
    with copy.connect() as connection:
        assert connection.get_execution_options() == {"a": 1, "b": 2}


def test_create_engine_future_true_is_accepted() -> None:
    """create_engine(future=True), SQLAlchemy 1.4's opt-in to 2.0 behaviour, is accepted."""
    engine = create_engine("sqlite://", future=True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_pool_with_pool_arguments_is_refused() -> None:
    """create_engine(pool=...) with poolclass=, creator= or pool sizes: refused, naming them."""
    from corral.pool import QueuePool, StaticPool

    pool = StaticPool(lambda: sqlite3.connect(":memory:"))
    with pytest.raises(exc.ArgumentError, match=r"got poolclass, pool_size too"):
        create_engine("sqlite://", pool=pool, poolclass=QueuePool, pool_size=2)
    with pytest.raises(exc.ArgumentError, match=r"must be a corral.pool Pool"):
        create_engine("sqlite://", pool="not a pool")  # type: ignore[arg-type]


def test_pool_that_opened_connections_is_refused() -> None:
    """A pool that already opened connections (not prepared by the engine) is refused."""
    from corral.pool import StaticPool

    pool = StaticPool(lambda: sqlite3.connect(":memory:"))
    pool.connect().close()
    with pytest.raises(exc.ArgumentError, match="has opened connections already"):
        create_engine("sqlite://", pool=pool)


def test_pool_without_dialect_uses_the_dbapi() -> None:
    """A pool made without a dialect rolls back, pings and closes with DB-API calls."""
    from corral.pool import QueuePool

    made: list[sqlite3.Connection] = []

    def creator() -> sqlite3.Connection:
        made.append(sqlite3.connect(":memory:"))
        return made[-1]

    pool = QueuePool(creator, pool_size=1, pre_ping=True)
    checkout = pool.connect()
    checkout.dbapi_connection.execute("CREATE TABLE t (x INTEGER)")
    checkout.close()
    again = pool.connect()
    assert again.dbapi_connection is made[0] and len(made) == 1
    again.close()
    pool.dispose()
