"""Mapped classes with relationships, shared by the relationship and loading tests.

Every kind the relationships issue names has a model here: one-to-many with
``back_populates`` and delete-orphan (Customer/Order/OrderLine), many-to-one by
``backref`` (Author/Book), one-to-one (Person/Passport), many-to-many with
``secondary`` (Post/Tag), self-referential (Node), ``post_update`` between two
tables that refer to each other (Widget/Entry), ``passive_deletes`` with ``ON
DELETE CASCADE`` (Folder/Document), two foreign keys to one table (Trip/City),
an ordered ``set`` collection, and a write-only collection (Account/Event).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Optional

from corral import (
    Column,
    DeclarativeBase,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    Session,
    String,
    Table,
    WriteOnlyMapped,
    backref,
    mapped_column,
    relationship,
    text,
)
from tests.integration.orm_models import dml


class RelBase(DeclarativeBase):
    pass


class Customer(RelBase):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    orders: Mapped[list[Order]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Order.id"
    )


class Order(RelBase):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(50))
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customer.id"))  # noqa: UP045
    customer: Mapped[Optional[Customer]] = relationship(back_populates="orders")  # noqa: UP045
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(RelBase):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(default=1)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id"))  # noqa: UP045
    order: Mapped[Optional[Order]] = relationship(back_populates="lines")  # noqa: UP045


class Author(RelBase):
    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    if TYPE_CHECKING:  # made by Book.author's backref
        books: Mapped[list[Book]] = relationship()


class Book(RelBase):
    """Many-to-one declared on one side only; ``Author.books`` comes from the backref."""

    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("author.id"))  # noqa: UP045
    author: Mapped[Optional[Author]] = relationship(backref="books")  # noqa: UP045


class Person(RelBase):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    passport: Mapped[Optional[Passport]] = relationship(  # noqa: UP045
        back_populates="holder", cascade="all, delete-orphan"
    )


class Passport(RelBase):
    __tablename__ = "passport"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[Optional[int]] = mapped_column(  # noqa: UP045
        ForeignKey("person.id"), unique=True
    )
    holder: Mapped[Optional[Person]] = relationship(back_populates="passport")  # noqa: UP045


class Employee(RelBase):
    """One-to-one without delete-orphan: a replaced desk keeps its row, freed."""

    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    desk: Mapped[Optional[Desk]] = relationship(back_populates="employee")  # noqa: UP045


class Desk(RelBase):
    __tablename__ = "desk"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    employee_id: Mapped[Optional[int]] = mapped_column(  # noqa: UP045
        ForeignKey("employee.id"), unique=True
    )
    employee: Mapped[Optional[Employee]] = relationship(back_populates="desk")  # noqa: UP045


post_tag = Table(
    "post_tag",
    RelBase.metadata,
    Column("post_id", Integer, ForeignKey("post.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tag.id"), primary_key=True),
)


class Post(RelBase):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tag, back_populates="posts", order_by="Tag.name"
    )


class Tag(RelBase):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[set[Post]] = relationship(secondary=post_tag, back_populates="tags")


class Node(RelBase):
    """An adjacency-list tree."""

    __tablename__ = "node"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))  # noqa: UP045
    children: Mapped[list[Node]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="Node.id"
    )
    parent: Mapped[Optional[Node]] = relationship(  # noqa: UP045
        back_populates="children", remote_side="Node.id"
    )


class Widget(RelBase):
    """Refers to one of its entries while each entry refers to its widget: a cycle."""

    __tablename__ = "widget"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    favorite_entry_id: Mapped[Optional[int]] = mapped_column(  # noqa: UP045
        ForeignKey("entry.id", name="fk_widget_favorite_entry", use_alter=True)
    )
    entries: Mapped[list[Entry]] = relationship(
        back_populates="widget",
        foreign_keys="Entry.widget_id",
        cascade="all, delete-orphan",
    )
    favorite_entry: Mapped[Optional[Entry]] = relationship(  # noqa: UP045
        foreign_keys=[favorite_entry_id], post_update=True
    )


class Entry(RelBase):
    __tablename__ = "entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    widget_id: Mapped[Optional[int]] = mapped_column(ForeignKey("widget.id"))  # noqa: UP045
    widget: Mapped[Optional[Widget]] = relationship(  # noqa: UP045
        back_populates="entries", foreign_keys=[widget_id]
    )


class Folder(RelBase):
    __tablename__ = "folder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    documents: Mapped[list[Document]] = relationship(
        back_populates="folder", cascade="all, delete-orphan", passive_deletes=True
    )


class Document(RelBase):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"))
    folder: Mapped[Folder] = relationship(back_populates="documents")


class City(RelBase):
    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    if TYPE_CHECKING:  # made by Trip.destination's backref
        arrivals: Mapped[list[Trip]] = relationship()


class Trip(RelBase):
    """Two foreign keys to one table: each relationship names its own."""

    __tablename__ = "trip"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    origin: Mapped[City] = relationship(foreign_keys=[origin_id])
    destination: Mapped[City] = relationship(
        primaryjoin="Trip.destination_id == City.id",
        backref=backref("arrivals", order_by="Trip.id"),
    )


class Account(RelBase):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    events: WriteOnlyMapped[Event] = relationship(
        lazy="write_only", back_populates="account", cascade="all, delete-orphan"
    )


class Event(RelBase):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))  # noqa: UP045
    account: Mapped[Optional[Account]] = relationship(back_populates="events")  # noqa: UP045


@contextmanager
def rel_session(engine: Engine, **options: Any) -> Iterator[Session]:
    """A session for the test suite's own fixtures: N+1 loading raises (see the issue)."""
    options.setdefault("n_plus_one", "raise")
    with Session(engine, **options) as session:
        yield session


def shape(statements: list[str]) -> list[str]:
    """``INSERT customer``, ``UPDATE orders``, ``DELETE post_tag``: verb and table of each DML.

    SELECTs that fetch generated keys for a multi-row INSERT, not rows (SQLite's
    ``last_insert_rowid()``, PostgreSQL's ``nextval()`` ahead of it), are left out.
    """
    shapes = []
    for statement in dml(statements):
        words = statement.split()
        if words[0] == "SELECT" and (" FROM " not in statement or "nextval(" in statement):
            continue
        verb = words[0]
        if verb == "INSERT":
            shapes.append(f"INSERT {words[2]}")
        elif verb == "UPDATE":
            shapes.append(f"UPDATE {words[1]}")
        elif verb == "DELETE":
            shapes.append(f"DELETE {words[2]}")
        else:
            shapes.append("SELECT")
    return shapes


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    """The rows of a query, read on a fresh connection (what was committed)."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]
