"""``AsyncDialect``: what a dialect for an asyncio driver changes in its sync dialect.

Mixed in before the database's dialect class (``class X(AsyncDialect,
PostgreSQLDialect)``): the compiler, types, features and error classification
stay the database's; connecting becomes a coroutine returning an
``AsyncDriverConnection`` (``async_bridge.py``), and the sync-driver
specialities (pipelines, server-side cursors, C row factories) are off.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from corral import exc
from corral.engine.async_bridge import AsyncDriverConnection


class AsyncDialect:
    """Mixin for the dialect of an asyncio driver."""

    is_async = True
    #: The asyncio driver's module, and the extra that installs it.
    async_driver = ""
    async_extra = ""

    def check_async_driver(self) -> None:
        """Refuse with the extra to install when the asyncio driver is missing; load the
        module whose exception classes mark driver errors."""
        if importlib.util.find_spec(self.async_driver) is None:
            raise exc.ArgumentError(
                f"The URL names the {self.async_driver} asyncio driver, which is not "
                f"installed; install it with: pip install corral[{self.async_extra}]"
            )
        self.dbapi  # type: ignore[attr-defined]  # noqa: B018 - loads the error classes

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

    #: A driver sends BEGIN and the statement as two round trips unless it pipelines.
    pipelines_begin = False

    def begins_with_statement(self) -> bool:
        """BEGIN waits for the transaction's first statement and goes out with it (one
        awaited driver call): so the bookkeeping before a statement never does I/O, and a
        statement can be run on the loop (``async_execute.py``)."""
        return True

    def do_execute_after_begin(
        self,
        dbapi_connection: Any,
        cursor: Any,
        begin_sql: str,
        sql: str,
        args: Any,
        many: bool,
        returning: bool = False,
    ) -> None:
        cursor.execute_after_begin(begin_sql, sql, args, many)

    #: The driver connections stay in the server's autocommit mode; corral sends BEGIN.
    implicit_begin = False

    def native_placeholders(self, sql: str) -> str | None:
        """The adapted connection takes the SQL as compiled (no driver cursor classes)."""
        return None

    def commits_with_statement(self, dbapi_connection: Any = None) -> bool:
        """No COMMIT behind a statement from sync code (``run_sync``, the worker thread):
        the dialect's way of writing both needs the driver's sync connection."""
        return False

    def driver_transactions(self, dbapi_connection: Any, on: bool) -> bool:
        """An adapted async connection keeps corral's BEGIN (nothing to switch)."""
        return False

    def do_rollback(self, dbapi_connection: Any) -> None:
        """ROLLBACK through the adapted connection: a sync dialect's shortcut that reads the
        driver's transaction status first needs the driver's sync connection."""
        dbapi_connection.rollback()

    def resets_without_waiting(self) -> bool:
        """Whether the asyncio pool's reset leaves the ROLLBACK's answer unread (the
        driver connection's ``reset``); statistics then count it as no round trip."""
        return False

    def set_autocommit(self, dbapi_connection: Any, autocommit: bool) -> None:
        """Nothing to switch: corral's AUTOCOMMIT level just sends no BEGIN."""

    def install_row_class(self, cursor: Any, row_class: type) -> bool:
        return False

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        return dbapi_connection.cursor()

    def adopt_connection(self, dbapi_connection: Any) -> None:
        """Driver connections are put in autocommit mode by ``connect_async``."""
