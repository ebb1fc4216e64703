"""What every pool shares: the dialect contract, checkout handles, validation, fork safety.

A subclass decides where idle connections live and how many may exist
(``_acquire``, ``_check_in``, ``_slot_freed_locked``, ``_take_all_idle_locked``);
this module decides when a connection must be replaced (recycle, ping,
invalidation, dispose, fork) and keeps the checked-out set that a checkout
timeout reports.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from corral.event.families import DispatchHolder
from corral.exc import ArgumentError, DisconnectionError, ResourceClosedError
from corral.pool import forking
from corral.pool.checkout_site import CheckoutSite, capture_site, describe_holders
from corral.pool.events import POOL_EVENTS, ResetState, fire
from corral.pool.record import ConnectionRecord, RecordState

log = logging.getLogger("corral.pool")


@runtime_checkable
class PoolDialect(Protocol):
    """The four things a pool asks of a dialect.

    A dialect whose ``resets_without_waiting()`` is true also has
    ``do_rollback_on_return(dbapi_connection)``, the reset of a connection taken back,
    which may leave the ROLLBACK's answer unread, and ``do_settle(dbapi_connection)``,
    which the pool calls before the connection's next checkout to read it.
    """

    def do_ping(self, dbapi_connection: Any, /) -> bool:
        """Return True if the connection is alive (may raise instead of returning False)."""
        ...

    def do_rollback(self, dbapi_connection: Any, /) -> None:
        """Roll back the connection's open transaction, if any."""
        ...

    def do_close(self, dbapi_connection: Any, /) -> None:
        """Close the connection."""
        ...

    def is_disconnect(self, error: BaseException, /) -> bool:
        """Return True if ``error`` means the connection to the database is lost."""
        ...


Creator = Callable[[], Any]
"""Makes a new DB-API connection."""


class GenericDBAPI:
    """What a pool made without a dialect does: the DB-API's own calls (``SELECT 1`` to ping).

    ``create_engine(url, pool=...)`` replaces it with the engine's dialect.
    """

    def do_ping(self, dbapi_connection: Any, /) -> bool:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            cursor.close()
        return True

    def do_rollback(self, dbapi_connection: Any, /) -> None:
        dbapi_connection.rollback()

    def do_close(self, dbapi_connection: Any, /) -> None:
        dbapi_connection.close()

    def is_disconnect(self, error: BaseException, /) -> bool:
        return False


class CheckoutState(enum.Enum):
    """The life of one checkout (one ``PoolConnection``)."""

    CHECKED_OUT = "checked out"
    RETURNED = "returned to the pool"
    INVALIDATED = "invalidated"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_CHECKED_OUT = CheckoutState.CHECKED_OUT
_DISCARDED = RecordState.DISCARDED
_INVALIDATED = CheckoutState.INVALIDATED
_LEFT_TO_PARENT = RecordState.LEFT_TO_PARENT
_RECORD_CHECKED_OUT = RecordState.CHECKED_OUT
_RETURNED = CheckoutState.RETURNED


def describe_connection(dbapi_connection: Any) -> str:
    """Name a DB-API connection for logs without its ``repr`` (which may carry a DSN)."""
    return f"{type(dbapi_connection).__name__}@{id(dbapi_connection):#x}"


