"""The pool under threads (never one connection in two hands, exact counts) and after fork."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.exc import ResourceClosedError, TimeoutError
from corral.pool import Pool, QueuePool, StaticPool
from tests.unit.test_pool_helpers import SqliteCreator, SqliteDialect

THREADS = 8
CHECKOUTS_PER_THREAD = 500


class ExclusiveUseDetector:
    """Notes which thread holds each DB-API connection and counts overlapping holds."""

    def __init__(self) -> None:
        self._owners: dict[Any, int] = {}
        self._lock = threading.Lock()
        self.violations = 0

    def take(self, connection: Any) -> bool:
        """Claim the connection for this thread; False (and a violation) if another holds it."""
        with self._lock:
            if connection in self._owners:
                self.violations += 1
                return False
            self._owners[connection] = threading.get_ident()
            return True

    def give_back(self, connection: Any) -> None:
        with self._lock:
            if self._owners.get(connection) == threading.get_ident():
                del self._owners[connection]


class Planned(Exception):
    """An exception a worker raises on purpose while holding a connection."""


class Outcome:
    """What the workers saw, gathered across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.unexpected: list[BaseException] = []
        self.dirty_checkouts = 0
        self.checkouts = 0


def work(pool: Pool, detector: ExclusiveUseDetector, outcome: Outcome, seed: int, n: int) -> None:
    """Check out n times, leaving transactions open, raising and invalidating at random."""
    rng = random.Random(seed)
    for _ in range(n):
        try:
            with pool.connect() as handle:
                connection: sqlite3.Connection = handle.dbapi_connection
                if not detector.take(connection):
                    # Using a sqlite3 connection from two threads at once can crash the
                    # interpreter, so a shared one is reported and left alone.
                    continue
                try:
                    with outcome.lock:
                        outcome.checkouts += 1
                        outcome.dirty_checkouts += connection.in_transaction
                    roll = rng.random()
                    # A transaction that is never committed or rolled back by the worker.
                    connection.execute("BEGIN")
                    connection.execute("SELECT count(*) FROM t").fetchall()
                    if roll < 0.3:
                        time.sleep(0.0002)
                    if roll < 0.1:
                        raise Planned
                    if roll < 0.13:
                        detector.give_back(connection)
                        handle.invalidate()
                finally:
                    detector.give_back(connection)
        except Planned:
            pass
        except BaseException as error:
            with outcome.lock:
                outcome.unexpected.append(error)


def run_workers(pool: Pool, detector: ExclusiveUseDetector, n: int) -> Outcome:
    outcome = Outcome()
    threads = [
        threading.Thread(target=work, args=(pool, detector, outcome, seed, n))
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.fixture
def creator(tmp_path: Path) -> Iterator[SqliteCreator]:
    made = SqliteCreator(tmp_path / "stress.db")
    with sqlite3.connect(made.path) as setup:
        setup.execute("CREATE TABLE t (x INTEGER)")
    setup.close()
    yield made
    made.close_all()


def test_threads_never_share_a_connection_and_counts_stay_exact(creator: SqliteCreator) -> None:
    """8 threads x 500 checkouts with errors and open transactions end with nothing out."""
    dialect = SqliteDialect()
    pool = QueuePool(creator, dialect=dialect, pool_size=3, max_overflow=2, timeout=10)
    detector = ExclusiveUseDetector()
    outcome = run_workers(pool, detector, CHECKOUTS_PER_THREAD)
    assert outcome.unexpected == []
    assert outcome.checkouts == THREADS * CHECKOUTS_PER_THREAD
    assert detector.violations == 0
    assert outcome.dirty_checkouts == 0
    assert (pool.checkedout(), pool.overflow()) == (0, 0)
    closed = {id(connection) for connection in dialect.closed}
    still_open = [connection for connection in creator.made if id(connection) not in closed]
    assert len(still_open) == pool.checkedin() <= 3
    pool.dispose()
    assert len(dialect.closed) == len(creator.made)


def test_control_detector_catches_a_pool_that_shares_connections(creator: SqliteCreator) -> None:
    """Control: the detector flags StaticPool, which hands one connection to every thread."""
    pool = StaticPool(creator, dialect=SqliteDialect())
    detector = ExclusiveUseDetector()
    run_workers(pool, detector, 100)
    assert detector.violations > 0
    pool.dispose()


def test_contended_timeout_leaves_counts_exact(creator: SqliteCreator) -> None:
    """Threads timing out on a 1+0 pool leave it with nothing checked out."""
    pool = QueuePool(creator, dialect=SqliteDialect(), pool_size=1, max_overflow=0, timeout=0.01)
    timeouts: list[int] = []

    def hold_briefly() -> None:
        for _ in range(20):
            try:
                with pool.connect():
                    time.sleep(0.002)
            except TimeoutError:
                timeouts.append(1)

    threads = [threading.Thread(target=hold_briefly) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pool.checkedout() == 0 and pool.checkedin() == 1
    assert len(creator.made) == 1
    pool.dispose()


def fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns when forking with other threads alive; none of ours are.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def is_closed(connection: sqlite3.Connection) -> bool:
    try:
        _ = connection.total_changes
    except sqlite3.ProgrammingError:
        return True
    return False


def child_checks(
    pool: Pool, dialect: SqliteDialect, parents: list[sqlite3.Connection], held: Any
) -> int:
    """Run in the forked child; the exit code says which check failed (0: none)."""
    with pool.connect() as handle:
        own = handle.dbapi_connection
        if any(own is parent for parent in parents):
            return 1
    if held.is_valid:
        return 6
    try:
        _ = held.dbapi_connection
    except ResourceClosedError:
        pass
    else:
        return 7
    held.close()  # a checkout the parent made, returned in the child
    if any(is_closed(parent) for parent in parents):
        return 2
    if pool.checkedout() != 0:
        return 3
    pool.dispose()
    if any(closed is parent for closed in dialect.closed for parent in parents):
        return 4
    if not is_closed(own):
        return 5
    return 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("pool_class", [QueuePool, StaticPool])
def test_forked_child_opens_its_own_connections(
    creator: SqliteCreator, pool_class: type[Pool]
) -> None:
    """After fork the child gets new connections and leaves the parent's unclosed."""
    dialect = SqliteDialect()
    pool = pool_class(creator, dialect=dialect)
    if isinstance(pool, QueuePool):
        with pool.connect() as handle:
            idle = handle.dbapi_connection
        held = pool.connect()
        parents = [idle, held.dbapi_connection]
    else:
        held = pool.connect()
        parents = [held.dbapi_connection]
    pid = fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 99
        try:
            code = child_checks(pool, dialect, parents, held)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    held.close()
    assert not any(is_closed(parent) for parent in parents)
    with pool.connect() as handle:
        assert handle.dbapi_connection is parents[0]
    pool.dispose()
