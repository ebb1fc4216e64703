"""ORM bulk UPDATE by primary key and ORM bulk INSERT through a Session, on every database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    Integer,
    Mapped,
    Session,
    String,
    exc,
    insert,
    mapped_column,
    select,
    update,
)
from tests.integration.orm_models import dml, joined_update, recorded_sql


class BulkBase(DeclarativeBase):
    pass


class Member(BulkBase):
    __tablename__ = "bulk_members"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column("member_name", String(30))
    email: Mapped[str | None] = mapped_column(String(50))


class Ledger(BulkBase):
    """A versioned row: bulk updates must name the version they expect."""

    __tablename__ = "bulk_ledgers"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    BulkBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Member(id=1, name="ann", email="ann@x"),
                Member(id=2, name="bob", email="bob@x"),
                Member(id=3, name="cid", email="cid@x"),
                Ledger(id=1, balance=10),
            ]
        )
        session.commit()
        yield session


def _members(engine: Engine | Any) -> list[tuple[Any, ...]]:
    with Session(engine) as reader:
        rows = reader.execute(select(Member.id, Member.name, Member.email).order_by(Member.id))
        return [tuple(row) for row in rows]


UPDATE_NAME = "UPDATE bulk_members SET member_name=? WHERE bulk_members.id = ?"


def _update(session: Session, one_row: str, sets: list[str], keys: list[str], rows: int) -> str:
    """``one_row``, the UPDATE of each parameter set; on PostgreSQL, the UPDATE of all
    ``rows`` sets joined to their values (the columns all VARCHAR, but ``id``)."""
    if session.get_bind().dialect.name != "postgresql" or rows == 1:
        return one_row
    casts = ["INTEGER" if column == "id" else "VARCHAR" for column in [*sets, *keys]]
    return joined_update("bulk_members", sets, keys, casts, rows)


def test_bulk_update_puts_primary_key_in_where(session: Session) -> None:
    """Each parameter set updates only the row of its primary key, in one executemany."""
    with recorded_sql() as sql:
        result = session.execute(update(Member), [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}])
        session.commit()
    assert dml(sql) == [_update(session, UPDATE_NAME, ["member_name"], ["id"], 2)]
    assert result.rowcount == 2
    assert _members(session.get_bind()) == [
        (1, "A", "ann@x"),
        (2, "B", "bob@x"),
        (3, "cid", "cid@x"),
    ]


def test_bulk_update_runs_consecutive_sets_of_one_shape_together(session: Session) -> None:
    """Sets changing different attributes go in separate statements, in parameter order."""
    params: list[dict[str, Any]] = [
        {"id": 1, "name": "A"},
        {"id": 2, "name": "B"},
        {"id": 1, "email": "a@y"},
        {"id": 3, "name": "C", "email": "c@y"},
    ]
    with recorded_sql() as sql:
        session.execute(update(Member), params)
        session.commit()
    assert dml(sql) == [
        _update(session, UPDATE_NAME, ["member_name"], ["id"], 2),
        "UPDATE bulk_members SET email=? WHERE bulk_members.id = ?",
        "UPDATE bulk_members SET member_name=?, email=? WHERE bulk_members.id = ?",
    ]
    assert _members(session.get_bind()) == [(1, "A", "a@y"), (2, "B", "bob@x"), (3, "C", "c@y")]


def test_bulk_update_without_primary_key_raises_before_sql(session: Session) -> None:
    """A set lacking its key is refused, naming the class, the key and the set's index."""
    params: list[dict[str, Any]] = [{"id": 1, "name": "A"}, {"name": "B"}]
    with recorded_sql() as sql, pytest.raises(exc.InvalidRequestError) as raised:
        session.execute(update(Member), params)
    message = str(raised.value)
    assert "Member" in message and "parameter set 1" in message and "id" in message
    assert [s for s in dml(sql) if s.startswith("UPDATE")] == []
    session.rollback()
    assert _members(session.get_bind())[0] == (1, "ann", "ann@x")


def test_bulk_update_none_primary_key_raises(session: Session) -> None:
    """A primary key given as None counts as missing."""
    with pytest.raises(exc.InvalidRequestError, match="parameter set 0"):
        session.execute(update(Member), [{"id": None, "name": "A"}])


def test_bulk_update_refuses_names_that_are_not_attributes(session: Session) -> None:
    """Keys are attribute names: a column name or an unknown key raises, naming it."""
    with pytest.raises(exc.ArgumentError, match="member_name"):
        session.execute(update(Member), [{"id": 1, "member_name": "A"}])
    with pytest.raises(exc.ArgumentError, match="bogus"):
        session.execute(update(Member), [{"id": 1, "bogus": "A"}])


