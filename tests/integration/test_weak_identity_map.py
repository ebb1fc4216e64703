"""The weak identity map, the default (``Session()``, or ``weak_identity_map=True``):
unchanged objects nobody references leave the map, so a long read-only session stays bounded;
objects with unflushed changes stay until flushed. ``weak_identity_map=False`` is the control."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral import (
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    exc,
    mapped_column,
    relationship,
    scoped_session,
    select,
    selectinload,
    sessionmaker,
)
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase
from tests.integration.orm_models import dml, recorded_sql

ROWS = 60
BATCH = 10


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "wk_shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    books: Mapped[list[Book]] = relationship(back_populates="shelf", order_by="Book.id")


class Book(Base):
    __tablename__ = "wk_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(30))
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("wk_shelves.id"))
    shelf: Mapped[Shelf | None] = relationship(back_populates="books")


@pytest.fixture
def filled(engine: Engine) -> Iterator[Engine]:
    """Shelves 1..ROWS, each with books 10*id+1 and 10*id+2."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for i in range(1, ROWS + 1):
            session.add(Shelf(id=i, name=f"s{i}"))
        session.flush()
        for i in range(1, ROWS + 1):
            session.add_all(
                [
                    Book(id=10 * i + 1, title=f"b{i}a", shelf_id=i),
                    Book(id=10 * i + 2, title=f"b{i}b", shelf_id=i),
                ]
            )
        session.commit()
    yield engine
    Base.metadata.drop_all(engine)


def read_in_batches(session: Session) -> list[int]:
    """Read every shelf, BATCH at a time, keeping no reference; the map's size after each."""
    sizes = []
    for start in range(0, ROWS, BATCH):
        stmt = select(Shelf).where(Shelf.id > start).order_by(Shelf.id).limit(BATCH)
        names = [shelf.name for shelf in session.scalars(stmt)]
        assert len(names) == BATCH
        gc.collect()
        sizes.append(len(session.identity_map))
    return sizes


