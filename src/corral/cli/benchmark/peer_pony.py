"""Pony ORM, written as its documentation shows: entities on a Database, db_session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pony import orm

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import UPDATED_SUFFIX, Implementation


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

    def close(self) -> None:
        self.database.disconnect()


def build(target: Target) -> Implementation:
    return PonyOrm(target)
