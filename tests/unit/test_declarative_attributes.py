"""Class attributes declarative mapping does not understand are refused, naming them."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from corral import (
    Column,
    DeclarativeBase,
    ForeignKey,
    Integer,
    Mapped,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    deferred,
    exc,
    mapped_column,
    relationship,
)


def test_plain_column_maps_with_attribute_as_key() -> None:
    """``x = Column(...)`` is a mapped column whose key is the attribute name."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id = Column(Integer, primary_key=True)
        label = Column("label_text", String(10))

    columns: list[Any] = list(Thing.__mapper__.columns)
    assert [(c.key, c.name) for c in columns] == [("id", "id"), ("label", "label_text")]
    assert Thing.__mapper__.column_keys == ("id", "label")
    thing: Any = Thing(label="a")
    assert thing.label == "a"


def test_mapped_annotation_does_not_retype_a_plain_column() -> None:
    """A Column's own type and nullability win over its Mapped[...] annotation, as in SQLAlchemy."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id = Column(Integer, primary_key=True)
        size: Mapped[int] = Column(String(5))  # type: ignore[assignment]

    column = Thing.__mapper__.columns_by_key["size"]
    assert isinstance(column.type, String)
    assert column.nullable is True


def test_untyped_foreign_key_column_takes_target_type_either_order() -> None:
    """Column(ForeignKey(...)) adopts the referred column's type, declared before or after."""
    metadata = MetaData()
    early = Table("early", metadata, Column("id", String(8), primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("early_id", ForeignKey("early.id")),
        Column("late_id", ForeignKey("late.id")),
    )
    assert child.c.early_id.type is early.c.id.type
    Table("late", metadata, Column("id", Integer, primary_key=True))
    assert isinstance(child.c.late_id.type, Integer)


def test_column_of_another_table_is_refused() -> None:
    """A Column already in a Table cannot also be a class attribute."""

    class Base(DeclarativeBase):
        pass

    other = Table("other", MetaData(), Column("x", Integer))
    with pytest.raises(exc.MappingError, match=r"Thing\.x is the column 'x' of table 'other'"):

        class Thing(Base):
            __tablename__ = "thing"
            id = Column(Integer, primary_key=True)
            x = other.c.x


def test_one_column_under_two_names_is_refused() -> None:
    """The same Column object under two attribute names is refused, naming both."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"Thing\.y and Thing\.x are one Column"):

        class Thing(Base):
            __tablename__ = "thing"
            id = Column(Integer, primary_key=True)
            x = Column(Integer)
            y = x


def test_plain_annotation_without_value_is_refused() -> None:
    """``x: int`` (no Mapped[...], no value) is refused, as SQLAlchemy does."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"Thing\.size: the annotation .*int.* Mapped"):

        class Thing(Base):
            __tablename__ = "thing"
            id: Mapped[int] = mapped_column(primary_key=True)
            size: int


def test_plain_annotation_with_mapped_column_is_refused() -> None:
    """``x: int = mapped_column()`` is refused: the annotation must be Mapped[...]."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"Thing\.size"):

        class Thing(Base):
            __tablename__ = "thing"
            id: Mapped[int] = mapped_column(primary_key=True)
            size: int = mapped_column(Integer)


def test_classvar_and_allow_unmapped_leave_annotations_alone() -> None:
    """ClassVar[...] and __allow_unmapped__ = True keep plain annotations unmapped."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id: Mapped[int] = mapped_column(primary_key=True)
        limit: ClassVar[int] = 3

    class Legacy(Base):
        __tablename__ = "legacy"
        __allow_unmapped__ = True
        id: Mapped[int] = mapped_column(primary_key=True)
        note: str

    assert Thing.__mapper__.column_keys == ("id",)
    assert Legacy.__mapper__.column_keys == ("id",)


def test_collection_of_classes_without_relationship_is_refused() -> None:
    """Mapped[list["Other"]] with no relationship() is refused instead of becoming JSON."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"Thing\.others: .*relationship\(\)"):

        class Thing(Base):
            __tablename__ = "thing"
            id: Mapped[int] = mapped_column(primary_key=True)
            others: Mapped[list["Thing"]]  # noqa: UP037 - a forward name, as users write it


def test_explicit_table_refuses_extra_columns_and_annotations() -> None:
    """With __table__, a mapped_column or an annotation naming no table column is refused."""

    class Base(DeclarativeBase):
        pass

    table = Table("thing", Base.metadata, Column("id", Integer, primary_key=True))
    with pytest.raises(exc.MappingError, match=r"which has no extra"):

        class Thing(Base):
            __table__ = table
            extra: Mapped[int] = mapped_column(Integer)

    with pytest.raises(exc.MappingError, match=r"which has no missing"):

        class Other(Base):
            __table__ = table
            id: Mapped[int]
            missing: Mapped[int]


def test_explicit_table_allows_annotations_of_its_columns() -> None:
    """With __table__, Mapped[...] annotations of the table's own columns are fine."""

    class Base(DeclarativeBase):
        pass

    table = Table("thing", Base.metadata, Column("id", Integer, primary_key=True))

    class Thing(Base):
        __table__ = table
        id: Mapped[int]

    assert Thing.__mapper__.column_keys == ("id",)


@pytest.mark.parametrize(
    ("table_args", "message"),
    [
        ([UniqueConstraint("id")], r"must be a tuple .* got \["),
        (UniqueConstraint("id"), r"must be a tuple"),
        (("bogus",), r"holds 'bogus'"),
    ],
)
def test_table_args_of_the_wrong_shape_are_refused(table_args: Any, message: str) -> None:
    """__table_args__ other than a tuple, a dict or None, or holding odd items, is refused."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=message):

        class Thing(Base):
            __tablename__ = "thing"
            __table_args__ = table_args
            id: Mapped[int] = mapped_column(primary_key=True)


def test_column_in_table_args_is_mapped() -> None:
    """A Column given in __table_args__ becomes a table column and a mapped attribute."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        __table_args__ = (Column("extra", Integer), {"comment": "things"})
        id: Mapped[int] = mapped_column(primary_key=True)

    assert "extra" in Thing.__mapper__.column_keys
    assert list(Thing.__table__.columns.keys()).count("extra") == 1
    assert Thing.__table__.comment == "things"


def test_unknown_mapper_args_name_the_supported_ones() -> None:
    """An unsupported __mapper_args__ key is named, with the keys corral takes."""

    class Base(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"always_refresh; it takes batch"):

        class Thing(Base):
            __tablename__ = "thing"
            __mapper_args__ = {"always_refresh": False}
            id: Mapped[int] = mapped_column(primary_key=True)


@pytest.mark.parametrize("hook", ["__mapper_cls__", "__table_cls__"])
def test_unsupported_declarative_hooks_are_refused(hook: str) -> None:
    """SQLAlchemy's declarative hooks that corral would not call are refused by name."""

    class Base(DeclarativeBase):
        pass

    namespace: dict[str, Any] = {
        "__tablename__": "thing",
        "__annotations__": {"id": Mapped[int]},
        "id": mapped_column(primary_key=True),
        hook: classmethod(lambda cls: None),
    }
    with pytest.raises(exc.MappingError, match=rf"Thing\.{hook} is not supported"):
        type("Thing", (Base,), namespace)


def test_mixin_foreign_key_column_is_copied_with_its_key() -> None:
    """A mixin's Column(ForeignKey(...)) gives each class its own column and foreign key."""

    class Base(DeclarativeBase):
        pass

    class Owner(Base):
        __tablename__ = "owner"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Owned:
        owner_id = Column(ForeignKey("owner.id"))

    class Car(Owned, Base):
        __tablename__ = "car"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Boat(Owned, Base):
        __tablename__ = "boat"
        id: Mapped[int] = mapped_column(primary_key=True)

    car = Car.__mapper__.columns_by_key["owner_id"]
    boat = Boat.__mapper__.columns_by_key["owner_id"]
    assert car is not boat
    assert car.foreign_keys[0] is not boat.foreign_keys[0]
    assert car.foreign_keys[0].column is Owner.__table__.c.id
    assert isinstance(car.type, Integer)
    assert Owned.__dict__["owner_id"].table is None


def test_deferred_plain_column() -> None:
    """``deferred(Column(...))`` maps the Column and defers it, with its group."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id = Column(Integer, primary_key=True)
        notes = deferred(Column(String(50)), group="text")

    mapper = Thing.__mapper__
    assert mapper.column_keys == ("id", "notes")
    assert mapper.deferred == {"notes": "text"}
    assert isinstance(mapper.columns_by_key["notes"].type, String)


def test_relationship_on_a_mixin_is_refused() -> None:
    """A relationship() inherited from a mixin is refused instead of being left unmapped."""

    class Base(DeclarativeBase):
        pass

    class Owner(Base):
        __tablename__ = "owner"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Owned:
        owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
        owner: Mapped[Owner] = relationship()

    with pytest.raises(exc.MappingError, match=r"Owned\.owner: a relationship\(\) on a mixin"):

        class Car(Owned, Base):
            __tablename__ = "car"
            id: Mapped[int] = mapped_column(primary_key=True)


def test_untyped_mapped_column_with_foreign_key_takes_target_type() -> None:
    """``mapped_column(ForeignKey(...))`` with no type nor annotation adopts the target's type."""

    class Base(DeclarativeBase):
        pass

    class Child(Base):
        __tablename__ = "child"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id = mapped_column(ForeignKey("parent.id"))

    class Parent(Base):
        __tablename__ = "parent"
        id = Column(String(8), primary_key=True)

    column = Child.__mapper__.columns_by_key["parent_id"]
    assert column.type is Parent.__mapper__.columns_by_key["id"].type
