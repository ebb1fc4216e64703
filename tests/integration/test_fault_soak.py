"""A fault soak: a mixed workload on PostgreSQL and MariaDB through a faulty network and a crash.

Eight threads read, update versioned rows and insert rows with relationships,
half of the writes through ``run_transaction``, for ``SOAK_SECONDS`` (60 by
default; set the environment variable to shorten a local run) against a
private server (``private_servers.py``), through ``FaultProxy``. Meanwhile a
fault thread resets every connection, drops single ones, delays and blackholes
the network at random moments (seeded: ``SOAK_SEED``), and once crashes and
restarts the server.

Every write transaction saves a ledger row with a unique token, and the
workers note each token's fate: acknowledged (``commit()`` returned), outcome
unknown (``CommitOutcomeUnknownError``) or failed with another corral error.
Afterwards, read straight from the server: every acknowledged token is there,
every token there was acknowledged or of unknown outcome, each saved author
has all its posts and the counters add up to the saved updates. No connection
is left checked out, no transaction open on the server, and a watchdog fails
the test (and, past a second limit, ends the process) rather than let it hang.
The figures go to ``soak-<backend>.json`` in the test's tmp dir and to one line
of pytest's terminal summary.
"""

from __future__ import annotations

import collections
import faulthandler
import functools
import itertools
import json
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import Engine, ForeignKey, String, create_engine, exc, func, select, sessionmaker, text
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload
from corral.pool import QueuePool
from tests.integration.conftest import SOAK_SUMMARY
from tests.integration.fault_proxy import FaultProxy
from tests.integration.private_servers import PrivateServer

#: The workload's length in seconds; CI runs the full minute.
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
#: Seeds the fault schedule (the workers' own seeds are their numbers); change it to vary.
SOAK_SEED = int(os.environ.get("SOAK_SEED", "17"))
THREADS = 8
COUNTERS = 4
POSTS_PER_AUTHOR = 3
#: Seconds the workers get to finish after the workload ends, before the test calls it a hang.
GRACE = 60.0
#: Past this many seconds in all, faulthandler dumps every thread and ends the process.
HARD_LIMIT = SOAK_SECONDS + 180.0


class Base(DeclarativeBase):
    pass


class Entry(Base):
    """The ledger: one row per write transaction, saved in that transaction."""

    __tablename__ = "soak_entries"
    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))


class Counter(Base):
    """A versioned row that the update transactions increment."""

    __tablename__ = "soak_counters"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int]
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


class Author(Base):
    __tablename__ = "soak_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "soak_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("soak_authors.id"))
    title: Mapped[str] = mapped_column(String(60))
    author: Mapped[Author] = relationship(back_populates="posts")


