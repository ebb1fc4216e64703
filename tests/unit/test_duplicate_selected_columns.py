"""A SELECT of the same column twice, or of a label equal to a column's name, prints, names
its subquery's columns and runs as SQLAlchemy 1.4+ has it (migration_14, change 4753)."""

from __future__ import annotations

from corral import Integer, column, create_engine, literal_column, select, table, text
from tests.unit.compile_helpers import sql


def test_free_standing_columns_are_never_labelled() -> None:
    """``select(c1, c2, c3.label("c2"), c2, c4)`` prints each column bare, printed and run."""
    c1, c2, c3, c4 = column("c1"), column("c2"), column("c3"), column("c4")
    stmt = select(c1, c2, c3.label("c2"), c2, c4)
    assert str(stmt) == "SELECT c1, c2, c3 AS c2, c2, c4"
    assert sql(stmt, "sqlite") == "SELECT c1, c2, c3 AS c2, c2, c4"


def test_selected_columns_keep_the_duplicates_in_order() -> None:
    """``selected_columns`` holds the five columns, the repeated one twice."""
    c1, c2, c3, c4 = column("c1"), column("c2"), column("c3"), column("c4")
    label = c3.label("c2")
    assert list(select(c1, c2, label, c2, c4).selected_columns) == [c1, c2, label, c2, c4]


def test_a_subquery_names_its_columns_as_the_select_writes_them() -> None:
    """The subquery's columns are ``c2`` as written inside; the outer SELECT labels them apart."""
    c1, c2, c3, c4 = column("c1"), column("c2"), column("c3"), column("c4")
    subquery = select(c1, c2, c3.label("c2"), c2, c4).subquery()
    assert str(subquery.select()) == (
        "SELECT anon_1.c1, anon_1.c2, anon_1.c2 AS c2_1, anon_1.c2 AS c2_2, anon_1.c4 \n"
        "FROM (SELECT c1, c2, c3 AS c2, c2, c4) AS anon_1"
    )
    assert subquery.c.keys() == ["c1", "c2", "c2_1", "c2_2", "c4"]
    assert [c.description for c in subquery.c] == ["c1", "c2", "c2", "c2", "c4"]


def test_a_label_named_like_an_earlier_column_is_referred_to_by_its_own_name() -> None:
    """A table column then a label of the same name: the subquery refers to the label as
    written (``a``), never by a name the inner SELECT does not have."""
    t = table("t", column("a"), column("b"))
    subquery = select(t.c.a, t.c.b.label("z"), t.c.b.label("a")).subquery("s")
    assert [c.description for c in subquery.c] == ["a", "z", "a"]
    assert "s.a_1" not in sql(subquery.select(), "sqlite")


def test_table_columns_in_a_subquery_are_still_labelled_apart() -> None:
    """Columns of a table keep their distinct labels inside a subquery (what runs)."""
    t, u = table("t", column("c2")), table("u", column("c2"))
    stmt = select(t.c.c2, u.c.c2).subquery("s").select()
    assert sql(stmt, "sqlite") == (
        "SELECT s.c2, s.c2_1 FROM (SELECT t.c2, u.c2 AS c2_1 FROM t, u) AS s"
    )


def test_executing_it_returns_the_rows_and_keys_sqlalchemy_returns() -> None:
    """Run on SQLite: keys ``c1, c2, c2, c2, c4`` and the label's value in its place; the
    subquery's repeated columns come back as ``c2, c2_1, c2_2``."""
    c1, c2, c3, c4 = (literal_column(n) for n in ("c1", "c2", "c3", "c4"))
    source = (
        text("SELECT 1 AS c1, 2 AS c2, 3 AS c3, 4 AS c4")
        .columns(c1=Integer, c2=Integer, c3=Integer, c4=Integer)
        .subquery("src")
    )
    stmt = select(c1, c2, c3.label("c2"), c2, c4).select_from(source)
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        result = connection.execute(stmt)
        assert list(result.keys()) == ["c1", "c2", "c2", "c2", "c4"]
        assert result.all() == [(1, 2, 3, 2, 4)]
        nested = connection.execute(stmt.subquery().select())
        assert list(nested.keys()) == ["c1", "c2", "c2_1", "c2_2", "c4"]
        assert nested.all() == [(1, 2, 2, 2, 4)]
    engine.dispose()
