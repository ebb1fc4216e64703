"""Models for the web framework integration tests: customers and their orders."""

from __future__ import annotations

from corral import ForeignKey, String
from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship


class WebBase(DeclarativeBase):
    pass


class Customer(WebBase):
    __tablename__ = "web_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(WebBase):
    __tablename__ = "web_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("web_customer.id"))
    total: Mapped[int]
    customer: Mapped[Customer] = relationship(back_populates="orders")
