"""A select of one class with no eager loads reads its rows a chunk (``PAUSE_AT`` rows) at a
time and makes each chunk's objects before reading the next, so only one chunk of raw rows is
held at once; the objects, the identity map, events and errors are as with one fetch."""

from __future__ import annotations

from typing import Any

import pytest

from corral import Engine, Session, event, insert, select
from corral.util.gc_pause import PAUSE_AT
from tests.integration.orm_models import User, create_schema, dml, recorded_sql

TOTAL = 2 * PAUSE_AT + 3  # two whole chunks and part of a third


@pytest.fixture
def users(engine: Engine) -> Engine:
    """An engine whose database holds users 1..TOTAL, named u1..."""
    create_schema(engine)
    with Session(engine) as session:
        session.execute(insert(User), [{"id": i, "name": f"u{i}"} for i in range(1, TOTAL + 1)])
        session.commit()
    return engine


def test_rows_become_objects_a_chunk_at_a_time(users: Engine) -> None:
    """One SELECT; a load listener on the first object sees only the first chunk's rows read,
    on the last object all of them; every object is built once, in row order."""
    seen: list[int] = []

    def on_load(obj: User, context: Any) -> None:
        seen.append(session.stats.rows_fetched - before)

    event.listen(User, "load", on_load)
    try:
        with Session(users) as session:
            before = session.stats.rows_fetched
            with recorded_sql() as sql:
                loaded = session.scalars(select(User).order_by(User.id)).all()
            assert session.stats.objects_loaded == TOTAL
    finally:
        event.remove(User, "load", on_load)
    assert len(dml(sql)) == 1
    assert [u.id for u in loaded] == list(range(1, TOTAL + 1))
    assert [u.name for u in loaded[-2:]] == [f"u{TOTAL - 1}", f"u{TOTAL}"]
    assert len({id(u) for u in loaded}) == TOTAL
    assert seen[0] == PAUSE_AT and seen[PAUSE_AT] == 2 * PAUSE_AT and seen[-1] == TOTAL


def test_objects_already_in_the_session_are_kept_across_chunks(users: Engine) -> None:
    """An object of a later chunk already in the identity map is the one returned: its
    unflushed change wins, unless populate_existing reloads it from its row."""
    later = PAUSE_AT + 10
    with Session(users) as session:
        known = session.get(User, later)
        assert known is not None
        with session.no_autoflush:
            known.name = "changed"
            loaded = session.scalars(select(User).order_by(User.id)).all()
            assert loaded[later - 1] is known and known.name == "changed"
            assert session.is_modified(known)
            statement = select(User).order_by(User.id).execution_options(populate_existing=True)
            reloaded = session.scalars(statement).all()
        assert reloaded[later - 1] is known and known.name == f"u{later}"
        assert not session.is_modified(known)
        assert all(a is b for a, b in zip(reloaded, loaded, strict=True))


def _cursor_closed(cursor: Any) -> bool:
    """Whether a DB-API cursor was closed (sqlite3 and psycopg refuse to fetch; PyMySQL
    drops its connection)."""
    if getattr(cursor, "closed", False) is True:
        return True
    if hasattr(cursor, "connection") and cursor.connection is None:
        return True
    try:
        cursor.fetchone()
    except Exception:
        return True
    return False


def test_a_listener_failing_mid_load_releases_the_cursor(users: Engine) -> None:
    """A load listener raising on an object of the second chunk: its error propagates, the
    cursor with the unread rows is closed, and the session goes on working."""
    cursors: list[Any] = []

    def on_execute(conn: Any, cursor: Any, *args: Any) -> None:
        cursors.append(cursor)

    def on_load(obj: User, context: Any) -> None:
        if obj.id == PAUSE_AT + 1:
            raise RuntimeError("refused")

    event.listen(users, "before_cursor_execute", on_execute)
    event.listen(User, "load", on_load)
    try:
        with Session(users) as session:
            with pytest.raises(RuntimeError, match="refused"):
                session.scalars(select(User).order_by(User.id)).all()
            assert _cursor_closed(cursors[-1])
            event.remove(User, "load", on_load)
            assert len(session.scalars(select(User)).all()) == TOTAL
            session.commit()
    finally:
        event.remove(users, "before_cursor_execute", on_execute)
        if event.contains(User, "load", on_load):
            event.remove(User, "load", on_load)
