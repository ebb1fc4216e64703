"""corral.sql.visitors, operator names, whereclause, shares_lineage: walking a WHERE clause
as SQLAlchemy's sharding example's execute_chooser does."""

from __future__ import annotations

from typing import Any

from corral import Column, Integer, MetaData, String, Table, and_, select
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.sql import operators, visitors
from corral.sql.defaults import ColumnDefault


class Base(DeclarativeBase):
    pass


class Place(Base):
    __tablename__ = "visit_place"
    id: Mapped[int] = mapped_column(primary_key=True)
    continent: Mapped[str] = mapped_column(String(20))


def test_traverse_visits_breadth_first_by_visit_name() -> None:
    """traverse() calls each visitor with the elements of its kind, parents before parts."""
    seen: list[str] = []
    condition = and_(Place.continent == "Asia", Place.id > 3)
    visitors.traverse(
        condition,
        {},
        {
            "binary": lambda b: seen.append(f"binary {b.operator.name}"),
            "column": lambda c: seen.append(f"column {c.name}"),
            "bindparam": lambda p: seen.append(f"bind {p.effective_value!r}"),
        },
    )
    assert seen == [
        "binary eq",
        "binary gt",
        "column continent",
        "bind 'Asia'",
        "column id",
        "bind 3",
    ]


def test_iterate_does_not_enter_a_columns_table() -> None:
    """A column's table is not walked into (its other columns are not the clause's)."""
    elements = list(visitors.iterate(Place.continent == "x"))
    assert [getattr(e, "name", None) for e in elements if e.visit_name == "column"] == ["continent"]


def test_operator_names_compare_with_an_expressions_operator() -> None:
    """binary.operator equals operators.eq / in_op as in SQLAlchemy."""
    assert (Place.continent == "x").operator == operators.eq
    assert getattr(Place.continent.in_(["a", "b"]), "operator", None) == operators.in_op
    assert (Place.id < 1).operator != operators.eq


def test_whereclause_and_shares_lineage() -> None:
    """Select.whereclause joins the WHERE conditions; an attribute shares lineage with its
    table's column and not with another column."""
    assert select(Place).whereclause is None
    one = select(Place).where(Place.id == 1)
    assert one.whereclause is not None and one.whereclause.visit_name == "binary"
    two = one.where(Place.continent == "x")
    assert str(two.whereclause) == "visit_place.id = :id_1 AND visit_place.continent = :continent_1"
    table: Any = Place.__table__
    assert Place.continent.shares_lineage(table.c.continent)
    assert not Place.continent.shares_lineage(table.c.id)


def test_default_callable_taking_a_context_gets_the_row() -> None:
    """A column default that takes one argument is passed a context with the row's values;
    one that takes none is called without."""

    def from_row(context: Any) -> str:
        return f"n{context.get_current_parameters()['id']}"

    assert ColumnDefault(from_row).value({"id": 4}) == "n4"
    assert ColumnDefault(lambda: 5).value({"id": 4}) == 5
    table = Table(
        "visit_default",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("code", String(10), default=from_row),
    )
    from corral import create_engine

    engine = create_engine("sqlite://")
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), {"id": 7})
        assert connection.execute(select(table.c.code)).scalar_one() == "n7"
    engine.dispose()
