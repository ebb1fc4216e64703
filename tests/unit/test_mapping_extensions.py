"""Mapping extensions without a database: hybrids, declared_attr, column_property, synonym,
validates, composite, mapper lookups (collections and dataclasses have their own files)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from typing import Any, ClassVar

import pytest

from corral import ForeignKey, Integer, String, exc, func, select, update
from corral.ext.hybrid import Comparator, hybrid_method, hybrid_property
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Synonym,
    class_mapper,
    column_property,
    composite,
    declared_attr,
    mapped_column,
    object_mapper,
    registry,
    relationship,
    synonym,
    synonym_for,
    validates,
)


class Base(DeclarativeBase):
    pass


class Interval(Base):
    __tablename__ = "ext_interval"

    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()

    @hybrid_property
    def length(self) -> int:
        return self.end - self.start

    @length.inplace.setter
    def _length_setter(self, value: int) -> None:
        self.end = self.start + value

    @length.inplace.deleter
    def _length_deleter(self) -> None:
        self.end = self.start

    @hybrid_method
    def contains(self, point: int) -> Any:
        return (self.start <= point) & (point <= self.end)

    @hybrid_property
    def radius(self) -> float:
        half: float = abs(self.length) / 2
        return half

    @radius.inplace.expression
    @classmethod
    def _radius_expression(cls) -> Any:
        return func.abs(cls.length) / 2


class LowerComparator(Comparator[str]):
    def __eq__(self, other: object) -> Any:
        return func.lower(self.__clause_element__()) == func.lower(other)

    def __hash__(self) -> int:
        return id(self)


class Person(Base):
    __tablename__ = "ext_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(20))
    last: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(50), default="")
    fullname: Mapped[str] = column_property(first + " " + last)
    surname: Mapped[str] = synonym("last")

    @hybrid_property
    def name_ci(self) -> str:
        return self.first.lower()

    @name_ci.inplace.comparator
    @classmethod
    def _name_ci_comparator(cls) -> LowerComparator:
        return LowerComparator(cls.first)

    @validates("email")
    def _check_email(self, key: str, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{key}: {value!r} is not an address")
        return value.lower()


class HasOwner:
    """A mixin whose foreign key and relationship each mapped class gets its own copy of."""

    owner_id: Mapped[int] = mapped_column(ForeignKey("ext_owner.id"))

    @declared_attr
    def owner(cls) -> Mapped[Owner]:
        built: Mapped[Owner] = relationship("Owner")
        return built

    @declared_attr.directive
    @classmethod
    def __tablename__(cls) -> str:
        return "ext_" + cls.__name__.lower()


class Owner(Base):
    __tablename__ = "ext_owner"

    id: Mapped[int] = mapped_column(primary_key=True)


class Car(HasOwner, Base):
    id: Mapped[int] = mapped_column(primary_key=True)


class Boat(HasOwner, Base):
    id: Mapped[int] = mapped_column(primary_key=True)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Vertex(Base):
    __tablename__ = "ext_vertex"

    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[Point] = composite(mapped_column("x1"), mapped_column("y1"))
    x2: Mapped[int] = mapped_column()
    y2: Mapped[int] = mapped_column()
    end: Mapped[Point] = composite(Point, "x2", "y2")


def test_hybrid_property_reads_python_on_objects_and_sql_on_the_class() -> None:
    """The same function gives an int on an object and an expression on the class."""
    interval = Interval(start=2, end=7)
    assert interval.length == 5
    sql = str(select(Interval.id).where(Interval.length > 3))
    assert 'ext_interval."end" - ext_interval.start > :param_1' in sql


def test_hybrid_setter_and_deleter_write_through_the_functions() -> None:
    """``obj.length = n`` runs the setter; ``del obj.length`` the deleter."""
    interval = Interval(start=2, end=7)
    interval.length = 10
    assert interval.end == 12
    del interval.length
    assert interval.end == 2


def test_hybrid_without_setter_refuses_assignment_naming_it() -> None:
    """Assigning a hybrid with no setter names the hybrid and the fix."""
    with pytest.raises(AttributeError, match=r"Interval.radius has no setter"):
        Interval(start=1, end=2).radius = 3


def test_hybrid_expression_replaces_the_class_level_sql() -> None:
    """``.expression`` (given as a classmethod via inplace) builds the class's SQL."""
    assert Interval(start=0, end=-4).radius == 2
    assert 'abs(ext_interval."end" - ext_interval.start) / ' in str(select(Interval.radius))


