"""``AsyncResult``, ``AsyncScalarResult``, ``AsyncMappingResult``: results read with await.

The rows of an async execution are read from the driver on the loop before
the result is handed over, so these wrappers only make the sync result's
methods awaitable and iterable with ``async for``; reading never blocks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

from corral.engine.result import FrozenResult, MappingResult, Result, ScalarResult

T = TypeVar("T")
R = TypeVar("R", Result, ScalarResult, MappingResult)


class _AsyncView(Generic[R]):
    __slots__ = ("_result",)

    def __init__(self, result: R) -> None:
        self._result: R = result

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        for row in self._result:
            yield row

    async def __anext__(self) -> Any:
        row = self._result.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def all(self) -> list[Any]:
        return self._result.all()

    async def fetchall(self) -> list[Any]:
        return self._result.fetchall()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._result.fetchmany() if size is None else self._result.fetchmany(size)

    async def fetchone(self) -> Any:
        return self._result.fetchone()

    async def first(self) -> Any:
        return self._result.first()

    async def one(self) -> Any:
        return self._result.one()

    async def one_or_none(self) -> Any:
        return self._result.one_or_none()

    async def partitions(self, size: int | None = None) -> AsyncIterator[list[Any]]:
        for partition in self._result.partitions(size):
            yield partition

    async def close(self) -> None:
        self._result.close()

    @property
    def closed(self) -> bool:
        return self._result.closed


class AsyncResult(_AsyncView[Result]):
    """A ``Result`` read with await (``async for row in result``)."""

    __slots__ = ()

    def keys(self) -> list[str]:
        return self._result.keys()

    def unique(self) -> AsyncResult:
        self._result = self._result.unique()
        return self

    def columns(self, *columns: str | int) -> AsyncResult:
        return AsyncResult(self._result.columns(*columns))

    def yield_per(self, num: int) -> AsyncResult:
        self._result.yield_per(num)
        return self

    def scalars(self, index: int = 0) -> AsyncScalarResult:
        return AsyncScalarResult(self._result.scalars(index))

    def mappings(self) -> AsyncMappingResult:
        return AsyncMappingResult(self._result.mappings())

    def tuples(self) -> AsyncResult:
        return self

    async def scalar(self) -> Any:
        return self._result.scalar()

    async def freeze(self) -> FrozenResult:
        """The remaining rows, kept (``Result.freeze()``)."""
        return self._result.freeze()

    async def scalar_one(self) -> Any:
        return self._result.scalar_one()

    async def scalar_one_or_none(self) -> Any:
        return self._result.scalar_one_or_none()


class AsyncScalarResult(_AsyncView[ScalarResult]):
    """Each row's first value, read with await."""

    __slots__ = ()

    def unique(self) -> AsyncScalarResult:
        self._result = self._result.unique()
        return self

    def yield_per(self, num: int) -> AsyncScalarResult:
        self._result.yield_per(num)
        return self


class AsyncMappingResult(_AsyncView[MappingResult]):
    """Rows as mappings, read with await."""

    __slots__ = ()

    def keys(self) -> list[str]:
        return self._result.keys()

    def unique(self) -> AsyncMappingResult:
        self._result = self._result.unique()
        return self


#: ``AsyncResult.tuples()`` returns the result itself: its rows are already tuples.
AsyncTupleResult = AsyncResult
