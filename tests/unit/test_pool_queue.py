"""QueuePool: limits, timeouts naming the holders, recycle, pings, invalidation, reset, dispose."""

from __future__ import annotations

import inspect
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.exc import ArgumentError, DisconnectionError, ResourceClosedError, TimeoutError
from corral.pool import PoolConnection, QueuePool
from tests.unit.test_pool_helpers import (
    FakeCreator,
    FakeDialect,
    FakeError,
    SqliteCreator,
    SqliteDialect,
)


@pytest.fixture
def creator(tmp_path: Path) -> Iterator[SqliteCreator]:
    made = SqliteCreator(tmp_path / "pool.db")
    yield made
    made.close_all()


@pytest.fixture
def dialect() -> SqliteDialect:
    return SqliteDialect()


def sqlite_pool(creator: SqliteCreator, dialect: SqliteDialect, **options: Any) -> QueuePool:
    return QueuePool(creator, dialect=dialect, **options)


def fake_pool(**options: Any) -> tuple[QueuePool, FakeCreator, FakeDialect]:
    creator = FakeCreator()
    dialect = FakeDialect(ping_raises=options.pop("ping_raises", False))
    return QueuePool(creator, dialect=dialect, **options), creator, dialect


# -- size, overflow, timeout ---------------------------------------------------


def test_overflow_connections_are_closed_on_return(
    creator: SqliteCreator, dialect: SqliteDialect
) -> None:
    """A 2+1 pool opens three connections under load and keeps only two once they return."""
    pool = sqlite_pool(creator, dialect, pool_size=2, max_overflow=1, timeout=0)
    held = [pool.connect() for _ in range(3)]
    assert (pool.checkedout(), pool.overflow(), len(creator.made)) == (3, 1, 3)
    for handle in held:
        handle.close()
    assert (pool.checkedout(), pool.checkedin(), pool.overflow()) == (0, 2, 0)
    assert dialect.closed == [creator.made[2]]
    pool.dispose()


def test_limit_is_size_plus_overflow(creator: SqliteCreator, dialect: SqliteDialect) -> None:
    """With pool_size + max_overflow connections out, one more checkout times out."""
    pool = sqlite_pool(creator, dialect, pool_size=2, max_overflow=1, timeout=0)
    held = [pool.connect() for _ in range(3)]
    with pytest.raises(TimeoutError):
        pool.connect()
    assert len(creator.made) == 3
    for handle in held:
        handle.close()
    pool.dispose()


def test_timeout_error_names_the_holders(creator: SqliteCreator, dialect: SqliteDialect) -> None:
    """A 2+1 pool's 4th checkout fails within timeout ± 0.2 s, naming each holder's site and age."""
    pool = sqlite_pool(creator, dialect, pool_size=2, max_overflow=1, timeout=0.5)
    first_line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    first = pool.connect()
    time.sleep(0.05)
    second = pool.connect()
    third = pool.connect()
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        pool.connect()
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed <= 0.7
    message = str(caught.value)
    assert "pool_size=2" in message and "max_overflow=1" in message
    assert "3 checked out" in message
    assert message.count("by thread 'MainThread'") == 3
    assert "corral/pool/" not in message  # corral's own frames are skipped
    sites = re.findall(
        r"test_pool_queue\.py:(\d+) in test_timeout_error_names_the_holders", message
    )
    assert [int(line) for line in sites] == [first_line, first_line + 2, first_line + 3]
    ages = [float(age) for age in re.findall(r"held (\d+\.\d+) s", message)]
    assert len(ages) == 3 and ages[0] >= ages[1] + 0.04 and all(age >= 0.4 for age in ages)
    for handle in (first, second, third):
        handle.close()
    pool.dispose()


def test_timeout_error_without_tracking_says_so() -> None:
    """With track_checkouts=False the timeout message says the sites were not recorded."""
    pool, _, _ = fake_pool(pool_size=1, max_overflow=0, timeout=0, track_checkouts=False)
    held = pool.connect()
    with pytest.raises(TimeoutError, match="not recorded"):
        pool.connect()
    held.close()


