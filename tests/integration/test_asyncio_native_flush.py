"""The flush of classes with relationships, inheritance and a version counter runs on
the event loop, with the statements of the sync flush, on every asyncio driver; a
flush that must load values first (a parent's unloaded children, an expired key)
hands its work to a worker thread and gets the same results."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from corral import Column, ForeignKey, Integer, String, Table, event, exc, select
from corral.engine import URL
from corral.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from corral.orm import Mapped, mapped_column, relationship
from tests.integration.orm_models import presorted_flushes
from tests.integration.test_asyncio import Base, async_url, run, server_connections
from tests.integration.test_asyncio_native import counted

__all__ = ["async_url"]  # the fixture, shared with test_asyncio.py

book_tag = Table(
    "async_book_tag",
    Base.metadata,
    Column("book_id", ForeignKey("async_book.id"), primary_key=True),
    Column("tag_id", ForeignKey("async_tag.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "async_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "async_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("async_author.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")
    tags: Mapped[list[Tag]] = relationship(secondary=book_tag)


class Tag(Base):
    __tablename__ = "async_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Animal(Base):
    __tablename__ = "async_animal"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "animal"}


class Dog(Animal):
    __tablename__ = "async_dog"
    id: Mapped[int] = mapped_column(ForeignKey("async_animal.id"), primary_key=True)
    bark: Mapped[str] = mapped_column(String(40))
    __mapper_args__ = {"polymorphic_identity": "dog"}


class Ledger(Base):
    __tablename__ = "async_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class Shelf(Base):
    __tablename__ = "async_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    slots: Mapped[list[Slot]] = relationship(cascade="all, delete-orphan")


class Slot(Base):
    __tablename__ = "async_slot"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("async_shelf.id"))


NAMES = ["book_tag", "book", "author", "tag", "dog", "animal", "ledger"]
TABLES = [Base.metadata.tables[f"async_{name}"] for name in NAMES]


class Statements(logging.Handler):
    """The SQL the engine logs (parameters, BEGIN and COMMIT left out)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.split(" ", 1)[0] in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            self.sql.append(" ".join(message.split()))


async def workload(engine: AsyncEngine, *, listen: bool) -> tuple[list[str], Any]:
    """Inserts with generated keys copied into foreign keys and association rows, a
    child moved out of its collection, an association row removed, updates of a joined
    subclass and of a versioned row, deletes; returns the SQL and the end state."""
    statements = Statements()
    engine_logger = logging.getLogger("corral.engine")
    level = engine_logger.level
    engine_logger.addHandler(statements)
    engine_logger.setLevel(logging.INFO)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            if listen:  # the control: the thread bridge runs the sync flush
                event.listen(session.sync_session, "after_begin", lambda *args: None)
            red, blue = Tag(name="red"), Tag(name="blue")
            one, two = Book(title="one", tags=[red, blue]), Book(title="two", tags=[blue])
            author = Author(name="ann", books=[one, two])
            dog, ledger = Dog(name="rex", bark="woof"), Ledger(total=1)
            session.add_all([author, dog, ledger])
            await session.flush()
            assert two.author_id == author.id and ledger.version == 1
            author.books.remove(two)
            one.tags.remove(blue)
            dog.bark = "grr"
            ledger.total = 2
            await session.commit()
            await session.delete(one)
            await session.delete(dog)
            await session.commit()
    finally:
        engine_logger.removeHandler(statements)
        engine_logger.setLevel(level)
    async with engine.begin() as connection:
        state = (
            (await connection.execute(select(Author.name))).all(),
            (await connection.execute(select(Book.title, Book.author_id))).all(),
            len((await connection.execute(select(book_tag))).all()),
            (await connection.execute(select(Animal.__table__.c.id))).all(),
            (await connection.execute(select(Ledger.total, Ledger.version))).all(),
        )
        for table in TABLES:
            await connection.execute(table.delete())
    return statements.sql, state


def test_related_flush_runs_on_the_loop_with_the_sync_statements(async_url: URL) -> None:
    """The related flush on the loop uses no worker thread and sends the statements the
    sync flush sends (the control: a session with a listener, run in a thread)."""

    async def body(engine: AsyncEngine) -> None:
        threads = counted(engine)
        sql, state = await workload(engine, listen=False)
        assert threads.calls == 0
        control_sql, control_state = await workload(engine, listen=True)
        assert threads.calls > 0
        assert sql == control_sql
        assert state == control_state
        assert state == ([("ann",)], [("two", None)], 1, [], [(2, 2)])
        assert sum(s.startswith("INSERT INTO async_book_tag") for s in sql) == 1
        assert any(s.startswith("DELETE FROM async_book_tag") for s in sql)

    run(async_url, body)


def test_flush_that_must_load_first_runs_in_a_worker_thread(async_url: URL) -> None:
    """A deleted parent whose children are not loaded, or a child pointing at a parent
    whose key expired: the flush loads, so it runs in a worker thread, correctly; the
    control with everything loaded runs on the loop."""

    async def body(engine: AsyncEngine) -> None:
        async with async_sessionmaker(engine).begin() as session:
            session.add_all(
                [Author(id=1, name="a", books=[Book(id=1, title="b")]), Author(id=2, name="c")]
            )
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            await session.delete(await session.get_one(Author, 1))  # marks, on the loop
            assert threads.calls == 0
            await session.commit()  # loads the books to release them: a thread
            assert threads.calls == 1
            author = await session.get_one(Author, 2)
            await session.commit()  # expires the author
            session.add(Book(id=2, title="late", author=author))
            await session.commit()  # the author's key loads first: the writes in a thread
            assert threads.calls == 2
            author = await session.get_one(Author, 2)
            session.add(Book(id=3, title="loaded", author=author))
            await session.commit()  # the control: everything in memory
            assert threads.calls == 2
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(Book.id, Book.author_id).order_by(Book.id))
            ).all()
        assert [tuple(r) for r in rows] == [(1, None), (2, 2), (3, 2)]

    run(async_url, body)


