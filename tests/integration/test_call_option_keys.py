"""An application's key in one call's ``execution_options=``: read by that call's listeners
when one is registered, refused (naming the key) when none is, on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, String, event, exc, select, text
from corral.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column


class KeyBase(DeclarativeBase):
    pass


class Task(KeyBase):
    __tablename__ = "call_key_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(30))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    KeyBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Task(owner="ann"), Task(owner="bob")])
        session.commit()
    yield engine
    KeyBase.metadata.drop_all(engine)


def test_session_call_key_reaches_do_orm_execute(db: Engine) -> None:
    """A do_orm_execute listener reads the call's own key (in execution_options and
    local_execution_options) and may act on it; the key a listener adds with
    update_execution_options is accepted too; the ORM options of the call still apply."""
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []
    with Session(db) as session:

        @event.listens_for(session, "do_orm_execute")
        def only_owner(state: ORMExecuteState) -> None:
            seen.append((dict(state.local_execution_options), dict(state.execution_options)))
            owner = state.execution_options.get("owner")
            if state.is_select and owner is not None:
                state.statement = state.statement.where(Task.owner == owner)
                state.update_execution_options(filtered_by="only_owner")

        mine = session.scalars(select(Task.owner), execution_options={"owner": "ann"}).all()
        task = session.scalars(select(Task).where(Task.owner == "bob")).one()
        task.owner = "changed, not flushed"
        with session.no_autoflush:
            reread = session.scalars(
                select(Task),
                execution_options={"owner": "bob", "populate_existing": True, "autoflush": False},
            ).one()
    assert mine == ["ann"]
    assert reread is task and task.owner == "bob"  # populate_existing still applied
    assert seen[0] == ({"owner": "ann"}, {"owner": "ann"})
    assert seen[2][0] == {"owner": "bob", "populate_existing": True, "autoflush": False}


def test_session_call_key_without_listener_is_refused(db: Engine) -> None:
    """Without a do_orm_execute listener nothing could read the key: the call is refused
    before anything runs (no transaction begun), naming the key and what to do."""
    with Session(db) as session:
        with pytest.raises(exc.ArgumentError, match=r"owner: an application key .*listeners"):
            session.execute(select(Task), execution_options={"owner": "ann"})
        assert not session.in_transaction()
        with pytest.raises(exc.ArgumentError, match=r"schema_translate_map"):
            session.execute(select(Task), execution_options={"schema_translate_map": {}})


def test_session_listener_does_not_admit_sqlalchemy_options(db: Engine) -> None:
    """A listener makes the application's keys readable, not SQLAlchemy's options corral
    refuses by name: those are still refused, after the listener ran."""
    with Session(db) as session:
        calls: list[str] = []
        event.listen(session, "do_orm_execute", lambda state: calls.append("seen"))
        with pytest.raises(exc.ArgumentError, match=r"logging_token"):
            session.execute(select(Task), execution_options={"logging_token": "x"})
        assert calls == ["seen"]


def test_connection_call_key_reaches_before_and_after_execute(db: Engine) -> None:
    """On a Connection the call's key is accepted when before_execute or after_execute
    listens (they receive it), refused otherwise."""
    with db.connect() as connection:
        with pytest.raises(exc.ArgumentError, match=r"request_id: an application key"):
            connection.execute(text("SELECT 1"), execution_options={"request_id": 1})
        seen: list[dict[str, Any]] = []

        def after(conn: Any, clause: Any, multi: Any, params: Any, options: Any, r: Any) -> None:
            seen.append(dict(options))

        event.listen(connection, "after_execute", after)
        rows = connection.execute(text("SELECT 1"), execution_options={"request_id": 2}).all()
    assert [tuple(r) for r in rows] == [(1,)]
    assert seen == [{"request_id": 2}]
