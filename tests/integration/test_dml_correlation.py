"""Correlated subqueries in UPDATE and DELETE change each row by its own related rows."""

from __future__ import annotations

from corral import Engine, Session, delete, exists, insert, select, update
from tests.integration.orm_models import Address, User, create_schema, dml, recorded_sql


def _seed(engine: Engine) -> None:
    create_schema(engine)
    with Session(engine) as session:
        session.add_all([User(id=1, name="ann"), User(id=2, name="bob"), User(id=3, name="cy")])
        session.flush()
        session.add_all(
            [
                Address(id=10, user_id=1, email="ann@example.com"),
                Address(id=20, user_id=2, email="bob@example.com"),
            ]
        )
        session.commit()


def _nicknames(engine: Engine) -> dict[int, str | None]:
    with Session(engine) as session:
        rows = session.execute(select(User.id, User.nickname).order_by(User.id)).all()
    return {row[0]: row[1] for row in rows}


def test_update_set_from_correlated_subquery_gives_each_row_its_own_value(
    engine: Engine,
) -> None:
    """update(User).values(x=select(...).where(Address.user_id == User.id)) is per row."""
    _seed(engine)
    email = select(Address.email).where(Address.user_id == User.id).scalar_subquery()
    with Session(engine) as session, recorded_sql() as statements:
        session.execute(
            update(User).values(nickname=email),
            execution_options={"synchronize_session": False},
        )
        session.commit()
    assert dml(statements) == [
        "UPDATE users SET nickname=(SELECT addresses.email FROM addresses "
        "WHERE addresses.user_id = users.id)"
    ]
    assert _nicknames(engine) == {1: "ann@example.com", 2: "bob@example.com", 3: None}


def test_update_where_correlated_exists_touches_only_matching_rows(engine: Engine) -> None:
    """A correlated EXISTS in UPDATE's WHERE selects the rows that have related rows."""
    _seed(engine)
    has_address = exists(select(Address.id).where(Address.user_id == User.id))
    with Session(engine) as session, recorded_sql() as statements:
        session.execute(
            update(User).where(has_address).values(nickname="has mail"),
            execution_options={"synchronize_session": False},
        )
        session.commit()
    assert dml(statements) == [
        "UPDATE users SET nickname=? WHERE EXISTS (SELECT addresses.id FROM addresses "
        "WHERE addresses.user_id = users.id)"
    ]
    assert _nicknames(engine) == {1: "has mail", 2: "has mail", 3: None}


def test_delete_where_correlated_not_exists_deletes_only_unmatched_rows(engine: Engine) -> None:
    """A correlated NOT EXISTS in DELETE's WHERE deletes only the rows without related rows."""
    _seed(engine)
    has_address = exists(select(Address.id).where(Address.user_id == User.id))
    with Session(engine) as session, recorded_sql() as statements:
        session.execute(
            delete(User).where(~has_address),
            execution_options={"synchronize_session": False},
        )
        session.commit()
    assert dml(statements) == [
        "DELETE FROM users WHERE NOT EXISTS (SELECT addresses.id FROM addresses "
        "WHERE addresses.user_id = users.id)"
    ]
    assert _nicknames(engine) == {1: None, 2: None}


def test_insert_values_subquery_reads_other_rows(engine: Engine) -> None:
    """A scalar subquery in INSERT ... VALUES is not correlated and lands its value."""
    _seed(engine)
    email = select(Address.email).where(Address.id == 20).scalar_subquery()
    with Session(engine) as session, recorded_sql() as statements:
        session.execute(
            insert(User).values(id=4, name="dee", status="new", nickname=email),
        )
        session.commit()
    assert dml(statements)[0].startswith(
        "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, "
        "(SELECT addresses.email FROM addresses WHERE addresses.id = ?), ?)"
    )
    assert _nicknames(engine)[4] == "bob@example.com"