def test_bulk_update_where_criteria_join_each_rows_key(session: Session) -> None:
    """.where() criteria are added to every row's WHERE, next to its primary key."""
    params = [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]
    with recorded_sql() as sql:
        result = session.execute(
            update(Member).where(Member.email == "ann@x"),
            params,
            execution_options={"synchronize_session": False},
        )
        session.commit()
    one_row = (
        "UPDATE bulk_members SET member_name=? WHERE bulk_members.email = ? AND bulk_members.id = ?"
    )
    assert dml(sql) == [_update(session, one_row, ["member_name"], ["email", "id"], 2)]
    assert result.rowcount == 1
    assert [row[1] for row in _members(session.get_bind())] == ["A", "bob", "cid"]


def test_bulk_update_where_criteria_need_synchronize_false(session: Session) -> None:
    """With extra criteria the session cannot know which objects changed: it says so."""
    with pytest.raises(exc.InvalidRequestError, match="synchronize_session"):
        session.execute(update(Member).where(Member.id > 0), [{"id": 1, "name": "A"}])


def test_bulk_update_fetch_synchronization_is_refused(session: Session) -> None:
    """synchronize_session='fetch' does not apply to a bulk UPDATE, as in SQLAlchemy."""
    with pytest.raises(exc.InvalidRequestError, match="fetch"):
        session.execute(
            update(Member),
            [{"id": 1, "name": "A"}],
            execution_options={"synchronize_session": "fetch"},
        )


def test_bulk_update_values_are_set_in_every_row(session: Session) -> None:
    """.values() apply to each row, beside the set's own values."""
    with recorded_sql() as sql:
        session.execute(
            update(Member).values(email="same@x"), [{"id": 1, "name": "A"}, {"id": 3, "name": "C"}]
        )
        session.commit()
    one_row = "UPDATE bulk_members SET member_name=?, email=? WHERE bulk_members.id = ?"
    assert dml(sql) == [_update(session, one_row, ["member_name", "email"], ["id"], 2)]
    assert _members(session.get_bind()) == [
        (1, "A", "same@x"),
        (2, "bob", "bob@x"),
        (3, "C", "same@x"),
    ]


def test_bulk_update_refreshes_objects_in_the_identity_map(session: Session) -> None:
    """Loaded objects take the values written; an attribute changed in memory expires."""
    ann = session.get(Member, 1)
    bob = session.get(Member, 2)
    assert ann is not None and bob is not None
    with session.no_autoflush:
        bob.email = "unflushed@x"
        session.execute(
            update(Member), [{"id": 1, "name": "A"}, {"id": 2, "name": "B", "email": "b@y"}]
        )
    with recorded_sql() as sql:
        assert (ann.name, ann.email) == ("A", "ann@x")
        assert bob.name == "B"
    assert dml(sql) == []  # set in place, nothing reloaded
    assert bob.email == "b@y"  # expired, so reloaded from the row
    session.commit()
    assert _members(session.get_bind())[:2] == [(1, "A", "ann@x"), (2, "B", "b@y")]


def test_bulk_update_synchronize_false_leaves_objects_alone(session: Session) -> None:
    """synchronize_session=False writes the rows and leaves loaded objects as they were."""
    ann = session.get(Member, 1)
    assert ann is not None
    session.execute(
        update(Member), [{"id": 1, "name": "A"}], execution_options={"synchronize_session": False}
    )
    assert ann.name == "ann"
    session.commit()
    assert ann.name == "A"


def test_bulk_update_of_a_missing_row_raises_stale_data(session: Session) -> None:
    """A key that matches no row raises StaleDataError, as SQLAlchemy's rowcount check does."""
    with pytest.raises(exc.StaleDataError, match="Member"):
        session.execute(update(Member), [{"id": 1, "name": "A"}, {"id": 99, "name": "Z"}])


def test_bulk_update_of_versioned_rows_checks_and_bumps_the_version(session: Session) -> None:
    """The version given is matched in the WHERE and the next one is written."""
    with recorded_sql() as sql:
        session.execute(update(Ledger), [{"id": 1, "balance": 20, "version": 1}])
        session.commit()
    assert dml(sql) == [
        "UPDATE bulk_ledgers SET balance=?, version=? "
        "WHERE bulk_ledgers.id = ? AND bulk_ledgers.version = ?"
    ]
    assert session.execute(select(Ledger.balance, Ledger.version)).one() == (20, 2)
    with pytest.raises(exc.StaleDataError):
        session.execute(update(Ledger), [{"id": 1, "balance": 30, "version": 1}])
    session.rollback()
    with pytest.raises(exc.InvalidRequestError, match="version"):
        session.execute(update(Ledger), [{"id": 1, "balance": 30}])
    session.rollback()
    assert session.execute(select(Ledger.balance, Ledger.version)).one() == (20, 2)


def test_bulk_update_with_returning_is_refused(session: Session) -> None:
    """RETURNING has no rows to give for a bulk UPDATE by primary key: it raises."""
    with pytest.raises(exc.InvalidRequestError, match="RETURNING"):
        session.execute(update(Member).returning(Member.id), [{"id": 1, "name": "A"}])


