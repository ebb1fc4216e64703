"""MariaDB opens each transaction at its first statement (autocommit off, no BEGIN sent).

What must still hold: a transaction ends at commit, rollback or close even when it only
read (its snapshot does not leak into the next one on the same pooled connection), the
AUTOCOMMIT level really commits each statement and is undone when the connection goes
back to the pool, and a transaction that starts with a SAVEPOINT works. The tests run on
every database; the controls show the anomaly on MariaDB when the protection is removed.
"""

from __future__ import annotations

from typing import Any

import pytest

from corral import Column, Engine, Integer, MetaData, String, Table, select, text, update
from corral.dialects.mysql import base as mysql_base
from corral.orm import Session

from .conftest import EngineFactory

metadata = MetaData()
notes = Table(
    "implicit_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("body", String(20)),
)


def _setup(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(notes.insert(), [{"id": 1, "body": "old"}])


def _read_change_read(engine: Engine, other: Engine) -> tuple[str, str]:
    """Read the row in one transaction, change it from another engine, read it again in a
    new transaction on the same (only) pooled connection."""
    with Session(engine) as session:
        first = session.scalar(select(notes.c.body).where(notes.c.id == 1))
    with other.begin() as connection:
        connection.execute(update(notes).where(notes.c.id == 1).values(body="new"))
    with Session(engine) as session:
        second = session.scalar(select(notes.c.body).where(notes.c.id == 1))
    assert first is not None and second is not None
    return first, second


def test_a_read_transaction_ends_when_its_session_closes(make_engine: EngineFactory) -> None:
    """The second read sees the committed change: the first read's transaction (and, at
    REPEATABLE READ, its snapshot) ended when the session closed."""
    engine = make_engine(pool_size=1, max_overflow=0)
    _setup(engine)
    assert _read_change_read(engine, make_engine()) == ("old", "new")


def test_control_without_the_mark_the_snapshot_leaks(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: PyMySQL's server status is not refreshed by a result set, so without the
    connection's own mark the pool's reset skips the ROLLBACK after a read, and the next
    transaction reads the old snapshot."""
    engine = make_engine(pool_size=1, max_overflow=0)
    if engine.dialect.name != "mysql":
        pytest.skip("MariaDB is where the server opens the transaction by itself")
    _setup(engine)

    def begin_without_mark(self: Any, dbapi_connection: Any, begin_sql: str) -> None:
        assert not getattr(dbapi_connection, mysql_base.IMPLICIT_MARK, False)

    monkeypatch.setattr(type(engine.dialect), "begin_implicitly", begin_without_mark)
    assert _read_change_read(engine, make_engine()) == ("old", "old")


def test_autocommit_level_commits_each_statement_then_is_undone(
    make_engine: EngineFactory,
) -> None:
    """AUTOCOMMIT on one connection: another sees its insert without a commit. Given back,
    the same pooled connection runs transactions again: a rolled-back insert is gone."""
    engine = make_engine(pool_size=1, max_overflow=0)
    _setup(engine)
    reader = make_engine()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(notes.insert(), {"id": 2, "body": "auto"})
        with reader.connect() as other:
            assert other.scalar(select(notes.c.body).where(notes.c.id == 2)) == "auto"
    with engine.connect() as connection:
        assert connection.get_isolation_level() != "AUTOCOMMIT"
        connection.execute(notes.insert(), {"id": 3, "body": "undone"})
        connection.rollback()
    with reader.connect() as other:
        assert other.scalars(select(notes.c.id).order_by(notes.c.id)).all() == [1, 2]


def test_engine_wide_autocommit(make_engine: EngineFactory) -> None:
    """create_engine(isolation_level="AUTOCOMMIT"): every statement commits by itself."""
    engine = make_engine(isolation_level="AUTOCOMMIT")
    _setup(engine)
    with engine.connect() as connection:
        connection.execute(notes.insert(), {"id": 2, "body": "auto"})
        with make_engine().connect() as other:
            assert other.scalar(select(notes.c.body).where(notes.c.id == 2)) == "auto"


def test_a_transaction_that_starts_with_a_savepoint(make_engine: EngineFactory) -> None:
    """begin_nested() first: the savepoint's rollback keeps the outer work, which commits."""
    engine = make_engine(pool_size=1, max_overflow=0)
    _setup(engine)
    with engine.connect() as connection:
        savepoint = connection.begin_nested()
        connection.execute(notes.insert(), {"id": 2, "body": "inner"})
        savepoint.rollback()
        connection.execute(notes.insert(), {"id": 3, "body": "outer"})
        connection.commit()
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM implicit_notes ORDER BY id")).scalars()
        assert ids.all() == [1, 3]