class PoolConnection:
    """One checkout of a DB-API connection; ``close()`` gives it back to the pool."""

    __slots__ = (
        "__weakref__",
        "_before_check_in",
        "_checked_out_at",
        "_pool",
        "_record",
        "_site",
        "_state",
        "waited",
    )

    _pool: Pool
    _record: ConnectionRecord
    _site: CheckoutSite | None
    _checked_out_at: float
    _state: CheckoutState
    #: Run on the DB-API connection when this checkout closes, before the pool takes it
    #: back (``Engine.raw_connection()`` puts the driver back in corral's mode).
    _before_check_in: Callable[[Any], object] | None

    def __init__(self, pool: Pool, site: CheckoutSite | None) -> None:
        self._pool = pool
        self._before_check_in = None
        self._site = site
        self._checked_out_at = time.monotonic()
        self._state = _CHECKED_OUT
        #: Seconds this checkout waited for a connection to be given back (0.0: none).
        self.waited = 0.0

    @property
    def dbapi_connection(self) -> Any:
        """The DB-API connection this checkout holds."""
        record = self._record
        if (
            self._state is _CHECKED_OUT
            and record.state is _RECORD_CHECKED_OUT
            and self._pool._forks == forking.generation  # (connect() compares process ids)
        ):
            return record.dbapi_connection
        raise self._unusable_error()

    def _unusable_error(self) -> ResourceClosedError:
        self._pool._leave_parent_connections_if_forked()
        if self._state is not _CHECKED_OUT:
            why = f"was {self._state.value}"
        elif self._record.state is _LEFT_TO_PARENT:
            why = "was checked out before os.fork() and belongs to the parent process"
        else:
            why = "was discarded (another checkout of the same connection invalidated it)"
        return ResourceClosedError(
            f"this pooled connection {why}; check out a new one with pool.connect()"
        )

    @property
    def info(self) -> dict[Any, Any]:
        """A dict that stays with the DB-API connection across checkouts until it is discarded."""
        return self._record.info

    @property
    def is_valid(self) -> bool:
        """True while this checkout holds a usable connection (not closed, not invalidated)."""
        return (
            self._state is _CHECKED_OUT
            and self._record.state is _RECORD_CHECKED_OUT
            and self._pool._pid == os.getpid()
        )

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        """A cursor of the DB-API connection (as SQLAlchemy's pooled connection proxies it)."""
        return self.dbapi_connection.cursor(*args, **kwargs)

    def commit(self) -> None:
        """Commit on the DB-API connection."""
        self.dbapi_connection.commit()

    def rollback(self) -> None:
        """Roll back on the DB-API connection."""
        self.dbapi_connection.rollback()

    def close(self) -> None:
        """Check the connection back in (reset first if the pool resets); later calls do nothing."""
        pool = self._pool
        if pool._forks != forking.generation:  # no system call on the way back
            pool._leave_parent_connections()
        if self._before_check_in is not None and self.is_valid:
            before, self._before_check_in = self._before_check_in, None
            try:
                before(self._record.dbapi_connection)
            except Exception as error:  # a connection that cannot be put back is discarded
                self.invalidate(error)
                return
        with pool._lock:
            if self._state is not _CHECKED_OUT:
                return
            self._state = _RETURNED
            pool._out.pop(self, None)
        if self._record.state is _RECORD_CHECKED_OUT:
            if pool.dispatch.checkin:
                fire(pool.dispatch, "checkin", self._record.dbapi_connection, self._record)
            pool._check_in(self._record)

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Discard this connection now; older pooled connections get pinged before reuse."""
        pool = self._pool
        pool._leave_parent_connections_if_forked()
        with pool._lock:
            if self._state is not _CHECKED_OUT:
                return
            self._state = _INVALIDATED
            pool._out.pop(self, None)
        pool._suspect_connections_through(None)
        log.debug(
            "%s: invalidating %s (%s); older pooled connections will be pinged before reuse",
            pool.logging_name,
            describe_connection(self._record.dbapi_connection),
            "no exception given"
            if exception is None
            else f"{type(exception).__name__}: {exception}",
        )
        if pool.dispatch.invalidate:
            fire(
                pool.dispatch, "invalidate", self._record.dbapi_connection, self._record, exception
            )
        pool._discard(self._record)

    def __enter__(self) -> PoolConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PoolConnection {self._record!r} {self._state.value}>"


class ProxiedConnection:
    """A checkout as SQLAlchemy hands one to a program (its ``PoolProxiedConnection``):
    ``Connection.connection`` and ``engine.raw_connection()``. ``dbapi_connection`` is
    the DB-API connection, ``driver_connection`` the driver's own (under asyncio, the
    asyncio driver's connection), ``info`` a dict kept with the DB-API connection; the
    DB-API connection's other public attributes read through. Made on request, apart from
    the checkout corral's own code uses: a class with ``__getattr__`` makes every
    attribute read on its instances slower."""

    __slots__ = ("_checkout",)

    def __init__(self, checkout: Any) -> None:
        self._checkout = checkout

    @property
    def dbapi_connection(self) -> Any:
        return self._checkout.dbapi_connection

    @property
    def driver_connection(self) -> Any:
        dbapi = self._checkout.dbapi_connection
        return getattr(dbapi, "driver_connection", dbapi)

    @property
    def info(self) -> dict[Any, Any]:
        info: dict[Any, Any] = self._checkout.info
        return info

    @property
    def is_valid(self) -> bool:
        return bool(getattr(self._checkout, "is_valid", True))

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        return self._checkout.dbapi_connection.cursor(*args, **kwargs)

    def commit(self) -> None:
        self._checkout.dbapi_connection.commit()

    def rollback(self) -> None:
        self._checkout.dbapi_connection.rollback()

    def close(self) -> None:
        """Give the connection back to the pool (SQLAlchemy's ``close()`` of a checkout)."""
        self._checkout.close()

    def invalidate(self, exception: BaseException | None = None) -> None:
        self._checkout.invalidate(exception)

    def __getattr__(self, name: str) -> Any:
        # Only names not found above; never private ones (``_checkout`` not yet set, in a
        # copy or unpickling, would otherwise look itself up here again).
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._checkout.dbapi_connection, name)

    def __enter__(self) -> ProxiedConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ProxiedConnection {self._checkout!r}>"


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(f"{name} must be True or False, not {value!r}")
    return value


