"""How many ``os.fork()`` calls separate this process from the one that imported corral.

A connection remembers ``generation`` when it is made; comparing that int with
the current one tells, for the price of an attribute read, whether it was
inherited from a parent process (whose socket and transaction it still
carries). ``os.getpid()`` would tell the same with a system call per check.
Forks made below Python (a C library calling ``fork()`` itself) do not run
``os.register_at_fork`` hooks; the pool's own ``os.getpid()`` test at checkout
still catches those.
"""

from __future__ import annotations

import os

#: Incremented in the child by every ``os.fork()``.
generation = 0
#: The process id in each generation: ``_pids[g]`` ran generation ``g``.
_pids = [os.getpid()]


def pid_of(fork_generation: int) -> int:
    """The process id that ran ``fork_generation`` (the one a connection was made in)."""
    return _pids[fork_generation]


def _after_fork_in_child() -> None:
    # Runs in the only thread of the new child: no lock to take, nothing to close.
    global generation
    generation += 1
    _pids.append(os.getpid())


os.register_at_fork(after_in_child=_after_fork_in_child)
