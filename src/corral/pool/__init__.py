"""Connection pools: QueuePool (the default), StaticPool (one shared connection), NullPool.

Each hands out ``PoolConnection`` checkouts of DB-API connections made by a
``creator`` and asks a ``PoolDialect`` to ping, roll back and close them.
"""

from corral.pool.base import CheckoutState, Pool, PoolConnection, PoolDialect
from corral.pool.queue import QueuePool
from corral.pool.static import NullPool, StaticPool

__all__ = [
    "CheckoutState",
    "NullPool",
    "Pool",
    "PoolConnection",
    "PoolDialect",
    "QueuePool",
    "StaticPool",
]
