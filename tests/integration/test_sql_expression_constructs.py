"""SQL-expression constructs run on SQLite, PostgreSQL and MariaDB and return SQLAlchemy's rows:
desc/asc, distinct, tuple_, extract, nulls ordering, is_(True), window functions, FILTER,
JSON indexing, text() columns, label references, lateral and table-valued functions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from corral import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    asc,
    between,
    desc,
    distinct,
    exc,
    extract,
    func,
    insert,
    nulls_first,
    nulls_last,
    select,
    text,
    true,
    tuple_,
    type_coerce,
)
from tests.integration.orm_models import recorded_sql


def _table() -> Table:
    return Table(
        "items",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(20)),
        Column("x", Integer),
        Column("flag", Boolean),
        Column("data", JSON),
        Column("d", DateTime),
    )


@pytest.fixture
def items(engine: Engine) -> Table:
    table = _table()
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(table),
            [
                {
                    "id": 1,
                    "name": "a",
                    "x": 1,
                    "flag": True,
                    "data": {"k": "v1", "n": 3, "f": 1.5, "b": True, "arr": [10, {"z": "deep"}]},
                    "d": dt.datetime(2020, 3, 4, 5, 6, 7),
                },
                {
                    "id": 2,
                    "name": "a",
                    "x": 5,
                    "flag": False,
                    "data": {"k": "v2", "n": 4, "f": 2.5, "b": False, "arr": [20, {"z": "d2"}]},
                    "d": dt.datetime(2021, 6, 7, 8, 9, 10),
                },
                {
                    "id": 3,
                    "name": "b",
                    "x": None,
                    "flag": None,
                    "data": {"k": None, "n": 5},
                    "d": dt.datetime(2022, 1, 1),
                },
                {"id": 4, "name": "b", "x": 7, "flag": True, "data": {"n": 6}, "d": None},
            ],
        )
    return table


def _run(engine: Engine, statement: Any) -> tuple[list[tuple[Any, ...]], list[str]]:
    with engine.connect() as conn, recorded_sql() as statements:
        rows = [tuple(row) for row in conn.execute(statement).all()]
    return rows, [s for s in statements if s.startswith("SELECT")]


# name -> (statement builder, rows expected, SQL expected in neutral spelling or None where
# the dialects differ; the unit tests pin those).
CASES: dict[str, tuple[Callable[[Table], Any], list[tuple[Any, ...]], str | None]] = {
    "desc_asc": (
        lambda t: select(t.c.id).order_by(desc(t.c.name), asc(t.c.id)),
        [(3,), (4,), (1,), (2,)],
        "SELECT items.id FROM items ORDER BY items.name DESC, items.id ASC",
    ),
    "distinct": (
        lambda t: select(distinct(t.c.name)).order_by(t.c.name),
        [("a",), ("b",)],
        "SELECT DISTINCT items.name FROM items ORDER BY items.name",
    ),
    "count_distinct": (
        lambda t: select(func.count(distinct(t.c.name))),
        [(2,)],
        "SELECT count(DISTINCT items.name) FROM items",
    ),
    "tuple_in": (
        lambda t: (
            select(t.c.id)
            .where(tuple_(t.c.id, t.c.x).in_([(1, 1), (2, 9), (4, 7)]))
            .order_by(t.c.id)
        ),
        [(1,), (4,)],
        "SELECT items.id FROM items WHERE (items.id, items.x) IN ((?, ?), (?, ?), (?, ?)) "
        "ORDER BY items.id",
    ),
    "extract": (
        lambda t: (
            select(t.c.id, extract("year", t.c.d), extract("month", t.c.d))
            .where(t.c.d.is_not(None))
            .order_by(t.c.id)
        ),
        [(1, 2020, 3), (2, 2021, 6), (3, 2022, 1)],
        None,
    ),
    "nulls_first": (
        lambda t: select(t.c.id).order_by(nulls_first(desc(t.c.x))),
        [(3,), (4,), (2,), (1,)],
        None,
    ),
    "nulls_last": (
        lambda t: select(t.c.id).order_by(nulls_last(t.c.x)),
        [(1,), (2,), (4,), (3,)],
        None,
    ),
    "type_coerce": (
        lambda t: select(type_coerce(t.c.name, String).label("q")).order_by(t.c.id),
        [("a",), ("a",), ("b",), ("b",)],
        "SELECT items.name AS q FROM items ORDER BY items.id",
    ),
    "is_true": (
        lambda t: select(t.c.id).where(t.c.flag.is_(True)).order_by(t.c.id),
        [(1,), (4,)],
        None,
    ),
    "is_not_false": (
        lambda t: select(t.c.id).where(t.c.flag.is_not(False)).order_by(t.c.id),
        [(1,), (3,), (4,)],
        None,
    ),
    "between": (
        lambda t: select(t.c.id).where(between(t.c.x, 2, 7)).order_by(t.c.id),
        [(2,), (4,)],
        "SELECT items.id FROM items WHERE items.x BETWEEN ? AND ? ORDER BY items.id",
    ),
    "over_partition": (
        lambda t: select(
            t.c.id, func.row_number().over(partition_by=t.c.name, order_by=t.c.id)
        ).order_by(t.c.id),
        [(1, 1), (2, 2), (3, 1), (4, 2)],
        "SELECT items.id, row_number() OVER (PARTITION BY items.name ORDER BY items.id) "
        "FROM items ORDER BY items.id",
    ),
    "over_rows": (
        lambda t: select(t.c.id, func.sum(t.c.id).over(order_by=t.c.id, rows=(-1, 0))).order_by(
            t.c.id
        ),
        [(1, 1), (2, 3), (3, 5), (4, 7)],
        "SELECT items.id, sum(items.id) OVER (ORDER BY items.id ROWS BETWEEN 1 PRECEDING AND "
        "CURRENT ROW) FROM items ORDER BY items.id",
    ),
    "over_range_unbounded": (
        lambda t: (
            select(t.c.id, func.sum(t.c.id).over(order_by=t.c.id, range_=(None, None)))
            .order_by(t.c.id)
            .limit(1)
        ),
        [(1, 10)],
        "SELECT items.id, sum(items.id) OVER (ORDER BY items.id RANGE BETWEEN UNBOUNDED "
        "PRECEDING AND UNBOUNDED FOLLOWING) FROM items ORDER BY items.id LIMIT ?",
    ),
    "json_index": (
        lambda t: select(t.c.data["k"]).order_by(t.c.id),
        [("v1",), ("v2",), (None,), (None,)],
        None,
    ),
    "json_path": (
        lambda t: select(t.c.data[("arr", 1)]).order_by(t.c.id),
        [({"z": "deep"},), ({"z": "d2"},), (None,), (None,)],
        None,
    ),
    "json_path_as_string": (
        lambda t: select(t.c.data[("arr", 1, "z")].as_string()).order_by(t.c.id),
        [("deep",), ("d2",), (None,), (None,)],
        None,
    ),
    "json_as_string": (
        lambda t: select(t.c.data["k"].as_string()).order_by(t.c.id),
        [("v1",), ("v2",), (None,), (None,)],
        None,
    ),
    "json_as_integer": (
        lambda t: select(t.c.id).where(t.c.data["n"].as_integer() > 4).order_by(t.c.id),
        [(3,), (4,)],
        None,
    ),
    "json_as_float": (
        lambda t: select(t.c.data["f"].as_float()).order_by(t.c.id),
        [(1.5,), (2.5,), (None,), (None,)],
        None,
    ),
    "json_as_boolean": (
        lambda t: select(t.c.data["b"].as_boolean()).order_by(t.c.id),
        [(True,), (False,), (None,), (None,)],
        None,
    ),
    "json_as_json": (
        lambda t: select(t.c.data["arr"].as_json()).order_by(t.c.id),
        [([10, {"z": "deep"}],), ([20, {"z": "d2"}],), (None,), (None,)],
        None,
    ),
    "text_column": (
        lambda t: select(text("1"), t.c.id).order_by(t.c.id).limit(2),
        [(1, 1), (1, 2)],
        "SELECT 1, items.id FROM items ORDER BY items.id LIMIT ?",
    ),
    "text_where": (
        lambda t: select(t.c.id).where(text("x > :n").bindparams(n=1)).order_by(t.c.id),
        [(2,), (4,)],
        "SELECT items.id FROM items WHERE x > ? ORDER BY items.id",
    ),
    "order_by_label": (
        lambda t: (
            select(t.c.name, func.sum(t.c.id).label("total"))
            .group_by("name")
            .order_by(desc("total"))
        ),
        [("b", 7), ("a", 3)],
        "SELECT items.name, sum(items.id) AS total FROM items GROUP BY items.name "
        "ORDER BY total DESC",
    ),
    "column_subcollection": (
        lambda t: select(*t.c["id", "name"]).order_by(t.c.id).limit(1),
        [(1, "a")],
        "SELECT items.id, items.name FROM items ORDER BY items.id LIMIT ?",
    ),
    "count_star": (
        lambda t: select(func.count("*")).select_from(t),
        [(4,)],
        "SELECT count(*) FROM items",
    ),
}


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_construct_returns_sqlalchemys_rows(engine: Engine, items: Table, case_name: str) -> None:
    """The construct runs and returns the rows SQLAlchemy 2.0 returns for it."""
    build, expected_rows, expected_sql = CASES[case_name]
    rows, statements = _run(engine, build(items))
    assert rows == expected_rows
    assert len(statements) == 1
    if expected_sql is not None:
        assert statements[0] == expected_sql


def test_filter_on_aggregate(engine: Engine, items: Table) -> None:
    """func.count().filter() counts matching rows; MariaDB, which lacks FILTER, refuses it."""
    statement = select(func.count(items.c.id).filter(items.c.x > 1))
    if not engine.dialect.features.aggregate_filter:
        with pytest.raises(exc.CompileError, match="FILTER"):
            _run(engine, statement)
        return
    rows, statements = _run(engine, statement)
    assert rows == [(2,)]
    assert statements == ["SELECT count(items.id) FILTER (WHERE items.x > ?) FROM items"]


def test_within_group(engine: Engine, items: Table) -> None:
    """percentile_cont(...).within_group(...): an aggregate on PostgreSQL, a window function
    on MariaDB; SQLite has no WITHIN GROUP and refuses it."""
    features = engine.dialect.features
    median = func.percentile_cont(0.5).within_group(items.c.id)
    if not features.within_group:
        with pytest.raises(exc.CompileError, match="WITHIN GROUP"):
            _run(engine, select(median))
        return
    if features.within_group_needs_over:
        with pytest.raises(exc.CompileError, match="window function"):
            _run(engine, select(median))
        statement = select(items.c.id, median.over(partition_by=items.c.name)).order_by(items.c.id)
        rows, _ = _run(engine, statement)
        assert rows == [(1, 1.5), (2, 1.5), (3, 3.5), (4, 3.5)]
        return
    rows, statements = _run(engine, select(median))
    assert rows == [(2.5,)]
    assert statements == ["SELECT percentile_cont(?) WITHIN GROUP (ORDER BY items.id) FROM items"]


def test_function_string_arguments(engine: Engine, items: Table) -> None:
    """String values passed to SQL functions run on every database (typed on PostgreSQL)."""
    statement = select(func.lower("ABC"), func.coalesce(items.c.name, "none")).where(
        items.c.id == 1
    )
    rows, _ = _run(engine, statement)
    assert rows == [("abc", "a")]
    if engine.dialect.name != "sqlite":  # SQLite before 3.44 has no concat()
        rows, statements = _run(engine, select(func.concat("a", "b")))
        assert rows == [("ab",)]
        assert statements[0].startswith("SELECT concat(")


def test_lateral(engine: Engine, items: Table) -> None:
    """select().lateral() joins a per-row subquery on PostgreSQL; the others refuse LATERAL."""
    other = items.alias("later")
    nxt = (
        select(other.c.id)
        .where(other.c.id > items.c.id)
        .order_by(other.c.id)
        .limit(1)
        .lateral("nxt")
    )
    statement = (
        select(items.c.id, nxt.c.id).select_from(items).join(nxt, true()).order_by(items.c.id)
    )
    if not engine.dialect.features.lateral:
        with pytest.raises(exc.CompileError, match="LATERAL"):
            _run(engine, statement)
        return
    rows, statements = _run(engine, statement)
    assert rows == [(1, 2), (2, 3), (3, 4)]
    assert statements == [
        "SELECT items.id, nxt.id FROM items JOIN LATERAL (SELECT later.id FROM items AS later "
        "WHERE later.id > items.id ORDER BY later.id LIMIT ?) AS nxt ON true"
        " ORDER BY items.id"
    ]


def test_table_valued_json_each(engine: Engine, items: Table) -> None:
    """func.json_each(...).table_valued("key") reads a JSON object's keys as rows (PostgreSQL,
    SQLite); MariaDB has no functions in FROM and refuses it."""
    keys = func.json_each(items.c.data).table_valued("key", name="j")
    statement = select(items.c.id, keys.c.key).where(items.c.id == 4)
    if not engine.dialect.features.table_functions:
        with pytest.raises(exc.CompileError, match="functions in FROM"):
            _run(engine, statement)
        return
    # A function reading a column of a table FROM beside it, not joined to it: SQLAlchemy
    # warns of the cartesian product, and so does corral (join(keys, true()) would not).
    with pytest.warns(exc.SAWarning, match='"j" and FROM element "items"'):
        rows, statements = _run(engine, statement)
    assert rows == [(4, "n")]
    assert statements == [
        "SELECT items.id, j.key FROM items, json_each(items.data) AS j WHERE items.id = ?"
    ]


def test_column_valued(engine: Engine, items: Table) -> None:
    """column_valued() selects a set-returning function's single column."""
    if not engine.dialect.features.table_functions:
        with pytest.raises(exc.CompileError, match="functions in FROM"):
            _run(engine, select(func.json_each(items.c.data).column_valued("value")))
        return
    name = "json_array_elements_text" if engine.dialect.name == "postgresql" else "json_each"
    values = getattr(func, name)(items.c.data["arr"]).column_valued("value")
    statement = select(values).select_from(items).where(items.c.id == 1)
    with pytest.warns(exc.SAWarning, match="cartesian product"):
        rows, statements = _run(engine, statement)
    parsed = [json.loads(v) if isinstance(v, str) else v for (v,) in rows]
    assert parsed == [10, {"z": "deep"}]
    assert statements[0].startswith(f"SELECT value FROM items, {name}(")


def test_literal_binds_statement_runs(engine: Engine, items: Table) -> None:
    """A statement compiled with literal_binds for the engine's dialect runs as text()
    and matches the parameterized result, quotes and backslashes included."""
    with engine.begin() as conn:
        conn.execute(insert(items), [{"id": 9, "name": "o'k\\z"}])
    statement = select(items.c.id).where(items.c.name == "o'k\\z", items.c.id > 0)
    written = statement.compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
    ).string
    assert "?" not in written and "%s" not in written
    with engine.connect() as conn:
        assert conn.execute(text(written.replace("%%", "%"))).all() == [(9,)]
        assert conn.execute(statement).all() == [(9,)]
