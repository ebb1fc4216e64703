"""The idle-in-transaction watchdog: ``create_engine(idle_in_transaction_warn=, ..._abort=)``.

A Session (or Connection) that keeps its transaction open without running a
statement holds a pool slot and, on the server, the transaction's locks and
snapshot ("idle in transaction"). With either option set, the engine hands out
``WatchedConnection`` objects, which stamp the time of each statement, and one
daemon thread per engine (started by the first checkout, stopped by
``engine.dispose()`` or when the engine is collected) looks at them a few
times per threshold:

* idle for ``idle_in_transaction_warn`` seconds: one ``IdleInTransactionWarning``
  per transaction, naming where the connection was checked out (and through
  which call: ``Session.get``, ``Engine.connect``...);
* idle for ``idle_in_transaction_abort`` seconds: the transaction is rolled
  back and the connection goes back to the pool; the owner's next use raises
  ``IdleInTransactionAbortedError`` until it calls ``rollback()``.

The watchdog never touches a connection while its owner is running a call on
it: it takes the connection's one-thread guard only if it is free
(``OneThreadGuard.hold_if_free``), and while it holds it (a few attribute
swaps) an owner call waits instead of reporting concurrent use. The rollback
itself runs after the connection has been detached, so the owner can no longer
reach the DB-API connection. Without the options nothing here runs: engines
hand out plain ``Connection`` objects.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
import weakref
from typing import TYPE_CHECKING, Any, NoReturn

from corral import exc
from corral.engine.base import Connection
from corral.engine.checkout_guard import describe_site
from corral.engine.connection_state import ConnectionState
from corral.engine.transaction import Transaction, TransactionState
from corral.pool import forking

if TYPE_CHECKING:
    from corral.engine.engine import Engine

log = logging.getLogger("corral.engine")
_monotonic = time.monotonic

#: ``_used_at`` while a statement runs: never idle, whatever its length.
RUNNING = float("inf")
#: The watchdog looks this many times per (smallest) threshold, so it acts at most a
#: quarter of a threshold late.
CHECKS_PER_THRESHOLD = 4


def check_thresholds(warn: object, abort: object) -> tuple[float | None, float | None]:
    """Validate ``idle_in_transaction_warn`` / ``_abort`` (seconds > 0, or None)."""
    for name, value in (("warn", warn), ("abort", abort)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise exc.ArgumentError(
                f"create_engine(idle_in_transaction_{name}=...) must be a number of seconds "
                f"greater than 0 (or None: off), got {value!r}"
            )
    if warn is not None and abort is not None and abort < warn:  # type: ignore[operator]
        raise exc.ArgumentError(
            f"create_engine(idle_in_transaction_abort={abort!r}) is shorter than "
            f"idle_in_transaction_warn={warn!r}, so the warning could never come first; "
            "make the abort threshold the longer one, or leave the warning out"
        )
    return (
        None if warn is None else float(warn),  # type: ignore[arg-type]
        None if abort is None else float(abort),  # type: ignore[arg-type]
    )


class WatchedConnection(Connection):
    """A Connection that stamps the time of each statement for the engine's watchdog."""

    #: When a statement last ended on this connection (``time.monotonic()``); ``RUNNING``
    #: while one runs.
    _used_at: float
    #: The root transaction the watchdog rolled back (its owner must call rollback()).
    _aborted: Transaction | None = None
    #: The root transaction the watchdog warned about (once per transaction).
    _warned: Transaction | None = None

    def __init__(self, engine: Engine, watchdog: IdleWatchdog) -> None:
        self._used_at = _monotonic()
        super().__init__(engine)
        watchdog.watch(self)

    def _cursor_execute(self, *args: Any, **kwargs: Any) -> Any:
        self._used_at = RUNNING
        try:
            return super()._cursor_execute(*args, **kwargs)
        finally:
            self._used_at = _monotonic()

    def _control(self, sql: str, action: Any) -> None:
        self._used_at = RUNNING
        try:
            super()._control(sql, action)
        finally:
            self._used_at = _monotonic()

    def _checkout(self) -> None:
        super()._checkout()
        self._used_at = _monotonic()

    def _revive(self) -> Any:
        root = self._stack.root
        if root is not None and root is self._aborted:
            raise aborted_error(self)
        return super()._revive()

    def _raise_inactive(self) -> NoReturn:
        root = self._stack.root
        if root is not None and root is self._aborted:
            raise aborted_error(self)
        super()._raise_inactive()


def aborted_error(connection: WatchedConnection) -> exc.IdleInTransactionAbortedError:
    """What the owner of a connection the watchdog rolled back gets on its next use."""
    abort = connection.engine._watchdog.abort if connection.engine._watchdog else None
    return exc.IdleInTransactionAbortedError(
        f"The idle-in-transaction watchdog rolled back this transaction and returned its "
        f"connection to the pool: it had run no statement for "
        f"idle_in_transaction_abort={abort} s. Its work (anything flushed or executed since "
        "it began) is gone. Call rollback() on the Session or Connection to go on with a new "
        "transaction, and commit, roll back or close sessions as soon as their work is done "
        "(or raise idle_in_transaction_abort)."
    )


