"""An INSERT with many parameter sets goes out as multi-row INSERTs, chunked by the bind limit."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral import (
    Column,
    DeclarativeBase,
    Engine,
    Integer,
    Mapped,
    MetaData,
    Session,
    String,
    Table,
    insert,
    mapped_column,
    select,
    text,
)
from corral.dialects import postgresql, sqlite
from corral.engine.insert_many import MAX_ROWS_PER_STATEMENT
from corral.exc import IntegrityError, InvalidRequestError, ProgrammingError
from tests.integration.orm_models import dml, recorded_sql

metadata = MetaData()
notes = Table(
    "imv_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(40), nullable=False),
    Column("size", Integer, default=7),
)


class ManyBase(DeclarativeBase):
    pass


class Card(ManyBase):
    __tablename__ = "imv_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    ManyBase.metadata.create_all(engine)
    yield engine


def _limit_binds(engine: Engine, limit: int) -> None:
    """Give the engine's dialect a smaller bind-parameter limit, to force many chunks."""
    features = engine.dialect.features
    # On this engine's dialect instance only (the class's features are shared).
    engine.dialect.__dict__["features"] = dataclasses.replace(features, max_bind_params=limit)


def _inserts(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("INSERT")]


def _groups(rows: int, width: int) -> str:
    """``(?, ?), (?, ?)``: ``rows`` groups of ``width`` (recorded_sql writes ``?``)."""
    return ", ".join([f"({', '.join(['?'] * width)})"] * rows)


def _insert_sql(rows: int) -> str:
    return f"INSERT INTO imv_notes (id, title, size) VALUES {_groups(rows, 3)}"


def test_core_executemany_is_one_multi_row_insert(tables: Engine) -> None:
    """Three parameter sets: one INSERT of three rows; each row has its set's value and the
    column's Python-side default."""
    engine = tables
    with recorded_sql() as sql, engine.begin() as connection:
        result = connection.execute(insert(notes), [{"title": "a"}, {"title": "b"}, {"title": "c"}])
    assert _inserts(sql) == [f"INSERT INTO imv_notes (title, size) VALUES {_groups(3, 2)}"]
    assert result.rowcount == 3
    with engine.connect() as connection:
        rows = connection.execute(select(notes.c.title, notes.c.size).order_by(notes.c.id)).all()
    assert [tuple(r) for r in rows] == [("a", 7), ("b", 7), ("c", 7)]


def test_chunks_follow_the_bind_limit(tables: Engine) -> None:
    """With room for 10 parameters and 3 per row: chunks of 3 rows, in parameter order."""
    engine = tables
    _limit_binds(engine, 10)
    params = [{"id": i + 1, "title": f"n{i}", "size": i} for i in range(8)]
    with recorded_sql() as sql, engine.begin() as connection:
        assert connection.execute(insert(notes), params).rowcount == 8
    assert _inserts(sql) == [_insert_sql(3), _insert_sql(3), _insert_sql(2)]
    with engine.connect() as connection:
        rows = connection.execute(select(notes).order_by(notes.c.id)).all()
    assert [tuple(r) for r in rows] == [(i + 1, f"n{i}", i) for i in range(8)]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sets=st.integers(1, 60), limit=st.integers(3, 40))
def test_any_batch_size_inserts_every_set_once_in_order(
    tables: Engine, sets: int, limit: int
) -> None:
    """For random set counts and bind limits: ceil(sets / rows per chunk) INSERTs, and the
    table holds exactly the sets, each with its own values."""
    engine = tables
    _limit_binds(engine, limit)
    per_chunk = min(MAX_ROWS_PER_STATEMENT, limit // 3)
    params = [{"id": i + 1, "title": f"t{i}", "size": i * 3} for i in range(sets)]
    with engine.begin() as connection:
        connection.execute(notes.delete())
    with recorded_sql() as sql, engine.begin() as connection:
        assert connection.execute(insert(notes), params).rowcount == sets
    assert len(_inserts(sql)) == math.ceil(sets / per_chunk)
    with engine.connect() as connection:
        rows = connection.execute(select(notes).order_by(notes.c.id)).all()
    assert [tuple(r) for r in rows] == [(p["id"], p["title"], p["size"]) for p in params]


def test_a_failing_chunk_leaves_nothing_after_rollback(tables: Engine) -> None:
    """A duplicate key in the second chunk fails the call; the transaction rolls back whole."""
    engine = tables
    _limit_binds(engine, 6)  # two rows per chunk
    params = [{"id": i, "title": f"x{i}"} for i in (1, 2, 3, 3)]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(notes), params)
    with engine.connect() as connection:
        assert connection.execute(select(notes.c.id)).all() == []


def test_flush_inserts_objects_in_one_statement_with_their_keys(tables: Engine) -> None:
    """A flush of new objects: one multi-row INSERT; each object gets its own row's key."""
    engine = tables
    with Session(engine) as session:
        cards = [Card(label=f"card {i}") for i in range(25)]
        session.add_all(cards)
        with recorded_sql() as sql:
            session.flush()
        inserts = _inserts(sql)
        assert len(inserts) == 1 and inserts[0].count("), (") == 24
        session.commit()
        by_id = dict(session.execute(select(Card.id, Card.label)).tuples().all())
        assert all(by_id[card.id] == card.label for card in cards)
        assert len(by_id) == 25


