"""corral.ext.asyncio: the asyncio API (SQLAlchemy's ``sqlalchemy.ext.asyncio`` names).

Built on the sync engine and ORM run in worker threads whose I/O is awaited on
the event loop (``runner.py``, ``corral.engine.async_bridge``); no greenlet.
May import every layer below ``ext``.
"""

from corral.ext.asyncio.engine import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)
from corral.ext.asyncio.result import AsyncMappingResult, AsyncResult, AsyncScalarResult

__all__ = [
    "AsyncConnection",
    "AsyncEngine",
    "AsyncMappingResult",
    "AsyncResult",
    "AsyncScalarResult",
    "AsyncTransaction",
    "create_async_engine",
]