class IdleWatchdog:
    """Watches one engine's connections that are in a transaction; one daemon thread."""

    def __init__(self, engine: Engine, warn: float | None, abort: float | None) -> None:
        self.warn = warn
        self.abort = abort
        self.interval = min(t for t in (warn, abort) if t is not None) / CHECKS_PER_THRESHOLD
        self.engine_name = repr(engine)
        self._connections: weakref.WeakSet[WatchedConnection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        #: The fork generation the lock, the set and the thread belong to.
        self._forks = forking.generation

    def connect(self, engine: Engine) -> Connection:
        """A new connection of ``engine`` under watch (``Engine.connect`` with the option set)."""
        return WatchedConnection(engine, self)

    def watch(self, connection: WatchedConnection) -> None:
        if self._forks != forking.generation:
            self._after_fork()
        with self._lock:
            self._connections.add(connection)
            if self._thread is None:
                self._start_locked()

    def _after_fork(self) -> None:
        """In a forked child: the parent's thread is gone and its lock may look held; start
        afresh, leaving the parent's connections (which the child must not touch) unwatched."""
        self._lock = threading.Lock()
        self._connections = weakref.WeakSet()
        self._thread = None
        self._forks = forking.generation

    def _start_locked(self) -> None:
        self._stop = threading.Event()
        thread = threading.Thread(
            target=_run,
            args=(weakref.ref(self), self._stop, self.interval),
            name=f"corral idle-in-transaction watchdog for {self.engine_name}",
            daemon=True,
        )
        self._thread = thread
        thread.start()

    def stop(self) -> None:
        """Stop the thread (``engine.dispose()``); the next checkout starts it again."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def __del__(self) -> None:
        self._stop.set()

    def is_running(self) -> bool:
        """Whether the watchdog thread is running now."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    # -- one look at every watched connection ---------------------------------------

    def check(self) -> None:
        """Warn about, or roll back, every connection idle in a transaction for too long."""
        with self._lock:
            connections = list(self._connections)
        now = _monotonic()
        for connection in connections:
            if connection._forks != forking.generation:
                continue  # the parent's, inherited across fork
            root = connection._stack.root
            if root is None or root.state is not TransactionState.ACTIVE:
                continue
            idle = now - connection._used_at
            if self.abort is not None and idle >= self.abort:
                self._roll_back(connection, root)
            elif self.warn is not None and idle >= self.warn and connection._warned is not root:
                pooled = connection._pooled
                if pooled is None:
                    continue
                connection._warned = root
                self._warn(describe_idle(pooled, idle, self.warn, aborted=False))

    def _roll_back(self, connection: WatchedConnection, root: Transaction) -> None:
        guard = connection._guard
        if not guard.hold_if_free():
            return  # a call is running on it: it is not idle
        try:
            pooled = connection._pooled
            if (
                connection._stack.root is not root
                or root.state is not TransactionState.ACTIVE
                or connection._state is not ConnectionState.OPEN
                or pooled is None
                or self.abort is None
                or _monotonic() - connection._used_at < self.abort
            ):
                return  # it moved on meanwhile
            idle = _monotonic() - connection._used_at
            discard = connection._reclaimer.discard
            # Detach first: from here on the owner cannot reach the DB-API connection.
            connection._pooled = connection._dbapi = None
            connection._reclaimer.pooled = None
            connection._unsent_begin = None
            connection._aborted = root
            connection._stack.deactivate_all()
            connection._state = ConnectionState.INVALIDATED
        finally:
            guard.release_hold()
        message = describe_idle(pooled, idle, self.abort, aborted=True)
        try:
            pooled._pool._give_back(pooled, discard)  # type: ignore[attr-defined]
        except Exception:
            log.exception("corral: the idle-in-transaction watchdog could not give back %s", pooled)
        self._warn(message)

    def _warn(self, message: str) -> None:
        try:
            warnings.warn(message, exc.IdleInTransactionWarning, stacklevel=1)
        except Exception:  # warnings turned into errors: the thread must go on watching
            log.warning("%s", message)


def describe_idle(pooled: Any, idle: float, threshold: float, *, aborted: bool) -> str:
    """The warning: how long, what was done, where the connection was checked out."""
    owner, where = describe_site(pooled)
    if aborted:
        done = (
            f"corral rolled it back (idle_in_transaction_abort={threshold}) and returned the "
            "connection to the pool; the owner's next use raises "
            "IdleInTransactionAbortedError until it calls rollback()"
        )
    else:
        done = (
            f"past idle_in_transaction_warn={threshold}; meanwhile it holds a pooled "
            "connection and, on the server, the transaction's locks"
        )
    return (
        f"{owner} kept a transaction open without running a statement for {idle:.2f} s: "
        f"{done}. Commit, roll back or close sessions as soon as their work is done (a "
        f"`with` block does it). The connection was checked out at: {where}"
    )


def _run(watchdog_ref: weakref.ref[IdleWatchdog], stop: threading.Event, interval: float) -> None:
    """The thread's loop: holds the watchdog only while checking, so the engine can go."""
    while not stop.wait(interval):
        watchdog = watchdog_ref()
        if watchdog is None:
            return  # the engine was collected
        try:
            watchdog.check()
        except Exception:
            log.exception("corral: the idle-in-transaction watchdog failed a check")
        del watchdog
