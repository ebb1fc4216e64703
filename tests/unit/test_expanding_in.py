"""``in_(bindparam(..., expanding=True))``: compiled once, written per list length when run."""

from __future__ import annotations

import pytest

from corral import exc
from corral.sql.constructs import tuple_
from corral.sql.elements import bindparam
from corral.sql.schema import Column, MetaData, Table
from corral.sql.selectable import Select, select
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import compile_dialect

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
)


def _ids_in() -> Select:
    return select(items.c.id).where(items.c.id.in_(bindparam("ids", expanding=True)))


def test_str_shows_one_postcompile_parameter() -> None:
    """Printed SQL shows the list as one parameter, as SQLAlchemy prints it."""
    assert str(_ids_in()).endswith("WHERE items.id IN (__[POSTCOMPILE_ids])")


def test_one_compile_serves_every_list_length() -> None:
    """Two lengths share one Compiled; each execution gets placeholders for its values."""
    dialect = compile_dialect("sqlite")
    before = dialect.compile_count
    first, first_binds = (
        select(items.c.id)
        .where(items.c.id.in_(bindparam("ids", expanding=True)))
        ._compile_for(dialect, ("ids",))
    )
    second, second_binds = (
        select(items.c.id)
        .where(items.c.id.in_(bindparam("ids", expanding=True)))
        ._compile_for(dialect, ("ids",))
    )
    assert second is first
    assert dialect.compile_count == before + 1
    three, args = first.construct_expanded(first_binds, {"ids": [1, 2, 3]})
    assert three.sql == "SELECT items.id FROM items WHERE items.id IN (?, ?, ?)"
    assert args == (1, 2, 3)
    one, args = second.construct_expanded(second_binds, {"ids": [7]})
    assert one.sql == "SELECT items.id FROM items WHERE items.id IN (?)"
    assert args == (7,)
    assert first.sql == "SELECT items.id FROM items WHERE items.id IN (__[POSTCOMPILE_ids])"


def test_placeholders_follow_the_dialect_paramstyle() -> None:
    """PostgreSQL's driver takes ``%s``; a tuple IN gets one group per row."""
    dialect = compile_dialect("postgresql")
    statement = select(items.c.id).where(
        tuple_(items.c.id, items.c.name).in_(bindparam("keys", expanding=True))
    )
    compiled, binds = statement._compile_for(dialect, ("keys",))
    run, args = compiled.construct_expanded(binds, {"keys": [(1, "a"), (2, "b")]})
    assert run.sql.endswith("WHERE (items.id, items.name) IN ((%s, %s), (%s, %s))")
    assert args == (1, "a", 2, "b")


def test_an_empty_list_replaces_the_whole_condition_and_its_values() -> None:
    """IN () matches nothing and NOT IN () everything; the left side's value is dropped."""
    dialect = compile_dialect("sqlite")
    statement = select(items.c.id).where(
        (items.c.id + 5).in_(bindparam("ids", expanding=True)),
        items.c.name.not_in(bindparam("names", expanding=True)),
        items.c.id > 1,
    )
    compiled, binds = statement._compile_for(dialect, ("ids", "names"))
    run, args = compiled.construct_expanded(binds, {"ids": [], "names": []})
    assert run.sql.endswith("WHERE (1 != 1) AND (1 = 1) AND items.id > ?")
    assert args == (1,)
    run, args = compiled.construct_expanded(binds, {"ids": [6], "names": ["x", "y"]})
    assert run.sql.endswith(
        "WHERE items.id + ? IN (?) AND items.name NOT IN (?, ?) AND items.id > ?"
    )
    assert args == (5, 6, "x", "y", 1)


def test_each_value_is_checked_by_the_column_type() -> None:
    """A value the column cannot hold is refused, naming the parameter."""
    dialect = compile_dialect("sqlite")
    compiled, binds = _ids_in()._compile_for(dialect, ("ids",))
    with pytest.raises(exc.ArgumentError, match=r"Bad value for 'ids' \(items\.id\)"):
        compiled.construct_expanded(binds, {"ids": [1, "two"]})


def test_a_value_that_is_no_list_is_refused() -> None:
    """A string or a number for an expanding parameter is an error, not a list of one."""
    dialect = compile_dialect("sqlite")
    compiled, binds = _ids_in()._compile_for(dialect, ("ids",))
    for given in ("12", 12):
        with pytest.raises(exc.ArgumentError, match="takes a list of values, got"):
            compiled.construct_expanded(binds, {"ids": given})


def test_tuple_rows_of_the_wrong_width_are_refused() -> None:
    """Each row of a tuple IN has one value per element."""
    dialect = compile_dialect("sqlite")
    statement = select(items.c.id).where(
        tuple_(items.c.id, items.c.name).in_(bindparam("keys", expanding=True))
    )
    compiled, binds = statement._compile_for(dialect, ("keys",))
    with pytest.raises(exc.ArgumentError, match="takes rows of 2 values, got \\(1,\\)"):
        compiled.construct_expanded(binds, {"keys": [(1,)]})


def test_an_expanding_parameter_outside_in_is_refused() -> None:
    """``==`` with an expanding parameter has no meaning: a compile error says where it goes."""
    statement = select(items.c.id).where(items.c.id == bindparam("ids", expanding=True))
    with pytest.raises(exc.CompileError, match="goes on the right of in_\\(\\)"):
        statement._compile_for(compile_dialect("sqlite"))


def test_literal_binds_writes_the_values() -> None:
    """``literal_binds`` writes the list's values into the SQL."""
    statement = select(items.c.id).where(items.c.id.in_(bindparam("ids", [3, 4], expanding=True)))
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
    assert sql.endswith("WHERE items.id IN (3, 4)")
