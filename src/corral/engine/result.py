"""Results of executing a statement: ``Result`` and its ``scalars()`` / ``mappings()`` views.

A ``Result`` reads rows from the DB-API cursor as they are asked for and
closes the cursor once the rows are exhausted. The fetch path is kept lean: a
raw tuple becomes a ``Row`` by one C-level constructor call, and converters
run only for the columns that have one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from corral import exc
from corral.engine.key_views import RMKeyView
from corral.engine.row import Row, RowMapping, keyed_row_class, row_class
from corral.sql.compiler.result_objects import AMBIGUOUS, describe_key
from corral.sql.type_api import Processor
from corral.util.gc_pause import PAUSE_AT, collector_pause
from corral.util.row_typing import TV, TP_co

if TYPE_CHECKING:
    from corral.engine.meter import Meter

T = TypeVar("T")
#: Turns a driver exception into the one to raise (the Connection's error translation).
ErrorTranslator = Callable[[BaseException], BaseException]

#: Rows fetched per round when iterating a result.
ITERATION_BATCH = 500


def _build(make: Callable[[Any], T] | None, raw_rows: list[Any]) -> list[T]:
    """``make`` applied to each raw row (the rows themselves when the driver built them)."""
    if make is None:
        return raw_rows
    if len(raw_rows) < PAUSE_AT:
        return list(map(make, raw_rows))
    with collector_pause:
        return list(map(make, raw_rows))


class BufferedRows:
    """Rows already fetched, read by a Result as it reads a DB-API cursor."""

    __slots__ = ("_position", "_rows")

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._position = 0

    def fetchall(self) -> list[Any]:
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    def fetchmany(self, size: int) -> list[Any]:
        start = self._position
        self._position = min(len(self._rows), start + size)
        return self._rows[start : self._position]

    def close(self) -> None:
        self._rows = []
        self._position = 0


class CursorSource:
    """Hands out raw row tuples from a DB-API cursor, closing it when exhausted or closed."""

    __slots__ = (
        "cursor",
        "iterate",
        "keys",
        "meter",
        "on_error",
        "processed",
        "row_builder",
        "unique_refused",
        "unique_required",
        "yield_per",
    )

    def __init__(
        self,
        cursor: Any,
        keys: tuple[str, ...],
        processors: Sequence[Processor | None] | None,
        iterate: bool = False,
        on_error: ErrorTranslator | None = None,
        meter: Meter | None = None,
    ) -> None:
        self.cursor = cursor
        #: Counts the rows read for the stats (the Connection's).
        self.meter = meter
        #: Turns a driver error raised while fetching into corral's (from the Connection).
        self.on_error = on_error
        self.keys = keys
        self.processed = row_processing(processors) if processors is not None else None
        #: Iterating the cursor is as fast as ``fetchall()`` (a C iterator), so rows can
        #: be built straight from it without a list of raw tuples in between.
        self.iterate = iterate
        #: Why rows must be de-duplicated before they are fetched (joined collections).
        self.unique_required: str | None = None
        #: Why ``unique()`` is refused (the ORM's yield_per builds objects batch by batch).
        self.unique_refused: str | None = None
        #: ``yield_per(n)``: rows fetched per round when iterating or partitioning.
        self.yield_per: int | None = None
        #: The dialect to ask, at the first fetch of the Result's own rows, to have the
        #: cursor build them itself (``install_row_class``), and the class of those rows;
        #: None once asked, or where nobody may ask.
        self.row_builder: tuple[Any, type] | None = None

    def driver_builds(self, make: Callable[[Any], Any]) -> bool:
        """Whether the cursor now builds ``make``'s rows itself. Asked when rows are fetched
        as the Result's Rows (not by a view, nor by a raw read such as the ORM's, which
        turns rows into objects: those get the driver's plain tuples, no Row made)."""
        builder = self.row_builder
        if builder is None or make is not builder[1]:
            return False
        self.row_builder = None
        return (
            self.processed is None
            and self.cursor is not None
            and bool(builder[0].install_row_class(self.cursor, make))
        )

    def fetchall_as(self, make: Callable[[Any], T] | None) -> list[T]:
        """Every remaining row, each passed through ``make`` unless it is None."""
        cursor = self.cursor
        if (
            make is _first_column
            and self.processed is None
            and hasattr(cursor, "fetchall_first_column")
        ):
            # Rows of one value each that already hold them in a list (ORM objects).
            values: list[T] = cursor.fetchall_first_column()
            self.close()
            if self.meter is not None:
                self.meter.rows(len(values))
            return values
        if cursor is not None and make is not None and self.processed is None and self.iterate:
            try:
                with collector_pause:
                    rows = list(map(make, cursor))
            except Exception as error:
                raise self._failed(error) from error
            self.close()
            if self.meter is not None:
                self.meter.rows(len(rows))
            return rows
        return _build(make, self.fetchall())

    def fetchall(self) -> list[Any]:
        cursor = self.cursor
        if cursor is None:
            return []
        try:
            rows = cursor.fetchall()
        except Exception as error:
            raise self._failed(error) from error
        self.close()
        if self.meter is not None:
            self.meter.rows(len(rows))
        return rows if self.processed is None else self.processed(rows)

    def fetchmany(self, size: int) -> list[Any]:
        cursor = self.cursor
        if cursor is None:
            return []
        try:
            rows = cursor.fetchmany(size)
        except Exception as error:
            raise self._failed(error) from error
        if len(rows) < size:
            self.close()
        if self.meter is not None:
            self.meter.rows(len(rows))
        return rows if self.processed is None else self.processed(rows)

    def fetchone(self) -> Any:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def close(self) -> None:
        cursor, self.cursor = self.cursor, None
        if cursor is not None:
            cursor.close()

    def _failed(self, error: Exception) -> BaseException:
        """The error to raise for a failed fetch; the cursor is released first."""
        with contextlib.suppress(Exception):  # a dead connection's cursor may refuse
            self.close()
        self.cursor = None
        translated = error if self.on_error is None else self.on_error(error)
        return translated if self.meter is None else self.meter.failed(translated)


