"""Concurrency control under real threads, each protection next to a control that shows the bug.

SQLite runs on a write-ahead-log file so that a reader does not block a writer.
Where SQLite's database-wide write lock itself prevents an anomaly, its control
is skipped with that reason: the database is the protection there.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from corral import (
    Backoff,
    Engine,
    Session,
    exc,
    func,
    scoped_session,
    select,
    sessionmaker,
)
from tests.integration.orm_models import (
    Counter,
    Job,
    PlainAccount,
    PlainCounter,
    VersionedAccount,
    create_schema,
)

THREADS = 8
QUICK = Backoff(base=0.001, cap=0.05)

EngineFactory = Callable[..., Engine]


def _engine(make_engine: EngineFactory, backend: str, **options: Any) -> Engine:
    extra: dict[str, Any] = {"sqlite_wal": True} if backend == "sqlite" else {}
    engine = make_engine(pool_size=THREADS + 2, max_overflow=4, **extra, **options)
    create_schema(engine)
    return engine


def _run_threads(target: Callable[[int], None], count: int = THREADS) -> None:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]


def _database_wide_write_lock(engine: Engine) -> bool:
    return bool(engine.dialect.features.write_lock_on_begin)


# -- lost updates ---------------------------------------------------------------------------


def _increment_all(factory: sessionmaker[Session], model: type[Any], each: int) -> list[int]:
    """Each thread reads the counter in one transaction and writes value + 1 in the next.

    Reading and writing back in separate transactions (a form, a request) loses
    updates on every database unless the write checks what was read; the factory
    keeps values after commit (expire_on_commit=False) so the write uses the read.
    """
    retried: list[int] = []

    def increment(session: Session) -> None:
        counter = session.get(model, 1)
        assert counter is not None
        seen = counter.value
        session.commit()  # the read's transaction ends here
        counter.value = seen + 1  # written in the next one

    registry: scoped_session[Session] = scoped_session(factory)

    def worker(index: int) -> None:
        for _ in range(each):  # one request: this thread's scoped session, then remove()
            registry.run_transaction(
                increment, retries=200, backoff=QUICK, on_retry=lambda n, e: retried.append(n)
            )
            registry.remove()

    _run_threads(worker)
    return retried


def test_version_column_prevents_lost_updates(make_engine: EngineFactory, backend: str) -> None:
    """8 threads x 250 increments with a version column and retries end at exactly 2,000."""
    engine = _engine(make_engine, backend)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add(Counter(id=1, value=0))
    retried = _increment_all(factory, Counter, 250)
    with factory() as session:
        assert session.scalar(select(Counter.value)) == THREADS * 250
    assert len(retried) >= 1


def test_control_without_version_column_loses_updates(
    make_engine: EngineFactory, backend: str
) -> None:
    """Control: the same increments without a version column lose updates in one of five runs."""
    engine = _engine(make_engine, backend)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    lost = 0
    for _ in range(5):
        with factory.begin() as session:
            session.merge(PlainCounter(id=1, value=0))
        _increment_all(factory, PlainCounter, 60)
        with factory() as session:
            lost = THREADS * 60 - (session.scalar(select(PlainCounter.value)) or 0)
        if lost:
            break
    assert lost > 0


# -- bank transfers -------------------------------------------------------------------------


def _transfers(
    factory: sessionmaker[Session], model: type[Any], each: int, read_totals: list[int]
) -> None:
    stop = threading.Event()

    def transfer(session: Session, source: int, target: int, amount: int) -> None:
        accounts: dict[int, Any] = {}
        for account_id in sorted((source, target)):  # rows locked in key order
            accounts[account_id] = session.get(model, account_id)
        if accounts[source].balance >= amount:
            accounts[source].balance -= amount
            accounts[target].balance += amount

    def worker(index: int) -> None:
        rng = random.Random(index)
        for _ in range(each):
            source, target = rng.sample(range(1, 11), 2)
            amount = rng.randint(1, 30)
            move = functools.partial(transfer, source=source, target=target, amount=amount)
            factory.run_transaction(move, retries=200, backoff=QUICK)

    def total(session: Session) -> int:
        return int(session.scalar(select(func.sum(model.balance))) or 0)

    def reader() -> None:
        # Under SERIALIZABLE even a read-only transaction can be the one rolled back.
        while not stop.is_set():
            read_totals.append(factory.run_transaction(total, retries=200, backoff=QUICK))
            time.sleep(0.002)

    reading = threading.Thread(target=reader)
    reading.start()
    try:
        _run_threads(worker)
    finally:
        stop.set()
        reading.join(30)


def _open_accounts(factory: sessionmaker[Session], model: type[Any]) -> None:
    with factory.begin() as session:
        for account_id in range(1, 11):
            session.merge(model(id=account_id, balance=100))


def test_bank_transfers_keep_the_total(make_engine: EngineFactory, backend: str) -> None:
    """Transfers under each database's protection never change the total or overdraw."""
    protections: dict[str, tuple[dict[str, Any], dict[str, Any], type[Any]]] = {
        "postgresql": ({}, {"isolation_level": "SERIALIZABLE"}, PlainAccount),
        "sqlite": ({"sqlite_begin": "immediate"}, {}, PlainAccount),
        "mysql": ({}, {}, VersionedAccount),
    }
    engine_options, session_options, model = protections[backend]
    engine = _engine(make_engine, backend, **engine_options)
    factory: sessionmaker[Session] = sessionmaker(engine, **session_options)
    _open_accounts(factory, model)
    totals: list[int] = []
    _transfers(factory, model, 300, totals)
    with factory() as session:
        balances = session.scalars(select(model.balance)).all()
    assert sum(balances) == 1000
    assert min(balances) >= 0
    assert totals and set(totals) == {1000}


