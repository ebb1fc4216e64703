"""SQLAlchemy 2.x ORM, written as its 2.0-style documentation shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import UPDATED_SUFFIX, Implementation


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)


class SqlAlchemyOrm(Implementation):
    """SQLAlchemy's ORM: Session, add_all, select, get."""

    def __init__(self, target: Target) -> None:
        self.engine = create_engine(target.corral_url)

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        with Session(self.engine) as session:
            session.add_all(
                [Customer(name=name, description=description) for name, description in rows]
            )
            session.commit()

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        for name, description in rows:
            with Session(self.engine) as session:
                session.add(Customer(name=name, description=description))
                session.commit()

    def load_objects(self) -> list[Any]:
        with Session(self.engine) as session:
            return list(session.scalars(select(Customer)).all())

    def load_tuples(self) -> list[Any]:
        with Session(self.engine) as session:
            statement = select(Customer.id, Customer.name, Customer.description)
            return list(session.execute(statement).all())

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        names = []
        for customer_id in ids:
            with Session(self.engine) as session:
                customer = session.get(Customer, customer_id)
                assert customer is not None
                names.append(customer.name)
        return names

    def update_objects(self) -> None:
        with Session(self.engine) as session:
            customers = session.scalars(select(Customer)).all()
            for customer in customers:
                customer.name = customer.name + UPDATED_SUFFIX
            session.commit()

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        with Session(self.engine) as session:
            loaded = session.scalars(select(Customer)).all()
            names = []
            for customer_id in ids:
                customer = session.get(Customer, customer_id)
                assert customer is not None
                names.append(customer.name)
            assert len(loaded) >= len(ids)
            return names

    def close(self) -> None:
        self.engine.dispose()


def build(target: Target) -> Implementation:
    return SqlAlchemyOrm(target)
