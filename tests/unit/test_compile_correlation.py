"""Subqueries in UPDATE / DELETE correlate to the statement's table, as SQLAlchemy's do."""

from __future__ import annotations

import pytest

from corral import exc
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.sql.dml import delete, insert, update
from corral.sql.functions import func
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.select_values import exists
from corral.sql.selectable import select
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import DIALECT_NAMES, sql, translate

metadata = MetaData()
users = Table(
    "users", metadata, Column("id", Integer, primary_key=True), Column("email", String(50))
)
addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("email", String(50)),
)
orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address_id", Integer, ForeignKey("addresses.id")),
)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(50))


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(50))


def _email_of_user() -> object:
    return select(addresses.c.email).where(addresses.c.user_id == users.c.id).scalar_subquery()


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_update_set_subquery_correlates_to_the_updated_table(dialect: str) -> None:
    """A scalar subquery in SET leaves the UPDATE's table out of its FROM."""
    statement = update(users).values(email=_email_of_user())
    assert sql(statement, dialect) == translate(
        "UPDATE users SET email=(SELECT addresses.email FROM addresses "
        "WHERE addresses.user_id = users.id)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_orm_update_set_subquery_correlates(dialect: str) -> None:
    """update(User) with a subquery on Address.user_id == User.id correlates to users."""
    subquery = select(Address.email).where(Address.user_id == User.id).scalar_subquery()
    assert sql(update(User).values(email=subquery), dialect) == translate(
        "UPDATE users SET email=(SELECT addresses.email FROM addresses "
        "WHERE addresses.user_id = users.id)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_update_where_subquery_correlates(dialect: str) -> None:
    """A subquery in UPDATE's WHERE correlates to the UPDATE's table."""
    statement = update(users).where(users.c.email == _email_of_user()).values(email="x")
    assert sql(statement, dialect) == translate(
        "UPDATE users SET email=? WHERE users.email = (SELECT addresses.email FROM addresses "
        "WHERE addresses.user_id = users.id)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_delete_where_exists_correlates(dialect: str) -> None:
    """EXISTS in DELETE's WHERE correlates to the deleted table."""
    has_address = exists(select(addresses.c.id).where(addresses.c.user_id == users.c.id))
    assert sql(delete(users).where(~has_address), dialect) == translate(
        "DELETE FROM users WHERE NOT EXISTS (SELECT addresses.id FROM addresses "
        "WHERE addresses.user_id = users.id)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_delete_where_in_subquery_correlates(dialect: str) -> None:
    """An IN (SELECT ...) in DELETE's WHERE correlates to the deleted table."""
    emails = select(addresses.c.user_id).where(addresses.c.email == users.c.email)
    assert sql(delete(users).where(users.c.id.in_(emails)), dialect) == translate(
        "DELETE FROM users WHERE users.id IN (SELECT addresses.user_id FROM addresses "
        "WHERE addresses.email = users.email)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_subquery_on_the_updated_table_alone_is_not_correlated(dialect: str) -> None:
    """A subquery whose only FROM is the updated table keeps it (it reads the whole table)."""
    count = select(func.count()).select_from(users).scalar_subquery()
    assert sql(update(users).values(email=count), dialect) == translate(
        "UPDATE users SET email=(SELECT count(*) FROM users)", dialect
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_correlate_none_turns_correlation_off_in_update(dialect: str) -> None:
    """correlate(None) keeps every FROM in the subquery, as SQLAlchemy does."""
    subquery = (
        select(addresses.c.email)
        .where(addresses.c.user_id == users.c.id)
        .correlate(None)
        .scalar_subquery()
    )
    assert sql(update(users).values(email=subquery), dialect) == translate(
        "UPDATE users SET email=(SELECT addresses.email FROM addresses, users "
        "WHERE addresses.user_id = users.id)",
        dialect,
    )


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_insert_values_subquery_is_not_correlated(dialect: str) -> None:
    """INSERT ... VALUES has no current row: its subqueries keep all their FROMs."""
    statement = insert(users).values(id=5, email=_email_of_user())
    assert sql(statement, dialect) == translate(
        "INSERT INTO users (id, email) VALUES (?, (SELECT addresses.email FROM addresses, users "
        "WHERE addresses.user_id = users.id))",
        dialect,
    )


def test_subquery_correlates_to_the_immediately_enclosing_select_only() -> None:
    """Two levels down, a subquery correlates to its direct parent, not to the UPDATE."""
    inner = exists(select(orders.c.id).where(orders.c.address_id == addresses.c.id, users.c.id > 0))
    subquery = (
        select(addresses.c.email)
        .where(addresses.c.user_id == users.c.id)
        .where(inner)
        .scalar_subquery()
    )
    assert sql(update(users).values(email=subquery), "sqlite") == (
        "UPDATE users SET email=(SELECT addresses.email FROM addresses "
        "WHERE addresses.user_id = users.id AND EXISTS (SELECT orders.id FROM orders, users "
        "WHERE orders.address_id = addresses.id AND users.id > ?))"
    )


def test_correlating_every_from_away_raises() -> None:
    """A subquery whose several FROMs are all in the enclosing statement is ambiguous: raise."""
    joined = addresses.join(orders, orders.c.address_id == addresses.c.id)
    ambiguous = exists(
        select(addresses.c.id, orders.c.id).where(addresses.c.id == orders.c.address_id)
    )
    subquery = (
        select(addresses.c.email)
        .select_from(joined)
        .where(addresses.c.user_id == users.c.id, ambiguous)
        .scalar_subquery()
    )
    with pytest.raises(exc.InvalidRequestError, match=r"addresses, orders.*correlate\("):
        sql(update(users).values(email=subquery), "sqlite")


def test_correlate_names_which_table_to_leave_out() -> None:
    """correlate(table) resolves the ambiguity by naming the table taken from outside."""
    joined = addresses.join(orders, orders.c.address_id == addresses.c.id)
    inner = exists(
        select(addresses.c.id, orders.c.id)
        .where(addresses.c.id == orders.c.address_id)
        .correlate(orders)
    )
    subquery = (
        select(addresses.c.email)
        .select_from(joined)
        .where(addresses.c.user_id == users.c.id, inner)
        .scalar_subquery()
    )
    assert sql(update(users).values(email=subquery), "sqlite") == (
        "UPDATE users SET email=(SELECT addresses.email FROM addresses JOIN orders "
        "ON orders.address_id = addresses.id WHERE addresses.user_id = users.id AND "
        "EXISTS (SELECT addresses.id, orders.id FROM addresses "
        "WHERE addresses.id = orders.address_id))"
    )


def test_scalar_subquery_correlate_except_keeps_its_own_table() -> None:
    """``scalar_subquery().correlate_except(t)`` in a SELECT of both tables keeps ``t``."""
    count = (
        select(func.count(addresses.c.id))
        .where(users.c.id == addresses.c.user_id)
        .scalar_subquery()
        .correlate_except(addresses)
    )
    statement = select(users.c.email, addresses.c.email, count.label("n")).join_from(
        users, addresses
    )
    assert sql(statement, "sqlite") == (
        "SELECT users.email, addresses.email, (SELECT count(addresses.id) "
        "FROM addresses WHERE users.id = addresses.user_id) AS n "
        "FROM users JOIN addresses ON addresses.user_id = users.id"
    )


def test_scalar_subquery_without_correlate_except_is_ambiguous() -> None:
    """Without it, every FROM of the subquery is in the enclosing SELECT: an error says so."""
    count = (
        select(func.count(addresses.c.id))
        .where(users.c.id == addresses.c.user_id)
        .scalar_subquery()
    )
    statement = select(users.c.email, count.label("n")).join_from(users, addresses)
    with pytest.raises(exc.InvalidRequestError, match=r"correlate\(table\)"):
        sql(statement, "sqlite")


def test_exists_correlate_names_the_outer_table() -> None:
    """``exists().correlate(users)`` leaves ``users`` to the enclosing statement."""
    has_address = exists().where(addresses.c.user_id == users.c.id).correlate(users)
    statement = select(users.c.id).where(has_address)
    assert sql(statement, "sqlite") == (
        "SELECT users.id FROM users WHERE EXISTS (SELECT * FROM addresses "
        "WHERE addresses.user_id = users.id)"
    )
