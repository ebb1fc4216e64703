"""peewee, written as its documentation shows: a Model bound to a Database, no session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import UPDATED_SUFFIX, Implementation

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

        self.customer: Any = Customer
        self.database.connect()

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        customer = self.customer
        objects = [customer(name=name, description=description) for name, description in rows]
        with self.database.atomic():
            customer.bulk_create(objects, batch_size=BATCH_SIZE)

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

    def close(self) -> None:
        self.database.close()


def build(target: Target) -> Implementation:
    return PeeweeOrm(target)