def test_a_long_read_loop_stays_bounded(filled: Engine) -> None:
    """Reading ROWS objects in batches, dropping each batch, leaves the weak map (the default,
    or asked for) empty after every batch; the strong map grows to ROWS: the control."""
    for session in (Session(filled), Session(filled, weak_identity_map=True)):
        with session:
            assert session.identity_map.weak
            assert read_in_batches(session) == [0] * (ROWS // BATCH)
    with Session(filled, weak_identity_map=False) as session:
        assert not session.identity_map.weak
        assert read_in_batches(session) == list(range(BATCH, ROWS + 1, BATCH))


def test_one_object_per_row_while_referenced(filled: Engine) -> None:
    """A referenced object is the one every query and get() returns; once dropped, get() loads
    a new one with a SELECT."""
    with Session(filled) as session:
        first = session.get(Shelf, 1)
        assert first is not None
        again = session.scalars(select(Shelf).order_by(Shelf.id).limit(3)).all()
        assert again[0] is first
        del again
        gc.collect()
        assert len(session.identity_map) == 1
        with recorded_sql() as sql:
            assert session.get(Shelf, 1) is first
        assert dml(sql) == []
        first_id = id(first)
        del first
        gc.collect()
        assert len(session.identity_map) == 0
        with recorded_sql() as sql:
            loaded = session.get(Shelf, 1)
        assert loaded is not None and loaded.name == "s1"
        assert len(dml(sql)) == 1 and dml(sql)[0].startswith("SELECT")
        del first_id


def test_a_modified_object_dropped_is_still_flushed(filled: Engine) -> None:
    """An attribute change, a delete and an add survive the program dropping its only
    reference and a gc.collect(): commit writes all three."""
    with Session(filled) as session:
        shelf = session.get(Shelf, 1)
        doomed = session.get(Book, 22)  # before the change: a get() that loads autoflushes
        assert shelf is not None
        shelf.name = "renamed"
        session.delete(doomed)
        session.add(Book(id=999, title="fresh", shelf_id=3))
        del shelf, doomed
        gc.collect()
        assert len(session.identity_map) == 2  # the changed shelf and the deleted book
        with recorded_sql() as sql:
            session.commit()
        statements = dml(sql)
        assert "UPDATE wk_shelves SET name=? WHERE wk_shelves.id = ?" in statements
        assert "INSERT INTO wk_books (id, title, shelf_id) VALUES (?, ?, ?)" in statements
        assert "DELETE FROM wk_books WHERE wk_books.id = ?" in statements
        gc.collect()
        assert len(session.identity_map) == 0  # written and committed: weak again
    with Session(filled) as check:
        assert check.get(Shelf, 1).name == "renamed"  # type: ignore[union-attr]
        assert check.get(Book, 22) is None
        assert check.get(Book, 999).title == "fresh"  # type: ignore[union-attr]


def test_a_changed_collection_dropped_is_still_flushed(filled: Engine) -> None:
    """Removing a book from a shelf's collection, then dropping both, still nulls the book's
    foreign key at the flush."""
    with Session(filled) as session:
        shelf = session.get(Shelf, 2)
        assert shelf is not None
        shelf.books.remove(shelf.books[0])
        del shelf
        gc.collect()
        with recorded_sql() as sql:
            session.commit()
        assert "UPDATE wk_books SET shelf_id=? WHERE wk_books.id = ?" in dml(sql)
    with Session(filled) as check:
        assert check.get(Book, 21).shelf_id is None  # type: ignore[union-attr]


def test_flushed_objects_are_held_until_the_transaction_ends(filled: Engine) -> None:
    """A flushed change stays in the map until commit (a rollback must be able to expire it),
    then leaves it when dropped."""
    with Session(filled) as session:
        shelf = session.get(Shelf, 4)
        assert shelf is not None
        shelf.name = "flushed"
        del shelf
        session.flush()
        gc.collect()
        assert len(session.identity_map) == 1
        session.commit()
        gc.collect()
        assert len(session.identity_map) == 0


def test_expire_refresh_and_rollback(filled: Engine) -> None:
    """expire() and refresh() discard a change (the object is no longer held), rollback()
    discards it too; a referenced object reloads its values afterwards."""
    with Session(filled) as session:
        shelf = session.get(Shelf, 5)
        assert shelf is not None
        shelf.name = "gone"
        session.expire(shelf)
        assert shelf.name == "s5"
        shelf.name = "gone again"
        session.refresh(shelf)
        assert shelf.name == "s5"
        shelf.name = "rolled back"
        session.rollback()
        assert shelf.name == "s5"
        shelf.name = "dropped, then rolled back"
        del shelf
        gc.collect()
        assert len(session.identity_map) == 1
        session.rollback()
        gc.collect()
        assert len(session.identity_map) == 0
        with recorded_sql() as sql:
            session.commit()
        assert dml(sql) == []
    with Session(filled) as check:
        assert check.get(Shelf, 5).name == "s5"  # type: ignore[union-attr]


def test_a_parent_keeps_its_loaded_children(filled: Engine) -> None:
    """A referenced shelf keeps its loaded books in the map through its collection; dropping
    the shelf lets all of them go."""
    with Session(filled) as session:
        shelves = session.scalars(
            select(Shelf).where(Shelf.id <= 3).options(selectinload(Shelf.books))
        ).all()
        kept = shelves[0]
        del shelves
        gc.collect()
        assert sorted(key[1][0] for key in session.identity_map if key[0] is Book) == [11, 12]
        assert len(session.identity_map) == 3
        with recorded_sql() as sql:
            assert [b.title for b in kept.books] == ["b1a", "b1b"]
            assert session.get(Book, 11) is kept.books[0]
        assert dml(sql) == []
        del kept
        gc.collect()
        assert len(session.identity_map) == 0


def test_a_child_alone_does_not_keep_its_parent(filled: Engine) -> None:
    """A book whose shelf was never read from it does not keep the shelf: the shelf leaves the
    map when dropped, and book.shelf loads it again."""
    with Session(filled) as session:
        shelf = session.get(Shelf, 6)
        book = session.get(Book, 61)
        assert shelf is not None and book is not None
        del shelf
        gc.collect()
        assert (Shelf, (6,)) not in session.identity_map
        assert len(session.identity_map) == 1
        with recorded_sql() as sql:
            assert book.shelf is not None and book.shelf.name == "s6"
        assert len(dml(sql)) == 1


def test_sessionmaker_and_scoped_session_take_the_option(filled: Engine) -> None:
    """sessionmaker and scoped_session make weak sessions by default and strong ones with
    weak_identity_map=False; a value other than True/False is refused, naming it."""
    default: sessionmaker[Session] = sessionmaker(filled)
    with default() as session:
        assert session.identity_map.weak
    factory: sessionmaker[Session] = sessionmaker(filled, weak_identity_map=False)
    with factory() as session:
        assert not session.identity_map.weak
        with factory(weak_identity_map=True) as weak_again:
            assert weak_again.identity_map.weak
    registry: scoped_session[Session] = scoped_session(sessionmaker(filled), scopefunc=lambda: 1)
    assert not registry(weak_identity_map=False).identity_map.weak
    registry.remove()
    assert registry().identity_map.weak
    registry.remove()
    for bad in ("yes", None, 0):
        with pytest.raises(exc.ArgumentError, match=rf"weak_identity_map=.*got {bad!r}"):
            Session(filled, weak_identity_map=bad)  # type: ignore[arg-type]


def test_identity_map_warn_counts_only_what_is_held(filled: Engine) -> None:
    """With identity_map_warn, a weak session that drops each batch never warns; one that
    keeps its objects warns once, saying the map is weak and what holds the objects."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Session(filled, identity_map_warn=BATCH) as session:
            read_in_batches(session)
        assert [w for w in caught if w.category is exc.LargeSessionWarning] == []
        with Session(filled, identity_map_warn=BATCH) as session:
            kept = session.scalars(select(Shelf).limit(BATCH + 1)).all()
            assert len(kept) == BATCH + 1
        messages = [str(w.message) for w in caught if w.category is exc.LargeSessionWarning]
    assert len(messages) == 1
    assert f"holds {BATCH + 1} objects" in messages[0]
    assert "weak (the default)" in messages[0] and "still referenced" in messages[0]


def test_async_session_takes_the_option(tmp_path: Path) -> None:
    """AsyncSession() gives its sync session a weak map that lets go of the objects a read
    dropped (aiosqlite); AsyncSession(weak_identity_map=False) a strong one."""
    pytest.importorskip("aiosqlite")

    async def run() -> tuple[tuple[bool, int], tuple[bool, int]]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'weak.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session:
            session.add_all([Shelf(id=i, name=f"s{i}") for i in range(1, 4)])
            await session.commit()
            names = [shelf.name for shelf in (await session.scalars(select(Shelf))).all()]
            assert names == ["s1", "s2", "s3"]
            gc.collect()
            result = session.sync_session.identity_map.weak, len(session.identity_map)
        async with AsyncSession(engine, weak_identity_map=False) as strong:
            assert len((await strong.scalars(select(Shelf))).all()) == 3
            gc.collect()
            control = strong.sync_session.identity_map.weak, len(strong.identity_map)
        await engine.dispose()
        return result, control

    assert asyncio.run(run()) == ((True, 0), (False, 3))
