"""Declarative mapping without a database: annotations to columns, options, errors, inspect()."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any, Optional

import pytest

from corral import (
    Column,
    DeclarativeBase,
    ForeignKey,
    Integer,
    Mapped,
    Mapper,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    exc,
    inspect,
    mapped_column,
)
from corral.sql import types as sqltypes


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Money:
    """A Python type corral has no SQL type for (names in annotations resolve at module level)."""


class Base(DeclarativeBase):
    pass


class Everything(Base):
    __tablename__ = "everything"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]
    maybe_old: Mapped[Optional[str]]  # noqa: UP045 - the Optional spelling is what is tested
    maybe_new: Mapped[str | None]
    flag: Mapped[bool]
    ratio: Mapped[float]
    price: Mapped[decimal.Decimal]
    at: Mapped[datetime.datetime]
    day: Mapped[datetime.date]
    token: Mapped[uuid.UUID]
    blob: Mapped[bytes]
    color: Mapped[Color]
    doc: Mapped[dict[str, Any]]
    items: Mapped[list[int]]


class Note(Base):
    """Every attribute has a mapped_column(), so the typed constructor makes each optional."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(20))
    flag: Mapped[bool | None] = mapped_column()
    ratio: Mapped[float | None] = mapped_column()


def _column(cls: type[DeclarativeBase], key: str) -> Column:
    return inspect(cls).columns_by_key[key]


@pytest.mark.parametrize(
    ("key", "sql_type"),
    [
        ("id", sqltypes.Integer),
        ("text", sqltypes.String),
        ("flag", sqltypes.Boolean),
        ("ratio", sqltypes.Float),
        ("price", sqltypes.Numeric),
        ("at", sqltypes.DateTime),
        ("day", sqltypes.Date),
        ("token", sqltypes.Uuid),
        ("blob", sqltypes.LargeBinary),
        ("color", sqltypes.Enum),
        ("doc", sqltypes.JSON),
        ("items", sqltypes.JSON),
    ],
)
def test_annotation_gives_column_type(key: str, sql_type: type) -> None:
    """Each Python annotation maps to its default SQL type."""
    assert isinstance(_column(Everything, key).type, sql_type)


def test_plain_annotation_is_not_nullable() -> None:
    """Mapped[T] without None is NOT NULL."""
    assert _column(Everything, "text").nullable is False


@pytest.mark.parametrize("key", ["maybe_old", "maybe_new"])
def test_optional_and_union_none_are_nullable(key: str) -> None:
    """Optional[T] and T | None both make a nullable column of T's type."""
    column = _column(Everything, key)
    assert column.nullable is True
    assert isinstance(column.type, sqltypes.String)


def test_explicit_nullable_wins_over_annotation() -> None:
    """mapped_column(nullable=...) overrides what the annotation says."""

    class Overridden(Base):
        __tablename__ = "overridden"
        id: Mapped[int] = mapped_column(primary_key=True)
        required: Mapped[int | None] = mapped_column(nullable=False)
        optional: Mapped[int] = mapped_column(nullable=True)

    assert _column(Overridden, "required").nullable is False
    assert _column(Overridden, "optional").nullable is True


def test_column_name_differs_from_attribute() -> None:
    """A positional name in mapped_column() names the column; the attribute keeps its key."""

    class Renamed(Base):
        __tablename__ = "renamed"
        id: Mapped[int] = mapped_column(primary_key=True)
        label: Mapped[str] = mapped_column("label_text", String(10))

    column = _column(Renamed, "label")
    assert (column.name, column.key) == ("label_text", "label")
    assert Renamed(label="x").label == "x"


def test_type_annotation_map_overrides_defaults() -> None:
    """A base's type_annotation_map decides the type of an annotation."""

    class MappedBase(DeclarativeBase):
        type_annotation_map = {str: String(30)}

    class Short(MappedBase):
        __tablename__ = "short"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    column_type = _column(Short, "name").type
    assert isinstance(column_type, sqltypes.String)
    assert column_type.length == 30


def test_type_annotation_map_adds_types() -> None:
    """type_annotation_map maps a Python type corral has no default for."""

    class MoneyBase(DeclarativeBase):
        type_annotation_map = {Money: sqltypes.Numeric}

    class Priced(MoneyBase):
        __tablename__ = "priced"
        id: Mapped[int] = mapped_column(primary_key=True)
        amount: Mapped[Money]

    assert isinstance(_column(Priced, "amount").type, sqltypes.Numeric)


