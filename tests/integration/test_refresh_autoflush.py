"""Session.refresh() autoflushes, as in SQLAlchemy 2.0: it expires the object, flushes the
session's other pending changes (not in an ``autoflush=False`` session nor a
``no_autoflush`` block), then SELECTs the object's row."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral import (
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    event,
    exc,
    mapped_column,
    relationship,
    select,
)
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Crate(Base):
    __tablename__ = "rf_crates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    apples: Mapped[list[Apple]] = relationship(back_populates="crate", order_by="Apple.id")


class Apple(Base):
    __tablename__ = "rf_apples"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("rf_crates.id"))
    crate: Mapped[Crate | None] = relationship(back_populates="apples")


SELECT_CRATE = "SELECT rf_crates.id, rf_crates.name FROM rf_crates WHERE rf_crates.id = ?"
SELECT_APPLE = (
    "SELECT rf_apples.id, rf_apples.name, rf_apples.crate_id FROM rf_apples WHERE rf_apples.id = ?"
)
UPDATE_NAME = "UPDATE rf_apples SET name=? WHERE rf_apples.id = ?"
UPDATE_CRATE = "UPDATE rf_apples SET crate_id=? WHERE rf_apples.id = ?"
INSERT_APPLE = "INSERT INTO rf_apples (id, name, crate_id) VALUES (?, ?, ?)"
DELETE_APPLE = "DELETE FROM rf_apples WHERE rf_apples.id = ?"


def fill(session: Session) -> None:
    session.add_all([Crate(id=1, name="c1"), Crate(id=2, name="c2")])
    session.flush()
    session.add_all([Apple(id=i, name=f"a{i}", crate_id=i // 10) for i in (11, 12, 21, 22)])
    session.commit()


@pytest.fixture
def filled(engine: Engine) -> Iterator[Engine]:
    """Crates 1 and 2, with apples 11, 12 (crate 1) and 21, 22 (crate 2)."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        fill(session)
    yield engine
    Base.metadata.drop_all(engine)


def apples(engine: Engine) -> list[tuple[int, str, int | None]]:
    with Session(engine) as check:
        query = select(Apple.id, Apple.name, Apple.crate_id).order_by(Apple.id)
        return list(check.execute(query).tuples())


def pending_changes(session: Session) -> Crate:
    """Crate 1 loaded; an apple renamed, one added, one deleted: none flushed yet."""
    crate, renamed, doomed = session.get(Crate, 1), session.get(Apple, 21), session.get(Apple, 12)
    assert crate is not None and renamed is not None
    renamed.name = "renamed"
    session.add(Apple(id=99, name="new", crate_id=2))
    session.delete(doomed)
    return crate


CHANGED = [(11, "a11", 1), (21, "renamed", 2), (22, "a22", 2), (99, "new", 2)]
UNCHANGED = [(11, "a11", 1), (12, "a12", 1), (21, "a21", 2), (22, "a22", 2)]


def test_refresh_flushes_pending_changes_first(filled: Engine) -> None:
    """refresh(crate) sends the UPDATE, INSERT and DELETE of the other objects, then the
    crate's SELECT; the rows are written at commit."""
    with Session(filled) as session:
        crate = pending_changes(session)
        with recorded_sql() as sql:
            session.refresh(crate)
        assert dml(sql) == [UPDATE_NAME, INSERT_APPLE, DELETE_APPLE, SELECT_CRATE]
        assert not session.new and not session.dirty and not session.deleted
        session.commit()
    assert apples(filled) == CHANGED


@pytest.mark.parametrize("how", ["autoflush=False", "no_autoflush"])
def test_refresh_without_autoflush_only_selects(filled: Engine, how: str) -> None:
    """In an autoflush=False session, or a no_autoflush block, refresh() sends only its
    SELECT; the changes stay pending and commit writes them."""
    with Session(filled, autoflush=how != "autoflush=False") as session:
        crate = pending_changes(session)
        with recorded_sql() as sql:
            if how == "no_autoflush":
                with session.no_autoflush:
                    session.refresh(crate)
            else:
                session.refresh(crate)
        assert dml(sql) == [SELECT_CRATE]
        assert len(session.new) == len(session.dirty) == len(session.deleted) == 1
        session.commit()
    assert apples(filled) == CHANGED


