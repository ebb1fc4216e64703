"""Result and Row over a fake DB-API cursor: fetch methods, views, uniqueness and errors."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from corral import exc
from corral.engine.result import Result
from corral.engine.row import Row, make_row


class FakeCursor:
    """Serves fixed rows like a DB-API cursor and records whether it was closed."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = list(rows)
        self.closed = False

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows[:size], self.rows[size:]
        return rows

    def close(self) -> None:
        self.closed = True


def _result(rows: list[tuple[Any, ...]], keys: tuple[str, ...] = ("id", "name")) -> Result:
    return Result(FakeCursor(rows), keys)


ROWS = [(1, "a"), (2, "b"), (3, "c")]


def test_row_is_a_tuple_with_name_access() -> None:
    """A row compares equal to its tuple and reads columns by attribute and mapping."""
    row = _result(ROWS).first()
    assert row is not None
    assert isinstance(row, tuple)
    assert (row.id, row.name, row[1]) == (1, "a", "a")
    assert row._mapping["name"] == "a"
    assert row._asdict() == {"id": 1, "name": "a"}
    assert row == (1, "a")


def test_unknown_row_attribute_names_the_columns() -> None:
    """A missing attribute raises AttributeError listing the columns."""
    row = make_row(["id"], [1])
    with pytest.raises(AttributeError, match="its columns are id"):
        _ = row.nope


def test_unknown_mapping_key_raises_no_such_column() -> None:
    """A missing mapping key raises NoSuchColumnError (a KeyError)."""
    row = make_row(["id"], [1])
    with pytest.raises(KeyError):
        _ = row._mapping["nope"]


def test_column_named_count_or_index_is_the_attribute() -> None:
    """As in SQLAlchemy 2.0, a column called ``count`` / ``index`` is ``row.count`` /
    ``row.index``; without such a column they are the sequence methods."""
    row: Any = make_row(["count", "index", "other"], [7, 3, 7])  # typed as a tuple's methods
    assert (row.count, row.index) == (7, 3)
    assert row._mapping["count"] == 7
    plain = make_row(["a", "b"], [7, 7])
    assert plain.count(7) == 2
    assert plain.index(7) == 0


def test_ambiguous_name_raises() -> None:
    """Two columns with one name refuse access by that name."""
    row = make_row(["id", "id"], [1, 2])
    with pytest.raises(exc.InvalidRequestError, match="ambiguous"):
        _ = row.id


def test_row_pickles() -> None:
    """A row survives pickling with its names."""
    row = make_row(["id", "name"], [1, "x"])
    copy = pickle.loads(pickle.dumps(row))
    assert copy == row
    assert copy.name == "x"


def test_same_keys_share_one_row_class() -> None:
    """Rows with the same column names share one class (no class per result)."""
    assert type(make_row(["a", "b"], [1, 2])) is type(make_row(["a", "b"], [3, 4]))
    assert issubclass(type(make_row(["a"], [1])), Row)


def test_all_returns_every_row_and_closes_cursor() -> None:
    """``all()`` returns the rows and closes the cursor."""
    cursor = FakeCursor(ROWS)
    result = Result(cursor, ("id", "name"))
    assert result.all() == ROWS
    assert cursor.closed


def test_iteration_yields_rows_in_order() -> None:
    """Iterating yields each row once, in order."""
    assert [row.id for row in _result(ROWS)] == [1, 2, 3]


def test_fetchone_then_fetchmany() -> None:
    """``fetchone`` and ``fetchmany`` continue where the other stopped."""
    result = _result(ROWS)
    assert result.fetchone() == (1, "a")
    assert result.fetchmany(5) == [(2, "b"), (3, "c")]
    assert result.fetchone() is None


def test_partitions_split_rows() -> None:
    """``partitions(2)`` yields lists of at most two rows."""
    assert [len(p) for p in _result(ROWS).partitions(2)] == [2, 1]


