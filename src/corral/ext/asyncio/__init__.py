"""corral.ext.asyncio: the asyncio API (SQLAlchemy's ``sqlalchemy.ext.asyncio`` names).

Built on the sync engine and ORM run in worker threads whose I/O is awaited on
the event loop (``runner.py``, ``corral.engine.async_bridge``); no greenlet.
May import every layer below ``ext``.
"""

from corral.ext.asyncio.attrs import AsyncAttrs
from corral.ext.asyncio.create import (
    async_engine_from_config,
    create_async_engine,
    create_async_pool_from_url,
)
from corral.ext.asyncio.engine import AsyncConnection, AsyncEngine, AsyncTransaction
from corral.ext.asyncio.result import (
    AsyncMappingResult,
    AsyncResult,
    AsyncScalarResult,
    AsyncTupleResult,
)
from corral.ext.asyncio.retry import run_transaction
from corral.ext.asyncio.scoping import async_scoped_session
from corral.ext.asyncio.session import (
    AsyncSession,
    AsyncSessionTransaction,
    async_object_session,
    async_session,
    async_sessionmaker,
    close_all_sessions,
)

__all__ = [
    "AsyncAttrs",
    "AsyncConnection",
    "AsyncEngine",
    "AsyncMappingResult",
    "AsyncResult",
    "AsyncScalarResult",
    "AsyncSession",
    "AsyncSessionTransaction",
    "AsyncTransaction",
    "AsyncTupleResult",
    "async_engine_from_config",
    "async_object_session",
    "async_scoped_session",
    "async_session",
    "async_sessionmaker",
    "close_all_sessions",
    "create_async_engine",
    "create_async_pool_from_url",
    "run_transaction",
]