def test_hybrid_method_takes_arguments_on_objects_and_class() -> None:
    """A hybrid method is a method on objects and builds a condition on the class."""
    assert Interval(start=1, end=5).contains(3)
    sql = str(select(Interval.id).where(Interval.contains(3)))
    assert 'ext_interval.start <= :start_1 AND ext_interval."end" >= :end_1' in sql


def test_hybrid_comparator_redefines_the_operators() -> None:
    """A Comparator subclass's ``__eq__`` makes the class-level comparison SQL."""
    sql = str(select(Person.id).where(Person.name_ci == "Ada"))
    assert "lower(ext_person.first) = lower(:lower_1)" in sql
    assert Person(first="ADA", last="L", email="a@b").name_ci == "ada"


def test_hybrid_copies_leave_the_original_unchanged() -> None:
    """``.setter`` returns a new hybrid (SQLAlchemy 2.0), unlike ``.inplace.setter``."""

    def getter(self: Any) -> int:
        return 1

    original: hybrid_property[int] = hybrid_property(getter)
    copy = original.setter(lambda self, value: None)
    assert original.fset is None and copy.fset is not None
    assert original.update_expr is None


def test_column_property_is_selected_with_the_class_and_usable_in_sql() -> None:
    """The expression is a column of ``select(Person)`` and compares in WHERE."""
    sql = str(select(Person).where(Person.fullname == "a b"))
    assert "ext_person.first || :param_1 || ext_person.last AS fullname" in sql
    assert "WHERE ext_person.first || :param_1 || ext_person.last = " in sql
    assert Person(first="a", last="b", email="x@y").fullname is None  # not loaded yet


def test_column_property_refuses_unknown_options() -> None:
    """Options column_property() does not have are refused by name."""
    with pytest.raises(exc.ArgumentError, match="does not support comparator_factory"):
        column_property(Person.first, comparator_factory=object)


def test_synonym_reads_writes_and_compares_as_its_target() -> None:
    """A synonym is its target on objects and in SQL; the constructor takes it."""
    person = Person(first="a", surname="b", email="x@y")
    assert person.last == "b" and person.surname == "b"
    person.surname = "c"
    assert person.last == "c"
    assert isinstance(Person.__dict__["surname"], Synonym)
    assert "WHERE ext_person.last = " in str(select(Person.id).where(Person.surname == "x"))


def test_synonym_for_reads_through_the_getter_and_queries_the_column() -> None:
    """synonym_for's getter runs on objects; on the class it is the named column."""

    class Label(Base):
        __tablename__ = "ext_label_syn"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str] = mapped_column(String(20))

        @synonym_for("text")
        def shout(self) -> str:
            return self.text.upper()

    assert Label(text="hi").shout == "HI"
    assert "WHERE ext_label_syn.text = " in str(select(Label.id).where(Label.shout == "x"))


def test_synonym_refuses_map_column() -> None:
    """map_column=True is refused with what to write instead."""
    with pytest.raises(exc.ArgumentError, match=r"map_column=True\) is not supported"):
        synonym("x", map_column=True)


def test_validates_runs_in_the_constructor_and_on_assignment() -> None:
    """The validator's result is stored; a ValueError it raises propagates."""
    person = Person(first="a", last="b", email="A@B.ORG")
    assert person.email == "a@b.org"
    person.email = "C@D"
    assert person.email == "c@d"
    with pytest.raises(ValueError, match="not an address"):
        person.email = "nope"
    with pytest.raises(ValueError, match="not an address"):
        Person(first="a", last="b", email="nope")


class Team(Base):
    __tablename__ = "ext_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    players: Mapped[list[Player]] = relationship(back_populates="team")
    seen: ClassVar[list[str]] = []

    @validates("players")
    def _check_player(self, key: str, player: Player) -> Player:
        Team.seen.append(player.name)
        return player


class Player(Base):
    __tablename__ = "ext_player"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("ext_team.id"))
    name: Mapped[str] = mapped_column(String(20))
    team: Mapped[Team | None] = relationship(back_populates="players")
    teams_seen: ClassVar[list[Any]] = []

    @validates("team", include_backrefs=False)
    def _check_team(self, key: str, team: Team) -> Team:
        Player.teams_seen.append(team)
        return team