def test_refresh_discards_the_objects_own_changes_before_the_flush(filled: Engine) -> None:
    """The refreshed object's changes are discarded (not written) while another object's
    are flushed: the UPDATE is the other apple's, then the SELECT."""
    with Session(filled) as session:
        mine, other = session.get(Apple, 11), session.get(Apple, 22)
        assert mine is not None and other is not None
        mine.name = "discarded"
        other.name = "kept"
        with recorded_sql() as sql:
            session.refresh(mine)
        assert dml(sql) == [UPDATE_NAME, SELECT_APPLE]
        assert mine.name == "a11" and not session.dirty
        session.commit()
    assert apples(filled) == [(11, "a11", 1), (12, "a12", 1), (21, "a21", 2), (22, "kept", 2)]


def test_refresh_of_some_attributes_flushes_the_others(filled: Engine) -> None:
    """refresh(apple, ["name"]) discards the name change and flushes the crate_id change
    (which stays the object's): UPDATE crate_id, then the SELECT of name."""
    with Session(filled) as session:
        apple = session.get(Apple, 11)
        assert apple is not None
        apple.name = "discarded"
        apple.crate_id = 2
        with recorded_sql() as sql:
            session.refresh(apple, ["name"])
        assert dml(sql) == [
            UPDATE_CRATE,
            "SELECT rf_apples.name FROM rf_apples WHERE rf_apples.id = ?",
        ]
        assert (apple.name, apple.crate_id) == ("a11", 2)
        session.commit()
    assert apples(filled)[0] == (11, "a11", 2)


def test_refresh_after_unlinking_a_member_of_a_loaded_collection(filled: Engine) -> None:
    """apple.crate = None with crate.apples loaded, then refresh(apple): the flush reads the
    expired apple, nulls its foreign key (the crate's collection changed), then the refresh
    SELECTs the row again and finds it unlinked."""
    with Session(filled) as session:
        apple = session.get(Apple, 11)
        assert apple is not None and apple.crate is not None
        crate = apple.crate
        assert [a.id for a in crate.apples] == [11, 12]
        apple.crate = None
        with recorded_sql() as sql:
            session.refresh(apple)
        assert dml(sql) == [SELECT_APPLE, UPDATE_CRATE, SELECT_APPLE]
        assert apple.crate_id is None and apple.crate is None
        assert [a.id for a in crate.apples] == [12]
        session.commit()
    assert apples(filled)[0] == (11, "a11", None)


def test_refresh_raises_the_flush_error(filled: Engine) -> None:
    """A pending change the database refuses (a NOT NULL name) makes refresh() raise the
    flush's IntegrityError after sending the UPDATE and no SELECT; nothing is written."""
    with Session(filled) as session:
        crate, apple = session.get(Crate, 1), session.get(Apple, 21)
        assert crate is not None and apple is not None
        setattr(apple, "name", None)  # noqa: B010  (a NOT NULL column: the flush must fail)
        with recorded_sql() as sql, pytest.raises(exc.IntegrityError):
            session.refresh(crate)
        assert dml(sql) == [UPDATE_NAME]
        with pytest.raises(exc.PendingRollbackError):
            session.get(Crate, 2)
        session.rollback()
    assert apples(filled) == UNCHANGED


def _noop_listener(*args: object) -> None:
    pass


def test_async_refresh_autoflushes(tmp_path: Path) -> None:
    """AsyncSession.refresh() (aiosqlite) sends the pending UPDATE, INSERT and DELETE, then
    the SELECT: on the loop, and in a worker thread when a flush listener needs one; with
    autoflush=False only the SELECT."""
    pytest.importorskip("aiosqlite")

    async def run(name: str, autoflush: bool) -> list[str]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session:
            await session.run_sync(fill)
        async with AsyncSession(engine, autoflush=autoflush) as session:
            crate = await session.run_sync(pending_changes)
            with recorded_sql() as sql:
                await session.refresh(crate)
            await session.commit()
        await engine.dispose()
        return dml(sql)

    flushed = [UPDATE_NAME, INSERT_APPLE, DELETE_APPLE, SELECT_CRATE]
    assert asyncio.run(run("on-loop", autoflush=True)) == flushed
    event.listen(Apple, "before_update", _noop_listener)
    try:
        assert asyncio.run(run("in-worker", autoflush=True)) == flushed
    finally:
        event.remove(Apple, "before_update", _noop_listener)
    assert asyncio.run(run("no-autoflush", autoflush=False)) == [SELECT_CRATE]
