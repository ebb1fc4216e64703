"""SQL-expression constructs (desc, tuple_, extract, over, filter, JSON indexing, text(),
label references, lateral, table-valued functions, literal_binds) as exact SQL per dialect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from corral import exc
from corral.sql import (
    asc,
    between,
    collate,
    desc,
    distinct,
    extract,
    func,
    funcfilter,
    lateral,
    literal,
    nulls_first,
    nulls_last,
    over,
    select,
    text,
    true,
    tuple_,
    type_coerce,
    within_group,
)
from corral.sql.elements import ClauseElement
from corral.sql.schema import Column, MetaData, Table
from corral.sql.types import JSON, Boolean, DateTime, Integer, String
from tests.unit.compile_helpers import DIALECT_NAMES, compile_dialect, compiled, sql, translate

metadata = MetaData()
t = Table(
    "t",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("x", Integer),
    Column("flag", Boolean),
    Column("data", JSON),
    Column("d", DateTime),
)
c = t.c

# (builder, SQL in neutral spelling) where the three dialects agree up to placeholder and quote.
COMMON: dict[str, tuple[Callable[[], ClauseElement], str]] = {
    "desc_asc": (
        lambda: select(c.id).order_by(desc(c.x), asc(c.name)),
        "SELECT t.id FROM t ORDER BY t.x DESC, t.name ASC",
    ),
    "distinct_column": (lambda: select(distinct(c.x)), "SELECT DISTINCT t.x FROM t"),
    "count_distinct": (
        lambda: select(func.count(distinct(c.x))),
        "SELECT count(DISTINCT t.x) FROM t",
    ),
    "tuple_in": (
        lambda: select(c.id).where(tuple_(c.id, c.x).in_([(1, 2), (3, 4)])),
        "SELECT t.id FROM t WHERE (t.id, t.x) IN ((?, ?), (?, ?))",
    ),
    "tuple_eq": (
        lambda: select(c.id).where(tuple_(c.id, c.x) == (1, 2)),
        "SELECT t.id FROM t WHERE (t.id, t.x) = (?, ?)",
    ),
    "between_function": (
        lambda: select(c.id).where(between(c.x, 1, 5)),
        "SELECT t.id FROM t WHERE t.x BETWEEN ? AND ?",
    ),
    "type_coerce_keeps_sql": (
        lambda: select(type_coerce(c.name, Integer).label("q")),
        "SELECT t.name AS q FROM t",
    ),
    "is_not_none": (
        lambda: select(c.id).where(c.flag.is_not(None)),
        "SELECT t.id FROM t WHERE t.flag IS NOT NULL",
    ),
    "over_partition_order": (
        lambda: select(c.id, func.row_number().over(partition_by=c.name, order_by=c.x)),
        "SELECT t.id, row_number() OVER (PARTITION BY t.name ORDER BY t.x) FROM t",
    ),
    "over_rows": (
        lambda: select(func.sum(c.x).over(order_by=c.id, rows=(None, 0))),
        "SELECT sum(t.x) OVER (ORDER BY t.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        "FROM t",
    ),
    "over_range": (
        lambda: select(func.sum(c.x).over(order_by=c.id, range_=(-1, 2))),
        "SELECT sum(t.x) OVER (ORDER BY t.id RANGE BETWEEN 1 PRECEDING AND 2 FOLLOWING) FROM t",
    ),
    "over_function": (
        lambda: select(over(func.rank(), order_by=desc(c.x))),
        "SELECT rank() OVER (ORDER BY t.x DESC) FROM t",
    ),
    "over_unbounded_following": (
        lambda: select(func.count(c.x).over(rows=(1, None))),
        "SELECT count(t.x) OVER (ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM t",
    ),
    "text_column": (lambda: select(text("1")), "SELECT 1"),
    "text_where": (
        lambda: select(c.id).where(text("x > 1")),
        "SELECT t.id FROM t WHERE x > 1",
    ),
    "text_where_with_bind": (
        lambda: select(c.id).where(text("x > :n").bindparams(n=3), c.id < 9),
        "SELECT t.id FROM t WHERE x > ? AND t.id < ?",
    ),
    "order_by_label_string": (
        lambda: (
            select(c.name, func.count(c.id).label("n")).group_by("name").order_by(desc("n"), "name")
        ),
        "SELECT t.name, count(t.id) AS n FROM t GROUP BY t.name ORDER BY n DESC, t.name",
    ),
    "order_by_text": (
        lambda: select(c.id).order_by(text("id DESC")),
        "SELECT t.id FROM t ORDER BY id DESC",
    ),
    "union_order_by_name": (
        lambda: select(c.name).union(select(c.name)).order_by("name"),
        "SELECT t.name FROM t UNION SELECT t.name FROM t ORDER BY name",
    ),
    "column_subcollection": (
        lambda: select(*c["id", "name"]),
        "SELECT t.id, t.name FROM t",
    ),
    "count_star_string": (lambda: select(func.count("*")).select_from(t), "SELECT count(*) FROM t"),
}

# (builder, {dialect: SQL as that dialect writes it}).
DIFFERING: dict[str, tuple[Callable[[], ClauseElement], dict[str, str]]] = {
    "extract_year": (
        lambda: select(extract("year", c.d)),
        {
            "sqlite": "SELECT CAST(STRFTIME('%Y', t.d) AS INTEGER) FROM t",
            "postgresql": "SELECT EXTRACT(year FROM t.d) FROM t",
            "mysql": "SELECT EXTRACT(year FROM t.d) FROM t",
        },
    ),
    "is_true": (
        lambda: select(c.id).where(c.flag.is_(True)),
        {
            "sqlite": "SELECT t.id FROM t WHERE t.flag IS 1",
            "postgresql": "SELECT t.id FROM t WHERE t.flag IS true",
            "mysql": "SELECT t.id FROM t WHERE t.flag IS true",
        },
    ),
    "is_not_false": (
        lambda: select(c.id).where(c.flag.is_not(False)),
        {
            "sqlite": "SELECT t.id FROM t WHERE t.flag IS NOT 0",
            "postgresql": "SELECT t.id FROM t WHERE t.flag IS NOT false",
            "mysql": "SELECT t.id FROM t WHERE t.flag IS NOT false",
        },
    ),
    "nulls_first_last": (
        lambda: select(c.id).order_by(nulls_first(desc(c.x)), nulls_last(c.name)),
        {
            "sqlite": "SELECT t.id FROM t ORDER BY t.x DESC NULLS FIRST, t.name NULLS LAST",
            "postgresql": "SELECT t.id FROM t ORDER BY t.x DESC NULLS FIRST, t.name NULLS LAST",
            "mysql": "SELECT t.id FROM t ORDER BY t.x IS NULL DESC, t.x DESC, "
            "t.name IS NULL ASC, t.name",
        },
    ),
    "collate": (
        lambda: select(c.id).order_by(collate(c.name, "C")),
        {
            "sqlite": "SELECT t.id FROM t ORDER BY t.name COLLATE `C`",
            "postgresql": 'SELECT t.id FROM t ORDER BY t.name COLLATE "C"',
            "mysql": "SELECT t.id FROM t ORDER BY t.name COLLATE `C`",
        },
    ),
    "filter": (
        lambda: select(func.count(c.id).filter(c.x > 1)),
        {
            "sqlite": "SELECT count(t.id) FILTER (WHERE t.x > ?) FROM t",
            "postgresql": "SELECT count(t.id) FILTER (WHERE t.x > %s) FROM t",
        },
    ),
    "funcfilter_over": (
        lambda: select(funcfilter(func.count(c.id), c.x > 1).over(partition_by=c.name)),
        {
            "sqlite": "SELECT count(t.id) FILTER (WHERE t.x > ?) OVER (PARTITION BY t.name) FROM t",
            "postgresql": "SELECT count(t.id) FILTER (WHERE t.x > %s) OVER (PARTITION BY t.name) "
            "FROM t",
        },
    ),
    "within_group": (
        lambda: select(func.percentile_cont(0.5).within_group(c.x)),
        {"postgresql": "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY t.x) FROM t"},
    ),
    "within_group_over": (
        lambda: select(within_group(func.percentile_cont(0.5), c.x).over(partition_by=c.name)),
        {
            "postgresql": "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY t.x) "
            "OVER (PARTITION BY t.name) FROM t",
            "mysql": "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY t.x) "
            "OVER (PARTITION BY t.name) FROM t",
        },
    ),
    "json_index": (
        lambda: select(c.data["k"]),
        {
            "sqlite": "SELECT JSON_QUOTE(JSON_EXTRACT(t.data, ?)) FROM t",
            "postgresql": "SELECT t.data -> %s FROM t",
            "mysql": "SELECT JSON_EXTRACT(t.data, %s) FROM t",
        },
    ),
    "json_path": (
        lambda: select(c.data[("a", 1)]),
        {
            "sqlite": "SELECT JSON_QUOTE(JSON_EXTRACT(t.data, ?)) FROM t",
            "postgresql": "SELECT t.data #> %s FROM t",
            "mysql": "SELECT JSON_EXTRACT(t.data, %s) FROM t",
        },
    ),
    "json_as_string": (
        lambda: select(c.data["k"].as_string()),
        {
            "sqlite": "SELECT JSON_EXTRACT(t.data, ?) FROM t",
            "postgresql": "SELECT (t.data ->> %s) FROM t",
            "mysql": "SELECT CASE JSON_EXTRACT(t.data, %s) WHEN 'null' THEN NULL "
            "ELSE JSON_UNQUOTE(JSON_EXTRACT(t.data, %s)) END FROM t",
        },
    ),
    "json_path_as_integer": (
        lambda: select(c.id).where(c.data[("a", 1)].as_integer() == 3),
        {
            "sqlite": "SELECT t.id FROM t WHERE JSON_EXTRACT(t.data, ?) = ?",
            "postgresql": "SELECT t.id FROM t WHERE CAST((t.data #>> %s) AS INTEGER) = %s",
            "mysql": "SELECT t.id FROM t WHERE CASE JSON_EXTRACT(t.data, %s) WHEN 'null' "
            "THEN NULL ELSE CAST(JSON_EXTRACT(t.data, %s) AS SIGNED) END = %s",
        },
    ),
    "json_as_float": (
        lambda: select(c.data["f"].as_float()),
        {
            "sqlite": "SELECT JSON_EXTRACT(t.data, ?) FROM t",
            "postgresql": "SELECT CAST((t.data ->> %s) AS DOUBLE PRECISION) FROM t",
            "mysql": "SELECT CASE JSON_EXTRACT(t.data, %s) WHEN 'null' THEN NULL "
            "ELSE JSON_EXTRACT(t.data, %s)+0.0000000000000000000000 END FROM t",
        },
    ),
    "json_as_boolean": (
        lambda: select(c.data["b"].as_boolean()),
        {
            "sqlite": "SELECT JSON_EXTRACT(t.data, ?) FROM t",
            "postgresql": "SELECT CAST((t.data ->> %s) AS BOOLEAN) FROM t",
            "mysql": "SELECT CASE JSON_EXTRACT(t.data, %s) "
            "WHEN 'true' THEN true WHEN 'false' THEN false END FROM t",
        },
    ),
    "json_as_json": (
        lambda: select(c.data["o"].as_json()),
        {
            "sqlite": "SELECT JSON_QUOTE(JSON_EXTRACT(t.data, ?)) FROM t",
            "postgresql": "SELECT t.data -> %s FROM t",
            "mysql": "SELECT JSON_EXTRACT(t.data, %s) FROM t",
        },
    ),
    "function_string_arguments": (
        lambda: select(func.concat("a", c.name)),
        {
            "sqlite": "SELECT concat(?, t.name) FROM t",
            "postgresql": "SELECT concat(CAST(%s AS VARCHAR), t.name) FROM t",
            "mysql": "SELECT concat(%s, t.name) FROM t",
        },
    ),
    "lateral": (
        lambda: (
            select(c.id, (sub := select(c.x).where(c.id > 1).lateral("l")).c.x)
            .select_from(t)
            .join(sub, true())
        ),
        {
            "postgresql": "SELECT t.id, l.x FROM t JOIN LATERAL (SELECT t.x FROM t "
            "WHERE t.id > %s) AS l ON true",
        },
    ),
    "table_valued": (
        lambda: select(func.json_each(c.data).table_valued("key", "value")),
        {
            "sqlite": "SELECT anon_1.`key`, anon_1.value FROM json_each(t.data) AS anon_1",
            "postgresql": "SELECT anon_1.key, anon_1.value FROM json_each(t.data) AS anon_1",
        },
    ),
    "table_valued_render_derived": (
        lambda: select(func.json_each(c.data).table_valued("key", name="j").render_derived()),
        {
            "sqlite": "SELECT j.`key` FROM json_each(t.data) AS j(`key`)",
            "postgresql": "SELECT j.key FROM json_each(t.data) AS j(key)",
        },
    ),
    "column_valued": (
        lambda: select(func.json_array_elements_text(c.data).column_valued("v")),
        {
            "sqlite": "SELECT v FROM json_array_elements_text(t.data) AS v",
            "postgresql": "SELECT v FROM json_array_elements_text(t.data) AS v",
        },
    ),
}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case_name", sorted(COMMON))
def test_common_constructs(case_name: str, dialect: str) -> None:
    """Each construct compiles to the expected SQL on every dialect."""
    build, expected = COMMON[case_name]
    assert sql(build(), dialect) == translate(expected, dialect)


@pytest.mark.parametrize(
    ("case_name", "dialect"),
    [(name, d) for name, (_, per_dialect) in sorted(DIFFERING.items()) for d in per_dialect],
)
def test_dialect_specific_constructs(case_name: str, dialect: str) -> None:
    """Constructs that each database spells its own way compile to that spelling."""
    build, per_dialect = DIFFERING[case_name]
    assert sql(build(), dialect) == per_dialect[dialect]


@pytest.mark.parametrize(
    ("build", "dialect", "message"),
    [
        (lambda: select(func.count(c.id).filter(c.x > 1)), "mysql", "FILTER"),
        (lambda: select(func.percentile_cont(0.5).within_group(c.x)), "sqlite", "WITHIN GROUP"),
        (lambda: select(func.percentile_cont(0.5).within_group(c.x)), "mysql", "window"),
        (lambda: select(select(c.x).lateral().c.x), "sqlite", "LATERAL"),
        (lambda: select(select(c.x).lateral().c.x), "mysql", "LATERAL"),
        (lambda: select(func.json_each(c.data).table_valued("key")), "mysql", "JSON_TABLE"),
        (lambda: select(c.id).order_by("nope"), "sqlite", "'nope'"),
    ],
)
def test_unsupported_constructs_are_refused_by_name(
    build: Callable[[], ClauseElement], dialect: str, message: str
) -> None:
    """A construct a database cannot run raises a corral error naming it, at compile time."""
    with pytest.raises(exc.CompileError, match=message):
        compiled(build(), dialect)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: c.name["k"], "needs a JSON expression"),
        (lambda: c.data[1.5], "JSON keys are str"),
        (lambda: func.sum(c.x).over(groups=(0, 1)), "groups"),
        (
            lambda: func.sum(c.x).over(rows=(0,)),  # type: ignore[arg-type]
            r"\(start, end\)",
        ),
        (lambda: extract("fortnight", c.d), "fortnight"),
        (lambda: tuple_(c.id, c.x).in_([(1,)]), "2 elements"),
        (lambda: between(c.x, 1, 2, symmetric=True), "symmetric"),
        (lambda: func.json_each(c.data).table_valued("key", with_ordinality="o"), "ordinality"),
        (lambda: c.data["k"].as_string().as_integer(), "already read as string"),
    ],
)
def test_unsupported_arguments_are_refused_by_name(
    build: Callable[[], object], message: str
) -> None:
    """Arguments corral does not implement raise ArgumentError naming them."""
    with pytest.raises(exc.ArgumentError, match=message):
        build()


def test_json_paths_are_bound_per_dialect() -> None:
    """The JSON path is a parameter: a key, a text[] path, or a $-path string."""
    statement = select(c.data[("a", 1)], c.data["k"], c.data[2])
    pg = statement.compile(dialect=compile_dialect("postgresql"))
    assert list(pg.params.values()) == [["a", "1"], "k", 2]
    lite = statement.compile(dialect=compile_dialect("sqlite"))
    assert list(lite.params.values()) == ['$."a"[1]', '$."k"', "$[2]"]


def test_literal_binds_quote_and_escape_per_dialect() -> None:
    """compile_kwargs={"literal_binds": True} writes values with each database's quoting."""
    statement = select(
        literal("it's \\ 50%"),
        literal(None),
        literal(True),
        literal(Decimal("1.50")),
        literal(dt.date(2020, 1, 2)),
        literal(dt.datetime(2020, 1, 2, 3, 4, 5)),
        literal(1.5),
    ).where(c.id == 3)
    written = {
        d: str(
            statement.compile(dialect=compile_dialect(d), compile_kwargs={"literal_binds": True})
        )
        for d in DIALECT_NAMES
    }
    values = (
        "NULL AS anon_2, {b} AS anon_3, 1.50 AS anon_4, '2020-01-02' AS anon_5, "
        "'2020-01-02 03:04:05' AS anon_6, 1.5 AS anon_7 \nFROM t \nWHERE t.id = 3"
    )
    assert written == {
        "sqlite": "SELECT 'it''s \\ 50%' AS anon_1, " + values.format(b="1"),
        "postgresql": "SELECT 'it''s \\ 50%%' AS anon_1, " + values.format(b="true"),
        "mysql": "SELECT 'it''s \\\\ 50%%' AS anon_1, " + values.format(b="true"),
    }


