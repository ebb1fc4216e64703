"""What SQLAlchemy's example programs need, on a real database: corral.orm.attributes
(history, committed values), before_flush listeners that read, single-table subclasses
sharing a column, __declare_last__ and do_orm_execute with retval=True."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    ForeignKey,
    String,
    bindparam,
    cast,
    create_engine,
    event,
    exc,
    func,
    select,
    text,
)
from corral.ext.hybrid import hybrid_property
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    ORMExecuteState,
    PropComparator,
    Session,
    attributes,
    column_property,
    declared_attr,
    make_transient,
    mapped_column,
    relationship,
    with_loader_criteria,
)
from tests.integration.orm_models import dml, recorded_sql


class ExBase(DeclarativeBase):
    pass


class Shelf(ExBase):
    __tablename__ = "ex_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30))
    books: Mapped[list[Book]] = relationship(back_populates="shelf", order_by="Book.id")


class Book(ExBase):
    __tablename__ = "ex_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("ex_shelf.id"))
    title: Mapped[str] = mapped_column(String(30))
    shelf: Mapped[Shelf | None] = relationship(back_populates="books")


class Gadget(ExBase):
    __tablename__ = "ex_gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "gadget"}


class Phone(Gadget):
    @declared_attr
    def color(cls) -> Mapped[str]:
        return Gadget.__table__.c.get("color", mapped_column(String(20)))  # type: ignore[return-value]

    __mapper_args__ = {"polymorphic_identity": "phone"}


class Tablet(Gadget):
    @declared_attr
    def color(cls) -> Mapped[str]:
        return Gadget.__table__.c.get("color", mapped_column(String(20)))  # type: ignore[return-value]

    __mapper_args__ = {"polymorphic_identity": "tablet"}


class Revision(ExBase):
    __tablename__ = "ex_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)

    @classmethod
    def __declare_last__(cls) -> None:
        newer = cls.__table__.alias()
        cls.latest = column_property(
            select(func.max(newer.c.version)).where(newer.c.id == cls.id).scalar_subquery()
        )


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    ExBase.metadata.create_all(engine)
    yield engine
    ExBase.metadata.drop_all(engine)


def _shelf(db: Engine) -> int:
    with Session(db) as session:
        shelf = Shelf(label="a", books=[Book(title="one"), Book(title="two")])
        session.add(shelf)
        session.commit()
        return shelf.id


def test_get_history_of_a_column_after_a_change(db: Engine) -> None:
    """get_history() gives (added, unchanged, deleted) of a column; it unpacks as a tuple."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        assert attributes.get_history(shelf, "label") == ((), ["a"], ())
        shelf.label = "b"
        added, unchanged, deleted = attributes.get_history(shelf, "label")
        assert (added, unchanged, deleted) == (("b",), (), ("a",))


def test_get_history_loads_an_expired_column_unless_passive(db: Engine) -> None:
    """PASSIVE_OFF loads an expired attribute (one SELECT); PASSIVE_NO_INITIALIZE does not."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        session.expire(shelf)
        with recorded_sql() as statements:
            passive = attributes.get_history(shelf, "label", attributes.PASSIVE_NO_INITIALIZE)
        assert passive.empty() and dml(statements) == []
        with recorded_sql() as statements:
            loaded = attributes.get_history(shelf, "label")
        assert loaded.unchanged == ("a",)
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT"]


def test_get_history_of_a_collection_names_members_added_kept_removed(db: Engine) -> None:
    """A collection's history lists the members added, kept and removed, by identity."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        one, two = shelf.books
        assert attributes.get_history(shelf, "books") == ((), [one, two], ())
        three = Book(title="three")
        shelf.books.remove(one)
        shelf.books.append(three)
        history = attributes.get_history(shelf, "books")
        assert history == ([three], [two], [one])
        assert history.has_changes()


def test_set_committed_value_leaves_nothing_to_flush(db: Engine) -> None:
    """set_committed_value() stores a value as loaded: the flush writes nothing, the row keeps
    its value."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        attributes.set_committed_value(shelf, "label", "in memory")
        attributes.set_committed_value(shelf, "books", [])
        assert attributes.get_history(shelf, "label") == ((), ["in memory"], ())
        assert attributes.get_history(shelf, "books") == ((), [], ())
        assert not session.dirty
        with recorded_sql() as statements:
            session.flush()
        assert dml(statements) == []
        session.rollback()
    with db.connect() as connection:
        assert connection.scalar(select(Shelf.label)) == "a"
        assert connection.scalar(select(func.count()).select_from(Book.__table__)) == 2


def test_instance_state_and_flag_modified(db: Engine) -> None:
    """instance_state() is inspect(obj); flag_modified() makes the flush write the column."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        assert attributes.instance_state(shelf).has_identity
        attributes.flag_modified(shelf, "label")
        with recorded_sql() as statements:
            session.flush()
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["UPDATE"]


