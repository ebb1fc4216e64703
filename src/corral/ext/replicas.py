"""Read replicas with read-your-writes: ``ReplicaSession(ReplicaSet(primary, [replica, ...]))``.

corral's own API (SQLAlchemy has none): a session reads from a replica until it writes;
from its first write (a flush, an ``insert()`` / ``update()`` / ``delete()``, a locking
read with ``with_for_update()``) to the end of that transaction everything goes to the
primary. After a commit that wrote, the session's later reads must see that commit: on
PostgreSQL the session remembers the primary's WAL position at the commit
(``pg_current_wal_lsn()``) and reads from a replica only once it has replayed that far
(``pg_last_wal_replay_lsn()``), waiting up to ``max_wait`` seconds and then reading from
the primary instead. On other databases, reads after a commit that wrote go to the primary.

The position travels as ``session.commit_token``: pass it to another session
(``ReplicaSession(replicas, after=token)``, in the next request of the same user, say)
for that session to see the commit too.

Each transaction that reads picks a replica: in turn (``choice="round_robin"``, the default)
or the one furthest along (``choice="least_lag"``). With ``max_lag`` (seconds) a replica
further behind than that is passed over, and when none is left the primary serves the read.
Lag is measured on PostgreSQL replicas (the time since the last replayed commit, 0 when
the replica has replayed all it received), at most once every ``lag_check_interval``
seconds per replica. A replica that cannot be reached is skipped for ``retry_down_after``
seconds. ``replica_set.stats`` counts the reads each replica served, those the primary
served, the fallbacks, the replicas found down or passed over for lag, and the last lag
measured on each.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from corral import exc
from corral.engine.base import Connection
from corral.engine.engine import Engine
from corral.orm.session.session import Session
from corral.orm.session.transaction import SessionTransaction
from corral.sql.dml import DMLStatement
from corral.sql.selectable import Select
from corral.sql.text import text

__all__ = ["CommitToken", "ReplicaChoice", "ReplicaSession", "ReplicaSet", "ReplicaStats"]

#: How a ReplicaSet picks the replica for a transaction.
ReplicaChoice = Literal["round_robin", "least_lag"]
_CHOICES = ("round_robin", "least_lag")
#: A PostgreSQL replica's lag in seconds: 0 when it has replayed everything it received (or
#: is no replica), else the time since the commit it replayed last.
_LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) "
    "END"
)


@dataclass(frozen=True, slots=True)
class CommitToken:
    """Where the primary's log stood after a commit: reads that must see it wait for it."""

    #: PostgreSQL's WAL position (``'0/3016038'``); None where the database has none.
    lsn: str | None
    #: When the commit happened (``time.monotonic()``).
    at: float


@dataclass
class ReplicaStats:
    """What a ReplicaSet served: reads per replica (by URL), reads the primary served, how
    often a read after a commit found no replica caught up in time (``fallbacks``), how often
    a replica was found down (``down``) or passed over for lagging beyond ``max_lag``
    (``lagging``), and the lag last measured on each replica, in seconds (``lag``)."""

    replica_reads: dict[str, int] = field(default_factory=dict)
    primary_reads: int = 0
    fallbacks: int = 0
    down: int = 0
    lagging: int = 0
    lag: dict[str, float] = field(default_factory=dict)


