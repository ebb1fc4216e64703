"""``python -m corral demo``: a ticket-sales system that exercises the whole Session.

Worker threads each take the ``scoped_session()`` of their thread for every
request, sell tickets with ``run_transaction`` (an event's version column turns
a race for the last seats into a retry, not an oversold event), and call
``remove()`` when the request ends. The report checks the invariants and traces
the life of one request from session to pool and back.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import random
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from corral import (
    Engine,
    Session,
    create_engine,
    exc,
    func,
    scoped_session,
    select,
    sessionmaker,
)
from corral.cli.demo_models import Customer, DemoBase, Event, Order, OrderLine
from corral.cli.demo_trace import RequestTrace, StatementCounter, TraceHandler, unwatch, watch
from corral.orm.session.retry import Backoff

#: Most tickets one customer may hold for one event.
PER_CUSTOMER_LIMIT = 6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=8, help="worker threads (default 8)")
    parser.add_argument("--orders", type=int, default=400, help="orders to attempt (default 400)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the verdict")
    parser.add_argument(
        "--asyncio",
        action="store_true",
        help="sell from asyncio tasks through AsyncSession (the asyncio driver of the database)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file to keep (default: a temporary one)")
    where.add_argument(
        "--url", help="run on PostgreSQL or MariaDB, e.g. postgresql://root@127.0.0.1/test"
    )


@dataclass
class Outcome:
    """What the workers did, gathered across threads."""

    placed: int = 0
    sold_out: int = 0
    over_limit: int = 0
    retries: Tally[str] = field(default_factory=Tally)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


def sell(session: Session, customer_id: int, event_id: int, quantity: int) -> str:
    """One sale: check seats and the customer's limit, then write the order and its line."""
    event = session.get(Event, event_id)
    if event is None:
        raise exc.InvalidRequestError(f"no event {event_id}")
    if event.seats_sold + quantity > event.seat_limit:
        return "sold_out"
    order = Order(customer_id=customer_id, placed_at=datetime.datetime.now())
    session.add(order)
    held = session.scalar(  # autoflush: the pending order is INSERTed before this query
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, OrderLine.event_id == event_id)
    )
    if int(held or 0) + quantity > PER_CUSTOMER_LIMIT:
        session.rollback()  # takes back the autoflushed order
        return "over_limit"
    session.add(
        OrderLine(
            order_id=order.id, event_id=event_id, quantity=quantity, amount=event.price * quantity
        )
    )
    event.seats_sold += quantity  # the version column guards this against a race
    return "placed"


def _setup(engine: Engine, rng: random.Random) -> tuple[list[int], list[int]]:
    DemoBase.metadata.drop_all(engine)
    DemoBase.metadata.create_all(engine)
    factory: sessionmaker[Session] = sessionmaker(engine)
    with factory.begin() as session:
        events = [
            Event(name=f"Concert {n}", seat_limit=rng.randint(40, 120), price=Decimal("25.00"))
            for n in range(1, 6)
        ]
        customers = [Customer(name=f"customer {n}") for n in range(1, 41)]
        session.add_all([*events, *customers])
        session.flush()
        return [e.id for e in events], [c.id for c in customers]


def _work(
    registry: scoped_session[Session],
    orders: list[tuple[int, int, int]],
    outcome: Outcome,
    progress: Progress,
) -> None:
    while True:
        with outcome.lock:
            if not orders:
                return
            customer_id, event_id, quantity = orders.pop()
        try:
            order = functools.partial(
                sell, customer_id=customer_id, event_id=event_id, quantity=quantity
            )
            result = registry.run_transaction(
                order,
                retries=50,
                backoff=Backoff(base=0.002, cap=0.1),
                on_retry=lambda attempt, error: _note_retry(outcome, error),
            )
            outcome.count(result)
        except Exception as error:  # reported, and the run fails its verdict
            with outcome.lock:
                outcome.failures.append(f"{type(error).__name__}: {error}")
        finally:
            registry.remove()  # the end of the request
            progress.advance()


def _note_retry(outcome: Outcome, error: BaseException) -> None:
    with outcome.lock:
        outcome.retries[type(error).__name__] += 1


