"""A key generator that runs its own transaction with ``sync_engine.begin()`` inside an async
flush, as SQLAlchemy's ``examples/sharding/asyncio.py`` does: an async sharded session over
two memory SQLite databases (aiosqlite), two PostgreSQL databases (psycopg) and two MariaDB
databases (aiomysql). The generator's checkout happens while the flush holds a connection
of the same engine; on a memory database that is the engine's one connection, which the
flushing task shares (``AsyncStaticPool``) instead of waiting for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import (
    Column,
    Integer,
    String,
    Table,
    create_engine,
    exc,
    insert,
    inspect,
    select,
    text,
    update,
)
from corral.engine import URL, make_url
from corral.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from corral.ext.horizontal_shard import ShardedSession
from corral.orm import DeclarativeBase, Mapped, mapped_column
from tests.integration.conftest import Servers, require_driver


class Base(DeclarativeBase):
    pass


counter = Table("key_counter", Base.metadata, Column("next_id", Integer, nullable=False))

#: The engine whose ``key_counter`` row hands out keys (the "east" shard of the test).
KEY_SOURCE: list[AsyncEngine] = []


def next_key(context: Any) -> int:
    """The next key from the counter row, in a transaction of the generator's own."""
    with KEY_SOURCE[0].sync_engine.begin() as connection:
        key: int = connection.scalar(select(counter.c.next_id).with_for_update())
        connection.execute(update(counter).values(next_id=counter.c.next_id + 1))
    return key


class City(Base):
    __tablename__ = "keyed_city"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=next_key)
    region: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))


DRIVERS = {"sqlite": "aiosqlite", "postgresql": "psycopg", "mysql": "aiomysql"}


