"""``python -m corral demo --asyncio``: the same ticket sales, sold from asyncio tasks.

Each task takes its ``async_scoped_session`` (scoped to the task) per request and
sells with the async ``run_transaction``; the invariants checked afterwards are
the threaded demo's. A heartbeat task measures the loop's worst stall meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import random
import sys
import time
from typing import Any, TextIO

from corral import Engine, exc, func, scoped_session, select, sessionmaker
from corral.cli import demo
from corral.cli.demo_models import Event, Order, OrderLine
from corral.cli.demo_trace import StatementCounter, unwatch, watch
from corral.ext.asyncio import (
    AsyncSession,
    async_scoped_session,
    async_sessionmaker,
    create_async_engine,
    run_transaction,
)
from corral.orm import Session
from corral.orm.session.retry import Backoff


def async_url(url: str) -> str:
    """``url`` naming the asyncio driver of its database."""
    scheme, rest = url.split("://", 1)
    backend = scheme.split("+", 1)[0]
    driver = {"sqlite": "aiosqlite", "postgresql": "psycopg", "mysql": "aiomysql"}
    return f"{backend}+{driver.get(backend, 'aiomysql')}://{rest}"


async def sell(session: AsyncSession, customer_id: int, event_id: int, quantity: int) -> str:
    """One sale, as ``demo.sell`` makes it, with each database call awaited."""
    event = await session.get(Event, event_id)
    if event is None:
        raise exc.InvalidRequestError(f"no event {event_id}")
    if event.seats_sold + quantity > event.seat_limit:
        return "sold_out"
    order = Order(customer_id=customer_id, placed_at=datetime.datetime.now())
    session.add(order)
    held = await session.scalar(  # autoflush: the pending order is INSERTed before this query
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, OrderLine.event_id == event_id)
    )
    if int(held or 0) + quantity > demo.PER_CUSTOMER_LIMIT:
        await session.rollback()  # takes back the autoflushed order
        return "over_limit"
    session.add(
        OrderLine(
            order_id=order.id, event_id=event_id, quantity=quantity, amount=event.price * quantity
        )
    )
    event.seats_sold += quantity  # the version column guards this against a race
    return "placed"


async def _sales(
    url: str, args: argparse.Namespace, orders: list[tuple[int, int, int]], outcome: Any
) -> float:
    """Sell every order from ``args.workers`` tasks; the loop's worst stall, in seconds."""
    engine = create_async_engine(url, pool_size=max(1, args.workers // 2), max_overflow=2)
    registry = async_scoped_session(
        async_sessionmaker(engine, expire_on_commit=False), scopefunc=asyncio.current_task
    )
    progress = demo.Progress(args.orders, None if args.quiet else sys.stderr)
    worst = 0.0
    running = True

    async def heartbeat() -> None:
        nonlocal worst
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - before - 0.01)

    async def request(customer_id: int, event_id: int, quantity: int) -> None:
        try:
            result = await run_transaction(
                registry,
                lambda session: sell(session, customer_id, event_id, quantity),
                retries=50,
                backoff=Backoff(base=0.002, cap=0.1),
                on_retry=lambda attempt, error: demo._note_retry(outcome, error),
            )
            outcome.count(result)
        except Exception as error:  # reported, and the run fails its verdict
            outcome.failures.append(f"{type(error).__name__}: {error}")
        finally:
            await registry.remove()  # the end of the request
            progress.advance()

    async def worker() -> None:
        while orders:
            customer_id, event_id, quantity = orders.pop()
            # Each request in its own task: its own scoped session.
            await asyncio.create_task(request(customer_id, event_id, quantity))

    beat = asyncio.create_task(heartbeat())
    try:
        await asyncio.gather(*(worker() for _ in range(args.workers)))
    finally:
        running = False
        await beat
        await engine.dispose()
    return worst


def run(engine: Engine, url: str, args: argparse.Namespace, rng: random.Random, out: TextIO) -> int:
    """The demo with asyncio tasks instead of threads (setup and checks as the threaded one)."""
    event_ids, customer_ids = demo._setup(engine, rng)
    registry: scoped_session[Session] = scoped_session(sessionmaker(engine))
    trace = demo._traced_request(engine, registry, (event_ids[0], customer_ids[0]))
    orders = [
        (rng.choice(customer_ids), rng.choice(event_ids), rng.randint(1, 4))
        for _ in range(args.orders)
    ]
    outcome = demo.Outcome()
    counter = StatementCounter()
    watch(counter)
    started = time.perf_counter()
    worst = asyncio.run(_sales(async_url(url), args, orders, outcome))
    elapsed = time.perf_counter() - started
    unwatch(counter)
    checks = demo._check(engine, outcome)
    ok = all(passed for _, passed in checks)
    if args.quiet:
        out.write(f"corral demo: {'every invariant held' if ok else 'AN INVARIANT FAILED'}\n")
    else:
        demo._report(out, engine, args, outcome, checks, trace, counter.total, elapsed)
        out.write(
            f"asyncio: {args.workers} tasks; the loop's worst stall {worst * 1000:.1f} ms\n\n"
        )
    return 0 if ok else 1