class Ledger:
    """What the workers were told about each write transaction, under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: dict[str, str] = {}
        self.unknown: dict[str, str] = {}
        self.failed: dict[str, str] = {}
        self.errors: collections.Counter[str] = collections.Counter()
        self.retries: collections.Counter[str] = collections.Counter()
        self.unclassified: list[str] = []
        #: The first message of each error class, for the figures file.
        self.samples: dict[str, str] = {}
        self.reads = 0
        self.issued = 0
        self._tokens = itertools.count(1)

    def token(self) -> str:
        with self.lock:
            self.issued += 1
            return f"t{next(self._tokens)}"

    def outcome(self, token: str | None, kind: str, error: BaseException | None) -> None:
        with self.lock:
            if error is None:
                if token is None:
                    self.reads += 1
                else:
                    self.acknowledged[token] = kind
                return
            name = type(error).__name__
            if isinstance(error, exc.OperationalError) and str(error).startswith("Could not"):
                name += "(connect)"  # the server was down or the proxy refused the connection
            self.errors[name] += 1
            self.samples.setdefault(name, f"{kind}: {error}"[:400])
            if not isinstance(error, exc.CorralError):
                self.unclassified.append(f"{kind}: {type(error).__name__}: {error}")
            if token is None:
                return
            if isinstance(error, exc.CommitOutcomeUnknownError):
                self.unknown[token] = kind
            else:
                self.failed[token] = kind

    def retried(self, attempt: int, error: BaseException) -> None:
        with self.lock:
            self.retries[type(error).__name__] += 1


def _insert(session: Session, token: str) -> None:
    session.add(Entry(token=token, kind="insert"))
    author = Author(token=token)
    author.posts = [Post(title=f"{token} post {n}") for n in range(POSTS_PER_AUTHOR)]
    session.add(author)


def _update(session: Session, token: str) -> None:
    counter = session.get(Counter, random.randrange(COUNTERS))
    assert counter is not None
    counter.value += 1
    session.add(Entry(token=token, kind="update"))


def _read(session: Session) -> None:
    session.scalar(select(func.count()).select_from(Entry))
    recent = select(Author).options(selectinload(Author.posts)).order_by(Author.id.desc())
    for author in session.scalars(recent.limit(5)):
        assert len(author.posts) == POSTS_PER_AUTHOR, author.token


def _worker(factory: sessionmaker[Session], ledger: Ledger, until: float, seed: int) -> None:
    chance = random.Random(seed)
    while time.monotonic() < until:
        roll = chance.random()
        token: str | None = None
        kind = "read"
        try:
            if roll < 0.3:
                with factory() as session:
                    _read(session)
            elif roll < 0.65:
                token, kind = ledger.token(), "update"
                factory.run_transaction(
                    functools.partial(_update, token=token), retries=10, on_retry=ledger.retried
                )
            elif roll < 0.85:
                token, kind = ledger.token(), "insert"
                factory.run_transaction(
                    functools.partial(_insert, token=token), retries=10, on_retry=ledger.retried
                )
            else:  # a plain session: no retry, a lost transaction is reported as it is
                token, kind = ledger.token(), "insert"
                with factory() as session:
                    _insert(session, token)
                    session.commit()
        except Exception as error:
            ledger.outcome(token, kind, error)
            time.sleep(chance.uniform(0.0, 0.05))
        else:
            ledger.outcome(token, kind, None)


def _faults(
    proxy: FaultProxy, server: PrivateServer, until: float, stop: threading.Event
) -> dict[str, float]:
    """Inject faults at random moments until ``until``; crash-restart the server once."""
    chance = random.Random(SOAK_SEED)
    restart_at = time.monotonic() + (until - time.monotonic()) / 2
    restarted: dict[str, float] = {}
    while time.monotonic() < until and not stop.is_set():
        time.sleep(chance.uniform(0.3, 1.5))
        if not restarted and time.monotonic() >= restart_at:
            began = time.monotonic()
            server.restart(crash=True)
            restarted["restart_seconds"] = round(time.monotonic() - began, 2)
            continue
        fault = chance.choice(["reset", "drop", "drop", "delay", "blackhole"])
        if fault == "reset":
            proxy.set_mode("reset")
            time.sleep(0.05)
        elif fault == "drop":
            proxy.drop_one()
        elif fault == "delay":
            proxy.delay = chance.uniform(0.005, 0.03)
            proxy.set_mode("delay")
            time.sleep(chance.uniform(0.5, 2.0))
        else:
            proxy.set_mode("blackhole")
            time.sleep(chance.uniform(0.5, 2.5))
            if chance.random() < 0.5:  # the partition ends with the connections torn down
                proxy.set_mode("reset")
                time.sleep(0.05)
        proxy.set_mode("pass")
    proxy.set_mode("pass")
    return restarted


def _open_transactions(direct: Engine, backend: str) -> list[Any]:
    """Sessions of the soak's database that hold a transaction open, seen by the server."""
    with direct.connect() as connection:
        if backend == "postgresql":
            query = (
                "SELECT pid, state, query FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND (state LIKE 'idle in transaction%' OR xact_start IS NOT NULL)"
            )
        else:
            query = (
                "SELECT p.id, p.command, p.info FROM information_schema.innodb_trx t "
                "JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id "
                "WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()"
            )
        rows = list(connection.execute(text(query)))
        connection.rollback()
        return rows


