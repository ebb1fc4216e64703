"""Result rows looked up by the objects a statement selected (``row._mapping[users.c.id]``),
as in SQLAlchemy: table columns, labels, expressions, ORM attributes and entities."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    Engine,
    ForeignKey,
    String,
    Table,
    exc,
    func,
    insert,
    select,
    text,
    union,
)
from corral.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(50))


users: Table = User.__table__
addresses: Table = Address.__table__


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The users and addresses tables on ``engine``, with user 1 'a' and address 7 'x@y'."""
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(users), [{"id": 1, "name": "a"}])
        connection.execute(insert(addresses), [{"id": 7, "user_id": 1, "email": "x@y"}])
    yield engine


def first_row(engine: Engine, statement: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(statement).first()


def test_table_columns_key_rows_of_select_table(db: Engine) -> None:
    """``select(t)`` rows are keyed by the table's columns as well as by name."""
    row = first_row(db, select(users))
    mapping = row._mapping
    assert (mapping[users.c.id], mapping["name"], mapping[users.c.name]) == (1, "a", "a")
    assert users.c.id in mapping
    assert addresses.c.id not in mapping
    assert dict(mapping) == {"id": 1, "name": "a"}
    assert list(mapping.keys()) == ["id", "name"]
    assert row._fields == ("id", "name")


def test_column_not_in_row_is_named_in_the_error(db: Engine) -> None:
    """A column the statement did not select raises NoSuchColumnError naming it and the
    row's columns; ``get()`` returns the default instead."""
    row = first_row(db, select(users))
    with pytest.raises(exc.NoSuchColumnError, match=r"addresses\.email.*id, name"):
        row._mapping[addresses.c.email]
    with pytest.raises(KeyError):
        row._mapping[users.c.id + 1]
    assert row._mapping.get(addresses.c.email, "none") == "none"
    assert row._mapping.get(users.c.name) == "a"


def test_labels_and_expressions_key_their_column(db: Engine) -> None:
    """A label and an expression are keys of their own column; the labelled column is not."""
    named = users.c.name.label("nm")
    doubled = users.c.id * 2
    count = func.count(users.c.id)
    row = first_row(db, select(named, doubled, count).group_by(users.c.id, users.c.name))
    assert (row._mapping[named], row._mapping["nm"]) == ("a", "a")
    assert row._mapping[doubled] == 2
    assert row._mapping[count] == 1
    assert users.c.name not in row._mapping


def test_statement_built_again_keys_its_new_objects(db: Engine) -> None:
    """A statement built again (its compiled form reused) is keyed by its own new label and
    expression objects."""
    for _ in range(3):
        upper = func.upper(users.c.name).label("u")
        doubled = users.c.id * 2
        row = first_row(db, select(upper, doubled).where(users.c.id == 1))
        assert (row._mapping[upper], row._mapping[doubled]) == ("A", 2)


def test_same_name_twice_is_ambiguous_by_name_not_by_object(db: Engine) -> None:
    """Two columns under one label name: the name is ambiguous (but ``in``), each column
    object still finds its own value."""
    first, second = users.c.id.label("x"), users.c.name.label("x")
    row = first_row(db, select(first, second))
    with pytest.raises(exc.InvalidRequestError, match="Ambiguous column name 'x'"):
        row._mapping["x"]
    assert "x" in row._mapping
    assert (row._mapping[first], row._mapping[second]) == (1, "a")


def test_join_of_two_tables_keys_each_tables_columns(db: Engine) -> None:
    """In a join, each table's ``id`` column finds its own table's value."""
    statement = select(users, addresses).join_from(users, addresses)
    row = first_row(db, statement)
    assert (row._mapping[users.c.id], row._mapping[addresses.c.id]) == (1, 7)
    assert row._mapping[addresses.c.email] == "x@y"


def test_text_columns_key_the_rows(db: Engine) -> None:
    """``text().columns(t.c.id, ...)`` makes the columns keys; plain ``text()`` has none."""
    sql = "SELECT id, name FROM users"
    row = first_row(db, text(sql).columns(users.c.id, users.c.name))
    assert (row._mapping[users.c.id], row._mapping[users.c.name]) == (1, "a")
    plain = first_row(db, text(sql))
    assert plain._mapping["id"] == 1
    assert users.c.id not in plain._mapping


def test_subquery_and_alias_columns_are_their_own_keys(db: Engine) -> None:
    """A subquery's or alias's columns key its rows; the underlying table's do not."""
    subquery = select(users).subquery()
    row = first_row(db, select(subquery))
    assert row._mapping[subquery.c.id] == 1
    assert users.c.id not in row._mapping
    alias = users.alias("a")
    row = first_row(db, select(alias))
    assert row._mapping[alias.c.name] == "a"
    assert users.c.name not in row._mapping


def test_union_rows_keyed_by_first_select_columns(db: Engine) -> None:
    """A UNION's rows are keyed by its first SELECT's columns (its selected_columns)."""
    statement = union(select(users.c.id, users.c.name), select(addresses.c.id, addresses.c.email))
    with db.connect() as connection:
        rows = connection.execute(statement.order_by("id")).all()
    assert [(r._mapping[users.c.id], r._mapping[users.c.name]) for r in rows] == [
        (1, "a"),
        (7, "x@y"),
    ]
    assert statement.selected_columns.id in rows[0]._mapping
    assert addresses.c.id not in rows[0]._mapping


def test_result_views_take_column_objects(db: Engine) -> None:
    """``columns()``, ``scalars()`` and ``mappings()`` take the selected column objects."""
    with db.connect() as connection:
        picked = connection.execute(select(users)).columns(users.c.name, "id")
        assert picked.keys() == ["name", "id"]
        (row,) = picked.all()
        assert tuple(row) == ("a", 1)
        assert (row._mapping[users.c.id], row._mapping[users.c.name]) == (1, "a")
        only = connection.execute(select(users)).columns(users.c.name).one()
        with pytest.raises(exc.NoSuchColumnError, match=r"users\.id"):
            only._mapping[users.c.id]
        assert connection.execute(select(users)).scalars(users.c.name).all() == ["a"]
        assert connection.execute(select(users)).scalars("name").all() == ["a"]
        mapping = connection.execute(select(users)).mappings().one()
        assert (mapping[users.c.id], users.c.name in mapping) == (1, True)
        with pytest.raises(exc.NoSuchColumnError, match=r"addresses\.id"):
            connection.execute(select(users)).columns(addresses.c.id)


def test_frozen_rows_keep_object_keys_and_pickled_rows_keep_names(db: Engine) -> None:
    """A frozen result's rows stay keyed by objects; an unpickled row by names only."""
    with db.connect() as connection:
        frozen = connection.execute(select(users)).freeze()
        row = connection.execute(select(users)).one()
    assert frozen().one()._mapping[users.c.id] == 1
    copy = pickle.loads(pickle.dumps(row))
    assert copy._mapping["name"] == "a"
    with pytest.raises(exc.NoSuchColumnError):
        copy._mapping[users.c.name]


def test_returning_rows_keyed_by_columns(db: Engine) -> None:
    """RETURNING rows are keyed by the returned columns."""
    if not db.dialect.features.insert_returning:
        pytest.skip("the database has no INSERT ... RETURNING")
    with db.begin() as connection:
        statement = insert(users).values(id=2, name="b").returning(users.c.id, users.c.name)
        row = connection.execute(statement).one()
    assert (row._mapping[users.c.id], row._mapping[users.c.name]) == (2, "b")


def test_orm_column_rows_keyed_by_attributes(db: Engine) -> None:
    """``session.execute(select(User.id, User.name))`` rows are keyed by the attributes
    and by their table columns."""
    with Session(db) as session:
        row = session.execute(select(User.id, User.name)).one()
        mapping = session.execute(select(User.id, User.name)).mappings().one()
    assert (row._mapping[User.id], row._mapping[User.name]) == (1, "a")
    assert (row._mapping[users.c.id], User.name in row._mapping) == (1, True)
    assert Address.email not in row._mapping
    assert (mapping[User.id], mapping[User.name]) == (1, "a")


def test_orm_entity_rows_keyed_by_entity_and_attribute(db: Engine) -> None:
    """``select(User, Address.email)`` rows are keyed by ``User`` and ``Address.email``;
    not by the unselected ``User.id`` or ``Address``."""
    with Session(db) as session:
        row = session.execute(select(User, Address.email).join(Address)).one()
        alone = session.execute(select(User)).one()
    assert isinstance(row._mapping[User], User)
    assert row._mapping[Address.email] == "x@y"
    assert row._mapping["User"] is row._mapping[User]
    assert User.id not in row._mapping
    assert Address not in row._mapping
    assert alone._mapping[User].name == "a"


def test_orm_aliased_attributes_key_their_own_columns(db: Engine) -> None:
    """An aliased class's attribute and the class's own key different columns."""
    other_user = aliased(User)
    statement = select(other_user.name, User.id).where(other_user.id == User.id)
    with Session(db) as session:
        row = session.execute(statement).one()
        entity_row = session.execute(select(other_user)).one()
    assert (row._mapping[other_user.name], row._mapping[User.id]) == ("a", 1)
    assert entity_row._mapping[other_user].id == 1