def test_waiting_checkout_gets_a_returned_connection() -> None:
    """A checkout blocked on a full pool takes the connection another thread returns."""
    pool, creator, _ = fake_pool(pool_size=1, max_overflow=0, timeout=5)
    held = pool.connect()
    returner = threading.Timer(0.1, held.close)
    returner.start()
    started = time.monotonic()
    with pool.connect() as waited:
        assert waited.dbapi_connection is creator.made[0]
    assert 0.05 <= time.monotonic() - started < 2
    returner.join()


def test_failed_connect_frees_its_slot() -> None:
    """A creator that raises does not use up a slot of the pool."""
    pool, creator, _ = fake_pool(pool_size=1, max_overflow=0, timeout=0)
    creator.fail_next = True
    with pytest.raises(FakeError):
        pool.connect()
    assert pool.checkedout() == 0
    with pool.connect() as handle:
        assert handle.is_valid


# -- recycle, pre-ping, invalidation --------------------------------------------


def test_recycle_replaces_old_connections() -> None:
    """A pooled connection older than recycle seconds is closed and replaced at checkout."""
    pool, _, dialect = fake_pool(recycle=0.05)
    with pool.connect() as handle:
        old = handle.dbapi_connection
    time.sleep(0.1)
    with pool.connect() as handle:
        assert handle.dbapi_connection is not old
    assert dialect.closed == [old]


def test_no_recycle_by_default() -> None:
    """Without recycle a pooled connection is reused however old it is."""
    pool, _, _ = fake_pool()
    with pool.connect() as handle:
        old = handle.dbapi_connection
    with pool.connect() as handle:
        assert handle.dbapi_connection is old


def test_pre_ping_replaces_a_dead_connection() -> None:
    """With pre_ping a connection that fails its ping is closed and a new one handed out."""
    pool, creator, dialect = fake_pool(pre_ping=True)
    with pool.connect() as handle:
        old = handle.dbapi_connection
    old.alive = False
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[1]
    assert dialect.pinged[0] is old and old.closed


def test_pre_ping_treats_a_raising_ping_as_dead() -> None:
    """A ping that raises counts as a dead connection, not as a checkout error."""
    pool, _, _ = fake_pool(pre_ping=True, ping_raises=True)
    with pool.connect() as handle:
        old = handle.dbapi_connection
    old.alive = False
    with pool.connect() as handle:
        assert handle.dbapi_connection is not old


def test_pre_ping_gives_up_when_the_replacement_is_dead_too() -> None:
    """If a dead connection's replacement fails its ping too, checkout raises DisconnectionError."""
    pool, creator, _ = fake_pool(pre_ping=True)
    with pool.connect() as handle:
        old = handle.dbapi_connection
    old.alive = False
    creator.dead_from_birth = True
    with pytest.raises(DisconnectionError, match="is the database reachable"):
        pool.connect()
    assert pool.checkedout() == 0 and all(made.closed for made in creator.made)


def test_without_pre_ping_healthy_checkouts_do_not_ping() -> None:
    """Without pre_ping and without an invalidation no ping is sent."""
    pool, _, dialect = fake_pool()
    for _ in range(3):
        with pool.connect():
            pass
    assert dialect.pinged == []


def test_invalidate_pings_older_connections_before_reuse() -> None:
    """After an invalidation older pooled connections are pinged, and replaced if dead."""
    pool, creator, dialect = fake_pool(pool_size=3)
    a, b, c = (pool.connect() for _ in range(3))
    conn_a, conn_b, conn_c = a.dbapi_connection, b.dbapi_connection, c.dbapi_connection
    a.close()
    b.close()
    conn_b.alive = False
    c.invalidate(FakeError("server closed the connection"))
    assert conn_c.closed and pool.checkedout() == 0
    first, second = pool.connect(), pool.connect()
    # The dead one's replacement is pinged once too: a second dead one means the server is gone.
    assert dialect.pinged == [conn_a, conn_b, creator.made[3]]
    assert first.dbapi_connection is conn_a
    assert second.dbapi_connection is creator.made[3] and conn_b.closed
    first.close()
    second.close()
    with pool.connect(), pool.connect():
        assert len(dialect.pinged) == 3  # each connection is checked once per invalidation


