"""corral.event's API without a database: listen, remove, contains and their options."""

from __future__ import annotations

from typing import Any

import pytest

from corral import create_engine, event, exc
from corral.event.dispatch import Dispatch
from corral.orm import Session, sessionmaker


def test_no_listener_means_an_empty_tuple() -> None:
    """A target nothing listens to has an empty tuple per event: one falsy check."""
    session = Session()
    assert session.dispatch.before_flush == ()
    assert not session.dispatch.listening


def test_listen_contains_remove() -> None:
    """listen() registers, contains() sees it, remove() takes it away."""
    session = Session()

    def hook(session: Session) -> None:
        pass

    event.listen(session, "before_commit", hook)
    assert event.contains(session, "before_commit", hook)
    assert session.dispatch.before_commit
    event.remove(session, "before_commit", hook)
    assert not event.contains(session, "before_commit", hook)
    assert session.dispatch.before_commit == ()


def test_instance_listener_stays_on_the_instance() -> None:
    """A listener on one Session does not reach the class or other sessions."""
    first, second = Session(), Session()
    event.listen(first, "before_commit", lambda s: None)
    assert first.dispatch.before_commit
    assert not second.dispatch.before_commit
    assert not Session._class_dispatch.before_commit


def test_maker_listener_reaches_only_its_sessions() -> None:
    """A sessionmaker's listener is on the sessions it makes, and not on other sessions."""
    maker: sessionmaker[Session] = sessionmaker()
    event.listen(maker, "before_commit", lambda s: None)
    assert maker().dispatch.before_commit
    assert not Session().dispatch.before_commit


def test_class_listener_added_later_reaches_existing_children() -> None:
    """A listener added to the parent dispatch reaches a child made before it."""
    parent = Dispatch({"ping"})
    child = parent._child()
    assert not child.ping
    parent._add_listener(_listener("ping", lambda: "parent"))
    assert [call() for call in child.ping] == ["parent"]


def _listener(name: str, fn: Any) -> Any:
    from corral.event.dispatch import Listener

    return Listener(fn, name, fn, False)


def test_once_runs_a_single_time() -> None:
    """once=True: the listener runs on the first occurrence only."""
    calls: list[int] = []
    session = Session()
    event.listen(session, "after_soft_rollback", lambda s, t: calls.append(1), once=True)
    for call in session.dispatch.after_soft_rollback * 1:
        call(session, None)
        call(session, None)
    assert calls == [1]


def test_insert_puts_the_listener_first() -> None:
    """insert=True: the listener runs before those registered earlier."""
    order: list[str] = []
    session = Session()
    event.listen(session, "before_commit", lambda s: order.append("first"))
    event.listen(session, "before_commit", lambda s: order.append("inserted"), insert=True)
    for call in session.dispatch.before_commit:
        call(session)
    assert order == ["inserted", "first"]


def test_named_passes_keyword_arguments() -> None:
    """named=True: the listener receives the event's arguments by name."""
    seen: dict[str, Any] = {}
    session = Session()
    event.listen(session, "after_begin", lambda **kw: seen.update(kw), named=True)
    for call in session.dispatch.after_begin:
        call(session, "tx", "conn")
    assert seen == {"session": session, "transaction": "tx", "connection": "conn"}


def test_listens_for_returns_the_function() -> None:
    """listens_for() registers and gives the decorated function back unchanged."""
    session = Session()

    @event.listens_for(session, "before_commit")
    def hook(session: Session) -> None:
        pass

    assert callable(hook) and event.contains(session, "before_commit", hook)


def test_unknown_event_names_what_the_target_offers() -> None:
    """A misspelt event raises, listing the events the target has."""
    with pytest.raises(exc.InvalidRequestError, match=r"'before_flsuh'.*before_flush"):
        event.listen(Session(), "before_flsuh", lambda *a: None)


def test_target_without_events_is_refused() -> None:
    """An object no family accepts raises, naming what events attach to."""
    with pytest.raises(exc.InvalidRequestError, match="No events are defined for 42"):
        event.listen(42, "before_flush", lambda *a: None)


def test_unsupported_option_is_refused() -> None:
    """An option listen() does not know raises, naming it and the options it takes."""
    with pytest.raises(exc.ArgumentError, match="restore_load_context not supported"):
        event.listen(Session(), "before_commit", lambda s: None, restore_load_context=True)


