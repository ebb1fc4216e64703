"""The database under test: parsing its URL, and preparing and checking its table.

All preparation goes through the raw driver with its own connection, outside the timed
region, so every implementation starts from the same rows with the same ids (1..n).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from corral.cli.benchmark.workloads import (
    UPDATED_SUFFIX,
    VISITED,
    Workload,
    customer_row,
    purchase_item,
)

TABLE = "customer"
#: Each customer's purchases (filled for the eager-loading workloads only).
CHILD_TABLE = "purchase"


@dataclass(frozen=True)
class Target:
    """A database to benchmark: ``sqlite`` (a file) or ``postgresql`` (a server)."""

    kind: str
    url: str

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Parse ``sqlite:///path`` or ``postgresql[+driver]://user[:password]@host[:port]/db``."""
        scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
        if scheme == "sqlite":
            if not url.startswith("sqlite:///") or url in {"sqlite:///", "sqlite:///:memory:"}:
                raise ValueError(f"the benchmark needs a SQLite file URL (sqlite:///PATH): {url}")
            return cls("sqlite", url)
        if scheme in {"postgresql", "postgres"}:
            return cls("postgresql", url)
        raise ValueError(f"the benchmark runs on sqlite or postgresql, not {scheme!r}: {url}")

    @property
    def sqlite_path(self) -> str:
        """The file of a SQLite target."""
        return self.url[len("sqlite:///") :]

    @property
    def libpq_url(self) -> str:
        """A PostgreSQL URL without a driver name, as libpq (psycopg) reads it."""
        return "postgresql://" + self.url.split("://", 1)[1]

    @property
    def params(self) -> dict[str, Any]:
        """A PostgreSQL target's host, port, user, password and database name."""
        parts = urlsplit(self.libpq_url)
        return {
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "database": parts.path.lstrip("/") or None,
        }

    @property
    def corral_url(self) -> str:
        """The URL for corral's and SQLAlchemy's ``create_engine`` (psycopg 3 on PostgreSQL)."""
        if self.kind == "sqlite":
            return self.url
        return "postgresql+psycopg://" + self.url.split("://", 1)[1]

    @property
    def async_url(self) -> str:
        """The URL for ``create_async_engine`` (aiosqlite; psycopg 3's async connection)."""
        if self.kind == "sqlite":
            return "sqlite+aiosqlite://" + self.url.split("://", 1)[1]
        return self.corral_url


