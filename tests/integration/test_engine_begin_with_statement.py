"""On PostgreSQL, BEGIN travels with a transaction's first statement (one round trip); on
MariaDB it is not sent, the server opening the transaction at that statement."""

from __future__ import annotations

from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    exc,
    insert,
    select,
    update,
)
from tests.integration.orm_models import recorded_sql

metadata = MetaData()
items = Table("pipelined_items", metadata, Column("id", Integer, primary_key=True))


def test_begin_goes_out_with_the_first_statement_only(
    engine: Engine, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata.create_all(engine)
    dialect: Any = engine.dialect
    sent: list[tuple[str, str]] = []
    original = dialect.do_execute_after_begin

    def spy(
        dbapi: Any, cursor: Any, begin_sql: str, sql: str, args: Any, many: bool, *rest: Any
    ) -> None:
        sent.append((begin_sql, sql.split(maxsplit=1)[0]))
        original(dbapi, cursor, begin_sql, sql, args, many, *rest)

    monkeypatch.setattr(dialect, "do_execute_after_begin", spy)
    with engine.connect() as connection, recorded_sql() as sql:
        connection.execute(insert(items), {"id": 1})
        connection.execute(insert(items), {"id": 2})
        assert connection.execute(select(items.c.id)).scalars().all() == [1, 2]
        connection.commit()
    begin = "BEGIN IMMEDIATE" if backend == "sqlite" else "BEGIN"  # SQLite: the write lock
    assert sql[:2] == [begin, "INSERT INTO pipelined_items (id) VALUES (?)"]
    if backend == "sqlite":
        assert sent == []  # BEGIN is its own call where the driver cannot pipeline
    else:  # pipelined (PostgreSQL) or not sent, the server beginning by itself (MariaDB)
        assert sent == [("BEGIN", "INSERT")]  # later statements go out alone


def test_a_failing_first_statement_still_leaves_a_transaction_to_roll_back(
    engine: Engine,
) -> None:
    metadata.create_all(engine)
    with engine.connect() as connection:
        connection.execute(insert(items), {"id": 1})
        connection.commit()
        with pytest.raises(exc.IntegrityError):
            connection.execute(insert(items), {"id": 1})  # opens the transaction and fails
        assert connection.in_transaction()
        connection.rollback()
        connection.execute(insert(items), {"id": 2})
        connection.commit()
        assert connection.execute(select(items.c.id)).scalars().all() == [1, 2]


def test_the_first_statement_reads_as_its_own_result(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL BEGIN runs on the first statement's own cursor (none made for it alone);
    what that cursor reports afterwards (rows, rowcount) is the statement's. An executemany
    keeps a cursor of its own for BEGIN: its counts stay whole."""
    metadata.create_all(engine)
    calls: list[tuple[Any, str]] = []  # the cursors kept: no id reused
    # psycopg's cursors are spied on; psycopg2's (C types) cannot be, and it sends BEGIN in
    # the text of the statement itself, on its cursor.
    spied = engine.dialect.driver == "psycopg"
    if spied:
        import psycopg

        def spy(method: Any) -> Any:
            def record(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                calls.append((cursor, str(query).split(maxsplit=1)[0]))
                return method(cursor, query, *args, **kwargs)

            return record

        from corral.dialects.postgresql import pipeline

        def spy_exchange(cursor: Any, controls: Any, sql: str, args: Any) -> Any:
            calls.extend((cursor, str(text).split(maxsplit=1)[0]) for text in (*controls, sql))
            return exchange(cursor, controls, sql, args)

        exchange = pipeline.exchange  # BEGIN and the statement written at once (one cursor)
        monkeypatch.setattr(pipeline, "exchange", spy_exchange)
        monkeypatch.setattr(psycopg.Cursor, "execute", spy(psycopg.Cursor.execute))
        monkeypatch.setattr(psycopg.Cursor, "executemany", spy(psycopg.Cursor.executemany))
    with engine.connect() as connection:
        inserted = connection.execute(insert(items).returning(items.c.id), {"id": 7})
        assert inserted.scalars().all() == [7]
        connection.commit()
        connection.execute(insert(items), [{"id": 8}, {"id": 9}])
        connection.commit()
        moved = (
            update(items).where(items.c.id == bindparam("old_id")).values(id=bindparam("new_id"))
        )
        many = connection.execute(moved, [{"old_id": 8, "new_id": 18}, {"old_id": 9, "new_id": 19}])
        assert many.rowcount == 2
        connection.commit()
        assert connection.execute(select(items.c.id)).scalars().all() == [7, 18, 19]
        connection.commit()
    if spied:
        cursors = {cursor: f"c{n}" for n, cursor in enumerate(dict.fromkeys(c for c, _ in calls))}
        assert [(cursors[c], word) for c, word in calls] == [
            ("c0", "BEGIN"), ("c0", "INSERT"),  # one cursor: BEGIN and INSERT ... RETURNING
            ("c1", "BEGIN"), ("c1", "INSERT"),  # the two rows in one INSERT
            ("c2", "BEGIN"), ("c3", "UPDATE"),  # an executemany: a cursor of its own for BEGIN
            ("c4", "BEGIN"), ("c4", "SELECT"),
        ]  # fmt: skip
