"""The ticket-sales demo's tables: events with a seat limit, customers, orders and lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

from corral import (
    CheckConstraint,
    DateTime,
    DeclarativeBase,
    ForeignKey,
    Integer,
    Mapped,
    Numeric,
    String,
    mapped_column,
)


class DemoBase(DeclarativeBase):
    pass


class Event(DemoBase):
    __tablename__ = "demo_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    seat_limit: Mapped[int] = mapped_column(Integer)
    seats_sold: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("seats_sold <= seat_limit", name="demo_no_oversell"),)
    __mapper_args__ = {"version_id_col": version}


class Customer(DemoBase):
    __tablename__ = "demo_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Order(DemoBase):
    __tablename__ = "demo_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("demo_customers.id"))
    placed_at: Mapped[datetime.datetime] = mapped_column(DateTime)


class OrderLine(DemoBase):
    __tablename__ = "demo_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demo_orders.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("demo_events.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
