"""session.stats and engine.stats: exact counts of statements, round trips, rows and loads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from corral import Engine, ForeignKey, Integer, String, exc, select, text
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from corral.orm.session.retry import run_transaction
from tests.integration.orm_models import recorded_sql


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "stats_shelf"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
    books: Mapped[list[Book]] = relationship(back_populates="shelf")


class Book(Base):
    __tablename__ = "stats_book"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("stats_shelf.id"))
    shelf: Mapped[Shelf] = relationship(back_populates="books")


# What a get in a fresh session, then close, costs: (statements, round trips).
# SQLite reads without BEGIN (the dialect begins at the first write); PostgreSQL sends
# BEGIN in one pipeline with the SELECT; MariaDB sends no BEGIN (with autocommit off the
# server opens the transaction at the SELECT). The close rolls back the read transaction
# (the pool's reset) on the two servers, written without waiting for its answer, which
# the next checkout reads: a statement, no round trip.
GET_THEN_CLOSE = {"sqlite": (1, 1), "postgresql": (3, 1), "mysql": (2, 1)}
# add one row, commit: BEGIN (not sent on MariaDB), INSERT, COMMIT; on PostgreSQL the
# three go in one pipeline (the commit's flush is one INSERT: the COMMIT goes with it).
INSERT_ONE = {"sqlite": (3, 3), "postgresql": (3, 1), "mysql": (2, 2)}
# add three rows of one table, flush: BEGIN (not sent on MariaDB) and one executemany.
FLUSH_THREE = {"sqlite": (2, 2), "postgresql": (2, 1), "mysql": (1, 1)}


def _shelves(engine: Engine, count: int = 3) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Shelf(id=i, name=f"s{i}") for i in range(1, count + 1)])
        session.commit()


def _pair(counts: dict[str, Any]) -> tuple[int, int]:
    return counts["statements"], counts["round_trips"]


def test_get_in_a_fresh_session_counts_exactly(engine: Engine, backend: str) -> None:
    """A get then close: exact statements, round trips, rows and objects, per database."""
    _shelves(engine)
    engine.stats.reset()
    with recorded_sql() as sql, Session(engine) as session:
        shelf = session.get(Shelf, 2)
        assert shelf is not None and shelf.name == "s2"
        assert session.stats.identity_map_size == 1
    counts = session.stats.as_dict()
    assert _pair(counts) == GET_THEN_CLOSE[backend]
    assert counts["rows_fetched"] == 1
    assert counts["objects_loaded"] == 1
    assert counts["flushes"] == 0
    assert counts["db_time"] > 0
    assert [s.split()[0] for s in sql if s.split()[0] in ("BEGIN", "SELECT")] == (
        ["SELECT"] if backend == "sqlite" else ["BEGIN", "SELECT"]
    )
    engine_counts = engine.stats.as_dict()
    assert _pair(engine_counts) == GET_THEN_CLOSE[backend]
    assert engine_counts["rows_fetched"] == 1


def test_flush_of_three_rows_is_one_executemany(engine: Engine, backend: str) -> None:
    """Three new rows of one table: one flush, one executemany (after BEGIN), read back."""
    Base.metadata.create_all(engine)
    with recorded_sql() as sql, Session(engine) as session:
        session.add_all([Shelf(id=i, name=f"s{i}") for i in (1, 2, 3)])
        session.flush()
        flushed = session.stats.as_dict()
        session.commit()
    assert _pair(flushed) == FLUSH_THREE[backend]
    assert flushed["flushes"] == 1
    assert [s.split()[0] for s in sql] == [sql[0].split()[0], "INSERT", "COMMIT"]
    assert session.stats.round_trips == FLUSH_THREE[backend][1] + 1  # and the COMMIT
    with Session(engine) as session:
        assert session.scalars(select(Shelf.name).order_by(Shelf.id)).all() == ["s1", "s2", "s3"]


def test_single_row_insert_transaction(engine: Engine, backend: str) -> None:
    """Add one object and commit: BEGIN, INSERT, COMMIT, and their round trips."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Shelf(id=7, name="seven"))
        session.commit()
    assert _pair(session.stats.as_dict()) == INSERT_ONE[backend]
    with Session(engine) as session:
        assert session.get(Shelf, 7) is not None


@pytest.mark.parametrize("workload", ["get_then_close", "insert_one"])
def test_short_transactions_take_at_most_two_round_trips(
    engine: Engine, backend: str, workload: str
) -> None:
    """Issue 20's promise: a short read, or a one-row insert, is at most two round trips."""
    if backend == "sqlite":
        pytest.skip("SQLite runs in the process: no network round trips to bound")
    _shelves(engine)
    with Session(engine) as session:
        if workload == "get_then_close":
            assert session.get(Shelf, 1) is not None
        else:
            session.add(Shelf(id=10, name="ten"))
            session.commit()
    assert session.stats.round_trips <= 2