def test_before_flush_listener_reads_without_autoflushing(db: Engine) -> None:
    """A before_flush listener that queries (or lazy-loads) does not start the flush again:
    the new row version it makes is inserted once."""
    shelf_id = _shelf(db)
    seen: list[int] = []

    def new_version(session: Session, context: Any, instances: Any) -> None:
        for obj in list(session.dirty):
            if isinstance(obj, Book) and session.is_modified(obj):
                seen.append(len(obj.shelf.books) if obj.shelf else 0)  # lazy loads
                make_transient(obj)
                obj.id = None  # type: ignore[assignment]
                session.add(obj)

    with Session(db) as session:
        event.listen(session, "before_flush", new_version)
        book = session.scalars(select(Book).order_by(Book.id)).first()
        assert book is not None
        book.title = "one, again"
        with recorded_sql() as statements:
            session.commit()
        assert seen == [2]
        # the shelf and its books (lazy loads inside the listener), then the new row
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT", "SELECT", "INSERT"]
    with db.connect() as connection:
        titles = connection.scalars(select(Book.title).order_by(Book.id)).all()
        assert titles == ["one", "two", "one, again"]
    assert shelf_id


def test_single_table_siblings_share_a_column(db: Engine) -> None:
    """Two single-table subclasses map one column (the second reuses the first's); the base
    class does not map it."""
    assert Phone.__table__ is Tablet.__table__ is Gadget.__table__
    color = Gadget.__table__.c.color
    assert isinstance(color, Column) and color.nullable  # the declared_attr's annotation is unused
    with Session(db) as session:
        colors: dict[str, Any] = {"color": "red"}
        session.add_all([Phone(**colors), Tablet(**{**colors, "color": "blue"}), Gadget()])
        session.commit()
    with Session(db) as session:
        found = session.scalars(select(Gadget).order_by(Gadget.id)).all()
        assert [(type(g).__name__, getattr(g, "color", None)) for g in found] == [
            ("Phone", "red"),
            ("Tablet", "blue"),
            ("Gadget", None),
        ]


def test_declare_last_maps_a_column_property(db: Engine) -> None:
    """__declare_last__ runs after configuration; the column_property it sets loads with
    the object."""
    with Session(db) as session:
        session.add_all([Revision(id=1, version=1), Revision(id=1, version=2)])
        session.commit()
    with Session(db) as session:
        rows = session.scalars(select(Revision).order_by(Revision.version)).all()
        assert [(r.version, r.latest) for r in rows] == [(1, 2), (2, 2)]  # type: ignore[attr-defined]


def test_do_orm_execute_accepts_retval(db: Engine) -> None:
    """do_orm_execute listeners registered with retval=True run; returning None executes."""
    _shelf(db)
    calls: list[bool] = []

    def listener(state: ORMExecuteState) -> None:
        calls.append(state.is_select)

    with Session(db) as session:
        event.listen(session, "do_orm_execute", listener, retval=True)
        assert session.scalars(select(Shelf.label)).all() == ["a"]
    assert calls == [True]


class Setting(ExBase):
    __tablename__ = "ex_setting"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None] = mapped_column()
    word: Mapped[str | None] = mapped_column(String(20))

    @hybrid_property
    def value(self) -> Any:
        return self.number if self.number is not None else self.word

    @value.inplace.comparator
    @classmethod
    def _value_comparator(cls) -> PropComparator:
        return _EitherColumn(cls)


class _EitherColumn(PropComparator):
    """Compares with the number or the word, whichever column the row fills."""

    __hash__ = None

    def __init__(self, cls: type[Setting]) -> None:
        self.cls = cls

    def __clause_element__(self) -> Any:
        return func.coalesce(cast(self.cls.number, String(20)), self.cls.word)

    def __eq__(self, other: object) -> Any:
        return self.__clause_element__() == cast(other, String(20))


