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
    UPDATED_SUFFIX,
    Implementation,
)


def customer_model(api: Any) -> Any:
    """``customer(id, name, description)`` mapped with ``api``'s declarative names."""
    base = type("Base", (api.DeclarativeBase,), {})
    return type(
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
        },
    )


class SessionOrm(Implementation):
    """The workloads through a SQLAlchemy-style API: ``api`` provides its names."""

    def __init__(self, api: Any, url: str, async_url: str | None = None) -> None:
        self.api = api
        self.async_url = async_url
        self.engine = api.create_engine(url)
        Customer = customer_model(api)
        self.Customer = Customer

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        with self.api.Session(self.engine) as session:
            session.add_all(
                [self.Customer(name=name, description=description) for name, description in rows]
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