class ReplicaSet:
    """One primary and the replicas that follow it (all Engines)."""

    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[Engine],
        *,
        max_wait: float = 0.5,
        poll_interval: float = 0.002,
        retry_down_after: float = 5.0,
        choice: ReplicaChoice = "round_robin",
        max_lag: float | None = None,
        lag_check_interval: float = 1.0,
    ) -> None:
        if not replicas:
            raise exc.ArgumentError(
                "ReplicaSet() needs at least one replica engine; with none, use Session(primary)"
            )
        if choice not in _CHOICES:
            raise exc.ArgumentError(
                f"ReplicaSet(choice={choice!r}) is not a choice: use 'round_robin' or 'least_lag'"
            )
        if max_lag is not None and max_lag < 0:
            raise exc.ArgumentError(f"ReplicaSet(max_lag=...) must be 0 or more, got {max_lag}")
        self.measures_lag = choice == "least_lag" or max_lag is not None
        unmeasured = [str(r.url) for r in replicas if r.dialect.name != "postgresql"]
        if self.measures_lag and unmeasured:
            raise exc.ArgumentError(
                f"ReplicaSet(choice={choice!r}, max_lag={max_lag!r}) measures each replica's "
                f"lag, which corral reads on PostgreSQL replicas only; {', '.join(unmeasured)} "
                "is not one: use choice='round_robin' without max_lag"
            )
        self.primary = primary
        self.replicas = list(replicas)
        self.max_wait = max_wait
        self.poll_interval = poll_interval
        self.retry_down_after = retry_down_after
        self.choice = choice
        self.max_lag = max_lag
        self.lag_check_interval = lag_check_interval
        self.stats = ReplicaStats()
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._down_until: dict[int, float] = {}
        #: Each replica's last measured lag and when it was measured (``time.monotonic()``).
        self._lag: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _next_replica(self) -> Engine | None:
        """The replica for a new transaction: the next in turn that is up (and within
        max_lag), or with least_lag the least behind of those, the turn breaking ties
        (None: no replica will do)."""
        now = time.monotonic()
        with self._lock:
            start = next(self._turn)
            count = len(self.replicas)
            order = [(start + step) % count for step in range(count)]
            up = [index for index in order if self._down_until.get(index, 0.0) <= now]
        if not self.measures_lag:
            return self.replicas[up[0]] if up else None
        best: tuple[float, int] | None = None
        for index in up:
            lag = self._lag_of(index)
            if lag is None:
                continue  # found down just now
            if self.max_lag is not None and lag > self.max_lag:
                with self._lock:
                    self.stats.lagging += 1
                continue
            if self.choice == "round_robin":
                return self.replicas[index]
            if best is None or lag < best[0]:
                best = (lag, index)
        return self.replicas[best[1]] if best is not None else None

    def _lag_of(self, index: int) -> float | None:
        """Replica ``index``'s lag in seconds, measured at most every lag_check_interval
        (None: it could not be reached, and is marked down)."""
        now = time.monotonic()
        with self._lock:
            cached = self._lag.get(index)
        if cached is not None and now - cached[1] < self.lag_check_interval:
            return cached[0]
        replica = self.replicas[index]
        try:
            with replica.connect() as connection:
                lag = float(connection.execute(text(_LAG_SQL)).scalar() or 0.0)
        except exc.OperationalError:
            self._mark_down(replica)
            return None
        with self._lock:
            self._lag[index] = (lag, now)
            self.stats.lag[str(replica.url)] = lag
        return lag

    def _mark_down(self, replica: Engine) -> None:
        with self._lock:
            self._down_until[self.replicas.index(replica)] = (
                time.monotonic() + self.retry_down_after
            )
            self.stats.down += 1

    def _count(self, bind: Engine) -> None:
        with self._lock:
            if bind is self.primary:
                self.stats.primary_reads += 1
            else:
                name = str(bind.url)
                self.stats.replica_reads[name] = self.stats.replica_reads.get(name, 0) + 1

    def _caught_up(self, replica: Engine, token: CommitToken) -> bool:
        """Whether ``replica`` has replayed the commit of ``token``, waiting up to max_wait."""
        if token.lsn is None:
            return False
        deadline = time.monotonic() + self.max_wait
        with replica.connect() as connection:
            while True:
                replayed = connection.execute(
                    text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"),
                    {"lsn": token.lsn},
                ).scalar()
                connection.rollback()
                if replayed:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(self.poll_interval)

    def _commit_token(self) -> CommitToken:
        """The primary's log position now (just after a commit)."""
        lsn = None
        if self.primary.dialect.name == "postgresql":
            with self.primary.connect() as connection:
                lsn = connection.execute(text("SELECT CAST(pg_current_wal_lsn() AS text)")).scalar()
        return CommitToken(lsn, time.monotonic())


class ReplicaSession(Session):
    """A Session reading from a ReplicaSet's replicas and writing to its primary."""

    def __init__(
        self, replica_set: ReplicaSet, *, after: CommitToken | None = None, **kwargs: Any
    ) -> None:
        for name in ("bind", "binds"):
            if name in kwargs:
                raise exc.ArgumentError(
                    f"ReplicaSession({name}=...) is not taken: its ReplicaSet names the primary "
                    "and the replicas"
                )
        super().__init__(**kwargs)
        self.replica_set = replica_set
        #: The last commit this session must see (its own, or the one it was given).
        self.commit_token = after
        self._writes = False
        #: The replica this transaction reads from (one per transaction, for consistency).
        self._reading_from: Engine | None = None

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kw: Any) -> Any:
        """The primary for writes and for everything after them in the transaction; a replica
        that has the session's last commit otherwise."""
        replicas = self.replica_set
        if self._flushing or _writes(clause):
            self._writes = True
        if self._writes:
            return replicas.primary
        if self._reading_from is not None:
            return self._reading_from
        chosen = replicas._next_replica()
        if chosen is None:
            return replicas.primary
        token = self.commit_token
        if token is not None and not replicas._caught_up(chosen, token):
            replicas.stats.fallbacks += 1
            chosen = replicas.primary
        self._reading_from = chosen
        return chosen

    def _bind_for(self, statement: Any, bind_arguments: Mapping[str, Any] | None) -> Any:
        """get_bind() for a statement, counted as a read when it is one."""
        bind = super()._bind_for(statement, bind_arguments)
        if not self._writes:
            self.replica_set._count(bind)
        return bind

    def _connection_for_transaction(
        self,
        transaction: SessionTransaction,
        options: Mapping[str, Any] | None = None,
        bind: Any = None,
    ) -> Connection:
        if bind is None:
            bind = self.get_bind()
        try:
            return super()._connection_for_transaction(transaction, options, bind)
        except exc.OperationalError:
            if bind is self.replica_set.primary:
                raise
            self.replica_set._mark_down(bind)  # a replica that is down: read from the primary
            self._reading_from = None
            return super()._connection_for_transaction(
                transaction, options, self.replica_set.primary
            )

    def _commit_transaction(self, transaction: SessionTransaction) -> None:
        wrote = self._writes or bool(self._new or self._deleted or self._modified)
        super()._commit_transaction(transaction)
        if transaction.nested:
            return
        self._writes = False
        self._reading_from = None
        if wrote:
            self.commit_token = self.replica_set._commit_token()

    def _rollback_transaction(self, transaction: SessionTransaction) -> None:
        super()._rollback_transaction(transaction)
        if not transaction.nested:
            self._writes = False
            self._reading_from = None

    def close(self) -> None:
        super().close()
        self._writes = False
        self._reading_from = None


def _writes(clause: Any) -> bool:
    """Whether a statement writes or locks: DML, or a SELECT ... FOR UPDATE / SHARE."""
    if isinstance(clause, DMLStatement):
        return True
    return isinstance(clause, Select) and clause._for_update is not None
