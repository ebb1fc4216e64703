"""A Session bound to a Connection (``Session(conn)``), and ``join_transaction_mode``.

The session uses the connection it is given and never closes it. On a connection in no
transaction it begins one and ends it on commit or rollback; on a connection already in
a transaction it joins as SQLAlchemy 2.0's ``join_transaction_mode`` says.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, func, select
from corral.engine import Connection
from tests.integration.orm_models import User, create_schema, recorded_sql

INSERT_USER = "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)"


@pytest.fixture
def schema_engine(engine: Engine) -> Engine:
    create_schema(engine)
    return engine


@pytest.fixture
def conn(schema_engine: Engine) -> Iterator[Connection]:
    with schema_engine.connect() as connection:
        yield connection


def _begin(engine: Engine) -> str:
    """The BEGIN a write transaction sends (SQLite: BEGIN IMMEDIATE at the first write)."""
    return engine.dialect.begin_sql()


def _names(engine: Engine) -> list[str]:
    """The users' names as a new connection sees them (committed rows only)."""
    with engine.connect() as other:
        return list(other.scalars(select(User.name).order_by(User.id)))


def _sql(statements: list[str]) -> list[str]:
    """The statements with savepoint names replaced by ``sp``."""
    out = []
    for statement in statements:
        words = statement.split()
        out.append(" ".join([*words[:-1], "sp"]) if "SAVEPOINT" in words else statement)
    return out


def test_session_on_idle_connection_begins_and_commits_on_it(conn: Connection) -> None:
    """Session(conn) uses conn: BEGIN, INSERT, COMMIT on it; get_bind() and connection() are it."""
    engine = conn.engine
    with recorded_sql() as sql:
        session = Session(conn)
        assert session.get_bind() is conn
        session.add(User(id=1, name="ann"))
        session.flush()
        assert session.connection() is conn
        session.commit()
    assert _sql(sql) == [_begin(engine), INSERT_USER, "COMMIT"]
    assert not conn.in_transaction()
    session.close()
    assert not conn.closed
    assert _names(engine) == ["ann"]


def test_session_on_idle_connection_rolls_back_on_it(conn: Connection) -> None:
    """Session.rollback() rolls back the transaction the session began on the connection."""
    session = Session(bind=conn)
    with recorded_sql() as sql:
        session.add(User(id=1, name="ann"))
        session.flush()
        session.rollback()
    assert _sql(sql) == [_begin(conn.engine), INSERT_USER, "ROLLBACK"]
    assert not conn.in_transaction()
    assert _names(conn.engine) == []


def test_close_rolls_back_but_leaves_the_connection_open(conn: Connection) -> None:
    """close() rolls back what the session began, and the connection stays usable."""
    with Session(conn) as session:
        session.add(User(id=1, name="ann"))
        session.flush()
    assert not conn.closed
    assert not conn.in_transaction()
    assert conn.scalar(select(func.count()).select_from(User)) == 0
    conn.commit()
    with Session(conn) as session:  # the same connection serves another session
        session.add(User(id=2, name="bob"))
        session.commit()
    assert _names(conn.engine) == ["bob"]


def test_default_mode_joins_an_outer_transaction_without_committing_it(
    conn: Connection,
) -> None:
    """Default "conditional_savepoint", no SAVEPOINT open: commit() leaves the outer transaction."""
    outer = conn.begin()
    with recorded_sql() as sql:
        session = Session(conn)
        session.add(User(id=1, name="ann"))
        session.commit()
        assert conn.in_transaction() and outer.is_active
        session.add(User(id=2, name="bob"))
        session.commit()
        session.close()
        assert outer.is_active
        assert conn.scalar(select(func.count()).select_from(User)) == 2
        outer.rollback()
    assert _sql(sql) == [
        _begin(conn.engine),
        INSERT_USER,
        INSERT_USER,
        "SELECT count(*) FROM users",
        "ROLLBACK",
    ]
    assert _names(conn.engine) == []


def test_rollback_only_rollback_ends_the_outer_transaction(conn: Connection) -> None:
    """ "rollback_only": the session's rollback() rolls the outer transaction back."""
    outer = conn.begin()
    conn.execute(User.__table__.insert(), {"id": 1, "name": "ann", "status": "new"})
    session = Session(conn, join_transaction_mode="rollback_only")
    with recorded_sql() as sql:
        session.add(User(id=2, name="bob"))
        session.commit()  # not committed: the outer transaction is the owner's
        session.rollback()  # nothing begun since: nothing to roll back
        session.add(User(id=3, name="cy"))
        session.flush()
        session.rollback()
    assert _sql(sql) == [INSERT_USER, INSERT_USER, "ROLLBACK"]
    assert not outer.is_active
    assert not conn.in_transaction()
    assert _names(conn.engine) == []


