"""A SAVEPOINT whose flush fails rolls back alone; the enclosing transaction carries on.

SQLAlchemy's documented way to skip duplicates: each record goes in inside
``with session.begin_nested():``; when the flush at the end of the block fails
the block rolls its SAVEPOINT back and re-raises, the caller catches the
``IntegrityError``, and the outer transaction commits the other records.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, inspect, select
from tests.integration.orm_models import User, create_schema, recorded_sql

INSERT_USER = "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)"


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


def _nickname(user: User) -> str | None:
    """``user.nickname``, read where the type checker would assume the last value set."""
    return user.nickname


def _begin(engine: Engine) -> list[str]:
    """The BEGIN a write transaction sends (SQLite: BEGIN IMMEDIATE at the first write)."""
    return [engine.dialect.begin_sql()]


def _read_begin(engine: Engine) -> list[str]:
    """The BEGIN a read sends: none on SQLite, whose database transaction waits for a write."""
    return [] if engine.dialect.begins_at_first_write() else _begin(engine)


def _transaction_sql(statements: list[str]) -> list[str]:
    """The statements with savepoint names replaced by ``sp``."""
    out = []
    for statement in statements:
        words = statement.split()
        out.append(" ".join([*words[:-1], "sp"]) if "SAVEPOINT" in words else statement)
    return out


def test_skip_duplicates_with_begin_nested(schema_engine: Engine) -> None:
    """The duplicate's SAVEPOINT rolls back; the records before and after it are committed."""
    records = [User(id=3, name="cy"), User(id=1, name="dup"), User(id=4, name="dee")]
    skipped = []
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            for record in records:
                try:
                    with session.begin_nested():
                        session.add(record)
                except exc.IntegrityError:
                    skipped.append(record)
            assert not session.in_nested_transaction()
            assert session.is_active
            session.commit()
        assert skipped == [records[1]]
        assert inspect(records[1]).transient
        assert records[1] not in session
        assert inspect(records[0]).persistent
        assert inspect(records[2]).persistent
    assert _transaction_sql(sql) == [
        *_begin(schema_engine),
        "SAVEPOINT sp",
        INSERT_USER,
        "RELEASE SAVEPOINT sp",
        "SAVEPOINT sp",
        INSERT_USER,
        "ROLLBACK TO SAVEPOINT sp",
        "SAVEPOINT sp",
        INSERT_USER,
        "RELEASE SAVEPOINT sp",
        "COMMIT",
    ]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob"), (3, "cy"), (4, "dee")]


def test_failed_savepoint_expires_only_what_changed_inside(schema_engine: Engine) -> None:
    """The failed block's objects expire or leave; changes flushed before it are kept."""
    with Session(schema_engine) as session:
        ann, bob = session.get(User, 1), session.get(User, 2)
        assert ann is not None and bob is not None
        ann.nickname = "kept"  # flushed by begin_nested(), before the SAVEPOINT
        with pytest.raises(exc.IntegrityError), session.begin_nested():
            bob.nickname = "discarded"
            session.add(User(id=1, name="dup"))
        assert "nickname" in ann.__dict__
        assert inspect(bob).expired_attributes >= {"nickname"}
        assert session.dirty == []
        assert session.new == []
        with recorded_sql() as sql:
            assert bob.nickname is None  # reloaded: the change inside the block is gone
            session.commit()
        assert _transaction_sql(sql) == [
            "SELECT users.id, users.name, users.nickname, users.status FROM users "
            "WHERE users.id = ?",
            "COMMIT",
        ]
    with Session(schema_engine) as session:
        rows = session.execute(select(User.id, User.nickname).order_by(User.id)).all()
        assert [tuple(row) for row in rows] == [(1, "kept"), (2, None)]


def test_explicit_savepoint_commit_failure(schema_engine: Engine) -> None:
    """sp.commit() failing leaves the SAVEPOINT to roll back; then the outer work commits."""
    with Session(schema_engine) as session:
        session.add(User(id=3, name="cy"))
        savepoint = session.begin_nested()
        duplicate = User(id=1, name="dup")
        session.add(duplicate)
        with pytest.raises(exc.IntegrityError):
            savepoint.commit()
        assert session.in_nested_transaction()
        assert inspect(duplicate).transient  # put back when the flush failed, as in SQLAlchemy
        with pytest.raises(exc.PendingRollbackError, match=r"begin_nested\(\) returned"):
            session.execute(select(User))
        with recorded_sql() as sql:
            savepoint.rollback()
            assert not session.in_nested_transaction()
            session.add(User(id=4, name="dee"))
            session.commit()
        assert _transaction_sql(sql) == [INSERT_USER, "COMMIT"]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob"), (3, "cy"), (4, "dee")]


def test_begin_block_commit_failure_rolls_back(schema_engine: Engine) -> None:
    """``with session.begin():`` whose commit fails rolls back; the session is usable again."""
    with Session(schema_engine) as session:
        with pytest.raises(exc.IntegrityError), session.begin():
            session.add(User(id=3, name="cy"))
            session.add(User(id=1, name="dup"))
        assert not session.in_transaction()
        assert session.new == []
        with recorded_sql() as sql:
            session.add(User(id=5, name="eve"))
            session.commit()
        assert _transaction_sql(sql) == [*_begin(schema_engine), INSERT_USER, "COMMIT"]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob"), (5, "eve")]


def test_failed_flush_puts_objects_back_at_once(schema_engine: Engine) -> None:
    """When a flush fails its new objects leave and changed ones expire before rollback()."""
    with Session(schema_engine) as session:
        ann = session.get(User, 1)
        assert ann is not None
        ann.nickname = "lost"
        duplicate = User(id=2, name="dup")
        session.add(duplicate)
        with pytest.raises(exc.IntegrityError):
            session.flush()
        assert inspect(duplicate).transient
        assert "nickname" not in ann.__dict__
        assert session.new == [] and session.dirty == []
        with pytest.raises(exc.PendingRollbackError):
            session.execute(select(User))
        with recorded_sql() as sql:
            session.rollback()
            assert _nickname(ann) is None  # reloaded: the change was discarded
        assert _transaction_sql(sql) == [
            *_read_begin(schema_engine),
            "SELECT users.id, users.name, users.nickname, users.status FROM users "
            "WHERE users.id = ?",
        ]
    assert _names(schema_engine) == [(1, "ann"), (2, "bob")]