def test_literal_binds_refuse_values_without_a_literal_form() -> None:
    """A value with no unambiguous SQL literal (bytes) is refused, not guessed."""
    with pytest.raises(exc.CompileError, match="bytes"):
        select(literal(b"\x00")).compile(compile_kwargs={"literal_binds": True})


def test_compiled_params_and_positional() -> None:
    """Compiled.params maps parameter names to the statement's values; positional and
    positiontup follow the paramstyle SQLAlchemy prints for the dialect."""
    statement = select(c.id).where(c.id == 5, c.name == "x").limit(2)
    values = {"id_1": 5, "name_1": "x", "param_1": 2}
    pg = statement.compile(dialect=compile_dialect("postgresql"))
    assert str(pg) == (
        "SELECT t.id \nFROM t \nWHERE t.id = %(id_1)s AND t.name = %(name_1)s \n LIMIT %(param_1)s"
    )
    assert (pg.params, pg.positional, pg.positiontup) == (values, False, None)
    mysql = statement.compile(dialect=compile_dialect("mysql"))
    assert str(mysql) == "SELECT t.id \nFROM t \nWHERE t.id = %s AND t.name = %s \n LIMIT %s"
    assert (mysql.params, mysql.positional) == (values, True)
    assert mysql.positiontup == ["id_1", "name_1", "param_1"]
    assert str(statement) == (
        "SELECT t.id \nFROM t \nWHERE t.id = :id_1 AND t.name = :name_1\n LIMIT :param_1"
    )
    shown = statement.compile()
    assert (shown.params, shown.positional, shown.positiontup) == (values, False, None)


