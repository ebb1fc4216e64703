"""On PostgreSQL through psycopg 3 a multi-row INSERT (an executemany of an INSERT, a
flush of many new objects) goes to psycopg's RawCursor with ``$n`` placeholders, written
once per chunk size: psycopg parses none of its thousands of placeholders
(``dialect.native_placeholders``, ``insert_many.execute_many_rows``); under asyncio to
its AsyncRawCursor (``PsycopgAsyncConnection.native_placeholders``,
``async_execute._many_rows``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from corral import URL, Engine, String, event, insert, select
from corral.dialects.postgresql import pipeline
from corral.dialects.postgresql.asyncio import PsycopgAsyncConnection, PsycopgAsyncDialect
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Label(Base):
    __tablename__ = "native_label"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(40))


#: Values that look like placeholders travel as parameters, untouched.
TEXTS = ["%s", "$1", "100%", "%%", "plain"]


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """psycopg 3's dialect, whose native_placeholders gives ``$n``."""
    name: str = request.param
    return name


@pytest.fixture
def raw_executions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(SQL, parameter count) of every execute on a psycopg RawCursor."""
    import psycopg

    seen: list[tuple[str, int]] = []
    original = psycopg.RawCursor.execute

    def execute(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        seen.append((str(query), len(params or ())))
        return original(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.RawCursor, "execute", execute)
    return seen


def test_a_flush_of_many_rows_goes_to_the_raw_cursor(
    engine: Engine, raw_executions: list[tuple[str, int]]
) -> None:
    """2,500 new objects: three multi-row INSERTs (1,000, 1,000, 500 rows) in ``$n``
    form on psycopg's RawCursor (the first with BEGIN in its pipeline); every row as
    given, placeholder-like values included."""
    Base.metadata.create_all(engine)
    texts = [TEXTS[i % len(TEXTS)] for i in range(2500)]
    with Session(engine) as session:
        session.add_all([Label(text=t) for t in texts])
        session.commit()
    sizes = [count for sql, count in raw_executions if sql.startswith("INSERT")]
    assert sizes == [2000, 2000, 1000]  # id (prefetched from the sequence) and text
    assert all(sql.endswith("($1999, $2000)") for sql, _ in raw_executions[:2])
    assert all("%s" not in sql for sql, _ in raw_executions)
    with Session(engine) as session:
        assert list(session.scalars(select(Label.text).order_by(Label.id))) == texts


def test_a_listener_sees_the_sql_as_compiled(
    engine: Engine, raw_executions: list[tuple[str, int]]
) -> None:
    """With a ``before_cursor_execute`` listener the statement goes as compiled, ``%s``
    placeholders and psycopg's own cursor, so the listener reads (and may rewrite) it in
    the form it always had. Control for the test above: no RawCursor then."""
    Base.metadata.create_all(engine)
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def look(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with engine.begin() as connection:
        connection.execute(
            insert(Label.__table__), [{"id": i, "text": t} for i, t in enumerate(TEXTS)]
        )
    assert raw_executions == []
    assert [s for s in seen if s.startswith("INSERT")] == [
        "INSERT INTO native_label (id, text) VALUES " + ", ".join(["(%s, %s)"] * len(TEXTS))
    ]
    with engine.connect() as connection:
        rows = connection.execute(select(Label.text).order_by(Label.id)).scalars().all()
    assert rows == TEXTS


@pytest.fixture
def async_raw_executions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(SQL, parameter count) of every statement run on a psycopg AsyncRawCursor: by its
    ``execute``, or written with BEGIN in one pipeline (``pipeline.exchange``)."""
    import psycopg

    seen: list[tuple[str, int]] = []
    original = psycopg.AsyncRawCursor.execute
    exchange = pipeline.exchange

    async def execute(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        seen.append((str(query), len(params or ())))
        return await original(self, query, params, **kwargs)

    def exchanged(cursor: Any, controls: Any, sql: str, args: Any, *more: Any) -> Any:
        if type(cursor) is psycopg.AsyncRawCursor:
            seen.append((sql, len(args or ())))
        return exchange(cursor, controls, sql, args, *more)

    monkeypatch.setattr(psycopg.AsyncRawCursor, "execute", execute)
    monkeypatch.setattr(pipeline, "exchange", exchanged)
    return seen


def _async_insert(url: URL, texts: list[str], bulk: bool) -> list[str]:
    """``texts`` added as new objects (``bulk``: as dicts by ORM bulk INSERT) and
    committed by an AsyncSession; the texts read back."""

    async def main() -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with AsyncSession(engine) as session:
                if bulk:
                    await session.execute(insert(Label), [{"text": t} for t in texts])
                else:
                    session.add_all([Label(text=t) for t in texts])
                await session.commit()
            async with AsyncSession(engine) as session:
                return list(await session.scalars(select(Label.text).order_by(Label.id)))
        finally:
            await engine.dispose()

    return asyncio.run(main())


@pytest.mark.parametrize("native", [True, False], ids=["raw_cursor", "control"])
@pytest.mark.parametrize("bulk", [False, True], ids=["flush", "orm_bulk_insert"])
def test_asyncio_multi_row_inserts_go_to_the_raw_cursor(
    psycopg_url: URL,
    async_raw_executions: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    native: bool,
    bulk: bool,
) -> None:
    """2,500 rows from an AsyncSession: a flush of new objects (run on the loop) makes the
    same three ``$n`` INSERTs on psycopg's AsyncRawCursor as the sync flush; an ORM bulk
    INSERT of dicts (sync code in a worker thread) makes three of 1,000, 1,000 and 500
    rows (one column each), the first with BEGIN in its pipeline. Every row as given.
    Control: with no native SQL from the driver connection and the dialect, the INSERTs
    go as compiled, on no AsyncRawCursor, with the same rows."""
    if not native:
        monkeypatch.setattr(PsycopgAsyncConnection, "native_placeholders", lambda self, sql: None)
        monkeypatch.setattr(PsycopgAsyncDialect, "native_placeholders", lambda self, sql: None)
    texts = [TEXTS[i % len(TEXTS)] for i in range(2500)]
    assert _async_insert(psycopg_url, texts, bulk) == texts
    inserts = [(sql, count) for sql, count in async_raw_executions if sql.startswith("INSERT")]
    if not native:
        assert inserts == []
        return
    assert [count for _, count in inserts] == ([1000, 1000, 500] if bulk else [2000, 2000, 1000])
    assert all(sql.endswith("($1000)" if bulk else "($1999, $2000)") for sql, _ in inserts[:2])
    assert all("%s" not in sql for sql, _ in async_raw_executions)
