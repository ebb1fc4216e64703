"""corral.testing's helpers named after sqlalchemy.testing's, and the Mapper's hierarchy
names (inherits, base_mapper, single, iterate_to_root, get_property_by_column)."""

from __future__ import annotations

import unittest
from typing import Any

import pytest

from corral import ForeignKey, String, exc, select, testing
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.testing import (
    AssertsCompiledSQL,
    assert_raises,
    assert_raises_message,
    eq_,
    eq_ignore_whitespace,
    is_,
    is_not,
    ne_,
)
from corral.testing.entities import ComparableEntity
from corral.testing.variation import Variation


class Base(DeclarativeBase):
    pass


class Animal(Base):
    __tablename__ = "th_animal"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "animal"}


class Dog(Animal):
    __tablename__ = "th_dog"
    id: Mapped[int] = mapped_column(ForeignKey("th_animal.id"), primary_key=True)
    __mapper_args__ = {"polymorphic_identity": "dog"}


class Puppy(Dog):
    __mapper_args__ = {"polymorphic_identity": "puppy"}


class Shape(ComparableEntity):
    pass


def test_equality_assertions_pass_and_fail() -> None:
    """eq_, ne_, is_ and is_not pass when they hold and raise AssertionError otherwise."""
    eq_(1, 1)
    ne_(1, 2)
    marker = object()
    is_(marker, marker)
    is_not(marker, object())
    failing: list[tuple[Any, Any, Any]] = [
        (eq_, 1, 2),
        (ne_, 1, 1),
        (is_, marker, object()),
        (is_not, marker, marker),
    ]
    for check, a, b in failing:
        with pytest.raises(AssertionError):
            check(a, b)


def test_eq_ignore_whitespace_collapses_line_breaks() -> None:
    """Line breaks and runs of spaces count as one space."""
    eq_ignore_whitespace("SELECT a \nFROM t\n  WHERE x", "SELECT a FROM t WHERE x")
    with pytest.raises(AssertionError):
        eq_ignore_whitespace("SELECT a", "SELECT b")


def test_assert_raises_returns_the_error_and_checks_the_message() -> None:
    """The error raised is returned; no error, or a message that does not match, fails."""
    error = assert_raises(KeyError, {}.__getitem__, "k")
    assert isinstance(error, KeyError)
    assert_raises_message(ValueError, r"bad \d", _raise, ValueError("bad 7"))
    with pytest.raises(AssertionError, match="did not raise"):
        assert_raises(KeyError, lambda: None)
    with pytest.raises(AssertionError, match="does not match"):
        assert_raises_message(ValueError, "good", _raise, ValueError("bad"))


def _raise(error: Exception) -> None:
    raise error


def test_comparable_entity_compares_the_expected_sides_attributes() -> None:
    """The left object's attributes that are not None are compared; other classes differ."""
    eq_(Shape(sides=3), Shape(sides=3, color="red"))
    eq_(Shape(sides=3, color=None), Shape(sides=3, color="red"))
    ne_(Shape(sides=3, color="blue"), Shape(sides=3, color="red"))
    ne_(Shape(sides=3, color="blue"), Shape(sides=3))
    ne_(Shape(sides=[1, 2]), Shape(sides=[2, 1]))
    eq_(Shape(sides={1, 2}), Shape(sides={2, 1}))
    assert Shape(sides=3) != object()
    assert repr(Shape(sides=3, color="red")) == "Shape(color='red', sides=3)"
    assert hash(Shape(sides=1)) == hash(Shape(sides=2))


def test_assert_compile_default_and_named_dialects() -> None:
    """assert_compile compares the SQL (line breaks aside) for the class's dialect."""

    class Default(AssertsCompiledSQL):
        __dialect__ = "default"

    statement = select(Animal.id).where(Animal.id == 5)
    Default().assert_compile(
        statement,
        "SELECT th_animal.id FROM th_animal WHERE th_animal.id = :id_1",
        checkparams={"id_1": 5},
    )
    Default().assert_compile(
        statement,
        "SELECT th_animal.id FROM th_animal WHERE th_animal.id = %(id_1)s",
        dialect="postgresql",
    )
    with pytest.raises(AssertionError):
        Default().assert_compile(statement, "SELECT 1")
    with pytest.raises(exc.ArgumentError, match="does not support literal_binds"):
        Default().assert_compile(statement, "SELECT 1", literal_binds=True)


def test_variation_cases_read_as_flags() -> None:
    """A case is true for its own name only; an unknown name raises."""
    case = Variation("b", ["a", "b"])
    assert case.b and not case.a
    with pytest.raises(AttributeError, match="not one of the cases"):
        case.c  # noqa: B018
    with pytest.raises(AssertionError, match="does not handle the case 'b'"):
        case.fail()


@testing.variation("shape", ["square", "circle"])
def test_variation_parametrizes_under_pytest(shape: Any) -> None:
    """Under pytest each case runs once, with its Variation."""
    assert shape.square != shape.circle


def test_variation_under_unittest_is_called_without_its_argument() -> None:
    """unittest knows no parametrization: the test errors with a TypeError (as SQLAlchemy's)."""

    class Case(unittest.TestCase):
        @testing.variation("shape", ["square", "circle"])
        def test_it(self, shape: Any) -> None:
            pass

    result = unittest.TestResult()
    Case("test_it").run(result)
    assert len(result.errors) == 1 and "TypeError" in result.errors[0][1]


def test_mapper_hierarchy_names() -> None:
    """inherits, base_mapper, single, polymorphic_identity and iterate_to_root."""
    animal, dog, puppy = Animal.__mapper__, Dog.__mapper__, Puppy.__mapper__
    assert animal.inherits is None and dog.inherits is animal and puppy.inherits is dog
    assert puppy.base_mapper is animal and animal.base_mapper is animal
    assert puppy.single and not dog.single and not animal.single
    assert puppy.polymorphic_identity == "puppy"
    assert puppy.polymorphic_on is animal.polymorphic_on is Animal.__table__.c.kind
    assert list(puppy.iterate_to_root()) == [puppy, dog, animal]


def test_get_property_by_column() -> None:
    """The attribute mapping a column, or UnmappedColumnError (also in corral.orm.exc)."""
    from corral.orm import exc as orm_exc

    prop = Animal.__mapper__.get_property_by_column(Animal.__table__.c.kind)
    assert prop.key == "kind" and prop.columns == [Animal.__table__.c.kind]
    assert orm_exc.UnmappedColumnError is exc.UnmappedColumnError
    dog_id = Dog.__mapper__.local_table.c.id
    with pytest.raises(exc.UnmappedColumnError, match=r"maps no attribute to column th_dog\.id"):
        Animal.__mapper__.get_property_by_column(dog_id)
    assert {p.key for p in Dog.__mapper__.iterate_properties} >= {"id", "kind"}
