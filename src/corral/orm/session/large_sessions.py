"""Long sessions: ``Session(identity_map_warn=N)``, one warning when a session holds more
than N objects, and ``Session(weak_identity_map=False)``, a map that holds every object.

The identity map is weak by default (mapping/identity_map.py): it holds unchanged
persistent objects weakly, so a read loop that drops its references stays bounded, as
in SQLAlchemy 2.0. ``weak_identity_map=False`` makes it a plain dict that keeps every
object the session loaded until it is closed, so a long-lived session that reads in a
loop grows without bound. With ``identity_map_warn`` set, the session records where it
was created and, the first time its identity map holds more than N objects after a
query or a flush, warns with the count and that place (``LargeSessionWarning``).
Without it, nothing is recorded or checked.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

from corral import exc
from corral.orm.mapping.identity_map import IdentityMap
from corral.pool.checkout_site import CORRAL_DIR, CheckoutSite, capture_site

if TYPE_CHECKING:
    from corral.orm.session.session import Session


class SizeWatch:
    """The threshold, the creation site and whether the warning was given (once)."""

    __slots__ = ("limit", "site", "warned")

    def __init__(self, limit: object) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise exc.ArgumentError(
                f"Session(identity_map_warn=...) must be a number of objects >= 1 (or None: "
                f"no warning), got {limit!r}"
            )
        self.limit = limit
        self.site: CheckoutSite = capture_site()
        self.warned = False

    def check(self, session: Session) -> None:
        """Warn the first time the session's identity map holds more than ``limit`` objects."""
        if self.warned or len(session.identity_map.entries) <= self.limit:
            return  # (the entries of a weak map overcount: dead ones wait for a sweep)
        count = len(session.identity_map)
        if count <= self.limit:
            return
        self.warned = True
        if session.identity_map.weak:
            why = (
                "Its map is weak (the default), so these objects are still "
                "referenced by your program or have changes not yet committed: drop the "
                "references you no longer need, or commit more often"
            )
        else:
            why = (
                "With weak_identity_map=False a session keeps every object it loaded until "
                "close(), expunge() or expunge_all(), so a long session that keeps reading "
                "grows without bound: use one session per unit of work, expunge_all() between "
                "batches, or leave weak_identity_map at its default (True), which lets go of "
                "unchanged objects you no longer reference"
            )
        warnings.warn(
            f"This Session holds {count} objects in its identity map, more than "
            f"identity_map_warn={self.limit}. {why} (warned once per session). The session "
            "was created at: "
            f"{self.site.describe()}",
            exc.LargeSessionWarning,
            stacklevel=_caller_level(),
        )


def strong_map(flag: object) -> IdentityMap:
    """The identity map of ``Session(weak_identity_map=flag)`` when ``flag`` is not True."""
    if flag is not False:
        raise exc.ArgumentError(
            f"Session(weak_identity_map=...) must be True (the default: unchanged objects you "
            f"no longer reference leave the session) or False (it keeps every object until "
            f"close()), got {flag!r}"
        )
    return IdentityMap()


def watch_for(limit: int | None) -> SizeWatch | None:
    """What ``Session(identity_map_warn=limit)`` keeps: nothing when ``limit`` is None."""
    return None if limit is None else SizeWatch(limit)


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside corral."""
    frame = sys._getframe(2)  # warnings.warn's caller is level 1
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(CORRAL_DIR):
        frame = frame.f_back
        level += 1
    return level


def check_size(session: Session) -> None:
    """After a load or a flush: the size check, when the session has one."""
    watch = session._size_watch
    if watch is not None:
        watch.check(session)
