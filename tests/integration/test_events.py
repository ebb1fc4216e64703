"""corral.event on a real database: Session, mapper, instance, connection and pool events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Engine, ForeignKey, String, event, exc, false, select, text, update
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    ORMExecuteState,
    Session,
    UserDefinedOption,
    aliased,
    mapped_column,
    relationship,
    scoped_session,
    selectinload,
    sessionmaker,
    with_loader_criteria,
)
from tests.integration.orm_models import dml, recorded_sql


class EventBase(DeclarativeBase):
    pass


class Note(EventBase):
    __tablename__ = "event_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))
    stamp: Mapped[str | None] = mapped_column(String(50))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    EventBase.metadata.create_all(engine)
    yield engine
    EventBase.metadata.drop_all(engine)


@pytest.fixture
def listening() -> Iterator[list[tuple[Any, str, Any]]]:
    """Listeners the test registers on shared targets; removed afterwards."""
    added: list[tuple[Any, str, Any]] = []
    yield added
    for target, name, fn in added:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)


def _texts(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(Note.text, Note.stamp).order_by(Note.id))
        return [(r[0], r[1]) for r in rows]


# -- Session events -------------------------------------------------------------------------


def test_before_flush_changes_are_flushed(db: Engine) -> None:
    """Objects a before_flush listener changes and adds are written by the same flush."""
    session = Session(db)

    @event.listens_for(session, "before_flush")
    def stamp(session: Session, context: Any, instances: Any) -> None:
        if not any(o.text == "extra" for o in session.new):
            session.add(Note(text="extra"))
        for obj in session.new:
            obj.stamp = "stamped"

    with session, recorded_sql() as sql:
        session.add(Note(text="a"))
        session.commit()
    assert len([s for s in dml(sql) if s.startswith("INSERT INTO event_notes")]) == 1
    assert sorted(_texts(db)) == [("a", "stamped"), ("extra", "stamped")]


def test_flush_and_transaction_events_in_order(db: Engine) -> None:
    """A commit fires after_transaction_create, after_begin, before_commit, the flush
    events, after_commit and after_transaction_end, in SQLAlchemy's order."""
    log: list[str] = []
    session = Session(db)
    for name in (
        "after_transaction_create",
        "before_commit",
        "after_commit",
        "after_transaction_end",
    ):
        event.listen(session, name, lambda *args, name=name: log.append(name))
    event.listen(session, "after_begin", lambda s, t, c: log.append("after_begin"))
    event.listen(session, "before_flush", lambda s, c, i: log.append("before_flush"))
    event.listen(session, "after_flush", lambda s, c: log.append(f"after_flush new={len(s.new)}"))
    event.listen(
        session,
        "after_flush_postexec",
        lambda s, c: log.append(f"after_flush_postexec new={len(s.new)}"),
    )
    with session:
        session.add(Note(text="a"))
        session.commit()
    assert log == [
        "after_transaction_create",
        "before_commit",
        "before_flush",
        "after_begin",
        "after_flush new=1",
        "after_flush_postexec new=0",
        "after_commit",
        "after_transaction_end",
    ]


def test_rollback_events(db: Engine) -> None:
    """rollback() fires after_rollback, then after_soft_rollback with the ended transaction."""
    log: list[Any] = []
    session = Session(db)
    event.listen(session, "after_rollback", lambda s: log.append("after_rollback"))
    event.listen(session, "after_soft_rollback", lambda s, t: log.append(("soft", t.is_active)))
    with session:
        session.add(Note(text="a"))
        session.flush()
        session.rollback()
    assert log == ["after_rollback", ("soft", False)]
    assert _texts(db) == []


