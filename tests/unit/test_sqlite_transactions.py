"""SQLite's transaction modes: which statements begin a transaction, and the options."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from corral import (
    DeclarativeBase,
    Mapped,
    Session,
    create_engine,
    exc,
    mapped_column,
    select,
    text,
)
from corral.engine.engine import Engine


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


class _Recorder(logging.Handler):
    def __init__(self, statements: list[str]) -> None:
        super().__init__(logging.INFO)
        self.statements = statements

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("["):
            self.statements.append(message)


@pytest.fixture
def sent(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """The statements the engine sends from here on (parameters left out)."""
    statements: list[str] = []
    handler = _Recorder(statements)
    logger = logging.getLogger("corral.engine")
    logger.addHandler(handler)
    with caplog.at_level(logging.INFO, logger="corral.engine"):
        yield statements
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("SELECT 1", False),
        ("  (SELECT 1) UNION SELECT 2", False),
        ("-- a comment\nselect 1", False),
        ("/* a comment */ VALUES (1)", False),
        ("EXPLAIN QUERY PLAN SELECT 1", False),
        ("PRAGMA table_info(notes)", False),
        ("PRAGMA user_version = 3", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", False),
        ("WITH a AS (SELECT 1) DELETE FROM notes WHERE id IN a", True),
        ("INSERT INTO notes VALUES (1, 'a')", True),
        ("REPLACE INTO notes VALUES (1, 'a')", True),
        ("CREATE TABLE x (id INTEGER)", True),
        ("SAVEPOINT x", True),
    ],
)
def test_text_that_writes_begins_the_transaction(sql: str, writes: bool) -> None:
    """SQL text counts as a write unless it is a SELECT, VALUES, EXPLAIN or read-only PRAGMA."""
    from corral.dialects.sqlite.base import text_writes

    assert text_writes(sql) is writes


def test_read_only_session_sends_only_its_selects(engine: Engine, sent: list[str]) -> None:
    """A session that only reads sends its SELECTs: no BEGIN, no COMMIT (2 statements, not 4)."""
    with Session(engine) as session:
        session.scalars(select(Note)).all()
        session.execute(text("SELECT count(*) FROM notes")).scalar()
        assert session.in_transaction()
        session.commit()
    assert sent == [
        "SELECT notes.id, notes.body FROM notes",
        "SELECT count(*) FROM notes",
    ]


def test_first_write_begins_immediate(engine: Engine, sent: list[str]) -> None:
    """The first write sends BEGIN IMMEDIATE; reads after it run inside the transaction."""
    with Session(engine) as session:
        session.scalars(select(Note)).all()
        session.add(Note(id=1, body="a"))
        session.flush()
        session.scalars(select(Note)).all()
        session.commit()
    assert sent == [
        "SELECT notes.id, notes.body FROM notes",
        "BEGIN IMMEDIATE",
        "INSERT INTO notes (id, body) VALUES (?, ?)",
        "SELECT notes.id, notes.body FROM notes",
        "COMMIT",
    ]
    with Session(engine) as session:
        assert session.scalars(select(Note.body)).all() == ["a"]


def test_savepoint_begins_the_write_transaction(engine: Engine, sent: list[str]) -> None:
    """begin_nested() needs a database transaction: BEGIN IMMEDIATE, then SAVEPOINT."""
    with Session(engine) as session:
        session.scalars(select(Note)).all()
        with session.begin_nested():
            session.add(Note(id=1, body="a"))
        session.rollback()
    assert sent[:3] == [
        "SELECT notes.id, notes.body FROM notes",
        "BEGIN IMMEDIATE",
        "SAVEPOINT corral_sp_1",
    ]
    assert sent[-1] == "ROLLBACK"
    with Session(engine) as session:
        assert session.scalars(select(Note)).all() == []


def test_memory_database_sessions_share_the_connection(engine: Engine) -> None:
    """On sqlite:// two sessions of one thread share the one connection and its transaction
    (pool/shared.py): the second reads what the first flushed; another thread may not."""
    with Session(engine) as writer:
        writer.add(Note(id=1, body="a"))
        writer.commit()
    with Session(engine) as first, Session(engine) as second:
        assert first.scalars(select(Note.body)).all() == ["a"]
        assert second.scalars(select(Note.body)).all() == ["a"]
        note = first.get(Note, 1)
        assert note is not None
        note.body = "b"
        first.flush()  # first's transaction now holds the one shared connection
        assert second.scalars(select(Note.body)).all() == ["b"]  # one connection, one view
        refused: list[BaseException] = []

        def read_elsewhere() -> None:
            with Session(engine) as other:
                try:
                    other.scalars(select(Note.body)).all()
                except exc.InvalidRequestError as error:
                    refused.append(error)

        thread = threading.Thread(target=read_elsewhere)
        thread.start()
        thread.join()
        assert len(refused) == 1 and "another thread began" in str(refused[0])
        first.commit()


@pytest.mark.parametrize("mode", ["deferred", "immediate"])
def test_other_modes_begin_with_the_first_statement(mode: str, sent: list[str]) -> None:
    """sqlite_begin="deferred" / "immediate": BEGIN (or BEGIN IMMEDIATE) before the first read."""
    engine = create_engine("sqlite://", sqlite_begin=mode)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        connection.commit()
    engine.dispose()
    begin = "BEGIN" if mode == "deferred" else "BEGIN IMMEDIATE"
    assert sent == [begin, "SELECT 1", "COMMIT"]


def test_unknown_begin_mode_is_refused() -> None:
    """sqlite_begin takes on_write, deferred or immediate; anything else raises naming them."""
    with pytest.raises(exc.ArgumentError, match=r"sqlite_begin='exclusive'.*'on_write'"):
        create_engine("sqlite://", sqlite_begin="exclusive")
    with pytest.raises(exc.ArgumentError, match=r"sqlite_begin_immediate.*sqlite_begin"):
        create_engine("sqlite://", sqlite_begin_immediate=True)
