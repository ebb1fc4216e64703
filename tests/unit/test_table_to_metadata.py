"""Table.to_metadata(): a copy with its own columns, keys, constraints and indexes."""

from __future__ import annotations

import pytest

from corral import exc
from corral.sql.ddl import CreateIndex, CreateTable
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    Table,
    UniqueConstraint,
)
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import DIALECT_NAMES, sql


def _tables() -> tuple[MetaData, Table]:
    metadata = MetaData()
    Table("owner", metadata, Column("id", Integer, primary_key=True))
    pet = Table(
        "pet",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", Integer, ForeignKey("owner.id", ondelete="CASCADE")),
        Column("name", String(20), nullable=False, info={"note": 1}),
        Column("tag", String(10), unique=True),
        Column("age", Integer, index=True),
        UniqueConstraint("owner_id", "name", name="uq_owner_name"),
        CheckConstraint("age >= 0", name="age_positive"),
        ForeignKeyConstraint(["age"], ["owner.id"], name="fk_odd"),
        Index("ix_pet_name_tag", "name", "tag"),
    )
    return metadata, pet


def test_copy_under_a_new_name_renders_the_same_table() -> None:
    """The copy's CREATE TABLE is the original's with the new name, on every dialect."""
    metadata, pet = _tables()
    copy = pet.to_metadata(metadata, name="pet_history")
    assert metadata.tables["pet_history"] is copy
    for dialect in DIALECT_NAMES:
        original = sql(CreateTable(pet), dialect)
        assert sql(CreateTable(copy), dialect) == original.replace(
            "TABLE pet (", "TABLE pet_history ("
        )


def test_copy_has_its_own_columns_and_keys() -> None:
    """New Column objects (info copied), primary key, foreign keys to the same targets."""
    metadata, pet = _tables()
    copy = pet.to_metadata(metadata, name="pet_copy")
    assert copy.columns.keys() == pet.columns.keys()
    assert all(a is not b for a, b in zip(copy.columns, pet.columns, strict=True))
    name_copy, name = copy.columns["name"], pet.columns["name"]
    assert isinstance(name_copy, Column) and isinstance(name, Column)
    assert name_copy.info == {"note": 1} and name_copy.info is not name.info
    assert [c.name for c in copy.primary_key.columns] == ["id"]
    assert sorted(fk.target for fk in copy.foreign_keys) == ["owner.id", "owner.id"]
    assert all(fk.parent is not None and fk.parent.table is copy for fk in copy.foreign_keys)
    assert len(pet.foreign_keys) == 2  # the original unchanged
    assert all(fk.parent is not None and fk.parent.table is pet for fk in pet.foreign_keys)


def test_copy_keeps_constraints_and_indexes_once() -> None:
    """Each constraint and index appears once on the copy, on the copy's columns."""
    _, pet = _tables()
    copy = pet.to_metadata(MetaData())
    kinds = sorted(type(c).__name__ for c in copy.constraints)
    assert kinds == sorted(type(c).__name__ for c in pet.constraints)
    assert sorted(i.name for i in copy.indexes) == sorted(i.name for i in pet.indexes)
    for index in copy.indexes:
        assert all(column.table is copy for column in index.columns)
        assert sql(CreateIndex(index), "sqlite").startswith("CREATE INDEX")


def test_copy_into_a_metadata_that_has_the_name_is_refused() -> None:
    """Copying onto an existing table name raises, naming it; an unknown keyword too."""
    metadata, pet = _tables()
    with pytest.raises(exc.InvalidRequestError, match="already has a table 'pet'"):
        pet.to_metadata(metadata)
    with pytest.raises(exc.ArgumentError, match="does not support referred_schema_fn"):
        pet.to_metadata(MetaData(), referred_schema_fn=lambda *a: None)