def test_invalidate_frees_the_slot_and_clears_info() -> None:
    """An invalidated connection gives its slot back and its info is cleared."""
    pool, _, _ = fake_pool(pool_size=1, max_overflow=0, timeout=0)
    handle = pool.connect()
    handle.info["key"] = "value"
    info = handle.info
    handle.invalidate()
    assert info == {} and not handle.is_valid
    with pool.connect() as again:
        assert again.info == {}


def test_invalidate_after_close_does_nothing() -> None:
    """invalidate() on a returned checkout leaves the pooled connection alone."""
    pool, _, dialect = fake_pool()
    handle = pool.connect()
    handle.close()
    handle.invalidate()
    assert dialect.closed == [] and pool.checkedin() == 1


def test_info_stays_with_the_connection() -> None:
    """info set during one checkout is there at the next checkout of the same connection."""
    pool, _, _ = fake_pool(pool_size=1)
    with pool.connect() as handle:
        handle.info["prepared"] = True
    with pool.connect() as handle:
        assert handle.info == {"prepared": True}


# -- reuse order -----------------------------------------------------------------


def test_fifo_reuses_the_least_recently_returned() -> None:
    """By default the connection returned first is checked out first."""
    pool, creator, _ = fake_pool(pool_size=3)
    handles = [pool.connect() for _ in range(3)]
    for handle in handles:
        handle.close()
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[0]


def test_lifo_reuses_the_most_recently_returned() -> None:
    """With use_lifo the connection returned last is checked out first."""
    pool, creator, _ = fake_pool(pool_size=3, use_lifo=True)
    handles = [pool.connect() for _ in range(3)]
    for handle in handles:
        handle.close()
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[2]


# -- reset on return ---------------------------------------------------------------


def test_reset_on_return_rolls_back(creator: SqliteCreator, dialect: SqliteDialect) -> None:
    """A transaction left open is rolled back when its connection is returned."""
    pool = sqlite_pool(creator, dialect, pool_size=1)
    with pool.connect() as handle:
        handle.dbapi_connection.execute("CREATE TABLE t (x INTEGER)")
        handle.dbapi_connection.commit()
        handle.dbapi_connection.execute("INSERT INTO t VALUES (1)")
        assert handle.dbapi_connection.in_transaction
    with pool.connect() as handle:
        connection: sqlite3.Connection = handle.dbapi_connection
        assert not connection.in_transaction
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert dialect.rollbacks == 2
    pool.dispose()


def test_reset_on_return_false_skips_the_rollback() -> None:
    """With reset_on_return=False the pool does not roll back returned connections."""
    pool, creator, _ = fake_pool(reset_on_return=False)
    with pool.connect():
        pass
    assert creator.made[0].rollbacks == 0 and pool.checkedin() == 1


def test_failed_reset_discards_the_connection() -> None:
    """A connection whose rollback fails on return is closed, not pooled."""
    pool, creator, dialect = fake_pool(pool_size=1, max_overflow=0, timeout=0)
    with pool.connect() as handle:
        handle.dbapi_connection.fail_rollback = True
    assert dialect.closed == [creator.made[0]] and pool.checkedin() == 0
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[1]


def test_disconnect_during_reset_pings_older_connections() -> None:
    """A rollback failing with a disconnect makes older pooled connections be pinged."""
    pool, creator, dialect = fake_pool(pool_size=2)
    a, b = pool.connect(), pool.connect()
    a.close()
    b.dbapi_connection.alive = False
    b.close()
    with pool.connect():
        assert dialect.pinged == [creator.made[0]]


