"""rollback() discards changes made between transactions, as in SQLAlchemy.

After ``commit()`` (here with ``expire_on_commit=False``, so objects keep their
values) the session holds no transaction. A change, an add() or a delete()
made then begins one (SQLAlchemy's autobegin, with no connection yet), so the
next ``rollback()`` discards it: pending objects leave, deletions are
cancelled and persistent objects expire, reloading the database's values.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, inspect, select
from tests.integration.orm_models import User, create_schema, dml, recorded_sql

SELECT_USER = (
    "SELECT users.id, users.name, users.nickname, users.status FROM users WHERE users.id = ?"
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    create_schema(engine)
    with Session(engine) as session:
        session.add_all([User(id=1, name="ann"), User(id=2, name="bob")])
        session.commit()
    yield engine


def _names(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [tuple(row) for row in session.execute(select(User.id, User.name).order_by(User.id))]


def test_change_after_commit_is_discarded_by_rollback(schema_engine: Engine) -> None:
    """A change made after commit() is undone by rollback(), reloaded, and never written."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = session.get(User, 1)
        assert user is not None
        session.commit()
        with recorded_sql() as sql:
            user.name = "x"
            assert session.in_transaction()
            session.rollback()
            assert session.dirty == []
            assert inspect(user).expired_attributes >= {"name"}
            assert user.name == "ann"
            session.commit()
        # The reload is the only statement: no UPDATE at the rollback nor at the commit.
        assert dml(sql) == [SELECT_USER]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob")]


def test_delete_after_commit_is_cancelled_by_rollback(schema_engine: Engine) -> None:
    """A delete() marked after commit() is cancelled by rollback(): no DELETE, the row stays."""
    with Session(schema_engine, expire_on_commit=False) as session:
        bob = session.get(User, 2)
        assert bob is not None
        session.commit()
        with recorded_sql() as sql:
            session.delete(bob)
            assert session.in_transaction()
            session.rollback()
            assert session.deleted == []
            assert inspect(bob).persistent
            session.commit()
        assert dml(sql) == []
    assert _names(schema_engine) == [(1, "ann"), (2, "bob")]


def test_add_after_commit_is_expunged_by_rollback(schema_engine: Engine) -> None:
    """An object added after commit() leaves the session at rollback(): nothing INSERTed."""
    with Session(schema_engine, expire_on_commit=False) as session:
        session.get(User, 1)
        session.commit()
        cy = User(id=3, name="cy")
        with recorded_sql() as sql:
            session.add(cy)
            session.rollback()
            assert inspect(cy).transient
            assert cy not in session
            session.commit()
        assert dml(sql) == []
    assert _names(schema_engine) == [(1, "ann"), (2, "bob")]


def test_change_to_reattached_object_is_discarded_by_rollback(schema_engine: Engine) -> None:
    """A detached object changed and add()ed back is expired by rollback(), not written."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = session.get(User, 1)
        assert user is not None
        session.commit()
    assert user is not None
    user.name = "x"
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            session.add(user)
            assert session.dirty == [user]
            session.rollback()
            assert inspect(user).persistent
            assert session.dirty == []
            assert user.name == "ann"
            session.commit()
        assert dml(sql) == [SELECT_USER]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob")]


def test_change_without_autobegin_is_refused(schema_engine: Engine) -> None:
    """With autobegin=False a change outside a transaction raises and changes nothing."""
    with Session(schema_engine, autobegin=False, expire_on_commit=False) as session:
        with session.begin():
            user = session.get(User, 1)
        assert user is not None
        with recorded_sql() as sql:
            with pytest.raises(exc.InvalidRequestError, match="autobegin=False"):
                user.name = "x"
            with pytest.raises(exc.InvalidRequestError, match="autobegin=False"):
                session.delete(user)
            assert user.name == "ann"
            assert session.dirty == []
            assert session.deleted == []
            with session.begin():
                user.name = "x"
        assert dml(sql) == ["UPDATE users SET name=? WHERE users.id = ?"]
    assert _names(schema_engine) == [(1, "x"), (2, "bob")]
