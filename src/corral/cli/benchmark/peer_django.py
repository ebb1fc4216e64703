"""Django's ORM outside a project: settings configured in code, one model, its manager."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django
from django.conf import settings

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import (
    PAGE_SIZE,
    UPDATED_SUFFIX,
    VISITED,
    Implementation,
    spread_requests,
)

# Django has no identity map: ``objects.get`` always queries. It runs in autocommit mode,
# so single statements commit by themselves; ``transaction.atomic()`` groups work.
BATCH_SIZE = 500


def _database_settings(target: Target) -> dict[str, Any]:
    if target.kind == "sqlite":
        # IMMEDIATE: a transaction that reads, then writes, takes the write lock up front,
        # as Django's documentation advises where threads write at once (web_requests).
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": target.sqlite_path,
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        }
    params = target.params
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params["database"],
        "USER": params["user"] or "",
        "PASSWORD": params["password"] or "",
        "HOST": params["host"],
        "PORT": str(params["port"]),
    }


class DjangoOrm(Implementation):
    """Django's model manager: create, bulk_create, all, values_list, get, bulk_update."""

    def __init__(self, target: Target) -> None:
        settings.configure(
            DATABASES={"default": _database_settings(target)},
            INSTALLED_APPS=[],
            USE_TZ=True,
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
        django.setup()
        from django.db import connection, models, transaction

        class Customer(models.Model):
            name = models.CharField(max_length=255)
            description = models.TextField(null=True)

            class Meta:
                app_label = "corral_bench"
                db_table = "customer"

        class Purchase(models.Model):
            customer = models.ForeignKey(
                Customer, models.CASCADE, related_name="purchases", db_column="customer_id"
            )
            item = models.CharField(max_length=100)

            class Meta:
                app_label = "corral_bench"
                db_table = "purchase"

        self.customer: Any = Customer
        self.transaction: Any = transaction
        self.connection: Any = connection

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        customer = self.customer
        objects = [customer(name=name, description=description) for name, description in rows]
        with self.transaction.atomic():
            customer.objects.bulk_create(objects, batch_size=BATCH_SIZE)

    def bulk_insert_fast(self, rows: Sequence[tuple[str, str]]) -> None:
        """``bulk_create`` is Django's only bulk INSERT: it takes model instances."""
        self.bulk_insert(rows)

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        manager = self.customer.objects
        for name, description in rows:
            manager.create(name=name, description=description)

    def load_objects(self) -> list[Any]:
        return list(self.customer.objects.all())

    def load_tuples(self) -> list[Any]:
        return list(self.customer.objects.values_list("id", "name", "description"))

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        manager = self.customer.objects
        return [manager.get(pk=customer_id).name for customer_id in ids]

    def update_objects(self) -> None:
        manager = self.customer.objects
        with self.transaction.atomic():
            customers = list(manager.all())
            for customer in customers:
                customer.name = customer.name + UPDATED_SUFFIX
            manager.bulk_update(customers, ["name"], batch_size=BATCH_SIZE)

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        manager = self.customer.objects
        with self.transaction.atomic():
            loaded = list(manager.all())
            names = [manager.get(pk=customer_id).name for customer_id in ids]
        assert len(loaded) >= len(ids)
        return names

    def eager_selectin(self) -> list[tuple[str, int]]:
        """``prefetch_related()``: a second query for the purchases of every customer."""
        loaded = self.customer.objects.prefetch_related("purchases")
        return [(each.name, len(each.purchases.all())) for each in loaded]

    def eager_joined(self) -> list[tuple[str, int]]:
        """Django joins no reverse foreign key into the parents' query (``select_related``
        follows only forward ones): ``prefetch_related()`` again."""
        return self.eager_selectin()

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        manager, atomic = self.customer.objects, self.transaction.atomic

        def request(customer_id: int) -> str:
            with atomic():
                found = manager.get(pk=customer_id)
                page = list(manager.filter(id__gt=customer_id).order_by("id")[:PAGE_SIZE])
                assert len(page) <= PAGE_SIZE
                found.description = VISITED
                found.save(update_fields=["description"])
            name: str = found.name
            return name

        def thread_done() -> None:
            self.connection.close()  # the proxy finds this thread's own connection

        return spread_requests(ids, threads, request, thread_done)

    def close(self) -> None:
        self.connection.close()


def build(target: Target) -> Implementation:
    return DjangoOrm(target)