def test_object_state_events(db: Engine) -> None:
    """Attach and state-transition events fire with the object as it moves."""
    log: list[str] = []
    session = Session(db, expire_on_commit=False)
    for name in (
        "before_attach",
        "after_attach",
        "transient_to_pending",
        "persistent_to_detached",
        "pending_to_transient",
    ):
        event.listen(session, name, lambda s, obj, name=name: log.append(f"{name} {obj.text}"))
    note, other = Note(text="kept"), Note(text="dropped")
    session.add(note)
    session.add(other)
    session.expunge(other)
    session.commit()
    session.close()
    assert log == [
        "before_attach kept",
        "transient_to_pending kept",
        "after_attach kept",
        "before_attach dropped",
        "transient_to_pending dropped",
        "after_attach dropped",
        "pending_to_transient dropped",
        "persistent_to_detached kept",
    ]


def test_flush_state_transition_events(db: Engine) -> None:
    """A flush moves objects pending -> persistent and persistent -> deleted, firing the
    transition events after after_flush."""
    log: list[str] = []
    session = Session(db, expire_on_commit=False)
    event.listen(session, "after_flush", lambda s, c: log.append("after_flush"))
    for name in ("pending_to_persistent", "persistent_to_deleted"):
        event.listen(session, name, lambda s, obj, name=name: log.append(f"{name} {obj.id}"))
    with session:
        note = Note(text="a")
        session.add(note)
        session.commit()
        session.delete(note)
        session.commit()
    assert log == [
        "after_flush",
        f"pending_to_persistent {note.id}",
        "after_flush",
        f"persistent_to_deleted {note.id}",
    ]


def test_listen_on_sessionmaker_scoped_session_and_class(
    db: Engine, listening: list[tuple[Any, str, Any]]
) -> None:
    """Listeners on a sessionmaker reach its sessions only; on scoped_session, its factory's;
    on the Session class, every session."""
    log: list[str] = []
    maker: sessionmaker[Session] = sessionmaker(db)
    scoped: scoped_session[Session] = scoped_session(sessionmaker(db))

    def on_maker(session: Session) -> None:
        log.append("maker")

    def on_scoped(session: Session) -> None:
        log.append("scoped")

    def on_class(session: Session) -> None:
        log.append("class")

    event.listen(maker, "before_commit", on_maker)
    event.listen(scoped, "before_commit", on_scoped)
    event.listen(Session, "before_commit", on_class)
    listening.append((Session, "before_commit", on_class))
    with maker() as session:
        session.commit()
    scoped().commit()
    scoped.remove()
    with Session(db) as session:
        session.commit()
    assert log == ["class", "maker", "class", "scoped", "class"]


def test_do_orm_execute_filters_and_reads_options(db: Engine) -> None:
    """do_orm_execute sees is_select, the statement and user options, can replace the
    statement, and can add execution options."""
    seen: list[Any] = []
    session = Session(db)
    session.add_all([Note(text="a"), Note(text="b")])
    session.commit()

    @event.listens_for(session, "do_orm_execute")
    def only_a(state: ORMExecuteState) -> None:
        seen.append(
            (state.is_select, state.is_update, [o.payload for o in state.user_defined_options])
        )
        if state.is_select and not state.execution_options.get("all_notes"):
            state.statement = state.statement.where(Note.text == "a")
            state.update_execution_options(populate_existing=True)

    with session:
        assert [n.text for n in session.scalars(select(Note).options(UserDefinedOption("x")))] == [
            "a"
        ]
        everything = select(Note).execution_options(all_notes=True).order_by(Note.text)
        assert [n.text for n in session.scalars(everything)] == ["a", "b"]
        session.execute(update(Note).values(stamp="u"))
    assert seen == [(True, False, ["x"]), (True, False, []), (False, True, [])]


