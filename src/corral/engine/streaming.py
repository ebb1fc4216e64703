"""``stream_results=True``: rows read from a server-side cursor as they are iterated.

Without it the driver reads a SELECT's whole result into memory when it runs
(psycopg, PyMySQL); with it, PostgreSQL keeps the result on the server behind a
named cursor (``DECLARE``) and MariaDB/MySQL sends rows as they are read (PyMySQL's
unbuffered cursor); SQLite's cursor already steps through the result. The Result then
fetches ``max_row_buffer`` rows per round (1000 by default), or ``yield_per(n)``'s n.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corral import exc

#: Rows fetched per round from a streamed cursor when ``max_row_buffer`` is not given.
DEFAULT_ROW_BUFFER = 1000


def row_buffer(connection_options: Mapping[str, Any], statement: Any) -> int | None:
    """The rows per fetch when the statement's result streams; None when it does not."""
    carried: Mapping[str, Any] = getattr(statement, "_execution_options", None) or {}
    if not carried and not connection_options:  # the usual case: nothing to merge or check
        return None
    options = {**connection_options, **carried}
    size = options.get("max_row_buffer")
    if not options.get("stream_results"):
        if size is not None and "stream_results" not in options:  # never asked to stream
            raise exc.ArgumentError(
                f"max_row_buffer={size!r} sizes the fetches of a streamed result; add "
                "stream_results=True, or remove max_row_buffer"
            )
        return None
    if size is None:
        return DEFAULT_ROW_BUFFER
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise exc.ArgumentError(f"max_row_buffer takes a positive number of rows, got {size!r}")
    return size


__all__ = ["DEFAULT_ROW_BUFFER", "row_buffer"]