def test_control_unprotected_transfers_break_the_total(
    make_engine: EngineFactory, backend: str
) -> None:
    """Control: the same transfers with no protection change the total in one of three runs."""
    engine = _engine(make_engine, backend)
    if _database_wide_write_lock(engine) and not engine.dialect.begins_at_first_write():
        pytest.skip("a stale writer is refused by the database-wide write lock: nothing is lost")
    factory: sessionmaker[Session] = sessionmaker(engine)
    broken = False
    for _ in range(3):
        _open_accounts(factory, PlainAccount)
        _transfers(factory, PlainAccount, 100, [])
        with factory() as session:
            balances = session.scalars(select(PlainAccount.balance)).all()
        broken = sum(balances) != 1000 or min(balances) < 0
        if broken:
            break
    assert broken


# -- pessimistic locking --------------------------------------------------------------------


def _locking_engine(make_engine: EngineFactory, backend: str) -> Engine:
    # SQLite has no row locks: a locking read runs in a write transaction (BEGIN IMMEDIATE).
    options = {"sqlite_begin": "immediate"} if backend == "sqlite" else {}
    return _engine(make_engine, backend, **options)


def test_second_locker_waits_for_the_first(make_engine: EngineFactory, backend: str) -> None:
    """with_for_update: a second locking read blocks until the first transaction commits."""
    engine = _locking_engine(make_engine, backend)
    factory: sessionmaker[Session] = sessionmaker(engine)
    with factory.begin() as session:
        session.add(Counter(id=1, value=0))
    locked = threading.Event()
    waited: list[float] = []

    def first() -> None:
        with factory() as session:
            session.execute(select(Counter).with_for_update()).scalar_one()
            locked.set()
            time.sleep(0.4)
            session.commit()

    def second() -> None:
        locked.wait(10)
        started = time.monotonic()
        with factory() as session:
            session.execute(select(Counter).with_for_update()).scalar_one()
            waited.append(time.monotonic() - started)
            session.commit()

    _run_threads(lambda i: (first if i == 0 else second)(), count=2)
    assert waited and waited[0] >= 0.3


def test_locking_read_refreshes_objects_in_the_identity_map(
    make_engine: EngineFactory, backend: str
) -> None:
    """A locking read gives objects already loaded the locked row's current values."""
    engine = _locking_engine(make_engine, backend)
    factory: sessionmaker[Session] = sessionmaker(engine)
    with factory.begin() as session:
        session.add(Counter(id=1, value=0))
    with factory() as session:
        counter = session.get(Counter, 1)
        assert counter is not None
        session.commit()  # end the read so the other writer is not blocked
        with factory.begin() as other:
            rival = other.get(Counter, 1)
            assert rival is not None
            rival.value = 42
        session.execute(select(Counter).with_for_update()).scalar_one()
        assert counter.value == 42


def test_nowait_fails_fast(make_engine: EngineFactory, backend: str) -> None:
    """with_for_update(nowait=True) on a locked row fails at once with a retryable error."""
    engine = _locking_engine(make_engine, backend)
    if not engine.dialect.features.for_update_nowait:
        pytest.skip("the database has no NOWAIT")
    factory: sessionmaker[Session] = sessionmaker(engine)
    with factory.begin() as session:
        session.add(Counter(id=1, value=0))
    with factory() as holder, factory() as waiter:
        holder.execute(select(Counter).with_for_update()).scalar_one()
        started = time.monotonic()
        with pytest.raises(exc.OperationalError) as failure:
            waiter.execute(select(Counter).with_for_update(nowait=True)).all()
        assert isinstance(failure.value, exc.RetryableError)
        assert time.monotonic() - started < 2