def test_after_bulk_update_and_delete(db: Engine) -> None:
    """ORM-enabled update() and delete() fire after_bulk_update / after_bulk_delete with
    the statement and its row count."""
    from corral import delete

    log: list[tuple[str, int]] = []
    session = Session(db)
    event.listen(session, "after_bulk_update", lambda c: log.append(("update", c.rowcount)))
    event.listen(session, "after_bulk_delete", lambda c: log.append(("delete", c.rowcount)))
    with session:
        session.add_all([Note(text="a"), Note(text="b")])
        session.commit()
        session.execute(update(Note).where(Note.text == "a").values(stamp="x"))
        session.execute(delete(Note))
        session.commit()
    assert log == [("update", 1), ("delete", 2)]


def test_do_orm_execute_invoke_statement_result(db: Engine) -> None:
    """A listener may run the statement with invoke_statement() and return its Result."""
    session = Session(db)
    session.add(Note(text="a"))
    session.commit()
    counts: list[int] = []

    @event.listens_for(session, "do_orm_execute")
    def count(state: ORMExecuteState) -> Any:
        result = state.invoke_statement()
        counts.append(1)
        return result

    with session:
        assert [n.text for n in session.scalars(select(Note))] == ["a"]
    assert counts == [1]


# -- mapper events ----------------------------------------------------------------------------


def test_mapper_events_fire_around_writes(
    db: Engine, listening: list[tuple[Any, str, Any]]
) -> None:
    """before_insert may change the row written; after_* see the key; update and delete fire
    for each object."""
    log: list[Any] = []

    def before_insert(mapper: Mapper, connection: Any, target: Note) -> None:
        target.stamp = f"ins-{target.text}"
        log.append(("before_insert", target.id))

    def after_insert(mapper: Mapper, connection: Any, target: Note) -> None:
        log.append(("after_insert", target.id is not None))

    def before_update(mapper: Mapper, connection: Any, target: Note) -> None:
        target.stamp = "upd"
        log.append("before_update")

    def after_delete(mapper: Mapper, connection: Any, target: Note) -> None:
        log.append("after_delete")

    for name, fn in [
        ("before_insert", before_insert),
        ("after_insert", after_insert),
        ("before_update", before_update),
        ("after_delete", after_delete),
    ]:
        event.listen(Note, name, fn)
        listening.append((Note, name, fn))
    with Session(db) as session:
        note = Note(text="a")
        session.add(note)
        session.commit()
        assert _texts(db) == [("a", "ins-a")]
        note.text = "b"
        session.commit()
        assert _texts(db) == [("b", "upd")]
        session.delete(note)
        session.commit()
    assert log == [
        ("before_insert", None),
        ("after_insert", True),
        "before_update",
        "after_delete",
    ]
    assert _texts(db) == []


def test_propagate_on_base_reaches_classes_mapped_later(
    db: Engine, listening: list[tuple[Any, str, Any]]
) -> None:
    """propagate=True on a base class reaches subclasses mapped after the listen() call;
    without it, the unmapped base's listener reaches none."""
    log: list[str] = []

    class LaterBase(DeclarativeBase):
        pass

    def propagated(mapper: Mapper, connection: Any, target: Any) -> None:
        log.append(f"propagated {type(target).__name__}")

    def plain(mapper: Mapper, connection: Any, target: Any) -> None:
        log.append("plain")

    event.listen(LaterBase, "before_insert", propagated, propagate=True)
    event.listen(LaterBase, "before_insert", plain)

    class Later(LaterBase):
        __tablename__ = "event_later"
        id: Mapped[int] = mapped_column(primary_key=True)

    LaterBase.metadata.create_all(db)
    try:
        with Session(db) as session:
            session.add(Later())
            session.commit()
    finally:
        LaterBase.metadata.drop_all(db)
    assert log == ["propagated Later"]