class Fixture:
    """Creates, fills and checks the ``customer`` table through the raw driver."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.marker = "?" if target.kind == "sqlite" else "%s"
        self.connection: Any
        if target.kind == "sqlite":
            self.connection = sqlite3.connect(target.sqlite_path)
        else:
            import psycopg

            # Autocommit, so that VACUUM can run after each fill.
            self.connection = psycopg.connect(target.libpq_url, autocommit=True)
            self.connection.execute("SET lock_timeout = '20s'")

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A cursor whose statements commit together at the end of the block."""
        if self.target.kind == "postgresql":
            with self.connection.transaction(), closing(self.connection.cursor()) as cursor:
                yield cursor
            return
        with closing(self.connection.cursor()) as cursor:
            yield cursor
        self.connection.commit()

    def create_table(self) -> None:
        """Drop and create the tables (a SQLite file is first put in WAL mode)."""
        if self.target.kind == "sqlite":
            # corral turns a file it opens to WAL (the mode stays with the file), so
            # without this the raw driver's cells ran in whichever mode the cells before
            # them left: the rollback journal before corral's first cell, WAL after.
            # Every implementation is timed on the same file mode.
            self.connection.execute("PRAGMA journal_mode = WAL")
        key = "id INTEGER PRIMARY KEY" if self.target.kind == "sqlite" else "id SERIAL PRIMARY KEY"
        with self._cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CHILD_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cursor.execute(
                f"CREATE TABLE {TABLE} ({key}, name VARCHAR(255) NOT NULL, description TEXT)"
            )
            cursor.execute(
                f"CREATE TABLE {CHILD_TABLE} ({key}, "
                f"customer_id INTEGER NOT NULL REFERENCES {TABLE} (id), "
                "item VARCHAR(100) NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX {CHILD_TABLE}_customer ON {CHILD_TABLE} (customer_id)")

    def drop_table(self) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CHILD_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def server_version(self) -> str:
        with self._cursor() as cursor:
            if self.target.kind == "sqlite":
                return f"SQLite {sqlite3.sqlite_version}"
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"

    def fill(self, count: int, children: int = 0) -> None:
        """Empty the tables, insert ``count`` customers with ids 1..count and ``children``
        purchases for each."""
        marker = self.marker
        with self._cursor() as cursor:
            if self.target.kind == "sqlite":
                cursor.execute(f"DELETE FROM {CHILD_TABLE}")
                cursor.execute(f"DELETE FROM {TABLE}")
            else:
                cursor.execute(f"TRUNCATE {CHILD_TABLE}, {TABLE} RESTART IDENTITY")
            if count:
                cursor.executemany(
                    f"INSERT INTO {TABLE} (name, description) VALUES ({marker}, {marker})",
                    [customer_row(number) for number in range(1, count + 1)],
                )
            if count and children:
                cursor.executemany(
                    f"INSERT INTO {CHILD_TABLE} (customer_id, item) VALUES ({marker}, {marker})",
                    [
                        (customer, purchase_item(customer, number))
                        for customer in range(1, count + 1)
                        for number in range(1, children + 1)
                    ],
                )
        if self.target.kind == "postgresql":
            # Every run then reads rows whose visibility is already settled, instead of
            # the first reader paying to set hint bits on fresh rows.
            self.connection.execute(f"VACUUM ANALYZE {TABLE}")
            self.connection.execute(f"VACUUM ANALYZE {CHILD_TABLE}")

    def prepare(self, workload: Workload, size: int) -> None:
        """The tables as ``workload`` starts: empty, or ``size`` customers (with their
        purchases where it loads them)."""
        self.fill(size if workload.seeded else 0, workload.children)

    def check(self, workload: Workload, size: int, result: Any, ids: Sequence[int]) -> None:
        """Raise AssertionError unless the run did what the workload asks."""
        with self._cursor() as cursor:
            cursor.execute(f"SELECT count(*), count(DISTINCT name) FROM {TABLE}")
            count, distinct = cursor.fetchone()
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE name LIKE {self.marker}",
                ("%" + UPDATED_SUFFIX,),
            )
            (renamed,) = cursor.fetchone()
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE description = {self.marker}", (VISITED,)
            )
            (visited,) = cursor.fetchone()
        _expect(count == size, f"{size} rows in the table afterwards, found {count}")
        _expect(distinct == size, f"{size} distinct names, found {distinct}")
        if workload.name == "update_objects":
            _expect(renamed == size, f"{size} renamed customers, found {renamed}")
        else:
            _expect(renamed == 0, f"no renamed customers, found {renamed}")
        if workload.name in {"load_objects", "load_tuples", "async_load_objects"}:
            _expect(len(result) == size, f"{size} rows loaded, got {len(result)}")
        web = workload.name.startswith("web_requests")
        _expect(visited == (size if web else 0), f"{size if web else 0} visited customers")
        if workload.children:
            expected_pairs = [(customer_row(n)[0], workload.children) for n in range(1, size + 1)]
            _expect(
                sorted(result) == sorted(expected_pairs),
                f"{size} customers with {workload.children} purchases each",
            )
        if workload.wants_ids:
            expected = [customer_row(number)[0] for number in ids]
            _expect(list(result) == expected, "the names of the customers asked for")

    def close(self) -> None:
        self.connection.close()


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(f"wrong result: expected {what}")
