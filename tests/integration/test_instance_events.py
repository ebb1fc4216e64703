"""Instance events of a row's life after loading (refresh, refresh_flush, expire), the
collection's bulk_replace and the pool's reset and invalidate, on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, ForeignKey, String, event, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class InstanceBase(DeclarativeBase):
    pass


class Gauge(InstanceBase):
    __tablename__ = "instance_event_gauges"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(30), default="c0")
    counter: Mapped[int] = mapped_column(default=0, onupdate=lambda: 7)
    rack_id: Mapped[int | None] = mapped_column(ForeignKey("instance_event_racks.id"))


class Rack(InstanceBase):
    __tablename__ = "instance_event_racks"
    id: Mapped[int] = mapped_column(primary_key=True)
    gauges: Mapped[list[Gauge]] = relationship()


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    InstanceBase.metadata.create_all(engine)
    yield engine
    InstanceBase.metadata.drop_all(engine)


@pytest.fixture
def log() -> Iterator[list[str]]:
    """What the Gauge listeners saw; the listeners are removed afterwards."""
    seen: list[str] = []

    def shown(attrs: Any) -> str:
        return "all" if attrs is None else ",".join(sorted(attrs))

    def refreshed(target: Gauge, context: Any, attrs: Any) -> None:
        seen.append(f"refresh {shown(attrs)}")

    def refreshed_in_flush(target: Gauge, flush_context: Any, attrs: Any) -> None:
        seen.append(f"refresh_flush {shown(attrs)}")

    def expired(target: Gauge, attrs: Any) -> None:
        seen.append(f"expire {shown(attrs)}")

    listeners = [("refresh", refreshed), ("refresh_flush", refreshed_in_flush)]
    listeners.append(("expire", expired))  # type: ignore[arg-type]
    for name, fn in listeners:
        event.listen(Gauge, name, fn)
    yield seen
    for name, fn in listeners:
        event.remove(Gauge, name, fn)


def test_refresh_refresh_flush_and_expire_fire_as_in_sqlalchemy(db: Engine, log: list[str]) -> None:
    """refresh_flush names the defaults a flush set, expire the attributes dropped (all on
    commit), refresh the attributes a row filled (all for Session.refresh() and
    populate_existing); a query that fills nothing fires nothing. The sequence is the one
    SQLAlchemy 2.0 gives for the same program."""
    with Session(db) as session:
        gauge = Gauge(name="a")
        session.add(gauge)
        session.flush()
        log.append("|")
        gauge.name = "b"
        session.flush()
        session.commit()
        log.append("|")
        assert gauge.name == "b"
        session.expire(gauge, ["name"])
        session.scalars(select(Gauge)).all()
        log.append("|")
        session.refresh(gauge)
        session.refresh(gauge, ["name", "code"])
        log.append("|")
        session.scalars(select(Gauge).execution_options(populate_existing=True)).all()
        session.scalars(select(Gauge)).all()
        log.append("|")
        session.expire_all()
        gauge.name = "z"
        session.rollback()
    assert log == [
        "refresh_flush code,counter",
        "|",
        "refresh_flush counter",
        "expire all",
        "|",
        "refresh code,counter,id,name,rack_id",
        "expire name",
        "refresh name",
        "|",
        "expire all",
        "refresh all",
        "expire code,name",
        "refresh code,name",
        "|",
        "refresh all",
        "|",
        "expire all",
        "expire all",
    ]
    with Session(db) as session:
        assert session.scalars(select(Gauge.counter)).all() == [7]


def test_refresh_flush_listener_raising_rolls_the_flush_back(db: Engine) -> None:
    """A refresh_flush listener that raises fails the flush: the error propagates, the
    transaction rolls back, the object is pending again and no row was written."""

    def refuse(target: Gauge, flush_context: Any, attrs: Any) -> None:
        raise RuntimeError(f"refused {sorted(attrs)}")

    event.listen(Gauge, "refresh_flush", refuse)
    try:
        with Session(db) as session:
            gauge = Gauge(name="a")
            session.add(gauge)
            with pytest.raises(RuntimeError, match=r"refused \['code', 'counter'\]"):
                session.flush()
            session.rollback()
            assert gauge not in session
    finally:
        event.remove(Gauge, "refresh_flush", refuse)
    with Session(db) as session:
        assert session.scalars(select(Gauge)).all() == []


def test_bulk_replace_may_change_the_assigned_list(db: Engine) -> None:
    """bulk_replace fires when a collection is assigned, before the replacement; what the
    listener does to the list in place is what the collection holds and the flush writes."""
    seen: list[list[str]] = []

    def complete(target: Rack, values: list[Gauge], initiator: Any) -> None:
        seen.append([g.name for g in values])
        values.append(Gauge(name="spare"))

    event.listen(Rack.gauges, "bulk_replace", complete)
    try:
        with Session(db) as session:
            rack = Rack()
            rack.gauges = [Gauge(name="a"), Gauge(name="b")]
            assert [g.name for g in rack.gauges] == ["a", "b", "spare"]
            session.add(rack)
            session.commit()
            names = session.scalars(select(Gauge.name).order_by(Gauge.name)).all()
            assert names == ["a", "b", "spare"]
    finally:
        event.remove(Rack.gauges, "bulk_replace", complete)
    assert seen == [["a", "b"]]


def test_pool_reset_and_invalidate_events(make_engine: Any) -> None:
    """reset fires when a connection goes back to the pool (before its rollback),
    invalidate when the connection is invalidated, with the exception given."""
    engine = make_engine()
    log: list[Any] = []
    event.listen(engine, "reset", lambda dbapi, record, state: log.append("reset"))
    event.listen(engine, "invalidate", lambda dbapi, record, error: log.append(error))
    with engine.connect():
        pass
    problem = ValueError("stale")
    with engine.connect() as connection:
        connection.invalidate(problem)
    assert log == ["reset", problem]


def test_object_state_events_of_loading_commit_and_rollback(db: Engine) -> None:
    """loaded_as_persistent fires for objects made from rows (not for those the session
    holds); deleted_to_detached when a deletion commits; a rollback fires
    pending_to_transient, persistent_to_transient (the INSERT undone) and
    deleted_to_persistent (the DELETE undone), in SQLAlchemy's order."""
    with Session(db) as session:
        session.add_all([Gauge(name="a"), Gauge(name="b")])
        session.commit()
    log: list[tuple[str, str]] = []
    names = (
        "loaded_as_persistent",
        "deleted_to_detached",
        "deleted_to_persistent",
        "persistent_to_transient",
        "pending_to_transient",
    )
    with Session(db) as session:
        for name in names:
            event.listen(
                session,
                name,
                lambda s, obj, name=name: log.append((name, obj.__dict__.get("name", "?"))),
            )
        first, second = session.scalars(select(Gauge).order_by(Gauge.id)).all()
        session.scalars(select(Gauge)).all()  # already held: no event
        assert session.get(Gauge, first.id) is first
        log.append(("|", ""))
        session.delete(first)
        session.commit()
        log.append(("|", ""))
        second.name = "b"  # loaded again, so the events can name it
        session.delete(second)
        session.flush()
        session.rollback()
        log.append(("|", ""))
        flushed = Gauge(name="c")
        session.add(flushed)
        session.flush()
        session.add(Gauge(name="d"))
        session.rollback()
    assert log == [
        ("loaded_as_persistent", "a"),
        ("loaded_as_persistent", "b"),
        ("|", ""),
        ("deleted_to_detached", "a"),
        ("|", ""),
        ("deleted_to_persistent", "b"),
        ("|", ""),
        ("pending_to_transient", "d"),
        ("persistent_to_transient", "c"),
    ]
    with Session(db) as session:
        assert session.scalars(select(Gauge.name)).all() == ["b"]


def test_load_events_fire_for_get(db: Engine) -> None:
    """Session.get() of a row not in the session fires load and loaded_as_persistent, as
    a query does."""
    with Session(db) as session:
        session.add(Gauge(name="a"))
        session.commit()
        key = session.scalars(select(Gauge.id)).one()
    seen: list[str] = []

    def loaded(target: Gauge, context: Any) -> None:
        seen.append(f"load {target.name}")

    event.listen(Gauge, "load", loaded)
    try:
        with Session(db) as session:
            event.listen(
                session, "loaded_as_persistent", lambda s, obj: seen.append("loaded_as_persistent")
            )
            gauge = session.get(Gauge, key)
            assert gauge is not None and session.get(Gauge, key) is gauge
    finally:
        event.remove(Gauge, "load", loaded)
    assert seen == ["load a", "loaded_as_persistent"]