def test_prop_comparator_subclass_builds_the_sql(db: Engine) -> None:
    """A PropComparator subclass redefines == ; an operator it leaves (like) applies to its
    __clause_element__()."""
    with Session(db) as session:
        session.add_all([Setting(number=5), Setting(word="five"), Setting(word="fifty")])
        session.commit()
        found = session.scalars(select(Setting).where(Setting.value == 5)).all()
        assert [s.number for s in found] == [5]
        words = session.scalars(
            select(Setting.word).where(Setting.value.like("fi%")).order_by(Setting.word)
        ).all()
        assert words == ["fifty", "five"]


class Ticket(ExBase):
    __tablename__ = "ex_ticket"
    __mapper_args__ = {"batch": False}
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seen_before: Mapped[int] = mapped_column()


def test_batch_false_fires_each_before_insert_right_before_its_insert(db: Engine) -> None:
    """With batch=False each before_insert sees the rows inserted for the objects before it
    (one INSERT per object, each after its listener's SELECT)."""

    def count_rows(mapper: Mapper, connection: Any, target: Ticket) -> None:
        table = mapper.mapped_table
        target.seen_before = connection.scalar(select(func.count()).select_from(table))

    event.listen(Ticket, "before_insert", count_rows)
    try:
        with Session(db) as session:
            session.add_all([Ticket(id=1), Ticket(id=2), Ticket(id=3)])
            with recorded_sql() as statements:
                session.commit()
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT", "INSERT"] * 3
        with db.connect() as connection:
            rows = connection.execute(select(Ticket.id, Ticket.seen_before).order_by(Ticket.id))
            assert [tuple(r) for r in rows] == [(1, 0), (2, 1), (3, 2)]
    finally:
        event.remove(Ticket, "before_insert", count_rows)