def test_validates_runs_for_changes_made_from_the_other_side() -> None:
    """Setting player.team runs the team's collection validator (include_backrefs=True);
    appending to team.players does not run the player's (include_backrefs=False)."""
    Team.seen.clear()
    Player.teams_seen.clear()
    team = Team()
    Player(name="ann").team = team
    assert Team.seen == ["ann"] and len(Player.teams_seen) == 1
    team.players.append(Player(name="bo"))
    assert Team.seen == ["ann", "bo"] and len(Player.teams_seen) == 1


def test_validates_refuses_an_unknown_attribute() -> None:
    """A validator of a name the class does not map is refused at mapping time."""
    with pytest.raises(exc.MappingError, match="validates 'nothing'"):

        class Bad(Base):
            __tablename__ = "ext_bad_validates"
            id: Mapped[int] = mapped_column(primary_key=True)

            @validates("nothing")
            def _check(self, key: str, value: Any) -> Any:
                return value


def test_validates_include_removes_is_refused() -> None:
    """include_removes=True is refused rather than ignored."""
    with pytest.raises(exc.ArgumentError, match=r"include_removes=True\) is not supported"):
        validates("x", include_removes=True)


def test_declared_attr_gives_each_class_its_own_relationship_and_table_name() -> None:
    """The mixin's relationship and __tablename__ are built per class."""
    assert Car.__table__.name == "ext_car" and Boat.__table__.name == "ext_boat"
    assert Car.owner is not Boat.owner
    assert Car.__table__.c.owner_id is not Boat.__table__.c.owner_id
    sql = str(select(Car.id).where(Car.owner.has(Owner.id == 1)))  # type: ignore[attr-defined]
    assert "FROM ext_owner" in sql and "ext_owner.id = ext_car.owner_id" in sql


def test_relationship_on_a_mixin_without_declared_attr_is_refused() -> None:
    """A plain relationship() on a mixin names declared_attr as the fix."""

    class Mixin:
        owner = relationship("Owner")

    with pytest.raises(exc.MappingError, match="make it a @declared_attr method"):

        class Bad(Mixin, Base):
            __tablename__ = "ext_bad_mixin"
            id: Mapped[int] = mapped_column(primary_key=True)
            owner_id: Mapped[int] = mapped_column(ForeignKey("ext_owner.id"))


def test_declared_attr_cascading_is_refused() -> None:
    """declared_attr.cascading is refused rather than run differently."""
    with pytest.raises(exc.ArgumentError, match="cascading is not supported"):
        declared_attr.cascading(lambda cls: None)


def test_composite_maps_its_columns_and_builds_the_value_object() -> None:
    """Inline columns are mapped (typed from Point), read and written as one Point."""
    assert list(Vertex.__table__.c.keys()) == ["id", "x1", "y1", "x2", "y2"]
    assert isinstance(Vertex.__table__.c.x1.type, Integer)
    vertex = Vertex(start=Point(1, 2), end=Point(3, 4))
    assert (vertex.x1, vertex.y1, vertex.x2, vertex.y2) == (1, 2, 3, 4)  # type: ignore[attr-defined]
    assert vertex.start == Point(1, 2) and vertex.end == Point(3, 4)
    vertex.start = Point(5, 6)
    assert vertex.x1 == 5  # type: ignore[attr-defined]


def test_composite_compares_every_column() -> None:
    """``==`` is an AND of each column; ``!=`` an OR."""
    sql = str(select(Vertex.id).where(Vertex.start == Point(1, 2)))
    assert "ext_vertex.x1 = :x1_1 AND ext_vertex.y1 = :y1_1" in sql
    sql = str(select(Vertex.id).where(Vertex.end != Point(1, 2)))
    assert "ext_vertex.x2 != :x2_1 OR ext_vertex.y2 != :y2_1" in sql


def test_all_orm_descriptors_lists_every_kind_of_mapped_attribute() -> None:
    """Columns, column_property, synonyms, hybrids and relationships are all listed."""
    descriptors = class_mapper(Person).all_orm_descriptors
    assert {"id", "first", "fullname", "surname", "name_ci"} <= set(descriptors.keys())
    assert descriptors["name_ci"] is Person.__dict__["name_ci"]
    assert "owner" in class_mapper(Car).all_orm_descriptors
    assert {"start", "end"} <= set(class_mapper(Vertex).all_orm_descriptors.keys())


