"""Inheritance hierarchies for the integration tests: joined tables and a single table.

Joined: ``Employee`` (table ``employee``) with ``Manager`` (``manager``) and
``Engineer`` (``engineer``), each a row in ``employee`` plus one in its own
table; a ``Company`` has employees, a ``Manager`` has paperwork. Single:
``Vehicle`` with ``Car`` and ``Truck`` in one table ``vehicle``, and an abstract
``Machine`` between ``Vehicle`` and ``Digger``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from corral import ConcreteBase, ForeignKey, String
from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship


class InheritanceBase(DeclarativeBase):
    pass


class Company(InheritanceBase):
    __tablename__ = "company"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    employees: Mapped[list[Employee]] = relationship(
        back_populates="company", order_by="Employee.id"
    )


class Employee(InheritanceBase):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"))
    company: Mapped[Company | None] = relationship(back_populates="employees")
    __mapper_args__ = {"polymorphic_identity": "employee", "polymorphic_on": "type"}


class Manager(Employee):
    __tablename__ = "manager"
    id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    manager_name: Mapped[str] = mapped_column(String(50))
    paperwork: Mapped[list[Paperwork]] = relationship(order_by="Paperwork.id")
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    __tablename__ = "engineer"
    id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
    engineer_info: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


class Paperwork(InheritanceBase):
    __tablename__ = "paperwork"
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("manager.id"))
    document_name: Mapped[str] = mapped_column(String(50))


class Vehicle(InheritanceBase):
    __tablename__ = "vehicle"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "vehicle",
    }


class Car(Vehicle):
    seats: Mapped[int | None]
    __mapper_args__ = {"polymorphic_identity": "car"}


class Truck(Vehicle):
    payload: Mapped[int | None]
    __mapper_args__ = {"polymorphic_identity": "truck", "polymorphic_load": "inline"}


class Machine(Vehicle):
    __mapper_args__ = {"polymorphic_abstract": True}


class Digger(Machine):
    bucket: Mapped[int | None]
    __mapper_args__ = {"polymorphic_identity": "digger"}


class Worker(InheritanceBase):
    __tablename__ = "worker"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_on": "kind"}


class Welder(Worker):
    """Has its own ``status`` column, as ``Painter`` does: two columns, one name."""

    __tablename__ = "welder"
    id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "welder"}


class Painter(Worker):
    __tablename__ = "painter"
    id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "painter"}


class Shop(InheritanceBase):
    __tablename__ = "shop"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    staff: Mapped[list[Clerk]] = relationship(back_populates="shop")


class Clerk(ConcreteBase, InheritanceBase):
    """Concrete: every class has a complete table; the base is queried through a UNION."""

    __tablename__ = "clerk"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"))
    shop: Mapped[Shop | None] = relationship(back_populates="staff")
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "clerk"}


class Cashier(Clerk):
    __tablename__ = "cashier"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    till: Mapped[int] = mapped_column()
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"))
    shop: Mapped[Shop | None] = relationship(back_populates="staff")
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_identity": "cashier",
        "concrete": True,
    }


class Plumber(Worker):
    """Loaded with every query of Worker by a second SELECT (polymorphic_load="selectin")."""

    __tablename__ = "plumber"
    id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    pipes: Mapped[int] = mapped_column()
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_identity": "plumber",
        "polymorphic_load": "selectin",
    }