def _admin(url: URL, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(params=list(DRIVERS), ids=list(DRIVERS))
def shard_urls(
    request: pytest.FixtureRequest, servers: Servers, tmp_path: Path
) -> Iterator[dict[str, URL]]:
    """Two empty databases as asyncio URLs: ``east`` and ``west`` shards, and ``east_file``,
    the east shard's database where a pool of separate connections serves it (the control).
    SQLite: memory databases (the control a file); a server: this test's database and a
    private second one, dropped after."""
    backend: str = request.param
    driver = DRIVERS[backend]
    require_driver(driver)
    if backend == "sqlite":
        memory = make_url("sqlite+aiosqlite://")
        file = make_url(f"sqlite+aiosqlite:///{tmp_path / 'east.db'}")
        yield {"east": memory, "west": memory, "east_file": file}
        return
    database = servers.get(backend)
    if database.dirty:
        database.clean()
    second = f"{database.url.database}_west"
    _admin(database.url, f"DROP DATABASE IF EXISTS {second}")
    _admin(database.url, f"CREATE DATABASE {second}")
    east = database.url.set(drivername=f"{backend}+{driver}")
    try:
        yield {"east": east, "west": east.set(database=second), "east_file": east}
    finally:
        force = " WITH (FORCE)" if backend == "postgresql" else ""
        _admin(database.url, f"DROP DATABASE IF EXISTS {second}{force}")
        database.clean()


def _shard_of(mapper: Any, instance: Any, clause: Any = None) -> str:
    return str(instance.region)


async def _flush_with_generated_keys(
    east_url: URL, west_url: URL, **east_options: Any
) -> tuple[list[tuple[str, int, str]], int, float]:
    """Three cities over the two shards, their keys from the counter on east, committed
    in one async sharded session that holds a connection of each shard when it flushes:
    (token, key, name) read back, the counter after, and the seconds the commit took."""
    east = create_async_engine(east_url, **east_options)
    west = create_async_engine(west_url, pool_timeout=2)
    KEY_SOURCE[:] = [east]
    try:
        for engine in (east, west):
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        async with east.begin() as connection:
            await connection.execute(insert(counter), {"next_id": 1})
        maker = async_sessionmaker(
            sync_session_class=ShardedSession,
            shards={"east": east.sync_engine, "west": west.sync_engine},
            shard_chooser=_shard_of,
            identity_chooser=lambda mapper, key, **kw: ["east", "west"],
            execute_chooser=lambda state: ["east", "west"],
        )
        async with maker() as session:
            # A read first: the session holds a connection of each shard from here on.
            assert (await session.scalars(select(City))).all() == []
            session.add_all(
                [
                    City(region="west", name="Reno"),
                    City(region="east", name="Boston"),
                    City(region="east", name="Albany"),
                ]
            )
            started = time.monotonic()
            await session.commit()
            took = time.monotonic() - started
            cities = (await session.scalars(select(City))).all()
            found = sorted((inspect(c).identity_token, c.id, c.name) for c in cities)
        async with east.connect() as connection:
            after = await connection.scalar(select(counter.c.next_id))
        return found, after, took
    finally:
        KEY_SOURCE.clear()
        await east.dispose()
        await west.dispose()


def test_key_generator_inside_an_async_sharded_flush(shard_urls: dict[str, URL]) -> None:
    """Each city gets a key of its own from the counter while the flush holds a connection
    of the counter's engine; the commit does not wait for the pool."""
    found, after, took = asyncio.run(
        _flush_with_generated_keys(shard_urls["east"], shard_urls["west"], pool_timeout=2)
    )
    assert sorted((token, name) for token, _, name in found) == [
        ("east", "Albany"),
        ("east", "Boston"),
        ("west", "Reno"),
    ]
    assert sorted(key for _, key, _ in found) == [1, 2, 3]
    assert after == 4
    assert took < 1.5, f"the commit took {took:.2f} s: it waited for the pool"


def test_control_a_pool_of_one_separate_connection_waits_for_itself(
    shard_urls: dict[str, URL],
) -> None:
    """Control: the same flush where the counter's engine has one connection that is not
    shared with the flushing task (a pool of size 1, as a memory database had before)
    waits for the connection the flush holds until the pool times out."""
    with pytest.raises(exc.TimeoutError, match=r"pool_size=1.*within timeout=0\.2 s"):
        asyncio.run(
            _flush_with_generated_keys(
                shard_urls["east_file"],
                shard_urls["west"],
                pool_size=1,
                max_overflow=0,
                pool_timeout=0.2,
            )
        )


class Note(Base):
    """Its key from a generator that takes no context: it runs on the event loop."""

    __tablename__ = "keyed_note"
    id: Mapped[int] = mapped_column(
        primary_key=True, autoincrement=False, default=lambda: next_key(None)
    )


async def _session_with_generated_keys(url: URL, *rows: City | Note) -> list[int]:
    """``rows`` committed by an AsyncSession bound to one engine, which also hands out
    the keys; the keys given."""
    engine = create_async_engine(url, pool_timeout=2)
    KEY_SOURCE[:] = [engine]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(counter), {"next_id": 1})
        async with AsyncSession(engine, expire_on_commit=False) as session:
            session.add_all(rows)
            await session.commit()
            return sorted(row.id for row in rows)
    finally:
        KEY_SOURCE.clear()
        await engine.dispose()


def test_a_default_taking_the_context_flushes_in_a_worker_thread(
    shard_urls: dict[str, URL],
) -> None:
    """An AsyncSession's flush runs on the event loop, except when a column default takes
    the execution context (it may query, as this key generator does): then in a worker
    thread, where its own transaction works."""
    rows = [City(region="east", name="Boston"), City(region="east", name="Albany")]
    assert asyncio.run(_session_with_generated_keys(shard_urls["east"], *rows)) == [1, 2]


def test_a_default_without_the_context_that_queries_is_refused_on_the_loop(
    shard_urls: dict[str, URL],
) -> None:
    """A default taking no argument runs on the loop with the flush; querying from there
    is refused at once (AwaitRequired), never blocking the loop."""
    with pytest.raises(exc.AwaitRequired, match="event loop's thread without await"):
        asyncio.run(_session_with_generated_keys(shard_urls["east"], Note()))
