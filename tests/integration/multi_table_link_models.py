"""A class mapped against ``mtl_user JOIN mtl_address`` whose relationships go through
columns mapped under other names than their keys: ``address_id`` holds ``mtl_address.id``
(which notes refer to) and ``tag_ref`` holds ``mtl_address.tag_id`` (a foreign key to a
tag). A flush or a load that took the column's key for the attribute would read the
user's ``id`` instead of the address's."""

from __future__ import annotations

from typing import Any

from corral import Column, ForeignKey, Integer, MetaData, String, Table, join
from corral.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

tables = MetaData()
user_table = Table(
    "mtl_user", tables, Column("id", Integer, primary_key=True), Column("name", String(30))
)
address_table = Table(
    "mtl_address",
    tables,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("mtl_user.id")),
    Column("email", String(50)),
    Column("tag_id", Integer, ForeignKey("mtl_tag.id")),
)


def untyped_join(*args: Any) -> Any:
    """``join(...)`` typed as a program's untyped ``__table__`` (declared as a Table)."""
    return join(*args)


class LinkBase(DeclarativeBase):
    metadata = tables


class Tag(LinkBase):
    __tablename__ = "mtl_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30))
    members: Mapped[list[Pair]] = relationship(
        "Pair", back_populates="tag", order_by="Pair.address_id"
    )


class Note(LinkBase):
    __tablename__ = "mtl_note"

    id = Column(Integer, primary_key=True)
    addr_id = Column(Integer, ForeignKey("mtl_address.id"))
    pair = relationship("Pair", back_populates="notes")


class Pair(LinkBase):
    __table__ = untyped_join(user_table, address_table)

    id = column_property(user_table.c.id, address_table.c.user_id)
    address_id = address_table.c.id
    tag_ref = address_table.c.tag_id
    # Typed for mypy; the join's columns map them.
    name: Mapped[str]
    email: Mapped[str]
    tag: Mapped[Tag | None] = relationship(Tag, back_populates="members")
    notes: Mapped[list[Note]] = relationship(Note, back_populates="pair", order_by=Note.id)
