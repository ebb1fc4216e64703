"""``AsyncResult``, ``AsyncScalarResult``, ``AsyncMappingResult``: results read with await.

Most async results are buffered: their rows were read on the loop before the
result was handed over, and these wrappers only make the sync result's methods
awaitable. A streamed result (``AsyncConnection.stream()``) reads a server-side
cursor: before each read the wrapper awaits the rows that read needs
(``corral.engine.async_stream.StreamCursor``), then the sync result reads them;
when the rows end, or the result is closed, the driver's cursor is closed and the
connection takes statements again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

from corral.engine.async_stream import StreamCursor
from corral.engine.key_views import RMKeyView
from corral.engine.result import (
    ITERATION_BATCH,
    FrozenResult,
    MappingResult,
    Result,
    ScalarResult,
)

T = TypeVar("T")
R = TypeVar("R", Result, ScalarResult, MappingResult)


class _AsyncView(Generic[R]):
    __slots__ = ("_result", "_stream")

    def __init__(self, result: R, stream: StreamCursor | None = None) -> None:
        self._result: R = result
        #: The server-side cursor the rows come from; None when they were read already.
        self._stream = stream

    async def _fetched(self, size: int | None) -> None:
        """Rows enough for a read of ``size`` (None: every row) are buffered."""
        stream = self._stream
        if stream is not None:
            if self._result._seen is not None:
                size = None  # unique(): a read may skip any number of duplicates
            elif size is not None:
                size = max(size, stream.batch)  # objects are built a whole batch at a time
            await stream.fill(size)

    async def _settled(self) -> None:
        """Once the sync result has read to the end (or closed), so is the stream."""
        stream = self._stream
        if stream is not None and self._result._source.cursor is None:
            await stream.end()

    def _batch(self) -> int:
        stream = self._stream
        return self._result._source.yield_per or (stream.batch if stream else ITERATION_BATCH)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        size = self._batch()
        while True:
            await self._fetched(size)
            batch = self._result.fetchmany(size)
            if not batch:
                await self._settled()
                return
            for row in batch:
                yield row

    async def __anext__(self) -> Any:
        await self._fetched(1)
        row = self._result.fetchone()
        await self._settled()
        if row is None:
            raise StopAsyncIteration
        return row

    async def all(self) -> list[Any]:
        await self._fetched(None)
        rows = self._result.all()
        await self._settled()
        return rows

    async def fetchall(self) -> list[Any]:
        return await self.all()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self._batch() if size is None else size
        await self._fetched(size)
        rows = self._result.fetchmany(size)
        await self._settled()
        return rows

    async def fetchone(self) -> Any:
        await self._fetched(1)
        row = self._result.fetchone()
        await self._settled()
        return row

    async def first(self) -> Any:
        await self._fetched(1)
        row = self._result.first()
        await self._settled()
        return row

    async def one(self) -> Any:
        await self._fetched(2)
        try:
            return self._result.one()
        finally:
            await self._settled()

    async def one_or_none(self) -> Any:
        await self._fetched(2)
        try:
            return self._result.one_or_none()
        finally:
            await self._settled()

    async def partitions(self, size: int | None = None) -> AsyncIterator[list[Any]]:
        size = self._batch() if size is None else size
        while True:
            await self._fetched(size)
            batch = self._result.fetchmany(size)
            if not batch:
                await self._settled()
                return
            yield batch

    async def close(self) -> None:
        self._result.close()
        await self._settled()

    @property
    def closed(self) -> bool:
        return self._result.closed


class AsyncResult(_AsyncView[Result]):
    """A ``Result`` read with await (``async for row in result``)."""

    __slots__ = ()

    def keys(self) -> RMKeyView:
        return self._result.keys()

    def unique(self) -> AsyncResult:
        self._result = self._result.unique()
        return self

    def columns(self, *columns: str | int) -> AsyncResult:
        return AsyncResult(self._result.columns(*columns), self._stream)

    def yield_per(self, num: int) -> AsyncResult:
        self._result.yield_per(num)
        return self

    def scalars(self, index: int = 0) -> AsyncScalarResult:
        return AsyncScalarResult(self._result.scalars(index), self._stream)

    def mappings(self) -> AsyncMappingResult:
        return AsyncMappingResult(self._result.mappings(), self._stream)

    def tuples(self) -> AsyncResult:
        return self

    async def scalar(self) -> Any:
        await self._fetched(1)
        value = self._result.scalar()
        await self._settled()
        return value

    async def scalar_one(self) -> Any:
        await self._fetched(2)
        try:
            return self._result.scalar_one()
        finally:
            await self._settled()

    async def scalar_one_or_none(self) -> Any:
        await self._fetched(2)
        try:
            return self._result.scalar_one_or_none()
        finally:
            await self._settled()

    async def freeze(self) -> FrozenResult:
        """The remaining rows, kept (``Result.freeze()``)."""
        await self._fetched(None)
        frozen = self._result.freeze()
        await self._settled()
        return frozen


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

    def keys(self) -> RMKeyView:
        return self._result.keys()

    def unique(self) -> AsyncMappingResult:
        self._result = self._result.unique()
        return self


#: ``AsyncResult.tuples()`` returns the result itself: its rows are already tuples.
AsyncTupleResult = AsyncResult
