"""Tortoise ORM, written as its documentation shows: Models registered by ``Tortoise.init``,
awaited queries, no session. It has only an asyncio API, so it runs the asyncio workloads
alone (``ImplementationInfo.asyncio_only``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tortoise import Tortoise, fields
from tortoise.models import Model

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import ASYNC_POOL_SIZE, ASYNC_TASKS, Implementation

_T = TypeVar("_T")


class Customer(Model):
    """The benchmark's ``customer`` table (Tortoise finds models by module, so it is here)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255)
    description = fields.TextField(null=True)

    class Meta:
        table = "customer"


def _db_url(target: Target) -> str:
    """Tortoise's URL for the target: aiosqlite, or psycopg 3 (the driver corral's and the
    raw driver's asyncio cells use) through psycopg_pool with ``ASYNC_POOL_SIZE``
    connections."""
    if target.kind == "sqlite":
        return f"sqlite://{target.sqlite_path}"
    rest = target.libpq_url.split("://", 1)[1]
    return f"psycopg://{rest}?minsize=1&maxsize={ASYNC_POOL_SIZE}"


class TortoiseOrm(Implementation):
    """Tortoise's Model API: ``Model.get`` and ``Model.all``, each its own statement in
    autocommit (Tortoise opens a transaction only in ``in_transaction()``)."""

    def __init__(self, target: Target) -> None:
        self.db_url = _db_url(target)

    def _run(self, work: Callable[[], Awaitable[_T]]) -> _T:
        """``work()`` on a new event loop between ``Tortoise.init`` and the closing of its
        connections, which belong to that loop (as corral's and SQLAlchemy's cells create
        and dispose of their async engine in each run)."""

        async def main() -> _T:
            await Tortoise.init(db_url=self.db_url, modules={"models": [__name__]})
            try:
                return await work()
            finally:
                await Tortoise.close_connections()

        return asyncio.run(main())

    def async_get_by_pk(self, ids: Sequence[int]) -> list[str]:
        names: dict[int, str] = {}

        async def worker(part: Sequence[int]) -> None:
            for customer_id in part:
                customer = await Customer.get(id=customer_id)
                names[customer_id] = customer.name

        async def work() -> list[str]:
            await asyncio.gather(*(worker(ids[k::ASYNC_TASKS]) for k in range(ASYNC_TASKS)))
            return [names[customer_id] for customer_id in ids]

        return self._run(work)

    def async_load_objects(self) -> list[Any]:
        async def work() -> list[Any]:
            return list(await Customer.all())

        return self._run(work)


def build(target: Target) -> Implementation:
    return TortoiseOrm(target)