def test_one_with_one_row() -> None:
    """``one()`` returns the single row."""
    assert _result([(1, "a")]).one() == (1, "a")


def test_one_with_no_rows_raises() -> None:
    """``one()`` on no rows raises NoResultFound."""
    with pytest.raises(exc.NoResultFound):
        _result([]).one()


def test_one_with_two_rows_raises() -> None:
    """``one()`` on two rows raises MultipleResultsFound."""
    with pytest.raises(exc.MultipleResultsFound):
        _result(ROWS).one()


def test_one_or_none_with_no_rows() -> None:
    """``one_or_none()`` on no rows is None."""
    assert _result([]).one_or_none() is None


def test_one_or_none_with_two_rows_raises() -> None:
    """``one_or_none()`` on two rows raises MultipleResultsFound."""
    with pytest.raises(exc.MultipleResultsFound):
        _result(ROWS).one_or_none()


def test_scalar_forms() -> None:
    """``scalar``, ``scalar_one`` and ``scalar_one_or_none`` read the first column."""
    assert _result(ROWS).scalar() == 1
    assert _result([]).scalar() is None
    assert _result([(5, "x")]).scalar_one() == 5
    assert _result([]).scalar_one_or_none() is None
    with pytest.raises(exc.NoResultFound):
        _result([]).scalar_one()


def test_scalars_yield_first_column() -> None:
    """``scalars()`` yields the first column; ``scalars(1)`` the second."""
    assert _result(ROWS).scalars().all() == [1, 2, 3]
    assert _result(ROWS).scalars(1).all() == ["a", "b", "c"]


def test_mappings_yield_dict_like_rows() -> None:
    """``mappings()`` yields rows keyed by column name."""
    assert [dict(m) for m in _result(ROWS).mappings()] == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
        {"id": 3, "name": "c"},
    ]


def test_unique_drops_repeated_rows() -> None:
    """``unique()`` skips rows equal to earlier ones, also with ``fetchmany``."""
    rows = [(1, "a"), (1, "a"), (2, "b"), (1, "a"), (3, "c")]
    assert _result(rows).unique().all() == [(1, "a"), (2, "b"), (3, "c")]
    assert _result(rows).unique().fetchmany(2) == [(1, "a"), (2, "b")]
    assert _result(rows).scalars().unique().all() == [1, 2, 3]


def test_keys_and_returns_rows() -> None:
    """A row result lists its keys and says it returns rows."""
    result = _result(ROWS)
    assert result.keys() == ["id", "name"]
    assert result.returns_rows


def test_non_row_result_refuses_fetching() -> None:
    """A result without rows raises ResourceClosedError on fetch and keeps its rowcount."""
    result = Result(None, (), rowcount=4)
    assert not result.returns_rows
    assert result.rowcount == 4
    with pytest.raises(exc.ResourceClosedError, match="does not return rows"):
        result.all()


def test_closed_result_yields_nothing() -> None:
    """After ``close()`` a row result yields no more rows and its cursor is closed."""
    cursor = FakeCursor(ROWS)
    result = Result(cursor, ("id", "name"))
    result.close()
    assert cursor.closed
    assert result.all() == []


def test_processors_convert_only_their_columns() -> None:
    """A result processor converts its column and leaves NULL alone."""
    result = Result(FakeCursor([(1, "a"), (None, "b")]), ("n", "s"), (lambda v: v * 10, None))
    assert result.all() == [(10, "a"), (None, "b")]


def test_inserted_primary_key_needs_an_insert() -> None:
    """``inserted_primary_key`` outside an insert raises InvalidRequestError."""
    with pytest.raises(exc.InvalidRequestError, match="single-row insert"):
        _ = _result(ROWS).inserted_primary_key


class IterableCursor(FakeCursor):
    """A fake cursor that can also be iterated, like sqlite3's."""

    def __iter__(self) -> Any:
        rows, self.rows = self.rows, []
        return iter(rows)


