"""SELECT and expression compilation on SQLite, PostgreSQL and MariaDB, as exact SQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from corral.sql.columns import column, literal_column
from corral.sql.conditions import and_, not_, or_
from corral.sql.elements import ClauseElement, bindparam, false, literal, null, true
from corral.sql.functions import case, func
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.select_values import exists
from corral.sql.selectable import select, union, union_all
from corral.sql.text import text
from corral.sql.types import Boolean, DateTime, Integer, String
from corral.sql.wrappers import cast
from tests.unit.compile_helpers import DIALECT_NAMES, compile_dialect, compiled, sql, translate

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("active", Boolean),
    Column("created", DateTime),
)
addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("email", String(100)),
)
orders = Table(
    "order",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user", String(20)),
    Column("Total Amount", Integer),
)

# (builder, SQL in neutral spelling) where all three dialects agree up to placeholder and quote.
COMMON: dict[str, tuple[Callable[[], ClauseElement], str]] = {
    "select_table": (
        lambda: select(users),
        "SELECT users.id, users.name, users.active, users.created FROM users",
    ),
    "select_columns": (
        lambda: select(users.c.id, users.c.name),
        "SELECT users.id, users.name FROM users",
    ),
    "where_eq": (
        lambda: select(users.c.id).where(users.c.id == 5),
        "SELECT users.id FROM users WHERE users.id = ?",
    ),
    "where_ne_lt_le_gt_ge": (
        lambda: select(users.c.id).where(
            users.c.id != 1, users.c.id < 2, users.c.id <= 3, users.c.id > 4, users.c.id >= 5
        ),
        "SELECT users.id FROM users WHERE users.id != ? AND users.id < ? AND users.id <= ? "
        "AND users.id > ? AND users.id >= ?",
    ),
    "and_or_not": (
        lambda: select(users.c.id).where(
            or_(and_(users.c.id == 1, users.c.name == "a"), not_(users.c.name == "b"))
        ),
        "SELECT users.id FROM users WHERE users.id = ? AND users.name = ? OR users.name != ?",
    ),
    "or_inside_and_is_grouped": (
        lambda: select(users.c.id).where(
            and_(or_(users.c.id == 1, users.c.id == 2), users.c.name == "a")
        ),
        "SELECT users.id FROM users WHERE (users.id = ? OR users.id = ?) AND users.name = ?",
    ),
    "not_of_plain_column": (
        lambda: select(users.c.id).where(not_(users.c.active)),
        "SELECT users.id FROM users WHERE NOT users.active",
    ),
    "in_and_not_in": (
        lambda: select(users.c.id).where(users.c.id.in_([1, 2, 3]), users.c.id.not_in([4])),
        "SELECT users.id FROM users WHERE users.id IN (?, ?, ?) AND users.id NOT IN (?)",
    ),
    "in_empty_matches_nothing": (
        lambda: select(users.c.id).where(users.c.id.in_([])),
        "SELECT users.id FROM users WHERE 1 != 1",
    ),
    "in_subquery": (
        lambda: select(users.c.id).where(users.c.id.in_(select(addresses.c.user_id))),
        "SELECT users.id FROM users WHERE users.id IN (SELECT addresses.user_id FROM addresses)",
    ),
    "is_none_and_is_not": (
        lambda: select(users.c.id).where(users.c.name == None, users.c.active.is_not(None)),  # noqa: E711
        "SELECT users.id FROM users WHERE users.name IS NULL AND users.active IS NOT NULL",
    ),
    "like_and_escape": (
        lambda: select(users.c.id).where(
            users.c.name.like("a%"), users.c.name.not_like("b", escape="/")
        ),
        "SELECT users.id FROM users WHERE users.name LIKE ? AND users.name NOT LIKE ? ESCAPE '/'",
    ),
    "between": (
        lambda: select(users.c.id).where(users.c.id.between(1, 9)),
        "SELECT users.id FROM users WHERE users.id BETWEEN ? AND ?",
    ),
    "arithmetic_with_precedence": (
        lambda: select((users.c.id + 1) * 2, users.c.id - 3, -users.c.id),
        "SELECT (users.id + ?) * ?, users.id - ?, -users.id FROM users",
    ),
    "label_and_order": (
        lambda: select(users.c.name.label("n")).order_by(users.c.name.asc(), users.c.id.desc()),
        "SELECT users.name AS n FROM users ORDER BY users.name ASC, users.id DESC",
    ),
    "distinct_select_and_column": (
        lambda: select(users.c.name).distinct(),
        "SELECT DISTINCT users.name FROM users",
    ),
    "count_distinct": (
        lambda: select(func.count(users.c.name.distinct())),
        "SELECT count(DISTINCT users.name) FROM users",
    ),
    "functions": (
        lambda: select(
            func.count(), func.lower(users.c.name), func.now(), func.coalesce(users.c.id, 0)
        ),
        "SELECT count(*), lower(users.name), CURRENT_TIMESTAMP, coalesce(users.id, ?) FROM users",
    ),
    "literal_column_and_column": (
        lambda: select(literal_column("1"), column("x")).select_from(users),
        "SELECT 1, x FROM users",
    ),
    "literal_bind": (lambda: select(literal(5)), "SELECT ?"),
    "named_bindparam": (
        lambda: select(users.c.id).where(users.c.name == bindparam("who")),
        "SELECT users.id FROM users WHERE users.name = ?",
    ),
    "case": (
        lambda: select(case((users.c.id > 5, "big"), else_="small")),
        "SELECT CASE WHEN users.id > ? THEN ? ELSE ? END FROM users",
    ),
    "case_with_value": (
        lambda: select(case({1: "one", 2: "two"}, value=users.c.id)),
        "SELECT CASE users.id WHEN ? THEN ? WHEN ? THEN ? END FROM users",
    ),
    "exists_correlated": (
        lambda: select(users.c.id).where(
            exists(select(addresses.c.id).where(addresses.c.user_id == users.c.id))
        ),
        "SELECT users.id FROM users WHERE EXISTS (SELECT addresses.id FROM addresses "
        "WHERE addresses.user_id = users.id)",
    ),
    "exists_where": (
        lambda: select(users.c.id).where(exists().where(addresses.c.user_id == users.c.id)),
        "SELECT users.id FROM users WHERE EXISTS (SELECT * FROM addresses "
        "WHERE addresses.user_id = users.id)",
    ),
    "scalar_subquery": (
        lambda: select(
            users.c.name,
            select(func.count(addresses.c.id))
            .where(addresses.c.user_id == users.c.id)
            .scalar_subquery()
            .label("n"),
        ),
        "SELECT users.name, (SELECT count(addresses.id) FROM addresses "
        "WHERE addresses.user_id = users.id) AS n FROM users",
    ),
    "null_compare": (
        lambda: select(users.c.id).where(users.c.name.is_(null())),
        "SELECT users.id FROM users WHERE users.name IS NULL",
    ),
    "join_inferred": (
        lambda: select(users.c.name, addresses.c.email).join(addresses),
        "SELECT users.name, addresses.email FROM users JOIN addresses "
        "ON addresses.user_id = users.id",
    ),
    "outerjoin_explicit_on": (
        lambda: select(users.c.name).outerjoin(addresses, addresses.c.user_id == users.c.id),
        "SELECT users.name FROM users LEFT OUTER JOIN addresses ON addresses.user_id = users.id",
    ),
    "join_target_also_selected": (
        lambda: select(users.c.name, addresses.c.email).join(
            users, users.c.id == addresses.c.user_id
        ),
        "SELECT users.name, addresses.email FROM addresses JOIN users "
        "ON users.id = addresses.user_id",
    ),
    "join_from": (
        lambda: select(addresses.c.email).join_from(users, addresses),
        "SELECT addresses.email FROM users JOIN addresses ON addresses.user_id = users.id",
    ),
    "select_from": (
        lambda: select(func.count()).select_from(users),
        "SELECT count(*) FROM users",
    ),
    "implicit_from_of_where": (
        lambda: select(users.c.name).where(addresses.c.user_id == users.c.id),
        "SELECT users.name FROM users, addresses WHERE addresses.user_id = users.id",
    ),
    "group_by_having": (
        lambda: select(users.c.name, func.count()).group_by(users.c.name).having(func.count() > 1),
        "SELECT users.name, count(*) FROM users GROUP BY users.name HAVING count(*) > ?",
    ),
    "subquery": (
        lambda: select(
            (sub := select(users.c.id, func.count().label("n")).group_by(users.c.id).subquery()).c.n
        ).where(sub.c.id > 3),
        "SELECT anon_1.n FROM (SELECT users.id, count(*) AS n FROM users GROUP BY users.id) "
        "AS anon_1 WHERE anon_1.id > ?",
    ),
    "table_alias_self_join": (
        lambda: select((u2 := users.alias("u2")).c.name).where(u2.c.id == users.c.id),
        "SELECT u2.name FROM users AS u2, users WHERE u2.id = users.id",
    ),
    "cte": (
        lambda: select(select(users.c.id).where(users.c.id > 5).cte("top_users").c.id),
        "WITH top_users AS (SELECT users.id FROM users WHERE users.id > ?) "
        "SELECT top_users.id FROM top_users",
    ),
    "union_and_union_all": (
        lambda: union(
            select(users.c.id).where(users.c.id < 5),
            union_all(select(addresses.c.id), select(addresses.c.user_id)).selects[0],
        ).order_by(users.c.id),
        "SELECT users.id FROM users WHERE users.id < ? UNION SELECT addresses.id FROM addresses "
        "ORDER BY id",
    ),
    "union_all": (
        lambda: select(users.c.id).union_all(select(addresses.c.id)).limit(3),
        "SELECT users.id FROM users UNION ALL SELECT addresses.id FROM addresses LIMIT ?",
    ),
    "text_with_params": (
        lambda: text("SELECT * FROM users WHERE id = :id AND name = :name"),
        "SELECT * FROM users WHERE id = ? AND name = ?",
    ),
    "text_escaped_colon": (
        lambda: text("SELECT '10\\:30' AS t, :x"),
        "SELECT '10:30' AS t, ?",
    ),
    "cast": (
        lambda: select(cast(users.c.created, DateTime)),
        "SELECT CAST(users.created AS {datetime}) FROM users",
    ),
    "reserved_and_odd_identifiers": (
        lambda: select(orders.c.user, orders.c["Total Amount"]).where(orders.c.id == 1),
        'SELECT "order".{user}, "order"."Total Amount" FROM "order" WHERE "order".id = ?',
    ),
}

_DATETIME = {
    "sqlite": "DATETIME",
    "postgresql": "TIMESTAMP WITHOUT TIME ZONE",
    "mysql": "DATETIME(6)",
}
_USER = {"sqlite": '"user"', "postgresql": '"user"', "mysql": "user"}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case_name", sorted(COMMON))
def test_common_constructs(case_name: str, dialect: str) -> None:
    """Each construct compiles to the expected SQL on every dialect."""
    build, neutral = COMMON[case_name]
    expected = neutral.replace("{datetime}", _DATETIME[dialect]).replace("{user}", _USER[dialect])
    assert sql(build(), dialect) == translate(expected, dialect)


DIFFERING: dict[str, tuple[Callable[[], ClauseElement], dict[str, str]]] = {
    "equals_a_bool": (
        lambda: select(users.c.id).where(users.c.active == True, users.c.active != False),  # noqa: E712
        {
            "sqlite": "SELECT users.id FROM users WHERE users.active = 1 AND users.active != 0",
            "postgresql": (
                "SELECT users.id FROM users WHERE users.active = true AND users.active != false"
            ),
            "mysql": (
                "SELECT users.id FROM users WHERE users.active = true AND users.active != false"
            ),
        },
    ),
    "limit_offset": (
        lambda: select(users.c.id).order_by(users.c.id).limit(10).offset(20),
        {
            "sqlite": "SELECT users.id FROM users ORDER BY users.id LIMIT ? OFFSET ?",
            "postgresql": "SELECT users.id FROM users ORDER BY users.id LIMIT %s OFFSET %s",
            "mysql": "SELECT users.id FROM users ORDER BY users.id LIMIT %s, %s",
        },
    ),
    "ilike": (
        lambda: select(users.c.id).where(users.c.name.ilike("a%")),
        {
            "sqlite": "SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?)",
            "postgresql": "SELECT users.id FROM users WHERE users.name ILIKE %s",
            "mysql": "SELECT users.id FROM users WHERE lower(users.name) LIKE lower(%s)",
        },
    ),
    "contains_startswith_endswith": (
        lambda: select(users.c.id).where(
            users.c.name.contains("a"), users.c.name.startswith("b"), users.c.name.endswith("c")
        ),
        {
            "sqlite": "SELECT users.id FROM users WHERE users.name LIKE '%' || ? || '%' "
            "AND users.name LIKE ? || '%' AND users.name LIKE '%' || ?",
            "postgresql": "SELECT users.id FROM users WHERE users.name LIKE '%%' || %s || '%%' "
            "AND users.name LIKE %s || '%%' AND users.name LIKE '%%' || %s",
            "mysql": "SELECT users.id FROM users WHERE users.name LIKE "
            "concat('%%', %s, '%%') AND users.name LIKE concat(%s, '%%') "
            "AND users.name LIKE concat('%%', %s)",
        },
    ),
    "string_concat": (
        lambda: select(users.c.name + "!"),
        {
            "sqlite": "SELECT users.name || ? FROM users",
            "postgresql": "SELECT users.name || %s FROM users",
            "mysql": "SELECT concat(users.name, %s) FROM users",
        },
    ),
    "true_false": (
        lambda: select(users.c.id).where(or_(true(), false())),
        {
            "sqlite": "SELECT users.id FROM users WHERE 1 OR 0",
            "postgresql": "SELECT users.id FROM users WHERE true OR false",
            "mysql": "SELECT users.id FROM users WHERE true OR false",
        },
    ),
    "nulls_first_last": (
        lambda: select(users.c.id).order_by(
            users.c.name.desc().nulls_first(), users.c.id.nulls_last()
        ),
        {
            "sqlite": "SELECT users.id FROM users ORDER BY users.name DESC NULLS FIRST, "
            "users.id NULLS LAST",
            "postgresql": "SELECT users.id FROM users ORDER BY users.name DESC NULLS FIRST, "
            "users.id NULLS LAST",
            "mysql": "SELECT users.id FROM users ORDER BY users.name IS NULL DESC, "
            "users.name DESC, users.id IS NULL ASC, users.id",
        },
    ),
    "offset_only": (
        lambda: select(users.c.id).offset(5),
        {
            "sqlite": "SELECT users.id FROM users LIMIT -1 OFFSET ?",
            "postgresql": "SELECT users.id FROM users OFFSET %s",
            "mysql": "SELECT users.id FROM users LIMIT %s, 18446744073709551615",
        },
    ),
    "for_update": (
        lambda: select(users.c.id).with_for_update(),
        {
            "sqlite": "SELECT users.id FROM users",
            "postgresql": "SELECT users.id FROM users FOR UPDATE",
            "mysql": "SELECT users.id FROM users FOR UPDATE",
        },
    ),
    "for_update_nowait": (
        lambda: select(users.c.id).with_for_update(nowait=True),
        {
            "sqlite": "SELECT users.id FROM users",
            "postgresql": "SELECT users.id FROM users FOR UPDATE NOWAIT",
            "mysql": "SELECT users.id FROM users FOR UPDATE NOWAIT",
        },
    ),
    "for_update_skip_locked": (
        lambda: select(users.c.id).with_for_update(skip_locked=True),
        {
            "sqlite": "SELECT users.id FROM users",
            "postgresql": "SELECT users.id FROM users FOR UPDATE SKIP LOCKED",
            "mysql": "SELECT users.id FROM users FOR UPDATE SKIP LOCKED",
        },
    ),
    "for_share": (
        lambda: select(users.c.id).with_for_update(read=True),
        {
            "sqlite": "SELECT users.id FROM users",
            "postgresql": "SELECT users.id FROM users FOR SHARE",
            "mysql": "SELECT users.id FROM users LOCK IN SHARE MODE",
        },
    ),
    "cast_integer": (
        lambda: select(cast(users.c.name, Integer)),
        {
            "sqlite": "SELECT CAST(users.name AS INTEGER) FROM users",
            "postgresql": "SELECT CAST(users.name AS INTEGER) FROM users",
            "mysql": "SELECT CAST(users.name AS SIGNED) FROM users",
        },
    ),
}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case_name", sorted(DIFFERING))
def test_dialect_specific_constructs(case_name: str, dialect: str) -> None:
    """Constructs whose SQL differs between databases compile to each one's spelling."""
    build, expected = DIFFERING[case_name]
    assert sql(build(), dialect) == expected[dialect]


