"""Small SQLAlchemy spellings the example programs use, without a database."""

from __future__ import annotations

import pytest

from corral import Column, Integer, MetaData, String, Table, event, literal_column, select
from corral.orm import DeclarativeBase, Mapped, Mapper, column_property, mapped_column
from corral.orm.attributes import PASSIVE_NO_INITIALIZE, get_history
from corral.sql.defaults import ColumnDefault


def test_column_default_kinds() -> None:
    """ColumnDefault tells a constant (is_scalar) from a callable and a SQL expression."""
    constant, callable_, clause = (
        ColumnDefault(30),
        ColumnDefault(lambda: 1),
        ColumnDefault(literal_column("1")),
    )
    assert (constant.is_scalar, callable_.is_scalar, clause.is_scalar) == (True, False, False)
    assert not constant.is_sequence and not constant.is_server_default


def test_column_collection_get_takes_a_default() -> None:
    """table.c.get(key, default) gives the default when the table has no such column."""
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    fallback = Column("other", String(5))
    assert table.c.get("id") is table.c.id
    assert table.c.get("other", fallback) is fallback
    assert table.c.get("other") is None


def test_column_property_of_a_select_warns_and_uses_its_scalar_subquery() -> None:
    """column_property(select(...)) warns, then maps the SELECT's scalar subquery."""

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.warns(UserWarning, match="scalar subquery"):
        prop = column_property(select(Item.id).limit(1))
    assert prop is not None


def test_declare_first_and_last_run_around_configuration() -> None:
    """__declare_first__ runs before the mappers configure and __declare_last__ after."""
    calls: list[str] = []

    def first_listener() -> None:
        calls.append("before_configured")

    event.listen(Mapper, "before_configured", first_listener)
    try:

        class Base(DeclarativeBase):
            pass

        class Thing(Base):
            __tablename__ = "thing_hooks"
            id: Mapped[int] = mapped_column(primary_key=True)

            @classmethod
            def __declare_first__(cls) -> None:
                calls.append(f"first {cls.__name__}")

            @classmethod
            def __declare_last__(cls) -> None:
                calls.append(f"last {cls.__name__}")

        select(Thing)  # no configure yet
        Thing()  # first use configures
        assert calls[-1] == "last Thing"
        assert calls.index("first Thing") < calls.index("last Thing")
        assert calls.count("last Thing") == 1
    finally:
        event.remove(Mapper, "before_configured", first_listener)


def test_get_history_refuses_an_unknown_passive_flag_and_attribute() -> None:
    """get_history() names a wrong passive flag and an attribute that is not mapped."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing_history"
        id: Mapped[int] = mapped_column(primary_key=True)

    thing = Thing(id=1)
    assert get_history(thing, "id", PASSIVE_NO_INITIALIZE) == ([1], (), ())
    with pytest.raises(Exception, match="passive="):
        get_history(thing, "id", True)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="not a mapped column"):
        get_history(thing, "nope")


def test_table_columns_put_the_class_own_before_its_mixins() -> None:
    """A mapped class's table lists its own columns (body order) and then its mixins', a
    column the class redeclares taking the class's place, as SQLAlchemy orders them."""

    class Base(DeclarativeBase):
        pass

    class Stamped:
        created = Column(Integer)
        note = Column(Integer)

    class Tagged:
        tag: Mapped[str] = mapped_column(String(10))

    class Entry(Stamped, Tagged, Base):
        __tablename__ = "entry_order"
        id = Column(Integer, primary_key=True)
        body = Column(String(20))
        note = Column(String(20))

    assert Entry.__table__.c.keys() == ["id", "body", "note", "created", "tag"]
