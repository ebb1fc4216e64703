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

"Thread" is the owner a pool names: the calling thread for ``StaticPool``, the asyncio
task for the one connection of an async engine's memory database (``async_static.py``),
whose checkouts run in whichever worker thread serves the task's call.

Pure bookkeeping: the Connection asks and sends the SQL itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Protocol

from corral import exc


class Member(Protocol):
    """What a Connection taking part offers: being told the others rolled it all back."""

    def _shared_rolled_back(self) -> None: ...


class SharedTransaction:
    """Who takes part in the transaction open on the shared connection, if any."""

    __slots__ = ("_lock", "_owner_of_caller", "committed", "kind", "members", "owner")

    def __init__(
        self, owner: Callable[[], Hashable] = threading.get_ident, kind: str = "thread"
    ) -> None:
        self._lock = threading.Lock()
        #: Who is calling: the current thread, or the current asyncio task (``kind`` names it).
        self._owner_of_caller = owner
        self.kind = kind
        #: The owner that began the open transaction (None: none is open).
        self.owner: Hashable | None = None
        #: The Connections taking part, in the order they joined (the first sent BEGIN).
        self.members: list[Member] = []
        #: How many Connections committed into the open transaction and left it.
        self.committed = 0

    def check_thread(self, what: str) -> None:
        """Raise if the open transaction belongs to another thread (or task)."""
        owner = self.owner
        if owner is not None and owner != self._owner_of_caller():
            kind = self.kind
            raise exc.InvalidRequestError(
                f"Cannot {what}: this engine's one database connection (a sqlite:// memory "
                f"database, or a StaticPool) is in a transaction another {kind} began, and "
                f"work here would see or end that {kind}'s uncommitted changes. Finish it "
                "there first, or use a file database (sqlite:///file.db) or a QueuePool so "
                f"that each {kind} has its own connection"
            )

    def join(self, member: Member) -> bool:
        """``member`` begins: True when it is the first (it sends BEGIN), False when it
        takes part in the transaction already open."""
        with self._lock:
            self.check_thread("begin a transaction")
            self.members.append(member)
            if self.owner is None:
                self.owner = self._owner_of_caller()
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
            self.owner = None
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
            self.owner = None
        for other in others:
            other._shared_rolled_back()
        return undone

    def forget(self) -> None:
        """The connection was lost or replaced: no transaction is open on it any more."""
        with self._lock:
            others, self.members, self.owner = self.members, [], None
            self.committed = 0
        for other in others:
            other._shared_rolled_back()

    def _remove(self, member: Member) -> None:
        self.members = [m for m in self.members if m is not member]
