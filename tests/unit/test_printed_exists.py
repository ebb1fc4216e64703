"""EXISTS in printed SQL, grouped as SQLAlchemy 2.0 groups it: ``NOT (EXISTS (...))``, and
``(EXISTS (...))`` as the operand of AND, OR or a comparison; bare where it stands alone."""

from __future__ import annotations

from corral import Boolean, Integer, and_, case, column, exists, not_, or_, select, table, true
from corral.sql.select_values import Exists
from tests.unit.compile_helpers import compile_dialect, compiled

t = table("t", column("x", Integer), column("flag", Boolean))
u = table("u", column("t_x", Integer))
SUB = "EXISTS (SELECT * FROM u WHERE u.t_x = t.x)"


def _has_u() -> Exists:
    return exists().where(u.c.t_x == t.c.x)


def _flat(statement: object) -> str:
    return " ".join(str(statement).split())


def test_negated_exists_is_parenthesised() -> None:
    """~exists(), not_(exists()), ~~exists(), and through a dialect's printed form."""
    assert _flat(select(t.c.x).where(~_has_u())) == f"SELECT t.x FROM t WHERE NOT ({SUB})"
    assert _flat(select(t.c.x).where(not_(_has_u()))) == f"SELECT t.x FROM t WHERE NOT ({SUB})"
    assert _flat(select(t.c.x).where(~~_has_u())) == f"SELECT t.x FROM t WHERE NOT (NOT ({SUB}))"
    printed = select(t.c.x).where(~_has_u()).compile(dialect=compile_dialect("postgresql"))
    assert " ".join(str(printed).split()) == f"SELECT t.x FROM t WHERE NOT ({SUB})"


def test_exists_as_an_operand_is_parenthesised() -> None:
    """AND / OR (either side, where() twice), = true: (EXISTS (...)); alone it is bare."""
    assert _flat(select(t.c.x).where(_has_u())) == f"SELECT t.x FROM t WHERE {SUB}"
    assert _flat(select(t.c.x).where(t.c.x > 1, _has_u())) == (
        f"SELECT t.x FROM t WHERE t.x > :x_1 AND ({SUB})"
    )
    assert _flat(select(t.c.x).where(_has_u()).where(t.c.x > 1)) == (
        f"SELECT t.x FROM t WHERE ({SUB}) AND t.x > :x_1"
    )
    assert _flat(select(t.c.x).where(or_(t.c.x > 1, _has_u()))) == (
        f"SELECT t.x FROM t WHERE t.x > :x_1 OR ({SUB})"
    )
    assert _flat(select(t.c.x).where(and_(t.c.x > 1, ~_has_u()))) == (
        f"SELECT t.x FROM t WHERE t.x > :x_1 AND NOT ({SUB})"
    )
    assert _flat(select(t.c.x).where(_has_u() == true())) == (
        f"SELECT t.x FROM t WHERE ({SUB}) = true"
    )


def test_exists_in_columns_and_case() -> None:
    """SELECT EXISTS (...) AS anon_1 stays bare; NOT (EXISTS (...)) gets a label too; a
    CASE WHEN groups it."""
    one = exists().where(u.c.t_x == 1)
    sub = "EXISTS (SELECT * FROM u WHERE u.t_x = :t_x_1)"
    assert _flat(select(one)) == f"SELECT {sub} AS anon_1"
    assert _flat(select(~one)) == f"SELECT NOT ({sub}) AS anon_1"
    assert _flat(select(case((one, 1), else_=0))) == (
        f"SELECT CASE WHEN ({sub}) THEN :param_1 ELSE :param_2 END AS anon_1"
    )


def test_unary_of_an_expression_is_labelled() -> None:
    """-(x + 1), NOT (a AND b), -abs(x): anon_1; -x, NOT flag, x DESC keep the column's name."""
    assert _flat(select(-(t.c.x + 1))) == "SELECT -(t.x + :x_1) AS anon_1 FROM t"
    assert _flat(select(not_(and_(t.c.flag, t.c.x > 1)))) == (
        "SELECT NOT (t.flag AND t.x > :x_1) AS anon_1 FROM t"
    )
    assert _flat(select(-t.c.x)) == "SELECT -t.x FROM t"
    assert _flat(select(~t.c.flag)) == "SELECT NOT t.flag FROM t"


def test_executed_sql_keeps_its_compact_form() -> None:
    """What runs is unchanged: NOT EXISTS (...), x AND EXISTS (...)."""
    statement = select(t.c.x).where(t.c.x > 1, ~_has_u())
    assert compiled(statement, "sqlite").sql == (
        f"SELECT t.x FROM t WHERE t.x > ? AND NOT {SUB}".replace("\n", "")
    )