def test_for_update_of_on_postgresql() -> None:
    """with_for_update(of=...) names the locked table on PostgreSQL."""
    statement = select(users.c.id).join(addresses).with_for_update(of=users)
    assert sql(statement, "postgresql").endswith(" FOR UPDATE OF users")


def test_full_outer_join_refused_on_mariadb() -> None:
    """MariaDB has no FULL OUTER JOIN, and says so instead of sending bad SQL."""
    from corral import exc

    statement = select(users.c.id).join(addresses, full=True)
    assert "FULL OUTER JOIN" in sql(statement, "postgresql")
    with pytest.raises(exc.UnsupportedCompilationError, match="FULL OUTER JOIN"):
        sql(statement, "mysql")


def test_values_are_bound_in_order() -> None:
    """Parameters come out in placeholder order, with values from the statement."""
    statement = (
        select(users.c.id).where(users.c.name == "x", users.c.id.in_([7, 8])).limit(2).offset(1)
    )
    c, binds = statement._compile_for(compile_dialect("sqlite"))
    assert c.construct_params(binds) == ("x", 7, 8, 2, 1)


def test_named_bindparam_takes_value_from_execute() -> None:
    """A bindparam() without value takes it from the parameters passed at execution."""
    statement = select(users.c.id).where(users.c.name == bindparam("who"))
    c, binds = statement._compile_for(compile_dialect("sqlite"))
    assert c.construct_params(binds, {"who": "ann"}) == ("ann",)


def test_result_columns_and_keys() -> None:
    """A select records its result keys in order, labels and function names included."""
    c = compiled(select(users.c.id, users.c.name.label("who"), func.count()), "sqlite")
    assert c.result_keys == ("id", "who", "count_1")  # as SQLAlchemy keys it
