"""A class mapped against a join of tables: its attributes, primary key, printed SELECT and
the mappings it refuses (no database)."""

from __future__ import annotations

import pytest

from corral import Column, ForeignKey, Integer, MetaData, String, Table, exc, inspect, select
from corral.orm import DeclarativeBase, column_property
from tests.integration.multi_table_models import (
    AddressUser,
    address_table,
    untyped_join,
    user_table,
)


def _flat(statement: object) -> str:
    return " ".join(str(statement).split())


def test_attributes_follow_the_join_columns_with_the_named_ones() -> None:
    """id maps user.id and address.user_id; address.id is address_id, as named."""
    mapper = inspect(AddressUser)
    assert [
        (p.key, [f"{c.table.name}.{c.name}" for c in p.columns]) for p in mapper.column_attrs
    ] == [
        ("id", ["mt_user.id", "mt_address.user_id"]),
        ("name", ["mt_user.name"]),
        ("address_id", ["mt_address.id"]),
        ("email", ["mt_address.email"]),
    ]


def test_mapper_columns_list_every_column_of_the_join_under_its_attribute() -> None:
    """inspect(cls).columns: one entry per table column, in join order; address.user_id is
    listed as 'id' with id's first column (user.id), as SQLAlchemy lists it."""
    columns = inspect(AddressUser).columns
    assert columns.keys() == ["id", "name", "address_id", "id", "email"]
    assert [str(c) for c in columns] == [
        "mt_user.id",
        "mt_user.name",
        "mt_address.id",
        "mt_user.id",
        "mt_address.email",
    ]
    assert len(columns) == 5
    assert columns["id"] is user_table.c.id
    assert columns.address_id is address_table.c.id


def test_attribute_of_a_column_follows_the_mapping_not_the_key() -> None:
    """mt_address.id is held by address_id and mt_address.user_id by id (not their keys)."""
    mapper = inspect(AddressUser)
    user_id, address_id = mapper.primary_key
    assert mapper.attribute_of(address_id) == "address_id"
    assert mapper.attribute_of(mapper.joined_columns["id"][1]) == "id"  # mt_address.user_id
    assert mapper.attribute_of(user_id) == "id"


def test_primary_key_tables_and_selectables_are_sqlalchemys() -> None:
    """Primary key (user.id, address.id); tables both; local_table the join given."""
    mapper = inspect(AddressUser)
    assert mapper.primary_key == (user_table.c.id, address_table.c.id)
    assert mapper.tables == [user_table, address_table]
    assert mapper.local_table is mapper.persist_selectable
    assert list(mapper.local_table.c.keys())[:2] == ["mt_user_id", "mt_user_name"]


def test_select_lists_every_column_of_a_shared_attribute() -> None:
    """str(select(cls)) shows both columns of id, the second labelled, as SQLAlchemy."""
    assert _flat(select(AddressUser)) == (
        "SELECT mt_user.id, mt_address.user_id, mt_user.name, mt_address.id AS id_1, "
        "mt_address.email FROM mt_user JOIN mt_address ON mt_user.id = mt_address.user_id"
    )


def test_a_key_column_referring_to_the_other_key_is_not_part_of_the_key() -> None:
    """join(ext, loc) on loc.id -> ext.id: the key is ext.id alone."""
    metadata = MetaData()
    ext = Table("ext", metadata, Column("id", Integer, primary_key=True), Column("a", String))
    loc = Table(
        "loc",
        metadata,
        Column("id", Integer, ForeignKey("ext.id"), primary_key=True),
        Column("b", String),
    )

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __table__ = untyped_join(ext, loc)
        id = column_property(ext.c.id, loc.c.id)

    assert inspect(Thing).primary_key == (ext.c.id,)
    assert inspect(Thing).primary_key_attrs == ("id",)


def test_same_named_columns_left_implicit_are_refused() -> None:
    """Two 'id' columns not mapped explicitly: an error naming both and what to write."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.InvalidRequestError) as caught:

        class Unnamed(Base):
            __table__ = untyped_join(user_table, address_table)

    message = str(caught.value)
    assert "implicitly combining column mt_user.id with column mt_address.id" in message
    assert "column_property(mt_user.id, mt_address.id)" in message


def test_columns_of_several_tables_outside_a_join_mapping_are_refused() -> None:
    """column_property(a.c.x, b.c.y) on a class with a __tablename__ says to map the join."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError) as caught:

        class Alone(Base):
            __tablename__ = "alone"
            id = column_property(user_table.c.id, address_table.c.user_id)

    assert "__table__ = join(<tables>)" in str(caught.value)


def test_a_new_column_on_a_join_mapping_is_refused() -> None:
    """A Column of no join table, declared in the class body: refused, naming the tables."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError) as caught:

        class Extra(Base):
            __table__ = untyped_join(user_table, address_table)
            id = column_property(user_table.c.id, address_table.c.user_id)
            address_id = address_table.c.id
            extra = Column(Integer)

    assert "Extra.extra" in str(caught.value) and "mt_user, mt_address" in str(caught.value)


def test_a_join_of_a_subquery_is_refused() -> None:
    """join(table, subquery): corral maps joins of Tables only, and says so."""
    subquery = select(address_table).subquery("recent")

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError) as caught:

        class OverSubquery(Base):
            __table__ = untyped_join(user_table, subquery, user_table.c.id == subquery.c.user_id)

    assert "not a Table" in str(caught.value)


def test_expressions_lists_every_column_of_a_shared_attribute() -> None:
    """``AddressUser.id.expressions`` is both columns the attribute maps, for a GROUP BY that
    must name each; a one-column attribute lists its column."""
    group = _flat(select(AddressUser).group_by(*AddressUser.id.expressions))
    assert group.endswith("GROUP BY mt_user.id, mt_address.user_id")
    assert [str(c) for c in AddressUser.name.expressions] == ["mt_user.name"]


def test_the_generic_compiler_quotes_sql_reserved_words() -> None:
    """``str()`` with no dialect quotes a name that standard SQL reserves (user, end, order),
    as SQLAlchemy's default compiler does; other lower-case names stay bare."""
    table = Table("user", MetaData(), Column("id", Integer), Column("end", Integer))
    assert _flat(select(table.c.end)) == 'SELECT "user"."end" FROM "user"'
    assert _flat(select(user_table.c.name)) == "SELECT mt_user.name FROM mt_user"
