"""``Session(identity_map_warn=N)``: one LargeSessionWarning past N objects, naming where the
session was created; nothing without the option."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, select, sessionmaker
from tests.integration.orm_models import User, create_schema, dml, recorded_sql
from tests.integration.test_dropped_sessions import here


@pytest.fixture
def twelve_users(engine: Engine) -> Engine:
    """An engine whose database holds users 1..12."""
    create_schema(engine)
    with Session(engine) as session:
        session.add_all([User(id=i, name=f"u{i}") for i in range(1, 13)])
        session.commit()
    return engine


@pytest.fixture
def record() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def large(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, exc.LargeSessionWarning)]


def test_loading_past_the_limit_warns_once(
    twelve_users: Engine, record: list[warnings.WarningMessage]
) -> None:
    """Loading 12 users into Session(identity_map_warn=10) warns once, with the count and the
    line that created the session; loading again does not warn again."""
    site = here()
    session = Session(twelve_users, identity_map_warn=10)
    with recorded_sql() as sql:
        users = session.scalars(select(User).order_by(User.id)).all()
    assert [u.name for u in users] == [f"u{i}" for i in range(1, 13)]
    assert dml(sql) == [
        "SELECT users.id, users.name, users.nickname, users.status FROM users ORDER BY users.id"
    ]
    messages = large(record)
    assert len(messages) == 1
    assert "holds 12 objects" in messages[0] and "identity_map_warn=10" in messages[0]
    assert "still referenced by your program" in messages[0]  # the weak map's way out
    assert site in messages[0]
    assert record[0].filename == __file__  # pointed at the caller's line
    session.scalars(select(User)).all()
    assert session.get(User, 1) is users[0]
    assert len(large(record)) == 1
    session.close()


def test_a_strong_map_warning_offers_the_weak_map(
    twelve_users: Engine, record: list[warnings.WarningMessage]
) -> None:
    """With weak_identity_map=False the warning says the session keeps every object and
    offers the default weak map as a way out."""
    with Session(twelve_users, identity_map_warn=10, weak_identity_map=False) as session:
        session.scalars(select(User)).all()  # kept by the strong map, not by the program
    messages = large(record)
    assert len(messages) == 1 and "holds 12 objects" in messages[0]
    assert "keeps every object it loaded" in messages[0]
    assert "weak_identity_map at its default (True)" in messages[0]


def test_flushing_past_the_limit_warns(
    engine: Engine, record: list[warnings.WarningMessage]
) -> None:
    """Flushing 11 new objects into a session of sessionmaker(identity_map_warn=10) warns;
    the rows are in the database."""
    create_schema(engine)
    factory: sessionmaker[Session] = sessionmaker(engine, identity_map_warn=10)
    site = here()
    with factory() as session:
        session.add_all([User(id=i, name=f"n{i}") for i in range(1, 12)])
        with recorded_sql() as sql:
            session.flush()
        assert any(s.startswith("INSERT INTO users") for s in dml(sql))
        session.commit()
    messages = large(record)
    assert len(messages) == 1 and "holds 11 objects" in messages[0] and site in messages[0]
    with Session(engine) as session:
        assert session.scalar(select(User.id).order_by(User.id.desc())) == 11


def test_control_under_the_limit_or_without_the_option(
    twelve_users: Engine, record: list[warnings.WarningMessage]
) -> None:
    """Control: at or under the limit, or without identity_map_warn, nothing is warned."""
    with Session(twelve_users, identity_map_warn=12) as session:
        assert len(session.scalars(select(User)).all()) == 12
    with Session(twelve_users) as session:
        assert len(session.scalars(select(User)).all()) == 12
        assert session._size_watch is None
    assert large(record) == []


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "10"])
def test_bad_limits_are_refused(bad: object) -> None:
    """identity_map_warn must be a whole number of objects >= 1."""
    with pytest.raises(exc.ArgumentError, match="identity_map_warn"):
        Session(identity_map_warn=bad)  # type: ignore[arg-type]