# -- returning, closing, dispose ------------------------------------------------


def test_double_close_is_harmless() -> None:
    """Closing a checkout twice pools its connection once."""
    pool, _, _ = fake_pool(pool_size=2)
    handle = pool.connect()
    handle.close()
    handle.close()
    assert (pool.checkedout(), pool.checkedin()) == (0, 1)
    first, second = pool.connect(), pool.connect()
    assert first.dbapi_connection is not second.dbapi_connection
    first.close()
    second.close()


def test_returned_checkout_refuses_its_connection() -> None:
    """A closed PoolConnection raises ResourceClosedError instead of lending its connection."""
    pool, _, _ = fake_pool()
    handle = pool.connect()
    validity = [handle.is_valid]
    handle.close()
    validity.append(handle.is_valid)
    assert validity == [True, False]
    with pytest.raises(ResourceClosedError, match="returned to the pool"):
        _ = handle.dbapi_connection


def test_dispose_closes_idle_now_and_checked_out_on_return() -> None:
    """dispose() closes idle connections at once and checked-out ones when they come back."""
    pool, creator, dialect = fake_pool(pool_size=2)
    idle, out = pool.connect(), pool.connect()
    idle.close()
    pool.dispose()
    assert dialect.closed == [creator.made[0]] and pool.checkedin() == 0
    out.close()
    assert dialect.closed == [creator.made[0], creator.made[1]]
    with pool.connect() as handle:
        assert handle.dbapi_connection is creator.made[2]
    assert pool.checkedin() == 1


def test_status_reports_the_counts() -> None:
    """status() gives size, overflow, idle and checked-out counts in one line."""
    pool, _, _ = fake_pool(pool_size=1, max_overflow=2, logging_name="main")
    a, b = pool.connect(), pool.connect()
    assert pool.status() == "QueuePool main: size 1, overflow 1 of 2, 0 idle, 2 checked out"
    a.close()
    b.close()
    assert pool.size() == 1 and "1 idle, 0 checked out" in pool.status()


def test_logs_connection_events_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """Opening and closing connections is logged on the corral.pool logger at debug level."""
    pool, _, _ = fake_pool(logging_name="logged")
    with caplog.at_level(logging.DEBUG, logger="corral.pool"):
        with pool.connect():
            pass
        pool.dispose()
    messages = [record.getMessage() for record in caplog.records if record.name == "corral.pool"]
    assert any(m.startswith("logged: opened FakeConnection") for m in messages)
    assert any(m.startswith("logged: closed FakeConnection") for m in messages)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("pool_size", -1),
        ("pool_size", "5"),
        ("pool_size", True),
        ("max_overflow", -2),
        ("timeout", -1),
        ("timeout", "30"),
        ("recycle", "3600"),
        ("pre_ping", 1),
        ("use_lifo", "yes"),
    ],
)
def test_bad_arguments_are_refused(option: str, value: object) -> None:
    """A wrong-typed or out-of-range option raises ArgumentError naming it."""
    with pytest.raises(ArgumentError, match=option):
        options: dict[str, Any] = {option: value}
        QueuePool(FakeCreator(), dialect=FakeDialect(), **options)


def test_dialect_without_the_pool_methods_is_refused() -> None:
    """A dialect missing do_ping, do_rollback, do_close or is_disconnect is refused at once."""
    with pytest.raises(ArgumentError, match="do_ping"):
        QueuePool(FakeCreator(), dialect=object())  # type: ignore[arg-type]


def test_unlimited_overflow() -> None:
    """max_overflow=-1 opens as many connections as are asked for."""
    pool, creator, _ = fake_pool(pool_size=1, max_overflow=-1, timeout=0)
    held: list[PoolConnection] = [pool.connect() for _ in range(20)]
    assert len(creator.made) == 20
    for handle in held:
        handle.close()
    assert pool.checkedin() == 1
