"""Which objects name a compiled statement's result columns (no database needed)."""

from __future__ import annotations

import pytest

from corral import Column, Integer, MetaData, String, Table, exc, func, select
from corral.dialects.sqlite import dialect as sqlite_dialect
from corral.engine.row import keyed_row_class, row_class, statement_row_class
from corral.sql.compiler.result_objects import AMBIGUOUS, ResultObjects

metadata = MetaData()
users = Table("users", metadata, Column("id", Integer), Column("name", String))
others = Table("others", metadata, Column("id", Integer))


def test_compiled_select_records_what_it_selected() -> None:
    """The compiled statement keeps, per result column, the object selected there."""
    named = users.c.name.label("nm")
    compiled, _ = select(users.c.id, named)._compile_for(sqlite_dialect(), None, None)
    assert compiled.result_objects is not None
    assert compiled.result_objects.columns == (users.c.id, named)


def test_column_selected_twice_names_the_first() -> None:
    """A column selected twice is looked up at its first position."""
    objects = ResultObjects([users.c.id, users.c.id])
    assert objects.position_of(users.c.id) == 0


def test_same_shape_twice_is_ambiguous_for_a_new_object() -> None:
    """A new object of a shape selected twice names no single column: ambiguous."""
    objects = ResultObjects([func.count(users.c.id), func.count(users.c.id)])
    assert objects.position_of(func.count(users.c.id)) == AMBIGUOUS
    assert objects.position_of(objects.columns[1]) == 1


def test_other_columns_and_strange_keys_name_nothing() -> None:
    """Another table's column, an unhashable key or a string is not found by object."""
    objects = ResultObjects([users.c.id])
    assert objects.position_of(others.c.id) is None
    assert objects.position_of([1]) is None
    assert objects.position_of("id") is None


def test_row_mapping_by_object_and_ambiguous_name() -> None:
    """A keyed row's mapping finds values by object; an ambiguous name is ``in`` it but
    raises on lookup; a row without objects refuses object keys, naming the column."""
    row_type = keyed_row_class(("id", "id"), (users.c.id, others.c.id))
    row = row_type((1, 2))
    assert (row._mapping[users.c.id], row._mapping[others.c.id]) == (1, 2)
    assert "id" in row._mapping and users.c.id in row._mapping
    with pytest.raises(exc.InvalidRequestError, match="Ambiguous column name 'id'"):
        row._mapping["id"]
    plain = row_class(("id",))((1,))
    with pytest.raises(exc.NoSuchColumnError, match=r"users\.id; its columns are id"):
        plain._mapping[users.c.id]
    assert plain._mapping.get(users.c.id) is None


def test_statement_row_class_is_made_once_per_compiled_statement() -> None:
    """The keyed Row class is kept with the compiled statement's objects."""
    objects = ResultObjects([users.c.id])
    first = statement_row_class(("id",), objects)
    assert statement_row_class(("id",), objects) is first
    assert first._objects is objects
    assert statement_row_class(("id",), None) is row_class(("id",))