def row_processing(processors: Sequence[Processor | None]) -> Callable[[list[Any]], list[Any]]:
    """A function converting a batch of raw rows with the columns' result processors."""
    pairs = [(i, p) for i, p in enumerate(processors) if p is not None]

    def process(rows: list[Any]) -> list[Any]:
        out = []
        for raw in rows:
            values = list(raw)
            for index, processor in pairs:
                value = values[index]
                if value is not None:
                    values[index] = processor(value)
            out.append(values)
        return out

    return process


class _ResultView(Generic[T]):
    """Fetch methods shared by a result and its views; ``_make`` turns a raw row into a T."""

    __slots__ = ("_make", "_seen", "_source")

    _source: CursorSource
    #: None when the driver already returns finished rows.
    _make: Callable[[Any], T] | None
    _seen: set[Any] | None

    @property
    def _key_names(self) -> tuple[str, ...]:
        """The column names as a tuple, for corral's own readers (``keys()`` is the view
        SQLAlchemy's programs print and compare)."""
        return self._source.keys

    def _check_rows(self) -> None:
        if self._source.cursor is None and not self._source.keys:
            raise exc.ResourceClosedError(
                "This result does not return rows (the statement was not a SELECT or had "
                "no RETURNING); use rowcount or inserted_primary_key instead"
            )

    def _filter(self, items: list[T]) -> list[T]:
        seen = self._seen
        if seen is None:
            return items
        out = []
        for item in items:
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out

    def _unique_in_place(self) -> None:
        refused = self._source.unique_refused
        if refused is not None:
            raise exc.InvalidRequestError(f"unique() cannot be used here: {refused}")
        self._seen = set()

    def yield_per(self, num: int) -> Self:
        """Fetch ``num`` rows at a time when iterating (and by default in ``partitions()``)."""
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise exc.ArgumentError(f"yield_per() takes a positive number of rows, got {num!r}")
        self._source.yield_per = num
        return self

    def __iter__(self) -> Iterator[T]:
        size = self._source.yield_per or ITERATION_BATCH
        while True:
            batch = self.fetchmany(size)
            if not batch:
                return
            yield from batch

    def _check_unique(self) -> None:
        reason = self._source.unique_required
        if reason is not None and self._seen is None:
            raise exc.InvalidRequestError(f"Call unique() first: {reason}")

    def _maker(self) -> Callable[[Any], T] | None:
        """``_make``, or None from now on if the cursor will build those rows itself."""
        make = self._make
        source = self._source
        if source.row_builder is not None and make is not None and source.driver_builds(make):
            self._make = make = None
        return make

    def all(self) -> list[T]:
        """Every remaining row."""
        self._check_rows()
        self._check_unique()
        return self._filter(self._source.fetchall_as(self._maker()))

    def fetchall(self) -> list[T]:
        """Every remaining row (DB-API spelling of ``all()``)."""
        return self.all()

    def fetchmany(self, size: int = ITERATION_BATCH) -> list[T]:
        """Up to ``size`` more rows; an empty list when none remain."""
        self._check_unique()
        return self._fetch(size)

    def _fetch(self, size: int) -> list[T]:
        """``fetchmany()`` without the unique() requirement (``first()`` reads one row)."""
        self._check_rows()
        make = self._maker()
        batch = self._filter(_build(make, self._source.fetchmany(size)))
        while self._seen is not None and len(batch) < size and self._source.cursor is not None:
            batch.extend(self._filter(_build(make, self._source.fetchmany(size - len(batch)))))
        return batch

    def fetchone(self) -> T | None:
        """The next row, or None when none remain."""
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def partitions(self, size: int | None = None) -> Iterator[list[T]]:
        """The remaining rows in lists of up to ``size`` (by default the ``yield_per`` size,
        else a fixed batch)."""
        if size is None:
            size = self._source.yield_per or ITERATION_BATCH
        while True:
            batch = self.fetchmany(size)
            if not batch:
                return
            yield batch

    def first(self) -> T | None:
        """The first row or None, then close the result.

        As in SQLAlchemy, a result of joined collections needs no ``unique()`` here: the
        first row's object is whole, and the repeats that follow it are discarded.
        """
        try:
            rows = self._fetch(1)
            return rows[0] if rows else None
        finally:
            self._source.close()

    def one_or_none(self) -> T | None:
        """The only row or None; more than one raises ``MultipleResultsFound``."""
        try:
            rows = self.fetchmany(2)
        finally:
            self._source.close()
        if len(rows) > 1:
            raise exc.MultipleResultsFound(
                "Expected at most one row from the result, got more; add a filter or use first()"
            )
        return rows[0] if rows else None

    def one(self) -> T:
        """The only row; none raises ``NoResultFound``, several ``MultipleResultsFound``."""
        try:
            rows = self.fetchmany(2)
        finally:
            self._source.close()
        if not rows:
            raise exc.NoResultFound(
                "Expected exactly one row from the result, got none; use one_or_none() "
                "when no row is a normal outcome"
            )
        if len(rows) > 1:
            raise exc.MultipleResultsFound(
                "Expected exactly one row from the result, got more; add a filter or use first()"
            )
        return rows[0]

    def close(self) -> None:
        """Release the cursor; the remaining rows are discarded."""
        self._source.close()

    @property
    def closed(self) -> bool:
        return self._source.cursor is None