def check_number(name: str, value: object, *, minimum: float) -> float:
    """Validate a numeric pool argument (bool is refused) and return it as given."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ArgumentError(f"{name} must be a number >= {minimum}, not {value!r}")
    return value


class Pool(DispatchHolder, ABC):
    """Hands out DB-API connections made by ``creator`` and takes them back."""

    #: ``dispatch`` holds the listeners of PoolEvents (pool/events.py): of the class or of
    #: this pool.
    _event_names = POOL_EVENTS

    def __init__(
        self,
        creator: Creator,
        *,
        dialect: PoolDialect | None = None,
        recycle: float = -1,
        pre_ping: bool = False,
        reset_on_return: bool = True,
        logging_name: str | None = None,
        track_checkouts: bool = True,
    ) -> None:
        if not callable(creator):
            raise ArgumentError(
                f"creator must be a callable returning a DB-API connection, not {creator!r}"
            )
        if dialect is None:
            dialect = GenericDBAPI()
        if not isinstance(dialect, PoolDialect):
            raise ArgumentError(
                f"dialect {dialect!r} lacks do_ping, do_rollback, do_close or is_disconnect, "
                "which the pool calls"
            )
        if isinstance(recycle, bool) or not isinstance(recycle, int | float):
            raise ArgumentError(
                f"recycle must be a number of seconds (-1 to never recycle), not {recycle!r}"
            )
        self.dispatch = self._class_dispatch
        #: The function given (SQLAlchemy programs call ``pool._creator()`` for a DB-API
        #: connection of the driver's own making); ``_open_new`` is what the pool opens with.
        self._creator = creator
        self._open_new: Creator = creator
        self._use_dialect(dialect)
        #: Whether an Engine uses this pool (create_engine(pool=...) or its own).
        self._serves_engine = False
        self._opened_any = False
        self._recycle = recycle
        self._pre_ping = _check_bool("pre_ping", pre_ping)
        self._reset_on_return = _check_bool("reset_on_return", reset_on_return)
        self._track_checkouts = _check_bool("track_checkouts", track_checkouts)
        self.logging_name = logging_name or f"{type(self).__name__}@{id(self):#x}"
        self._lock = threading.Lock()
        self._out: dict[PoolConnection, None] = {}
        #: Checkouts that waited for a connection to be given back, and the seconds waited.
        self.waits = 0
        self.wait_time = 0.0
        # Records are stamped with ``_generation`` when opened or pinged; those stamped at or
        # before ``_suspect_through`` are pinged before their next checkout.
        self._generation = 0
        self._suspect_through = -1
        self._suspicion_lock = threading.Lock()
        # Bumped by dispose(); records from an older epoch are closed when they come back.
        self._dispose_epoch = 0
        self._pid = os.getpid()
        #: ``forking.generation`` in ``_pid``: comparing it costs no system call (every
        #: checkout still compares process ids, for forks that skip Python's fork hooks).
        self._forks = forking.generation
        self._fork_guard = threading.Lock()
        # The parent's DB-API connections, kept referenced in a forked child so that
        # garbage collection never closes them (closing would talk on the parent's socket).
        self._left_to_parent: list[Any] = []
        # Checkouts whose owner was garbage collected while this thread may have held
        # ``_lock``: given back at the next connect() (see ``reclaim``).
        self._orphans: deque[tuple[PoolConnection, bool]] = deque()

    # -- public API ---------------------------------------------------------

    def connect(self) -> PoolConnection:
        """Check out a connection, opening, recycling or replacing one as needed."""
        if self._pid != os.getpid():
            self._leave_parent_connections()
        if self._orphans:
            self._reclaim_orphans()
        handle = PoolConnection(self, capture_site() if self._track_checkouts else None)
        record = self._acquire(handle)
        try:
            self._prepare(record)
            if self.dispatch.checkout:
                fire(self.dispatch, "checkout", record.dbapi_connection, record, handle)
        except BaseException:
            with self._lock:
                handle._state = _INVALIDATED
                self._out.pop(handle, None)
            self._discard(record)
            raise
        return handle

    def dispose(self, close: bool = True) -> None:
        """Close every idle connection; connections checked out now are closed when they return.

        ``close=False`` forgets the idle connections without closing them (in a
        forked child, the parent's connections are forgotten unclosed either way).
        """
        close = _check_bool("close", close)
        self._leave_parent_connections_if_forked()
        if self._orphans:
            self._reclaim_orphans()
        with self._lock:
            self._dispose_epoch += 1
            idle = self._take_all_idle_locked()
            for record in idle:
                record.move_to(_DISCARDED)
                self._slot_freed_locked(record)
        for record in idle:
            if close:
                self._close_quietly(record)
            else:
                record.dbapi_connection = None
        log.debug(
            "%s: disposed, %s %d idle connections",
            self.logging_name,
            "closed" if close else "forgot (unclosed)",
            len(idle),
        )

    def reclaim(self, handle: PoolConnection, *, discard: bool = False) -> None:
        """Take back a checkout whose owner was garbage collected without giving it back.

        Called from a finalizer, so from any thread, possibly one interrupted
        while holding ``_lock``: then the checkout waits for the next connect().
        The connection is rolled back (the pool's reset, or here when the pool
        does not reset) and kept, or closed if that fails or ``discard`` is set.
        """
        if self._pid != os.getpid():
            return  # a checkout of the parent process's: never touched here
        if not self._lock.acquire(blocking=False):
            self._orphans.append((handle, discard))
            return
        self._lock.release()
        self._give_back(handle, discard)

    def _reclaim_orphans(self) -> None:
        while self._orphans:
            try:
                handle, discard = self._orphans.popleft()
            except IndexError:
                return
            self._give_back(handle, discard)

    def _give_back(self, handle: PoolConnection, discard: bool) -> None:
        if discard:
            handle.invalidate(None)
            return
        if not self._reset_on_return and handle.is_valid:
            try:
                self._dialect.do_rollback(handle._record.dbapi_connection)
            except Exception as error:
                handle.invalidate(error)
                return
        handle.close()

    def checkedout(self) -> int:
        """How many checkouts are outstanding (none in a forked child: the parent's are not)."""
        self._leave_parent_connections_if_forked()
        return len(self._out)

    @abstractmethod
    def status(self) -> str:
        """A one-line summary of the pool's counts."""

    def __repr__(self) -> str:
        return f"<{self.status()}>"

    def serve_engine(self, dialect: PoolDialect, prepare: Callable[[Any], Any]) -> None:
        """Let one Engine use this pool: its dialect pings, resets and closes connections,
        and ``prepare(creator())`` makes each new one (``create_engine(url, pool=...)``)."""
        if self._serves_engine:
            raise ArgumentError(
                f"{self.logging_name} already serves an Engine; make a new pool for this one, "
                "or share the Engine (engine.execution_options() makes copies that share it)"
            )
        if self._opened_any:
            raise ArgumentError(
                f"{self.logging_name} has opened connections already, which the Engine did "
                "not prepare; give create_engine(pool=...) a pool that was never used"
            )
        creator = self._open_new
        self._open_new = lambda: prepare(creator())
        self._use_dialect(dialect)
        self._serves_engine = True

    def _use_dialect(self, dialect: PoolDialect) -> None:
        self._dialect = dialect
        #: The reset at check-in, and what reads the answer it left unread (None: nothing).
        self._rollback_on_return: Callable[[Any], None] = dialect.do_rollback
        self._settle: Callable[[Any], None] | None = None
        # (optional methods: a pool may be given any object with the four above)
        resets_without_waiting = getattr(dialect, "resets_without_waiting", None)
        if resets_without_waiting is not None and resets_without_waiting():
            self._rollback_on_return = getattr(dialect, "do_rollback_on_return")  # noqa: B009
            self._settle = getattr(dialect, "do_settle")  # noqa: B009

    # -- what subclasses provide ---------------------------------------------

    @abstractmethod
    def _acquire(self, handle: PoolConnection) -> ConnectionRecord:
        """Reserve a CHECKED_OUT record, set ``handle._record`` and add ``handle`` to ``_out``."""

    @abstractmethod
    def _check_in(self, record: ConnectionRecord) -> None:
        """Take back a record whose checkout just ended (reset it, pool it or close it)."""

    @abstractmethod
    def _slot_freed_locked(self, record: ConnectionRecord) -> None:
        """Account for a discarded record; called with ``_lock`` held."""

    @abstractmethod
    def _take_all_idle_locked(self) -> list[ConnectionRecord]:
        """Remove and return every idle record; called with ``_lock`` held."""

    @abstractmethod
    def _forget_all_locked(self) -> None:
        """Drop every record and reset the counts (the records now belong to a parent process)."""

    def _prepare(self, record: ConnectionRecord) -> None:
        """Make a freshly acquired record usable; StaticPool does this under its lock instead."""
        self._make_ready(record)

    # -- validation at checkout ----------------------------------------------

    def _make_ready(self, record: ConnectionRecord) -> None:
        """Open, recycle or ping-and-replace the record's connection as the settings require."""
        if record.dbapi_connection is None:
            self._open(record)
            return
        if 0 <= self._recycle < time.monotonic() - record.created_at:
            log.debug(
                "%s: recycling %s, older than %s s",
                self.logging_name,
                describe_connection(record.dbapi_connection),
                self._recycle,
            )
            self._reopen(record)
            return
        if self._settle is not None and not self._settled(record):
            self._reopen(record)
            return
        if not self._pre_ping and record.generation > self._suspect_through:
            return
        generation = self._generation
        if self._is_alive(record.dbapi_connection):
            record.generation = generation
            return
        # Connections as old as this one may be dead too: have them pinged before reuse.
        self._suspect_connections_through(record.generation)
        self._reopen(record)
        if not self._is_alive(record.dbapi_connection):
            raise DisconnectionError(
                f"{self.logging_name}: a pooled connection failed its ping and so did the new "
                "connection opened to replace it; is the database reachable?"
            )

    def _settled(self, record: ConnectionRecord) -> bool:
        """Read what the reset at check-in left unread; False if the connection failed."""
        assert self._settle is not None
        try:
            self._settle(record.dbapi_connection)
        except Exception as error:
            self._failed(record, "reading the answer to the reset", error, "replacing it")
            return False
        return True

    def _failed(self, record: ConnectionRecord, doing: str, error: Exception, then: str) -> None:
        """``doing`` failed on the record's connection: if the database dropped it, those
        opened as early get pinged before reuse; logged at DEBUG with what happens ``then``."""
        if self._is_disconnect(error):
            self._suspect_connections_through(record.generation)
        log.debug(
            "%s: %s of %s failed (%s: %s); %s",
            self.logging_name,
            doing,
            describe_connection(record.dbapi_connection),
            type(error).__name__,
            error,
            then,
        )

    def _suspect_connections_through(self, generation: int | None) -> None:
        """Have connections stamped at or before ``generation`` (None: all so far) pinged first."""
        with self._suspicion_lock:
            through = self._generation if generation is None else generation
            self._suspect_through = max(self._suspect_through, through)
            self._generation += 1

    def _is_alive(self, dbapi_connection: Any) -> bool:
        try:
            alive = bool(self._dialect.do_ping(dbapi_connection))
        except Exception as error:
            log.debug(
                "%s: ping of %s raised %s: %s",
                self.logging_name,
                describe_connection(dbapi_connection),
                type(error).__name__,
                error,
            )
            return False
        if not alive:
            log.debug(
                "%s: %s failed its ping", self.logging_name, describe_connection(dbapi_connection)
            )
        return alive

    def _open(self, record: ConnectionRecord) -> None:
        generation = self._generation
        first, self._opened_any = not self._opened_any, True
        record.dbapi_connection = self._open_new()
        record.created_at = time.monotonic()
        record.generation = generation
        if self.dispatch.connect or self.dispatch.first_connect:
            if first:
                fire(self.dispatch, "first_connect", record.dbapi_connection, record)
            fire(self.dispatch, "connect", record.dbapi_connection, record)
        log.debug("%s: opened %s", self.logging_name, describe_connection(record.dbapi_connection))

    def _reopen(self, record: ConnectionRecord) -> None:
        self._close_quietly(record)
        self._open(record)

    # -- check-in helpers ------------------------------------------------------

    def _reset(self, record: ConnectionRecord) -> bool:
        """Roll back the connection if the pool resets on return; False if that failed."""
        if not self._reset_on_return:
            return True
        try:
            if self.dispatch.reset:
                fire(self.dispatch, "reset", record.dbapi_connection, record, ResetState())
            self._rollback_on_return(record.dbapi_connection)
        except Exception as error:
            self._failed(record, "reset", error, "discarding it")
            return False
        return True

    def _is_disconnect(self, error: BaseException) -> bool:
        try:
            return bool(self._dialect.is_disconnect(error))
        except Exception:
            return False

    def _discard(self, record: ConnectionRecord) -> None:
        """Close a record's connection for good and free its slot (no-op if already final)."""
        with self._lock:
            if record.state.is_final:
                return
            record.move_to(_DISCARDED)
            self._slot_freed_locked(record)
        self._close_quietly(record)

    def _close_quietly(self, record: ConnectionRecord) -> None:
        """Close the record's DB-API connection, logging any failure; clear ``info``."""
        connection = record.dbapi_connection
        record.dbapi_connection = None
        record.info.clear()
        if connection is None:
            return
        try:
            if self.dispatch.close:
                fire(self.dispatch, "close", connection, record)
            self._dialect.do_close(connection)
        except Exception as error:
            log.debug(
                "%s: closing %s failed (%s: %s); dropped it anyway",
                self.logging_name,
                describe_connection(connection),
                type(error).__name__,
                error,
            )
        else:
            log.debug("%s: closed %s", self.logging_name, describe_connection(connection))

    def _holders_locked(self) -> list[tuple[float, CheckoutSite | None]]:
        return [(handle._checked_out_at, handle._site) for handle in self._out]

    def _describe_holders_locked(self, now: float) -> str:
        return describe_holders(self._holders_locked(), now=now)

    # -- fork safety ---------------------------------------------------------

    def _leave_parent_connections_if_forked(self) -> None:
        if self._pid != os.getpid():
            self._leave_parent_connections()

    def _leave_parent_connections(self) -> None:
        """In a forked child: forget the parent's connections without closing them."""
        with self._fork_guard:
            if self._pid == os.getpid():
                self._forks = forking.generation
                return
            # The parent's lock may have been held by a thread that does not exist here.
            self._lock = threading.Lock()
            self._suspicion_lock = threading.Lock()
            self._after_fork_new_lock()
            records = self._take_all_idle_locked()
            records += [handle._record for handle in self._out if hasattr(handle, "_record")]
            for record in records:
                if not record.state.is_final:
                    record.move_to(_LEFT_TO_PARENT)
                if record.dbapi_connection is not None:
                    self._left_to_parent.append(record.dbapi_connection)
            self._forget_all_locked()
            self._out.clear()
            parent, self._pid = self._pid, os.getpid()
            self._forks = forking.generation
        log.debug(
            "%s: process %d forked from %d; left %d connections to the parent, unclosed",
            self.logging_name,
            self._pid,
            parent,
            len(records),
        )

    def _after_fork_new_lock(self) -> None:  # optional hook, empty by default
        """Rebuild anything bound to the old ``_lock`` (QueuePool's condition)."""
