"""On PostgreSQL an UPDATE by key run with many parameter sets (a flush of many changed
objects, a Core executemany of ``update(t).where(t.c.id == bindparam(...))``) is one
UPDATE per chunk joined to the sets as rows of a VALUES list, each value cast to its
column's type (``Compiled.many_update``, engine/update_many.py). Sets that repeat a key,
and other databases, keep the executemany."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import enum
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    JSON,
    URL,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Enum,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
    bindparam,
    exc,
    select,
    update,
)
from corral.dialects.postgresql import ARRAY
from corral.engine import update_many
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import dml, joined_update, recorded_sql


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "many_update_account"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(30))
    balance: Mapped[int] = mapped_column(Integer)


class Ledger(Base):
    """Versioned: each UPDATE also checks the version the session read."""

    __tablename__ = "many_update_ledger"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    total: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class Mood(enum.Enum):
    CALM = "calm"
    TENSE = "tense"


class Sample(Base):
    """A column of each kind of value a joined UPDATE casts."""

    __tablename__ = "many_update_sample"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    seen: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[datetime.date] = mapped_column(Date)
    flag: Mapped[bool] = mapped_column(Boolean)
    mood: Mapped[Mood] = mapped_column(Enum(Mood, name="many_update_mood"))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    token: Mapped[uuid.UUID] = mapped_column(Uuid)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    tags: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    wait: Mapped[datetime.timedelta] = mapped_column(Interval)
    note: Mapped[str | None] = mapped_column(String(20))


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def accounts(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Account(id=i, owner=f"o{i}", balance=i) for i in range(1, 2501)])
        session.commit()
    yield engine


def _joined(rows: int) -> str:
    return joined_update("many_update_account", ["balance"], ["id"], ["INTEGER", "INTEGER"], rows)


ONE_ROW = "UPDATE many_update_account SET balance=? WHERE many_update_account.id = ?"


@pytest.mark.parametrize("joined", [True, False], ids=["joined", "control"])
def test_a_flush_of_many_changed_objects_updates_a_chunk_a_statement(
    accounts: Engine, monkeypatch: pytest.MonkeyPatch, joined: bool
) -> None:
    """2,500 changed objects: three UPDATEs (1,000, 1,000 and 500 rows) joined to their
    values, every row as set. Control: sets that may not be joined run as one executemany
    of the one-row UPDATE, with the same rows afterwards."""
    if not joined:
        monkeypatch.setattr(update_many, "applies", lambda args, keys: False)
    with Session(accounts) as session:
        for account in session.scalars(select(Account)):
            account.balance = account.id * 10
        with recorded_sql() as sql:
            session.commit()
    updates = [s for s in dml(sql) if s.startswith("UPDATE")]
    assert updates == ([_joined(1000), _joined(1000), _joined(500)] if joined else [ONE_ROW])
    with Session(accounts) as session:
        rows = session.execute(select(Account.id, Account.balance).order_by(Account.id)).all()
    assert [tuple(row) for row in rows] == [(i, i * 10) for i in range(1, 2501)]


def test_every_kind_of_value_is_cast_to_its_column(engine: Engine) -> None:
    """Numbers, times, dates, booleans, a native enum, JSON, UUID, bytes, an array, an
    interval and NULL all reach their columns through the VALUES list unchanged."""
    Base.metadata.create_all(engine)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    def sample(i: int) -> Sample:
        return Sample(
            id=i,
            price=decimal.Decimal("1.50"),
            seen=start,
            day=start.date(),
            flag=False,
            mood=Mood.CALM,
            doc={"n": i},
            token=uuid.UUID(int=i),
            blob=b"\x00",
            tags=[i],
            wait=datetime.timedelta(seconds=i),
            note="x",
        )

    def changed(i: int) -> dict[str, Any]:
        return {
            "price": decimal.Decimal(f"{i}.25"),
            "seen": start + datetime.timedelta(days=i),
            "day": datetime.date(2026, 2, i),
            "flag": True,
            "mood": Mood.TENSE,
            "doc": {"n": i, "list": [1, None, "two"]},
            "token": uuid.UUID(int=100 + i),
            "blob": bytes([i, 255]),
            "tags": [i, i + 1],
            "wait": datetime.timedelta(hours=i),
            "note": None,
        }

    with Session(engine) as session:
        session.add_all([sample(i) for i in (1, 2, 3)])
        session.commit()
        for obj in session.scalars(select(Sample)):
            for key, value in changed(obj.id).items():
                setattr(obj, key, value)
        with recorded_sql() as sql:
            session.commit()
    assert [s.split(" FROM (VALUES")[0] for s in dml(sql) if s.startswith("UPDATE")] == [
        "UPDATE many_update_sample SET price=corral_rows.p0, seen=corral_rows.p1, "
        "day=corral_rows.p2, flag=corral_rows.p3, mood=corral_rows.p4, doc=corral_rows.p5, "
        "token=corral_rows.p6, blob=corral_rows.p7, tags=corral_rows.p8, "
        "wait=corral_rows.p9, note=corral_rows.p10"
    ]
    with Session(engine) as session:
        for obj in session.scalars(select(Sample).order_by(Sample.id)):
            assert {key: getattr(obj, key) for key in changed(obj.id)} == changed(obj.id)


def test_a_row_changed_by_another_transaction_raises_and_nothing_is_written(
    engine: Engine,
) -> None:
    """A joined UPDATE of versioned rows checks each row's version: one row bumped by
    another transaction matches nothing, the flush raises StaleDataError, and the other
    rows keep their values after the rollback."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Ledger(id=i, total=0) for i in (1, 2, 3)])
        session.commit()
    with Session(engine) as session:
        ledgers = session.scalars(select(Ledger).order_by(Ledger.id)).all()
        with Session(engine) as other:
            bumped = other.get(Ledger, 2)
            assert bumped is not None
            bumped.total = 99
            other.commit()
        for ledger in ledgers:
            ledger.total = 5
        with recorded_sql() as sql, pytest.raises(exc.StaleDataError, match="matched 2"):
            session.commit()
    assert [s.split(" FROM ")[0] for s in dml(sql) if s.startswith("UPDATE")] == [
        "UPDATE many_update_ledger SET total=corral_rows.p0, version=corral_rows.p1"
    ]
    with Session(engine) as session:
        rows = session.execute(select(Ledger.id, Ledger.total, Ledger.version)).all()
    assert sorted(tuple(row) for row in rows) == [(1, 0, 1), (2, 99, 2), (3, 0, 1)]


