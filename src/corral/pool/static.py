"""StaticPool (one DB-API connection shared by every checkout) and NullPool (no pooling)."""

from __future__ import annotations

from typing import Any

from corral.pool.base import Pool, PoolConnection
from corral.pool.record import ConnectionRecord, RecordState
from corral.pool.shared import SharedTransaction

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_CHECKED_OUT = RecordState.CHECKED_OUT
_DISCARDED = RecordState.DISCARDED
_IDLE = RecordState.IDLE


class StaticPool(Pool):
    """Every checkout gets the same DB-API connection; check-in never closes it.

    Made for an in-memory SQLite database, which lives only as long as its one
    connection; its one transaction is shared as ``shared.py`` says. The connection is
    reset (rolled back) only when the last outstanding checkout returns, so one
    holder's return never undoes another's work; recycle and pings likewise happen
    only when nobody holds it.
    """

    _shared: ConnectionRecord | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Which Connections take part in the transaction open on the one connection.
        self.transaction = SharedTransaction()

    def _acquire(self, handle: PoolConnection) -> ConnectionRecord:
        with self._lock:
            record = self._shared
            if record is None or record.state.is_final:
                record = ConnectionRecord(_CHECKED_OUT, self._dispose_epoch)
                self._shared = record
                exclusive = True
            elif record.state is _IDLE:
                record.move_to(_CHECKED_OUT)
                exclusive = True
            else:
                exclusive = False
            if exclusive:
                # Opening, recycling or pinging under the lock: nobody else may see the
                # connection half-replaced, and only one connection is ever opened.
                try:
                    self._make_ready(record)
                except BaseException:
                    record.move_to(_DISCARDED)
                    self._shared = None
                    self._close_quietly(record)
                    raise
            handle._record = record
            self._out[handle] = None
        return record

    def _prepare(self, record: ConnectionRecord) -> None:
        """Done in ``_acquire`` under the lock."""

    def _check_in(self, record: ConnectionRecord) -> None:
        with self._lock:
            if self._out or record.state is not _CHECKED_OUT:
                return
            if self._reset(record) and record.dispose_epoch == self._dispose_epoch:
                record.move_to(_IDLE)
                return
            record.move_to(_DISCARDED)
            self._shared = None
            self._close_quietly(record)

    def _slot_freed_locked(self, record: ConnectionRecord) -> None:
        if self._shared is record:
            self._shared = None

    def _take_all_idle_locked(self) -> list[ConnectionRecord]:
        record = self._shared
        if record is None or record.state is not _IDLE:
            return []
        return [record]

    def _forget_all_locked(self) -> None:
        self._shared = None

    def status(self) -> str:
        """Counts in one line."""
        record = self._shared
        state = "no connection" if record is None else f"one connection {record.state.value}"
        return f"StaticPool {self.logging_name}: {state}, {self.checkedout()} checkouts"


class NullPool(Pool):
    """Opens a new DB-API connection for every checkout and closes it on check-in."""

    def _acquire(self, handle: PoolConnection) -> ConnectionRecord:
        record = ConnectionRecord(_CHECKED_OUT, self._dispose_epoch)
        handle._record = record
        with self._lock:
            self._out[handle] = None
        return record

    def _check_in(self, record: ConnectionRecord) -> None:
        # Closing ends any open transaction, so no reset is needed first.
        self._discard(record)

    def _slot_freed_locked(self, record: ConnectionRecord) -> None:
        """Nothing to count: NullPool keeps no connections."""

    def _take_all_idle_locked(self) -> list[ConnectionRecord]:
        return []

    def _forget_all_locked(self) -> None:
        """Nothing is kept, so nothing to forget."""

    def status(self) -> str:
        """Counts in one line."""
        return f"NullPool {self.logging_name}: {self.checkedout()} checked out"
