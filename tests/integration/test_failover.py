"""Failover over a multi-host URL on real PostgreSQL: the primary crashes, its replica is
promoted, and an engine on ``h1:p1,h2:p2?target_session_attrs=read-write`` goes on writing
to the new primary; no acknowledged commit is lost and no failure is silent."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from typing import Any

from corral import Backoff, Engine, Integer, create_engine, exc, func, select, text
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

#: Commits acknowledged before the crash, and after the promotion, before the test stops.
COMMITS_BEFORE = 30
COMMITS_AFTER = 30
#: Seconds the writer gets to come back after the promotion.
RECOVERY_LIMIT = 60.0


class Base(DeclarativeBase):
    pass


class Entry(Base):
    __tablename__ = "failover_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, unique=True)


class Writer(threading.Thread):
    """Commits ``Entry(n=1)``, ``Entry(n=2)``, ... through run_transaction until stopped,
    sorting each n by what the caller was told."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.factory: sessionmaker[Session] = sessionmaker(engine)
        self.stop = threading.Event()
        self.acknowledged: list[int] = []
        self.unknown: list[int] = []  # CommitOutcomeUnknownError: maybe saved, maybe not
        self.retried: list[BaseException] = []
        self.failed: list[BaseException] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1

            def add(session: Session, n: int = n) -> None:
                session.add(Entry(n=n))

            try:
                self.factory.run_transaction(
                    add,
                    retries=200,
                    backoff=Backoff(base=0.01, cap=0.1),
                    on_retry=lambda attempt, error: self.retried.append(error),
                )
            except exc.CommitOutcomeUnknownError:
                self.unknown.append(n)
            except BaseException as error:  # reported by the test
                self.failed.append(error)
                return
            else:
                self.acknowledged.append(n)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + RECOVERY_LIMIT
        while len(self.acknowledged) < count and not self.failed:
            assert time.monotonic() < deadline, f"the writer is stuck: {self.retried[-3:]}"
            time.sleep(0.01)


def _server(session: Session) -> tuple[int, bool]:
    """The port of the server the session's connection reached, and whether it is a standby."""
    port = session.scalar(select(func.inet_server_port()))
    standby = session.scalar(select(func.pg_is_in_recovery()))
    return int(port), bool(standby)


def test_new_transactions_reach_the_promoted_replica_and_none_is_lost(
    failover_postgresql: Any,
) -> None:
    """Crash the primary mid-stream and promote the replica: the transaction in flight gets
    TransactionLostError (retryable), a COMMIT in flight an error that says so, the writer's
    run_transaction carries on on the new primary, and at the end the new primary holds
    every acknowledged row (and no row of a transaction that was told it failed)."""
    primary, replica = failover_postgresql
    url = (
        f"postgresql://root@127.0.0.1:{primary.port},127.0.0.1:{replica.port}/postgres"
        "?target_session_attrs=read-write"
    )
    engine = create_engine(url, pool_size=3)
    Base.metadata.create_all(engine)
    writer = Writer(engine)
    in_flight = Session(engine)
    committing = Session(engine)
    try:
        with Session(engine) as session:
            assert _server(session) == (primary.port, False)
        writer.start()
        writer.wait_for(COMMITS_BEFORE)
        in_flight.add(Entry(n=-1))
        in_flight.flush()  # its INSERT ran on the primary; no COMMIT yet
        committing.add(Entry(n=-2))
        committing.flush()

        primary.stop(crash=True)
        try:
            in_flight.execute(select(Entry.id))
        except exc.TransactionLostError:
            pass  # retryable: the database rolled the transaction back
        else:
            raise AssertionError("a statement on the crashed primary went through")
        in_flight.rollback()
        try:
            committing.commit()
        except (exc.CommitOutcomeUnknownError, exc.TransactionLostError):
            pass  # said so, either way: never a silent loss
        else:
            raise AssertionError("a COMMIT on the crashed primary went through")
        committing.rollback()

        replica.promote()
        after = len(writer.acknowledged) + COMMITS_AFTER
        writer.wait_for(after)
    finally:
        writer.stop.set()
        writer.join()
        in_flight.close()
        committing.close()
    try:
        assert writer.failed == []
        assert writer.retried, "the writer never noticed the failover"
        assert all(isinstance(error, exc.RetryableError) for error in writer.retried)
        with Session(engine) as session:  # the multi-host URL now reaches the old replica
            assert _server(session) == (replica.port, False)
            saved = set(session.scalars(select(Entry.n)))
        acknowledged = set(writer.acknowledged)
        assert acknowledged <= saved  # no acknowledged commit lost
        assert saved - acknowledged <= set(writer.unknown)  # nothing saved that was refused
        assert -1 not in saved
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


def test_a_multi_host_url_skips_a_standby_for_read_write(replicated_postgresql: Any) -> None:
    """With the replica listed first, ``target_session_attrs=read-write`` makes libpq pass
    over it to the primary; ``any`` takes the first that answers."""
    primary, replica = replicated_postgresql
    hosts = f"127.0.0.1:{replica.port},127.0.0.1:{primary.port}"
    for attrs, expected in (("read-write", primary.port), ("any", replica.port)):
        engine = create_engine(f"postgresql://root@{hosts}/postgres?target_session_attrs={attrs}")
        try:
            with engine.connect() as connection:
                port = connection.execute(text("SELECT inet_server_port()")).scalar()
                assert port == expected
        finally:
            engine.dispose()


def test_asyncio_drivers_take_a_multi_host_url(replicated_postgresql: Any) -> None:
    """psycopg's async connection and asyncpg (host and port lists) also skip the standby
    listed first for ``target_session_attrs=read-write``."""
    from corral.ext.asyncio import create_async_engine

    primary, replica = replicated_postgresql
    hosts = f"127.0.0.1:{replica.port},127.0.0.1:{primary.port}"

    async def server_port(driver: str) -> object:
        engine = create_async_engine(
            f"postgresql+{driver}://root@{hosts}/postgres?target_session_attrs=read-write"
        )
        try:
            async with engine.connect() as connection:
                return (await connection.execute(text("SELECT inet_server_port()"))).scalar()
        finally:
            await engine.dispose()

    drivers = ["psycopg"]
    if importlib.util.find_spec("asyncpg") is not None:
        drivers.append("asyncpg")
    for driver in drivers:
        assert asyncio.run(server_port(driver)) == primary.port, driver