def test_compiled_params_give_an_expanding_in_its_list() -> None:
    """An in_() of values is one parameter in printed SQL; params give its list of values."""
    statement = select(c.id).where(c.id.in_([1, 2]), tuple_(c.id, c.x).in_([(1, 2), (3, 4)]))
    shown = statement.compile(dialect=compile_dialect("sqlite"))
    assert "t.id IN (__[POSTCOMPILE_id_1])" in str(shown)
    assert shown.params == {"id_1": [1, 2], "param_1": [(1, 2), (3, 4)]}
    assert shown.positiontup == ["id_1", "param_1"]


def test_executed_sql_stays_positional_and_compact() -> None:
    """What runs is compiled apart from what compile() prints: positional, one line."""
    statement = select(c.id).where(c.id == 5).limit(2)
    executed = statement._compile_for(compile_dialect("postgresql"))[0]
    assert executed.sql == "SELECT t.id FROM t WHERE t.id = %s LIMIT %s"
    assert executed.positional is True


def test_compile_refuses_unknown_compile_kwargs() -> None:
    """compile_kwargs corral does not implement raise, naming them."""
    with pytest.raises(exc.ArgumentError, match="render_postcompile"):
        select(c.id).compile(compile_kwargs={"render_postcompile": True})


def test_lateral_correlates_to_the_enclosing_from() -> None:
    """A lateral subquery leaves out the tables of the statement it joins (they are correlated)."""
    other = Table("o", MetaData(), Column("tid", Integer), Column("v", Integer))
    sub = lateral(select(other.c.v).where(other.c.tid == c.id).limit(1), "l")
    statement = select(c.id, sub.c.v).select_from(t).join(sub, true())
    assert sql(statement, "postgresql") == (
        "SELECT t.id, l.v FROM t JOIN LATERAL (SELECT o.v FROM o WHERE o.tid = t.id "
        "LIMIT %s) AS l ON true"
    )


