"""The dialects' insert() upserts: ON CONFLICT (PostgreSQL, SQLite) and ON DUPLICATE KEY
UPDATE (MariaDB/MySQL) through Core, executemany, RETURNING and the ORM; each refused on
the databases it does not belong to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

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
    exc,
    mapped_column,
    select,
)
from corral.dialects import mysql, postgresql, sqlite
from tests.integration.orm_models import dml, recorded_sql

metadata = MetaData()
counters = Table(
    "upsert_counters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(30), nullable=False, unique=True),
    Column("hits", Integer, nullable=False),
)


class UpsertBase(DeclarativeBase):
    pass


class Player(UpsertBase):
    __tablename__ = "upsert_players"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    fullname: Mapped[str | None] = mapped_column(String(60))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    metadata.create_all(engine)
    UpsertBase.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(counters.insert(), [{"id": 1, "name": "a", "hits": 1}])
    yield engine


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(counters).order_by(counters.c.id))]


def _on_conflict_module(engine: Engine) -> Any:
    return postgresql if engine.dialect.name == "postgresql" else sqlite


def test_on_conflict_do_update_executemany(db: Engine) -> None:
    """ON CONFLICT DO UPDATE with several parameter sets updates colliding rows and inserts the
    rest, in one executemany; MariaDB refuses it, naming its own insert()."""
    if db.dialect.name == "mysql":
        stmt = postgresql.insert(counters)
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"hits": 0})
        with db.begin() as conn, pytest.raises(exc.UnsupportedCompilationError, match="mysql"):
            conn.execute(stmt, [{"id": 2, "name": "b", "hits": 1}])
        return
    stmt = _on_conflict_module(db).insert(counters)
    stmt = stmt.on_conflict_do_update(
        index_elements=[counters.c.name],
        set_={"hits": counters.c.hits + stmt.excluded.hits},
    )
    with recorded_sql() as sql, db.begin() as conn:
        conn.execute(
            stmt,
            [{"id": 5, "name": "a", "hits": 10}, {"id": 2, "name": "b", "hits": 3}],
        )
    assert dml(sql) == [
        "INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) ON CONFLICT (name) "
        "DO UPDATE SET hits = upsert_counters.hits + excluded.hits"
    ]
    assert _rows(db) == [(1, "a", 11), (2, "b", 3)]


def test_on_conflict_do_nothing_with_returning(db: Engine) -> None:
    """ON CONFLICT DO NOTHING skips the colliding row; RETURNING gives only the inserted one."""
    if db.dialect.name == "mysql":
        stmt = sqlite.insert(counters).values(id=1, name="a", hits=2).on_conflict_do_nothing()
        with db.begin() as conn, pytest.raises(exc.UnsupportedCompilationError, match="sqlite"):
            conn.execute(stmt)
        return
    module = _on_conflict_module(db)
    with recorded_sql() as sql, db.begin() as conn:
        skipped = conn.execute(
            module.insert(counters)
            .values(id=7, name="a", hits=2)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(counters.c.id)
        ).all()
        added = conn.execute(
            module.insert(counters)
            .values(id=8, name="z", hits=2)
            .on_conflict_do_nothing()
            .returning(counters.c.id)
        ).all()
    assert dml(sql) == [
        "INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING RETURNING id",
        "INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING RETURNING id",
    ]
    assert (skipped, [tuple(r) for r in added]) == ([], [(8,)])
    assert _rows(db) == [(1, "a", 1), (8, "z", 2)]


def test_on_conflict_do_update_where_and_constraint(db: Engine) -> None:
    """DO UPDATE ... WHERE leaves rows the condition rejects alone; PostgreSQL names the
    constraint with ON CONSTRAINT, which SQLite's insert() does not take."""
    if db.dialect.name == "mysql":
        pytest.skip("MariaDB has no ON CONFLICT; its refusal is tested above")
    module = _on_conflict_module(db)
    stmt = module.insert(counters).values(id=9, name="a", hits=50)
    if db.dialect.name == "postgresql":
        target: dict[str, Any] = {"constraint": "upsert_counters_name_key"}
        shown = "ON CONSTRAINT upsert_counters_name_key"
    else:
        with pytest.raises(TypeError, match="index_elements"):
            stmt.on_conflict_do_update(constraint="x", set_={"hits": 0})
        target = {"index_elements": ["name"]}
        shown = "(name)"
    upsert = stmt.on_conflict_do_update(
        **target, set_={"hits": stmt.excluded.hits}, where=counters.c.hits > 5
    )
    with recorded_sql() as sql, db.begin() as conn:
        conn.execute(upsert)
    assert dml(sql) == [
        f"INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) ON CONFLICT "
        f"{shown} DO UPDATE SET hits = excluded.hits WHERE upsert_counters.hits > ?"
    ]
    assert _rows(db) == [(1, "a", 1)]


