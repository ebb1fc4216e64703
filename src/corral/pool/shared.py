"""The one transaction of a DB-API connection that a StaticPool hands to every checkout.

A ``sqlite://`` memory database lives in one connection, so it has one transaction
at a time whichever Connection began it. The rule (``docs/engine.md``):

- in the thread that began it, a Connection that begins while it is open takes part
  in it instead of sending BEGIN; reads run in it;
- it commits when the last Connection taking part commits (earlier commits only
  leave it), so no Connection's COMMIT ends another's work half-way; what an earlier
  one committed is undone if a later one rolls back (logged as a warning);
- a rollback by any of them, or closing one without committing, rolls all of it
  back; the others' transactions become inactive (they must call ``rollback()``);
- a Connection of another thread may neither begin nor read while it is open: it
  would see or end work that is not its own, so that raises.

Pure bookkeeping: the Connection asks and sends the SQL itself.
"""

from __future__ import annotations

import threading
from typing import Protocol

from corral import exc


class Member(Protocol):
    """What a Connection taking part offers: being told the others rolled it all back."""

    def _shared_rolled_back(self) -> None: ...


class SharedTransaction:
    """Who takes part in the transaction open on the shared connection, if any."""

    __slots__ = ("_lock", "committed", "members", "thread")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: The thread that began the open transaction (None: none is open).
        self.thread: int | None = None
        #: The Connections taking part, in the order they joined (the first sent BEGIN).
        self.members: list[Member] = []
        #: How many Connections committed into the open transaction and left it.
        self.committed = 0

    def check_thread(self, what: str) -> None:
        """Raise if the open transaction belongs to another thread."""
        thread = self.thread
        if thread is not None and thread != threading.get_ident():
            raise exc.InvalidRequestError(
                f"Cannot {what}: this engine's one database connection (a sqlite:// memory "
                "database, or a StaticPool) is in a transaction another thread began, and "
                "work here would see or end that thread's uncommitted changes. Finish it "
                "there first, or use a file database (sqlite:///file.db) or a QueuePool so "
                "that each thread has its own connection"
            )

    def join(self, member: Member) -> bool:
        """``member`` begins: True when it is the first (it sends BEGIN), False when it
        takes part in the transaction already open."""
        with self._lock:
            self.check_thread("begin a transaction")
            self.members.append(member)
            if self.thread is None:
                self.thread = threading.get_ident()
                return True
            return False

    def takes_part(self, member: Member) -> bool:
        return any(m is member for m in self.members)

    def leave_committing(self, member: Member) -> bool:
        """``member`` commits: True when it was the last one in (send COMMIT now)."""
        with self._lock:
            self._remove(member)
            if self.members:
                self.committed += 1
                return False
            self.thread = None
            self.committed = 0
            return True

    def end_rolling_back(self, member: Member) -> int | None:
        """``member`` rolls back: None when it takes no part (send nothing); else send
        ROLLBACK now, which undoes the returned number of other Connections' commits.
        Every other member's transaction is then over too and is told so."""
        with self._lock:
            if not self.takes_part(member):
                return None
            others = [m for m in self.members if m is not member]
            undone, self.committed = self.committed, 0
            self.members = []
            self.thread = None
        for other in others:
            other._shared_rolled_back()
        return undone

    def forget(self) -> None:
        """The connection was lost or replaced: no transaction is open on it any more."""
        with self._lock:
            others, self.members, self.thread = self.members, [], None
            self.committed = 0
        for other in others:
            other._shared_rolled_back()

    def _remove(self, member: Member) -> None:
        self.members = [m for m in self.members if m is not member]
