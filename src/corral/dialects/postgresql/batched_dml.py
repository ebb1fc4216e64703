"""An UPDATE or DELETE with many parameter sets on psycopg2, in few round trips.

psycopg2's ``executemany`` sends one statement per set and waits for each, and
its ``extras.execute_batch`` (statements joined with ``;``) reports only the last
statement's row count, which the flush's stale-data check cannot use. Here each
set becomes its own statement, so they run one after another exactly as
``executemany`` would run them (each sees the rows the previous ones changed),
and up to ``SETS_PER_TEXT`` of them travel in one text, one round trip. Each
statement adds the rows it matched to a transaction-local setting through a
data-modifying ``WITH`` (PostgreSQL keeps only the last result of a text)::

    WITH corral_matched AS (UPDATE t SET ... WHERE ... RETURNING 1)
    SELECT set_config('corral.matched', count(*)::text, true) FROM corral_matched;
    WITH corral_matched AS (UPDATE t SET ... WHERE ... RETURNING 1)
    SELECT set_config('corral.matched',
        (current_setting('corral.matched')::bigint + count(*))::text, true)
    FROM corral_matched; ...

and the text's one result is its total. The cursor then stands for the whole
executemany, as after psycopg2's own: no rows, ``rowcount`` the sum over the
texts (its class becomes the ``CountedCursor`` partner of its class, which the
connection's ``cursor_factory`` provides; a plain cursor pays nothing for it).

Only statements that are one plain ``UPDATE`` or ``DELETE`` are batched (no
RETURNING, no ``;``, no comment that could hide the wrapping); anything else
goes to ``executemany``. On a connection outside a transaction (AUTOCOMMIT) a
text commits as a whole, as ``execute_batch`` does, where ``executemany``
commits each set. A table whose rules rewrite UPDATE or DELETE cannot take the
``WITH`` form (PostgreSQL refuses it): use psycopg 3 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Most parameter sets one text carries: one round trip per this many.
SETS_PER_TEXT = 100

_OPEN = b"WITH corral_matched AS ("
_FIRST = (
    b" RETURNING 1) SELECT set_config('corral.matched', count(*)::text, true) FROM corral_matched"
)
_NEXT = (
    b" RETURNING 1) SELECT set_config('corral.matched', "
    b"(current_setting('corral.matched')::bigint + count(*))::text, true) FROM corral_matched"
)


def batchable(sql: str) -> bool:
    """Whether ``sql`` is one plain UPDATE or DELETE that the ``WITH`` wrapping keeps whole."""
    head = sql[:7].upper()
    if head not in ("UPDATE ", "DELETE "):
        return False
    return not any(mark in sql for mark in (";", "--", "/*")) and "RETURNING" not in sql.upper()


def batches(cursor: Any, sql: str, args: Sequence[Any]) -> bool:
    """Whether an executemany of ``sql`` with ``args`` on ``cursor`` goes in texts here."""
    return len(args) > 1 and getattr(cursor, "counted_class", None) is not None and batchable(sql)


def round_trips(sql: str, sets: int) -> int:
    """Round trips an executemany of ``sets`` sets of ``sql`` costs on psycopg2."""
    if sets > 1 and batchable(sql):
        return -(-sets // SETS_PER_TEXT)
    return sets


def texts(cursor: Any, controls: Sequence[str], sql: str, args: Sequence[Any]) -> list[bytes]:
    """The texts running every set of ``args`` in order, the first led by ``controls``."""
    bound = [cursor.mogrify(sql, one) for one in args]  # psycopg2 binds on the client
    result: list[bytes] = []
    for first in range(0, len(bound), SETS_PER_TEXT):
        page = bound[first : first + SETS_PER_TEXT]
        statements = [_OPEN + page[0] + _FIRST]
        statements.extend(_OPEN + statement + _NEXT for statement in page[1:])
        result.append(b"; ".join(statements))
    if controls:
        result[0] = b"; ".join([*(cursor.mogrify(c) for c in controls), result[0]])
    return result


def execute(cursor: Any, controls: Sequence[str], sql: str, args: Sequence[Any]) -> None:
    """Run ``sql`` once per set of ``args`` in texts of ``SETS_PER_TEXT``, after
    ``controls``; ``cursor`` then reports the rows matched in all, and no rows."""
    counted = cursor.counted_class
    matched = 0
    for text in texts(cursor, controls, sql, args):
        cursor.execute(text)
        matched += int(cursor.fetchone()[0])
    cursor.__class__ = counted  # same layout: only rowcount and description differ
    cursor.matched = matched


def batching_cursor(factory: type) -> type:
    """A subclass of the cursor class ``factory`` whose instances can stand for a batch."""

    class BatchingCursor(factory):  # type: ignore[misc]  # psycopg2 is untyped
        """A psycopg2 cursor that ``execute()`` here can turn into its counted partner."""

        __slots__ = ("matched",)
        counted_class: type

    class CountedCursor(BatchingCursor):
        """A cursor that ran a batch: no rows, ``rowcount`` the rows its sets matched."""

        __slots__ = ()

        @property
        def rowcount(self) -> int:
            matched: int = self.matched
            return matched

        @property
        def description(self) -> None:
            return None

    BatchingCursor.counted_class = CountedCursor
    return BatchingCursor