def test_control_with_begin_on_its_own_a_get_takes_three_round_trips(
    engine: Engine, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the bound above: with BEGIN sent on its own (no pipeline on PostgreSQL,
    an explicit BEGIN on MariaDB) and the ROLLBACK at close waited for, the same
    get-then-close counts three round trips, so the bound is not vacuous."""
    if backend == "sqlite":
        pytest.skip("SQLite runs in the process: no network round trips to bound")
    _shelves(engine)
    monkeypatch.setattr(type(engine.dialect), "begins_with_statement", lambda self: False)
    # and the ROLLBACK at close waited for, as the drivers' own rollback() does
    if backend == "postgresql":
        monkeypatch.setattr(type(engine.dialect), "writes_pipeline_at_once", lambda self: False)
    else:
        monkeypatch.setattr(type(engine.dialect), "resets_without_waiting", lambda self: False)
    with Session(engine) as session:
        assert session.get(Shelf, 1) is not None
    assert _pair(session.stats.as_dict()) == (3, 3)


def test_round_trips_match_the_servers_own_count(make_engine: Callable[..., Engine]) -> None:
    """On MariaDB the server counts the statements it received: the same as ours (each a
    round trip, but the pool's ROLLBACK, whose answer is read at the next checkout)."""
    engine = make_engine(pool_size=1, max_overflow=0)
    if engine.dialect.name != "mysql":
        pytest.skip("MariaDB's Questions counter is the server-side check")
    _shelves(engine)

    def probe() -> tuple[int, int]:
        """The server's count of statements received, and ours, on the same connection."""
        with engine.connect() as connection:
            row = connection.exec_driver_sql("SHOW SESSION STATUS LIKE 'Questions'").one()
            return int(row[1]), engine.stats.statements

    before, ours_before = probe()
    with Session(engine) as session:
        session.get(Shelf, 1)
    assert (session.stats.statements, session.stats.round_trips) == (2, 1)
    with Session(engine) as session:
        session.add(Shelf(id=11, name="eleven"))
        session.commit()
    assert session.stats.round_trips == 2
    with Session(engine) as session:
        session.add_all([Shelf(id=i, name="x") for i in (12, 13, 14)])
        session.commit()
    assert session.stats.round_trips == 2
    after, ours_after = probe()
    # Between the two readings: the first probe's ROLLBACK, 6 for the sessions, the SHOW.
    assert ours_after - ours_before == 8
    assert after - before == ours_after - ours_before


def test_lazy_loads_are_counted_per_relationship(engine: Engine) -> None:
    """Each lazy load that reaches the database counts under its relationship's name."""
    _shelves(engine)
    with Session(engine) as session:
        session.add_all([Book(id=1, shelf_id=1), Book(id=2, shelf_id=2)])
        session.commit()
    with Session(engine) as session:
        shelves = session.scalars(select(Shelf).order_by(Shelf.id)).all()
        assert [len(s.books) for s in shelves] == [1, 1, 0]
        books = session.scalars(select(Book)).all()
        assert {b.shelf.id for b in books} == {1, 2}  # already in the identity map
        counts = session.stats.as_dict()
    assert counts["lazy_loads"] == {"Shelf.books": 3}
    assert counts["objects_loaded"] == 3 + 2 + 2  # shelves, the books lazily, the books again
    assert counts["identity_map_size"] == 5


def test_reset_and_as_dict(engine: Engine) -> None:
    """reset() zeroes the counts; as_dict() is a copy that later work does not change."""
    _shelves(engine)
    with Session(engine) as session:
        session.get(Shelf, 1)
        snapshot = session.stats.as_dict()
        session.stats.reset()
        assert session.stats.statements == 0 and session.stats.rows_fetched == 0
        session.get(Shelf, 2)
        assert session.stats.rows_fetched == 1
    assert snapshot["rows_fetched"] == 1
    engine.stats.reset()
    assert engine.stats.as_dict()["statements"] == 0
    with Session(engine) as session:
        session.execute(text("SELECT 1")).scalar()
    assert engine.stats.statements >= 1


def test_engine_stats_add_up_over_threads(engine: Engine, backend: str) -> None:
    """Eight threads' gets are all counted in engine.stats: no update is lost."""
    _shelves(engine)
    engine.stats.reset()
    per_thread = 25
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(per_thread):
                with Session(engine) as session:
                    session.get(Shelf, i % 3 + 1)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    statements, trips = GET_THEN_CLOSE[backend]
    counts = engine.stats.as_dict()
    assert (counts["statements"], counts["round_trips"]) == (
        8 * per_thread * statements,
        8 * per_thread * trips,
    )
    assert counts["rows_fetched"] == 8 * per_thread


def test_pool_waits_are_counted(make_engine: Callable[..., Engine]) -> None:
    """A checkout that waits for the only connection counts one wait and its time."""
    engine = make_engine(pool_size=1, max_overflow=0, pool_timeout=10)
    held = engine.connect()
    held.execute(text("SELECT 1")).scalar()
    releaser = threading.Timer(0.2, held.close)
    releaser.start()
    with Session(engine) as session:
        session.execute(text("SELECT 1")).scalar()
        counts = session.stats.as_dict()
    releaser.join()
    assert counts["pool_waits"] == 1
    assert counts["pool_wait_time"] >= 0.1
    assert engine.stats.pool_waits == 1


def test_retries_and_their_causes(engine: Engine) -> None:
    """run_transaction's retries are counted with their cause, on the engine and the session."""
    _shelves(engine)
    engine.stats.reset()
    seen: list[dict[str, Any]] = []

    def work(session: Session) -> None:
        session.get(Shelf, 1)
        seen.append(session.stats.as_dict())
        if len(seen) < 3:
            raise exc.StaleDataError("simulated conflict")

    run_transaction(lambda: Session(engine), work, backoff=lambda attempt: 0.0)
    assert [s["retries"] for s in seen] == [0, 1, 2]
    assert seen[2]["retry_causes"] == {"StaleDataError": 2}
    assert engine.stats.retries == 2
    assert engine.stats.retry_causes == {"StaleDataError": 2}


def test_counting_costs_no_statement(engine: Engine) -> None:
    """Reading the stats sends nothing: the counts do not move while only reading them."""
    _shelves(engine)
    with Session(engine) as session:
        session.get(Shelf, 1)
        first = session.stats.as_dict()
        time.sleep(0)
        assert session.stats.as_dict() == first