def test_table_args_constraints_and_options() -> None:
    """__table_args__ adds constraints and table options (the dict goes last)."""

    class Constrained(Base):
        __tablename__ = "constrained"
        __table_args__ = (UniqueConstraint("code"), {"comment": "codes"})
        id: Mapped[int] = mapped_column(primary_key=True)
        code: Mapped[str] = mapped_column(String(5))

    table = Constrained.__table__
    assert table.comment == "codes"
    assert any(isinstance(c, UniqueConstraint) for c in table.constraints)


def test_table_args_rejects_other_things() -> None:
    """__table_args__ holding something that is not a constraint names it."""
    with pytest.raises(exc.MappingError, match="__table_args__ holds 'oops'"):

        class Wrong(Base):
            __tablename__ = "wrong_args"
            __table_args__ = ("oops",)
            id: Mapped[int] = mapped_column(primary_key=True)


def test_explicit_table() -> None:
    """A class with __table__ maps that Table's columns by key."""
    table = Table(
        "explicit",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("title", String(20)),
    )

    class Explicit(Base):
        __table__ = table

    mapper = inspect(Explicit)
    assert mapper.table is table
    assert mapper.column_keys == ("id", "title")
    assert getattr(Explicit(title="t"), "title") == "t"  # noqa: B009 - not declared for mypy


def test_mixin_columns_are_mapped() -> None:
    """Columns declared on a plain mixin class become columns of each mapped subclass."""

    class Timestamps:
        created: Mapped[datetime.datetime | None]

    class First(Timestamps, Base):
        __tablename__ = "mixed_first"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Second(Timestamps, Base):
        __tablename__ = "mixed_second"
        id: Mapped[int] = mapped_column(primary_key=True)

    first, second = _column(First, "created"), _column(Second, "created")
    assert first is not second
    assert first.table is First.__table__
    assert first.nullable is True


def test_abstract_base_is_not_mapped() -> None:
    """__abstract__ classes share columns without being mapped themselves."""

    class WithId(Base):
        __abstract__ = True
        id: Mapped[int] = mapped_column(primary_key=True)

    class Concrete(WithId):
        __tablename__ = "concrete"
        name: Mapped[str]

    assert "__mapper__" not in WithId.__dict__
    assert inspect(Concrete).primary_key_attrs == ("id",)


def test_foreign_key_argument() -> None:
    """A ForeignKey passed to mapped_column() lands on the column."""

    class Child(Base):
        __tablename__ = "fk_child"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int] = mapped_column(ForeignKey("fk_parent.id"))

    (fk,) = _column(Child, "parent_id").foreign_keys
    assert fk.target == "fk_parent.id"


def test_version_id_col() -> None:
    """__mapper_args__['version_id_col'] names the version column and a default generator."""

    class Versioned(Base):
        __tablename__ = "versioned"
        id: Mapped[int] = mapped_column(primary_key=True)
        version: Mapped[int] = mapped_column(Integer)
        __mapper_args__ = {"version_id_col": version}

    mapper = inspect(Versioned)
    assert mapper.version_id_key == "version"
    assert mapper.version_id_col is mapper.columns_by_key["version"]
    assert callable(mapper.version_id_generator)
    assert mapper.version_id_generator(None) == 1
    assert mapper.version_id_generator(4) == 5


def test_version_id_col_must_be_mapped() -> None:
    """A version_id_col that is not one of the class's columns is refused."""
    stray = Column("elsewhere", Integer)
    with pytest.raises(exc.MappingError, match="version_id_col"):

        class BadVersion(Base):
            __tablename__ = "bad_version"
            id: Mapped[int] = mapped_column(primary_key=True)
            __mapper_args__ = {"version_id_col": stray}


def test_unknown_mapper_args_refused() -> None:
    """Unknown __mapper_args__ keys are named."""
    with pytest.raises(exc.MappingError, match="polymorphic_on"):

        class Args(Base):
            __tablename__ = "args"
            id: Mapped[int] = mapped_column(primary_key=True)
            __mapper_args__ = {"polymorphic_on": "x"}


def test_no_primary_key_is_refused() -> None:
    """A mapped class without a primary key says how to give it one."""
    with pytest.raises(exc.MappingError, match=r"no primary key.*primary_key=True"):

        class Keyless(Base):
            __tablename__ = "keyless"
            name: Mapped[str]


