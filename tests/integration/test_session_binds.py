"""Session(binds=...): one Session over several databases, each class on its engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import (
    Engine,
    ForeignKey,
    Integer,
    String,
    create_engine,
    event,
    exc,
    select,
    text,
)
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Users(Base):
    """The base of the classes kept on the main database."""

    __abstract__ = True


class Author(Users):
    __tablename__ = "bind_author"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Users):
    __tablename__ = "bind_book"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("bind_author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


class AuditEntry(Base):
    """Kept on a second database (a SQLite file)."""

    __tablename__ = "bind_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    what: Mapped[str] = mapped_column(String(80))


@pytest.fixture
def audit_engine(tmp_path: Path) -> Iterator[Engine]:
    """A second database: a SQLite file holding the audit table."""
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    AuditEntry.__table__.create(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def main_engine(engine: Engine) -> Engine:
    """The test's database with the author and book tables."""
    Author.__table__.create(engine)
    Book.__table__.create(engine)
    return engine


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_flush_writes_each_class_to_the_engine_of_its_base(
    main_engine: Engine, audit_engine: Engine
) -> None:
    """A flush INSERTs each class on the engine bound to it or to a base class, and commit
    commits both databases."""
    session = Session(binds={Users: main_engine, AuditEntry: audit_engine})
    author = Author(name="Le Guin", books=[Book(title="The Dispossessed")])
    session.add_all([author, AuditEntry(what="added Le Guin")])
    with recorded_sql() as statements:
        session.commit()
    inserts = [s.split(" (")[0] for s in dml(statements)]
    assert sorted(inserts) == [
        "INSERT INTO bind_audit",
        "INSERT INTO bind_author",
        "INSERT INTO bind_book",
    ]
    assert _count(main_engine, "bind_author") == 1
    assert _count(main_engine, "bind_book") == 1
    assert _count(audit_engine, "bind_audit") == 1
    with audit_engine.connect() as connection:  # the audit table is only on the SQLite file
        assert connection.execute(text("SELECT what FROM bind_audit")).scalar_one() == (
            "added Le Guin"
        )


def test_mapper_listeners_get_the_connection_of_their_class(
    main_engine: Engine, audit_engine: Engine
) -> None:
    """With binds and no default bind, before_insert / after_insert listeners run and each
    receives the connection of its own class's engine (the flush's listener path routes)."""
    seen: list[tuple[str, str, Any]] = []

    def record(when: str) -> Any:
        def listener(mapper: Any, connection: Any, target: Any) -> None:
            seen.append((when, mapper.class_.__name__, connection.engine))

        return listener

    listeners = [
        (Author, "before_insert", record("before")),
        (AuditEntry, "after_insert", record("after")),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        session = Session(binds={Users: main_engine, AuditEntry: audit_engine})
        session.add_all([Author(name="Butler"), AuditEntry(what="added Butler")])
        session.commit()
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)
    assert sorted(seen, key=lambda s: s[0]) == [
        ("after", "AuditEntry", audit_engine),
        ("before", "Author", main_engine),
    ]
    assert _count(main_engine, "bind_author") == 1
    assert _count(audit_engine, "bind_audit") == 1


def test_queries_get_and_lazy_loads_use_the_bound_engine(
    main_engine: Engine, audit_engine: Engine
) -> None:
    """select(), get() and a lazy load each run on the engine their class is bound to."""
    binds = {Users: main_engine, AuditEntry: audit_engine}
    maker: sessionmaker[Session] = sessionmaker(binds=binds)
    with maker.begin() as session:
        session.add_all([Author(id=1, name="Borges", books=[Book(title="Ficciones")])])
        session.add(AuditEntry(id=7, what="x"))
    with maker() as session:
        author = session.scalars(select(Author)).one()
        assert [b.title for b in author.books] == ["Ficciones"]  # lazy load on main
        assert session.get_one(AuditEntry, 7).what == "x"
        assert session.scalar(select(AuditEntry.what)) == "x"  # a column of the class
        assert session.get_bind(Book) is main_engine
        assert session.get_bind(AuditEntry) is audit_engine


