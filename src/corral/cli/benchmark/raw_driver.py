"""The reference: the DB-API driver alone (sqlite3, psycopg 3), one connection, plain SQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.workloads import (
    ASYNC_POOL_SIZE,
    ASYNC_TASKS,
    UPDATED_SUFFIX,
    Implementation,
)


class RawDriver(Implementation):
    """What a program without an ORM writes: SQL strings, cursors, tuples."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.connection: Any
        self.returning = target.kind == "postgresql"
        if target.kind == "sqlite":
            self.connection = sqlite3.connect(target.sqlite_path)
            marker = "?"
        else:
            import psycopg

            self.connection = psycopg.connect(target.libpq_url)
            marker = "%s"
        self.insert = f"INSERT INTO customer (name, description) VALUES ({marker}, {marker})"
        self.select_all = "SELECT id, name, description FROM customer"
        self.select_one = f"SELECT id, name, description FROM customer WHERE id = {marker}"
        self.update_name = f"UPDATE customer SET name = {marker} WHERE id = {marker}"

    def bulk_insert(self, rows: Sequence[tuple[str, str]]) -> None:
        cursor = self.connection.cursor()
        cursor.executemany(self.insert, [(name, description) for name, description in rows])
        self.connection.commit()
        cursor.close()

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
