"""A class mapped against a join of tables, on SQLite, PostgreSQL and MariaDB: what a flush
sends to each table, in which order, what the tables hold, and loading back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, select
from corral.orm import Session, joinedload, selectinload
from tests.integration.multi_table_models import AddressUser, MultiTableBase, Order
from tests.integration.orm_models import dml, recorded_sql
from tests.integration.relationship_models import rows, shape


@pytest.fixture
def mdb(engine: Engine) -> Iterator[Engine]:
    """An engine whose database holds the multi-table models' tables."""
    MultiTableBase.metadata.create_all(engine)
    yield engine


def _one(engine: Engine) -> AddressUser:
    with Session(engine, expire_on_commit=False) as session:
        pair = AddressUser(name="ada", email="ada@example.org")
        session.add(pair)
        session.commit()
    return pair


def test_insert_writes_the_referred_table_first_and_copies_its_key(mdb: Engine) -> None:
    """One object: INSERT mt_user, then INSERT mt_address with user_id = the new user's id."""
    with Session(mdb) as session:
        pair = AddressUser(name="ada", email="ada@example.org")
        session.add(pair)
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["INSERT mt_user", "INSERT mt_address"]
        inserts = [s for s in dml(sql) if s.startswith("INSERT")]
        assert inserts[1].startswith("INSERT INTO mt_address (user_id, email)")
        user_id, address_id = pair.id, pair.address_id
        session.commit()
    assert rows(mdb, "SELECT id, name FROM mt_user") == [(user_id, "ada")]
    assert rows(mdb, "SELECT id, user_id, email FROM mt_address") == [
        (address_id, user_id, "ada@example.org")
    ]


def test_identity_is_the_reduced_primary_key_of_both_tables(mdb: Engine) -> None:
    """The identity is (user id, address id); get() by it returns the same object."""
    with Session(mdb) as session:
        pair = AddressUser(name="ada", email="a@x")
        session.add(pair)
        session.flush()
        assert session.get(AddressUser, (pair.id, pair.address_id)) is pair
        from corral import inspect

        assert inspect(pair).identity == (pair.id, pair.address_id)


def test_update_writes_only_the_tables_whose_columns_changed(mdb: Engine) -> None:
    """A change to the user's column: UPDATE mt_user only; to both: one UPDATE each."""
    pair = _one(mdb)
    with Session(mdb) as session:
        loaded = session.get(AddressUser, (pair.id, pair.address_id))
        assert loaded is not None
        loaded.name = "ada l."
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE mt_user"]
        loaded.name, loaded.email = "ada lovelace", "ada@lovelace.org"
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE mt_user", "UPDATE mt_address"]
    assert rows(mdb, "SELECT name FROM mt_user") == [("ada lovelace",)]
    assert rows(mdb, "SELECT email FROM mt_address") == [("ada@lovelace.org",)]


def test_delete_removes_the_referring_row_first(mdb: Engine) -> None:
    """DELETE mt_address, then DELETE mt_user (after the SELECT of its orders, which a
    one-to-many loads to let go of them); both tables are empty after."""
    pair = _one(mdb)
    with Session(mdb) as session:
        loaded = session.get(AddressUser, (pair.id, pair.address_id))
        session.delete(loaded)
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["SELECT", "DELETE mt_address", "DELETE mt_user"]
    assert rows(mdb, "SELECT id FROM mt_address") == []
    assert rows(mdb, "SELECT id FROM mt_user") == []


def test_select_reads_the_join_and_filters_on_either_table(mdb: Engine) -> None:
    """select(AddressUser) reads FROM mt_user JOIN mt_address; criteria on both tables."""
    _one(mdb)
    with Session(mdb) as session:
        with recorded_sql() as sql:
            found = session.scalars(
                select(AddressUser).where(AddressUser.email.like("ada%"), AddressUser.id > 0)
            ).all()
        assert [(p.name, p.email) for p in found] == [("ada", "ada@example.org")]
        assert "FROM mt_user JOIN mt_address ON" in dml(sql)[0]


def test_relationships_to_and_from_the_joined_class(mdb: Engine) -> None:
    """Orders of a pair take its user id; they load lazily, by selectinload and joinedload."""
    with Session(mdb) as session:
        pair = AddressUser(name="ada", email="a@x")
        pair.orders = [Order(item="a"), Order(item="b")]
        session.add(pair)
        session.commit()
        user_id = pair.id
    assert rows(mdb, "SELECT user_id, item FROM mt_order ORDER BY id") == [
        (user_id, "a"),
        (user_id, "b"),
    ]
    with Session(mdb) as session:
        (loaded,) = session.scalars(select(AddressUser)).all()
        assert [o.item for o in loaded.orders] == ["a", "b"]
    with Session(mdb) as session:
        (loaded,) = session.scalars(
            select(AddressUser).options(selectinload(AddressUser.orders))
        ).all()
        assert [o.item for o in loaded.__dict__["orders"]] == ["a", "b"]
    with Session(mdb) as session:
        orders = session.scalars(
            select(Order).options(joinedload(Order.owner)).order_by(Order.id)
        ).all()
        assert [o.__dict__["owner"].email for o in orders] == ["a@x", "a@x"]
        assert orders[0].owner is orders[1].owner