def test_load_and_init_events(db: Engine, listening: list[tuple[Any, str, Any]]) -> None:
    """init fires in the constructor with its kwargs; load fires once per object made
    from a row, not for objects the identity map already holds."""
    log: list[str] = []

    def init(target: Note, args: Any, kwargs: dict[str, Any]) -> None:
        kwargs.setdefault("stamp", "from-init")
        log.append("init")

    def load(target: Note, context: Any) -> None:
        log.append(f"load {target.text}")

    event.listen(Note, "init", init)
    event.listen(Note, "load", load)
    listening.extend([(Note, "init", init), (Note, "load", load)])
    with Session(db) as session:
        session.add(Note(text="a"))
        session.commit()
    with Session(db) as session:
        notes = session.scalars(select(Note)).all()
        session.scalars(select(Note)).all()
    assert notes[0].stamp == "from-init"
    assert log == ["init", "load a"]


def test_mapper_configured_and_after_configured(listening: list[tuple[Any, str, Any]]) -> None:
    """configure_mappers() announces mappers created since the last time: the per-mapper
    events, then after_configured once."""
    from corral.orm import configure_mappers

    log: list[str] = []

    def configured(mapper: Mapper, cls: type) -> None:
        log.append(f"configured {cls.__name__}")

    def after() -> None:
        log.append("after_configured")

    event.listen(Mapper, "mapper_configured", configured)
    event.listen(Mapper, "after_configured", after)
    listening.extend(
        [(Mapper, "mapper_configured", configured), (Mapper, "after_configured", after)]
    )

    class ConfBase(DeclarativeBase):
        pass

    class Configured(ConfBase):
        __tablename__ = "event_configured"
        id: Mapped[int] = mapped_column(primary_key=True)

    assert log == []  # nothing until the mappers are used or configured
    configure_mappers()
    assert "configured Configured" in log
    assert log[-1] == "after_configured" and log.count("after_configured") == 1
    log.clear()
    configure_mappers()
    assert log == []  # announced once


# -- a listener that raises -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["before_insert", "after_insert"])
def test_listener_raising_mid_flush_rolls_back(
    db: Engine, listening: list[tuple[Any, str, Any]], name: str
) -> None:
    """A mapper listener that raises: the error propagates naming the listener, nothing is
    written, and the session waits for rollback() as after any failed flush."""
    calls: list[int] = []

    def refuse(mapper: Mapper, connection: Any, target: Note) -> None:
        calls.append(1)
        if target.text == "bad":
            raise ValueError("refused")

    event.listen(Note, name, refuse)
    listening.append((Note, name, refuse))
    with Session(db) as session:
        session.add_all([Note(text="good"), Note(text="bad")])
        with pytest.raises(ValueError, match="refused") as info:
            session.flush()
        assert any("refuse" in note and name in note for note in info.value.__notes__)
        assert not session.is_active
        with pytest.raises(exc.PendingRollbackError):
            session.commit()
        session.rollback()
        assert len(session.new) == 0
    assert _texts(db) == []


def test_after_flush_raising_rolls_back(db: Engine) -> None:
    """An after_flush listener that raises undoes the flush's writes."""
    session = Session(db)

    @event.listens_for(session, "after_flush")
    def fail(session: Session, context: Any) -> None:
        raise RuntimeError("audit failed")

    with session:
        session.add(Note(text="a"))
        with pytest.raises(RuntimeError, match="audit failed"):
            session.commit()
        session.rollback()
    assert _texts(db) == []


# -- engine and pool events -------------------------------------------------------------------


