"""``execution_options(yield_per=N)``: objects built N rows at a time, as they are fetched.

The rows of an ORM select usually become objects all at once. With ``yield_per``
the result reads N rows from the cursor, builds their objects (and runs the
selectin loads of that batch), hands them out, and reads the next N only when
asked: memory stays bounded by the batch. Loads that need every row before any
object is complete (a joined collection, subqueryload) are refused, and so is
``unique()``, which would have to remember every object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral import exc
from corral.engine.result import Result
from corral.orm.loading.query_plan import LoadNode, QueryPlan


class BatchedRows:
    """The part of a DB-API cursor a Result reads, building each batch of rows when needed."""

    __slots__ = ("_buffer", "_build", "_raw", "_size")

    def __init__(self, raw: Result, size: int, build: Callable[[list[Any]], list[Any]]) -> None:
        self._raw = raw
        self._size = size
        self._build = build
        self._buffer: list[Any] = []

    def _more(self) -> bool:
        """Fetch and build one more batch; False when the rows are exhausted."""
        if self._raw.closed:
            return False
        rows = self._raw.raw_batch(self._size)
        if not rows:
            return False
        self._buffer.extend(self._build(rows))
        return True

    def fetchmany(self, size: int) -> list[Any]:
        while len(self._buffer) < size and self._more():
            pass
        out = self._buffer[:size]
        del self._buffer[:size]
        return out

    def fetchall(self) -> list[Any]:
        while self._more():
            pass
        out, self._buffer = self._buffer, []
        return out

    def close(self) -> None:
        self._raw.close()
        self._buffer = []


def check_yield_per(size: Any) -> int:
    """The ``yield_per`` option's value, checked."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise exc.ArgumentError(
            f"execution_options(yield_per={size!r}): give the number of rows to build per "
            "batch, a positive integer"
        )
    return size


def refuse_buffering_loads(plan: QueryPlan | None) -> None:
    """yield_per cannot work with loads that need all rows first (SQLAlchemy refuses too)."""
    if plan is None:
        return
    if plan.unique_required or any(n is not None and _uses_subquery(n, 0) for n in plan.nodes):
        raise exc.InvalidRequestError(
            "yield_per cannot be used with eager loads that need every row first: "
            "joinedload() of a collection or subqueryload(). Load those relationships with "
            "selectinload(), which runs once per batch"
        )


def _uses_subquery(node: LoadNode, depth: int) -> bool:
    if depth > 20:  # eager options are finite; a deep tree is not worth walking further
        return False
    for rel, strategy in node.eager():
        if strategy == "subquery" or _uses_subquery(node.child(rel), depth + 1):
            return True
    return False


#: Why unique() is refused on a yield_per result.
NO_UNIQUE = (
    "the ORM's yield_per builds objects batch by batch and cannot remember every one; "
    "drop yield_per, or de-duplicate in your loop"
)

__all__ = ["NO_UNIQUE", "BatchedRows", "check_yield_per", "refuse_buffering_loads"]