def test_on_duplicate_key_update_executemany(db: Engine) -> None:
    """ON DUPLICATE KEY UPDATE with stmt.inserted updates the colliding row and inserts the
    new one; PostgreSQL and SQLite refuse MySQL's insert()."""
    stmt = mysql.insert(counters)
    stmt = stmt.on_duplicate_key_update(hits=counters.c.hits + stmt.inserted.hits)
    params = [{"id": 5, "name": "a", "hits": 10}, {"id": 2, "name": "b", "hits": 3}]
    if db.dialect.name != "mysql":
        with db.begin() as conn, pytest.raises(exc.UnsupportedCompilationError, match="mysql"):
            conn.execute(stmt, params)
        return
    with recorded_sql() as sql, db.begin() as conn:
        conn.execute(stmt, params)
    assert dml(sql) == [
        "INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE hits = upsert_counters.hits + VALUES(hits)"
    ]
    assert _rows(db) == [(1, "a", 11), (2, "b", 3)]


def test_on_duplicate_key_update_returning(db: Engine) -> None:
    """MariaDB returns the row an ON DUPLICATE KEY UPDATE inserted, with ordered SET pairs."""
    if db.dialect.name != "mysql":
        pytest.skip("MySQL's insert(); its refusal elsewhere is tested above")
    stmt = mysql.insert(counters).values(id=3, name="c", hits=4)
    stmt = stmt.on_duplicate_key_update([("name", "cc"), ("hits", 0)]).returning(counters.c.id)
    with recorded_sql() as sql, db.begin() as conn:
        rows = conn.execute(stmt).all()
    assert dml(sql) == [
        "INSERT INTO upsert_counters (id, name, hits) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE name = ?, hits = ? RETURNING id"
    ]
    assert [tuple(r) for r in rows] == [(3,)]
    assert _rows(db) == [(1, "a", 1), (3, "c", 4)]


def _orm_upsert(engine: Engine) -> Any:
    if engine.dialect.name == "mysql":
        stmt = mysql.insert(Player)
        return stmt.on_duplicate_key_update(fullname=stmt.inserted.fullname)
    stmt = _on_conflict_module(engine).insert(Player)
    return stmt.on_conflict_do_update(
        index_elements=[Player.name], set_={"fullname": stmt.excluded.fullname}
    )


def test_orm_upsert_by_attribute_names(db: Engine) -> None:
    """session.execute() of an ORM upsert with values() by attribute name updates the existing
    row and inserts the new one; the loaded object refreshes with populate_existing."""
    with Session(db) as session:
        session.add(Player(name="sandy", fullname="Sandy"))
        session.commit()
        sandy = session.scalars(select(Player)).one()
        stmt = _orm_upsert(db).values(
            [{"name": "sandy", "fullname": "Sandy Cheeks"}, {"name": "pat", "fullname": "Patrick"}]
        )
        with recorded_sql() as sql:
            session.execute(stmt)
        assert len(dml(sql)) == 1 and dml(sql)[0].startswith(
            "INSERT INTO upsert_players (name, fullname) VALUES"
        )
        session.commit()
        loaded = session.scalars(
            select(Player).order_by(Player.name), execution_options={"populate_existing": True}
        ).all()
        assert [(p.name, p.fullname) for p in loaded] == [
            ("pat", "Patrick"),
            ("sandy", "Sandy Cheeks"),
        ]
        assert sandy.fullname == "Sandy Cheeks"


def test_orm_upsert_returning_objects(db: Engine) -> None:
    """An ORM upsert with returning(Player) gives Player objects for updated and new rows."""
    with Session(db) as session:
        session.add(Player(name="sandy", fullname="Sandy"))
        session.commit()
        stmt = _orm_upsert(db).values(
            [{"name": "sandy", "fullname": "Sandy C."}, {"name": "pat", "fullname": "Pat"}]
        )
        players = session.scalars(
            stmt.returning(Player), execution_options={"populate_existing": True}
        ).all()
        assert sorted((p.name, p.fullname) for p in players) == [
            ("pat", "Pat"),
            ("sandy", "Sandy C."),
        ]
        assert all(p in session for p in players)


def test_upsert_executemany_returning(db: Engine) -> None:
    """Each database's own upsert with several parameter sets and RETURNING gives one row per
    set, in order: the updated row's id and the new row's."""
    if db.dialect.name == "mysql":
        stmt = mysql.insert(counters)
        stmt = stmt.on_duplicate_key_update(hits=stmt.inserted.hits)
    else:
        stmt = _on_conflict_module(db).insert(counters)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"hits": stmt.excluded.hits}
        )
    with db.begin() as conn:
        rows = conn.execute(
            stmt.returning(counters.c.id, counters.c.hits),
            [{"id": 5, "name": "a", "hits": 9}, {"id": 2, "name": "b", "hits": 3}],
        ).all()
    assert [tuple(r) for r in rows] == [(1, 9), (2, 3)]
    assert _rows(db) == [(1, "a", 9), (2, "b", 3)]
