"""QueuePool: up to ``pool_size`` kept connections plus ``max_overflow`` temporary ones."""

from __future__ import annotations

import threading
import time
from collections import deque

from corral.exc import ArgumentError, TimeoutError
from corral.pool.base import (
    Creator,
    Pool,
    PoolConnection,
    PoolDialect,
    check_number,
    describe_connection,
    log,
)
from corral.pool.record import ConnectionRecord, RecordState

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_CHECKED_OUT = RecordState.CHECKED_OUT
_DISCARDED = RecordState.DISCARDED
_IDLE = RecordState.IDLE


class QueuePool(Pool):
    """Keeps up to ``pool_size`` idle connections and opens up to ``max_overflow`` more on demand.

    A checkout with every connection out waits up to ``timeout`` seconds for one
    to come back, then raises ``corral.exc.TimeoutError`` naming who holds them.
    ``pool_size=0`` or ``max_overflow=-1`` removes the limit on open connections.
    The checkout sites in that message cost about a microsecond per checkout to
    record; ``track_checkouts=False`` (on any pool) turns recording off.
    """

    def __init__(
        self,
        creator: Creator,
        *,
        dialect: PoolDialect | None = None,
        pool_size: int = 5,
        max_overflow: int = 10,
        timeout: float = 30.0,
        recycle: float = -1,
        pre_ping: bool = False,
        use_lifo: bool = False,
        reset_on_return: bool = True,
        logging_name: str | None = None,
        track_checkouts: bool = True,
    ) -> None:
        super().__init__(
            creator,
            dialect=dialect,
            recycle=recycle,
            pre_ping=pre_ping,
            reset_on_return=reset_on_return,
            logging_name=logging_name,
            track_checkouts=track_checkouts,
        )
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise ArgumentError(f"pool_size must be an int >= 0 (0: no limit), not {pool_size!r}")
        if isinstance(max_overflow, bool) or not isinstance(max_overflow, int) or max_overflow < -1:
            raise ArgumentError(
                f"max_overflow must be an int >= -1 (-1: no limit), not {max_overflow!r}"
            )
        if not isinstance(use_lifo, bool):
            raise ArgumentError(f"use_lifo must be True or False, not {use_lifo!r}")
        self._timeout = check_number("timeout", timeout, minimum=0)
        self._pool_size = pool_size
        self._max_overflow = max_overflow
        self._limit: int | None = (
            None if pool_size == 0 or max_overflow == -1 else pool_size + max_overflow
        )
        self._use_lifo = use_lifo
        self._idle: deque[ConnectionRecord] = deque()
        # Records that exist (idle, checked out, being opened or being checked in).
        self._total = 0
        self._available = threading.Condition(self._lock)
        self._waiting = 0  # checkouts blocked in _available.wait()

    # -- counts --------------------------------------------------------------

    def size(self) -> int:
        """The configured ``pool_size``: how many connections are kept when idle."""
        return self._pool_size

    def overflow(self) -> int:
        """How many connections are open beyond ``pool_size`` right now."""
        return max(0, self._total - self._pool_size) if self._pool_size else 0

    def checkedin(self) -> int:
        """How many connections sit idle in the pool."""
        return len(self._idle)

    def status(self) -> str:
        """Counts in one line."""
        overflow_limit = "unlimited" if self._max_overflow == -1 else str(self._max_overflow)
        return (
            f"QueuePool {self.logging_name}: size {self._pool_size}, "
            f"overflow {self.overflow()} of {overflow_limit}, "
            f"{len(self._idle)} idle, {self.checkedout()} checked out"
        )

    # -- checkout and check-in ------------------------------------------------

    def _acquire(self, handle: PoolConnection) -> ConnectionRecord:
        with self._lock:
            deadline: float | None = None
            while True:
                record = self._take_idle_locked()
                if record is not None:
                    record.move_to(_CHECKED_OUT)
                    break
                if self._limit is None or self._total < self._limit:
                    self._total += 1
                    record = ConnectionRecord(_CHECKED_OUT, self._dispose_epoch)
                    break
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._timeout
                remaining = deadline - now
                if remaining <= 0:
                    message = self._timeout_message_locked(now)
                    log.debug("%s", message)
                    raise TimeoutError(message)
                self._waiting += 1
                try:
                    self._available.wait(remaining)
                finally:
                    self._waiting -= 1
            if deadline is not None:  # it had to wait for a connection to come back
                handle.waited = waited = time.monotonic() - (deadline - self._timeout)
                self.waits += 1
                self.wait_time += waited
            handle._record = record
            self._out[handle] = None
        return record

    def _take_idle_locked(self) -> ConnectionRecord | None:
        if not self._idle:
            return None
        return self._idle.pop() if self._use_lifo else self._idle.popleft()

    def _check_in(self, record: ConnectionRecord) -> None:
        reset = self._reset(record)
        with self._lock:
            if record.state is not _CHECKED_OUT:
                return
            keep = (
                reset
                and record.dispose_epoch == self._dispose_epoch
                and (self._pool_size == 0 or len(self._idle) < self._pool_size)
            )
            if keep:
                record.move_to(_IDLE)
                self._idle.append(record)
                if self._waiting:  # (``_wake_one_locked``, without its call when none waits)
                    self._available.notify()
                return
            record.move_to(_DISCARDED)
            self._slot_freed_locked(record)
        log.debug(
            "%s: not keeping %s (%s)",
            self.logging_name,
            describe_connection(record.dbapi_connection),
            "reset failed" if not reset else "pool full or disposed",
        )
        self._close_quietly(record)

    def _slot_freed_locked(self, record: ConnectionRecord) -> None:
        self._total -= 1
        self._wake_one_locked()

    def _wake_one_locked(self) -> None:
        # Condition.notify is Python code; skip it on the common path with nobody waiting.
        if self._waiting:
            self._available.notify()

    def _take_all_idle_locked(self) -> list[ConnectionRecord]:
        idle = list(self._idle)
        self._idle.clear()
        return idle

    def _forget_all_locked(self) -> None:
        self._idle.clear()
        self._total = 0
        self._waiting = 0

    def _after_fork_new_lock(self) -> None:
        self._available = threading.Condition(self._lock)

    def _timeout_message_locked(self, now: float) -> str:
        overflow_limit = "unlimited" if self._max_overflow == -1 else str(self._max_overflow)
        return (
            f"QueuePool {self.logging_name} (pool_size={self._pool_size}, "
            f"max_overflow={overflow_limit}) had no connection to give within "
            f"timeout={self._timeout} s: {len(self._out)} checked out, "
            f"{self._total} open. Holders, longest first:\n"
            f"{self._describe_holders_locked(now)}\n"
            "Close connections (or sessions) when done with them, or raise pool_size, "
            "max_overflow or pool_timeout."
        )