def test_expressions_are_not_iterable() -> None:
    """Iterating a column raises instead of looping over __getitem__."""
    with pytest.raises(TypeError, match="not iterable"):
        list(c.data)


def test_compile_takes_an_engine_or_a_dialect() -> None:
    """compile(engine) uses the engine's dialect; a dialect (class or instance) works too."""
    from corral import create_engine
    from corral.dialects import postgresql

    statement = select(c.id).where(c.id == 1)
    engine = create_engine("sqlite://")
    assert str(statement.compile(engine)) == "SELECT t.id \nFROM t \nWHERE t.id = ?"
    for dialect in (postgresql.dialect, postgresql.dialect()):
        shown = str(statement.compile(dialect=dialect))
        assert shown == "SELECT t.id \nFROM t \nWHERE t.id = %(id_1)s"
    with pytest.raises(exc.ArgumentError, match="corral dialect"):
        statement.compile(dialect="postgresql")  # type: ignore[arg-type]


def test_subquery_column_subcollection() -> None:
    """c["a", "b"] on a subquery gives those columns, in that order."""
    sub = select(c.id, c.name, c.x).subquery("s")
    assert sql(select(*sub.c["x", "id"]), "postgresql") == (
        "SELECT s.x, s.id FROM (SELECT t.id, t.name, t.x FROM t) AS s"
    )


def test_literal_binds_cover_text_in_lists_and_limits() -> None:
    """literal_binds writes text() parameters, IN lists and LIMIT values inline too."""
    statement = select(c.id).where(text("name = :n").bindparams(n="a'b"), c.x.in_([1, 2])).limit(5)
    written = statement.compile(
        dialect=compile_dialect("sqlite"), compile_kwargs={"literal_binds": True}
    )
    assert str(written) == (  # SQLite printed: LIMIT n OFFSET 0, as SQLAlchemy writes it
        "SELECT t.id \nFROM t \nWHERE name = 'a''b' AND t.x IN (1, 2)\n LIMIT 5 OFFSET 0"
    )
