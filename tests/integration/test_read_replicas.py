"""ReplicaSession on a real PostgreSQL streaming replica: reads spread, writes to the primary,
and a session never reads its own commit stale."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, String, create_engine, exc, func, select, text
from corral.ext.replicas import ReplicaSession, ReplicaSet
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import recorded_sql
from tests.integration.private_servers import PrivatePostgreSQLReplica, _private


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "replica_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(40))


@pytest.fixture
def engines(replicated_postgresql: Any) -> Iterator[tuple[Engine, Engine]]:
    """The primary and the replica engines, the table created on the primary (and so,
    through replication, on the replica) and dropped after."""
    primary_server, replica_server = replicated_postgresql
    primary, replica = create_engine(primary_server.url), create_engine(replica_server.url)
    Base.metadata.drop_all(primary)
    Base.metadata.create_all(primary)
    waiting = ReplicaSet(primary, [replica], max_wait=10)
    assert waiting._caught_up(replica, waiting._commit_token())  # the table is on the replica
    yield primary, replica
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_resume()"))
    Base.metadata.drop_all(primary)
    primary.dispose()
    replica.dispose()


def _server_of(connection: Any) -> bool:
    return bool(connection.execute(text("SELECT pg_is_in_recovery()")).scalar())


def test_reads_go_to_a_replica_until_the_session_writes(engines: tuple[Engine, Engine]) -> None:
    """A read runs on the replica; after a flush the rest of the transaction (reads too) runs
    on the primary; the next transaction reads from the replica again."""
    primary, replica = engines
    replicas = ReplicaSet(primary, [replica])
    with ReplicaSession(replicas) as session:
        session.scalars(select(Note)).all()
        assert session.get_bind(Note) is replica
        session.add(Note(id=1, body="first"))
        session.flush()
        assert session.get_bind(Note) is primary
        assert _server_of(session.connection()) is False  # the primary
        assert session.get(Note, 1) is not None
        session.commit()
        assert session.scalars(select(Note.body)).all() == ["first"]  # its own commit
        assert session.get_bind(Note) is replica  # caught up: back on the replica
    assert replicas.stats.replica_reads[str(replica.url)] >= 2


def test_a_locking_read_and_dml_go_to_the_primary(engines: tuple[Engine, Engine]) -> None:
    """SELECT ... FOR UPDATE and an UPDATE statement run on the primary."""
    primary, replica = engines
    with ReplicaSession(ReplicaSet(primary, [replica])) as session:
        session.scalars(select(Note).with_for_update()).all()  # a replica would refuse it
        assert session.get_bind(Note) is primary
    with ReplicaSession(ReplicaSet(primary, [replica])) as session:
        session.execute(select(Note.id))
        assert session.get_bind(Note) is replica
        with recorded_sql() as statements:
            session.execute(Note.__table__.update().values(body="x"))  # a replica would refuse
        assert statements[-1].startswith("UPDATE replica_note")
        assert session.get_bind(Note) is primary
        session.commit()


def test_no_stale_read_of_ones_own_commit(engines: tuple[Engine, Engine]) -> None:
    """1,000 commits each read back at once by the same session: never stale."""
    primary, replica = engines
    replicas = ReplicaSet(primary, [replica])
    stale = 0
    with ReplicaSession(replicas) as session:
        for i in range(1000):
            session.add(Note(id=i, body=f"n{i}"))
            session.commit()
            if session.scalar(select(Note.body).where(Note.id == i)) != f"n{i}":
                stale += 1
            session.commit()
    assert stale == 0
    assert sum(replicas.stats.replica_reads.values()) + replicas.stats.primary_reads == 1000


def test_a_lagging_replica_falls_back_to_the_primary(engines: tuple[Engine, Engine]) -> None:
    """With the replica's WAL replay paused, reads after a commit wait max_wait, then read
    the primary: right, and counted as fallbacks."""
    primary, replica = engines
    replicas = ReplicaSet(primary, [replica], max_wait=0.05)
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_pause()"))
    with ReplicaSession(replicas) as session:
        for i in range(20):
            session.add(Note(id=i, body="paused"))
            session.commit()
            assert session.scalar(select(Note.body).where(Note.id == i)) == "paused"
            session.commit()
    assert replicas.stats.fallbacks == 20
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_resume()"))


def test_reads_spread_over_replicas_and_skip_one_that_is_down(
    engines: tuple[Engine, Engine],
) -> None:
    """Transactions take the replicas in turn; one that cannot be reached is skipped and the
    read served by the primary."""
    primary, replica = engines
    second = create_engine(replica.url)  # a second engine on the same replica
    dead = create_engine("postgresql://root@127.0.0.1:1/postgres")
    replicas = ReplicaSet(primary, [replica, second])
    with ReplicaSession(replicas) as session:
        for _ in range(10):
            session.scalars(select(Note)).all()
            session.commit()
    counts = replicas.stats.replica_reads
    assert counts[str(replica.url)] == 10  # both engines have the same URL: 5 + 5
    with_dead = ReplicaSet(primary, [dead])
    with ReplicaSession(with_dead) as session:
        assert session.scalars(select(Note)).all() == []
    assert with_dead.stats.down == 1
    second.dispose()
    dead.dispose()


@pytest.fixture(scope="module")
def second_replica(replicated_postgresql: Any) -> Iterator[PrivatePostgreSQLReplica]:
    """Another streaming replica of the same primary, for choosing between two."""
    primary_server, _ = replicated_postgresql
    for server in _private(functools.partial(PrivatePostgreSQLReplica, primary_server)):
        assert isinstance(server, PrivatePostgreSQLReplica)
        yield server


def _fall_behind(primary: Engine, replica: Engine, limit: float) -> None:
    """Pause ``replica``'s WAL replay and commit on the primary until the replica reports
    a lag above ``limit`` seconds (it received the commit but does not replay it)."""
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_pause()"))
    lag_of = ReplicaSet(primary, [replica], max_lag=0, lag_check_interval=0)
    deadline = time.monotonic() + 30
    n = 0
    while (lag_of._lag_of(0) or 0.0) <= limit:
        assert time.monotonic() < deadline, "the paused replica never reported a lag"
        with Session(primary) as session:
            n += 1
            session.add(Note(id=-n, body="while paused"))
            session.commit()
        time.sleep(0.05)


def test_least_lag_reads_from_the_replica_furthest_along(
    engines: tuple[Engine, Engine], second_replica: PrivatePostgreSQLReplica
) -> None:
    """With one replica's replay paused behind, least_lag sends every read to the other; once
    both have caught up, reads spread over the two again."""
    primary, behind = engines
    ahead = create_engine(second_replica.url)
    try:
        _fall_behind(primary, behind, 0.05)
        replicas = ReplicaSet(primary, [behind, ahead], choice="least_lag", lag_check_interval=0)
        with ReplicaSession(replicas) as session:
            for _ in range(20):
                session.scalars(select(Note)).all()
                session.commit()
        assert replicas.stats.replica_reads == {str(ahead.url): 20}
        assert replicas.stats.lag[str(behind.url)] > replicas.stats.lag[str(ahead.url)]

        with behind.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))
        waiting = ReplicaSet(primary, [behind, ahead], max_wait=10)
        token = waiting._commit_token()
        assert waiting._caught_up(behind, token) and waiting._caught_up(ahead, token)
        even = ReplicaSet(primary, [behind, ahead], choice="least_lag", lag_check_interval=0)
        with ReplicaSession(even) as session:
            for _ in range(20):
                session.scalars(select(Note)).all()
                session.commit()
        assert set(even.stats.replica_reads) == {str(behind.url), str(ahead.url)}
    finally:
        ahead.dispose()


def test_a_replica_beyond_max_lag_is_passed_over(engines: tuple[Engine, Engine]) -> None:
    """Round-robin with max_lag: a replica further behind than the limit serves nothing;
    the primary serves the reads (current data), and stats count the replica as lagging."""
    primary, replica = engines
    _fall_behind(primary, replica, 0.2)
    replicas = ReplicaSet(primary, [replica], max_lag=0.2, lag_check_interval=0)
    with ReplicaSession(replicas) as session:
        for _ in range(5):
            assert session.scalar(select(func.count()).select_from(Note)) > 0  # not stale
            session.commit()
    assert replicas.stats.replica_reads == {}
    assert replicas.stats.primary_reads == 5
    assert replicas.stats.lagging == 5
    assert replicas.stats.lag[str(replica.url)] > 0.2


def test_lag_choices_are_checked(engines: tuple[Engine, Engine]) -> None:
    """An unknown choice, a negative max_lag and lag measured on a database corral cannot
    read it from are refused, naming what to do."""
    primary, replica = engines
    with pytest.raises(exc.ArgumentError, match="'round_robin' or 'least_lag'"):
        ReplicaSet(primary, [replica], choice="fastest")  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError, match="must be 0 or more"):
        ReplicaSet(primary, [replica], max_lag=-1)
    sqlite = create_engine("sqlite://")
    with pytest.raises(exc.ArgumentError, match="PostgreSQL replicas only"):
        ReplicaSet(primary, [sqlite], choice="least_lag")
    assert ReplicaSet(primary, [sqlite]).choice == "round_robin"