def test_batch_must_be_a_bool() -> None:
    """__mapper_args__['batch'] other than True/False is refused by name."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"\['batch'\] takes True or False"):

        class Odd(Base):
            __tablename__ = "odd"
            __mapper_args__ = {"batch": "no"}
            id: Mapped[int] = mapped_column(primary_key=True)


def test_make_transient_keeps_the_change_history(db: Engine) -> None:
    """After make_transient() get_history() still gives the change made before it, and
    adding the object again INSERTs it as a new row with its current values."""
    shelf_id = _shelf(db)
    with Session(db) as session:
        shelf = session.get(Shelf, shelf_id)
        assert shelf is not None
        shelf.label = "b"
        make_transient(shelf)
        assert attributes.get_history(shelf, "label") == (("b",), (), ("a",))
        shelf.id = None  # type: ignore[assignment]
        session.add(shelf)
        with recorded_sql() as statements:
            session.commit()
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["INSERT"]
    with db.connect() as connection:
        assert connection.scalars(select(Shelf.label).order_by(Shelf.id)).all() == ["a", "b"]


class Crate(ExBase):
    __tablename__ = "ex_crate"
    id: Mapped[int] = mapped_column(primary_key=True)
    jars: Mapped[list[Jar]] = relationship(lazy="subquery", order_by="Jar.id")


class Jar(ExBase):
    __tablename__ = "ex_jar"
    id: Mapped[int] = mapped_column(primary_key=True)
    crate_id: Mapped[int] = mapped_column(ForeignKey("ex_crate.id"))
    crate: Mapped[Crate] = relationship()


def test_subquery_load_repeats_the_query_parameters(db: Engine) -> None:
    """A lazy="subquery" collection loads under a query with bound parameters (a lazy load,
    or bindparam() values given to execute): the subquery runs with the same values."""
    with Session(db) as session:
        session.add_all([Crate(id=1, jars=[Jar(id=1), Jar(id=2)]), Crate(id=2, jars=[Jar(id=3)])])
        session.commit()
    with Session(db) as session:
        jar = session.get(Jar, 3)
        assert jar is not None
        with recorded_sql() as statements:
            assert [j.id for j in jar.crate.jars] == [3]  # lazy load, then its subquery load
        assert len(dml(statements)) == 2
    with Session(db) as session:
        statement = select(Crate).where(Crate.id == bindparam("wanted"))
        crate = session.scalars(statement, {"wanted": 1}).one()
        assert [j.id for j in crate.__dict__["jars"]] == [1, 2]


class Span(ExBase):
    __tablename__ = "ex_span"
    id: Mapped[int] = mapped_column(primary_key=True)
    live: Mapped[bool] = mapped_column(default=True)
    holder_n: Mapped[int | None] = mapped_column()
    # foreign() inside a string primaryjoin, without importing it in this module
    held: Mapped[Span | None] = relationship(
        primaryjoin="remote(Span.id) == foreign(Span.holder_n)", viewonly=False
    )


def test_string_primaryjoin_marks_foreign_and_remote(db: Engine) -> None:
    """foreign()/remote() in a string primaryjoin mark the columns (a many-to-one along a
    column with no ForeignKey); the flush copies the key into it."""
    assert Span.held.property.direction.name == "MANYTOONE"  # type: ignore[attr-defined]
    with Session(db) as session:
        target = Span(id=1)
        session.add(Span(id=2, held=target))
        session.commit()
    with db.connect() as connection:
        rows = connection.execute(select(Span.id, Span.holder_n).order_by(Span.id)).all()
        assert [tuple(r) for r in rows] == [(1, None), (2, 1)]


def test_loader_criteria_reaches_a_joined_table(db: Engine) -> None:
    """with_loader_criteria() filters a class the statement only joins to: in the ON clause
    when it is joined, in WHERE when the join starts from it."""
    with Session(db) as session:
        session.add_all(
            [
                Shelf(label="open", books=[Book(title="a")]),
                Shelf(label="hidden", books=[Book(title="b")]),
            ]
        )
        session.commit()
    hide = with_loader_criteria(Shelf, Shelf.label != "hidden")
    with Session(db) as session:
        joined = select(Book.title).join(Book.shelf).order_by(Book.title)
        assert session.scalars(joined).all() == ["a", "b"]
        with recorded_sql() as statements:
            assert session.scalars(joined.options(hide)).all() == ["a"]
        assert "!=" in dml(statements)[0].split(" WHERE ")[0].split(" ON ")[1]
        from_shelf = select(Book.title).select_from(Shelf).join(Shelf.books)
        assert session.scalars(from_shelf.options(hide).order_by(Book.title)).all() == ["a"]


def test_echo_debug_logs_the_rows_returned(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """create_engine(echo="debug") logs each statement and, at DEBUG, the rows it returns;
    fetching still gives every row."""
    debug = create_engine(engine.url, echo="debug")
    previous = logging.getLogger("corral.engine").level
    try:
        with caplog.at_level(logging.DEBUG, logger="corral.engine"), debug.connect() as connection:
            rows = connection.execute(text("SELECT 41 + 1 AS answer")).all()
            assert [tuple(r) for r in rows] == [(42,)]
    finally:
        debug.dispose()
        logging.getLogger("corral.engine").setLevel(previous)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert messages == ["Col ('answer',)", "Row (42,)"]


class Drawer(ExBase):
    __tablename__ = "ex_drawer"
    __mapper_args__ = {"batch": False}
    id: Mapped[int] = mapped_column(primary_key=True)
    socks: Mapped[list[Sock]] = relationship()


class Sock(ExBase):
    __tablename__ = "ex_sock"
    id: Mapped[int] = mapped_column(primary_key=True)
    drawer_id: Mapped[int] = mapped_column(ForeignKey("ex_drawer.id"))


def test_batch_false_with_relationships_is_refused(db: Engine) -> None:
    """A batch=False class with relationships is refused at flush with the fix named; nothing
    is written."""
    with Session(db) as session:
        session.add(Drawer(id=1, socks=[Sock(id=1)]))
        with pytest.raises(exc.InvalidRequestError, match="batch=False is supported for"):
            session.flush()
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Drawer.__table__)) == 0


def test_query_count_takes_listener_criteria_and_execution_options(db: Engine) -> None:
    """Query.count() counts through with_loader_criteria() a do_orm_execute listener adds,
    and the listener sees the query's execution_options()."""
    with Session(db) as session:
        session.add_all([Shelf(label="open"), Shelf(label="hidden"), Shelf(label="open too")])
        session.commit()

    def hide(state: ORMExecuteState) -> None:
        if not state.execution_options.get("everything"):
            state.statement = state.statement.options(
                with_loader_criteria(Shelf, lambda cls: cls.label != "hidden")
            )

    with Session(db) as session:
        event.listen(session, "do_orm_execute", hide)
        assert session.query(Shelf).count() == 2
        assert session.query(Shelf).execution_options(everything=True).count() == 3
        assert session.query(Shelf).filter(Shelf.label.like("open%")).count() == 2
