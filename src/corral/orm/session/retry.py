"""Running a unit of work as a transaction that is retried when the database asks for it.

Serialization failures, deadlocks, lock timeouts, snapshot conflicts, a busy
SQLite database and stale optimistic versions all mean the same thing: the
work was sound but collided with another transaction, and running it again
from the start, in a fresh session, may succeed. So do a transaction lost with
its connection and a server that refused to connect (down or restarting): the
backoff gives it time to come back, within the ``retries`` budget. A "commit outcome unknown"
error is never retried: the first attempt may have been saved.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from corral import exc

if TYPE_CHECKING:
    from corral.engine.stats import EngineStats
    from corral.orm.session.session import Session

R = TypeVar("R")
S = TypeVar("S", bound="Session")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits up to ``base * 2**(n-1)``, capped."""

    base: float = 0.005
    cap: float = 0.5
    jitter: bool = True

    def __call__(self, attempt: int) -> float:
        delay = min(self.cap, self.base * (2 ** (attempt - 1)))
        return random.uniform(delay / 2, delay) if self.jitter else delay


def is_retryable(error: BaseException) -> bool:
    """Whether running the whole transaction again may succeed."""
    if isinstance(error, exc.CommitOutcomeUnknownError):
        return False
    return isinstance(error, exc.RetryableError)


def _note_retry(session: Session, error: BaseException) -> None:
    """Count a retry, and its cause, in the stats of the engine ``session`` is bound to."""
    try:
        bind = session.get_bind()
    except exc.CorralError:  # bound per mapper only: no one engine to count it for
        return
    stats: EngineStats | None = getattr(getattr(bind, "engine", bind), "stats", None)
    if stats is not None:
        stats.mine().note_retry(error)


def run_transaction(
    make_session: Callable[[], S],
    work: Callable[[S], R],
    *,
    retries: int = 5,
    backoff: Callable[[int], float] | None = None,
    on_retry: Callable[[int, BaseException], object] | None = None,
) -> R:
    """Call ``work(session)`` in a new session and commit; retry on a retryable error.

    Each attempt gets a fresh session. After ``retries`` retries the last error
    is raised, with the number of attempts added to its notes and as
    ``error.attempts``.
    """
    if retries < 0:
        raise exc.ArgumentError(f"retries must be 0 or more, got {retries}")
    wait = backoff if backoff is not None else Backoff()
    attempt = 0
    causes: list[BaseException] = []
    while True:
        attempt += 1
        session = make_session()
        for cause in causes:  # this attempt's stats say what made the earlier ones fail
            session.stats.note_retry(cause)
        try:
            result = work(session)
            session.commit()
            return result
        except BaseException as error:
            session.rollback()
            if not is_retryable(error) or attempt > retries:
                if is_retryable(error):
                    error.attempts = attempt  # type: ignore[attr-defined]
                    error.add_note(f"corral: gave up after {attempt} attempts")
                raise
            causes.append(error)
            _note_retry(session, error)
            if on_retry is not None:
                on_retry(attempt, error)
        finally:
            session.close()
        time.sleep(wait(attempt))
