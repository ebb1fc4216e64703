"""A class mapped against the join of two tables (``user_account JOIN address``), and a
class related to it, for the multi-table mapping tests."""

from __future__ import annotations

from typing import Any

from corral import Column, ForeignKey, Integer, MetaData, String, Table, join
from corral.orm import DeclarativeBase, Mapped, column_property, relationship

tables = MetaData()
user_table = Table(
    "mt_user",
    tables,
    Column("id", Integer, primary_key=True),
    Column("name", String(30)),
)
address_table = Table(
    "mt_address",
    tables,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("mt_user.id")),
    Column("email", String(50)),
)


def untyped_join(*args: Any) -> Any:
    """``join(...)`` typed as a program's untyped ``__table__`` (declared as a Table)."""
    return join(*args)


class MultiTableBase(DeclarativeBase):
    metadata = tables


class Order(MultiTableBase):
    __tablename__ = "mt_order"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("mt_user.id"))
    item = Column(String(30))
    owner = relationship("AddressUser", back_populates="orders")


class AddressUser(MultiTableBase):
    __table__ = untyped_join(user_table, address_table)

    id = column_property(user_table.c.id, address_table.c.user_id)
    address_id = address_table.c.id
    # Typed for mypy; the join's columns map them.
    name: Mapped[str]
    email: Mapped[str]
    orders = relationship(Order, back_populates="owner", order_by=Order.id)