def test_default_mode_inside_a_savepoint_uses_savepoints(conn: Connection) -> None:
    """Default mode with a SAVEPOINT open: the session's work goes in SAVEPOINTs of its own."""
    outer = conn.begin()
    conn.begin_nested()
    with recorded_sql() as sql:
        session = Session(conn)
        session.add(User(id=1, name="ann"))
        session.commit()
        session.add(User(id=2, name="bob"))
        session.flush()
        session.rollback()
        session.close()
    assert _sql(sql) == [
        "SAVEPOINT sp",
        INSERT_USER,
        "RELEASE SAVEPOINT sp",
        "SAVEPOINT sp",
        INSERT_USER,
        "ROLLBACK TO SAVEPOINT sp",
    ]
    assert outer.is_active and conn.in_nested_transaction()
    assert list(conn.scalars(select(User.name))) == ["ann"]
    outer.commit()
    assert _names(conn.engine) == ["ann"]


def test_create_savepoint_test_fixture_pattern(conn: Connection) -> None:
    """Test-suite pattern: the code's commits are SAVEPOINTs; the fixture's rollback undoes all."""
    engine = conn.engine
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    with recorded_sql() as sql:
        session.add(User(id=1, name="ann"))
        session.commit()
        ann = session.get(User, 1)
        assert ann is not None
        ann.name = "anne"
        session.commit()
        session.add(User(id=2, name="bob"))
        session.flush()
        session.rollback()
        assert session.scalars(select(User.name)).all() == ["anne"]
        session.close()
        assert outer.is_active and not conn.in_nested_transaction()
        outer.rollback()
    assert _sql(sql) == [
        _begin(engine),
        "SAVEPOINT sp",
        INSERT_USER,
        "RELEASE SAVEPOINT sp",
        "SAVEPOINT sp",
        "SELECT users.id, users.name, users.nickname, users.status FROM users WHERE users.id = ?",
        "UPDATE users SET name=? WHERE users.id = ?",
        "RELEASE SAVEPOINT sp",
        "SAVEPOINT sp",
        INSERT_USER,
        "ROLLBACK TO SAVEPOINT sp",
        "SAVEPOINT sp",
        "SELECT users.name FROM users",
        "ROLLBACK TO SAVEPOINT sp",
        "ROLLBACK",
    ]
    assert _names(engine) == []
    assert not conn.closed


def test_control_fully_commits_the_outer_transaction(conn: Connection) -> None:
    """ "control_fully": the session's commit() commits the transaction it joined."""
    outer = conn.begin()
    session = Session(conn, join_transaction_mode="control_fully")
    with recorded_sql() as sql:
        session.add(User(id=1, name="ann"))
        session.commit()
    assert _sql(sql) == [_begin(conn.engine), INSERT_USER, "COMMIT"]
    assert not outer.is_active and not conn.in_transaction()
    assert _names(conn.engine) == ["ann"]


def test_control_fully_close_rolls_back_the_outer_transaction(conn: Connection) -> None:
    """ "control_fully": close() rolls back the transaction the session took over."""
    outer = conn.begin()
    session = Session(conn, join_transaction_mode="control_fully")
    with recorded_sql() as sql:
        session.add(User(id=1, name="ann"))
        session.flush()
        session.close()
    assert _sql(sql) == [_begin(conn.engine), INSERT_USER, "ROLLBACK"]
    assert not outer.is_active and not conn.closed
    assert _names(conn.engine) == []


def test_rollback_only_close_leaves_the_outer_transaction(conn: Connection) -> None:
    """ "rollback_only": close() neither commits nor rolls back the outer transaction."""
    outer = conn.begin()
    with Session(conn, join_transaction_mode="rollback_only") as session:
        session.add(User(id=1, name="ann"))
        session.flush()
    assert outer.is_active
    outer.commit()
    assert _names(conn.engine) == ["ann"]


def test_failed_flush_in_create_savepoint_mode_keeps_the_outer_work(conn: Connection) -> None:
    """A failed flush rolls back the session's SAVEPOINT only; the outer transaction goes on."""
    outer = conn.begin()
    conn.execute(User.__table__.insert(), {"id": 1, "name": "ann", "status": "new"})
    session = Session(conn, join_transaction_mode="create_savepoint")
    session.add(User(id=1, name="dup"))
    with pytest.raises(exc.IntegrityError):
        session.commit()
    session.rollback()
    session.add(User(id=2, name="bob"))
    session.commit()
    session.close()
    outer.commit()
    assert _names(conn.engine) == ["ann", "bob"]


def test_session_isolation_level_refused_on_a_given_connection(conn: Connection) -> None:
    """Session(conn, isolation_level=...) would change the caller's connection: refused."""
    session = Session(conn, isolation_level="SERIALIZABLE")
    with pytest.raises(exc.ArgumentError, match=r"conn.execution_options\(isolation_level"):
        session.execute(select(User))


def test_closed_connection_refused(schema_engine: Engine) -> None:
    """A Session bound to a closed Connection says so when it first needs the database."""
    connection = schema_engine.connect()
    connection.close()
    with pytest.raises(exc.ResourceClosedError, match="bound to is closed"):
        Session(connection).execute(select(User))