def test_cursor_execute_events_and_retval(db: Engine) -> None:
    """before_cursor_execute with retval=True rewrites the SQL sent; after_cursor_execute
    sees what was sent."""
    sent: list[str] = []

    @event.listens_for(db, "before_cursor_execute", retval=True)
    def comment(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):  # type: ignore[no-untyped-def]
        return statement + " -- tagged", params

    @event.listens_for(db, "after_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(statement)

    with db.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert sent == ["SELECT 1 -- tagged"]
    event.remove(db, "before_cursor_execute", comment)
    with db.connect() as connection:
        connection.execute(text("SELECT 2"))
    assert sent[-1] == "SELECT 2"


def test_before_execute_and_transaction_events(db: Engine) -> None:
    """before/after_execute see the statement; begin, commit, rollback and savepoint
    events fire on the connection."""
    log: list[str] = []
    event.listen(db, "before_execute", lambda conn, stmt, mp, p, o: log.append("before_execute"))
    event.listen(db, "after_execute", lambda conn, stmt, mp, p, o, r: log.append("after_execute"))
    for name in ("begin", "commit", "rollback"):
        event.listen(db, name, lambda conn, name=name: log.append(name))
    event.listen(db, "savepoint", lambda conn, sp: log.append("savepoint"))
    event.listen(db, "rollback_savepoint", lambda conn, sp, ctx: log.append("rollback_savepoint"))
    with db.connect() as connection:
        connection.execute(select(Note.id))
        savepoint = connection.begin_nested()
        savepoint.rollback()
        connection.commit()
        connection.execute(select(Note.id))
        connection.rollback()
    assert log == [
        "before_execute",
        "begin",
        "after_execute",
        "savepoint",
        "rollback_savepoint",
        "commit",
        "before_execute",
        "begin",
        "after_execute",
        "rollback",
    ]


def test_handle_error_may_replace_the_exception(db: Engine) -> None:
    """handle_error sees the failure and may return another exception to raise."""

    class Friendly(Exception):
        pass

    @event.listens_for(db, "handle_error")
    def replace(context: Any) -> Exception:
        assert context.statement.startswith("SELECT nothing")
        return Friendly(type(context.original_exception).__name__)

    with db.connect() as connection, pytest.raises(Friendly):
        connection.execute(text("SELECT nothing FROM no_such_table"))


def test_pool_events_on_engine(make_engine: Any) -> None:
    """connect and first_connect fire when a connection is opened; checkout and checkin
    on each use; close when the pool closes it."""
    engine = make_engine()
    log: list[str] = []
    for name in ("connect", "first_connect", "checkin", "close"):
        event.listen(engine, name, lambda dbapi, record, name=name: log.append(name))
    event.listen(engine, "checkout", lambda dbapi, record, proxy: log.append("checkout"))
    with engine.connect():
        pass
    with engine.connect():
        pass
    engine.dispose()
    assert log == [
        "first_connect",
        "connect",
        "checkout",
        "checkin",
        "checkout",
        "checkin",
        "close",
    ]


# -- attribute events -----------------------------------------------------------------------


class Shelf(EventBase):
    __tablename__ = "event_shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(back_populates="shelf")


class Book(EventBase):
    __tablename__ = "event_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("event_shelves.id"))
    shelf: Mapped[Shelf | None] = relationship(back_populates="books")


def test_attribute_set_retval_changes_the_value_written(
    db: Engine, listening: list[tuple[Any, str, Any]]
) -> None:
    """A set listener with retval=True replaces the value, in the constructor and on
    assignment; the flush writes the replaced value."""
    seen: list[Any] = []

    def upper(target: Shelf, value: str, oldvalue: Any, initiator: Any) -> str:
        seen.append((value, initiator.op))
        return value.upper()

    event.listen(Shelf.label, "set", upper, retval=True)
    listening.append((Shelf.label, "set", upper))
    with Session(db) as session:
        shelf = Shelf(label="fiction")
        session.add(shelf)
        session.commit()
        shelf.label = "poetry"
        session.commit()
        assert session.scalars(select(Shelf.label)).all() == ["POETRY"]
    assert seen == [("fiction", "set"), ("poetry", "set")]


def test_attribute_collection_events(db: Engine, listening: list[tuple[Any, str, Any]]) -> None:
    """append and remove fire for a relationship collection, set for its many-to-one,
    modified after each; the flush still writes the change."""
    log: list[str] = []

    def appended(target: Shelf, value: Book, initiator: Any) -> None:
        log.append("append")

    def removed(target: Shelf, value: Book, initiator: Any) -> None:
        log.append("remove")

    def modified(target: Shelf, initiator: Any) -> None:
        log.append(f"modified {initiator.op}")

    def shelf_set(target: Book, value: Any, oldvalue: Any, initiator: Any) -> None:
        log.append("set shelf")

    registrations: list[tuple[Any, str, Callable[..., Any]]] = [
        (Shelf.books, "append", appended),
        (Shelf.books, "remove", removed),
        (Shelf.books, "modified", modified),
        (Book.shelf, "set", shelf_set),
    ]
    for target, name, fn in registrations:
        event.listen(target, name, fn)
        listening.append((target, name, fn))
    with Session(db) as session:
        shelf, book = Shelf(label="a"), Book()
        shelf.books.append(book)
        session.add(shelf)
        session.commit()
        shelf.books.remove(book)
        book.shelf = shelf
        session.commit()
        assert session.scalars(select(Book.shelf_id)).all() == [shelf.id]
    assert log == [
        "append",  # shelf.books.append(book) ...
        "modified append",
        "set shelf",  # ... and its backref, book.shelf
        "remove",
        "modified remove",
        "set shelf",  # book.shelf = shelf ...
        "append",  # ... and its backref, shelf.books
        "modified append",
    ]


# -- with_loader_criteria ---------------------------------------------------------------------


class SoftDeleted:
    hidden: Mapped[bool] = mapped_column(default=False)


class Memo(SoftDeleted, EventBase):
    __tablename__ = "event_memos"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(50))