def test_orm_bulk_insert_uses_multi_row_inserts(tables: Engine) -> None:
    """session.execute(insert(Card), [...]) goes the same way as Core."""
    engine = tables
    _limit_binds(engine, 20)  # one parameter per row on PostgreSQL/MariaDB/SQLite: 20 a chunk
    with Session(engine) as session, recorded_sql() as sql:
        session.execute(insert(Card), [{"label": f"c{i}"} for i in range(50)])
        session.commit()
    assert len(_inserts(sql)) == 3
    with Session(engine) as session:
        labels = session.scalars(select(Card.label).order_by(Card.id)).all()
    assert labels == [f"c{i}" for i in range(50)]


def test_an_upsert_stays_one_statement_per_set(tables: Engine) -> None:
    """ON CONFLICT DO UPDATE whose two sets hit the same row: an executemany of the one-row
    statement, both applied. Control on PostgreSQL: one statement of both rows is refused."""
    engine = tables
    if engine.dialect.name == "mysql":
        pytest.skip("ON CONFLICT is PostgreSQL's and SQLite's (MariaDB's upsert is tested apart)")
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = module.insert(notes)
    stmt = stmt.on_conflict_do_update(
        index_elements=[notes.c.id], set_={"size": notes.c.size + stmt.excluded.size}
    )
    params = [{"id": 1, "title": "a", "size": 1}, {"id": 1, "title": "a", "size": 2}]
    with recorded_sql() as sql, engine.begin() as connection:
        connection.execute(stmt, params)
    assert _inserts(sql) == [  # one executemany of the single-row statement
        "INSERT INTO imv_notes (id, title, size) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET size = imv_notes.size + excluded.size"
    ]
    with engine.connect() as connection:
        assert connection.execute(select(notes.c.size)).scalar_one() == 3
    if engine.dialect.name == "postgresql":
        with pytest.raises(ProgrammingError, match="second time"), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO imv_notes (id, title, size) VALUES (2, 'b', 1), (2, 'b', 2) "
                    "ON CONFLICT (id) DO UPDATE SET size = imv_notes.size + excluded.size"
                )
            )


def _by_key(engine: Engine) -> None:
    if engine.dialect.features.executemany_returning != "multi_values_by_key":
        pytest.skip("the dialect does not order multi-row RETURNING by the generated key")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sets=st.integers(1, 40), limit=st.integers(2, 30), gap=st.integers(0, 5))
def test_returning_rows_come_back_in_parameter_order(
    tables: Engine, sets: int, limit: int, gap: int
) -> None:
    """INSERT ... RETURNING with many sets, chunked at random: one row per set, in parameter
    order, each carrying its own set's values and the key the database gave it."""
    engine = tables
    _by_key(engine)
    _limit_binds(engine, limit)
    with engine.begin() as connection:
        connection.execute(notes.delete())
        if gap:  # keys already taken: new ones start above them
            connection.execute(insert(notes).values(id=gap * 10, title="old"))
    params = [{"title": f"r{i}", "size": i} for i in range(sets)]
    with recorded_sql() as sql, engine.begin() as connection:
        rows = connection.execute(
            insert(notes).returning(notes.c.title, notes.c.id, notes.c.size), params
        ).all()
    assert len(_inserts(sql)) == math.ceil(sets / max(1, limit // 2))
    assert [(r.title, r.size) for r in rows] == [(p["title"], p["size"]) for p in params]
    with engine.connect() as connection:
        stored = dict(connection.execute(select(notes.c.id, notes.c.title)).tuples().all())
    assert all(stored[r.id] == r.title for r in rows)


def test_returning_objects_match_their_rows_in_one_statement(tables: Engine) -> None:
    """insert(Card).returning(Card) with 300 sets: one INSERT, objects in parameter order."""
    engine = tables
    _by_key(engine)
    with Session(engine) as session:
        with recorded_sql() as sql:
            cards = session.scalars(
                insert(Card).returning(Card), [{"label": f"L{i}"} for i in range(300)]
            ).all()
        assert len(_inserts(sql)) == 1
        assert [c.label for c in cards] == [f"L{i}" for i in range(300)]
        pairs = [(c.id, c.label) for c in cards]
        session.commit()
        stored = dict(session.execute(select(Card.id, Card.label)).tuples().all())
    assert all(stored[key] == label for key, label in pairs)


def test_returning_without_the_key_runs_one_statement_per_set(tables: Engine) -> None:
    """RETURNING without the generated key has nothing to order by: one INSERT per set."""
    engine = tables
    _by_key(engine)
    with recorded_sql() as sql, engine.begin() as connection:
        titles = connection.execute(
            insert(notes).returning(notes.c.title), [{"title": "p"}, {"title": "q"}]
        ).scalars()
        assert titles.all() == ["p", "q"]
    assert len(_inserts(sql)) == 2


def test_keys_out_of_sequence_refuse_to_guess_the_order(tables: Engine) -> None:
    """Past the largest key SQLite picks keys at random: the call fails instead of returning
    rows in an unknown order, and the transaction's rows are rolled back."""
    engine = tables
    _by_key(engine)
    with engine.begin() as connection:
        connection.execute(insert(notes).values(id=2**63 - 1, title="last"))
    params = [{"title": f"z{i}"} for i in range(20)]
    with pytest.raises(InvalidRequestError, match="consecutively"), engine.begin() as connection:
        connection.execute(insert(notes).returning(notes.c.id, notes.c.title), params)
    with engine.connect() as connection:
        assert connection.execute(select(notes.c.title)).scalars().all() == ["last"]
