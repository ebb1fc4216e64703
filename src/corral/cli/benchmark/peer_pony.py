"""Pony ORM, written as its documentation shows: entities on a Database, db_session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pony import orm

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import (
    PAGE_SIZE,
    UPDATED_SUFFIX,
    VISITED,
    Implementation,
    spread_requests,
)


class PonyOrm(Implementation):
    """Pony's entities: create by constructing, select(), Entity[pk], commit on leaving."""

    def __init__(self, target: Target) -> None:
        database = orm.Database()
        entity: Any = database.Entity

        class Customer(entity):
            _table_ = "customer"
            id = orm.PrimaryKey(int, auto=True)
            name = orm.Required(str, 255)
            description = orm.Optional(str, nullable=True)
            purchases = orm.Set("Purchase")

        class Purchase(entity):
            _table_ = "purchase"
            id = orm.PrimaryKey(int, auto=True)
            customer = orm.Required(Customer, column="customer_id")
            item = orm.Required(str, 100)

        if target.kind == "sqlite":
            database.bind(provider="sqlite", filename=target.sqlite_path)
        else:
            params = {k: v for k, v in target.params.items() if v is not None}
            database.bind(provider="postgres", **params)
        database.generate_mapping(create_tables=False)
        self.database = database
        self.customer: Any = Customer

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        customer = self.customer
        with orm.db_session:
            for name, description in rows:
                customer(name=name, description=description)

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        customer = self.customer
        for name, description in rows:
            with orm.db_session:
                customer(name=name, description=description)

    def load_objects(self) -> list[Any]:
        with orm.db_session:
            return list(self.customer.select()[:])

    def load_tuples(self) -> list[Any]:
        with orm.db_session:
            return list(orm.select((c.id, c.name, c.description) for c in self.customer)[:])

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        customer = self.customer
        names = []
        for customer_id in ids:
            with orm.db_session:
                names.append(customer[customer_id].name)
        return names

    def update_objects(self) -> None:
        with orm.db_session:
            for customer in self.customer.select()[:]:
                customer.name = customer.name + UPDATED_SUFFIX

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        customer = self.customer
        with orm.db_session:
            loaded = customer.select()[:]
            names = [customer[customer_id].name for customer_id in ids]
        assert len(loaded) >= len(ids)
        return names

    def eager_selectin(self) -> list[tuple[str, int]]:
        """``prefetch()`` of the collection: a second query for every customer's purchases."""
        customer = self.customer
        with orm.db_session:
            loaded = customer.select().prefetch(customer.purchases)[:]
            return [(each.name, len(each.purchases)) for each in loaded]

    def eager_joined(self) -> list[tuple[str, int]]:
        """Pony joins no collection into its parents' query: ``prefetch()`` again."""
        return self.eager_selectin()

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        customer = self.customer

        def request(customer_id: int) -> str:
            with orm.db_session:
                found = customer[customer_id]
                page = (
                    customer.select(lambda c: c.id > customer_id)
                    .order_by(customer.id)
                    .limit(PAGE_SIZE)[:]
                )
                assert len(page) <= PAGE_SIZE
                found.description = VISITED
                name: str = found.name
            return name

        return spread_requests(ids, threads, request)

    def close(self) -> None:
        self.database.disconnect()


def build(target: Target) -> Implementation:
    return PonyOrm(target)
