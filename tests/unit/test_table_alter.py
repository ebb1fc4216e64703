"""Changing a Table after it is built: append_column(), append_constraint() and the
constraints set (SQLAlchemy's spellings, which versioned_history's history_meta uses)."""

from __future__ import annotations

from typing import Any

import pytest

from corral import exc
from corral.sql.ddl import CreateTable
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import sql


def _things() -> Table:
    return Table("things", MetaData(), Column("id", Integer, primary_key=True))


def test_appended_column_is_in_create_table_with_its_flags() -> None:
    """A column added later gets the foreign key, unique constraint and index its flags
    ask for, as one given to Table() would."""
    metadata = MetaData()
    Table("owners", metadata, Column("id", Integer, primary_key=True))
    things = Table("things", metadata, Column("id", Integer, primary_key=True))
    things.append_column(Column("owner_id", Integer, ForeignKey("owners.id"), unique=True))
    things.append_column(Column("name", String(20), index=True))
    assert things.c.keys() == ["id", "owner_id", "name"]
    assert sql(CreateTable(things), "sqlite") == (
        "CREATE TABLE things (id INTEGER NOT NULL, owner_id INTEGER, name VARCHAR(20), "
        "PRIMARY KEY (id), FOREIGN KEY(owner_id) REFERENCES owners (id), UNIQUE (owner_id))"
    )
    assert [index.name for index in things.indexes] == ["ix_things_name"]
    owner_id: Any = things.c.owner_id
    assert owner_id.table is things


def test_appended_primary_key_column_joins_the_key() -> None:
    """primary_key=True on an appended column makes the key composite (and NOT NULL)."""
    things = Table("things", MetaData(), Column("id", Integer, primary_key=True))
    things.append_column(Column("version", Integer, primary_key=True, autoincrement=False))
    assert [c.name for c in things.primary_key] == ["id", "version"]
    assert "PRIMARY KEY (id, version)" in sql(CreateTable(things), "postgresql")


def test_same_name_is_refused_unless_replace_existing() -> None:
    """A second column of a name already there is an error that names replace_existing."""
    things = _things()
    things.append_column(Column("version", Integer, unique=True))
    with pytest.raises(exc.ArgumentError, match="replace_existing=True"):
        things.append_column(Column("version", Integer))
    assert len(things.c) == 2


def test_replace_existing_takes_the_old_columns_place_and_drops_its_flags() -> None:
    """With replace_existing=True the new column takes the old one's position; the unique
    constraint the old column's flag made goes with it."""
    things = _things()
    things.append_column(Column("version", Integer, unique=True))
    things.append_column(Column("name", String(10)))
    new = Column("version", Integer, nullable=False)
    things.append_column(new, replace_existing=True)
    assert things.c.keys() == ["id", "version", "name"]
    assert things.c.version is new
    assert not [c for c in things.constraints if isinstance(c, UniqueConstraint)]
    assert sql(CreateTable(things), "sqlite") == (
        "CREATE TABLE things (id INTEGER NOT NULL, version INTEGER NOT NULL, "
        "name VARCHAR(10), PRIMARY KEY (id))"
    )


def test_replacing_a_column_a_constraint_names_is_refused() -> None:
    """A constraint written for the old column would point at a column no longer in the
    table, so replacing it is refused and the table is unchanged."""
    things = _things()
    things.append_column(Column("code", Integer))
    things.append_constraint(UniqueConstraint("code", name="uq_code"))
    old = things.c.code
    with pytest.raises(exc.ArgumentError, match="uq_code"):
        things.append_column(Column("code", Integer), replace_existing=True)
    assert things.c.code is old


def test_column_of_another_table_is_refused() -> None:
    """A Column belongs to one table."""
    things = _things()
    other = Table("other", MetaData(), Column("x", Integer, primary_key=True))
    with pytest.raises(exc.ArgumentError, match="already belongs to table 'other'"):
        things.append_column(other.c.x)  # type: ignore[arg-type]


def test_append_constraint_adds_constraints_indexes_and_primary_keys() -> None:
    """append_constraint() takes a constraint, an Index, or a PrimaryKeyConstraint that
    becomes the table's key."""
    metadata = MetaData()
    Table("owners", metadata, Column("id", Integer, primary_key=True))
    things = Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", Integer),
        Column("n", Integer),
    )
    things.append_constraint(ForeignKeyConstraint(["owner_id"], ["owners.id"]))
    things.append_constraint(CheckConstraint("n > 0", name="positive"))
    things.append_constraint(Index("ix_n", "n"))
    things.append_constraint(PrimaryKeyConstraint("id", "n"))
    assert [c.name for c in things.primary_key] == ["id", "n"]
    assert [i.name for i in things.indexes] == ["ix_n"]
    assert sql(CreateTable(things), "sqlite") == (
        "CREATE TABLE things (id INTEGER NOT NULL, owner_id INTEGER, n INTEGER NOT NULL, "
        "PRIMARY KEY (id, n), FOREIGN KEY(owner_id) REFERENCES owners (id), "
        "CONSTRAINT positive CHECK (n > 0))"
    )
    with pytest.raises(exc.ArgumentError, match="takes a Constraint or an Index"):
        things.append_constraint("n > 0")  # type: ignore[arg-type]


def test_constraints_is_a_set_that_keeps_its_order() -> None:
    """table.constraints supports set operations (discard) and iterates in the order the
    constraints were added, so CREATE TABLE is stable."""
    things = Table(
        "things",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("a", Integer, unique=True),
        Column("b", Integer),
        CheckConstraint("b > 0", name="ck_b"),
    )
    check, unique = list(things.constraints)
    assert isinstance(check, CheckConstraint) and isinstance(unique, UniqueConstraint)
    things.constraints.discard(unique)
    things.constraints.discard(unique)  # discarding what is gone is no error
    assert list(things.constraints) == [check]
    assert unique not in things.constraints
    assert sql(CreateTable(things), "sqlite") == (
        "CREATE TABLE things (id INTEGER NOT NULL, a INTEGER, b INTEGER, PRIMARY KEY (id), "
        "CONSTRAINT ck_b CHECK (b > 0))"
    )


def test_primary_key_constraint_iterates_its_columns() -> None:
    """list(table.primary_key) gives its columns, as SQLAlchemy's does."""
    things = Table(
        "things",
        MetaData(),
        Column("a", Integer, primary_key=True),
        Column("b", Integer, primary_key=True),
    )
    assert list(things.primary_key) == [things.c.a, things.c.b]
    assert len(things.primary_key) == 2
    assert things.c.a in things.primary_key


def test_foreign_key_references_its_table() -> None:
    """ForeignKey.references(table): whether the key refers to that table."""
    metadata = MetaData()
    owners = Table("owners", metadata, Column("id", Integer, primary_key=True))
    other = Table("other", metadata, Column("id", Integer, primary_key=True))
    things = Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", Integer, ForeignKey("owners.id")),
        Column("other_id", Integer, ForeignKey(other.c.id)),
    )
    columns: Any = things.c
    (by_name,) = columns.owner_id.foreign_keys
    (by_column,) = columns.other_id.foreign_keys
    assert by_name.references(owners) and not by_name.references(other)
    assert by_column.references(other) and not by_column.references(owners)
