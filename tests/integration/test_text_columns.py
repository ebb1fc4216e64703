"""Rows of ``text(...).columns(...)`` as SQLAlchemy 2.0 lays them out: every column the SQL
returns, keyed by the cursor's names; declared columns matched by position when all were
given positionally, by name otherwise, and converted by their declared types."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from corral import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    column,
    exc,
    insert,
    select,
    text,
)
from corral.orm import DeclarativeBase, Mapped, Session

WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5)

metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(20)),
    Column("ts", DateTime),
)


class Base(DeclarativeBase):
    pass


class Event(Base):
    __table__ = events
    id: Mapped[int]
    name: Mapped[str]
    ts: Mapped[datetime.datetime]


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The events table on ``engine`` with one row: 1, 'a', ``WHEN``."""
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(events), [{"id": 1, "name": "a", "ts": WHEN}])
    yield engine


def test_a_keyword_type_keeps_the_undeclared_columns(db: Engine) -> None:
    """``columns(id=Integer)`` types one column; the row still has all it returned."""
    with db.connect() as connection:
        result = connection.execute(text("SELECT id, name FROM events").columns(id=Integer))
        assert result.keys() == ["id", "name"]
        row = result.one()
    assert tuple(row) == (1, "a")
    assert row._fields == ("id", "name")
    assert (row.id, row.name) == (1, "a")


def test_declared_types_convert_by_name(db: Engine) -> None:
    """A keyword type converts the column of that name wherever the SQL puts it."""
    on_sqlite_text = text("SELECT ts, name, id FROM events").columns(
        column("id", Integer), ts=DateTime
    )
    with db.connect() as connection:
        row = connection.execute(on_sqlite_text).one()
    assert row._fields == ("ts", "name", "id")
    assert tuple(row) == (WHEN, "a", 1)


def test_mixed_columns_match_objects_by_name(db: Engine) -> None:
    """With a keyword type, a positional column object finds its value by name too."""
    ident = column("id", Integer)
    with db.connect() as connection:
        row = connection.execute(text("SELECT name, id FROM events").columns(ident, name=String))
        found = row.one()
    assert found._mapping[ident] == 1
    assert found._mapping["name"] == "a"


def test_positional_columns_match_by_position_under_the_cursor_names(db: Engine) -> None:
    """All columns positional: matched by position (as SQLAlchemy does), keyed by the SQL's
    names, the extra columns kept untyped."""
    name_first = column("name", String)
    with db.connect() as connection:
        result = connection.execute(
            text("SELECT id, name, ts FROM events").columns(name_first, column("id", Integer))
        )
        assert result.keys() == ["id", "name", "ts"]
        row = result.one()
    assert (row._mapping["id"], row._mapping["name"]) == (1, "a")
    assert row._mapping[name_first] == 1  # position 0, as SQLAlchemy gives it


def test_too_many_positional_columns_warn(db: Engine) -> None:
    """More columns declared than the SQL returns: a warning, the rows as returned."""
    with db.connect() as connection:
        statement = text("SELECT id FROM events").columns(
            column("id", Integer), column("name", String)
        )
        with pytest.warns(exc.SAWarning, match="declares 2 columns but the statement returned 1"):
            result = connection.execute(statement)
        assert result.keys() == ["id"]
        assert result.all() == [(1,)]


def test_a_textual_subquery_selects_its_declared_columns(db: Engine) -> None:
    """``text().columns(...).subquery()`` exposes the declared columns, typed."""
    sub = text("SELECT id, name, ts FROM events").columns(id=Integer, ts=DateTime).subquery("s")
    assert list(sub.c.keys()) == ["id", "ts"]
    with db.connect() as connection:
        result = connection.execute(select(sub))
        assert result.keys() == ["id", "ts"]
        assert result.all() == [(1, WHEN)]


def test_from_statement_loads_by_name_in_any_order(db: Engine) -> None:
    """The ORM reads a textual statement's columns by name, whatever their order."""
    statement = text("SELECT name, ts, id FROM events").columns(Event.name, Event.ts, Event.id)
    with Session(db) as session:
        loaded = session.scalars(select(Event).from_statement(statement)).one()
        assert (loaded.id, loaded.name, loaded.ts) == (1, "a", WHEN)
