"""corral on a real two-node MariaDB Galera cluster: writes on both nodes, certification
conflicts retried by run_transaction to an exact counter, and ``wsrep_sync_wait`` for
reading one's own writes on the other node."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Backoff, Engine, Integer, String, create_engine, exc, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from tests.integration.galera_cluster import GaleraCluster

THREADS = 8
INCREMENTS = 250


class Base(DeclarativeBase):
    pass


class Tally(Base):
    __tablename__ = "galera_tally"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Note(Base):
    __tablename__ = "galera_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(String(40))


EngineMaker = Callable[..., tuple[Engine, Engine]]


@pytest.fixture
def nodes(galera_cluster: GaleraCluster) -> Iterator[EngineMaker]:
    """``nodes(**create_engine_kwargs)``: an engine on each node; the tables are made fresh
    (through node 1, replicated to node 2) and every engine is disposed after."""
    made: list[Engine] = []

    def make(**kwargs: Any) -> tuple[Engine, Engine]:
        first, second = (create_engine(url, **kwargs) for url in galera_cluster.urls)
        made.extend((first, second))
        return first, second

    setup, _ = make()
    Base.metadata.drop_all(setup)
    Base.metadata.create_all(setup)
    yield make
    Base.metadata.drop_all(setup)
    for engine in made:
        engine.dispose()


def test_writes_on_either_node_are_seen_on_both(nodes: EngineMaker) -> None:
    """Rows committed through node 1 and through node 2 are all there on each node."""
    first, second = nodes(connect_args={"wsrep_sync_wait": 1})
    with Session(first) as session:
        session.add(Note(id=1, body="from node 1"))
        session.commit()
    with Session(second) as session:
        session.add(Note(id=2, body="from node 2"))
        session.commit()
    for engine in (first, second):
        with Session(engine) as session:
            assert session.scalars(select(Note.body).order_by(Note.id)).all() == [
                "from node 1",
                "from node 2",
            ]


def _increment(session: Session) -> None:
    tally = session.get(Tally, 1, with_for_update=True)
    assert tally is not None
    tally.value += 1


def _hammer(engines: tuple[Engine, Engine], work: Callable[[sessionmaker[Session]], None]) -> None:
    """Run ``work`` in THREADS threads, half of them on each node, all started together."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def thread(engine: Engine) -> None:
        factory: sessionmaker[Session] = sessionmaker(engine)
        start.wait()
        try:
            work(factory)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=thread, args=(engines[i % 2],)) for i in range(THREADS)]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    assert errors == []


def _tally(engine: Engine) -> int:
    with Session(engine) as session:
        value = session.scalar(select(Tally.value).where(Tally.id == 1))
        assert value is not None
        return value


def test_certification_conflicts_are_retried_to_an_exact_count(nodes: EngineMaker) -> None:
    """8 threads, 4 on each node, each adding 1 250 times through run_transaction: the nodes'
    conflicting commits fail certification (1213, DeadlockDetected) and are run again, so
    the counter ends at exactly 2,000 on both nodes."""
    engines = nodes(pool_size=THREADS, connect_args={"wsrep_sync_wait": 1})
    with Session(engines[0]) as session:
        session.add(Tally(id=1, value=0))
        session.commit()
    retried: list[BaseException] = []
    lock = threading.Lock()

    def note(attempt: int, error: BaseException) -> None:
        with lock:
            retried.append(error)

    def work(factory: sessionmaker[Session]) -> None:
        for _ in range(INCREMENTS):
            factory.run_transaction(
                _increment, retries=200, backoff=Backoff(base=0.001, cap=0.05), on_retry=note
            )

    _hammer(engines, work)
    assert _tally(engines[0]) == _tally(engines[1]) == THREADS * INCREMENTS
    assert retried, "no conflict happened, so the retry was not tested"
    assert all(isinstance(error, exc.DeadlockDetected) for error in retried)


def test_control_without_retry_loses_increments(nodes: EngineMaker) -> None:
    """The control: the same increments, each tried once, lose some to certification
    conflicts (DeadlockDetected, error 1213); the counter ends short by exactly as many."""
    engines = nodes(pool_size=THREADS, connect_args={"wsrep_sync_wait": 1})
    with Session(engines[0]) as session:
        session.add(Tally(id=1, value=0))
        session.commit()
    failed: list[exc.DeadlockDetected] = []
    lock = threading.Lock()

    def work(factory: sessionmaker[Session]) -> None:
        for _ in range(INCREMENTS):
            with factory() as session:
                try:
                    _increment(session)
                    session.commit()
                except exc.DeadlockDetected as error:
                    with lock:
                        failed.append(error)

    _hammer(engines, work)
    assert failed, "no conflict happened: the control shows nothing"
    assert all(error.orig is not None and error.orig.args[0] == 1213 for error in failed)
    assert _tally(engines[0]) == THREADS * INCREMENTS - len(failed)


def _stale_reads(writer: Engine, reader: Engine, rounds: int, first_id: int) -> int:
    """Commit a row through ``writer`` and read it at once through ``reader``, ``rounds``
    times; the number of reads that did not find it."""
    stale = 0
    with Session(writer) as writes, Session(reader) as reads:
        for i in range(first_id, first_id + rounds):
            writes.add(Note(id=i, body="fresh"))
            writes.commit()
            if reads.get(Note, i) is None:
                stale += 1
            reads.rollback()  # a new snapshot for the next read
    return stale


def test_wsrep_sync_wait_reads_ones_writes_on_the_other_node(nodes: EngineMaker) -> None:
    """With ``wsrep_sync_wait=1`` a read on node 2 right after a commit on node 1 finds the
    row, 1,000 times in 1,000; the control without it finds it missing some of the time."""
    first, plain_second = nodes()
    _, waiting_second = nodes(connect_args={"wsrep_sync_wait": 1})
    stale_without = 0
    for attempt in range(5):  # the control: apply lag is short, so look a few times
        stale_without += _stale_reads(first, plain_second, 300, 10_000 * (attempt + 1))
        if stale_without:
            break
    assert stale_without > 0, "node 2 never lagged: the control shows nothing"
    assert _stale_reads(first, waiting_second, 1000, 1) == 0


def test_wsrep_sync_wait_in_the_url(galera_cluster: GaleraCluster) -> None:
    """``?wsrep_sync_wait=N`` in the URL sets the session variable on each connection."""
    engine = create_engine(galera_cluster.urls[1].set(query={"wsrep_sync_wait": "3"}))
    try:
        with Session(engine) as session:
            assert session.scalar(select(_variable("wsrep_sync_wait"))) == 3
    finally:
        engine.dispose()


def _variable(name: str) -> object:
    from corral import literal_column

    return literal_column(f"@@{name}")
