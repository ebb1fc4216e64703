"""Read throughput with a streaming replica: 8 threads reading through ``ReplicaSession``,
against the same reads on the primary alone.

Three set-ups, each timed on the same table, the same reads and the same thread count:

- ``primary``: plain ``Session(primary)`` (the baseline);
- ``replica, plain Session``: ``Session(replica)``, the replica server without the routing;
- ``replica``: ``ReplicaSession(ReplicaSet(primary, [replica]))``: every read on the replica;
- ``primary+replica``: ``ReplicaSet(primary, [replica, primary_reader])``, the primary
  serving reads too (a second engine on it), so reads alternate between the two servers.

Each thread runs ``--reads`` read-only transactions (one query each: a point ``get`` or a
``--query scan`` aggregate over a range of rows); the figure is reads per second over all
threads, best of ``--repeat`` rounds, and its ratio to ``primary``. Without ``--primary``
and ``--replica`` it starts a private PostgreSQL primary and a ``pg_basebackup`` replica of
it on free loopback ports (as the tests do; needs PostgreSQL's server binaries) and stops
them at the end. Run from the repository root:

    PYTHONPATH=src:. python benchmarks/replica_reads.py [--query scan] [--threads 8]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from corral import Engine, Integer, String, create_engine, func, insert, select
from corral.ext.replicas import ReplicaSession, ReplicaSet
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column

ROWS = 100_000
SCAN_WIDTH = 2_000


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "replica_bench_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    price: Mapped[int] = mapped_column(Integer)


@contextlib.contextmanager
def private_servers() -> Iterator[tuple[str, str]]:
    """A private primary and replica (the tests' fixtures' classes), stopped at the end."""
    from tests.integration.private_servers import (
        PrivatePostgreSQL,
        PrivatePostgreSQLReplica,
        _postgresql_bindir,
    )

    bindir = _postgresql_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    folders = [Path(tempfile.mkdtemp(prefix="corral-replica-bench-")) for _ in range(2)]
    primary = replica = None
    try:
        primary = PrivatePostgreSQL(bindir, folders[0])
        replica = PrivatePostgreSQLReplica(primary, folders[1])
        yield str(primary.url), str(replica.url)
    finally:
        for server in (replica, primary):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def fill(primary: Engine, replica: Engine) -> None:
    """The table on the primary, and the replica caught up with it."""
    Base.metadata.drop_all(primary)
    Base.metadata.create_all(primary)
    with primary.begin() as connection:
        rows = [{"id": i, "name": f"item {i}", "price": i % 997} for i in range(1, ROWS + 1)]
        connection.execute(insert(Item), rows)
    waiting = ReplicaSet(primary, [replica], max_wait=60)
    if not waiting._caught_up(replica, waiting._commit_token()):
        raise SystemExit("the replica did not catch up with the table within 60 s")


def read_work(query: str) -> Callable[[Session, int], object]:
    if query == "point":
        return lambda session, i: session.get(Item, i % ROWS + 1)
    statement = select(func.sum(Item.price))

    def scan(session: Session, i: int) -> object:
        low = (i * 7919) % (ROWS - SCAN_WIDTH)
        return session.scalar(statement.where(Item.id.between(low, low + SCAN_WIDTH)))

    return scan


def timed(make_session: Callable[[], Session], work: Callable[[Session, int], object],
          threads: int, reads: int) -> float:  # fmt: skip
    """Reads per second: ``threads`` threads, each ``reads`` transactions of one read."""
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def run(offset: int) -> None:
        start.wait()
        try:
            for i in range(reads):
                with make_session() as session:
                    work(session, offset + i)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=run, args=(n * reads,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return threads * reads / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--primary", help="the primary's URL (default: start private servers)")
    parser.add_argument("--replica", help="a streaming replica of it")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--reads", type=int, default=500, help="transactions per thread")
    parser.add_argument("--query", choices=("point", "scan"), default="point")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if (args.primary is None) != (args.replica is None):
        parser.error("give both --primary and --replica, or neither")
    servers = (
        contextlib.nullcontext((args.primary, args.replica)) if args.primary else private_servers()
    )
    with servers as (primary_url, replica_url):
        size = {"pool_size": args.threads}
        primary = create_engine(primary_url, **size)
        reader = create_engine(primary_url, **size)  # the primary, serving reads as a replica
        replica = create_engine(replica_url, **size)
        try:
            fill(primary, replica)
            work = read_work(args.query)
            replica_only = ReplicaSet(primary, [replica])
            both = ReplicaSet(primary, [replica, reader])
            setups: dict[str, Callable[[], Session]] = {
                "primary": lambda: Session(primary),
                "replica, plain Session": lambda: Session(replica),
                "replica": lambda: ReplicaSession(replica_only),
                "primary+replica": lambda: ReplicaSession(both),
            }
            for make in setups.values():  # warm up: fill the pools, compile the statements
                timed(make, work, args.threads, 20)
            best = dict.fromkeys(setups, 0.0)
            for _ in range(args.repeat):  # the set-ups take turns, so load hits each alike
                for name, make in setups.items():
                    best[name] = max(best[name], timed(make, work, args.threads, args.reads))
            print(f"{args.threads} threads x {args.reads} reads ({args.query}), best of "
                  f"{args.repeat}")  # fmt: skip
            print("| set-up | reads/s | ratio to primary |")
            print("| --- | ---: | ---: |")
            for name, rate in best.items():
                print(f"| {name} | {rate:,.0f} | {rate / best['primary']:.2f} |")
            print(f"reads served: {both.stats.replica_reads}")
        finally:
            Base.metadata.drop_all(primary)
            for engine in (primary, reader, replica):
                engine.dispose()


if __name__ == "__main__":
    main()
