"""A statement with RETURNING executed with several parameter sets: one row per set.

A plain DB-API ``executemany`` keeps at most the last set's rows (or none), so
the connection comes here instead when the statement returns rows. The
dialect's ``features.executemany_returning`` decides how:

- ``driver``: the driver's own executemany keeps each set's result (psycopg 3,
  ``returning=True``, pipelined into about one round trip); read in order.
- ``multi_values``: a single-row INSERT's ``(...)`` group is repeated into
  ``VALUES (...), (...), ...`` (as many sets as the bind-parameter limit allows
  per statement, ``insert_many.py``), one round trip per chunk. Rows come back in VALUES order on
  MariaDB, which corral's flush also relies on, though MariaDB's documentation
  does not promise it. Other statements fall back to ``per_row``.
- ``multi_values_by_key``: as ``multi_values``, for an INSERT whose RETURNING
  carries the table's integer key and which leaves that key to the database
  (``Compiled.generated_key_at``): each chunk's rows are sorted by it. SQLite's
  documentation leaves the order of RETURNING rows unspecified, but it numbers
  the rows of one INSERT in VALUES order (one writer at a time, each new key one
  above the largest): sorted by key, the rows are in parameter order. Should a
  chunk's keys not run consecutively (a table whose largest key reached the
  maximum gets random ones), the order is unknown and the call fails. Other
  statements fall back to ``per_row``.
- ``per_row``: one execution per set, in parameter order. SQLite runs in the
  process, so this costs no network round trips.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.insert_many import chunks, rows_per_statement
from corral.engine.result import BufferedRows, Result
from corral.engine.row import statement_row_class

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.sql.compiler.compiled import Compiled


def wants_rows_per_set(compiled: Compiled) -> bool:
    """Whether an executemany of ``compiled`` must keep rows: DML with an explicit RETURNING."""
    return (
        compiled.kind in ("insert", "update", "delete")
        and bool(compiled.result_keys)
        and not compiled.implicit_returning
    )


def execute_returning_many(
    connection: Connection, compiled: Compiled, args: Sequence[Any], write_lock: bool
) -> Result:
    """Execute ``compiled`` once per parameter set in ``args``; a Result of every row."""
    strategy = connection.dialect.features.executemany_returning
    if strategy == "driver":
        rows, rowcount = _driver(connection, compiled.sql, args, write_lock)
    elif strategy == "multi_values" and compiled.values_span is not None:
        rows, rowcount = _multi_values(connection, compiled, args, write_lock)
    elif strategy == "multi_values_by_key" and compiled.generated_key_at is not None:
        key_at = compiled.generated_key_at
        rows, rowcount = _multi_values(connection, compiled, args, write_lock, key_at)
    else:
        rows, rowcount = _per_row(connection, compiled.sql, args, write_lock)
    return Result(
        BufferedRows(rows),
        compiled.result_keys,
        compiled.result_processors,
        rowcount=rowcount,
        meter=connection._meter,
        row_type=statement_row_class(compiled.result_keys, compiled.result_objects),
    )


def _fetch(connection: Connection, cursor: Any, sql: str, args: Any) -> list[Any]:
    try:
        rows: list[Any] = cursor.fetchall()
    except BaseException as error:
        with contextlib.suppress(Exception):
            cursor.close()
        raise connection._translate(error, sql, args) from error
    return rows


def _driver(
    connection: Connection, sql: str, args: Sequence[Any], write_lock: bool
) -> tuple[list[Any], int]:
    cursor = connection._cursor_execute(sql, args, True, write_lock, returning=True)
    rows: list[Any] = []
    try:
        while True:
            rows.extend(_fetch(connection, cursor, sql, args))
            if not cursor.nextset():
                break
    finally:
        cursor.close()
    return rows, len(args)


def _per_row(
    connection: Connection, sql: str, args: Sequence[Any], write_lock: bool
) -> tuple[list[Any], int]:
    rows: list[Any] = []
    rowcount = 0
    for one in args:
        cursor = connection._cursor_execute(sql, one, False, write_lock)
        try:
            rows.extend(_fetch(connection, cursor, sql, one))
            rowcount += max(cursor.rowcount, 0)
        finally:
            cursor.close()
        write_lock = False
    return rows, rowcount


def _multi_values(
    connection: Connection,
    compiled: Compiled,
    args: Sequence[Any],
    write_lock: bool,
    key_at: int | None = None,
) -> tuple[list[Any], int]:
    """Multi-row INSERTs; with ``key_at``, each chunk's rows sorted by the key there."""
    assert compiled.values_span is not None
    start, end = compiled.values_span
    sql = compiled.sql
    parts = sql[:start], sql[start:end], sql[end:]
    per_statement = rows_per_statement(connection.dialect.features, len(args[0]))
    rows: list[Any] = []
    rowcount = 0
    for chunk_sql, flat in chunks(parts, args, per_statement):
        cursor = connection._cursor_execute(chunk_sql, flat, False, write_lock, compiled.kind)
        try:
            fetched = _fetch(connection, cursor, chunk_sql, flat)
            rowcount += max(cursor.rowcount, 0)
        finally:
            cursor.close()
        if key_at is not None:
            fetched = _in_key_order(fetched, key_at, chunk_sql)
        rows.extend(fetched)
        write_lock = False
    return rows, rowcount


def _in_key_order(rows: list[Any], key_at: int, sql: str) -> list[Any]:
    """``rows`` sorted by the generated key at ``key_at``, which must run consecutively."""
    ordered = sorted(rows, key=lambda row: row[key_at])
    if ordered and ordered[-1][key_at] - ordered[0][key_at] != len(ordered) - 1:
        raise exc.InvalidRequestError(
            f"The {len(ordered)} rows of one multi-row INSERT got keys that do not run "
            f"consecutively ({ordered[0][key_at]} to {ordered[-1][key_at]}), so the order "
            "of its RETURNING rows is unknown (the table's largest key may have reached the "
            f"maximum, after which SQLite picks keys at random): {sql[:200]!r}. Execute the "
            "parameter sets one at a time, or give the keys yourself"
        )
    return ordered
