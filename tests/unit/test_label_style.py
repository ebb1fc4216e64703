"""``set_label_style()``: the SQL printed, the result's keys and a subquery's ``.c`` under each
label style, on Core selects, ORM selects, unions and the legacy Query, as SQLAlchemy 2.0
names them."""

from __future__ import annotations

from typing import Any

import pytest

import corral
from corral import (
    LABEL_STYLE_DEFAULT,
    LABEL_STYLE_DISAMBIGUATE_ONLY,
    LABEL_STYLE_NONE,
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Integer,
    String,
    exc,
    func,
    union_all,
)
from corral.orm import DeclarativeBase, Mapped, Query, mapped_column
from corral.sql.expression import SelectLabelStyle
from corral.sql.label_style import LABEL_STYLE_LEGACY_ORM
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.selectable import select
from corral.sql.text import text
from tests.unit.compile_helpers import compiled

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True), Column("x", String))
kids = Table(
    "kids",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pid", ForeignKey("parents.id")),
)
elsewhere = Table("things", metadata, Column("id", Integer, primary_key=True), schema="other")


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)


class Pet(Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))


def joined() -> corral.Select[tuple[int, int]]:
    return select(parents.c.id, kids.c.id).join_from(parents, kids)


def test_the_styles_are_exported_with_sqlalchemys_values() -> None:
    assert LABEL_STYLE_DEFAULT is LABEL_STYLE_DISAMBIGUATE_ONLY
    values = {
        LABEL_STYLE_NONE: 0,
        LABEL_STYLE_TABLENAME_PLUS_COL: 1,
        LABEL_STYLE_DISAMBIGUATE_ONLY: 2,
        LABEL_STYLE_LEGACY_ORM: 3,
    }
    assert {style: style.value for style in values} == values
    assert isinstance(LABEL_STYLE_NONE, SelectLabelStyle)
    assert corral.sql.LABEL_STYLE_NONE is LABEL_STYLE_NONE


def test_get_label_style_of_a_select_is_the_default_until_set() -> None:
    stmt = joined()
    assert stmt.get_label_style() is LABEL_STYLE_DISAMBIGUATE_ONLY
    styled = stmt.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert styled.get_label_style() is LABEL_STYLE_TABLENAME_PLUS_COL
    assert stmt.get_label_style() is LABEL_STYLE_DISAMBIGUATE_ONLY  # generative


def test_tablename_plus_col_labels_each_table_column() -> None:
    stmt = joined().set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert str(stmt) == (
        "SELECT parents.id AS parents_id, kids.id AS kids_id \n"
        "FROM parents JOIN kids ON parents.id = kids.pid"
    )
    assert compiled(stmt, "sqlite").result_keys == ("parents_id", "kids_id")
    assert list(stmt.subquery().c.keys()) == ["parents_id", "kids_id"]
    assert list(stmt.selected_columns.keys()) == ["parents_id", "kids_id"]


def test_tablename_plus_col_leaves_other_columns_as_by_default() -> None:
    stmt = select(parents.c.id, func.count(), parents.c.x.label("lx"), parents.c.id)
    stmt = stmt.group_by(parents.c.id).set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert str(stmt) == (
        "SELECT parents.id AS parents_id, count(*) AS count_1, parents.x AS lx, "
        "parents.id AS parents_id__1 \nFROM parents GROUP BY parents.id"
    )
    assert compiled(stmt, "sqlite").result_keys == ("parents_id", "count_1", "lx", "parents_id__1")


def test_tablename_plus_col_names_a_schema_table_with_its_schema() -> None:
    stmt = select(elsewhere.c.id).set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert str(stmt) == "SELECT other.things.id AS other_things_id \nFROM other.things"
    assert list(stmt.subquery().c.keys()) == ["other_things_id"]


def test_tablename_plus_col_subquery_is_labelled_in_its_sql() -> None:
    inner = joined().set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL).subquery("j")
    outer = select(inner.c.kids_id).where(inner.c.parents_id == 5)
    assert str(outer) == (
        "SELECT j.kids_id \nFROM (SELECT parents.id AS parents_id, kids.id AS kids_id \n"
        "FROM parents JOIN kids ON parents.id = kids.pid) AS j \n"
        "WHERE j.parents_id = :parents_id_1"
    )
    sql = compiled(outer, "sqlite").sql
    assert "parents.id AS parents_id, kids.id AS kids_id" in sql