def _drain(factory: sessionmaker[Session], lock: bool) -> list[list[int]]:
    taken: list[list[int]] = [[] for _ in range(4)]

    def worker(index: int) -> None:
        while True:
            with factory() as session:
                query = select(Job).where(Job.taken_by.is_(None)).order_by(Job.id).limit(1)
                if lock:
                    query = query.with_for_update(skip_locked=True)
                job = session.scalars(query).first()
                if job is None:
                    return
                job.taken_by = f"w{index}"
                session.commit()
                taken[index].append(job.id)

    _run_threads(worker, count=4)
    return taken


def _fill_queue(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        for job_id in range(1, 101):
            session.merge(Job(id=job_id, taken_by=None))


def test_skip_locked_takes_every_job_exactly_once(make_engine: EngineFactory, backend: str) -> None:
    """4 workers with SKIP LOCKED drain 100 jobs, each taken exactly once."""
    engine = _engine(make_engine, backend)
    if not engine.dialect.features.for_update_skip_locked:
        pytest.skip("the database has no SKIP LOCKED")
    factory: sessionmaker[Session] = sessionmaker(engine)
    _fill_queue(factory)
    taken = _drain(factory, lock=True)
    everything = [job for worker in taken for job in worker]
    assert sorted(everything) == list(range(1, 101))


def test_control_without_locking_takes_jobs_twice(make_engine: EngineFactory, backend: str) -> None:
    """Control: without the locking read, some job is taken by two workers in one of five runs."""
    engine = _engine(make_engine, backend)
    if not engine.dialect.features.for_update_skip_locked:
        pytest.skip("the database has no SKIP LOCKED to compare with")
    factory: sessionmaker[Session] = sessionmaker(engine)
    duplicated = False
    for _ in range(5):
        _fill_queue(factory)
        everything = [job for worker in _drain(factory, lock=False) for job in worker]
        duplicated = len(everything) != len(set(everything))
        if duplicated:
            break
    assert duplicated


# -- the one-thread rule --------------------------------------------------------------------


def test_shared_session_raises_every_time(make_engine: EngineFactory, backend: str) -> None:
    """Two threads using one Session at once raise ConcurrentUseError in 10 runs out of 10."""
    from tests.integration.orm_models import GATE, Gated, User

    engine = _engine(make_engine, backend)
    caught = 0
    for _ in range(10):
        session = Session(engine)
        session.add(Gated())
        GATE.arm()
        worker = threading.Thread(target=session.flush)
        worker.start()
        try:
            assert GATE.entered.wait(10)
            with pytest.raises(exc.ConcurrentUseError):
                session.add(User(name="intruder"))
            caught += 1
        finally:
            GATE.open()
            worker.join(10)
        assert [type(o).__name__ for o in session.identity_map.values()] == ["Gated"]
        assert session.new == []
        session.rollback()
        session.close()
    assert caught == 10


# -- optimistic checks without a version column ----------------------------------------------


def _read_then_write(
    engine: Engine, row: object, theirs: Callable[[Any], None], mine: Callable[[Any], None]
) -> None:
    """Insert ``row``; read it in one session; change it in another; then write the read copy.

    The first session commits its read before the rival writes (its values stay
    loaded), so only the optimistic check can notice the rival's change.
    """
    model: Any = type(row)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add(row)
    with factory() as first:
        read = first.get(model, 1)
        first.commit()
        with factory.begin() as second:
            theirs(second.get(model, 1))
        mine(read)
        first.commit()


def test_check_read_values_refuses_to_overwrite_a_concurrent_change(
    make_engine: EngineFactory, backend: str
) -> None:
    """With check_read_values, an UPDATE of a value changed since it was read raises."""
    from tests.integration.orm_models import Seat

    engine = _engine(make_engine, backend)
    with pytest.raises(exc.StaleDataError, match="Seat"):
        _read_then_write(
            engine,
            Seat(id=1, holder=None, note="n"),
            theirs=lambda seat: setattr(seat, "holder", "them"),
            mine=lambda seat: setattr(seat, "holder", "me"),
        )
    with Session(engine) as session:
        assert session.scalar(select(Seat.holder)) == "them"


def test_check_read_values_ignores_columns_it_does_not_change(
    make_engine: EngineFactory, backend: str
) -> None:
    """A concurrent change to another column does not block the update."""
    from tests.integration.orm_models import Seat

    engine = _engine(make_engine, backend)
    _read_then_write(
        engine,
        Seat(id=1, holder="a", note="n"),
        theirs=lambda seat: setattr(seat, "note", "changed"),
        mine=lambda seat: setattr(seat, "holder", "b"),
    )
    with Session(engine) as session:
        assert tuple(session.execute(select(Seat.holder, Seat.note)).one()) == ("b", "changed")


def test_control_without_read_checks_overwrites(make_engine: EngineFactory, backend: str) -> None:
    """Control: the same interleaving on a plain model silently overwrites the other change."""
    engine = _engine(make_engine, backend)
    _read_then_write(
        engine,
        PlainCounter(id=1, value=0),
        theirs=lambda counter: setattr(counter, "value", 5),
        mine=lambda counter: setattr(counter, "value", 1),
    )
    with Session(engine) as session:
        assert session.scalar(select(PlainCounter.value)) == 1  # their 5 is lost


def test_check_read_values_sql(make_engine: EngineFactory, backend: str) -> None:
    """The UPDATE's WHERE compares each changed column with its value as read (NULL too)."""
    from tests.integration.orm_models import Seat, dml, recorded_sql

    engine = _engine(make_engine, backend)
    with Session(engine) as session:
        session.add_all([Seat(id=1, holder=None), Seat(id=2, holder="x")])
        session.commit()
        first, second = session.get(Seat, 1), session.get(Seat, 2)
        assert first is not None and second is not None
        first.holder, second.holder = "a", "b"
        with recorded_sql() as sql:
            session.flush()
    assert dml(sql) == [  # rows in key order; a NULL read is another statement shape
        "UPDATE seats SET holder=? WHERE seats.id = ? AND seats.holder IS NULL",
        "UPDATE seats SET holder=? WHERE seats.id = ? AND seats.holder = ?",
    ]


# -- version generators -----------------------------------------------------------------------

#: A trigger per database that bumps server_versioned.version on every UPDATE.
BUMP_VERSION = {
    "sqlite": [
        "CREATE TRIGGER bump_version AFTER UPDATE OF value ON server_versioned "
        "BEGIN UPDATE server_versioned SET version = version + 1 WHERE id = NEW.id; END"
    ],
    "postgresql": [
        "CREATE FUNCTION bump_version() RETURNS trigger AS $$ "
        "BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER bump_version BEFORE UPDATE ON server_versioned "
        "FOR EACH ROW EXECUTE FUNCTION bump_version()",
    ],
    "mysql": [
        "CREATE TRIGGER bump_version BEFORE UPDATE ON server_versioned "
        "FOR EACH ROW SET NEW.version = OLD.version + 1"
    ],
}


def test_server_side_version_is_checked_and_reloaded(
    make_engine: EngineFactory, backend: str
) -> None:
    """version_id_generator=False: the database bumps the version; corral checks and reloads it."""
    from tests.integration.orm_models import ServerVersioned, dml, recorded_sql

    engine = _engine(make_engine, backend)
    with engine.begin() as connection:
        for trigger in BUMP_VERSION[backend]:
            connection.exec_driver_sql(trigger)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add(ServerVersioned(id=1, value=0))
    with factory() as session:
        row = session.get(ServerVersioned, 1)
        assert row is not None and row.version == 1
        row.value = 5
        with recorded_sql() as sql:
            session.flush()
        assert dml(sql)[0] == (
            "UPDATE server_versioned SET value=? "
            "WHERE server_versioned.id = ? AND server_versioned.version = ?"
        )
        assert row.version == 2  # reloaded: the trigger set it
        session.commit()
    with factory() as session:
        stale = session.get(ServerVersioned, 1)  # read at version 2, kept after commit
        assert stale is not None
        session.commit()
    with factory.begin() as session:
        rival = session.get(ServerVersioned, 1)
        assert rival is not None
        rival.value = 7
    with factory() as session:
        session.add(stale)
        stale.value = 9
        with pytest.raises(exc.StaleDataError, match="expected version 2"):
            session.commit()


def test_custom_version_generator(make_engine: EngineFactory, backend: str) -> None:
    """A custom version_id_generator makes each version, and a stale one is refused."""
    from tests.integration.orm_models import HexVersioned

    engine = _engine(make_engine, backend)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add(HexVersioned(id=1, value=0))
    with factory() as session:
        row = session.get(HexVersioned, 1)
        assert row is not None
        first = row.version
        assert len(first) == 32
        session.commit()
    with factory.begin() as session:
        rival = session.get(HexVersioned, 1)
        assert rival is not None
        rival.value = 1
    with factory() as session:
        session.add(row)
        row.value = 2
        with pytest.raises(exc.StaleDataError, match=first):
            session.commit()