def _sessions(direct: Engine, backend: str) -> int:
    """How many other sessions are connected to the soak's database."""
    with direct.connect() as connection:
        if backend == "postgresql":
            query = (
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        else:
            query = (
                "SELECT count(*) FROM information_schema.processlist "
                "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            )
        count = int(connection.execute(text(query)).scalar_one())
        connection.rollback()
        return count


def _eventually(check: Any, limit: float = 15.0) -> Any:
    """``check()`` until it is falsy (empty, zero), or its last value after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        value = check()
        if not value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.fixture(params=["postgresql", "mysql"])
def server(request: pytest.FixtureRequest) -> PrivateServer:
    """A private server of the backend (the soak crashes it), with the soak's tables."""
    name = "private_postgresql" if request.param == "postgresql" else "private_mariadb"
    private: PrivateServer = request.getfixturevalue(name)
    setup = create_engine(private.url, pool_size=1)
    Base.metadata.drop_all(setup)
    Base.metadata.create_all(setup)
    with Session(setup) as session:
        session.add_all(Counter(id=n, value=0) for n in range(COUNTERS))
        session.commit()
    setup.dispose()
    return private


@pytest.fixture
def hard_limit() -> Iterator[None]:
    """Last resort against a hang: dump every thread's stack and end the process."""
    faulthandler.dump_traceback_later(HARD_LIMIT, exit=True, file=sys.stderr)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.mark.slow
def test_fault_soak(
    server: PrivateServer, tmp_path: Path, request: pytest.FixtureRequest, hard_limit: None
) -> None:
    """Under resets, drops, delays, blackholes and a crash, no acknowledged commit is lost,
    nothing unacknowledged appears, every error is classified, nothing leaks or hangs."""
    backend = server.backend
    proxy = FaultProxy(server.url.port or 0)
    # Short network deadlines so that faults surface within the run (see docs/engine.md).
    connect_args: dict[str, Any] = {"tcp_user_timeout": 2000, "connect_timeout": 5}
    if backend == "mysql":
        connect_args["read_timeout"] = 10
    engine = create_engine(
        server.url.set(port=proxy.port),
        pool_size=THREADS,
        max_overflow=2,
        pool_timeout=10,
        connect_args=connect_args,
    )
    direct = create_engine(server.url, pool_size=1)
    factory: sessionmaker[Session] = sessionmaker(engine)
    ledger = Ledger()
    stop = threading.Event()
    began = time.monotonic()
    until = began + SOAK_SECONDS
    workers = [
        threading.Thread(
            target=_worker, args=(factory, ledger, until, seed), name=f"soak-{seed}", daemon=True
        )
        for seed in range(THREADS)
    ]
    try:
        for worker in workers:
            worker.start()
        restart = _faults(proxy, server, until, stop)
        for worker in workers:
            worker.join(max(0.1, until + GRACE - time.monotonic()))
        hung = [worker.name for worker in workers if worker.is_alive()]
        if hung:
            faulthandler.dump_traceback(file=sys.stderr)
        assert not hung, f"workers still running {GRACE} s after the soak ended: {hung}"
        elapsed = time.monotonic() - began

        checked_out = engine.pool.checkedout()
        assert isinstance(engine.pool, QueuePool)
        open_transactions = _eventually(lambda: _open_transactions(direct, backend))
        engine.dispose()
        leftover_sessions = _eventually(lambda: _sessions(direct, backend))

        with Session(direct) as session:
            present: dict[str, str] = dict(
                session.execute(select(Entry.token, Entry.kind)).tuples().all()
            )
            posts: dict[str, int] = dict(
                session.execute(
                    select(Author.token, func.count(Post.id))
                    .join(Post, Post.author_id == Author.id, isouter=True)
                    .group_by(Author.token)
                ).all()
            )
            total = session.scalar(select(func.sum(Counter.value)))
    finally:
        stop.set()
        proxy.close()
        engine.dispose()
        direct.dispose()

    lost = sorted(set(ledger.acknowledged) - set(present))
    phantom = sorted(set(present) - set(ledger.acknowledged) - set(ledger.unknown))
    unknown_saved = len(set(ledger.unknown) & set(present))
    inserts = {token for token, kind in present.items() if kind == "insert"}
    updates = sum(kind == "update" for kind in present.values())
    figures = {
        "backend": backend,
        "seconds": round(elapsed, 1),
        "threads": THREADS,
        "transactions": len(ledger.acknowledged) + len(ledger.unknown) + len(ledger.failed),
        "acknowledged": len(ledger.acknowledged),
        "outcome_unknown": len(ledger.unknown),
        "outcome_unknown_saved": unknown_saved,
        "failed_classified": len(ledger.failed),
        "reads": ledger.reads,
        "faults": {**dict(sorted(proxy.faults.items())), "server_restart": 1 if restart else 0},
        "restart_seconds": restart.get("restart_seconds"),
        "errors": dict(ledger.errors.most_common()),
        "retries": dict(ledger.retries.most_common()),
        "lost": len(lost),
        "phantom": len(phantom),
        "error_samples": ledger.samples,
    }
    (tmp_path / f"soak-{backend}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    line = (
        f"{backend}: {figures['transactions']} write transactions in {figures['seconds']} s "
        f"({figures['acknowledged']} acknowledged, {figures['outcome_unknown']} outcome unknown, "
        f"{figures['failed_classified']} failed), {ledger.reads} reads; faults "
        f"{figures['faults']}; errors {figures['errors']}; retries {figures['retries']}; "
        f"lost: {len(lost)}, phantom: {len(phantom)}"
    )
    request.config.stash.setdefault(SOAK_SUMMARY, []).append(line)

    assert not ledger.unclassified, ledger.unclassified[:5]
    assert figures["transactions"] == ledger.issued, "a write transaction without an outcome"
    assert not lost, f"acknowledged commits missing: {lost[:10]}"
    assert not phantom, f"saved though reported failed: {phantom[:10]}"
    assert all(posts.get(token) == POSTS_PER_AUTHOR for token in inserts), "a partial insert"
    assert set(posts) == inserts
    assert total == updates, f"counters add up to {total}, saved updates are {updates}"
    assert checked_out == 0, "a connection was left checked out"
    assert not open_transactions, f"transactions left open on the server: {open_transactions}"
    assert leftover_sessions == 0, f"{leftover_sessions} server sessions outlived dispose()"
    assert restart, "the server restart did not happen"
    assert len(ledger.acknowledged) > 0 and sum(proxy.faults.values()) > 0
