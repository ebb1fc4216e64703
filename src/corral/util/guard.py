"""Detects an object meant for one thread at a time (a Session, a Connection) used by two."""

from __future__ import annotations

import threading
from _thread import RLock
from types import TracebackType

from corral import exc

_get_ident = threading.get_ident


class OneThreadGuard:
    """A re-entrant, non-blocking ownership check around every public call.

    The owning thread may nest calls; another thread entering while a call is
    in progress gets ``ConcurrentUseError`` at once, naming both threads.
    Handing the object over between calls is fine. The check is two C calls
    (a non-blocking lock and the thread id); names are looked up only to report.
    """

    __slots__ = ("_lock", "_owner", "_yielding", "advice", "what")

    def __init__(self, what: str, advice: str) -> None:
        self.what = what
        #: What to do instead, for the error message.
        self.advice = advice
        self._lock = RLock()  # the C lock itself, without threading.RLock()'s Python call
        self._owner = 0
        #: Set while a watchdog holds, or is about to hold, the guard (``hold_if_free``).
        self._yielding = False

    def __enter__(self) -> None:
        if not self._lock.acquire(False):  # positional: the cheaper call on every entry
            if self._yielding:  # a watchdog holds it for a moment: wait for it
                self._lock.acquire()
                self._owner = _get_ident()
                return
            raise exc.ConcurrentUseError(
                f"{self.what} is in use by thread {_thread_name(self._owner)!r} and was called "
                f"from thread {threading.current_thread().name!r} at the same time. "
                f"A {self.what} is for one thread at a time: {self.advice}."
            )
        self._owner = _get_ident()

    def hold_if_free(self) -> bool:
        """For a watchdog thread: take the guard if no call is in progress, never waiting.

        While held, an owner's call waits (briefly) instead of raising
        ``ConcurrentUseError``. Give it back with ``release_hold()``.
        """
        self._yielding = True
        if self._lock.acquire(False):
            return True
        self._yielding = False
        return False

    def release_hold(self) -> None:
        """Give back a guard taken with ``hold_if_free()``."""
        self._lock.release()
        self._yielding = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()


def _thread_name(ident: int) -> str:
    for thread in threading.enumerate():
        if thread.ident == ident:
            return thread.name
    return f"thread {ident}"