class ScalarResult(_ResultView[TV]):
    """A result yielding the first column of each row."""

    __slots__ = ()

    def __init__(self, source: CursorSource, seen: set[Any] | None, index: int = 0) -> None:
        self._source = source
        self._make = _first_column if index == 0 else itemgetter(index)
        self._seen = seen

    def unique(self) -> ScalarResult[TV]:
        """Skip values already returned."""
        self._unique_in_place()
        return self


class MappingResult(_ResultView[RowMapping]):
    """A result yielding each row as a mapping from column name to value."""

    __slots__ = ("_row_type",)

    def __init__(
        self, source: CursorSource, seen: set[Any] | None, row_type: type[Row] | None = None
    ) -> None:
        self._source = source
        row = row_class(source.keys) if row_type is None else row_type
        self._make = lambda raw: RowMapping(row(raw))
        self._seen = seen
        self._row_type = row

    def keys(self) -> RMKeyView:
        """The column names of the rows (a view: ``list(result.keys())`` for a list)."""
        return RMKeyView(self._row_type)

    def unique(self) -> MappingResult:
        """Skip rows equal to one already returned."""
        self._unique_in_place()
        return self

    def _filter(self, items: list[RowMapping]) -> list[RowMapping]:
        seen = self._seen
        if seen is None:
            return items
        out = []
        for item in items:
            identity = item._row
            if identity not in seen:
                seen.add(identity)
                out.append(item)
        return out