def test_core_update_of_the_table_is_not_by_primary_key(session: Session) -> None:
    """update(table) (not the class) with many sets stays a plain executemany."""
    table = Member.__table__
    with recorded_sql() as sql:
        session.execute(
            update(table).where(table.c.id == 2),
            [{"email": "x@1"}, {"email": "x@2"}],
            execution_options={"synchronize_session": False},
        )
    assert dml(sql) == ["UPDATE bulk_members SET email=? WHERE bulk_members.id = ?"]
    session.commit()
    assert _members(session.get_bind())[1] == (2, "bob", "x@2")


def test_bulk_insert_uses_attribute_names_and_keeps_every_value(session: Session) -> None:
    """Sets with different keys run as separate statements; no value is dropped."""
    params: list[dict[str, Any]] = [
        {"id": 10, "name": "j"},
        {"id": 11, "name": "k"},
        {"id": 12, "name": "l", "email": "l@x"},
    ]
    with recorded_sql() as sql:
        session.execute(insert(Member), params)
        session.commit()
    assert dml(sql) == [
        "INSERT INTO bulk_members (id, member_name) VALUES (?, ?), (?, ?)",
        "INSERT INTO bulk_members (id, member_name, email) VALUES (?, ?, ?)",
    ]
    assert _members(session.get_bind())[3:] == [(10, "j", None), (11, "k", None), (12, "l", "l@x")]


def test_bulk_insert_runs_sets_by_their_keys_whatever_their_order(session: Session) -> None:
    """Consecutive sets with the same keys share one statement, whatever the order of their
    keys and whether they are dicts or other mappings; a None value is left out of its set,
    which then starts a run of its own (the column's default applies)."""
    params: list[Mapping[str, Any]] = [
        {"id": 20, "name": "a", "email": "a@x"},
        {"email": "b@x", "name": "b", "id": 21},
        MappingProxyType({"id": 22, "name": "c", "email": "c@x"}),
        {"id": 23, "name": "d", "email": None},
        {"name": "e", "id": 24},
        {"id": 25, "name": "f", "email": "f@x"},
    ]
    with recorded_sql() as sql:
        session.execute(insert(Member), params)
        session.commit()
    assert dml(sql) == [
        "INSERT INTO bulk_members (id, member_name, email) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
        "INSERT INTO bulk_members (id, member_name) VALUES (?, ?), (?, ?)",
        "INSERT INTO bulk_members (id, member_name, email) VALUES (?, ?, ?)",
    ]
    assert _members(session.get_bind())[3:] == [
        (20, "a", "a@x"),
        (21, "b", "b@x"),
        (22, "c", "c@x"),
        (23, "d", None),
        (24, "e", None),
        (25, "f", "f@x"),
    ]
    assert params[3] == {"id": 23, "name": "d", "email": None}  # the caller's set untouched


def test_bulk_insert_refuses_a_set_that_is_not_a_mapping_before_any_sql(
    session: Session,
) -> None:
    """A list holding something other than a mapping raises, naming its position, before the
    sets ahead of it are inserted: the transaction holds nothing of the failed call."""
    params: list[Any] = [{"id": 30, "name": "x"}, ("y",), {"id": 31, "name": "z"}]
    with recorded_sql() as sql, pytest.raises(exc.ArgumentError, match="item 1 is a tuple"):
        session.execute(insert(Member), params)
    assert dml(sql) == []
    session.commit()
    assert [row[0] for row in _members(session.get_bind())] == [1, 2, 3]


def test_bulk_insert_of_versioned_rows_starts_the_version(session: Session) -> None:
    """An ORM bulk INSERT of a versioned class writes the first version, as a flush does."""
    session.execute(insert(Ledger), [{"id": 2, "balance": 1}, {"id": 3, "balance": 2}])
    session.commit()
    versions = session.execute(select(Ledger.id, Ledger.version).order_by(Ledger.id)).all()
    assert [tuple(row) for row in versions] == [(1, 1), (2, 1), (3, 1)]


def test_bulk_update_refuses_a_value_given_twice(session: Session) -> None:
    """An attribute set both by .values() and by a parameter set raises, naming it."""
    with pytest.raises(exc.ArgumentError, match="email"):
        session.execute(update(Member).values(email="v@x"), [{"id": 1, "email": "p@x"}])


def test_bulk_update_synchronize_none_means_false(session: Session) -> None:
    """synchronize_session=None is accepted as in SQLAlchemy and leaves objects alone."""
    ann = session.get(Member, 1)
    assert ann is not None
    session.execute(
        update(Member).where(Member.email.is_not(None)),
        [{"id": 1, "name": "A"}],
        execution_options={"synchronize_session": None},
    )
    assert ann.name == "ann"
    session.commit()
    assert _members(session.get_bind())[0] == (1, "A", "ann@x")
