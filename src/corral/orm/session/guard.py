"""Detects a Session (or Connection) used by two threads at once."""

from __future__ import annotations

import threading
from types import TracebackType

from corral import exc


class OneThreadGuard:
    """A re-entrant, non-blocking ownership check around every public call.

    The owning thread may nest calls; another thread entering while a call is
    in progress gets ``ConcurrentUseError`` at once, naming both threads.
    Handing the object over between calls is fine.
    """

    __slots__ = ("_lock", "_owner_name", "what")

    def __init__(self, what: str) -> None:
        self.what = what
        self._lock = threading.RLock()
        self._owner_name = ""

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            current = threading.current_thread().name
            raise exc.ConcurrentUseError(
                f"{self.what} is in use by thread {self._owner_name!r} and was called from "
                f"thread {current!r} at the same time. A {self.what} is for one thread at a "
                "time: give each thread its own (scoped_session does this)."
            )
        self._owner_name = threading.current_thread().name

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()
