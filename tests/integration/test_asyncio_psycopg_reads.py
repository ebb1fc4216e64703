"""psycopg's asyncio connection: an idle connection rolls back without the driver, and a
large result is received with the cyclic collector paused, as the sync engine receives it."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from corral import text
from corral.engine import URL
from corral.ext.asyncio import AsyncEngine, create_async_engine
from corral.util.gc_pause import PAUSE_AT


def run(url: URL, body: Any) -> Any:
    async def main() -> Any:
        engine = create_async_engine(url)
        try:
            result = await body(engine)
            assert engine.pool.checkedout() == 0, "a connection was not given back"
            return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_an_idle_connection_rolls_back_without_the_driver(
    psycopg_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rolling back a connection with no transaction open asks nothing of psycopg (the pool
    resets every connection given back); inside a transaction it does (the control)."""
    import psycopg

    calls: list[int] = []
    original = psycopg.AsyncConnection._rollback_gen

    def counting(connection: Any) -> Any:
        calls.append(connection.pgconn.transaction_status)
        return original(connection)

    monkeypatch.setattr(psycopg.AsyncConnection, "_rollback_gen", counting)

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver
            await driver.rollback()
            assert calls == []
            await connection.execute(text("SELECT 1"))
            await driver.rollback()
            assert len(calls) == 1
            await connection.rollback()

    run(psycopg_url, body)


def test_a_large_result_is_received_with_the_collector_paused(
    psycopg_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAUSE_AT rows are fetched with the collector off (and it is on again after); the
    control, one row fewer, is fetched with it on."""
    import psycopg

    seen: list[bool] = []
    original = psycopg.AsyncCursor.fetchall

    async def recording(cursor: Any) -> Any:
        seen.append(gc.isenabled())
        return await original(cursor)

    monkeypatch.setattr(psycopg.AsyncCursor, "fetchall", recording)
    rows = text("SELECT generate_series(1, :n)")

    async def body(engine: AsyncEngine) -> tuple[int, int]:
        async with engine.connect() as connection:
            small = len((await connection.execute(rows, {"n": PAUSE_AT - 1})).all())
            large = len((await connection.execute(rows, {"n": PAUSE_AT})).all())
        return small, large

    assert run(psycopg_url, body) == (PAUSE_AT - 1, PAUSE_AT)
    assert seen == [True, False]
    assert gc.isenabled()
