"""A joined subclass printed as SQLAlchemy prints it: every column of a multi-column
attribute listed, attributes in SQLAlchemy's order (an explicitly re-mapped inherited
attribute moves after the other inherited ones), a legacy Query with table-name labels.
What runs keeps one column per attribute."""

from __future__ import annotations

from typing import Any, ClassVar

from corral import Column, ForeignKey, Integer, String, inspect, select
from corral.orm import DeclarativeBase, Mapped, Query, column_property, defer, mapped_column


class Base(DeclarativeBase):
    pass


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "staff",
    }


class Coder(Staff):
    __tablename__ = "coder"
    id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "coder"}


class Lead(Staff):
    """Re-maps the inherited ``id`` explicitly, as column_property(own, Parent.id)."""

    __tablename__ = "lead"
    id = column_property(Column(Integer, ForeignKey("staff.id"), primary_key=True), Staff.id)
    team: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "lead"}


class TechLead(Lead):
    __tablename__ = "tech_lead"
    id: Mapped[int] = mapped_column(ForeignKey("lead.id"), primary_key=True)
    stack: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "tech"}


def flat(element: object) -> str:
    return " ".join(str(element).split())


def test_select_lists_each_column_of_the_primary_key_attribute() -> None:
    """select(Coder) prints coder.id and staff.id (the subclass table's first)."""
    assert flat(select(Coder)) == (
        "SELECT coder.id, staff.id AS id_1, staff.name, staff.kind, coder.lang "
        "FROM staff JOIN coder ON staff.id = coder.id"
    )


def test_a_loader_option_keeps_every_column_listed() -> None:
    """With a load plan (defer()) the printed list still has both id columns."""
    assert flat(select(Coder).options(defer(Coder.lang))) == (
        "SELECT coder.id, staff.id AS id_1, staff.name, staff.kind "
        "FROM staff JOIN coder ON staff.id = coder.id"
    )


def test_a_column_selected_beside_the_entity_is_not_expanded() -> None:
    """staff.id selected again after the entity is the very column again: id__1."""
    assert flat(select(Coder, Staff.id)) == (
        "SELECT coder.id, staff.id AS id_1, staff.name, staff.kind, coder.lang, "
        "staff.id AS id__1 FROM staff JOIN coder ON staff.id = coder.id"
    )


def test_the_base_class_and_plain_tables_print_unchanged() -> None:
    """Only attributes mapping several columns print more than one."""
    assert flat(select(Staff)) == "SELECT staff.id, staff.name, staff.kind FROM staff"


def test_legacy_query_labels_every_listed_column() -> None:
    """str(query) of a joined subclass: each column labelled <table>_<column>."""
    assert flat(Query(Coder)) == (
        "SELECT coder.id AS coder_id, staff.id AS staff_id, staff.name AS staff_name, "
        "staff.kind AS staff_kind, coder.lang AS coder_lang "
        "FROM staff JOIN coder ON staff.id = coder.id"
    )


def test_the_statement_that_runs_keeps_one_column_per_attribute() -> None:
    """The executed SQL is compiled apart: staff.id is not selected twice."""
    from corral import create_engine

    engine = create_engine("sqlite://")
    compiled, _binds = select(Coder)._compile_for(engine.dialect, None)
    assert compiled.sql.count("staff.id") == 2  # the selected column and the ON clause
    assert "coder.id AS" not in compiled.sql


def test_an_explicitly_remapped_attribute_moves_after_the_inherited_ones() -> None:
    """column_property(own, Staff.id): id comes where the tables' columns reach it."""
    assert list(inspect(Lead).column_attrs.keys()) == ["name", "kind", "id", "team"]
    assert [c.table.name for c in inspect(Lead).column_attrs["id"].columns] == [
        "lead",
        "staff",
    ]
    assert flat(select(Lead)) == (
        "SELECT staff.name, staff.kind, lead.id, staff.id AS id_1, lead.team "
        "FROM staff JOIN lead ON staff.id = lead.id"
    )


def test_a_subclass_of_it_keeps_its_parents_order() -> None:
    """TechLead's plain id column keeps id where Lead has it; three id columns print."""
    assert list(inspect(TechLead).column_attrs.keys()) == ["name", "kind", "id", "team", "stack"]
    assert flat(select(TechLead)).startswith(
        "SELECT staff.name, staff.kind, tech_lead.id, lead.id AS id_1, staff.id AS id_2, "
        "lead.team, tech_lead.stack FROM "
    )


def test_an_inherited_attribute_not_remapped_keeps_its_place() -> None:
    """A plain ForeignKey primary key column under the inherited name: id stays first."""
    assert list(inspect(Coder).column_attrs.keys()) == ["id", "name", "kind", "lang"]
