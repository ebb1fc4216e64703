"""``create_engine(echo="debug")``: the rows each statement returns are logged too.

The cursor of a statement that returns rows is wrapped so that every row fetched from it
is logged at DEBUG on the ``corral.engine`` logger (``echo=True`` logs statements only).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from corral.engine.log import logger


class RowLoggingCursor:
    """A DB-API cursor whose fetched rows are logged; everything else is the cursor's."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._headed = False

    def _log(self, rows: list[Any]) -> list[Any]:
        if not self._headed and self._cursor.description:
            self._headed = True
            logger.debug("Col %r", tuple(d[0] for d in self._cursor.description))
        for row in rows:
            logger.debug("Row %r", tuple(row))
        return rows

    def fetchone(self) -> Any:
        row = self._cursor.fetchone()
        if row is not None:
            self._log([row])
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._cursor.fetchmany() if size is None else self._cursor.fetchmany(size)
        return self._log(list(rows))

    def fetchall(self) -> list[Any]:
        return self._log(list(self._cursor.fetchall()))

    def __iter__(self) -> Iterator[Any]:
        for row in self._cursor:
            self._log([row])
            yield row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def wrap(cursor: Any) -> Any:
    """``cursor``, logging its rows if it returns any."""
    return RowLoggingCursor(cursor) if cursor.description else cursor


__all__ = ["RowLoggingCursor", "wrap"]
