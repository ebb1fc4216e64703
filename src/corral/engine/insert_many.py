"""An INSERT executed with many parameter sets, as INSERTs of many rows each.

``conn.execute(insert(t), [p1, p2, ...])``, the flush's batches and the ORM's bulk
INSERTs all arrive here when the statement returns no rows. Instead of the driver's
``executemany`` (one statement per set for the database to parse and run: psycopg
pipelines them, but the server still runs each), the statement's row of values is
repeated: ``INSERT INTO t (a, b) VALUES (?, ?), (?, ?), ...``, as many sets per
statement as the database's bind-parameter limit allows (at most
``MAX_ROWS_PER_STATEMENT``). SQLAlchemy calls the same idea "insertmanyvalues".

The chunks run in parameter order inside the connection's transaction, so the rows
are those the sets would have made one by one; an upsert never comes here (see
``Compiled.many_values``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from corral.engine.result import Result

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.sql.features import Features

#: Most parameter sets one multi-row INSERT carries, whatever the bind limit allows.
MAX_ROWS_PER_STATEMENT = 1000


def rows_per_statement(features: Features, width: int) -> int:
    """How many parameter sets of ``width`` values one statement may carry."""
    return max(1, min(MAX_ROWS_PER_STATEMENT, features.max_bind_params // max(1, width)))


def chunks(
    parts: tuple[str, str, str], args: Sequence[Sequence[Any]], per_statement: int
) -> Iterator[tuple[str, list[Any]]]:
    """(SQL, flat parameters) of each multi-row statement, in parameter order.

    ``parts`` is (head, row, tail); full chunks share one SQL string."""
    head, row, tail = parts
    full = ""
    for first in range(0, len(args), per_statement):
        chunk = args[first : first + per_statement]
        if len(chunk) == per_statement:
            full = full or head + ", ".join([row] * per_statement) + tail
            sql = full
        else:
            sql = head + ", ".join([row] * len(chunk)) + tail
        yield sql, list(chain.from_iterable(chunk))


def statements(
    connection: Connection, parts: tuple[str, str, str], args: Sequence[Sequence[Any]]
) -> Iterator[tuple[str, list[Any]]]:
    """The multi-row statements of ``args`` on ``connection``'s database, in order."""
    per_statement = rows_per_statement(connection.dialect.features, len(args[0]))
    return chunks(parts, args, per_statement)


def execute_many_rows(
    connection: Connection,
    parts: tuple[str, str, str],
    args: Sequence[Sequence[Any]],
    write_lock: bool,
    kind: str = "insert",
) -> Result:
    """Run every parameter set in ``args`` as multi-row statements of ``kind``: an INSERT's
    (``Compiled.many_values``) or an UPDATE's joined to its values (``Compiled.many_update``,
    see update_many.py); a Result with the total rowcount.

    Where the driver has a cursor that takes the database's own placeholders
    (``dialect.native_placeholders``), each statement's SQL is given to it in that form,
    written once for the full chunks: the driver parses none of them. Not when a
    listener on the connection would see the SQL (it expects it as compiled)."""
    dialect = connection.dialect
    listening = connection.dispatch.listening
    natives: dict[str, str | None] = {}
    rowcount = 0
    for sql, flat in statements(connection, parts, args):
        native = None
        if not listening:
            if sql not in natives:
                natives[sql] = dialect.native_placeholders(sql)
            native = natives[sql]
        if native is not None:
            cursor = connection._cursor_execute(native, flat, False, write_lock, kind, native=True)
        else:
            cursor = connection._cursor_execute(sql, flat, False, write_lock, kind)
        rowcount += max(cursor.rowcount, 0)
        cursor.close()
        write_lock = False
    return Result(None, (), rowcount=rowcount)
