"""What a Session or an Engine cost: statements, round trips, rows, time in the database.

``session.stats`` and ``engine.stats`` are always on. Counting is a few integer
additions on slotted objects per statement, with no lock on the way:

- a Session is used by one thread at a time, so its ``SessionStats`` is plain;
- an Engine is shared by threads, so each thread counts into its own
  ``Counters`` (a ``threading.local``); reading ``engine.stats`` sums them
  (a lock is taken only when a thread counts for the first time, and on read).

``reset()`` starts the counts again from zero; ``as_dict()`` gives them as a
plain dict for a log line. Round trips count the requests that reach the
database (``docs/statistics.md`` lists what is one).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

#: The counters an Engine and a Session both keep, in ``as_dict()`` order.
_NUMBERS = (
    "statements",
    "round_trips",
    "rows_fetched",
    "db_time",
    "pool_waits",
    "pool_wait_time",
    "slow_statements",
    "deadline_round_trips",
)
_ZEROS = tuple(0.0 if name.endswith("time") else 0 for name in _NUMBERS)


class Counters:
    """The database-side counts of one thread (engine) or one session."""

    __slots__ = (
        "db_time",
        "deadline_round_trips",
        "pool_wait_time",
        "pool_waits",
        "retries",
        "retry_causes",
        "round_trips",
        "rows_fetched",
        "slow_statements",
        "statements",
    )

    def __init__(self) -> None:
        self.statements = 0
        self.round_trips = 0
        self.rows_fetched = 0
        self.db_time = 0.0
        self.pool_waits = 0
        self.pool_wait_time = 0.0
        self.slow_statements = 0
        self.deadline_round_trips = 0
        #: Transactions run again by ``run_transaction``, and the errors that caused them.
        self.retries = 0
        self.retry_causes: dict[str, int] = {}

    def add_into(self, total: dict[str, Any]) -> None:
        for name in _NUMBERS:
            total[name] += getattr(self, name)
        total["retries"] += self.retries
        causes: dict[str, int] = total["retry_causes"]
        for cause, count in self.retry_causes.items():
            causes[cause] = causes.get(cause, 0) + count

    def note_retry(self, error: BaseException) -> None:
        if self.retry_causes is _NONE_YET:
            self.retry_causes = {}
        self.retries += 1
        cause = type(error).__name__
        self.retry_causes[cause] = self.retry_causes.get(cause, 0) + 1


#: The dict a new SessionStats starts with: read-only, replaced on first count.
_NONE_YET: dict[str, int] = {}


def _empty() -> dict[str, Any]:
    total: dict[str, Any] = dict(zip(_NUMBERS, _ZEROS, strict=True))
    total["retries"] = 0
    total["retry_causes"] = {}
    return total


class SessionStats(Counters):
    """What one Session cost since it was made (or since ``reset()``).

    Besides the database counts: ``objects_loaded`` (rows turned into objects by
    ORM queries), ``flushes`` (flushes that had changes to write), ``lazy_loads``
    (per relationship, ``"Class.attribute"``) and ``identity_map_size`` (now).
    """

    __slots__ = ("_identity_map_size", "flushes", "lazy_loads", "objects_loaded")

    def __init__(self, identity_map_size: Callable[[], int]) -> None:
        # Made with every Session: assigned flat, the dicts shared until first written to.
        self.statements = self.round_trips = self.rows_fetched = 0
        self.db_time = self.pool_wait_time = 0.0
        self.pool_waits = self.slow_statements = self.deadline_round_trips = 0
        self.retries = self.objects_loaded = self.flushes = 0
        self.retry_causes = self.lazy_loads = _NONE_YET
        self._identity_map_size = identity_map_size

    def reset(self) -> None:
        """Start every count again from zero."""
        self.__init__(self._identity_map_size)  # type: ignore[misc]

    @property
    def identity_map_size(self) -> int:
        """How many objects the session's identity map holds now."""
        return self._identity_map_size()

    @property
    def lazy_load_total(self) -> int:
        return sum(self.lazy_loads.values())

    def note_lazy_load(self, name: str) -> None:
        if self.lazy_loads is _NONE_YET:
            self.lazy_loads = {}
        self.lazy_loads[name] = self.lazy_loads.get(name, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """The counts as a plain dict (copies: later counting does not change it)."""
        total = _empty()
        self.add_into(total)
        total["objects_loaded"] = self.objects_loaded
        total["flushes"] = self.flushes
        total["lazy_loads"] = dict(self.lazy_loads)
        total["identity_map_size"] = self.identity_map_size
        return total

    def __repr__(self) -> str:
        return f"<SessionStats {self.as_dict()}>"


class EngineStats:
    """What an Engine's connections cost, over all threads, since it was made or reset."""

    __slots__ = ("_all", "_baseline", "_local", "_lock", "_pool", "_retired")

    def __init__(self, pool: Any = None) -> None:
        #: The engine's pool, which counts the waits for a connection itself (under its lock).
        self._pool = pool
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Each live thread's counters, with the thread (dead threads' are folded in).
        self._all: list[tuple[threading.Thread, Counters]] = []
        self._retired = _empty()
        self._baseline = _empty()

    def mine(self) -> Counters:
        """This thread's counters (made on first use)."""
        try:
            counters: Counters = self._local.counters
        except AttributeError:
            counters = self._local.counters = Counters()
            with self._lock:
                self._all.append((threading.current_thread(), counters))
        return counters

    def _totals(self) -> dict[str, Any]:
        with self._lock:
            alive = []
            for thread, counters in self._all:
                if thread.is_alive():
                    alive.append((thread, counters))
                else:  # its counts stay in the totals; its counters can go
                    counters.add_into(self._retired)
            self._all = alive
            total = _empty()
            for name, value in self._retired.items():
                total[name] = dict(value) if isinstance(value, dict) else value
            for _, counters in alive:
                counters.add_into(total)
        total["pool_waits"] += getattr(self._pool, "waits", 0)
        total["pool_wait_time"] += getattr(self._pool, "wait_time", 0.0)
        return total

    def as_dict(self) -> dict[str, Any]:
        """The counts since creation or ``reset()``, summed over threads, as a plain dict."""
        total = self._totals()
        base = self._baseline
        for name in _NUMBERS:
            total[name] -= base[name]
        total["retries"] -= base["retries"]
        causes = total["retry_causes"]
        for cause, count in base["retry_causes"].items():
            left = causes.get(cause, 0) - count
            if left:
                causes[cause] = left
            else:
                causes.pop(cause, None)
        return total

    def reset(self) -> None:
        """Count from zero again (other threads' counters are left alone: the totals so
        far become the baseline that readings subtract)."""
        self._baseline = self._totals()

    def __getattr__(self, name: str) -> Any:
        if name in _NUMBERS or name in ("retries", "retry_causes"):
            return self.as_dict()[name]
        raise AttributeError(f"EngineStats has no count named {name!r}")

    def __repr__(self) -> str:
        return f"<EngineStats {self.as_dict()}>"
