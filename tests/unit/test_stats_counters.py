"""EngineStats and SessionStats bookkeeping, without a database."""

from __future__ import annotations

import threading

import pytest

from corral import exc
from corral.engine.stats import EngineStats, SessionStats


def test_engine_stats_sum_threads_and_keep_dead_threads_counts() -> None:
    """Each thread counts on its own counters; totals include threads that have ended."""
    stats = EngineStats()

    def work() -> None:
        for _ in range(1000):
            stats.mine().statements += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.mine().round_trips += 3
    assert stats.statements == 4000
    assert stats.round_trips == 3
    assert len(stats._all) == 1  # the ended threads' counters were folded in
    assert stats.as_dict()["statements"] == 4000


def test_engine_reset_is_a_baseline() -> None:
    """reset() zeroes the readings without touching other threads' counters."""
    stats = EngineStats()
    stats.mine().statements += 5
    stats.mine().note_retry(exc.StaleDataError("x"))
    stats.reset()
    assert stats.as_dict()["statements"] == 0
    assert stats.retry_causes == {}
    stats.mine().statements += 2
    stats.mine().note_retry(exc.DeadlockDetected(None, None, None))
    assert stats.statements == 2
    assert stats.retries == 1
    assert stats.retry_causes == {"DeadlockDetected": 1}


def test_unknown_count_name_is_an_attribute_error() -> None:
    """Asking for a count that does not exist names it."""
    with pytest.raises(AttributeError, match="no_such"):
        _ = EngineStats().no_such


def test_session_stats_as_dict_is_a_copy() -> None:
    """as_dict() copies: counting afterwards does not change a dict already taken."""
    objects: list[object] = [object()]
    stats = SessionStats(objects.__len__)
    stats.note_lazy_load("A.b")
    taken = stats.as_dict()
    stats.note_lazy_load("A.b")
    assert taken["lazy_loads"] == {"A.b": 1}
    assert stats.lazy_loads == {"A.b": 2}
    assert stats.lazy_load_total == 2
    assert taken["identity_map_size"] == 1
    stats.reset()
    assert stats.as_dict()["lazy_loads"] == {}
