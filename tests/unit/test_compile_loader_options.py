"""The SQL of the query guide's loader options and relationship criteria, exact, per dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

import pytest

from corral import (
    DeclarativeBase,
    ForeignKey,
    Mapped,
    String,
    Text,
    aliased,
    defer,
    exc,
    func,
    joinedload,
    load_only,
    mapped_column,
    query_expression,
    relationship,
    select,
    undefer,
    undefer_group,
    with_expression,
)
from corral.orm.loading.query_plan import statement_to_run
from corral.sql.elements import ClauseElement
from corral.sql.selectable import Select
from tests.unit.compile_helpers import DIALECT_NAMES, sql, translate


class UnitBase(DeclarativeBase):
    pass


class Shop(UnitBase):
    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    item_count: Mapped[Optional[int]] = query_expression()  # noqa: UP045
    items: Mapped[list[Item]] = relationship(back_populates="shop")


class Item(UnitBase):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    label: Mapped[str] = mapped_column(String(50))
    notes: Mapped[Optional[str]] = mapped_column(  # noqa: UP045
        Text, deferred=True, deferred_group="more"
    )
    blurb: Mapped[Optional[str]] = mapped_column(  # noqa: UP045
        Text, deferred=True, deferred_group="more"
    )
    shop: Mapped[Shop] = relationship(back_populates="items")


ITEM = "item.id, item.shop_id, item.label"
other = aliased(Item, name="other")

CASES: dict[str, tuple[Callable[[], ClauseElement], str]] = {
    "join_and_criteria": (
        lambda: select(Shop.name).join(Shop.items.and_(Item.label == "x")),
        "SELECT shop.name FROM shop JOIN item ON shop.id = item.shop_id AND item.label = ?",
    ),
    "join_of_type_and_criteria": (
        lambda: select(Shop.name).join(Shop.items.of_type(other).and_(other.label == "x")),
        "SELECT shop.name FROM shop JOIN item AS other ON shop.id = other.shop_id "
        "AND other.label = ?",
    ),
    "join_criteria_then_of_type": (
        lambda: select(Shop.name).join(Shop.items.and_(Item.label == "x").of_type(other)),
        "SELECT shop.name FROM shop JOIN item AS other ON shop.id = other.shop_id "
        "AND other.label = ?",
    ),
    "joinedload_and_criteria": (
        lambda: select(Shop).options(joinedload(Shop.items.and_(Item.label != "x"))),
        "SELECT shop.id, shop.name, item_1.id, item_1.shop_id, item_1.label FROM shop "
        "LEFT OUTER JOIN item AS item_1 ON shop.id = item_1.shop_id AND item_1.label != ?",
    ),
    "defer_raiseload": (
        lambda: select(Item).options(defer(Item.label, raiseload=True)),
        "SELECT item.id, item.shop_id FROM item",
    ),
    "load_only_raiseload": (
        lambda: select(Item).options(load_only(Item.label, raiseload=True)),
        "SELECT item.id, item.label FROM item",
    ),
    "undefer_group": (
        lambda: select(Item).options(undefer_group("more")),
        f"SELECT {ITEM}, item.notes, item.blurb FROM item",
    ),
    "undefer_wildcard": (
        lambda: select(Item).options(undefer("*")),
        f"SELECT {ITEM}, item.notes, item.blurb FROM item",
    ),
    "with_expression": (
        lambda: (
            select(Shop)
            .join(Shop.items)
            .group_by(Shop.id)
            .options(with_expression(Shop.item_count, func.count(Item.id)))
        ),
        "SELECT shop.id, shop.name, count(item.id) AS item_count FROM shop "
        "JOIN item ON shop.id = item.shop_id GROUP BY shop.id",
    ),
}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_loader_option_sql(case: str, dialect: str) -> None:
    """Each option's statement compiles to the expected SQL on each dialect."""
    build, expected = CASES[case]
    statement = build()
    if isinstance(statement, Select):
        statement = statement_to_run(statement)
    assert sql(statement, dialect) == translate(expected, dialect)


def test_option_arguments_are_checked() -> None:
    """Misused options raise, naming what they take."""
    with pytest.raises(exc.ArgumentError, match="query_expression"):
        with_expression(Shop.name, func.count(Item.id))
    with pytest.raises(exc.ArgumentError, match="relationships"):
        Shop.name.and_(Shop.id == 1)
    with pytest.raises(exc.ArgumentError, match="at least one condition"):
        Shop.items.and_()
    with pytest.raises(exc.ArgumentError, match="no selected class"):
        statement_to_run(select(Item).options(undefer_group("missing")))
    with pytest.raises(exc.ArgumentError, match="undefer\\('\\*'\\) takes no other"):
        undefer("*", Item.label)