def test_unknown_annotation_type_is_refused() -> None:
    """An annotation with no SQL type names the attribute and the ways to give one."""
    with pytest.raises(exc.MappingError, match=r"Odd\.value: no SQL type.*type_annotation_map"):

        class Odd(Base):
            __tablename__ = "odd"
            id: Mapped[int] = mapped_column(primary_key=True)
            value: Mapped[complex]


def test_union_of_two_types_is_refused() -> None:
    """Mapped[int | str] cannot be one column."""
    with pytest.raises(exc.MappingError, match="cannot map the union"):

        class Either(Base):
            __tablename__ = "either"
            id: Mapped[int] = mapped_column(primary_key=True)
            value: Mapped[int | str]


def test_unknown_mapped_column_option_is_refused() -> None:
    """A misspelt mapped_column() option is named, with the accepted ones."""
    with pytest.raises(exc.ArgumentError, match=r"unknown options: primry_key.*primary_key"):
        mapped_column(primry_key=True)


def test_mapped_column_refuses_odd_positional() -> None:
    """mapped_column() explains what positional arguments it takes."""
    with pytest.raises(exc.ArgumentError, match="does not understand the argument 42"):
        mapped_column(42)


def test_missing_tablename_is_refused() -> None:
    """A subclass with neither __tablename__ nor __table__ is told to add one or be abstract."""
    with pytest.raises(exc.MappingError, match=r"__tablename__.*__abstract__"):

        class Nameless(Base):
            id: Mapped[int] = mapped_column(primary_key=True)


def test_joined_subclass_without_a_foreign_key_is_refused() -> None:
    """A subclass with its own table needs a foreign key to its parent's table to join it."""

    class Parent(Base):
        __tablename__ = "parent_refused"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(exc.MappingError, match=r"no foreign key to 'parent_refused'"):

        class Child(Parent):
            __tablename__ = "child_refused"


def test_each_base_has_its_own_metadata() -> None:
    """Two declarative bases keep separate registries and MetaData; a given MetaData is used."""
    shared = MetaData()

    class One(DeclarativeBase):
        metadata = shared

    class Two(DeclarativeBase):
        pass

    class InOne(One):
        __tablename__ = "in_one"
        id: Mapped[int] = mapped_column(primary_key=True)

    assert One.metadata is shared
    assert Two.metadata is not shared
    assert InOne.__table__ is shared.tables["in_one"]
    assert One.registry.mappers[InOne] is inspect(InOne)
    assert InOne not in Two.registry.mappers


def test_class_attribute_is_sql_expression() -> None:
    """At class level a mapped attribute is an InstrumentedAttribute for its column."""
    attribute = Everything.text
    assert attribute.column is _column(Everything, "text")
    assert attribute.describe() == "Everything.text"


# -- inspect(Model) --------------------------------------------------------------------------


def test_inspect_class_is_mapper() -> None:
    """inspect(Model) is its Mapper: table, columns in order, primary key."""
    mapper = inspect(Everything)
    assert isinstance(mapper, Mapper)
    assert mapper.class_ is Everything
    assert mapper.table is Everything.__table__
    assert mapper.column_keys[:3] == ("id", "text", "maybe_old")
    assert [c.name for c in mapper.primary_key] == ["id"]
    assert mapper.relationships == {}


def test_inspect_unmapped_class_raises() -> None:
    """inspect() of a class that is not mapped says so."""

    class Plain:
        pass

    with pytest.raises(exc.UnmappedClassError, match="Plain is not a mapped class"):
        inspect(Plain)


# -- the generated __init__ and __repr__ ---------------------------------------------------


def test_init_sets_keywords() -> None:
    """The keyword constructor sets the given attributes and leaves the others unset."""
    obj = Note(text="t", flag=True)
    assert obj.__dict__["text"] == "t"
    assert obj.flag is True
    assert "ratio" not in obj.__dict__


def test_init_unknown_keyword_names_class_and_argument() -> None:
    """An unknown keyword raises TypeError naming the class, the argument and the choices."""
    with pytest.raises(TypeError, match=r"'txet' is not an attribute of Note.*text"):
        Note(txet="t")  # type: ignore[call-arg]


def test_init_takes_no_positional_arguments() -> None:
    """The constructor is keyword-only."""
    with pytest.raises(TypeError):
        Note("t")  # type: ignore[call-arg, arg-type]


def test_repr_is_the_default_object_repr() -> None:
    """A mapped class without its own __repr__ prints as any Python object, as in SQLAlchemy
    (programs and examples print objects; a repr of corral's own would change their output)."""
    note = Note(text="t", id=3)
    assert repr(note) == object.__repr__(note)