def _soft_delete_session(engine: Engine) -> Session:
    session = Session(engine)

    @event.listens_for(session, "do_orm_execute")
    def hide(state: ORMExecuteState) -> None:
        if state.is_select and not state.execution_options.get("include_hidden"):
            state.statement = state.statement.options(
                with_loader_criteria(
                    SoftDeleted, lambda cls: cls.hidden == false(), include_aliases=True
                )
            )

    return session


def test_with_loader_criteria_soft_delete(db: Engine) -> None:
    """A do_orm_execute listener adding with_loader_criteria() on a mixin filters every
    select of its mapped subclasses (entities, columns, aliases) until asked not to."""
    with _soft_delete_session(db) as session:
        gone = Memo(body="gone")
        gone.hidden = True
        session.add_all([Memo(body="shown"), gone])
        session.commit()
        assert [m.body for m in session.scalars(select(Memo))] == ["shown"]
        assert session.scalars(select(Memo.body)).all() == ["shown"]
        alias = aliased(Memo)
        assert [m.body for m in session.scalars(select(alias))] == ["shown"]
        everything = select(Memo.body).order_by(Memo.body).execution_options(include_hidden=True)
        assert session.scalars(everything).all() == ["gone", "shown"]


def test_with_loader_criteria_expression_and_refusals(db: Engine) -> None:
    """A plain expression works for the class itself; aliases need a lambda and
    loader_only=True is refused, each naming the fix."""
    with Session(db) as session:
        session.add_all([Memo(body="a"), Memo(body="b")])
        session.commit()
        only_a = with_loader_criteria(Memo, Memo.body == "a")
        assert session.scalars(select(Memo.body).options(only_a)).all() == ["a"]
        with pytest.raises(exc.ArgumentError, match="as a lambda"):
            aliased_memo = aliased(Memo)
            option = with_loader_criteria(Memo, Memo.body == "a", include_aliases=True)
            session.scalars(select(aliased_memo).options(option)).all()
    with pytest.raises(exc.ArgumentError, match="loader_only"):
        with_loader_criteria(Memo, Memo.body == "a", loader_only=True)


