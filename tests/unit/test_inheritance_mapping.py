"""Inheritance mapping without a database: what maps, the SQL it selects with, and the
errors that name what is not supported."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from corral import AbstractConcreteBase, ConcreteBase, ForeignKey, String, exc, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    selectin_polymorphic,
    with_polymorphic,
)


class Base(DeclarativeBase):
    pass


class Animal(Base):
    __tablename__ = "animal"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_on": "kind"}


class Dog(Animal):
    __tablename__ = "dog"
    id: Mapped[int] = mapped_column(ForeignKey("animal.id"), primary_key=True)
    bark: Mapped[str]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "dog"}


class Cat(Animal):
    purr: Mapped[int | None]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "cat"}


def test_joined_subclass_selects_from_the_join_of_its_tables() -> None:
    """select(Dog) reads animal JOIN dog; Dog.id in SQL is dog.id, as in SQLAlchemy."""
    sql = str(select(Dog))
    assert "FROM animal JOIN dog ON animal.id = dog.id" in sql
    assert str(Dog.id == 1).startswith("dog.id")


def test_single_table_subclass_selects_its_rows_only() -> None:
    """select(Cat) adds the discriminator criteria and selects Cat's columns."""
    sql = str(select(Cat))
    assert "animal.kind IN" in sql
    assert "animal.purr" in sql


def test_identity_keys_name_the_base_class() -> None:
    """A subclass's identity key is the hierarchy base's class with the primary key."""
    assert Dog.__mapper__.identity_key((1,)) == (Animal, (1,))


def test_new_object_gets_its_discriminator() -> None:
    """Making a subclass object sets its polymorphic_identity."""
    given: dict[str, Any] = {"bark": "woof"}  # (no kind: the class gives it)
    assert Dog(**given).kind == "dog"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"with_polymorphic": ([], "pjoin")}, r"\(classes, selectable\) pair is not supported"),
        ({"polymorphic_load": "eager"}, r"polymorphic_load.*'inline' or 'selectin'"),
        ({"polymorphic_identity": "dog"}, r"already Dog's"),
        ({"polymorphic_on": "missing"}, r"discriminator is already 'kind'"),
        (
            {"polymorphic_load": "inline", "concrete": True},
            r"polymorphic_load='inline' on a concrete class",
        ),
    ],
)
def test_inheritance_arguments_are_checked(args: dict[str, Any], message: str) -> None:
    """Mapper arguments corral cannot honour are refused, naming them; the hierarchy is
    left as it was."""
    table = f"bird_{len(Base.metadata.tables)}"
    with pytest.raises(exc.MappingError, match=message):

        class Bird(Animal):
            __tablename__ = table
            id: Mapped[int] = mapped_column(ForeignKey("animal.id"), primary_key=True)
            __mapper_args__: ClassVar[dict[str, Any]] = args


def test_a_refused_subclass_leaves_the_hierarchy_unchanged() -> None:
    """After refused subclasses, the base still knows only its mapped ones."""
    info = Animal.__mapper__.inheritance
    assert info is not None
    assert [m.class_ for m in info.descendants()] == [Dog, Cat]
    assert set(info.identities) == {"dog", "cat"}


def test_unknown_discriminator_is_named() -> None:
    """polymorphic_on must be a mapped column of the class."""

    class Other(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match=r"polymorphic_on'\] is 'nope'"):

        class Thing(Other):
            __tablename__ = "thing"
            id: Mapped[int] = mapped_column(primary_key=True)
            __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_on": "nope"}


def test_single_table_subclass_cannot_redeclare_a_column() -> None:
    """A single-table subclass adds new columns only."""
    with pytest.raises(exc.MappingError, match=r"already has a column 'kind'"):

        class Fish(Animal):
            kind: Mapped[str]
            __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "fish"}


def test_abstract_concrete_base_with_a_table_is_refused() -> None:
    """An AbstractConcreteBase has no table: a __tablename__ on it is refused with the fix."""

    class Other(DeclarativeBase):
        pass

    with pytest.raises(exc.MappingError, match="AbstractConcreteBase, which has no table"):

        class Shape(AbstractConcreteBase, Other):
            __tablename__ = "shape"
            id: Mapped[int] = mapped_column(primary_key=True)
            __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "shape"}


