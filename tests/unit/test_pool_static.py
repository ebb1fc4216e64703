"""StaticPool shares one connection; NullPool opens and closes one per checkout."""

from __future__ import annotations

import sqlite3

import pytest

from corral.exc import ResourceClosedError
from corral.pool import NullPool, StaticPool
from tests.unit.test_pool_helpers import FakeCreator, FakeDialect, FakeError, SqliteDialect


def memory_sqlite() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", check_same_thread=False)


def test_static_pool_shares_one_connection() -> None:
    """Every StaticPool checkout, even overlapping ones, gets the same DB-API connection."""
    creator = FakeCreator()
    pool = StaticPool(creator, dialect=FakeDialect())
    first, second = pool.connect(), pool.connect()
    assert first.dbapi_connection is second.dbapi_connection
    assert pool.checkedout() == 2
    first.close()
    second.close()
    with pool.connect() as third:
        assert third.dbapi_connection is creator.made[0]
    assert len(creator.made) == 1 and not creator.made[0].closed


def test_static_pool_keeps_a_memory_database_alive() -> None:
    """Data committed through one checkout of a memory SQLite StaticPool is seen by the next."""
    pool = StaticPool(memory_sqlite, dialect=SqliteDialect())
    with pool.connect() as handle:
        handle.dbapi_connection.execute("CREATE TABLE t (x INTEGER)")
        handle.dbapi_connection.execute("INSERT INTO t VALUES (7)")
        handle.dbapi_connection.commit()
    with pool.connect() as handle:
        assert handle.dbapi_connection.execute("SELECT x FROM t").fetchall() == [(7,)]
    pool.dispose()


def test_static_pool_resets_only_when_the_last_holder_returns() -> None:
    """One holder's return does not roll back the shared connection under another holder."""
    creator = FakeCreator()
    pool = StaticPool(creator, dialect=FakeDialect())
    first, second = pool.connect(), pool.connect()
    first.close()
    assert creator.made[0].rollbacks == 0
    second.close()
    assert creator.made[0].rollbacks == 1


def test_static_pool_replaces_a_connection_whose_reset_fails() -> None:
    """A shared connection whose rollback fails is closed; the next checkout opens another."""
    creator = FakeCreator()
    pool = StaticPool(creator, dialect=FakeDialect())
    with pool.connect() as handle:
        handle.dbapi_connection.fail_rollback = True
    assert creator.made[0].closed
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[1]


def test_static_pool_invalidate_replaces_the_connection() -> None:
    """Invalidating the shared connection closes it; the next checkout opens a new one."""
    creator = FakeCreator()
    pool = StaticPool(creator, dialect=FakeDialect())
    first, second = pool.connect(), pool.connect()
    first.invalidate(FakeError("gone"))
    assert creator.made[0].closed and not second.is_valid
    with pytest.raises(ResourceClosedError, match="another checkout"):
        _ = second.dbapi_connection
    second.close()
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[1]
    assert pool.checkedout() == 0


def test_static_pool_dispose_closes_the_connection() -> None:
    """dispose() closes an idle shared connection, or a held one when its last holder returns."""
    creator = FakeCreator()
    pool = StaticPool(creator, dialect=FakeDialect())
    with pool.connect():
        pass
    pool.dispose()
    assert creator.made[0].closed
    held = pool.connect()
    pool.dispose()
    assert not creator.made[1].closed
    held.close()
    assert creator.made[1].closed


def test_static_pool_status() -> None:
    """StaticPool.status() says whether the connection is held and by how many checkouts."""
    pool = StaticPool(FakeCreator(), dialect=FakeDialect(), logging_name="memory")
    assert pool.status() == "StaticPool memory: no connection, 0 checkouts"
    with pool.connect():
        assert pool.status() == "StaticPool memory: one connection checked out, 1 checkouts"


def test_null_pool_opens_per_checkout_and_closes_on_check_in() -> None:
    """NullPool gives each checkout a new connection and closes it when it is returned."""
    creator = FakeCreator()
    pool = NullPool(creator, dialect=FakeDialect())
    first, second = pool.connect(), pool.connect()
    assert first.dbapi_connection is not second.dbapi_connection
    assert pool.checkedout() == 2
    first.close()
    assert [made.closed for made in creator.made] == [True, False]
    second.close()
    assert [made.closed for made in creator.made] == [True, True]
    assert pool.checkedout() == 0
    with pool.connect() as third:
        assert third.dbapi_connection is creator.made[2]


def test_null_pool_double_close_closes_once() -> None:
    """Returning a NullPool checkout twice closes its connection once."""
    dialect = FakeDialect()
    pool = NullPool(FakeCreator(), dialect=dialect)
    handle = pool.connect()
    handle.close()
    handle.close()
    assert len(dialect.closed) == 1
    with pytest.raises(ResourceClosedError):
        _ = handle.dbapi_connection


def test_null_pool_with_sqlite_closes_real_connections() -> None:
    """NullPool over sqlite3 leaves no connection open after check-in."""
    pool = NullPool(memory_sqlite, dialect=SqliteDialect())
    with pool.connect() as handle:
        connection = handle.dbapi_connection
        connection.execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")
    pool.dispose()