def test_object_mapper_and_class_mapper() -> None:
    """Both find the Mapper; unmapped classes and objects raise the Unmapped errors."""
    assert class_mapper(Person) is Person.__mapper__
    assert object_mapper(Person(first="a", last="b", email="a@b")) is Person.__mapper__
    with pytest.raises(exc.UnmappedClassError, match="'int' is not mapped"):
        class_mapper(int)
    with pytest.raises(exc.UnmappedInstanceError, match="'str' is not mapped"):
        object_mapper("text")


def test_registry_dispose_unmaps_its_classes_only() -> None:
    """registry.dispose() un-maps the classes of that registry and leaves the others."""
    own = registry()

    class Local(DeclarativeBase):
        registry = own

    class Thing(Local):
        __tablename__ = "ext_thing"
        id: Mapped[int] = mapped_column(primary_key=True)

    own.dispose()
    with pytest.raises(exc.UnmappedClassError):
        class_mapper(Thing)
    assert class_mapper(Person) is Person.__mapper__


def test_clear_mappers_unmaps_every_class() -> None:
    """clear_mappers() un-maps every mapped class (run apart: it affects the process)."""
    program = textwrap.dedent(
        """
        from corral.orm import DeclarativeBase, Mapped, mapped_column, clear_mappers
        from corral.orm import class_mapper
        from corral import exc

        class Base(DeclarativeBase):
            pass

        class A(Base):
            __tablename__ = "a"
            id: Mapped[int] = mapped_column(primary_key=True)

        clear_mappers()
        try:
            class_mapper(A)
        except exc.UnmappedClassError:
            print("unmapped")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "unmapped"


def test_hybrid_update_expression_sets_its_columns_in_update() -> None:
    """update().values({Cls.hybrid: v}) SETs the columns update_expression returns."""

    class Named(Base):
        __tablename__ = "ext_named"
        id: Mapped[int] = mapped_column(primary_key=True)
        first: Mapped[str] = mapped_column(String(20))
        last: Mapped[str] = mapped_column(String(20))

        @hybrid_property
        def fullname(self) -> str:
            return self.first + " " + self.last

        @fullname.inplace.update_expression
        @classmethod
        def _fullname_update(cls, value: str) -> list[tuple[Any, Any]]:
            first, last = value.split(" ", 1)
            return [(cls.first, first), (cls.last, last)]

    statement = update(Named).values({Named.fullname: "Ada Lovelace"})
    assert str(statement) == "UPDATE ext_named SET first=:first, last=:last"
    hybrid = Named.__dict__["fullname"]
    assert hybrid.update_pairs(Named, "a b") == [(Named.first, "a"), (Named.last, "b")]


def test_hybrid_without_update_expression_is_refused_in_update() -> None:
    """A hybrid with no update_expression names the decorator to add."""

    def getter(self: Any) -> Any:
        return self.first

    plain: hybrid_property[Any] = hybrid_property(getter)
    with pytest.raises(exc.InvalidRequestError, match="update_expression"):
        plain.update_pairs(Person, "x")


class Span:
    """A value class that is not a dataclass: taken apart by __composite_values__."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __composite_values__(self) -> tuple[int, int]:
        return self.low, self.high

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash((self.low, self.high))


class Window(Base):
    __tablename__ = "ext_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    low: Mapped[int] = mapped_column()
    high: Mapped[int] = mapped_column()
    span: Mapped[Span] = composite(Span, "low", "high")


def test_composite_of_a_class_with_composite_values() -> None:
    """__composite_values__ gives the columns; None sets them all to None."""
    window = Window(span=Span(1, 9))
    assert (window.low, window.high) == (1, 9)
    assert window.span == Span(1, 9)
    window.span = None  # type: ignore[assignment]
    cleared: Any = window.span
    assert cleared is None and window.__dict__["low"] is None


def test_declared_attr_builds_table_args_and_mapper_args_per_class() -> None:
    """Directives from a mixin are called with each class."""
    from corral import Index

    class Indexed:
        @declared_attr.directive
        @classmethod
        def __table_args__(cls) -> tuple[Any, ...]:
            return (Index(f"ix_{cls.__tablename__}_code", "code"),)  # type: ignore[attr-defined]

    class Coded(Indexed, Base):
        __tablename__ = "ext_coded"
        id: Mapped[int] = mapped_column(primary_key=True)
        code: Mapped[str] = mapped_column(String(10))

    assert [index.name for index in Coded.__table__.indexes] == ["ix_ext_coded_code"]
