"""``AsyncDialect``: what a dialect for an asyncio driver changes in its sync dialect.

Mixed in before the database's dialect class (``class X(AsyncDialect,
PostgreSQLDialect)``): the compiler, types, features and error classification
stay the database's; connecting becomes a coroutine returning an
``AsyncDriverConnection`` (``async_bridge.py``), and the sync-driver
specialities (pipelines, server-side cursors, C row factories) are off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corral import exc
from corral.engine.async_bridge import AsyncDriverConnection


class AsyncDialect:
    """Mixin for the dialect of an asyncio driver."""

    is_async = True

    async def connect_async(self, connect_args: Mapping[str, Any]) -> AsyncDriverConnection:
        """A new connection of the driver, in corral's autocommit-plus-BEGIN mode."""
        raise NotImplementedError

    def connect(self, connect_args: Mapping[str, Any]) -> Any:
        driver = getattr(self, "driver_extra", None) or getattr(self, "driver", "")
        raise exc.ArgumentError(
            f"{driver} is an asyncio driver: create the engine with "
            "corral.ext.asyncio.create_async_engine(url) and use it with await, or pick a "
            f"synchronous driver for create_engine() (e.g. drop '+{driver}' from the URL)"
        )

    def begins_with_statement(self) -> bool:
        return False

    def install_row_class(self, cursor: Any, row_class: type) -> bool:
        return False

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        return dbapi_connection.cursor()

    def adopt_connection(self, dbapi_connection: Any) -> None:
        """Driver connections are put in autocommit mode by ``connect_async``."""
