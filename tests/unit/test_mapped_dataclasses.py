"""Dataclass mapping without a database: MappedAsDataclass and the field options."""

from __future__ import annotations

import dataclasses

import pytest

from corral import ForeignKey, String, exc
from corral.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class DataBase(MappedAsDataclass, DeclarativeBase):
    pass


class Item(DataBase):
    __tablename__ = "ext_item"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(default=1)
    tags: Mapped[list[Tag]] = relationship(default_factory=list, repr=False)
    secret: Mapped[str | None] = mapped_column(String(20), default=None, repr=False, kw_only=True)


class Tag(DataBase):
    __tablename__ = "ext_tag"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("ext_item.id"), init=False)
    label: Mapped[str] = mapped_column(String(20))


def test_mapped_as_dataclass_makes_init_repr_and_eq() -> None:
    """Positional __init__ in body order, defaults, factories, repr=False and kw_only."""
    item = Item("box", 3, secret="s")
    assert (item.name, item.size, item.tags, item.secret) == ("box", 3, [], "s")
    assert repr(item) == "Item(id=None, name='box', size=3)"
    assert Item("a") == Item("a") and Item("a") != Item("b")
    assert Item("a").size == 1
    assert dataclasses.is_dataclass(Item)
    with pytest.raises(TypeError):
        Item(id=5, name="x")  # type: ignore[call-arg]


def test_mapped_as_dataclass_fields_are_instrumented() -> None:
    """The dataclass __init__ sets mapped attributes, so relationships keep both sides."""
    tag = Tag("t")
    item = Item("box", tags=[tag])
    assert item.tags == [tag]
    assert isinstance(Item.__dict__["name"], object) and "name" in Item.__mapper__.columns_by_key


def test_mapped_as_dataclass_class_options() -> None:
    """Class keywords reach dataclasses.dataclass (here: no __eq__, keyword-only)."""

    class Loose(DataBase, eq=False, kw_only=True):
        __tablename__ = "ext_loose"
        id: Mapped[int] = mapped_column(primary_key=True, init=False)
        name: Mapped[str] = mapped_column(String(20))

    assert Loose(name="a") != Loose(name="a")
    with pytest.raises(TypeError):
        Loose("a")  # type: ignore[call-arg]


def test_dataclass_options_outside_dataclass_mapping_are_refused() -> None:
    """init= on a class not mapped as a dataclass is refused naming MappedAsDataclass."""
    with pytest.raises(exc.MappingError, match="not mapped as a dataclass"):

        class Plain(Base):
            __tablename__ = "ext_plain_dc"
            id: Mapped[int] = mapped_column(primary_key=True, init=False)


def test_column_property_and_query_expression_are_not_init_fields() -> None:
    """With init=False, read-only attributes stay out of __init__; without a default they
    leave no value that would hide a load."""
    from corral.orm import column_property, query_expression

    class Shape(DataBase):
        __tablename__ = "ext_shape"
        id: Mapped[int] = mapped_column(primary_key=True, init=False)
        width: Mapped[int] = mapped_column()
        height: Mapped[int] = mapped_column()
        area: Mapped[int] = column_property(width * height, init=False, repr=False)
        score: Mapped[int | None] = query_expression(init=False, default=None)

    shape = Shape(2, 3)
    assert "area" not in shape.__dict__ and shape.score is None
    assert repr(shape).endswith("Shape(id=None, width=2, height=3, score=None)")
    with pytest.raises(TypeError):
        Shape(2, 3, 6)  # type: ignore[call-arg]  # too many positional arguments


def test_column_property_expire_on_flush_false_is_kept() -> None:
    """expire_on_flush=False leaves the attribute out of what an UPDATE expires."""
    from corral.orm import column_property

    class Box(Base):
        __tablename__ = "ext_box"
        id: Mapped[int] = mapped_column(primary_key=True)
        side: Mapped[int] = mapped_column()
        volume: Mapped[int] = column_property(side * side * side, expire_on_flush=False)
        double: Mapped[int] = column_property(side * 2)

    assert Box.__mapper__.expire_on_flush == frozenset({"double"})
