"""What a ``Connection`` does about its pooled checkout when it is forked off or forgotten.

*Fork.* A Connection made before ``os.fork()`` still holds the parent's socket
and is inside the parent's transaction; in the child it refuses every use
(``ForkedConnectionError``), and ``close()`` there only forgets it (the pool
keeps the DB-API connection referenced so that nothing in the child closes it).

*Forgotten.* A Connection (or the Session using it) garbage collected without
``close()`` would keep its checkout, and its transaction and row locks, for
the life of the process. ``CheckoutReclaimer`` is a small object only the
Connection refers to: collected with it, it gives the checkout back to the pool
(rolled back, or discarded if that fails) and warns, naming where the
connection was checked out.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, NoReturn

from corral import exc
from corral.pool import forking

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.pool import PoolConnection

log = logging.getLogger("corral.engine")


def refuse_inherited(connection: Connection) -> NoReturn:
    """Raise the error for using, in a forked child, a connection the parent checked out."""
    made_in = forking.pid_of(connection._forks)
    raise exc.ForkedConnectionError(
        f"This Connection (or the Session using it) was checked out in process {made_in} "
        f"before os.fork(); process {os.getpid()} cannot use it: it is the parent's "
        "connection, inside the parent's transaction, and using it here would run "
        "statements (or a COMMIT) for the parent. Make connections and sessions after "
        "the fork: call engine.dispose(close=False) first thing in the child, then open "
        "new sessions. Drop this one (close() in the child only forgets it; the parent's "
        "connection is left open for the parent)."
    )


class CheckoutReclaimer:
    """Gives a Connection's checkout back to the pool when the Connection is collected unclosed.

    It refers to the checkout, never to the Connection, so it is in no
    reference cycle and goes the moment its Connection does. ``pooled`` is
    None whenever the Connection holds no checkout (closed, invalidated).
    """

    __slots__ = ("discard", "fork_generation", "pooled")

    pooled: PoolConnection | None
    discard: bool
    fork_generation: int

    def __init__(self, fork_generation: int) -> None:
        self.pooled = None
        #: Set when the connection's session state changed (isolation level): close, not keep.
        self.discard = False
        self.fork_generation = fork_generation

    def __del__(self) -> None:
        pooled = self.pooled
        if pooled is None or self.fork_generation != forking.generation:
            return  # given back already, or the parent's (never touched in a child)
        self.pooled = None
        if sys.is_finalizing():
            return  # the interpreter is exiting: the server ends the session on disconnect
        try:
            pooled._pool.reclaim(pooled, discard=self.discard)
        except Exception:  # a finalizer must not raise; the pool logs what it could not do
            log.exception("corral: could not give back a garbage-collected connection")
        warnings.warn(leak_message(pooled), leak_category(pooled), stacklevel=2)


def leak_category(pooled: PoolConnection) -> type[exc.ConnectionLeakWarning]:
    """SessionLeakWarning when a Session (or an extension's session) made the checkout."""
    site = pooled._site
    if site is not None and (site.entered_through("orm") or site.entered_through("ext")):
        return exc.SessionLeakWarning
    return exc.ConnectionLeakWarning


def leak_message(pooled: PoolConnection) -> str:
    """Who leaked the checkout, what was done about it and where it was checked out."""
    held = time.monotonic() - pooled._checked_out_at
    owner, where = describe_site(pooled)
    return (
        f"{owner} was garbage collected without close() while holding a pooled connection "
        f"(checked out {held:.2f} s before); corral rolled back what it left open and gave "
        "the connection back to the pool (closing it instead if the rollback failed). Close "
        "sessions and connections when done (a `with` block does it). The connection was "
        "checked out at: "
        f"{where}"
    )


def describe_site(pooled: PoolConnection) -> tuple[str, str]:
    """``("A Session" or "A Connection", where and by which thread it was checked out)``."""
    site = pooled._site
    if site is None:
        where = "(checkout site not recorded: the pool has track_checkouts=False)"
        owner = "A Connection or Session"
    else:
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        thread = names.get(site.thread_id)
        by = f"thread {thread!r}" if thread else f"thread {site.thread_id} (since ended)"
        via = site.entry_name()
        where = f"{site.describe()}" + (f" (via {via})" if via else "") + f", by {by}"
        owner = "A Session" if leak_category(pooled) is exc.SessionLeakWarning else "A Connection"
    return owner, where