def test_instrumentation_backref_and_delete_events(db: Engine) -> None:
    """attribute_instrument on a base hears each attribute of classes mapped under it;
    a backref's other side fires its own events; ``del obj.column`` fires ``remove``."""
    log: list[str] = []

    class Base(DeclarativeBase):
        pass

    def instrument(cls: type, key: str, inst: Any) -> None:
        event.listen(inst, "set", lambda t, v, o, i: log.append(f"set {key}={v!r} was {o}"))
        event.listen(inst, "append", lambda t, v, i: log.append(f"append {key}"))
        event.listen(inst, "remove", lambda t, v, i: log.append(f"remove {key}={v!r}"))

    event.listen(Base, "attribute_instrument", instrument)

    class Box(Base):
        __tablename__ = "event_boxes"
        id: Mapped[int] = mapped_column(primary_key=True)
        items: Mapped[list[Item]] = relationship(back_populates="box")

    class Item(Base):
        __tablename__ = "event_items"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str | None] = mapped_column(String(20))
        box_id: Mapped[int | None] = mapped_column(ForeignKey("event_boxes.id"))
        box: Mapped[Box | None] = relationship(back_populates="items")

    Base.metadata.create_all(db)
    try:
        box, item = Box(), Item(name="a")
        box.items.append(item)
        del item.name
        with Session(db) as session:
            session.add(box)
            session.commit()
            assert session.scalars(select(Item.name)).all() == [None]
    finally:
        Base.metadata.drop_all(db)
    assert log == [
        "set name='a' was LoaderCallableStatus.NO_VALUE",
        "append items",
        f"set box={box!r} was LoaderCallableStatus.NO_VALUE",
        "remove name='a'",
    ]


def test_init_scalar_gives_defaults_to_new_objects(
    db: Engine, listening: list[tuple[Any, str, Any]]
) -> None:
    """init_scalar on a mapper's column property: reading an unset attribute of a new
    object returns the listener's value; stored in dict_, it is INSERTed."""

    def default_stamp(target: Note, value: Any, dict_: dict[str, Any]) -> str:
        dict_["stamp"] = "default"
        return "default"

    prop = Note.__mapper__.column_attrs["stamp"]
    event.listen(prop, "init_scalar", default_stamp, retval=True)
    listening.append((Note.stamp, "init_scalar", default_stamp))
    note = Note(text="a")
    assert note.stamp == "default"
    with Session(db) as session:
        session.add(note)
        session.commit()
        loaded = session.scalars(select(Note)).one()
        assert loaded.stamp == "default"
    assert _texts(db) == [("a", "default")]


class Folder(SoftDeleted, EventBase):
    __tablename__ = "event_folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    files: Mapped[list[Paper]] = relationship()


class Paper(SoftDeleted, EventBase):
    __tablename__ = "event_papers"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("event_folders.id"))


def test_loader_criteria_reach_relationship_loads(db: Engine) -> None:
    """with_loader_criteria() added to the query by a listener that skips relationship
    loads still filters the selectin and lazy loads of the objects it loaded
    (propagate_to_loaders), and Session.get() of a hidden row finds nothing."""
    seen: list[bool] = []
    session = Session(db)

    @event.listens_for(session, "do_orm_execute")
    def hide(state: ORMExecuteState) -> None:
        seen.append(state.is_relationship_load)
        if state.is_select and not state.is_relationship_load:
            state.statement = state.statement.options(
                with_loader_criteria(SoftDeleted, lambda cls: cls.hidden == false())
            )

    with session:
        hidden = Paper(id=2)
        hidden.hidden = True
        gone = Folder(id=2)
        gone.hidden = True
        session.add_all([Folder(id=1, files=[Paper(id=1), hidden]), gone])
        session.commit()
        session.expunge_all()
        assert session.get(Folder, 2) is None
        folder = session.get(Folder, 1)
        assert folder is not None and [p.id for p in folder.files] == [1]  # lazy
        session.expunge_all()
        loaded = session.scalars(select(Folder).options(selectinload(Folder.files))).all()
        assert [[p.id for p in f.files] for f in loaded] == [[1]]
    assert seen == [False, False, True, False, True]