def _two_rows(engine: Engine, name: str) -> Table:
    """A Core table ``name`` (id, name) holding (1, "a") and (2, "b")."""
    metadata = MetaData()
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(10)),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    return table


def test_a_core_executemany_joins_its_sets_unless_a_key_repeats(engine: Engine) -> None:
    """``update(t).where(t.c.id == bindparam(...))`` with many sets: joined when each set
    names another row (the rowcount counts the rows matched: a missing key matches
    none); run set by set when a key repeats, so the last set wins as it would."""
    table = _two_rows(engine, "many_update_core")
    statement = update(table).where(table.c.id == bindparam("key")).values(name=bindparam("n"))
    with engine.begin() as connection:
        with recorded_sql() as joined:
            result = connection.execute(
                statement, [{"key": 1, "n": "A"}, {"key": 2, "n": "B"}, {"key": 3, "n": "C"}]
            )
        assert result.rowcount == 2
        with recorded_sql() as repeated:
            result = connection.execute(statement, [{"key": 1, "n": "x"}, {"key": 1, "n": "y"}])
        assert result.rowcount == 2
        rows = connection.execute(select(table).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [(1, "y"), (2, "B")]
    assert [s.split(" FROM ")[0] for s in dml(joined)] == [
        "UPDATE many_update_core SET name=corral_rows.p0"
    ]
    assert dml(repeated) == ["UPDATE many_update_core SET name=? WHERE many_update_core.id = ?"]


def test_asyncio_flush_of_many_changed_objects_is_joined(psycopg_url: URL) -> None:
    """An AsyncSession's flush of changed objects (run on the loop) makes the same joined
    UPDATE on psycopg's asyncio connection."""

    async def main() -> list[tuple[int, int]]:
        engine = create_async_engine(psycopg_url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with AsyncSession(engine) as session:
                session.add_all([Account(id=i, owner="o", balance=0) for i in (1, 2, 3)])
                await session.commit()
            async with AsyncSession(engine) as session:
                for account in await session.scalars(select(Account)):
                    account.balance = account.id + 40
                with recorded_sql() as sql:
                    await session.commit()
            assert [s for s in dml(sql) if s.startswith("UPDATE")] == [_joined(3)]
            async with AsyncSession(engine) as session:
                rows = await session.execute(select(Account.id, Account.balance))
                return sorted(tuple(row) for row in rows)
        finally:
            await engine.dispose()

    assert asyncio.run(main()) == [(1, 41), (2, 42), (3, 43)]


def test_sets_moving_a_key_another_set_looks_for_run_in_order(engine: Engine) -> None:
    """An executemany whose SET changes the column its WHERE compares is never joined:
    set by set, the row moved to key 5 by the first set is found by the second, as one
    statement per set finds it (joined, the second would match no row)."""
    table = _two_rows(engine, "many_update_moved")
    moved = update(table).where(table.c.id == bindparam("old")).values(id=bindparam("new"))
    with engine.begin() as connection:
        with recorded_sql() as sql:
            result = connection.execute(moved, [{"old": 1, "new": 5}, {"old": 5, "new": 6}])
        assert result.rowcount == 2
        rows = connection.execute(select(table).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [(2, "b"), (6, "a")]
    assert dml(sql) == ["UPDATE many_update_moved SET id=? WHERE many_update_moved.id = ?"]
