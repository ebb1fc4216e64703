"""SQLAlchemy statement forms: ``join()`` functions, ``select(table.c)``, ragged multi-row
VALUES and the class-body order of mapped columns, compiled to the exact SQL."""

from __future__ import annotations

import pytest

from corral import exc
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.sql import join, outerjoin, select
from corral.sql.dml import insert
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.types import Integer, String

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("fullname", String(40)),
    Column("rank", Integer, default=7),
)
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id")),
    Column("body", String(40), server_default="empty"),
)


def test_join_function_is_the_join_method() -> None:
    """``join(a, b, on)`` renders like ``a.join(b, on)``; the ON is inferred when left out."""
    stmt = select(notes).select_from(join(notes, users, users.c.id == notes.c.user_id))
    assert str(stmt) == (
        "SELECT notes.id, notes.user_id, notes.body \n"
        "FROM notes JOIN users ON users.id = notes.user_id"
    )
    stmt = select(users.c.name).select_from(outerjoin(users, notes))
    assert str(stmt) == (
        "SELECT users.name \nFROM users LEFT OUTER JOIN notes ON users.id = notes.user_id"
    )
    stmt = select(users.c.name).select_from(outerjoin(users, notes, full=True))
    assert "FROM users FULL OUTER JOIN notes ON users.id = notes.user_id" in str(stmt)


def test_select_of_a_column_collection_selects_its_columns() -> None:
    """``select(t.c)`` and ``select(t.c["a", "b"])`` stand for the collection's columns."""
    assert str(select(users.c["name", "fullname"])) == (
        "SELECT users.name, users.fullname \nFROM users"
    )
    assert str(select(notes.c)) == "SELECT notes.id, notes.user_id, notes.body \nFROM notes"
    stmt = select(users.c.id).add_columns(notes.c["body"]).with_only_columns(notes.c)
    assert str(stmt) == "SELECT notes.id, notes.user_id, notes.body \nFROM notes"


def test_multi_row_values_with_different_keys() -> None:
    """Rows naming different columns: every named column is inserted; a row without one gets
    the column's Python default, else NULL."""
    stmt = insert(users).values([{"name": "a"}, {"name": "b", "fullname": "B"}])
    compiled = stmt.compile()
    assert str(compiled) == (
        "INSERT INTO users (name, fullname, rank) "
        "VALUES (:name_m0, NULL, :rank), (:name_m1, :fullname_m1, :rank)"
    )
    stmt = insert(users).values([{"fullname": "A", "rank": 1}, {"name": "b"}])
    assert str(stmt.compile()) == (
        "INSERT INTO users (name, fullname, rank) "
        "VALUES (NULL, :fullname_m0, :rank_m0), (:name_m1, NULL, :rank)"
    )


def test_multi_row_values_refuse_a_server_default_for_some_rows() -> None:
    """A server-default column given in some rows only is refused, naming the column."""
    stmt = insert(notes).values([{"user_id": 1}, {"user_id": 1, "body": "x"}])
    with pytest.raises(exc.ArgumentError, match=r"notes\.body .*server_default"):
        stmt.compile()


def test_mapped_columns_keep_the_class_body_order() -> None:
    """Annotation-only ``Mapped[str]`` names and an unannotated ``mapped_column()`` are
    interleaved as SQLAlchemy does (checked against SQLAlchemy 2.0.58)."""

    class Base(DeclarativeBase):
        pass

    class Owner(Base):
        __tablename__ = "owner"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)
        email_address: Mapped[str]
        owner_id = mapped_column(ForeignKey("owner.id"))
        note: Mapped[str]

    assert [c.key for c in Item.__table__.columns] == ["id", "email_address", "note", "owner_id"]
    assert str(select(Item)) == (
        "SELECT item.id, item.email_address, item.note, item.owner_id \nFROM item"
    )
