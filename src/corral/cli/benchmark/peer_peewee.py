"""peewee, written as its documentation shows: a Model bound to a Database, no session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import (
    PAGE_SIZE,
    UPDATED_SUFFIX,
    VISITED,
    Implementation,
    spread_requests,
)

# peewee has no identity map and no unit of work: ``get_by_id`` always queries, changed
# objects are saved explicitly (``bulk_update`` for many), inserts commit one by one
# unless wrapped in ``atomic()``.
BATCH_SIZE = 500


def _database(target: Target) -> Any:
    if target.kind == "sqlite":
        return peewee.SqliteDatabase(target.sqlite_path)
    params = target.params
    return peewee.PostgresqlDatabase(
        params["database"],
        host=params["host"],
        port=params["port"],
        user=params["user"],
        password=params["password"],
    )


class PeeweeOrm(Implementation):
    """peewee's Model API: create, bulk_create, select, get_by_id, bulk_update."""

    def __init__(self, target: Target) -> None:
        self.database = _database(target)

        class Customer(peewee.Model):
            name = peewee.CharField(max_length=255)
            description = peewee.TextField(null=True)

            class Meta:
                database = self.database
                table_name = "customer"

        class Purchase(peewee.Model):
            customer = peewee.ForeignKeyField(
                Customer, backref="purchases", column_name="customer_id"
            )
            item = peewee.CharField(max_length=100)

            class Meta:
                database = self.database
                table_name = "purchase"

        self.customer: Any = Customer
        self.purchase: Any = Purchase
        self.database.connect()

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        customer = self.customer
        objects = [customer(name=name, description=description) for name, description in rows]
        with self.database.atomic():
            customer.bulk_create(objects, batch_size=BATCH_SIZE)

    def bulk_insert_fast(self, rows: Sequence[tuple[str, str]]) -> None:
        """``insert_many`` of tuples, in batches (SQLite refuses a statement of 40,000
        parameters), as peewee's documentation shows for bulk loading."""
        customer = self.customer
        fields = [customer.name, customer.description]
        with self.database.atomic():
            for batch in peewee.chunked(rows, BATCH_SIZE):
                customer.insert_many(batch, fields=fields).execute()

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        for name, description in rows:
            self.customer.create(name=name, description=description)

    def load_objects(self) -> list[Any]:
        return list(self.customer.select())

    def load_tuples(self) -> list[Any]:
        customer = self.customer
        return list(customer.select(customer.id, customer.name, customer.description).tuples())

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        return [self.customer.get_by_id(customer_id).name for customer_id in ids]

    def update_objects(self) -> None:
        customer = self.customer
        with self.database.atomic():
            customers = list(customer.select())
            for each in customers:
                each.name = each.name + UPDATED_SUFFIX
            customer.bulk_update(customers, fields=[customer.name], batch_size=BATCH_SIZE)

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        customer = self.customer
        with self.database.atomic():
            loaded = list(customer.select())
            names = [customer.get_by_id(customer_id).name for customer_id in ids]
        assert len(loaded) >= len(ids)
        return names

    def eager_selectin(self) -> list[tuple[str, int]]:
        """``prefetch()``: a second query (WHERE customer_id IN the first's subquery)."""
        with self.database.atomic():
            loaded = peewee.prefetch(self.customer.select(), self.purchase.select())
            return [(each.name, len(each.purchases)) for each in loaded]

    def eager_joined(self) -> list[tuple[str, int]]:
        """peewee joins no collection into its parents' query: ``prefetch()`` with its JOIN
        strategy (the second query joins the first as a subquery) is the nearest idiom."""
        with self.database.atomic():
            loaded = peewee.prefetch(
                self.customer.select(),
                self.purchase.select(),
                prefetch_type=peewee.PREFETCH_TYPE.JOIN,
            )
            return [(each.name, len(each.purchases)) for each in loaded]

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        customer, database = self.customer, self.database
        # On SQLite a transaction that reads, then writes, must take the write lock up front
        # (IMMEDIATE) when other threads write: else two deadlock and one fails at once.
        lock = ("IMMEDIATE",) if isinstance(database, peewee.SqliteDatabase) else ()

        def request(customer_id: int) -> str:
            if database.is_closed():
                database.connect()  # an extra thread: its own connection (peewee's are per thread)
            with database.atomic(*lock):
                found = customer.get_by_id(customer_id)
                page = list(
                    customer.select()
                    .where(customer.id > customer_id)
                    .order_by(customer.id)
                    .limit(PAGE_SIZE)
                )
                assert len(page) <= PAGE_SIZE
                found.description = VISITED
                found.save(only=[customer.description])
            name: str = found.name
            return name

        return spread_requests(ids, threads, request, database.close)

    def close(self) -> None:
        self.database.close()


def build(target: Target) -> Implementation:
    return PeeweeOrm(target)