class Progress:
    """A progress bar redrawn in place on a terminal; elsewhere a line per quarter done."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.terminal = stream is not None and stream.isatty()
        self._lock = threading.Lock()

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            if self.stream is None:
                return
            if self.terminal and (self.done % 5 == 0 or self.done == self.total):
                self.stream.write(f"\r  {self._bar()}")
                self.stream.write("\n" if self.done == self.total else "")
            elif (
                not self.terminal
                and self.done * 4 // self.total > (self.done - 1) * 4 // self.total
            ):
                self.stream.write(f"  {self._bar()}\n")
            self.stream.flush()

    def _bar(self) -> str:
        filled = int(30 * self.done / self.total)
        return f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} requests"


def _traced_request(
    engine: Engine, registry: scoped_session[Session], ids: tuple[int, int]
) -> RequestTrace:
    trace = RequestTrace(engine.pool)
    handler = TraceHandler(trace)
    watch(handler)
    try:
        session = registry()
        trace.note(f"session created for this thread (no connection yet: {trace.pool_state()})")
        event = session.get(Event, ids[0])
        assert event is not None
        order = Order(customer_id=ids[1], placed_at=datetime.datetime.now())
        session.add(order)
        trace.note("order added: pending, nothing sent yet")
        trace.note("query for the customer's tickets: autoflush sends the pending INSERT first")
        session.scalar(
            select(func.count())
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.customer_id == ids[1])
        )
        session.add(OrderLine(order_id=order.id, event_id=event.id, quantity=1, amount=event.price))
        event.seats_sold += 1
        trace.note("commit: flush the line and the event's seats (versioned UPDATE), then COMMIT")
        session.commit()
        trace.note(f"connection returned ({trace.pool_state()})")
        registry.remove()
        trace.note("session removed from the registry")
    finally:
        unwatch(handler)
    return trace


def _check(engine: Engine, outcome: Outcome) -> list[tuple[str, bool]]:
    with Session(engine) as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        sold_by_lines: dict[int, int] = dict(
            session.execute(
                select(OrderLine.event_id, func.sum(OrderLine.quantity)).group_by(
                    OrderLine.event_id
                )
            )
            .tuples()
            .all()
        )
        orders = session.scalar(select(func.count()).select_from(Order)) or 0
        lines = session.scalar(select(func.count()).select_from(OrderLine)) or 0
        over_limit = session.execute(
            select(Order.customer_id, OrderLine.event_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .group_by(Order.customer_id, OrderLine.event_id)
            .having(func.sum(OrderLine.quantity) > PER_CUSTOMER_LIMIT)
        ).all()
    return [
        ("no event is oversold", all(e.seats_sold <= e.seat_limit for e in events)),
        (
            "seats sold equal the order lines",
            all(e.seats_sold == int(sold_by_lines.get(e.id, 0)) for e in events),
        ),
        ("every order has its line", orders == lines),
        ("orders placed equal orders stored", orders == outcome.placed + 1),  # +1: the traced one
        ("no customer above the per-event limit", not over_limit),
        ("no request failed", not outcome.failures),
    ]


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.workers < 1 or args.orders < 1:
        print("--workers and --orders must be at least 1", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    temporary: tempfile.TemporaryDirectory[str] | None = None
    if args.url:
        url = args.url
    else:
        if args.db:
            path = Path(args.db)
        else:
            temporary = tempfile.TemporaryDirectory(prefix="corral-demo-")
            path = Path(temporary.name) / "tickets.db"
        url = f"sqlite:///{path}"
    options: dict[str, Any] = {"pool_size": args.workers + 2}
    if url.startswith("sqlite"):
        options["sqlite_wal"] = True
    engine = create_engine(url, **options)
    try:
        if args.asyncio:
            from corral.cli import demo_asyncio

            return demo_asyncio.run(engine, url, args, rng, out)
        return _run(engine, args, rng, out)
    finally:
        engine.dispose()
        if temporary is not None:
            temporary.cleanup()


def _run(engine: Engine, args: argparse.Namespace, rng: random.Random, out: TextIO) -> int:
    event_ids, customer_ids = _setup(engine, rng)
    registry: scoped_session[Session] = scoped_session(sessionmaker(engine))
    trace = _traced_request(engine, registry, (event_ids[0], customer_ids[0]))
    orders = [
        (rng.choice(customer_ids), rng.choice(event_ids), rng.randint(1, 4))
        for _ in range(args.orders)
    ]
    outcome = Outcome()
    progress = Progress(args.orders, None if args.quiet else sys.stderr)
    counter = StatementCounter()
    watch(counter)
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_work, args=(registry, orders, outcome, progress), name=f"w{n}")
        for n in range(args.workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    unwatch(counter)
    checks = _check(engine, outcome)
    ok = all(passed for _, passed in checks)
    if args.quiet:
        out.write(f"corral demo: {'every invariant held' if ok else 'AN INVARIANT FAILED'}\n")
    else:
        _report(out, engine, args, outcome, checks, trace, counter.total, elapsed)
    return 0 if ok else 1


def _report(
    out: TextIO,
    engine: Engine,
    args: argparse.Namespace,
    outcome: Outcome,
    checks: list[tuple[str, bool]],
    trace: RequestTrace,
    statements: int,
    elapsed: float,
) -> None:
    write = out.write
    write(f"\ncorral ticket sales on {engine.url} with {args.workers} workers\n\n")
    write(f"  requests         {args.orders}\n")
    write(f"  orders placed    {outcome.placed}\n")
    write(
        f"  refused          {outcome.sold_out} sold out, {outcome.over_limit} over the "
        f"per-customer limit of {PER_CUSTOMER_LIMIT}\n"
    )
    retried = ", ".join(f"{n} {name}" for name, n in outcome.retries.most_common()) or "none"
    write(f"  retries          {sum(outcome.retries.values())} ({retried})\n")
    write(
        f"  statements       {statements / max(args.orders, 1):.1f} per request "
        "(retries included)\n"
    )
    write(f"  throughput       {args.orders / elapsed:.0f} requests/s ({elapsed:.2f} s)\n")
    for failure in outcome.failures[:5]:
        write(f"  FAILED           {failure}\n")
    write("\ninvariants\n")
    for name, passed in checks:
        write(f"  [{'ok' if passed else 'FAILED'}] {name}\n")
    write("\nthe life of one request\n")
    for at, step in trace.steps:
        write(f"  {at:7.2f} ms  {step}\n")
    write("\n")
