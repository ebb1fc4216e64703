"""Pausing the cyclic garbage collector while many objects are built (pure; no corral imports).

Rows, loaded objects and an executemany's converted parameter sets are containers
the collector tracks, so building tens of thousands of them triggers repeated
collections that rescan every live object. None of them can be garbage yet, so
pausing the collector only saves work; when it resumes they go straight to the
oldest generation (``_promote_young``).
A depth count under a lock makes nested and concurrent pauses restore the
collector exactly once, and only if it was enabled to begin with.
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType

#: Batches of at least this many rows, objects or parameter sets are built with the collector
#: paused.
PAUSE_AT = 2000


class CollectorPause:
    """A re-entrant, thread-safe pause of the cyclic garbage collector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                _promote_young()
                gc.enable()


def _promote_young() -> None:
    """Move the objects built during the pause to the oldest generation unscanned.

    Re-enabled, the collector would otherwise scan all of them at the next allocation
    (they count as young), only to find them alive: about a tenth of the time of loading
    50,000 objects. ``freeze()`` then ``unfreeze()`` moves every tracked object to the
    oldest generation without looking at it; a full collection still examines them.
    Skipped when the program keeps objects frozen itself (a server freezing its start-up
    objects before it forks): ``unfreeze()`` would release those too.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


#: The one pause every module shares, so concurrent loads nest instead of racing.
collector_pause = CollectorPause()