def _first_column(raw: Any) -> Any:
    return raw[0]


class Result(_ResultView[Row[TP_co]], Generic[TP_co]):
    """The outcome of one execution: its rows (if any), rowcount and generated keys."""

    __slots__ = ("_inserted_primary_key", "_row_type", "rowcount")

    def __init__(
        self,
        cursor: Any,
        keys: Sequence[str],
        processors: Sequence[Processor | None] | None = None,
        *,
        rowcount: int = -1,
        inserted_primary_key: Row | None = None,
        row_builder: Any = None,
        iterate: bool = False,
        on_error: ErrorTranslator | None = None,
        meter: Meter | None = None,
        row_type: type[Row] | None = None,
    ) -> None:
        self._source = CursorSource(cursor, tuple(keys), processors, iterate, on_error, meter)
        #: The rows' class: ``row_type`` (a compiled statement's, which also knows the
        #: objects it selected), else the one for the keys.
        if row_type is None:
            row_type = row_class(self._source.keys)
        self._row_type = row_type
        # Rows hold what the statement selected; TP_co only names it for type checkers.
        self._make = row_type  # type: ignore[assignment]
        if row_builder is not None:  # (asked at the first fetch of Rows: driver_builds)
            self._source.row_builder = (row_builder, row_type)
        self._seen = None
        #: Rows matched by an UPDATE or DELETE (or inserted), as the driver reports it.
        self.rowcount = rowcount
        self._inserted_primary_key = inserted_primary_key

    @property
    def returns_rows(self) -> bool:
        """Whether the statement produced rows (a SELECT, or DML with RETURNING)."""
        return bool(self._source.keys)

    def keys(self) -> RMKeyView:
        """The column names of the rows (a view: ``list(result.keys())`` for a list)."""
        return RMKeyView(self._row_type)

    def raw_rows(self) -> list[Any]:
        """Every remaining row as converted values in a plain sequence, no ``Row`` built.

        For consumers that read each row once by position, as the ORM's loader does.
        """
        self._check_rows()
        return self._source.fetchall()

    def raw_row_chunks(self, size: int) -> Iterator[list[Any]]:
        """``raw_rows()`` read ``size`` rows at a time: a consumer that is done with each
        chunk before the next holds the raw rows of only one chunk. The cursor is released
        once its rows are read, or if the consumer fails or stops early."""
        self._check_rows()
        source = self._source
        try:
            while rows := source.fetchmany(size):
                yield rows
        finally:
            source.close()

    @property
    def inserted_primary_key(self) -> Row:
        """The primary key of the row a single-row INSERT created."""
        if self._inserted_primary_key is None:
            raise exc.InvalidRequestError(
                "inserted_primary_key is only available after executing a single-row insert()"
            )
        return self._inserted_primary_key

    def scalars(self, index: Any = 0) -> ScalarResult:
        """A view of this result yielding one column of each row: the first by default, else
        the one at ``index``, of that name, or selected as that object (``users.c.name``)."""
        self._check_rows()
        position = index if type(index) is int and index >= 0 else self._position_of(index)
        return ScalarResult(self._source, self._seen, position)

    def mappings(self) -> MappingResult:
        """A view of this result yielding each row as a mapping."""
        self._check_rows()
        return MappingResult(self._source, self._seen, self._row_type)

    def unique(self) -> Result[TP_co]:
        """Skip rows equal to one already returned."""
        self._unique_in_place()
        return self

    def refuse_unique(self, reason: str) -> None:
        """Refuse ``unique()`` on this result and its views, saying why."""
        self._source.unique_refused = reason

    def raw_batch(self, size: int) -> list[Any]:
        """Up to ``size`` more rows as converted values in plain sequences (see ``raw_rows``)."""
        self._check_rows()
        return self._source.fetchmany(size)

    def require_unique(self, reason: str) -> None:
        """Refuse to hand out rows until ``unique()`` is called (on this result or a view)."""
        self._source.unique_required = reason

    def scalar(self) -> Any:
        """The first column of the first row (None when there is no row), then close."""
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        """The first column of the only row (see ``one()``)."""
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        """The first column of the only row, or None when there is no row."""
        row = self.one_or_none()
        return None if row is None else row[0]

    def tuples(self) -> Result:
        """This result, typed as plain tuples (rows are tuples already)."""
        return self

    def columns(self, *columns: Any) -> Result:
        """This result with only the given columns (by name, position or selected object),
        in that order."""
        self._check_rows()
        keys = self._source.keys
        positions = [self._position_of(column) for column in columns]
        picked = itemgetter(*positions) if len(positions) != 1 else None
        only = positions[0] if picked is None else -1

        def project_rows(rows: list[Any]) -> list[Any]:
            if picked is None:
                return [(row[only],) for row in rows]
            return [picked(row) for row in rows]

        before = self._source.processed
        self._source.processed = (
            project_rows if before is None else lambda rows: project_rows(before(rows))
        )
        self._source.iterate = False
        self._source.keys = tuple(keys[p] for p in positions)
        objects = self._row_type._objects
        if objects is None:
            self._row_type = row_class(self._source.keys)
        else:  # the rows are still looked up by the objects of the columns kept
            kept = tuple(objects.columns[p] for p in positions)
            self._row_type = keyed_row_class(self._source.keys, kept)
        self._make = self._row_type  # type: ignore[assignment]
        return self

    def _position_of(self, column: Any) -> int:
        """The position of a column given by position, name or selected object."""
        keys = self._source.keys
        if isinstance(column, int) and not isinstance(column, bool):
            if not -len(keys) <= column < len(keys):
                raise exc.NoSuchColumnError(
                    f"Column {column} is out of range: the rows have {len(keys)} columns "
                    f"({', '.join(keys)})"
                )
            return column % len(keys)
        row_type = self._row_type
        position = row_type._index.get(column) if isinstance(column, str) else None
        objects = row_type._objects
        if position is None and objects is not None and not isinstance(column, str):
            position = objects.position_of(column)
        elif position is None and objects is None:
            key = getattr(column, "key", column)  # rows that know no objects: by its name
            position = row_type._index.get(key) if isinstance(key, str) else None
        if position is None:
            raise exc.NoSuchColumnError(
                f"The rows have no column {describe_key(column)}; they have "
                f"{', '.join(keys) or 'none'}"
            )
        if position == AMBIGUOUS:
            raise exc.InvalidRequestError(
                f"Ambiguous column name {describe_key(column)}: several columns of the rows "
                "have it; pick the column by its object or position"
            )
        return position

    def freeze(self) -> FrozenResult:
        """The remaining rows, read and kept: call the ``FrozenResult`` for a new Result
        over them, as often as needed (this result is exhausted)."""
        keys = list(self._source.keys)
        return FrozenResult(keys, [tuple(row) for row in self.all()], self._row_type)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Result {state} keys={list(self._source.keys)} rowcount={self.rowcount}>"


class FrozenResult:
    """Rows read from a result and kept (``Result.freeze()``); each call makes a new
    ``Result`` over them. ``data`` holds the rows as tuples."""

    __slots__ = ("_row_type", "data", "keys")

    def __init__(
        self,
        keys: Sequence[str],
        rows: list[tuple[Any, ...]],
        row_type: type[Row] | None = None,
    ) -> None:
        self.keys = list(keys)
        self.data = rows
        #: The rows' class (with the objects they are looked up by), kept for new Results.
        self._row_type = row_type

    def rewrite_rows(self) -> list[list[Any]]:
        """The rows as lists, to change before ``with_new_rows()``."""
        return [list(row) for row in self.data]

    def with_new_rows(self, rows: Sequence[Sequence[Any]]) -> FrozenResult:
        """A FrozenResult with the same columns and these rows."""
        return FrozenResult(self.keys, [tuple(row) for row in rows], self._row_type)

    def __call__(self) -> Result:
        return Result(BufferedRows(list(self.data)), self.keys, row_type=self._row_type)

    def __repr__(self) -> str:
        return f"<FrozenResult keys={self.keys} rows={len(self.data)}>"
