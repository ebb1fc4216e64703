"""The reference: the DB-API driver alone (sqlite3, psycopg 3), one connection, plain SQL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import (
    ASYNC_POOL_SIZE,
    ASYNC_TASKS,
    PAGE_SIZE,
    UPDATED_SUFFIX,
    VISITED,
    Implementation,
    spread_requests,
)


class RawDriver(Implementation):
    """What a program without an ORM writes: SQL strings, cursors, tuples."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.connection: Any
        self.returning = target.kind == "postgresql"
        self.connection = self._connect()
        marker = "?" if target.kind == "sqlite" else "%s"
        #: The connection of each extra thread of ``web_requests``.
        self.local = threading.local()
        self.insert = f"INSERT INTO customer (name, description) VALUES ({marker}, {marker})"
        self.select_all = "SELECT id, name, description FROM customer"
        self.select_one = f"SELECT id, name, description FROM customer WHERE id = {marker}"
        self.update_name = f"UPDATE customer SET name = {marker} WHERE id = {marker}"
        self.select_page = (
            f"SELECT id, name, description FROM customer WHERE id > {marker} "
            f"ORDER BY id LIMIT {PAGE_SIZE}"
        )
        self.update_description = f"UPDATE customer SET description = {marker} WHERE id = {marker}"

    def _connect(self) -> Any:
        if self.target.kind == "sqlite":
            return sqlite3.connect(self.target.sqlite_path)
        import psycopg

        return psycopg.connect(self.target.libpq_url)

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        cursor = self.connection.cursor()
        cursor.executemany(self.insert, [(name, description) for name, description in rows])
        self.connection.commit()
        cursor.close()

    def bulk_insert_fast(self, rows: Sequence[tuple[str, str]]) -> None:
        self.bulk_insert(rows)

    def single_inserts(self, rows: Sequence[tuple[str, str]]) -> None:
        insert = self.insert + " RETURNING id" if self.returning else self.insert
        for name, description in rows:
            cursor = self.connection.cursor()
            cursor.execute(insert, (name, description))
            new_id = cursor.fetchone()[0] if self.returning else cursor.lastrowid
            assert new_id is not None
            self.connection.commit()
            cursor.close()

    def load_objects(self) -> list[Any]:
        cursor = self.connection.cursor()
        cursor.execute(self.select_all)
        rows: list[Any] = cursor.fetchall()
        self.connection.rollback()
        cursor.close()
        return rows

    def load_tuples(self) -> list[Any]:
        return self.load_objects()

    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        names = []
        for customer_id in ids:
            cursor = self.connection.cursor()
            cursor.execute(self.select_one, (customer_id,))
            names.append(cursor.fetchone()[1])
            self.connection.rollback()
            cursor.close()
        return names

    def update_objects(self) -> None:
        cursor = self.connection.cursor()
        cursor.execute(self.select_all)
        rows = cursor.fetchall()
        cursor.executemany(
            self.update_name, [(name + UPDATED_SUFFIX, row_id) for row_id, name, _ in rows]
        )
        self.connection.commit()
        cursor.close()

    def identity_get(self, ids: Sequence[int]) -> list[str]:
        cursor = self.connection.cursor()
        cursor.execute(self.select_all)
        by_id = {row[0]: row for row in cursor.fetchall()}
        names = [by_id[customer_id][1] for customer_id in ids]
        self.connection.rollback()
        cursor.close()
        return names

    def _eager(self) -> list[tuple[str, int]]:
        """Customers, then every purchase, grouped by customer in Python."""
        cursor = self.connection.cursor()
        cursor.execute(self.select_all)
        customers = cursor.fetchall()
        cursor.execute("SELECT id, customer_id, item FROM purchase")
        purchases: dict[int, list[Any]] = {}
        for row in cursor.fetchall():
            purchases.setdefault(row[1], []).append(row)
        self.connection.rollback()
        cursor.close()
        return [(row[1], len(purchases.get(row[0], ()))) for row in customers]

    def eager_selectin(self) -> list[tuple[str, int]]:
        return self._eager()

    def eager_joined(self) -> list[tuple[str, int]]:
        return self._eager()

    def web_requests(self, ids: Sequence[int], threads: int = 1) -> list[str]:
        main = threading.get_ident()

        def request(customer_id: int) -> str:
            if threading.get_ident() == main:
                connection = self.connection
            else:
                connection = getattr(self.local, "connection", None) or self._connect()
                self.local.connection = connection
            cursor = connection.cursor()
            cursor.execute(self.select_one, (customer_id,))
            name: str = cursor.fetchone()[1]
            cursor.execute(self.select_page, (customer_id,))
            assert len(cursor.fetchall()) <= PAGE_SIZE
            cursor.execute(self.update_description, (VISITED, customer_id))
            connection.commit()
            cursor.close()
            return name

        def thread_done() -> None:
            connection = getattr(self.local, "connection", None)
            if connection is not None:
                connection.close()
                self.local.connection = None

        return spread_requests(ids, threads, request, thread_done)

    async def _async_connect(self) -> Any:
        """An asyncio connection of the driver corral's async engine uses for this database."""
        if self.target.kind == "sqlite":
            import aiosqlite

            return await aiosqlite.connect(self.target.sqlite_path)
        import psycopg

        return await psycopg.AsyncConnection.connect(self.target.libpq_url)

    def async_get_by_pk(self, ids: Sequence[int]) -> list[str]:
        async def main() -> list[str]:
            idle: asyncio.Queue[Any] = asyncio.Queue()
            for _ in range(ASYNC_POOL_SIZE):
                idle.put_nowait(await self._async_connect())
            names: dict[int, str] = {}

            async def worker(part: Sequence[int]) -> None:
                for customer_id in part:
                    connection = await idle.get()
                    try:
                        cursor = await connection.execute(self.select_one, (customer_id,))
                        row = await cursor.fetchone()
                        names[customer_id] = row[1]
                        await connection.rollback()
                    finally:
                        idle.put_nowait(connection)

            try:
                await asyncio.gather(*(worker(ids[k::ASYNC_TASKS]) for k in range(ASYNC_TASKS)))
            finally:
                while not idle.empty():
                    await idle.get_nowait().close()
            return [names[customer_id] for customer_id in ids]

        return asyncio.run(main())

    def async_load_objects(self) -> list[Any]:
        async def main() -> list[Any]:
            connection = await self._async_connect()
            try:
                cursor = await connection.execute(self.select_all)
                rows: list[Any] = list(await cursor.fetchall())
                await connection.rollback()
                return rows
            finally:
                await connection.close()

        return asyncio.run(main())

    def close(self) -> None:
        self.connection.close()


def build(target: Target) -> Implementation:
    return RawDriver(target)