def test_label_style_none_leaves_repeated_names_alone() -> None:
    stmt = select(parents.c.id, kids.c.id, func.count(), parents.c.id).join_from(parents, kids)
    stmt = stmt.group_by(parents.c.id, kids.c.id).set_label_style(LABEL_STYLE_NONE)
    assert str(stmt) == (
        "SELECT parents.id, kids.id, count(*) AS count_1, parents.id \n"
        "FROM parents JOIN kids ON parents.id = kids.pid GROUP BY parents.id, kids.id"
    )
    assert compiled(stmt, "sqlite").result_keys == ("id", "id", "count_1", "id")
    # A subquery still needs its columns apart.
    assert list(stmt.subquery().c.keys()) == ["id", "id_1", "count", "id_2"]


def test_disambiguate_only_is_what_a_select_does_unset() -> None:
    stmt = joined()
    styled = stmt.set_label_style(LABEL_STYLE_DISAMBIGUATE_ONLY)
    assert str(styled) == str(stmt)
    assert compiled(styled, "sqlite").result_keys == ("id", "id_1")


def test_the_style_is_part_of_the_cache_key() -> None:
    """The same columns under two styles compile apart: their keys differ."""
    plain = compiled(joined(), "sqlite")
    labelled = compiled(joined().set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL), "sqlite")
    assert plain.result_keys != labelled.result_keys


def test_orm_select_keys_follow_the_style() -> None:
    both = select(Owner.id, Pet.id, Owner.name).join_from(Owner, Pet)
    labelled = both.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert compiled(labelled, "sqlite").result_keys == ("owners_id", "pets_id", "owners_name")
    none = both.set_label_style(LABEL_STYLE_NONE)
    assert compiled(none, "sqlite").result_keys == ("id", "id", "name")
    assert compiled(both, "sqlite").result_keys == ("id", "id_1", "name")


def test_union_styles_its_first_select() -> None:
    """As in SQLAlchemy: the first SELECT takes the style, the union reports the default."""
    union = union_all(select(parents.c.id, parents.c.x), select(kids.c.id, kids.c.pid))
    styled = union.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert str(styled) == (
        "SELECT parents.id AS parents_id, parents.x AS parents_x \nFROM parents "
        "UNION ALL SELECT kids.id, kids.pid \nFROM kids"
    )
    assert styled.get_label_style() is LABEL_STYLE_DISAMBIGUATE_ONLY
    assert list(styled.subquery().c.keys()) == ["parents_id", "parents_x"]


def test_a_style_that_is_not_one_is_refused() -> None:
    with pytest.raises(exc.ArgumentError, match="LABEL_STYLE_TABLENAME_PLUS_COL"):
        joined().set_label_style("tablename")  # type: ignore[arg-type]
    textual = text("SELECT 1 AS a").columns(corral.column("a", Integer))
    with pytest.raises(exc.ArgumentError, match="first part"):
        union_all(textual, select(parents.c.id)).set_label_style(LABEL_STYLE_NONE)


def test_legacy_query_reports_and_prints_its_own_style() -> None:
    query: Query[Any] = Query([Owner.id, Pet.id]).join(Pet, Owner.id == Pet.owner_id)
    assert query.get_label_style is LABEL_STYLE_LEGACY_ORM
    assert query.statement.get_label_style() is LABEL_STYLE_LEGACY_ORM
    assert str(query).startswith("SELECT owners.id AS owners_id, pets.id AS pets_id")
    assert str(query.statement).startswith("SELECT owners.id, pets.id AS id_1")
    assert list(query.subquery().c.keys()) == ["id", "id_1"]
    assert list(query.subquery(with_labels=True).c.keys()) == ["owners_id", "pets_id"]


def test_legacy_query_with_a_style_prints_by_it_and_keeps_its_row_names() -> None:
    query: Query[Any] = Query([Owner.id, Pet.id]).join(Pet, Owner.id == Pet.owner_id)
    labelled = query.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    assert labelled.get_label_style is LABEL_STYLE_TABLENAME_PLUS_COL
    assert str(labelled).startswith("SELECT owners.id AS owners_id, pets.id AS pets_id")
    assert compiled(labelled.statement, "sqlite").result_keys == ("id", "id")
    assert list(labelled.subquery().c.keys()) == ["owners_id", "pets_id"]
    none = query.set_label_style(LABEL_STYLE_NONE)
    assert str(none).startswith("SELECT owners.id, pets.id \n")
    disambiguated = query.set_label_style(LABEL_STYLE_DISAMBIGUATE_ONLY)
    assert str(disambiguated).startswith("SELECT owners.id, pets.id AS id_1")
