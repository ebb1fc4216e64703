"""MariaDB Galera Cluster: ``wsrep_sync_wait``, corral's connect option for reading one's
writes on any node.

Galera replicates a commit to every node before the commit returns, but the other nodes
apply it a moment later: a read on node 2 just after a commit on node 1 may not see it yet.
The server's session variable ``wsrep_sync_wait`` makes a read wait until the node has
applied everything the cluster committed before it began (a bit mask: 1 for reads, 2 for
UPDATE and DELETE, 4 for INSERT and REPLACE, 8 for SHOW; 15 for all).
``create_engine("mariadb://...?wsrep_sync_wait=1")`` (or ``connect_args={"wsrep_sync_wait":
1}``) sets it on every connection the engine opens, through the driver's ``init_command``.

Certification conflicts (two nodes committing changes to the same row at once: the later
one is refused with error 1213, ER_LOCK_DEADLOCK) are ``DeadlockDetected`` errors, which
``run_transaction`` retries; see ``errors.py``.
"""

from __future__ import annotations

from typing import Any

from corral import exc

#: The connect option corral adds (not a PyMySQL keyword).
SYNC_WAIT = "wsrep_sync_wait"
#: The largest mask the server takes (every kind of statement waits).
_MAX_MASK = 15


def check_sync_wait(args: dict[str, Any]) -> None:
    """Refuse a ``wsrep_sync_wait`` that is not a mask from 0 to 15, or one given together
    with ``init_command`` (which it would replace)."""
    if SYNC_WAIT not in args:
        return
    value = args[SYNC_WAIT]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_MASK:
        raise exc.ArgumentError(
            f"wsrep_sync_wait must be a bit mask from 0 to {_MAX_MASK} (1: reads wait for the "
            f"cluster's earlier commits), got {value!r}"
        )
    if args.get("init_command"):
        raise exc.ArgumentError(
            "wsrep_sync_wait is set through the driver's init_command, and init_command is "
            "given too: drop wsrep_sync_wait and add "
            f"'SET SESSION wsrep_sync_wait = {value}' to your init_command instead"
        )


def apply_sync_wait(args: dict[str, Any]) -> None:
    """Turn ``wsrep_sync_wait`` in ``args`` (the driver's connect keywords) into the
    ``init_command`` that sets it on each new connection."""
    if SYNC_WAIT in args:
        check_sync_wait(args)
        args["init_command"] = f"SET SESSION wsrep_sync_wait = {int(args.pop(SYNC_WAIT))}"
