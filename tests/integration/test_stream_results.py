"""``stream_results=True`` / ``max_row_buffer``: a server-side cursor on PostgreSQL (psycopg
named cursor) and MariaDB (PyMySQL unbuffered cursor), SQLite's own cursor, rows fetched in
rounds of ``max_row_buffer``, through Core and the ORM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    Mapped,
    Result,
    Session,
    String,
    exc,
    mapped_column,
    select,
    text,
)
from tests.integration.orm_models import recorded_sql

#: The cursor class each database's streamed result reads from.
#: The streaming cursor's class by driver (psycopg2's: corral's named-cursor subclass).
STREAMING_CURSOR = {
    "sqlite3": "Cursor",
    "psycopg": "ServerCursor",
    "psycopg2": "StreamCursor",
    "pymysql": "SSCursor",
}


class StreamBase(DeclarativeBase):
    pass


class Reading(StreamBase):
    __tablename__ = "stream_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def readings(engine: Engine) -> Iterator[Engine]:
    StreamBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Reading(id=i, label=f"r{i}") for i in range(1, 24)])
        session.commit()
    yield engine


def _cursor_name(result: Result) -> str:
    """The class of the DB-API cursor a Core result reads from."""
    return type(result._source.cursor).__name__


def test_orm_select_streams_in_rounds_of_max_row_buffer(
    readings: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """select(Reading).execution_options(stream_results=True, max_row_buffer=10): the same
    SELECT, read through a server-side cursor in rounds of 10; every object arrives."""
    stmt = (
        select(Reading)
        .order_by(Reading.id)
        .execution_options(stream_results=True, max_row_buffer=10)
    )
    made: list[str] = []
    make = readings.dialect.streaming_cursor

    def spy(dbapi_connection: Any) -> Any:
        cursor = make(dbapi_connection)
        made.append(type(cursor).__name__)
        return cursor

    monkeypatch.setattr(readings.dialect, "streaming_cursor", spy)
    with Session(readings) as session, recorded_sql() as statements:
        labels = [r.label for r in session.scalars(stmt).yield_per(10)]
    assert made == [STREAMING_CURSOR[readings.dialect.driver]]
    assert labels == [f"r{i}" for i in range(1, 24)]
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 1
    assert (
        selects[0]
        .replace("`", "")
        .replace('"', "")
        .startswith("SELECT stream_reading.id, stream_reading.label FROM stream_reading ORDER BY")
    )


def test_connection_option_streams_core_rows(readings: Engine) -> None:
    """Connection.execution_options(stream_results=True, max_row_buffer=6): partitions() come
    in rounds of 6 from the streaming cursor, and the connection is usable afterwards."""
    table = Reading.__table__
    with readings.connect() as connection:
        connection.execution_options(stream_results=True, max_row_buffer=6)
        result = connection.execute(select(table.c.id).order_by(table.c.id))
        assert _cursor_name(result) == STREAMING_CURSOR[readings.dialect.driver]
        sizes = [len(part) for part in result.partitions()]
        assert sizes == [6, 6, 6, 5]
        connection.execution_options(stream_results=False)
        assert connection.execute(select(table.c.label).where(table.c.id == 23)).scalar() == "r23"


def test_without_the_option_the_plain_cursor_is_used(readings: Engine) -> None:
    """The control: no stream_results, the driver's ordinary (buffered) cursor."""
    with readings.connect() as connection:
        result = connection.execute(select(Reading.__table__.c.id))
        name = _cursor_name(result)
        result.all()
    assert name not in {"ServerCursor", "SSCursor"}


def test_a_stream_left_half_read_does_not_block_the_session(readings: Engine) -> None:
    """Stopping after the first rows, then closing the result: the next statements run."""
    stmt = (
        select(Reading.id)
        .order_by(Reading.id)
        .execution_options(stream_results=True, max_row_buffer=5)
    )
    with Session(readings) as session:
        result = session.execute(stmt)
        assert [row.id for row in result.fetchmany(3)] == [1, 2, 3]
        result.close()
        session.add(Reading(id=99, label="late"))
        session.commit()
        assert session.scalar(select(Reading.label).where(Reading.id == 99)) == "late"


def test_max_row_buffer_alone_is_refused(readings: Engine) -> None:
    """max_row_buffer without stream_results names the missing option."""
    with Session(readings) as session:
        with pytest.raises(exc.ArgumentError, match="add stream_results=True"):
            session.execute(select(Reading).execution_options(max_row_buffer=3))
        with pytest.raises(exc.ArgumentError, match="positive number of rows, got 0"):
            session.execute(
                select(Reading).execution_options(stream_results=True, max_row_buffer=0)
            )


def test_per_call_options_stream_too(readings: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Session.execute(execution_options=...) and Connection.execute(execution_options=...)
    stream like the statement's own options; text() there is refused, naming the fix."""
    made: list[str] = []
    make = readings.dialect.streaming_cursor

    def spy(dbapi_connection: Any) -> Any:
        cursor = make(dbapi_connection)
        made.append(type(cursor).__name__)
        return cursor

    monkeypatch.setattr(readings.dialect, "streaming_cursor", spy)
    streaming = {"stream_results": True, "max_row_buffer": 4}
    with Session(readings) as session:
        ids = session.scalars(
            select(Reading.id).order_by(Reading.id), execution_options=streaming
        ).all()
    assert ids == list(range(1, 24))
    with readings.connect() as connection:
        result = connection.execute(
            select(Reading.__table__.c.id).order_by(Reading.__table__.c.id),
            execution_options=streaming,
        )
        assert [len(p) for p in result.partitions()] == [4, 4, 4, 4, 4, 3]
        with pytest.raises(exc.ArgumentError, match=r"not to TextClause.*Connection"):
            connection.execute(text("SELECT 1"), execution_options=streaming)
    assert made == [STREAMING_CURSOR[readings.dialect.driver]] * 2
