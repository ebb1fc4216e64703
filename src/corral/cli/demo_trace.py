"""Watching the demo: counting statements, and tracing the life of one request."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_ENGINE_LOGGER = logging.getLogger("corral.engine")
_SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")


class StatementCounter(logging.Handler):
    """Counts the statements corral sends, per thread, from the engine's log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: dict[int, int] = {}
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(_SQL_VERBS):
            with self._lock:
                self.counts[record.thread or 0] = self.counts.get(record.thread or 0, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RequestTrace:
    """Steps of one request, in order, with the SQL the engine sent between them."""

    pool: Any
    thread: int = field(default_factory=threading.get_ident)
    steps: list[tuple[float, str]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def note(self, what: str) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        self.steps.append((elapsed, what))

    def pool_state(self) -> str:
        return f"{self.pool.checkedout()} connection(s) checked out of the pool"


class TraceHandler(logging.Handler):
    """Adds the traced thread's SQL to its ``RequestTrace``."""

    def __init__(self, trace: RequestTrace) -> None:
        super().__init__(logging.INFO)
        self.trace = trace
        self.first = True

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.trace.thread:
            return
        message = record.getMessage()
        if message.startswith("["):
            return
        if self.first:
            self.first = False
            self.trace.note(f"connection checked out ({self.trace.pool_state()})")
        elif message.startswith("BEGIN"):
            # SQLite: reads ran without a database transaction; the first write begins it.
            self.trace.note("first write: the database transaction begins (SQLite's write lock)")
        self.trace.note(f"SQL  {message[:110]}")


def watch(handler: logging.Handler) -> None:
    _ENGINE_LOGGER.addHandler(handler)
    if _ENGINE_LOGGER.level == logging.NOTSET or _ENGINE_LOGGER.level > logging.INFO:
        _ENGINE_LOGGER.setLevel(logging.INFO)
    _ENGINE_LOGGER.propagate = False


def unwatch(handler: logging.Handler) -> None:
    _ENGINE_LOGGER.removeHandler(handler)
    if not _ENGINE_LOGGER.handlers:
        _ENGINE_LOGGER.setLevel(logging.NOTSET)
        _ENGINE_LOGGER.propagate = True
