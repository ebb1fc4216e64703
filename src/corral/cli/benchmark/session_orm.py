"""The ORM workloads written once against a SQLAlchemy-style API.

corral and SQLAlchemy run the very same code here, each given its own names
(``DeclarativeBase``, ``Mapped``, ``Session``, ``select``, ...): code written
for SQLAlchemy's ORM runs on corral by changing the import.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from typing import Any

from corral.cli.benchmark.workloads import (
    ASYNC_POOL_SIZE,
    ASYNC_TASKS,
    PAGE_SIZE,
    UPDATED_SUFFIX,
    VISITED,
    Implementation,
    spread_requests,
)


def customer_model(api: Any) -> tuple[Any, Any]:
    """``customer(id, name, description)`` with its ``purchases`` (``purchase(id,
    customer_id, item)``), mapped with ``api``'s declarative names: both classes (keep
    both: SQLAlchemy's registry holds them weakly)."""
    base = type("Base", (api.DeclarativeBase,), {})
    customer = type(
        "Customer",
        (base,),
        {
            "__tablename__": "customer",
            "__annotations__": {
                "id": api.Mapped[int],
                "name": api.Mapped[str],
                "description": api.Mapped[str | None],
            },
            "id": api.mapped_column(primary_key=True),
            "name": api.mapped_column(api.String(255)),
            "description": api.mapped_column(api.Text),
            "purchases": api.relationship("Purchase"),
        },
    )
    purchase = type(
        "Purchase",
        (base,),
        {
            "__tablename__": "purchase",
            "__annotations__": {
                "id": api.Mapped[int],
                "customer_id": api.Mapped[int],
                "item": api.Mapped[str],
            },
            "id": api.mapped_column(primary_key=True),
            "customer_id": api.mapped_column(api.ForeignKey("customer.id")),
            "item": api.mapped_column(api.String(100)),
        },
    )
    return customer, purchase


class SessionOrm(Implementation):
    """The workloads through a SQLAlchemy-style API: ``api`` provides its names."""

    def __init__(self, api: Any, url: str, async_url: str | None = None) -> None:
        self.api = api
        self.async_url = async_url
        self.engine = api.create_engine(url)
        self.Customer, self.Purchase = customer_model(api)

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        with self.api.Session(self.engine) as session:
            session.add_all(
                [self.Customer(name=name, description=description) for name, description in rows]
            )
            session.commit()

    def bulk_insert_fast(self, rows: Sequence[tuple[str, str]]) -> None:
        with self.api.Session(self.engine) as session:
            session.execute(
                self.api.insert(self.Customer),
                [{"name": name, "description": description} for name, description in rows],
            )
            session.commit()

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        for name, description in rows:
            with self.api.Session(self.engine) as session:
                session.add(self.Customer(name=name, description=description))
                session.commit()

    def load_objects(self) -> list[Any]:
        with self.api.Session(self.engine) as session:
            return list(session.scalars(self.api.select(self.Customer)).all())

    def load_tuples(self) -> list[Any]:
        with self.api.Session(self.engine) as session:
            statement = self.api.select(
                self.Customer.id, self.Customer.name, self.Customer.description
            )
            return list(session.execute(statement).all())

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        names = []
        for customer_id in ids:
            with self.api.Session(self.engine) as session:
                customer = session.get(self.Customer, customer_id)
                assert customer is not None
                names.append(customer.name)
        return names

    def update_objects(self) -> None:
        with self.api.Session(self.engine) as session:
            customers = session.scalars(self.api.select(self.Customer)).all()
            for customer in customers:
                customer.name = customer.name + UPDATED_SUFFIX
            session.commit()

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        with self.api.Session(self.engine) as session:
            loaded = session.scalars(self.api.select(self.Customer)).all()
            names = []
            for customer_id in ids:
                customer = session.get(self.Customer, customer_id)
                assert customer is not None
                names.append(customer.name)
            assert len(loaded) >= len(ids)
            return names

    def eager_selectin(self) -> list[tuple[str, int]]:
        customer = self.Customer
        statement = self.api.select(customer).options(self.api.selectinload(customer.purchases))
        with self.api.Session(self.engine) as session:
            return [(each.name, len(each.purchases)) for each in session.scalars(statement)]

    def eager_joined(self) -> list[tuple[str, int]]:
        customer = self.Customer
        statement = self.api.select(customer).options(self.api.joinedload(customer.purchases))
        with self.api.Session(self.engine) as session:
            loaded = session.scalars(statement).unique().all()
            return [(each.name, len(each.purchases)) for each in loaded]

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        api, customer = self.api, self.Customer

        def request(customer_id: int) -> str:
            with api.Session(self.engine) as session:
                found = session.get(customer, customer_id)
                assert found is not None
                page = session.scalars(
                    api.select(customer)
                    .where(customer.id > customer_id)
                    .order_by(customer.id)
                    .limit(PAGE_SIZE)
                ).all()
                assert len(page) <= PAGE_SIZE
                name: str = found.name
                found.description = VISITED
                session.commit()
                return name

        return spread_requests(ids, threads, request)

    def _async_api(self) -> Any:
        package = getattr(self.api, "package", None) or self.api.__name__
        return importlib.import_module(f"{package}.ext.asyncio")

    def async_get_by_pk(self, ids: Sequence[int]) -> list[str]:
        async def main() -> list[str]:
            api = self._async_api()
            engine = api.create_async_engine(
                self.async_url, pool_size=ASYNC_POOL_SIZE, max_overflow=0
            )
            maker = api.async_sessionmaker(engine)
            names: dict[int, str] = {}

            async def worker(part: Sequence[int]) -> None:
                for customer_id in part:
                    async with maker() as session:
                        customer = await session.get(self.Customer, customer_id)
                        assert customer is not None
                        names[customer_id] = customer.name

            try:
                await asyncio.gather(*(worker(ids[k::ASYNC_TASKS]) for k in range(ASYNC_TASKS)))
            finally:
                await engine.dispose()
            return [names[customer_id] for customer_id in ids]

        return asyncio.run(main())

    def async_load_objects(self) -> list[Any]:
        async def main() -> list[Any]:
            api = self._async_api()
            engine = api.create_async_engine(self.async_url)
            try:
                async with api.AsyncSession(engine) as session:
                    return list((await session.scalars(self.api.select(self.Customer))).all())
            finally:
                await engine.dispose()

        return asyncio.run(main())

    def close(self) -> None:
        self.engine.dispose()
