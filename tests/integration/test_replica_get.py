"""ReplicaSession.get() takes the lean get path, routed as any other read.

A session that routes its statements (several binds, a get_bind() override) keeps the
lean get() path, its SELECT routed as any other statement; only a class whose get() works
differently (ShardedSession) opts out. Here: the SELECT goes to a replica and is counted
there, and no general ORM execution runs (the control: a class that opts out runs it).
Two engines on one SQLite file stand in for a primary and its replica: only the routing
is under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import String, create_engine
from corral.ext.replicas import ReplicaSession, ReplicaSet
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column


class ReplicaGetBase(DeclarativeBase):
    pass


class Gadget(ReplicaGetBase):
    __tablename__ = "rg_gadget"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class FullPathReplicaSession(ReplicaSession):
    _routes_plain_get = False  # the control: opted out, get() by the general ORM path


@pytest.fixture
def replica_set(tmp_path: Path) -> Iterator[ReplicaSet]:
    url = f"sqlite:///{tmp_path / 'replicated.db'}"
    primary, replica = create_engine(url), create_engine(url)
    ReplicaGetBase.metadata.create_all(primary)
    with Session(primary) as session:
        session.add(Gadget(id=1, name="lever"))
        session.commit()
    yield ReplicaSet(primary, [replica])
    primary.dispose()
    replica.dispose()


def _general_executions(
    monkeypatch: pytest.MonkeyPatch, session_class: type[ReplicaSession], replicas: ReplicaSet
) -> tuple[int, str]:
    """How many general ORM executions a get() ran, and the name it read."""
    calls: list[Any] = []
    general = Session._execute

    def counting(self: Session, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return general(self, *args, **kwargs)

    monkeypatch.setattr(Session, "_execute", counting)
    with session_class(replicas) as session:
        gadget = session.get(Gadget, 1)
        assert gadget is not None
        return len(calls), gadget.name


def _replica_reads(replicas: ReplicaSet) -> int:
    return sum(replicas.stats.replica_reads.values())


def test_get_takes_the_lean_path_and_reads_from_the_replica(
    replica_set: ReplicaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _general_executions(monkeypatch, ReplicaSession, replica_set) == (0, "lever")
    assert (_replica_reads(replica_set), replica_set.stats.primary_reads) == (1, 0)


def test_control_a_session_that_opts_out_runs_the_general_path(
    replica_set: ReplicaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _general_executions(monkeypatch, FullPathReplicaSession, replica_set) == (1, "lever")
    assert (_replica_reads(replica_set), replica_set.stats.primary_reads) == (1, 0)


def test_after_a_write_get_reads_from_the_primary(replica_set: ReplicaSet) -> None:
    """Within a transaction that wrote, get() goes to the primary (the lean path too)."""
    with ReplicaSession(replica_set) as session:
        session.add(Gadget(id=2, name="gear"))
        session.flush()
        session.expunge_all()
        gadget = session.get(Gadget, 2)
        assert gadget is not None and gadget.name == "gear"
        assert _replica_reads(replica_set) == 0
