"""Pool.reclaim: a checkout whose owner was garbage collected comes back rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.exc import ArgumentError
from corral.pool import QueuePool
from corral.pool.checkout_site import capture_site
from tests.unit.test_pool_helpers import SqliteCreator, SqliteDialect


@pytest.fixture
def creator(tmp_path: Path) -> Iterator[SqliteCreator]:
    made = SqliteCreator(tmp_path / "reclaim.db")
    yield made
    made.close_all()


def test_reclaim_without_reset_on_return_rolls_back_itself(creator: SqliteCreator) -> None:
    """A pool that does not reset on return still rolls a reclaimed checkout back."""
    dialect = SqliteDialect()
    pool = QueuePool(creator, dialect=dialect, reset_on_return=False)
    handle = pool.connect()
    handle.dbapi_connection.execute("CREATE TABLE t (id INTEGER)")
    handle.dbapi_connection.execute("INSERT INTO t VALUES (1)")  # sqlite3 begins here
    assert handle.dbapi_connection.in_transaction
    pool.reclaim(handle)
    assert dialect.rollbacks == 1
    assert pool.checkedout() == 0
    assert pool.checkedin() == 1
    assert not creator.made[0].in_transaction
    assert creator.made[0].execute("SELECT count(*) FROM t").fetchall() == [(0,)]


def test_reclaim_with_discard_closes_the_connection(creator: SqliteCreator) -> None:
    """``discard=True`` (its session state changed) closes the connection instead of pooling it."""
    dialect = SqliteDialect()
    pool = QueuePool(creator, dialect=dialect)
    handle = pool.connect()
    pool.reclaim(handle, discard=True)
    assert dialect.closed == creator.made
    assert pool.checkedout() == 0
    assert pool.checkedin() == 0


def test_reclaim_while_the_lock_is_held_waits_for_the_next_connect(
    creator: SqliteCreator,
) -> None:
    """Reclaimed under the pool's own lock (a finalizer inside a checkout), the checkout is
    queued, not given back there (which would deadlock); dispose() or connect() finish it."""
    dialect = SqliteDialect()
    pool = QueuePool(creator, dialect=dialect)
    handle = pool.connect()
    with pool._lock:
        pool.reclaim(handle)
    assert pool.checkedout() == 1
    assert dialect.rollbacks == 0
    pool.dispose()
    assert pool.checkedout() == 0
    assert dialect.rollbacks == 1


def test_dispose_close_must_be_a_bool(creator: SqliteCreator) -> None:
    """dispose(close=...) takes True or False only."""
    pool = QueuePool(creator, dialect=SqliteDialect())
    with pytest.raises(ArgumentError, match="close must be True or False"):
        pool.dispose(close=1)  # type: ignore[arg-type]


def test_checkout_site_names_the_corral_entry_point() -> None:
    """A checkout site records the corral function the caller called, and only that one."""
    site = capture_site()  # called from a test: no corral frame below the caller
    assert site.entry is None
    assert site.entry_name() is None
    assert not site.entered_through("orm")