def test_a_failed_related_flush_on_the_loop_is_undone(async_url: URL) -> None:
    """A related flush failing halfway on the loop rolls back: generated keys are taken
    back, the session recovers after rollback(), nothing stays in the database."""

    async def body(engine: AsyncEngine) -> None:
        async with async_sessionmaker(engine).begin() as session:
            session.add(Tag(id=5, name="taken"))
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            book = Book(title="x", tags=[Tag(id=5, name="again")])
            session.add(Author(name="a", books=[book]))
            with pytest.raises(exc.IntegrityError):
                await session.flush()
            assert "id" not in book.__dict__ or book.id is None
            await session.rollback()
            assert threads.calls == 0
        async with engine.connect() as connection:
            assert (await connection.execute(select(Author.id))).all() == []
            assert (await connection.execute(select(Book.id))).all() == []

    run(async_url, body)


@pytest.mark.parametrize("where", ["loop", "thread"])
def test_cancelling_a_related_flush_at_every_await_leaks_nothing(
    async_url: URL, where: str
) -> None:
    """Cancelled after 0, 1, 2... loop iterations of a related flush and commit, on the
    loop or handed to a worker thread (an expired parent key): the connection goes back,
    no row stays half-written, the server has no extra session."""

    async def one(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            if where == "thread":
                author = await session.get_one(Author, 1)
                await session.commit()  # expires it: the next flush loads its key first
                session.add(Book(title="b", author=author))
                await session.commit()
                return
            session.add(Author(name="a", books=[Book(title="b", tags=[Tag(name="t")])]))
            session.add(Dog(name="rex", bark="woof"))
            await session.flush()
            await session.commit()

    async def body(engine: AsyncEngine) -> int:
        if where == "thread":
            async with async_sessionmaker(engine).begin() as session:
                session.add(Author(id=1, name="seed"))
        threads = counted(engine)
        cancelled = steps = 0
        while True:
            task = asyncio.create_task(one(engine))
            for _ in range(steps):
                await asyncio.sleep(0)
            if task.done() or steps > 2000:
                await task
                break
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                cancelled += 1
            assert engine.pool.checkedout() == 0, f"leaked after {steps} steps"
            async with engine.connect() as connection:
                authors = (await connection.execute(select(Author.id))).all()
                books = (await connection.execute(select(Book.author_id))).all()
                dogs = (await connection.execute(select(TABLES[4].c.id))).all()
            if where == "thread":
                assert all(author_id == 1 for (author_id,) in books)
            else:
                assert len(authors) == len(books) == len(dogs)  # all or nothing
            steps = steps + 1 if steps < 20 else steps * 5 // 4
        assert (threads.calls > 0) is (where == "thread")
        return cancelled

    before = server_connections(async_url)
    cancelled = run(async_url, body, pool_size=2, max_overflow=0)
    assert cancelled >= 2
    assert server_connections(async_url, before) == before


def test_orphans_are_deleted_on_the_loop(async_url: URL) -> None:
    """A member removed from a delete-orphan collection is deleted by a flush on the loop;
    deleting the parent with its collection loaded cascades on the loop too; the control:
    the parent deleted with its collection not loaded loads it in a worker thread."""

    async def body(engine: AsyncEngine) -> None:
        threads = counted(engine)
        maker = async_sessionmaker(engine, expire_on_commit=False)
        async with maker() as session:
            shelf = Shelf(id=1, slots=[Slot(id=1), Slot(id=2), Slot(id=3)])
            session.add_all([shelf, Shelf(id=2, slots=[Slot(id=4)])])
            await session.commit()
            shelf.slots.pop(0)
            await session.commit()
            await session.delete(shelf)
            await session.commit()
            assert threads.calls == 0
        async with maker() as session:
            await session.delete(await session.get_one(Shelf, 2))  # slots not loaded
            await session.commit()
            assert threads.calls == 1
        async with engine.connect() as connection:
            assert (await connection.execute(select(Slot.id))).all() == []
            assert (await connection.execute(select(Shelf.id))).all() == []

    run(async_url, body)


def test_new_rows_holding_no_relationship_value_skip_the_presort(
    async_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new Shelf whose slots were never touched is written by the plain plan on the loop,
    without the presort (``flushing.writes_related``); the control, a Shelf given a
    slot, goes through it. Both end as rows with their keys."""
    presorted = presorted_flushes(monkeypatch)

    async def body(engine: AsyncEngine) -> None:
        threads = counted(engine)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            bare = Shelf()
            session.add(bare)
            await session.commit()
            assert presorted == []
            control = Shelf(slots=[Slot()])
            session.add(control)
            await session.commit()
            assert len(presorted) == 1
        assert threads.calls == 0
        async with engine.begin() as connection:
            shelves = (await connection.execute(select(Shelf.id).order_by(Shelf.id))).all()
            slots = (await connection.execute(select(Slot.shelf_id))).all()
            await connection.execute(Slot.__table__.delete())
            await connection.execute(Shelf.__table__.delete())
        assert shelves == [(bare.id,), (control.id,)]
        assert slots == [(control.id,)]

    run(async_url, body)