class FailingCursor(FakeCursor):
    """A fake cursor whose fetches fail as a driver error would."""

    def fetchall(self) -> list[tuple[Any, ...]]:
        raise OSError("connection reset")

    def __iter__(self) -> Any:
        raise OSError("connection reset")


def test_rows_built_from_cursor_iterator() -> None:
    """With ``iterate=True`` rows come straight from the cursor and it is closed after."""
    cursor = IterableCursor(ROWS)
    result = Result(cursor, ("id", "name"), iterate=True)
    rows = result.all()
    assert [row.name for row in rows] == ["a", "b", "c"]
    assert cursor.closed


class RowBuildingCursor(FakeCursor):
    """A cursor that builds rows of the class installed on it (as psycopg's row_factory)."""

    row_class: Any = None

    def _made(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        return rows if self.row_class is None else [self.row_class(raw) for raw in rows]

    def fetchall(self) -> list[Any]:
        return self._made(super().fetchall())

    def fetchmany(self, size: int) -> list[Any]:
        return self._made(super().fetchmany(size))


class Installer:
    """A dialect's ``install_row_class``: records the classes it was asked to install."""

    def __init__(self) -> None:
        self.installed: list[type] = []

    def install_row_class(self, cursor: RowBuildingCursor, row_class: type) -> bool:
        cursor.row_class = row_class
        self.installed.append(row_class)
        return True


def test_rows_the_driver_builds_are_returned_as_it_made_them() -> None:
    """With a ``row_builder`` the cursor is asked at the first fetch of Rows to build them
    itself, once; its rows are then returned unchanged (not made into Rows again)."""
    dialect = Installer()
    cursor = RowBuildingCursor(list(ROWS))
    result = Result(cursor, ("id", "name"), row_builder=dialect)
    first = result.fetchmany(1)
    rest = result.all()
    assert dialect.installed == [type(first[0])]
    assert all(type(row) is dialect.installed[0] for row in first + rest)
    assert [row.name for row in first + rest] == ["a", "b", "c"]


def test_raw_and_scalar_reads_leave_the_rows_to_corral() -> None:
    """The ORM's raw reads and a scalars() view get the driver's plain tuples: no row class
    is installed for them (it would build a Row per row for nothing)."""
    dialect = Installer()
    result = Result(RowBuildingCursor(list(ROWS)), ("id", "name"), row_builder=dialect)
    assert result.raw_batch(1) == [(1, "a")]
    assert type(result.raw_batch(1)[0]) is tuple
    assert result.scalars().all() == [3]
    assert dialect.installed == []


@pytest.mark.parametrize("iterate", [False, True])
def test_fetch_error_is_translated_and_cursor_released(iterate: bool) -> None:
    """A driver error while fetching goes through ``on_error`` and releases the cursor."""
    cursor = FailingCursor(ROWS)
    result = Result(
        cursor,
        ("id", "name"),
        iterate=iterate,
        on_error=lambda error: exc.OperationalError("SELECT", None, error),
    )
    with pytest.raises(exc.OperationalError, match="connection reset"):
        result.all()
    assert cursor.closed
    assert result.closed


def test_freeze_keeps_the_rows_and_makes_new_results_from_them() -> None:
    """freeze() reads the remaining rows once; each call of the FrozenResult is a fresh
    Result over them, and with_new_rows() swaps the rows, keeping the columns."""
    result = Result(FakeCursor([(1, "a"), (2, "b"), (1, "a")]), ["id", "name"]).unique()
    frozen = result.freeze()
    assert result.all() == []  # the original is exhausted
    assert frozen.data == [(1, "a"), (2, "b")]
    first, second = frozen(), frozen()
    assert [tuple(row) for row in first.all()] == [(1, "a"), (2, "b")]
    assert second.scalars().all() == [1, 2]
    assert first.keys() == ["id", "name"]
    rows = frozen.rewrite_rows()
    rows[0][1] = "changed"
    assert frozen.with_new_rows(rows)().all()[0].name == "changed"
    assert frozen.data[0] == (1, "a")