def test_abstract_concrete_base_maps_onto_the_union_when_configured() -> None:
    """The base is mapped by registry.configure(), onto the UNION ALL of its subclasses'
    tables (the last declared first, the discriminator written as SQL literals), printed as
    SQLAlchemy prints it; criteria
    on its attributes read the UNION; with strict_attrs only its declared attributes are
    class attributes; it cannot be instantiated."""

    class Drawing(DeclarativeBase):
        pass

    class Shape(AbstractConcreteBase, Drawing):
        strict_attrs = True
        name: Mapped[str] = mapped_column(String(20))

    class Circle(Shape):
        __tablename__ = "circle"
        id: Mapped[int] = mapped_column(primary_key=True)
        radius: Mapped[int]
        __mapper_args__: ClassVar[dict[str, Any]] = {
            "polymorphic_identity": "circle",
            "concrete": True,
        }

    class Square(Shape):
        __tablename__ = "square"
        id: Mapped[int] = mapped_column(primary_key=True)
        side: Mapped[int]
        __mapper_args__: ClassVar[dict[str, Any]] = {
            "polymorphic_identity": "square",
            "concrete": True,
        }

    assert "__mapper__" not in Shape.__dict__
    Drawing.registry.configure()
    assert sorted(Drawing.metadata.tables) == ["circle", "square"]
    printed = " ".join(str(select(Shape).where(Shape.name == "c")).split())
    assert printed == (
        "SELECT pjoin.id, pjoin.name, pjoin.type, pjoin.radius, pjoin.side FROM ("
        "SELECT square.id AS id, square.side AS side, square.name AS name, "
        "CAST(NULL AS INTEGER) AS radius, 'square' AS type FROM square UNION ALL "
        "SELECT circle.id AS id, CAST(NULL AS INTEGER) AS side, circle.name AS name, "
        "circle.radius AS radius, 'circle' AS type FROM circle) AS pjoin "
        "WHERE pjoin.name = :name_1"
    )
    assert not hasattr(Shape, "radius")  # strict_attrs
    assert Circle(name="c", radius=1).name == "c"  # Shape's column, copied as a mixin's
    with pytest.raises(exc.InvalidRequestError, match="Shape is polymorphic_abstract"):
        Shape(name="x")


def test_concrete_subclass_needs_a_concrete_base() -> None:
    """'concrete': True under a base without ConcreteBase is refused with the fix."""
    with pytest.raises(exc.MappingError, match="ConcreteBase"):

        class Snake(Animal):
            __tablename__ = "snake"
            id: Mapped[int] = mapped_column(primary_key=True)
            kind: Mapped[str]
            __mapper_args__: ClassVar[dict[str, Any]] = {
                "polymorphic_identity": "snake",
                "concrete": True,
            }


def test_with_polymorphic_refuses_what_it_does_not_support() -> None:
    """with_polymorphic(innerjoin=True) and a class outside a hierarchy are refused."""
    with pytest.raises(exc.ArgumentError, match=r"with_polymorphic\(innerjoin=...\)"):
        with_polymorphic(Animal, [Dog], innerjoin=True)

    class Other(DeclarativeBase):
        pass

    class Plain(Other):
        __tablename__ = "plain"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(exc.ArgumentError, match="base class of a mapped inheritance"):
        with_polymorphic(Plain, "*")


def test_with_polymorphic_outer_joins_the_subclass_tables() -> None:
    """with_polymorphic(Animal, [Dog]) selects dog's columns through a LEFT OUTER JOIN."""
    poly = with_polymorphic(Animal, [Dog])
    sql = str(select(poly).where(poly.Dog.bark == "woof"))
    assert "FROM animal LEFT OUTER JOIN dog ON animal.id = dog.id" in sql
    assert "dog.bark" in sql


def test_aliased_with_polymorphic_aliases_every_table() -> None:
    """aliased=True joins aliases of the tables; its attributes read the aliases."""
    poly = with_polymorphic(Animal, [Dog], aliased=True, flat=True)
    sql = str(select(poly).where(poly.Dog.bark == "woof", poly.kind == "dog"))
    assert "FROM animal AS animal_1 LEFT OUTER JOIN dog AS dog_1 ON animal_1.id = dog_1.id" in sql
    assert "dog_1.bark = " in sql and "animal_1.kind = " in sql


def test_selectin_polymorphic_takes_subclasses_only() -> None:
    """selectin_polymorphic() names a class that is not a subclass of the base."""

    class Other(DeclarativeBase):
        pass

    class Plain(Other):
        __tablename__ = "plain2"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(exc.ArgumentError, match="mapped subclasses of Animal"):
        selectin_polymorphic(Animal, [Plain])


def test_concrete_base_union_prints_as_sqlalchemy_prints_it() -> None:
    """A ConcreteBase hierarchy's query selects the base's columns, the discriminator, then
    the subclasses' (in declaration order) from the UNION ALL of every table, the
    discriminator written as a literal (the text SQLAlchemy 2.0 prints for this mapping)."""

    class Fleet(DeclarativeBase):
        pass

    class Ship(ConcreteBase, Fleet):
        __tablename__ = "ship"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        __mapper_args__: ClassVar[dict[str, Any]] = {
            "polymorphic_identity": "ship",
            "concrete": True,
        }

    class Tanker(Ship):
        __tablename__ = "tanker"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        tonnage: Mapped[int]
        __mapper_args__: ClassVar[dict[str, Any]] = {
            "polymorphic_identity": "tanker",
            "concrete": True,
        }

    printed = " ".join(str(select(Ship).where(Ship.name == "x")).split())
    assert printed == (
        "SELECT pjoin.id, pjoin.name, pjoin.type, pjoin.tonnage FROM ("
        "SELECT ship.id AS id, ship.name AS name, CAST(NULL AS INTEGER) AS tonnage, "
        "'ship' AS type FROM ship UNION ALL SELECT tanker.id AS id, tanker.name AS name, "
        "tanker.tonnage AS tonnage, 'tanker' AS type FROM tanker) AS pjoin "
        "WHERE pjoin.name = :name_1"
    )