def test_retval_where_it_means_nothing_is_refused() -> None:
    """retval=True on an event whose listener's value is not used raises."""
    with pytest.raises(exc.ArgumentError, match="does not use a listener's return value"):
        event.listen(Session(), "before_commit", lambda s: None, retval=True)


def test_removing_what_was_not_registered_raises() -> None:
    """remove() of a function that does not listen raises, saying so."""
    with pytest.raises(exc.InvalidRequestError, match="No listener"):
        event.remove(Session(), "before_commit", lambda s: None)


def test_a_listener_error_names_the_listener() -> None:
    """An exception from a listener propagates unchanged, with a note naming it."""
    session = Session()

    def broken(session: Session) -> None:
        raise KeyError("boom")

    event.listen(session, "before_commit", broken)
    with pytest.raises(KeyError) as info:
        session.dispatch.before_commit[0](session)
    assert "broken of event SessionEvents.before_commit" in info.value.__notes__[0]


def test_cursor_listener_without_retval_passes_values_through() -> None:
    """Without retval=True a before_cursor_execute listener's return value is ignored."""
    engine = create_engine("sqlite://")
    event.listen(engine, "before_cursor_execute", lambda *args: ("ignored", None))
    (call,) = engine.dispatch.before_cursor_execute
    assert call(None, None, "SELECT 1", {}, None, False) == ("SELECT 1", {})


def test_pool_event_on_engine_goes_to_its_pool() -> None:
    """A pool event given on an Engine listens on that engine's pool."""
    engine = create_engine("sqlite://")
    event.listen(engine, "checkout", lambda *args: None)
    assert engine.pool.dispatch.checkout
    assert not create_engine("sqlite://").pool.dispatch.checkout


def test_a_configure_listener_on_mapper_leaves_flushes_on_their_plain_path() -> None:
    """A listener for a configure-time event on every mapper (``Mapper``) makes no flush take
    the listener path; a before_insert listener on the class does."""
    from corral import Integer
    from corral.orm import DeclarativeBase, Mapped, Mapper, mapped_column
    from corral.orm.session import flush_events

    class Base(DeclarativeBase):
        pass

    class Plain(Base):
        __tablename__ = "plain_flush_path"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    def configured(*args: Any) -> None:
        pass

    def before_insert(*args: Any) -> None:
        pass

    session = Session()
    event.listen(Mapper, "mapper_configured", configured)
    try:
        assert not flush_events.listening(session, [Plain])
        event.listen(Plain, "before_insert", before_insert)
        assert flush_events.listening(session, [Plain])
        event.remove(Plain, "before_insert", before_insert)
    finally:
        event.remove(Mapper, "mapper_configured", configured)


def test_class_listener_reaches_sessions_made_before() -> None:
    """A listener added to a Session subclass later reaches that subclass's existing
    sessions, and no session of another class."""

    class Mine(Session):
        pass

    made_before = Mine()

    def hook(session: Session) -> None:
        pass

    event.listen(Mine, "before_commit", hook)
    try:
        assert made_before.dispatch.before_commit
        assert Mine().dispatch.before_commit
        assert not Session().dispatch.before_commit
    finally:
        event.remove(Mine, "before_commit", hook)
    assert not made_before.dispatch.before_commit


def test_pool_class_listener_reaches_pools_made_before() -> None:
    """A listener on a pool class reaches a pool of that class made before it."""
    from corral.pool import QueuePool, StaticPool

    engine = create_engine("sqlite://")
    pool = engine.pool

    def hook(*args: Any) -> None:
        pass

    event.listen(type(pool), "checkout", hook)
    try:
        assert pool.dispatch.checkout
        other = StaticPool if type(pool) is QueuePool else QueuePool
        assert not other._class_dispatch.checkout
    finally:
        event.remove(type(pool), "checkout", hook)
    assert not pool.dispatch.checkout


def test_hot_classes_have_no_class_level_dispatch() -> None:
    """Session, the pools and Mapper keep the attributes their hot paths check on the
    instance only: CPython 3.11 never specializes reading an instance attribute that a
    class attribute of the same name shadows (several times the cost of each check)."""
    from corral.orm import Mapper
    from corral.pool import NullPool, QueuePool, StaticPool

    for cls, name in [
        (Session, "dispatch"),
        (QueuePool, "dispatch"),
        (StaticPool, "dispatch"),
        (NullPool, "dispatch"),
        (Mapper, "constructor_events"),
    ]:
        assert all(name not in vars(base) for base in cls.__mro__), (cls, name)