def test_table_binds_and_clause_resolution(main_engine: Engine, audit_engine: Engine) -> None:
    """A Table key binds statements on that table, and get_bind(clause=) finds it."""
    session = Session(main_engine, binds={AuditEntry.__table__: audit_engine})
    assert session.get_bind(clause=select(AuditEntry.__table__)) is audit_engine
    assert session.get_bind(AuditEntry) is audit_engine  # through the class's table
    assert session.get_bind(Author) is main_engine  # the session's own bind otherwise
    session.add(AuditEntry(what="on the file"))
    session.commit()
    assert _count(audit_engine, "bind_audit") == 1
    session.close()


def test_rollback_undoes_both_databases(main_engine: Engine, audit_engine: Engine) -> None:
    """rollback() after flushing to two databases leaves neither with the rows."""
    session = Session(binds={Users: main_engine, AuditEntry: audit_engine})
    session.add_all([Author(name="Calvino"), AuditEntry(what="added Calvino")])
    session.flush()
    session.rollback()
    session.close()
    assert _count(main_engine, "bind_author") == 0
    assert _count(audit_engine, "bind_audit") == 0


def test_unbound_class_is_refused_naming_it(main_engine: Engine) -> None:
    """A class no bind covers raises UnboundExecutionError naming the class."""
    session = Session(binds={Users: main_engine})
    with pytest.raises(exc.UnboundExecutionError, match="no bind for AuditEntry"):
        session.get(AuditEntry, 1)
    session.close()


def test_get_bind_override_routes_every_path(main_engine: Engine, audit_engine: Engine) -> None:
    """A subclass's get_bind() is asked for executes, get() and flushes alike."""
    asked: list[Any] = []

    class Routed(Session):
        def get_bind(self, mapper: Any = None, **kw: Any) -> Any:
            asked.append(getattr(mapper, "class_", mapper))
            cls = getattr(mapper, "class_", mapper)
            return audit_engine if cls is AuditEntry else main_engine

    with Routed() as session:
        session.add(AuditEntry(id=3, what="routed"))
        session.commit()
        assert session.get(AuditEntry, 3) is not None
    assert AuditEntry in asked
    assert _count(audit_engine, "bind_audit") == 1


def test_session_connection_with_bind_arguments(main_engine: Engine, audit_engine: Engine) -> None:
    """Session.connection(bind_arguments={"mapper": ...}) is the connection of that bind."""
    with Session(binds={Users: main_engine, AuditEntry: audit_engine}) as session:
        audit = session.connection(bind_arguments={"mapper": AuditEntry})
        assert audit.engine is audit_engine
        main = session.connection(bind_arguments={"mapper": Author})
        assert main.engine is main_engine
        assert session.connection(bind_arguments={"mapper": AuditEntry}) is audit


def test_execute_with_bind_arguments(main_engine: Engine, audit_engine: Engine) -> None:
    """Session.execute(text, bind_arguments={"bind": e}) runs on that engine."""
    with Session(main_engine) as session:
        session.execute(
            text("INSERT INTO bind_audit (id, what) VALUES (1, 'x')"),
            bind_arguments={"bind": audit_engine},
        )
        session.commit()
    assert _count(audit_engine, "bind_audit") == 1


def test_begin_nested_over_two_databases_is_refused(
    main_engine: Engine, audit_engine: Engine
) -> None:
    """begin_nested() once two databases are in use raises, saying why."""
    with Session(binds={Users: main_engine, AuditEntry: audit_engine}) as session:
        session.add_all([Author(name="a"), AuditEntry(what="b")])
        session.flush()
        with pytest.raises(exc.InvalidRequestError, match="several databases"):
            session.begin_nested()
