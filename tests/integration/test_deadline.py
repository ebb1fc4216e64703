"""Session(deadline=...) becomes the database's statement timeout; slow statements are logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from corral import Engine, Integer, String, exc, select, text
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import joined_update, recorded_sql


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "deadline_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(2000))


#: A statement that takes about a second on each database.
SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 4000000) SELECT count(*) FROM c",
    "postgresql": "SELECT 4000000 FROM pg_sleep(1)",
    "mysql": "SELECT 4000000 + SLEEP(1)",
}


def test_a_slow_statement_runs_to_completion_without_a_deadline(
    engine: Engine, backend: str
) -> None:
    """The control: the slow statement finishes when the session has no deadline."""
    with Session(engine) as session:
        assert session.execute(text(SLOW[backend])).scalar() == 4000000
        assert session.stats.deadline_round_trips == 0


def test_a_deadline_cuts_the_slow_statement_off(engine: Engine, backend: str) -> None:
    """With a deadline the database cancels the statement: DeadlineExceeded, not retryable."""
    with Session(engine, deadline=0.2) as session:
        with pytest.raises(exc.DeadlineExceeded) as caught:
            session.execute(text(SLOW[backend])).scalar()
        error = caught.value
        assert isinstance(error, exc.OperationalError)
        assert not isinstance(error, exc.RetryableError)
        assert error.statement == SLOW[backend]
        assert "roll" in str(error) or error.orig is not None
        assert session.stats.statements >= 1  # it reached the database and was cancelled


def test_after_the_deadline_the_transaction_rolls_back_and_nothing_is_sent(
    engine: Engine, backend: str
) -> None:
    """Work done before the cut-off is rolled back; later statements fail without a round trip."""
    Base.metadata.create_all(engine)
    with Session(engine, deadline=0.3) as session:
        session.add(Note(id=1, body="before"))
        session.flush()
        with pytest.raises(exc.DeadlineExceeded):
            session.execute(text(SLOW[backend])).scalar()
        session.rollback()
        trips = session.stats.round_trips
        with pytest.raises(exc.DeadlineExceeded, match="not sent"):
            session.execute(text("SELECT 1")).scalar()
        assert session.stats.round_trips == trips
    with Session(engine) as session:
        assert session.scalars(select(Note)).all() == []


def test_no_extra_round_trip_for_a_deadline_on_single_statements(
    engine: Engine, backend: str
) -> None:
    """A generous deadline costs no round trip on a get and a one-row insert."""
    Base.metadata.create_all(engine)
    costs = []
    for deadline in (None, 60.0):
        with Session(engine, deadline=deadline) as session:
            session.add(Note(id=1, body="x"))
            session.commit()
            assert session.get(Note, 1) is not None
            session.delete(session.get(Note, 1))
            session.commit()
            costs.append(session.stats.round_trips)
            assert session.stats.deadline_round_trips == 0
    assert costs[0] == costs[1]


def test_an_executemany_under_a_deadline(engine: Engine, backend: str) -> None:
    """Under a deadline, three new rows go out as one multi-row INSERT, which carries the
    limit itself; an UPDATE of the three is one statement joined to their values on
    PostgreSQL, an executemany elsewhere: MariaDB pays two round trips."""
    Base.metadata.create_all(engine)
    with recorded_sql() as sql, Session(engine, deadline=60.0) as session:
        notes = [Note(id=i, body=f"n{i}") for i in (1, 2, 3)]
        session.add_all(notes)
        session.commit()
        assert session.stats.deadline_round_trips == 0
        assert [s.split()[0] for s in sql] == [sql[0].split()[0], "INSERT", "COMMIT"]
        # read first: reading an expired attribute autoflushes what was changed before it
        bodies = [note.body for note in notes]
        for note, body in zip(notes, bodies, strict=True):
            note.body = body.upper()
        session.commit()
        extra = session.stats.deadline_round_trips
    assert extra == (2 if backend == "mysql" else 0)
    one_row = "UPDATE deadline_note SET body=? WHERE deadline_note.id = ?"
    joined = joined_update("deadline_note", ["body"], ["id"], ["VARCHAR", "INTEGER"], 3)
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert updates == [joined if backend == "postgresql" else one_row]
    with Session(engine) as session:
        assert session.scalars(select(Note.body).order_by(Note.id)).all() == ["N1", "N2", "N3"]


def test_the_databases_own_statement_timeout_is_deadline_exceeded(
    engine: Engine, backend: str
) -> None:
    """A statement timeout set directly on the server is classified as DeadlineExceeded too."""
    if backend == "sqlite":
        pytest.skip("SQLite has no statement timeout of its own")
    setting = {
        "postgresql": "SET LOCAL statement_timeout = 100",
        "mysql": "SET STATEMENT max_statement_time=0.1 FOR ",
    }[backend]
    with engine.connect() as connection:
        with pytest.raises(exc.DeadlineExceeded):
            if backend == "postgresql":
                connection.exec_driver_sql(setting)
                connection.exec_driver_sql(SLOW[backend])
            else:
                connection.exec_driver_sql(setting + SLOW[backend])
        connection.rollback()


def test_deadline_must_be_positive_seconds(engine: Engine) -> None:
    """A deadline that is not a positive number is refused, naming it."""
    for bad in (0, -1.0, "2", True):
        with pytest.raises(exc.ArgumentError, match=r"deadline=\.\.\.\) must be a number"):
            Session(engine, deadline=bad)  # type: ignore[arg-type]


def test_slow_statements_are_logged_with_parameters_elided(
    make_engine: Callable[..., Engine], backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the threshold a statement is logged to corral.engine.slow, long parameters cut."""
    engine = make_engine(slow_statement_threshold=0.3)
    Base.metadata.create_all(engine)
    long_body = "y" * 1500
    with (
        caplog.at_level(logging.WARNING, logger="corral.engine.slow"),
        Session(engine) as session,
    ):
        session.add(Note(id=1, body=long_body))
        session.commit()  # fast: not logged
        assert caplog.records == []
        session.execute(text(SLOW[backend])).scalar()
        session.execute(
            text("SELECT count(*) FROM deadline_note WHERE body = :b"), {"b": long_body}
        ).scalar()
        assert session.stats.slow_statements == 1
    (record,) = caplog.records
    assert record.name == "corral.engine.slow"
    message = record.getMessage()
    assert SLOW[backend] in message and "threshold 0.300 s" in message
    engine_zero = make_engine(slow_statement_threshold=0)
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="corral.engine.slow"),
        engine_zero.connect() as connection,
    ):
        connection.execute(
            text("SELECT count(*) FROM deadline_note WHERE body = :b"), {"b": long_body}
        ).scalar()
    logged = [r.getMessage() for r in caplog.records]
    assert any("deadline_note" in m for m in logged)
    assert all(long_body not in m for m in logged)
    assert any("..." in m for m in logged if "deadline_note" in m)


def test_slow_statement_threshold_is_checked(make_engine: Callable[..., Engine]) -> None:
    """A negative or non-numeric threshold is refused, naming the option."""
    for bad in (-1, "1"):
        with pytest.raises(exc.ArgumentError, match=r"slow_statement_threshold=\.\.\.\) must be"):
            make_engine(slow_statement_threshold=bad)
